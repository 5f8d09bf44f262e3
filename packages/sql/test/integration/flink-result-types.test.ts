// Result types as Flink 1.20 derives them, seen through DESCRIBE of a view and TYPEOF:
// - one common type (LogicalTypeMerging.findCommonType; Calcite's leastRestrictive under
//   FlinkTypeSystem, whose shouldConvertRaggedUnionTypesToVarying makes CHARs or BINARYs of
//   different lengths VARCHAR / VARBINARY) for a FULL JOIN's USING column, UNION, CASE, IF, COALESCE;
// - a PRIMARY KEY's columns NOT NULL (Flink's schema resolution), wherever the column is read;
// - CAST NOT NULL exactly when its operand is (SqlCastFunction's return type), TRY_CAST nullable.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type SqlEnvironment, sql } from "@fleuve/sql";
import { logWithRows } from "../fixtures/log-table.js";
import { rejectsValidation } from "../fixtures/validation-error.js";

type Rows = readonly Record<string, unknown>[];

/** A session with log tables `name` of `ddl` holding `rows`. */
async function session(tables: readonly { name: string; ddl: string; rows?: Rows }[]) {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: logConnectors,
  });
  for (const t of tables) {
    const dir = logWithRows(t.name, t.rows ?? []);
    await tEnv.executeSql(
      `CREATE TABLE ${t.name} (${t.ddl}) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = '${t.name}', 'bounded' = 'true')`,
    );
  }
  return tEnv;
}

/** DESCRIBE's name, type and null of each column of `name`. */
async function described(tEnv: SqlEnvironment, name: string): Promise<[string, string, boolean][]> {
  const rows = await (await tEnv.executeSql(`DESCRIBE ${name}`)).collect();
  return rows.map((r) => [r.name as string, r.type as string, r.null as boolean]);
}

/** The columns of view `v AS query`, as DESCRIBE gives them. */
async function viewTypes(tEnv: SqlEnvironment, query: string) {
  await tEnv.executeSql(`CREATE VIEW v AS ${query}`);
  const types = await described(tEnv, "v");
  await tEnv.executeSql("DROP VIEW v");
  return types;
}

const BYTES_TABLES = [
  { name: "l", ddl: "k INT, b BINARY(3), c CHAR(2), n INT NOT NULL" },
  { name: "r", ddl: "k INT, b VARBINARY(5), c CHAR(4), n BIGINT NOT NULL" },
];

test("FULL JOIN USING: BINARY(3) with VARBINARY(5) is VARBINARY(5), CHAR(2) with CHAR(4) VARCHAR(4), INT with BIGINT BIGINT; all nullable", async () => {
  const tEnv = await session(BYTES_TABLES);
  assert.deepEqual(
    await viewTypes(
      tEnv,
      "SELECT b, c, n FROM (SELECT b, c, n FROM l) FULL JOIN (SELECT b, c, n FROM r) USING (b, c, n)",
    ),
    [
      ["b", "VARBINARY(5)", true],
      ["c", "VARCHAR(4)", true],
      ["n", "BIGINT", true],
    ],
  );
  // The other way round the same: fixed lengths that differ give the varying type.
  assert.deepEqual(
    await viewTypes(tEnv, "SELECT b FROM (SELECT b FROM r) FULL JOIN (SELECT b FROM l) USING (b)"),
    [["b", "VARBINARY(5)", true]],
  );
});

test("UNION ALL: the common type of each column, NOT NULL when both sides are", async () => {
  const tEnv = await session(BYTES_TABLES);
  assert.deepEqual(await viewTypes(tEnv, "SELECT b, c, n, k FROM l UNION ALL SELECT b, c, n, k FROM r"), [
    ["b", "VARBINARY(5)", true],
    ["c", "VARCHAR(4)", true],
    ["n", "BIGINT", false],
    ["k", "INT", true],
  ]);
  assert.deepEqual(await viewTypes(tEnv, "SELECT c, b FROM l UNION ALL SELECT c, b FROM l"), [
    ["c", "CHAR(2)", true],
    ["b", "BINARY(3)", true],
  ]);
});

test("CASE, IF and COALESCE are of their branches' common type (INT and DECIMAL(2, 1): DECIMAL(11, 1))", async () => {
  const tEnv = await session([
    { name: "t", ddl: "id INT NOT NULL, x INT, s STRING, b BINARY(3), vb VARBINARY(5)" },
  ]);
  assert.deepEqual(
    await viewTypes(
      tEnv,
      `SELECT CASE WHEN id > 0 THEN 1 ELSE 2.5 END AS a,
        CASE WHEN id > 0 THEN x ELSE CAST(id AS BIGINT) END AS b,
        CASE WHEN id > 0 THEN NULL ELSE 1.5 END AS c,
        CASE WHEN id > 0 THEN b ELSE vb END AS d,
        IF(id > 0, id, 1e0) AS e,
        COALESCE(x, 1.5) AS f,
        COALESCE(x, CAST(id AS BIGINT)) AS g,
        COALESCE(s, 'none') AS h
      FROM t`,
    ),
    [
      ["a", "DECIMAL(11, 1)", false],
      ["b", "BIGINT", true],
      ["c", "DECIMAL(2, 1)", true],
      ["d", "VARBINARY(5)", true],
      ["e", "DOUBLE", false],
      ["f", "DECIMAL(11, 1)", false],
      ["g", "BIGINT", false],
      ["h", "STRING", false],
    ],
  );
});

test("CASE of INT and DECIMAL branches computes in the DECIMAL: 3 / 2 of the INT branch is 1.5", async () => {
  const tEnv = await session([{ name: "t", ddl: "id INT NOT NULL", rows: [{ id: 3 }, { id: -1 }] }]);
  const rows = await (
    await tEnv.executeSql("SELECT id, CASE WHEN id > 0 THEN id ELSE 0.5 END / 2 AS h FROM t")
  ).collect();
  assert.deepEqual(materialize(rows), [
    { id: 3, h: 1.5 },
    { id: -1, h: 0.25 },
  ]);
});

