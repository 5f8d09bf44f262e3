// The group aggregation with table.exec.mini-batch (MiniBatchGroupAggOperator) against the plain
// one (GroupAggFunction, each row's change sent as it comes), on random inserts and retractions
// (retractions of groups that are not there included) with random bundle ends: after every
// watermark, checkpoint and at the end both changelogs give the same table and the keyed state is
// the same; the mini-batch changelog is valid (it never retracts a row it did not send), never
// longer, and has at most one change per group and bundle. A bundle in flight at a checkpoint is
// in the snapshot's state and its change is sent before it; a restore neither loses nor doubles it.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { OperatorSnapshot } from "@fleuve/core/spi";
import { harnessFor, KeyedOneInputOperatorHarness } from "@fleuve/core/testing";
import { materialize, type Row, rowKind, withKind } from "@fleuve/sql";
import fc from "fast-check";
import { parseExpression } from "../../src/parser/parse.js";
import { compileAggregates } from "../../src/planner/aggregates.js";
import { GroupAggFunction, type Out } from "../../src/planner/group-aggregate.js";
import { jsonKey } from "../../src/planner/keys.js";
import { rowScope } from "../../src/planner/relation.js";
import { MiniBatchGroupAggOperator } from "../../src/runtime/mini-batch-group-aggregate.js";
import { miniBatchOps, playOps } from "../fixtures/mini-batch-ops.js";

const text = (r: Row) => `${rowKind(r)}${JSON.stringify({ ...r, $rowkind: undefined })}`;
const table = (rows: readonly Row[]) => materialize(rows).map(text).sort();
const atomic = (name: string) => ({ kind: "atomic", name, args: [], notNull: false }) as const;

/** A group aggregation by `k` of `aggregates` over rows (k STRING, v INT, d DOUBLE). */
function groupAgg(aggregates: readonly string[], having?: (o: Out) => boolean): GroupAggFunction {
  const scope = rowScope({
    columns: [
      { name: "k", type: atomic("STRING") },
      { name: "v", type: atomic("INT") },
      { name: "d", type: atomic("DOUBLE") },
    ],
    alias: undefined,
  } as never);
  const compiled = compileAggregates(aggregates.map(parseExpression), scope, { appendOnly: false });
  return new GroupAggFunction(compiled.aggregates, [(r) => r.k], {
    passes: having ?? (() => true),
    build: (o, kind) => {
      const row: Row = { k: o.keys[0] };
      o.values.forEach((v, i) => {
        row[`a${i}`] = v;
      });
      return withKind(row, kind);
    },
  });
}

const AGGREGATES = ["COUNT(*)", "SUM(v)", "MAX(v)", "MIN(v)", "AVG(v)", "COUNT(DISTINCT v)", "SUM(d)"];
const plainOf = (fn: GroupAggFunction, restoreFrom?: OperatorSnapshot) =>
  harnessFor<Row, Row, string>(fn, (r) => r.k as string, { restoreFrom });
const miniOf = (fn: GroupAggFunction, size: number, latencyMs: number, restoreFrom?: OperatorSnapshot) =>
  new KeyedOneInputOperatorHarness<Row, Row, string>(
    new MiniBatchGroupAggOperator(fn, { size, latencyMs }),
    (r) => r.k as string,
    { restoreFrom },
  );

/** The keyed state of a snapshot, entries sorted (the two operators write keys in other orders). */
function keyedState(s: OperatorSnapshot): unknown {
  const groups = (s.keyed as { keyGroups: Record<number, Record<string, [unknown, unknown][]>> }).keyGroups;
  const out: Record<string, string[]> = {};
  for (const [kg, states] of Object.entries(groups))
    for (const [name, entries] of Object.entries(states))
      out[`${kg}/${name}`] = entries.map((e) => JSON.stringify(e)).sort();
  return out;
}

// A retraction of a key without rows ("orphan"): no group to take it from, ignored by both.
const opArb = miniBatchOps({ value: fc.integer({ min: -3, max: 9 }), retractWeight: 3, orphans: true });

