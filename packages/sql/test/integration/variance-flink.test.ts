// VAR_POP, VAR_SAMP, STDDEV_POP, STDDEV_SAMP as Flink 1.20 types and computes them: Calcite's
// reduction to (SUM(x * x) - SUM(x) * SUM(x) / COUNT(x)) / COUNT(x) in the result's type, so
// integer arguments wrap and truncate, DOUBLE ones cancel (0.0 for 1000000001.0 .. 1000000003.0),
// and DECIMAL(p, s) ones are DECIMAL(38, max(6, s)) rounded HALF_UP at each step. Every expected
// type and value is what bench/flink (Flink 1.20, print sink and DESCRIBE of a view) gave for the
// same statements; "*" marks a value Fleuve cannot read (Flink's data held a BIGINT of 2^63 - 1,
// beyond JavaScript's safe integers, replaced here by 2).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";

const env = () => StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });

/** The CSV Flink read (with 9223372036854775807 where this one has 2). */
const CSV = `2020-04-15 08:01:00,a,1,1,1.10,1000000001.0,1.001
2020-04-15 08:02:00,a,2,2,2.25,1000000002.0,2.002
2020-04-15 08:03:00,a,4,3,3.33,1000000003.0,3.333
2020-04-15 08:04:00,b,2147483647,4,0.01,0.1,0.007
2020-04-15 08:05:00,b,2147483647,5,0.02,0.2,0.001
2020-04-15 08:11:00,c,-7,-9,-1.37,0.3,5.555
`;

async function source(csv = CSV, ddl = "i INT, b BIGINT, d DECIMAL(10, 2), f DOUBLE, d3 DECIMAL(5, 3)") {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-variance-"));
  writeFileSync(join(dir, "data.csv"), csv);
  const tEnv = sql(env());
  await tEnv.executeSql(`CREATE TABLE src (ts TIMESTAMP(3), k STRING, ${ddl}, WATERMARK FOR ts AS ts)
    WITH ('connector' = 'filesystem', 'path' = '${join(dir, "data.csv")}', 'format' = 'csv')`);
  return tEnv;
}

/** Flink's printed value as a number of the column's kind ("f" a FLOAT), null for "null". */
const parse = (text: string, kind: string) =>
  text === "null" ? null : kind === "f" ? Math.fround(Number(text)) : kind === "s" ? text : Number(text);

/** Checks `rows` (values in column order) against Flink's printed ones; `kinds` per column. */
function same(rows: Row[], flink: string[][], kinds: string) {
  assert.equal(rows.length, flink.length);
  rows.forEach((row, r) => {
    const values = Object.entries(row)
      .filter(([k]) => k !== "$rowkind")
      .map(([, v]) => v);
    (flink[r] as string[]).forEach((text, c) => {
      if (text !== "*")
        assert.equal(values[c], parse(text, kinds[c] ?? "n"), `row ${r}, column ${c}: Flink printed ${text}`);
    });
  });
}

const sortByKey = (rows: Row[]) =>
  [...rows].sort((x, y) => String(Object.values(x)[0]).localeCompare(String(Object.values(y)[0])));

test("types: an integer, FLOAT or DOUBLE argument's own, DECIMAL(38, max(6, s)) of a DECIMAL; NOT NULL as the argument in a grouped aggregation", async () => {
  const tEnv = sql(env());
  await tEnv.executeSql(`CREATE VIEW t AS SELECT * FROM (VALUES (1, CAST(1 AS BIGINT), CAST(1.5 AS DECIMAL(10, 2)), 1.0e0,
    CAST(1 AS SMALLINT), CAST(1 AS TINYINT), CAST(1.5 AS FLOAT), CAST(1.5 AS DECIMAL(5, 0)), CAST(1.5 AS DECIMAL(38, 10)), 'k'))
    AS t (i, b, d, f, si, ti, fl, d0, d38, k)`);
  await tEnv.executeSql(`CREATE VIEW v1 AS SELECT k, VAR_POP(i) AS vpi, VAR_SAMP(b) AS vsb, STDDEV_POP(d) AS spd,
    STDDEV_SAMP(f) AS ssf, VAR_POP(si) AS vpsi, VAR_POP(ti) AS vpti, VAR_POP(fl) AS vpfl, VAR_POP(d0) AS vpd0,
    STDDEV_SAMP(d38) AS ssd38, VARIANCE(d) AS vad, STDDEV(d) AS sdd, VAR_SAMP(d) AS vsd FROM t GROUP BY k`);
  await tEnv.executeSql("CREATE VIEW v2 AS SELECT VAR_POP(i) AS vpi, STDDEV_POP(d) AS spd FROM t");
  const describe = async (v: string) =>
    (await (await tEnv.executeSql(`DESCRIBE ${v}`)).collect()).map((r) => `${r.name} ${r.type} ${r.null}`);
  assert.deepEqual(await describe("v1"), [
    "k CHAR(1) false",
    "vpi INT false",
    "vsb BIGINT false",
    "spd DECIMAL(38, 6) false",
    "ssf DOUBLE false",
    "vpsi SMALLINT false",
    "vpti TINYINT false",
    "vpfl FLOAT false",
    "vpd0 DECIMAL(38, 6) false",
    "ssd38 DECIMAL(38, 10) false",
    "vad DECIMAL(38, 6) false",
    "sdd DECIMAL(38, 6) false",
    "vsd DECIMAL(38, 6) false",
  ]);
  // Without GROUP BY keys, a row over no rows: nullable.
  assert.deepEqual(await describe("v2"), ["vpi INT true", "spd DECIMAL(38, 6) true"]);
});