test("PRIMARY KEY columns are NOT NULL: in DESCRIBE of the table and of a view, TYPEOF, and the key still works", async () => {
  const tEnv = await session([
    {
      name: "t",
      ddl: "id INT, name STRING, PRIMARY KEY (id) NOT ENFORCED",
      rows: [
        { id: 1, name: "a" },
        { id: 2, name: "b" },
      ],
    },
    { name: "one", ddl: "id INT PRIMARY KEY NOT ENFORCED, v INT" },
  ]);
  // Flink: `CREATE TABLE t (id INT, ..., PRIMARY KEY (id) NOT ENFORCED)` describes `id INT NOT NULL`.
  assert.deepEqual((await described(tEnv, "t"))[0], ["id", "INT", false]);
  assert.deepEqual((await described(tEnv, "one"))[0], ["id", "INT", false]);
  assert.deepEqual(await viewTypes(tEnv, "SELECT id, id + 1 AS next, name FROM t"), [
    ["id", "INT", false],
    ["next", "INT", false],
    ["name", "STRING", true],
  ]);
  const show = await (await tEnv.executeSql("SHOW CREATE TABLE one")).collect();
  assert.match(String(show[0]?.result), /`id` INT NOT NULL,/);
  const rows = await (
    await tEnv.executeSql("SELECT id, TYPEOF(id) AS ty, COUNT(*) AS n FROM t GROUP BY id")
  ).collect();
  assert.deepEqual(materialize(rows), [
    { id: 1, ty: "INT NOT NULL", n: 1 },
    { id: 2, ty: "INT NOT NULL", n: 1 },
  ]);
});

test("CAST is NOT NULL exactly when its operand is; TRY_CAST is always nullable", async () => {
  const tEnv = await session([{ name: "t", ddl: "id INT NOT NULL, s STRING", rows: [{ id: 7, s: "x" }] }]);
  assert.deepEqual(
    await viewTypes(
      tEnv,
      `SELECT CAST(id AS STRING) AS a, CAST('12' AS INT) AS b, CAST(s AS INT) AS c, TRY_CAST('12' AS INT) AS d,
        TRY_CAST(id AS BIGINT) AS e, CAST(ARRAY[id] AS ARRAY<BIGINT>) AS f, CAST(NULL AS INT) AS g FROM t`,
    ),
    [
      ["a", "STRING", false],
      ["b", "INT", false],
      ["c", "INT", true],
      ["d", "INT", true],
      ["e", "BIGINT", true],
      ["f", "ARRAY<BIGINT>", false],
      ["g", "INT", true],
    ],
  );
  const rows = await (
    await tEnv.executeSql("SELECT TYPEOF(CAST(id AS BIGINT)) AS a, TYPEOF(TRY_CAST(s AS INT)) AS b FROM t")
  ).collect();
  assert.deepEqual(materialize(rows), [{ a: "BIGINT NOT NULL", b: "INT" }]);
});

test("FLOOR and CEIL of a DECIMAL(p, s) are DECIMAL(p, 0), ROUND of a NOT NULL one NOT NULL, as Flink 1.20 types them", async () => {
  const tEnv = await session([{ name: "t", ddl: "id INT NOT NULL", rows: [{ id: 7 }] }]);
  // bench/flink: DESCRIBE of this view gives DECIMAL(2, 0), DECIMAL(2, 0), DECIMAL(5, 0),
  // DECIMAL(5, 0), DOUBLE, INT, DECIMAL(3, 1), all NOT NULL, and SELECT FLOOR(-1.5) prints -2.
  const query = `SELECT FLOOR(-1.5) AS f, CEIL(1.2) AS c, FLOOR(CAST(1.25 AS DECIMAL(5,2))) AS g,
    CEILING(CAST(-1.25 AS DECIMAL(5,2))) AS h, FLOOR(2.5e0) AS d, FLOOR(id) AS i, ROUND(1.25, 1) AS r FROM t`;
  assert.deepEqual(await viewTypes(tEnv, query), [
    ["f", "DECIMAL(2, 0)", false],
    ["c", "DECIMAL(2, 0)", false],
    ["g", "DECIMAL(5, 0)", false],
    ["h", "DECIMAL(5, 0)", false],
    ["d", "DOUBLE", false],
    ["i", "INT", false],
    ["r", "DECIMAL(3, 1)", false],
  ]);
  const rows = await (
    await tEnv.executeSql(
      "SELECT CAST(FLOOR(-1.5) AS STRING) AS f, CAST(CEIL(CAST(1.25 AS DECIMAL(5,2))) AS STRING) AS c FROM t",
    )
  ).collect();
  assert.deepEqual(rows, [{ f: "-2", c: "2" }]);
});

test("SUM, AVG, MIN and MAX of a NOT NULL column are NOT NULL per group, nullable without GROUP BY or with FILTER (Calcite's AGG_SUM)", async () => {
  const tEnv = await session([{ name: "t", ddl: "k STRING NOT NULL, v INT NOT NULL" }]);
  assert.deepEqual(
    await viewTypes(
      tEnv,
      "SELECT k, SUM(v) AS s, MAX(v) AS m, COUNT(*) AS n, MIN(v) FILTER (WHERE v > 0) AS f FROM t GROUP BY k",
    ),
    [
      ["k", "STRING", false],
      ["s", "INT", false],
      ["m", "INT", false],
      ["n", "BIGINT", false],
      ["f", "INT", true],
    ],
  );
  assert.deepEqual(
    await viewTypes(tEnv, "SELECT SUM(v) AS s, AVG(v) AS a, MIN(v) AS m, COUNT(v) AS n FROM t"),
    [
      ["s", "INT", true],
      ["a", "INT", true],
      ["m", "INT", true],
      ["n", "BIGINT", false],
    ],
  );
});

