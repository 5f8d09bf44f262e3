/**
 * Window join and window coGroup against brute-force references (every window, every key, every
 * pair), for tumbling and sliding event-time windows, at parallelism 1 and 3.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  EventTimeSessionWindows,
  FleuveError,
  NeverTrigger,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
} from "../../src/index.js";
import {
  assigner,
  ids,
  punctuated,
  type Rec,
  slidingWindowArb,
  sortedRecs,
  windowStarts,
} from "./window-join-helpers.js";

/** size/slide of a tumbling (slide = size) or sliding window. */
const windowArb = fc.oneof(
  fc.integer({ min: 1, max: 30 }).map((size) => ({ size, slide: size })),
  slidingWindowArb,
);

/** Groups records by (window start, key). */
function groups(recs: readonly Rec[], size: number, slide: number): Map<string, Rec[]> {
  const m = new Map<string, Rec[]>();
  for (const r of recs) {
    for (const start of windowStarts(r.ts, size, slide)) {
      const k = `${start}|${r.key}`;
      let g = m.get(k);
      if (!g) m.set(k, (g = []));
      g.push(r);
    }
  }
  return m;
}

function refJoin(lefts: Rec[], rights: Rec[], size: number, slide: number): string[] {
  const gl = groups(lefts, size, slide);
  const gr = groups(rights, size, slide);
  const out: string[] = [];
  for (const [k, ls] of gl) {
    const start = Number(k.split("|")[0]);
    for (const l of ls) for (const r of gr.get(k) ?? []) out.push(`${l.id}-${r.id}@${start + size - 1}`);
  }
  return out.sort();
}

function describeGroup(key: number, ls: readonly Rec[], rs: readonly Rec[], ts: number): string {
  return `${key}:[${ids(ls)}]/[${ids(rs)}]@${ts}`;
}

function refCoGroup(lefts: Rec[], rights: Rec[], size: number, slide: number): string[] {
  const gl = groups(lefts, size, slide);
  const gr = groups(rights, size, slide);
  const out: string[] = [];
  for (const k of new Set([...gl.keys(), ...gr.keys()])) {
    const [start, key] = k.split("|").map(Number) as [number, number];
    out.push(describeGroup(key, gl.get(k) ?? [], gr.get(k) ?? [], start + size - 1));
  }
  return out.sort();
}

async function runJoin(lefts: Rec[], rights: Rec[], w: { size: number; slide: number }, parallelism: number) {
  const env = StreamExecutionEnvironment.create({ parallelism, batchSize: 4 });
  const a = env.fromCollection(lefts, { strategy: punctuated() });
  const b = env.fromCollection(rights, { strategy: punctuated() });
  const got: string[] = [];
  a.join(b)
    .where((l) => l.key)
    .equalTo((r) => r.key)
    .window(assigner(w))
    .apply((l, r) => `${l.id}-${r.id}`)
    .forEach((v, ts) => {
      got.push(`${v}@${ts}`);
    });
  await env.execute("window-join-test");
  return got.sort();
}

async function runCoGroup(
  lefts: Rec[],
  rights: Rec[],
  w: { size: number; slide: number } | { gap: number },
  parallelism: number,
) {
  const env = StreamExecutionEnvironment.create({ parallelism, batchSize: 4 });
  const a = env.fromCollection(lefts, { strategy: punctuated() });
  const b = env.fromCollection(rights, { strategy: punctuated() });
  const got: string[] = [];
  a.coGroup(b)
    .where((l) => l.key)
    .equalTo((r) => r.key)
    .window("gap" in w ? EventTimeSessionWindows.withGap(w.gap) : assigner(w))
    .apply<{ ls: readonly Rec[]; rs: readonly Rec[] }>((ls, rs, out) => out.collect({ ls, rs }))
    .forEach(({ ls, rs }, ts) => {
      const keys = new Set([...ls, ...rs].map((x) => x.key));
      assert.equal(keys.size, 1, "a coGroup call mixes keys");
      got.push(describeGroup([...keys][0]!, ls, rs, ts!));
    });
  await env.execute("window-cogroup-test");
  return got.sort();
}

/** Session windows per key over both sides: a record more than `gap` after the last starts a new one. */
function refSessionCoGroup(lefts: Rec[], rights: Rec[], gap: number): string[] {
  const all = [...lefts.map((r) => ({ r, left: true })), ...rights.map((r) => ({ r, left: false }))];
  const out: string[] = [];
  for (const key of new Set(all.map((x) => x.r.key))) {
    const recs = all.filter((x) => x.r.key === key).sort((p, q) => p.r.ts - q.r.ts);
    let session: typeof recs = [];
    const emit = () => {
      if (session.length === 0) return;
      const end = session[session.length - 1]!.r.ts + gap;
      const side = (left: boolean) => session.filter((x) => x.left === left).map((x) => x.r);
      out.push(describeGroup(key, side(true), side(false), end - 1));
    };
    for (const x of recs) {
      // Windows [ts, ts + gap) merge when they overlap or touch, as in Flink.
      if (session.length > 0 && x.r.ts > session[session.length - 1]!.r.ts + gap) {
        emit();
        session = [];
      }
      session.push(x);
    }
    emit();
  }
  return out.sort();
}

