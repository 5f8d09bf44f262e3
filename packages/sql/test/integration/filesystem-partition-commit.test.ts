// Partition commit of the filesystem sink (Flink's sink.partition-commit.*): a partition gets its
// success file once a checkpoint holding its files completed and its trigger fired. The oracle
// is written here: which partitions are committed after which watermark (partition-time, with a
// delay) or processing time (process-time, on a ManualProcessingTime clock), and that a committed
// partition's visible files hold every row sent to it before. The SIGKILL case is in
// filesystem-sink-crash.test.ts.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  ManualProcessingTime,
  runJob,
  type Source,
  type SourceOutput,
  StreamExecutionEnvironment,
} from "@fleuve/core";
import { sql } from "@fleuve/sql";
import { until } from "../fixtures/manual-clock.js";
import { HOURS, idsOf } from "../fixtures/partition-commit-threads-job.js";

type Ev = { id: number; dt: string; hr: string };

/** A source the test feeds rows and watermarks, in order; it ends when told to. */
class FeedSource implements Source<Ev> {
  readonly bounded = true;
  private readonly pending: ({ row: Ev } | { watermark: number })[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  send(...rows: Ev[]): void {
    this.pending.push(...rows.map((row) => ({ row })));
    this.wake?.();
  }
  watermark(watermark: number): void {
    this.pending.push({ watermark });
    this.wake?.();
  }
  end(): void {
    this.ended = true;
    this.wake?.();
  }
  createReader() {
    return {
      poll: (out: SourceOutput<Ev>) => {
        for (const p of this.pending.splice(0))
          if ("row" in p) out.collect(p.row);
          else out.emitWatermark(p.watermark);
        return this.ended ? ("end" as const) : ("nothing-yet" as const);
      },
      available: () =>
        new Promise<void>((r) => {
          this.wake = r;
        }),
    };
  }
}

/** The partition directories (relative, `/` separated) holding a file named `name`. */
function committed(dir: string, name = "_SUCCESS"): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name === name)
    .map((e) => e.parentPath.slice(dir.length + 1))
    .sort();
}

/** The ids in the visible part files of a partition directory. */
function visibleIds(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith("part-"))
    .flatMap((f) =>
      readFileSync(join(dir, f), "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => Number(l.split(",")[0])),
    )
    .sort((a, b) => a - b);
}

function start(options: string, env: StreamExecutionEnvironment, out: string) {
  const source = new FeedSource();
  const tEnv = sql(env);
  tEnv.createTemporaryView("ev", env.fromSource(source, undefined, "events"), "id INT, dt STRING, hr STRING");
  const done = (async () => {
    await tEnv.executeSql(`CREATE TABLE out (id INT, dt STRING, hr STRING) PARTITIONED BY (dt, hr) WITH (
      'connector' = 'filesystem', 'path' = '${out}', 'format' = 'csv', ${options})`);
    await (await tEnv.executeSql("INSERT INTO out SELECT id, dt, hr FROM ev")).await();
  })();
  return { source, done };
}

const H00 = "dt=2024-01-01/hr=00";
const H01 = "dt=2024-01-01/hr=01";
const H02 = "dt=2024-01-01/hr=02";
const D2 = "dt=2024-01-02/hr=00";

