/**
 * Operators and the DataStream API end to end: transformations, side outputs, union, keyed
 * connect with shared state, the broadcast state pattern, rolling reduce, and how each
 * partitioner distributes records among subtasks.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type DataStream,
  type KeyedProcessFunction,
  keyGroupOf,
  type MapStateDescriptor,
  mapState,
  normalizeKey,
  OutputTag,
  type ProcessFunction,
  StreamExecutionEnvironment,
  subtaskForKeyGroup,
  TwoInputOperator,
  type ValueState,
  valueState,
} from "../../src/index.js";
import {
  CollectSink,
  collect,
  collectWithTimestamps,
  harnessFor,
  runPipeline,
} from "../../src/testing/index.js";

const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

test("map, flatMap and filter keep timestamps and transform like the array methods", {
  timeout: 60_000,
}, async () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const env = StreamExecutionEnvironment.create({ parallelism: 3 });
  const out = await collectWithTimestamps(
    env
      .fromCollection(items, { timestamps: items.map((i) => i * 10) })
      .map((x) => x + 1)
      .filter((x) => x % 3 !== 0)
      .flatMap((x) => Array.from({ length: x % 3 }, () => x)),
  );
  const expected = items
    .map((x) => x + 1)
    .filter((x) => x % 3 !== 0)
    .flatMap((x) => Array.from({ length: x % 3 }, () => ({ value: x, timestamp: (x - 1) * 10 })));
  assert.deepEqual(sorted(out), sorted(expected));
});

test("process with side outputs: main and side streams get their records with timestamps", {
  timeout: 60_000,
}, async () => {
  const odd = new OutputTag<string>("odd");
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const items = [1, 2, 3, 4, 5, 6];
  const fn: ProcessFunction<number, number> = {
    processElement(v, ctx, out) {
      if (v % 2 === 0) out.collect(v * 10);
      else ctx.output(odd, `odd ${v} at ${ctx.timestamp()}`);
    },
  };
  const main = env.fromCollection(items, { timestamps: items.map((i) => 100 + i) }).process(fn);
  const mainSink = new CollectSink<number>();
  const sideSink = new CollectSink<string>();
  main.sinkTo(mainSink);
  main.getSideOutput(odd).sinkTo(sideSink);
  await env.execute();
  assert.deepEqual(sorted(mainSink.records.map((r) => [r.value, r.timestamp])), [
    [20, 102],
    [40, 104],
    [60, 106],
  ]);
  assert.deepEqual(sorted(sideSink.records.map((r) => [r.value, r.timestamp])), [
    ["odd 1 at 101", 101],
    ["odd 3 at 103", 103],
    ["odd 5 at 105", 105],
  ]);
});

test("harness: side outputs and timestamps of a process function", () => {
  const late = new OutputTag<number>("late");
  const h = harnessFor<number, number, string>(
    {
      processElement(v, ctx, out) {
        if (v < 0) ctx.output(late, v);
        else out.collect(v);
      },
    },
    () => "k",
  );
  h.processElement(1, 10);
  h.processElement(-2, 20);
  h.processElement(3);
  assert.deepEqual(h.getOutput(), [
    { value: 1, timestamp: 10 },
    { value: 3, timestamp: undefined },
  ]);
  assert.deepEqual(h.getSideOutput(late), [{ value: -2, timestamp: 20 }]);
  assert.equal(h.metrics.recordsIn.count, 3);
  assert.equal(h.metrics.recordsOut.count, 2);
});

test("union merges every record of every input (same type), at any parallelism", {
  timeout: 60_000,
}, async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 3 });
  const a = env.fromElements(1, 2, 3);
  const b = env.fromCollection([10, 20]).setParallelism(1);
  const c = env.fromSequence(100, 104).map((x) => x);
  const out = await collect(a.union(b, c).map((x) => x * 2));
  assert.deepEqual(
    out.sort((x, y) => x - y),
    [2, 4, 6, 20, 40, 200, 202, 204, 206, 208],
  );
});

interface Order {
  id: number;
  item: string;
}
interface Payment {
  orderId: number;
  amount: number;
}

test("keyed connect: both inputs of one key share state, whatever the arrival order", {
  timeout: 60_000,
}, async () => {
  for (const p of [1, 3]) {
    const env = StreamExecutionEnvironment.create({ parallelism: p });
    const orders = env.fromCollection<Order>(
      Array.from({ length: 40 }, (_, i) => ({ id: i, item: `item${i}` })),
    );
    const pays = env.fromCollection<Payment>(
      Array.from({ length: 40 }, (_, i) => ({ orderId: 39 - i, amount: (39 - i) * 2 })),
    );
    type S = { order?: ValueState<Order>; pay?: ValueState<Payment> };
    const out = await collect(
      orders
        .connect(pays)
        .keyBy(
          (o) => o.id,
          (q) => q.orderId,
        )
        .process<string, number>({
          open(ctx) {
            (this as S).order = ctx.getState(valueState<Order>("order"));
            (this as S).pay = ctx.getState(valueState<Payment>("pay"));
          },
          processElement1(o, ctx, out) {
            const s = this as S;
            const pay = s.pay!.value();
            if (pay) out.collect(`${ctx.getCurrentKey()}:${o.item}:${pay.amount}`);
            else s.order!.update(o);
          },
          processElement2(q, ctx, out) {
            const s = this as S;
            const o = s.order!.value();
            if (o) out.collect(`${ctx.getCurrentKey()}:${o.item}:${q.amount}`);
            else s.pay!.update(q);
          },
        }),
    );
    assert.deepEqual(
      out.sort(),
      Array.from({ length: 40 }, (_, i) => `${i}:item${i}:${i * 2}`).sort(),
      `parallelism ${p}`,
    );
  }
});

test("broadcast state pattern: rules broadcast to every subtask of a keyed stream", {
  timeout: 60_000,
}, async () => {
  const rules: MapStateDescriptor<string, number> = mapState<string, number>("rules");
  const P = 3;
  const env = StreamExecutionEnvironment.create({ parallelism: P });
  const ruleStream = env
    .fromCollection([
      { name: "x2", factor: 2 },
      { name: "x3", factor: 3 },
    ])
    .setParallelism(1)
    .broadcast(rules);
  const data = env.fromCollection(Array.from({ length: 30 }, (_, i) => ({ k: i % 7, v: i })));
  type S = { buf?: ValueState<number[]>; subtask?: number };
  const out = await collect(
    data
      .keyBy((d) => d.k)
      .connect(ruleStream)
      .process<string, number>(
        {
          open(ctx) {
            (this as S).buf = ctx.getState(valueState<number[]>("buf"));
            (this as S).subtask = ctx.subtaskIndex;
          },
          processElement(d, ctx) {
            // Buffer until the end of input, when every rule has certainly arrived.
            const s = this as S;
            s.buf!.update([...(s.buf!.value() ?? []), d.v]);
            ctx.timerService().registerEventTimeTimer(Number.MAX_SAFE_INTEGER);
          },
          processBroadcastElement(r, ctx) {
            ctx.getBroadcastState(rules).put(r.name, r.factor);
          },
          onTimer(_t, ctx, out) {
            const s = this as S;
            const rs = [...ctx.getBroadcastState(rules).entries()].sort();
            for (const v of s.buf!.value() ?? []) {
              for (const [name, f] of rs)
                out.collect(`${ctx.getCurrentKey()}:${v}${name}=${v * f}@${s.subtask}`);
            }
          },
        },
        "ApplyRules",
      ),
  );
  const expected: string[] = [];
  for (let i = 0; i < 30; i++) {
    const owner = subtaskForKeyGroup(keyGroupOf(normalizeKey(i % 7), 128), P, 128);
    expected.push(`${i % 7}:${i}x2=${i * 2}@${owner}`, `${i % 7}:${i}x3=${i * 3}@${owner}`);
  }
  assert.deepEqual(out.sort(), expected.sort());
});

test("broadcast-connected transform: an operator of one's own gets the keyed data on input 1 and the broadcast records on input 2, in every subtask", {
  timeout: 60_000,
}, async () => {
  const P = 3;
  const env = StreamExecutionEnvironment.create({ parallelism: P });
  const factors = env.fromCollection([2, 3]).setParallelism(1).broadcast(mapState<number, true>("factors"));
  const data = env.fromCollection(Array.from({ length: 20 }, (_, i) => i));
  /** Keeps the factors in broadcast state; at the end, emits key*factor for each key it saw. */
  class Multiply extends TwoInputOperator<number, number, string> {
    private readonly seen: number[] = [];
    processElement1(v: number): void {
      this.seen.push(v);
    }
    processElement2(f: number): void {
      this.runtime.operatorState.getBroadcastState(mapState<number, true>("factors")).put(f, true);
    }
    override finish(): void {
      const fs = [
        ...this.runtime.operatorState.getBroadcastState(mapState<number, true>("factors")).entries(),
      ];
      for (const v of this.seen)
        for (const [f] of fs) this.output.collect(`${v}x${f}@${this.runtime.subtaskIndex}`, 0);
    }
  }
  const out = await collect(
    data
      .keyBy((v) => v)
      .connect(factors)
      .transform("Multiply", () => new Multiply()),
  );
  const expected: string[] = [];
  for (let i = 0; i < 20; i++) {
    const owner = subtaskForKeyGroup(keyGroupOf(normalizeKey(i), 128), P, 128);
    expected.push(`${i}x2@${owner}`, `${i}x3@${owner}`);
  }
  assert.deepEqual(out.sort(), expected.sort());
  assert.throws(
    () =>
      data
        .keyBy((v) => v)
        .connect(factors)
        .transform("X", undefined as never),
    /transform\(\.\.\.\) needs a function/,
  );
});

