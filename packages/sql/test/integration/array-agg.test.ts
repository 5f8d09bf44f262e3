// ARRAY_AGG([ALL | DISTINCT] x [RESPECT NULLS | IGNORE NULLS] [ORDER BY ...]) end to end. The written-out
// changelogs and types are what Flink 1.20 printed for the same statements (bench/flink/run.sh
// sql): NULL elements kept unless IGNORE NULLS, arrival order, a retraction takes out the
// earliest equal element, DISTINCT keeps a value from its first arrival until its last
// retraction, no element gives NULL. On random input, over an updating input (an aggregation
// of an aggregation), the final table equals a brute-force evaluation.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type Row, rowKind, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const env = () => sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The changelog of `query` as Flink's print connector writes it: `+U[1, [5, null]]`. */
async function changelog(query: string): Promise<string[]> {
  const changes = await (await env().executeSql(query)).collect();
  return changes.map((r) => {
    const values = Object.entries(r)
      .filter(([k]) => k !== "$rowkind")
      .map(([, v]) => (Array.isArray(v) ? `[${v.map(String).join(", ")}]` : String(v)));
    return `${rowKind(r)}[${values.join(", ")}]`;
  });
}

/** Flink's changelog of the ARRAY_AGG of 5, NULL, 7, 1 in one group: NULL is an element. */
const FIVE_NULL_SEVEN_ONE = [
  "+I[1, [5]]",
  "-U[1, [5]]",
  "+U[1, [5, null]]",
  "-U[1, [5, null]]",
  "+U[1, [5, null, 7]]",
  "-U[1, [5, null, 7]]",
  "+U[1, [5, null, 7, 1]]",
];
const VALUES = "(VALUES (1, 5), (1, CAST(NULL AS INT)), (1, 7), (1, 1)) t (k, v)";

test("group aggregation: ARRAY_AGG, ALL and RESPECT NULLS keep NULL elements in arrival order (Flink's changelog)", async () => {
  for (const agg of ["ARRAY_AGG(v)", "ARRAY_AGG(ALL v)", "ARRAY_AGG(v RESPECT NULLS)"])
    assert.deepEqual(await changelog(`SELECT k, ${agg} FROM ${VALUES} GROUP BY k`), FIVE_NULL_SEVEN_ONE, agg);
});

test("IGNORE NULLS and DISTINCT: NULL skipped, or kept once; an array of no element is NULL", async () => {
  assert.deepEqual(await changelog(`SELECT k, ARRAY_AGG(v IGNORE NULLS) FROM ${VALUES} GROUP BY k`), [
    "+I[1, [5]]",
    "-U[1, [5]]",
    "+U[1, [5, 7]]",
    "-U[1, [5, 7]]",
    "+U[1, [5, 7, 1]]",
  ]);
  assert.deepEqual(
    await changelog(
      "SELECT k, ARRAY_AGG(DISTINCT v) AS d FROM (VALUES (1, 2), (1, CAST(NULL AS INT)), (1, 2), (1, 3)) t (k, v) GROUP BY k",
    ),
    ["+I[1, [2]]", "-U[1, [2]]", "+U[1, [2, null]]", "-U[1, [2, null]]", "+U[1, [2, null, 3]]"],
  );
  // Flink: +I[1, null], -U[1, null], +U[1, [20]], -U[1, [20]], +U[1, [20, 30]].
  assert.deepEqual(
    await changelog(`SELECT k, ARRAY_AGG(v IGNORE NULLS) FROM (SELECT id, k, MAX(v) AS v
      FROM (VALUES (1, 1, CAST(NULL AS INT)), (2, 1, 20), (1, 1, 30)) t (id, k, v) GROUP BY id, k) GROUP BY k`),
    ["+I[1, null]", "-U[1, null]", "+U[1, [20]]", "-U[1, [20]]", "+U[1, [20, 30]]"],
  );
  // FILTER: the rows it drops are no elements (Flink: +I[1, null], -U[1, null], +U[1, [3]]).
  assert.deepEqual(
    await changelog(`SELECT k, ARRAY_AGG(v) FILTER (WHERE v > 2) FROM (VALUES (1, CAST(2 AS INT)),
      (1, CAST(NULL AS INT)), (1, 3)) t (k, v) GROUP BY k`),
    ["+I[1, null]", "-U[1, null]", "+U[1, [3]]"],
  );
});

