/**
 * deploy/: the Prometheus scrape config and alert rules pass `promtool check config` and
 * `promtool check rules`, the Grafana dashboards are valid JSON on the provisioned data source,
 * every metric name the dashboards and rules use is exported by a running job's /metrics, so
 * the two cannot drift apart, and every family that job exports is shown by a panel or a rule, or
 * is in {@link NOT_SHOWN} with the reason, so a new series cannot be forgotten.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { CEP, Pattern, type PatternUpdate } from "@fleuve/cep";
import {
  type Collector,
  type KeyedProcessFunction,
  type MetricsSnapshot,
  type ProcessContext,
  type ProcessFunction,
  type RuntimeContext,
  type Sink,
  type Source,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  type ValueState,
  valueState,
  WatermarkStrategy,
} from "@fleuve/core";
import { startMetricsServer } from "../src/index.js";

const DEPLOY = fileURLToPath(new URL("../../../deploy/", import.meta.url));

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync("promtool", args, { encoding: "utf8" });
  if (r.error) throw new Error(`promtool is needed (Debian package 'prometheus'): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test("promtool accepts the scrape config (with its rule file) and the alert rules", () => {
  const config = promtool("check", "config", join(DEPLOY, "prometheus/prometheus.yml"));
  assert.equal(config.status, 0, config.output);
  assert.match(config.output, /SUCCESS: 1 rule files found/);
  const rules = promtool("check", "rules", join(DEPLOY, "prometheus/rules.yml"));
  assert.equal(rules.status, 0, rules.output);
  assert.match(rules.output, /SUCCESS: \d+ rules found/);
});

test("the alert rules fire when they should and only then (promtool test rules on scripted series)", () => {
  // deploy/prometheus/rules.test.yml: a restart cause whose series is new (and one only new to
  // Prometheus), a partition whose watermark is stuck beside an idle one and an advancing one
  const r = promtool("test", "rules", join(DEPLOY, "prometheus/rules.test.yml"));
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS/);
});

test("promtool does reject a rule file with a bad expression (the check can fail)", () => {
  const r = spawnSync("promtool", ["check", "rules", "/dev/stdin"], {
    input:
      "groups:\n  - name: x\n    rules:\n      - alert: Bad\n        expr: rate(fleuve_job_restarts_total)\n",
    encoding: "utf8",
  });
  assert.notEqual(r.status, 0);
});

const dashboards = readdirSync(join(DEPLOY, "grafana/dashboards"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ file: f, json: JSON.parse(readFileSync(join(DEPLOY, "grafana/dashboards", f), "utf8")) }));

test("three dashboards, each panel querying the provisioned Prometheus data source", () => {
  assert.deepEqual(dashboards.map((d) => d.file).sort(), [
    "business-metrics.json",
    "cluster-health.json",
    "job-monitoring.json",
  ]);
  const provisioned = readFileSync(join(DEPLOY, "grafana/provisioning/datasources/prometheus.yml"), "utf8");
  const uid = /uid: (\S+)/.exec(provisioned)![1];
  for (const { file, json } of dashboards) {
    assert.ok(json.uid && json.title && json.panels.length > 0, file);
    const ids = json.panels.map((p: { id: number }) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${file}: panel ids are unique`);
    for (const p of json.panels) {
      assert.equal(p.datasource.uid, uid, `${file}: panel ${p.title}`);
      assert.ok(p.targets.length > 0 && p.targets.every((t: { expr: string }) => t.expr.length > 0));
    }
  }
});

/** Metric names (and `fleuve_..._` prefixes of regex selectors) in PromQL text. */
function namesIn(text: string): Set<string> {
  return new Set(text.match(/\bfleuve_[a-z0-9_]+/g) ?? []);
}

/**
 * Families a job exports that no panel or rule shows, on purpose: each with the reason. Everything
 * else the running job below exports must be used by a dashboard panel or an alert rule.
 */
const NOT_SHOWN: Readonly<Record<string, string>> = {
  fleuve_job_start_time_seconds: "the Uptime stat shows the same moment (uptime = now - start)",
};