test("connect(...).keyBy(...).transform(...) runs a keyed two-input operator of one's own", async () => {
  /** A symmetric hash join on keyed table state: whatever the arrival order, every pair once. */
  class Pairs extends TwoInputOperator<number, number, string> {
    private side(name: string) {
      return this.keyedState.getTable<number[]>(name);
    }
    processElement1(v: number): void {
      this.side("left").set([...(this.side("left").get() ?? []), v]);
      for (const r of this.side("right").get() ?? [])
        this.output.collect(`${v}-${r}@${this.runtime.subtaskIndex}`, 0);
    }
    processElement2(v: number): void {
      this.side("right").set([...(this.side("right").get() ?? []), v]);
      for (const l of this.side("left").get() ?? [])
        this.output.collect(`${l}-${v}@${this.runtime.subtaskIndex}`, 0);
    }
  }
  const P = 3;
  const env = StreamExecutionEnvironment.create({ parallelism: P });
  const left = env.fromCollection([1, 2, 3]);
  const right = env.fromCollection([10, 11, 20, 21, 40]);
  const out = await collect(
    left
      .connect(right)
      .keyBy(
        (l) => l,
        (r) => Math.floor(r / 10),
      )
      .transform("Pairs", () => new Pairs()),
  );
  const at = (k: number) => subtaskForKeyGroup(keyGroupOf(normalizeKey(k), 128), P, 128);
  assert.deepEqual(out.sort(), [`1-10@${at(1)}`, `1-11@${at(1)}`, `2-20@${at(2)}`, `2-21@${at(2)}`].sort());
  assert.throws(
    () => left.connect(right).transform("X", undefined as never),
    /transform\(\.\.\.\) needs a function/,
  );
});

