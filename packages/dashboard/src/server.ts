/**
 * The dashboard's HTTP server: the page (`/`, `ui/` files and uPlot from its npm package, nothing
 * from a CDN) and the JSON REST API under `/api`, bound to 127.0.0.1:8081 by default (Flink's web
 * UI port). Beyond loopback a token is required on every request: `Authorization: Bearer <token>`,
 * or the cookie `/?token=<token>` sets for a browser. Job controls are POSTs with a JSON body
 * (`Content-Type: application/json`), which a web page of another origin cannot send without a
 * CORS preflight this server never grants, so a page open in the same browser cannot press them.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FleuveError, type JobPlan, MAX_STACK_CHARS, type MetricsSnapshot } from "@fleuve/core";
import { JobWatch } from "./job-watch.js";
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH } from "./layout.js";

/** Flink's web UI port. */
export const DEFAULT_DASHBOARD_PORT = 8081;

/** Where a `--group` job's units run, as the dashboard shows it. */
export interface GroupView {
  readonly group: string;
  /** Every unit of the job. */
  readonly units: readonly string[];
  /** Units this process runs. */
  readonly running: readonly string[];
  /** The group's processes and their units (Kafka's consumer group description), when it answered. */
  readonly members?: readonly { clientId: string; host: string; units: readonly string[] }[];
  /** Why `members` is missing. */
  readonly membersError?: string;
  /**
   * Each unit's subtask and the uids of the operators it runs: with it, `/api/group` lists the
   * owner of every unit (`assignments`) and the page writes them on the graph's operators.
   */
  readonly unitTasks?: readonly { unit: string; subtask: number; operators: readonly string[] }[];
}

/** A unit of a `--group` job and the process that runs it, as `/api/group` lists them. */
export interface UnitAssignment {
  readonly unit: string;
  readonly subtask: number;
  /** Uids of the operators the unit runs (graph nodes). */
  readonly operators: readonly string[];
  /** True when this process runs it. */
  readonly here: boolean;
  /** The client id of the process Kafka assigned it to; null when unknown or unassigned. */
  readonly owner: string | null;
}

/** The owner of every unit of `view` (empty without `unitTasks`). */
export function unitAssignments(view: GroupView): UnitAssignment[] {
  const running = new Set(view.running);
  const ownerOf = new Map<string, string>();
  for (const m of view.members ?? []) for (const u of m.units) ownerOf.set(u, m.clientId);
  return (view.unitTasks ?? []).map((t) => ({
    unit: t.unit,
    subtask: t.subtask,
    operators: t.operators,
    here: running.has(t.unit),
    owner: ownerOf.get(t.unit) ?? null,
  }));
}

/** What the dashboard may do to the job; a missing control answers 405 with the reason. */
export interface DashboardControls {
  /**
   * Takes a savepoint into a new folder inside `targetDirectory` (the deployment's default place
   * when undefined) and resolves with the folder; with `stop`, the job stops once it is written.
   */
  savepoint?(targetDirectory: string | undefined, stop: boolean): Promise<string>;
  /** Cancels the job. */
  cancel?(): void;
  /** Why a control is missing (shown in the 405's message), e.g. for a group job. */
  readonly cancelUnavailable?: string;
}

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  readonly jobName: string;
  /** The job's metrics (a job client's or a group worker's `snapshot`). */
  readonly snapshot: () => MetricsSnapshot;
  /** The job's graph (a job client's `plan()`); without it the page lists operators without edges. */
  readonly plan?: JobPlan;
  /** Resolves when the job ends, rejects when it fails: the dashboard shows its state. */
  readonly result?: Promise<unknown>;
  readonly controls?: DashboardControls;
  /** For `--group` jobs: which process runs which unit. */
  readonly group?: () => Promise<GroupView>;
  /** Port (default {@link DEFAULT_DASHBOARD_PORT}); 0 picks a free one. */
  readonly port?: number;
  /** Address (default 127.0.0.1); anything else needs {@link token}. */
  readonly host?: string;
  readonly token?: string;
  /** Sampling interval of rates, charts and histories (ms, default 1000). */
  readonly sampleIntervalMs?: number;
}

