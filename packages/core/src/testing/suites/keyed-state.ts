/**
 * The keyed-state cases every state backend must pass: per-key isolation of every state kind
 * against a model, TTL with a manual clock, and snapshot/restore by key group into other
 * parallelisms (rescaling). Core runs them on its heap backend, @fleuve/state-lmdb on LMDB; a new
 * backend calls {@link keyedStateCases} from its own test file.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { KeyedStateBackendFactory } from "../../index.js";
import {
  type AggregatingState,
  aggregatingState,
  type Key,
  type KeyedProcessFunction,
  keyGroupOf,
  type ListState,
  listState,
  type MapState,
  mapState,
  normalizeKey,
  type ReducingState,
  reducingState,
  type StateTtlConfig,
  subtaskForKeyGroup,
  type ValueState,
  valueState,
} from "../../index.js";
import { harnessFor } from "../one-input-harness.js";

// --- per-key isolation, all kinds ------------------------------------------------------------

type Op =
  | { s: "value"; op: "set"; x: number }
  | { s: "value"; op: "get" | "clear" }
  | { s: "list"; op: "add"; x: number }
  | { s: "list"; op: "get" | "clear" }
  | { s: "map"; op: "put"; mk: string; x: number }
  | { s: "map"; op: "get" | "remove"; mk: string }
  | { s: "map"; op: "entries" | "clear" }
  | { s: "reducing" | "aggregating"; op: "add"; x: number }
  | { s: "reducing" | "aggregating"; op: "get" | "clear" };
interface Rec {
  k: Key;
  o: Op;
}

type AllStates = {
  value?: ValueState<number>;
  list?: ListState<number>;
  map?: MapState<string, number>;
  reducing?: ReducingState<number>;
  aggregating?: AggregatingState<number, string>;
};

/** Applies the record's operation to the current key's state; emits what reads return. */
const stateFn: KeyedProcessFunction<Key, Rec, unknown> & AllStates = {
  open(ctx) {
    this.value = ctx.getState(valueState<number>("value"));
    this.list = ctx.getState(listState<number>("list"));
    this.map = ctx.getState(mapState<string, number>("map"));
    this.reducing = ctx.getState(reducingState<number>("reducing", (a, b) => a + b));
    this.aggregating = ctx.getState(
      aggregatingState("aggregating", {
        createAccumulator: () => ({ n: 0, sum: 0 }),
        add: (v: number, a: { n: number; sum: number }) => ({ n: a.n + 1, sum: a.sum + v }),
        getResult: (a) => `${a.sum}/${a.n}`,
        merge: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
      }),
    );
  },
  processElement({ o }, _ctx, out) {
    switch (o.s) {
      case "value":
        if (o.op === "set") this.value!.update(o.x);
        else if (o.op === "clear") this.value!.clear();
        else out.collect(this.value!.value() ?? null);
        break;
      case "list":
        if (o.op === "add") this.list!.add(o.x);
        else if (o.op === "clear") this.list!.clear();
        else out.collect([...this.list!.get()]);
        break;
      case "map":
        if (o.op === "put") this.map!.put(o.mk, o.x);
        else if (o.op === "remove") this.map!.remove(o.mk);
        else if (o.op === "clear") this.map!.clear();
        else if (o.op === "get") out.collect(this.map!.get(o.mk) ?? null);
        else out.collect([...this.map!.entries()].sort());
        break;
      default: {
        const st = o.s === "reducing" ? this.reducing! : this.aggregating!;
        if (o.op === "add") (st as ReducingState<number>).add(o.x);
        else if (o.op === "clear") st.clear();
        else out.collect(st.get() ?? null);
      }
    }
  },
};

