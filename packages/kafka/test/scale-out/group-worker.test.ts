/**
 * Scale-out over a consumer group, against the real broker: three `fleuve run --group` processes
 * share a job over a 12-partition topic (Kafka -> keyBy(user), which repartitions through exchange
 * topics -> event-time windows and a running count -> Kafka, exactly-once). One process is
 * SIGKILLed while input flows; the group rebalances and the other two take its units over from the
 * shared checkpoints. kcat (an independent client) produces the input and reads the output
 * read_committed, which must equal the brute-force oracle exactly: nothing missing, nothing twice.
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
const N = 6000;
const cli = fileURLToPath(new URL("../../../cli/bin/fleuve.js", import.meta.url));
const jobFile = fileURLToPath(new URL("../fixtures/group-job.ts", import.meta.url));

interface Worker {
  child: ChildProcess;
  log: string;
}

function startWorker(group: string, dir: string, input: string, output: string): Worker {
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
      "--checkpoint-interval",
      "500",
      // every checkpoint after a unit's first is a changelog delta: each restore of a unit that
      // has seen input reads the Kafka changelog (periodic materialization: core and Kafka tests)
      "--materialize-every",
      "1000",
      // the three processes start together; a new group waits this long for all of them before
      // starting units (generous: process start-up under load), so no unit starts twice
      "--kafka-property",
      "group.initial.rebalance.delay.ms=10000",
      "--",
      BOOTSTRAP,
      input,
      output,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const w: Worker = { child, log: "" };
  child.stderr!.on("data", (d) => {
    w.log += d;
  });
  return w;
}

/** Units whose start a worker logged (`unit X: starting ...`) in `log`. */
function startedUnits(log: string): string[] {
  return [...log.matchAll(/unit (\S+): starting /g)].map((m) => m[1]!);
}

