/**
 * The dashboard's REST API on a real running job: every read endpoint answers with the job's
 * figures, bad requests get a 4xx with a message, a token guards everything when set, and the
 * controls act on the job: a savepoint taken through the API restores into a job that ends with
 * exactly the count a run without interruption gives (the generator's position and the keyed count
 * are in it), stop-with-savepoint ends the job, cancel cancels it. Each source partition's
 * watermark and a restart's cause are in the API; a group's units come with their processes.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isFleuveError, type JobClient, StreamExecutionEnvironment } from "@fleuve/core";
import { type Dashboard, startDashboard, unitAssignments } from "../src/index.js";
import { FAILURE, startSplitJob } from "./fixtures/split-job.js";

/** Polls `check` until it returns a value other than undefined (a deadline only, no fixed sleeps). */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 180_000,
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

const N = 3000;

/** A job counting `N` generated records under one key, at `rate` records/s; the sink keeps the last count. */
function countingJob(dir: string, rate: number | undefined, restoreFrom?: string) {
  const env = StreamExecutionEnvironment.create({
    checkpointing: { dir, intervalMs: 200 },
    ...(restoreFrom ? { restoreFrom } : {}),
  });
  const seen = { last: 0, records: 0 };
  env
    .fromGenerator<number>((i) => i, { count: N, ...(rate ? { ratePerSecond: rate } : {}) })
    .name("Numbers")
    .keyBy(() => "all")
    .map((x) => ({ n: 1, x }))
    .name("Ones")
    .keyBy(() => "all")
    .reduce((a, b) => ({ n: a.n + b.n, x: b.x }))
    .name("Count")
    .forEach((v) => {
      seen.last = v.n;
      seen.records++;
    }, "Last");
  return { env, seen };
}

async function call(
  d: Dashboard,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(new URL(path, d.url), init);
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined, headers: r.headers };
}

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

function serve(client: JobClient, name: string, extra: Partial<Parameters<typeof startDashboard>[0]> = {}) {
  return startDashboard({
    jobName: name,
    snapshot: () => client.snapshot(),
    plan: client.plan!(),
    result: client.result,
    port: 0,
    controls: {
      savepoint: (target, stop) => {
        const dir = join(target ?? mkdtempSync(join(tmpdir(), "fleuve-dash-sp-")), `sp-${Date.now()}`);
        return stop ? client.stopWithSavepoint(dir) : client.triggerSavepoint(dir);
      },
      cancel: () => client.cancel(),
    },
    ...extra,
  });
}

