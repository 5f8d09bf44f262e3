/**
 * Keyed timers against a brute-force model: random registrations and deletions of event-time and
 * processing-time timers (duplicates, registrations and deletions from inside onTimer), random
 * watermark and clock advances, and snapshot/restore in the middle.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  HeapKeyedStateBackend,
  isFleuveError,
  type KeyedProcessFunction,
  ManualProcessingTime,
  normalizeKey,
  StreamExecutionEnvironment,
  type ValueState,
  valueState,
} from "../../src/index.js";
import { InternalTimerService, type Namespace } from "../../src/spi/index.js";
import {
  CollectSink,
  harnessFor,
  type KeyedOneInputOperatorHarness,
  ScriptedSource,
} from "../../src/testing/index.js";

type Domain = "ev" | "pt";
interface Cmd {
  k: string;
  d: Domain;
  ts: number;
  del: boolean;
}
type Step = { t: "rec"; cmd: Cmd } | { t: "wm"; inc: number } | { t: "pt"; inc: number } | { t: "snap" };
/** What onTimer does: while a key's budget lasts, register a timer `reg` ms later and delete one `del` ms later (same domain). */
interface Chain {
  budget: number;
  reg: number | null;
  del: number | null;
}
type Fired = [Domain, string, number];

const key = fc.constantFrom("a", "b", "c", "d");
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        k: key,
        d: fc.constantFrom<Domain>("ev", "pt"),
        ts: fc.integer({ min: 0, max: 40 }),
        del: fc.boolean(),
      })
      .map((cmd) => ({ t: "rec" as const, cmd: { ...cmd, del: cmd.del && cmd.ts % 3 === 0 } })),
  },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 8 }).map((inc) => ({ t: "wm" as const, inc })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 8 }).map((inc) => ({ t: "pt" as const, inc })) },
  { weight: 1, arbitrary: fc.constant({ t: "snap" as const }) },
);
const chain: fc.Arbitrary<Chain> = fc.record({
  budget: fc.integer({ min: 0, max: 3 }),
  reg: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
  del: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
});

/** The obvious implementation: sets of pending timers, fired by scanning for the minimum. */
class Model {
  readonly pending = { ev: new Map<string, [string, number]>(), pt: new Map<string, [string, number]>() };
  readonly used = new Map<string, number>();
  watermark = Number.NEGATIVE_INFINITY;
  now = 0;
  constructor(private readonly chain: Chain) {}
  register(d: Domain, k: string, ts: number): void {
    this.pending[d].set(JSON.stringify([k, ts]), [k, ts]);
  }
  delete(d: Domain, k: string, ts: number): void {
    this.pending[d].delete(JSON.stringify([k, ts]));
  }
  fire(d: Domain, upTo: number): Fired[] {
    const out: Fired[] = [];
    const set = this.pending[d];
    for (;;) {
      let best: [string, [string, number]] | undefined;
      for (const e of set) if (e[1][1] <= upTo && (!best || e[1][1] < best[1][1])) best = e;
      if (!best) return out;
      set.delete(best[0]);
      const [k, ts] = best[1];
      out.push([d, k, ts]);
      const used = this.used.get(k) ?? 0;
      if (used < this.chain.budget) {
        this.used.set(k, used + 1);
        if (this.chain.reg !== null) this.register(d, k, ts + this.chain.reg);
        if (this.chain.del !== null) this.delete(d, k, ts + this.chain.del);
      }
    }
  }
}

type TimerFn = KeyedProcessFunction<string, Cmd, never> & {
  me?: ValueState<string>;
  used?: ValueState<number>;
};

