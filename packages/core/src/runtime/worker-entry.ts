/**
 * Entry point of a worker thread of a multi-threaded job: imports the job module, builds the same
 * graph, and runs the subtasks placed on this worker.
 */
import { parentPort, workerData } from "node:worker_threads";
import { DataStream } from "../api/datastream.js";
import { StreamExecutionEnvironment } from "../api/environment.js";
import { collectInto, loadJobModule } from "../api/job.js";
import { setMainThreadServicePort } from "../connector/main-thread-service.js";
import { FleuveError } from "../errors.js";
import { LocalExecutor } from "./local-executor.js";
import { PeerLink } from "./remote-channel.js";
import type { MainMessage, WorkerInit, WorkerMessage } from "./thread-runner.js";
import { type JobMetricsShare, WorkerThreadDeployment } from "./worker-thread-deployment.js";

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);
setMainThreadServicePort(init.services);

async function main(): Promise<void> {
  const def = await loadJobModule(init.moduleUrl);
  const env = StreamExecutionEnvironment.create({
    ...init.options,
    log: (line, fields) => post(fields === undefined ? { type: "log", line } : { type: "log", line, fields }),
  });
  const out = await def.build(env, init.args);
  if (out instanceof DataStream) collectInto(out, (values) => post({ type: "collect", values }));
  const links = new Map<number, PeerLink>();
  for (const [peer, p] of Object.entries(init.ports)) links.set(Number(peer), new PeerLink(p));
  env.getStreamGraph();
  // The main thread coordinates checkpoints; this worker snapshots its subtasks and reports.
  const deployment = new WorkerThreadDeployment(init.worker, init.workers, links, {
    prepared: (id) => post({ type: "prepared", id }),
    acked: (id, files, references) => post({ type: "acked", id, files, references }),
    declined: (id, reason) => post({ type: "declined", id, reason }),
    finished: () => post({ type: "finished" }),
    jobMetrics: () => jobMetrics.ask(),
  });
  const exec = new LocalExecutor(env.graph, env.config, init.jobName, deployment);
  const client = exec.start();
  const timer = setInterval(
    () => post({ type: "metrics", summary: exec.metrics.summary(), snapshot: exec.metrics.snapshot() }),
    1000,
  );
  port.on("message", (m: MainMessage) => {
    if (m.type === "cancel") client.cancel();
    else if (m.type === "jobMetrics") jobMetrics.answered(m);
    else if (m.type === "snapshot")
      post({
        type: "metrics",
        summary: exec.metrics.summary(),
        snapshot: exec.metrics.snapshot(),
        pull: m.pull,
      });
    else {
      deployment.control(m);
      // After a stop-with-savepoint (complete already): stop like one thread does after one.
      if (m.type === "stop") void client.stopWithSavepoint(m.savepointDir);
    }
  });
  try {
    await client.result;
    post({ type: "done", summary: exec.metrics.summary(), snapshot: exec.metrics.snapshot() });
  } finally {
    clearInterval(timer);
    // Let the last messages to peers go out before the ports close.
    setTimeout(() => {
      for (const l of links.values()) l.close();
      port.close();
    }, 50);
  }
}

/** The whole job's metrics, asked of the main thread when a source wants them (never pushed). */
const jobMetrics = {
  nextId: 0,
  waiting: new Map<number, { resolve: (s: JobMetricsShare) => void; timer: NodeJS.Timeout }>(),
  /** Asks; rejects when no answer comes within JOB_METRICS_TIMEOUT_MS (the job is ending). */
  ask(): Promise<JobMetricsShare> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(
          new FleuveError(
            "FLEUVE_JOB_FAILED",
            `worker ${init.worker}: the main thread did not answer a request for the job's metrics in ${JOB_METRICS_TIMEOUT_MS} ms`,
          ),
        );
      }, JOB_METRICS_TIMEOUT_MS);
      // a request left unanswered never keeps the worker alive
      timer.unref();
      this.waiting.set(id, { resolve, timer });
      post({ type: "jobMetrics", id });
    });
  },
  answered(m: { id: number } & JobMetricsShare): void {
    const w = this.waiting.get(m.id);
    if (w === undefined) return;
    this.waiting.delete(m.id);
    clearTimeout(w.timer);
    w.resolve({ job: m.job, threads: m.threads });
  },
};
const JOB_METRICS_TIMEOUT_MS = 10_000;

main().catch((e: unknown) => {
  const err = e instanceof FleuveError ? e : undefined;
  post({
    type: "error",
    code: err?.code ?? "FLEUVE_JOB_FAILED",
    message: e instanceof Error ? e.message : String(e),
    details: err ? safeDetails(err.details) : undefined,
    permanent: err?.permanent === true,
  });
});

function safeDetails(d: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  try {
    return structuredClone(d) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