test("the API reads a running job; a savepoint taken through it restores to the same count as an uninterrupted run", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-dash-api-"));
  const { env } = countingJob(join(dir, "cp"), 200);
  const client = env.executeAsync("counting");
  const d = await serve(client, "counting");
  try {
    const job = await call(d, "/api/job");
    assert.equal(job.status, 200);
    assert.equal(job.body.name, "counting");
    assert.equal(job.body.state, "RUNNING");
    assert.deepEqual(job.body.controls, { savepoint: true, stop: true, cancel: true });

    // The graph: every operator of the plan, laid out left to right along the edges.
    const graph = await call(d, "/api/graph");
    assert.equal(graph.status, 200);
    assert.equal(graph.body.edgesKnown, true);
    assert.deepEqual(
      graph.body.nodes.map((n: { name: string }) => n.name),
      client.plan!().nodes.map((n) => n.name),
    );
    for (const e of graph.body.edges) {
      const s = graph.body.nodes.find((n: { id: number }) => n.id === e.source);
      const t = graph.body.nodes.find((n: { id: number }) => n.id === e.target);
      assert.ok(s.x < t.x, `${s.name} is left of ${t.name}`);
    }
    // Rates appear once two samples were taken while records flow.
    await waitFor("a rate on the source", async () => {
      const g = await call(d, "/api/graph");
      const src = g.body.nodes.find((n: { name: string }) => n.name === "Numbers");
      return src.recordsOutPerSecond > 0 ? true : undefined;
    });
    const metrics = await call(d, "/api/metrics");
    assert.equal(metrics.status, 200);
    assert.ok(metrics.body.series.t.length >= 2);
    assert.ok(metrics.body.series.sourceOut.some((v: number) => v > 0));
    assert.ok(metrics.body.operators.some((o: { operatorName: string }) => o.operatorName === "Count"));
    const wm = await call(d, "/api/watermarks");
    assert.equal(wm.status, 200);
    assert.deepEqual(
      wm.body.sources.map((s: { operator: string; subtask: number }) => `${s.operator}/${s.subtask}`),
      ["Numbers/0"],
    );
    // Checkpoints every 200 ms: the history fills from the job's own counts.
    const cps = await waitFor("a completed checkpoint in the history", async () => {
      const c = await call(d, "/api/checkpoints");
      return c.body.history.some((h: { status: string }) => h.status === "COMPLETED") ? c.body : undefined;
    });
    const first = cps.history.find((h: { kind: string }) => h.kind === "checkpoint");
    assert.ok(first.subtasks.length > 0, "per-subtask detail");
    assert.equal((await call(d, "/api/exceptions")).body.restarts, 0);
    assert.equal((await call(d, "/api/group")).body.group, null);

    // Bad requests: 4xx with a message.
    const notFound = await call(d, "/api/nope");
    assert.equal(notFound.status, 404);
    assert.match(notFound.body.error, /no such API path '\/api\/nope'/);
    assert.equal((await call(d, "/api/savepoints")).status, 405);
    assert.equal((await call(d, "/api/job", json({}))).status, 405);
    const noType = await call(d, "/api/savepoints", { method: "POST", body: "{}" });
    assert.equal(noType.status, 415);
    assert.match(noType.body.error, /Content-Type: application\/json/);
    const badJson = await call(d, "/api/savepoints", { ...json({}), body: "{not json" });
    assert.equal(badJson.status, 400);
    assert.match(badJson.body.error, /body is not JSON/);
    const badField = await call(d, "/api/savepoints", json({ targetDirectory: 3 }));
    assert.equal(badField.status, 400);
    assert.match(badField.body.error, /'targetDirectory' must be a non-empty string/);
    const unknown = await call(d, "/api/cancel", json({ force: true }));
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error, /unknown field 'force'/);

    // The savepoint control writes a savepoint.
    const target = join(dir, "savepoints");
    const sp = await call(d, "/api/savepoints", json({ targetDirectory: target }));
    assert.equal(sp.status, 200, JSON.stringify(sp.body));
    assert.ok(sp.body.path.startsWith(target));
    assert.ok(existsSync(join(sp.body.path, "_metadata")), "the savepoint's metadata is written");
    const history = (await call(d, "/api/checkpoints")).body.history;
    assert.ok(
      history.some((h: { kind: string; path?: string }) => h.kind === "savepoint" && h.path === sp.body.path),
    );
    const taken = client.snapshot().operators.find((o) => o.operatorName === "Numbers")!.recordsOut;
    assert.ok(taken < N, "the savepoint was taken while the job ran");

    client.cancel();
    await assert.rejects(client.result, (e: unknown) => isFleuveError(e, "FLEUVE_JOB_CANCELLED"));
    await waitFor("state CANCELED", async () =>
      (await call(d, "/api/job")).body.state === "CANCELED" ? true : undefined,
    );
    const late = await call(d, "/api/savepoints", json({}));
    assert.equal(late.status, 409);
    assert.match(late.body.error, /the job is CANCELED/);

    // Restored from it, a job goes on from the savepoint: the final count is N, as without a stop,
    // and its source emits only the records after the savepoint's position.
    const restored = countingJob(join(dir, "cp2"), undefined, sp.body.path);
    const r = restored.env.executeAsync("counting");
    await r.result;
    assert.equal(restored.seen.last, N);
    const emitted = r.snapshot().operators.find((o) => o.operatorName === "Numbers")!.recordsOut;
    assert.ok(emitted < N, `restored source emitted ${emitted} < ${N}`);
  } finally {
    client.cancel();
    await client.result.catch(() => {});
    await d.close();
  }
});

