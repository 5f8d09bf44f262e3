/**
 * Shared pieces of the window oracle tests: random inputs, the job runner (deterministic
 * punctuated watermarks), and a plain record-by-record simulation of Flink's window rules.
 */
import fc from "fast-check";
import {
  type AggregateFunction,
  type DataStream,
  type EventTimeSessionWindows,
  EventTimeTrigger,
  OutputTag,
  StreamExecutionEnvironment,
  type TimeWindow,
  type Trigger,
  WatermarkStrategy,
  type WindowAssigner,
} from "../../src/index.js";

/** One input record; `id` makes every record distinguishable in results. */
export interface Rec {
  id: number;
  key: string;
  ts: number;
  /** Reduce fields: count and sum of ids. */
  n: number;
  sum: number;
  /** Dynamic session gap of this record. */
  gap: number;
}

/** Random out-of-order records (negative timestamps included). */
export const recordsArb = fc
  .array(
    fc.record({
      key: fc.constantFrom("a", "b", "c", "d"),
      ts: fc.integer({ min: -300, max: 300 }),
      gap: fc.integer({ min: 1, max: 40 }),
    }),
    { minLength: 0, maxLength: 60, size: "max" },
  )
  .map((rs) => rs.map((r, id) => ({ ...r, id, n: 1, sum: id }) as Rec));

/** Watermarks emitted by the generator after each record: max timestamp so far - delay - 1. */
export function watermarksBefore(records: readonly Rec[], delay: number): number[] {
  const out: number[] = [];
  let wm = Number.NEGATIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    out.push(wm);
    max = Math.max(max, r.ts);
    wm = Math.max(wm, max - delay - 1);
  }
  out.push(wm);
  return out;
}

/**
 * The records as a source of parallelism 1, each at its `ts`, with a watermark after each record:
 * the largest timestamp so far - delay - 1 (what {@link watermarksBefore} computes).
 */
export function recordSource(
  env: StreamExecutionEnvironment,
  records: readonly Rec[],
  delay: number,
): DataStream<Rec> {
  const strategy = WatermarkStrategy.forGenerator<Rec>(() => {
    let max = Number.NEGATIVE_INFINITY;
    return {
      onEvent(_e, ts, out) {
        max = Math.max(max, ts);
        out.emitWatermark(max - delay - 1);
      },
      onPeriodicEmit() {},
    };
  });
  return env.fromCollection(records, { timestamps: records.map((r) => r.ts), strategy }).setParallelism(1);
}

/** Runs `build` over the records at `parallelism`; returns the main output and the late side output. */
export async function runWindowJob(
  records: readonly Rec[],
  delay: number,
  parallelism: number,
  build: (s: DataStream<Rec>, lateTag: OutputTag<Rec>) => DataStream<any>,
  format: (v: any) => string = String,
): Promise<{ main: string[]; late: string[] }> {
  const env = StreamExecutionEnvironment.create({ parallelism });
  const src = recordSource(env, records, delay);
  const lateTag = new OutputTag<Rec>("late");
  const main: string[] = [];
  const late: string[] = [];
  const result = build(src, lateTag);
  result.forEach((v) => {
    main.push(format(v));
  });
  result.getSideOutput(lateTag).forEach((r) => {
    late.push(`late|${r.key}|${r.id}`);
  });
  await env.execute("window-oracle");
  return { main: main.sort(), late: late.sort() };
}

/** A fired window in the reference. */
export interface Fired {
  key: string;
  start: number;
  end: number;
  recs: Rec[];
}

/** Formats results the way the jobs under test do. */
export const fmt = {
  process: (f: Fired) =>
    `${f.key}|${f.start}|${f.end}|${f.recs
      .map((r) => r.id)
      .sort((a, b) => a - b)
      .join(",")}`,
  aggregate: (f: Fired) => `${f.key}|${f.recs.length}|${f.recs.reduce((s, r) => s + r.id, 0)}`,
};

/**
 * Flink's WindowOperator with EventTimeTrigger for non-merging windows, record by record:
 * `assign(ts)` gives the windows of a timestamp.
 */