test("random inserts and retractions: the mini-batch group aggregation gives the plain one's table and state at every bundle end, one change per group and bundle", () => {
  fc.assert(
    fc.property(
      fc.array(opArb, { minLength: 1, maxLength: 80 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 100 }),
      fc.boolean(),
      (ops, size, latencyMs, withHaving) => {
        // HAVING COUNT(*) >= 2: a group enters and leaves the result as its rows come and go.
        const fn = groupAgg(AGGREGATES, withHaving ? (o) => (o.values[0] as number) >= 2 : undefined);
        const plain = plainOf(fn);
        const mini = miniOf(fn, size, latencyMs);
        let sent = 0;
        const same = () => assert.deepEqual(table(mini.getOutputValues()), table(plain.getOutputValues()));
        // Output comes only when a bundle ends, and each step ends one bundle at most: since the
        // last step, one change (-U/+U, +I or -D) per group at most.
        const onePerGroup = () => {
          const changes = mini.getOutputValues().slice(sent);
          const adds = changes.filter((r) => rowKind(r) === "+I" || rowKind(r) === "+U").map((r) => r.k);
          const removes = changes.filter((r) => rowKind(r) === "-U" || rowKind(r) === "-D").map((r) => r.k);
          assert.equal(new Set(adds).size, adds.length);
          assert.equal(new Set(removes).size, removes.length);
          sent += changes.length;
        };
        playOps(ops, plain, mini, {
          row: (k, v, id) => ({ k, v, d: v / 4, id }),
          retractions: true,
          orphan: (k) => ({ k, v: 1, d: 0.25, id: -1 }),
          onWatermark: same,
          onSnapshot: () => {
            assert.deepEqual(keyedState(mini.snapshot()), keyedState(plain.snapshot()));
            same();
          },
          afterStep: () => {
            onePerGroup();
            // A valid changelog at every step: it never retracts a row it has not sent.
            materialize(mini.getOutputValues());
          },
        });
        plain.endInput();
        mini.endInput();
        same();
        onePerGroup();
        assert.deepEqual(keyedState(mini.snapshot()), keyedState(plain.snapshot()));
        assert.ok(mini.getOutputValues().length <= plain.getOutputValues().length, "never longer");
      },
    ),
    { numRuns: 300 },
  );
});

test("a bundle ends after its size in rows or its latency; a group's rows of a bundle give one change, an unchanged group none", () => {
  const h = miniOf(groupAgg(["MAX(v)"]), 4, 1000);
  h.setProcessingTime(0);
  h.processElement({ k: "a", v: 1 }, 1);
  h.processElement({ k: "a", v: 3 }, 2);
  h.processElement({ k: "b", v: 2 }, 3);
  assert.deepEqual(h.getOutputValues(), []);
  h.setProcessingTime(999);
  assert.deepEqual(h.getOutputValues(), []);
  // The latency since the bundle's first row: each group's row once, with its last row's time.
  h.setProcessingTime(1000);
  assert.deepEqual(
    h.getOutput().map((r) => [text(r.value), r.timestamp]),
    [
      [text({ k: "a", a0: 3 }), 2],
      [text({ k: "b", a0: 2 }), 3],
    ],
  );
  // The next bundle ends at its 4th row: a's max moved (one -U/+U), b's did not (nothing), c is new.
  h.processElement({ k: "a", v: 2 }, 4);
  h.processElement({ k: "a", v: 7 }, 5);
  h.processElement({ k: "b", v: 1 }, 6);
  assert.equal(h.getOutputValues().length, 2);
  h.processElement({ k: "c", v: 5 }, 7);
  assert.deepEqual(h.getOutputValues().slice(2).map(text), [
    text(withKind({ k: "a", a0: 3 }, "-U")),
    text(withKind({ k: "a", a0: 7 }, "+U")),
    text({ k: "c", a0: 5 }),
  ]);
  // A group whose rows are all retracted within a bundle is deleted once; one that came and went
  // within it sends nothing.
  h.processElement(withKind({ k: "c", v: 5 }, "-D"), 8);
  h.processElement({ k: "d", v: 1 }, 9);
  h.processElement(withKind({ k: "d", v: 1 }, "-D"), 10);
  h.processWatermark(10);
  assert.deepEqual(h.getOutputValues().slice(5).map(text), [text(withKind({ k: "c", a0: 5 }, "-D"))]);
  // The watermark follows the bundle's changes.
  assert.deepEqual(h.getOutputWithWatermarks().at(-1), { watermark: 10 });
  // That bundle's latency callback finds it gone: nothing more.
  h.setProcessingTime(5000);
  assert.equal(h.getOutputValues().length, 6);
});

