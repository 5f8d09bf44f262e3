/**
 * The job of the recovery tests, shared by every state backend: a rate-limited generator with
 * punctuated watermarks, a failure injected at given records, a keyed running sum with event-time
 * timers, and a two-phase-commit sink into a fake transactional store; `oracle` is the exact output.
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
} from "../../src/index.js";

export interface Ev {
  k: number;
  v: number;
  ts: number;
}

/** An external system with transactions: committed data is what a reader would see. */
export class FakeStore {
  readonly committed: string[] = [];
  private readonly done = new Set<string>();
  commits = 0;
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

const runningSum: KeyedProcessFunction<number, Ev, string> & { sum?: ValueState<number> } = {
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

export function oracle(n: number): string[] {
  const sums = new Map<number, number>();
  const out: string[] = [];
  const timers = new Map<number, Set<number>>();
  for (let i = 0; i < n; i++) {
    const e = gen(i);
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
  const perKey = new Map<number, Ev[]>();
  for (let i = 0; i < n; i++) {
    const e = gen(i);
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

export function gen(i: number): Ev {
  return { k: (i * 31) % 17, v: (i % 7) + 1, ts: i };
}

export function job(
  dir: string,
  store: FakeStore,
  n: number,
  failAt: number[],
  opts: {
    restoreFrom?: string;
    parallelism?: number;
    log?: (l: string) => void;
    stateBackend?: KeyedStateBackendFactory;
    storage?: CheckpointStorage;
    /** Instead of the rate-limited generator: a source of gen(0..n-1) (e.g. one paced by checkpoints). */
    events?: Source<Ev>;
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
  const strategy = WatermarkStrategy.forGenerator<Ev>(() => ({
    onEvent: (_e, ts, out) => out.emitWatermark(ts - 1),
    onPeriodicEmit: () => {},
  })).withTimestampAssigner((e) => e.ts);
  const events = (
    opts.events
      ? env.fromSource(opts.events, strategy, "events")
      : env.fromGenerator(gen, { count: n, ratePerSecond: 400_000, strategy })
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
export function memoryStorage(): CheckpointStorage & { objects: Map<string, Buffer> } {
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
