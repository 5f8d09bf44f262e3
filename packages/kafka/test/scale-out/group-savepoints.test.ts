/**
 * Savepoints of a scale-out group, against the real broker, with the job of the scale-out test
 * (Kafka -> keyBy(user), repartitioned through exchange topics -> event-time windows and a running
 * count -> Kafka, exactly-once), each process started as its own OS process:
 * - a group of 3 processes takes a savepoint while input flows and goes on; later a
 *   stop-with-savepoint asked of another process stops all three (each exits 0), and the
 *   savepoint resumes in ONE process (`fleuve run --from-savepoint`, no group, another
 *   parallelism) to the end;
 * - a group at parallelism 4 stopped with a savepoint resumes as a new group at parallelism 3.
 * kcat (an independent client) produces the input and reads the output read_committed, which
 * must equal the brute-force oracle exactly: nothing missing, nothing twice.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { type Dirent, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { KafkaClient } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";
import { kcat } from "../connectors/crash-common.js";
import { committedOutput, oracle, produce } from "../fixtures/group-job-data.js";
import { lastAssignment, waitFor } from "../fixtures/group-processes.js";

const options = await brokerTestOptions();
const PARTITIONS = 12;
const N = 3000;
const cli = fileURLToPath(new URL("../../../cli/bin/fleuve.js", import.meta.url));
const jobFile = fileURLToPath(new URL("../fixtures/group-job.ts", import.meta.url));
const workerFile = fileURLToPath(new URL("../fixtures/group-worker-process.ts", import.meta.url));

/** A record far ahead on every partition moves every watermark past the last window. */
function flush(topic: string): void {
  for (let p = 0; p < PARTITIONS; p++) {
    kcat(
      BOOTSTRAP,
      ["-P", "-t", topic, "-p", String(p)],
      `${JSON.stringify({ user: "__flush__", ts: 99_000_000, amount: 0 })}\n`,
    );
  }
}

interface Proc {
  readonly child: ChildProcess;
  log: string;
  out: string;
  readonly exited: Promise<number | null>;
}

function watch(child: ChildProcess): Proc {
  const p: Proc = {
    child,
    log: "",
    out: "",
    exited: new Promise((r) => child.on("exit", (code) => r(code))),
  };
  child.stderr!.on("data", (d) => {
    p.log += d;
  });
  child.stdout?.on("data", (d) => {
    p.out += d;
  });
  return p;
}

/** One process of group `group` (fixtures/group-worker-process.ts). */
function startWorker(
  group: string,
  dir: string,
  parallelism: number,
  restoreFrom: string | undefined,
  input: string,
  output: string,
  sessionTimeoutMs = 6000,
  maxHeld?: number,
): Proc {
  return watch(
    spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        workerFile,
        group,
        dir,
        String(parallelism),
        restoreFrom ?? "-",
        BOOTSTRAP,
        input,
        output,
      ],
      {
        stdio: ["pipe", "pipe", "pipe"],
        env: {
          ...process.env,
          FLEUVE_TEST_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
          ...(maxHeld === undefined ? {} : { FLEUVE_TEST_MAX_HELD: String(maxHeld) }),
        },
      },
    ),
  );
}

/** Asks worker `w` for a savepoint into `dir`; resolves with the path it printed. */
async function savepoint(w: Proc, dir: string, stop: boolean, procs: Proc[]): Promise<string> {
  const [outcome, text] = await askSavepoint(w, dir, stop, procs);
  assert.equal(outcome, "ok", `savepoint failed: ${text}`);
  assert.ok(existsSync(join(text, "_metadata")), `${text} has its _metadata`);
  return text;
}

/** Asks worker `w` for a savepoint into `dir` (given up after `timeoutMs`): "ok" and its path, or "failed" and why. */
async function askSavepoint(
  w: Proc,
  dir: string,
  stop: boolean,
  procs: Proc[],
  timeoutMs?: number,
): Promise<[string, string]> {
  const before = w.out.length;
  w.child.stdin!.write(
    `${stop ? "stop-savepoint" : "savepoint"} ${dir}${timeoutMs ? ` ${timeoutMs}` : ""}\n`,
  );
  let answer: RegExpExecArray | null = null;
  await waitFor(
    `the ${stop ? "stop-with-" : ""}savepoint`,
    () => {
      answer = /savepoint-(ok|failed) (.*)\n/.exec(w.out.slice(before));
      return answer !== null;
    },
    240_000,
    procs,
  );
  const [, outcome, text] = answer as unknown as RegExpExecArray;
  return [outcome!, text!];
}

