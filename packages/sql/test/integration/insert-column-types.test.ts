// INSERT INTO checks the query's column types against the sink table's as Flink 1.20 does
// (DynamicSinkUtils.validateSchemaAndApplyImplicitCast): a query column goes into its sink column
// when it casts implicitly to it (and is cast), any other fails with Flink's message naming the
// table, the column and both schemas. Every expected value here is what bench/flink printed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

const tEnv = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));

/**
 * [query column type, the sink column types Flink 1.20 takes it into]: EXPLAIN INSERT INTO snk
 * (y <sink type>, s STRING) SELECT x, s FROM src (x <query type>, s STRING) on bench/flink for
 * each pair of these 29 types; every other pair failed with "Column types of query result and
 * sink ... do not match".
 */
const ACCEPTED: [string, string[]][] = [
  [
    "TINYINT",
    [
      "TINYINT",
      "SMALLINT",
      "INT",
      "BIGINT",
      "DECIMAL(5, 2)",
      "DECIMAL(20, 2)",
      "DECIMAL(5, 0)",
      "FLOAT",
      "DOUBLE",
    ],
  ],
  [
    "SMALLINT",
    ["SMALLINT", "INT", "BIGINT", "DECIMAL(5, 2)", "DECIMAL(20, 2)", "DECIMAL(5, 0)", "FLOAT", "DOUBLE"],
  ],
  ["INT", ["INT", "BIGINT", "DECIMAL(5, 2)", "DECIMAL(20, 2)", "DECIMAL(5, 0)", "FLOAT", "DOUBLE"]],
  ["BIGINT", ["BIGINT", "DECIMAL(5, 2)", "DECIMAL(20, 2)", "DECIMAL(5, 0)", "FLOAT", "DOUBLE"]],
  ["DECIMAL(5, 2)", ["DECIMAL(5, 2)", "DECIMAL(20, 2)", "DECIMAL(5, 0)", "FLOAT", "DOUBLE"]],
  ["DECIMAL(20, 2)", ["DECIMAL(5, 2)", "DECIMAL(20, 2)", "DECIMAL(5, 0)", "FLOAT", "DOUBLE"]],
  ["DECIMAL(5, 0)", ["DECIMAL(5, 2)", "DECIMAL(20, 2)", "DECIMAL(5, 0)", "FLOAT", "DOUBLE"]],
  ["FLOAT", ["DECIMAL(5, 2)", "DECIMAL(20, 2)", "DECIMAL(5, 0)", "FLOAT", "DOUBLE"]],
  ["DOUBLE", ["DECIMAL(5, 2)", "DECIMAL(20, 2)", "DECIMAL(5, 0)", "DOUBLE"]],
  ["BOOLEAN", ["BOOLEAN"]],
  ["STRING", ["STRING", "VARCHAR(3)"]],
  ["VARCHAR(3)", ["STRING", "VARCHAR(3)"]],
  ["CHAR(3)", ["STRING", "VARCHAR(3)", "CHAR(3)", "CHAR(5)"]],
  ["CHAR(5)", ["STRING", "VARCHAR(3)", "CHAR(3)", "CHAR(5)"]],
  ["BYTES", ["BYTES"]],
  ["BINARY(2)", ["BYTES", "BINARY(2)"]],
  ["DATE", ["DATE"]],
  ["TIME(0)", ["TIME(0)"]],
  ["TIMESTAMP(3)", ["DATE", "TIME(0)", "TIMESTAMP(3)", "TIMESTAMP(6)", "TIMESTAMP(0)", "TIMESTAMP_LTZ(3)"]],
  ["TIMESTAMP(6)", ["DATE", "TIME(0)", "TIMESTAMP(3)", "TIMESTAMP(6)", "TIMESTAMP(0)", "TIMESTAMP_LTZ(3)"]],
  ["TIMESTAMP(0)", ["DATE", "TIME(0)", "TIMESTAMP(3)", "TIMESTAMP(6)", "TIMESTAMP(0)", "TIMESTAMP_LTZ(3)"]],
  ["TIMESTAMP_LTZ(3)", ["TIMESTAMP(3)", "TIMESTAMP(6)", "TIMESTAMP(0)", "TIMESTAMP_LTZ(3)"]],
  ["ARRAY<INT>", ["ARRAY<INT>", "ARRAY<BIGINT>"]],
  ["ARRAY<BIGINT>", ["ARRAY<BIGINT>"]],
  ["MAP<STRING, INT>", ["MAP<STRING, INT>", "MAP<STRING, BIGINT>"]],
  ["MAP<STRING, BIGINT>", ["MAP<STRING, BIGINT>"]],
  ["ROW<a INT>", ["ROW<a INT>", "ROW<a BIGINT>", "ROW<b INT>"]],
  ["ROW<a BIGINT>", ["ROW<a BIGINT>"]],
  ["ROW<b INT>", ["ROW<a INT>", "ROW<a BIGINT>", "ROW<b INT>"]],
];

test("a query column goes into the sink column types Flink 1.20 casts it to implicitly, and no other", async () => {
  const env = tEnv();
  const types = ACCEPTED.map(([t]) => t);
  for (const [i, t] of types.entries()) {
    await env.executeSql(`CREATE TABLE snk${i} (y ${t}, s STRING) WITH ('connector' = 'blackhole')`);
    await env.executeSql(`CREATE VIEW src${i} AS SELECT CAST(NULL AS ${t}) AS x, 'a' AS s`);
  }
  const got: [string, string[]][] = [];
  for (const [i, from] of types.entries()) {
    const into: string[] = [];
    for (const [j, to] of types.entries()) {
      try {
        // Planned (and checked), not run.
        await env.executeSql(`EXPLAIN INSERT INTO snk${j} SELECT x, s FROM src${i}`);
        into.push(to);
      } catch (e) {
        assert.ok(
          e instanceof FleuveError && e.message.startsWith("Column types of query result and sink"),
          String(e),
        );
      }
    }
    got.push([from, into]);
  }
  assert.deepEqual(got, ACCEPTED);
});

