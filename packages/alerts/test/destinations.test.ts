import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { type Alert, alertLogSink, formatAlert, webhookSink } from "@fleuve/alerts";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";

const alerts: Alert[] = Array.from({ length: 20 }, (_, i) => ({
  series: `s${i % 3}`,
  time: 1_700_000_000_000 + i * 60_000,
  value: 100 + i,
  expected: 50,
  score: 7.5,
  rule: "anomaly",
  kind: "spike",
}));

/** A local webhook: `answer` decides each request's status; bodies of 2xx answers are kept. */
async function hook(answer: (n: number, body: Alert) => number) {
  const received: Alert[] = [];
  let n = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const alert = JSON.parse(body) as Alert;
      const status = answer(n++, alert);
      if (status < 300) received.push(alert);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, requests: () => n, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test("the webhook gets every alert once, failed POSTs retried until they pass", async () => {
  // The first POST of every other alert fails with 503; its retry passes.
  const failedOnce = new Set<number>();
  const h = await hook((_n, a) => {
    if ((a.value - 100) % 2 === 0 && !failedOnce.has(a.time)) {
      failedOnce.add(a.time);
      return 503;
    }
    return 200;
  });
  try {
    const env = StreamExecutionEnvironment.create();
    env.fromCollection(alerts).sinkTo(webhookSink({ url: h.url, backoffMs: 1 }), "webhook");
    await env.execute("webhook-test");
    const key = (a: Alert) => `${a.series}@${a.time}`;
    assert.deepEqual(h.received.map(key).sort(), alerts.map(key).sort());
    assert.equal(h.requests(), alerts.length + alerts.length / 2);
  } finally {
    await h.close();
  }
});

test("a webhook that refuses an alert fails the job, naming the URL and the status", async () => {
  const h = await hook(() => 400);
  try {
    const env = StreamExecutionEnvironment.create();
    env.fromCollection(alerts.slice(0, 1)).sinkTo(webhookSink({ url: h.url, backoffMs: 1 }), "webhook");
    await assert.rejects(env.execute("webhook-refused"), (e: unknown) => {
      const text = `${e instanceof Error ? e.message : e} ${e instanceof Error && e.cause instanceof Error ? e.cause.message : ""}`;
      assert.ok(text.includes(h.url) && text.includes("HTTP 400"), text);
      return true;
    });
    // A 4xx other than 429 is not retried.
    assert.equal(h.requests(), 1);
  } finally {
    await h.close();
  }
});

test("webhook options are checked when the job is built", () => {
  assert.throws(
    () => webhookSink({ url: "not a url" }),
    (e: unknown) => e instanceof FleuveError && e.details.option === "url",
  );
  assert.throws(
    () => webhookSink({ url: "http://127.0.0.1:1/", retries: -1 }),
    (e: unknown) => e instanceof FleuveError && e.details.option === "retries",
  );
});

test("the log destination writes one warning line per alert", async () => {
  const lines: [string, unknown][] = [];
  const env = StreamExecutionEnvironment.create();
  env.fromCollection(alerts.slice(0, 2)).sinkTo(alertLogSink((line, fields) => lines.push([line, fields])));
  await env.execute("log-test");
  assert.deepEqual(lines, [
    [formatAlert(alerts[0] as Alert), { level: "warn", package: "alerts" }],
    [formatAlert(alerts[1] as Alert), { level: "warn", package: "alerts" }],
  ]);
  assert.equal(
    formatAlert(alerts[0] as Alert),
    "ALERT spike s0 at 2023-11-14T22:13:20.000Z: 100 (expected 50, score 7.500, rule anomaly)",
  );
});