test("a character literal is CHAR(n) NOT NULL in TYPEOF and DESCRIBE alike; CASE, IF, VALUES and ARRAY of different lengths give VARCHAR", async () => {
  const tEnv = await session([{ name: "t", ddl: "id INT NOT NULL, s STRING", rows: [{ id: 1, s: null }] }]);
  // Flink 1.20 printed: CHAR(3) NOT NULL, CHAR(0) NOT NULL, VARCHAR(2) NOT NULL, CHAR(2) NOT NULL,
  // VARCHAR(3) NOT NULL, STRING NOT NULL, ARRAY<VARCHAR(2) NOT NULL> NOT NULL,
  // ARRAY<DECIMAL(11, 1) NOT NULL> NOT NULL.
  const query = `SELECT 'abc' AS lit, '' AS empty, CASE WHEN id > 0 THEN 'a' ELSE 'bc' END AS ragged,
      CASE WHEN id > 0 THEN 'ab' ELSE 'cd' END AS same, IF(id > 0, 'a', 'bcd') AS if_ragged,
      COALESCE(s, 'x') AS coalesced, ARRAY['a', 'bc'] AS chars, ARRAY[1, 2.5] AS numbers FROM t`;
  const expected: [string, string, boolean][] = [
    ["lit", "CHAR(3)", false],
    ["empty", "CHAR(0)", false],
    ["ragged", "VARCHAR(2)", false],
    ["same", "CHAR(2)", false],
    ["if_ragged", "VARCHAR(3)", false],
    ["coalesced", "STRING", false],
    ["chars", "ARRAY<VARCHAR(2) NOT NULL>", false],
    ["numbers", "ARRAY<DECIMAL(11, 1) NOT NULL>", false],
  ];
  assert.deepEqual(await viewTypes(tEnv, query), expected);
  const typeOf = await (
    await tEnv.executeSql(
      `SELECT ${expected.map(([name]) => `TYPEOF(${name}) AS ${name}`).join(", ")} FROM (${query})`,
    )
  ).collect();
  assert.deepEqual(materialize(typeOf), [
    Object.fromEntries(expected.map(([name, type, n]) => [name, n ? type : `${type} NOT NULL`])),
  ]);
  // The values are not padded: 'a' of a VARCHAR(2) CASE stays 'a'.
  const values = await (
    await tEnv.executeSql(
      "SELECT CASE WHEN id > 0 THEN 'a' ELSE 'bc' END AS v, CHAR_LENGTH(CASE WHEN id > 0 THEN 'a' ELSE 'bc' END) AS n FROM t",
    )
  ).collect();
  assert.deepEqual(materialize(values), [{ v: "a", n: 1 }]);
  // VALUES: each column of its rows' common type, nullable when a row has NULL there.
  assert.deepEqual(
    await viewTypes(tEnv, "SELECT * FROM (VALUES ('a', 1), ('bc', CAST(NULL AS INT))) AS w(l, n)"),
    [
      ["l", "VARCHAR(2)", false],
      ["n", "INT", true],
    ],
  );
});

test("UNION ALL of character literals of different lengths is VARCHAR(n), the values unpadded", async () => {
  const tEnv = await session([{ name: "t", ddl: "id INT NOT NULL", rows: [{ id: 1 }] }]);
  // Flink 1.20: TYPEOF of the column is VARCHAR(2) NOT NULL in both rows.
  assert.deepEqual(await viewTypes(tEnv, "SELECT 'a' AS l FROM t UNION ALL SELECT 'bc' FROM t"), [
    ["l", "VARCHAR(2)", false],
  ]);
  const rows = await (await tEnv.executeSql("SELECT 'a' AS l FROM t UNION ALL SELECT 'bc' FROM t")).collect();
  assert.deepEqual(
    materialize(rows)
      .map((r) => r.l)
      .sort(),
    ["a", "bc"],
  );
});

test("TIMESTAMP literals are of their fraction's digits and TIME literals TIME(0), as Flink 1.20 types and prints them", async () => {
  const tEnv = await session([{ name: "t", ddl: "id INT NOT NULL", rows: [{ id: 1 }] }]);
  const rows = await (
    await tEnv.executeSql(`SELECT CAST(TIMESTAMP '2020-01-01 10:00:00' AS STRING) AS ts0,
      CAST(TIMESTAMP '2020-01-01 10:00:00.5' AS STRING) AS ts1, CAST(TIME '10:00:00.12' AS STRING) AS t,
      TYPEOF(TIMESTAMP '2020-01-01 10:00:00.5') AS ts1_type, TYPEOF(TIME '10:00:00.12') AS t_type,
      TYPEOF(CASE WHEN id > 0 THEN TIMESTAMP '2020-01-01 10:00:00' ELSE TIMESTAMP '2020-01-01 10:00:00.123' END) AS common,
      TIME '10:00:00.12' > TIME '10:00:00' AS later FROM t`)
  ).collect();
  // Flink 1.20 printed: 2020-01-01 10:00:00, 2020-01-01 10:00:00.5, 10:00:00, TIMESTAMP(1) NOT NULL,
  // TIME(0) NOT NULL, TIMESTAMP(3) NOT NULL.
  assert.deepEqual(materialize(rows), [
    {
      ts0: "2020-01-01 10:00:00",
      ts1: "2020-01-01 10:00:00.5",
      t: "10:00:00",
      ts1_type: "TIMESTAMP(1) NOT NULL",
      t_type: "TIME(0) NOT NULL",
      common: "TIMESTAMP(3) NOT NULL",
      later: true,
    },
  ]);
});

