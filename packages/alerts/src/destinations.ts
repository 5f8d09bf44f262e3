/**
 * Where alerts go. Each destination is an ordinary core sink, so `alerts.sinkTo(...)` works; a
 * topic is the existing `logSink` of @fleuve/log or `kafkaSink` of @fleuve/kafka given
 * {@link alertRecord}'s options (this package depends on neither: the topic sinks take the same
 * `serializer` and `key` options).
 */
import {
  FleuveError,
  type LogFunction,
  type PreCommitSinkWriter,
  type Sink,
  type TwoPhaseCommitSink,
} from "@fleuve/core";
import type { Alert } from "./rules.js";

/** One line for an alert, the same in every log: `ALERT spike cpu at 2024-...: 97 (expected 40, score 8.1, rule anomaly)`. */
export function formatAlert(a: Alert): string {
  const r = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(4));
  return `ALERT ${a.kind} ${a.series} at ${new Date(a.time).toISOString()}: ${r(a.value)} (expected ${r(a.expected)}, score ${r(a.score)}, rule ${a.rule})`;
}

/** The fields of an alert as JSON, in a fixed order; a number that is not finite is `null`. */
function alertJson(a: Alert): string {
  const n = (x: number) => (Number.isFinite(x) ? x : null);
  return JSON.stringify({
    series: a.series,
    rule: a.rule,
    kind: a.kind,
    time: a.time,
    value: n(a.value),
    expected: n(a.expected),
    score: n(a.score),
  });
}

/**
 * Record options for a topic of alerts, to spread into `logSink` (@fleuve/log) or `kafkaSink`
 * (@fleuve/kafka): the value is the alert as JSON, always the same fields in the same order
 * (`{"series","rule","kind","time","value","expected","score"}`, `time` in ms since the epoch), and
 * the key is the series, so one series' alerts stay in one partition, in order. The record's
 * timestamp is the alert's (the event time of the point that raised it).
 *
 * ```ts
 * alerts.sinkTo(kafkaSink({ bootstrap: "127.0.0.1:9092", topic: "alerts", ...alertRecord }));
 * ```
 */
export const alertRecord: {
  readonly serializer: (alert: Alert) => string;
  readonly key: (alert: Alert) => string;
} = { serializer: alertJson, key: (a) => a.series };

/**
 * Writes each alert as a warning line through a core {@link LogFunction} (e.g. the pino logger of
 * @fleuve/metrics, or `(line) => console.log(line)`), with `package: "alerts"`.
 */
export function alertLogSink(log: LogFunction): Sink<Alert> {
  return {
    createWriter: () => ({ write: (a) => log(formatAlert(a), { level: "warn", package: "alerts" }) }),
  };
}

/** Options of {@link webhookSink}. */
export interface WebhookOptions {
  /** Where to POST each alert as JSON. */
  readonly url: string;
  /** Extra request headers (e.g. an authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Attempts after the first for a failed POST (network error or 5xx/429; default 3). */
  readonly retries?: number;
  /** Wait before the first retry, doubled after each (ms, default 200). */
  readonly backoffMs?: number;
  /** Timeout of one attempt (ms, default 10,000). */
  readonly timeoutMs?: number;
  /** POSTs in flight per subtask before the sink holds its input back (default 16). */
  readonly maxInFlight?: number;
}

async function post(
  o: Required<Omit<WebhookOptions, "headers">> & WebhookOptions,
  body: string,
): Promise<void> {
  let wait = o.backoffMs;
  let lastError = "";
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (attempt > 0) {
      await new Promise((r) => setTimeout(r, wait));
      wait *= 2;
    }
    try {
      const res = await fetch(o.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...o.headers },
        body,
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      await res.arrayBuffer();
      if (res.ok) return;
      lastError = `HTTP ${res.status}`;
      // A client error other than 429 will not pass by retrying.
      if (res.status < 500 && res.status !== 429) break;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
  }
  throw new FleuveError("FLEUVE_SINK_FAILED", `webhook ${o.url}: could not deliver an alert (${lastError})`, {
    details: { url: o.url },
  });
}

/**
 * POSTs each alert as JSON (the shape of {@link alertRecord}) to a webhook, retrying failures with exponential backoff. At least
 * once: a checkpoint completes only when every alert before it was delivered, and the end of the
 * input waits for the last ones. An alert that still fails after the retries fails the job
 * (restart policy applies), naming the URL.
 */
export function webhookSink(options: WebhookOptions): Sink<Alert> {
  try {
    new URL(options.url);
  } catch {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `webhook option 'url' is not a URL: ${JSON.stringify(options.url)}`,
      {
        details: { option: "url" },
      },
    );
  }
  const o = { retries: 3, backoffMs: 200, timeoutMs: 10_000, maxInFlight: 16, ...options };
  for (const k of ["retries", "backoffMs", "timeoutMs", "maxInFlight"] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 0)
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `webhook option '${k}' must be an integer >= 0, got ${o[k]}`,
        {
          details: { option: k },
        },
      );
  }
  const writers = new Set<{ drained(): Promise<void> }>();
  const sink: TwoPhaseCommitSink<Alert, never> = {
    needsCheckpoints: false,
    createWriter() {
      const inFlight = new Set<Promise<void>>();
      let failure: unknown;
      const drained = async () => {
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        if (failure !== undefined) throw failure;
      };
      const w: PreCommitSinkWriter<Alert, never> = {
        write(a) {
          if (failure !== undefined) throw failure;
          const p: Promise<void> = post(o, alertJson(a)).then(
            () => {
              inFlight.delete(p);
            },
            (e) => {
              inFlight.delete(p);
              failure ??= e;
            },
          );
          inFlight.add(p);
        },
        ready() {
          if (inFlight.size < Math.max(1, o.maxInFlight)) return undefined;
          return Promise.race(inFlight);
        },
        prepareCommit: () => [],
        prepared: drained,
      };
      writers.add({ drained });
      return w;
    },
    // Nothing to commit: the end of the input (and each checkpoint, through `prepared`) waits here
    // for every POST in flight.
    async commit() {
      for (const w of writers) await w.drained();
    },
  };
  return sink;
}
