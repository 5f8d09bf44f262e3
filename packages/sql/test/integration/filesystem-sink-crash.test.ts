// The filesystem sink is exactly-once across crashes: a SQL job writing csv part files is SIGKILLed
// mid-stream (each time once a checkpoint has committed files beyond those already there, so the
// kill falls between checkpoints of a running job) and started again from its newest checkpoint;
// when it has run to the end, the finished part files hold every number once, and nothing is left
// but the hidden in-progress files of runs killed before their first checkpoint. The same for a
// partitioned table: each number once, in its partition's directory.
// A run to be killed cannot end by itself (the job's input stops a quarter further on and waits,
// see the fixture), so the kills fall mid-stream however loaded the machine is: the test waits
// for commits, never for time.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const jobFile = fileURLToPath(new URL("../fixtures/filesystem-sink-crash-job.ts", import.meta.url));
const PART = /^part-[0-9a-f-]{36}-\d+-\d+$/;

/** The finished part files under `dir`, partition directories included (paths relative to `dir`). */
const finished = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => PART.test(basename(f)))
    : [];

/** Every file under `dir` that is not a finished part file or a success file (in-progress or pending ones). */
const others = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !PART.test(e.name) && e.name !== "_SUCCESS")
    .map((e) => join(e.parentPath, e.name));

/** The run a part file (finished or in progress) belongs to: the uuid in its name. */
const runOf = (path: string) => /^\.?part-([0-9a-f-]{36})-\d+-\d+/.exec(basename(path))?.[1];

/**
 * What a finished job may leave besides its finished files: only hidden in-progress files of runs
 * killed before they completed a checkpoint of their own (no checkpoint records them, so no
 * restore deletes them; Flink's FileSink leaves such files too, and readers skip hidden files).
 * A run that committed files did complete a checkpoint: the next restore deleted its leftovers.
 */
function assertOnlyUncheckpointedLeftovers(dir: string): void {
  const committedRuns = new Set(finished(dir).map(runOf));
  for (const f of others(dir)) {
    assert.match(
      basename(f),
      /^\.part-[0-9a-f-]{36}-\d+-\d+\.inprogress$/,
      `${f}: only in-progress files may be left`,
    );
    assert.ok(!committedRuns.has(runOf(f)), `${f}: left by a run whose checkpoints committed files`);
  }
}

/** The rows of the finished part files under `dir`, as lines. */
function committedLines(dir: string): string[] {
  const lines: string[] = [];
  for (const f of finished(dir)) {
    const text = readFileSync(join(dir, f), "utf8");
    if (text.length > 0) lines.push(...text.slice(0, -1).split("\n"));
  }
  return lines;
}

/**
 * Runs the job; with `killAfterFiles`, as a run to be killed (its input waits a quarter further on
 * instead of ending), SIGKILLed as soon as more than that many finished files are there (polling
 * the directory) and `also()` holds. Resolves whether it was killed.
 */
function runChild(
  out: string,
  cp: string,
  n: number,
  killAfterFiles?: number,
  mode = "plain",
  also: () => boolean = () => true,
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        jobFile,
        out,
        cp,
        String(n),
        mode,
        ...(killAfterFiles === undefined ? [] : ["kill"]),
      ],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    let killed = false;
    const poll =
      killAfterFiles === undefined
        ? undefined
        : setInterval(() => {
            if (!killed && finished(out).length > killAfterFiles && also()) {
              killed = true;
              child.kill("SIGKILL");
            }
          }, 5);
    child.on("error", reject);
    child.on("exit", (code) => {
      if (poll) clearInterval(poll);
      if (!killed && code !== 0) reject(new Error(`job exited with ${code}: ${stderr}`));
      else resolve(killed);
    });
  });
}

