/**
 * The exchange protocol between scale-out units, without a job: envelopes round-trip with their
 * JS types; a receiver's watermark is the minimum over its active senders (idle and ended ones do
 * not hold it back), checked against a brute-force model on random interleavings (fast-check); end
 * markers end the receiver once every sender ended; records keep their order; a receiver restored
 * from a snapshot goes on exactly as the original; savepoint barriers are aligned per sender (held
 * back, released at the cut, never for a stop, given up when the savepoint is over).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { serialize } from "node:v8";
import fc from "fast-check";
import type { SourceOutput } from "../../src/connector/source.js";
import { StreamExecutionEnvironment } from "../../src/index.js";
import {
  decodeExchangeMessage,
  type Exchange,
  ExchangeMessageKind,
  ExchangeReceiver,
  ExchangeSender,
  encodeBarrier,
  encodeEnd,
  encodeIdle,
  encodeRecord,
  encodeWatermark,
  planUnits,
} from "../../src/scale-out/index.js";

/** An exchange of `senders` -> `receivers` subtasks (not both 1: that edge is chained) with the given partitioner. */
function exchange(
  senders: number,
  receivers: number,
  by: "rebalance" | "broadcast" | "hash" = "rebalance",
): Exchange {
  const env = StreamExecutionEnvironment.create({ parallelism: receivers, maxParallelism: 16 });
  const src = env.fromCollection([0]).setParallelism(senders);
  const routed =
    by === "rebalance" ? src.rebalance() : by === "broadcast" ? src.broadcast() : src.keyBy((v) => v);
  routed.map((v) => v).print();
  const x = planUnits(env.getStreamGraph(), env.config).exchanges[0]!;
  assert.equal(x.edge.partitioner, by);
  return x;
}

/** What a receiver emitted, in order. */
type Event =
  | ["record", unknown, number | undefined]
  | ["watermark", number]
  | ["idle"]
  | ["active"]
  | ["reject", string];

function recorder(): { out: SourceOutput<unknown>; events: Event[] } {
  const events: Event[] = [];
  const out: SourceOutput<unknown> = {
    collect: (v, ts) => {
      events.push(["record", v, ts]);
    },
    emitWatermark: (w) => {
      events.push(["watermark", w]);
    },
    markIdle: () => {
      events.push(["idle"]);
    },
    markActive: () => {
      events.push(["active"]);
    },
    forSplit: () => out,
    releaseSplit() {},
    reject: (_raw, reason) => {
      events.push(["reject", reason]);
    },
  };
  return { out, events };
}

test("envelopes round-trip records with their JS types, watermarks, idleness and ends", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.anything(),
        fc.date({ noInvalidDate: true }),
        fc.bigInt(),
        fc.dictionary(fc.string(), fc.integer()).map((d) => new Map(Object.entries(d))),
      ),
      fc.option(fc.integer({ min: -1e12, max: 1e12 }), { nil: undefined }),
      (value, ts) => {
        const m = decodeExchangeMessage(encodeRecord(value, ts));
        assert.equal(m[0], ExchangeMessageKind.Record);
        assert.deepEqual(m[1], value);
        assert.equal(m[2], ts);
        assert.equal(m.length, ts === undefined ? 2 : 3);
      },
    ),
  );
  assert.deepEqual(decodeExchangeMessage(encodeWatermark(2, 41)), [ExchangeMessageKind.Watermark, 2, 41]);
  assert.deepEqual(decodeExchangeMessage(encodeIdle(1, true)), [ExchangeMessageKind.Idle, 1, true]);
  assert.deepEqual(decodeExchangeMessage(encodeEnd(0)), [ExchangeMessageKind.End, 0]);
  // The layout is what Kafka exchange topics of earlier versions hold: kinds 0..2 keep their meaning.
  assert.deepEqual(decodeExchangeMessage(serialize([1, 0, 7])), [1, 0, 7]);
});

