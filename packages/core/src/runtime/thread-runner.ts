/**
 * Runs a job module over worker threads: starts one worker per slot, links every pair of workers
 * with a MessagePort, gathers metrics and collected records, and coordinates checkpoints (this
 * thread's {@link ThreadCheckpointCoordinator} owns them; each worker snapshots its own subtasks).
 * A worker's failure stops every worker; the job's restart strategy then starts them all again
 * from the latest completed checkpoint, as one thread restarts all its subtasks.
 */

import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import type { EnvironmentOptions } from "../api/config.js";
import type { JobClient, JobResult, MetricsSummary } from "../api/job-client.js";
import type { ThreadedJob } from "../api/job-executor.js";
import {
  type CheckpointMetadata,
  ensureDir,
  loadForRestore,
  resolveCheckpointStorage,
  storageCannotShare,
} from "../checkpoint/storage.js";
import { serveMainThreadServices } from "../connector/main-thread-service.js";
import { FleuveError, isErrorCode, restartCannotCure } from "../errors.js";
import type { LogFields, LogFunction } from "../log.js";
import { addByName, MetricsRegistry, type MetricsSnapshot } from "../metrics/registry.js";
import { checkpointLayout } from "./execution-graph.js";
import { buildJobGraph } from "./job-graph.js";
import { RestorePolicy } from "./recovery.js";
import { RestartTracker } from "./restart.js";
import { type CheckpointCommand, ThreadCheckpointCoordinator } from "./thread-checkpoint-coordinator.js";
import type { JobMetricsShare, WorkerCommand } from "./worker-thread-deployment.js";

/** What a worker gets at start. */
export interface WorkerInit {
  moduleUrl: string;
  jobName: string;
  worker: number;
  workers: number;
  options: EnvironmentOptions;
  args: readonly string[];
  ports: Record<number, MessagePort>;
  /** The worker's end of its channel to the main thread's services (connector/main-thread-service.ts). */
  services: MessagePort;
}

/** Messages from a worker to the main thread. */
export type WorkerMessage =
  /** Every second, and when the main thread pulls them for a worker's source (`pull`, its number). */
  | { type: "metrics"; summary: MetricsSummary; snapshot: MetricsSnapshot; pull?: number }
  | { type: "collect"; values: unknown[] }
  | { type: "acked"; id: number; files: CheckpointMetadata["files"]; references: string[] }
  | { type: "declined"; id: number; reason: string }
  | { type: "prepared"; id: number }
  | { type: "finished" }
  | { type: "log"; line: string; fields?: LogFields }
  /** A source of the worker asks for the whole job's metrics (answered with a `jobMetrics` message). */
  | { type: "jobMetrics"; id: number }
  | { type: "done"; summary: MetricsSummary; snapshot: MetricsSnapshot }
  | {
      type: "error";
      code: string;
      message: string;
      details?: Record<string, unknown>;
      /** The worker's error was marked permanent: restarting cannot cure it. */
      permanent?: boolean;
    };

/** Messages from the main thread to a worker. */
export type MainMessage =
  | WorkerCommand
  | { type: "cancel" }
  /** Pull `pull`: send your metrics now (another worker's source asked for the job's). */
  | { type: "snapshot"; pull: number }
  /** The answer to the worker's request `id` for the job's metrics. */
  | ({ type: "jobMetrics"; id: number } & JobMetricsShare);

/** One start of every worker (a restart is a new attempt). */
interface Attempt {
  readonly result: Promise<JobResult>;
  readonly coordinator: ThreadCheckpointCoordinator;
  /** Stops every worker; `result` rejects with `err`. Resolves once they are gone. */
  fail(err: FleuveError): Promise<void>;
  /** Sends a command to every worker. */
  sendAll(m: MainMessage): void;
}

