import assert from "node:assert/strict";
import { test } from "node:test";
import { runJob, StreamExecutionEnvironment } from "../../src/index.js";

const threadFixture = new URL("../runtime/thread-runner-job.ts", import.meta.url).href;

test("executeAsync's client gives the job's plan: every operator, its metrics id, parallelism and edges", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 3 });
  env
    .fromCollection([1, 2, 3])
    .map((x) => x * 2)
    .name("Double")
    .keyBy((x) => x % 2)
    .reduce((a, b) => a + b)
    .uid("sums")
    .forEach(() => {}, "Out");
  const client = env.executeAsync("plan-job");
  await client.result;
  const plan = client.plan!();
  const names = plan.nodes.map((n) => n.name);
  assert.ok(names.includes("Double") && names.includes("Out"), names.join(", "));
  // the plan's ids are those the metrics carry, so a dashboard can join them
  const ids = new Set(client.snapshot().operators.map((o) => o.operatorId));
  for (const n of plan.nodes) assert.ok(ids.has(n.uid), `${n.uid} has metrics`);
  assert.equal(plan.nodes.find((n) => n.uid === "sums")?.parallelism, 3);
  const hash = plan.edges.find((e) => plan.nodes[e.target]!.uid === "sums");
  assert.equal(hash?.partitioner, "hash");
  assert.equal(plan.nodes[hash!.source]!.name, "Double");
});

test("runJob's client gives the plan on worker threads too", async () => {
  const client = await runJob(threadFixture, { parallelism: 2, threads: 2, args: ["1000"] });
  await client.result;
  const plan = client.plan!();
  assert.ok(plan.nodes.length >= 3);
  const ids = new Set(client.snapshot().operators.map((o) => o.operatorId));
  for (const n of plan.nodes) assert.ok(ids.has(n.uid), `${n.uid} has metrics`);
  assert.ok(plan.nodes.some((n) => n.name === "Collect"));
});
