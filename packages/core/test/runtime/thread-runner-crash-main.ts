/**
 * Child process of the worker-thread SIGKILL test: runs thread-runner-checkpoints-job.ts on 2 worker
 * threads with checkpoints, resuming from the newest checkpoint when there is one.
 * Usage: node --import tsx thread-runner-crash-main.ts <outDir> <checkpointDir> <n> <ratePerSecond>
 */
import { runJob } from "../../src/index.js";

const [outDir, cpDir, n, rate] = process.argv.slice(2) as [string, string, string, string];
const client = await runJob(new URL("./thread-runner-checkpoints-job.ts", import.meta.url).href, {
  parallelism: 2,
  threads: 2,
  args: [outDir, n, rate],
  options: {
    checkpointing: { dir: cpDir, intervalMs: 30 },
    resumeFromLatestCheckpoint: true,
    restartStrategy: { type: "none" },
  },
});
await client.result;