test("rolling reduce emits the running result per key, in input order", { timeout: 60_000 }, async () => {
  for (const p of [1, 4]) {
    const env = StreamExecutionEnvironment.create({ parallelism: p });
    const items = Array.from({ length: 60 }, (_, i) => ({ k: `k${i % 4}`, v: i }));
    const out = await collect(
      env
        .fromCollection(items)
        .setParallelism(1)
        .keyBy((x) => x.k)
        .reduce((a, b) => ({ k: a.k, v: a.v + b.v })),
    );
    for (let k = 0; k < 4; k++) {
      const mine = out.filter((o) => o.k === `k${k}`).map((o) => o.v);
      let sum = 0;
      const expected = items.filter((x) => x.k === `k${k}`).map((x) => (sum += x.v));
      assert.deepEqual(mine, expected, `key k${k} at parallelism ${p}`);
    }
  }
});

// --- partitioners --------------------------------------------------------------------------------

interface Tagged {
  v: number;
  from: number;
  to: number;
}
/** Tags each record with the subtask of the operator that saw it (from open(ctx)). */
function tag(field: "from" | "to"): ProcessFunction<any, any> & { me?: number } {
  return {
    open(ctx) {
      this.me = ctx.subtaskIndex;
    },
    processElement(v, _ctx, out) {
      out.collect(typeof v === "number" ? { v, [field]: this.me } : { ...v, [field]: this.me });
    },
  };
}