/** Per key: the same operations on plain JS values. */
class StateModel {
  readonly keys = new Map<
    string,
    {
      value?: number;
      list: number[];
      map: Map<string, number>;
      red?: number;
      agg?: { n: number; sum: number };
    }
  >();
  apply({ k, o }: Rec): unknown[] {
    const id = Array.isArray(k) ? `t${k.map((x) => typeof x + String(x)).join(",")}` : typeof k + String(k);
    let s = this.keys.get(id);
    if (!s) this.keys.set(id, (s = { list: [], map: new Map() }));
    switch (o.s) {
      case "value":
        if (o.op === "set") s.value = o.x;
        else if (o.op === "clear") s.value = undefined;
        else return [s.value ?? null];
        return [];
      case "list":
        if (o.op === "add") s.list.push(o.x);
        else if (o.op === "clear") s.list = [];
        else return [[...s.list]];
        return [];
      case "map":
        if (o.op === "put") s.map.set(o.mk, o.x);
        else if (o.op === "remove") s.map.delete(o.mk);
        else if (o.op === "clear") s.map.clear();
        else if (o.op === "get") return [s.map.get(o.mk) ?? null];
        else return [[...s.map.entries()].sort()];
        return [];
      case "reducing":
        if (o.op === "add") s.red = (s.red ?? 0) + o.x;
        else if (o.op === "clear") s.red = undefined;
        else return [s.red ?? null];
        return [];
      case "aggregating":
        if (o.op === "add") s.agg = { n: (s.agg?.n ?? 0) + 1, sum: (s.agg?.sum ?? 0) + o.x };
        else if (o.op === "clear") s.agg = undefined;
        else return [s.agg ? `${s.agg.sum}/${s.agg.n}` : null];
        return [];
    }
  }
  /** Non-empty (state, key) pairs. */
  entries(): number {
    let n = 0;
    for (const s of this.keys.values()) {
      n += Number(s.value !== undefined) + Number(s.list.length > 0) + Number(s.map.size > 0);
      n += Number(s.red !== undefined) + Number(s.agg !== undefined);
    }
    return n;
  }
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ s: fc.constant("value" as const), op: fc.constant("set" as const), x: fc.integer() }),
  fc.record({ s: fc.constant("value" as const), op: fc.constantFrom("get" as const, "clear" as const) }),
  fc.record({ s: fc.constant("list" as const), op: fc.constant("add" as const), x: fc.integer() }),
  fc.record({ s: fc.constant("list" as const), op: fc.constantFrom("get" as const, "clear" as const) }),
  fc.record({
    s: fc.constant("map" as const),
    op: fc.constant("put" as const),
    mk: fc.constantFrom("x", "y"),
    x: fc.integer(),
  }),
  fc.record({
    s: fc.constant("map" as const),
    op: fc.constantFrom("get" as const, "remove" as const),
    mk: fc.constantFrom("x", "y"),
  }),
  fc.record({ s: fc.constant("map" as const), op: fc.constantFrom("entries" as const, "clear" as const) }),
  fc.record({
    s: fc.constantFrom("reducing" as const, "aggregating" as const),
    op: fc.constant("add" as const),
    x: fc.integer({ min: -100, max: 100 }),
  }),
  fc.record({
    s: fc.constantFrom("reducing" as const, "aggregating" as const),
    op: fc.constantFrom("get" as const, "clear" as const),
  }),
);
// Distinct keys that could be confused: 1 vs "1", a tuple, a bigint, booleans.
const keyArb = fc.constantFrom<Key>("a", "b", 1, "1", 2, ["a", 1], ["a", "1"], 7n, true);

/**
 * Registers the keyed-state cases as `node:test` tests of the calling file, run on the backend
 * `options.stateBackend` makes (`{}`: the default heap backend). Uses fast-check (install it).
 */
