/**
 * A clean stop of a group process (SIGTERM) against the real broker: three `fleuve run --group`
 * processes run a job while input flows, and one of them is sent SIGTERM. It stops each of its
 * units with a final checkpoint (in parallel), leaves the group (LeaveGroup: the others rebalance
 * at once) and exits 0 by itself; the other two take its units over, each restoring exactly the
 * final checkpoint the stopping process logged (no epoch take-over: nothing ran twice). So nothing
 * is replayed:
 *
 * - exactly-once (fixtures/group-job.ts): kcat's read_committed output equals the oracle;
 * - at-least-once exchanges and sink (fixtures/latency-job.ts): the output equals the oracle too,
 *   each result once: no duplicate, which a process killed with kill -9 may leave (its units then
 *   replay from their last periodic checkpoints; see latency-modes.test.ts).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { KafkaClient } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";
import { kcat } from "../connectors/crash-common.js";
import * as groupJob from "../fixtures/group-job-data.js";
import {
  finalCheckpoints,
  lastAssignment,
  latestCheckpoints,
  restores,
  startedUnits,
  waitFor,
} from "../fixtures/group-processes.js";
import * as latencyJob from "../fixtures/latency-job-data.js";

const options = await brokerTestOptions();
const cli = fileURLToPath(new URL("../../../cli/bin/fleuve.js", import.meta.url));

interface Worker {
  child: ChildProcess;
  log: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWorker(jobFile: string, group: string, dir: string, flags: string[], args: string[]): Worker {
  const child = spawn(
    process.execPath,
    [
      cli,
      "run",
      fileURLToPath(new URL(`../fixtures/${jobFile}`, import.meta.url)),
      "--group",
      group,
      "--bootstrap",
      BOOTSTRAP,
      "--checkpoint-dir",
      dir,
      // the three start together: a new group waits for all of them before starting units
      "--kafka-property",
      "group.initial.rebalance.delay.ms=8000",
      ...flags,
      "--",
      BOOTSTRAP,
      ...args,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const w: Worker = {
    child,
    log: "",
    exit: new Promise((r) => child.once("exit", (code, signal) => r({ code, signal }))),
  };
  child.stderr!.on("data", (d) => {
    w.log += d;
  });
  return w;
}

/** What a scenario gives {@link cleanStop}: how to start a process, feed input, and the units. */
interface Scenario {
  readonly start: () => Worker;
  /** Produces input part `k` of `parts` (in order). */
  readonly produce: (k: number) => void;
  readonly parts: number;
  readonly units: number;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

/**
 * Three processes; input part 0, then SIGTERM to one of them between parts 1 and 2 (units are
 * busy with part 1 when it arrives); asserts its clean stop from the logs, then produces the other
 * parts. Resolves with the processes once the two survivors run every unit.
 */
async function cleanStop(s: Scenario, hasOutput: () => boolean): Promise<Worker[]> {
  const workers = [s.start(), s.start(), s.start()];
  const each = s.units / 3;
  await waitFor(
    `the three processes to start their ${each} units each`,
    () => workers.every((w) => lastAssignment(w.log).length === each && startedUnits(w.log).length >= each),
    240_000,
    workers,
  );
  s.produce(0);
  await waitFor("output of the first part", hasOutput, 240_000, workers);

  const [first, victim, third] = workers as [Worker, Worker, Worker];
  const survivors = [first, third];
  const owned = lastAssignment(victim.log);
  const from = survivors.map((w) => w.log.length);
  s.produce(1);
  victim.child.kill("SIGTERM");
  s.produce(2);
  const exit = await victim.exit;
  assert.deepEqual(exit, { code: 0, signal: null }, `the stopped process exits 0 by itself:\n${victim.log}`);

  // Its side: every unit it owned stopped with a final checkpoint, then it left the group.
  const finals = finalCheckpoints(victim.log);
  assert.deepEqual(
    sorted(finals.keys()),
    sorted(owned),
    "each unit it owned stopped with a final checkpoint",
  );
  assert.match(
    victim.log,
    new RegExp(
      `clean stop: ${owned.length} of ${owned.length} units handed over with a final checkpoint in \\d+ ms\\n`,
    ),
  );
  assert.match(victim.log, /left the group at \S+ in \d+ ms \(LeaveGroup\)/);
  const handedAt = victim.log.indexOf("units handed over with a final checkpoint");
  assert.ok(handedAt < victim.log.indexOf("leaving the group (clean stop)"), "it hands over, then leaves");

  // The survivors' side: each of those units restores exactly its final checkpoint.
  await waitFor(
    "the survivors to run every unit",
    () =>
      new Set(survivors.flatMap((w) => lastAssignment(w.log))).size === s.units &&
      owned.every((u) => survivors.some((w, i) => startedUnits(w.log.slice(from[i])).includes(u))),
    240_000,
    workers,
  );
  const restored = new Map(survivors.flatMap((w, i) => [...restores(w.log.slice(from[i]))]));
  for (const u of owned)
    assert.equal(restored.get(u), finals.get(u)!.path, `${u} restores its final checkpoint`);
  assert.deepEqual(
    sorted(survivors.flatMap((w, i) => startedUnits(w.log.slice(from[i])))),
    sorted(owned),
    "the survivors started the stopped process's units, once each, and nothing else",
  );
  // The leader names the departure a clean stop (announced on the control topic), not a death,
  // though the process had exited when the leader looked; when the stopped process was the leader,
  // the new one names it for the units it finds orphaned.
  const departed = survivors.map((w, i) => w.log.slice(from[i])).join("\n");
  const victimName = `${hostname()}:${victim.child.pid}`;
  assert.ok(
    departed.includes(`process ${victimName} left the group (a clean stop: it handed its units over)`),
    `the leader logs the clean stop of ${victimName}:\n${departed}`,
  );
  assert.doesNotMatch(departed, /units had an owner that is no longer in the group/);
  assert.ok(!departed.includes(`process ${victimName} died`), "a clean stop is not logged as a death");
  const all = workers.map((w) => w.log).join("\n");
  assert.doesNotMatch(all, /no final checkpoint/);
  // the epochs' safety net never had to stop a run: no unit ran in two places at once
  assert.doesNotMatch(all, /was taken over by epoch/);

  for (let k = 3; k < s.parts; k++) s.produce(k);
  return workers;
}

/** Topics and a checkpoint folder of one test's group; the processes it started are killed after. */
interface GroupRun {
  dir: string;
  input: string;
  output: string;
  group: string;
  /** Starts a group process of `jobFile` (a fixture) with these `fleuve run` flags and job args. */
  start(jobFile: string, flags: string[], args: string[]): Worker;
}

async function withGroupRun(prefix: string, partitions: number, body: (run: GroupRun) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-clean-stop-"));
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const input = uniqueTopic(`${prefix}-in`);
  const output = uniqueTopic(`${prefix}-out`);
  const group = uniqueTopic(prefix);
  const started: Worker[] = [];
  try {
    await client.createTopics([
      { name: input, partitions },
      { name: output, partitions: 3, config: OLD_TIMESTAMPS },
    ]);
    await body({
      dir,
      input,
      output,
      group,
      start: (jobFile, flags, args) => {
        const w = startWorker(jobFile, group, dir, flags, args);
        started.push(w);
        return w;
      },
    });
  } finally {
    for (const w of started) if (w.child.exitCode === null) w.child.kill("SIGKILL");
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
}

/**
 * Waits until every unit of `job` completed two more checkpoints: anything written twice would
 * show up by then (each unit has committed or flushed what it had in flight).
 */
async function twoMoreCheckpoints(dir: string, job: string, workers: Worker[]): Promise<void> {
  const done = latestCheckpoints(join(dir, job));
  await waitFor(
    "two more checkpoints of every unit",
    () => {
      const now = latestCheckpoints(join(dir, job));
      return [...done].every(([unit, id]) => (now.get(unit) ?? 0) >= id + 2);
    },
    180_000,
    workers,
  );
}

test("SIGTERM one of 3 processes while input flows (exactly-once): it hands its units over with final checkpoints, leaves and exits 0; output equals the oracle", {
  ...options,
  timeout: 900_000,
}, async () => {
  const PARTITIONS = 12;
  const N = 6000;
  await withGroupRun("clean-stop", PARTITIONS, async ({ dir, input, output, start }) => {
    const parts = 4;
    const workers = await cleanStop(
      {
        start: () => start("group-job.ts", ["--checkpoint-interval", "500"], [input, output]),
        produce: (k) => groupJob.produce(input, (k * N) / parts, ((k + 1) * N) / parts),
        parts,
        // 6 sources, 6 windows, 6 counts
        units: 18,
      },
      () => groupJob.committedOutput(output).length > 300,
    );
    // A record far ahead on every partition moves every watermark past the last window.
    for (let p = 0; p < PARTITIONS; p++) {
      kcat(
        BOOTSTRAP,
        ["-P", "-t", input, "-p", String(p)],
        `${JSON.stringify({ user: "__flush__", ts: 99_000_000, amount: 0 })}\n`,
      );
    }
    const want = groupJob.oracle(N);
    await waitFor(
      "the whole output",
      () => groupJob.committedOutput(output).length >= want.length,
      300_000,
      workers,
    );
    await twoMoreCheckpoints(dir, "group-job", workers);
    let got = groupJob.committedOutput(output);
    // read_committed stops at an open transaction: read again until everything is visible
    for (let tries = 0; got.length < want.length && tries < 240; tries++) {
      await new Promise((r) => setTimeout(r, 500));
      got = groupJob.committedOutput(output);
    }
    assert.equal(got.length, want.length, `committed ${got.length} records, the oracle has ${want.length}`);
    assert.deepEqual(got, want);
  });
});

test("SIGTERM one of 3 processes while input flows (at-least-once exchanges and sink): nothing is replayed, no duplicate", {
  ...options,
  timeout: 900_000,
}, async () => {
  const PARTITIONS = 8;
  const N = 4000;
  await withGroupRun("clean-stop-alo", PARTITIONS, async ({ dir, input, output: out, start }) => {
    const parts = 4;
    const workers = await cleanStop(
      {
        start: () => start("latency-job.ts", ["--delivery", "at-least-once"], [input, out, "at-least-once"]),
        produce: (k) => latencyJob.produce(input, (k * N) / parts, ((k + 1) * N) / parts),
        parts,
        // 4 sources, 4 event units, 4 window units
        units: 12,
      },
      () => latencyJob.output(out, "read_uncommitted").length > 200,
    );
    latencyJob.flush(input, PARTITIONS);
    const want = latencyJob.oracle(N, false);
    await waitFor(
      "every result",
      () => latencyJob.output(out, "read_uncommitted").length >= want.length,
      300_000,
      workers,
    );
    // A duplicate would have been written by now: the units replayed nothing when they moved.
    await twoMoreCheckpoints(dir, "latency-job", workers);
    const got = latencyJob.output(out, "read_uncommitted");
    const seen = new Set<string>();
    const duplicates = got.filter((l) => seen.size === seen.add(l).size);
    assert.deepEqual(duplicates, [], "a clean stop replays nothing: no result twice");
    assert.deepEqual(got, want);
  });
});
