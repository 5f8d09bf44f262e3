/**
 * CEP end to end with real patterns (the NFA): the fraud pattern in a job (matches, time-outs and
 * late events written out), against a brute-force reference on random out-of-order input, with a
 * restore mid-match at another parallelism; absence firing on time in event and processing time;
 * idle keys released; memory bounded by the per-key limit over a long run; non-keyed streams;
 * options checked when the job is built.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { OutputTag, StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { keyGroupOf, normalizeKey, type OperatorSnapshot, subtaskForKeyGroup } from "@fleuve/core/spi";
import { CollectSink, collect, KeyedOneInputOperatorHarness, ScriptedSource } from "@fleuve/core/testing";
import fc from "fast-check";
import { CEP } from "../src/cep.js";
import type { PatternUpdate } from "../src/dynamic/pattern-update.js";
import { NFA } from "../src/nfa/nfa.js";
import { CEP_GAUGES, CepOperator, type CepOperatorOptions } from "../src/operator/cep-operator.js";
import { Pattern } from "../src/pattern.js";
import type { DroppedMatch, PatternProcessFunction, TimedOutMatch } from "../src/pattern-process-function.js";

interface Payment {
  card: string;
  amount: number;
  at: number;
  id: string;
}

const MIN = 60_000;

/** "A small payment (< 10) then a large one (> 500) within 10 minutes" (per card when keyed). */
const smallThenLarge = Pattern.for<Payment>()
  .begin("small")
  .where((p) => p.amount < 10)
  .followedBy("large")
  .where((p) => p.amount > 500)
  .within(10 * MIN);

type Fraud = { small: Payment[]; large: Payment[] };
const timedOutTag = new OutputTag<TimedOutMatch<Fraud>>("timed-out");
const lateTag = new OutputTag<Payment>("late");

test("the fraud pattern in a job: matches per card, time-outs and late payments on their side outputs", {
  timeout: 60_000,
}, async () => {
  const pay = (id: string, card: string, amount: number, at: number): Payment => ({ id, card, amount, at });
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const src = new ScriptedSource<Payment>([
    { value: pay("p1", "c1", 1, 0), timestamp: 0 },
    { value: pay("p2", "c2", 2, 1 * MIN), timestamp: 1 * MIN },
    { value: pay("p3", "c1", 900, 4 * MIN), timestamp: 4 * MIN }, // c1: p1 then p3 within 10 min
    { value: pay("p4", "c2", 50, 3 * MIN), timestamp: 3 * MIN }, // out of order, not large
    { watermark: 5 * MIN },
    { value: pay("p5", "c2", 700, 2 * MIN), timestamp: 2 * MIN }, // late: the watermark passed it
    { value: pay("p6", "c2", 800, 12 * MIN), timestamp: 12 * MIN }, // c2: p2 + 11 min, too late
    { value: pay("p7", "c1", 5, 20 * MIN), timestamp: 20 * MIN },
    { value: pay("p8", "c1", 600, 29 * MIN), timestamp: 29 * MIN }, // c1: p7 then p8 within 10 min
  ]);
  const matches = CEP.pattern(
    env
      .fromSource(src)
      .setParallelism(1)
      .keyBy((p) => p.card),
    smallThenLarge,
    {
      timedOut: timedOutTag,
      lateOutput: lateTag,
    },
  ).select((m) => `${m.small[0]!.id}->${m.large[0]!.id}`);
  const timedOut = matches
    .getSideOutput(timedOutTag)
    .map((t) => `${t.match.small![0]!.id}@${t.timeoutTimestamp / MIN}`);
  const late = matches.getSideOutput(lateTag).map((p) => p.id);
  const [m, t, l] = [new CollectSink<string>(), new CollectSink<string>(), new CollectSink<string>()];
  matches.sinkTo(m);
  timedOut.sinkTo(t);
  late.sinkTo(l);
  await env.execute("fraud");
  assert.deepEqual(m.values().sort(), ["p1->p3", "p7->p8"]);
  assert.deepEqual(t.values(), ["p2@11"]);
  assert.deepEqual(l.values(), ["p5"]);
});

