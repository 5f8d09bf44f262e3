/**
 * A job cut into units (as `fleuve run --group` does over Kafka) computes what the whole job
 * computes. The exchanges here are in memory and speak core's exchange protocol (the Kafka
 * transport only moves the same bytes): either each sending unit runs to its end before the
 * receiving units read what it wrote, or every unit runs at once. Random out-of-order inputs
 * (fast-check), compared with a brute-force oracle or with the same job in one process.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type JobClient,
  type Sink,
  type Source,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "../../src/index.js";
import {
  type Exchange,
  ExchangeReceiver,
  ExchangeSender,
  exchangePartitioner,
  planUnits,
  runUnit,
  unitGraph,
} from "../../src/scale-out/index.js";
import * as unionConnect from "../integration/union-connect-job.js";

interface Ev {
  k: number;
  v: number;
  ts: number;
}

const DISORDER = 30;
const WINDOW = 10;

/** What one receiving subtask of an exchange has been sent, in order, and who waits for more. */
interface Queue {
  readonly messages: Buffer[];
  wake: (() => void) | undefined;
}

/** Exchanges in memory: one queue of encoded messages per receiving subtask. */
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
    output(x: Exchange): Sink<unknown> {
      return {
        createWriter(ctx) {
          const q = queue(x);
          return new ExchangeSender(
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
        },
      };
    },
    input(x: Exchange): Source<unknown> {
      return {
        bounded: x.bounded,
        createReader(ctx) {
          const q = queue(x)[ctx.subtaskIndex]!;
          const receiver = new ExchangeReceiver(x);
          let i = 0;
          return {
            poll(out, max) {
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
          };
        },
      };
    },
  };
}

/** Windows sums per key, re-keyed by sum parity into a running count: two exchanges deep. */
function build(env: StreamExecutionEnvironment, events: Ev[], out: string[]): void {
  env
    .fromCollection(events, {
      strategy: WatermarkStrategy.forBoundedOutOfOrderness<Ev>(DISORDER).withTimestampAssigner((e) => e.ts),
    })
    .setParallelism(2)
    .keyBy((e) => e.k)
    .window(TumblingEventTimeWindows.of(WINDOW))
    .reduce((a, b) => ({ k: a.k, v: a.v + b.v, ts: Math.max(a.ts, b.ts) }))
    .setParallelism(3)
    .map((w) => ({ parity: w.v % 2, n: 1, w: `${w.k}@${Math.floor(w.ts / WINDOW)}=${w.v}` }))
    .keyBy((w) => w.parity)
    .reduce((a, b) => ({ parity: a.parity, n: a.n + b.n, w: b.w }))
    .setParallelism(2)
    .forEach((r) => {
      out.push(`count ${r.parity} ${r.n}`);
      out.push(`window ${r.w}`);
    });
}

function oracle(events: Ev[]): string[] {
  const sums = new Map<string, number>();
  for (const e of events) {
    const k = `${e.k}@${Math.floor(e.ts / WINDOW)}`;
    sums.set(k, (sums.get(k) ?? 0) + e.v);
  }
  const out: string[] = [];
  const perParity = [0, 0];
  for (const [k, v] of sums) {
    out.push(`window ${k}=${v}`);
    out.push(`count ${v % 2} ${++perParity[v % 2]!}`);
  }
  return out.sort();
}

const eventsArb = fc
  .array(
    fc.record({
      k: fc.integer({ min: 0, max: 6 }),
      v: fc.integer({ min: 0, max: 50 }),
      base: fc.nat(400),
      jitter: fc.nat(DISORDER),
    }),
    {
      maxLength: 120,
    },
  )
  .map((rs) => {
    // Sorted by base, then disordered by at most DISORDER: no record is late for the watermark.
    rs.sort((a, b) => a.base - b.base);
    return rs.map((r) => ({ k: r.k, v: r.v, ts: r.base + r.jitter }));
  });

