// `fleuve demo` as a user runs it: bounded runs end by themselves, Ctrl-C ends an unbounded run
// with a summary and exit code 0; output has no cursor control codes when not on a terminal.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { finish, fleuve, start } from "./helpers.js";

// Each run gets its own demo directory (log, checkpoints): tests may run side by side.
const base = mkdtempSync(join(tmpdir(), "fleuve-demo-"));
after(() => rmSync(base, { recursive: true, force: true }));

test("fleuve demo --events 20000 runs to completion, prints window tables and a summary", async () => {
  const r = await fleuve("demo", "--events", "20000", "--dir", join(base, "bounded"));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^fleuve demo: 20,000 users/);
  assert.match(r.stdout, /^window \[12:00:00, 12:01:00\) {2}\d+ views on 20 pages$/m);
  assert.match(r.stdout, /^ {2}\/ +\d+ +\d+$/m, "a row for the home page");
  assert.match(r.stdout, /^finished: 20,000 events in [\d.]+ s/m);
  assert.match(r.stdout, /final watermark \(end of input\)/);
  assert.ok(!(r.stdout + r.stderr).includes("\u001b["), "no cursor codes when not a TTY");
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
  assert.match(r.stdout, /run 'fleuve demo' again to resume/);
  assert.doesNotMatch(r.stdout, /^finished/m, "the unbounded job did not end by itself");
  assert.doesNotMatch(r.stderr, /error/);
});
