/**
 * A `--group` process's per-operator counters (operator-counters.ts through process-metrics.ts):
 * units run here, count, stop (move away or give up) and run here again from 0. Over any such
 * sequence, each operator subtask's counters the process shows are exactly what every run of it
 * here counted (so they never go down), and its gauges are the current run's.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EVENT_LOG_CAPACITY,
  type HistogramSnapshot,
  type MetricsSnapshot,
  type OperatorMetricsSnapshot,
  type RecordedEvent,
} from "@fleuve/core";
import fc from "fast-check";
import { ProcessJobFigures, type UnitRun } from "../../src/scale-out/process-metrics.js";

/** The plain counters of an operator snapshot. */
const COUNTED = [
  "recordsIn",
  "recordsOut",
  "recordsRejected",
  "numLateRecordsDropped",
  "busyTimeMs",
  "idleTimeMs",
  "backPressuredTimeMs",
] as const;

/** What one run of one operator subtask counted and reports now (from 0 at its start). */
class FakeOperator {
  readonly counts: Record<(typeof COUNTED)[number], number> = {
    recordsIn: 0,
    recordsOut: 0,
    recordsRejected: 0,
    numLateRecordsDropped: 0,
    busyTimeMs: 0,
    idleTimeMs: 0,
    backPressuredTimeMs: 0,
  };
  own = 0;
  userCount = 0;
  meter = 0;
  latency: HistogramSnapshot = { count: 0, sum: 0, max: 0, p50: 0, p95: 0, p99: 0, p999: 0 };
  events: RecordedEvent[] = [];
  /** Gauges: anything, as the run sets them. */
  watermark = Number.NEGATIVE_INFINITY;
  alignment = 0;
  stateEntries = 0;
  lag = 0;
  userGauge = 0;

  constructor(
    readonly name: string,
    readonly subtask: number,
    readonly head: boolean,
  ) {}

  snapshot(): OperatorMetricsSnapshot {
    return {
      operatorName: this.name,
      operatorId: `id-${this.name}`,
      subtaskIndex: this.subtask,
      taskName: "Source -> Map",
      chainHead: this.head,
      ...this.counts,
      currentInputWatermark: this.watermark,
      currentOutputWatermark: this.watermark,
      checkpointAlignmentTimeMs: this.alignment,
      latencyMs: this.latency,
      ...(this.head ? { splits: { "t-0": { recordsLag: this.lag } } } : {}),
      gauges: { numKeyedStateEntries: this.stateEntries },
      counters: { partialMatchesDropped: this.own },
      user: {
        counters: { seen: this.userCount },
        gauges: { inFlight: this.userGauge },
        histograms: { sizes: this.latency },
        meters: { hits: this.meter },
        ...(this.events.length > 0
          ? {
              events: {
                alerts: { total: this.events.length, recent: this.events.slice(-EVENT_LOG_CAPACITY) },
              },
            }
          : {}),
      },
    };
  }
}

/** One run of a unit in the process: two chained operators of one subtask. */
class FakeRun implements UnitRun {
  readonly ops: FakeOperator[];
  constructor(
    readonly unit: string,
    subtask: number,
  ) {
    this.ops = [new FakeOperator("Source", subtask, true), new FakeOperator("Map", subtask, false)];
  }
  snapshot(): MetricsSnapshot {
    return {
      job: {
        startedAt: 0,
        uptimeMs: 0,
        restarts: 0,
        checkpointsCompleted: 0,
        checkpointsFailed: 0,
        checkpointsInProgress: 0,
        lastCheckpointDurationMs: 0,
        lastCheckpointSizeBytes: 0,
      },
      operators: this.ops.map((o) => o.snapshot()),
    };
  }
}

/** What a process shows for its live runs (as GroupWorker.snapshot lists them). */
function shown(figures: ProcessJobFigures, live: Iterable<FakeRun>): Map<string, OperatorMetricsSnapshot> {
  const ops = figures.operators([...live].flatMap((r) => r.snapshot().operators));
  return new Map(ops.map((o) => [`${o.operatorName}/${o.subtaskIndex}`, o]));
}

/** Every counter of a snapshot by a name of its own: what must never go down. */
function countersOf(o: OperatorMetricsSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of COUNTED) out[c] = o[c];
  for (const [n, v] of Object.entries(o.counters)) out[`counters.${n}`] = v;
  for (const [n, v] of Object.entries(o.user.counters)) out[`user.counters.${n}`] = v;
  for (const [n, v] of Object.entries(o.user.meters)) out[`user.meters.${n}`] = v;
  for (const [n, h] of [["latencyMs", o.latencyMs] as const, ...Object.entries(o.user.histograms)]) {
    out[`${n}.count`] = h.count;
    out[`${n}.sum`] = h.sum;
  }
  for (const [n, e] of Object.entries(o.user.events ?? {})) out[`events.${n}.total`] = e.total;
  return out;
}