test("a bare NULL is refused where Flink 1.20 gives it no type: a set operation's column, a select item, VALUES, IF, ROW, NOT, AND, OR, arithmetic", async () => {
  const tEnv = await session([
    { name: "t", ddl: "k INT NOT NULL, x INT, b BOOLEAN NOT NULL" },
    { name: "sink", ddl: "a INT, s STRING" },
  ]);
  // Flink 1.20 refuses each: "Illegal use of 'NULL'" (Calcite without type coercion).
  for (const sql of [
    "SELECT 1 UNION ALL SELECT NULL",
    "SELECT k FROM t UNION ALL SELECT NULL FROM t",
    "SELECT NULL FROM t UNION ALL SELECT k FROM t",
    "SELECT k FROM t UNION SELECT NULL FROM t",
    "SELECT k FROM t INTERSECT SELECT NULL FROM t",
    "SELECT k FROM t EXCEPT SELECT NULL FROM t",
    "SELECT k, b FROM t UNION ALL SELECT k, NULL FROM t",
    "SELECT NULL AS a FROM t",
    "SELECT * FROM (VALUES (1), (NULL)) AS v(a)",
    "SELECT IF(b, NULL, 1) FROM t",
    "SELECT COALESCE(NULL, NULL) FROM t",
    "SELECT ROW(1, NULL) FROM t",
    "SELECT NOT NULL FROM t",
    "SELECT b AND NULL FROM t",
    "SELECT b OR NULL FROM t",
    "SELECT k + NULL FROM t",
  ]) {
    await rejectsValidation(async () => tEnv.sqlQuery(sql), /Illegal use of 'NULL'/, {}, sql);
  }
  for (const sql of [
    "INSERT INTO sink SELECT NULL, 'a' FROM t",
    "INSERT INTO sink VALUES (1, NULL)",
    "INSERT INTO sink SELECT 1, 'a' UNION ALL SELECT NULL, 'b'",
  ]) {
    await rejectsValidation(() => tEnv.executeSql(sql), /Illegal use of 'NULL'/, {}, sql);
  }
  // Calcite's CASE check, which Flink's NULLIF (a CASE) meets too.
  for (const sql of [
    "SELECT CASE WHEN b THEN NULL END FROM t",
    "SELECT CASE WHEN b THEN NULL ELSE NULL END FROM t",
    "SELECT NULLIF(NULL, 1) FROM t",
  ]) {
    await rejectsValidation(
      async () => tEnv.sqlQuery(sql),
      /ELSE clause or at least one THEN clause must be non-NULL/,
      {},
      sql,
    );
  }
  // Where the NULL takes a type from its context Flink accepts it (DESCRIBE on Flink 1.20).
  assert.deepEqual(await viewTypes(tEnv, "SELECT k AS a FROM t UNION ALL SELECT CAST(NULL AS INT) FROM t"), [
    ["a", "INT", true],
  ]);
  assert.deepEqual(
    await viewTypes(
      tEnv,
      `SELECT CASE WHEN b THEN NULL ELSE 1 END AS c, COALESCE(NULL, 1) AS d, COALESCE(NULL, x) AS e,
        NULLIF(1, NULL) AS f, IFNULL(NULL, 1) AS g, x = NULL AS h, NULL IS NULL AS i, k IN (NULL, 1) AS j FROM t`,
    ),
    [
      ["c", "INT", true],
      ["d", "INT", false],
      ["e", "INT", true],
      ["f", "INT", true],
      ["g", "INT", false],
      ["h", "BOOLEAN", true],
      ["i", "BOOLEAN", false],
      ["j", "BOOLEAN", true],
    ],
  );
});

test("every TIME of a query is TIME(0), as in Flink 1.20: a TIME(3) column, CAST AS TIME(3), UNION, CASE, COALESCE, IF, TIME + INTERVAL; the values keep their milliseconds", async () => {
  const tEnv = await session([
    {
      name: "t",
      ddl: "t0 TIME(0) NOT NULL, t3 TIME(3) NOT NULL, nt3 TIME(3), b BOOLEAN NOT NULL",
      rows: [{ t0: "04:05:06", t3: "01:02:03.456", nt3: null, b: true }],
    },
  ]);
  // Flink 1.20's DESCRIBE: TIME(0) everywhere (FlinkTypeFactory makes every TIME precision 0).
  assert.deepEqual(await viewTypes(tEnv, "SELECT t0 AS a, t3 AS c FROM t UNION ALL SELECT t3, t0 FROM t"), [
    ["a", "TIME(0)", false],
    ["c", "TIME(0)", false],
  ]);
  assert.deepEqual(
    await viewTypes(
      tEnv,
      `SELECT t3, nt3, CASE WHEN b THEN t0 ELSE t3 END AS c, COALESCE(nt3, t0) AS d, IF(b, t0, t3) AS e,
        CASE WHEN b THEN t3 END AS f, t3 + INTERVAL '1' SECOND AS g, nt3 - INTERVAL '1' HOUR AS h,
        CAST('01:02:03.456' AS TIME(3)) AS i, TRY_CAST('x' AS TIME(2)) AS j, LOCALTIME AS k, CURRENT_TIME AS l,
        ROW(t3, 1) AS m, ARRAY[t3] AS n FROM t`,
    ),
    [
      ["t3", "TIME(0)", false],
      ["nt3", "TIME(0)", true],
      ["c", "TIME(0)", false],
      ["d", "TIME(0)", false],
      ["e", "TIME(0)", false],
      ["f", "TIME(0)", true],
      ["g", "TIME(0)", false],
      ["h", "TIME(0)", true],
      ["i", "TIME(0)", false],
      ["j", "TIME(0)", true],
      ["k", "TIME(0)", false],
      ["l", "TIME(0)", false],
      ["m", "ROW<`EXPR$0` TIME(0) NOT NULL, `EXPR$1` INT NOT NULL>", false],
      ["n", "ARRAY<TIME(0) NOT NULL>", false],
    ],
  );
  // Flink 1.20 printed 01:02:03, TIME(0) NOT NULL, 01:02:04 and TRUE: the text has no fraction,
  // the value its milliseconds.
  const rows = await (
    await tEnv.executeSql(`SELECT CAST(t3 AS STRING) AS s, TYPEOF(t3) AS ty,
      CAST(t3 + INTERVAL '1' SECOND AS STRING) AS plus, t3 > TIME '01:02:03' AS later FROM t`)
  ).collect();
  assert.deepEqual(materialize(rows), [
    { s: "01:02:03", ty: "TIME(0) NOT NULL", plus: "01:02:04", later: true },
  ]);
  const union = await (
    await tEnv.executeSql(
      "SELECT CAST(a AS STRING) AS s FROM (SELECT t3 AS a FROM t UNION ALL SELECT t0 FROM t)",
    )
  ).collect();
  assert.deepEqual(
    materialize(union)
      .map((r) => r.s)
      .sort(),
    ["01:02:03", "04:05:06"],
  );
});