test("planUnits: one unit per subtask of each task, one exchange per edge between tasks", () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  build(env, [], []);
  const plan = planUnits(env.getStreamGraph(), env.config);
  assert.deepEqual(
    plan.units.map((u) => `${u.task}:${u.subtask}/${u.parallelism}`),
    ["0:0/2", "0:1/2", "1:0/3", "1:1/3", "1:2/3", "2:0/2", "2:1/2", "3:0/2", "3:1/2"],
  );
  assert.deepEqual(
    plan.exchanges.map((x) => [x.fromTask, x.toTask, x.senders, x.receivers, x.edge.partitioner]),
    [
      [0, 1, 2, 3, "hash"],
      [1, 2, 3, 2, "rebalance"], // the map after the window runs at the default parallelism
      [2, 3, 2, 2, "hash"],
    ],
  );
  assert.equal(new Set(plan.units.map((u) => u.name)).size, plan.units.length, "unit names are unique");
  // Every operator runs in the units of exactly one task (a dashboard places units by these uids).
  const tasksOf = new Map<string, Set<number>>();
  for (const u of plan.units)
    for (const uid of u.operators) tasksOf.set(uid, (tasksOf.get(uid) ?? new Set()).add(u.task));
  assert.deepEqual(
    [...tasksOf.keys()].sort(),
    env
      .getStreamGraph()
      .toJSON()
      .nodes.map((n) => n.uid)
      .sort(),
  );
  assert.ok([...tasksOf.values()].every((tasks) => tasks.size === 1));
  assert.ok(
    plan.exchanges.every((x) => x.bounded),
    "a job over bounded sources has bounded exchanges",
  );
});

test("a job run unit by unit over exchanges equals the oracle (random out-of-order input)", async () => {
  await fc.assert(
    fc.asyncProperty(eventsArb, async (events) => {
      const out: string[] = [];
      const maxParallelism = 16;
      const io = memoryExchanges(maxParallelism);
      const make = () => {
        const env = StreamExecutionEnvironment.create({ parallelism: 2, maxParallelism });
        build(env, events, out);
        return env;
      };
      const env = make();
      const plan = planUnits(env.getStreamGraph(), env.config);
      // Tasks are numbered in topological order: run the senders of an exchange before its receivers.
      for (const u of plan.units) {
        const e = make();
        const g = unitGraph(e.getStreamGraph(), e.config, plan, u.task, io);
        await runUnit(g, e.config, "units-test", u).result;
      }
      assert.deepEqual(out.sort(), oracle(events));
    }),
    { numRuns: 40 },
  );
});

test("exchangePartitioner sends each key where the in-process channels send it (key groups)", async () => {
  // Oracle: the whole job in one process, where a sink chained after the keyed operator records
  // which subtask each key reached through the ordinary channels.
  const keys = Array.from({ length: 400 }, (_, k) => (k % 3 === 0 ? `k${k}` : k * 7919));
  const env = StreamExecutionEnvironment.create({ parallelism: 3, maxParallelism: 32 });
  const reached = new Map<string | number, number>();
  env
    .fromCollection(keys)
    .setParallelism(2)
    .keyBy((k) => k)
    .map((k) => k)
    .sinkTo({
      createWriter: (ctx) => ({
        write: (k) => {
          reached.set(k, ctx.subtaskIndex);
        },
      }),
    });
  const plan = planUnits(env.getStreamGraph(), env.config);
  await env.execute();
  const x = plan.exchanges[0]!;
  assert.equal(x.edge.partitioner, "hash");
  for (const sender of [0, 1]) {
    const choose = exchangePartitioner(x, sender, 32);
    for (const k of keys) assert.equal(choose(k), reached.get(k), `key ${k}`);
  }
  assert.equal(new Set(reached.values()).size, 3, "keys spread over every receiver");
});

