// The column types of UNION [ALL], INTERSECT [ALL] and EXCEPT [ALL], and of a FULL JOIN's USING
// column, as Flink 1.20 derives them (DESCRIBE of a view on Flink 1.20 via bench/flink run.sh sql,
// over a datagen table of the same columns):
// - a set operation's column is Calcite's leastRestrictive of both sides (FlinkTypeFactory): the
//   common type, but of two timestamps the left one when the precisions are equal, otherwise the
//   right one's kind with the larger precision; sides without one are refused ("Type mismatch in
//   column 1 of UNION ALL"), where Fleuve used to take the left side's type;
// - a FULL JOIN's USING column is COALESCE(l.k, r.k)'s: LogicalTypeMerging.findCommonType, so
//   TIMESTAMP(3) with TIMESTAMP_LTZ(3) is TIMESTAMP_LTZ(3) there.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type SqlEnvironment, sql } from "@fleuve/sql";
import { logWithRows } from "../fixtures/log-table.js";
import { rejectsValidation } from "../fixtures/validation-error.js";

const DDL =
  "i INT NOT NULL, ni INT, b BIGINT NOT NULL, d DECIMAL(10, 2) NOT NULL, c1 CHAR(1) NOT NULL, c3 CHAR(3) NOT NULL, " +
  "s STRING NOT NULL, ts TIMESTAMP(3) NOT NULL, ltz TIMESTAMP_LTZ(3) NOT NULL, v5 VARCHAR(5), dbl DOUBLE, " +
  "ts6 TIMESTAMP(6) NOT NULL, ltz6 TIMESTAMP_LTZ(6) NOT NULL, dt DATE NOT NULL, f FLOAT NOT NULL, bi BINARY(2) NOT NULL";

async function session(): Promise<SqlEnvironment> {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: logConnectors,
  });
  const dir = logWithRows("t", []);
  await tEnv.executeSql(
    `CREATE TABLE t (${DDL}) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`,
  );
  return tEnv;
}

/** DESCRIBE's type and null of column `a` of view `query`. */
async function typeOf(tEnv: SqlEnvironment, query: string): Promise<[string, boolean]> {
  await tEnv.executeSql(`CREATE VIEW v AS ${query}`);
  try {
    const rows = await (await tEnv.executeSql("DESCRIBE v")).collect();
    return [rows[0]?.type as string, rows[0]?.null as boolean];
  } finally {
    await tEnv.executeSql("DROP VIEW v");
  }
}

async function refused(
  tEnv: SqlEnvironment,
  query: string,
  message: RegExp,
  details: Record<string, unknown> = {},
) {
  await rejectsValidation(async () => (await tEnv.executeSql(query)).collect(), message, details, query);
}

test("UNION ALL of two types is of Flink 1.20's type for them (DESCRIBE on Flink 1.20)", async () => {
  const tEnv = await session();
  // [left, right, Flink's DESCRIBE type, nullable]
  const cases: [string, string, string, boolean][] = [
    ["i", "b", "BIGINT", false],
    ["i", "d", "DECIMAL(12, 2)", false],
    ["c1", "c3", "VARCHAR(3)", false],
    ["c1", "c1", "CHAR(1)", false],
    ["c3", "v5", "VARCHAR(5)", true],
    ["i", "ni", "INT", true],
    ["d", "dbl", "DOUBLE", true],
    ["f", "d", "DOUBLE", false],
    ["i", "f", "FLOAT", false],
    ["CAST(1 AS DECIMAL(38, 10))", "CAST(1 AS DECIMAL(38, 0))", "DECIMAL(38, 0)", false],
    // Timestamps: the left type at equal precisions, else the right one's kind of the larger.
    ["ts", "ltz", "TIMESTAMP(3)", false],
    ["ltz", "ts", "TIMESTAMP_LTZ(3)", false],
    ["ts", "ltz6", "TIMESTAMP_LTZ(6)", false],
    ["ltz6", "ts", "TIMESTAMP(6)", false],
    ["ts6", "ts", "TIMESTAMP(6)", false],
    ["ltz", "ltz6", "TIMESTAMP_LTZ(6)", false],
  ];
  for (const [l, r, type, nullable] of cases) {
    assert.deepEqual(
      await typeOf(tEnv, `SELECT ${l} AS a FROM t UNION ALL SELECT ${r} FROM t`),
      [type, nullable],
      `${l} UNION ALL ${r}`,
    );
  }
  // Three sides merge left to right: TIMESTAMP(3), TIMESTAMP(6), TIMESTAMP_LTZ(3) give TIMESTAMP_LTZ(6).
  assert.deepEqual(
    await typeOf(tEnv, "SELECT ts AS a FROM t UNION ALL SELECT ts6 FROM t UNION ALL SELECT ltz FROM t"),
    ["TIMESTAMP_LTZ(6)", false],
  );
  // Nested: MAP<INT, TIMESTAMP(3)> with MAP<INT, TIMESTAMP_LTZ(3)> keeps the left TIMESTAMP(3).
  assert.deepEqual(await typeOf(tEnv, "SELECT MAP[1, ts] AS a FROM t UNION ALL SELECT MAP[2, ltz] FROM t"), [
    "MAP<INT NOT NULL, TIMESTAMP(3) NOT NULL>",
    false,
  ]);
  for (const op of ["UNION", "INTERSECT", "EXCEPT"]) {
    assert.deepEqual(await typeOf(tEnv, `SELECT i AS a FROM t ${op} SELECT b FROM t`), ["BIGINT", false], op);
  }
});