test("IFNULL, CASE, COALESCE and NULLIF are of Flink's types: IFNULL of a nullable input the common type, nullable when the replacement is", async () => {
  const tEnv = await session([
    {
      name: "t",
      ddl: "i INT NOT NULL, ni INT, b BIGINT NOT NULL, c1 CHAR(1) NOT NULL, c3 CHAR(3) NOT NULL, nc1 CHAR(1), vc VARCHAR(5), bo BOOLEAN NOT NULL, nbo BOOLEAN",
      rows: [
        { i: 1, ni: null, b: 7, c1: "a", c3: "xyz", nc1: null, vc: null, bo: true, nbo: null },
        { i: 2, ni: 3, b: 8, c1: "b", c3: "uvw", nc1: "q", vc: "v", bo: false, nbo: true },
      ],
    },
  ]);
  // Flink 1.20's DESCRIBE of each.
  assert.deepEqual(
    await viewTypes(
      tEnv,
      `SELECT IFNULL(ni, b) AS a, IFNULL(nc1, c3) AS c, IFNULL(ni, 2.5) AS d, IFNULL(i, 1) AS e,
        CASE WHEN bo THEN c1 ELSE c3 END AS f, CASE WHEN bo THEN 'a' WHEN nbo THEN 'b' ELSE 'c' END AS g,
        CASE WHEN bo THEN c1 END AS h, CASE WHEN nbo THEN 1 ELSE 2 END AS k, CASE WHEN bo THEN c1 ELSE vc END AS l,
        COALESCE(ni, i) AS m, COALESCE(nc1, vc) AS n, NULLIF(c3, c1) AS o, NULLIF(i, b) AS p FROM t`,
    ),
    [
      ["a", "BIGINT", false],
      ["c", "VARCHAR(3)", false],
      ["d", "DECIMAL(11, 1)", false],
      ["e", "INT", false],
      ["f", "VARCHAR(3)", false],
      ["g", "CHAR(1)", false],
      ["h", "CHAR(1)", true],
      ["k", "INT", false],
      ["l", "VARCHAR(5)", true],
      ["m", "INT", false],
      ["n", "VARCHAR(5)", true],
      ["o", "CHAR(3)", true],
      ["p", "INT", true],
    ],
  );
  const rows = await (
    await tEnv.executeSql(
      "SELECT IFNULL(ni, 2.5) AS d, IFNULL(nc1, c3) AS c, TYPEOF(IFNULL(ni, b)) AS ty FROM t",
    )
  ).collect();
  assert.deepEqual(materialize(rows), [
    { d: 2.5, c: "xyz", ty: "BIGINT NOT NULL" },
    { d: 3, c: "q", ty: "BIGINT NOT NULL" },
  ]);
});

test("comparisons, AND, OR, NOT, IS, BETWEEN, IN and LIKE are BOOLEAN NOT NULL when their operands are NOT NULL, as in Flink 1.20", async () => {
  const tEnv = await session([
    {
      name: "t",
      ddl: "i INT NOT NULL, ni INT, b BIGINT NOT NULL, d DECIMAL(5, 2) NOT NULL, c1 CHAR(1) NOT NULL, c3 CHAR(3) NOT NULL, s STRING, t0 TIME(0) NOT NULL, t3 TIME(3) NOT NULL, dt DATE NOT NULL, bo BOOLEAN NOT NULL, nbo BOOLEAN",
      rows: [
        {
          i: 1,
          ni: null,
          b: 2,
          d: 1.5,
          c1: "a",
          c3: "abc",
          s: null,
          t0: "01:00:00",
          t3: "01:00:00.5",
          dt: "2024-01-01",
          bo: true,
          nbo: null,
        },
      ],
    },
  ]);
  // Flink 1.20's DESCRIBE of each (nullable: TRUE).
  const expected: [string, string, boolean][] = [
    ["i = i", "a", false],
    ["i = ni", "b", true],
    ["i < b", "c", false],
    ["bo AND bo", "e", false],
    ["bo AND nbo", "f", true],
    ["NOT bo", "g", false],
    ["NOT nbo", "h", true],
    ["ni IS NULL", "k", false],
    ["i IS NOT NULL", "l", false],
    ["nbo IS TRUE", "m", false],
    ["nbo IS NOT FALSE", "n", false],
    ["bo IS UNKNOWN", "o", false],
    ["i BETWEEN 1 AND 2", "p", false],
    ["ni BETWEEN 1 AND 2", "q", true],
    ["i BETWEEN ni AND 3", "r", true],
    ["i NOT BETWEEN 1 AND 2", "r2", false],
    ["i IN (1, 2)", "u", false],
    ["ni IN (1, 2)", "w", true],
    ["i IN (1, ni)", "x", true],
    ["bo OR nbo", "y", true],
    ["bo OR bo", "z", false],
    ["1 = 1", "a2", false],
    ["c1 = c3", "b2", false],
    ["i = d", "c2", false],
    ["i IS DISTINCT FROM ni", "d2", false],
    ["c3 LIKE 'a%'", "e2", false],
    ["s LIKE 'a%'", "f2", true],
    ["c1 NOT LIKE 'a'", "g2", false],
    ["c1 SIMILAR TO 'a'", "h2", false],
    ["t0 = t3", "i2", false],
    ["t0 < t3", "j2", false],
    ["dt = dt", "k2", false],
    ["NOT (i = 1)", "l2", false],
    ["i > 1 AND ni > 1", "m2", true],
  ];
  assert.deepEqual(
    await viewTypes(tEnv, `SELECT ${expected.map(([e, name]) => `${e} AS ${name}`).join(", ")} FROM t`),
    expected.map(([, name, n]) => [name, "BOOLEAN", n]),
  );
  const rows = await (
    await tEnv.executeSql("SELECT TYPEOF(i = i) AS a, TYPEOF(i = ni) AS b, i = i AS c, i = ni AS d FROM t")
  ).collect();
  assert.deepEqual(materialize(rows), [{ a: "BOOLEAN NOT NULL", b: "BOOLEAN", c: true, d: null }]);
});