test("GROUP BY: INT and BIGINT wrap and truncate, DECIMAL rounds to 6 digits, DOUBLE cancels, one value's sample variance is NULL", async () => {
  const tEnv = await source();
  const rows = await (
    await tEnv.executeSql(`SELECT k, VAR_POP(i), VAR_SAMP(i), STDDEV_POP(i), STDDEV_SAMP(i), VAR_POP(b), VAR_SAMP(b),
      STDDEV_POP(b), STDDEV_SAMP(b), VAR_POP(d), VAR_SAMP(d), STDDEV_POP(d), STDDEV_SAMP(d), VAR_POP(f), VAR_SAMP(f),
      STDDEV_POP(f), STDDEV_SAMP(f), VAR_POP(d3), VAR_SAMP(d3), STDDEV_POP(d3), STDDEV_SAMP(d3) FROM src GROUP BY k`)
  ).collect();
  same(
    sortByKey(materialize(rows)),
    [
      [
        "a",
        "1",
        "2",
        "1",
        "1",
        "*",
        "*",
        "*",
        "*",
        "0.829089",
        "1.243634",
        "0.910543",
        "1.115183",
        "0.0",
        "0.0",
        "0.0",
        "0.0",
        "0.912421",
        "1.368631",
        "0.955207",
        "1.169885",
      ],
      [
        "b",
        "0",
        "0",
        "0",
        "0",
        "0",
        "1",
        "0",
        "1",
        "0.000025",
        "0.000050",
        "0.005000",
        "0.007071",
        "0.0024999999999999988",
        "0.0049999999999999975",
        "0.04999999999999999",
        "0.07071067811865474",
        "0.000009",
        "0.000018",
        "0.003000",
        "0.004243",
      ],
      [
        "c",
        "0",
        "null",
        "0",
        "null",
        "0",
        "null",
        "0",
        "null",
        "0.000000",
        "null",
        "0.000000",
        "null",
        "0.0",
        "null",
        "0.0",
        "null",
        "0.000000",
        "null",
        "0.000000",
        "null",
      ],
    ],
    "s",
  );
});

test("TUMBLE window and OVER aggregation compute the same way", async () => {
  const tEnv = await source();
  const windows = await (
    await tEnv.executeSql(`SELECT window_start, VAR_POP(i), VAR_SAMP(b), STDDEV_POP(d), STDDEV_SAMP(d), VAR_SAMP(d3), VAR_POP(f),
      STDDEV_SAMP(f) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '10' MINUTES)) GROUP BY window_start, window_end`)
  ).collect();
  same(
    sortByKey(windows),
    [
      ["*", "3", "*", "1.292833", "1.445431", "2.017419", "2.40000000888000064E17", "5.477225585184529E8"],
      ["*", "0", "null", "0.000000", "null", "null", "0.0", "null"],
    ],
    "s",
  );
  const over = await (
    await tEnv.executeSql(`SELECT k, VAR_POP(i) OVER w, VAR_SAMP(b) OVER w, STDDEV_POP(d) OVER w, STDDEV_SAMP(d) OVER w,
      VAR_SAMP(d3) OVER w, VAR_POP(f) OVER w, STDDEV_SAMP(f) OVER w FROM src
      WINDOW w AS (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`)
  ).collect();
  same(
    over,
    [
      ["a", "0", "null", "0.000000", "null", "null", "0.0", "null"],
      ["a", "0", "*", "0.575000", "0.813173", "0.501000", "0.0", "0.0"],
      ["a", "1", "*", "0.910543", "1.115183", "1.368631", "0.0", "0.0"],
      ["b", "3", "*", "1.242223", "1.434396", "2.020177", "1.87500000712500032E17", "5.0000000095000005E8"],
      ["b", "3", "*", "1.292833", "1.445431", "2.017419", "2.40000000888000064E17", "5.477225585184529E8"],
      ["c", "12", "*", "1.553823", "1.702128", "4.675854", "2.50000000900000032E17", "5.477225584910668E8"],
    ],
    "s",
  );
});

