// SUM and AVG near the limits of their types, as Flink 1.20 computes them: AVG over TINYINT,
// SMALLINT and INT sums in the argument's type, wrapping as SUM does (AVG of INT 2147483647 and
// 2147483647 is -1), and SUM and AVG of a DECIMAL are NULL once the value needs more than 38
// digits. Each expected changelog is what bench/flink (Flink 1.20, print sink) gave for the query.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Row, sql } from "@fleuve/sql";
import { env } from "../fixtures/one-row.js";

const values = (rows: Row[]) =>
  rows.map((r) => Object.entries(r).map(([k, v]) => (k === "$rowkind" ? v : String(v))));

test("AVG over INT, TINYINT and SMALLINT sums in the argument's type, wrapping as Java's int arithmetic", async () => {
  const query = `SELECT SUM(i), AVG(i), SUM(ti), AVG(ti), SUM(si), AVG(si) FROM (VALUES
    (CAST(2147483647 AS INT), CAST(127 AS TINYINT), CAST(32767 AS SMALLINT)),
    (CAST(2147483647 AS INT), CAST(127 AS TINYINT), CAST(32767 AS SMALLINT)),
    (CAST(-5 AS INT), CAST(-5 AS TINYINT), CAST(-5 AS SMALLINT))) AS t (i, ti, si)`;
  const rows = await (await sql(env()).executeSql(query)).collect();
  // Flink 1.20: +I[2147483647, 2147483647, 127, 127, 32767, 32767], -U, +U[-2, -1, -2, -1, -2, -1],
  // -U, +U[-7, -2, -7, -2, -7, -2].
  assert.deepEqual(
    values(rows).map((r) => r.slice(0, 6).join(", ")),
    [
      "2147483647, 2147483647, 127, 127, 32767, 32767",
      "2147483647, 2147483647, 127, 127, 32767, 32767",
      "-2, -1, -2, -1, -2, -1",
      "-2, -1, -2, -1, -2, -1",
      "-7, -2, -7, -2, -7, -2",
    ],
  );
});

test("SUM and AVG of a DECIMAL(38, 30) are NULL once the sum passes 10^8 (38 digits); INT's wrap", async () => {
  const query = `SELECT SUM(d), AVG(d), SUM(i), AVG(i) FROM (VALUES
    (CAST(60000000 AS DECIMAL(38, 30)), CAST(2000000000 AS INT)),
    (CAST(60000000 AS DECIMAL(38, 30)), CAST(2000000000 AS INT))) AS t (d, i)`;
  const rows = await (await sql(env()).executeSql(query)).collect();
  // Flink 1.20: +I[60000000.000000000000000000000000000000, 60000000.000000000000000000000000000000,
  // 2000000000, 2000000000], -U[...], +U[null, null, -294967296, -147483648].
  assert.deepEqual(values(rows).at(-1), ["null", "null", "-294967296", "-147483648", "+U"]);
  assert.equal(rows[0]?.EXPR$0, 60000000);
  // AVG's first value is the one value itself (Flink's +I[..., 60000000.000000000000000000000000000000,
  // ...]): its unscaled digits (6 * 10^37) are past 2^53, where the double's binary expansion
  // (60000000000000004316125673517194674176) is not the decimal's.
  assert.equal(rows[0]?.EXPR$1, 60000000);
});

test("AVG over an INT rounds toward zero to 0, never -0: Java's longs have no negative zero", async () => {
  // AVG of -1 and 0 is -1 / 2, which Java's long division makes 0; Math.trunc(-0.5) is -0, which
  // a CAST to DOUBLE printed as -0.0 and Object.is told apart from 0.
  const query = `SELECT AVG(i), CAST(CAST(AVG(i) AS DOUBLE) AS STRING) FROM (VALUES
    (CAST(-1 AS INT)), (CAST(0 AS INT))) AS t (i)`;
  const rows = await (await sql(env()).executeSql(query)).collect();
  const last = rows.at(-1);
  assert.ok(
    Object.is(last?.EXPR$0, 0),
    `AVG is ${String(last?.EXPR$0)}, ${Object.is(last?.EXPR$0, -0) ? "-0" : ""}`,
  );
  assert.equal(last?.EXPR$1, "0.0");
});
