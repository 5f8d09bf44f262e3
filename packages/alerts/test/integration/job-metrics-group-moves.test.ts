/**
 * The job counters of `--group` processes (against the real broker) are Prometheus counters of
 * each process, as the processes' /metrics serve them: two processes run the job's four units and
 * restart some of them (injected failures), a third joins and units move to it, and more restart;
 * then the third stops and its units move back to the process they left. Scraped all along, each
 * process's `fleuve_job_restarts_total`, `fleuve_job_checkpoints_completed_total` and
 * `..._failed_total` never go down (a unit that moved away keeps what it did in the process it
 * left), nor does any per-operator counter series (records, busy time, latency counts...), also
 * when a unit comes back to a process it ran in before (its new run goes on from its counts
 * there); in the end, all processes stopped, the job counters' sum is what the units did: the
 * restarts the processes logged, the checkpoints the units wrote.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type CheckpointStorage, defineJob, localCheckpointStorage, type Source } from "@fleuve/core";
import { type GroupWorker, KafkaClient, startGroupWorker } from "@fleuve/kafka";
import { type MetricsServer, startMetricsServer } from "@fleuve/metrics";

const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const COUNTERS = [
  "fleuve_job_restarts_total",
  "fleuve_job_checkpoints_completed_total",
  "fleuve_job_checkpoints_failed_total",
] as const;
type Counter = (typeof COUNTERS)[number];

/** A number a second per subtask, forever. */
const ticks: Source<number> = {
  bounded: false,
  createReader() {
    let i = 0;
    return {
      poll(out) {
        out.collect(i++);
        return "nothing-yet";
      },
      available: () => new Promise((resolve) => setTimeout(resolve, 20)),
    };
  },
};

/** Failures still to inject: the next records that reach "Flaky" (in any unit) throw, one each. */
let inject = 0;

/** Checkpoints written (their `_metadata` in place) by every process, through the shared storage. */
let written = 0;
const countingStorage: CheckpointStorage = {
  ...localCheckpointStorage,
  async writeFolder(folder, files, metadata) {
    await localCheckpointStorage.writeFolder(folder, files, metadata);
    if (/[/\\]chk-\d+$/.test(folder)) written++;
  },
};

/** The value of each job counter in a scrape. */
function countersOf(text: string): Record<Counter, number> {
  const out = {} as Record<Counter, number>;
  for (const name of COUNTERS) {
    const line = text.split("\n").find((l) => l.startsWith(`${name}{`));
    assert.ok(line, `${name} in the scrape:\n${text}`);
    out[name] = Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return out;
}

/**
 * Every per-operator and per-task counter series of a scrape (labelled `subtask`), by its name and
 * labels: the counters, and the summaries' `_count` and `_sum`.
 */
function operatorCountersOf(text: string): Map<string, number> {
  const types = new Map<string, string>();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\}) (\S+)$/.exec(line);
    if (!m || !m[2]!.includes('subtask="')) continue;
    const name = m[1]!;
    const summary = name.replace(/_(sum|count)$/, "");
    if (types.get(name) === "counter" || (summary !== name && types.get(summary) === "summary"))
      out.set(`${name}${m[2]}`, Number(m[3]));
  }
  return out;
}