test("a receiver rejects what is no exchange message, naming the exchange and why", () => {
  const x = exchange(2, 1);
  const { out, events } = recorder();
  const r = new ExchangeReceiver(x, { describe: () => ({ raw: "raw", at: "topic-0@5" }) });
  r.receive(Buffer.from("not v8"), out, {});
  r.receive(serialize([9, 0]), out);
  r.receive(serialize([ExchangeMessageKind.Watermark, 2, 5]), out); // sender 2 of 0..1
  r.receive(serialize([ExchangeMessageKind.Idle, 0, "yes"]), out);
  assert.equal(events.length, 4);
  for (const e of events) assert.equal(e[0], "reject");
  const reasons = events.map((e) => e[1] as string);
  assert.match(reasons[0]!, new RegExp(`^exchange ${x.name}: undecodable message at topic-0@5: `));
  assert.match(reasons[1]!, /unknown message kind 9/);
  assert.match(reasons[2]!, /sender 2 is not a sender of this exchange \(0\.\.1\)/);
  assert.match(reasons[3]!, /idleness yes is not a boolean/);
});

/** A message of one sender in a random interleaving. */
type Step = { s: number; m: ["w", number] | ["idle", boolean] | ["end"] };

/**
 * The model (Flink's StatusWatermarkValve): the receiver's watermark is the minimum of the newest
 * watermarks of its non-idle senders (an ended sender counts as +Infinity, and a watermark makes an
 * idle sender active); it never goes back; with every sender idle the receiver is idle, and if the
 * last sender to go idle held the watermark, it moves to the highest any sender reached. A receiver
 * says it is active before a watermark, idle after it.
 */
function model(senders: number, steps: Step[]): Event[] {
  const wm = new Array<number>(senders).fill(Number.NEGATIVE_INFINITY);
  const idle = new Array<boolean>(senders).fill(false);
  const ended = new Array<boolean>(senders).fill(false);
  let current = Number.NEGATIVE_INFINITY;
  let outIdle = false;
  const events: Event[] = [];
  for (const { s, m } of steps) {
    if (ended[s]) continue;
    if (m[0] === "idle" && idle[s] === m[1]) continue;
    if (m[0] === "w") {
      idle[s] = false;
      wm[s] = Math.max(wm[s]!, m[1]);
    } else if (m[0] === "idle") idle[s] = m[1];
    else {
      ended[s] = true;
      idle[s] = false;
      wm[s] = Number.POSITIVE_INFINITY;
    }
    const active = wm.filter((_, i) => !idle[i]);
    const allIdle = active.length === 0;
    let emitted: number | undefined;
    if (!allIdle && Math.min(...active) > current) emitted = current = Math.min(...active);
    if (allIdle && m[0] === "idle" && wm[s] === current && Math.max(...wm) > current)
      emitted = current = Math.max(...wm);
    if (!allIdle && outIdle) {
      outIdle = false;
      events.push(["active"]);
    }
    if (emitted !== undefined) events.push(["watermark", emitted]);
    if (allIdle && !outIdle) {
      outIdle = true;
      events.push(["idle"]);
    }
  }
  return events;
}

const stepsArb = (senders: number) =>
  fc.array(
    fc.record({
      s: fc.nat(senders - 1),
      m: fc.oneof(
        { weight: 6, arbitrary: fc.tuple(fc.constant("w" as const), fc.integer({ min: -5, max: 100 })) },
        { weight: 3, arbitrary: fc.tuple(fc.constant("idle" as const), fc.boolean()) },
        { weight: 1, arbitrary: fc.constant(["end"] as ["end"]) },
      ),
    }),
    { maxLength: 60 },
  );

const encode = ({ s, m }: Step) =>
  m[0] === "w" ? encodeWatermark(s, m[1]) : m[0] === "idle" ? encodeIdle(s, m[1]) : encodeEnd(s);

test("a receiver's watermark is the minimum over its active senders; idle and ended senders do not hold it back", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(fc.constant(n), stepsArb(n))),
      ([senders, steps]) => {
        const { out, events } = recorder();
        const r = new ExchangeReceiver(exchange(senders, 2));
        for (const st of steps) r.receive(encode(st), out);
        assert.deepEqual(events, model(senders, steps));
        const ended = new Set(steps.filter((st) => st.m[0] === "end").map((st) => st.s));
        assert.equal(r.ended, ended.size === senders, "ended once every sender sent its end marker");
      },
    ),
    { numRuns: 300 },
  );
});

