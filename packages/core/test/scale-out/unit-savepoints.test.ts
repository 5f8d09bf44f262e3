/**
 * A savepoint of a whole job run unit by unit (as `fleuve run --group` runs it), with exchanges in
 * memory that speak core's exchange protocol: the source units take their part when asked, the
 * barrier travels in band through the exchanges, each receiving unit aligns and takes its part,
 * and `_metadata` is written once every part is in. The result restores in one process at another
 * parallelism: what the units emitted before the cut plus what the restored job emits is the
 * output of one uninterrupted run, each result once.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadCheckpoint } from "../../src/checkpoint/storage.js";
import {
  localCheckpointStorage,
  type Source,
  StreamExecutionEnvironment,
  type TwoPhaseCommitSink,
} from "../../src/index.js";
import {
  type Exchange,
  ExchangeReceiver,
  type ExchangeReceiverState,
  ExchangeSender,
  jobSavepointLayout,
  operatorUids,
  planUnits,
  runUnit,
  type SavepointBarrier,
  type UnitClient,
  UnitSavepoints,
  unitGraph,
  writeJobSavepointMetadata,
} from "../../src/scale-out/index.js";

const N = 4000;
/** Numbers generated so far in this process (by any run). */
let generated = 0;
const KEYS = 5;

/** Numbers from 2 generator subtasks, counted per key (3 subtasks), formatted, rebalanced to the sink. */
function build(env: StreamExecutionEnvironment, out: string[], countParallelism: number): void {
  env
    .fromGenerator(
      (i) => {
        generated++;
        return i;
      },
      { count: N, ratePerSecond: 1000 },
    )
    .setParallelism(2) // a position per subtask: the same 2 subtasks in every run
    .uid("numbers")
    .map((n) => ({ k: n % KEYS, c: 1 }))
    .uid("pair")
    .keyBy((p) => p.k)
    .reduce((a, b) => ({ k: a.k, c: a.c + b.c }))
    .uid("counts")
    .setParallelism(countParallelism)
    .map((p) => `${p.k} ${p.c}`)
    .uid("format")
    .setParallelism(countParallelism)
    .rebalance()
    .forEach((line) => {
      out.push(line);
    })
    .uid("out");
}

/** Every line of one uninterrupted run: each key's counts 1..n. */
function oracle(): string[] {
  const out: string[] = [];
  for (let k = 0; k < KEYS; k++) {
    const n = Math.floor(N / KEYS) + (k < N % KEYS ? 1 : 0);
    for (let c = 1; c <= n; c++) out.push(`${k} ${c}`);
  }
  return out.sort();
}

interface Queue {
  readonly messages: Buffer[];
  wake: (() => void) | undefined;
}

/** Exchanges in memory, with savepoint barriers (as the Kafka exchanges: see kafka/src/scale-out). */
function memoryExchanges(maxParallelism: number) {
  const queues = new Map<number, Queue[]>();
  const queue = (x: Exchange) => {
    let q = queues.get(x.index);
    if (!q) {
      q = Array.from({ length: x.receivers }, () => ({ messages: [], wake: undefined }));
      queues.set(x.index, q);
    }
    return q;
  };
  return {
    output(x: Exchange, savepoints: UnitSavepoints): TwoPhaseCommitSink<unknown, never> {
      return {
        commit() {},
        createWriter(ctx) {
          const q = queue(x);
          const sender = new ExchangeSender(
            x,
            ctx.subtaskIndex,
            {
              send(r, bytes) {
                q[r]!.messages.push(bytes);
                q[r]!.wake?.();
              },
            },
            { maxParallelism },
          );
          return {
            write: (v, ts) => sender.write(v, ts),
            writeWatermark: (w) => sender.writeWatermark(w),
            idle: (i) => sender.idle(i),
            finish: () => sender.finish(),
            prepareCommit(checkpointId) {
              const b = savepoints.barrierOf(checkpointId);
              if (b) sender.barrier(b);
              return [];
            },
          };
        },
      };
    },
    input(x: Exchange, savepoints: UnitSavepoints): Source<unknown> {
      return {
        bounded: x.bounded,
        createReader(ctx) {
          const q = queue(x)[ctx.subtaskIndex]!;
          const receiver = new ExchangeReceiver(x, {
            onAligned: (b) => savepoints.aligned(x.index, b),
            isOver: (id) => savepoints.isOver(id),
          });
          let i = 0;
          return {
            poll(out, max) {
              receiver.release(out);
              for (let n = 0; i < q.messages.length && n < max; n++) receiver.receive(q.messages[i++]!, out);
              if (receiver.ended) return "end";
              return i < q.messages.length ? "more" : "nothing-yet";
            },
            available: () =>
              i < q.messages.length
                ? Promise.resolve()
                : new Promise<void>((resolve) => {
                    q.wake = () => {
                      q.wake = undefined;
                      resolve();
                    };
                  }),
            snapshot: (id): ExchangeReceiverState & { i: number } => ({
              i,
              ...receiver.snapshot(savepoints.barrierOf(id)?.id),
            }),
          };
        },
      };
    },
  };
}