test("a bundle in flight at a checkpoint is in the snapshot and sent before it: restored (into mini-batch or plain) nothing is lost or doubled", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ k: fc.constantFrom("a", "b"), v: fc.integer({ min: 0, max: 9 }) }), {
        minLength: 1,
        maxLength: 20,
      }),
      fc.array(fc.record({ k: fc.constantFrom("a", "b"), v: fc.integer({ min: 0, max: 9 }) }), {
        maxLength: 20,
      }),
      fc.boolean(),
      (before, after, restorePlain) => {
        const fn = groupAgg(["COUNT(*)", "SUM(v)", "MAX(v)"]);
        // A bundle larger than the input, a latency that never passes: only the checkpoint ends it.
        const mini = miniOf(fn, 1000, 1_000_000);
        let t = 0;
        for (const r of before) mini.processElement({ ...r }, ++t);
        const snap = mini.snapshot();
        const sentAtCheckpoint = mini.getOutputValues().length;
        assert.ok(sentAtCheckpoint > 0, "the checkpoint sent the bundle");
        // The job fails after the checkpoint (rows after it lost with it) and restarts from it:
        // the rows after the checkpoint come again, into the restored operator.
        for (const r of after) mini.processElement({ ...r }, ++t);
        const restored = restorePlain ? plainOf(fn, snap) : miniOf(fn, 1000, 1_000_000, snap);
        for (const r of after) restored.processElement({ ...r }, ++t);
        restored.endInput();
        // The output a sink keeps: what went out up to the checkpoint, then the restored job's.
        const output = [...mini.getOutputValues().slice(0, sentAtCheckpoint), ...restored.getOutputValues()];
        // Against the plain aggregation over every row once.
        const plain = plainOf(fn);
        t = 0;
        for (const r of [...before, ...after]) plain.processElement({ ...r }, ++t);
        assert.deepEqual(table(output), table(plain.getOutputValues()));
        assert.deepEqual(keyedState(restored.snapshot()), keyedState(plain.snapshot()));
      },
    ),
    { numRuns: 200 },
  );
});

test("a plain group aggregation's savepoint restores into a mini-batch one", () => {
  const fn = groupAgg(["COUNT(*)", "MAX(v)"]);
  const plain = plainOf(fn);
  plain.processElement({ k: "a", v: 4 }, 1);
  plain.processElement({ k: "a", v: 2 }, 2);
  const mini = miniOf(fn, 100, 1000, plain.snapshot());
  mini.processElement({ k: "a", v: 6 }, 3);
  mini.processElement(withKind({ k: "a", v: 4 }, "-D"), 4);
  mini.endInput();
  assert.deepEqual(mini.getOutputValues().map(text), [
    text(withKind({ k: "a", a0: 2, a1: 4 }, "-U")),
    text(withKind({ k: "a", a0: 2, a1: 6 }, "+U")),
  ]);
});

/**
 * Keys of one and two values that are numbers, found by their values in the operator's table of
 * the bundle's groups (runtime/mini-batch-group-aggregate.ts): keys whose values share a slot
 * (2 and 2586; (1, 9) and (22, 48), (1, 8) and (22, 49)), -0 beside 0 (two keys, as in Flink),
 * NaN (the key `[null]`, as NULL), infinities, keys above 2^32, a fraction, and the same values as
 * strings and NULL (the key's text only). Against the plain aggregation keyed by the SQL key
 * selector: the same table and state at every bundle end.
 */