test("a receiver restored from its snapshot goes on exactly as the original", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(fc.constant(n), stepsArb(n), stepsArb(n))),
      ([senders, before, after]) => {
        const x = exchange(senders, 2);
        const original = new ExchangeReceiver(x);
        const sink = recorder();
        for (const st of before) original.receive(encode(st), sink.out);
        const restored = new ExchangeReceiver(x);
        // through v8 as a checkpoint would
        restored.restore(structuredClone(original.snapshot()));
        const resumed = recorder();
        restored.resume(resumed.out);
        // It says where the original stands, then goes on exactly as the original.
        const wm = original.watermark;
        const originalIdle =
          sink.events.filter((e) => e[0] === "idle" || e[0] === "active").at(-1)?.[0] === "idle";
        assert.deepEqual(resumed.events, [
          ...(wm === Number.NEGATIVE_INFINITY ? [] : [["watermark", wm] as Event]),
          ...(originalIdle ? [["idle"] as Event] : []),
        ]);
        const a = recorder();
        const b = recorder();
        for (const st of after) {
          original.receive(encode(st), a.out);
          restored.receive(encode(st), b.out);
        }
        assert.deepEqual(b.events, a.events);
        assert.deepEqual(restored.snapshot(), original.snapshot());
        assert.equal(restored.ended, original.ended);
      },
    ),
    { numRuns: 200 },
  );
});

/** A sender over an in-memory transport: what each receiver got, decoded. */
function sending(x: Exchange, sender: number, watermarks?: "eager" | "at-flush") {
  const got: unknown[][] = Array.from({ length: x.receivers }, () => []);
  const s = new ExchangeSender(
    x,
    sender,
    {
      send(r, bytes, ts) {
        const m = decodeExchangeMessage(bytes);
        if (m[0] === ExchangeMessageKind.Record)
          assert.equal(ts, m[2], "a record's transport timestamp is its own");
        else assert.equal(ts, undefined);
        got[r]!.push([...m]);
      },
    },
    { maxParallelism: 16, ...(watermarks ? { watermarks } : {}) },
  );
  return { s, got };
}

test("a sender announces itself active, routes records in order, and sends watermarks, idleness and its end to every receiver", () => {
  const x = exchange(2, 3);
  const { s, got } = sending(x, 1);
  for (let i = 0; i < 7; i++) s.write(i, 100 + i);
  s.writeWatermark(50);
  s.idle(true);
  s.idle(true); // no change: nothing sent
  s.idle(false);
  s.write("late", undefined);
  s.finish();
  const active = [ExchangeMessageKind.Idle, 1, false];
  // rebalance from sender 1: receivers 1, 2, 0, 1, 2, 0, 1, 2 (as the channels do); records name
  // their sender (receivers align savepoint barriers per sender)
  assert.deepEqual(got[0], [
    active,
    [0, 2, 102, 1],
    [0, 5, 105, 1],
    [1, 1, 50],
    [3, 1, true],
    [3, 1, false],
    [2, 1],
  ]);
  assert.deepEqual(got[1], [
    active,
    [0, 0, 100, 1],
    [0, 3, 103, 1],
    [0, 6, 106, 1],
    [1, 1, 50],
    [3, 1, true],
    [3, 1, false],
    [2, 1],
  ]);
  assert.deepEqual(got[2], [
    active,
    [0, 1, 101, 1],
    [0, 4, 104, 1],
    [1, 1, 50],
    [3, 1, true],
    [3, 1, false],
    [0, "late", undefined, 1],
    [2, 1],
  ]);
});