export function referenceTimeWindows(
  records: readonly Rec[],
  delay: number,
  lateness: number,
  assign: (ts: number) => [number, number][],
): { fired: Fired[]; late: Rec[] } {
  const wms = watermarksBefore(records, delay);
  const state = new Map<string, Map<string, Fired>>(); // key -> "start,end" -> window
  const fired: Fired[] = [];
  const late: Rec[] = [];
  const emit = (w: Fired) => fired.push({ ...w, recs: w.recs.slice() });
  const advance = (from: number, to: number) => {
    if (to <= from) return;
    for (const ws of state.values()) {
      for (const [id, w] of ws) {
        const max = w.end - 1;
        if (max > from && max <= to) emit(w); // the event-time timer fires
        if (max + lateness <= to) ws.delete(id); // the cleanup timer fires
      }
    }
  };
  records.forEach((r, i) => {
    const wm = wms[i]!;
    let added = false;
    for (const [start, end] of assign(r.ts)) {
      if (end - 1 + lateness <= wm) continue; // this window is already cleaned up
      added = true;
      let ws = state.get(r.key);
      if (!ws) state.set(r.key, (ws = new Map()));
      let w = ws.get(`${start},${end}`);
      if (!w) ws.set(`${start},${end}`, (w = { key: r.key, start, end, recs: [] }));
      w.recs.push(r);
      if (end - 1 <= wm) emit(w); // late but allowed: fires again at once
    }
    if (!added && r.ts + lateness <= wm) late.push(r);
    advance(wm, wms[i + 1]!);
  });
  advance(wms[records.length]!, Number.POSITIVE_INFINITY);
  return { fired, late };
}

/** Flink's session windows (merging, EventTimeTrigger), record by record. */
export function referenceSessions(
  records: readonly Rec[],
  delay: number,
  lateness: number,
  gapOf: (r: Rec) => number,
): { fired: Fired[]; late: Rec[] } {
  const wms = watermarksBefore(records, delay);
  const sessions = new Map<string, Fired[]>();
  const fired: Fired[] = [];
  const late: Rec[] = [];
  const emit = (w: Fired) => fired.push({ ...w, recs: w.recs.slice() });
  const advance = (from: number, to: number) => {
    if (to <= from) return;
    for (const [k, list] of sessions) {
      for (const w of list) if (w.end - 1 > from && w.end - 1 <= to) emit(w);
      sessions.set(
        k,
        list.filter((w) => w.end - 1 + lateness > to),
      );
    }
  };
  records.forEach((r, i) => {
    const wm = wms[i]!;
    const list = sessions.get(r.key) ?? [];
    let start = r.ts;
    let end = r.ts + gapOf(r);
    // Windows overlapping or touching merge (until nothing more does).
    let merged: Fired[] = [];
    for (;;) {
      const more = list.filter((w) => !merged.includes(w) && w.start <= end && w.end >= start);
      if (more.length === 0) break;
      merged = merged.concat(more);
      for (const w of more) {
        start = Math.min(start, w.start);
        end = Math.max(end, w.end);
      }
    }
    if (merged.length === 0 && end - 1 + lateness <= wm) {
      if (r.ts + lateness <= wm) late.push(r);
    } else {
      const w: Fired = { key: r.key, start, end, recs: merged.flatMap((m) => m.recs).concat([r]) };
      sessions.set(r.key, list.filter((x) => !merged.includes(x)).concat([w]));
      if (end - 1 <= wm) emit(w);
    }
    advance(wm, wms[i + 1]!);
  });
  advance(wms[records.length]!, Number.POSITIVE_INFINITY);
  return { fired, late };
}

/** The windows `[s, s + size)` with `s = offset + k * slide` that contain `ts` (by enumeration). */
export function slidingWindows(ts: number, size: number, slide: number, offset: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = offset + slide * Math.floor((ts - size - offset) / slide); s <= ts; s += slide) {
    if (s <= ts && ts < s + size) out.push([s, s + size]);
  }
  return out;
}

