// What a group aggregation sends, and SUM/AVG of DECIMAL past 38 digits, as Flink 1.20 does, with
// the changelogs bench/flink (Flink 1.20, run.sh sql, a SELECT's collected rows) printed on
// 2026-12-08 for the same queries over the same json files:
// - GroupAggFunction compares the row of aggregates it computes before and after each input row
//   and sends no -U/+U pair when they are equal, unless table.exec.state.ttl is set; VAR_POP,
//   VAR_SAMP, STDDEV_POP and STDDEV_SAMP are reduced to SUM(x * x), SUM(x), COUNT(x) first, so
//   each value they take sends a pair, even one of the same variance (AVG, SUM, MIN, MAX are
//   compared by their values);
// - the sum of SUM and AVG of a DECIMAL is a DECIMAL(38, s): NULL once it needs more than 38
//   digits, then SUM's restarts from the next value (NULL + x is x) while AVG's stays NULL, in a
//   group aggregation, over retractions and in a window.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { flinkChangelog } from "../fixtures/one-row.js";

const dir = mkdtempSync(join(tmpdir(), "fleuve-agg-changes-"));

/** A json file of `rows` (one object a line), its path. */
function jsonFile(name: string, rows: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${rows.join("\n")}\n`);
  return path;
}

const changelog = flinkChangelog;

const VALUES = jsonFile("var.json", [
  '{"k":1,"x":1}',
  '{"k":1,"x":1}',
  '{"k":1,"x":0}',
  '{"k":1,"x":2}',
  '{"k":1,"x":1}',
]);
const VALUES_TABLE = `CREATE TABLE t (k INT, x INT) WITH ('connector'='filesystem','path'='${VALUES}','format'='json')`;

test("VAR_POP and STDDEV_SAMP send a -U/+U pair for each value, even when it stays the same (Flink reduces them to sums and a count)", async () => {
  assert.deepEqual(await changelog([VALUES_TABLE], "SELECT k, VAR_POP(x) FROM t GROUP BY k"), [
    "+I[1, 0]",
    "-U[1, 0]",
    "+U[1, 0]",
    "-U[1, 0]",
    "+U[1, 0]",
    "-U[1, 0]",
    "+U[1, 0]",
    "-U[1, 0]",
    "+U[1, 0]",
  ]);
  assert.deepEqual(await changelog([VALUES_TABLE], "SELECT k, STDDEV_SAMP(x) FROM t GROUP BY k"), [
    "+I[1, null]",
    "-U[1, null]",
    "+U[1, 0]",
    "-U[1, 0]",
    "+U[1, 0]",
    "-U[1, 0]",
    "+U[1, 0]",
    "-U[1, 0]",
    "+U[1, 0]",
  ]);
});

test("AVG, SUM, MAX and MIN send nothing when their values stay the same", async () => {
  assert.deepEqual(await changelog([VALUES_TABLE], "SELECT k, AVG(x) FROM t GROUP BY k"), [
    "+I[1, 1]",
    "-U[1, 1]",
    "+U[1, 0]",
    "-U[1, 0]",
    "+U[1, 1]",
  ]);
  assert.deepEqual(await changelog([VALUES_TABLE], "SELECT k, SUM(x) FROM t GROUP BY k"), [
    "+I[1, 1]",
    "-U[1, 1]",
    "+U[1, 2]",
    "-U[1, 2]",
    "+U[1, 4]",
    "-U[1, 4]",
    "+U[1, 5]",
  ]);
  assert.deepEqual(await changelog([VALUES_TABLE], "SELECT k, MAX(x), MIN(x) FROM t GROUP BY k"), [
    "+I[1, 1, 1]",
    "-U[1, 1, 1]",
    "+U[1, 1, 0]",
    "-U[1, 1, 0]",
    "+U[1, 2, 0]",
  ]);
});

test("with table.exec.state.ttl set, every row sends its pair, the same values too", async () => {
  const ttl = "SET 'table.exec.state.ttl' = '1 h'";
  assert.deepEqual(await changelog([ttl, VALUES_TABLE], "SELECT k, SUM(x) FROM t GROUP BY k"), [
    "+I[1, 1]",
    "-U[1, 1]",
    "+U[1, 2]",
    "-U[1, 2]",
    "+U[1, 2]",
    "-U[1, 2]",
    "+U[1, 4]",
    "-U[1, 4]",
    "+U[1, 5]",
  ]);
  assert.deepEqual(await changelog([ttl, VALUES_TABLE], "SELECT k, MAX(x) FROM t GROUP BY k"), [
    "+I[1, 1]",
    "-U[1, 1]",
    "+U[1, 1]",
    "-U[1, 1]",
    "+U[1, 1]",
    "-U[1, 1]",
    "+U[1, 2]",
    "-U[1, 2]",
    "+U[1, 2]",
  ]);
});

test("a NULL value changes no variance's count: no pair, the other aggregates unchanged", async () => {
  const path = jsonFile("var2.json", [
    '{"k":1,"x":1,"y":2}',
    '{"k":1,"x":1,"y":2}',
    '{"k":1,"x":null,"y":0}',
    '{"k":1,"x":1,"y":2}',
  ]);
  const ddl = [
    `CREATE TABLE t (k INT, x INT, y INT) WITH ('connector'='filesystem','path'='${path}','format'='json')`,
  ];
  assert.deepEqual(await changelog(ddl, "SELECT k, VAR_POP(x), MAX(y) FROM t GROUP BY k"), [
    "+I[1, 0, 2]",
    "-U[1, 0, 2]",
    "+U[1, 0, 2]",
    "-U[1, 0, 2]",
    "+U[1, 0, 2]",
  ]);
  // DISTINCT: a value already there changes no distinct sum or count.
  assert.deepEqual(await changelog(ddl, "SELECT k, VAR_POP(DISTINCT x), MAX(y) FROM t GROUP BY k"), [
    "+I[1, 0, 2]",
  ]);
});

const E37 = "60000000000000000000000000000000000000";
const OVERFLOW = jsonFile("sum.json", [
  `{"id":1,"k":1,"d":${E37},"ts":"2024-01-01 00:00:01"}`,
  `{"id":2,"k":1,"d":${E37},"ts":"2024-01-01 00:00:02"}`,
  `{"id":3,"k":1,"d":-${E37},"ts":"2024-01-01 00:00:03"}`,
  `{"id":4,"k":1,"d":-59999999999999999999999999999999999999,"ts":"2024-01-01 00:00:04"}`,
  `{"id":5,"k":1,"d":3,"ts":"2024-01-01 00:00:05"}`,
]);
const OVERFLOW_TABLE = `CREATE TABLE t (id INT, k INT, d DECIMAL(38,0), ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector'='filesystem','path'='${OVERFLOW}','format'='json')`;
// Flink's lines: the sum of the first two rows needs 39 digits (NULL), the third restarts it at
// -6E37, the fourth overflows it again, the fifth restarts it at 3. AVG's sum stays NULL (AVG of
// 6E37 alone is NULL too: the quotient needs more than DECIMAL(38, 6)'s 32 whole digits).
const OVERFLOW_CHANGES = [
  `+I[1, ${E37}, null, 1]`,
  `-U[1, ${E37}, null, 1]`,
  "+U[1, null, null, 2]",
  "-U[1, null, null, 2]",
  `+U[1, -${E37}, null, 3]`,
  `-U[1, -${E37}, null, 3]`,
  "+U[1, null, null, 4]",
  "-U[1, null, null, 4]",
  "+U[1, 3, null, 5]",
];

test("SUM of DECIMAL goes NULL past 38 digits and restarts from the next value; AVG stays NULL", async () => {
  assert.deepEqual(
    await changelog([OVERFLOW_TABLE], "SELECT k, SUM(d), AVG(d), COUNT(*) FROM t GROUP BY k"),
    OVERFLOW_CHANGES,
  );
});

test("the same over an updating input (its retractions take values out of the NULL sum)", async () => {
  assert.deepEqual(
    await changelog(
      [OVERFLOW_TABLE],
      "SELECT k, SUM(m), AVG(m), COUNT(*) FROM (SELECT id, k, MAX(d) AS m FROM t GROUP BY id, k) GROUP BY k",
    ),
    OVERFLOW_CHANGES,
  );
  // An id's second row retracts its first: 6E37, NULL, then 1 (restarted), 1 - 1 + 2, ...
  const path = jsonFile("sumr.json", [
    '{"id":1,"k":1,"d":600000}',
    '{"id":2,"k":1,"d":600000}',
    '{"id":3,"k":1,"d":1}',
    '{"id":3,"k":1,"d":2}',
    '{"id":1,"k":1,"d":700000}',
    '{"id":2,"k":1,"d":700000}',
    '{"id":4,"k":1,"d":5}',
  ]);
  // DECIMAL(38, 32): 6 whole digits, so that every sum is a double's exact value. Flink printed
  // the same changelog for the 38-digit values 6E37 and 7E37 (DECIMAL(38, 0)).
  const rows = await changelog(
    [
      `CREATE TABLE t (id INT, k INT, d DECIMAL(38, 32)) WITH ('connector'='filesystem','path'='${path}','format'='json')`,
    ],
    "SELECT k, SUM(m) AS s, COUNT(*) FROM (SELECT id, k, MAX(d) AS m FROM t GROUP BY id, k) GROUP BY k",
  );
  // A DECIMAL prints as Java's BigDecimal.toString: zero at scale 32 is 0E-32.
  const scaled = (v: string) => (v === "null" ? v : v === "0" ? "0E-32" : `${v}.${"0".repeat(32)}`);
  assert.deepEqual(
    rows,
    [
      ["+I", "600000", 1],
      ["-U", "600000", 1],
      ["+U", "null", 2],
      ["-U", "null", 2],
      ["+U", "1", 3],
      ["-U", "1", 3],
      ["+U", "0", 2],
      ["-U", "0", 2],
      ["+U", "2", 3],
      ["-U", "2", 3],
      ["+U", "-599998", 2],
      ["-U", "-599998", 2],
      ["+U", "100002", 3],
      ["-U", "100002", 3],
      ["+U", "-499998", 2],
      ["-U", "-499998", 2],
      ["+U", "200002", 3],
      ["-U", "200002", 3],
      ["+U", "200007", 4],
    ].map(([kind, s, n]) => `${kind}[1, ${scaled(s as string)}, ${n}]`),
  );
});

test("in a window aggregate the sum restarts the same way", async () => {
  assert.deepEqual(
    await changelog(
      [OVERFLOW_TABLE],
      "SELECT window_start, SUM(d), AVG(d), COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
    ),
    ["+I[2024-01-01T00:00, 3, null, 5]"],
  );
});
