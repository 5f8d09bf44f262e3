// LISTAGG, FIRST_VALUE, LAST_VALUE and the variances end to end: written-out results in group,
// window (TUMBLE, HOP, SESSION) and OVER aggregation; on random input, an aggregation of them over
// an updating input (another aggregation, which retracts) ends with the table a brute-force
// evaluation gives; and a job stopped with a savepoint mid-stream and restored (at parallelism
// 1 and 3) ends with the uninterrupted result.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";
import { checkSavepointRoundTrip, NUMBERS } from "../fixtures/numbers-job.js";

const env = (parallelism = 1) => StreamExecutionEnvironment.create({ parallelism });
const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
/** Numbers rounded to 9 digits, so that results of floating-point arithmetic compare as written. */
const rounded = (rows: Row[]) =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, typeof v === "number" ? Number(v.toFixed(9)) : v]),
    ),
  );

/** The Bid table of Flink's window-agg.md. */
const BID = [
  { bidtime: "2020-04-15 08:05:00", price: 4.0, item: "C" },
  { bidtime: "2020-04-15 08:07:00", price: 2.0, item: "A" },
  { bidtime: "2020-04-15 08:09:00", price: 5.0, item: "D" },
  { bidtime: "2020-04-15 08:11:00", price: 3.0, item: "B" },
  { bidtime: "2020-04-15 08:13:00", price: 1.0, item: "E" },
  { bidtime: "2020-04-15 08:17:00", price: 6.0, item: "F" },
];

async function bids() {
  const dir = logWithRows("bid", BID);
  const tEnv = sql(env(), { connectors: logConnectors });
  await tEnv.executeSql(`
    CREATE TABLE Bid (bidtime TIMESTAMP(3), price DECIMAL(10, 2), item STRING,
      WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND
    ) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'bid', 'bounded' = 'true')`);
  return tEnv;
}

test("group aggregation: LISTAGG (default and given separator), FIRST_VALUE, LAST_VALUE, the variances; NULLs skipped, no value is NULL", async () => {
  const result = await sql(env()).executeSql(`
    SELECT k, LISTAGG(s) AS l, LISTAGG(s, ' | ') AS l2, FIRST_VALUE(s) AS f, LAST_VALUE(s) AS la,
      VAR_POP(v) AS vp, VAR_SAMP(v) AS vs, VARIANCE(v) AS va, STDDEV_POP(v) AS sp, STDDEV_SAMP(v) AS ss,
      STDDEV(v) AS sd, VAR_POP(d) AS vpd, STDDEV_SAMP(d) AS ssd, LISTAGG(DISTINCT s) AS ld,
      FIRST_VALUE(s) FILTER (WHERE v > 2) AS ff
    FROM (VALUES ('a', 'x', 1, 1.0e0), ('a', 'y', 2, 2.0e0), ('a', CAST(NULL AS STRING), CAST(NULL AS INT), 3.0e0),
      ('a', 'x', 4, 4.0e0), ('b', CAST(NULL AS STRING), 5, CAST(NULL AS DOUBLE))) AS t (k, s, v, d)
    GROUP BY k`);
  const rows = rounded(materialize(await result.collect()));
  assert.deepEqual(sortRows(rows), [
    {
      k: "a",
      l: "x,y,x",
      l2: "x | y | x",
      f: "x",
      la: "x",
      // Over INT, Flink's integer formula: n 3, sum 7, sum of squares 21: (21 - 49 / 3) / 3 = 5 / 3 = 1.
      vp: 1,
      vs: 2,
      va: 2,
      sp: 1,
      ss: 1,
      sd: 1,
      // Over DOUBLE 1, 2, 3, 4: mean 2.5, squared deviations 5 in all.
      vpd: 1.25,
      ssd: Number(Math.sqrt(5 / 3).toFixed(9)),
      ld: "x,y",
      ff: "x",
    },
    // One value: the population variance 0, the sample one NULL; no string, no DOUBLE: NULL.
    {
      k: "b",
      l: null,
      l2: null,
      f: null,
      la: null,
      vp: 0,
      vs: null,
      va: null,
      sp: 0,
      ss: null,
      sd: null,
      vpd: null,
      ssd: null,
      ld: null,
      ff: null,
    },
  ]);
});

test("the variances over large DOUBLEs with a small spread cancel as Flink's sum of squares does (Flink 1.20 prints 0.0)", async () => {
  const rows = await (
    await sql(env()).executeSql(
      "SELECT VAR_SAMP(d) AS v FROM (VALUES (1000000001.0e0), (1000000002.0e0), (1000000003.0e0)) AS t (d)",
    )
  ).collect();
  assert.deepEqual(rounded(materialize(rows)), [{ v: 0 }]);
});

