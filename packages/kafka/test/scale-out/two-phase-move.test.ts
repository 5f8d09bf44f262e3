/**
 * Units moving between live processes, in two phases (KIP-429), against the real broker: two
 * `fleuve run --group` processes run the scale-out test's job (Kafka -> keyBy(user) -> windows and
 * running counts -> Kafka, exactly-once); a third joins while input flows. In the first rebalance
 * the old owners stop the units they give up with a final checkpoint and rejoin; in the second the
 * joiner starts each of them from exactly that checkpoint: nothing is replayed and no unit runs in
 * two processes at once. kcat reads the output read_committed, which must equal the oracle.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { KafkaClient } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";
import { kcat } from "../connectors/crash-common.js";
import { committedOutput, oracle, produce } from "../fixtures/group-job-data.js";
import {
  finalCheckpoints,
  lastAssignment,
  latestCheckpoints,
  restores,
  startedUnits,
  waitFor,
} from "../fixtures/group-processes.js";

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
      // the first two start together: a new group waits for both before starting units
      "--kafka-property",
      "group.initial.rebalance.delay.ms=8000",
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

/** When each unit's start was decided in `log` (`generation N at <time>: start: a, b; ...`). */
function startDecisions(log: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of log.matchAll(/generation -?\d+ at (\S+): start: ([^;]*); stop:/g))
    if (m[2] !== "none") for (const u of m[2]!.split(", ")) out.set(u, Date.parse(m[1]!));
  return out;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

test("a process joins a running group: the units it takes are stopped with a final checkpoint first, and it restores exactly that", {
  ...options,
  timeout: 900_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-two-phase-"));
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const input = uniqueTopic("two-phase-in");
  const output = uniqueTopic("two-phase-out");
  const group = uniqueTopic("tp");
  const workers: Worker[] = [];
  try {
    await client.createTopics([
      { name: input, partitions: PARTITIONS },
      { name: output, partitions: 3, config: OLD_TIMESTAMPS },
    ]);
    const two = [startWorker(group, dir, input, output), startWorker(group, dir, input, output)];
    workers.push(...two);
    // 18 units (6 sources, 6 windows, 6 counts), 9 in each
    await waitFor(
      "the two processes to start their 9 units each",
      () => two.every((w) => lastAssignment(w.log).length === 9 && startedUnits(w.log).length >= 9),
      240_000,
      workers,
    );
    produce(input, 0, N / 3);
    await waitFor("output of the first part", () => committedOutput(output).length > 300, 240_000, workers);

    // A third process joins while input flows: it takes 6 units (18 / 3) from the two.
    const joinAt = two.map((w) => w.log.length);
    produce(input, N / 3, N / 2);
    const joiner = startWorker(group, dir, input, output);
    workers.push(joiner);
    produce(input, N / 2, (2 * N) / 3);
    await waitFor(
      "the joiner to start its 6 units",
      () => lastAssignment(joiner.log).length === 6 && startedUnits(joiner.log).length >= 6,
      240_000,
      workers,
    );
    await waitFor(
      "the two to give the joiner's units up",
      () => two.every((w) => lastAssignment(w.log).length === 6),
      240_000,
      workers,
    );
    produce(input, (2 * N) / 3, N);

    const taken = lastAssignment(joiner.log);
    assert.deepEqual(sorted(startedUnits(joiner.log)), sorted(taken), "each taken unit started once");
    const finals = new Map(two.flatMap((w, i) => [...finalCheckpoints(w.log.slice(joinAt[i]))]));
    const restored = restores(joiner.log);
    const decided = startDecisions(joiner.log);
    for (const u of taken) {
      const f = finals.get(u);
      assert.ok(f, `the old owner of ${u} stopped it with a final checkpoint`);
      // the joiner restores the old owner's final checkpoint: nothing the old owner did is replayed
      assert.equal(restored.get(u), f.path, `${u} restores its final checkpoint`);
      // and it was decided to start after the old owner had stopped it (same clock: one machine)
      assert.ok(decided.get(u)! >= f.at, `${u} started on the joiner after its old owner stopped it`);
    }
    assert.deepEqual(sorted(finals.keys()), sorted(taken), "the two stopped exactly the joiner's units");
    const all = workers.map((w) => w.log).join("\n");
    assert.doesNotMatch(all, /no final checkpoint/);
    // the epoch protocol, the safety net, never had to stop a run: no unit ran in two places, and
    // no old owner completed a checkpoint after its final one (the joiner restored the newest)
    assert.doesNotMatch(all, /was taken over by epoch/);
    assert.match(all, /units revoked \(first phase: /);
    assert.match(all, /\(second phase of a move\)/);
    for (const [i, w] of two.entries())
      assert.deepEqual(startedUnits(w.log.slice(joinAt[i])), [], "the two started nothing");

    // A record far ahead on every partition moves every watermark past the last window.
    for (let p = 0; p < PARTITIONS; p++) {
      kcat(
        BOOTSTRAP,
        ["-P", "-t", input, "-p", String(p)],
        `${JSON.stringify({ user: "__flush__", ts: 99_000_000, amount: 0 })}\n`,
      );
    }
    const want = oracle(N);
    await waitFor("the whole output", () => committedOutput(output).length >= want.length, 300_000, workers);
    // Anything written twice would show up now or never: every unit completes two more
    // checkpoints (so commits what it had in flight), then the output must be the oracle's.
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
    // read_committed stops at an open transaction: read again until everything is visible
    for (let tries = 0; got.length < want.length && tries < 240; tries++) {
      await new Promise((r) => setTimeout(r, 500));
      got = committedOutput(output);
    }
    assert.equal(got.length, want.length, `committed ${got.length} records, the oracle has ${want.length}`);
    assert.deepEqual(got, want);
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
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
