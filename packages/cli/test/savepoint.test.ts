// Savepoints through the CLI: `fleuve run` serves a control socket, `fleuve savepoint <name>`
// takes a savepoint of the running job (or stops it with one), `fleuve jobs` lists it, and
// `fleuve run --from-savepoint` finishes with exactly the output of one uninterrupted run.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { finish, fleuve, start } from "./helpers.js";

const JOB = "examples/savepoint-counter.ts";
const EXPECTED = [
  "n % 3 = 0: 2000 numbers, sum 5997000",
  "n % 3 = 1: 2000 numbers, sum 5999000",
  "n % 3 = 2: 2000 numbers, sum 6001000",
];

async function waitFor(cond: () => boolean, what: string, limitMs = 180_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function lines(stdout: string): string[] {
  return stdout.trim().split("\n").filter(Boolean).sort();
}

test("savepoint of a running job, stop-with-savepoint, and resume from each: exact totals", {
  timeout: 600_000,
}, async () => {
  await savepointsAndResume([], [[]]);
});

test("the same on 2 worker threads, resumed on threads and in one thread: exact totals", {
  timeout: 600_000,
}, async () => {
  const p2 = ["--parallelism", "2"];
  await savepointsAndResume(
    [...p2, "--threads", "2"],
    [
      [...p2, "--threads", "2"],
      [...p2, "--threads", "1"],
    ],
  );
});

/**
 * Runs the job with `runArgs`, takes a savepoint, then stops it with another; resumes from each
 * savepoint with each of `resumeArgs` (a deployment and parallelism), checking the exact totals.
 */
async function savepointsAndResume(runArgs: string[], resumeArgs: string[][]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sp-"));
  const ctl = join(dir, "jobs");
  const sps = join(dir, "savepoints");
  try {
    // 50 numbers/s: the job would run 2 min; it is stopped long before, even on a loaded machine
    // (at 300/s, 20 s, a machine 10x oversubscribed could see it end by itself first).
    const job = start(["run", JOB, ...runArgs, "--control-dir", ctl, "--", "50"]);
    const done = finish(job);
    const sock = join(ctl, "savepoint-counter.sock");
    await waitFor(() => existsSync(sock), "the control socket");
    assert.equal(statSync(sock).mode & 0o777, 0o600, "socket readable by its owner only");

    const jobs = await fleuve("jobs", "--control-dir", ctl);
    assert.equal(jobs.code, 0, jobs.stderr);
    assert.match(jobs.stdout, new RegExp(`^savepoint-counter\\tpid ${job.pid}\\t`));

    const sp1 = await fleuve("savepoint", "savepoint-counter", "--control-dir", ctl, "--dir", sps);
    assert.equal(sp1.code, 0, sp1.stderr);
    const first = sp1.stdout.trim();
    assert.ok(first.startsWith(join(sps, "savepoint-savepoint-counter-")), first);
    assert.ok(existsSync(join(first, "_metadata")), "the savepoint folder has _metadata");

    const sp2 = await fleuve("savepoint", "savepoint-counter", "--control-dir", ctl, "--dir", sps, "--stop");
    assert.equal(sp2.code, 0, sp2.stderr);
    const second = sp2.stdout.trim();
    assert.notEqual(second, first, "each savepoint gets its own folder");
    assert.ok(existsSync(join(second, "_metadata")));

    // Stopped with a savepoint: the job ends at once and cleanly, before its end of input.
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "", "stopped before the end of input: no totals yet");
    assert.ok(!existsSync(sock), "the socket is removed when the job ends");

    for (const sp of [first, second]) {
      for (const args of resumeArgs) {
        const resumed = await fleuve("run", JOB, ...args, "--control-dir", ctl, "--from-savepoint", sp);
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.match(resumed.stderr, /restoring savepoint \d+ from /);
        assert.deepEqual(lines(resumed.stdout), EXPECTED, `resumed with ${args.join(" ")}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("fleuve savepoint for a job that does not run: exit 1 naming the socket tried", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sp-"));
  try {
    const r = await fleuve("savepoint", "no-such-job", "--control-dir", dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error FLEUVE_CONFIG_INVALID: no running job 'no-such-job'/);
    assert.ok(r.stderr.includes(join(dir, "no-such-job.sock")), r.stderr);
    const jobs = await fleuve("jobs", "--control-dir", dir);
    assert.equal(jobs.code, 0);
    assert.equal(jobs.stdout, "");
    assert.match(jobs.stderr, /no running jobs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a checkpointed run on 2 worker threads gives the same totals, and resumes from its final checkpoint", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-cp-"));
  try {
    const noDir = await fleuve("run", JOB, "--resume");
    assert.equal(noDir.code, 2);
    assert.match(noDir.stderr, /'--resume' needs '--checkpoint-dir D'/);
    const ok = await fleuve(
      "run",
      JOB,
      "--checkpoint-dir",
      dir,
      "--checkpoint-interval",
      "100",
      "--parallelism",
      "2",
      "--threads",
      "2",
      "--control-dir",
      join(dir, "jobs"),
      "--",
      "3000",
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(lines(ok.stdout), EXPECTED);
    // The generator source keeps a position per subtask: it cannot be restored at another parallelism.
    const common = ["run", JOB, "--checkpoint-dir", dir, "--resume", "--control-dir", join(dir, "jobs")];
    const rescaled = await fleuve(...common);
    assert.equal(rescaled.code, 1);
    assert.match(
      rescaled.stderr,
      /^error FLEUVE_STATE_INCOMPATIBLE: source 'Generator' ran with parallelism 2/m,
    );
    // Resumed from the final checkpoint of the finished run: its input is done, nothing is emitted again.
    const resumed = await fleuve(...common, "--parallelism", "2");
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /restoring checkpoint \d+ from /);
    assert.equal(resumed.stdout, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const threads of [[], ["--parallelism", "2"]]) {
  test(`a savepoint into a folder the file system refuses (under /proc) fails naming it; the next one is taken and SIGTERM ends the job${threads.length ? " (2 worker threads)" : ""}`, {
    timeout: 600_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "fleuve-sp-proc-"));
    const refused = `/proc/fleuve-savepoint-${process.pid}`;
    try {
      const run = start(["run", JOB, "--control-dir", dir, ...threads, "--", "50"]);
      const done = finish(run);
      await waitFor(() => existsSync(join(dir, "savepoint-counter.sock")), "the control socket");
      // (Node's recursive mkdir never returned there: the savepoint, later ones and SIGTERM hung)
      const bad = await fleuve("savepoint", "savepoint-counter", "--control-dir", dir, "--dir", refused);
      assert.equal(bad.code, 1, bad.stderr);
      assert.ok(bad.stderr.includes(refused), bad.stderr);
      assert.match(bad.stderr, /ENOENT/);
      const good = await fleuve(
        "savepoint",
        "savepoint-counter",
        "--control-dir",
        dir,
        "--dir",
        join(dir, "sp"),
      );
      assert.equal(good.code, 0, good.stderr);
      assert.ok(existsSync(join(good.stdout.trim(), "_metadata")), good.stdout);
      run.kill("SIGTERM");
      const r = await done;
      assert.equal(r.code, 130, r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
