/**
 * The dashboard of `fleuve run --group` processes, against the real broker: each process's graph
 * has the job's edges (the plan of the whole job, not only its own units), `/api/group` gives the
 * process Kafka assigned each of the job's units to (both processes, every unit once), placed on
 * the graph's operators, and `/api/watermarks` has one row per Kafka partition its source units read.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KafkaClient } from "@fleuve/kafka";
import { waitFor } from "../../kafka/test/fixtures/group-processes.js";
import { BOOTSTRAP, brokerOptions, type GroupProcess, startGroupProcess } from "./helpers.js";

const options = await brokerOptions("group dashboard tests");

/** A process of the group with its dashboard on a free port. */
const startProcess = (group: string, dir: string, input: string, output: string) =>
  startGroupProcess(group, join(dir, "checkpoints"), join(dir, "jobs"), input, output, [
    "--no-metrics",
    "--dashboard-port",
    "0",
  ]);
type Proc = GroupProcess;

const dashboardOf = (p: Proc) => /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(p.log)?.[1];

async function get(url: string, path: string): Promise<any> {
  const r = await fetch(new URL(path, url));
  assert.equal(r.status, 200, path);
  return r.json();
}

interface Assignment {
  unit: string;
  subtask: number;
  operators: string[];
  here: boolean;
  owner: string | null;
}

test("a --group process's dashboard draws the job's edges and which process runs each unit", {
  ...options,
  timeout: 600_000,
}, async () => {
  const unique = `${Date.now()}-${randomBytes(3).toString("hex")}`;
  const group = `dash-${unique}`;
  const input = `dash-in-${unique}`;
  const output = `dash-out-${unique}`;
  const dir = mkdtempSync(join(tmpdir(), "fleuve-group-dashboard-"));
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const procs: Proc[] = [];
  const logs = () => procs.map((p) => ({ log: p.log }));
  try {
    await client.createTopics([
      { name: input, partitions: 6 },
      { name: output, partitions: 1 },
    ]);
    procs.push(startProcess(group, dir, input, output));
    await waitFor("the first process to join", () => /joined group/.test(procs[0]!.log), 240_000, logs());
    procs.push(startProcess(group, dir, input, output));
    await waitFor("both dashboards", () => procs.every((p) => dashboardOf(p) !== undefined), 240_000, logs());
    const urls = procs.map((p) => dashboardOf(p)!);

    // The graph: the whole job's operators and the edges between them, in every process.
    const graph = await get(urls[1]!, "/api/graph");
    assert.equal(graph.edgesKnown, true);
    assert.ok(graph.edges.length > 0, "a group job's graph has edges");
    const ids = new Set(graph.nodes.map((n: { id: number }) => n.id));
    for (const e of graph.edges) assert.ok(ids.has(e.source) && ids.has(e.target), JSON.stringify(e));
    for (const n of graph.nodes)
      if (n.kind !== "source")
        assert.ok(
          graph.edges.some((e: { target: number }) => e.target === n.id),
          `${n.name} has an input edge`,
        );
    assert.deepEqual(
      (await get(urls[0]!, "/api/graph")).edges.map((e: { source: number; target: number }) => [
        e.source,
        e.target,
      ]),
      graph.edges.map((e: { source: number; target: number }) => [e.source, e.target]),
    );

    // Ownership: the 18 units (6 sources, 6 windows, 6 counts), each with the process Kafka
    // assigned it to, both processes among the owners, and `here` for this process's own.
    const pids = procs.map((p) => p.child.pid!);
    const views: { running: string[]; assignments: Assignment[] }[] = [];
    await waitFor(
      "both dashboards to list all 18 units over both processes",
      async () => {
        views.length = 0;
        for (const url of urls) views.push(await get(url, "/api/group"));
        return views.every((v, i) => {
          const owners = new Set(v.assignments.map((a) => a.owner));
          return (
            v.assignments.length === 18 &&
            v.assignments.every((a) => a.owner !== null) &&
            pids.every((pid) => [...owners].some((o) => o!.endsWith(`-${pid}`))) &&
            // the membership settled: what Kafka says matches what the process runs
            v.assignments.every(
              (a) => a.here === v.running.includes(a.unit) && a.here === a.owner!.endsWith(`-${pids[i]}`),
            )
          );
        });
      },
      240_000,
      logs(),
    );
    const uids = new Set(graph.nodes.map((n: { uid: string }) => n.uid));
    views.forEach((v) => {
      assert.equal(new Set(v.assignments.map((a) => a.unit)).size, 18, "every unit once");
      for (const a of v.assignments) {
        assert.ok(a.operators.length > 0 && a.operators.every((u) => uids.has(u)), a.unit);
      }
      // every operator of the graph runs in some unit, at its parallelism
      for (const n of graph.nodes)
        assert.equal(
          v.assignments.filter((a) => a.operators.includes(n.uid)).length,
          n.parallelism,
          `${n.name}: one unit per subtask`,
        );
    });

    // Per partition: a row for each Kafka partition the source units of this process read.
    const here = views[0]!.assignments.filter(
      (a) =>
        a.here &&
        graph.nodes.some(
          (n: { uid: string; kind: string }) => n.kind === "source" && a.operators.includes(n.uid),
        ),
    );
    await waitFor(
      "a partition row per source unit here",
      async () => {
        const wm = await get(urls[0]!, "/api/watermarks");
        const splits = wm.partitions.map((p: { split: string }) => p.split);
        return splits.length === here.length && splits.every((s: string) => s.startsWith(input));
      },
      240_000,
      logs(),
    );
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await client
      .deleteTopics([
        input,
        output,
        ...(await client.listTopics()).filter((t) => t.startsWith(`fleuve-${group}-`)),
      ])
      .catch(() => {});
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
