/**
 * The core benchmark pipelines, each with its plain-TypeScript baseline and the digest of its
 * results. Every pipeline reads the generated stream (see events.ts) through
 * `env.fromGenerator(...)` with a bounded-out-of-orderness watermark strategy and ends in a sink
 * that folds results into a {@link Digest} (and, when measuring latency, into a histogram).
 */
import {
  type AggregateFunction,
  type DataStream,
  EventTimeSessionWindows,
  type Histogram,
  type KeyedProcessFunction,
  type ProcessWindowFunction,
  SlidingEventTimeWindows,
  type StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  type ValueState,
  WatermarkStrategy,
} from "@fleuve/core";
import {
  keyedCountBaseline,
  sessionCountBaseline,
  slidingSumBaseline,
  statelessBaseline,
  tumblingCountBaseline,
  type WindowResult,
} from "./baselines.js";
import { addResult, type Digest } from "./digest.js";
import type { BenchEvent, CreationLog, StreamShape } from "./events.js";

/** Tumbling window size of the tumbling benchmark. */
export const TUMBLING_SIZE_MS = 60_000;
/** Sliding window of the sliding benchmark: 1 h size, 1 min slide (60 windows per record). */
export const SLIDING_SIZE_MS = 3_600_000;
/** Slide of the sliding benchmark. */
export const SLIDING_SLIDE_MS = 60_000;
/** Session gap of the session benchmark (a key sees a record every 10 s on average). */
export const SESSION_GAP_MS = 30_000;

/** How the latency of a result is measured. */
export interface LatencyProbe {
  /** Latencies in microseconds (the histogram's resolution starts at 1/16 of a unit). */
  readonly histogram: Histogram;
  /** Results whose input arrived (or whose triggering record arrived) before this wall time are warm-up. */
  readonly fromWallTime: number;
  readonly log: CreationLog;
}

/** One core benchmark. */
export interface CoreBench<O> {
  readonly name: string;
  readonly title: string;
  /** "record": latency = now - arrival of the input record; "window": firing latency (see readyAt). */
  readonly kind: "record" | "window";
  /** Builds the pipeline after the source; returns the stream that goes to the sink. */
  build(source: DataStream<BenchEvent>): DataStream<O>;
  /** Adds a result to the digest. */
  digest(d: Digest, o: O): void;
  /** The plain loop computing the same results. */
  baseline(count: number, gen: (i: number) => BenchEvent, shape: StreamShape, emit: (o: O) => void): void;
  /** Record benchmarks: arrival time of the record a result comes from. */
  createdOf?(o: O): number;
  /** Window benchmarks: event time a record must reach so the watermark fires this result. */
  readyAt?(o: O, shape: StreamShape): number;
}

type Scored = { key: number; score: number; created: number };
type Counted = { key: number; count: number; created: number };

const stateless: CoreBench<Scored> = {
  name: "stateless",
  title: "(a) stateless map -> filter",
  kind: "record",
  build: (s) =>
    s
      .map((e) => ({ key: e.key, score: e.value * 2 + 1, created: e.created }))
      .filter((o) => o.key % 10 !== 0),
  digest: (d, o) => addResult(d, o.key, 0, o.score),
  baseline: (count, gen, _shape, emit) => statelessBaseline(count, gen, emit),
  createdOf: (o) => o.created,
};

interface CountFn extends KeyedProcessFunction<number, BenchEvent, Counted> {
  count?: ValueState<number>;
}

const keyedCount: CoreBench<Counted> = {
  name: "keyed",
  title: "(extra) keyBy + KeyedProcessFunction running count (per-record keyed path)",
  kind: "record",
  build: (s) =>
    s
      .keyBy((e) => e.key)
      .process<Counted>({
        open(ctx) {
          this.count = ctx.getState<number>({ kind: "value", name: "count" });
        },
        processElement(e, _ctx, out) {
          const st = this.count!;
          const c = (st.value() ?? 0) + 1;
          st.update(c);
          out.collect({ key: e.key, count: c, created: e.created });
        },
      } as CountFn),
  digest: (d, o) => addResult(d, o.key, 0, o.count),
  baseline: (count, gen, _shape, emit) => keyedCountBaseline(count, gen, emit),
  createdOf: (o) => o.created,
};

/** Count and sum aggregate functions (Flink's AggregateFunction). */
const countAgg: AggregateFunction<BenchEvent, number, number> = {
  createAccumulator: () => 0,
  add: (_e, acc) => acc + 1,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};
const sumAgg: AggregateFunction<BenchEvent, number, number> = {
  createAccumulator: () => 0,
  add: (e, acc) => acc + e.value,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};