/** The gauges of a snapshot: the current run's, whatever the runs before did. */
function gaugesOf(o: OperatorMetricsSnapshot) {
  return {
    currentInputWatermark: o.currentInputWatermark,
    currentOutputWatermark: o.currentOutputWatermark,
    checkpointAlignmentTimeMs: o.checkpointAlignmentTimeMs,
    splits: o.splits,
    gauges: o.gauges,
    userGauges: o.user.gauges,
    quantiles: [o.latencyMs.p50, o.latencyMs.p95, o.latencyMs.p99, o.latencyMs.p999, o.latencyMs.max],
  };
}

test("a unit that comes back to a process goes on from its counts there; its gauges are its current run's", () => {
  const figures = new ProcessJobFigures();
  const first = new FakeRun("u0", 0);
  figures.started(first);
  const [src, map] = first.ops as [FakeOperator, FakeOperator];
  src.counts.recordsOut = 100;
  src.counts.busyTimeMs = 40.5;
  src.watermark = 1_000;
  src.lag = 7;
  map.counts.recordsIn = 100;
  map.counts.recordsOut = 90;
  map.latency = { count: 4, sum: 20, max: 9, p50: 5, p95: 9, p99: 9, p999: 9 };
  map.events = [1, 2, 3].map((seq) => ({ seq, at: seq, data: { n: seq } }));
  map.userCount = 3;
  map.stateEntries = 50;
  const before = shown(figures, [first]);
  assert.equal(before.get("Map/0")!.recordsOut, 90);
  figures.ended(first);
  assert.equal(shown(figures, []).size, 0, "a unit not running here shows nothing");

  // back here: its new run counts from 0, its state restored elsewhere (other gauges)
  const second = new FakeRun("u0", 0);
  figures.started(second);
  const [src2, map2] = second.ops as [FakeOperator, FakeOperator];
  let now = shown(figures, [second]);
  assert.equal(now.get("Source/0")!.recordsOut, 100);
  assert.equal(now.get("Source/0")!.busyTimeMs, 40.5);
  assert.equal(now.get("Map/0")!.recordsOut, 90);
  assert.deepEqual(now.get("Map/0")!.user.counters, { seen: 3 });
  assert.equal(now.get("Source/0")!.currentInputWatermark, Number.NEGATIVE_INFINITY, "no watermark yet");
  assert.deepEqual(now.get("Source/0")!.splits, { "t-0": { recordsLag: 0 } });
  assert.deepEqual(now.get("Map/0")!.latencyMs, {
    count: 4,
    sum: 20,
    max: 0,
    p50: 0,
    p95: 0,
    p99: 0,
    p999: 0,
  });
  assert.deepEqual(now.get("Map/0")!.user.events, { alerts: { total: 3, recent: map.events } });

  src2.counts.recordsOut = 5;
  src2.watermark = 2_000;
  src2.lag = 3;
  map2.counts.recordsOut = 4;
  map2.stateEntries = 60;
  map2.latency = { count: 1, sum: 2, max: 2, p50: 2, p95: 2, p99: 2, p999: 2 };
  map2.events = [{ seq: 1, at: 10, data: { n: 4 } }];
  now = shown(figures, [second]);
  assert.equal(now.get("Source/0")!.recordsOut, 105);
  assert.equal(now.get("Source/0")!.currentInputWatermark, 2_000);
  assert.deepEqual(now.get("Source/0")!.splits, { "t-0": { recordsLag: 3 } });
  assert.equal(now.get("Map/0")!.recordsOut, 94);
  assert.equal(now.get("Map/0")!.gauges.numKeyedStateEntries, 60);
  assert.deepEqual(now.get("Map/0")!.latencyMs, {
    count: 5,
    sum: 22,
    max: 2,
    p50: 2,
    p95: 2,
    p99: 2,
    p999: 2,
  });
  // the log goes on: seq 4 after the first run's 3
  assert.deepEqual(now.get("Map/0")!.user.events, {
    alerts: { total: 4, recent: [...map.events, { seq: 4, at: 10, data: { n: 4 } }] },
  });
});

test("an event log that comes back keeps its newest events, numbered on", () => {
  const figures = new ProcessJobFigures();
  let total = 0;
  const all: unknown[] = [];
  for (let k = 0; k < 3; k++) {
    const run = new FakeRun("u0", 0);
    figures.started(run);
    const map = run.ops[1]!;
    for (let i = 1; i <= 70; i++) {
      map.events.push({ seq: i, at: i, data: { n: all.length } });
      all.push({ n: all.length });
    }
    total += 70;
    const log = shown(figures, [run]).get("Map/0")!.user.events!.alerts!;
    assert.equal(log.total, total);
    assert.equal(log.recent.length, Math.min(EVENT_LOG_CAPACITY, total));
    assert.deepEqual(
      log.recent.map((e) => e.seq),
      Array.from({ length: log.recent.length }, (_, i) => total - log.recent.length + 1 + i),
    );
    assert.deepEqual(
      log.recent.map((e) => e.data),
      all.slice(-EVENT_LOG_CAPACITY),
    );
    figures.ended(run);
  }
});

