import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  dropAbortedRecords,
  type FetchedBatch,
  type FetchedPartition,
  listEveryAbortMarker,
} from "../src/aborted.js";

const TX = 1 << 4;
const CONTROL = 1 << 5;

interface Model {
  batches: FetchedBatch[];
  /** Per aborted transaction: producer, first offset, offset of its abort marker. */
  aborted: { producerId: bigint; firstOffset: bigint; markerOffset: bigint }[];
  /** Offsets of data records a read_committed reader must see. */
  visible: Set<bigint>;
}

function marker(type: 0 | 1): { key: Buffer } {
  const key = Buffer.alloc(4);
  key.writeInt16BE(type, 2);
  return { key };
}

/**
 * Builds a partition log from steps: each step lets producer `p` send a batch of `n` records in its
 * transaction (opening one if needed), send non-transactionally, or end its transaction. Every open
 * transaction is ended at the end, so the whole log is below the last stable offset.
 */
function buildLog(
  steps: readonly { p: number; kind: "send" | "plain" | "commit" | "abort"; n: number }[],
): Model {
  const batches: FetchedBatch[] = [];
  const aborted: Model["aborted"] = [];
  const visible = new Set<bigint>();
  const open = new Map<number, { first: bigint; offsets: bigint[] }>();
  let offset = 0n;
  const end = (p: number, commit: boolean) => {
    const tx = open.get(p)!;
    open.delete(p);
    batches.push({
      firstOffset: offset,
      lastOffsetDelta: 0,
      attributes: TX | CONTROL,
      producerId: BigInt(p),
      records: [marker(commit ? 1 : 0)],
    });
    if (commit) for (const o of tx.offsets) visible.add(o);
    else aborted.push({ producerId: BigInt(p), firstOffset: tx.first, markerOffset: offset });
    offset += 1n;
  };
  for (const s of steps) {
    if (s.kind === "send") {
      const tx = open.get(s.p) ?? { first: offset, offsets: [] };
      open.set(s.p, tx);
      batches.push({
        firstOffset: offset,
        lastOffsetDelta: s.n - 1,
        attributes: TX,
        producerId: BigInt(s.p),
        records: Array.from({ length: s.n }, () => ({ key: null })),
      });
      for (let i = 0; i < s.n; i++) tx.offsets.push(offset + BigInt(i));
      offset += BigInt(s.n);
    } else if (s.kind === "plain") {
      // A non-transactional producer: producer id -1 (or an idempotent one, attributes without TX).
      const pid = s.p % 2 === 0 ? -1n : BigInt(100 + s.p);
      batches.push({
        firstOffset: offset,
        lastOffsetDelta: s.n - 1,
        attributes: 0,
        producerId: pid,
        records: Array.from({ length: s.n }, () => ({ key: null })),
      });
      for (let i = 0; i < s.n; i++) visible.add(offset + BigInt(i));
      offset += BigInt(s.n);
    } else if (open.has(s.p)) {
      end(s.p, s.kind === "commit");
    }
  }
  for (const [p] of [...open]) end(p, p % 2 === 0);
  return { batches, aborted, visible };
}

function dataOffsets(batches: readonly FetchedBatch[]): bigint[] {
  const out: bigint[] = [];
  for (const b of batches) {
    if (b.attributes & CONTROL) continue;
    for (let i = 0; i < b.records.length; i++) out.push(b.firstOffset + BigInt(i));
  }
  return out;
}

const step = fc.record({
  p: fc.integer({ min: 0, max: 3 }),
  kind: fc.constantFrom("send", "send", "plain", "commit", "abort") as fc.Arbitrary<
    "send" | "plain" | "commit" | "abort"
  >,
  n: fc.integer({ min: 1, max: 3 }),
});

test("read_committed filter equals the model for any log and any fetch window (start, truncated end)", () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), fc.nat(), fc.nat(), (steps, a, b) => {
      const log = buildLog(steps);
      if (log.batches.length === 0) return;
      // A fetch returns whole batches from the one holding the fetch offset, possibly cut by maxBytes.
      const i = a % log.batches.length;
      const j = i + (b % (log.batches.length - i));
      const window = log.batches.slice(i, j + 1).map((x) => ({ ...x, records: [...x.records] }));
      const start = window[0]!.firstOffset;
      const last =
        window[window.length - 1]!.firstOffset + BigInt(window[window.length - 1]!.lastOffsetDelta);
      // What the broker sends along: aborted transactions overlapping the fetched range.
      const abortedTransactions = log.aborted
        .filter((t) => t.markerOffset >= start && t.firstOffset <= last)
        .map(({ producerId, firstOffset }) => ({ producerId, firstOffset }));
      const partition = { abortedTransactions, records: window };
      dropAbortedRecords(partition);
      assert.equal(partition.records.length, window.length, "batches are emptied, never removed");
      const expected = dataOffsets(log.batches.slice(i, j + 1)).filter((o) => log.visible.has(o));
      assert.deepEqual(dataOffsets(partition.records), expected);
    }),
    { numRuns: 500 },
  );
});