/** Adds key and window end to the pre-aggregated value (Flink's aggregate(agg, ProcessWindowFunction)). */
const toResult: ProcessWindowFunction<number, WindowResult, number, TimeWindow> = {
  process(key, ctx, aggs, out) {
    const end = ctx.window().end;
    for (let i = 0; i < aggs.length; i++) out.collect({ key, end, agg: aggs[i]! });
  },
};

const windowDigest = (d: Digest, o: WindowResult) => addResult(d, o.key, o.end, o.agg);
/** Windows [start, end) fire at watermark end - 1, i.e. once a record with ts >= end + bound came. */
const windowReadyAt = (o: WindowResult, shape: StreamShape) => o.end + shape.maxOutOfOrdernessMs;

const tumbling: CoreBench<WindowResult> = {
  name: "tumbling",
  title: "(b) keyBy + tumbling 1 min event-time window, count",
  kind: "window",
  build: (s) =>
    s
      .keyBy((e) => e.key)
      .window(TumblingEventTimeWindows.of<BenchEvent>(TUMBLING_SIZE_MS))
      .aggregate(countAgg, toResult),
  digest: windowDigest,
  baseline: (count, gen, shape, emit) => tumblingCountBaseline(count, gen, shape, TUMBLING_SIZE_MS, emit),
  readyAt: windowReadyAt,
};

const sliding: CoreBench<WindowResult> = {
  name: "sliding",
  title: "(c) keyBy + sliding 1 h / 1 min event-time window, sum",
  kind: "window",
  build: (s) =>
    s
      .keyBy((e) => e.key)
      .window(SlidingEventTimeWindows.of<BenchEvent>(SLIDING_SIZE_MS, SLIDING_SLIDE_MS))
      .aggregate(sumAgg, toResult),
  digest: windowDigest,
  baseline: (count, gen, shape, emit) =>
    slidingSumBaseline(count, gen, shape, SLIDING_SIZE_MS, SLIDING_SLIDE_MS, emit),
  readyAt: windowReadyAt,
};

const session: CoreBench<WindowResult> = {
  name: "session",
  title: "(d) keyBy + event-time session window (gap 30 s), count",
  kind: "window",
  build: (s) =>
    s
      .keyBy((e) => e.key)
      .window(EventTimeSessionWindows.withGap<BenchEvent>(SESSION_GAP_MS))
      .aggregate(countAgg, toResult),
  digest: windowDigest,
  baseline: (count, gen, shape, emit) => sessionCountBaseline(count, gen, shape, SESSION_GAP_MS, emit),
  readyAt: windowReadyAt,
};

/** Every benchmark, in the order `npm run bench` runs them. */
export const BENCHMARKS: readonly CoreBench<any>[] = [stateless, tumbling, sliding, session, keyedCount];

/** The benchmark called `name`. */
export function benchByName(name: string): CoreBench<any> {
  const b = BENCHMARKS.find((x) => x.name === name);
  if (!b) throw new Error(`unknown benchmark '${name}': one of ${BENCHMARKS.map((x) => x.name).join(", ")}`);
  return b;
}

/** Options of one engine run. */
export interface EngineRunOptions {
  readonly count: number;
  readonly gen: (i: number) => BenchEvent;
  readonly shape: StreamShape;
  readonly ratePerSecond?: number;
  readonly probe?: LatencyProbe;
}

/**
 * Adds source -> pipeline -> digest sink to `env`. The sink is one closure call per result; with a
 * probe it also records the latency of every result after the warm-up.
 */
export function buildJob<O>(
  env: StreamExecutionEnvironment,
  bench: CoreBench<O>,
  opts: EngineRunOptions,
  digest: Digest,
): void {
  const { shape, probe } = opts;
  const source = env.fromGenerator(opts.gen, {
    count: opts.count,
    ratePerSecond: opts.ratePerSecond,
    strategy: WatermarkStrategy.forBoundedOutOfOrderness<BenchEvent>(
      shape.maxOutOfOrdernessMs,
    ).withTimestampAssigner((e) => e.ts),
    name: "Generator",
  });
  const out = bench.build(source);
  if (!probe) {
    out.forEach((o) => {
      bench.digest(digest, o);
    }, "DigestSink");
    return;
  }
  const { histogram, fromWallTime, log } = probe;
  const origin = performance.timeOrigin;
  if (bench.kind === "record") {
    const createdOf = bench.createdOf!;
    out.forEach((o) => {
      bench.digest(digest, o);
      const created = createdOf(o);
      if (created >= fromWallTime) histogram.record((origin + performance.now() - created) * 1000);
    }, "LatencySink");
  } else {
    const readyAt = bench.readyAt!;
    out.forEach((o) => {
      bench.digest(digest, o);
      const created = log.createdAtEventTime(readyAt(o, shape), shape, opts.count);
      if (created >= fromWallTime) histogram.record((origin + performance.now() - created) * 1000);
    }, "LatencySink");
  }
}