test("the API gives each source partition's watermark and a restart with its failure's cause", {
  timeout: 600_000,
}, async () => {
  const client = startSplitJob(mkdtempSync(join(tmpdir(), "fleuve-dash-split-")));
  const d = await serve(client, "split-job");
  try {
    // The restart: its entry carries the failure's message, code, stack and the restart's delay.
    const exc = await waitFor("a restart with its cause", async () => {
      const e = (await call(d, "/api/exceptions")).body;
      return e.entries.some((x: { kind: string }) => x.kind === "restart") ? e : undefined;
    });
    assert.equal(exc.restarts, 1);
    const restart = exc.entries.find((x: { kind: string }) => x.kind === "restart");
    assert.ok(restart.message.includes(FAILURE), restart.message);
    assert.match(restart.stack, /boom once/);
    assert.equal(restart.restart, 1);
    assert.equal(restart.restartDelayMs, 100);
    assert.deepEqual(exc.restartCauses, { [restart.code]: 1 });

    // Per partition: the fast split's watermark is ahead of the slow one's, and the subtask's is
    // the slower (the minimum over its active splits), in one snapshot.
    const wm = await waitFor("both splits with watermarks past the restart", async () => {
      const w = (await call(d, "/api/watermarks")).body;
      const [fast, slow] = ["fast", "slow"].map((id) =>
        w.partitions.find((p: { split: string }) => p.split === id),
      );
      return fast?.watermark > 1_000_000 + 700 && slow?.watermark > 1_000_000 + 350 ? w : undefined;
    });
    const [fast, slow] = ["fast", "slow"].map((id) =>
      wm.partitions.find((p: { split: string }) => p.split === id),
    );
    assert.deepEqual(
      wm.partitions.map((p: { operator: string; subtask: number }) => `${p.operator}/${p.subtask}`),
      ["Two splits/0", "Two splits/0"],
    );
    assert.ok(fast.watermark > slow.watermark, `${fast.watermark} > ${slow.watermark}`);
    assert.equal(wm.sources[0].watermark, slow.watermark);
    assert.equal(fast.idle, false);
    assert.equal(slow.lagMs, wm.now - slow.watermark);
  } finally {
    client.cancel();
    await client.result.catch(() => {});
    await d.close();
  }
});

test("a group's units are listed with the process that runs them", () => {
  const view = {
    group: "g",
    units: ["src-0", "src-1", "count-0"],
    running: ["src-1"],
    members: [
      { clientId: "fleuve-g-member-h-11", host: "/127.0.0.1", units: ["src-0", "count-0"] },
      { clientId: "fleuve-g-member-h-22", host: "/127.0.0.1", units: ["src-1"] },
    ],
    unitTasks: [
      { unit: "src-0", subtask: 0, operators: ["src", "parse"] },
      { unit: "src-1", subtask: 1, operators: ["src", "parse"] },
      { unit: "count-0", subtask: 0, operators: ["count"] },
      { unit: "count-1", subtask: 1, operators: ["count"] },
    ],
  };
  assert.deepEqual(
    unitAssignments(view).map((a) => [a.unit, a.here, a.owner]),
    [
      ["src-0", false, "fleuve-g-member-h-11"],
      ["src-1", true, "fleuve-g-member-h-22"],
      ["count-0", false, "fleuve-g-member-h-11"],
      ["count-1", false, null],
    ],
  );
  assert.deepEqual(unitAssignments({ group: "g", units: [], running: [] }), []);
});

