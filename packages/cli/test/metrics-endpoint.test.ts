// The metrics endpoint of `fleuve run`: on by default, served while the job runs (checked by
// promtool, the Prometheus project's linter), a port and naming chosen by flags, turned off by
// --no-metrics, and a non-loopback host refused without a token.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { finish, fleuve, start } from "./helpers.js";

const JOB = "packages/cli/test/fixtures/endless-job.ts";

/** Polls `check` until it returns a value (a deadline, no fixed sleeps). */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sum of the samples of `name` whose line contains `having`. */
function total(text: string, name: string, having: string): number {
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) && l.includes(having))
    .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

for (const naming of ["native", "flink"] as const) {
  test(`fleuve run serves the running job's metrics (${naming} names) until it is stopped`, {
    timeout: 180_000,
  }, async () => {
    const child = start(["run", JOB, "--metrics-port", "0", "--metrics-naming", naming]);
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const done = finish(child);
    try {
      const url = await waitFor("the metrics line", async () => /^metrics: (\S+) /m.exec(stderr)?.[1]);
      assert.match(
        stderr,
        new RegExp(`^metrics: http://127\\.0\\.0\\.1:\\d+/metrics \\(${naming} names\\)$`, "m"),
      );
      const [name, having] =
        naming === "native"
          ? ["fleuve_operator_records_in_total", 'operator="Double"']
          : ["flink_taskmanager_job_task_operator_numRecordsIn", 'operator_name="Double"'];
      const body = await waitFor("records counted", async () => {
        const text = await (await fetch(url)).text();
        return total(text, name, having) > 0 ? text : undefined;
      });
      assert.match(body, naming === "native" ? /job_name="endless"/ : /job_name="endless"/);
      if (naming === "native") {
        const lint = spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8" });
        assert.equal(lint.error, undefined, "promtool is needed (apt-get install -y prometheus)");
        assert.equal(`${lint.stdout}${lint.stderr}`, "");
        assert.equal(lint.status, 0);
      }
    } finally {
      child.kill("SIGINT");
    }
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
  });
}

test("fleuve run --no-metrics serves none; a non-loopback host needs a token", async () => {
  const off = await fleuve("run", "examples/word-count.ts", "--no-metrics");
  assert.equal(off.code, 0, off.stderr);
  assert.doesNotMatch(off.stderr, /metrics:/);
  const open = await fleuve("run", JOB, "--metrics-host", "0.0.0.0");
  assert.equal(open.code, 2, open.stderr);
  assert.match(open.stderr, /--metrics-host 0\.0\.0\.0' binds beyond 127\.0\.0\.1: set FLEUVE_METRICS_TOKEN/);
  const bad = await fleuve("run", JOB, "--metrics-naming", "prom");
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /'--metrics-naming' must be native or flink, got 'prom'/);
});