/** Source at `sp` subtasks tagging `from`, then `part`, then a tagging operator at `tp` subtasks. */
async function route(
  n: number,
  sp: number,
  tp: number,
  part: (s: DataStream<any>) => DataStream<any>,
): Promise<Tagged[]> {
  const run = await runPipeline(
    (env) => {
      const src = env
        .fromSequence(0, n - 1)
        .setParallelism(sp)
        .process(tag("from"))
        .setParallelism(sp);
      return part(src).process(tag("to")).setParallelism(tp);
    },
    { parallelism: 1 },
  );
  return run.values as Tagged[];
}

test("rebalance sends records round-robin over all subtasks", { timeout: 60_000 }, async () => {
  const out = await route(40, 1, 4, (s) => s.rebalance());
  assert.equal(out.length, 40);
  const per = [0, 0, 0, 0];
  for (const r of out) per[r.to]!++;
  assert.deepEqual(per, [10, 10, 10, 10]);
  const byV = new Map(out.map((r) => [r.v, r.to]));
  for (let v = 1; v < 40; v++)
    assert.equal(byV.get(v), (byV.get(v - 1)! + 1) % 4, "consecutive records, next subtask");
});

test("rescale sends each sender only to its local group of receivers", { timeout: 60_000 }, async () => {
  const up = await route(40, 2, 4, (s) => s.rescale());
  assert.equal(up.length, 40);
  for (const r of up) assert.ok(r.to === 2 * r.from || r.to === 2 * r.from + 1, JSON.stringify(r));
  assert.equal(new Set(up.map((r) => r.to)).size, 4, "every receiver used");
  const down = await route(40, 4, 2, (s) => s.rescale());
  for (const r of down) assert.equal(r.to, Math.floor(r.from / 2), JSON.stringify(r));
});

test("broadcast sends every record to every subtask; global sends all to subtask 0", {
  timeout: 60_000,
}, async () => {
  const b = await route(10, 2, 3, (s) => s.broadcast());
  assert.equal(b.length, 30);
  for (let t = 0; t < 3; t++)
    assert.deepEqual(
      b
        .filter((r) => r.to === t)
        .map((r) => r.v)
        .sort((x, y) => x - y),
      Array.from({ length: 10 }, (_, i) => i),
    );
  const g = await route(20, 3, 4, (s) => s.global());
  assert.equal(g.length, 20);
  for (const r of g) assert.equal(r.to, 0);
});

test("partitionCustom uses the partitioner's choice; forward keeps the subtask; keyBy uses key groups", {
  timeout: 60_000,
}, async () => {
  const c = await route(30, 2, 3, (s) =>
    s.partitionCustom(
      (k: number, n) => (k * 7) % n,
      (r: Tagged) => r.v,
    ),
  );
  assert.equal(c.length, 30);
  for (const r of c) assert.equal(r.to, (r.v * 7) % 3);
  const f = await route(30, 3, 3, (s) => s.forward());
  for (const r of f) assert.equal(r.to, r.from);
  const k = await route(30, 2, 4, (s) => s.keyBy((r: Tagged) => r.v % 11));
  for (const r of k) assert.equal(r.to, subtaskForKeyGroup(keyGroupOf(normalizeKey(r.v % 11), 128), 4, 128));
});

test("keyed process function at parallelism 4: each key's state is seen by one subtask only", {
  timeout: 60_000,
}, async () => {
  type S = { seen?: ValueState<number>; me?: number };
  const fn: KeyedProcessFunction<number, number, string> & S = {
    open(ctx) {
      this.seen = ctx.getState(valueState<number>("seen"));
      this.me = ctx.subtaskIndex;
    },
    processElement(v, ctx, out) {
      const n = (this.seen!.value() ?? 0) + 1;
      this.seen!.update(n);
      out.collect(`${ctx.getCurrentKey()}#${n}@${this.me}`);
      void v;
    },
  };
  const run = await runPipeline(
    (env) =>
      env
        .fromSequence(0, 99)
        .keyBy((x) => x % 10)
        .process(fn),
    { parallelism: 4 },
  );
  const byKey = new Map<string, string[]>();
  for (const s of run.values) {
    const [k, rest] = s.split("#") as [string, string];
    byKey.set(k, [...(byKey.get(k) ?? []), rest]);
  }
  assert.equal(byKey.size, 10);
  for (const [k, list] of byKey) {
    const subtasks = new Set(list.map((x) => x.split("@")[1]));
    assert.equal(subtasks.size, 1, `key ${k} on one subtask`);
    assert.deepEqual(
      list.map((x) => Number(x.split("@")[0])).sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  }
});
