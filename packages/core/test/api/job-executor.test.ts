/**
 * The seam between the API and the runtime: `execute()` hands the validated stream graph to the
 * registered JobExecutor (the package entry registers the runtime's), and without one it fails
 * with an error that says what to import.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  type JobClient,
  type JobExecutor,
  registerJobExecutor,
  runtimeJobExecutor,
  StreamExecutionEnvironment,
} from "../../src/index.js";

test("execute() runs the job through the registered JobExecutor", async () => {
  const seen: string[] = [];
  const recording: JobExecutor = {
    executeInProcess(graph, config, jobName): JobClient {
      seen.push(`${jobName}: ${graph.nodes.map((n) => n.name).join(" -> ")} (p=${config.parallelism})`);
      return runtimeJobExecutor.executeInProcess(graph, config, jobName);
    },
    executeOnThreads: (job) => runtimeJobExecutor.executeOnThreads(job),
  };
  registerJobExecutor(recording);
  try {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const out = await env.executeAndCollect(
      env.fromCollection([1, 2, 3]).map((x) => x * 10),
      "seam",
    );
    assert.deepEqual(out.sort(), [10, 20, 30]);
    assert.deepEqual(seen, ["seam: Collection -> Map -> Collect (p=2)"]);
  } finally {
    registerJobExecutor(runtimeJobExecutor);
  }
});

test("without an entry point registering the runtime, execute() names what to import", () => {
  // A fresh process that imports the environment's own file, not the package entry.
  const environment = fileURLToPath(new URL("../../src/api/environment.ts", import.meta.url));
  const script = `
    const { StreamExecutionEnvironment } = await import(${JSON.stringify(environment)});
    const env = StreamExecutionEnvironment.create();
    env.fromCollection([1]).print();
    try { env.executeAsync("x"); console.log("ran"); }
    catch (e) { console.log(e.code + " " + e.message); }`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^FLEUVE_CONFIG_INVALID no job executor is registered: import .*"@fleuve\/core"/);
});
