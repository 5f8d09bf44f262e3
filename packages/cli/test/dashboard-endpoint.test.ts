// The web dashboard of `fleuve run`: on by default, its API reads the running job and its savepoint
// control writes a savepoint; --no-dashboard turns it off; a non-loopback host needs a token.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { finish, fleuve, start } from "./helpers.js";

const JOB = "packages/cli/test/fixtures/endless-job.ts";

/** Polls `check` until it returns a value (a deadline, no fixed sleeps). */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("fleuve run serves the dashboard: its API shows the job and takes a savepoint", {
  timeout: 300_000,
}, async () => {
  const child = start(["run", JOB, "--no-metrics", "--dashboard-port", "0"]);
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = finish(child);
  try {
    const url = await waitFor(
      "the dashboard line",
      async () => /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stderr)?.[1],
    );
    const job = (await (await fetch(new URL("/api/job", url))).json()) as { name: string; state: string };
    assert.deepEqual([job.name, job.state], ["endless", "RUNNING"]);
    const graph = (await (await fetch(new URL("/api/graph", url))).json()) as { nodes: { name: string }[] };
    assert.ok(graph.nodes.some((n) => n.name === "Double"));
    const page = await fetch(url);
    assert.equal(page.status, 200);
    const target = mkdtempSync(join(tmpdir(), "fleuve-cli-dash-"));
    const r = await fetch(new URL("/api/savepoints", url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ targetDirectory: target }),
    });
    const body = (await r.json()) as { path: string };
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.match(body.path, new RegExp(`^${target}/savepoint-endless-`));
    assert.ok(existsSync(join(body.path, "_metadata")));
  } finally {
    child.kill("SIGINT");
  }
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
});

test("fleuve run --no-dashboard serves none; a non-loopback host needs a token; options exclude each other", async () => {
  const off = await fleuve("run", "examples/word-count.ts", "--no-dashboard");
  assert.equal(off.code, 0, off.stderr);
  assert.doesNotMatch(off.stderr, /dashboard:/);
  const open = await fleuve("run", JOB, "--dashboard-host", "0.0.0.0");
  assert.equal(open.code, 2, open.stderr);
  assert.match(
    open.stderr,
    /--dashboard-host 0\.0\.0\.0' binds beyond 127\.0\.0\.1: set FLEUVE_DASHBOARD_TOKEN/,
  );
  const both = await fleuve("run", JOB, "--no-dashboard", "--dashboard-port", "9");
  assert.equal(both.code, 2, both.stderr);
  assert.match(both.stderr, /options '--no-dashboard' and '--dashboard-port' exclude each other/);
});