test("SIGKILLed mid-stream and restarted: the finished csv files hold each row exactly once", {
  timeout: 300_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "sql-fs-sink-kill-"));
  const out = join(root, "out");
  const cp = join(root, "cp");
  try {
    const n = 20_000; // 1 s of input at 20k rows/s
    for (let kill = 1; kill <= 3; kill++) {
      assert.ok(await runChild(out, cp, n, finished(out).length), `run ${kill} killed`);
      assert.ok(committedLines(out).length < n, `run ${kill} killed mid-stream`);
    }
    assert.ok(finished(out).length > 0, "files were committed before the kills");
    await runChild(out, cp, n);
    const lines = committedLines(out);
    assert.equal(new Set(lines).size, lines.length, "no row twice");
    const ids = lines.map((l) => Number(l.split(",")[0])).sort((a, b) => a - b);
    assert.deepEqual(
      ids,
      Array.from({ length: n }, (_, i) => i),
    );
    for (const l of lines) assert.equal(l, `${l.split(",")[0]},n${l.split(",")[0]}`);
    assertOnlyUncheckpointedLeftovers(out);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a partitioned table, SIGKILLed mid-stream and restarted: each row once, in its partition directory", {
  timeout: 300_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "sql-fs-part-kill-"));
  const out = join(root, "out");
  const cp = join(root, "cp");
  try {
    const n = 20_000;
    for (let kill = 1; kill <= 3; kill++) {
      assert.ok(await runChild(out, cp, n, finished(out).length, "partitioned"), `run ${kill} killed`);
      assert.ok(committedLines(out).length < n, `run ${kill} killed mid-stream`);
    }
    await runChild(out, cp, n, undefined, "partitioned");
    const ids: number[] = [];
    for (const f of finished(out)) {
      const text = readFileSync(join(out, f), "utf8");
      if (text.length === 0) continue;
      const id0 = (id: number) => (id % 7 === 0 ? "__DEFAULT_PARTITION__" : String(id % 3));
      for (const line of text.slice(0, -1).split("\n")) {
        const id = Number(line.split(",")[0]);
        // The partition column is not in the file; the directory holds it.
        assert.equal(line, `${id},n${id}`);
        assert.equal(dirname(f), `bucket=${id0(id)}`, `row ${id} in its partition`);
        ids.push(id);
      }
    }
    assert.deepEqual(
      ids.sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i),
      "each row once",
    );
    assertOnlyUncheckpointedLeftovers(out);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/**
 * Partition commit, SIGKILLed three times and run to the end. Row `id` is at `id` * 50 ms, in its
 * minute's partition, committed once the watermark passed the minute's end (see the fixture): so
 * after every kill, each partition with a success file holds every row of its minute, once
 * (counted against the input), and in the end every partition is committed with all its rows.
 * The runs are killed only once a partition is committed, so the check always has one to check
 * (the first run's input goes on to a quarter of its share, 2500 rows or more per reader, past the
 * first minute's 1200 rows). `mode`: `committed` (one thread) or `committed-threads` (two worker
 * threads, the committer on one of them).
 */
async function partitionCommitKilled(mode: string): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "sql-fs-commit-kill-"));
  const out = join(root, "out");
  const cp = join(root, "cp");
  const n = 20_000;
  const minuteOf = (id: number) =>
    `mn=1970-01-01 00%3A${String(Math.floor(id / 1200)).padStart(2, "0")}%3A00`;
  const minutes = [...new Set(Array.from({ length: n }, (_, i) => minuteOf(i)))];
  const successes = () =>
    readdirSync(out, { recursive: true, encoding: "utf8" })
      .filter((f) => basename(f) === "_SUCCESS")
      .map((f) => dirname(f))
      .sort();
  /** The ids in the visible files of each partition (checking each row is in its own). */
  const visible = () => {
    const byPartition = new Map<string, number[]>();
    for (const f of finished(out)) {
      const text = readFileSync(join(out, f), "utf8");
      if (text.length === 0) continue;
      for (const line of text.slice(0, -1).split("\n")) {
        const id = Number(line.split(",")[0]);
        assert.equal(line, `${id},n${id}`);
        assert.equal(dirname(f), minuteOf(id), `row ${id} in its partition`);
        byPartition.set(dirname(f), [...(byPartition.get(dirname(f)) ?? []), id]);
      }
    }
    return byPartition;
  };
  /** Each partition with a success file holds exactly the rows of its minute. */
  const committedComplete = (when: string) => {
    const rows = visible();
    for (const p of successes()) {
      const expected = Array.from({ length: n }, (_, i) => i).filter((i) => minuteOf(i) === p);
      assert.deepEqual(
        (rows.get(p) ?? []).sort((x, y) => x - y),
        expected,
        `${when}: ${p} has its success file, so all its ${expected.length} rows, once`,
      );
    }
    return successes().length;
  };
  try {
    const checked: number[] = [];
    for (let kill = 1; kill <= 3; kill++) {
      assert.ok(
        await runChild(out, cp, n, finished(out).length, mode, () => successes().length > 0),
        `run ${kill} killed`,
      );
      checked.push(committedComplete(`after kill ${kill}`));
    }
    await runChild(out, cp, n, undefined, mode);
    assert.deepEqual(successes(), minutes, "every partition committed in the end");
    assert.equal(committedComplete("at the end"), minutes.length);
    console.log(`${mode}: partitions committed after each kill: ${checked.join(", ")} of ${minutes.length}`);
    assertOnlyUncheckpointedLeftovers(out);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test(
  "partition commit, SIGKILLed mid-stream and restarted: a partition with a success file holds all its rows, and in the end every partition is committed",
  {
    timeout: 300_000,
  },
  () => partitionCommitKilled("committed"),
);

test(
  "partition commit with the sink on two worker threads, SIGKILLed and restarted: the same",
  {
    timeout: 300_000,
  },
  () => partitionCommitKilled("committed-threads"),
);
