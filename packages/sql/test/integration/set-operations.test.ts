// UNION, INTERSECT and EXCEPT, distinct and ALL, as Flink 1.20 runs them on streams: updating
// results (a row is retracted when its counts change), NULLs equal to NULLs, the left side naming
// the columns, updating inputs handled. The final table of random set operations equals a
// brute-force evaluation over bags of rows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { isInsertOnly, materialize, printType, type Row, rowKind, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const env = () => StreamExecutionEnvironment.create({ parallelism: 1 });
const text = (r: Row) => `${rowKind(r)}${JSON.stringify({ ...r, $rowkind: undefined })}`;
const sortRows = (rows: readonly Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const L =
  "(VALUES (1, 'a'), (1, 'a'), (2, 'b'), (3, CAST(NULL AS STRING)), (3, CAST(NULL AS STRING)), (4, 'd')) AS l (x, y)";
const R =
  "(VALUES (1, 'a'), (3, CAST(NULL AS STRING)), (3, CAST(NULL AS STRING)), (3, CAST(NULL AS STRING)), (5, 'e')) AS r (p, q)";

async function run(query: string) {
  const result = await sql(env()).executeSql(query);
  const changes = await result.collect();
  return {
    columns: result.columns,
    mode: result.changelogMode,
    changes: changes.map(text),
    table: materialize(changes),
  };
}

test("the six set operations over two bags with duplicates and NULLs: the final tables", async () => {
  const expected: Record<string, Row[]> = {
    "UNION ALL": [
      { x: 1, y: "a" },
      { x: 1, y: "a" },
      { x: 1, y: "a" },
      { x: 2, y: "b" },
      { x: 3, y: null },
      { x: 3, y: null },
      { x: 3, y: null },
      { x: 3, y: null },
      { x: 3, y: null },
      { x: 4, y: "d" },
      { x: 5, y: "e" },
    ],
    UNION: [
      { x: 1, y: "a" },
      { x: 2, y: "b" },
      { x: 3, y: null },
      { x: 4, y: "d" },
      { x: 5, y: "e" },
    ],
    INTERSECT: [
      { x: 1, y: "a" },
      { x: 3, y: null },
    ],
    // min(2, 1) copies of (1, a), min(2, 3) of (3, NULL).
    "INTERSECT ALL": [
      { x: 1, y: "a" },
      { x: 3, y: null },
      { x: 3, y: null },
    ],
    EXCEPT: [
      { x: 2, y: "b" },
      { x: 4, y: "d" },
    ],
    // 2 - 1 copies of (1, a); (3, NULL) is 2 - 3 < 0: none.
    "EXCEPT ALL": [
      { x: 1, y: "a" },
      { x: 2, y: "b" },
      { x: 4, y: "d" },
    ],
  };
  for (const [op, rows] of Object.entries(expected)) {
    const r = await run(`SELECT x, y FROM ${L} ${op} SELECT p, q FROM ${R}`);
    assert.deepEqual(r.columns, ["x", "y"], op);
    assert.deepEqual(sortRows(r.table), sortRows(rows), op);
    assert.equal(isInsertOnly(r.mode ?? { kinds: [] }), op === "UNION ALL", op);
  }
});

test("UNION, INTERSECT and EXCEPT emit a row once it qualifies and retract it when it no longer does", async () => {
  // The rows arrive left side first: each row of the left is inserted, then the right's retract.
  assert.deepEqual((await run(`SELECT x, y FROM ${L} UNION SELECT p, q FROM ${R}`)).changes, [
    '+I{"x":1,"y":"a"}',
    '+I{"x":2,"y":"b"}',
    '+I{"x":3,"y":null}',
    '+I{"x":4,"y":"d"}',
    '+I{"x":5,"y":"e"}',
  ]);
  assert.deepEqual((await run(`SELECT x, y FROM ${L} INTERSECT SELECT p, q FROM ${R}`)).changes, [
    '+I{"x":1,"y":"a"}',
    '+I{"x":3,"y":null}',
  ]);
  assert.deepEqual((await run(`SELECT x, y FROM ${L} EXCEPT SELECT p, q FROM ${R}`)).changes, [
    '+I{"x":1,"y":"a"}',
    '+I{"x":2,"y":"b"}',
    '+I{"x":3,"y":null}',
    '+I{"x":4,"y":"d"}',
    '-D{"x":1,"y":"a"}',
    '-D{"x":3,"y":null}',
  ]);
  // EXCEPT ALL replicates each row by its count: (1, a) goes from 1 to 2 copies, then to 1.
  const exceptAll = (
    await run("SELECT x FROM (VALUES 1, 1) AS l (x) EXCEPT ALL SELECT y FROM (VALUES 1) AS r (y)")
  ).changes;
  assert.deepEqual(exceptAll, [
    '+I{"x":1}',
    '-U{"x":1}',
    '+U{"x":1}',
    '+U{"x":1}',
    '-U{"x":1}',
    '-U{"x":1}',
    '+U{"x":1}',
  ]);
});

test("INTERSECT ALL and EXCEPT ALL send a row entering or leaving the result as +U / -U, as Flink 1.20", async () => {
  // Flink filters the counts' -U and +U each alone before REPLICATE_ROWS (bench/flink printed
  // these changelogs for the same queries): a row entering comes as +U, one leaving as -U.
  const intersectAll = await run(
    "SELECT x FROM (VALUES 1, 1) AS l (x) INTERSECT ALL SELECT y FROM (VALUES 1, 1) AS r (y)",
  );
  assert.deepEqual(intersectAll.changes, ['+U{"x":1}', '-U{"x":1}', '+U{"x":1}', '+U{"x":1}']);
  // Over a HAVING (its lone -U and +U): g is +I[2], +U[1], -U[1], -U[2], +U[2].
  const g =
    "(SELECT k FROM (VALUES (1, 1), (2, 5), (1, 5), (1, -10), (2, 1)) AS s (k, v) GROUP BY k HAVING SUM(v) > 3)";
  const exceptAll = await run(`SELECT k FROM (VALUES 1, 2, 3) AS r (k) EXCEPT ALL SELECT k FROM ${g}`);
  assert.deepEqual(exceptAll.changes, [
    '+I{"k":1}',
    '+I{"k":2}',
    '+I{"k":3}',
    '-U{"k":2}',
    '-U{"k":1}',
    '+U{"k":1}',
    '+U{"k":2}',
    '-U{"k":2}',
  ]);
  assert.deepEqual(sortRows(exceptAll.table), [{ k: 1 }, { k: 3 }]);
});

test("under mini-batch a set operation's counts are bundled, as Flink bundles them (Local/GlobalGroupAggregate): one change per row and bundle", async () => {
  const tEnv = sql(env());
  await tEnv.executeSql("SET 'table.exec.mini-batch.enabled' = 'true'");
  await tEnv.executeSql("SET 'table.exec.mini-batch.allow-latency' = '1 h'");
  const query = "SELECT x FROM (VALUES 1, 1) AS l (x) INTERSECT ALL SELECT y FROM (VALUES 1, 1) AS r (y)";
  // Flink requires a size for a group aggregation under mini-batch, a set operation's too.
  await assert.rejects(
    tEnv.executeSql(query),
    /'table\.exec\.mini-batch\.size' is not set .*the counts of UNION, INTERSECT and EXCEPT/,
  );
  await tEnv.executeSql("SET 'table.exec.mini-batch.size' = '1000'");
  // The four rows in one bundle: the row comes once, with its two copies (unbundled: +U -U +U +U).
  const changes = (await (await tEnv.executeSql(query)).collect()).map(text);
  assert.deepEqual(changes, ['+I{"x":1}', '+I{"x":1}']);
});

test("INTERSECT binds tighter than UNION and EXCEPT; the left side names the columns", async () => {
  const r = await run("SELECT 1 AS a UNION SELECT 2 AS b INTERSECT SELECT 3 AS c");
  assert.deepEqual(r.columns, ["a"]);
  assert.deepEqual(sortRows(r.table), [{ a: 1 }]);
  const r2 = await run("(SELECT 1 AS a UNION SELECT 2) EXCEPT SELECT 2 ORDER BY a LIMIT 5");
  assert.deepEqual(r2.table, [{ a: 1 }]);
});

test("a set operation of different numbers of columns names both numbers", async () => {
  await assert.rejects(run("SELECT 1, 2 INTERSECT SELECT 1"), (e: unknown) => {
    assert.ok(e instanceof FleuveError);
    assert.match(e.message, /INTERSECT of 2 and 1 columns: both sides need the same number/);
    return true;
  });
});

// ---- brute force over bags ----

interface In {
  s: "L" | "R";
  k: string;
  v: number | null;
}
const key = (r: Row) => JSON.stringify(r);

/** `op` of the bags `left` and `right`, by counting each row on each side. */
function oracle(op: string, left: readonly Row[], right: readonly Row[]): Row[] {
  const counts = new Map<string, { row: Row; l: number; r: number }>();
  for (const [rows, side] of [
    [left, "l"],
    [right, "r"],
  ] as const) {
    for (const row of rows) {
      const c = counts.get(key(row)) ?? { row, l: 0, r: 0 };
      c[side]++;
      counts.set(key(row), c);
    }
  }
  const out: Row[] = [];
  for (const { row, l, r } of counts.values()) {
    const n = {
      "UNION ALL": l + r,
      UNION: 1,
      INTERSECT: l > 0 && r > 0 ? 1 : 0,
      "INTERSECT ALL": Math.min(l, r),
      EXCEPT: l > 0 && r === 0 ? 1 : 0,
      "EXCEPT ALL": Math.max(l - r, 0),
    }[op] as number;
    for (let i = 0; i < n; i++) out.push(row);
  }
  return out;
}

/** The rows of `SELECT k, COUNT(*) AS c FROM side GROUP BY k` (the updating inputs). */
function counted(rows: readonly In[]): Row[] {
  const m = new Map<string, number>();
  for (const r of rows) m.set(r.k, (m.get(r.k) ?? 0) + 1);
  return [...m].map(([k, c]) => ({ k, c }));
}

const OPS = ["UNION ALL", "UNION", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL"];

test("property: random set operations, over insert-only and over updating inputs, equal the bag semantics", async () => {
  const row = fc.record({
    s: fc.constantFrom<"L" | "R">("L", "R"),
    k: fc.constantFrom("a", "b", "c"),
    v: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null, freq: 4 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(row, { maxLength: 30 }),
      fc.constantFrom(...OPS),
      fc.boolean(),
      async (rows, op, updating) => {
        const tEnv = sql(env(), { connectors: logConnectors });
        const dir = logWithRows("t", rows);
        await tEnv.executeSql(
          `CREATE TABLE t (s STRING, k STRING, v INT) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`,
        );
        const side = (s: string) =>
          updating
            ? `SELECT k, COUNT(*) AS c FROM t WHERE s = '${s}' GROUP BY k`
            : `SELECT k, v FROM t WHERE s = '${s}'`;
        const changes = await (await tEnv.executeSql(`${side("L")} ${op} ${side("R")}`)).collect();
        const bag = (s: string) => {
          const mine = rows.filter((r) => r.s === s);
          return updating ? counted(mine) : mine.map((r) => ({ k: r.k, v: r.v }));
        };
        assert.deepEqual(sortRows(materialize(changes)), sortRows(oracle(op, bag("L"), bag("R"))));
      },
    ),
    { numRuns: 40 },
  );
});

test("a set operation's columns have both sides' common type, nullable when either side's is", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  for (const op of ["UNION ALL", "UNION", "INTERSECT", "EXCEPT ALL"]) {
    const q = tEnv.sqlQuery(
      `SELECT CAST(1 AS INT) AS a, CAST(1 AS DECIMAL(5, 2)) AS b ${op} SELECT CAST(2 AS BIGINT), CAST(NULL AS INT)`,
    );
    // A CAST of a literal is NOT NULL, of NULL nullable (Flink's SqlCastFunction).
    assert.deepEqual(
      q.columns.map((c) => printType(c.type!)),
      ["BIGINT NOT NULL", "DECIMAL(12, 2)"],
      op,
    );
  }
});