test("a sender with watermarks at flush sends only the newest, and before its idleness or its end", () => {
  const x = exchange(1, 2);
  const { s, got } = sending(x, 0, "at-flush");
  s.writeWatermark(10);
  s.writeWatermark(20);
  assert.deepEqual(got[0], []);
  s.flush();
  s.flush(); // nothing new
  s.writeWatermark(30);
  s.idle(true);
  s.writeWatermark(40);
  s.finish();
  assert.deepEqual(got[0], [
    [3, 0, false],
    [1, 0, 20],
    [1, 0, 30],
    [3, 0, true],
    [1, 0, 40],
    [2, 0],
  ]);
});

test("records of each sender reach a receiver in the order sent, whatever the interleaving of senders", () => {
  fc.assert(
    fc.property(fc.array(fc.nat(2), { maxLength: 80 }), (order) => {
      const x = exchange(3, 2, "broadcast");
      const queues: Buffer[][] = [[], []];
      const senders = [0, 1, 2].map(
        (i) =>
          new ExchangeSender(x, i, { send: (r, bytes) => queues[r]!.push(bytes) }, { maxParallelism: 16 }),
      );
      const next = [0, 0, 0];
      for (const i of order) senders[i]!.write({ sender: i, n: next[i]!++ }, undefined);
      for (const s of senders) s.finish();
      for (const q of queues) {
        const { out, events } = recorder();
        const r = new ExchangeReceiver(x);
        for (const b of q) r.receive(b, out);
        assert.ok(r.ended);
        const seen = [0, 0, 0];
        for (const e of events) {
          if (e[0] !== "record") continue;
          const v = e[1] as { sender: number; n: number };
          assert.equal(v.n, seen[v.sender]!++, "in order");
        }
        assert.deepEqual(seen, next, "every record arrived");
      }
    }),
  );
});

test("a sender restarted after a receiver's checkpoint that saw it idle is waited for again", () => {
  const x = exchange(2, 1);
  const r = new ExchangeReceiver(x);
  const { out } = recorder();
  r.receive(encodeWatermark(0, 10), out);
  r.receive(encodeIdle(1, true), out);
  const restored = new ExchangeReceiver(x);
  restored.restore(r.snapshot());
  const resumed = recorder();
  restored.resume(resumed.out);
  assert.deepEqual(resumed.events, [["watermark", 10]]);
  // sender 1 restarts (its own restore): it announces itself active before its first watermark
  const { s, got } = sending(x, 1);
  s.writeWatermark(5);
  const after = recorder();
  for (const m of got[0]!) restored.receive(serialize(m), after.out);
  restored.receive(encodeWatermark(0, 30), after.out);
  // 10 stays the watermark until sender 1 passes it: it is active again
  assert.deepEqual(after.events, []);
  assert.equal(restored.watermark, 10);
});

/** Messages of sender `s` (as a sender would encode them). */
const rec = (s: number, v: unknown) => encodeRecord(v, undefined, s);

test("a receiver aligns a savepoint's barriers: a sender's later messages wait until every sender's barrier arrived", () => {
  const x = exchange(3, 1);
  const aligned: string[] = [];
  const r = new ExchangeReceiver(x, { onAligned: (b) => aligned.push(b.id) });
  const { out, events } = recorder();
  const b = { id: "sp", dir: "/sp", stop: false };
  r.receive(rec(0, "a0"), out);
  r.receive(encodeBarrier(0, b), out);
  r.receive(rec(0, "a1"), out); // after sender 0's barrier: held
  r.receive(rec(1, "b0"), out); // before sender 1's barrier: applied
  r.receive(encodeWatermark(0, 5), out); // held too
  r.receive(encodeBarrier(1, b), out);
  r.receive(rec(1, "b1"), out);
  r.receive(encodeEnd(2), out); // an ended sender sends no barrier: aligned now
  assert.deepEqual(aligned, ["sp"]);
  assert.deepEqual(
    events.filter((e) => e[0] === "record").map((e) => e[1]),
    ["a0", "b0"],
  );
  r.receive(rec(1, "b2"), out); // still held until the part is taken
  assert.equal(events.filter((e) => e[0] === "record").length, 2);
  // The unit's checkpoint that is the savepoint's part: the cut; then the held messages go on in order.
  const state = r.snapshot("sp");
  assert.equal(state.pending?.length, 4, "held messages are in the checkpoint (after its cut)");
  assert.equal(state.alignment, undefined);
  r.release(out);
  assert.deepEqual(
    events.filter((e) => e[0] === "record").map((e) => e[1]),
    ["a0", "b0", "a1", "b1", "b2"],
  );
  // A restore of that checkpoint applies the held messages first, exactly once.
  const again = new ExchangeReceiver(x);
  const replay = recorder();
  again.restore(state);
  again.resume(replay.out);
  assert.deepEqual(
    replay.events.filter((e) => e[0] === "record").map((e) => e[1]),
    ["a1", "b1", "b2"],
  );
});