const ONE_VALUE_KEYS: readonly (readonly unknown[])[] = [
  [2],
  [2586],
  [0],
  [-0],
  [Number.NaN],
  [null],
  [Number.POSITIVE_INFINITY],
  [2 ** 40 + 2],
  [2 ** 40 + 2 + 2 ** 32],
  [1.5],
  ["2"],
];
const TWO_VALUE_KEYS: readonly (readonly unknown[])[] = [
  [1, 9],
  [22, 48],
  [1, 8],
  [22, 49],
  [0, 9],
  [-0, 9],
  [1, -0],
  [1, 0],
  [1, null],
  ["1", 9],
  [2 ** 33, 1],
];

/** A group aggregation of `aggregates` by columns k0, k1... (as many as `n`) over rows with v INT. */
function groupAggBy(n: number, aggregates: readonly string[]): GroupAggFunction {
  const scope = rowScope({
    columns: [{ name: "v", type: atomic("INT") }],
    alias: undefined,
  } as never);
  const compiled = compileAggregates(aggregates.map(parseExpression), scope, { appendOnly: false });
  const keyEvals = Array.from({ length: n }, (_, i) => (r: Row) => r[`k${i}`]);
  return new GroupAggFunction(compiled.aggregates, keyEvals, {
    passes: () => true,
    build: (o, kind) => {
      const row: Row = {};
      o.keys.forEach((k, i) => {
        // -0 as a text of its own: JSON would print it as 0, hiding a -0 group merged with 0's.
        row[`k${i}`] = Object.is(k, -0) ? "-0" : k;
      });
      o.values.forEach((v, i) => {
        row[`a${i}`] = v;
      });
      return withKind(row, kind);
    },
  });
}

test("number keys of one and two values (sharing slots, -0 and 0, NaN, above 2^32): the mini-batch group aggregation gives the plain one's table and state", () => {
  for (const keys of [ONE_VALUE_KEYS, TWO_VALUE_KEYS]) {
    const n = (keys[0] as readonly unknown[]).length;
    const selector = jsonKey(Array.from({ length: n }, (_, i) => (r: Row) => r[`k${i}`]));
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            {
              weight: 8,
              arbitrary: fc.record({
                t: fc.constant("row" as const),
                key: fc.nat(keys.length - 1),
                v: fc.integer({ min: -3, max: 9 }),
              }),
            },
            { weight: 3, arbitrary: fc.record({ t: fc.constant("retract" as const), pick: fc.nat() }) },
            { weight: 1, arbitrary: fc.record({ t: fc.constant("watermark" as const) }) },
            { weight: 1, arbitrary: fc.record({ t: fc.constant("snapshot" as const) }) },
          ),
          { minLength: 1, maxLength: 80 },
        ),
        fc.integer({ min: 1, max: 30 }),
        (ops, size) => {
          const fn = groupAggBy(n, ["COUNT(*)", "MAX(v)", "SUM(v)"]);
          const plain = harnessFor<Row, Row, string>(fn, selector);
          const mini = new KeyedOneInputOperatorHarness<Row, Row, string>(
            new MiniBatchGroupAggOperator(fn, { size, latencyMs: 1_000_000 }),
            selector,
          );
          const live: Row[] = [];
          let t = 0;
          const same = () => assert.deepEqual(table(mini.getOutputValues()), table(plain.getOutputValues()));
          for (const op of ops) {
            if (op.t === "row") {
              const row: Row = { v: op.v };
              (keys[op.key] as readonly unknown[]).forEach((k, i) => {
                row[`k${i}`] = k;
              });
              live.push(row);
              plain.processElement({ ...row }, ++t);
              mini.processElement({ ...row }, t);
            } else if (op.t === "retract") {
              if (live.length === 0) continue;
              const [row] = live.splice(op.pick % live.length, 1) as [Row];
              plain.processElement(withKind({ ...row }, "-D"), ++t);
              mini.processElement(withKind({ ...row }, "-D"), t);
            } else if (op.t === "watermark") {
              plain.processWatermark(t);
              mini.processWatermark(t);
              same();
            } else {
              assert.deepEqual(keyedState(mini.snapshot()), keyedState(plain.snapshot()));
              same();
            }
          }
          plain.endInput();
          mini.endInput();
          same();
          assert.deepEqual(keyedState(mini.snapshot()), keyedState(plain.snapshot()));
        },
      ),
      { numRuns: 300 },
    );
  }
});