/** Brute force: per card, in (timestamp, arrival) order, each small payment with the first large one after it. */
function fraudReference(accepted: readonly { p: Payment; seq: number }[]) {
  const matches: string[] = [];
  const timedOut: string[] = [];
  const byCard = new Map<string, { p: Payment; seq: number }[]>();
  for (const x of accepted) byCard.set(x.p.card, [...(byCard.get(x.p.card) ?? []), x]);
  for (const list of byCard.values()) {
    const sorted = list.slice().sort((a, b) => a.p.at - b.p.at || a.seq - b.seq);
    sorted.forEach(({ p: s }, i) => {
      if (!(s.amount < 10)) return;
      const large = sorted.slice(i + 1).find(({ p }) => p.amount > 500);
      if (large !== undefined && large.p.at - s.at < 10 * MIN)
        matches.push(`${s.id}->${large.p.id}@${large.p.at}`);
      else timedOut.push(`${s.id}@${s.at + 10 * MIN}`);
    });
  }
  return { matches: matches.sort(), timedOut: timedOut.sort() };
}

const pairs: PatternProcessFunction<Fraud, string> = {
  processMatch: (m, ctx, out) => out.collect(`${m.small[0]!.id}->${m.large[0]!.id}@${ctx.timestamp}`),
};

function fraudHarness(
  extra: { parallelism?: number; subtaskIndex?: number; restoreFrom?: OperatorSnapshot[] } = {},
  options: CepOperatorOptions<Payment> = {},
) {
  return new KeyedOneInputOperatorHarness(
    new CepOperator<Payment, string>(NFA.compile(smallThenLarge), pairs, {
      timedOut: timedOutTag,
      lateOutput: lateTag,
      ...options,
    }),
    (p: Payment) => p.card,
    { maxParallelism: 128, ...extra },
  );
}