test("a stop-with-savepoint's cut applies nothing more; a savepoint that is over releases its alignment", () => {
  const x = exchange(2, 1);
  const over = new Set<string>();
  const r = new ExchangeReceiver(x, { isOver: (id) => over.has(id) });
  const { out, events } = recorder();
  const stop = { id: "stop", dir: "/sp", stop: true };
  r.receive(encodeBarrier(0, stop), out);
  r.receive(encodeBarrier(1, stop), out);
  r.snapshot("stop");
  r.receive(rec(0, "after"), out);
  r.release(out);
  assert.deepEqual(events, [], "nothing after a stop-with-savepoint's cut");
  // The stop failed elsewhere: the receiver reads on from its cut.
  over.add("stop");
  r.release(out);
  assert.deepEqual(events, [["record", "after", undefined]]);

  // An alignment on a savepoint given up is released: no receiver stays blocked.
  const r2 = new ExchangeReceiver(x, { isOver: (id) => over.has(id) });
  const two = recorder();
  r2.receive(encodeBarrier(0, { id: "gone", dir: "/sp", stop: false }), two.out);
  r2.receive(rec(0, "held"), two.out);
  assert.deepEqual(two.events, []);
  over.add("gone");
  r2.release(two.out);
  assert.deepEqual(two.events, [["record", "held", undefined]]);
  // and its barriers, read again (e.g. after a restore), are ignored
  r2.receive(encodeBarrier(1, { id: "gone", dir: "/sp", stop: false }), two.out);
  r2.receive(rec(1, "on"), two.out);
  assert.equal(r2.aligning, undefined);
  assert.deepEqual(two.events.at(-1), ["record", "on", undefined]);
});

test("a checkpoint taken while aligning keeps the alignment: restored, the receiver still waits for the other barriers", () => {
  const x = exchange(2, 1);
  const aligned: string[] = [];
  const r = new ExchangeReceiver(x);
  const { out } = recorder();
  const b = { id: "sp", dir: "/sp", stop: false };
  r.receive(encodeBarrier(0, b), out);
  r.receive(rec(0, "held"), out);
  const state = r.snapshot(); // a periodic checkpoint of the unit, not the savepoint's part
  assert.deepEqual(state.alignment, { barrier: b, arrived: [0] });
  const again = new ExchangeReceiver(x, { onAligned: (a) => aligned.push(a.id) });
  const replay = recorder();
  again.restore(state);
  again.resume(replay.out);
  assert.deepEqual(
    replay.events.filter((e) => e[0] === "record"),
    [],
    "still held",
  );
  again.receive(rec(1, "before"), replay.out);
  again.receive(encodeBarrier(1, b), replay.out);
  assert.deepEqual(aligned, ["sp"]);
  again.snapshot("sp");
  again.release(replay.out);
  assert.deepEqual(
    replay.events.filter((e) => e[0] === "record").map((e) => e[1]),
    ["before", "held"],
  );
  assert.deepEqual(decodeExchangeMessage(encodeBarrier(1, b)), [ExchangeMessageKind.Barrier, 1, b]);
});

/**
 * A receiver over a log (as a Kafka partition): delivers messages with their positions, honours
 * `paused` and `rewind`, takes the savepoint's part as soon as it is aligned, gives the savepoint
 * up when it first reaches position `overAt`, and every `crashEvery` steps checkpoints and
 * restores a new receiver from that checkpoint (a crash right after it). Returns the records it
 * emitted, how many came before the cut, and the most messages it ever held.
 */
