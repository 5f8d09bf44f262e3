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
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { KafkaClient } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";
import { kcat } from "../connectors/crash-common.js";

const options = await brokerTestOptions();
const PARTITIONS = 12;
const N = 6000;
const USERS = 23;
const cli = fileURLToPath(new URL("../../../cli/bin/fleuve.js", import.meta.url));
const jobFile = fileURLToPath(new URL("../fixtures/group-job.ts", import.meta.url));

const event = (i: number) => ({ user: `u${(i * 7) % USERS}`, ts: 1_000_000 + i * 4, amount: (i % 13) + 1 });

/** Every output line the job must commit, by brute force. */
function oracle(): string[] {
  const out: string[] = [];
  const counts = new Map<string, number>();
  const windows = new Map<string, [number, number]>();
  for (let i = 0; i < N; i++) {
    const e = event(i);
    const n = (counts.get(e.user) ?? 0) + 1;
    counts.set(e.user, n);
    out.push(`count ${e.user} ${n}`);
    const k = `${e.user} ${Math.floor(e.ts / 1000) * 1000}`;
    const w = windows.get(k) ?? [0, 0];
    windows.set(k, [w[0] + 1, w[1] + e.amount]);
  }
  for (const [k, [c, s]] of windows) out.push(`window ${k} ${c} ${s}`);
  return out.sort();
}

/** Input lines for kcat -K: keyed by device (not user), so users are spread over partitions. */
function produce(topic: string, from: number, to: number): void {
  const lines: string[] = [];
  for (let i = from; i < to; i++) lines.push(`d${i % 31}\t${JSON.stringify(event(i))}`);
  kcat(BOOTSTRAP, ["-P", "-t", topic, "-K", "\t"], `${lines.join("\n")}\n`);
}

function committedOutput(topic: string): string[] {
  return kcat(BOOTSTRAP, [
    "-C",
    "-t",
    topic,
    "-e",
    "-q",
    "-f",
    "%s\\n",
    "-X",
    "isolation.level=read_committed",
  ])
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const r = JSON.parse(l) as {
        kind: string;
        user: string;
        n?: number;
        start?: number;
        count?: number;
        sum?: number;
      };
      return r.kind === "count"
        ? `count ${r.user} ${r.n}`
        : `window ${r.user} ${r.start} ${r.count} ${r.sum}`;
    })
    .sort();
}

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

/** Units a worker runs after its latest assignment (from its log). */
function lastAssignment(w: Worker): string[] {
  const lines = w.log.split("\n").filter((l) => l.includes(": running "));
  const last = lines.at(-1);
  if (!last) return [];
  const list = last.slice(last.indexOf(": running ") + 10).trim();
  return list === "no unit" ? [] : list.split(", ");
}

/**
 * Per unit of the group job (its folder in `dir`), the id of its newest complete checkpoint in
 * any epoch (`<dir>/group-job/<unit>/epoch-<n>/chk-<id>/_metadata`; ids go on across epochs).
 */
function latestCheckpoints(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const root = join(dir, "group-job");
  for (const unit of readdirSync(root)) {
    let newest = 0;
    for (const epoch of readdirSync(join(root, unit)).filter((n) => n.startsWith("epoch-"))) {
      let ids: string[] = [];
      try {
        ids = readdirSync(join(root, unit, epoch));
      } catch {
        continue; // pruned meanwhile
      }
      for (const name of ids) {
        const m = /^chk-(\d+)$/.exec(name);
        if (m && existsSync(join(root, unit, epoch, name, "_metadata")))
          newest = Math.max(newest, Number(m[1]));
      }
    }
    out.set(unit, newest);
  }
  return out;
}

async function waitFor(
  what: string,
  cond: () => boolean,
  timeoutMs: number,
  workers: Worker[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; worker logs:\n${workers.map((w) => w.log.slice(-3000)).join("\n---\n")}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

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
      () => workers.every((w) => lastAssignment(w).length === 6),
      180_000,
      workers,
    );
    const all = new Set(workers.flatMap(lastAssignment));
    assert.equal(all.size, 18, `units split over the processes: ${[...all].join(", ")}`);

    produce(input, 0, N / 2);
    await waitFor("output of the first half", () => committedOutput(output).length > 500, 180_000, workers);

    // Kill while the second half flows in, so the victim has work in flight (open transactions).
    const victim = workers[1]!;
    produce(input, N / 2, (3 * N) / 4);
    await new Promise((r) => setTimeout(r, 300));
    const before = committedOutput(output).length;
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
    const survivors = [workers[0]!, workers[2]!];
    await waitFor(
      "the survivors to take over every unit",
      () => new Set(survivors.flatMap(lastAssignment)).size === 18,
      180_000,
      workers,
    );
    const want = oracle();
    assert.ok(before < want.length, "the victim was killed before the job was done");
    await waitFor("the whole output", () => committedOutput(output).length >= want.length, 300_000, workers);
    // Anything written twice would show up now or never: wait until every unit has completed two
    // more checkpoints (so committed what it had in flight). A read may see less than was
    // committed while a transaction is open on a partition (read_committed stops at it), so read
    // again until it sees everything; more than the oracle fails at once.
    const done = latestCheckpoints(dir);
    await waitFor(
      "two more checkpoints of every unit",
      () => {
        const now = latestCheckpoints(dir);
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
