// Joins without an equality between the two sides: `CROSS JOIN`, `FROM a, b` without WHERE,
// `JOIN ... ON TRUE`, a NATURAL JOIN of sides with no column name in common (Calcite's cross join),
// and non-equi conditions (`ON a.v < b.v`). As Flink runs them: a regular join whose rows all meet
// in one subtask, following the updates of an updating input. Compared with the expected rows
// written here, and on random input, with a brute-force join.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { isInsertOnly, materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { bruteForceJoin } from "../fixtures/brute-force-join.js";
import { logWithRows } from "../fixtures/log-table.js";

const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function twoTables(left: Record<string, unknown>[], right: Record<string, unknown>[], parallelism = 2) {
  const l = logWithRows("l", left);
  const r = logWithRows("r", right);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE L (k INT, id INT, v INT) WITH ('connector' = 'log', 'log' = '${l}', 'topic' = 'l', 'bounded' = 'true');
    CREATE TABLE R (w INT, rid INT) WITH ('connector' = 'log', 'log' = '${r}', 'topic' = 'r', 'bounded' = 'true');`);
  return tEnv;
}

const LEFT = [
  { k: 1, id: 1, v: 5 },
  { k: 1, id: 2, v: 7 },
  { k: 2, id: 3, v: 1 },
];
const RIGHT = [
  { w: 10, rid: 10 },
  { w: 20, rid: 11 },
];
const ALL_PAIRS = [
  { id: 1, rid: 10 },
  { id: 1, rid: 11 },
  { id: 2, rid: 10 },
  { id: 2, rid: 11 },
  { id: 3, rid: 10 },
  { id: 3, rid: 11 },
];

test("CROSS JOIN, FROM a, b, JOIN ON TRUE and a NATURAL JOIN with nothing in common give every pair, insert-only", async () => {
  const tEnv = await twoTables(LEFT, RIGHT);
  for (const query of [
    "SELECT L.id, R.rid FROM L CROSS JOIN R",
    "SELECT L.id, R.rid FROM L, R",
    "SELECT L.id, R.rid FROM L JOIN R ON TRUE",
    "SELECT L.id, R.rid FROM L INNER JOIN R ON 1 = 1",
    "SELECT id, rid FROM L NATURAL JOIN R",
  ]) {
    const result = await tEnv.executeSql(query);
    assert.ok(result.changelogMode !== undefined && isInsertOnly(result.changelogMode), query);
    assert.deepEqual(sortRows(await result.collect()), ALL_PAIRS, query);
  }
  // SELECT * of a cross join: the left side's columns, then the right side's.
  const star = await (await tEnv.executeSql("SELECT * FROM L CROSS JOIN R WHERE L.id = 3")).collect();
  assert.deepEqual(sortRows(star), [
    { k: 2, id: 3, v: 1, w: 10, rid: 10 },
    { k: 2, id: 3, v: 1, w: 20, rid: 11 },
  ]);
  // Three tables, the last one a cross join of a join.
  const three = await (
    await tEnv.executeSql(
      "SELECT a.id, b.id AS id2, R.rid FROM L a JOIN L b ON a.k = b.k CROSS JOIN R WHERE a.id < b.id",
    )
  ).collect();
  assert.deepEqual(sortRows(three), [
    { id: 1, id2: 2, rid: 10 },
    { id: 1, id2: 2, rid: 11 },
  ]);
});

test("a cross join and a LEFT JOIN ON a non-equi condition of an updating input (a GROUP BY) follow its updates", async () => {
  const tEnv = await twoTables(LEFT, RIGHT);
  const cross = await tEnv.executeSql(
    "SELECT s.k, s.total, R.rid FROM (SELECT k, SUM(v) AS total FROM L GROUP BY k) s CROSS JOIN R",
  );
  assert.ok(cross.changelogMode !== undefined && !isInsertOnly(cross.changelogMode));
  assert.deepEqual(sortRows(materialize(await cross.collect())), [
    { k: 1, total: 12, rid: 10 },
    { k: 1, total: 12, rid: 11 },
    { k: 2, total: 1, rid: 10 },
    { k: 2, total: 1, rid: 11 },
  ]);
  // total < w: 12 < 20 only for k = 1; k = 2's 1 is below both.
  const left = await tEnv.executeSql(
    "SELECT s.k, s.total, R.rid FROM (SELECT k, SUM(v) AS total FROM L GROUP BY k) s LEFT JOIN R ON s.total > R.w",
  );
  assert.deepEqual(sortRows(materialize(await left.collect())), [
    { k: 1, total: 12, rid: 10 },
    { k: 2, total: 1, rid: null },
  ]);
});

type Ev = { k: number; id: number; v: number };

test("random joins without an equi-key (CROSS, ON a.v < b.v of every join type; of a table or an updating GROUP BY) end as a brute-force join", async () => {
  const ev = fc.record({ k: fc.integer({ min: 0, max: 2 }), v: fc.integer({ min: 0, max: 5 }) });
  await fc.assert(
    fc.asyncProperty(
      fc.array(ev, { maxLength: 15 }),
      fc.array(ev, { maxLength: 15 }),
      fc.constantFrom("CROSS", "INNER", "LEFT", "RIGHT", "FULL"),
      fc.constantFrom(1, 2),
      fc.boolean(),
      async (rawL, rawR, type, parallelism, updating) => {
        const rowsL: Ev[] = rawL.map((e, i) => ({ ...e, id: i }));
        const groups = new Map<number, Ev>();
        for (const e of rowsL) {
          const g = groups.get(e.k);
          groups.set(e.k, g === undefined ? { ...e } : { k: e.k, id: Math.max(g.id, e.id), v: g.v + e.v });
        }
        const left = updating ? [...groups.values()] : rowsL;
        const right = rawR.map((e, i) => ({ w: e.v, rid: 100 + i }));
        const tEnv = await twoTables(rowsL, right, parallelism);
        const from = updating ? "(SELECT k, MAX(id) AS id, SUM(v) AS v FROM L GROUP BY k)" : "L";
        const join = type === "CROSS" ? "CROSS JOIN R b" : `${type} JOIN R b ON a.v < b.w`;
        const rows = await (
          await tEnv.executeSql(`SELECT a.id AS lid, b.rid FROM ${from} a ${join}`)
        ).collect();
        const expected = bruteForceJoin(
          left,
          right,
          type === "CROSS" ? "INNER" : type,
          (a, b) => type === "CROSS" || a.v < b.w,
          (a, b) => ({ lid: a?.id ?? null, rid: b?.rid ?? null }),
        );
        assert.deepEqual(sortRows(materialize(rows)), sortRows(expected));
      },
    ),
    { numRuns: 25 },
  );
});

test("EXPLAIN shows a cross join as an inner join on TRUE", async () => {
  const tEnv = await twoTables([], []);
  const plan = String(
    (await (await tEnv.executeSql("EXPLAIN SELECT L.id, R.rid FROM L CROSS JOIN R")).collect())[0]?.result,
  );
  assert.match(plan, /LogicalJoin\(condition=\[true\], joinType=\[inner\]\)/);
  assert.match(plan, /Join\(joinType=\[InnerJoin\], where=\[TRUE\]/);
});

/** Three tables A(k, x), B(k, y), C(k, z) in a fresh environment. */
async function threeTables(a: object[], b: object[], c: object[], parallelism = 2) {
  const dirs = [
    logWithRows("a", a as Record<string, unknown>[]),
    logWithRows("b", b as Record<string, unknown>[]),
    logWithRows("c", c as Record<string, unknown>[]),
  ];
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
  await tEnv.executeScript(
    ["A (k INT, x INT)", "B (k INT, y INT)", "C (k INT, z INT)"]
      .map(
        (t, i) =>
          `CREATE TABLE ${t} WITH ('connector' = 'log', 'log' = '${dirs[i]}', 'topic' = '${"abc"[i]}', 'bounded' = 'true');`,
      )
      .join("\n"),
  );
  return tEnv;
}

test("FROM a, b, c WHERE a.k = b.k AND b.k = c.k: each join keyed by its own condition, as Flink moves the WHERE into the joins", async () => {
  const tEnv = await threeTables(
    [
      { k: 1, x: 1 },
      { k: 2, x: 2 },
      { k: 1, x: 3 },
    ],
    [
      { k: 1, y: 10 },
      { k: 2, y: 20 },
      { k: 3, y: 30 },
    ],
    [
      { k: 1, z: 100 },
      { k: 3, z: 300 },
      { k: 2, z: 5 },
    ],
  );
  const query = "SELECT A.x, B.y, C.z FROM A, B, C WHERE A.k = B.k AND B.k = C.k AND C.z > 50";
  const plan = String((await (await tEnv.executeSql(`EXPLAIN ${query}`)).collect())[0]?.result);
  const physical = plan.slice(plan.indexOf("== Optimized Physical Plan =="));
  // No join of every pair: the inner join on A.k = B.k, the outer one on the WHERE.
  assert.doesNotMatch(physical, /Join\(joinType=\[InnerJoin\], where=\[TRUE\]\)/);
  assert.match(physical, /Join\(joinType=\[InnerJoin\], where=\[A\.k = B\.k\]\)/);
  assert.deepEqual(sortRows(await (await tEnv.executeSql(query)).collect()), [
    { x: 1, y: 10, z: 100 },
    { x: 3, y: 10, z: 100 },
  ]);
});

test("random three-table comma joins with conditions across any two tables equal a brute-force join", async () => {
  const row = (f: string) =>
    fc.record({ k: fc.integer({ min: 0, max: 3 }), [f]: fc.integer({ min: 0, max: 9 }) });
  await fc.assert(
    fc.asyncProperty(
      fc.array(row("x"), { maxLength: 6 }),
      fc.array(row("y"), { maxLength: 6 }),
      fc.array(row("z"), { maxLength: 6 }),
      fc.constantFrom(
        ["A.k = B.k AND B.k = C.k", (a: Ev3, b: Ev3, c: Ev3) => a.k === b.k && b.k === c.k],
        ["A.k = C.k AND B.y > A.x", (a: Ev3, b: Ev3, c: Ev3) => a.k === c.k && b.y! > a.x!],
        ["C.k = B.k AND A.x < C.z", (a: Ev3, b: Ev3, c: Ev3) => c.k === b.k && a.x! < c.z!],
      ),
      async (a, b, c, [where, holds]) => {
        const tEnv = await threeTables(a, b, c);
        const rows = await (
          await tEnv.executeSql(`SELECT A.x, B.y, C.z FROM A, B, C WHERE ${where}`)
        ).collect();
        const expected = (a as Ev3[]).flatMap((ra) =>
          (b as Ev3[]).flatMap((rb) =>
            (c as Ev3[]).filter((rc) => holds(ra, rb, rc)).map((rc) => ({ x: ra.x, y: rb.y, z: rc.z })),
          ),
        );
        assert.deepEqual(sortRows(rows), sortRows(expected), where);
      },
    ),
    { numRuns: 15 },
  );
});

interface Ev3 {
  k: number;
  x?: number;
  y?: number;
  z?: number;
}
