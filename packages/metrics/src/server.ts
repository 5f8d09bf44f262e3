/**
 * A Prometheus endpoint for a running job: `GET /metrics` over Node's http server, bound to
 * 127.0.0.1 by default (port 9249, as Flink's PrometheusReporter). Binding beyond loopback needs a
 * bearer token, which every scrape must then send (`authorization` in a Prometheus scrape config).
 * A timer samples the job's metrics once a second so that the Flink mode's per-second rates cover
 * a window of up to 60 s (Flink's meters); the job's hot path does nothing for the reporter.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FleuveError, type MetricsSnapshot, type OperatorMetricsSnapshot } from "@fleuve/core";
import { formatPrometheus, type NamingMode, type RateCounter, type Rates } from "./prometheus.js";

/** Flink's PrometheusReporter default port. */
export const DEFAULT_METRICS_PORT = 9249;

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** Where the metrics come from: e.g. a job client's or a group worker's `snapshot`. */
  readonly snapshot: () => MetricsSnapshot;
  /** The job's name (label `job_name`). */
  readonly jobName: string;
  /** Port (default {@link DEFAULT_METRICS_PORT}); 0 picks a free one (see {@link MetricsServer.port}). */
  readonly port?: number;
  /** Address to bind (default 127.0.0.1). Anything but loopback needs {@link token}. */
  readonly host?: string;
  /** Bearer token every request must carry (`Authorization: Bearer <token>`). */
  readonly token?: string;
  /** Metric names: `native` (default) or `flink` (Flink's PrometheusReporter names and labels). */
  readonly naming?: NamingMode;
  /** Window of the per-second rates (ms, default 60000, Flink's meter window). */
  readonly rateWindowMs?: number;
}

/** A running metrics endpoint. */
export interface MetricsServer {
  /** The port it listens on. */
  readonly port: number;
  /** `http://host:port/metrics`. */
  readonly url: string;
  /** The exposition a scrape gets now. */
  render(): string;
  /** Stops listening and sampling. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** Per-second rates of counters between the oldest sample of the window and now. */
export class RateWindow implements Rates {
  private readonly samples: { at: number; byKey: Map<string, OperatorMetricsSnapshot> }[] = [];
  constructor(private readonly windowMs = 60_000) {}

  /** Records a sample taken at `at` (ms); drops samples older than the window. */
  add(snapshot: MetricsSnapshot, at: number): void {
    const byKey = new Map<string, OperatorMetricsSnapshot>();
    for (const o of snapshot.operators) byKey.set(keyOf(o), o);
    this.samples.push({ at, byKey });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= this.windowMs) this.samples.shift();
  }

  /** Rates of `now` (taken at `at`) against the oldest sample. */
  against(at: number): Rates {
    const oldest = this.samples[0];
    return {
      rate: (o, c) => {
        if (!oldest || at - oldest.at <= 0) return 0;
        const before = oldest.byKey.get(keyOf(o));
        if (!before) return 0;
        const d = counterValue(o, c) - counterValue(before, c);
        return d > 0 ? d / ((at - oldest.at) / 1000) : 0;
      },
    };
  }

  rate(o: OperatorMetricsSnapshot, c: RateCounter): number {
    return this.against(performance.now()).rate(o, c);
  }
}

function keyOf(o: OperatorMetricsSnapshot): string {
  return `${o.operatorId}\u0000${o.subtaskIndex}`;
}

function counterValue(o: OperatorMetricsSnapshot, c: RateCounter): number {
  if (c.startsWith("meter:")) return o.user.meters[c.slice(6)] ?? 0;
  return o[c as Exclude<RateCounter, `meter:${string}`>];
}

/**
 * Serves `GET /metrics` for a job. Fails with FLEUVE_CONFIG_INVALID for a non-loopback host
 * without a token, a bad port or naming mode, and when the port is taken.
 */
export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const host = o.host ?? "127.0.0.1";
  const port = o.port ?? DEFAULT_METRICS_PORT;
  const naming = o.naming ?? "native";
  if (naming !== "native" && naming !== "flink")
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `metrics naming must be 'native' or 'flink', got '${String(naming)}'`,
    );
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `metrics port must be an integer from 0 to 65535, got ${port}`,
    );
  if (!LOOPBACK.has(host) && !o.token)
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `metrics endpoint: binding to '${host}' (beyond 127.0.0.1) needs a token (every scrape then sends 'Authorization: Bearer <token>')`,
    );
  const rates = new RateWindow(o.rateWindowMs);
  const sample = () => {
    try {
      rates.add(o.snapshot(), performance.now());
    } catch {
      // a job that ended keeps its last samples
    }
  };
  sample();
  const timer = setInterval(sample, 1000);
  timer.unref();
  const render = () => {
    const snapshot = o.snapshot();
    return formatPrometheus(
      { snapshot, jobName: o.jobName, rates: rates.against(performance.now()) },
      naming,
    );
  };
  const expected = o.token === undefined ? undefined : `Bearer ${o.token}`;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (expected !== undefined && req.headers.authorization !== expected) {
      res
        .writeHead(401, { "content-type": "text/plain", "www-authenticate": "Bearer" })
        .end("unauthorized\n");
      return;
    }
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
      return;
    }
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: the metrics are at /metrics\n");
      return;
    }
    let body: string;
    try {
      body = render();
    } catch (e) {
      res
        .writeHead(500, { "content-type": "text/plain" })
        .end(`could not read the metrics: ${(e as Error).message}\n`);
      return;
    }
    res
      .writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" })
      .end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      clearInterval(timer);
      reject(
        new FleuveError(
          "FLEUVE_CONFIG_INVALID",
          e.code === "EADDRINUSE"
            ? `metrics endpoint: port ${port} on ${host} is in use; pick another port (--metrics-port) or turn the endpoint off`
            : `metrics endpoint: cannot listen on ${host}:${port}: ${e.message}`,
          { cause: e },
        ),
      );
    });
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    port: bound,
    url: `http://${shown}:${bound}/metrics`,
    render,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