/** Starts the workers and returns the job client. */
export function runOnThreads(init: ThreadedJob): JobClient {
  const { threads, config, graph, jobName } = init;
  const started = performance.now();
  const here = import.meta.url;
  const entry = new URL(here.endsWith(".ts") ? "./worker-entry.ts" : "./worker-entry.js", here).href;
  // TypeScript (the engine's sources in development, or a .ts job module) needs the tsx loader in
  // each worker: workers do not inherit loader hooks registered in the main thread.
  const needsTsx = entry.endsWith(".ts") || /\.[mc]?ts$/.test(init.moduleUrl);
  const tsx = init.workerLoader ?? (needsTsx ? resolveTsx() : undefined);
  const log: LogFunction = config.log ?? ((line: string) => process.stderr.write(`[fleuve] ${line}\n`));
  const summaries: MetricsSummary[] = Array.from({ length: threads }, () => ({}));
  // Job-wide metrics are this thread's (it coordinates checkpoints and restarts); operators' come
  // from the workers, at most a second old.
  const registry = new MetricsRegistry();
  const snapshots: (MetricsSnapshot | undefined)[] = Array.from({ length: threads }, () => undefined);
  const collected: unknown[] = [];
  let collecting = false;
  const storage = resolveCheckpointStorage(config.checkpointing?.storage);
  // Every subtask's file, as a one-thread job lists them: a checkpoint restores at any deployment.
  const operators = checkpointLayout(graph, buildJobGraph(graph, config), () => true);

  let attempt: Attempt | undefined;
  /** Resolves with the first attempt (a restore is loaded first), for early savepoint requests. */
  let firstAttempt!: (a: Attempt) => void;
  const started$ = new Promise<Attempt>((resolve) => {
    firstAttempt = resolve;
  });
  let cancelled = false;
  let stopping = false;

  const startAttempt = (restoreFrom: string | undefined, firstId: number): Attempt => {
    const ports: Record<number, MessagePort>[] = Array.from({ length: threads }, () => ({}));
    for (let a = 0; a < threads; a++) {
      for (let b = a + 1; b < threads; b++) {
        const { port1, port2 } = new MessageChannel();
        ports[a]![b] = port1;
        ports[b]![a] = port2;
      }
    }
    const workers: Worker[] = [];
    const sendAll = (m: MainMessage) => {
      for (const w of workers) w.postMessage(m);
    };
    const coordinator = new ThreadCheckpointCoordinator({
      checkpointing: config.checkpointing,
      jobName,
      maxParallelism: config.maxParallelism,
      operators,
      workers: threads,
      firstId,
      send: (w: number, c: CheckpointCommand) => workers[w]?.postMessage(c),
      log,
      stats: registry.job,
    });
    let settled = false;
    let terminated: Promise<void> = Promise.resolve();
    // A worker's source asked for the whole job's metrics: the other workers are asked for theirs
    // (fresh, so rates over two samples are right), and the asker is answered once they all sent
    // them, or after PULL_TIMEOUT_MS with what they last sent. Nothing moves until a source asks.
    const pulls = new Map<
      number,
      { asker: number; id: number; waiting: Set<number>; timer: NodeJS.Timeout }
    >();
    let lastPull = 0;
    const ended = new Set<number>();
    const answerPull = (pull: number) => {
      const p = pulls.get(pull);
      if (p === undefined) return;
      pulls.delete(pull);
      clearTimeout(p.timer);
      if (settled) return;
      workers[p.asker]?.postMessage({
        type: "jobMetrics",
        id: p.id,
        job: registry.job.snapshot(),
        threads: snapshots.map((s, k) => (k === p.asker ? null : (s?.operators ?? []))),
      } satisfies MainMessage);
    };
    const pulled = (worker: number, pull: number | undefined) => {
      for (const [n, p] of pulls)
        if ((pull === undefined || n === pull) && p.waiting.delete(worker) && p.waiting.size === 0)
          answerPull(n);
    };
    const startPull = (asker: number, id: number) => {
      const pull = ++lastPull;
      const waiting = new Set<number>();
      for (let k = 0; k < threads; k++) if (k !== asker && !ended.has(k)) waiting.add(k);
      pulls.set(pull, { asker, id, waiting, timer: setTimeout(() => answerPull(pull), PULL_TIMEOUT_MS) });
      if (waiting.size === 0) answerPull(pull);
      else for (const k of waiting) workers[k]?.postMessage({ type: "snapshot", pull } satisfies MainMessage);
    };
    let failWith: (err: FleuveError) => Promise<void> = async () => {};
    const result = new Promise<JobResult>((resolve, reject) => {
      let finished = 0;
      let done = 0;
      failWith = (err) => {
        if (!settled) {
          settled = true;
          terminated = Promise.allSettled(workers.map((w) => w.terminate())).then(() => {});
          reject(err);
        }
        return terminated;
      };
      const fail = (err: FleuveError) => void failWith(err);
      // Workers restore exactly the checkpoint this thread chose, and never restart alone. Their
      // log lines come here (a function cannot cross to a thread).
      const options: EnvironmentOptions = {
        ...init.options,
        resumeFromLatestCheckpoint: false,
        restartStrategy: { type: "none" },
      };
      delete options.log;
      if (restoreFrom === undefined) delete options.restoreFrom;
      else options.restoreFrom = restoreFrom;
      for (let i = 0; i < threads; i++) {
        const services = new MessageChannel();
        const data: WorkerInit = {
          moduleUrl: init.moduleUrl,
          jobName,
          worker: i,
          workers: threads,
          options,
          args: init.args,
          ports: ports[i]!,
          services: services.port2,
        };
        const w = new Worker(BOOTSTRAP, {
          eval: true,
          workerData: { ...data, bootstrap: { entry, tsx } },
          transferList: [...Object.values(ports[i]!), services.port2],
        });
        workers.push(w);
        // What the worker holds of the main thread's services is dropped once it has ended.
        const servicesGone = serveMainThreadServices(services.port1, w.threadId);
        w.once("exit", servicesGone);
        w.on("message", (m: WorkerMessage) => {
          if (settled) return;
          switch (m.type) {
            case "metrics":
              summaries[i] = m.summary;
              snapshots[i] = m.snapshot;
              if (m.pull !== undefined) pulled(i, m.pull);
              break;
            case "log":
              log(m.line, m.fields);
              break;
            case "jobMetrics":
              startPull(i, m.id);
              break;
            case "collect":
              collecting = true;
              for (const v of m.values) collected.push(v);
              break;
            case "prepared":
              coordinator.prepared(i, m.id);
              break;
            case "acked":
              coordinator.acked(i, m.id, m.files, m.references);
              break;
            case "declined":
              coordinator.declined(i, m.id, m.reason);
              break;
            case "finished":
              // Every subtask of every worker finished: the final checkpoint, then the end (as
              // one thread does after its loop).
              if (++finished === threads)
                coordinator.finalCheckpoint().then(
                  () => sendAll({ type: "end" }),
                  (e: unknown) =>
                    fail(
                      e instanceof FleuveError
                        ? e
                        : new FleuveError("FLEUVE_CHECKPOINT_FAILED", String(e), { cause: e }),
                    ),
                );
              break;
            case "done":
              summaries[i] = m.summary;
              snapshots[i] = m.snapshot;
              // an ended worker answers no pull: its last figures are final
              ended.add(i);
              pulled(i, undefined);
              if (++done === threads) {
                settled = true;
                resolve({
                  jobName,
                  durationMs: performance.now() - started,
                  metrics: mergeSummaries(summaries),
                  ...(collecting ? { collected } : {}),
                });
              }
              break;
            case "error": {
              // Any package's code crosses (a log or Kafka connector's too), not only core's.
              const code = isErrorCode(m.code) ? m.code : "FLEUVE_JOB_FAILED";
              fail(new FleuveError(code, m.message, { details: m.details, permanent: m.permanent === true }));
              break;
            }
          }
        });
        w.on("error", (e) =>
          fail(
            new FleuveError("FLEUVE_JOB_FAILED", `worker ${i} of job '${jobName}' crashed: ${e.message}`, {
              cause: e,
            }),
          ),
        );
        w.on("exit", (code) => {
          if (code !== 0 && !settled)
            fail(
              new FleuveError(
                "FLEUVE_JOB_FAILED",
                `worker ${i} of job '${jobName}' exited with code ${code}`,
              ),
            );
        });
      }
    });
    result.catch(() => {});
    coordinator.start();
    return { result, coordinator, fail: (err) => failWith(err), sendAll };
  };

  // A second restart loop beside recovery.ts's runWithRecovery, on the same RestorePolicy and
  // RestartTracker. Not merged into it yet because runWithRecovery's contract does not fit an
  // attempt made of workers: it loads the whole checkpoint in this thread (workers only need its
  // path and load their own share), restores it in build() synchronously, continues checkpoint
  // ids after `coordination.latestCompleted` (here: after every id an aborted attempt's workers
  // may still be writing, `idsUsedUpTo`), and has no step that terminates the workers before the
  // restart delay. Merging needs those three as hooks of Attempt/RecoverableJob.
  const run = async (): Promise<JobResult> => {
    if (config.checkpointing) {
      if (!storage.writeFiles) throw storageCannotShare();
      if (storage.local) ensureDir(config.checkpointing.dir);
    }
    const restarts = new RestartTracker(config.restartStrategy);
    const restore = new RestorePolicy(config, (path) => loadForRestore(path, log, storage));
    for (;;) {
      // This thread picks the checkpoint (skipping corrupt ones) so every worker restores the same.
      const folder = (await restore.next())?.path;
      if (cancelled) throw cancelledError();
      const a = startAttempt(folder, restore.nextCheckpointId);
      attempt = a;
      firstAttempt(a);
      try {
        const r = await a.result;
        await a.coordinator.stop("the job ended");
        return r;
      } catch (e) {
        await a.fail(e as FleuveError);
        // Checkpoint ids go on after every id this attempt used: a worker of the failed attempt
        // may still be writing into the folder of an aborted one.
        const lastIdUsed = Math.max(await a.coordinator.stop("the job failed"), a.coordinator.idsUsedUpTo);
        const err =
          e instanceof FleuveError ? e : new FleuveError("FLEUVE_JOB_FAILED", String(e), { cause: e });
        const delay =
          cancelled || stopping || err.code === "FLEUVE_JOB_CANCELLED" || restartCannotCure(err)
            ? undefined
            : restarts.onFailure(performance.now());
        if (delay === undefined) throw err;
        log(
          `job '${jobName}' failed (${err.message}); restarting in ${delay} ms from the latest checkpoint`,
          {
            level: "warn",
          },
        );
        registry.job.restarted(err, delay);
        await new Promise((r) => setTimeout(r, delay));
        if (cancelled) throw cancelledError();
        restore.afterFailure(lastIdUsed);
      }
    }
  };
  const cancelledError = () => new FleuveError("FLEUVE_JOB_CANCELLED", `job '${jobName}' was cancelled`);
  const result = run();
  result.catch(() => {});
  /** The attempt running now; before the first one starts, waits for it (or the job's end). */
  const current = async (): Promise<Attempt> => {
    if (attempt) return attempt;
    const first = await Promise.race([
      started$,
      result.then(
        () => undefined,
        () => undefined,
      ),
    ]);
    if (!first)
      throw new FleuveError("FLEUVE_CHECKPOINT_FAILED", `job '${jobName}' ended before its workers started`);
    return attempt ?? first;
  };
  return {
    result,
    metrics: new MetricsRegistry(),
    summary: () => mergeSummaries(summaries),
    snapshot: () => ({
      job: registry.job.snapshot(),
      operators: snapshots.flatMap((s) => s?.operators ?? []),
    }),
    cancel: () => {
      cancelled = true;
      void attempt?.fail(cancelledError());
    },
    triggerSavepoint: async (dir: string) => (await current()).coordinator.savepoint(dir),
    stopWithSavepoint: async (dir: string) => {
      const a = await current();
      const path = await a.coordinator.savepoint(dir, true);
      // The savepoint is complete and every worker was told so: now they stop.
      stopping = true;
      a.sendAll({ type: "stop", savepointDir: path });
      await result.catch(() => {});
      return path;
    },
  };
}

