// A regular join whose rows go straight into an insert-only Top-1 (q9's winning bid) skips the
// pairs the Top-1 would drop, without building them (planner/top-one-pairs.ts,
// StreamingJoinSpec.topOneDrops). On random inputs of both sides in random order (keys, NULLs,
// ties, a range condition), random ORDER BYs (directions, NULLS FIRST/LAST) and PARTITION BYs
// (the join key, or columns that differ between the pairs of one key), the Top-1's changelog is
// the same, change for change, as when the join sends every pair; and it sends fewer when a
// pair can be dropped. And a query of q9's shape planned that way, with and without mini-batch,
// against a brute force.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { harnessFor, KeyedTwoInputOperatorHarness } from "@fleuve/core/testing";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type Row, rowKind, sql } from "@fleuve/sql";
import fc from "fast-check";
import type { OrderItem } from "../../src/parser/ast.js";
import { rankComparator } from "../../src/planner/rank.js";
import { type PairColumn, pairProjector } from "../../src/planner/row-builders.js";
import { topOnePairDrops } from "../../src/planner/top-one-pairs.js";
import { SqlStreamingJoinOperator } from "../../src/runtime/streaming-join.js";
import { TopNFunction } from "../../src/runtime/top-n.js";
import { logWithRows } from "../fixtures/log-table.js";

/** The pairs' rows: the left side's k, id and a, the right side's id, b and s. */
const PAIR: readonly PairColumn[] = [
  { name: "k", side: "left", from: "k" },
  { name: "lid", side: "left", from: "id" },
  { name: "a", side: "left", from: "a" },
  { name: "rid", side: "right", from: "id" },
  { name: "b", side: "right", from: "b" },
  { name: "s", side: "right", from: "s" },
];

const small = fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 5 });
const input = fc.record({
  left: fc.boolean(),
  k: fc.integer({ min: 0, max: 2 }),
  x: small,
  s: fc.constantFrom("x", "y", null),
});
const orderItem = fc.record({
  name: fc.constantFrom("b", "s", "a", "rid", "lid"),
  direction: fc.constantFrom("ASC", "DESC", undefined),
  nulls: fc.constantFrom("FIRST", "LAST", undefined),
});

/** The Top-1's changelog over the join's rows, with or without the join's drop test. */
function topOneChanges(
  rows: readonly { left: boolean; k: number; x: number | null; s: string | null }[],
  orderBy: readonly OrderItem[],
  orderNames: readonly string[],
  partition: readonly string[],
  ranged: boolean,
  rankColumn: string | undefined,
  drop: boolean,
): { changes: string[]; sent: number } {
  const join = new KeyedTwoInputOperatorHarness<Row, Row, Row>(
    new SqlStreamingJoinOperator({
      type: "INNER",
      // A range condition as q9's BETWEEN: pairs of one key that do not match.
      matches: (l, r) =>
        l.k === r.k && (!ranged || (l.a !== null && r.b !== null && (r.b as number) >= (l.a as number))),
      combine: pairProjector(PAIR),
      insertOnly: { left: true, right: true },
      topOneDrops: drop ? topOnePairDrops(orderBy, orderNames, partition, PAIR) : undefined,
    }),
    (r) => r.k as number,
    (r) => r.k as number,
  );
  rows.forEach((r, i) => {
    if (r.left) join.processElement1({ k: r.k, id: i, a: r.x }, i);
    else join.processElement2({ k: r.k, id: i, b: r.x, s: r.s }, i);
  });
  const sent = join.getOutputValues();
  const top = harnessFor<Row, Row, string>(
    new TopNFunction({
      compare: rankComparator(orderBy, orderNames),
      start: 1,
      end: 1,
      rankColumn,
      updatingInput: false,
    }),
    (r) => JSON.stringify(partition.map((p) => r[p])),
  );
  for (const [i, r] of sent.entries()) top.processElement(r, i);
  return {
    changes: top.getOutputValues().map((r) => `${rowKind(r)}${JSON.stringify(r)}`),
    sent: sent.length,
  };
}

test("property: the Top-1 over a join that skips the pairs it drops sends the same changes", () => {
  fc.assert(
    fc.property(
      fc.array(input, { maxLength: 40 }),
      fc.array(orderItem, { minLength: 1, maxLength: 3 }),
      fc.constantFrom(["k"], ["a"], ["s"], ["k", "s"], ["lid"]),
      fc.boolean(),
      fc.boolean(),
      (rows, items, partition, ranged, rank) => {
        const orderBy = items.map(
          (o) =>
            ({
              expr: { kind: "literal", type: "null" },
              direction: o.direction,
              nulls: o.nulls,
            }) as OrderItem,
        );
        const names = items.map((o) => o.name);
        const rankColumn = rank ? "rn" : undefined;
        const all = topOneChanges(rows, orderBy, names, partition, ranged, rankColumn, false);
        const skipping = topOneChanges(rows, orderBy, names, partition, ranged, rankColumn, true);
        assert.deepEqual(skipping.changes, all.changes);
        assert.ok(skipping.sent <= all.sent);
      },
    ),
    { numRuns: 400 },
  );
});

