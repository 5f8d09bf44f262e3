// CAST to the binary strings, BYTES, VARBINARY(n) and BINARY(n), as Flink 1.20 casts with
// `table.exec.legacy-cast-behaviour` off (its default): a character string is its UTF-8 bytes, a
// binary string its bytes; BINARY(n) truncates or pads with zero bytes to exactly n bytes,
// VARBINARY(n) truncates to n, BINARY and VARBINARY without a length are of length 1. Back to
// STRING the bytes are decoded as UTF-8. Other types do not cast to binary strings.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import { env, one } from "../fixtures/one-row.js";

const bytes = (...b: number[]) => Buffer.from(b);

test("CAST of a string to BYTES, VARBINARY(n) and BINARY(n): its UTF-8 bytes, truncated or zero-padded", async () => {
  const { row, types } = await one(
    `SELECT CAST('hé' AS BYTES) AS b, CAST('' AS BYTES) AS e, CAST('hello' AS VARBINARY(3)) AS v3,
       CAST('hi' AS VARBINARY(5)) AS v5, CAST('hello' AS BINARY(3)) AS b3, CAST('hi' AS BINARY(4)) AS b4,
       CAST('hi' AS BINARY) AS b1, CAST('hi' AS VARBINARY) AS v1, CAST(NULL AS BYTES) AS n,
       CAST(CAST('hé' AS BYTES) AS BINARY(2)) AS bb, CAST(CAST('hi' AS BINARY(4)) AS VARBINARY(3)) AS bv`,
  );
  assert.deepEqual(types, [
    "b BYTES NOT NULL",
    "e BYTES NOT NULL",
    "v3 VARBINARY(3) NOT NULL",
    "v5 VARBINARY(5) NOT NULL",
    "b3 BINARY(3) NOT NULL",
    "b4 BINARY(4) NOT NULL",
    "b1 BINARY(1) NOT NULL",
    "v1 VARBINARY(1) NOT NULL",
    "n BYTES",
    "bb BINARY(2) NOT NULL",
    "bv VARBINARY(3) NOT NULL",
  ]);
  assert.deepEqual(row, {
    b: bytes(0x68, 0xc3, 0xa9),
    e: bytes(),
    v3: bytes(0x68, 0x65, 0x6c),
    v5: bytes(0x68, 0x69),
    b3: bytes(0x68, 0x65, 0x6c),
    b4: bytes(0x68, 0x69, 0, 0),
    b1: bytes(0x68),
    v1: bytes(0x68),
    n: null,
    // BINARY(2) of 'é''s first byte cuts the character: the bytes stay as they are.
    bb: bytes(0x68, 0xc3),
    bv: bytes(0x68, 0x69, 0),
  });
});

test("CAST of binary strings to STRING decodes UTF-8 (a broken sequence as U+FFFD, as Java's String does)", async () => {
  const { row } = await one(
    `SELECT CAST(CAST('hé' AS BYTES) AS STRING) AS s, CAST(CAST('hé' AS BINARY(2)) AS STRING) AS cut,
       CAST(CAST('a' AS BINARY(2)) AS STRING) AS padded, CAST(CAST('日本' AS VARBINARY(10)) AS VARCHAR) AS jp,
       TRY_CAST('x' AS BYTES) AS t`,
  );
  assert.deepEqual(row, { s: "hé", cut: "h\ufffd", padded: "a\u0000", jp: "日本", t: bytes(0x78) });
});

test("CAST of a number, BOOLEAN or timestamp to a binary string is refused, naming both types", async () => {
  const tEnv = sql(env());
  for (const [expr, from, to] of [
    ["CAST(1 AS BYTES)", "INT", "BYTES"],
    ["CAST(TRUE AS BINARY(2))", "BOOLEAN", "BINARY"],
    ["CAST(TIMESTAMP '2020-04-15 08:05:00' AS VARBINARY(8))", "TIMESTAMP", "VARBINARY"],
  ]) {
    await assert.rejects(tEnv.executeSql(`SELECT ${expr} AS x`), (e: unknown) => {
      assert.ok(e instanceof FleuveError);
      assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
      assert.match(
        e.message,
        new RegExp(
          `^CAST from ${from} to ${to}: Flink casts character strings \\(as UTF-8\\) and binary strings to binary strings`,
        ),
      );
      return true;
    });
  }
});