/** How long a pull of the job's metrics waits for a worker's fresh figures before using its last ones. */
const PULL_TIMEOUT_MS = 1000;

/** Loads the tsx loader when asked, then the worker entry (CommonJS, run with `eval: true`). */
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
(async () => {
  if (workerData.bootstrap.tsx) (await import(workerData.bootstrap.tsx)).register();
  await import(workerData.bootstrap.entry);
})().catch((e) => { throw e; });
`;

function resolveTsx(): string | undefined {
  try {
    return import.meta.resolve("tsx/esm/api");
  } catch {
    return undefined;
  }
}

/** Adds per-worker summaries: counts and busy time summed; latency percentiles as the max. */
export function mergeSummaries(list: readonly MetricsSummary[]): MetricsSummary {
  const out: MetricsSummary = {};
  for (const s of list) {
    for (const [id, m] of Object.entries(s)) {
      const o = out[id];
      if (!o) {
        out[id] = { ...m, gauges: { ...m.gauges }, counters: { ...m.counters } };
        continue;
      }
      o.recordsIn += m.recordsIn;
      o.recordsOut += m.recordsOut;
      o.busyTimeMs += m.busyTimeMs;
      o.numLateRecordsDropped += m.numLateRecordsDropped;
      o.recordsRejected += m.recordsRejected;
      o.latencyP50Ms = Math.max(o.latencyP50Ms, m.latencyP50Ms);
      o.latencyP99Ms = Math.max(o.latencyP99Ms, m.latencyP99Ms);
      addByName(o.gauges, m.gauges);
      addByName(o.counters, m.counters);
    }
  }
  return out;
}
