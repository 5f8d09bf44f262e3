// `npm run fleuve -- run job.ts` with npm killed by SIGKILL (which npm cannot pass on): the job
// notices its parent is gone and is cancelled cleanly (its control socket removed, nothing more
// printed) instead of running on as an orphan.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { finish, ROOT } from "./helpers.js";

async function waitFor(cond: () => boolean, what: string, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("a job run by `npm run fleuve` stops when npm is killed with SIGKILL", {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-orphan-"));
  const sock = join(dir, "savepoint-counter.sock");
  let group: number | undefined;
  try {
    // 6,000 numbers at 100/s: a minute, unless stopped. Its results print only when it ends.
    const npm = spawn(
      "npm",
      ["run", "fleuve", "--", "run", "examples/savepoint-counter.ts", "--control-dir", dir, "--", "100"],
      { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    group = npm.pid;
    const done = finish(npm);
    await waitFor(() => existsSync(sock), "the job's control socket", 60_000);
    process.kill(npm.pid!, "SIGKILL");
    // The job holds npm's stdout and stderr until it exits: their end means it exited.
    const r = await done;
    assert.equal(r.signal, "SIGKILL");
    assert.ok(!existsSync(sock), "the job was cancelled, not killed: its socket is removed");
    assert.doesNotMatch(r.stdout, /numbers, sum/, "it did not run to its end");
    assert.doesNotMatch(r.stderr, /cancelled|finished/, "it printed nothing more");
  } finally {
    try {
      if (group !== undefined) process.kill(-group, "SIGKILL");
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
});
