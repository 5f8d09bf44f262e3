/**
 * The job of the recovery tests, shared by every state backend: a rate-limited generator with
 * punctuated watermarks, a failure injected at given records, a keyed running sum with event-time
 * timers, and a two-phase-commit sink into a fake transactional store; `recoveryOracle` is the
 * exact output. Every state backend and checkpoint storage runs it.
 */
import {
  type CheckpointStorage,
  type KeyedProcessFunction,
  type KeyedStateBackendFactory,
  type PreCommitSinkWriter,
  type Source,
  StreamExecutionEnvironment,
  type TwoPhaseCommitSink,
  type ValueState,
  valueState,
  WatermarkStrategy,
} from "../../index.js";

/** One input record of the recovery job: key, value, event time. */
export interface RecoveryEvent {
  k: number;
  v: number;
  ts: number;
}

/** An external system with transactions: committed data is what a reader would see. */
export class FakeTransactionalStore {
  /** Every row committed, in commit order (what a reader of the store sees). */
  readonly committed: string[] = [];
  private readonly done = new Set<string>();
  /** Transactions committed (a transaction committed again after a restore counts once). */
  commits = 0;
  /** A two-phase-commit sink into this store; commits are idempotent per transaction id. */
  sink(): TwoPhaseCommitSink<string, { txn: string; rows: string[] }> {
    let seq = 0;
    return {
      createWriter: (ctx) => {
        // a new writer (after a restart) starts a new transaction id range: old open ones are dropped
        const epoch = `${ctx.subtaskIndex}-${Math.random().toString(36).slice(2)}`;
        let rows: string[] = [];
        const writer: PreCommitSinkWriter<string, { txn: string; rows: string[] }> = {
          write: (v) => {
            rows.push(v);
          },
          prepareCommit: () => {
            const c = rows.length > 0 ? [{ txn: `${epoch}-${seq++}`, rows }] : [];
            rows = [];
            return c;
          },
        };
        return writer;
      },
      commit: (cs) => {
        for (const c of cs) {
          if (this.done.has(c.txn)) continue; // idempotent
          this.done.add(c.txn);
          this.committed.push(...c.rows);
          this.commits++;
        }
      },
    };
  }
}

const runningSum: KeyedProcessFunction<number, RecoveryEvent, string> & { sum?: ValueState<number> } = {
  open(ctx) {
    this.sum = ctx.getState(valueState<number>("sum"));
  },
  processElement(e, ctx, out) {
    const s = (this.sum!.value() ?? 0) + e.v;
    this.sum!.update(s);
    out.collect(`${e.k}:${e.ts}:${s}`);
    ctx.timerService().registerEventTimeTimer(Math.floor(e.ts / 1000) * 1000 + 999);
  },
  onTimer(ts, ctx, out) {
    out.collect(`timer ${ctx.getCurrentKey()}@${ts}=${this.sum!.value()}`);
  },
};

/** The exact, sorted output of {@link recoveryJob} over events 0..n-1, however often it failed. */
export function recoveryOracle(n: number): string[] {
  const sums = new Map<number, number>();
  const out: string[] = [];
  const timers = new Map<number, Set<number>>();
  for (let i = 0; i < n; i++) {
    const e = recoveryEvent(i);
    const s = (sums.get(e.k) ?? 0) + e.v;
    sums.set(e.k, s);
    out.push(`${e.k}:${e.ts}:${s}`);
    const t = Math.floor(e.ts / 1000) * 1000 + 999;
    if (!timers.has(e.k)) timers.set(e.k, new Set());
    timers.get(e.k)!.add(t);
  }
  // timers fire when the watermark passes them; the watermark t comes right after the record with
  // ts t+1 (a record goes out before the watermark it generates, as in Flink), so a timer at t sees
  // the sum of its key's records with ts <= t+1
  const perKey = new Map<number, RecoveryEvent[]>();
  for (let i = 0; i < n; i++) {
    const e = recoveryEvent(i);
    if (!perKey.has(e.k)) perKey.set(e.k, []);
    perKey.get(e.k)!.push(e);
  }
  for (const [k, ts] of timers) {
    for (const t of ts) {
      const s = perKey
        .get(k)!
        .filter((e) => e.ts <= t + 1)
        .reduce((a, e) => a + e.v, 0);
      out.push(`timer ${k}@${t}=${s}`);
    }
  }
  return out.sort();
}

