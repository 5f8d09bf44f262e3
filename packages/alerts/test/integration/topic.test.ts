/**
 * Alerts to a topic through the existing topic sinks with `alertRecord`'s options: on the embedded
 * log (read back through a consumer group) and on the real broker (read back by kcat, an
 * independent client). Every record is the oracle's alert (the batch `evaluateSeries` of the same
 * points) as JSON in the fixed field order, keyed by its series, stamped with the alert's time, and
 * each series' alerts come in order within their partition.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type Alert,
  alertRecord,
  anomaly,
  detectAlerts,
  evaluateSeries,
  type Rule,
  rateOfChange,
  threshold,
} from "@fleuve/alerts";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { ensureReachable, KafkaClient, kafkaSink } from "@fleuve/kafka";
import { logSink, openLog } from "@fleuve/log";

const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const step = 10 * 60_000;
const start = Date.UTC(2026, 0, 5);

interface Point {
  region: string;
  at: number;
  count: number;
}

/** Two days of three regions, with a burst, an outage and a steep climb. */
function points(): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < 2 * 144; i++) {
    const at = start + i * step;
    const noise = (i * 37) % 11;
    out.push(
      { region: "eu", at, count: i === 200 ? 400 : 120 + noise },
      { region: "us", at, count: i >= 230 && i < 236 ? 3 : 80 + noise },
      { region: "apac", at, count: i >= 250 ? 60 + (i - 250) * 40 : 60 + noise },
    );
  }
  return out;
}

const rules = (): Rule[] => [
  threshold({ below: 10, name: "floor" }) as Rule,
  rateOfChange({ maxRise: 100, per: step, cooldown: 3_600_000 }) as Rule,
  // Two days of data: a one-day warm-up (the default is 3 days) leaves the second day to alert on.
  anomaly({ warmup: 86_400_000 }) as Rule,
];

/** The oracle: each series' alerts in order, as the topic's JSON values, by series. */
function expectedBySeries(): Map<string, string[]> {
  const by = new Map<string, string[]>();
  const all = points();
  for (const region of ["eu", "us", "apac"]) {
    const pts = all.filter((p) => p.region === region).map((p) => [p.at, p.count] as const);
    const alerts = evaluateSeries(region, pts, rules());
    if (alerts.length > 0) by.set(region, alerts.map(alertRecord.serializer));
  }
  return by;
}

function alertJob(sink: (alerts: ReturnType<typeof buildAlerts>) => void): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  sink(buildAlerts(env));
  return env;
}

function buildAlerts(env: StreamExecutionEnvironment) {
  return env
    .fromCollection(points(), {
      strategy: WatermarkStrategy.forBoundedOutOfOrderness<Point>(0).withTimestampAssigner((p) => p.at),
    })
    .keyBy((p) => p.region)
    .process(detectAlerts<Point, string>({ value: (p) => p.count, rules: rules() }));
}

test("the oracle raises alerts of every kind (the test can fail)", () => {
  const exp = expectedBySeries();
  const kinds = new Set([...exp.values()].flat().map((j) => (JSON.parse(j) as Alert).kind));
  assert.deepEqual([...kinds].sort(), ["drop", "level", "spike"]);
  assert.deepEqual([...exp.keys()].sort(), ["apac", "eu", "us"]);
});

test("alerts to a topic of the embedded log: the oracle's alerts as JSON, keyed by series, in order per series", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-alert-topic-"));
  const log = openLog({ dir });
  try {
    log.createTopic("alerts", { partitions: 2 });
    const env = alertJob((alerts) => alerts.sinkTo(logSink({ log, topic: "alerts", ...alertRecord })));
    await env.execute("alerts-to-log");
    const group = log.consumerGroup("reader");
    const got = new Map<string, string[]>();
    const partitionOf = new Map<string, number>();
    for (;;) {
      const batch = group.poll("alerts", { autoOffsetReset: "earliest" });
      if (batch.length === 0) break;
      for (const r of batch) {
        const key = r.key!.toString();
        const value = r.value!.toString();
        const alert = JSON.parse(value) as Alert;
        assert.equal(alert.series, key, "the key is the series");
        assert.equal(r.timestamp, alert.time, "the record's timestamp is the alert's time");
        assert.deepEqual(Object.keys(alert), [
          "series",
          "rule",
          "kind",
          "time",
          "value",
          "expected",
          "score",
        ]);
        assert.equal(partitionOf.get(key) ?? r.partition, r.partition, "one series, one partition");
        partitionOf.set(key, r.partition);
        got.set(key, [...(got.get(key) ?? []), value]);
      }
    }
    assert.deepEqual(got, expectedBySeries());
  } finally {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const reachable = await ensureReachable([BOOTSTRAP], "fleuve-alerts-test-probe").then(
  () => true,
  () => false,
);

// CI starts the broker: there a missing broker fails the test instead of skipping it.
const kafkaOptions = {
  skip: reachable || process.env.CI ? false : `no Kafka broker at ${BOOTSTRAP} (npm run services:up)`,
};

test(
  "alerts to a Kafka topic: kcat reads the oracle's alerts as JSON, keyed by series, in order per series",
  kafkaOptions,
  async () => {
    const topic = `alerts-${Date.now()}-${process.pid}`;
    const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
    try {
      // No time retention: the alerts' timestamps may be older than the broker's retention.
      await client.createTopics([{ name: topic, partitions: 2, config: { "retention.ms": "-1" } }]);
      const env = alertJob((alerts) =>
        alerts.sinkTo(kafkaSink({ bootstrap: BOOTSTRAP, topic, ...alertRecord })),
      );
      await env.execute("alerts-to-kafka");
      const r = spawnSync(
        "kcat",
        ["-b", BOOTSTRAP, "-C", "-t", topic, "-e", "-q", "-f", "%p\\t%k\\t%T\\t%s\\n"],
        { encoding: "utf8", timeout: 120_000 },
      );
      if (r.error) throw new Error(`cannot run kcat (${r.error.message}): apt-get install -y kcat`);
      assert.equal(r.status, 0, r.stderr);
      const got = new Map<string, string[]>();
      const partitionOf = new Map<string, string>();
      for (const line of r.stdout.split("\n").filter((l) => l !== "")) {
        const [partition, key, ts, value] = line.split("\t") as [string, string, string, string];
        const alert = JSON.parse(value) as Alert;
        assert.equal(alert.series, key);
        assert.equal(Number(ts), alert.time);
        assert.equal(partitionOf.get(key) ?? partition, partition, "one series, one partition");
        partitionOf.set(key, partition);
        got.set(key, [...(got.get(key) ?? []), value]);
      }
      assert.deepEqual(got, expectedBySeries());
    } finally {
      await client.deleteTopics([topic]).catch(() => {});
      await client.close();
    }
  },
);
