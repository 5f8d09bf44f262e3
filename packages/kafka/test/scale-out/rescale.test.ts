/**
 * Rescaling a running group job, against the real broker, as an operator does it with the CLI:
 * `fleuve run --group` processes of the scale-out test's job (Kafka -> keyBy(user) -> windows and
 * running counts -> Kafka, exactly-once) go from 3 to 2 processes (one leaves: rebalance), to 4
 * (two join: rebalance), then from parallelism 6 to 3 through `fleuve savepoint --stop` (every
 * process exits 0) and 4 processes started with `--parallelism 3 --from-savepoint` in the same group
 * and checkpoint directory. Input flows through every step. kcat (an independent client) produces
 * the input and reads the output read_committed, which must equal the brute-force oracle exactly.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { KafkaClient } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";
import { kcat } from "../connectors/crash-common.js";
import { committedOutput, oracle, produce } from "../fixtures/group-job-data.js";
import { lastAssignment, latestCheckpoints, waitFor } from "../fixtures/group-processes.js";

const options = await brokerTestOptions();
const PARTITIONS = 12;
const N = 8000;
const cli = fileURLToPath(new URL("../../../cli/bin/fleuve.js", import.meta.url));
const jobFile = fileURLToPath(new URL("../fixtures/group-job.ts", import.meta.url));

interface Proc {
  child: ChildProcess;
  /** stdout */
  out: string;
  /** stdout and stderr */
  log: string;
  exit: Promise<number | null>;
}

function run(args: string[]): Proc {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const p: Proc = { child, out: "", log: "", exit: new Promise((r) => child.on("exit", (code) => r(code))) };
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    p.out += d;
    p.log += d;
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    p.log += d;
  });
  return p;
}

test("rescale a running group 3 -> 2 -> 4 processes and parallelism 6 -> 3 through a savepoint: output exact", {
  ...options,
  timeout: 1_200_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-rescale-"));
  const checkpointDir = join(dir, "checkpoints");
  const controlDir = join(dir, "jobs");
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const input = uniqueTopic("rescale-in");
  const output = uniqueTopic("rescale-out");
  const group = uniqueTopic("rescale");
  const all: Proc[] = [];
  const worker = (extra: string[] = []) => {
    const p = run([
      "run",
      jobFile,
      "--group",
      group,
      "--bootstrap",
      BOOTSTRAP,
      "--checkpoint-dir",
      checkpointDir,
      "--checkpoint-interval",
      "500",
      "--control-dir",
      controlDir,
      ...extra,
      "--",
      BOOTSTRAP,
      input,
      output,
    ]);
    all.push(p);
    return p;
  };
  const covered = (procs: Proc[], units: number) => {
    const owned = procs.map((p) => lastAssignment(p.log));
    return (
      owned.every((u) => u.length > 0) &&
      new Set(owned.flat()).size === units &&
      owned.flat().length === units
    );
  };
  const step = N / 8;
  try {
    await client.createTopics([
      { name: input, partitions: PARTITIONS },
      { name: output, partitions: 3, config: OLD_TIMESTAMPS },
    ]);

    // 3 processes at parallelism 6: 18 units (6 sources, 6 windows, 6 counts), 6 each.
    const first = [worker(), worker(), worker()];
    await waitFor("3 processes to share the 18 units", () => covered(first, 18), 240_000, all);
    produce(input, 0, step);
    await waitFor("output of the first part", () => committedOutput(output).length > 0, 240_000, all);

    // 3 -> 2: one process leaves (SIGTERM: it hands its units over with final checkpoints, then
    // leaves the group) while input flows.
    const leaving = first[1]!;
    leaving.child.kill("SIGTERM");
    produce(input, step, 2 * step);
    assert.equal(await leaving.exit, 0, leaving.log);
    const two = [first[0]!, first[2]!];
    await waitFor("2 processes to run the 18 units", () => covered(two, 18), 240_000, all);
    produce(input, 2 * step, 3 * step);

    // 2 -> 4: two processes join while input flows.
    const four = [...two, worker(), worker()];
    produce(input, 3 * step, 4 * step);
    await waitFor("4 processes to share the 18 units", () => covered(four, 18), 240_000, all);
    produce(input, 4 * step, 5 * step);

    // Parallelism 6 -> 3: a savepoint of the whole group, taken through one process's socket,
    // stops every process (exit 0); input goes on flowing meanwhile.
    const savepoint = run(["savepoint", "group-job", "--stop", "--control-dir", controlDir]);
    produce(input, 5 * step, 6 * step);
    assert.equal(await savepoint.exit, 0, savepoint.log);
    const path = savepoint.out.trim();
    assert.ok(path.startsWith(join(checkpointDir, "savepoints")), `on the shared checkpoint dir: ${path}`);
    for (const p of four) {
      assert.equal(await p.exit, 0, p.log);
      assert.match(p.log, /stopped with a savepoint/);
    }
    produce(input, 6 * step, 7 * step);

    // 4 processes at parallelism 3 from it, in the same group and checkpoint directory: 9 units.
    const rescaled = [0, 1, 2, 3].map(() => worker(["--parallelism", "3", "--from-savepoint", path]));
    produce(input, 7 * step, N);
    await waitFor("4 processes to share the 9 units", () => covered(rescaled, 9), 240_000, all);
    // A record far ahead on every partition moves every watermark past the last window.
    for (let p = 0; p < PARTITIONS; p++) {
      kcat(
        BOOTSTRAP,
        ["-P", "-t", input, "-p", String(p)],
        `${JSON.stringify({ user: "__flush__", ts: 99_000_000, amount: 0 })}\n`,
      );
    }
    const want = oracle(N);
    await waitFor("the whole output", () => committedOutput(output).length >= want.length, 300_000, all);
    // Anything written twice would show up now or never: every unit completes two more
    // checkpoints (so commits what it had in flight), then the output must be the oracle's.
    const deployments = readdirSync(checkpointDir).filter((n) => n.startsWith("group-job.from-"));
    assert.equal(deployments.length, 1, `one deployment from the savepoint: ${deployments.join(", ")}`);
    const root = join(checkpointDir, deployments[0]!);
    const done = latestCheckpoints(root);
    assert.equal(done.size, 9, `9 units at parallelism 3: ${[...done.keys()].join(", ")}`);
    await waitFor(
      "two more checkpoints of every unit",
      () => {
        const now = latestCheckpoints(root);
        return [...done].every(([unit, id]) => (now.get(unit) ?? 0) >= id + 2);
      },
      180_000,
      all,
    );
    let got = committedOutput(output);
    // read_committed stops at an open transaction: read again until everything is visible
    for (let tries = 0; got.length < want.length && tries < 240; tries++) {
      await new Promise((r) => setTimeout(r, 500));
      got = committedOutput(output);
    }
    if (got.length !== want.length) {
      const ws = new Set(want);
      console.error(
        "extra or duplicated:",
        got.filter((x, i) => !ws.has(x) || got[i - 1] === x).slice(0, 20),
      );
    }
    assert.equal(got.length, want.length, `committed ${got.length} records, the oracle has ${want.length}`);
    assert.deepEqual(got, want);
  } finally {
    for (const p of all) if (p.child.exitCode === null) p.child.kill("SIGKILL");
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