test("a bare NULL argument of a built-in function: refused where Flink 1.20 gives it no type, typed from the others where it does", async () => {
  const tEnv = await session([
    {
      name: "t",
      ddl: "i INT, ni INT NOT NULL, s STRING, ts TIMESTAMP(3), a ARRAY<INT NOT NULL> NOT NULL",
    },
  ]);
  // Each refused by Flink 1.20 with "Illegal use of 'NULL'" (bench/flink/run.sh sql, a view of each).
  for (const expr of [
    "UPPER(NULL)",
    "ABS(NULL)",
    "CONCAT('a', NULL)",
    "CONCAT(s, NULL)",
    "CONCAT_WS(',', 'a', NULL)",
    "CHAR_LENGTH(NULL)",
    "SUBSTRING('abc', NULL, 2)",
    "TRIM(BOTH NULL FROM 'a')",
    "POSITION('a' IN NULL)",
    "MOD(5, NULL)",
    "ROUND(1.5, NULL)",
    "DATE_FORMAT(ts, NULL)",
    "HOUR(NULL)",
    "EXTRACT(HOUR FROM NULL)",
    "TIMESTAMPADD(DAY, NULL, ts)",
    "JSON_VALUE(NULL, '$.a')",
    "CARDINALITY(NULL)",
    "ARRAY_APPEND(NULL, 1)",
    "ARRAY_CONCAT(a, NULL)",
    "TYPEOF(i, NULL)",
    "IFNULL(NULL, NULL)",
    "NULL IS TRUE",
    "NULL IS NOT FALSE",
    "NULL IS UNKNOWN",
  ]) {
    await rejectsValidation(
      async () => tEnv.sqlQuery(`SELECT ${expr} FROM t`),
      /^Illegal use of 'NULL'/,
      {},
      expr,
    );
  }
  for (const expr of ["COUNT(NULL)", "SUM(NULL)", "MAX(NULL)", "ARRAY_AGG(NULL)", "LISTAGG(s, NULL)"]) {
    await rejectsValidation(
      async () => tEnv.sqlQuery(`SELECT ${expr} FROM t`),
      /^Illegal use of 'NULL'/,
      {},
      expr,
    );
  }
  await rejectsValidation(
    async () => tEnv.sqlQuery("SELECT GREATEST(NULL, NULL) FROM t"),
    /^Invalid function call: GREATEST\(NULL, NULL\): Could not infer an output type for the given arguments/,
    {},
    "GREATEST",
  );
  await rejectsValidation(
    async () => tEnv.sqlQuery("SELECT NULL LIKE 'a' FROM t"),
    /^Cannot apply 'LIKE' to arguments of type 'LIKE\(<NULL>, <CHAR\(1\)>\)'/,
    {},
    "NULL LIKE",
  );
  await rejectsValidation(
    async () => tEnv.sqlQuery("SELECT 'a' LIKE NULL FROM t"),
    /^Cannot apply 'LIKE' to arguments of type 'LIKE\(<CHAR\(1\)>, <CHAR\(1\)>\)'/,
    {},
    "LIKE NULL",
  );
  // Accepted by Flink 1.20, of these types (its DESCRIBE).
  assert.deepEqual(
    await viewTypes(
      tEnv,
      `SELECT GREATEST(NULL, 1) AS a, LEAST(ni, NULL, 2) AS b, GREATEST(NULL, 1.5, 2) AS c,
        IFNULL(NULL, 'a') AS d, ARRAY_APPEND(a, NULL) AS e, ARRAY_CONTAINS(a, NULL) IS NULL AS f,
        ARRAY_POSITION(a, NULL) AS g, SPLIT(NULL, ',') AS h, TYPEOF(NULL) AS j, JSON_OBJECT('k' VALUE NULL) AS k,
        ARRAY_JOIN(ARRAY['a'], NULL) AS l FROM t`,
    ),
    [
      ["a", "INT", true],
      ["b", "INT", true],
      ["c", "DECIMAL(11, 1)", true],
      ["d", "CHAR(1)", false],
      ["e", "ARRAY<INT>", true],
      ["f", "BOOLEAN", false],
      ["g", "INT", true],
      ["h", "ARRAY<STRING>", true],
      ["j", "STRING", true],
      ["k", "STRING", false],
      ["l", "STRING", true],
    ],
  );
});

