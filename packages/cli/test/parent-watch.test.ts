// `npm run fleuve -- run job.ts` with npm killed by SIGKILL (which npm cannot pass on): the job
// notices its parent is gone and is cancelled cleanly (its control socket removed, nothing more
// printed) instead of running on as an orphan.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isNpmCommandLine } from "../src/parent-watch.js";
import { BIN, finish, ROOT } from "./helpers.js";

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

test("npm is recognised from its /proc cmdline, with its process title or without", () => {
  assert.ok(isNpmCommandLine(`npm run fleuve${"\0".repeat(20)}`), "npm's title replaces its arguments");
  assert.ok(isNpmCommandLine("npm exec fleuve\0"));
  assert.ok(isNpmCommandLine("/usr/bin/node\0/usr/lib/node_modules/npm/bin/npm-cli.js\0run\0demo\0"));
  assert.ok(!isNpmCommandLine("sh\0-c\0npm run demo\0"), "a shell running npm is not npm");
  assert.ok(!isNpmCommandLine("node\0packages/cli/bin/fleuve.js\0run\0job.ts\0"));
  assert.ok(!isNpmCommandLine("/usr/bin/nohup\0npm-like\0"));
  assert.ok(!isNpmCommandLine(""));
});

test("a job started below an npm script but not by npm itself outlives its parent", {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-not-npm-"));
  const sock = join(dir, "savepoint-counter.sock");
  const out = join(dir, "out.txt");
  let group: number | undefined;
  try {
    // A shell in npm's environment (npm_lifecycle_event inherited) starts the job and is then
    // killed: the job's parent is the shell, not npm (told from /proc on Linux), so the job runs
    // to its end (6 s at 1000 numbers/s) instead of being cancelled as npm's orphan.
    const sh = spawn(
      "sh",
      [
        "-c",
        `"${process.execPath}" "${BIN}" run examples/savepoint-counter.ts --control-dir "${dir}" -- 1000 > "${out}" 2>&1 & wait`,
      ],
      {
        cwd: ROOT,
        detached: true,
        stdio: "ignore",
        env: { ...process.env, npm_lifecycle_event: "jobs" },
      },
    );
    group = sh.pid;
    const shDone = new Promise<NodeJS.Signals | null>((r) => sh.on("exit", (_code, signal) => r(signal)));
    await waitFor(() => existsSync(sock), "the job's control socket", 60_000);
    process.kill(sh.pid!, "SIGKILL");
    assert.equal(await shDone, "SIGKILL");
    // The job removes its socket when it ends, finished or cancelled; then its output tells which.
    await waitFor(() => !existsSync(sock), "the job's end", 100_000);
    await waitFor(() => /finished/.test(readFileSync(out, "utf8")), "the job's summary line", 10_000);
    assert.match(readFileSync(out, "utf8"), /n % 3 = 0: 2000 numbers, sum/);
  } finally {
    try {
      if (group !== undefined) process.kill(-group, "SIGKILL");
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
});