const refusal = (message: string) => (e: unknown) => {
  assert.ok(e instanceof FleuveError);
  assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
  assert.equal(e.message, `${message} (line 1, column 1)`);
  return true;
};

test("a query column of a type that does not cast implicitly fails with Flink 1.20's message", async () => {
  const env = tEnv();
  await env.executeSql("CREATE TABLE snk (y BOOLEAN NOT NULL, s STRING) WITH ('connector' = 'blackhole')");
  await assert.rejects(
    env.executeSql("INSERT INTO snk SELECT 1, 'a'"),
    refusal(
      "Column types of query result and sink for 'default_catalog.default_database.snk' do not match.\n" +
        "Cause: Incompatible types for sink column 'y' at position 0.\n\n" +
        "Query schema: [EXPR$0: INT NOT NULL, EXPR$1: CHAR(1) NOT NULL]\n" +
        "Sink schema:  [y: BOOLEAN NOT NULL, s: STRING]",
    ),
  );
  await env.executeSql("CREATE TABLE t3 (a INT, b STRING, c BOOLEAN) WITH ('connector' = 'blackhole')");
  // A column list: the query's columns in the table's order, named EXPR$i, an unlisted one of its
  // column's type (nullable, the NULL written there).
  await assert.rejects(
    env.executeSql("INSERT INTO t3 (c, a) SELECT 1, 2"),
    refusal(
      "Column types of query result and sink for 'default_catalog.default_database.t3' do not match.\n" +
        "Cause: Incompatible types for sink column 'c' at position 2.\n\n" +
        "Query schema: [EXPR$0: INT NOT NULL, EXPR$1: STRING, EXPR$2: INT NOT NULL]\n" +
        "Sink schema:  [a: INT, b: STRING, c: BOOLEAN]",
    ),
  );
  await env.executeSql(
    "CREATE TABLE nested (a ROW<x INT, y STRING>, m MAP<STRING, INT>, r ARRAY<INT>) WITH ('connector' = 'blackhole')",
  );
  await assert.rejects(
    env.executeSql("INSERT INTO nested SELECT ROW('a', 1), MAP[1, 1], ARRAY['a']"),
    refusal(
      "Column types of query result and sink for 'default_catalog.default_database.nested' do not match.\n" +
        "Cause: Incompatible types for sink column 'a' at position 0.\n\n" +
        "Query schema: [EXPR$0: ROW<`EXPR$0` CHAR(1) NOT NULL, `EXPR$1` INT NOT NULL> NOT NULL, EXPR$1: MAP<INT NOT NULL, INT NOT NULL> NOT NULL, EXPR$2: ARRAY<CHAR(1) NOT NULL> NOT NULL]\n" +
        "Sink schema:  [a: ROW<`x` INT, `y` STRING>, m: MAP<STRING, INT>, r: ARRAY<INT>]",
    ),
  );
  // A nullable query column into a NOT NULL one is not a type mismatch (Flink enforces NOT NULL
  // when a row is written), as Flink 1.20 plans it.
  await env.executeSql("CREATE TABLE nn (y INT NOT NULL) WITH ('connector' = 'blackhole')");
  await env.executeSql("EXPLAIN INSERT INTO nn SELECT CAST(NULL AS INT)");
});

test("an implicitly cast column is written cast, as Flink 1.20 writes it", async () => {
  const env = tEnv();
  await env.executeSql(
    "CREATE TABLE p (a DECIMAL(5, 2), b DATE, c DECIMAL(5, 2), d VARCHAR(3), e TIME(0), f DOUBLE, g BIGINT, h TIMESTAMP(3), i FLOAT, j DECIMAL(3, 0)) WITH ('connector' = 'print')",
  );
  // The print sink writes to stdout: its lines are kept while the job runs.
  const printed: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = String(chunk);
    if (text.startsWith("+I[")) printed.push(text.trimEnd());
    else write.call(process.stdout, chunk, ...rest);
    return true;
  }) as typeof process.stdout.write;
  try {
    await (
      await env.executeSql(
        "INSERT INTO p SELECT 7, TIMESTAMP '2024-05-06 07:08:09.123', CAST(1.005 AS DOUBLE), CAST('abcdef' AS STRING), TIMESTAMP '2024-05-06 07:08:09.123', 3, 4, TO_TIMESTAMP_LTZ(0, 3), 0.1, 123456",
      )
    ).await();
  } finally {
    process.stdout.write = write;
  }
  // Flink 1.20's print sink: +I[7.00, 2024-05-06, 1.01, abc, 07:08:09, 3.0, 4, 1970-01-01T00:00, 0.1, null]
  // (INT 7 into DECIMAL(5, 2), a TIMESTAMP into DATE and TIME, 'abcdef' cut to VARCHAR(3), a
  // TIMESTAMP_LTZ into TIMESTAMP in the session zone, 123456 overflowing DECIMAL(3, 0) to NULL).
  assert.deepEqual(printed, [
    "+I[7.00, 2024-05-06, 1.01, abc, 07:08:09, 3.0, 4, 1970-01-01T00:00, 0.1, null]",
  ]);
});
