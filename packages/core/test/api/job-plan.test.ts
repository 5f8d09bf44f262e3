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

test("execute with `only` runs those sinks and what they read from, keeping every node's uid", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const first: number[] = [];
  const second: number[] = [];
  env.fromCollection([1, 2]).forEach((x) => {
    first.push(x);
  }, "First");
  const source = env.fromCollection([10, 20]);
  const doubled = source.map((x) => x * 2).name("Double");
  const sink = doubled.forEach((x) => {
    second.push(x);
  }, "Second");
  const uids = env.graph.nodes.map((n) => env.graph.uidOf(n));
  const client = env.executeAsync("only-second", { only: [sink.node.id] });
  await client.result;
  assert.deepEqual(first, []);
  assert.deepEqual(second, [20, 40]);
  // The pruned job's operators keep the uids they have in the whole graph (their state's names).
  assert.deepEqual(
    client.plan!().nodes.map((n) => n.uid),
    uids.slice(2),
  );
  await env.execute("all");
  assert.deepEqual(first, [1, 2]);
  assert.deepEqual(second, [20, 40, 20, 40]);
});