export function keyedStateCases(options: {
  stateBackend?: KeyedStateBackendFactory;
  /** fast-check runs of the isolation property (a slow backend may take fewer). */
  isolationRuns?: number;
}): void {
  const backendOpts = options.stateBackend ? { stateBackend: options.stateBackend } : {};
  const isolationRuns = options.isolationRuns ?? 200;

  test("value/list/map/reducing/aggregating state are isolated per key (vs a model)", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ k: keyArb, o: opArb }), { maxLength: 80 }), (recs) => {
        const h = harnessFor(stateFn, (r: Rec) => r.k, backendOpts);
        const model = new StateModel();
        const expected: unknown[] = [];
        for (const r of recs) {
          h.processElement(r, 0);
          expected.push(...model.apply(r));
        }
        assert.deepEqual(h.getOutputValues(), expected);
        assert.equal(h.numKeyedStateEntries(), model.entries());
      }),
      { numRuns: isolationRuns },
    );
  });

  // --- TTL -----------------------------------------------------------------------------------------

  interface TtlRec {
    k: string;
    op: "set" | "get" | "add" | "list" | "put" | "mget";
    x?: number;
  }
  function ttlHarness(ttl: StateTtlConfig) {
    const fn: KeyedProcessFunction<string, TtlRec, unknown> & {
      v?: ValueState<number>;
      l?: ListState<number>;
      m?: MapState<string, number>;
    } = {
      open(ctx) {
        this.v = ctx.getState(valueState<number>("v", { ttl }));
        this.l = ctx.getState(listState<number>("l", { ttl }));
        this.m = ctx.getState(mapState<string, number>("m", { ttl }));
      },
      processElement(r, _ctx, out) {
        if (r.op === "set") this.v!.update(r.x!);
        else if (r.op === "get") out.collect(this.v!.value() ?? null);
        else if (r.op === "add") this.l!.add(r.x!);
        else if (r.op === "list") out.collect([...this.l!.get()]);
        else if (r.op === "put") this.m!.put(String(r.x), r.x!);
        else out.collect([...this.m!.entries()]);
      },
    };
    const h = harnessFor(fn, (r: TtlRec) => r.k, backendOpts);
    /** Moves the clock to `t` and runs the operation; returns what it emitted. */
    const at = (t: number, op: TtlRec["op"], x?: number, k = "a") => {
      h.setProcessingTime(t);
      h.clearOutput();
      h.processElement({ k, op, x });
      return h.getOutputValues()[0];
    };
    return { h, at };
  }

  test("TTL OnCreateAndWrite + NeverReturnExpired: reads do not extend life, writes do", () => {
    const { h, at } = ttlHarness({ ttlMs: 100 });
    at(0, "set", 1);
    assert.equal(at(60, "get"), 1);
    assert.equal(at(99, "get"), 1);
    assert.equal(at(100, "get"), null, "expired at ttl even though read at 60");
    at(200, "set", 2);
    at(280, "set", 3); // a write refreshes
    assert.equal(at(379, "get"), 3);
    assert.equal(at(380, "get"), null);
    // other keys have their own clock
    at(400, "set", 9, "b");
    assert.equal(at(450, "get", undefined, "a"), null);
    assert.equal(at(450, "get", undefined, "b"), 9);
    assert.equal(h.numKeyedStateEntries(), 1, "expired entries are removed when read");
  });

  test("TTL OnReadAndWrite: every read restarts the entry's life", () => {
    const { at } = ttlHarness({ ttlMs: 100, updateType: "OnReadAndWrite" });
    at(0, "set", 1);
    assert.equal(at(60, "get"), 1);
    assert.equal(at(150, "get"), 1, "alive: last access at 60");
    assert.equal(at(249, "get"), 1);
    assert.equal(at(349, "get"), null, "100 ms without access");
  });

  test("TTL ReturnExpiredIfNotCleanedUp returns an expired value once, then it is gone", () => {
    const { h, at } = ttlHarness({ ttlMs: 100, visibility: "ReturnExpiredIfNotCleanedUp" });
    at(0, "set", 1);
    assert.equal(at(500, "get"), 1);
    assert.equal(at(500, "get"), null);
    assert.equal(h.numKeyedStateEntries(), 0);
    const never = ttlHarness({ ttlMs: 100, visibility: "NeverReturnExpired" });
    never.at(0, "set", 1);
    assert.equal(never.at(500, "get"), null);
  });

  test("TTL on list and map state applies per element / per entry", () => {
    const { at } = ttlHarness({ ttlMs: 100 });
    at(0, "add", 1);
    at(50, "add", 2);
    assert.deepEqual(at(99, "list"), [1, 2]);
    assert.deepEqual(at(120, "list"), [2]);
    assert.deepEqual(at(150, "list"), []);
    at(200, "put", 1);
    at(260, "put", 2);
    assert.deepEqual(at(310, "mget"), [["2", 2]]);
  });

  // --- snapshot / restore by key group -----------------------------------------------------------

  interface KRec {
    k: Key;
    v?: number;
    read?: boolean;
  }
  /** Keeps a value, a list and a timer per key; `read` records emit what the key holds. */
  const rescaleFn: KeyedProcessFunction<Key, KRec, unknown> & {
    v?: ValueState<number>;
    l?: ListState<number>;
  } = {
    open(ctx) {
      this.v = ctx.getState(valueState<number>("v"));
      this.l = ctx.getState(listState<number>("l"));
    },
    processElement(r, ctx, out) {
      if (r.read) {
        out.collect({ k: r.k, v: this.v!.value() ?? null, l: [...this.l!.get()] });
        return;
      }
      this.v!.update(r.v!);
      this.l!.add(r.v!);
      ctx.timerService().registerEventTimeTimer(1000 + r.v!);
      ctx.timerService().registerProcessingTimeTimer(5000 + r.v!);
    },
    onTimer(t, ctx, out) {
      out.collect({ k: ctx.getCurrentKey(), timer: t, domain: ctx.timeDomain() });
    },
  };

  const MAXP = 16; // few key groups, so that many keys share one
  const owner = (k: Key, p: number) => subtaskForKeyGroup(keyGroupOf(normalizeKey(k), MAXP), p, MAXP);

  test("state and timers restored at parallelism 2 and 3 land on the subtask owning their key group", () => {
    const keys: Key[] = [];
    for (let i = 0; i < 60; i++) keys.push(i % 3 === 0 ? i : i % 3 === 1 ? `k${i}` : ["t", i]);
    const h1 = harnessFor(rescaleFn, (r: KRec) => r.k, { ...backendOpts, maxParallelism: MAXP });
    keys.forEach((k, i) => {
      h1.processElement({ k, v: i });
      h1.processElement({ k, v: i + 100 });
    });
    const snap1 = h1.snapshot();
    assert.equal(h1.numKeyedStateEntries(), 120);

    const restoreAt = (from: ReturnType<typeof h1.snapshot>[], p: number) =>
      Array.from({ length: p }, (_, i) =>
        harnessFor(rescaleFn, (r: KRec) => r.k, {
          ...backendOpts,
          maxParallelism: MAXP,
          parallelism: p,
          subtaskIndex: i,
          restoreFrom: from,
        }).open(),
      );

    const check = (hs: ReturnType<typeof restoreAt>, p: number) => {
      assert.equal(
        hs.reduce((n, h) => n + h.numKeyedStateEntries(), 0),
        120,
        "no state lost or duplicated",
      );
      assert.equal(
        hs.reduce((n, h) => n + h.numEventTimeTimers(), 0),
        120,
      );
      assert.equal(
        hs.reduce((n, h) => n + h.numProcessingTimeTimers(), 0),
        120,
      );
      hs.forEach((h, i) => {
        for (const [j, k] of keys.entries()) {
          h.clearOutput();
          h.processElement({ k, read: true });
          const got = h.getOutputValues()[0];
          if (owner(k, p) === i)
            assert.deepEqual(got, { k, v: j + 100, l: [j, j + 100] }, `key ${String(k)}`);
          else assert.deepEqual(got, { k, v: null, l: [] }, `key ${String(k)} must not be on subtask ${i}`);
        }
      });
    };

    const two = restoreAt([snap1], 2);
    check(two, 2);
    const three = restoreAt([snap1], 3);
    check(three, 3);
    // rescale again from the 3 subtasks' snapshots into 2 (scale in), then fire every timer
    const back = restoreAt(
      three.map((h) => h.snapshot()),
      2,
    );
    check(back, 2);
    back.forEach((h, i) => {
      h.clearOutput();
      h.endInput();
      h.setProcessingTime(10_000);
      const fired = h.getOutputValues() as { k: Key; timer: number; domain: string }[];
      for (const f of fired) assert.equal(owner(f.k, 2), i, `timer of ${String(f.k)} fired on subtask ${i}`);
      const mine = keys.filter((k) => owner(k, 2) === i);
      assert.equal(fired.length, mine.length * 4, "two event-time and two processing-time timers per key");
    });
  });
}