test("a --group process's job counters never go down when units move, and sum over the processes to what the units did", {
  timeout: 420_000,
}, async () => {
  const group = `metrics-moves-${process.pid}-${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), "fleuve-metrics-moves-"));
  const job = defineJob({
    name: "metrics-moves",
    options: { restartStrategy: { type: "fixed-delay", attempts: 1000, delayMs: 20 } },
    build(env) {
      env
        .fromSource(ticks, undefined, "Ticks")
        .map((n) => {
          if (inject > 0) {
            inject--;
            throw new Error("injected failure");
          }
          return n;
        })
        .name("Flaky")
        .forEach(() => {}, "Discard");
    },
  });
  /** Restarts as the processes log them (one line each, before the restart counts). */
  let restartsLogged = 0;
  const takenOver: string[] = [];
  const log = (line: string) => {
    if (/failed \(.*\); restarting in/.test(line)) restartsLogged++;
    if (/was taken over by epoch/.test(line)) takenOver.push(line);
  };
  interface Process {
    name: string;
    worker: GroupWorker;
    server: MetricsServer;
    /** Every scrape's counters, oldest first. */
    scrapes: Record<Counter, number>[];
    /** Each per-operator counter series this process served: its last value, also once absent. */
    operators: Map<string, number>;
    /** The series of the last scrape. */
    shown: Set<string>;
    /** Series that were served again after a scrape without them (their unit came back). */
    returned: Set<string>;
  }
  const processes: Process[] = [];
  let failed: unknown;
  const start = async (name: string) => {
    const worker = await startGroupWorker({
      job,
      group,
      bootstrap: BOOTSTRAP,
      checkpointDir: dir,
      checkpointStorage: countingStorage,
      parallelism: 4,
      log,
    });
    worker.failed.catch((e: unknown) => {
      failed = e;
    });
    // what `fleuve run --group` serves
    const server = await startMetricsServer({
      snapshot: () => worker.snapshot(),
      jobName: "metrics-moves",
      port: 0,
    });
    processes.push({
      name,
      worker,
      server,
      scrapes: [],
      operators: new Map(),
      shown: new Set(),
      returned: new Set(),
    });
  };
  /**
   * Scrapes every process once; each counter of a process is at least what it was, each
   * per-operator one at least what it was when last served (before its unit moved away).
   */
  const scrape = async () => {
    for (const p of processes) {
      const text = await (await fetch(p.server.url)).text();
      const now = countersOf(text);
      const before = p.scrapes.at(-1);
      if (before)
        for (const c of COUNTERS)
          assert.ok(now[c] >= before[c], `${p.name}: ${c} went down from ${before[c]} to ${now[c]}`);
      p.scrapes.push(now);
      const ops = operatorCountersOf(text);
      for (const [series, v] of ops) {
        const was = p.operators.get(series);
        if (was !== undefined) {
          assert.ok(v >= was, `${p.name}: ${series} went down from ${was} to ${v}`);
          if (!p.shown.has(series)) p.returned.add(series);
        }
        p.operators.set(series, v);
      }
      p.shown = new Set(ops.keys());
    }
  };
  const sum = (c: Counter) => processes.reduce((s, p) => s + (p.scrapes.at(-1)?.[c] ?? 0), 0);
  const deadline = Date.now() + 360_000;
  /** Scrapes until `ok` holds (a deadline inside the test's timeout, so the workers are stopped). */
  const until = async (what: string, ok: () => boolean) => {
    for (;;) {
      await scrape();
      if (ok()) return;
      assert.equal(failed, undefined, "a worker failed");
      assert.ok(Date.now() < deadline, `${what}: ${JSON.stringify(processes.map((p) => p.scrapes.at(-1)))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const running = () => processes.reduce((n, p) => n + p.worker.running().length, 0);
  /** Injects `n` failures and waits until each restarted its unit and the processes count them. */
  const restart = async (n: number) => {
    const logged = restartsLogged;
    inject = n;
    await until(`${n} injected failures restarted`, () => inject === 0 && restartsLogged >= logged + n);
    await until(
      "the processes to count the restarts",
      () => sum("fleuve_job_restarts_total") === restartsLogged,
    );
  };
  try {
    await start("a");
    await start("b");
    assert.equal(processes[0]!.worker.units.length, 4, processes[0]!.worker.units.join(", "));
    await until(
      "both processes to run units, four in all",
      () => processes.every((p) => p.worker.running().length > 0) && running() === 4,
    );
    await restart(2);
    // a third process joins: units move to it from a and b (given up there after a final checkpoint)
    await start("c");
    await until(
      "the third process to run units, four in all",
      () => processes[2]!.worker.running().length > 0 && running() === 4,
    );
    const stops = processes.reduce((n, p) => n + (p.worker.snapshot().process?.unitStops ?? 0), 0);
    assert.ok(stops >= 1, "a unit moved");
    // the moved units complete checkpoints in their new process: a's and b's counts stay
    await until("every process to complete checkpoints", () =>
      processes.every((p) => (p.scrapes.at(-1)?.fleuve_job_checkpoints_completed_total ?? 0) > 0),
    );
    await restart(2);
    // The third process stops: its units move back to the processes that gave them up (the sticky
    // assignor fills the one below its share), whose counters for them go on from what they were.
    await processes[2]!.worker.stop();
    const back = (p: Process) =>
      [...p.returned].some((s) => s.startsWith("fleuve_operator_records_in_total{"));
    await until(
      "the four units to run in the first two processes, one of them back in the process it left",
      () => running() === 4 && processes.slice(0, 2).some(back),
    );
    // All stopped (their endpoints still answer, as the last scrape before a process exits would):
    // the counts are final.
    for (const p of [...processes].reverse()) await p.worker.stop();
    await scrape();
    assert.equal(sum("fleuve_job_restarts_total"), restartsLogged);
    assert.ok(restartsLogged >= 4, `restarts logged: ${restartsLogged}`);
    // Every checkpoint completed was written once, in the process that counts it; one written by a
    // process that had lost its unit without knowing yet does not count (it says so in its log).
    if (takenOver.length === 0) assert.equal(sum("fleuve_job_checkpoints_completed_total"), written);
    else assert.ok(sum("fleuve_job_checkpoints_completed_total") <= written, takenOver.join("\n"));
    assert.ok(written > 0);
    // a group process's exposition passes promtool, its process figures typed as what they are
    const text = await (await fetch(processes[0]!.server.url)).text();
    const lint = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.equal(lint.error, undefined, "promtool is needed (Debian package 'prometheus')");
    assert.equal(`${lint.stdout}${lint.stderr}`, "", "promtool check metrics");
    assert.equal(lint.status, 0);
    for (const [name, type] of [
      ["fleuve_process_units_owned", "gauge"],
      ["fleuve_process_job_units", "gauge"],
      ["fleuve_process_unit_starts_total", "counter"],
      ["fleuve_process_unit_stops_total", "counter"],
      ["fleuve_process_rebalances_total", "counter"],
      ...COUNTERS.map((c) => [c, "counter"]),
    ])
      assert.ok(text.includes(`\n# TYPE ${name} ${type}\n`), `${name} is a ${type}`);
  } finally {
    for (const p of processes) {
      await p.worker.stop();
      await p.server.close();
    }
    const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
    await client.deleteTopics((await client.listTopics()).filter((n) => n.startsWith(`fleuve-${group}-`)));
    await client.close();
    rmSync(dir, { recursive: true, force: true });
    // as in the kafka package's group tests: a stopped worker sometimes leaves broker sockets open
    setTimeout(() => process.exit(), 10_000).unref();
  }
});
