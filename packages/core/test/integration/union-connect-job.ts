/**
 * Test helper (not a test file): a keyed job with event-time timers, union and connect, its
 * brute-force oracle and random inputs. Used by parallelism.test.ts (parallelism 1 vs 4) and
 * ../scale-out/unit-plan.test.ts (the job run unit by unit over exchanges).
 */
import fc from "fast-check";
import {
  type CoProcessFunction,
  type KeyedProcessFunction,
  type MapState,
  mapState,
  type StreamExecutionEnvironment,
  type ValueState,
  valueState,
  WatermarkStrategy,
} from "../../src/index.js";

export interface Ev {
  k: number;
  v: number;
  ts: number;
}
export type Out =
  | { t: "w"; k: number; end: number; sum: number }
  | { t: "total"; k: number; windows: number; wsum: number; csum: number; cn: number };

const WINDOW = 10;
const END = Number.MAX_SAFE_INTEGER;

/** Watermark = timestamp - 1 after every event: deterministic and frequent, so timers fire mid-stream. */
const punctuated = () =>
  WatermarkStrategy.forGenerator<Ev>(() => ({
    onEvent(_e, ts, out) {
      out.emitWatermark(ts - 1);
    },
    onPeriodicEmit() {},
  })).withTimestampAssigner((e) => e.ts);

/** Sums values per key and 10 ms window; a window's event-time timer emits its sum. */
const windowSum: KeyedProcessFunction<number, Ev, Out> & { sums?: MapState<number, number> } = {
  open(ctx) {
    this.sums = ctx.getState(mapState<number, number>("sums"));
  },
  processElement(e, ctx) {
    const end = Math.floor(e.ts / WINDOW) * WINDOW + WINDOW - 1;
    if (end <= ctx.timerService().currentWatermark()) throw new Error(`late record ${JSON.stringify(e)}`);
    this.sums!.put(end, (this.sums!.get(end) ?? 0) + e.v);
    ctx.timerService().registerEventTimeTimer(end);
  },
  onTimer(t, ctx, out) {
    out.collect({ t: "w", k: ctx.getCurrentKey(), end: t, sum: this.sums!.get(t)! });
    this.sums!.remove(t);
  },
};

type CoState = { w?: ValueState<[number, number]>; c?: ValueState<[number, number]> };
/** Per key: totals of the window results (input 1) and of the third stream (input 2), at the end. */
const totals: CoProcessFunction<Out, Ev, Out, number> & CoState = {
  open(ctx) {
    this.w = ctx.getState(valueState<[number, number]>("w"));
    this.c = ctx.getState(valueState<[number, number]>("c"));
  },
  processElement1(o, ctx, out) {
    out.collect(o);
    if (o.t !== "w") return;
    const [n, s] = this.w!.value() ?? [0, 0];
    this.w!.update([n + 1, s + o.sum]);
    ctx.timerService().registerEventTimeTimer(END);
  },
  processElement2(e, ctx) {
    const [n, s] = this.c!.value() ?? [0, 0];
    this.c!.update([n + 1, s + e.v]);
    ctx.timerService().registerEventTimeTimer(END);
  },
  onTimer(_t, ctx, out) {
    const [windows, wsum] = this.w!.value() ?? [0, 0];
    const [cn, csum] = this.c!.value() ?? [0, 0];
    out.collect({ t: "total", k: ctx.getCurrentKey(), windows, wsum, csum, cn });
  },
};

export function build(a: Ev[], b: Ev[], c: Ev[]) {
  return (env: StreamExecutionEnvironment) => {
    const sa = env.fromCollection(a, { strategy: punctuated() });
    const sb = env.fromCollection(b, { strategy: punctuated() });
    const sc = env.fromCollection(c, { strategy: punctuated() });
    return sa
      .union(sb)
      .keyBy((e) => e.k)
      .process(windowSum)
      .keyBy((o) => o.k)
      .connect(sc.keyBy((e) => e.k))
      .process(totals);
  };
}

export function oracle(a: Ev[], b: Ev[], c: Ev[]): Out[] {
  const win = new Map<string, { k: number; end: number; sum: number }>();
  for (const e of [...a, ...b]) {
    const end = Math.floor(e.ts / WINDOW) * WINDOW + WINDOW - 1;
    const id = `${e.k}/${end}`;
    const w = win.get(id) ?? { k: e.k, end, sum: 0 };
    w.sum += e.v;
    win.set(id, w);
  }
  const out: Out[] = [...win.values()].map((w) => ({ t: "w" as const, ...w }));
  const tot = new Map<number, { windows: number; wsum: number; csum: number; cn: number }>();
  const get = (k: number) => tot.get(k) ?? { windows: 0, wsum: 0, csum: 0, cn: 0 };
  for (const w of win.values()) {
    const t = get(w.k);
    tot.set(w.k, { ...t, windows: t.windows + 1, wsum: t.wsum + w.sum });
  }
  for (const e of c) {
    const t = get(e.k);
    tot.set(e.k, { ...t, cn: t.cn + 1, csum: t.csum + e.v });
  }
  for (const [k, t] of tot) out.push({ t: "total", k, ...t });
  return out;
}

export const canon = (xs: Out[]) => xs.map((x) => JSON.stringify(x)).sort();

/** Events with non-decreasing timestamps (so no source subtask ever emits a late record). */
export const events = fc
  .array(
    fc.record({ k: fc.integer({ min: 0, max: 9 }), v: fc.integer({ min: -50, max: 50 }), dt: fc.nat(6) }),
    { maxLength: 120 },
  )
  .map((xs) => {
    let ts = 0;
    return xs.map(({ k, v, dt }) => ({ k, v, ts: (ts += dt) }));
  });