/** The newest completed checkpoint id under `root` (any depth), to wait for more checkpoints. */
function newestCheckpoint(root: string): number {
  let newest = 0;
  const walk = (d: string) => {
    let entries: Dirent[] = [];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return; // pruned meanwhile
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const m = /^chk-(\d+)$/.exec(e.name);
      if (m && existsSync(join(d, e.name, "_metadata"))) newest = Math.max(newest, Number(m[1]));
      else if (!m) walk(join(d, e.name));
    }
  };
  walk(root);
  return newest;
}

/** Waits until the committed output has the oracle's size, then compares (more fails at once). */
async function expectExactOutput(output: string, procs: Proc[], checkpoints: string): Promise<void> {
  const want = oracle(N);
  let committed = 0;
  await waitFor(
    "the whole output",
    () => {
      committed = committedOutput(output).length;
      return committed >= want.length;
    },
    300_000,
    procs,
  ).catch((e: Error) => {
    throw new Error(`committed ${committed} of ${want.length} records; ${e.message}`);
  });
  // Anything written twice would show up once the transactions in flight commit: wait for a few
  // more checkpoints, then read again.
  const seen = newestCheckpoint(checkpoints);
  await waitFor("more checkpoints", () => newestCheckpoint(checkpoints) >= seen + 3, 120_000, procs);
  const got = committedOutput(output);
  if (got.length !== want.length) {
    const ws = new Set(want);
    console.error("extra or duplicated:", got.filter((x, i) => !ws.has(x) || got[i - 1] === x).slice(0, 20));
  }
  assert.equal(got.length, want.length, `committed ${got.length} records, the oracle has ${want.length}`);
  assert.deepEqual(got, want);
}

async function withTopics(
  body: (input: string, output: string, dir: string, procs: Proc[]) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-group-sp-"));
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const input = uniqueTopic("gsp-in");
  const output = uniqueTopic("gsp-out");
  const procs: Proc[] = [];
  try {
    await client.createTopics([
      { name: input, partitions: PARTITIONS },
      { name: output, partitions: 3, config: OLD_TIMESTAMPS },
    ]);
    await body(input, output, dir, procs);
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    const internal = (await client.listTopics()).filter((n) => n.startsWith("fleuve-gsp-"));
    await client.deleteTopics([input, output, ...internal]).catch(() => {});
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a group of 3 processes takes a savepoint and goes on, then stops with one that resumes in one process: exact", {
  ...options,
  timeout: 900_000,
}, async () => {
  await withTopics(async (input, output, dir, procs) => {
    const group = uniqueTopic("gsp-a");
    // maxHeld 1 (the user option, checked to reach the workers by their log): an alignment that
    // holds more than one message spills and reads them again from Kafka, which must leave the
    // output exact too. Whether one spills here depends on timing (a barrier arriving late); the
    // spill itself is made to happen in exchange-alignment.test.ts.
    const workers = [0, 1, 2].map(() =>
      startWorker(group, join(dir, "group"), 3, undefined, input, output, 6000, 1),
    );
    procs.push(...workers);
    await waitFor(
      "the bound in the log",
      () =>
        workers.every((w) =>
          w.log.includes("savepoint alignment holds at most 1 messages per exchange input"),
        ),
      180_000,
      procs,
    );
    // 9 units (3 sources, 3 windows, 3 counts), 3 per process
    await waitFor(
      "the group to form",
      () => workers.every((w) => lastAssignment(w.log).length === 3),
      180_000,
      procs,
    );

    produce(input, 0, N / 3);
    await waitFor("output of the first third", () => committedOutput(output).length > 200, 180_000, procs);
    // 1. A savepoint while input flows, without stop: the group goes on.
    produce(input, N / 3, N / 2);
    const first = await savepoint(workers[0]!, join(dir, "group", "savepoints", "sp-1"), false, procs);
    assert.ok(
      workers.every((w) => w.child.exitCode === null),
      "every process goes on after a savepoint without stop",
    );
    // every unit wrote its part: 9 subtask files (one per unit) listed in _metadata
    const meta = JSON.parse(readFileSync(join(first, "_metadata"), "utf8")) as {
      operators: Record<string, { files: string[] }>;
      files: Record<string, unknown>;
    };
    assert.ok(!Object.keys(meta.operators).some((u) => u.startsWith("exchange")), "no exchange state");
    assert.equal(new Set(Object.values(meta.operators).flatMap((o) => o.files)).size, 9);

    // 2. Stop with a savepoint, asked of another process: all three stop (exit 0).
    produce(input, N / 2, (2 * N) / 3);
    await waitFor("output of the first half", () => committedOutput(output).length > 1000, 180_000, procs);
    const stopped = await savepoint(workers[1]!, join(dir, "group", "savepoints", "sp-2"), true, procs);
    const codes = await Promise.all(workers.map((w) => w.exited));
    assert.deepEqual(codes, [0, 0, 0], "every process of the group exits 0");
    for (const w of workers) assert.ok(w.out.includes("finished"), "every process saw the stop");
    const spills = workers.flatMap((w) =>
      w.log.split("\n").filter((l) => l.includes("reading them again from offset")),
    );
    console.log(`alignments that spilled past maxHeld 1: ${spills.length}`);
    const atStop = committedOutput(output).length;
    assert.ok(atStop < oracle(N).length, "stopped before the end");

    // 3. The rest of the input, read by the job resumed in ONE process from that savepoint, at
    // parallelism 2 (the group ran at 3).
    produce(input, (2 * N) / 3, N);
    flush(input);
    const single = watch(
      spawn(
        process.execPath,
        [
          cli,
          "run",
          jobFile,
          "--from-savepoint",
          stopped,
          "--parallelism",
          "2",
          "--checkpoint-dir",
          join(dir, "single"),
          "--checkpoint-interval",
          "500",
          "--",
          BOOTSTRAP,
          input,
          output,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      ),
    );
    procs.push(single);
    await expectExactOutput(output, procs, join(dir, "single"));
  });
});

test("a group stopped with a savepoint at parallelism 4 resumes as a new group at parallelism 3: exact", {
  ...options,
  timeout: 900_000,
}, async () => {
  await withTopics(async (input, output, dir, procs) => {
    const before = uniqueTopic("gsp-b");
    const workers = [0, 1].map(() => startWorker(before, join(dir, "p4"), 4, undefined, input, output));
    procs.push(...workers);
    // 12 units (4 sources, 4 windows, 4 counts), 6 per process
    await waitFor(
      "the group to form",
      () => workers.every((w) => lastAssignment(w.log).length === 6),
      180_000,
      procs,
    );
    produce(input, 0, N / 2);
    await waitFor("output of the first half", () => committedOutput(output).length > 500, 180_000, procs);
    produce(input, N / 2, (2 * N) / 3);
    const sp = await savepoint(workers[0]!, join(dir, "p4", "savepoints", "sp"), true, procs);
    assert.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0]);

    produce(input, (2 * N) / 3, N);
    flush(input);
    const after = uniqueTopic("gsp-c");
    const resumed = [0, 1].map(() => startWorker(after, join(dir, "p3"), 3, sp, input, output));
    procs.push(...resumed);
    await expectExactOutput(output, procs, join(dir, "p3"));
    for (const w of resumed) {
      assert.ok(/starting from .*savepoints\/sp/.test(w.log), "units start from the savepoint");
    }
  });
});

