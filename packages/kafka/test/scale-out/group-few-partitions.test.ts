/**
 * An input topic with fewer partitions than source subtasks, against the real broker: the job of
 * fixtures/few-partitions-job.ts reads a 2-partition topic with a kafkaSource at parallelism 4, so
 * two source subtasks own no partition and mark themselves idle. Run in one process (`fleuve run`)
 * and as a group of two processes (`fleuve run --group`, where the idle subtasks are units of their
 * own whose idleness crosses a Kafka exchange), both fire every window, the last ones included
 * (a final record on each partition, or the end of bounded input), equal to a brute-force oracle;
 * and both warn, naming the topic, that two source subtasks read nothing. The group's first
 * rebalance moves source units that may have read all their input already: restored alone, they
 * read nothing more, so their watermark must have gone out with their checkpoint (no window fired
 * in 2 of ~20 runs before source subtasks emitted it at each checkpoint barrier).
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
import { waitFor } from "../fixtures/group-processes.js";

const options = await brokerTestOptions();
const cli = fileURLToPath(new URL("../../../cli/bin/fleuve.js", import.meta.url));
const jobFile = fileURLToPath(new URL("../fixtures/few-partitions-job.ts", import.meta.url));
const PARTITIONS = 2;
const N = 3000;
const KEYS = 7;
const BASE = 1_000_000;

const event = (i: number) => ({ k: i % KEYS, ts: BASE + i * 7, v: (i % 11) + 1 });

/** Every window the job must fire, by brute force: `k start count sum`. */
function oracle(): string[] {
  const windows = new Map<string, [number, number]>();
  for (let i = 0; i < N; i++) {
    const e = event(i);
    const key = `${e.k} ${Math.floor(e.ts / 1000) * 1000}`;
    const w = windows.get(key) ?? [0, 0];
    windows.set(key, [w[0] + 1, w[1] + e.v]);
  }
  return [...windows].map(([key, [c, s]]) => `${key} ${c} ${s}`).sort();
}

/** The input: event i on partition i % 2 (in event-time order on each), then, if asked, a final record far ahead on each. */
function produce(topic: string, final: boolean): void {
  for (let p = 0; p < PARTITIONS; p++) {
    const lines: string[] = [];
    for (let i = p; i < N; i += PARTITIONS) lines.push(JSON.stringify(event(i)));
    if (final) lines.push(JSON.stringify({ k: -1, ts: BASE + N * 7 + 60_000, v: 0 }));
    kcat(BOOTSTRAP, ["-P", "-t", topic, "-p", String(p)], `${lines.join("\n")}\n`);
  }
}

/** The windows committed to `topic`, as the oracle writes them. */
function committedWindows(topic: string, isolation = "read_committed"): string[] {
  return kcat(BOOTSTRAP, ["-C", "-t", topic, "-e", "-q", "-f", "%s\\n", "-X", `isolation.level=${isolation}`])
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const w = JSON.parse(l) as { k: number; start: number; count: number; sum: number };
      return `${w.k} ${w.start} ${w.count} ${w.sum}`;
    })
    .sort();
}