test("HOUR, MINUTE, SECOND, YEAR... and EXTRACT are BIGINT NOT NULL of a NOT NULL TIME, TIMESTAMP or DATE, as in Flink 1.20", async () => {
  const tEnv = await session([
    { name: "t", ddl: "tm TIME, ntm TIME NOT NULL, ts TIMESTAMP(3), nts TIMESTAMP(3) NOT NULL, d DATE" },
  ]);
  assert.deepEqual(
    await viewTypes(
      tEnv,
      `SELECT HOUR(tm) AS a, HOUR(ntm) AS b, MINUTE(ntm) AS c, SECOND(nts) AS e, HOUR(TIME '01:02:03') AS f,
        EXTRACT(HOUR FROM ntm) AS g, EXTRACT(SECOND FROM nts) AS h, EXTRACT(HOUR FROM ts) AS i,
        YEAR(DATE '2020-01-01') AS j, YEAR(d) AS k, DAYOFWEEK(nts) AS l, EXTRACT(DAY FROM INTERVAL '2' DAY) AS m FROM t`,
    ),
    [
      ["a", "BIGINT", true],
      ["b", "BIGINT", false],
      ["c", "BIGINT", false],
      ["e", "BIGINT", false],
      ["f", "BIGINT", false],
      ["g", "BIGINT", false],
      ["h", "BIGINT", false],
      ["i", "BIGINT", true],
      ["j", "BIGINT", false],
      ["k", "BIGINT", true],
      ["l", "BIGINT", false],
      ["m", "BIGINT", false],
    ],
  );
});

test("a DECIMAL literal's precision counts its leading zeros (000.50 is DECIMAL(5, 2)), its value does not change", async () => {
  const tEnv = await session([{ name: "t", ddl: "k INT" }]);
  // Flink 1.20's DESCRIBE of each literal; the values as its CAST to STRING printed them.
  const cases: [string, string, string][] = [
    ["000.50", "DECIMAL(5, 2)", "0.50"],
    ["0.050", "DECIMAL(4, 3)", "0.050"],
    ["-00.5", "DECIMAL(3, 1)", "-0.5"],
    ["00.0", "DECIMAL(3, 1)", "0.0"],
    ["0.5", "DECIMAL(2, 1)", "0.5"],
    [".5", "DECIMAL(1, 1)", "0.5"],
    ["0010.0100", "DECIMAL(8, 4)", "10.0100"],
    ["1.50", "DECIMAL(3, 2)", "1.50"],
    ["007", "INT", "7"],
  ];
  assert.deepEqual(
    await viewTypes(tEnv, `SELECT ${cases.map(([lit], i) => `${lit} AS c${i}`).join(", ")} FROM t`),
    cases.map(([, type], i) => [`c${i}`, type, false]),
  );
  const rows = await (
    await tEnv.executeSql(`SELECT ${cases.map(([lit], i) => `CAST(${lit} AS STRING) AS c${i}`).join(", ")}`)
  ).collect();
  assert.deepEqual(materialize(rows), [Object.fromEntries(cases.map(([, , v], i) => [`c${i}`, v]))]);
});

test("ARRAY[...] and MAP[...] with a bare NULL: the NULL takes the first operand's type, as Flink 1.20 types them", async () => {
  const tEnv = await session([{ name: "t", ddl: "i INT, ni INT NOT NULL, s STRING" }]);
  assert.deepEqual(
    await viewTypes(
      tEnv,
      `SELECT ARRAY[NULL, 1] AS a, ARRAY[1, NULL] AS b, ARRAY[ni, NULL] AS c, ARRAY['a', NULL, 'bc'] AS d,
        ARRAY[NULL, 1, 2.5] AS e, ARRAY[ARRAY[1], NULL] AS f, MAP['a', NULL] AS g, MAP['a', 1, NULL, 2] AS h,
        MAP[1, 'x', NULL, 'y'] AS i, MAP[s, NULL] AS j, ARRAY[1, NULL][1] AS k FROM t`,
    ),
    [
      ["a", "ARRAY<INT>", false],
      ["b", "ARRAY<INT>", false],
      ["c", "ARRAY<INT>", false],
      ["d", "ARRAY<VARCHAR(2)>", false],
      ["e", "ARRAY<DECIMAL(11, 1)>", false],
      ["f", "ARRAY<ARRAY<INT NOT NULL>>", false],
      ["g", "MAP<CHAR(1) NOT NULL, CHAR(1)>", false],
      ["h", "MAP<CHAR(1), INT NOT NULL>", false],
      ["i", "MAP<INT, CHAR(1) NOT NULL>", false],
      ["j", "MAP<STRING, STRING>", false],
      ["k", "INT", true],
    ],
  );
  // Refused by Flink 1.20: only NULLs, a NULL first beside an ARRAY, and a NULL that took a type
  // its neighbours do not share (MAP['a', 1, 'b', NULL]: the NULL took CHAR(1)).
  for (const expr of [
    "ARRAY[NULL]",
    "ARRAY[NULL, NULL]",
    "ARRAY[NULL, ARRAY[1]]",
    "MAP[NULL, 1]",
    "MAP[NULL, NULL]",
    "MAP['a', 1, 'b', NULL]",
    "MAP['a', NULL, 'b', 1]",
  ]) {
    await rejectsValidation(
      async () => tEnv.sqlQuery(`SELECT ${expr} FROM t`),
      /^Parameters must be of the same type/,
      {},
      expr,
    );
  }
  const rows = await (
    await tEnv.executeSql("SELECT ARRAY[NULL, 1] AS a, ARRAY['a', NULL, 'bc'] AS b")
  ).collect();
  assert.deepEqual(materialize(rows), [{ a: [null, 1], b: ["a", null, "bc"] }]);
});

