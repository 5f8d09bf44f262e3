/**
 * Latency modes of a scale-out job against the real broker (issue 11): three `fleuve run --group`
 * processes run the job of fixtures/latency-job.ts (Kafka -> keyBy(user) through exchange topics
 * -> per-event records, event-time windows of distinct events and, exactly-once only, running
 * counts -> Kafka); two of them are SIGKILLed one after the other while input flows (a fresh one
 * joins in between). kcat, an independent client, produces the input and reads the output.
 *
 * - exactly-once with the default 100 ms commit interval: the output read read_committed equals
 *   the brute-force oracle exactly (each result once).
 * - `--delivery at-least-once`: every result of the oracle is there at least once, and nothing
 *   else is (duplicates allowed, no loss, no wrong result).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { FleuveError, type JobDefinition } from "@fleuve/core";
import { KafkaClient, startGroupWorker } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";
import { lastAssignment, latestCheckpoints, waitFor } from "../fixtures/group-processes.js";
import { flush, oracle, output, produce } from "../fixtures/latency-job-data.js";

const options = await brokerTestOptions();
const PARTITIONS = 8;
const N = 4000;
const cli = fileURLToPath(new URL("../../../cli/bin/fleuve.js", import.meta.url));
const jobFile = fileURLToPath(new URL("../fixtures/latency-job.ts", import.meta.url));

interface Worker {
  child: ChildProcess;
  log: string;
}

function startWorker(group: string, dir: string, input: string, out: string, delivery: string): Worker {
  const child = spawn(
    process.execPath,
    [
      cli,
      "run",
      jobFile,
      "--group",
      group,
      "--bootstrap",
      BOOTSTRAP,
      "--checkpoint-dir",
      dir,
      ...(delivery === "at-least-once" ? ["--delivery", "at-least-once"] : []),
      "--",
      BOOTSTRAP,
      input,
      out,
      delivery,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const w: Worker = { child, log: "" };
  child.stderr!.on("data", (d) => {
    w.log += d;
  });
  return w;
}

/** SIGKILLs a worker; resolves once it is gone. */
function kill(w: Worker): Promise<void> {
  const gone = new Promise<void>((r) => w.child.once("exit", () => r()));
  w.child.kill("SIGKILL");
  return gone;
}

/**
 * Runs the job in three processes, SIGKILLs two of them in turn while input flows (a new one joins
 * after the first kill), and resolves with the workers, checkpoint folder and output topic once
 * the survivors run every unit; `check` then reads the output.
 */
