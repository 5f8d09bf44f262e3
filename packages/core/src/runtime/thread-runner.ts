/**
 * Runs a job module over worker threads: starts one worker per slot, links every pair of workers
 * with a MessagePort, gathers metrics and collected records, and turns a worker's failure into the
 * job's failure (stopping the others).
 */
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import type { EnvironmentOptions } from "../api/config.js";
import type { JobClient, JobResult, MetricsSummary } from "../api/job-client.js";
import { FleuveError, isErrorCode } from "../errors.js";
import { MetricsRegistry } from "../metrics/registry.js";

/** What a worker gets at start. */
export interface WorkerInit {
  moduleUrl: string;
  jobName: string;
  worker: number;
  workers: number;
  options: EnvironmentOptions;
  args: readonly string[];
  ports: Record<number, MessagePort>;
}

/** Messages from a worker to the main thread. */
export type WorkerMessage =
  | { type: "metrics"; summary: MetricsSummary }
  | { type: "collect"; values: unknown[] }
  | { type: "done"; summary: MetricsSummary }
  | { type: "error"; code: string; message: string; details?: Record<string, unknown> };

/** Starts the workers and returns the job client. */
export function runOnThreads(init: {
  moduleUrl: string;
  jobName: string;
  threads: number;
  options: EnvironmentOptions;
  args: readonly string[];
  /** A module whose `register()` each worker calls first, instead of tsx's (see RunJobOptions). */
  workerLoader?: string | undefined;
}): JobClient {
  const { threads } = init;
  const started = performance.now();
  const ports: Record<number, MessagePort>[] = Array.from({ length: threads }, () => ({}));
  for (let a = 0; a < threads; a++) {
    for (let b = a + 1; b < threads; b++) {
      const { port1, port2 } = new MessageChannel();
      ports[a]![b] = port1;
      ports[b]![a] = port2;
    }
  }
  const here = import.meta.url;
  const entry = new URL(here.endsWith(".ts") ? "./worker-entry.ts" : "./worker-entry.js", here).href;
  // TypeScript (the engine's sources in development, or a .ts job module) needs the tsx loader in
  // each worker: workers do not inherit loader hooks registered in the main thread.
  const needsTsx = entry.endsWith(".ts") || /\.[mc]?ts$/.test(init.moduleUrl);
  const tsx = init.workerLoader ?? (needsTsx ? resolveTsx() : undefined);
  const summaries: MetricsSummary[] = Array.from({ length: threads }, () => ({}));
  const collected: unknown[] = [];
  let collecting = false;
  const workers: Worker[] = [];
  let settled = false;
  let cancel: () => void = () => {};

  const result = new Promise<JobResult>((resolve, reject) => {
    let done = 0;
    const fail = (err: FleuveError) => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      reject(err);
    };
    cancel = () => fail(new FleuveError("FLEUVE_JOB_CANCELLED", `job '${init.jobName}' was cancelled`));
    for (let i = 0; i < threads; i++) {
      const data: WorkerInit = {
        moduleUrl: init.moduleUrl,
        jobName: init.jobName,
        worker: i,
        workers: threads,
        options: init.options,
        args: init.args,
        ports: ports[i]!,
      };
      const w = new Worker(BOOTSTRAP, {
        eval: true,
        workerData: { ...data, bootstrap: { entry, tsx } },
        transferList: Object.values(ports[i]!),
      });
      workers.push(w);
      w.on("message", (m: WorkerMessage) => {
        switch (m.type) {
          case "metrics":
            summaries[i] = m.summary;
            break;
          case "collect":
            collecting = true;
            for (const v of m.values) collected.push(v);
            break;
          case "done":
            summaries[i] = m.summary;
            if (++done === threads && !settled) {
              settled = true;
              resolve({
                jobName: init.jobName,
                durationMs: performance.now() - started,
                metrics: mergeSummaries(summaries),
                ...(collecting ? { collected } : {}),
              });
            }
            break;
          case "error": {
            // Any package's code crosses (a log or Kafka connector's too), not only core's.
            const code = isErrorCode(m.code) ? m.code : "FLEUVE_JOB_FAILED";
            fail(new FleuveError(code, m.message, { details: m.details }));
            break;
          }
        }
      });
      w.on("error", (e) =>
        fail(
          new FleuveError("FLEUVE_JOB_FAILED", `worker ${i} of job '${init.jobName}' crashed: ${e.message}`, {
            cause: e,
          }),
        ),
      );
      w.on("exit", (code) => {
        if (code !== 0 && !settled)
          fail(
            new FleuveError(
              "FLEUVE_JOB_FAILED",
              `worker ${i} of job '${init.jobName}' exited with code ${code}`,
            ),
          );
      });
    }
  });
  result.catch(() => {});
  return {
    result,
    metrics: new MetricsRegistry(),
    summary: () => mergeSummaries(summaries),
    cancel: () => cancel(),
    triggerSavepoint: () => Promise.reject(noSavepoints()),
    stopWithSavepoint: () => Promise.reject(noSavepoints()),
  };
}

function noSavepoints(): FleuveError {
  return new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    "savepoints are not supported yet for jobs spread over worker threads; run with threads: 1 (parallelism may stay > 1)",
  );
}

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
        out[id] = { ...m };
        continue;
      }
      o.recordsIn += m.recordsIn;
      o.recordsOut += m.recordsOut;
      o.busyTimeMs += m.busyTimeMs;
      o.numLateRecordsDropped += m.numLateRecordsDropped;
      o.latencyP50Ms = Math.max(o.latencyP50Ms, m.latencyP50Ms);
      o.latencyP99Ms = Math.max(o.latencyP99Ms, m.latencyP99Ms);
    }
  }
  return out;
}
