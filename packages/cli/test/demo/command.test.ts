// `fleuve demo` as a user runs it: bounded runs end by themselves, Ctrl-C ends an unbounded run
// with a summary and exit code 0; output has no cursor control codes when not on a terminal.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, test } from "node:test";
import { BIN, finish, ROOT, start } from "../helpers.js";

// Each run gets its own demo directory (log, checkpoints): tests may run side by side.
const base = mkdtempSync(join(tmpdir(), "fleuve-demo-"));
after(() => rmSync(base, { recursive: true, force: true }));

/** Starts a printed command line as a user would paste it, from the repository root. */
function shell(commandLine: string, env: NodeJS.ProcessEnv = process.env) {
  return spawn("sh", ["-c", `exec ${commandLine}`], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
}

/** The command the demo's summary prints to read its results. */
function resultsHint(stdout: string): string {
  const m = /^ {2}results: (.+)$/m.exec(stdout);
  assert.ok(m, stdout);
  return m[1]!;
}

/** Runs the results hint and checks it prints every committed page result of the run. */
async function checkResultsHint(stdout: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const pageResults = Number(/([\d,]+) page results/.exec(stdout)![1]!.replaceAll(",", ""));
  assert.ok(pageResults > 0);
  const r = await finish(shell(resultsHint(stdout), env));
  assert.equal(r.code, 0, r.stderr);
  // npm prints a banner first; the records are the JSON lines.
  const records = r.stdout.split("\n").filter((l) => l.startsWith("{"));
  assert.equal(records.length, pageResults, r.stdout);
  for (const line of records) assert.equal(typeof (JSON.parse(line) as { page: unknown }).page, "string");
}

/**
 * The environment without the PATH entries that hold a `fleuve` (npm puts node_modules/.bin, with
 * this repository's `fleuve`, on the PATH of `npm test`), as for a user who has not installed it.
 */
function withoutFleuveOnPath(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const dirs = (env.PATH ?? "").split(delimiter).filter((d) => d && !existsSync(join(d, "fleuve")));
  return { ...env, PATH: dirs.join(delimiter) };
}

test("fleuve demo --events 20000 runs to completion, prints window tables and a summary", async () => {
  const r = await finish(
    spawn(process.execPath, [BIN, "demo", "--events", "20000", "--dir", join(base, "bounded")], {
      cwd: ROOT,
      env: withoutFleuveOnPath(),
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^fleuve demo: 20,000 users/);
  assert.match(r.stdout, /^window \[12:00:00, 12:01:00\) {2}\d+ views on 20 pages$/m);
  assert.match(r.stdout, /^ {2}\/ +\d+ +\d+$/m, "a row for the home page");
  assert.match(r.stdout, /^finished: 20,000 events in [\d.]+ s/m);
  assert.match(r.stdout, /final watermark \(end of input\)/);
  assert.ok(!(r.stdout + r.stderr).includes("\u001b["), "no cursor codes when not a TTY");
  // `fleuve` is on no PATH: the hint names the command this demo was started with.
  assert.match(resultsHint(r.stdout), /^node packages\/cli\/bin\/fleuve\.js consume page-stats /);
  await checkResultsHint(r.stdout);
});

test("run as an installed `fleuve` (on the PATH), the demo's hint says `fleuve`, and it works", async () => {
  const bin = join(base, "bin");
  mkdirSync(bin);
  symlinkSync(BIN, join(bin, "fleuve"));
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` };
  const r = await finish(shell(`fleuve demo --events 20000 --dir ${join(base, "installed")}`, env));
  assert.equal(r.code, 0, r.stderr);
  assert.match(resultsHint(r.stdout), /^fleuve consume page-stats /);
  await checkResultsHint(r.stdout, env);
});

test("under `npm run demo` the hint to read the results is an npm command that works as printed", async () => {
  const dir = join(base, "npm");
  const r = await finish(shell(`npm run demo -- --events 20000 --dir ${dir}`));
  assert.equal(r.code, 0, r.stderr);
  assert.match(resultsHint(r.stdout), /^npm run fleuve -- consume page-stats /);
  await checkResultsHint(r.stdout);
});

test("Ctrl-C (SIGINT) ends an unbounded demo cleanly: summary, exit code 0", async () => {
  const child = start(["demo", "--unbounded", "--rate", "20000", "--dir", join(base, "unbounded")]);
  const done = finish(child);
  // Wait for the first table, so the job is surely running, then interrupt it. (Reading with a
  // listener, not `for await`, which would destroy the pipe when left.)
  let seen = "";
  const onData = (chunk: string) => {
    seen += chunk;
    if (seen.includes("window [")) {
      child.stdout!.off("data", onData);
      child.kill("SIGINT");
    }
  };
  child.stdout!.on("data", onData);
  const r = await done;
  assert.ok(seen.includes("window ["), "a table was printed before the interrupt");
  assert.equal(r.signal, null);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^cancelled \(Ctrl-C\): [\d,]+ events in [\d.]+ s/m);
  assert.doesNotMatch(r.stdout, /^finished/m, "the unbounded job did not end by itself");
  assert.doesNotMatch(r.stderr, /error/);

  // The hint to resume names this demo's directory and works as printed.
  const resume = /^ {2}run '(.+)' again to resume, or '(.+)' to start over$/m.exec(r.stdout);
  assert.ok(resume, r.stdout);
  assert.equal(resume[2], `${resume[1]} --fresh`);
  const again = shell(resume[1]!);
  const againDone = finish(again);
  let seenAgain = "";
  const onAgain = (chunk: Buffer) => {
    seenAgain += chunk.toString();
    if (/^resumed from checkpoint/m.test(seenAgain)) {
      again.stdout!.off("data", onAgain);
      again.kill("SIGINT");
    }
  };
  again.stdout!.on("data", onAgain);
  const r2 = await againDone;
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /^resuming an interrupted run: /m);
});