test("pairs of one key that rank below or tie with the last one sent are not built", () => {
  const orderBy = [{ expr: { kind: "literal", type: "null" }, direction: "DESC" } as OrderItem];
  // One auction (left) of key 0, then bids (right) of prices 5, 3, 5, 7, 7, 2.
  const rows = [
    { left: true, k: 0, x: 0, s: null },
    ...[5, 3, 5, 7, 7, 2].map((b) => ({ left: false, k: 0, x: b, s: "x" })),
  ];
  const all = topOneChanges(rows, orderBy, ["b"], ["k"], false, undefined, false);
  const skipping = topOneChanges(rows, orderBy, ["b"], ["k"], false, undefined, true);
  assert.equal(all.sent, 6);
  // 5 and 7 go to the Top-1; 3, the second 5 and 7 (ties) and 2 are not built.
  assert.equal(skipping.sent, 2);
  assert.deepEqual(skipping.changes, all.changes);
});

test("an unknown column leaves the join sending every pair", () => {
  const orderBy = [{ expr: { kind: "literal", type: "null" } } as OrderItem];
  assert.equal(topOnePairDrops(orderBy, ["nope"], ["k"], PAIR), undefined);
  assert.equal(topOnePairDrops(orderBy, ["b"], ["nope"], PAIR), undefined);
});

type L = { k: number | null; id: number; a: number | null };
type R = { k: number | null; id: number; b: number | null };

/** The final table of q9's shape by brute force: per key, the pair of highest b (NULL last), then lowest right id. */
function bestPairs(l: readonly L[], r: readonly R[]): Row[] {
  const best = new Map<number, R>();
  for (const x of l)
    for (const y of r) {
      if (x.k === null || x.k !== y.k || x.a === null || y.b === null || y.b < x.a || y.b > x.a + 2) continue;
      const b = best.get(x.k);
      if (b === undefined || (y.b as number) > (b.b as number) || (y.b === b.b && y.id < b.id))
        best.set(x.k, y);
    }
  return [...best].map(([k, y]) => ({ k, rid: y.id, b: y.b }));
}

test("property: a query of q9's shape (Top-1 over a join, with and without mini-batch) gives its brute force's table", async () => {
  const small = fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 6 });
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ k: small, a: small }), { maxLength: 8 }),
      fc.array(fc.record({ k: small, b: small }), { maxLength: 20 }),
      fc.boolean(),
      async (ls, rs, miniBatch) => {
        const l = ls.map((x, id) => ({ ...x, id }));
        const r = rs.map((y, id) => ({ ...y, id }));
        const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 2 }), {
          connectors: logConnectors,
        });
        const opts = (dir: string, topic: string) =>
          `WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = '${topic}', 'bounded' = 'true')`;
        await tEnv.executeSql(`CREATE TABLE l (k INT, id INT, a INT) ${opts(logWithRows("l", l), "l")}`);
        await tEnv.executeSql(`CREATE TABLE r (k INT, id INT, b INT) ${opts(logWithRows("r", r), "r")}`);
        if (miniBatch) {
          await tEnv.executeSql("SET 'table.exec.mini-batch.enabled' = 'true'");
          await tEnv.executeSql("SET 'table.exec.mini-batch.allow-latency' = '1 s'");
          await tEnv.executeSql("SET 'table.exec.mini-batch.size' = '3'");
        }
        const got = materialize(
          await (
            await tEnv.executeSql(`SELECT k, rid, b FROM (SELECT l.k, r.id AS rid, r.b, ROW_NUMBER() OVER
              (PARTITION BY l.k ORDER BY r.b DESC, r.id) AS rn FROM l, r
              WHERE l.k = r.k AND r.b BETWEEN l.a AND l.a + 2) WHERE rn <= 1`)
          ).collect(),
        );
        const text = (rows: readonly Row[]) => rows.map((x) => JSON.stringify(x)).sort();
        assert.deepEqual(text(got), text(bestPairs(l, r)));
      },
    ),
    { numRuns: 40 },
  );
});

test("EXPLAIN of q9's shape says the join skips the pairs its Top-1 drops (so the skipping stays wired); a Top-2 does not", async () => {
  for (const [miniBatch, n, noted] of [
    [false, 1, true],
    [true, 1, true],
    [false, 2, false],
  ] as const) {
    const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 2 }), { connectors: logConnectors });
    const opts = (topic: string) =>
      `WITH ('connector' = 'log', 'log' = '${logWithRows(topic, [])}', 'topic' = '${topic}', 'bounded' = 'true')`;
    await tEnv.executeSql(`CREATE TABLE l (k INT, id INT, a INT) ${opts("l")}`);
    await tEnv.executeSql(`CREATE TABLE r (k INT, id INT, b INT) ${opts("r")}`);
    if (miniBatch) {
      await tEnv.executeSql("SET 'table.exec.mini-batch.enabled' = 'true'");
      await tEnv.executeSql("SET 'table.exec.mini-batch.allow-latency' = '1 s'");
      await tEnv.executeSql("SET 'table.exec.mini-batch.size' = '3'");
    }
    const [plan] = await (
      await tEnv.executeSql(`EXPLAIN SELECT k, rid, b FROM (SELECT l.k, r.id AS rid, r.b, ROW_NUMBER() OVER
        (PARTITION BY l.k ORDER BY r.b DESC, r.id) AS rn FROM l, r
        WHERE l.k = r.k AND r.b BETWEEN l.a AND l.a + 2) WHERE rn <= ${n}`)
    ).collect();
    const text = String(plan?.result);
    assert.equal(text.includes("pairs the Top-1 above drops not built"), noted, text);
    assert.match(text, /Join\(joinType=\[InnerJoin\]/);
  }
});
