// JOIN ... USING and NATURAL JOIN end to end, as Calcite (Flink 1.20) expands them: the rows of
// each join type written out, `SELECT *` listing the common columns first (then the left side's
// other columns, then the right side's), an unqualified common column (COALESCE(l.c, r.c) in a
// FULL JOIN) beside the sides' qualified ones, the errors naming the column and where it is, and
// on random input every join type compared with the same join written with ON and with a
// brute-force join.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { isInsertOnly, materialize, printType, type Row, type SqlEnvironment, sql } from "@fleuve/sql";
import fc from "fast-check";
import { bruteForceJoin } from "../fixtures/brute-force-join.js";
import { logWithRows } from "../fixtures/log-table.js";

const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function twoTables(
  left: readonly Record<string, unknown>[],
  right: readonly Record<string, unknown>[],
  parallelism = 1,
  leftDdl = "k INT, s STRING, v INT",
  rightDdl = "k INT, s STRING, w INT",
): Promise<SqlEnvironment> {
  const l = logWithRows("l", left);
  const r = logWithRows("r", right);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE L (${leftDdl}) WITH ('connector' = 'log', 'log' = '${l}', 'topic' = 'l', 'bounded' = 'true');
    CREATE TABLE R (${rightDdl}) WITH ('connector' = 'log', 'log' = '${r}', 'topic' = 'r', 'bounded' = 'true');`);
  return tEnv;
}

// k = 1 matches on k alone for two left rows; (1, 'x') matches on (k, s); NULL keys never match.
const LEFT_ROWS = [
  { k: 1, s: "a", v: 10 },
  { k: 2, s: "b", v: 20 },
  { k: null, s: "c", v: 30 },
  { k: 1, s: "x", v: 11 },
];
const RIGHT_ROWS = [
  { k: 1, s: "x", w: 100 },
  { k: 3, s: "y", w: 300 },
  { k: null, s: "c", w: 400 },
];

async function run(query: string) {
  const tEnv = await twoTables(LEFT_ROWS, RIGHT_ROWS);
  const result = await tEnv.executeSql(query);
  return {
    columns: result.columns,
    mode: result.changelogMode,
    rows: sortRows(materialize(await result.collect())),
  };
}

test("JOIN ... USING (k), inner, left, right and full: SELECT * is k, the left's other columns, the right's (s renamed s0)", async () => {
  const inner = [
    { k: 1, s: "a", v: 10, s0: "x", w: 100 },
    { k: 1, s: "x", v: 11, s0: "x", w: 100 },
  ];
  const leftOnly = [
    { k: 2, s: "b", v: 20, s0: null, w: null },
    { k: null, s: "c", v: 30, s0: null, w: null },
  ];
  const rightOnly = [
    { k: 3, s: null, v: null, s0: "y", w: 300 },
    { k: null, s: null, v: null, s0: "c", w: 400 },
  ];
  const expected: Record<string, Row[]> = {
    INNER: inner,
    LEFT: [...inner, ...leftOnly],
    RIGHT: [...inner, ...rightOnly],
    FULL: [...inner, ...leftOnly, ...rightOnly],
  };
  for (const [type, rows] of Object.entries(expected)) {
    const got = await run(`SELECT * FROM L ${type} JOIN R USING (k)`);
    assert.deepEqual(got.columns, ["k", "s", "v", "s0", "w"], type);
    assert.deepEqual(got.rows, sortRows(rows), type);
  }
});

test("NATURAL JOIN joins on every name both sides have (k, s), each once: inner, left, right and full", async () => {
  const inner = [{ k: 1, s: "x", v: 11, w: 100 }];
  const leftOnly = [
    { k: 1, s: "a", v: 10, w: null },
    { k: 2, s: "b", v: 20, w: null },
    { k: null, s: "c", v: 30, w: null },
  ];
  // The right side's k and s where there is no left row (RIGHT: the right's values; FULL: COALESCE).
  const rightOnly = [
    { k: 3, s: "y", v: null, w: 300 },
    { k: null, s: "c", v: null, w: 400 },
  ];
  const expected: Record<string, Row[]> = {
    INNER: inner,
    LEFT: [...inner, ...leftOnly],
    RIGHT: [...inner, ...rightOnly],
    FULL: [...inner, ...leftOnly, ...rightOnly],
  };
  for (const [type, rows] of Object.entries(expected)) {
    const got = await run(`SELECT * FROM L NATURAL ${type === "INNER" ? "" : `${type} OUTER `}JOIN R`);
    assert.deepEqual(got.columns, ["k", "s", "v", "w"], type);
    assert.deepEqual(got.rows, sortRows(rows), type);
  }
});

test("SELECT * lists the common columns in USING's order, then the left's other columns, then the right's", async () => {
  const got = await run("SELECT * FROM L JOIN R USING (s, k)");
  assert.deepEqual(got.columns, ["s", "k", "v", "w"]);
  assert.deepEqual(got.rows, [{ s: "x", k: 1, v: 11, w: 100 }]);
  // `l.*` and `r.*` are each side's columns as they are, the common ones included.
  const sides = await run("SELECT R.*, L.* FROM L JOIN R USING (k, s)");
  assert.deepEqual(sides.columns, ["k", "s", "w", "k0", "s0", "v"]);
  assert.deepEqual(sides.rows, [{ k: 1, s: "x", w: 100, k0: 1, s0: "x", v: 11 }]);
});

test("an unqualified common column is COALESCE(L.k, R.k) in a FULL JOIN, the right's in a RIGHT JOIN; L.k and R.k stay each side's", async () => {
  const full = await run("SELECT k, L.k AS lk, R.k AS rk, v, w FROM L FULL JOIN R USING (k)");
  assert.deepEqual(
    full.rows,
    sortRows([
      { k: 1, lk: 1, rk: 1, v: 10, w: 100 },
      { k: 1, lk: 1, rk: 1, v: 11, w: 100 },
      { k: 2, lk: 2, rk: null, v: 20, w: null },
      { k: null, lk: null, rk: null, v: 30, w: null },
      { k: 3, lk: null, rk: 3, v: null, w: 300 },
      { k: null, lk: null, rk: null, v: null, w: 400 },
    ]),
  );
  const right = await run("SELECT k, L.k AS lk, w FROM L RIGHT JOIN R USING (k)");
  assert.deepEqual(
    right.rows,
    sortRows([
      { k: 1, lk: 1, w: 100 },
      { k: 1, lk: 1, w: 100 },
      { k: 3, lk: null, w: 300 },
      { k: null, lk: null, w: 400 },
    ]),
  );
  // Anywhere in the query, WHERE included (an inner join also filters its left side by it).
  const where = await run("SELECT k, v FROM L JOIN R USING (k) WHERE k = 1 AND v > 10");
  assert.deepEqual(where.rows, [{ k: 1, v: 11 }]);
});

test("FULL JOIN ... USING: the common column is COALESCE(l.k, r.k), of the least restrictive type of both sides (Flink's LogicalTypeMerging.findCommonType) and nullable; other joins keep one side's type", async () => {
  const cases: [string, string, string][] = [
    ["INT NOT NULL", "BIGINT NOT NULL", "BIGINT"],
    ["BIGINT", "TINYINT", "BIGINT"],
    ["INT", "DECIMAL(5, 2)", "DECIMAL(12, 2)"],
    ["DECIMAL(20, 1)", "DECIMAL(5, 3)", "DECIMAL(22, 3)"],
    ["DECIMAL(38, 0)", "DECIMAL(10, 5)", "DECIMAL(38, 0)"],
    ["INT", "DOUBLE", "DOUBLE"],
    ["SMALLINT", "FLOAT", "FLOAT"],
    ["DECIMAL(5, 2)", "FLOAT", "DOUBLE"],
    ["VARCHAR(3)", "VARCHAR(10)", "VARCHAR(10)"],
    ["CHAR(3)", "STRING", "STRING"],
    ["CHAR(3)", "CHAR(5)", "VARCHAR(5)"],
    ["TIMESTAMP(3)", "TIMESTAMP(6)", "TIMESTAMP(6)"],
  ];
  for (const [lt, rt, expected] of cases) {
    const tEnv = await twoTables([], [], 1, `k ${lt}, v INT`, `k ${rt}, w INT`);
    const typeOf = (join: string) => {
      const k = tEnv.sqlQuery(`SELECT k FROM L ${join} JOIN R USING (k)`).columns[0]?.type;
      return k === undefined ? "?" : printType(k);
    };
    assert.equal(typeOf("FULL"), expected, `${lt} FULL JOIN ${rt}`);
    assert.equal(typeOf("LEFT"), lt, `${lt} LEFT JOIN ${rt}`);
    assert.equal(typeOf("RIGHT"), rt, `${lt} RIGHT JOIN ${rt}`);
  }
  // The values are of that type: a row of the INT side prints with the DECIMAL's scale.
  const tEnv = await twoTables(
    [
      { k: 1, v: 10 },
      { k: 4, v: 40 },
    ],
    [
      { k: 1, w: 100 },
      { k: 2.5, w: 250 },
    ],
    1,
    "k INT, v INT",
    "k DECIMAL(5, 2), w INT",
  );
  const rows = await (
    await tEnv.executeSql("SELECT CAST(k AS STRING) AS k, v, w FROM L FULL JOIN R USING (k)")
  ).collect();
  assert.deepEqual(
    sortRows(materialize(rows)),
    sortRows([
      { k: "1.00", v: 10, w: 100 },
      { k: "4.00", v: 40, w: null },
      { k: "2.50", v: null, w: 250 },
    ]),
  );
});

test("joins chained with USING: the second joins on the first's common column", async () => {
  const got = await run("SELECT * FROM L JOIN R USING (k) JOIN (SELECT k, w AS z FROM R) AS R2 USING (k)");
  assert.deepEqual(got.columns, ["k", "s", "v", "s0", "w", "z"]);
  assert.deepEqual(
    got.rows,
    sortRows([
      { k: 1, s: "a", v: 10, s0: "x", w: 100, z: 100 },
      { k: 1, s: "x", v: 11, s0: "x", w: 100, z: 100 },
    ]),
  );
});

test("DISTINCT * and GROUP BY read the common column once; a query reading one right column still joins on k", async () => {
  const distinct = await run("SELECT DISTINCT * FROM L JOIN R USING (k)");
  assert.deepEqual(distinct.columns, ["k", "s", "v", "s0", "w"]);
  assert.deepEqual(distinct.rows.length, 2);
  const grouped = await run("SELECT k, COUNT(*) AS c FROM L FULL JOIN R USING (k) GROUP BY k");
  assert.deepEqual(
    grouped.rows,
    sortRows([
      { k: 1, c: 2 },
      { k: 2, c: 1 },
      { k: 3, c: 1 },
      { k: null, c: 2 },
    ]),
  );
  // Only w is read: the sides' k still go into the join (projection push-down keeps the keys).
  assert.deepEqual((await run("SELECT w FROM L JOIN R USING (k)")).rows, [{ w: 100 }, { w: 100 }]);
});

test("window-join.md's FULL JOIN written USING (num, window_start, window_end) is a window join with the documented rows", async () => {
  const l = logWithRows("left", [
    { row_time: "2020-04-15 12:02:00", num: 1, id: "L1" },
    { row_time: "2020-04-15 12:06:00", num: 2, id: "L2" },
    { row_time: "2020-04-15 12:03:00", num: 3, id: "L3" },
  ]);
  const r = logWithRows("right", [
    { row_time: "2020-04-15 12:01:00", num: 2, id: "R2" },
    { row_time: "2020-04-15 12:04:00", num: 3, id: "R3" },
    { row_time: "2020-04-15 12:05:00", num: 4, id: "R4" },
  ]);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE LeftTable (row_time TIMESTAMP(3), num INT, id STRING,
      WATERMARK FOR row_time AS row_time - INTERVAL '5' MINUTE)
      WITH ('connector' = 'log', 'log' = '${l}', 'topic' = 'left', 'bounded' = 'true');
    CREATE TABLE RightTable (row_time TIMESTAMP(3), num INT, id STRING,
      WATERMARK FOR row_time AS row_time - INTERVAL '5' MINUTE)
      WITH ('connector' = 'log', 'log' = '${r}', 'topic' = 'right', 'bounded' = 'true');`);
  const query = `
    SELECT num, L.id AS L_Id, R.id AS R_Id,
      CAST(window_start AS STRING) AS window_start, CAST(window_end AS STRING) AS window_end
    FROM (SELECT * FROM TABLE(TUMBLE(TABLE LeftTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))) L
    FULL JOIN (SELECT * FROM TABLE(TUMBLE(TABLE RightTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))) R
    USING (num, window_start, window_end)`;
  const plan = String((await (await tEnv.executeSql(`EXPLAIN ${query}`)).collect())[0]?.result);
  assert.match(plan, /WindowJoin\(FULL, TUMBLE/);
  const W1 = { window_start: "2020-04-15 12:00:00.000", window_end: "2020-04-15 12:05:00.000" };
  const W2 = { window_start: "2020-04-15 12:05:00.000", window_end: "2020-04-15 12:10:00.000" };
  assert.deepEqual(
    sortRows(await (await tEnv.executeSql(query)).collect()),
    sortRows([
      { num: 1, L_Id: "L1", R_Id: null, ...W1 },
      { num: 2, L_Id: null, R_Id: "R2", ...W1 },
      { num: 3, L_Id: "L3", R_Id: "R3", ...W1 },
      { num: 2, L_Id: "L2", R_Id: null, ...W2 },
      { num: 4, L_Id: null, R_Id: "R4", ...W2 },
    ]),
  );
});