function timerFunction(c: Chain, fired: Fired[], violations: string[]): TimerFn {
  return {
    open(ctx) {
      this.me = ctx.getState(valueState<string>("me"));
      this.used = ctx.getState(valueState<number>("used"));
    },
    processElement(cmd, ctx) {
      this.me!.update(cmd.k);
      const ts = ctx.timerService();
      if (cmd.d === "ev") {
        if (cmd.del) ts.deleteEventTimeTimer(cmd.ts);
        else ts.registerEventTimeTimer(cmd.ts);
      } else if (cmd.del) ts.deleteProcessingTimeTimer(cmd.ts);
      else ts.registerProcessingTimeTimer(cmd.ts);
    },
    onTimer(t, ctx) {
      const k = ctx.getCurrentKey();
      const d: Domain = ctx.timeDomain() === "event-time" ? "ev" : "pt";
      // The key's own state must be visible: proves the current key was set for this timer.
      if (this.me!.value() !== k)
        violations.push(`timer ${d}@${t} of key ${k} sees state of ${this.me!.value()}`);
      const svc = ctx.timerService();
      if (d === "ev" && svc.currentWatermark() < t)
        violations.push(`event-time timer ${t} fired at watermark ${svc.currentWatermark()}`);
      if (d === "pt" && svc.currentProcessingTime() < t)
        violations.push(`processing-time timer ${t} fired at time ${svc.currentProcessingTime()}`);
      fired.push([d, k, t]);
      const used = this.used!.value() ?? 0;
      if (used < c.budget) {
        this.used!.update(used + 1);
        const reg = d === "ev" ? svc.registerEventTimeTimer : svc.registerProcessingTimeTimer;
        const del = d === "ev" ? svc.deleteEventTimeTimer : svc.deleteProcessingTimeTimer;
        if (c.reg !== null) reg(t + c.reg);
        if (c.del !== null) del(t + c.del);
      }
    },
  };
}

const sortFired = (f: Fired[]) => f.map((x) => JSON.stringify(x)).sort();

test("timers fire exactly once, in order, with their key, never early; deleted ones never (vs a model)", () => {
  fc.assert(
    fc.property(chain, fc.array(step, { minLength: 1, maxLength: 80 }), (c, steps) => {
      const fired: Fired[] = [];
      const violations: string[] = [];
      const fn = timerFunction(c, fired, violations);
      const model = new Model(c);
      let h: KeyedOneInputOperatorHarness<Cmd, never, string> = harnessFor(fn, (x: Cmd) => x.k);
      let issuedWatermark = 0;
      for (const s of steps) {
        fired.length = 0;
        let expected: Fired[] = [];
        switch (s.t) {
          case "rec":
            h.processElement(s.cmd, 0);
            if (s.cmd.del) model.delete(s.cmd.d, s.cmd.k, s.cmd.ts);
            else model.register(s.cmd.d, s.cmd.k, s.cmd.ts);
            break;
          case "wm": {
            const w = issuedWatermark + s.inc;
            issuedWatermark = w;
            h.processWatermark(w);
            // An operator acts only on a watermark that advances (equal ones are ignored).
            if (w > model.watermark) {
              model.watermark = w;
              expected = model.fire("ev", w);
            }
            break;
          }
          case "pt":
            model.now += s.inc;
            h.setProcessingTime(model.now);
            expected = model.fire("pt", model.now);
            break;
          case "snap": {
            const snap = h.snapshot();
            h.close();
            h = harnessFor(fn, (x: Cmd) => x.k, { restoreFrom: snap, processingTime: model.now });
            h.open();
            // As in Flink, a restored operator starts from no watermark.
            model.watermark = Number.NEGATIVE_INFINITY;
            break;
          }
        }
        assert.deepEqual(violations, []);
        assert.deepEqual(sortFired(fired), sortFired(expected), `after ${JSON.stringify(s)}`);
        for (let i = 1; i < fired.length; i++) assert.ok(fired[i - 1]![2] <= fired[i]![2], "timestamp order");
        assert.equal(h.numEventTimeTimers(), model.pending.ev.size, "pending event-time timers");
        assert.equal(h.numProcessingTimeTimers(), model.pending.pt.size, "pending processing-time timers");
      }
    }),
    { numRuns: 1000 },
  );
});

test("a duplicate registration fires once; a deleted timer never fires; end of input fires the rest", () => {
  const fired: Fired[] = [];
  const violations: string[] = [];
  const h = harnessFor(
    timerFunction({ budget: 0, reg: null, del: null }, fired, violations),
    (x: Cmd) => x.k,
  );
  h.processElement({ k: "a", d: "ev", ts: 10, del: false });
  h.processElement({ k: "a", d: "ev", ts: 10, del: false });
  h.processElement({ k: "b", d: "ev", ts: 10, del: false });
  h.processElement({ k: "a", d: "ev", ts: 5, del: false });
  h.processElement({ k: "a", d: "ev", ts: 5, del: true });
  h.processElement({ k: "c", d: "ev", ts: 1_000_000, del: false });
  assert.equal(h.numEventTimeTimers(), 3);
  h.processWatermark(9);
  assert.deepEqual(fired, []);
  h.processWatermark(10);
  assert.deepEqual(
    sortFired(fired),
    sortFired([
      ["ev", "a", 10],
      ["ev", "b", 10],
    ]),
  );
  fired.length = 0;
  h.endInput();
  assert.deepEqual(fired, [["ev", "c", 1_000_000]]);
  assert.deepEqual(violations, []);
  assert.equal(h.numEventTimeTimers(), 0);
});