test("a set operation of types without a common one is refused, naming the column, the operation and both types", async () => {
  const tEnv = await session();
  // Flink 1.20: "Type mismatch in column 1 of UNION ALL" (column 2, UNION, INTERSECT ALL alike).
  await refused(
    tEnv,
    "SELECT 1 AS a UNION ALL SELECT 'a'",
    /Type mismatch in column 1 of UNION ALL: INT and CHAR\(1\)/,
    {
      columnIndex: 1,
      leftType: "INT",
      rightType: "CHAR(1)",
    },
  );
  await refused(
    tEnv,
    "SELECT s AS a FROM t UNION ALL SELECT i FROM t",
    /column 1 of UNION ALL: STRING and INT/,
  );
  await refused(
    tEnv,
    "SELECT i, s AS z FROM t UNION ALL SELECT i, i FROM t",
    /column 2 of UNION ALL: STRING and INT/,
  );
  await refused(tEnv, "SELECT 1 AS a UNION SELECT 'a'", /column 1 of UNION: /);
  await refused(tEnv, "SELECT i AS a FROM t INTERSECT ALL SELECT s FROM t", /column 1 of INTERSECT ALL: /);
  await refused(tEnv, "SELECT 1 AS a EXCEPT SELECT 'a'", /column 1 of EXCEPT: /);
  await refused(tEnv, "SELECT ts AS a FROM t UNION ALL SELECT dt FROM t", /TIMESTAMP\(3\) and DATE/);
  await refused(tEnv, "SELECT TRUE AS a FROM t UNION ALL SELECT i FROM t", /BOOLEAN and INT/);
  await refused(tEnv, "SELECT bi AS a FROM t UNION ALL SELECT c1 FROM t", /BINARY\(2\) and CHAR\(1\)/);
  await refused(tEnv, "SELECT 1 AS a UNION ALL SELECT 'a' UNION ALL SELECT 3", /column 1 of UNION ALL/);
});

test("a refused UNION no longer runs with the left type: INT values and CHAR values do not mix", async () => {
  const tEnv = await session();
  await refused(
    tEnv,
    "SELECT a + 1 AS b FROM (SELECT 1 AS a UNION ALL SELECT 'x')",
    /Type mismatch in column 1/,
  );
  // Of a common type, both sides' values are read as it: 1 and 2.5 as DECIMAL(11, 1).
  const rows = await (await tEnv.executeSql("SELECT a FROM (SELECT 1 AS a UNION ALL SELECT 2.5)")).collect();
  assert.deepEqual(materialize(rows), [{ a: 1 }, { a: 2.5 }]);
});

test("FULL JOIN USING: the common column is COALESCE's type (Flink 1.20's DESCRIBE), refused without one", async () => {
  const tEnv = await session();
  const full = (l: string, r: string) =>
    `SELECT k FROM (SELECT ${l} AS k FROM t) FULL JOIN (SELECT ${r} AS k FROM t) USING (k)`;
  assert.deepEqual(await typeOf(tEnv, full("i", "b")), ["BIGINT", true]);
  assert.deepEqual(await typeOf(tEnv, full("ts", "ltz")), ["TIMESTAMP_LTZ(3)", true]);
  assert.deepEqual(await typeOf(tEnv, full("ltz", "ts6")), ["TIMESTAMP_LTZ(6)", true]);
  assert.deepEqual(await typeOf(tEnv, full("c1", "s")), ["STRING", true]);
  assert.deepEqual(await typeOf(tEnv, full("c1", "c3")), ["VARCHAR(3)", true]);
  assert.deepEqual(await typeOf(tEnv, full("CAST(1 AS DECIMAL(38, 10))", "CAST(1 AS DECIMAL(38, 0))")), [
    "DECIMAL(38, 0)",
    true,
  ]);
  // Flink: "Column 'k' matched using NATURAL keyword or USING clause has incompatible types:
  // cannot compare 'DATE' to 'TIMESTAMP(3)'"; INT and STRING: "Invalid function call: COALESCE(INT, STRING)".
  await refused(tEnv, full("dt", "ts"), /incompatible types: cannot compare DATE/);
  await refused(tEnv, full("i", "s"), /k of USING \(k\) has incompatible types/);
});
