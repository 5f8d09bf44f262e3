// Transactions: read_committed sees committed data only (below the LSO), aborted data never;
// zombies are fenced; prepared and open transactions survive a reopen.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { type IsolationLevel, type Log, openLog } from "../src/index.js";
import { tmpDir } from "./helpers.js";

function values(log: Log, topic: string, partition: number, isolation: IsolationLevel): string[] {
  const p = log.topic(topic).partition(partition);
  const out: string[] = [];
  let off = p.logStartOffset;
  for (;;) {
    const res = p.fetch(off, { isolation, maxBytes: 700 });
    for (const r of res.records) out.push(r.value!.toString());
    if (res.nextOffset === off) break;
    off = res.nextOffset;
  }
  return out;
}

const v = (s: string) => ({ value: Buffer.from(s) });

type Step =
  | { kind: "plain"; partition: number; n: number }
  | { kind: "txn"; parts: number[]; n: number; outcome: "commit" | "abort"; reopen: boolean };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("plain" as const),
    partition: fc.integer({ min: 0, max: 1 }),
    n: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({
    kind: fc.constant("txn" as const),
    parts: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 4 }),
    n: fc.integer({ min: 1, max: 3 }),
    outcome: fc.constantFrom("commit" as const, "abort" as const),
    reopen: fc.boolean(),
  }),
);

test("read_committed equals plain + committed records; read_uncommitted sees every data record", () => {
  fc.assert(
    fc.property(fc.array(stepArb, { minLength: 1, maxLength: 25 }), (steps) => {
      const dir = tmpDir();
      let log = openLog({ dir, defaultTopicConfig: { segmentBytes: 400, indexIntervalBytes: 50 } });
      log.createTopic("t", { partitions: 2 });
      const committed: string[][] = [[], []];
      const all: string[][] = [[], []];
      let id = 0;
      for (const s of steps) {
        if (s.kind === "plain") {
          const vals = Array.from({ length: s.n }, () => `p${id++}`);
          log.topic("t").append(vals.map((x) => ({ ...v(x), partition: s.partition })));
          all[s.partition]!.push(...vals);
          committed[s.partition]!.push(...vals);
        } else {
          const prod = log.transactionalProducer("tx");
          prod.begin();
          const written: [number, string][] = [];
          for (const part of s.parts) {
            const vals = Array.from({ length: s.n }, () => `t${id++}`);
            prod.send(
              "t",
              vals.map((x) => ({ ...v(x), partition: part })),
            );
            for (const x of vals) written.push([part, x]);
            for (const x of vals) all[part]!.push(x);
          }
          if (s.reopen) {
            // An open transaction survives the restart and is aborted when the producer re-initialises.
            log.close();
            log = openLog({ dir });
            log.transactionalProducer("tx");
          } else if (s.outcome === "commit") prod.commit();
          else prod.abort();
          if (!s.reopen && s.outcome === "commit") for (const [part, x] of written) committed[part]!.push(x);
        }
      }
      for (const check of [0, 1]) {
        for (let part = 0; part < 2; part++) {
          assert.deepEqual(values(log, "t", part, "read_committed"), committed[part]);
          assert.deepEqual(values(log, "t", part, "read_uncommitted"), all[part]);
          const p = log.topic("t").partition(part);
          assert.equal(p.lastStableOffset, p.highWatermark, "no open transaction left");
        }
        if (check === 0) {
          log.close();
          log = openLog({ dir });
        }
      }
      log.close();
    }),
    { numRuns: 30 },
  );
});

test("the LSO stops read_committed at the first open transaction; commit releases it", () => {
  const log = openLog({ dir: tmpDir() });
  const t = log.createTopic("t");
  const p = t.partition(0);
  t.append([v("a"), v("b")]);
  const prod = log.transactionalProducer("tx");
  prod.begin();
  prod.send("t", [v("t1"), v("t2")]);
  t.append([v("c")]); // non-transactional data after the open transaction
  assert.equal(p.lastStableOffset, 2);
  assert.equal(p.highWatermark, 5);
  assert.deepEqual(values(log, "t", 0, "read_committed"), ["a", "b"]);
  assert.deepEqual(values(log, "t", 0, "read_uncommitted"), ["a", "b", "t1", "t2", "c"]);
  prod.commit();
  assert.equal(p.lastStableOffset, p.highWatermark);
  assert.equal(p.highWatermark, 6, "the commit marker takes one offset");
  assert.deepEqual(values(log, "t", 0, "read_committed"), ["a", "b", "t1", "t2", "c"]);
  log.close();
});