async function runWithKills(
  delivery: "exactly-once" | "at-least-once",
  check: (ctx: { out: string; dir: string; workers: Worker[]; units: number }) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-latency-"));
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const input = uniqueTopic("lat-in");
  const out = uniqueTopic("lat-out");
  const group = uniqueTopic("lat");
  const workers: Worker[] = [];
  // 4 source units, 4 event units, 4 window units (+ 4 count units exactly-once)
  const units = delivery === "exactly-once" ? 16 : 12;
  try {
    await client.createTopics([
      { name: input, partitions: PARTITIONS },
      { name: out, partitions: 3, config: OLD_TIMESTAMPS },
    ]);
    for (let k = 0; k < 3; k++) workers.push(startWorker(group, dir, input, out, delivery));
    await waitFor(
      "the group to form",
      () =>
        new Set(workers.flatMap((w) => lastAssignment(w.log))).size === units &&
        workers.every((w) => lastAssignment(w.log).length > 0),
      180_000,
      workers,
    );
    const isolation = delivery === "exactly-once" ? "read_committed" : "read_uncommitted";
    produce(input, 0, N / 4);
    await waitFor("output of the first quarter", () => output(out, isolation).length > 200, 180_000, workers);

    // First kill while the second quarter flows in (work in flight: open transactions, unsent
    // exchange records); a fresh process joins.
    produce(input, N / 4, N / 2);
    await kill(workers[1]!);
    workers.push(startWorker(group, dir, input, out, delivery));
    const alive = () => workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    await waitFor(
      "the others to take the killed process's units over",
      () =>
        new Set(alive().flatMap((w) => lastAssignment(w.log))).size === units &&
        alive().every((w) => lastAssignment(w.log).length > 0),
      180_000,
      workers,
    );
    // Second kill, of another original process, mid-flow again.
    produce(input, N / 2, (3 * N) / 4);
    await kill(workers[2]!);
    produce(input, (3 * N) / 4, N);
    flush(input, PARTITIONS);
    await waitFor(
      "the survivors to run every unit",
      () => new Set(alive().flatMap((w) => lastAssignment(w.log))).size === units,
      180_000,
      workers,
    );
    assert.equal(alive().length, 2);
    await check({ out, dir, workers, units });
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
    await client.deleteTopics([input, out]).catch(() => {});
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("short-commit exactly-once (default 100 ms) stays exact after two SIGKILLs", {
  ...options,
  timeout: 900_000,
}, async () => {
  await runWithKills("exactly-once", async ({ out, dir, workers }) => {
    for (const w of workers) {
      assert.match(w.log, /exactly-once exchanges, commits every 100 ms, full state every 1000 ms/);
    }
    const want = oracle(N, true);
    await waitFor(
      "the whole output",
      () => output(out, "read_committed").length >= want.length,
      300_000,
      workers,
    );
    // Anything written twice shows up once every unit completed two more checkpoints (committed
    // what it had in flight); a read may stop at an open transaction, so read again until it sees
    // everything; more than the oracle fails.
    const done = latestCheckpoints(join(dir, "latency-job"));
    await waitFor(
      "two more checkpoints of every unit",
      () => {
        const now = latestCheckpoints(join(dir, "latency-job"));
        return [...done].every(([unit, id]) => (now.get(unit) ?? 0) >= id + 2);
      },
      180_000,
      workers,
    );
    let got = output(out, "read_committed");
    for (let tries = 0; got.length < want.length && tries < 240; tries++) {
      await new Promise((r) => setTimeout(r, 500));
      got = output(out, "read_committed");
    }
    assert.equal(
      got.length,
      want.length,
      `committed ${got.length} records, the oracle has ${want.length}; worker logs:\n${workers.map((w) => w.log.slice(-3000)).join("\n---\n")}`,
    );
    assert.deepEqual(got, want);
  });
});

test("at-least-once exchanges and sink: after two SIGKILLs every result is there, maybe twice, nothing else", {
  ...options,
  timeout: 900_000,
}, async () => {
  await runWithKills("at-least-once", async ({ out, workers }) => {
    // at-least-once commits at the checkpoint interval by default (records do not wait for it)
    for (const w of workers) assert.match(w.log, /at-least-once exchanges, commits every 1000 ms/);
    const want = oracle(N, false);
    const wanted = new Set(want);
    const missing = () => {
      const got = new Set(output(out, "read_uncommitted"));
      return want.filter((l) => !got.has(l));
    };
    await waitFor("every result at least once", () => missing().length === 0, 300_000, workers);
    const got = output(out, "read_uncommitted");
    const wrong = got.filter((l) => !wanted.has(l));
    assert.deepEqual(wrong, [], "no result outside the oracle");
    assert.deepEqual(missing(), []);
    console.log(
      `at-least-once: ${got.length} results for ${want.length} distinct (${got.length - want.length} duplicates)`,
    );
  });
});

test("commitIntervalMs and deliveryGuarantee: invalid values are refused, naming the option", async () => {
  const job = { name: "j", build() {} } as unknown as JobDefinition;
  const base = { job, group: "g", bootstrap: BOOTSTRAP, checkpointDir: tmpdir() };
  for (const [opts, option] of [
    [{ commitIntervalMs: 0 }, "commitIntervalMs"],
    [{ commitIntervalMs: 2.5 }, "commitIntervalMs"],
    [{ checkpointIntervalMs: -1 }, "checkpointIntervalMs"],
    [{ deliveryGuarantee: "at-most-once" }, "deliveryGuarantee"],
    [{ maxHeld: 0 }, "maxHeld"],
    [{ maxHeld: 1.5 }, "maxHeld"],
  ] as const) {
    await assert.rejects(
      startGroupWorker({ ...base, ...(opts as object) }),
      (e: unknown) =>
        e instanceof FleuveError &&
        e.code === "FLEUVE_CONFIG_INVALID" &&
        e.message.includes(`'${option}'`) &&
        (e.details as { option?: string }).option === option,
    );
  }
  // the CLI: a bad --delivery, and the group options without --group
  const bad = spawnSync(
    process.execPath,
    [cli, "run", jobFile, "--group", "g", "--checkpoint-dir", tmpdir(), "--delivery", "sometimes"],
    { encoding: "utf8" },
  );
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /option '--delivery' must be exactly-once or at-least-once, got 'sometimes'/);
  const badHeld = spawnSync(
    process.execPath,
    [cli, "run", jobFile, "--group", "g", "--checkpoint-dir", tmpdir(), "--max-held", "0"],
    { encoding: "utf8" },
  );
  assert.equal(badHeld.status, 2, badHeld.stderr);
  assert.match(badHeld.stderr, /option '--max-held' must be an integer >= 1, got 0/);
  for (const flag of [
    ["--commit-interval", "100"],
    ["--delivery", "at-least-once"],
    ["--max-held", "100"],
  ]) {
    const r = spawnSync(process.execPath, [cli, "run", jobFile, ...flag], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`option '${flag[0]}' needs '--group ID'`));
  }
});
