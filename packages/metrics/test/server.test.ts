/**
 * The /metrics endpoint: scraped by a real Prometheus server (Debian's `prometheus`, started here on
 * a free port with its own config and data folder) while a job runs, whose query API must then give
 * the count the job's own sink saw, in both naming modes; and the endpoint's guards (loopback
 * unless a token, the token checked, a clear error for a taken port).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isFleuveError, type MetricsSnapshot, StreamExecutionEnvironment } from "@fleuve/core";
import { type MetricsServer, startMetricsServer } from "../src/index.js";

/** Polls `check` until it returns a value other than undefined (no fixed sleeps: a deadline only). */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts Debian's Prometheus scraping `targets` every 500 ms; resolves once it is ready. */
async function startPrometheus(
  targets: Record<string, number>,
): Promise<{ url: string; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-prometheus-"));
  const port = await freePort();
  const scrapes = Object.entries(targets)
    .map(
      ([name, p]) => `  - job_name: ${name}
    scrape_interval: 500ms
    scrape_timeout: 400ms
    static_configs:
      - targets: ["127.0.0.1:${p}"]`,
    )
    .join("\n");
  writeFileSync(
    join(dir, "prometheus.yml"),
    `global:\n  scrape_interval: 500ms\nscrape_configs:\n${scrapes}\n`,
  );
  let output = "";
  const child = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`prometheus exited (${code}):\n${output.slice(-2000)}`))),
  );
  exited.catch(() => {});
  child.once("error", () => {});
  const url = `http://127.0.0.1:${port}`;
  await Promise.race([
    exited,
    waitFor("prometheus to be ready", async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined)),
  ]);
  return { url, child, dir };
}

/** The sum of a PromQL instant query's result (undefined while it has no result). */
async function query(url: string, promql: string): Promise<number | undefined> {
  const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await r.json()) as { status: string; data: { result: { value: [number, string] }[] } };
  assert.equal(body.status, "success");
  if (body.data.result.length === 0) return undefined;
  return body.data.result.reduce((a, s) => a + Number(s.value[1]), 0);
}

test("a real Prometheus scrapes a running job in both naming modes and its query API gives what the job processed", {
  timeout: 300_000,
}, async () => {
  let seen = 0;
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  // an endless source: the job runs until cancelled
  env
    .fromGenerator<number>((i) => i, { count: Number.MAX_SAFE_INTEGER })
    .keyBy((x) => x % 10)
    .map((x) => {
      seen++;
      return x;
    })
    .name("Counted");
  const client = env.executeAsync("scraped-job");
  const servers: MetricsServer[] = [];
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  try {
    const snapshot = () => client.snapshot();
    servers.push(await startMetricsServer({ snapshot, jobName: "scraped-job", port: 0 }));
    servers.push(await startMetricsServer({ snapshot, jobName: "scraped-job", port: 0, naming: "flink" }));
    prom = await startPrometheus({ fleuve: servers[0]!.port, flink: servers[1]!.port });
    const { url } = prom;
    const native =
      'sum(fleuve_operator_records_in_total{job="fleuve",job_name="scraped-job",operator="Counted"})';
    const flink =
      'sum(flink_taskmanager_job_task_operator_numRecordsIn{job="flink",operator_name="Counted"})';
    // scraped while running: a count above 0 in both modes
    await waitFor(
      "a first scrape with records",
      async () => ((await query(url, native)) ?? 0) > 0 || undefined,
    );
    await waitFor(
      "a first Flink-mode scrape with records",
      async () => ((await query(url, flink)) ?? 0) > 0 || undefined,
    );
    client.cancel();
    await client.result.catch(() => {});
    const processed = seen;
    assert.ok(processed > 0);
    // later scrapes see the final count, which must be what the job's map saw
    await waitFor(`Prometheus to show ${processed} records`, async () =>
      (await query(url, native)) === processed ? true : undefined,
    );
    await waitFor(`Prometheus (Flink names) to show ${processed} records`, async () =>
      (await query(url, flink)) === processed ? true : undefined,
    );
    // the targets are healthy (the exposition parsed)
    const targets = (await (await fetch(`${url}/api/v1/targets`)).json()) as {
      data: { activeTargets: { health: string; lastError: string }[] };
    };
    for (const t of targets.data.activeTargets) assert.equal(t.health, "up", t.lastError);
  } finally {
    client.cancel();
    if (prom) {
      const child = prom.child;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await gone;
      rmSync(prom.dir, { recursive: true, force: true });
    }
    for (const s of servers) await s.close();
  }
});

const EMPTY: MetricsSnapshot = {
  job: {
    startedAt: 0,
    uptimeMs: 0,
    restarts: 0,
    checkpointsCompleted: 0,
    checkpointsFailed: 0,
    checkpointsInProgress: 0,
    lastCheckpointDurationMs: 0,
    lastCheckpointSizeBytes: 0,
  },
  operators: [],
};

test("the endpoint refuses a non-loopback host without a token, and checks the token when given", async () => {
  await assert.rejects(
    startMetricsServer({ snapshot: () => EMPTY, jobName: "j", host: "0.0.0.0", port: 0 }),
    (e: unknown) => isFleuveError(e, "FLEUVE_CONFIG_INVALID") && /needs a token/.test(String(e)),
  );
  const s = await startMetricsServer({ snapshot: () => EMPTY, jobName: "j", port: 0, token: "s3cret" });
  try {
    assert.equal((await fetch(s.url)).status, 401);
    assert.equal((await fetch(s.url, { headers: { authorization: "Bearer wrong" } })).status, 401);
    const ok = await fetch(s.url, { headers: { authorization: "Bearer s3cret" } });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    assert.match(await ok.text(), /fleuve_job_uptime_seconds\{job_name="j"\} 0/);
    const other = await fetch(s.url.replace("/metrics", "/other"), {
      headers: { authorization: "Bearer s3cret" },
    });
    assert.equal(other.status, 404);
  } finally {
    await s.close();
  }
});

test("a taken port fails with a message naming it", async () => {
  const s = await startMetricsServer({ snapshot: () => EMPTY, jobName: "j", port: 0 });
  try {
    await assert.rejects(
      startMetricsServer({ snapshot: () => EMPTY, jobName: "j", port: s.port }),
      (e: unknown) => isFleuveError(e, "FLEUVE_CONFIG_INVALID") && String(e).includes(`port ${s.port}`),
    );
  } finally {
    await s.close();
  }
});