test("TINYINT and SMALLINT wrap at their width, FLOAT computes in floats, DECIMAL(38, 10) squares round to 6 digits", async () => {
  const tEnv = await source(
    `2020-04-15 08:01:00,a,100,30000,1.5,1.1234567891
2020-04-15 08:02:00,a,120,32000,2.25,2.0000000001
2020-04-15 08:03:00,a,-128,-32768,0.1,3.3333333333
2020-04-15 08:04:00,b,3,4,0.2,0.0000001234
`,
    "ti TINYINT, si SMALLINT, fl FLOAT, d10 DECIMAL(38, 10)",
  );
  const rows = await (
    await tEnv.executeSql(`SELECT k, VAR_POP(ti), VAR_SAMP(ti), STDDEV_POP(ti), VAR_POP(si), VAR_SAMP(si), STDDEV_SAMP(si),
      VAR_POP(fl), VAR_SAMP(fl), STDDEV_POP(fl), VAR_POP(d10), VAR_SAMP(d10), STDDEV_POP(d10), STDDEV_SAMP(d10)
      FROM src GROUP BY k`)
  ).collect();
  // A negative SMALLINT variance (wrapped squares) has the square root NaN, cast to 0.
  same(
    sortByKey(materialize(rows)),
    [
      [
        "a",
        "25",
        "37",
        "5",
        "-398",
        "-597",
        "0",
        "0.79388905",
        "1.1908336",
        "0.8910045",
        "0.8255180000",
        "1.2382770000",
        "0.9085802111",
        "1.1127789538",
      ],
      ["b", "0", "null", "0", "0", "null", "null", "0.0", "null", "0.0", "0E-10", "null", "0E-10", "null"],
    ],
    "snnnnnnfffnnnn",
  );
});

/** The exact rational variance of `xs` (scaled integers at scale 3), as a number. */
function exactVariance(xs: bigint[], sample: boolean): number {
  const n = BigInt(xs.length);
  const s = xs.reduce((a, b) => a + b, 0n);
  const q = xs.reduce((a, b) => a + b * b, 0n);
  // (q - s^2 / n) / d at scale 6 (values at scale 3): (n q - s^2) / (n d), 10^-6 units.
  const num = n * q - s * s;
  const den = n * (sample ? n - 1n : n);
  return Number(num) / Number(den) / 1e6;
}

test("random DECIMAL(10, 3) and INT arrays: within 10^-6 of the exact variance, and the integer formula exactly", async () => {
  const decimals = fc.array(fc.integer({ min: -9_999_999, max: 9_999_999 }), { minLength: 2, maxLength: 12 });
  await fc.assert(
    fc.asyncProperty(decimals, async (units) => {
      const values = units.map((u) => (u / 1000).toFixed(3));
      const query = `SELECT VAR_POP(x) AS vp, VAR_SAMP(x) AS vs, VAR_POP(CAST(x * 1000 AS INT)) AS vi, VAR_SAMP(CAST(x * 1000 AS INT)) AS vsi
        FROM (VALUES ${values.map((v) => `(CAST(${v} AS DECIMAL(10, 3)))`).join(", ")}) AS t (x)`;
      const rows = materialize(await (await sql(env()).executeSql(query)).collect());
      const row = rows[0] as Row;
      const xs = units.map(BigInt);
      assert.ok(
        Math.abs((row.vp as number) - exactVariance(xs, false)) <=
          1e-6 * (1 + exactVariance(xs, false) * 1e-9),
      );
      assert.ok(
        Math.abs((row.vs as number) - exactVariance(xs, true)) <= 1e-6 * (1 + exactVariance(xs, true) * 1e-9),
      );
      // INT: Java's int sums (wrapping), the long quotients truncated, the result cast to int.
      const n = BigInt(xs.length);
      const wrap = (x: bigint) => BigInt.asIntN(32, x);
      const s = wrap(xs.reduce((a, b) => a + b, 0n));
      const q = wrap(xs.reduce((a, b) => a + wrap(b * b), 0n));
      const diff = q - wrap(s * s) / n;
      assert.equal(row.vi, Number(wrap(diff / n)));
      assert.equal(row.vsi, Number(wrap(diff / (n - 1n))));
    }),
    { numRuns: 40 },
  );
});
