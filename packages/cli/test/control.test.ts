// The control sockets of `fleuve run`: removed on SIGTERM, a stale one (SIGKILL) is not listed
// and is taken over, and two runs of one job from one directory get distinct sockets.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { finish, fleuve, start } from "./helpers.js";

const JOB = "examples/savepoint-counter.ts";
// The runs that are stopped or killed read 50 numbers/s (2 min for all 6,000): they must still run
// when the test gets to them on a loaded machine (at 300/s one ended by itself after 20 s in CI).
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

test("SIGTERM cancels and removes the socket; a socket left by SIGKILL is not listed and is replaced", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sock-"));
  const sock = join(dir, "savepoint-counter.sock");
  try {
    const a = start(["run", JOB, "--control-dir", dir, "--", "50"]);
    const aDone = finish(a);
    await waitFor(() => existsSync(sock), "the control socket");
    a.kill("SIGTERM");
    const ra = await aDone;
    assert.equal(ra.code, 130, ra.stderr);
    assert.match(ra.stderr, /cancelling job 'savepoint-counter' \(SIGTERM\)/);
    assert.ok(!existsSync(sock), "SIGTERM removed the socket");

    const b = start(["run", JOB, "--control-dir", dir, "--", "50"]);
    const bDone = finish(b);
    await waitFor(() => existsSync(sock), "the control socket");
    b.kill("SIGKILL");
    await bDone;
    assert.ok(existsSync(sock), "SIGKILL leaves the socket file behind");
    const jobs = await fleuve("jobs", "--control-dir", dir);
    assert.equal(jobs.stdout, "", "a dead socket is not a running job");
    const sp = await fleuve("savepoint", "savepoint-counter", "--control-dir", dir, "--dir", join(dir, "sp"));
    assert.equal(sp.code, 1);
    assert.match(
      sp.stderr,
      /no running job 'savepoint-counter': nothing answers at .*savepoint-counter\.sock \(ECONNREFUSED\)/,
    );

    // A new run takes the name over (the stale file is replaced) and runs to the end.
    const c = await fleuve("run", JOB, "--control-dir", dir);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(lines(c.stdout), EXPECTED);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("two runs of one job from one directory get distinct sockets; each can be stopped by its name", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-clash-"));
  try {
    const a = start(["run", JOB, "--control-dir", dir, "--", "50"]);
    const aDone = finish(a);
    await waitFor(() => existsSync(join(dir, "savepoint-counter.sock")), "the first socket");
    const b = start(["run", JOB, "--control-dir", dir, "--", "50"]);
    const bDone = finish(b);
    const second = `savepoint-counter-${b.pid}`;
    await waitFor(() => existsSync(join(dir, `${second}.sock`)), "the second socket");

    const jobs = await fleuve("jobs", "--control-dir", dir);
    assert.deepEqual(
      jobs.stdout
        .trim()
        .split("\n")
        .map((l) => l.split("\t")[0]),
      ["savepoint-counter", second],
    );
    assert.match(jobs.stdout, new RegExp(`^${second}\\tpid ${b.pid}\\t.*\\tjob 'savepoint-counter'$`, "m"));

    for (const name of [second, "savepoint-counter"]) {
      const sp = await fleuve("savepoint", name, "--control-dir", dir, "--dir", join(dir, "sp"), "--stop");
      assert.equal(sp.code, 0, sp.stderr);
    }
    const [ra, rb] = await Promise.all([aDone, bDone]);
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(rb.code, 0, rb.stderr);
    assert.match(
      rb.stderr,
      new RegExp(`note: another job 'savepoint-counter' is running .*'fleuve savepoint ${second}'`),
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith(".sock")),
      [],
      "both sockets removed",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