/** Metric families (from `# TYPE` lines) of an exposition. */
function familiesIn(exposition: string): string[] {
  return [...exposition.matchAll(/^# TYPE (fleuve_[a-z0-9_]+) /gm)].map((m) => m[1]!);
}

/**
 * The families of `exposition` that no name in `used` shows (a name shows a family when it is the
 * family, its summary's `_sum` or `_count`, or a `fleuve_..._` prefix of it) and that
 * `allowed` does not list.
 */
function unshown(
  exposition: string,
  used: ReadonlySet<string>,
  allowed: Readonly<Record<string, string>>,
): string[] {
  const shows = (n: string, family: string) =>
    n === family ||
    n === `${family}_sum` ||
    n === `${family}_count` ||
    (n.endsWith("_") && family.startsWith(n));
  return familiesIn(exposition).filter((f) => !(f in allowed) && ![...used].some((n) => shows(n, f)));
}

test("the check of unshown families can fail: a family no panel or rule uses is listed", () => {
  const text =
    "# HELP fleuve_new_thing_total New.\n# TYPE fleuve_new_thing_total counter\nfleuve_new_thing_total 1\n" +
    "# HELP fleuve_user_x_total X.\n# TYPE fleuve_user_x_total counter\nfleuve_user_x_total 1\n" +
    "# HELP fleuve_lat_seconds L.\n# TYPE fleuve_lat_seconds summary\nfleuve_lat_seconds_count 1\n";
  const used = new Set(["fleuve_user_", "fleuve_lat_seconds_count"]);
  assert.deepEqual(unshown(text, used, {}), ["fleuve_new_thing_total"]);
  assert.deepEqual(unshown(text, used, { fleuve_new_thing_total: "a reason" }), []);
});

interface Ev {
  k: number;
  ts: number;
}

/** A source of records stamped with the wall clock, reporting split figures as log and Kafka sources do. */
const stampedSource: Source<Ev> = {
  bounded: false,
  createReader: () => {
    let i = 0;
    return {
      poll(out, max) {
        for (let n = 0; n < Math.min(max, 10); n++, i++)
          out.forSplit("events-0").collect({ k: i % 5, ts: Date.now() }, Date.now());
        return "more";
      },
      splitMetrics: () => ({ "events-0": { recordsLag: 0, committedRecordsLag: 0 } }),
    };
  },
};

/** Fails once (the job restarts: restart causes), and records an event as alert operators do. */
let failedOnce = false;
class Counted implements ProcessFunction<Ev, Ev> {
  open(ctx: RuntimeContext): void {
    ctx.getMetricGroup().counter("ordersChecked");
    ctx.getMetricGroup().histogram("orderAmount");
    ctx.getMetricGroup().events("alerts").add({ series: "orders", rule: "demo" });
  }
  processElement(e: Ev, _ctx: ProcessContext, out: Collector<Ev>): void {
    if (!failedOnce && e.k === 3) {
      failedOnce = true;
      throw new Error("fails once: the job restarts");
    }
    out.collect(e);
  }
}

const keyed: KeyedProcessFunction<number, Ev, Ev> & { s?: ValueState<number> } = {
  open(ctx) {
    this.s = ctx.getState(valueState<number>("n"));
  },
  processElement(e, ctx, out) {
    this.s!.update((this.s!.value() ?? 0) + 1);
    ctx.timerService().registerEventTimeTimer(e.ts + 1000);
    out.collect(e);
  },
  onTimer() {},
};

test("every metric name in the dashboards and alert rules is exported by a running job", async () => {
  const used = new Set<string>();
  for (const { json } of dashboards)
    for (const p of json.panels) for (const t of p.targets) for (const n of namesIn(t.expr)) used.add(n);
  for (const n of namesIn(readFileSync(join(DEPLOY, "prometheus/rules.yml"), "utf8"))) used.add(n);
  assert.ok(used.size >= 20, `${used.size} names used`);

  const sink: Sink<Ev> = { bounded: false, createWriter: () => ({ write() {} }) } as never;
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    latencyTrackingIntervalMs: 20,
    checkpointing: {
      dir: (await import("node:fs")).mkdtempSync(join((await import("node:os")).tmpdir(), "fleuve-deploy-")),
      intervalMs: 100,
    },
    // Counted fails once: the restart gives the restart figures (restart causes, last restart)
    restartStrategy: { type: "fixed-delay", attempts: 1, delayMs: 0 },
  });
  const checked = env
    .fromSource(stampedSource, WatermarkStrategy.forMonotonousTimestamps<Ev>(), "Events")
    .process(new Counted())
    .name("Check");
  // A CEP pattern and dynamic CEP patterns: their own gauges and counter (the CEP panels).
  const twoInARow = (p: { within: number }) =>
    Pattern.for<Ev>()
      .begin("first")
      .followedBy("second")
      .where((e) => e.k === 0)
      .within(p.within);
  CEP.pattern(
    checked.keyBy((e) => e.k),
    twoInARow({ within: 1000 }),
  )
    .select((m) => m.first[0]!)
    .name("Pattern")
    .sinkTo(sink, "Matches");
  const update: PatternUpdate = {
    id: "rule",
    version: 1,
    pattern: { factory: "twoInARow", params: { within: 1000 } },
  };
  CEP.dynamicPatterns(
    checked.keyBy((e) => e.k),
    env.fromCollection([update], { name: "Rules" }),
    { twoInARow },
  )
    .select((m) => (m.first as Ev[])[0]!)
    .name("Rule patterns")
    .sinkTo(sink, "Rule matches");
  checked
    .keyBy((e) => e.k)
    .process(keyed)
    .name("Count")
    .keyBy((e) => e.k)
    .window(TumblingEventTimeWindows.of(100))
    .reduce((a) => a)
    .name("Window")
    .sinkTo(sink, "Out");
  const client = env.executeAsync("deploy-check");
  // A --group process adds its process figures (GroupWorker.snapshot): the same keys here.
  const snapshot = (): MetricsSnapshot => ({
    ...client.snapshot(),
    process: { unitsOwned: 1, unitsTotal: 1, unitStarts: 1, unitStops: 0, rebalances: 1 },
  });
  const server = await startMetricsServer({ snapshot, jobName: "deploy-check", port: 0 });
  try {
    const deadline = Date.now() + 5 * 60_000;
    let missing: string[] = [...used];
    for (;;) {
      const text = await (await fetch(server.url)).text();
      const exported = new Set(
        text
          .split("\n")
          .filter((l) => l.startsWith("fleuve_"))
          .map((l) => /^[a-z0-9_]+/.exec(l)![0]),
      );
      const samples = (name: string) => text.split("\n").filter((l) => l.startsWith(name));
      missing = [...used].filter((n) =>
        n.endsWith("_") ? ![...exported].some((e) => e.startsWith(n)) : !exported.has(n),
      );
      // the end-to-end summary only matters once a record was sampled; checkpoints once one completed
      const sampled = samples("fleuve_sink_end_to_end_latency_seconds_count").some((l) => !l.endsWith(" 0"));
      if (missing.length === 0 && sampled) break;
      assert.ok(Date.now() < deadline, `not exported by the running job: ${missing.join(", ")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(missing, []);
    // ...and every family it exports is shown, or deliberately not (NOT_SHOWN, with the reason)
    const text = await (await fetch(server.url)).text();
    assert.deepEqual(
      unshown(text, used, NOT_SHOWN),
      [],
      "exported but in no dashboard panel or alert rule: add a panel or rule, or list it in NOT_SHOWN with the reason",
    );
    const families = new Set(familiesIn(text));
    for (const [f, why] of Object.entries(NOT_SHOWN)) {
      assert.ok(why.length > 0, `${f}: NOT_SHOWN needs a reason`);
      assert.ok(families.has(f), `${f} is in NOT_SHOWN but the job does not export it (remove it)`);
      assert.ok(
        ![...used].some((n) => n === f || n === `${f}_count` || n === `${f}_sum`),
        `${f} is in NOT_SHOWN but a panel or rule shows it (remove it from NOT_SHOWN)`,
      );
    }
  } finally {
    await server.close();
    client.cancel();
    await client.result.catch(() => {});
  }
});
