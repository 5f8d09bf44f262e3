// The progress line reads the job's metrics registry: events at the source, the watermark of the
// window operators (minimum over subtasks; "none yet" until each has one) and its lag.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MetricsRegistry } from "@fleuve/core";
import { ClickstreamStats } from "../../src/demo/clickstream.js";
import { DEMO_OPERATORS, DEMO_START_TIME } from "../../src/demo/job.js";
import { formatProgress, readFigures } from "../../src/demo/progress.js";

function registry() {
  const m = new MetricsRegistry();
  const src = [m.operator(DEMO_OPERATORS.source, "s", 0), m.operator(DEMO_OPERATORS.source, "s", 1)];
  const pages = [m.operator(DEMO_OPERATORS.pageViews, "p", 0), m.operator(DEMO_OPERATORS.pageViews, "p", 1)];
  const sessions = [m.operator(DEMO_OPERATORS.sessions, "x", 0)];
  return { m, src, pages, sessions };
}

test("figures sum records over subtasks and take the minimum watermark", () => {
  const { m, src, pages, sessions } = registry();
  const stats = new ClickstreamStats();
  src[0]!.recordsOut.inc(700);
  src[1]!.recordsOut.inc(300);
  pages[0]!.recordsOut.inc(20);
  sessions[0]!.recordsOut.inc(5);
  // Subtask 1 of the page windows has no watermark yet (gauge 0): no watermark overall.
  pages[0]!.currentWatermark.set(DEMO_START_TIME + 50_000);
  sessions[0]!.currentWatermark.set(DEMO_START_TIME + 40_000);
  let f = readFigures(m, stats, 2000, 500);
  assert.equal(f.events, 1000);
  assert.equal(f.windowResults, 25);
  assert.equal(f.watermark, undefined);
  assert.equal(f.maxEventTime, undefined);
  assert.match(formatProgress(f), /^1,000 events \(500\/s\) \| watermark - \| 25 window results \| 2\.0 s$/);

  pages[1]!.currentWatermark.set(DEMO_START_TIME + 45_000);
  stats.maxEventTime = DEMO_START_TIME + 46_500;
  f = readFigures(m, stats, 2000, 500);
  assert.equal(f.watermark, DEMO_START_TIME + 40_000);
  assert.match(formatProgress(f), /\| watermark 12:00:40 \(lag 6\.5 s\) \|/);
});

test("after the end of input the watermark reads as such", () => {
  const { m, pages, sessions } = registry();
  for (const op of [...pages, ...sessions]) op.currentWatermark.set(Number.POSITIVE_INFINITY);
  const f = readFigures(m, new ClickstreamStats(), 1000, 0);
  assert.equal(f.watermark, Number.POSITIVE_INFINITY);
  assert.match(formatProgress(f), /watermark end of input/);
});