test("TUMBLE and HOP windows: LISTAGG and FIRST_VALUE/LAST_VALUE in arrival order, the variances of DECIMAL and INT prices", async () => {
  const tEnv = await bids();
  const rows = await (
    await tEnv.executeSql(`
    SELECT CAST(window_start AS STRING) AS ws, LISTAGG(item) AS items, FIRST_VALUE(item) AS first_item,
      LAST_VALUE(item) AS last_item, VAR_POP(price) AS vp, VAR_SAMP(price) AS vs,
      VAR_POP(CAST(price AS INT)) AS vpi, STDDEV_SAMP(CAST(price AS INT)) AS ssi
      FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      GROUP BY window_start, window_end`)
  ).collect();
  assert.deepEqual(sortRows(rounded(rows)), [
    // 4, 2, 5: 45 - 121 / 3 (40.333333, 6 digits as Flink's DECIMAL(38, 6) steps) = 4.666667, over 3
    // and 2 rounded HALF_UP; as INT, (45 - 121 / 3) / 3 = 5 / 3 = 1, sqrt(5 / 2) -> 1.
    {
      ws: "2020-04-15 08:00:00.000",
      items: "C,A,D",
      first_item: "C",
      last_item: "D",
      vp: 1.555556,
      vs: 2.333334,
      vpi: 1,
      ssi: 1,
    },
    // 3, 1, 6: 46 - 100 / 3 (33.333333) = 12.666667; as INT, (46 - 100 / 3) / 3 = 13 / 3 = 4, sqrt(13 / 2) -> 2.
    {
      ws: "2020-04-15 08:10:00.000",
      items: "B,E,F",
      first_item: "B",
      last_item: "F",
      vp: 4.222222,
      vs: 6.333334,
      vpi: 4,
      ssi: 2,
    },
  ]);
  const hop = await (
    await tEnv.executeSql(`
    SELECT CAST(window_start AS STRING) AS ws, LISTAGG(item, '') AS items, STDDEV_POP(CAST(price AS INT)) AS sp
      FROM TABLE(HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
      GROUP BY window_start, window_end`)
  ).collect();
  assert.deepEqual(sortRows(hop), [
    { ws: "2020-04-15 08:00:00.000", items: "CAD", sp: 1 },
    { ws: "2020-04-15 08:05:00.000", items: "CADBE", sp: 1 },
    { ws: "2020-04-15 08:10:00.000", items: "BEF", sp: 2 },
    { ws: "2020-04-15 08:15:00.000", items: "F", sp: 0 },
  ]);
});

test("SESSION windows merge LISTAGG and the variances; FIRST_VALUE there is refused, naming the function", async () => {
  const tEnv = await bids();
  const rows = await (
    await tEnv.executeSql(`
    SELECT CAST(window_end AS STRING) AS we, LISTAGG(item) AS items, VAR_SAMP(CAST(price AS INT)) AS vs
      FROM TABLE(SESSION(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))
      GROUP BY window_start, window_end`)
  ).collect();
  // One session 08:05-08:22; 4, 2, 5, 3, 1, 6: n 6, sum 21, sum of squares 91: (91 - 441 / 6) / 5 = 18 / 5 = 3.
  assert.deepEqual(rows, [{ we: "2020-04-15 08:22:00.000", items: "C,A,D,B,E,F", vs: 3 }]);
  await assert.rejects(
    tEnv.executeSql(`SELECT FIRST_VALUE(item) FROM TABLE(SESSION(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))
      GROUP BY window_start, window_end`),
    /FIRST_VALUE cannot run in a SESSION window/,
  );
});

test("OVER a bounded ROWS frame: LISTAGG, FIRST_VALUE, LAST_VALUE and STDDEV_POP retract the row leaving it", async () => {
  const tEnv = await bids();
  const w = "(ORDER BY bidtime ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)";
  const rows = await (
    await tEnv.executeSql(`
    SELECT item, LISTAGG(item) OVER ${w} AS items, FIRST_VALUE(item) OVER ${w} AS f,
      LAST_VALUE(item) OVER ${w} AS l, STDDEV_POP(CAST(price AS INT)) OVER ${w} AS sp
    FROM Bid`)
  ).collect();
  assert.deepEqual(rows, [
    { item: "C", items: "C", f: "C", l: "C", sp: 0 },
    { item: "A", items: "C,A", f: "C", l: "A", sp: 1 },
    { item: "D", items: "A,D", f: "A", l: "D", sp: 1 },
    { item: "B", items: "D,B", f: "D", l: "B", sp: 1 },
    { item: "E", items: "B,E", f: "B", l: "E", sp: 1 },
    { item: "F", items: "E,F", f: "E", l: "F", sp: 2 },
  ]);
});

