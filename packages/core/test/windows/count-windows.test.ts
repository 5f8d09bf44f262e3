/**
 * `countWindow(size[, slide])` on a keyed stream and `countWindowAll(size[, slide])` on a stream,
 * against a brute-force count window per key: every `slide` records (every `size` when tumbling) a
 * window fires with the last `size` records, in arrival order.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type AggregateFunction,
  type Collector,
  type DataStream,
  isFleuveError,
  StreamExecutionEnvironment,
} from "../../src/index.js";
import { type FnKind, type Rec, recordsArb, runWindowJob, sumRecs } from "./oracle-helpers.js";

const idsAgg: AggregateFunction<Rec, number[], string> = {
  createAccumulator: () => [],
  add: (r, acc) => {
    acc.push(r.id);
    return acc;
  },
  getResult: (acc) => acc.join(","),
  merge: (a, b) => a.concat(b),
};

/** Brute force: per key, the ids of each firing (`slide` undefined: tumbling). */
function reference(
  records: readonly Rec[],
  keyOf: (r: Rec) => string,
  size: number,
  slide: number | undefined,
  kind: FnKind,
): string[] {
  const seen = new Map<string, number[]>();
  const out: string[] = [];
  for (const r of records) {
    const k = keyOf(r);
    const ids = seen.get(k) ?? [];
    ids.push(r.id);
    seen.set(k, ids);
    if (ids.length % (slide ?? size) !== 0) continue;
    const fired = ids.slice(-size);
    out.push(
      kind === "reduce"
        ? `${k}|n=${fired.length}|sum=${fired.reduce((a, b) => a + b, 0)}`
        : `${k}|${fired.join(",")}`,
    );
  }
  return out.sort();
}

/**
 * Applies the window function `kind`: process and aggregate give `key|ids in arrival order`,
 * reduce gives `key|n=count|sum=sum of ids`. `w` is a keyed or non-keyed windowed stream.
 */
function apply(w: any, kind: FnKind, label: (key: unknown, r?: Rec) => string): DataStream<string> {
  if (kind === "reduce") {
    const reduced = w.reduce(sumRecs) as DataStream<Rec>;
    return reduced.map((r) => `${label(undefined, r)}|n=${r.n}|sum=${r.sum}`);
  }
  if (kind === "aggregate") {
    return w.aggregate(idsAgg, {
      process(key: unknown, _ctx: unknown, results: readonly string[], out: Collector<string>) {
        out.collect(`${label(key)}|${results[0]}`);
      },
    });
  }
  return w.process({
    process(key: unknown, _ctx: unknown, elements: readonly Rec[], out: Collector<string>) {
      out.collect(`${label(key)}|${elements.map((e) => e.id).join(",")}`);
    },
  });
}

const fnKindArb = fc.constantFrom<FnKind>("process", "reduce", "aggregate");
/** Window size, and slide (undefined: tumbling), for the keyed and the non-keyed count windows. */
const sizeArb = fc.integer({ min: 1, max: 6 });
const slideArb = fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined });

for (const parallelism of [1, 3]) {
  test(`countWindow(size[, slide]) matches a brute-force count window per key (parallelism ${parallelism})`, async () => {
    await fc.assert(
      fc.asyncProperty(recordsArb, sizeArb, slideArb, fnKindArb, async (records, size, slide, kind) => {
        const got = await runWindowJob(records, 0, parallelism, (s) =>
          apply(s.keyBy((r) => r.key).countWindow(size, slide), kind, (key, r) => String(key ?? r!.key)),
        );
        assert.deepEqual(got, { main: reference(records, (r) => r.key, size, slide, kind), late: [] });
      }),
      { numRuns: 150 },
    );
  });
}

test("countWindowAll(size[, slide]) matches a brute-force count window over all records", async () => {
  await fc.assert(
    fc.asyncProperty(recordsArb, sizeArb, slideArb, fnKindArb, async (records, size, slide, kind) => {
      const got = await runWindowJob(records, 0, 3, (s) => {
        const w = s.countWindowAll(size, slide);
        // The non-keyed window functions get no key: call the shared keyed ones with none.
        const keyless = {
          reduce: (fn: (a: Rec, b: Rec) => Rec) => w.reduce(fn),
          aggregate: (agg: typeof idsAgg, pwf: any) =>
            w.aggregate(agg, { process: (ctx, rs, out) => pwf.process(undefined, ctx, rs, out) }),
          process: (pwf: any) =>
            w.process({ process: (ctx, es, out) => pwf.process(undefined, ctx, es, out) }),
        };
        return apply(keyless, kind, () => "all");
      });
      assert.deepEqual(got, { main: reference(records, () => "all", size, slide, kind), late: [] });
    }),
    { numRuns: 150 },
  );
});

test("countWindow and countWindowAll reject a size or slide that is not a positive integer", () => {
  const env = StreamExecutionEnvironment.create();
  const s = env.fromCollection([1, 2, 3]);
  for (const [call, option] of [
    [() => s.keyBy((x) => x).countWindow(0), "size"],
    [() => s.keyBy((x) => x).countWindow(2, 1.5), "slide"],
    [() => s.countWindowAll(-1), "size"],
    [() => s.countWindowAll(3, 0), "slide"],
  ] as const) {
    assert.throws(call, (e: unknown) => {
      assert.ok(isFleuveError(e));
      assert.equal(e.code, "FLEUVE_WINDOW_INVALID");
      assert.match(
        e.message,
        new RegExp(`countWindow(All)?\\(size, slide\\?\\): ${option} must be a positive integer`),
      );
      return true;
    });
  }
});