test("over an updating input a retraction takes out the earliest equal element; DISTINCT on the last one (Flink's changelogs)", async () => {
  const inner = (rows: string) =>
    `(SELECT id, k, LAST_VALUE(v) AS v FROM (VALUES ${rows}) t (id, k, v) GROUP BY id, k)`;
  assert.deepEqual(
    await changelog(
      `SELECT k, ARRAY_AGG(v) FROM ${inner("(1, 1, 10), (2, 1, 20), (3, 1, 10), (1, 1, 30), (2, 1, CAST(NULL AS INT)), (3, 1, 40)")} GROUP BY k`,
    ),
    [
      "+I[1, [10]]",
      "-U[1, [10]]",
      "+U[1, [10, 20]]",
      "-U[1, [10, 20]]",
      "+U[1, [10, 20, 10]]",
      // id 1 moves from 10 to 30: the first 10 goes.
      "-U[1, [10, 20, 10]]",
      "+U[1, [20, 10]]",
      "-U[1, [20, 10]]",
      "+U[1, [20, 10, 30]]",
      // id 2's NULL leaves LAST_VALUE at 20: no change. id 3 moves from 10 to 40.
      "-U[1, [20, 10, 30]]",
      "+U[1, [20, 30]]",
      "-U[1, [20, 30]]",
      "+U[1, [20, 30, 40]]",
    ],
  );
  assert.deepEqual(
    await changelog(
      `SELECT k, ARRAY_AGG(DISTINCT v) FROM ${inner("(1, 1, 10), (2, 1, 20), (3, 1, 10), (1, 1, 30), (3, 1, 50)")} GROUP BY k`,
    ),
    [
      "+I[1, [10]]",
      "-U[1, [10]]",
      "+U[1, [10, 20]]",
      // The second 10 and the first one's retraction change nothing; 10 leaves with its last.
      "-U[1, [10, 20]]",
      "+U[1, [10, 20, 30]]",
      "-U[1, [10, 20, 30]]",
      "+U[1, [20, 30]]",
      "-U[1, [20, 30]]",
      "+U[1, [20, 30, 50]]",
    ],
  );
});

test("the type: ARRAY of the argument's type, nullable as the argument is (Flink's DESCRIBE)", async () => {
  const tEnv = env();
  await tEnv.executeSql(`CREATE VIEW vv AS SELECT k, ARRAY_AGG(v) AS a, ARRAY_AGG(w) AS b, ARRAY_AGG(v IGNORE NULLS) AS c
    FROM (VALUES (1, 2, 'x'), (1, CAST(NULL AS INT), 'y')) t (k, v, w) GROUP BY k`);
  const rows = await (await tEnv.executeSql("DESCRIBE vv")).collect();
  assert.deepEqual(
    rows.map((r) => [r.name, r.type, r.null]),
    [
      ["k", "INT", false],
      ["a", "ARRAY<INT>", true],
      ["b", "ARRAY<CHAR(1) NOT NULL>", false],
      ["c", "ARRAY<INT>", true],
    ],
  );
});

/** Events in time order (none late), NULLs in v and s. */
const EVENTS = [
  [1, "a", 10, "x", "08:00:01"],
  [2, "a", null, null, "08:00:02"],
  [3, "b", 5, "y", "08:00:03"],
  [4, "a", 10, "x", "08:00:04"],
  [5, "b", 7, null, "08:00:06"],
  [6, "a", 3, "z", "08:00:07"],
  [7, "a", null, "x", "08:00:08"],
  [8, "b", 1, "y", "08:00:12"],
].map(([id, k, v, s, ts]) => ({ id, k, v, s, ts: `2020-04-15 ${ts}` }));

async function events() {
  const dir = logWithRows("ev", EVENTS);
  const tEnv = env();
  await tEnv.executeSql(`CREATE TABLE ev (id INT, k STRING, v INT, s STRING, ts TIMESTAMP(3),
      WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
    ) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ev', 'bounded' = 'true')`);
  return tEnv;
}