test("MATCH_RECOGNIZE measures: LISTAGG, FIRST_VALUE, LAST_VALUE and VAR_POP over the rows of a variable", async () => {
  const tEnv = await bids();
  const rows = await (
    await tEnv.executeSql(`SELECT * FROM Bid MATCH_RECOGNIZE (
      ORDER BY bidtime
      MEASURES LISTAGG(A.item, '-') AS items, FIRST_VALUE(A.item) AS f, LAST_VALUE(A.item) AS l,
        VAR_POP(CAST(A.price AS INT)) AS vp, B.item AS next_item
      ONE ROW PER MATCH
      AFTER MATCH SKIP PAST LAST ROW
      PATTERN (A+ B)
      DEFINE A AS A.price < 6, B AS B.price >= 6
    ) MR`)
  ).collect();
  // 4, 2, 5, 3, 1: n 5, sum 15, sum of squares 55: (55 - 225 / 5) / 5 = 2.
  assert.deepEqual(rows, [{ items: "C-A-D-B-E", f: "C", l: "E", vp: 2, next_item: "F" }]);
});

test("refusals: LISTAGG of a non-string, a variance of a string, a separator that is not a literal", async () => {
  const tEnv = sql(env());
  const t = "(VALUES ('a', 1)) AS t (s, v)";
  await assert.rejects(
    tEnv.executeSql(`SELECT LISTAGG(v) FROM ${t}`),
    /LISTAGG takes a string argument, got INT/,
  );
  await assert.rejects(
    tEnv.executeSql(`SELECT STDDEV_POP(s) FROM ${t}`),
    /STDDEV_POP takes a numeric argument/,
  );
  await assert.rejects(
    tEnv.executeSql(`SELECT LISTAGG(s, s) FROM ${t}`),
    /separator must be a string literal/,
  );
  await assert.rejects(
    tEnv.executeSql(`SELECT FIRST_VALUE(DISTINCT s) FROM ${t}`),
    /FIRST_VALUE\(DISTINCT \.\.\.\) is not supported/,
  );
});

/** Flink's integer reduction of the variances: trunc((q - trunc(s * s / n)) / d), in BigInt. */
function intSpread(values: number[], sample: boolean, sqrt: boolean): number | null {
  const n = BigInt(values.length);
  if (n === 0n || (sample && n === 1n)) return null;
  const s = values.reduce((x, v) => x + BigInt(v), 0n);
  const q = values.reduce((x, v) => x + BigInt(v) * BigInt(v), 0n);
  const variance = (q - (s * s) / n) / (sample ? n - 1n : n);
  return sqrt ? Math.trunc(Math.sqrt(Number(variance))) : Number(variance);
}
function doubleSpread(values: number[], sample: boolean, sqrt: boolean): number | null {
  const n = values.length;
  if (n === 0 || (sample && n === 1)) return null;
  const mean = values.reduce((x, v) => x + v, 0) / n;
  const variance = values.reduce((x, v) => x + (v - mean) ** 2, 0) / (sample ? n - 1 : n);
  return sqrt ? Math.sqrt(variance) : variance;
}

// Over an updating input: the inner aggregation moves key k from group c - 1 to group c (a -U,
// then a +U) at each of its rows, so the outer aggregates retract.
const UPDATING = `SELECT c, LISTAGG(k) AS ks, FIRST_VALUE(k) AS fk, LAST_VALUE(k) AS lk, VAR_POP(s) AS vp,
    VAR_SAMP(s) AS vs, STDDEV_POP(s) AS sp, STDDEV_SAMP(d) AS sd
  FROM (SELECT k, COUNT(*) AS c, SUM(v) AS s, CAST(SUM(v) AS DOUBLE) AS d FROM t GROUP BY k) GROUP BY c`;
type In = { k: string; v: number | null };
/** Brute force: group c holds the keys whose final count is c, in the order they reached it. */
function updatingOracle(rows: In[]): Row[] {
  const byKey = new Map<string, { c: number; at: number; vs: (number | null)[] }>();
  rows.forEach((r, i) => {
    const g = byKey.get(r.k) ?? { c: 0, at: 0, vs: [] };
    byKey.set(r.k, { c: g.c + 1, at: i, vs: [...g.vs, r.v] });
  });
  const groups = new Map<number, { k: string; at: number; s: number | null }[]>();
  for (const [k, g] of byKey) {
    const present = g.vs.filter((v): v is number => v !== null);
    const s = present.length === 0 ? null : present.reduce((x, v) => x + v, 0);
    groups.set(g.c, [...(groups.get(g.c) ?? []), { k, at: g.at, s }]);
  }
  return [...groups].map(([c, members]) => {
    const ks = [...members].sort((a, b) => a.at - b.at).map((m) => m.k);
    const ss = members.map((m) => m.s).filter((s): s is number => s !== null);
    const sd = doubleSpread(ss, true, true);
    return {
      c,
      ks: ks.join(","),
      fk: ks[0] ?? null,
      lk: ks.at(-1) ?? null,
      vp: intSpread(ss, false, false),
      vs: intSpread(ss, true, false),
      sp: intSpread(ss, false, true),
      sd: sd === null ? null : Number(sd.toFixed(9)),
    };
  });
}