test("savepoints asked while a process dies: one past its deadline fails with no _metadata; one aborted by the rebalance is taken again once the group settled; the group goes on exactly", {
  ...options,
  timeout: 900_000,
}, async () => {
  await withTopics(async (input, output, dir, procs) => {
    const group = uniqueTopic("gsp-d");
    // A long session timeout (the longest the membership allows): the savepoints are asked for
    // long before the group notices the death.
    const workers = [0, 1, 2].map(() =>
      startWorker(group, join(dir, "group"), 3, undefined, input, output, 10_000),
    );
    procs.push(...workers);
    await waitFor(
      "the group to form",
      () => workers.every((w) => lastAssignment(w.log).length === 3),
      180_000,
      procs,
    );
    produce(input, 0, N / 3);
    await waitFor("output of the first third", () => committedOutput(output).length > 200, 180_000, procs);
    // The units of the killed process take no part in a savepoint until the group moves them.
    workers[2]!.child.kill("SIGKILL");
    produce(input, N / 3, (2 * N) / 3);
    const late = join(dir, "group", "savepoints", "too-short");
    const [outcome, why] = await askSavepoint(workers[0]!, late, false, procs, 2000);
    assert.equal(outcome, "failed");
    assert.match(why, /savepoint \S+ of the group failed: it did not complete within its deadline/);
    assert.ok(!existsSync(join(late, "_metadata")), "no _metadata");
    // The rebalance that moves the dead process's units ends this one's first attempt; the asking
    // process tries again, into a new folder.
    const folder = join(dir, "group", "savepoints", "during-death");
    const path = await savepoint(workers[0]!, folder, false, procs);
    assert.match(path, /during-death-attempt-\d+$/, "a later attempt, in its own folder");
    assert.match(
      workers[0]!.log,
      /savepoint \S+ of the group failed: unit \S+ (\(re\)started meanwhile|moved away|failed)[^\n]*; the group was changing, trying again in \d+ s/,
    );
    assert.ok(!existsSync(folder), "the aborted attempt's folder is deleted");
    // Alignments of the aborted savepoints were released: the survivors carry on to the exact output.
    produce(input, (2 * N) / 3, N);
    flush(input);
    await expectExactOutput(output, procs, join(dir, "group"));
  });
});