function overLog(
  x: Exchange,
  log: readonly Uint8Array[],
  opts: {
    readonly positions: boolean;
    readonly maxHeld?: number;
    readonly crashEvery?: number;
    readonly overAt?: number;
  },
): { records: unknown[]; cutAt: number | undefined; maxHeld: number } {
  const { out, events } = recorder();
  const over = new Set<string>();
  let aligned: string | undefined;
  const make = () =>
    new ExchangeReceiver(x, {
      onAligned: (b) => {
        aligned = b.id;
      },
      isOver: (id) => over.has(id),
      ...(opts.maxHeld === undefined ? {} : { maxHeld: opts.maxHeld }),
    });
  let r = make();
  let next = 0;
  let cutAt: number | undefined;
  let maxHeld = 0;
  for (let step = 0; next < log.length || r.rewind !== undefined || r.heldCount > 0; step++) {
    assert.ok(step < 40 * log.length + 100, "the receiver makes progress");
    if (next === opts.overAt && cutAt === undefined) over.add("sp");
    r.release(out);
    if (opts.crashEvery !== undefined && step % opts.crashEvery === opts.crashEvery - 1) {
      // before a pending rewind too: the checkpoint then says where to read again from
      const state = structuredClone(r.snapshot());
      r = make();
      r.restore(state);
      r.resume(out);
      continue; // the transport restores at `next`, its position in that checkpoint
    }
    if (r.rewind !== undefined) {
      next = r.rewind;
      r.rewound();
    }
    if (aligned !== undefined && cutAt === undefined && !over.has(aligned)) {
      r.snapshot(aligned); // the unit's part: the cut
      cutAt = events.filter((e) => e[0] === "record").length;
      aligned = undefined;
      continue;
    }
    if (r.paused || next >= log.length) continue;
    const position = next++;
    r.receive(log[position]!, out, undefined, opts.positions ? position : undefined);
    maxHeld = Math.max(maxHeld, r.heldCount);
  }
  // a restore emits the restored watermark again: records are what must be exact
  return { records: events.filter((e) => e[0] === "record").map((e) => e[1]), cutAt, maxHeld };
}

/** A log of 2 senders' records, sender 0's barrier after `early` of its records, sender 1's much later. */
function delayedBarrierLog(early: number, heldRecords: number): Uint8Array[] {
  const b = { id: "sp", dir: "/sp", stop: false };
  const log: Uint8Array[] = [];
  for (let i = 0; i < early; i++) log.push(rec(0, `a${i}`), rec(1, `b${i}`));
  log.push(encodeBarrier(0, b));
  // sender 1 is slow to send its barrier: sender 0's records after its own pile up meanwhile
  for (let i = early; i < early + heldRecords; i++) {
    log.push(rec(0, `a${i}`));
    if (i % 10 === 0) log.push(rec(1, `b${i}`), encodeWatermark(0, i));
  }
  log.push(encodeBarrier(1, b));
  for (let i = 0; i < 20; i++) log.push(rec(0, `z${i}`), rec(1, `y${i}`));
  return log;
}

test("an alignment holds at most maxHeld messages while a sender's barrier is late: past it, they are read again from the log after the cut, exactly", () => {
  const x = exchange(2, 1);
  const log = delayedBarrierLog(10, 5000);
  const unbounded = overLog(x, log, { positions: false });
  const bounded = overLog(x, log, { positions: true, maxHeld: 100 });
  assert.ok(unbounded.maxHeld > 5000, `the unbounded receiver held ${unbounded.maxHeld} messages`);
  assert.ok(bounded.maxHeld <= 100, `held ${bounded.maxHeld} messages, bound 100`);
  assert.deepEqual(bounded.records, unbounded.records);
  assert.equal(bounded.cutAt, unbounded.cutAt);
  // the cut: every record sent before its sender's barrier, none after
  const before = bounded.records.slice(0, bounded.cutAt).map(String);
  assert.deepEqual(
    before.filter((v) => v.startsWith("a")),
    ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"],
  );
  assert.equal(before.filter((v) => v.startsWith("b")).length, 10 + 500);
  assert.equal(new Set(bounded.records).size, bounded.records.length, "each record once");
  assert.equal(bounded.records.length, 10 + 10 + 5000 + 500 + 40, "every record");
});