/** The start and stop lists of a worker's rebalance lines (`generation N at T: start: ..; stop: ..;`). */
function rebalances(log: string): { start: string[]; stop: string[] }[] {
  const list = (x: string) => (x === "none" ? [] : x.split(", "));
  return [...log.matchAll(/generation -?\d+ at \S+: start: ([^;]*); stop: ([^;]*); keep:/g)].map((m) => ({
    start: list(m[1]!),
    stop: list(m[2]!),
  }));
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

test("scale-out: 3 processes, 12 partitions, one SIGKILLed: committed output equals the oracle", {
  ...options,
  timeout: 900_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-group-"));
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const input = uniqueTopic("group-in");
  const output = uniqueTopic("group-out");
  const group = uniqueTopic("g");
  const workers: Worker[] = [];
  try {
    await client.createTopics([
      { name: input, partitions: PARTITIONS },
      { name: output, partitions: 3, config: OLD_TIMESTAMPS },
    ]);
    for (let k = 0; k < 3; k++) workers.push(startWorker(group, dir, input, output));
    // All three in the group, with the 18 units (6 sources, 6 windows, 6 counts) split 6/6/6.
    await waitFor(
      "the group to form",
      () => workers.every((w) => lastAssignment(w.log).length === 6),
      180_000,
      workers,
    );
    const all = new Set(workers.flatMap((w) => lastAssignment(w.log)));
    assert.equal(all.size, 18, `units split over the processes: ${[...all].join(", ")}`);
    // Cold start: every unit started once, where it stays (none handed from one process to another).
    await waitFor(
      "every unit to start",
      () => workers.flatMap((w) => startedUnits(w.log)).length >= 18,
      180_000,
      workers,
    );
    assert.deepEqual(sorted(workers.flatMap((w) => startedUnits(w.log))), sorted(all));
    for (const w of workers) assert.ok(!w.log.includes("stopped (assigned to another process)"), w.log);
    // Each task's 6 units are spread 2/2/2 (units are named <task>-<subtask>).
    for (const w of workers) {
      const perTask = new Map<string, number>();
      for (const u of lastAssignment(w.log))
        perTask.set(u.replace(/-\d+$/, ""), (perTask.get(u.replace(/-\d+$/, "")) ?? 0) + 1);
      assert.deepEqual(
        [...perTask.values()],
        [2, 2, 2],
        `units per task of one process: ${lastAssignment(w.log)}`,
      );
    }

    produce(input, 0, N / 2);
    await waitFor("output of the first half", () => committedOutput(output).length > 500, 180_000, workers);

    // Kill while the second half flows in, so the victim has work in flight (open transactions).
    // A process that does not lead the group (the leader logs why the group rebalances; a new
    // leader only knows which units lost their owner, not which process that was).
    const leader = workers.findIndex((w) => w.log.includes("rebalance (as leader)"));
    const victim = workers[(leader + 1) % 3]!;
    produce(input, N / 2, (3 * N) / 4);
    await new Promise((r) => setTimeout(r, 300));
    const before = committedOutput(output).length;
    const victimUnits = lastAssignment(victim.log);
    const survivors = workers.filter((w) => w !== victim);
    const survivorUnits = survivors.map((w) => lastAssignment(w.log));
    const logAtKill = survivors.map((w) => w.log.length);
    victim.child.kill("SIGKILL");
    produce(input, (3 * N) / 4, N);
    // A record far ahead on every partition moves every watermark past the last window.
    for (let p = 0; p < PARTITIONS; p++) {
      kcat(
        BOOTSTRAP,
        ["-P", "-t", input, "-p", String(p)],
        `${JSON.stringify({ user: "__flush__", ts: 99_000_000, amount: 0 })}\n`,
      );
    }
    await waitFor(
      "the survivors to take over every unit",
      () => new Set(survivors.flatMap((w) => lastAssignment(w.log))).size === 18,
      180_000,
      workers,
    );
    // Only the victim's units restarted, each once, on the survivors; they kept theirs running.
    await waitFor(
      "the victim's units to start on the survivors",
      () => survivors.flatMap((w, i) => startedUnits(w.log.slice(logAtKill[i]))).length >= 6,
      180_000,
      workers,
    );
    const restarted = survivors.flatMap((w, i) => startedUnits(w.log.slice(logAtKill[i])));
    assert.deepEqual(sorted(restarted), sorted(victimUnits), "units started after the kill");
    survivors.forEach((w, i) => {
      const since = w.log.slice(logAtKill[i]);
      assert.ok(
        rebalances(since).every((r) => r.stop.length === 0),
        `a survivor stopped no unit: ${since}`,
      );
      for (const u of survivorUnits[i]!) assert.ok(lastAssignment(w.log).includes(u), `${u} stayed`);
    });
    assert.match(
      survivors.map((w) => w.log).join("\n"),
      new RegExp(`process \\S+:${victim.child.pid} died`),
      "the leader logged the death",
    );
    const want = oracle(N);
    assert.ok(before < want.length, "the victim was killed before the job was done");
    await waitFor("the whole output", () => committedOutput(output).length >= want.length, 300_000, workers);
    // Anything written twice would show up now or never: wait until every unit has completed two
    // more checkpoints (so committed what it had in flight). A read may see less than was
    // committed while a transaction is open on a partition (read_committed stops at it), so read
    // again until it sees everything; more than the oracle fails at once.
    const done = latestCheckpoints(join(dir, "group-job"));
    await waitFor(
      "two more checkpoints of every unit",
      () => {
        const now = latestCheckpoints(join(dir, "group-job"));
        return [...done].every(([unit, id]) => (now.get(unit) ?? 0) >= id + 2);
      },
      180_000,
      workers,
    );
    let got = committedOutput(output);
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
    assert.equal(
      got.length,
      want.length,
      `committed ${got.length} records, the oracle has ${want.length}; worker logs:\n${workers.map((w) => w.log.slice(-3000)).join("\n---\n")}`,
    );
    assert.deepEqual(got, want);
    // The victim's units restored their keyed state from checkpoints plus the Kafka changelog.
    const changelogReads = survivors.flatMap((w) =>
      w.log.split("\n").filter((l) => /restoring keyed state: .* \+ [1-9]\d* changelog chunk/.test(l)),
    );
    assert.ok(changelogReads.length > 0, "some unit restored changes from the changelog");
    // A process joining the two takes 6 units (18 / 3) from them and nothing else moves.
    const joinAt = survivors.map((w) => w.log.length);
    const joiner = startWorker(group, dir, input, output);
    workers.push(joiner);
    await waitFor(
      "the joiner to start its 6 units",
      () => startedUnits(joiner.log).length >= 6,
      180_000,
      workers,
    );
    const taken = lastAssignment(joiner.log);
    assert.equal(taken.length, 6);
    assert.deepEqual(sorted(startedUnits(joiner.log)), sorted(taken));
    await waitFor(
      "the survivors to give the joiner's units up",
      () => survivors.every((w) => lastAssignment(w.log).length === 6),
      180_000,
      workers,
    );
    const given = survivors.flatMap((w, i) => rebalances(w.log.slice(joinAt[i])).flatMap((r) => r.stop));
    assert.deepEqual(sorted(given), sorted(taken), "the survivors stopped exactly the joiner's units");
    assert.deepEqual(
      survivors.flatMap((w, i) => startedUnits(w.log.slice(joinAt[i]))),
      [],
      "the survivors started nothing",
    );
    // Old epochs (left by earlier owners) are deleted once the current owner has a checkpoint.
    const unitDirs = () => readdirSync(join(dir, "group-job")).map((u) => join(dir, "group-job", u));
    assert.equal(unitDirs().length, 18);
    await waitFor(
      "old checkpoint epochs to be pruned",
      () => unitDirs().every((u) => readdirSync(u).filter((n) => n.startsWith("epoch-")).length === 1),
      20_000,
      workers,
    );
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
    await client.deleteTopics([input, output]).catch(() => {});
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