/** Event `i` of the recovery job (17 keys, timestamps 0, 1, 2...). */
export function recoveryEvent(i: number): RecoveryEvent {
  return { k: (i * 31) % 17, v: (i % 7) + 1, ts: i };
}

/**
 * The recovery job, checkpointing into `dir` every 5 ms: events 0..n-1 -> a map that throws once at
 * each timestamp of `failAt` -> keyBy -> a running sum with event-time timers -> `store`. With a
 * restart per failure, its committed output must equal {@link recoveryOracle}`(n)`.
 */
export function recoveryJob(
  dir: string,
  store: FakeTransactionalStore,
  n: number,
  failAt: number[],
  opts: {
    restoreFrom?: string;
    parallelism?: number;
    log?: (l: string) => void;
    stateBackend?: KeyedStateBackendFactory;
    storage?: CheckpointStorage;
    /** Instead of the rate-limited generator: a source of recoveryEvent(0..n-1) (e.g. one paced by checkpoints). */
    events?: Source<RecoveryEvent>;
  } = {},
) {
  const env = StreamExecutionEnvironment.create({
    log: opts.log ?? (() => {}),
    parallelism: opts.parallelism ?? 2,
    checkpointing: { dir, intervalMs: 5, ...(opts.storage ? { storage: opts.storage } : {}) },
    restartStrategy: { type: "fixed-delay", attempts: failAt.length + 1, delayMs: 1 },
    restoreFrom: opts.restoreFrom,
    ...(opts.stateBackend ? { stateBackend: opts.stateBackend } : {}),
  });
  env.setParallelism(opts.parallelism ?? 2);
  // punctuated: a watermark after every record, so timer firings do not depend on timing
  const strategy = WatermarkStrategy.forGenerator<RecoveryEvent>(() => ({
    onEvent: (_e, ts, out) => out.emitWatermark(ts - 1),
    onPeriodicEmit: () => {},
  })).withTimestampAssigner((e) => e.ts);
  const events = (
    opts.events
      ? env.fromSource(opts.events, strategy, "events")
      : env.fromGenerator(recoveryEvent, { count: n, ratePerSecond: 400_000, strategy })
  )
    .setParallelism(1)
    .uid("events");
  events
    .map((e) => {
      const at = failAt.indexOf(e.ts);
      if (at >= 0) {
        failAt.splice(at, 1); // fail once at that record
        throw new Error(`injected failure at ${e.ts}`);
      }
      return e;
    })
    .setParallelism(1) // one sender into keyBy keeps the per-key order the oracle assumes
    .uid("maybe-fail")
    .keyBy((e) => e.k)
    .process(runningSum)
    .uid("sum")
    .sinkTo(store.sink(), "store")
    .uid("sink");
  return env;
}

/** An object store in memory: key = folder path + "/" + file name. */
export function memoryCheckpointStorage(): CheckpointStorage & { objects: Map<string, Buffer> } {
  const objects = new Map<string, Buffer>();
  return {
    local: false,
    objects,
    async writeFolder(folder, files, metadata) {
      for (const [name, data] of files) objects.set(`${folder}/${name}`, Buffer.from(data));
      objects.set(`${folder}/_metadata`, Buffer.from(metadata)); // last: the folder is complete now
    },
    async readFile(folder, name) {
      return objects.get(`${folder}/${name}`);
    },
    async list(root) {
      const names = new Set<string>();
      for (const k of objects.keys()) {
        if (!k.startsWith(`${root}/`)) continue;
        names.add(k.slice(root.length + 1).split("/")[0]!);
      }
      return [...names];
    },
    async remove(folder) {
      for (const k of [...objects.keys()]) if (k.startsWith(`${folder}/`)) objects.delete(k);
    },
  };
}
