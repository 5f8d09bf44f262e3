/**
 * `evictor()` on window joins and coGroups (Flink's `JoinedStreams.WithWindow.evictor` /
 * `CoGroupedStreams.WithWindow.evictor`): the evictor sees each window's records of both sides as
 * tagged unions, and the join pairs (the coGroup groups) only what it leaves. Compared with a
 * brute-force reference for tumbling and sliding windows, at parallelism 1 and 3.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type Evictor,
  isFleuveError,
  StreamExecutionEnvironment,
  type TaggedUnion,
  TimeEvictor,
  type TimestampedValue,
  TumblingEventTimeWindows,
  type Window,
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

/**
 * The evictors under test, each with what it keeps of one window's group: `TimeEvictor.of(ms)`
 * (records within `ms` of the newest), and one that looks at the side tag (drops left records
 * with an odd id), which only works if it gets the tagged union.
 */
type EvictorSpec = { kind: "time"; ms: number } | { kind: "odd-lefts" };

const evictorArb = fc.oneof(
  fc.integer({ min: 1, max: 30 }).map((ms): EvictorSpec => ({ kind: "time", ms })),
  fc.constant<EvictorSpec>({ kind: "odd-lefts" }),
);

function makeEvictor(spec: EvictorSpec): Evictor<TaggedUnion<Rec, Rec>, Window> {
  if (spec.kind === "time") return TimeEvictor.of(spec.ms);
  const drop = (xs: TimestampedValue<TaggedUnion<Rec, Rec>>[]) => {
    for (let i = xs.length - 1; i >= 0; i--) {
      const u = xs[i]!.value;
      if (u.side === 1 && u.value.id % 2 === 1) xs.splice(i, 1);
    }
  };
  return { evictBefore: drop, evictAfter: () => {} };
}

/** Brute force: what the evictor leaves of one window's group of both sides. */
function survivors(spec: EvictorSpec, ls: Rec[], rs: Rec[]): { ls: Rec[]; rs: Rec[] } {
  if (spec.kind === "odd-lefts") return { ls: ls.filter((l) => l.id % 2 === 0), rs };
  const max = Math.max(...ls.map((r) => r.ts), ...rs.map((r) => r.ts));
  const keep = (r: Rec) => r.ts > max - spec.ms;
  return { ls: ls.filter(keep), rs: rs.filter(keep) };
}

/** Groups of records by window and key, both sides: `start|key` -> lefts, rights. */
function groups(lefts: Rec[], rights: Rec[], size: number, slide: number) {
  const m = new Map<string, { ls: Rec[]; rs: Rec[] }>();
  const add = (r: Rec, left: boolean) => {
    for (const start of windowStarts(r.ts, size, slide)) {
      const k = `${start}|${r.key}`;
      let g = m.get(k);
      if (!g) m.set(k, (g = { ls: [], rs: [] }));
      (left ? g.ls : g.rs).push(r);
    }
  };
  for (const r of lefts) add(r, true);
  for (const r of rights) add(r, false);
  return m;
}

function reference(
  lefts: Rec[],
  rights: Rec[],
  w: { size: number; slide: number },
  spec: EvictorSpec,
  op: "join" | "coGroup",
): string[] {
  const out: string[] = [];
  for (const [k, g] of groups(lefts, rights, w.size, w.slide)) {
    const [start, key] = k.split("|").map(Number) as [number, number];
    const { ls, rs } = survivors(spec, g.ls, g.rs);
    const ts = start + w.size - 1;
    if (op === "join") {
      for (const l of ls) for (const r of rs) out.push(`${l.id}-${r.id}@${ts}`);
    } else if (ls.length + rs.length > 0) {
      out.push(`${key}:[${ids(ls)}]/[${ids(rs)}]@${ts}`);
    }
  }
  return out.sort();
}

async function run(
  lefts: Rec[],
  rights: Rec[],
  w: { size: number; slide: number },
  spec: EvictorSpec,
  op: "join" | "coGroup",
  parallelism: number,
): Promise<string[]> {
  const env = StreamExecutionEnvironment.create({ parallelism, batchSize: 4 });
  const a = env.fromCollection(lefts, { strategy: punctuated() });
  const b = env.fromCollection(rights, { strategy: punctuated() });
  const got: string[] = [];
  if (op === "join") {
    a.join(b)
      .where((l) => l.key)
      .equalTo((r) => r.key)
      .window(assigner(w))
      .evictor(makeEvictor(spec))
      .apply((l, r) => `${l.id}-${r.id}`)
      .forEach((v, ts) => {
        got.push(`${v}@${ts}`);
      });
  } else {
    a.coGroup(b)
      .where((l) => l.key)
      .equalTo((r) => r.key)
      .window(assigner(w))
      .evictor(makeEvictor(spec))
      .apply<string>((ls, rs, out) => {
        const key = [...ls, ...rs][0]?.key;
        // A group the evictor emptied entirely still calls the function, with nothing.
        if (key !== undefined) out.collect(`${key}:[${ids(ls)}]/[${ids(rs)}]`);
      })
      .forEach((v, ts) => {
        got.push(`${v}@${ts}`);
      });
  }
  await env.execute(`window-${op}-evictor-test`);
  return got.sort();
}

describe("window join and coGroup with an evictor", () => {
  for (const op of ["join", "coGroup"] as const) {
    it(`${op}: the evictor sees both sides' records and ${op} uses only what it leaves (parallelism 1 and 3)`, {
      timeout: 120_000,
    }, async () => {
      await fc.assert(
        fc.asyncProperty(
          sortedRecs(0, 30),
          sortedRecs(1000, 30),
          slidingWindowArb,
          evictorArb,
          async (lefts, rights, w, spec) => {
            const expected = reference(lefts, rights, w, spec, op);
            assert.deepEqual(await run(lefts, rights, w, spec, op, 1), expected);
            assert.deepEqual(await run(lefts, rights, w, spec, op, 3), expected);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it("rejects something that is not an evictor, naming the option", () => {
    const env = StreamExecutionEnvironment.create();
    const a = env.fromCollection([1]);
    const windowed = a
      .join(env.fromCollection([2]))
      .where((x) => x)
      .equalTo((x) => x)
      .window(TumblingEventTimeWindows.of(10));
    assert.throws(
      () => windowed.evictor({} as never),
      (e: unknown) =>
        isFleuveError(e) &&
        e.code === "FLEUVE_WINDOW_INVALID" &&
        /join\(\.\.\.\)\.window\(\.\.\.\)\.evictor\(evictor\): pass an Evictor/.test(e.message),
    );
  });
});