/** A running dashboard. */
export interface Dashboard {
  readonly port: number;
  /** `http://host:port/`. */
  readonly url: string;
  /** The sampled history (for tests and embedding). */
  readonly watch: JobWatch;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
const MAX_BODY = 64 * 1024;
const UI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../ui");
const STATIC: Record<string, { file: () => string; type: string }> = {
  "/": { file: () => join(UI_DIR, "index.html"), type: "text/html; charset=utf-8" },
  "/app.js": { file: () => join(UI_DIR, "app.js"), type: "text/javascript; charset=utf-8" },
  "/alerts.js": { file: () => join(UI_DIR, "alerts.js"), type: "text/javascript; charset=utf-8" },
  "/style.css": { file: () => join(UI_DIR, "style.css"), type: "text/css; charset=utf-8" },
  // the page declares it; /favicon.ico is what a browser asks for when a page declares none
  "/favicon.svg": { file: () => join(UI_DIR, "favicon.svg"), type: "image/svg+xml" },
  "/favicon.ico": { file: () => join(UI_DIR, "favicon.svg"), type: "image/svg+xml" },
  "/vendor/uPlot.esm.js": { file: () => uplotFile("uPlot.esm.js"), type: "text/javascript; charset=utf-8" },
  "/vendor/uPlot.min.css": { file: () => uplotFile("uPlot.min.css"), type: "text/css; charset=utf-8" },
};

function uplotFile(name: string): string {
  const main = createRequire(import.meta.url).resolve("uplot");
  return join(dirname(main), name);
}

/** An error answer: status and message. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

type JobState = "RUNNING" | "FINISHED" | "FAILED" | "CANCELED";

/**
 * Serves the dashboard of a job. Fails with FLEUVE_CONFIG_INVALID for a non-loopback host without
 * a token, a bad port, or a port in use.
 */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? "127.0.0.1";
  const port = o.port ?? DEFAULT_DASHBOARD_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `dashboard port must be an integer from 0 to 65535, got ${port}`,
    );
  if (!LOOPBACK.has(host) && !o.token)
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `dashboard: binding to '${host}' (beyond 127.0.0.1) needs a token (requests then send 'Authorization: Bearer <token>'; a browser opens /?token=<token> once)`,
    );
  const watch = new JobWatch(o.snapshot, o.plan);
  let state: JobState = "RUNNING";
  let endedAt: number | undefined;
  o.result?.then(
    () => {
      if (state === "RUNNING") state = "FINISHED";
      endedAt = Date.now();
      watch.sample();
    },
    (e: unknown) => {
      const code = (e as { code?: string })?.code;
      state = code === "FLEUVE_JOB_CANCELLED" ? "CANCELED" : "FAILED";
      endedAt = Date.now();
      watch.sample();
      const stack = (e as Error)?.stack;
      if (state === "FAILED")
        watch.addException({
          at: endedAt,
          kind: "failure",
          message: (e as Error)?.message ?? String(e),
          ...(code ? { code } : {}),
          ...(stack ? { stack: stack.slice(0, MAX_STACK_CHARS) } : {}),
        });
    },
  );
  watch.sample();
  const timer = setInterval(() => watch.sample(), o.sampleIntervalMs ?? 1000);
  timer.unref();
  let pending: string | undefined; // the control in progress: one at a time

  const api = async (req: IncomingMessage, path: string): Promise<[number, unknown]> => {
    const post = req.method === "POST";
    if (["/api/savepoints", "/api/stop", "/api/cancel"].includes(path)) {
      if (!post) throw new HttpError(405, `${path} takes POST`, { allow: "POST" });
      const body = await readJson(req);
      return control(path, body);
    }
    if (req.method !== "GET" && req.method !== "HEAD")
      throw new HttpError(405, `${path} takes GET`, { allow: "GET, HEAD" });
    switch (path) {
      case "/api":
      case "/api/":
        return [
          200,
          {
            endpoints: [
              "GET /api/job",
              "GET /api/graph",
              "GET /api/metrics",
              "GET /api/watermarks",
              "GET /api/checkpoints",
              "GET /api/exceptions",
              "GET /api/group",
              "GET /api/alerts",
              "POST /api/savepoints",
              "POST /api/stop",
              "POST /api/cancel",
            ],
          },
        ];
      case "/api/job":
        return [200, jobView()];
      case "/api/graph":
        return [200, graphView()];
      case "/api/metrics":
        return [200, metricsView()];
      case "/api/watermarks":
        return [200, watermarksView()];
      case "/api/checkpoints":
        return [200, { ...checkpointCounts(), history: watch.checkpoints }];
      case "/api/exceptions":
        return [
          200,
          {
            restarts: watch.current().job.restarts,
            // restarts by the error code of their failure
            restartCauses: watch.current().job.restartCauses ?? {},
            entries: watch.exceptions,
          },
        ];
      case "/api/alerts":
        return [200, watch.alerts.view(Date.now())];
      case "/api/group":
        if (!o.group)
          return [200, { group: null, reason: "not a --group job: every subtask runs in this process" }];
        {
          const view = await o.group();
          return [200, { ...view, assignments: unitAssignments(view) }];
        }
      default:
        throw new HttpError(404, `no such API path '${path}' (GET /api lists them)`);
    }
  };

  const control = async (path: string, body: Record<string, unknown>): Promise<[number, unknown]> => {
    const c = o.controls;
    if (state !== "RUNNING") throw new HttpError(409, `the job is ${state}: no controls apply`);
    if (path === "/api/cancel") {
      if (!c?.cancel)
        throw new HttpError(405, c?.cancelUnavailable ?? "this job cannot be cancelled from here");
      for (const k of Object.keys(body)) throw new HttpError(400, `unknown field '${k}' (cancel takes none)`);
      c.cancel();
      return [202, { state: "CANCELLING" }];
    }
    if (!c?.savepoint) throw new HttpError(405, "this job takes no savepoints from here");
    for (const k of Object.keys(body))
      if (k !== "targetDirectory") throw new HttpError(400, `unknown field '${k}' (takes 'targetDirectory')`);
    const target = body.targetDirectory;
    if (target !== undefined && (typeof target !== "string" || target === ""))
      throw new HttpError(400, "field 'targetDirectory' must be a non-empty string (a directory path)");
    if (pending) throw new HttpError(409, `a ${pending} is in progress; try again when it ends`);
    const stop = path === "/api/stop";
    pending = stop ? "stop-with-savepoint" : "savepoint";
    const started = Date.now();
    try {
      const folder = await c.savepoint(target as string | undefined, stop);
      watch.addCheckpoint({
        id: watch.checkpoints.filter((e) => e.kind === "savepoint").length + 1,
        kind: "savepoint",
        status: "COMPLETED",
        at: Date.now(),
        durationMs: Date.now() - started,
        path: folder,
        subtasks: [],
      });
      if (stop) state = "FINISHED";
      return [200, { path: folder, ...(stop ? { state: "FINISHED" } : {}) }];
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      const code = (e as { code?: string })?.code;
      watch.addCheckpoint({
        id: watch.checkpoints.filter((x) => x.kind === "savepoint").length + 1,
        kind: "savepoint",
        status: "FAILED",
        at: Date.now(),
        message,
        subtasks: [],
      });
      watch.addException({
        at: Date.now(),
        kind: "control",
        message: `${pending} failed: ${message}`,
        ...(code ? { code } : {}),
      });
      throw new HttpError(code === "FLEUVE_CONFIG_INVALID" ? 400 : 500, `${pending} failed: ${message}`);
    } finally {
      pending = undefined;
    }
  };

  const checkpointCounts = () => {
    const j = watch.current().job;
    return {
      completed: j.checkpointsCompleted,
      failed: j.checkpointsFailed,
      inProgress: j.checkpointsInProgress,
      lastDurationMs: j.lastCheckpointDurationMs,
      lastSizeBytes: j.lastCheckpointSizeBytes,
    };
  };

  const jobView = () => {
    const j = watch.current().job;
    return {
      name: o.jobName,
      state,
      startedAt: j.startedAt,
      uptimeMs: (endedAt ?? Date.now()) - j.startedAt,
      ...(endedAt ? { endedAt } : {}),
      restarts: j.restarts,
      checkpoints: checkpointCounts(),
      group: o.group !== undefined,
      process: watch.current().process ?? {},
      controls: {
        savepoint: o.controls?.savepoint !== undefined && state === "RUNNING",
        stop: o.controls?.savepoint !== undefined && state === "RUNNING",
        cancel: o.controls?.cancel !== undefined && state === "RUNNING",
      },
    };
  };

  const graphView = () => {
    const snap = watch.current();
    const plan: JobPlan = o.plan ?? planFromSnapshot(snap);
    const layout = layoutGraph(
      plan.nodes.map((n) => n.id),
      plan.edges,
    );
    const byUid = new Map<string, (typeof snap.operators)[number][]>();
    for (const op of snap.operators) {
      const l = byUid.get(op.operatorId) ?? [];
      l.push(op);
      byUid.set(op.operatorId, l);
    }
    return {
      edgesKnown: o.plan !== undefined,
      width: layout.width,
      height: layout.height,
      nodeWidth: NODE_WIDTH,
      nodeHeight: NODE_HEIGHT,
      nodes: plan.nodes.map((n, i) => {
        const rates = watch.ratesOf(n.uid);
        const subtasks = byUid.get(n.uid) ?? [];
        const sum = (f: (r: (typeof rates)[number]) => number) => rates.reduce((a, r) => a + f(r), 0);
        const max = (f: (r: (typeof rates)[number]) => number) =>
          rates.reduce((a, r) => Math.max(a, f(r)), 0);
        const backpressured = max((r) => r.backpressured);
        return {
          ...n,
          x: layout.nodes[i]!.x,
          y: layout.nodes[i]!.y,
          task: subtasks[0]?.taskName ?? n.name,
          recordsIn: subtasks.reduce((a, s) => a + s.recordsIn, 0),
          recordsOut: subtasks.reduce((a, s) => a + s.recordsOut, 0),
          recordsInPerSecond: sum((r) => r.recordsInPerSecond),
          recordsOutPerSecond: sum((r) => r.recordsOutPerSecond),
          busy: max((r) => r.busy),
          backpressured,
          // Flink's web UI levels: OK up to 10%, LOW up to 50%, HIGH above (of the worst subtask).
          backpressureLevel: backpressured > 0.5 ? "HIGH" : backpressured > 0.1 ? "LOW" : "OK",
          subtasks: rates,
        };
      }),
      edges: plan.edges.map((e, i) => ({ ...e, points: layout.edges[i]?.points ?? [] })),
    };
  };

  const metricsView = () => {
    const snap = watch.current();
    return {
      series: watch.series,
      job: snap.job,
      ...(snap.process ? { process: snap.process } : {}),
      operators: snap.operators.map((op) => ({
        ...op,
        rates: watch.ratesOf(op.operatorId).find((r) => r.subtask === op.subtaskIndex) ?? null,
      })),
    };
  };

  const watermarksView = () => {
    const snap = watch.current();
    const now = Date.now();
    const wm = (v: number) => (Number.isFinite(v) ? v : v > 0 ? "END" : null);
    const lag = (v: number) => (Number.isFinite(v) ? now - v : null);
    const sourceIds = new Set((o.plan?.nodes ?? []).filter((n) => n.kind === "source").map((n) => n.uid));
    const sources = snap.operators.filter((op) =>
      sourceIds.size > 0 ? sourceIds.has(op.operatorId) : op.chainHead && op.recordsIn === 0,
    );
    return {
      now,
      note: "per source subtask (the minimum of its active splits), and per split (partition) with its own watermark",
      sources: sources.map((op) => ({
        operator: op.operatorName,
        operatorId: op.operatorId,
        subtask: op.subtaskIndex,
        watermark: wm(op.currentOutputWatermark),
        lagMs: lag(op.currentOutputWatermark),
        // figures the source's reader gives per split (partition), e.g. recordsLag
        splits: op.splits ?? {},
      })),
      // One row per split (partition) of every source subtask: its own watermark, before the
      // subtask takes the minimum over its active splits (an idle split does not hold it back).
      partitions: sources.flatMap((op) =>
        Object.entries(op.splits ?? {}).map(([split, f]) => {
          const w = f.currentWatermark ?? Number.NEGATIVE_INFINITY;
          return {
            operator: op.operatorName,
            operatorId: op.operatorId,
            subtask: op.subtaskIndex,
            split,
            watermark: wm(w),
            lagMs: lag(w),
            idle: f.idle === undefined ? null : f.idle === 1,
            recordsLag: f.recordsLag ?? null,
          };
        }),
      ),
      operators: snap.operators.map((op) => ({
        operator: op.operatorName,
        operatorId: op.operatorId,
        subtask: op.subtaskIndex,
        inputWatermark: wm(op.currentInputWatermark),
        outputWatermark: wm(op.currentOutputWatermark),
        inputLagMs: lag(op.currentInputWatermark),
      })),
    };
  };

  const expected = o.token === undefined ? undefined : `Bearer ${o.token}`;
  const cookieName = `fleuve_dashboard_${randomBytes(4).toString("hex")}`;
  const authorized = (req: IncomingMessage): boolean => {
    if (expected === undefined) return true;
    if (req.headers.authorization === expected) return true;
    const cookies = (req.headers.cookie ?? "").split(";").map((c) => c.trim());
    return cookies.includes(`${cookieName}=${encodeURIComponent(o.token!)}`);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://dashboard");
    const path = url.pathname;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = `${JSON.stringify(body, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))}\n`;
      res
        .writeHead(status, {
          "content-type": "application/json; charset=utf-8",
          "cache-control": "no-store",
          ...headers,
        })
        .end(req.method === "HEAD" ? undefined : text);
    };
    // A browser opening /?token=... once gets a cookie, so the page's own requests need no header.
    if (expected !== undefined && path === "/" && url.searchParams.get("token") === o.token) {
      res
        .writeHead(303, {
          location: "/",
          "set-cookie": `${cookieName}=${encodeURIComponent(o.token!)}; HttpOnly; SameSite=Strict; Path=/`,
        })
        .end();
      return;
    }
    if (!authorized(req)) {
      send(
        401,
        { error: "unauthorized: send 'Authorization: Bearer <token>' (a browser: open /?token=<token>)" },
        {
          "www-authenticate": "Bearer",
        },
      );
      return;
    }
    if (path === "/api" || path.startsWith("/api/")) {
      api(req, path).then(
        ([status, body]) => send(status, body),
        (e: unknown) => {
          if (e instanceof HttpError) send(e.status, { error: e.message }, e.headers);
          else send(500, { error: (e as Error)?.message ?? String(e) });
        },
      );
      return;
    }
    const file = STATIC[path];
    if (!file) {
      res
        .writeHead(404, { "content-type": "text/plain" })
        .end("not found: the dashboard is at /, its API at /api\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
      return;
    }
    let content: Buffer;
    try {
      content = readFileSync(file.file());
    } catch (e) {
      res
        .writeHead(500, { "content-type": "text/plain" })
        .end(`cannot read ${path}: ${(e as Error).message}\n`);
      return;
    }
    res.writeHead(200, { "content-type": file.type }).end(req.method === "HEAD" ? undefined : content);
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      clearInterval(timer);
      reject(
        new FleuveError(
          "FLEUVE_CONFIG_INVALID",
          e.code === "EADDRINUSE"
            ? `dashboard: port ${port} on ${host} is in use; pick another port (--dashboard-port) or turn it off (--no-dashboard)`
            : `dashboard: cannot listen on ${host}:${port}: ${e.message}`,
          { cause: e },
        ),
      );
    });
    server.listen(port, host, () => resolvePromise());
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    port: bound,
    url: `http://${shown}:${bound}/`,
    watch,
    close: () =>
      new Promise<void>((r) => {
        clearInterval(timer);
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A JSON body of at most {@link MAX_BODY} bytes, as an object ({} when empty). */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json")
    throw new HttpError(
      415,
      "controls take a JSON body: send 'Content-Type: application/json' (e.g. the body {})",
    );
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `body larger than ${MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `body is not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new HttpError(400, "body must be a JSON object");
  return v as Record<string, unknown>;
}

/** Without a plan: one node per operator of the snapshot, no edges. */
function planFromSnapshot(snap: MetricsSnapshot): JobPlan {
  const seen = new Map<string, JobPlan["nodes"][number]>();
  for (const op of snap.operators) {
    const n = seen.get(op.operatorId);
    if (n) n.parallelism = Math.max(n.parallelism, op.subtaskIndex + 1);
    else
      seen.set(op.operatorId, {
        id: seen.size,
        name: op.operatorName,
        uid: op.operatorId,
        kind: "operator",
        parallelism: op.subtaskIndex + 1,
        keyed: false,
      });
  }
  return { nodes: [...seen.values()], edges: [] };
}