test("partition-time: a partition is committed once the watermark passes its time + delay, again after late rows", {
  timeout: 120_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "sql-fs-commit-"));
  const out = join(root, "out");
  try {
    const env = StreamExecutionEnvironment.create({
      parallelism: 1,
      checkpointing: { dir: join(root, "cp"), intervalMs: 20 },
      log: () => {},
    });
    const { source, done } = start(
      `'sink.partition-commit.policy.kind' = 'success-file', 'sink.partition-commit.trigger' = 'partition-time',
       'sink.partition-commit.delay' = '1 h', 'partition.time-extractor.timestamp-pattern' = '$dt $hr:00:00'`,
      env,
      out,
    );
    source.send(
      { id: 1, dt: "2024-01-01", hr: "00" },
      { id: 2, dt: "2024-01-01", hr: "01" },
      { id: 3, dt: "2024-01-01", hr: "02" },
      { id: 4, dt: "2024-01-02", hr: "00" },
    );
    // 01:00:00.001 > 00:00 + 1 h: hr=00 only (the watermark must pass, not reach, time + delay).
    source.watermark(Date.UTC(2024, 0, 1, 1, 0, 0, 1));
    await until("hr=00 committed", () => committed(out).includes(H00));
    assert.deepEqual(committed(out), [H00]);
    assert.deepEqual(visibleIds(join(out, H00)), [1]);
    // 03:00 (hr=02 + 1 h) is not passed by 03:00 itself; 03:30 passes hr=01 and hr=02.
    source.watermark(Date.UTC(2024, 0, 1, 3, 0));
    source.watermark(Date.UTC(2024, 0, 1, 3, 30));
    await until("hr=01 and hr=02 committed", () => committed(out).length === 3);
    assert.deepEqual(committed(out), [H00, H01, H02]);
    assert.deepEqual(visibleIds(join(out, H01)), [2]);
    assert.deepEqual(visibleIds(join(out, H02)), [3]);
    // A late row into a committed partition: the partition is committed again (its success
    // file rewritten, removed here to see it come back), with the late row visible.
    rmSync(join(out, H00, "_SUCCESS"));
    source.send({ id: 5, dt: "2024-01-01", hr: "00" });
    source.watermark(Date.UTC(2024, 0, 2, 0, 30));
    await until("hr=00 committed again", () => committed(out).includes(H00));
    assert.deepEqual(visibleIds(join(out, H00)), [1, 5]);
    assert.deepEqual(committed(out), [H00, H01, H02], "2024-01-02 00:00 + 1 h is not passed yet");
    // The end of the input commits the rest.
    source.end();
    await done;
    assert.deepEqual(committed(out), [H00, H01, H02, D2]);
    assert.deepEqual(visibleIds(join(out, D2)), [4]);
    // The success file is empty.
    assert.equal(readFileSync(join(out, D2, "_SUCCESS"), "utf8"), "");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("process-time: committed when processing time passes the partition's creation + delay; the success file's name", {
  timeout: 120_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "sql-fs-commit-"));
  const out = join(root, "out");
  const T0 = Date.UTC(2024, 5, 1);
  const MIN10 = 600_000;
  try {
    const clock = new ManualProcessingTime(T0);
    const env = StreamExecutionEnvironment.create({
      parallelism: 1,
      processingTime: clock,
      checkpointing: { dir: join(root, "cp"), intervalMs: 20 },
      log: () => {},
    });
    const { source, done } = start(
      `'sink.partition-commit.policy.kind' = 'success-file', 'sink.partition-commit.delay' = '10 min',
       'sink.partition-commit.success-file.name' = '_DONE'`,
      env,
      out,
    );
    const A = "dt=a/hr=0";
    const B = "dt=b/hr=0";
    const C = "dt=c/hr=0";
    // The job's checkpoints are on its clock too: the clock moves 20 ms (one interval) a step.
    const tickUntil = async (what: string, cond: () => boolean) => {
      for (let steps = 0; !cond(); steps++) {
        if (steps > 20_000) throw new Error(`no ${what} after ${steps} steps of the clock`);
        clock.advanceTo(clock.now() + 20);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const inProgress = (p: string) => existsSync(join(out, p)) && readdirSync(join(out, p)).length > 0;
    source.send({ id: 1, dt: "a", hr: "0" }, { id: 2, dt: "b", hr: "0" });
    // Written (created) at T0, before the clock moves.
    await until("a and b written", () => inProgress(A) && inProgress(B));
    await tickUntil(
      "a and b visible",
      () => visibleIds(join(out, A)).length + visibleIds(join(out, B)).length === 2,
    );
    assert.deepEqual(committed(out, "_DONE"), [], "10 min have not passed");
    clock.advanceTo(T0 + MIN10 - 100);
    await tickUntil("a and b committed", () => committed(out, "_DONE").length === 2);
    assert.ok(clock.now() > T0 + MIN10, "committed only after creation + delay");
    assert.deepEqual(committed(out, "_DONE"), [A, B]);
    const createdC = clock.now();
    source.send({ id: 3, dt: "c", hr: "0" });
    await until("c written", () => inProgress(C));
    await tickUntil("c visible", () => visibleIds(join(out, C)).length === 1);
    assert.ok(clock.now() < createdC + MIN10);
    assert.deepEqual(committed(out, "_DONE"), [A, B], "c was created less than 10 min ago");
    source.end();
    await done;
    assert.deepEqual(committed(out, "_DONE"), [A, B, C]);
    assert.deepEqual(committed(out), [], "no _SUCCESS: the name is _DONE");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the sink at parallelism 2 over two worker threads: a success file exactly in the complete partitions, with every writer's rows visible", {
  timeout: 180_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "sql-fs-commit-threads-"));
  const out = join(root, "out");
  const go = join(root, "go");
  try {
    const client = await runJob(
      new URL("../fixtures/partition-commit-threads-job.ts", import.meta.url).href,
      {
        parallelism: 2,
        threads: 2,
        args: [out, go],
        options: { checkpointing: { dir: join(root, "cp"), intervalMs: 20 }, log: () => {} },
      },
    );
    const rowsOf = (hr: string, upTo = 2) =>
      [0, 1].flatMap((s) => idsOf(s, hr).slice(0, upTo)).sort((a, b) => a - b);
    // Both writers' watermarks passed 00:00 + 1 h only: hr=00 is complete, hr=01 and hr=02 are not.
    await until("hr=00 committed", () => committed(out).includes(H00));
    assert.deepEqual(committed(out), [H00]);
    assert.deepEqual(
      visibleIds(join(out, H00)),
      rowsOf("00"),
      "the rows of both writers (threads) are visible",
    );
    // Each thread made its own sink (its own run id in the file names): the writers were apart.
    const runs = new Set(
      readdirSync(join(out, H00)).flatMap((f) => /^part-([0-9a-f-]{36})-/.exec(f)?.[1] ?? []),
    );
    assert.equal(runs.size, 2, "the two writers ran on two threads");
    // Checkpoints go on: still only hr=00 once more files of the other hours are visible.
    await until("hr=01 visible", () => visibleIds(join(out, H01)).length === 4);
    assert.deepEqual(committed(out), [H00]);
    writeFileSync(go, "");
    await client.result;
    assert.deepEqual(committed(out), [H00, H01, H02]);
    for (const hr of HOURS)
      assert.deepEqual(visibleIds(join(out, `dt=2024-01-01/hr=${hr}`)), rowsOf(hr, 3), `hr=${hr}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the end of a bounded input without checkpoints commits every partition, whatever the trigger", async () => {
  const root = mkdtempSync(join(tmpdir(), "sql-fs-commit-"));
  try {
    const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 2, log: () => {} }));
    for (const trigger of ["process-time", "partition-time"]) {
      const out = join(root, trigger);
      await tEnv.executeSql(`CREATE TABLE t_${trigger.replace("-", "_")} (id INT, dt STRING) PARTITIONED BY (dt) WITH (
        'connector' = 'filesystem', 'path' = '${out}', 'format' = 'json', 'sink.partition-commit.policy.kind' = 'success-file',
        'sink.partition-commit.trigger' = '${trigger}', 'sink.partition-commit.delay' = '1 d')`);
      await (
        await tEnv.executeSql(
          `INSERT INTO t_${trigger.replace("-", "_")} VALUES (1, '2024-01-01'), (2, '2024-01-02'), (3, '2099-12-31')`,
        )
      ).await();
      assert.deepEqual(committed(out), ["dt=2024-01-01", "dt=2024-01-02", "dt=2099-12-31"]);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("bad partition commit options fail the INSERT naming the option", async () => {
  const root = mkdtempSync(join(tmpdir(), "sql-fs-commit-"));
  try {
    const tEnv = sql(StreamExecutionEnvironment.create({ log: () => {} }));
    const cases: [string, RegExp][] = [
      [
        "'sink.partition-commit.policy.kind' = 'metastore'",
        /option 'sink.partition-commit.policy.kind' 'metastore' is not supported: Fleuve has no metastore/,
      ],
      [
        "'sink.partition-commit.policy.kind' = 'custom'",
        /option 'sink.partition-commit.policy.kind' 'custom' is not supported/,
      ],
      [
        "'sink.partition-commit.policy.kind' = 'success-file', 'sink.partition-commit.trigger' = 'event-time'",
        /sink.partition-commit.trigger/,
      ],
      [
        "'sink.partition-commit.policy.kind' = 'success-file', 'sink.partition-commit.delay' = 'an hour'",
        /option 'sink.partition-commit.delay' must be a duration/,
      ],
      [
        "'sink.partition-commit.policy.kind' = 'success-file', 'partition.time-extractor.kind' = 'custom'",
        /option 'partition.time-extractor.kind' 'custom' is not supported/,
      ],
      [
        "'sink.partition-commit.policy.kind' = 'success-file', 'partition.time-extractor.timestamp-formatter' = 'yyyy-MM-dd G'",
        /option 'partition.time-extractor.timestamp-formatter' uses 'G'/,
      ],
      [
        "'sink.partition-commit.policy.kind' = 'success-file', 'sink.partition-commit.watermark-time-zone' = 'Nowhere/Town'",
        /option 'sink.partition-commit.watermark-time-zone' must be a time zone/,
      ],
    ];
    for (const [i, [options, message]] of cases.entries()) {
      await tEnv.executeSql(`CREATE TABLE bad${i} (id INT, dt STRING) PARTITIONED BY (dt) WITH (
        'connector' = 'filesystem', 'path' = '${join(root, String(i))}', 'format' = 'csv', ${options})`);
      await assert.rejects(
        async () => (await tEnv.executeSql(`INSERT INTO bad${i} VALUES (1, 'x')`)).await(),
        { message },
        options,
      );
    }
    await tEnv.executeSql(`CREATE TABLE flat (id INT) WITH ('connector' = 'filesystem', 'path' = '${join(root, "flat")}',
      'format' = 'csv', 'sink.partition-commit.policy.kind' = 'success-file')`);
    await assert.rejects(async () => (await tEnv.executeSql("INSERT INTO flat VALUES (1)")).await(), {
      message: /option 'sink.partition-commit.policy.kind' needs a table PARTITIONED BY/,
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
