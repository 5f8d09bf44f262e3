// The demo job against brute-force oracles: sliding-window page statistics and sessions computed
// from the very events the source emitted, for random seeds, sizes, delays and parallelism.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import fc from "fast-check";
import type { ClickEvent } from "../../src/demo/clickstream.js";
import { buildDemoJob, DEFAULT_DEMO_SETTINGS, type DemoSettings } from "../../src/demo/job.js";
import type { PageWindowStats, UserSession } from "../../src/demo/results.js";

async function runDemo(s: DemoSettings, parallelism: number) {
  const env = StreamExecutionEnvironment.create({ parallelism });
  const tables: string[] = [];
  const job = buildDemoJob(env, s, (t) => tables.push(t));
  const events: ClickEvent[] = [];
  const pages: PageWindowStats[] = [];
  const sessions: UserSession[] = [];
  job.clicks
    .forEach((e) => {
      events.push(e);
    })
    .setParallelism(1);
  job.pageViews
    .forEach((p) => {
      pages.push(p);
    })
    .setParallelism(1);
  job.sessions
    .forEach((x) => {
      sessions.push(x);
    })
    .setParallelism(1);
  await env.execute("demo-under-test");
  return { events, pages, sessions, tables, totals: job.totals };
}

function oraclePages(events: readonly ClickEvent[], size: number, slide: number): PageWindowStats[] {
  const acc = new Map<string, { views: number; users: Set<string> }>();
  for (const e of events) {
    const last = e.ts - (((e.ts % slide) + slide) % slide);
    for (let start = last; start > e.ts - size; start -= slide) {
      const k = `${e.page}\u0000${start}`;
      const a = acc.get(k) ?? { views: 0, users: new Set<string>() };
      a.views++;
      a.users.add(e.user);
      acc.set(k, a);
    }
  }
  return [...acc].map(([k, a]) => {
    const [page, start] = k.split("\u0000");
    return {
      kind: "page" as const,
      page: page!,
      start: Number(start),
      end: Number(start) + size,
      views: a.views,
      uniqueUsers: a.users.size,
    };
  });
}

/** Session windows: [ts, ts + gap) per event, merged when they overlap or touch. */
function oracleSessions(events: readonly ClickEvent[], gap: number): UserSession[] {
  const byUser = new Map<string, number[]>();
  for (const e of events) byUser.set(e.user, [...(byUser.get(e.user) ?? []), e.ts]);
  const out: UserSession[] = [];
  for (const [user, tss] of byUser) {
    tss.sort((a, b) => a - b);
    let start = tss[0]!;
    let last = start;
    let views = 0;
    for (const ts of tss) {
      if (ts - last > gap) {
        out.push({ kind: "session", user, start, end: last + gap, views });
        start = ts;
        views = 0;
      }
      last = ts;
      views++;
    }
    out.push({ kind: "session", user, start, end: last + gap, views });
  }
  return out;
}

const key = (x: object) => JSON.stringify(x);
const sorted = <T extends object>(xs: readonly T[]) => xs.map(key).sort();

test("demo results equal brute-force oracles (random seeds, users, delays, parallelism)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        seed: fc.integer({ min: 0, max: 1_000_000 }),
        users: fc.integer({ min: 1, max: 300 }),
        events: fc.integer({ min: 1, max: 4000 }),
        maxDelayMs: fc.integer({ min: 0, max: 20_000 }),
        parallelism: fc.integer({ min: 1, max: 3 }),
      }),
      async (c) => {
        const s: DemoSettings = {
          ...DEFAULT_DEMO_SETTINGS,
          events: c.events,
          durationMs: undefined,
          ratePerSecond: undefined,
          users: c.users,
          seed: c.seed,
          maxDelayMs: c.maxDelayMs,
        };
        const r = await runDemo(s, c.parallelism);
        assert.equal(r.events.length, c.events);
        assert.deepEqual(sorted(r.pages), sorted(oraclePages(r.events, s.windowSizeMs, s.windowSlideMs)));
        const expectedSessions = oracleSessions(r.events, s.sessionGapMs);
        assert.deepEqual(sorted(r.sessions), sorted(expectedSessions));
        // Think times stay under the gap and pauses above it: each simulated session is one window.
        assert.equal(expectedSessions.length, new Set(r.events.map((e) => `${e.user}/${e.session}`)).size);
        assert.equal(r.totals.sessions, expectedSessions.length);
        assert.equal(r.totals.pageResults, r.pages.length);
      },
    ),
    { numRuns: 15 },
  );
});

test("the clickstream is out of order by at most maxDelayMs, and really out of order", async () => {
  const s = {
    ...DEFAULT_DEMO_SETTINGS,
    events: 5000,
    durationMs: undefined,
    ratePerSecond: undefined,
    users: 500,
  };
  const { events } = await runDemo(s, 1);
  let max = Number.NEGATIVE_INFINITY;
  let disordered = 0;
  for (const e of events) {
    assert.ok(e.ts >= max - s.maxDelayMs, `event at ${e.ts} is more than ${s.maxDelayMs} ms behind ${max}`);
    if (e.ts < max) disordered++;
    max = Math.max(max, e.ts);
  }
  assert.ok(disordered > events.length / 10, `only ${disordered} of ${events.length} events out of order`);
});

test("the report prints one table per reported window end, in event-time order", async () => {
  const s = { ...DEFAULT_DEMO_SETTINGS, events: 30_000, durationMs: undefined, ratePerSecond: undefined };
  const r = await runDemo(s, 2);
  const ends = [...new Set(r.pages.map((p) => p.end))].filter((e) => e % s.reportEveryMs === 0).sort();
  assert.equal(r.tables.length, ends.length);
  assert.ok(ends.length >= 2);
  const shown = r.tables.map((t) => /^window \[[\d:]+, ([\d:]+)\)/.exec(t)![1]);
  assert.deepEqual(
    shown,
    ends.map((e) => new Date(e).toISOString().slice(11, 19)),
  );
  // The top row of each table is the page with the most views in that window.
  for (const [i, end] of ends.entries()) {
    const inWindow = r.pages.filter((p) => p.end === end);
    const most = Math.max(...inWindow.map((p) => p.views));
    assert.match(r.tables[i]!.split("\n")[2]!, new RegExp(`\\s${most}\\s+\\d+$`));
  }
});