test("in a running job, processing-time timers fire when the manual clock reaches them", {
  timeout: 60_000,
}, async () => {
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  const clock = new ManualProcessingTime(1000);
  const env = StreamExecutionEnvironment.create({ parallelism: 2, processingTime: clock });
  const sink = new CollectSink<string>();
  env
    .fromSource(new ScriptedSource([{ value: "a" }, { value: "b" }, { value: "a" }], { holdUntil: hold }))
    .setParallelism(1)
    .keyBy((s) => s)
    .process<string>({
      processElement(v, ctx, out) {
        out.collect(`got ${v}`);
        ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 50);
      },
      onTimer(t, ctx, out) {
        out.collect(`timer ${ctx.getCurrentKey()}@${t} ${ctx.timeDomain()} ts=${ctx.timestamp()}`);
      },
    })
    .sinkTo(sink);
  const client = env.executeAsync("pt-timers");
  const waitFor = async (n: number) => {
    for (let i = 0; i < 1000 && sink.records.length < n; i++) await new Promise((r) => setTimeout(r, 5));
  };
  await waitFor(3);
  clock.advanceTo(1049);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(sink.values().sort(), ["got a", "got a", "got b"], "nothing due before 1050");
  clock.advanceTo(1050);
  await waitFor(5);
  client.cancel();
  release();
  await assert.rejects(client.result, (e) => isFleuveError(e, "FLEUVE_JOB_CANCELLED"));
  assert.deepEqual(sink.values().sort(), [
    "got a",
    "got a",
    "got b",
    "timer a@1050 processing-time ts=undefined",
    "timer b@1050 processing-time ts=undefined",
  ]);
});

test("timers in several namespaces and at several times per key: each fires once, in order, unless deleted (vs a model)", () => {
  const op = fc.oneof(
    fc.record({
      t: fc.constantFrom("reg" as const, "del" as const),
      k: fc.constantFrom("a", "b"),
      ns: fc.constantFrom<Namespace>(0, 1, "w"),
      ts: fc.integer({ min: 0, max: 6 }),
    }),
    fc.record({ t: fc.constant("wm" as const), inc: fc.integer({ min: 0, max: 3 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const backend = new HeapKeyedStateBackend(16);
      const fired: string[] = [];
      const svc = new InternalTimerService<Namespace>(
        backend,
        { now: () => 0, schedule: () => {} },
        {
          onEventTime: (ts, key, ns) => {
            assert.equal(backend.getCurrentKey(), key, "the timer's key is current");
            fired.push(`${key}/${String(ns)}@${ts}`);
          },
          onProcessingTime: () => assert.fail("no processing-time timer was registered"),
        },
      );
      const pending = new Map<string, number>(); // "key/ns@ts" -> ts
      let w = -1;
      for (const o of ops) {
        if (o.t === "wm") {
          w += o.inc;
          fired.length = 0;
          svc.advanceWatermark(w);
          const due = [...pending].filter(([, ts]) => ts <= w);
          for (const [id] of due) pending.delete(id);
          assert.deepEqual([...fired].sort(), due.map(([id]) => id).sort());
          for (let i = 1; i < fired.length; i++) {
            const at = (s: string) => Number(s.slice(s.indexOf("@") + 1));
            assert.ok(at(fired[i - 1]!) <= at(fired[i]!), "timestamp order");
          }
          continue;
        }
        backend.setCurrentKey(o.k, normalizeKey(o.k));
        const id = `${o.k}/${String(o.ns)}@${o.ts}`;
        if (o.t === "reg") {
          svc.registerEventTimeTimer(o.ns, o.ts);
          // A timer at or below the watermark fires at the next watermark that advances.
          pending.set(id, o.ts);
        } else {
          svc.deleteEventTimeTimer(o.ns, o.ts);
          pending.delete(id);
        }
        assert.equal(svc.eventTimerCount, pending.size, "pending timers");
      }
    }),
    { numRuns: 500 },
  );
});