test("TUMBLE windows and bounded OVER frames (DISTINCT too): Flink's results", async () => {
  const tEnv = await events();
  const windows = await (
    await tEnv.executeSql(`SELECT CAST(window_start AS STRING) AS ws, k, ARRAY_AGG(v) AS a,
        ARRAY_AGG(v IGNORE NULLS) AS i
      FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '5' SECOND))
      GROUP BY window_start, window_end, k`)
  ).collect();
  // (ARRAY_AGG(DISTINCT s) of a window comes in Flink's hash order: array-agg-distinct-order.test.ts.)
  const w = (ws: string, k: string, a: unknown[], i: unknown[]) => ({
    ws: `2020-04-15 08:00:${ws}.000`,
    k,
    a,
    i,
  });
  assert.deepEqual(
    sortRows(windows),
    sortRows([
      w("00", "a", [10, null, 10], [10, 10]),
      w("00", "b", [5], [5]),
      w("05", "a", [3, null], [3]),
      w("05", "b", [7], [7]),
      w("10", "b", [1], [1]),
    ]),
  );
  const over = async (agg: string, rows: number) =>
    sortRows(
      await (
        await tEnv.executeSql(`SELECT id, ${agg} OVER (PARTITION BY k ORDER BY ts
          ROWS BETWEEN ${rows} PRECEDING AND CURRENT ROW) AS a FROM ev`)
      ).collect(),
    );
  assert.deepEqual(
    await over("ARRAY_AGG(v)", 1),
    sortRows([
      { id: 1, a: [10] },
      { id: 2, a: [10, null] },
      { id: 3, a: [5] },
      { id: 4, a: [null, 10] },
      { id: 5, a: [5, 7] },
      { id: 6, a: [10, 3] },
      { id: 7, a: [3, null] },
      { id: 8, a: [7, 1] },
    ]),
  );
  // DISTINCT over 3 rows: at row 6, row 1's x leaves while row 4's stays, so x keeps its place.
  assert.deepEqual(
    await over("ARRAY_AGG(DISTINCT s)", 2),
    sortRows([
      { id: 1, a: ["x"] },
      { id: 2, a: ["x", null] },
      { id: 3, a: ["y"] },
      { id: 4, a: ["x", null] },
      { id: 5, a: ["y", null] },
      { id: 6, a: ["x", null, "z"] },
      { id: 7, a: ["x", "z"] },
      { id: 8, a: ["y", null] },
    ]),
  );
});

test("ARRAY_AGG(x ORDER BY y): accepted and the order ignored, as Flink 1.20 (its changelog: arrival order, ASC or DESC)", async () => {
  const t = "(VALUES ('a', 3), ('a', 1), ('a', 2), ('b', 9), ('b', 4)) AS x(k, v)";
  const expected = [
    "+I[a, [3], [3]]",
    "-U[a, [3], [3]]",
    "+U[a, [3, 1], [3, 1]]",
    "-U[a, [3, 1], [3, 1]]",
    "+U[a, [3, 1, 2], [3, 1, 2]]",
    "+I[b, [9], [9]]",
    "-U[b, [9], [9]]",
    "+U[b, [9, 4], [9, 4]]",
  ];
  assert.deepEqual(
    await changelog(
      `SELECT k, ARRAY_AGG(v ORDER BY v) AS a, ARRAY_AGG(v ORDER BY v DESC) AS b FROM ${t} GROUP BY k`,
    ),
    expected,
  );
  // With the null treatment before it, DISTINCT, several keys and NULLS FIRST: parsed as Calcite does.
  assert.deepEqual(
    await changelog(
      `SELECT k, ARRAY_AGG(DISTINCT v IGNORE NULLS ORDER BY v DESC NULLS FIRST, k) AS a, ARRAY_AGG(v ORDER BY v) AS b FROM ${t} GROUP BY k`,
    ),
    expected,
  );
  // Flink 1.20: "Column 'nosuch' not found in any table"; over a window it fails converting the call.
  await assert.rejects(env().executeSql(`SELECT ARRAY_AGG(v ORDER BY nosuch) FROM ${t}`), /nosuch/);
  await assert.rejects(
    env().executeSql(`SELECT ARRAY_AGG(v ORDER BY v) OVER (PARTITION BY k ORDER BY v) FROM ${t}`),
    /ORDER BY \.\.\.\) OVER/,
  );
});