test("property: over an updating input (an aggregation of an aggregation) the final table equals the brute-force one", async () => {
  const row = fc.record({
    k: fc.constantFrom("a", "b", "c", "d", "e", "f", "z"),
    v: fc.option(fc.integer({ min: -50, max: 90 }), { nil: null, freq: 6 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(row, { maxLength: 40 }), async (rows) => {
      const dir = logWithRows("t", rows);
      const tEnv = sql(env(), { connectors: logConnectors });
      await tEnv.executeSql(
        `CREATE TABLE t (k STRING, v INT) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`,
      );
      const changes = await (await tEnv.executeSql(UPDATING)).collect();
      // STDDEV_SAMP over DOUBLE retracts through Welford's inverse step, whose rounding (1e-14 of
      // a variance) the square root magnifies near zero (to ~1e-7): within 1e-6 of the oracle.
      const got = sortRows(rounded(materialize(changes)));
      const want = sortRows(updatingOracle(rows));
      const withoutSd = (rs: Row[]) => rs.map(({ sd: _, ...r }) => r);
      assert.deepEqual(withoutSd(got), withoutSd(want));
      got.forEach((r, i) => {
        const [a, b] = [r.sd as number | null, want[i]!.sd as number | null];
        assert.ok(
          a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-6),
          `STDDEV_SAMP of group ${String(r.c)}: ${a} against ${b}`,
        );
      });
    }),
    { numRuns: 20 },
  );
});

// --- savepoint and restore -------------------------------------------------------------------

test("savepoint mid-stream: LISTAGG, FIRST_VALUE, LAST_VALUE and the variances over an updating input restore at parallelism 1 and 3", {
  timeout: 300_000,
}, async () => {
  // The inner aggregation updates per n; the outer one groups its rows by MOD(c, 3), retracting.
  const inner = "SELECT MOD(n, 7) AS k, COUNT(*) AS c, SUM(n) AS total FROM numbers GROUP BY MOD(n, 7)";
  const query = `SELECT MOD(c, 3) AS g, LISTAGG(CAST(k AS STRING)) AS ks, VAR_POP(total) AS vp,
      STDDEV_SAMP(CAST(total AS DOUBLE)) AS sd, FIRST_VALUE(total) AS ft, LAST_VALUE(total) AS lt
    FROM (${inner}) GROUP BY MOD(c, 3)`;
  // The final groups: key k (n = 1..NUMBERS with n mod 7 = k) has count c and total; which key entered
  // its group first depends on arrival order across subtasks, so the list is compared as a set
  // and FIRST_VALUE/LAST_VALUE as members.
  const keys = Array.from({ length: 7 }, (_, k) => {
    const ns = Array.from({ length: NUMBERS }, (_, i) => i + 1).filter((n) => n % 7 === k);
    return { k, c: ns.length, total: ns.reduce((x, n) => x + n, 0) };
  });
  const check = (rows: Row[], what: string) => {
    const got = materialize(rows);
    const groups = [...new Set(keys.map((x) => x.c % 3))];
    assert.equal(got.length, groups.length, what);
    for (const g of groups) {
      const members = keys.filter((x) => x.c % 3 === g);
      const r = got.find((x) => x.g === g) as Row;
      assert.deepEqual(String(r.ks).split(",").sort(), members.map((m) => String(m.k)).sort(), what);
      assert.equal(
        r.vp,
        intSpread(
          members.map((m) => m.total),
          false,
          false,
        ),
        what,
      );
      const sd = doubleSpread(
        members.map((m) => m.total),
        true,
        true,
      );
      assert.equal(
        r.sd === null ? null : Number((r.sd as number).toFixed(6)),
        sd === null ? null : Number(sd.toFixed(6)),
        what,
      );
      assert.ok(members.some((m) => m.total === r.ft) && members.some((m) => m.total === r.lt), what);
    }
  };
  await checkSavepointRoundTrip("aggs", query, check);
});