test("a new producer with the same transactional id fences the old one and aborts its transaction", () => {
  const log = openLog({ dir: tmpDir() });
  log.createTopic("t", { partitions: 2 });
  const zombie = log.transactionalProducer("tx");
  zombie.begin();
  zombie.send("t", [{ ...v("z"), partition: 1 }]);
  const fresh = log.transactionalProducer("tx");
  assert.ok(fresh.producerEpoch > zombie.producerEpoch);
  for (const op of [
    () => zombie.commit(),
    () => zombie.begin(),
    () => zombie.send("t", [v("x")]),
    () => zombie.abort(),
  ]) {
    assert.throws(op, { code: "FLEUVE_LOG_TRANSACTION_INVALID" });
  }
  assert.deepEqual(values(log, "t", 1, "read_committed"), []);
  assert.equal(log.topic("t").partition(1).lastStableOffset, log.topic("t").partition(1).highWatermark);
  fresh.begin();
  fresh.send("t", [{ ...v("ok"), partition: 1 }]);
  fresh.commit();
  assert.deepEqual(values(log, "t", 1, "read_committed"), ["ok"]);
  // Wrong-state calls are errors too.
  assert.throws(() => fresh.commit(), { code: "FLEUVE_LOG_TRANSACTION_INVALID" });
  assert.throws(() => fresh.send("t", [v("x")]), { code: "FLEUVE_LOG_TRANSACTION_INVALID" });
  log.close();
});

test("a prepared transaction survives a reopen and can be committed (two-phase commit recovery)", () => {
  const dir = tmpDir();
  let log = openLog({ dir });
  log.createTopic("a");
  log.createTopic("b", { partitions: 2 });
  const prod = log.transactionalProducer("sink-0");
  prod.begin();
  prod.send("a", [v("a1")]);
  prod.send("b", [
    { ...v("b1"), partition: 0 },
    { ...v("b2"), partition: 1 },
  ]);
  prod.prepare();
  assert.throws(() => prod.send("a", [v("late")]), { code: "FLEUVE_LOG_TRANSACTION_INVALID" });
  log.close();

  log = openLog({ dir });
  const entry = log.transactions().find((e) => e.transactionalId === "sink-0")!;
  assert.equal(entry.state, "prepared");
  assert.equal(entry.partitions.length, 3);
  assert.deepEqual(values(log, "a", 0, "read_committed"), []);
  assert.equal(log.topic("a").partition(0).lastStableOffset, 0);
  log.recoverAndCommit("sink-0");
  log.recoverAndCommit("sink-0"); // idempotent: recovery may replay the commit
  assert.deepEqual(values(log, "a", 0, "read_committed"), ["a1"]);
  assert.deepEqual(values(log, "b", 0, "read_committed"), ["b1"]);
  assert.deepEqual(values(log, "b", 1, "read_committed"), ["b2"]);
  assert.throws(() => log.recoverAndAbort("sink-0"), { code: "FLEUVE_LOG_TRANSACTION_INVALID" });
  log.close();

  log = openLog({ dir });
  assert.deepEqual(values(log, "b", 1, "read_committed"), ["b2"]);
  // A prepared transaction can also be rolled back after a restart.
  const p2 = log.transactionalProducer("sink-1");
  p2.begin();
  p2.send("a", [v("a2")]);
  p2.prepare();
  log.close();
  log = openLog({ dir });
  log.recoverAndAbort("sink-1");
  assert.deepEqual(values(log, "a", 0, "read_committed"), ["a1"]);
  assert.throws(() => log.recoverAndCommit("sink-1"), { code: "FLEUVE_LOG_TRANSACTION_INVALID" });
  assert.throws(() => log.recoverAndCommit("unknown"), { code: "FLEUVE_LOG_TRANSACTION_INVALID" });
  log.close();
});

test("a commit decided before a crash (state 'committing') is rolled forward on reopen", () => {
  const dir = tmpDir();
  let log = openLog({ dir });
  log.createTopic("t", { partitions: 2 });
  const prod = log.transactionalProducer("tx");
  prod.begin();
  prod.send("t", [
    { ...v("c0"), partition: 0 },
    { ...v("c1"), partition: 1 },
  ]);
  log.close();
  // Simulate a crash between persisting the decision and writing the markers.
  const file = path.join(dir, "__transactions", "state.json");
  const state = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.equal(state.transactions.tx.state, "ongoing");
  state.transactions.tx.state = "committing";
  fs.writeFileSync(file, JSON.stringify(state));
  log = openLog({ dir });
  assert.deepEqual(values(log, "t", 0, "read_committed"), ["c0"]);
  assert.deepEqual(values(log, "t", 1, "read_committed"), ["c1"]);
  assert.equal(log.transactions().find((e) => e.transactionalId === "tx")!.lastOutcome, "commit");
  log.close();
});
