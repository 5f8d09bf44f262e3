/**
 * PatternStream's three ways to results: select (one per match), flatSelect (zero or more),
 * process (an object per subtask with open/close, the context's key, timestamp and side outputs);
 * bad functions are refused when the job is built. Also dynamic patterns over a stream that is
 * not keyed (parallelism 1).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { OutputTag, StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink } from "@fleuve/core/testing";
import { CEP } from "../src/cep.js";
import type { PatternUpdate } from "../src/dynamic/pattern-update.js";
import { Pattern } from "../src/pattern.js";

interface Reading {
  sensor: string;
  celsius: number;
}
const spikes = Pattern.for<Reading>()
  .begin("hot")
  .where((r) => r.celsius > 90)
  .times(2)
  .consecutive()
  .within(60_000);
const readings: Reading[] = [
  { sensor: "s1", celsius: 95 },
  { sensor: "s2", celsius: 20 },
  { sensor: "s1", celsius: 97 },
  { sensor: "s2", celsius: 99 },
  { sensor: "s1", celsius: 30 },
  { sensor: "s2", celsius: 98 },
];
const at = readings.map((_, i) => i * 1_000);

function source(env: StreamExecutionEnvironment) {
  return env.fromCollection(readings, { timestamps: at }).keyBy((r) => r.sensor);
}

test("select, flatSelect and process turn matches into records", { timeout: 60_000 }, async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2, log: () => {} });
  const selected = new CollectSink<string>();
  const flat = new CollectSink<number>();
  const processed = new CollectSink<string>();
  const notes = new CollectSink<string>();
  const note = new OutputTag<string>("notes");
  CEP.pattern(source(env), spikes)
    .select((m) => `${m.hot[0]!.sensor}: ${m.hot.map((r) => r.celsius).join(", ")}`)
    .sinkTo(selected);
  CEP.pattern(source(env), spikes)
    .flatSelect((m, out) => {
      for (const r of m.hot) out.collect(r.celsius);
    })
    .sinkTo(flat);
  const opened: number[] = [];
  const withContext = CEP.pattern(source(env), spikes).process<string>({
    open() {
      opened.push(1);
    },
    processMatch(m, ctx, out) {
      out.collect(`${String(ctx.key)}@${ctx.timestamp} ${ctx.patternId} v${ctx.patternVersion}`);
      ctx.output(note, `max ${Math.max(...m.hot.map((r) => r.celsius))}`);
    },
  });
  withContext.sinkTo(processed);
  withContext.getSideOutput(note).sinkTo(notes);
  await env.execute("pattern-stream");
  assert.deepEqual(selected.values().sort(), ["s1: 95, 97", "s2: 99, 98"]);
  assert.deepEqual(flat.values().sort(), [95, 97, 98, 99]);
  assert.deepEqual(processed.values().sort(), ["s1@2000 pattern v0", "s2@5000 pattern v0"]);
  assert.deepEqual(notes.values().sort(), ["max 97", "max 99"]);
  assert.equal(opened.length, 2, "open() once per subtask");
});

test("bad pattern functions are refused when the job is built", () => {
  const env = StreamExecutionEnvironment.create();
  const ps = CEP.pattern(source(env), spikes);
  const refused = (f: () => unknown, re: RegExp) =>
    assert.throws(
      f,
      (e: Error & { code?: string }) => e.code === "FLEUVE_GRAPH_INVALID" && re.test(e.message),
    );
  refused(() => ps.select(undefined as never), /select\(\.\.\.\) needs a function/);
  refused(() => ps.flatSelect(42 as never), /flatSelect\(\.\.\.\) needs a function/);
  refused(() => ps.process({} as never), /processMatch/);
});

test("dynamic patterns over a stream that is not keyed run at parallelism 1 and see every event", {
  timeout: 60_000,
}, async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 3, log: () => {} });
  const registry = {
    spikes: (p: { above: number }) =>
      Pattern.for<Reading>()
        .begin("hot")
        .where((r) => r.celsius > p.above)
        .times(2)
        .within(60_000),
  };
  const rules = env.fromCollection<PatternUpdate>([
    { id: "any-two-spikes", version: 1, pattern: { factory: "spikes", params: { above: 96 } } },
  ]);
  const data = env.fromCollection(readings, { timestamps: at });
  const out = await CEP.dynamicPatterns(data, rules, registry)
    .select(
      (m, ctx) =>
        `${ctx.patternId}: ${m.hot!.map((r) => `${r.sensor}=${r.celsius}`).join(" ")} key=${String(ctx.key)}`,
    )
    .executeAndCollect();
  // Readings of both sensors together (not keyed): 97 (s1), 99 (s2), 98 (s2).
  assert.deepEqual(out.sort(), [
    "any-two-spikes: s1=97 s2=99 key=undefined",
    "any-two-spikes: s2=99 s2=98 key=undefined",
  ]);
});
