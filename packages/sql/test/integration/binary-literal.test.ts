// X'hex' / x'hex', Flink's binary string literal: BINARY(n) NOT NULL of n bytes, held as BYTES
// values (a Uint8Array). Every expectation is what bench/flink (Flink 1.20) gave for the same SQL:
// the view's DESCRIBE, its row through a print sink, and the errors for X'0' and X'zz'. (Flink
// also refuses X'01' '02' on one line, "String literal continued on same line"; Fleuve refuses it
// too, as a syntax error; the continuation on a new line is not supported.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import { describeAndPrint } from "../fixtures/one-row.js";

const VIEW = `CREATE VIEW v AS SELECT X'0aFF' AS b, x'01' AS c, X'' AS e, CAST(x'01' AS BYTES) AS cb,
  TO_BASE64(X'48656C6C6F') AS t, X'01' = X'01' AS eq, X'01' < X'02' AS lt`;

/** Flink 1.20's DESCRIBE v: the type of each column (none nullable). */
const FLINK_TYPES = ["BINARY(2)", "BINARY(1)", "BINARY(0)", "BYTES", "STRING", "BOOLEAN", "BOOLEAN"];

/** Flink 1.20's print of `SELECT * FROM v`: +I[[10, -1], [1], [], [1], SGVsbG8=, true, true]. */
const FLINK_ROW = ["[10, -1]", "[1]", "[]", "[1]", "SGVsbG8=", "true", "true"];

function env() {
  return sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
}

test("X'..' is BINARY(n) NOT NULL of its bytes; CAST, TO_BASE64, comparison and print as Flink's", async () => {
  const tEnv = env();
  await tEnv.executeSql(VIEW);
  const { types, printed } = await describeAndPrint(tEnv, "v", { markNullable: true });
  assert.deepEqual(types, FLINK_TYPES);
  assert.deepEqual(printed, FLINK_ROW);
  const [row] = await (await tEnv.executeSql("SELECT b FROM v")).collect();
  assert.deepEqual(row?.b, new Uint8Array([0x0a, 0xff]));
});

test("X'0' (odd digits) and X'zz' (not hex) are refused with Calcite's messages, naming the literal", async () => {
  await assert.rejects(
    async () => (await env().executeSql("SELECT X'0' AS a")).collect(),
    /X'0': Binary literal string must contain an even number of hexits/,
  );
  await assert.rejects(
    async () => (await env().executeSql("SELECT X'zz' AS a")).collect(),
    /X'zz': Binary literal string must contain only characters '0' - '9', 'A' - 'F'/,
  );
});

test("names starting with x are still names (x, xs, X1)", async () => {
  const rows = await (
    await env().executeSql("SELECT x, xs, X1 FROM (VALUES (1, 2, 3)) AS t (x, xs, X1)")
  ).collect();
  assert.deepEqual(rows, [{ x: 1, xs: 2, X1: 3 }]);
});
