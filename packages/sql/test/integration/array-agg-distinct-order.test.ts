// The order of ARRAY_AGG(DISTINCT x)'s elements in a TUMBLE window, as Flink 1.20 prints it
// (bench/flink/run.sh sql, parallelism 1): its two-phase window aggregation puts a window's
// distinct values into the local aggregation's HashMap and merges that map into the array in the
// map's iteration order, so the values come by bucket of their Flink-internal hashCode (an INT
// its value, a STRING the Murmur hash of its UTF-8 bytes, NULL 0, first), the table grown from 16
// slots as Java's. Without DISTINCT the order is the arrival order (and in a plain GROUP BY with
// DISTINCT too: array-agg.test.ts).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

// Window 00:00 (its rows all before any row of 00:01): 15 distinct values of v with NULL (the
// HashMap grows to 32 slots at the 13th), strings with NULL, '', unicode; window 00:05 one row.
const V = [100, 3, 17, 1, null, 33, 2, 18, 50, 3, 64, 16, 48, 99, 5, 7, 17];
const S = [
  "pear",
  "apple",
  null,
  "kiwi",
  "fig",
  "apple",
  "banana",
  "zebra",
  "kiwi",
  "date",
  "x",
  "é",
  "日本",
  "",
  "pear",
  "yy",
  "zz",
];
const ROWS = [
  ...V.map((v, i) => ({
    v,
    s: S[i],
    b: v === null ? null : v * 1000000007,
    d: v === null ? null : v / 4,
    z: v === null ? null : v % 2 === 0,
    ts: `2020-01-01 00:00:${String(i * 2).padStart(2, "0")}`,
  })),
  { v: 0, s: "end", b: 0, d: 0, z: true, ts: "2020-01-01 00:05:00" },
];

async function query(q: string) {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-array-agg-order-"));
  writeFileSync(join(dir, "t.json"), ROWS.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  await tEnv.executeSql(`CREATE TABLE t (v INT, s STRING, b BIGINT, d DOUBLE, z BOOLEAN, ts TIMESTAMP(3),
      WATERMARK FOR ts AS ts - INTERVAL '10' SECOND)
    WITH ('connector' = 'filesystem', 'path' = '${join(dir, "t.json")}', 'format' = 'json')`);
  const rows = await (await tEnv.executeSql(q)).collect();
  return rows
    .map((r) =>
      JSON.stringify(
        Object.entries(r)
          .filter(([k]) => k !== "$rowkind")
          .map(([, v]) => v),
      ),
    )
    .sort();
}

const TUMBLE = "TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))";

test("TUMBLE: ARRAY_AGG(DISTINCT) of INT and STRING comes in Flink's HashMap order, NULL first", async () => {
  // Flink 1.20:
  // +I[2020-01-01T00:00, [null, 64, 1, 33, 2, 3, 99, 100, 5, 7, 16, 48, 17, 18, 50], [null, , pear, zz, fig, zebra, x, apple, kiwi, é, yy, date, 日本, banana]]
  // +I[2020-01-01T00:05, [0], [end]]
  assert.deepEqual(
    await query(
      `SELECT CAST(window_start AS STRING), ARRAY_AGG(DISTINCT v), ARRAY_AGG(DISTINCT s) FROM ${TUMBLE} GROUP BY window_start, window_end`,
    ),
    [
      JSON.stringify([
        "2020-01-01 00:00:00.000",
        [null, 64, 1, 33, 2, 3, 99, 100, 5, 7, 16, 48, 17, 18, 50],
        [null, "", "pear", "zz", "fig", "zebra", "x", "apple", "kiwi", "é", "yy", "date", "日本", "banana"],
      ]),
      JSON.stringify(["2020-01-01 00:05:00.000", [0], ["end"]]),
    ],
  );
});

test("TUMBLE: ARRAY_AGG(DISTINCT) of BIGINT, DOUBLE and BOOLEAN by their Java hashCodes", async () => {
  // Flink 1.20:
  // +I[2020-01-01T00:00, [null, 3000000021, 5000000035, 7000000049, 50000000350, 17000000119, 33000000231, 18000000126, 2000000014, 64000000448, 100000000700, 1000000007, 48000000336, 99000000693, 16000000112], [null, 8.25, 0.5, 0.75, 12.0, 12.5, 0.25, 16.0, 4.0, 4.25, 4.5, 1.25, 24.75, 25.0, 1.75], [null, false, true]]
  const rows = await query(
    `SELECT CAST(window_start AS STRING), ARRAY_AGG(DISTINCT b), ARRAY_AGG(DISTINCT d), ARRAY_AGG(DISTINCT z) FROM ${TUMBLE} GROUP BY window_start, window_end`,
  );
  assert.deepEqual(
    rows[0],
    JSON.stringify([
      "2020-01-01 00:00:00.000",
      [
        null,
        3000000021,
        5000000035,
        7000000049,
        50000000350,
        17000000119,
        33000000231,
        18000000126,
        2000000014,
        64000000448,
        100000000700,
        1000000007,
        48000000336,
        99000000693,
        16000000112,
      ],
      [null, 8.25, 0.5, 0.75, 12, 12.5, 0.25, 16, 4, 4.25, 4.5, 1.25, 24.75, 25, 1.75],
      [null, false, true],
    ]),
  );
});

test("TUMBLE by a key: each group's distinct values in hash order; without DISTINCT the arrival order", async () => {
  // Flink 1.20:
  // +I[2020-01-01T00:00, true, [64, 16, 48, 2, 18, 50, 100], [100, 2, 18, 50, 64, 16, 48]]
  // +I[2020-01-01T00:00, false, [17, 1, 33, 3, 99, 5, 7], [3, 17, 1, 33, 3, 99, 5, 7, 17]]
  // +I[2020-01-01T00:00, null, [null], [null]]
  // +I[2020-01-01T00:05, true, [0], [0]]
  assert.deepEqual(
    await query(
      `SELECT CAST(window_start AS STRING), z, ARRAY_AGG(DISTINCT v), ARRAY_AGG(v) FROM ${TUMBLE} GROUP BY window_start, window_end, z`,
    ),
    [
      JSON.stringify([
        "2020-01-01 00:00:00.000",
        false,
        [17, 1, 33, 3, 99, 5, 7],
        [3, 17, 1, 33, 3, 99, 5, 7, 17],
      ]),
      JSON.stringify(["2020-01-01 00:00:00.000", null, [null], [null]]),
      JSON.stringify([
        "2020-01-01 00:00:00.000",
        true,
        [64, 16, 48, 2, 18, 50, 100],
        [100, 2, 18, 50, 64, 16, 48],
      ]),
      JSON.stringify(["2020-01-01 00:05:00.000", true, [0], [0]]),
    ],
  );
});
