// The Top-N with table.exec.mini-batch (MiniBatchTopNOperator) against the plain Top-N
// (TopNFunction, each change sent as it happens), on random inserts and retractions with random
// flush points: after every watermark, checkpoint and at the end both changelogs give the same
// table, the mini-batch one is a valid changelog (it never retracts a row it did not send) and
// never longer; a bundle ends after its size in rows or its latency of processing time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { harnessFor, KeyedOneInputOperatorHarness } from "@fleuve/core/testing";
import { materialize, type Row, rowKind, withKind } from "@fleuve/sql";
import fc from "fast-check";
import { MiniBatchTopNOperator, TopNFunction, type TopNSpec } from "../../src/runtime/top-n.js";
import { miniBatchOps, playOps } from "../fixtures/mini-batch-ops.js";

const text = (r: Row) => `${rowKind(r)}${JSON.stringify({ ...r, $rowkind: undefined })}`;
const table = (rows: readonly Row[]) => materialize(rows).map(text).sort();

const spec = (start: number, end: number, rank: boolean, updatingInput: boolean): TopNSpec => ({
  compare: (a, b) => (b.v as number) - (a.v as number),
  start,
  end,
  rankColumn: rank ? "rn" : undefined,
  updatingInput,
});

const opArb = miniBatchOps({ value: fc.nat(12), retractWeight: 2 });

test("random inserts and retractions: the mini-batch Top-N's changelog gives the plain Top-N's table at every flush, never longer", () => {
  fc.assert(
    fc.property(
      fc.array(opArb, { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 1, max: 4 }),
      fc.boolean(),
      fc.boolean(),
      // Infinity: table.exec.mini-batch.size unset, bundles end by latency, watermark, checkpoint.
      fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(Number.POSITIVE_INFINITY)),
      fc.integer({ min: 1, max: 100 }),
      (ops, start, n, rank, updating, size, latencyMs) => {
        const end = start + n - 1;
        const s = spec(start, end, rank, updating);
        const plain = harnessFor<Row, Row, string>(new TopNFunction(s), (r) => r.k as string);
        const mini = new KeyedOneInputOperatorHarness<Row, Row, string>(
          new MiniBatchTopNOperator(s, { size, latencyMs }),
          (r) => r.k as string,
        );
        const same = () => assert.deepEqual(table(mini.getOutputValues()), table(plain.getOutputValues()));
        playOps(ops, plain, mini, {
          row: (k, v, id) => ({ k, v, id }),
          retractions: updating,
          onWatermark: same,
          onSnapshot: () => {
            mini.snapshot();
            same();
          },
          // A valid changelog at every step: it never retracts a row it has not sent.
          afterStep: () => materialize(mini.getOutputValues()),
        });
        plain.endInput();
        mini.endInput();
        same();
        assert.ok(mini.getOutputValues().length <= plain.getOutputValues().length);
      },
    ),
    { numRuns: 300 },
  );
});

test("a bundle's changes of a partition go out as one difference: after its size in rows, or its latency", () => {
  const s = spec(1, 1, false, false);
  const h = new KeyedOneInputOperatorHarness<Row, Row, string>(
    new MiniBatchTopNOperator(s, { size: 4, latencyMs: 1000 }),
    (r) => r.k as string,
  );
  h.setProcessingTime(0);
  h.processElement({ k: "a", v: 1 }, 1);
  h.processElement({ k: "a", v: 2 }, 2);
  h.processElement({ k: "a", v: 3 }, 3);
  assert.deepEqual(h.getOutputValues(), []);
  h.setProcessingTime(999);
  assert.deepEqual(h.getOutputValues(), []);
  // The latency since the bundle's first row: the best row of the three, once.
  h.setProcessingTime(1000);
  assert.deepEqual(h.getOutputValues().map(text), [text({ k: "a", v: 3 })]);
  // The next bundle fills up (4 rows) before its latency: the top before it is retracted.
  h.processElement({ k: "a", v: 5 }, 4);
  h.processElement({ k: "a", v: 4 }, 5);
  h.processElement({ k: "b", v: 1 }, 6);
  assert.equal(h.getOutputValues().length, 1);
  h.processElement({ k: "a", v: 6 }, 7);
  assert.deepEqual(
    h
      .getOutput()
      .slice(1)
      .map((r) => [text(r.value), r.timestamp]),
    [
      [text(withKind({ k: "a", v: 3 }, "-D")), 7],
      [text({ k: "a", v: 6 }), 7],
      [text({ k: "b", v: 1 }), 6],
    ],
  );
  // That bundle's latency callback finds it gone: nothing more.
  h.setProcessingTime(5000);
  assert.equal(h.getOutputValues().length, 4);
});