test("fraud pattern on random out-of-order payments equals a brute-force reference, with restores mid-match at other parallelisms", () => {
  const stepArb = fc.array(
    fc.oneof(
      {
        weight: 10,
        arbitrary: fc.record({
          kind: fc.constant("pay" as const),
          card: fc.constantFrom("c1", "c2", "c3", "c4"),
          amount: fc.constantFrom(1, 5, 50, 600, 900),
          jitter: fc.integer({ min: -3 * MIN, max: 3 * MIN }),
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({ kind: fc.constant("wm" as const), lag: fc.integer({ min: 0, max: 4 * MIN }) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("snap" as const),
          parallelism: fc.integer({ min: 1, max: 3 }),
        }),
      },
    ),
    { maxLength: 60 },
  );
  fc.assert(
    fc.property(stepArb, (steps) => {
      let clock = 0;
      let wm = Number.NEGATIVE_INFINITY;
      let p = 1;
      let hs = [fraudHarness()];
      const accepted: { p: Payment; seq: number }[] = [];
      const expectedLate: string[] = [];
      const got = { matches: [] as string[], timedOut: [] as string[], late: [] as string[] };
      const drain = () => {
        for (const h of hs) {
          got.matches.push(...h.getOutputValues());
          got.timedOut.push(
            ...h
              .getSideOutput(timedOutTag)
              .map((r) => `${r.value.match.small![0]!.id}@${r.value.timeoutTimestamp}`),
          );
          got.late.push(...h.getSideOutput(lateTag).map((r) => r.value.id));
          h.clearOutput();
        }
      };
      let n = 0;
      for (const s of steps) {
        if (s.kind === "pay") {
          clock += MIN;
          const pay: Payment = { id: `p${n}`, card: s.card, amount: s.amount, at: clock + s.jitter };
          n++;
          if (pay.at <= wm) expectedLate.push(pay.id);
          else accepted.push({ p: pay, seq: n });
          const owner = subtaskForKeyGroup(keyGroupOf(normalizeKey(pay.card), 128), p, 128);
          hs[owner]!.processElement(pay, pay.at);
        } else if (s.kind === "wm") {
          if (clock - s.lag > wm) {
            wm = clock - s.lag;
            for (const h of hs) h.processWatermark(wm);
          }
        } else {
          const snaps = hs.map((h) => h.snapshot());
          drain();
          p = s.parallelism;
          hs = Array.from({ length: p }, (_, i) =>
            fraudHarness({ parallelism: p, subtaskIndex: i, restoreFrom: snaps }),
          );
          if (wm !== Number.NEGATIVE_INFINITY) for (const h of hs) h.processWatermark(wm);
        }
      }
      for (const h of hs) h.endInput();
      drain();
      const ref = fraudReference(accepted);
      assert.deepEqual(got.matches.sort(), ref.matches);
      assert.deepEqual(got.timedOut.sort(), ref.timedOut);
      assert.deepEqual(got.late.sort(), expectedLate.sort());
    }),
    { numRuns: 100 },
  );
});

interface Order {
  kind: "order" | "payment";
  order: string;
  at?: number;
}
/** "An order, then no payment within 15 minutes." */
const unpaid = Pattern.for<Order>()
  .begin("order")
  .where((o) => o.kind === "order")
  .notFollowedBy("payment")
  .where((o) => o.kind === "payment")
  .within(15 * MIN);

const unpaidFn: PatternProcessFunction<{ order: Order[] }, string> = {
  processMatch: (m, ctx, out) => out.collect(`${m.order[0]!.order} unpaid@${ctx.timestamp / MIN}`),
};

test("absence in event time: 'no payment within 15 min' fires when the watermark passes the deadline, with no later event", () => {
  const h = new KeyedOneInputOperatorHarness(
    new CepOperator<Order, string>(NFA.compile(unpaid), unpaidFn),
    (o: Order) => o.order,
  );
  h.processElement({ kind: "order", order: "o1" }, 0);
  h.processElement({ kind: "order", order: "o2" }, 1 * MIN);
  h.processElement({ kind: "payment", order: "o2" }, 5 * MIN);
  h.processWatermark(14 * MIN);
  assert.deepEqual(h.getOutputValues(), []);
  h.processWatermark(60 * MIN); // a watermark far past the deadline: the match still says 15
  assert.deepEqual(h.getOutputValues(), ["o1 unpaid@15"]);
  assert.equal(h.numKeyedStateEntries(), 0, "both orders settled: no state left");
  assert.equal(h.numEventTimeTimers(), 0);
});

test("absence in processing time: the match is emitted when the clock reaches the deadline", () => {
  const h = new KeyedOneInputOperatorHarness(
    new CepOperator<Order, string>(NFA.compile(unpaid), unpaidFn, { timeDomain: "processing" }),
    (o: Order) => o.order,
  );
  h.setProcessingTime(0);
  h.processElement({ kind: "order", order: "o1" });
  h.setProcessingTime(2 * MIN);
  h.processElement({ kind: "order", order: "o2" });
  h.setProcessingTime(3 * MIN);
  h.processElement({ kind: "payment", order: "o2" });
  h.setProcessingTime(15 * MIN - 1);
  assert.deepEqual(h.getOutputValues(), []);
  h.setProcessingTime(15 * MIN);
  assert.deepEqual(h.getOutputValues(), ["o1 unpaid@15"]);
  assert.equal(h.numKeyedStateEntries(), 0);
  assert.equal(h.numProcessingTimeTimers(), 0);
});

test("absence in a job (event time): the last order's alert comes from the end of input's watermark, not from a later event", {
  timeout: 60_000,
}, async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const orders = env.fromCollection<Order>(
    [
      { kind: "order", order: "o1", at: 0 },
      { kind: "payment", order: "o1", at: 3 * MIN },
      { kind: "order", order: "o2", at: 4 * MIN },
    ],
    {
      strategy: WatermarkStrategy.forMonotonousTimestamps<Order>().withTimestampAssigner((o) => o.at!),
    },
  );
  const out = await collect(
    CEP.pattern(
      orders.keyBy((o) => o.order),
      unpaid,
    ).select((m, ctx) => `${m.order[0]!.order}@${ctx.timestamp / MIN}`),
  );
  assert.deepEqual(out, ["o2@19"]);
});

test("a long run under the per-key limit: partial matches stay bounded and the oldest go to the dropped side output", () => {
  const droppedTag = new OutputTag<DroppedMatch<{ a: Payment[]; b: Payment[] }>>("dropped");
  const anyPairs = Pattern.for<Payment>()
    .begin("a")
    .where((p) => p.amount < 10)
    .followedByAny("b")
    .where((p) => p.amount > 500)
    .within(24 * 60 * MIN);
  const limit = 50;
  const h = new KeyedOneInputOperatorHarness(
    new CepOperator<Payment, string>(
      NFA.compile(anyPairs, { maxPartialMatches: limit }),
      { processMatch: () => {} },
      { dropped: droppedTag },
    ),
    (p: Payment) => p.card,
  );
  const N = 5_000;
  let maxPartials = 0;
  for (let i = 0; i < N; i++) {
    h.processElement({ id: `p${i}`, card: "c", amount: 1, at: i }, i);
    if (i % 10 === 9) {
      h.processWatermark(i);
      maxPartials = Math.max(maxPartials, h.metrics.gauge(CEP_GAUGES.partialMatches).value);
    }
  }
  h.processWatermark(N);
  assert.ok(maxPartials <= limit, `at most ${limit} partial matches, saw ${maxPartials}`);
  assert.equal(h.metrics.gauge(CEP_GAUGES.partialMatches).value, limit);
  const dropped = h.getSideOutput(droppedTag).map((r) => r.value.match.a![0]!.id);
  assert.equal(dropped.length, N - limit);
  assert.deepEqual(dropped.slice(0, 3), ["p0", "p1", "p2"], "oldest first");
  assert.ok(
    h.metrics.gauge(CEP_GAUGES.bufferedEvents).value <= limit * 2,
    "the shared buffer holds only what partial matches use",
  );
});

test("a non-keyed stream: the pattern sees the whole stream, at parallelism 1", {
  timeout: 60_000,
}, async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 3 });
  const ps: Payment[] = [
    { id: "p1", card: "c1", amount: 1, at: 0 },
    { id: "p2", card: "c2", amount: 700, at: MIN }, // another card: matches when not keyed
  ];
  const stream = env.fromCollection(ps, {
    strategy: WatermarkStrategy.forMonotonousTimestamps<Payment>().withTimestampAssigner((p) => p.at),
  });
  const out = await collect(
    CEP.pattern(stream, smallThenLarge).select(
      (m, ctx) => `${m.small[0]!.id}->${m.large[0]!.id} key=${String(ctx.key)}`,
    ),
  );
  assert.deepEqual(out, ["p1->p2 key=undefined"]);
});