type Op =
  | { kind: "start"; unit: number }
  | { kind: "count"; run: number; by: number[]; gauge: number }
  | { kind: "end"; run: number };

const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant("start" as const), unit: fc.integer({ min: 0, max: 2 }) }),
    fc.record({
      kind: fc.constant("count" as const),
      run: fc.nat(),
      by: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 12, maxLength: 12 }),
      gauge: fc.integer({ min: -5, max: 5000 }),
    }),
    fc.record({ kind: fc.constant("end" as const), run: fc.nat() }),
  ),
  { maxLength: 150 },
);

/** Adds `by` to every counter of `o` (and sets its gauges to `gauge`), as a run counting would. */
function count(o: FakeOperator, by: number[], gauge: number, at: number): void {
  COUNTED.forEach((c, i) => {
    o.counts[c] += c.endsWith("TimeMs") ? by[i]! / 8 : by[i]!;
  });
  o.own += by[7]!;
  o.userCount += by[8]!;
  o.meter += by[9]!;
  // n values of v (histograms take no negative values)
  const n = by[10]! % 5;
  const v = Math.abs(gauge);
  o.latency = {
    count: o.latency.count + n,
    sum: o.latency.sum + n * v,
    max: v,
    p50: v,
    p95: v,
    p99: v,
    p999: v,
  };
  for (let i = 0; i < by[11]! % 3; i++) o.events.push({ seq: o.events.length + 1, at, data: { at } });
  o.watermark = gauge;
  o.alignment = gauge;
  o.stateEntries = gauge;
  o.lag = gauge;
  o.userGauge = gauge;
}

test("per operator subtask, a process's counters are every run's here, so they never go down; its gauges the current run's", () => {
  fc.assert(
    fc.property(ops, (script) => {
      const figures = new ProcessJobFigures();
      const runs: FakeRun[] = [];
      const live = new Set<FakeRun>();
      /** The oracle: per operator subtask, each counter summed over every run of it here. */
      const totals = new Map<string, Record<string, number>>();
      let previous = new Map<string, Record<string, number>>();
      let clock = 0;
      for (const op of script) {
        if (op.kind === "start") {
          // a unit runs at most once at a time in a process
          if ([...live].some((r) => r.unit === `u${op.unit}`)) continue;
          const r = new FakeRun(`u${op.unit}`, op.unit);
          runs.push(r);
          live.add(r);
          figures.started(r);
        } else {
          const run = runs[op.run % Math.max(1, runs.length)];
          if (run === undefined || !live.has(run)) continue;
          if (op.kind === "end") {
            live.delete(run);
            figures.ended(run);
          } else {
            for (const o of run.ops) {
              const was = countersOf(o.snapshot());
              count(o, op.by, op.gauge, ++clock);
              const key = `${o.name}/${o.subtask}`;
              const t = totals.get(key) ?? {};
              for (const [n, v] of Object.entries(countersOf(o.snapshot())))
                t[n] = (t[n] ?? 0) + v - (was[n] ?? 0);
              totals.set(key, t);
            }
          }
        }
        const now = shown(figures, live);
        const current = new Map(
          [...live].flatMap((r) =>
            r.ops.map((o): [string, OperatorMetricsSnapshot] => [`${o.name}/${o.subtask}`, o.snapshot()]),
          ),
        );
        assert.deepEqual([...now.keys()].sort(), [...current.keys()].sort());
        const counters = new Map<string, Record<string, number>>();
        for (const [key, o] of now) {
          const c = countersOf(o);
          // exactly what the runs counted here (names a run has not created yet count 0)
          for (const [n, v] of Object.entries(totals.get(key) ?? {}))
            assert.equal(c[n] ?? 0, v, `${key} ${n}`);
          for (const [n, v] of Object.entries(previous.get(key) ?? {}))
            assert.ok((c[n] ?? 0) >= v, `${key} ${n} went down from ${v} to ${c[n]}`);
          assert.deepEqual(gaugesOf(o), gaugesOf(current.get(key)!), `${key}: gauges are the current run's`);
          const log = o.user.events?.alerts;
          if (log)
            assert.deepEqual(
              log.recent.map((e) => e.seq),
              Array.from({ length: log.recent.length }, (_, i) => log.total - log.recent.length + 1 + i),
            );
          counters.set(key, c);
        }
        // a subtask not shown now (its unit stopped) keeps its last figures to compare with later
        previous = new Map([...previous, ...counters]);
      }
    }),
  );
});