test("stop-with-savepoint through the API ends the job with its savepoint; cancel cancels", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-dash-stop-"));
  {
    const { env } = countingJob(join(dir, "cp"), 100);
    const client = env.executeAsync("stopping");
    const d = await serve(client, "stopping");
    try {
      await waitFor("records", () => (client.snapshot().job.checkpointsCompleted > 0 ? true : undefined));
      const stop = await call(d, "/api/stop", json({ targetDirectory: join(dir, "sp") }));
      assert.equal(stop.status, 200, JSON.stringify(stop.body));
      assert.equal(stop.body.state, "FINISHED");
      assert.ok(existsSync(join(stop.body.path, "_metadata")));
      await client.result; // resolves: a stop is not a failure
      assert.equal((await call(d, "/api/job")).body.state, "FINISHED");
      assert.equal((await call(d, "/api/cancel", json({}))).status, 409);
    } finally {
      await d.close();
    }
  }
  {
    const { env } = countingJob(join(dir, "cp3"), 100);
    const client = env.executeAsync("cancelling");
    const d = await serve(client, "cancelling");
    try {
      const c = await call(d, "/api/cancel", json({}));
      assert.equal(c.status, 202);
      await assert.rejects(client.result, (e: unknown) => isFleuveError(e, "FLEUVE_JOB_CANCELLED"));
      await waitFor("state CANCELED", async () =>
        (await call(d, "/api/job")).body.state === "CANCELED" ? true : undefined,
      );
    } finally {
      client.cancel();
      await client.result.catch(() => {});
      await d.close();
    }
  }
});

test("a token guards every request; beyond loopback it is required", { timeout: 300_000 }, async () => {
  await assert.rejects(
    startDashboard({
      jobName: "x",
      snapshot: () => ({ job: {} as never, operators: [] }),
      host: "0.0.0.0",
      port: 0,
    }),
    (e: unknown) => isFleuveError(e, "FLEUVE_CONFIG_INVALID") && /needs a token/.test(String(e)),
  );
  const dir = mkdtempSync(join(tmpdir(), "fleuve-dash-token-"));
  const { env } = countingJob(join(dir, "cp"), 100);
  const client = env.executeAsync("guarded");
  const d = await serve(client, "guarded", { token: "s3cret" });
  try {
    for (const path of ["/", "/app.js", "/api/job"]) {
      const r = await fetch(new URL(path, d.url));
      assert.equal(r.status, 401, path);
    }
    const wrong = await call(d, "/api/cancel", {
      ...json({}),
      headers: { "content-type": "application/json", authorization: "Bearer nope" },
    });
    assert.equal(wrong.status, 401);
    const ok = await call(d, "/api/job", { headers: { authorization: "Bearer s3cret" } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.state, "RUNNING");
    // A browser opens /?token=... once: a cookie then carries it.
    const login = await fetch(new URL("/?token=s3cret", d.url), { redirect: "manual" });
    assert.equal(login.status, 303);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const page = await fetch(new URL("/", d.url), { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Fleuve dashboard<\/title>/);
    const wrongLogin = await fetch(new URL("/?token=nope", d.url), { redirect: "manual" });
    assert.equal(wrongLogin.status, 401);
  } finally {
    client.cancel();
    await client.result.catch(() => {});
    await d.close();
  }
});

test("a taken port fails with a message naming it", async () => {
  const a = await startDashboard({
    jobName: "a",
    snapshot: () => ({ job: {} as never, operators: [] }),
    port: 0,
  });
  try {
    await assert.rejects(
      startDashboard({ jobName: "b", snapshot: () => ({ job: {} as never, operators: [] }), port: a.port }),
      (e: unknown) =>
        isFleuveError(e, "FLEUVE_CONFIG_INVALID") &&
        new RegExp(`port ${a.port} .* is in use`).test(String(e)),
    );
  } finally {
    await a.close();
  }
});

test("the page's icon is served, and /favicon.ico too (a first load asks for nothing that is missing)", async () => {
  const d = await startDashboard({
    jobName: "icon",
    snapshot: () => ({ job: {} as never, operators: [] }),
    port: 0,
  });
  try {
    const page = await (await fetch(new URL("/", d.url))).text();
    const declared = /<link rel="icon" href="([^"]+)"/.exec(page)?.[1];
    assert.ok(declared, "the page declares its icon");
    for (const path of [declared, "/favicon.ico"]) {
      const r = await fetch(new URL(path, d.url));
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("content-type"), "image/svg+xml", path);
      assert.match(await r.text(), /^<svg /, path);
    }
  } finally {
    await d.close();
  }
});