/** A trigger of "user code" that delegates to `t`: forces the general (per-window) operator. */
export function delegating(t: Trigger<Rec, TimeWindow>): Trigger<Rec, TimeWindow> {
  return {
    onElement: (e, ts, w, ctx) => t.onElement(e, ts, w, ctx),
    onEventTime: (time, w, ctx) => t.onEventTime(time, w, ctx),
    onProcessingTime: (time, w, ctx) => t.onProcessingTime(time, w, ctx),
    canMerge: () => true,
    onMerge: (w, ctx) => t.onMerge!(w, ctx),
    clear: (w, ctx) => t.clear(w, ctx),
  };
}

/** A user-written merging assigner that delegates to `sessions`: forces the general merging path. */
export function userWrittenSessions(sessions: EventTimeSessionWindows<Rec>): WindowAssigner<Rec, TimeWindow> {
  return {
    assignWindows: (e, ts, ctx) => sessions.assignWindows(e, ts, ctx),
    getDefaultTrigger: () => sessions.getDefaultTrigger(),
    isEventTime: () => true,
    mergeWindows: (ws, cb) => sessions.mergeWindows(ws, cb),
    toString: () => "CustomSessions",
  };
}

/** The reduce function of the tests: counts (`n`) and sums ids (`sum`), keeping `a`'s other fields. */
export function sumRecs(a: Rec, b: Rec): Rec {
  return { id: a.id, key: a.key, ts: a.ts, gap: a.gap, n: a.n + b.n, sum: a.sum + b.sum };
}

/** The window functions the tests apply. */
export type FnKind = "process" | "aggregate" | "reduce";

const countAgg: AggregateFunction<Rec, { key: string; n: number; sum: number }, string> = {
  createAccumulator: () => ({ key: "", n: 0, sum: 0 }),
  add: (r, acc) => {
    acc.key = r.key;
    acc.n++;
    acc.sum += r.id;
    return acc;
  },
  getResult: (acc) => `${acc.key}|${acc.n}|${acc.sum}`,
  merge: (a, b) => {
    a.key = a.key || b.key;
    a.n += b.n;
    a.sum += b.sum;
    return a;
  },
};

/**
 * Keys `s`, windows it with `assigner`, allowed lateness and late side output, and applies the
 * window function `kind`; results formatted like {@link fmt} (see {@link formatOf} for reduce).
 * `general`: a user-written trigger behaving like the default one, which runs the general
 * (per-window) operator.
 */
export function applyFn(
  s: DataStream<Rec>,
  assigner: WindowAssigner<Rec, TimeWindow>,
  lateness: number,
  lateTag: OutputTag<Rec>,
  kind: FnKind,
  general = false,
): DataStream<any> {
  const w = s
    .keyBy((r) => r.key)
    .window(assigner)
    .allowedLateness(lateness)
    .sideOutputLateData(lateTag);
  if (general) w.trigger(delegating(EventTimeTrigger.create()));
  if (kind === "aggregate") return w.aggregate(countAgg);
  if (kind === "reduce") return w.reduce(sumRecs) as DataStream<any>;
  return w.process({
    process(key, ctx, elements, out) {
      const win = ctx.window();
      out.collect(
        `${key}|${win.start}|${win.end}|${elements
          .map((e) => e.id)
          .sort((a, b) => a - b)
          .join(",")}`,
      );
    },
  });
}

/** Reduce emits records: format them like the aggregate results. */
export function formatOf(kind: FnKind): (v: any) => string {
  return kind === "reduce" ? (r: Rec) => `${r.key}|${r.n}|${r.sum}` : String;
}

/** What {@link runWindowJob} should return for the reference's firings and late records. */
export function expected(
  ref: { fired: Fired[]; late: Rec[] },
  kind: FnKind,
): { main: string[]; late: string[] } {
  const f = kind === "process" ? fmt.process : fmt.aggregate;
  return {
    main: ref.fired.map(f).sort(),
    late: ref.late.map((r) => `late|${r.key}|${r.id}`).sort(),
  };
}