test("bundles ended by their size leave one latency callback pending, not one each; each bundle still waits its own latency", () => {
  const h = new KeyedOneInputOperatorHarness<Row, Row, string>(
    new MiniBatchTopNOperator(spec(1, 1, false, false), { size: 2, latencyMs: 1000 }),
    (r) => r.k as string,
  );
  h.setProcessingTime(0);
  for (let v = 1; v <= 100; v++) h.processElement({ k: "a", v }, v);
  // 50 bundles ended by their size: the runtime scans its callback queue every loop.
  assert.equal(h.clock.queue.size, 1);
  assert.equal(h.getOutputValues().length, 1 + 2 * 49);
  // A bundle started at 500 ends at 1500, not at the first bundle's 1000.
  h.setProcessingTime(500);
  h.processElement({ k: "a", v: 101 }, 101);
  h.setProcessingTime(1000);
  assert.equal(h.getOutputValues().length, 99);
  assert.equal(h.clock.queue.size, 1);
  h.setProcessingTime(1500);
  assert.deepEqual(h.getOutputValues().slice(99).map(text), [
    text(withKind({ k: "a", v: 100 }, "-D")),
    text({ k: "a", v: 101 }),
  ]);
  assert.equal(h.clock.queue.size, 0);
});

test("a mini-batch Top-N's savepoint restores into a plain Top-N and back", () => {
  const s = spec(1, 2, true, false);
  const mini = new KeyedOneInputOperatorHarness<Row, Row, string>(
    new MiniBatchTopNOperator(s, { size: 100, latencyMs: 1000 }),
    (r) => r.k as string,
  );
  mini.processElement({ k: "a", v: 1 }, 1);
  mini.processElement({ k: "a", v: 3 }, 2);
  const plain = harnessFor<Row, Row, string>(new TopNFunction(s), (r) => r.k as string, {
    restoreFrom: mini.snapshot(),
  });
  // The snapshot flushed the bundle first: both rows were sent before it.
  assert.equal(table(mini.getOutputValues()).length, 2);
  plain.processElement({ k: "a", v: 2 }, 3);
  assert.deepEqual(plain.getOutputValues().map(text), [
    text(withKind({ k: "a", v: 1, rn: 2 }, "-U")),
    text(withKind({ k: "a", v: 2, rn: 2 }, "+U")),
  ]);
  const back = new KeyedOneInputOperatorHarness<Row, Row, string>(
    new MiniBatchTopNOperator(s, { size: 100, latencyMs: 1000 }),
    (r) => r.k as string,
    { restoreFrom: plain.snapshot() },
  );
  back.processElement({ k: "a", v: 4 }, 4);
  back.endInput();
  assert.deepEqual(
    back.getOutputValues().map(text).sort(),
    [
      text(withKind({ k: "a", v: 2, rn: 2 }, "-U")),
      text(withKind({ k: "a", v: 3, rn: 1 }, "-U")),
      text(withKind({ k: "a", v: 3, rn: 2 }, "+U")),
      text(withKind({ k: "a", v: 4, rn: 1 }, "+U")),
    ].sort(),
  );
});