test("ARRAY_*, CARDINALITY, MAP_* and PI, E, RAND, UUID are NOT NULL where Flink 1.20 types them so", async () => {
  const tEnv = await session([{ name: "t", ddl: "i INT, ni INT NOT NULL, a ARRAY<INT>" }]);
  // Each pair [expression, DESCRIBE's type and null] as bench/flink/run.sh printed it for a view.
  const cases: [string, string, boolean][] = [
    ["ARRAY_CONTAINS(ARRAY[1], NULL)", "BOOLEAN", false],
    ["ARRAY_CONTAINS(ARRAY[1], i)", "BOOLEAN", false],
    ["ARRAY_CONTAINS(ARRAY[i], 1)", "BOOLEAN", false],
    ["ARRAY_CONTAINS(a, 1)", "BOOLEAN", true],
    ["ARRAY_REMOVE(ARRAY[1], NULL)", "ARRAY<INT NOT NULL>", false],
    ["ARRAY_REMOVE(ARRAY[1], i)", "ARRAY<INT NOT NULL>", false],
    ["ARRAY_REMOVE(ARRAY[1, NULL], 1)", "ARRAY<INT>", false],
    ["ARRAY_DISTINCT(ARRAY[1])", "ARRAY<INT NOT NULL>", false],
    ["ARRAY_POSITION(ARRAY[1], 1)", "INT", false],
    ["ARRAY_POSITION(ARRAY[1], i)", "INT", true],
    ["ARRAY_POSITION(ARRAY[1], NULL)", "INT", true],
    ["ARRAY_REVERSE(ARRAY[1, NULL])", "ARRAY<INT>", false],
    ["ARRAY_SLICE(ARRAY[1, 2], 1)", "ARRAY<INT NOT NULL>", false],
    ["ARRAY_SLICE(ARRAY[1, 2], i)", "ARRAY<INT NOT NULL>", true],
    ["ARRAY_SORT(ARRAY[2, 1], TRUE, FALSE)", "ARRAY<INT NOT NULL>", false],
    ["ARRAY_UNION(ARRAY[1], ARRAY[NULL, 2])", "ARRAY<INT>", false],
    ["ARRAY_CONCAT(ARRAY[1], ARRAY[2])", "ARRAY<INT NOT NULL>", false],
    ["ARRAY_EXCEPT(ARRAY[1], ARRAY[2])", "ARRAY<INT NOT NULL>", false],
    ["ARRAY_INTERSECT(ARRAY[1], ARRAY[2])", "ARRAY<INT NOT NULL>", false],
    ["ARRAY_APPEND(ARRAY[1], 2)", "ARRAY<INT NOT NULL>", false],
    ["ARRAY_APPEND(ARRAY[1], i)", "ARRAY<INT>", true],
    ["ARRAY_PREPEND(ARRAY[1], NULL)", "ARRAY<INT>", true],
    ["ARRAY_JOIN(ARRAY['a', NULL], ',')", "STRING", false],
    ["ARRAY_MAX(ARRAY[1, 2])", "INT", true],
    ["CARDINALITY(ARRAY[NULL, 1])", "INT", false],
    ["CARDINALITY(ARRAY[i])", "INT", false],
    ["CARDINALITY(a)", "INT", true],
    ["CARDINALITY(MAP['a', NULL])", "INT", false],
    ["MAP_KEYS(MAP['a', 1])", "ARRAY<CHAR(1) NOT NULL>", false],
    ["MAP_VALUES(MAP['a', NULL])", "ARRAY<CHAR(1)>", false],
    ["MAP_ENTRIES(MAP['a', 1])", "ARRAY<ROW<`key` CHAR(1) NOT NULL, `value` INT NOT NULL>>", false],
    ["MAP_FROM_ARRAYS(ARRAY['a'], ARRAY[1])", "MAP<CHAR(1) NOT NULL, INT NOT NULL>", false],
    ["MAP_UNION(MAP['a', 1], MAP['b', 2])", "MAP<CHAR(1) NOT NULL, INT NOT NULL>", false],
    ["PI()", "DOUBLE", false],
    ["E()", "DOUBLE", false],
    ["RAND()", "DOUBLE", false],
    ["RAND(1)", "DOUBLE", false],
    ["RAND_INTEGER(10)", "INT", false],
    ["RAND_INTEGER(1, 10)", "INT", false],
    ["UUID()", "CHAR(36)", false],
    ["UNIX_TIMESTAMP()", "BIGINT", false],
  ];
  for (const [expr, type, isNull] of cases)
    assert.deepEqual(await viewTypes(tEnv, `SELECT ${expr} AS c FROM t`), [["c", type, isNull]], expr);
  const rows = await (
    await tEnv.executeSql(
      "SELECT ARRAY_CONTAINS(ARRAY[1, NULL], NULL) AS a, ARRAY_CONTAINS(ARRAY[1], NULL) AS b, ARRAY_REMOVE(ARRAY[1, NULL], NULL) AS c, CARDINALITY(ARRAY[NULL, 1]) AS d, CHAR_LENGTH(UUID()) AS e",
    )
  ).collect();
  assert.deepEqual(materialize(rows), [{ a: true, b: false, c: [1], d: 2, e: 36 }]);
});

test("ARRAY[ROW(...), NULL]: the NULL makes the ROW's fields nullable too, as Flink 1.20 types it", async () => {
  const tEnv = await session([{ name: "t", ddl: "i INT" }]);
  assert.deepEqual(
    await viewTypes(
      tEnv,
      "SELECT ARRAY[ROW(1, 'a'), NULL] AS a, ARRAY[ROW(1, 'a')] AS b, ARRAY[ROW(i, 'a'), NULL] AS c, ARRAY[ROW(ROW(1), 'a'), NULL] AS d, MAP['k', ROW(1, 'a')] AS e FROM t",
    ),
    [
      ["a", "ARRAY<ROW<`EXPR$0` INT, `EXPR$1` CHAR(1)>>", false],
      ["b", "ARRAY<ROW<`EXPR$0` INT NOT NULL, `EXPR$1` CHAR(1) NOT NULL> NOT NULL>", false],
      ["c", "ARRAY<ROW<`EXPR$0` INT, `EXPR$1` CHAR(1)>>", false],
      ["d", "ARRAY<ROW<`EXPR$0` ROW<`EXPR$0` INT>, `EXPR$1` CHAR(1)>>", false],
      ["e", "MAP<CHAR(1) NOT NULL, ROW<`EXPR$0` INT NOT NULL, `EXPR$1` CHAR(1) NOT NULL> NOT NULL>", false],
    ],
  );
  const rows = await (await tEnv.executeSql("SELECT ARRAY[ROW(1, 'a'), NULL] AS a")).collect();
  assert.deepEqual(materialize(rows), [{ a: [[1, "a"], null] }]);
});