test("union, keyed timers and connect (two inputs from two exchanges) run unit by unit equal the oracle", async () => {
  await fc.assert(
    fc.asyncProperty(unionConnect.events, unionConnect.events, unionConnect.events, async (a, b, c) => {
      const out: unionConnect.Out[] = [];
      const io = memoryExchanges(128);
      const make = () => {
        const env = StreamExecutionEnvironment.create({ parallelism: 3 });
        unionConnect
          .build(
            a,
            b,
            c,
          )(env)
          .forEach((v) => {
            out.push(v);
          });
        return env;
      };
      const env = make();
      const plan = planUnits(env.getStreamGraph(), env.config);
      assert.ok(
        plan.exchanges.some((x) => x.edge.inputIndex === 1),
        "the connect's second input crosses an exchange",
      );
      for (const u of plan.units) {
        const e = make();
        await runUnit(unitGraph(e.getStreamGraph(), e.config, plan, u.task, io), e.config, "units-test", u)
          .result;
      }
      assert.deepEqual(unionConnect.canon(out), unionConnect.canon(unionConnect.oracle(a, b, c)));
    }),
    { numRuns: 30 },
  );
});

test("exchangePartitioner sends each record where the in-process channels send it, for every partitioner", async () => {
  // Per partitioner, the subtask of the receiving map that each value reached: in one process
  // through the channels, and unit by unit through exchanges (each sender's records in the same
  // order in both, so round-robin partitioners must agree too).
  const values = Array.from({ length: 60 }, (_, i) => i);
  const parts = ["rebalance", "rescale", "global", "broadcast", "custom", "forward", "hash"] as const;
  for (const part of parts) {
    const make = (reached: string[]) => {
      const env = StreamExecutionEnvironment.create({ parallelism: 2, maxParallelism: 32 });
      const src = env.fromCollection(values).setParallelism(part === "forward" ? 3 : 2);
      const routed =
        part === "rebalance"
          ? src.rebalance()
          : part === "rescale"
            ? src.rescale()
            : part === "global"
              ? src.global()
              : part === "broadcast"
                ? src.broadcast()
                : part === "custom"
                  ? src.partitionCustom(
                      (k: number, n) => (k * 7) % n,
                      (v) => v,
                    )
                  : part === "forward"
                    ? src.forward()
                    : src.keyBy((v) => v);
      routed
        .map((v) => v)
        .setParallelism(3)
        .disableChaining()
        .sinkTo({
          createWriter: (ctx) => ({
            write: (v) => {
              reached.push(`${v}->${ctx.subtaskIndex}`);
            },
          }),
        });
      return env;
    };
    const inProcess: string[] = [];
    await make(inProcess).execute();
    const byUnits: string[] = [];
    const env = make(byUnits);
    const plan = planUnits(env.getStreamGraph(), env.config);
    const io = memoryExchanges(32);
    for (const u of plan.units) {
      const e = make(byUnits);
      await runUnit(unitGraph(e.getStreamGraph(), e.config, plan, u.task, io), e.config, "units-test", u)
        .result;
    }
    assert.deepEqual(byUnits.sort(), inProcess.sort(), part);
  }
});

/**
 * An unbounded source of two subtasks, like a Kafka topic with a partition that never gets data:
 * subtask 1 emits nothing and marks itself idle at once (as a Kafka reader without data does);
 * subtask 0 then emits `events` and nothing more. Subtask 0 waits for subtask 1's idleness so that
 * the order is the same in every run (`idleMarked` is shared by both readers).
 */
function oneIdleSubtask(events: Ev[], shared: { idleMarked: boolean }): Source<Ev> {
  return {
    bounded: false,
    createReader(ctx) {
      let sent = false;
      return {
        poll(out) {
          if (sent) return "nothing-yet";
          if (ctx.subtaskIndex === 1) {
            out.markIdle();
            shared.idleMarked = true;
            sent = true;
          } else if (shared.idleMarked) {
            for (const e of events) out.collect(e);
            sent = true;
          }
          return "nothing-yet";
        },
        available: () => new Promise<void>((r) => setTimeout(r, 5)),
      };
    },
  };
}

