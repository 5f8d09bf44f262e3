/**
 * Interval join: the operator against a brute-force nested-loop reference (harness, with late
 * records and per-input watermarks), bounds, state cleanup, and whole jobs at parallelism 1 and 3.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type DataStream,
  FleuveError,
  type HeapKeyedStateSnapshot,
  IntervalJoinOperator,
  keyGroupOf,
  normalizeKey,
  OutputTag,
  StreamExecutionEnvironment,
  subtaskForKeyGroup,
  WatermarkStrategy,
} from "../../src/index.js";
import { LEFT_BUFFER, RIGHT_BUFFER } from "../../src/joins/interval-join-operator.js";
import type { OperatorSnapshot } from "../../src/spi/operator.js";
import { KeyedTwoInputOperatorHarness } from "../../src/testing/index.js";

interface Rec {
  id: number;
  key: number;
  ts: number;
}
type Ev =
  | { kind: "L"; key: number; ts: number }
  | { kind: "R"; key: number; ts: number }
  | { kind: "W1"; w: number }
  | { kind: "W2"; w: number };

interface Bounds {
  lower: number;
  upper: number;
  lowerInclusive: boolean;
  upperInclusive: boolean;
}

const boundsArb: fc.Arbitrary<Bounds> = fc
  .record({
    lower: fc.integer({ min: -12, max: 12 }),
    width: fc.integer({ min: 0, max: 16 }),
    lowerInclusive: fc.boolean(),
    upperInclusive: fc.boolean(),
  })
  .map(({ lower, width, lowerInclusive, upperInclusive }) => ({
    lower,
    upper: lower + width,
    lowerInclusive,
    upperInclusive,
  }));

// Record timestamps are even and watermarks odd, so no record ever sits exactly on the watermark:
// a record is either clearly on time or clearly late, and the reference needs no tie rule.
const eventArb: fc.Arbitrary<Ev> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("L" as const),
      key: fc.nat(2),
      ts: fc.nat(30).map((x) => 2 * x),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("R" as const),
      key: fc.nat(2),
      ts: fc.nat(30).map((x) => 2 * x),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("W1" as const), w: fc.nat(30).map((x) => 2 * x + 1) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("W2" as const), w: fc.nat(30).map((x) => 2 * x + 1) }),
  },
);

function inInterval(b: Bounds, l: number, r: number): boolean {
  const d = r - l;
  return (b.lowerInclusive ? d >= b.lower : d > b.lower) && (b.upperInclusive ? d <= b.upper : d < b.upper);
}

function makeOperator(b: Bounds, leftLate?: OutputTag<Rec>, rightLate?: OutputTag<Rec>) {
  return new IntervalJoinOperator<Rec, Rec, string>(
    {
      processElement(l, r, ctx, out) {
        assert.equal(ctx.leftTimestamp, l.ts);
        assert.equal(ctx.rightTimestamp, r.ts);
        assert.equal(ctx.timestamp, Math.max(l.ts, r.ts));
        out.collect(`${l.id}-${r.id}`);
      },
    },
    {
      lowerBound: b.lower,
      upperBound: b.upper,
      lowerBoundInclusive: b.lowerInclusive,
      upperBoundInclusive: b.upperInclusive,
      leftLateDataTag: leftLate,
      rightLateDataTag: rightLate,
    },
  );
}

/** Last time (inclusive) at which a buffered record can still be needed; Flink's cleanup time. */
function cleanupTime(b: Bounds, side: "L" | "R", ts: number): number {
  const lower = b.lowerInclusive ? b.lower : b.lower + 1;
  const upper = b.upperInclusive ? b.upper : b.upper - 1;
  const rel = side === "L" ? upper : -lower;
  return rel > 0 ? ts + rel : ts;
}

type Harness = KeyedTwoInputOperatorHarness<Rec, Rec, string>;

/** The buckets (timestamp -> records) of one buffer, per key, read from the keyed state backend. */
function stateEntries(h: Harness, name: string): Map<number, Rec[]>[] {
  const out: Map<number, Rec[]>[] = [];
  // The harness keeps its keyed state on the heap backend.
  const snapshot = h.keyedState!.snapshot() as HeapKeyedStateSnapshot;
  for (const byName of Object.values(snapshot.keyGroups)) {
    for (const [, v] of byName[name] ?? []) out.push(v as Map<number, Rec[]>);
  }
  return out;
}

/** The nested-loop reference: every pair of the given (non-late) records within the bounds. */
function referenceJoin(b: Bounds, lefts: readonly Rec[], rights: readonly Rec[]): string[] {
  const expected: string[] = [];
  for (const l of lefts)
    for (const r of rights) {
      if (l.key === r.key && inInterval(b, l.ts, r.ts))
        expected.push(`${l.id}-${r.id}@${Math.max(l.ts, r.ts)}`);
    }
  return expected.sort();
}