test("a USING join is planned as the ON join: insert-only when inner, +I/-D when outer; EXPLAIN shows the condition", async () => {
  const inner = await run("SELECT * FROM L JOIN R USING (k)");
  assert.ok(inner.mode !== undefined && isInsertOnly(inner.mode));
  const left = await run("SELECT * FROM L LEFT JOIN R USING (k, s)");
  assert.deepEqual(left.mode?.kinds, ["+I", "-D"]);
  assert.equal(left.mode?.producer, "Join(joinType=[LeftOuterJoin], where=[L.k = R.k AND L.s = R.s])");
  const tEnv = await twoTables([], []);
  const plan = String(
    (await (await tEnv.executeSql("EXPLAIN SELECT * FROM L NATURAL FULL JOIN R")).collect())[0]?.result,
  );
  assert.match(plan, /LogicalJoin\(condition=\[NATURAL\], joinType=\[full\]\)/);
  assert.match(plan, /Calc\(select=\[k, s, v, w\]\)/);
  assert.match(plan, /Join\(joinType=\[FullOuterJoin\], where=\[L\.k = R\.k AND L\.s = R\.s\]\)/);
  const using = String(
    (await (await tEnv.executeSql("EXPLAIN SELECT v FROM L JOIN R USING (k)")).collect())[0]?.result,
  );
  assert.match(using, /LogicalJoin\(condition=\[USING\(k\)\], joinType=\[inner\]\)/);
});