interface Run {
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, [cli, "run", jobFile, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const run: Run = {
    child,
    log: "",
    exited: new Promise((r) => child.on("exit", (code) => r(code))),
  };
  child.stderr!.on("data", (d) => {
    run.log += d;
  });
  return run;
}

/** Waits until `topic` has as many windows as the oracle, then compares them with it. */
/** Per unit folder of `dir` (a group's checkpoints): its epochs and their newest complete checkpoint. */
function checkpointsOf(dir: string): string {
  const root = join(dir, "few-partitions-job");
  if (!existsSync(root)) return "no checkpoints";
  return readdirSync(root)
    .map((unit) => {
      const epochs = readdirSync(join(root, unit))
        .filter((e) => e.startsWith("epoch-"))
        .map((e) => {
          let ids: number[] = [];
          try {
            ids = readdirSync(join(root, unit, e))
              .filter((c) => /^chk-\d+$/.test(c) && existsSync(join(root, unit, e, c, "_metadata")))
              .map((c) => Number(c.slice(4)));
          } catch {}
          return `${e}:${ids.length === 0 ? "-" : Math.max(...ids)}`;
        });
      return `${unit} ${epochs.join(" ")}`;
    })
    .join("; ");
}

async function assertWindows(topic: string, runs: Run[], dir?: string): Promise<void> {
  const want = oracle();
  let got: string[] = [];
  await waitFor(
    () => {
      const have = new Set(got);
      const missing = want.filter((w) => !have.has(w));
      const uncommitted = committedWindows(topic, "read_uncommitted").length;
      return `the ${want.length} windows of the oracle in ${topic} (${got.length} there, ${uncommitted} read_uncommitted; missing ${missing.length}: ${missing.slice(0, 10).join(", ")}...; checkpoints: ${dir === undefined ? "-" : checkpointsOf(dir)})`;
    },
    () => {
      got = committedWindows(topic);
      return got.length >= want.length;
    },
    300_000,
    runs,
  );
  const have = new Set(want);
  assert.deepEqual(
    got,
    want,
    `windows not in the oracle: ${got.filter((w) => !have.has(w)).join(", ")}; checkpoints: ${dir === undefined ? "-" : checkpointsOf(dir)}; logs:\n${runs.map((r) => r.log.slice(-8000)).join("\n---\n")}`,
  );
}

/** Lines of the partitions warning in `log`. */
const warnings = (log: string) =>
  log.split("\n").filter((l) => l.includes("2 of the source's 4 subtasks read no partition"));

for (const mode of ["unbounded", "bounded"] as const) {
  test(`${PARTITIONS} partitions, source parallelism 4 (${mode}): one process and a group of two fire the same windows, every one`, {
    ...options,
    timeout: 900_000,
  }, async () => {
    const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
    const input = uniqueTopic("few-in");
    const single = uniqueTopic("few-out1");
    const grouped = uniqueTopic("few-outg");
    const group = uniqueTopic("few");
    const dirs = [mkdtempSync(join(tmpdir(), "fleuve-few-")), mkdtempSync(join(tmpdir(), "fleuve-few-"))];
    const runs: Run[] = [];
    try {
      await client.createTopics([
        { name: input, partitions: PARTITIONS },
        { name: single, partitions: 2, config: OLD_TIMESTAMPS },
        { name: grouped, partitions: 2, config: OLD_TIMESTAMPS },
      ]);
      produce(input, mode === "unbounded");

      // One process (on worker threads, fleuve run's default).
      const one = start([
        "--checkpoint-dir",
        dirs[0]!,
        "--checkpoint-interval",
        "200",
        "--",
        BOOTSTRAP,
        input,
        single,
        mode,
      ]);
      runs.push(one);
      if (mode === "bounded")
        assert.equal(await one.exited, 0, `fleuve run exited with an error:\n${one.log}`);
      await assertWindows(single, runs);
      if (mode === "unbounded") {
        one.child.kill("SIGTERM");
        await one.exited;
      }
      // once per start: a restart (a broker timeout under load) starts the source again
      const starts = 1 + one.log.split("\n").filter((l) => l.includes("; restarting in ")).length;
      assert.equal(warnings(one.log).length, starts, `one warning per start in one process:\n${one.log}`);

      // A group of two processes.
      const args = [
        "--group",
        group,
        "--bootstrap",
        BOOTSTRAP,
        "--checkpoint-dir",
        dirs[1]!,
        "--checkpoint-interval",
        "200",
      ];
      const members = [0, 1].map(() => start([...args, "--", BOOTSTRAP, input, grouped, mode]));
      runs.push(...members);
      await assertWindows(grouped, runs, dirs[1]!);
      // Its log is read as it comes: the windows can be complete before the warning line is read.
      await waitFor(
        "the process running source unit 0 to warn",
        () => members.some((m) => warnings(m.log).length > 0),
        60_000,
        members,
      );
    } finally {
      for (const r of runs) if (r.child.exitCode === null) r.child.kill("SIGKILL");
      await client
        .deleteTopics(
          (await client.listTopics()).filter(
            (n) => n === input || n === single || n === grouped || n.startsWith(`fleuve-${group}-`),
          ),
        )
        .catch(() => {});
      await client.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
}