describe("window join", () => {
  it("equals the brute-force reference for tumbling and sliding windows, at parallelism 1 and 3", {
    timeout: 60_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(sortedRecs(0, 40), sortedRecs(1000, 40), windowArb, async (lefts, rights, w) => {
        const expected = refJoin(lefts, rights, w.size, w.slide);
        assert.deepEqual(await runJoin(lefts, rights, w, 1), expected);
        assert.deepEqual(await runJoin(lefts, rights, w, 3), expected);
      }),
      { numRuns: 40 },
    );
  });

  it("flatApply emits any number of results per pair", { timeout: 60_000 }, async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const recs = (ids: number[], ts: number[]) => ids.map((id, i) => ({ id, key: 1, ts: ts[i]! }));
    const got: string[] = [];
    env
      .fromCollection(recs([1, 2], [0, 5]), { strategy: punctuated() })
      .join(env.fromCollection(recs([10, 11], [3, 12]), { strategy: punctuated() }))
      .where((l) => l.key)
      .equalTo((r) => r.key)
      .window(TumblingEventTimeWindows.of(10))
      .flatApply<string>((l, r, out) => {
        if (l.id === 2) return;
        out.collect(`${l.id}-${r.id}`);
        out.collect(`${r.id}-${l.id}`);
      })
      .forEach((v) => {
        got.push(v);
      });
    await env.execute();
    assert.deepEqual(got.sort(), ["1-10", "10-1"]);
  });

  it("hands trigger and allowed lateness to the window", { timeout: 60_000 }, async () => {
    const run = async (never: boolean) => {
      const env = StreamExecutionEnvironment.create({ parallelism: 1 });
      const got: string[] = [];
      const joined = env
        .fromCollection([{ id: 1, key: 1, ts: 3 }], { strategy: punctuated() })
        .join(env.fromCollection([{ id: 2, key: 1, ts: 4 }], { strategy: punctuated() }))
        .where((l) => l.key)
        .equalTo((r) => r.key)
        .window(TumblingEventTimeWindows.of(10))
        .allowedLateness(5);
      if (never) joined.trigger(NeverTrigger.create());
      joined
        .apply((l, r) => `${l.id}-${r.id}`)
        .forEach((v) => {
          got.push(v);
        });
      await env.execute();
      return got;
    };
    assert.deepEqual(await run(false), ["1-2"]);
    assert.deepEqual(await run(true), []);
    const env = StreamExecutionEnvironment.create();
    assert.throws(
      () =>
        env
          .fromElements({ k: 1 })
          .coGroup(env.fromElements({ k: 1 }))
          .where((x) => x.k)
          .equalTo((x) => x.k)
          .window(TumblingEventTimeWindows.of(10))
          .allowedLateness(-1)
          .apply(() => {}),
      (e: unknown) => e instanceof FleuveError && e.code === "FLEUVE_WINDOW_INVALID",
    );
  });

  it("rejects a missing key selector or function with a clear error", () => {
    const env = StreamExecutionEnvironment.create();
    const a = env.fromElements({ k: 1 });
    const b = env.fromElements({ k: 2 });
    assert.throws(
      () => a.join(b).where(undefined as never),
      (e: unknown) => e instanceof FleuveError && e.code === "FLEUVE_KEY_INVALID" && /where/.test(e.message),
    );
    assert.throws(
      () =>
        a
          .join(b)
          .where((x) => x.k)
          .equalTo((x) => x.k)
          .window(TumblingEventTimeWindows.of(5))
          .apply(42 as never),
      (e: unknown) => e instanceof FleuveError && e.code === "FLEUVE_GRAPH_INVALID",
    );
  });
});

describe("window coGroup", () => {
  it("equals the brute-force reference for tumbling and sliding windows, at parallelism 1 and 3", {
    timeout: 60_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(sortedRecs(0, 40), sortedRecs(1000, 40), windowArb, async (lefts, rights, w) => {
        const expected = refCoGroup(lefts, rights, w.size, w.slide);
        assert.deepEqual(await runCoGroup(lefts, rights, w, 1), expected);
        assert.deepEqual(await runCoGroup(lefts, rights, w, 3), expected);
      }),
      { numRuns: 40 },
    );
  });

  it("equals the brute-force reference for session windows (merging), at parallelism 1 and 3", {
    timeout: 60_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        sortedRecs(0, 40),
        sortedRecs(1000, 40),
        fc.integer({ min: 1, max: 20 }),
        async (lefts, rights, gap) => {
          const expected = refSessionCoGroup(lefts, rights, gap);
          assert.deepEqual(await runCoGroup(lefts, rights, { gap }, 1), expected);
          assert.deepEqual(await runCoGroup(lefts, rights, { gap }, 3), expected);
        },
      ),
      { numRuns: 30 },
    );
  });
});
