/**
 * Smoke test of the core benchmarks: each pipeline (and its plain baseline) on 20k events must
 * produce exactly what a brute-force computation over all the events says. This checks that the
 * benchmarks compute the right thing; it never looks at speed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { addResult, type Digest, emptyDigest } from "./digest.js";
import { type BenchEvent, eventGenerator, type StreamShape } from "./events.js";
import {
  BENCHMARKS,
  buildJob,
  SESSION_GAP_MS,
  SLIDING_SIZE_MS,
  SLIDING_SLIDE_MS,
  TUMBLING_SIZE_MS,
} from "./pipelines.js";

const COUNT = 20_000;
// 100 keys, one record per 200 ms of event time: 20k records span 67 min, so tumbling and sliding
// windows fire while records still flow, and a key's records are 20 s apart on average, so
// sessions (gap 30 s) both continue and break.
const SHAPE: StreamShape = {
  keys: 100,
  eventsPerMs: 0.005,
  maxOutOfOrdernessMs: 100,
  startTs: 1_767_225_600_000,
};

function events(): BenchEvent[] {
  const gen = eventGenerator(SHAPE);
  return Array.from({ length: COUNT }, (_, i) => gen(i));
}

function groupCount(
  es: BenchEvent[],
  windowsOf: (e: BenchEvent) => number[],
  agg: (e: BenchEvent) => number,
) {
  const m = new Map<string, { key: number; end: number; agg: number }>();
  for (const e of es) {
    for (const end of windowsOf(e)) {
      const id = `${e.key}/${end}`;
      const r = m.get(id) ?? { key: e.key, end, agg: 0 };
      r.agg += agg(e);
      m.set(id, r);
    }
  }
  const d = emptyDigest();
  for (const r of m.values()) addResult(d, r.key, r.end, r.agg);
  return d;
}

/** Brute-force results of every benchmark, straight from the definitions. */
const ORACLES: Record<string, (es: BenchEvent[]) => Digest> = {
  stateless(es) {
    const d = emptyDigest();
    for (const e of es) if (e.key % 10 !== 0) addResult(d, e.key, 0, e.value * 2 + 1);
    return d;
  },
  keyed(es) {
    const d = emptyDigest();
    const seen = new Map<number, number>();
    for (const e of es) {
      const c = (seen.get(e.key) ?? 0) + 1;
      seen.set(e.key, c);
      addResult(d, e.key, 0, c);
    }
    return d;
  },
  tumbling: (es) =>
    groupCount(
      es,
      (e) => [Math.floor(e.ts / TUMBLING_SIZE_MS) * TUMBLING_SIZE_MS + TUMBLING_SIZE_MS],
      () => 1,
    ),
  sliding: (es) =>
    groupCount(
      es,
      (e) => {
        // every window [end - size, end) with end a multiple of the slide that contains e.ts
        const ends: number[] = [];
        for (
          let end = Math.floor(e.ts / SLIDING_SLIDE_MS) * SLIDING_SLIDE_MS + SLIDING_SLIDE_MS;
          end - SLIDING_SIZE_MS <= e.ts;
          end += SLIDING_SLIDE_MS
        )
          ends.push(end);
        return ends;
      },
      (e) => e.value,
    ),
  session(es) {
    const byKey = new Map<number, number[]>();
    for (const e of es) {
      const l = byKey.get(e.key) ?? [];
      l.push(e.ts);
      byKey.set(e.key, l);
    }
    const d = emptyDigest();
    for (const [key, tss] of byKey) {
      tss.sort((x, y) => x - y);
      let n = 1;
      for (let i = 1; i <= tss.length; i++) {
        if (i === tss.length || tss[i]! - tss[i - 1]! > SESSION_GAP_MS) {
          addResult(d, key, tss[i - 1]! + SESSION_GAP_MS, n);
          n = 1;
        } else n++;
      }
    }
    return d;
  },
};

const all = events();
for (const bench of BENCHMARKS) {
  test(`benchmark '${bench.name}' computes the brute-force results (engine and baseline)`, async () => {
    const expected = ORACLES[bench.name]!(all);
    assert.ok(expected.n > 100, "the oracle should produce results");

    const base = emptyDigest();
    bench.baseline(COUNT, eventGenerator(SHAPE), SHAPE, (o) => bench.digest(base, o));
    assert.deepEqual(base, expected, "baseline");

    const engine = emptyDigest();
    const env = StreamExecutionEnvironment.create();
    buildJob(env, bench, { count: COUNT, gen: eventGenerator(SHAPE), shape: SHAPE }, engine);
    await env.execute(`smoke-${bench.name}`);
    assert.deepEqual(engine, expected, "engine");
  });
}