/** `query` is refused with `code`, a message matching `message`, and details.columnName `column`. */
async function refused(
  query: string,
  code: "FLEUVE_SQL_VALIDATION" | "FLEUVE_SQL_UNSUPPORTED",
  message: RegExp,
  column?: string,
) {
  const tEnv = await twoTables([], []);
  await assert.rejects(tEnv.executeSql(query), (e: unknown) => {
    assert.ok(isFleuveError(e, code), String(e));
    assert.match(e.message, message);
    if (column !== undefined) assert.equal(e.details?.columnName, column);
    return true;
  });
}

/** `(line 1, column N)` of the first `word` in `query`. */
const at = (query: string, word: string) => `\\(line 1, column ${query.indexOf(word) + 1}\\)`;

test("USING a column one side lacks, twice, or not unique on a side is refused naming it and where USING is", async () => {
  let q = "SELECT * FROM L JOIN R USING (w)";
  await refused(
    q,
    "FLEUVE_SQL_VALIDATION",
    new RegExp(
      `^column w of USING \\(w\\) is not a column of the left side of the join: it has L\\.k, L\\.s, L\\.v ${at(q, "USING")}$`,
    ),
    "w",
  );
  q = "SELECT * FROM L LEFT JOIN R USING (k, v)";
  await refused(
    q,
    "FLEUVE_SQL_VALIDATION",
    new RegExp(
      `^column v of USING \\(k, v\\) is not a column of the right side of the join: it has R\\.k, R\\.s, R\\.w ${at(q, "USING")}$`,
    ),
    "v",
  );
  q = "SELECT * FROM L JOIN R USING (k, k)";
  await refused(
    q,
    "FLEUVE_SQL_VALIDATION",
    new RegExp(`^column k appears twice in USING \\(k, k\\) ${at(q, "USING")}$`),
    "k",
  );
  // The left side is a join ON L.k = R.k: two columns k (Calcite: "not unique on one side of join").
  q = "SELECT * FROM L JOIN R ON L.k = R.k JOIN R AS R2 USING (k)";
  await refused(
    q,
    "FLEUVE_SQL_VALIDATION",
    new RegExp(
      `^column k of USING \\(k\\) is not unique on the left side of the join: L\\.k, R\\.k ${at(q, "USING")}$`,
    ),
    "k",
  );
  q = "SELECT * FROM R JOIN R AS R3 ON R.w = R3.w NATURAL JOIN L";
  await refused(
    q,
    "FLEUVE_SQL_VALIDATION",
    new RegExp(
      `^column k of NATURAL JOIN is not unique on the left side of the join: R\\.k, R3\\.k ${at(q, "NATURAL")}$`,
    ),
    "k",
  );
});

