/**
 * Wires the runtime's executor behind the API's {@link JobExecutor} seam. Imported for its effect
 * by the package's entry points (`index.ts`, `testing/index.ts`), which sit above both layers, so
 * that `api/` never imports `runtime/`.
 */
import { type JobExecutor, registerJobExecutor } from "./api/job-executor.js";
import { LocalExecutor } from "./runtime/local-executor.js";
import { runOnThreads } from "./runtime/thread-runner.js";

/** The runtime's executor: one thread, or worker threads for a job module. */
export const runtimeJobExecutor: JobExecutor = {
  executeInProcess: (graph, config, jobName) => new LocalExecutor(graph, config, jobName).start(),
  executeOnThreads: (job) => runOnThreads(job),
};

registerJobExecutor(runtimeJobExecutor);