const MAX_PARALLELISM = 128;

/**
 * Feeds events to the operator (one harness per subtask, records routed by key group) and, in
 * step, to a reference model: the watermark is the min of both inputs' largest, and a record is
 * late when its timestamp is below it.
 */
class Driver {
  harnesses: Harness[] = [];
  readonly output: string[] = [];
  readonly lateL = new OutputTag<Rec>("late-left");
  readonly lateR = new OutputTag<Rec>("late-right");
  readonly lefts: Rec[] = [];
  readonly rights: Rec[] = [];
  readonly expLateL: Rec[] = [];
  readonly expLateR: Rec[] = [];
  readonly gotLateL: Rec[] = [];
  readonly gotLateR: Rec[] = [];
  private w1 = Number.NEGATIVE_INFINITY;
  private w2 = Number.NEGATIVE_INFINITY;
  private nextId = 0;

  constructor(
    readonly b: Bounds,
    parallelism = 1,
  ) {
    this.harnesses = this.create(parallelism);
  }

  private create(parallelism: number, restoreFrom?: OperatorSnapshot[]): Harness[] {
    return Array.from(
      { length: parallelism },
      (_, i) =>
        new KeyedTwoInputOperatorHarness<Rec, Rec, string>(
          makeOperator(this.b, this.lateL, this.lateR),
          (r) => r.key,
          (r) => r.key,
          { parallelism, subtaskIndex: i, maxParallelism: MAX_PARALLELISM, restoreFrom },
        ),
    );
  }

  private route(key: number): Harness {
    const kg = keyGroupOf(normalizeKey(key), MAX_PARALLELISM);
    return this.harnesses[subtaskForKeyGroup(kg, this.harnesses.length, MAX_PARALLELISM)]!;
  }

  feed(e: Ev): void {
    if (e.kind === "W1") {
      this.w1 = Math.max(this.w1, e.w);
      for (const h of this.harnesses) h.processWatermark1(e.w);
      this.checkCleanup();
    } else if (e.kind === "W2") {
      this.w2 = Math.max(this.w2, e.w);
      for (const h of this.harnesses) h.processWatermark2(e.w);
      this.checkCleanup();
    } else {
      const rec: Rec = { id: this.nextId++, key: e.key, ts: e.ts };
      const late = rec.ts < Math.min(this.w1, this.w2);
      if (e.kind === "L") {
        this.route(rec.key).processElement1(rec, rec.ts);
        (late ? this.expLateL : this.lefts).push(rec);
      } else {
        this.route(rec.key).processElement2(rec, rec.ts);
        (late ? this.expLateR : this.rights).push(rec);
      }
    }
  }

  /** Nothing stays buffered once its cleanup time is behind the watermark. */
  private checkCleanup(): void {
    const wm = Math.min(this.w1, this.w2);
    for (const h of this.harnesses) {
      for (const [name, side] of [
        [LEFT_BUFFER, "L"],
        [RIGHT_BUFFER, "R"],
      ] as const) {
        for (const m of stateEntries(h, name)) {
          for (const ts of m.keys())
            assert.ok(cleanupTime(this.b, side, ts) > wm, `${side} bucket ${ts} kept at ${wm}`);
        }
      }
    }
  }

  private drain(): void {
    for (const h of this.harnesses) {
      for (const o of h.getOutput()) this.output.push(`${o.value}@${o.timestamp}`);
      for (const o of h.getSideOutput(this.lateL)) {
        assert.equal(o.timestamp, o.value.ts);
        this.gotLateL.push(o.value);
      }
      for (const o of h.getSideOutput(this.lateR)) this.gotLateR.push(o.value);
      h.clearOutput();
    }
  }

  /**
   * Checkpoint and restore at another parallelism. Upstream watermarks are re-sent after the
   * restore, as sources re-establish them, so the model's watermark carries on unchanged.
   */
  restore(parallelism: number): void {
    this.drain();
    const snaps = this.harnesses.map((h) => h.snapshot());
    for (const h of this.harnesses) h.close();
    this.harnesses = this.create(parallelism, snaps);
    for (const h of this.harnesses) {
      if (this.w1 > Number.NEGATIVE_INFINITY) h.processWatermark1(this.w1);
      if (this.w2 > Number.NEGATIVE_INFINITY) h.processWatermark2(this.w2);
    }
  }