test("common columns of incomparable types and NATURAL with USING are refused", async () => {
  let q = "SELECT * FROM L JOIN (SELECT s AS k FROM R) AS R2 USING (k)";
  await refused(
    q,
    "FLEUVE_SQL_VALIDATION",
    new RegExp(
      `^column k of USING \\(k\\) has incompatible types: cannot compare INT \\(left\\) to STRING \\(right\\) ${at(q, "USING")}$`,
    ),
    "k",
  );
  // Calcite points at the USING clause too.
  q = "SELECT * FROM L NATURAL JOIN R USING (k)";
  await refused(
    q,
    "FLEUVE_SQL_VALIDATION",
    new RegExp(`^cannot specify the NATURAL keyword with an ON or USING clause ${at(q, "USING")}$`),
  );
  // An integer and a BIGINT are comparable (same family): they join.
  const tEnv = await twoTables(
    [{ k: 1, s: "a", v: 1 }],
    [{ k: 1, s: "b", w: 2 }],
    1,
    "k INT, s STRING, v INT",
    "k BIGINT, s STRING, w INT",
  );
  assert.deepEqual(await (await tEnv.executeSql("SELECT k, v, w FROM L JOIN R USING (k)")).collect(), [
    { k: 1, v: 1, w: 2 },
  ]);
});