test("refusals: IGNORE NULLS outside ARRAY_AGG, ARRAY_AGG of two arguments, ORDER BY inside another call", async () => {
  const t = "(VALUES (1, 'a')) t (k, s)";
  await assert.rejects(
    env().executeSql(`SELECT LISTAGG(s IGNORE NULLS) FROM ${t}`),
    /IGNORE NULLS is only valid in ARRAY_AGG, not in LISTAGG; drop it/,
  );
  await assert.rejects(
    env().executeSql(`SELECT UPPER(s RESPECT NULLS) FROM ${t}`),
    /RESPECT NULLS is only valid in ARRAY_AGG, not in UPPER; drop it/,
  );
  await assert.rejects(
    env().executeSql(`SELECT ARRAY_AGG(s, k) FROM ${t}`),
    /ARRAY_AGG takes 1 argument, got 2/,
  );
  // Calcite's parser takes an ORDER BY in ARRAY_AGG's parentheses only (Flink 1.20: "ORDER BY unexpected").
  for (const call of ["LISTAGG(s ORDER BY s)", "COUNT(k ORDER BY k)", "UPPER(s ORDER BY s)"])
    await assert.rejects(env().executeSql(`SELECT ${call} FROM ${t}`), /^.*ORDER BY unexpected/, call);
});

// Over an updating input: the inner aggregation moves key k from group c - 1 to group c (a -U,
// then a +U) at each of its rows, so the outer ARRAY_AGG retracts.
test("property: over an updating input the final table equals the brute-force one", async () => {
  const row = fc.record({
    k: fc.constantFrom("a", "b", "c", "d", "e", "z"),
    v: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null, freq: 4 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(row, { maxLength: 30 }), async (rows) => {
      const dir = logWithRows("t", rows);
      const tEnv = env();
      await tEnv.executeSql(
        `CREATE TABLE t (k STRING, v INT) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`,
      );
      const changes = await (
        await tEnv.executeSql(`SELECT c, ARRAY_AGG(k) AS ks, ARRAY_AGG(m) AS ms, ARRAY_AGG(DISTINCT m) AS dm,
            ARRAY_AGG(m IGNORE NULLS) AS im
          FROM (SELECT k, COUNT(*) AS c, MAX(v) AS m FROM t GROUP BY k) GROUP BY c`)
      ).collect();
      // Brute force: group c holds the keys whose final count is c, in the order they reached it.
      const byKey = new Map<string, { c: number; at: number; m: number | null }>();
      rows.forEach((r, at) => {
        const g = byKey.get(r.k) ?? { c: 0, at: 0, m: null };
        const m = r.v === null ? g.m : g.m === null ? r.v : Math.max(g.m, r.v);
        byKey.set(r.k, { c: g.c + 1, at, m });
      });
      const groups = new Map<number, { k: string; at: number; m: number | null }[]>();
      for (const [k, g] of byKey) groups.set(g.c, [...(groups.get(g.c) ?? []), { k, at: g.at, m: g.m }]);
      // Keys are unique in a group, so ks is exact. A value retracted is the earliest equal one
      // (which key's value that was is not said), so ms, dm and im are compared as multisets
      // here; their exact order under retraction is the accumulator property's
      // (test/planner/ordered-and-spread-aggregates.test.ts).
      const sorted = (xs: unknown[] | null) => (xs === null ? null : [...xs].map(String).sort());
      const want = [...groups].map(([c, members]) => {
        const ordered = [...members].sort((a, b) => a.at - b.at);
        const ms = ordered.map((x) => x.m);
        const present = ms.filter((m) => m !== null);
        return {
          c,
          ks: ordered.map((x) => x.k),
          ms: sorted(ms),
          dm: sorted([...new Set(ms)]),
          im: present.length === 0 ? null : sorted(present),
        };
      });
      const got = materialize(changes).map((r) => ({
        ...r,
        ms: sorted(r.ms as unknown[]),
        dm: sorted(r.dm as unknown[]),
        im: sorted(r.im as unknown[] | null),
      }));
      assert.deepEqual(sortRows(got), sortRows(want));
    }),
    { numRuns: 25 },
  );
});