const IDLE_MS = 50;

/** Window sums per key over a source with an idle subtask, into `out` as `key@window=sum`. */
function buildIdle(
  env: StreamExecutionEnvironment,
  events: Ev[],
  shared: { idleMarked: boolean },
  out: string[],
): void {
  env
    .fromSource(
      oneIdleSubtask(events, shared),
      WatermarkStrategy.forBoundedOutOfOrderness<Ev>(DISORDER)
        .withTimestampAssigner((e) => e.ts)
        .withIdleness(IDLE_MS),
      "events",
    )
    .setParallelism(2)
    .keyBy((e) => e.k)
    .window(TumblingEventTimeWindows.of(WINDOW))
    .reduce((a, b) => ({ k: a.k, v: a.v + b.v, ts: Math.max(a.ts, b.ts) }))
    .setParallelism(2)
    .forEach((r) => {
      out.push(`${r.k}@${Math.floor(r.ts / WINDOW)}=${r.v}`);
    });
}

/** Waits until `done()` holds, checking every few ms (the jobs run meanwhile), or the test times out. */
async function until(done: () => boolean, signal: AbortSignal): Promise<void> {
  while (!done()) {
    if (signal.aborted) throw new Error("the windows did not fire before the test timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Cancels `clients` and waits for them to stop (a cancelled job's result rejects). */
async function cancelAll(clients: JobClient[]): Promise<void> {
  for (const c of clients) c.cancel();
  for (const c of clients) await c.result.catch(() => {});
}

test("idleness crosses an exchange: with an idle source subtask, units fire the windows one process fires", {
  timeout: 120_000,
}, async (t) => {
  await fc.assert(
    fc.asyncProperty(eventsArb, async (events) => {
      fc.pre(events.length > 0);
      // The final watermark of the busy subtask; the idle one must not hold it back.
      const watermark = Math.max(...events.map((e) => e.ts)) - DISORDER - 1;
      const sums = new Map<string, number>();
      for (const e of events) {
        const w = Math.floor(e.ts / WINDOW);
        if ((w + 1) * WINDOW - 1 > watermark) continue; // not due yet
        sums.set(`${e.k}@${w}`, (sums.get(`${e.k}@${w}`) ?? 0) + e.v);
      }
      const expected = [...sums].map(([k, v]) => `${k}=${v}`).sort();
      fc.pre(expected.length > 0);
      const options = { parallelism: 2, maxParallelism: 16, autoWatermarkIntervalMs: 10 };

      const inProcess: string[] = [];
      const env = StreamExecutionEnvironment.create(options);
      buildIdle(env, events, { idleMarked: false }, inProcess);
      const one = env.executeAsync("idle-one-process");
      try {
        await until(() => inProcess.length >= expected.length, t.signal);
      } finally {
        await cancelAll([one]);
      }

      const byUnits: string[] = [];
      const io = memoryExchanges(16);
      const shared = { idleMarked: false };
      const make = () => {
        const e = StreamExecutionEnvironment.create(options);
        buildIdle(e, events, shared, byUnits);
        return e;
      };
      const first = make();
      const plan = planUnits(first.getStreamGraph(), first.config);
      const clients = plan.units.map((u) => {
        const e = make();
        return runUnit(unitGraph(e.getStreamGraph(), e.config, plan, u.task, io), e.config, "idle-units", u);
      });
      // Without idleness crossing the exchange, the idle sender holds the window units' watermark
      // at its start for ever: nothing fires and this waits until the test times out.
      try {
        await until(() => byUnits.length >= expected.length, t.signal);
      } finally {
        await cancelAll(clients);
      }

      assert.deepEqual(inProcess.sort(), expected, "one process");
      assert.deepEqual(byUnits.sort(), expected, "units");
    }),
    { numRuns: 5 },
  );
});
