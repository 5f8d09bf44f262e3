/**
 * A job cut into units (as `fleuve run --group` does over Kafka) computes what the whole job
 * computes. The exchanges here are in memory: each sending unit runs to its end, then the
 * receiving units read what it wrote, with the watermark as the minimum over senders. Random
 * out-of-order inputs (fast-check), compared with a brute-force oracle.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type Sink,
  type Source,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "../../src/index.js";
import {
  type Exchange,
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

type Msg =
  | { kind: "r"; v: unknown; ts: number | undefined }
  | { kind: "w"; s: number; wm: number }
  | { kind: "e"; s: number };

const DISORDER = 30;
const WINDOW = 10;

function memoryExchanges(maxParallelism: number) {
  const queues = new Map<number, Msg[][]>();
  const queue = (x: Exchange) => {
    let q = queues.get(x.index);
    if (!q) {
      q = Array.from({ length: x.receivers }, () => []);
      queues.set(x.index, q);
    }
    return q;
  };
  return {
    output(x: Exchange): Sink<unknown> {
      return {
        createWriter(ctx) {
          const q = queue(x);
          const choose = exchangePartitioner(x, ctx.subtaskIndex, maxParallelism);
          const all = (m: Msg) => {
            for (const r of q) r.push(m);
          };
          return {
            write(v, ts) {
              const p = choose(v);
              if (p < 0) all({ kind: "r", v, ts });
              else q[p]!.push({ kind: "r", v, ts });
            },
            writeWatermark: (wm) => all({ kind: "w", s: ctx.subtaskIndex, wm }),
            finish: () => all({ kind: "e", s: ctx.subtaskIndex }),
          };
        },
      };
    },
    input(x: Exchange): Source<unknown> {
      return {
        bounded: true,
        createReader(ctx) {
          const msgs = queue(x)[ctx.subtaskIndex]!;
          const wms = new Array<number>(x.senders).fill(Number.NEGATIVE_INFINITY);
          let i = 0;
          return {
            poll(out, max) {
              for (let n = 0; i < msgs.length && n < max; n++) {
                const m = msgs[i++]!;
                if (m.kind === "r") {
                  if (m.ts === undefined) out.collect(m.v);
                  else out.collect(m.v, m.ts);
                } else {
                  wms[m.s] = m.kind === "w" ? Math.max(wms[m.s]!, m.wm) : Number.POSITIVE_INFINITY;
                  const min = Math.min(...wms);
                  if (Number.isFinite(min)) out.emitWatermark(min);
                }
              }
              return i < msgs.length ? "more" : "end";
            },
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