type Ev = { k: number | null; j: number | null; id: number; v: number };

test("random USING joins (inner, left, right, full; one or two common columns) give the rows of the same join ON, and of a brute-force join", async () => {
  const ev = fc.record({
    k: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 8 }),
    j: fc.option(fc.integer({ min: 0, max: 1 }), { freq: 8 }),
    v: fc.integer({ min: 0, max: 5 }),
  });
  const ddl = "k INT, j INT, id INT, v INT";
  await fc.assert(
    fc.asyncProperty(
      fc.array(ev, { maxLength: 25 }),
      fc.array(ev, { maxLength: 25 }),
      fc.constantFrom("INNER", "LEFT", "RIGHT", "FULL"),
      fc.constantFrom<string[]>(["k"], ["k", "j"], ["j", "k"]),
      fc.constantFrom(1, 2),
      async (rawL, rawR, type, common, parallelism) => {
        const left: Ev[] = rawL.map((e, i) => ({ ...e, id: i }));
        const right: Ev[] = rawR.map((e, i) => ({ ...e, id: 100 + i }));
        const tEnv = await twoTables(left, right, parallelism, ddl, ddl);
        const using = await tEnv.executeSql(`SELECT * FROM L ${type} JOIN R USING (${common.join(", ")})`);
        const others = ["k", "j", "id", "v"].filter((c) => !common.includes(c));
        assert.deepEqual(using.columns, [...common, ...others, ...others.map((c) => `${c}0`)]);
        const usingRows = sortRows(materialize(await using.collect()));
        // The same join with ON, the common columns as Calcite reads an unqualified one.
        const side = (c: string) =>
          type === "FULL" ? `COALESCE(L.${c}, R.${c})` : type === "RIGHT" ? `R.${c}` : `L.${c}`;
        const on = await tEnv.executeSql(`
          SELECT ${[...common.map((c) => `${side(c)} AS ${c}`), ...others.map((c) => `L.${c}`), ...others.map((c) => `R.${c} AS ${c}0`)].join(", ")}
          FROM L ${type} JOIN R ON ${common.map((c) => `L.${c} = R.${c}`).join(" AND ")}`);
        assert.deepEqual(usingRows, sortRows(materialize(await on.collect())));
        const expected = bruteForceJoin(
          left,
          right,
          type,
          (a, b) => common.every((c) => a[c as "k"] !== null && a[c as "k"] === b[c as "k"]),
          (a, b) => {
            const row: Row = {};
            for (const c of common) {
              const l = a?.[c as "k"] ?? null;
              const r = b?.[c as "k"] ?? null;
              row[c] = a !== null && b !== null ? (type === "RIGHT" ? r : l) : a !== null ? l : r;
            }
            for (const c of others) row[c] = a?.[c as "k"] ?? null;
            for (const c of others) row[`${c}0`] = b?.[c as "k"] ?? null;
            return row;
          },
        );
        assert.deepEqual(usingRows, sortRows(expected));
      },
    ),
    { numRuns: 25 },
  );
});