test("bad options and patterns are refused when the job is built, naming the option or the step", () => {
  const env = StreamExecutionEnvironment.create();
  const s = env.fromCollection<Payment>([]);
  const fails = (f: () => unknown, re: RegExp) =>
    assert.throws(
      f,
      (e: Error & { code?: string }) => e.code === "FLEUVE_CONFIG_INVALID" && re.test(e.message),
      String(re),
    );
  fails(() => CEP.pattern(s, smallThenLarge, { timeDomain: "wall" as never }), /'timeDomain'/);
  fails(
    () => CEP.pattern(s, smallThenLarge, { lateOutput: "late" as never }),
    /'lateOutput' must be an OutputTag/,
  );
  fails(
    () => CEP.pattern(s, smallThenLarge, { timeDomain: "processing", comparator: 5 as never }),
    /'comparator' must be a function/,
  );
  fails(() => CEP.pattern(s, smallThenLarge, { maxPartialMatches: 0 }), /maxPartialMatches/);
  fails(() => CEP.dynamicPatterns(s, env.fromCollection<PatternUpdate>([]), {}), /registry/);
});

test("dynamic patterns in a job: a rule update at 30 min changes the threshold for the payments from then on", {
  timeout: 60_000,
}, async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const registry = {
    smallThenLarge: (p: { small: number; large: number; withinMs: number }) =>
      Pattern.for<Payment>()
        .begin("small")
        .where((x) => x.amount < p.small)
        .followedBy("large")
        .where((x) => x.amount > p.large)
        .within(p.withinMs),
  };
  const byTime = <T extends { at: number }>() =>
    WatermarkStrategy.forMonotonousTimestamps<T>().withTimestampAssigner((x) => x.at);
  const rules = env
    .fromCollection<PatternUpdate & { at: number }>(
      [
        {
          at: 0,
          id: "fraud",
          version: 1,
          pattern: { factory: "smallThenLarge", params: { small: 10, large: 500, withinMs: 10 * MIN } },
        },
        {
          at: 30 * MIN,
          id: "fraud",
          version: 2,
          pattern: { factory: "smallThenLarge", params: { small: 10, large: 100, withinMs: 10 * MIN } },
          onReplace: "drop",
        },
      ],
      { strategy: byTime() },
    )
    .setParallelism(1);
  const payments = env.fromCollection<Payment>(
    [
      { id: "p1", card: "c1", amount: 1, at: 1 * MIN },
      { id: "p2", card: "c1", amount: 200, at: 2 * MIN }, // not large under v1
      { id: "p3", card: "c2", amount: 2, at: 31 * MIN },
      { id: "p4", card: "c2", amount: 200, at: 32 * MIN }, // large under v2
    ],
    { strategy: byTime() },
  );
  const out = await collect(
    CEP.dynamicPatterns(
      payments.keyBy((p) => p.card),
      rules,
      registry,
    ).select((m, ctx) => `${ctx.patternId} v${ctx.patternVersion}: ${m.small![0]!.id}->${m.large![0]!.id}`),
  );
  assert.deepEqual(out, ["fraud v2: p3->p4"]);
});