/** Runs every unit of the job at once; returns the handles and the savepoint trigger. */
function runUnits(dir: string, out: string[]) {
  /** Records the sources emitted so far (all source subtasks). */
  const sourced = () => generated;
  const maxParallelism = 16;
  const make = () => {
    // periodic unit checkpoints go on while the savepoint is taken (each unit its own folder)
    const env = StreamExecutionEnvironment.create({
      parallelism: 2,
      maxParallelism,
      checkpointing: { dir, intervalMs: 50 },
    });
    build(env, out, 3);
    return env;
  };
  const env = make();
  const graph = env.getStreamGraph();
  const plan = planUnits(graph, env.config);
  const jobOperators = operatorUids(graph);
  const io = memoryExchanges(maxParallelism);
  const over = new Set<string>();
  const parts = new Map<string, Record<string, { sha256: string; bytes: number }>>();
  const failures: unknown[] = [];
  let allWritten: () => void = () => {};
  const written = new Promise<void>((r) => {
    allWritten = r;
  });
  const units: { client: UnitClient; savepoints: UnitSavepoints }[] = [];
  for (const u of plan.units) {
    const savepoints = new UnitSavepoints(u, {
      inputs: plan.exchanges.filter((x) => x.toTask === u.task).length,
      jobOperators,
      isOver: (id) => over.has(id),
      written: (_b, w) => {
        parts.set(u.name, w.files);
        if (parts.size === plan.units.length) allWritten();
      },
      failed: (_b, e) => failures.push(e),
    });
    const e = make();
    const g = unitGraph(e.getStreamGraph(), e.config, plan, u.task, {
      input: (x) => io.input(x, savepoints),
      output: (x) => io.output(x, savepoints),
    });
    const config = { ...e.config, checkpointing: { ...e.config.checkpointing!, dir: join(dir, u.name) } };
    const client = runUnit(g, config, "unit-savepoints", u, jobOperators);
    savepoints.attach(client);
    units.push({ client, savepoints });
  }
  return {
    units,
    failures,
    /** Asks the source units for their part; resolves once every unit wrote its part and `_metadata` is written. */
    async savepoint(barrier: SavepointBarrier): Promise<void> {
      // One source unit after the other, with records flowing in between: the barriers reach the
      // receivers far apart, so what a receiver gets between them must wait (alignment).
      let first = true;
      for (const { savepoints } of units) {
        if (!savepoints.takesPartWhenAsked) continue;
        if (!first) {
          const seen = sourced();
          while (sourced() < seen + 100) await new Promise((r) => setTimeout(r, 5));
        }
        first = false;
        savepoints.take(barrier);
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        written,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`parts written: ${[...parts.keys()].join(", ")}; failures: ${failures}`)),
            60_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      assert.deepEqual(failures, []);
      const files = Object.assign({}, ...parts.values());
      await writeJobSavepointMetadata(localCheckpointStorage, barrier.dir, {
        jobName: "unit-savepoints",
        maxParallelism,
        operators: jobSavepointLayout(graph, env.config),
        files,
        checkpointId: 0,
      });
      over.add(barrier.id);
    },
  };
}

test("stop-with-savepoint of a job run unit by unit restores in one process at another parallelism: exact", {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-unit-sp-"));
  try {
    const before: string[] = [];
    const run = runUnits(join(dir, "units"), before);
    while (before.length < 600) await new Promise((r) => setTimeout(r, 10));
    const path = join(dir, "savepoint");
    await run.savepoint({ id: "sp-1", dir: path, stop: true });
    // Stopped at the cut: nothing after it is applied, so what was emitted stays what it was.
    const atCut = before.length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(before.length, atCut, "nothing emitted after the stop-with-savepoint");
    for (const u of run.units) u.client.cancel();
    await Promise.all(run.units.map((u) => u.client.result.catch(() => {})));
    assert.ok(atCut < N, `stopped mid-stream (${atCut} of ${N} results)`);

    // The savepoint has the layout of a one-process one: every job operator, no exchange.
    const cp = await loadCheckpoint(path);
    assert.equal(cp.metadata.kind, "savepoint");
    assert.deepEqual(Object.keys(cp.metadata.operators).sort(), [
      "counts",
      "format",
      "numbers",
      "out",
      "pair",
    ]);
    assert.deepEqual(cp.metadata.operators.counts!.files.length, 3);

    // Resumed in one process, the counting at parallelism 2.
    const after: string[] = [];
    const env = StreamExecutionEnvironment.create({ parallelism: 2, maxParallelism: 16, restoreFrom: path });
    build(env, after, 2);
    await env.execute("unit-savepoints");
    assert.deepEqual([...before, ...after].sort(), oracle(), "each result once, exactly");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a savepoint without stop: the units go on to the end, exactly, and the savepoint restores", {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-unit-sp-"));
  try {
    const out: string[] = [];
    const run = runUnits(join(dir, "units"), out);
    while (out.length < 600) await new Promise((r) => setTimeout(r, 10));
    const path = join(dir, "savepoint");
    await run.savepoint({ id: "sp-2", dir: path, stop: false });
    await Promise.all(run.units.map((u) => u.client.result));
    assert.deepEqual([...out].sort(), oracle(), "the units' output is exact");

    // Restored, the job carries on from the cut: its last count per key is the total.
    const after: string[] = [];
    const env = StreamExecutionEnvironment.create({ parallelism: 1, maxParallelism: 16, restoreFrom: path });
    build(env, after, 1);
    await env.execute("unit-savepoints");
    const last = new Map<string, number>();
    for (const l of after) {
      const [k, c] = l.split(" ");
      last.set(k!, Math.max(last.get(k!) ?? 0, Number(c)));
    }
    const totals = new Map<string, number>();
    for (const l of oracle()) {
      const [k, c] = l.split(" ");
      totals.set(k!, Math.max(totals.get(k!) ?? 0, Number(c)));
    }
    assert.ok(after.length > 0 && after.length < N, `the restored job emitted ${after.length} results`);
    assert.deepEqual(last, totals);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