  /** Ends the input and checks output, side outputs and that no state or timer is left. */
  finishAndCheck(): void {
    for (const h of this.harnesses) h.endInput();
    this.drain();
    assert.deepEqual(this.output.sort(), referenceJoin(this.b, this.lefts, this.rights));
    // Subtasks are drained one after the other: compare late records in id order.
    const byId = (xs: Rec[]) => xs.slice().sort((p, q) => p.id - q.id);
    assert.deepEqual(byId(this.gotLateL), this.expLateL);
    assert.deepEqual(byId(this.gotLateR), this.expLateR);
    for (const h of this.harnesses) {
      assert.equal(stateEntries(h, LEFT_BUFFER).length, 0);
      assert.equal(stateEntries(h, RIGHT_BUFFER).length, 0);
      assert.equal(h.numEventTimeTimers(), 0);
      assert.equal(h.numKeyedStateEntries(), 0);
      h.close();
    }
  }
}

describe("interval join operator (harness)", () => {
  it("equals a nested-loop join over the records that are not late, sends late ones to side outputs, and cleans its state", () => {
    fc.assert(
      fc.property(boundsArb, fc.array(eventArb, { maxLength: 120 }), (b, events) => {
        const d = new Driver(b);
        for (const e of events) d.feed(e);
        d.finishAndCheck();
      }),
      { numRuns: 300 },
    );
  });

  it("gives the same result across checkpoints restored at parallelism 1 to 3", () => {
    fc.assert(
      fc.property(
        boundsArb,
        fc.array(eventArb, { maxLength: 120 }),
        fc.array(fc.record({ at: fc.nat(120), parallelism: fc.integer({ min: 1, max: 3 }) }), {
          maxLength: 3,
        }),
        fc.integer({ min: 1, max: 3 }),
        (b, events, restores, p0) => {
          const d = new Driver(b, p0);
          events.forEach((e, i) => {
            for (const r of restores) if (r.at === i) d.restore(r.parallelism);
            d.feed(e);
          });
          d.finishAndCheck();
        },
      ),
      { numRuns: 150 },
    );
  });

  it("applies inclusive and exclusive bounds exactly at the edges", () => {
    const run = (b: Bounds) => {
      const h = new KeyedTwoInputOperatorHarness<Rec, Rec, string>(
        makeOperator(b),
        (r) => r.key,
        (r) => r.key,
      );
      h.processElement1({ id: 0, key: 1, ts: 10 }, 10);
      for (let t = 0; t <= 20; t++) h.processElement2({ id: t, key: 1, ts: t }, t);
      h.endInput();
      return h
        .getOutputValues()
        .map((o) => Number(o.split("-")[1]))
        .sort((a, c) => a - c);
    };
    const range = (a: number, z: number) => Array.from({ length: z - a + 1 }, (_, i) => a + i);
    assert.deepEqual(run({ lower: -2, upper: 3, lowerInclusive: true, upperInclusive: true }), range(8, 13));
    assert.deepEqual(run({ lower: -2, upper: 3, lowerInclusive: false, upperInclusive: true }), range(9, 13));
    assert.deepEqual(run({ lower: -2, upper: 3, lowerInclusive: true, upperInclusive: false }), range(8, 12));
    assert.deepEqual(
      run({ lower: -2, upper: 3, lowerInclusive: false, upperInclusive: false }),
      range(9, 12),
    );
    assert.deepEqual(run({ lower: 0, upper: 0, lowerInclusive: true, upperInclusive: true }), [10]);
    assert.deepEqual(run({ lower: 0, upper: 0, lowerInclusive: false, upperInclusive: true }), []);
  });

  it("drops a record behind the watermark but keeps one at the watermark (Flink's rule)", () => {
    const lateL = new OutputTag<Rec>("late-left");
    const b = { lower: -5, upper: 5, lowerInclusive: true, upperInclusive: true };
    const h = new KeyedTwoInputOperatorHarness<Rec, Rec, string>(
      makeOperator(b, lateL),
      (r) => r.key,
      (r) => r.key,
    );
    h.processElement2({ id: 100, key: 7, ts: 20 }, 20);
    h.processWatermark1(20);
    h.processWatermark2(20);
    h.processElement1({ id: 1, key: 7, ts: 19 }, 19); // late: 19 < 20
    h.processElement1({ id: 2, key: 7, ts: 20 }, 20); // on time: not < 20
    h.endInput();
    assert.deepEqual(h.getOutputValues(), ["2-100"]);
    assert.deepEqual(
      h.getSideOutput(lateL).map((o) => o.value),
      [{ id: 1, key: 7, ts: 19 }],
    );
  });

  it("fails with a clear error on records without timestamps", () => {
    const b = { lower: 0, upper: 1, lowerInclusive: true, upperInclusive: true };
    const h = new KeyedTwoInputOperatorHarness<Rec, Rec, string>(
      makeOperator(b),
      (r) => r.key,
      (r) => r.key,
    );
    assert.throws(
      () => h.processElement1({ id: 1, key: 1, ts: 0 }, Number.NEGATIVE_INFINITY),
      (e: unknown) =>
        e instanceof FleuveError && e.code === "FLEUVE_CONFIG_INVALID" && /timestamp/.test(e.message),
    );
  });
});