test("two aborted transactions of one producer in one fetch are both dropped (the client's own filter keeps the first)", () => {
  const log = buildLog([
    { p: 1, kind: "send", n: 1 },
    { p: 1, kind: "commit", n: 1 },
    { p: 1, kind: "send", n: 2 },
    { p: 1, kind: "abort", n: 1 },
    { p: 1, kind: "send", n: 2 },
    { p: 1, kind: "abort", n: 1 },
    { p: 1, kind: "send", n: 1 },
    { p: 1, kind: "commit", n: 1 },
  ]);
  const partition = {
    abortedTransactions: log.aborted.map(({ producerId, firstOffset }) => ({ producerId, firstOffset })),
    records: log.batches,
  };
  dropAbortedRecords(partition);
  // Offsets: 0 data, 1 commit, 2-3 aborted, 4 abort, 5-6 aborted, 7 abort, 8 data, 9 commit.
  assert.deepEqual(dataOffsets(partition.records), [0n, 8n]);
});

/** The lookup @platformatic/kafka 1.35's own read_committed filter does (consumer.js): it throws when an abort marker's producer is not listed. */
function clientFilterLookup(partition: FetchedPartition): void {
  if (!partition.abortedTransactions?.length) return;
  const ranges = new Map<bigint, [bigint, bigint]>();
  for (const a of partition.abortedTransactions) ranges.set(a.producerId, [a.firstOffset, -1n]);
  for (const b of partition.records ?? []) {
    if (b.attributes & CONTROL && b.records[0]?.key?.readInt16BE(2) === 0)
      ranges.get(b.producerId)![1] = b.firstOffset;
  }
}

test("an abort marker whose producer the fetch does not list gets an empty entry: the client's filter no longer throws, nothing more is dropped", () => {
  // producer 1: an aborted transaction (listed); producer 2: an abort marker alone (not listed)
  const records: FetchedBatch[] = [
    {
      firstOffset: 0n,
      lastOffsetDelta: 1,
      attributes: TX,
      producerId: 1n,
      records: [{ key: null }, { key: null }],
    },
    { firstOffset: 2n, lastOffsetDelta: 0, attributes: TX, producerId: 3n, records: [{ key: null }] },
    { firstOffset: 3n, lastOffsetDelta: 0, attributes: TX | CONTROL, producerId: 2n, records: [marker(0)] },
    { firstOffset: 4n, lastOffsetDelta: 0, attributes: TX | CONTROL, producerId: 1n, records: [marker(0)] },
    { firstOffset: 5n, lastOffsetDelta: 0, attributes: TX | CONTROL, producerId: 3n, records: [marker(1)] },
  ];
  const partition: FetchedPartition = { abortedTransactions: [{ producerId: 1n, firstOffset: 0n }], records };
  assert.throws(() => clientFilterLookup(partition), TypeError);
  listEveryAbortMarker(partition);
  assert.deepEqual(partition.abortedTransactions, [
    { producerId: 1n, firstOffset: 0n },
    { producerId: 2n, firstOffset: 3n },
  ]);
  clientFilterLookup(partition);
  dropAbortedRecords(partition);
  assert.deepEqual(dataOffsets(partition.records!), [2n]);
});

test("listing every abort marker changes nothing the read_committed filter keeps (any log, any fetch window)", () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), fc.nat(), fc.nat(), (steps, a, b) => {
      const log = buildLog(steps);
      if (log.batches.length === 0) return;
      const i = a % log.batches.length;
      const j = i + (b % (log.batches.length - i));
      const copy = () => log.batches.slice(i, j + 1).map((x) => ({ ...x, records: [...x.records] }));
      const start = log.batches[i]!.firstOffset;
      const last = log.batches[j]!.firstOffset + BigInt(log.batches[j]!.lastOffsetDelta);
      const listed = () =>
        log.aborted
          .filter((t) => t.markerOffset >= start && t.firstOffset <= last)
          .map(({ producerId, firstOffset }) => ({ producerId, firstOffset }));
      const plain: FetchedPartition = { abortedTransactions: listed(), records: copy() };
      dropAbortedRecords(plain);
      const mended: FetchedPartition = { abortedTransactions: listed(), records: copy() };
      listEveryAbortMarker(mended);
      clientFilterLookup(mended);
      dropAbortedRecords(mended);
      assert.deepEqual(dataOffsets(mended.records!), dataOffsets(plain.records!));
    }),
    { numRuns: 300 },
  );
});

test("the consumer mends fetches before the client's filter: the client still has the retry hook it goes through", async () => {
  const { ReadCommittedConsumer } = await import("../src/read-committed-consumer.js");
  const hooks = Object.getOwnPropertySymbols(ReadCommittedConsumer.prototype).map((s) => s.description);
  assert.deepEqual(hooks, ["plt.kafka.base.performWithRetry"]);
});