test("dynamic patterns with the NFA: a version replaced with 'finish' completes its partial match and starts none", {
  timeout: 60_000,
}, async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const registry = {
    smallThenLarge: (p: { large: number }) =>
      Pattern.for<Payment>()
        .begin("small")
        .where((x) => x.amount < 10)
        .followedBy("large")
        .where((x) => x.amount > p.large)
        .within(10 * MIN),
  };
  const byTime = <T extends { at: number }>() =>
    WatermarkStrategy.forMonotonousTimestamps<T>().withTimestampAssigner((x) => x.at);
  const rules = env.fromCollection<PatternUpdate & { at: number }>(
    [
      { at: 0, id: "fraud", version: 1, pattern: { factory: "smallThenLarge", params: { large: 500 } } },
      {
        at: 30 * MIN,
        id: "fraud",
        version: 2,
        pattern: { factory: "smallThenLarge", params: { large: 100 } },
        onReplace: "finish",
      },
    ],
    { strategy: byTime() },
  );
  const payments = env.fromCollection<Payment>(
    [
      { id: "p1", card: "c1", amount: 1, at: 28 * MIN }, // starts under v1
      { id: "p2", card: "c1", amount: 2, at: 31 * MIN }, // starts under v2 only
      { id: "p3", card: "c1", amount: 900, at: 35 * MIN }, // large for both
    ],
    { strategy: byTime() },
  );
  const out = await collect(
    CEP.dynamicPatterns(
      payments.keyBy((p) => p.card),
      rules,
      registry,
    ).select((m, ctx) => `v${ctx.patternVersion}: ${m.small![0]!.id}->${m.large![0]!.id}`),
  );
  assert.deepEqual(out, ["v1: p1->p3", "v2: p2->p3"]);
});