/** Watermark after every record: its timestamp - 1 (records come sorted, so none is late). */
function punctuated<T extends { ts: number }>() {
  return WatermarkStrategy.forGenerator<T>(() => ({
    onEvent(_e, ts, out) {
      out.emitWatermark(ts - 1);
    },
    onPeriodicEmit() {},
  })).withTimestampAssigner((e) => e.ts);
}

interface Pair {
  l: number;
  r: number;
  ts: number;
}

async function runJob(
  lefts: Rec[],
  rights: Rec[],
  b: Bounds,
  parallelism: number,
  batchSize: number,
): Promise<string[]> {
  // Small batches interleave the two inputs at the join, so both sides find buffered partners.
  const env = StreamExecutionEnvironment.create({ parallelism, batchSize });
  const a = env.fromCollection(lefts, { strategy: punctuated<Rec>() });
  const c = env.fromCollection(rights, { strategy: punctuated<Rec>() });
  let joined = a
    .keyBy((x) => x.key)
    .intervalJoin(c.keyBy((x) => x.key))
    .between(b.lower, b.upper);
  if (!b.lowerInclusive) joined = joined.lowerBoundExclusive();
  if (!b.upperInclusive) joined = joined.upperBoundExclusive();
  const out: DataStream<Pair> = joined.process<Pair>((l, r, ctx, o) =>
    o.collect({ l: l.id, r: r.id, ts: ctx.timestamp }),
  );
  const got: string[] = [];
  out.forEach((p, ts) => {
    assert.equal(ts, p.ts);
    got.push(`${p.l}-${p.r}@${p.ts}`);
  });
  await env.execute("interval-join-test");
  return got.sort();
}

const sortedRecs = (maxLength: number) =>
  fc
    .array(fc.record({ key: fc.nat(2), ts: fc.nat(60) }), { maxLength })
    .map((xs) => xs.sort((p, q) => p.ts - q.ts).map((x, i) => ({ id: i, ...x })));

describe("intervalJoin (jobs)", () => {
  it("equals the nested-loop reference at parallelism 1 and 3", { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        sortedRecs(60),
        sortedRecs(60),
        boundsArb,
        fc.integer({ min: 1, max: 8 }),
        async (lefts, rights, b, batch) => {
          const expected: string[] = [];
          for (const l of lefts)
            for (const r of rights) {
              if (l.key === r.key && inInterval(b, l.ts, r.ts))
                expected.push(`${l.id}-${r.id}@${Math.max(l.ts, r.ts)}`);
            }
          expected.sort();
          assert.deepEqual(await runJob(lefts, rights, b, 1, batch), expected);
          assert.deepEqual(await runJob(lefts, rights, b, 3, batch), expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("with the skip error policy, drops only the pair the function fails on", {
    timeout: 60_000,
  }, async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2, batchSize: 2, errorPolicy: "skip" });
    const lefts = [0, 10, 20, 30].map((ts, i) => ({ id: i, key: 1, ts }));
    const rights = [5, 15, 25].map((ts, i) => ({ id: 10 + i, key: 1, ts }));
    const out: string[] = [];
    env
      .fromCollection(lefts, { strategy: punctuated<Rec>() })
      .keyBy((x) => x.key)
      .intervalJoin(env.fromCollection(rights, { strategy: punctuated<Rec>() }).keyBy((x) => x.key))
      .between(-10, 10)
      .process<string>((l, r, _c, o) => {
        if (l.id === 1 && r.id === 11) throw new Error("bad pair");
        o.collect(`${l.id}-${r.id}`);
      })
      .forEach((v) => {
        out.push(v);
      });
    await env.execute();
    assert.deepEqual(out.sort(), ["0-10", "1-10", "2-11", "2-12", "3-12"]);
  });

  it("rejects a lower bound above the upper bound and non-integer bounds", () => {
    const env = StreamExecutionEnvironment.create();
    const a = env.fromElements(1).keyBy((x) => x);
    const b = env.fromElements(2).keyBy((x) => x);
    const code = (e: unknown) => e instanceof FleuveError && e.code === "FLEUVE_CONFIG_INVALID";
    assert.throws(() => a.intervalJoin(b).between(5, 4), code);
    assert.throws(() => a.intervalJoin(b).between(0.5, 4), code);
    assert.throws(() => a.intervalJoin(b).between(0, Number.POSITIVE_INFINITY), code);
    assert.doesNotThrow(() => a.intervalJoin(b).between(-3, -3));
  });
});