test("a bounded alignment equals the unbounded one on random logs, with crashes and a savepoint given up", () => {
  fc.assert(
    fc.property(
      fc.record({
        order: fc.array(fc.nat(2), { minLength: 1, maxLength: 120 }),
        barrierAt: fc.tuple(fc.nat(60), fc.nat(60), fc.nat(60)),
        maxHeld: fc.integer({ min: 1, max: 8 }),
        crashEvery: fc.option(fc.integer({ min: 2, max: 12 }), { nil: undefined }),
        overAt: fc.option(fc.nat(300), { nil: undefined }),
      }),
      ({ order, barrierAt, maxHeld, crashEvery, overAt }) => {
        const x = exchange(3, 1);
        const b = { id: "sp", dir: "/sp", stop: false };
        const sent = [0, 0, 0];
        const barred = [false, false, false];
        const log: Uint8Array[] = [];
        for (const s of order) {
          if (!barred[s] && sent[s]! >= barrierAt[s]!) {
            barred[s] = true;
            log.push(encodeBarrier(s, b));
          }
          log.push(sent[s]! % 7 === 3 ? encodeWatermark(s, sent[s]!++) : rec(s, `${s}-${sent[s]!++}`));
        }
        for (let s = 0; s < 3; s++) if (!barred[s]) log.push(encodeBarrier(s, b));
        log.push(rec(0, "last"));
        const common = { ...(overAt === undefined ? {} : { overAt }) };
        const unbounded = overLog(x, log, { positions: false, ...common });
        const bounded = overLog(x, log, {
          positions: true,
          maxHeld,
          ...(crashEvery === undefined ? {} : { crashEvery }),
          ...common,
        });
        assert.ok(bounded.maxHeld <= maxHeld);
        assert.deepEqual(bounded.records, unbounded.records);
        assert.equal(bounded.cutAt, unbounded.cutAt);
      },
    ),
    { numRuns: 300 },
  );
});

test("a stop-with-savepoint that spilled reads nothing after its cut; if the stop fails, it reads the spilled messages again, once", () => {
  const x = exchange(2, 1);
  const over = new Set<string>();
  const r = new ExchangeReceiver(x, { maxHeld: 2, isOver: (id) => over.has(id) });
  const { out, events } = recorder();
  const stop = { id: "stop", dir: "/sp", stop: true };
  const log = [
    rec(0, "a0"),
    encodeBarrier(0, stop),
    rec(0, "a1"),
    rec(1, "b0"),
    rec(0, "a2"),
    rec(0, "a3"), // a1..a3: past maxHeld 2, dropped
    encodeBarrier(1, stop),
    rec(1, "b1"),
  ];
  let next = 0;
  const read = (until: number) => {
    while (next < until && !r.paused) r.receive(log[next]!, out, undefined, next++);
  };
  read(7);
  assert.equal(r.heldCount, 0, "spilled");
  assert.ok(r.paused, "aligned: reads nothing until the cut");
  const state = r.snapshot("stop");
  assert.deepEqual(state.replay, { from: 2, until: 7, barrierAt: [1, 6] });
  assert.ok(r.paused, "stopped at the cut");
  r.release(out);
  assert.deepEqual(
    events.map((e) => e[1]),
    ["a0", "b0"],
  );
  // the stop failed elsewhere: read again from the first dropped message
  over.add("stop");
  r.release(out);
  assert.equal(r.rewind, 2);
  next = r.rewind!;
  r.rewound();
  read(log.length);
  assert.deepEqual(
    events.map((e) => e[1]),
    ["a0", "b0", "a1", "a2", "a3", "b1"],
  );
});
