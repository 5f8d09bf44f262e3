// COLLECT and MULTISET end to end: COLLECT in group aggregation (NULLs skipped, DISTINCT, FILTER,
// the written-out changelog over an updating input whose retractions take values out), in TUMBLE,
// HOP, CUMULATE and SESSION windows; CARDINALITY (arrays and maps; a multiset refused, as Flink
// 1.20's code generation refuses it); how a multiset prints (Flink's `{a=2, b=1}`) on the print
// connector; a MULTISET column written and read in the json format (an object of element to
// count, as Flink's json format); a savepoint mid-stream restored at parallelism 1 and 3; and a
// property against a brute-force multiset count.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { flinkText, materialize, printType, type Row, rowKind, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows, readRecords } from "../fixtures/log-table.js";
import { checkSavepointRoundTrip, NUMBERS } from "../fixtures/numbers-job.js";

const env = (parallelism = 1) =>
  sql(StreamExecutionEnvironment.create({ parallelism, log: () => {} }), { connectors: logConnectors });
const final = async (q: string) => materialize(await (await env().executeSql(q)).collect());
const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

test("group aggregation: each value with its count, NULLs skipped, DISTINCT counts once, FILTER; no value is the empty multiset", async () => {
  const rows = await final(`
    SELECT k, COLLECT(v) AS c, COLLECT(DISTINCT v) AS d, COLLECT(v) FILTER (WHERE v <> 'x') AS f,
      COLLECT(n) AS ns, COUNT(*) AS rows_in
    FROM (VALUES ('a', 'x', 1), ('a', 'y', 2), ('a', 'x', 1), ('a', CAST(NULL AS STRING), CAST(NULL AS INT)),
      ('b', CAST(NULL AS STRING), 3), ('c', 'x', 4)) AS t (k, v, n)
    GROUP BY k`);
  assert.deepEqual(sortRows(rows), [
    { k: "a", c: { x: 2, y: 1 }, d: { x: 1, y: 1 }, f: { y: 1 }, ns: { 1: 2, 2: 1 }, rows_in: 4 },
    { k: "b", c: {}, d: {}, f: {}, ns: { 3: 1 }, rows_in: 1 },
    { k: "c", c: { x: 1 }, d: { x: 1 }, f: {}, ns: { 4: 1 }, rows_in: 1 },
  ]);
});

test("over an updating input, a retraction takes its value out: the written-out changelog", async () => {
  const dir = logWithRows("t", [{ k: "a" }, { k: "b" }, { k: "a" }, { k: "c" }]);
  const tEnv = env();
  await tEnv.executeSql(
    `CREATE TABLE t (k STRING) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`,
  );
  const changes = await (
    await tEnv.executeSql("SELECT COLLECT(c) AS counts FROM (SELECT k, COUNT(*) AS c FROM t GROUP BY k)")
  ).collect();
  // a: +I 1; b: +I 1; a: -U 1, +U 2; c: +I 1. Each inner change is one -U/+U of the outer row.
  assert.deepEqual(
    changes.map((r) => [rowKind(r), r.counts]),
    [
      ["+I", { 1: 1 }],
      ["-U", { 1: 1 }],
      ["+U", { 1: 2 }],
      ["-U", { 1: 2 }],
      ["+U", { 1: 1 }],
      ["-U", { 1: 1 }],
      ["+U", { 1: 1, 2: 1 }],
      ["-U", { 1: 1, 2: 1 }],
      ["+U", { 1: 2, 2: 1 }],
    ],
  );
});

test("property: COLLECT over random groups equals a brute-force multiset count, over an insert-only and an updating input", async () => {
  const key = fc.constantFrom("a", "b", "c");
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({ k: key, v: fc.option(fc.constantFrom("p", "q", "r", "é", "__proto__"), { nil: null }) }),
        {
          maxLength: 25,
        },
      ),
      async (rows) => {
        const dir = logWithRows("t", rows);
        const tEnv = env();
        await tEnv.executeSql(
          `CREATE TABLE t (k STRING, v STRING) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`,
        );
        const direct = materialize(
          await (await tEnv.executeSql("SELECT k, COLLECT(v) AS m FROM t GROUP BY k")).collect(),
        );
        // The inner aggregation updates per row: the outer COLLECT sees a retraction of each old count.
        const updating = materialize(
          await (
            await tEnv.executeSql(
              "SELECT g, COLLECT(c) AS m FROM (SELECT k, v IS NULL AS g, COUNT(*) AS c FROM t GROUP BY k, v IS NULL) GROUP BY g",
            )
          ).collect(),
        );
        const count = (m: Map<string, Record<string, number>>, group: string, element: string) => {
          const counts = m.get(group) ?? Object.create(null);
          Object.defineProperty(counts, element, {
            value: (Object.hasOwn(counts, element) ? counts[element] : 0) + 1,
            enumerable: true,
            writable: true,
            configurable: true,
          });
          m.set(group, counts);
        };
        const byKey = new Map<string, Record<string, number>>();
        const perKeyAndNull = new Map<string, number>();
        for (const r of rows) {
          if (!byKey.has(r.k)) byKey.set(r.k, {});
          if (r.v !== null) count(byKey, r.k, r.v);
          const kn = `${r.k}|${r.v === null}`;
          perKeyAndNull.set(kn, (perKeyAndNull.get(kn) ?? 0) + 1);
        }
        const byNull = new Map<string, Record<string, number>>();
        for (const [kn, c] of perKeyAndNull) count(byNull, kn.split("|")[1] as string, String(c));
        const plain = (m: object) => ({ ...m });
        assert.deepEqual(
          sortRows(direct.map((r) => ({ k: r.k, m: plain(r.m as object) }))),
          sortRows([...byKey].map(([k, m]) => ({ k, m: plain(m) }))),
        );
        assert.deepEqual(
          sortRows(updating.map((r) => ({ g: String(r.g), m: plain(r.m as object) }))),
          sortRows([...byNull].map(([g, m]) => ({ g, m: plain(m) }))),
        );
      },
    ),
    { numRuns: 25 },
  );
});

/** The Bid table of Flink's window-agg.md. */
async function bids() {
  const dir = logWithRows("bid", [
    { bidtime: "2020-04-15 08:05:00", price: 4, item: "C", supplier: "supplier1" },
    { bidtime: "2020-04-15 08:07:00", price: 2, item: "A", supplier: "supplier1" },
    { bidtime: "2020-04-15 08:09:00", price: 5, item: "D", supplier: "supplier2" },
    { bidtime: "2020-04-15 08:11:00", price: 3, item: "B", supplier: "supplier2" },
    { bidtime: "2020-04-15 08:13:00", price: 1, item: "E", supplier: "supplier1" },
    { bidtime: "2020-04-15 08:17:00", price: 6, item: "F", supplier: "supplier2" },
  ]);
  const tEnv = env();
  await tEnv.executeSql(`
    CREATE TABLE Bid (bidtime TIMESTAMP(3), price INT, item STRING, supplier STRING,
      WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND
    ) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'bid', 'bounded' = 'true')`);
  return tEnv;
}

test("window aggregation: COLLECT in TUMBLE, HOP, CUMULATE and SESSION windows, with FILTER and DISTINCT", async () => {
  const tEnv = await bids();
  const windowed = async (tvf: string, select = "COLLECT(supplier) AS s") =>
    sortRows(
      await (
        await tEnv.executeSql(`
        SELECT CAST(window_start AS STRING) AS ws, CAST(window_end AS STRING) AS we, ${select}
          FROM TABLE(${tvf}) GROUP BY window_start, window_end`)
      ).collect(),
    );
  assert.deepEqual(
    await windowed(
      "TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES)",
      "COLLECT(supplier) AS s, COLLECT(DISTINCT supplier) AS d, COLLECT(item) FILTER (WHERE price > 2) AS i",
    ),
    [
      {
        ws: "2020-04-15 08:00:00.000",
        we: "2020-04-15 08:10:00.000",
        s: { supplier1: 2, supplier2: 1 },
        d: { supplier1: 1, supplier2: 1 },
        i: { C: 1, D: 1 },
      },
      {
        ws: "2020-04-15 08:10:00.000",
        we: "2020-04-15 08:20:00.000",
        s: { supplier2: 2, supplier1: 1 },
        d: { supplier2: 1, supplier1: 1 },
        i: { B: 1, F: 1 },
      },
    ],
  );
  assert.deepEqual(
    await windowed("HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES)"),
    [
      { ws: "2020-04-15 08:00:00.000", we: "2020-04-15 08:10:00.000", s: { supplier1: 2, supplier2: 1 } },
      { ws: "2020-04-15 08:05:00.000", we: "2020-04-15 08:15:00.000", s: { supplier1: 3, supplier2: 2 } },
      { ws: "2020-04-15 08:10:00.000", we: "2020-04-15 08:20:00.000", s: { supplier2: 2, supplier1: 1 } },
      { ws: "2020-04-15 08:15:00.000", we: "2020-04-15 08:25:00.000", s: { supplier2: 1 } },
    ],
  );
  assert.deepEqual(
    await windowed("CUMULATE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES)"),
    // [08:00, 08:05) holds no bid: no row.
    [
      { ws: "2020-04-15 08:00:00.000", we: "2020-04-15 08:10:00.000", s: { supplier1: 2, supplier2: 1 } },
      { ws: "2020-04-15 08:10:00.000", we: "2020-04-15 08:15:00.000", s: { supplier2: 1, supplier1: 1 } },
      { ws: "2020-04-15 08:10:00.000", we: "2020-04-15 08:20:00.000", s: { supplier2: 2, supplier1: 1 } },
    ],
  );
  // Sessions with a 3-minute gap: the bids 08:05 to 08:13 (each within 3 minutes of the last) merge
  // into one session ending 3 minutes after 08:13; 08:17 starts another.
  assert.deepEqual(
    await windowed("SESSION(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '3' MINUTES)", "COLLECT(item) AS s"),
    [
      { ws: "2020-04-15 08:05:00.000", we: "2020-04-15 08:16:00.000", s: { C: 1, A: 1, D: 1, B: 1, E: 1 } },
      { ws: "2020-04-15 08:17:00.000", we: "2020-04-15 08:20:00.000", s: { F: 1 } },
    ],
  );
});

test("OVER aggregation (a bounded frame retracts the rows that leave it) and MATCH_RECOGNIZE", async () => {
  const tEnv = await bids();
  const over = await (
    await tEnv.executeSql(`SELECT item, COLLECT(supplier) OVER (ORDER BY bidtime ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s
      FROM Bid`)
  ).collect();
  assert.deepEqual(over, [
    { item: "C", s: { supplier1: 1 } },
    { item: "A", s: { supplier1: 2 } },
    { item: "D", s: { supplier1: 1, supplier2: 1 } },
    { item: "B", s: { supplier2: 2 } },
    { item: "E", s: { supplier2: 1, supplier1: 1 } },
    { item: "F", s: { supplier1: 1, supplier2: 1 } },
  ]);
  // Falling prices then a rise: C 4, A 2 fall and D 5 rises; B 3, E 1 fall and F 6 rises.
  const matches = await (
    await tEnv.executeSql(`SELECT * FROM Bid MATCH_RECOGNIZE (
      ORDER BY bidtime
      MEASURES COLLECT(DOWN.supplier) AS downs, LAST(UP.item) AS up
      ONE ROW PER MATCH
      AFTER MATCH SKIP PAST LAST ROW
      PATTERN (DOWN+ UP)
      DEFINE DOWN AS LAST(DOWN.price, 1) IS NULL OR DOWN.price < LAST(DOWN.price, 1), UP AS UP.price > LAST(DOWN.price)
    )`)
  ).collect();
  assert.deepEqual(matches, [
    { downs: { supplier1: 2 }, up: "D" },
    { downs: { supplier2: 1, supplier1: 1 }, up: "F" },
  ]);
});

test("CARDINALITY counts an ARRAY's elements and a MAP's entries; a MULTISET's is refused as Flink 1.20 refuses it", async () => {
  assert.deepEqual(
    await final(
      "SELECT CARDINALITY(ARRAY[1, 2, 2]) AS a, CARDINALITY(MAP['x', 1, 'y', 2]) AS m, CARDINALITY(CASE WHEN 1 = 2 THEN ARRAY[1] END) AS n",
    ),
    [{ a: 3, m: 2, n: null }],
  );
  await assert.rejects(
    env().executeSql("SELECT k,\n  CARDINALITY(COLLECT(v)) FROM (VALUES ('a', 1)) AS t (k, v) GROUP BY k"),
    (e: unknown) =>
      e instanceof FleuveError &&
      e.code === "FLEUVE_SQL_UNSUPPORTED" &&
      e.message.includes("CARDINALITY of a MULTISET yet (line 2, column 3)") &&
      e.message.includes('"Expect an array or a map."'),
  );
  await assert.rejects(
    env().executeSql("SELECT CARDINALITY('abc')"),
    (e: unknown) =>
      e instanceof FleuveError &&
      e.code === "FLEUVE_SQL_VALIDATION" &&
      // 'abc' is a CHAR(3) literal, as in Flink.
      e.message.includes("CARDINALITY takes an ARRAY or a MAP, got CHAR"),
  );
});

test("refused when planned: COLLECT(*) and two arguments", async () => {
  for (const [q, message] of [
    ["SELECT COLLECT(*) FROM (VALUES (1)) AS t (v)", /COLLECT\(\*\) is not valid; only COUNT\(\*\) is/],
    ["SELECT COLLECT(v, v) FROM (VALUES (1)) AS t (v)", /COLLECT takes 1 argument, got 2/],
  ] as const) {
    await assert.rejects(
      env().executeSql(q),
      (e: unknown) => e instanceof FleuveError && message.test(e.message),
    );
  }
});

test("a multiset prints as Flink prints it: {element=count, ...}, each element as its type prints", async () => {
  const multiset = (element: string) =>
    ({
      kind: "multiset",
      element: { kind: "atomic", name: element, args: element === "TIMESTAMP" ? [3] : [], notNull: false },
      notNull: true,
    }) as const;
  assert.equal(flinkText({ a: 2, b: 1 }, multiset("STRING")), "{a=2, b=1}");
  assert.equal(flinkText({ 1.5: 1, 2: 3 }, multiset("DOUBLE")), "{2.0=3, 1.5=1}");
  assert.equal(flinkText({ 1586937900000: 1 }, multiset("TIMESTAMP")), "{2020-04-15T08:05=1}");
  assert.equal(flinkText({}, multiset("STRING")), "{}");

  // The print connector writes +I[...] lines with the values as Flink's print sink shows them.
  const dir = logWithRows("t", [
    { k: "a", v: "x" },
    { k: "a", v: "y" },
    { k: "a", v: "x" },
  ]);
  const tEnv = env();
  await tEnv.executeScript(`
    CREATE TABLE t (k STRING, v STRING) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true');
    CREATE TABLE p (k STRING, vs MULTISET<STRING>) WITH ('connector' = 'print', 'print-identifier' = 'collect-test')`);
  // The query's column is a MULTISET of the argument's type (what the shell prints by).
  const c = tEnv.sqlQuery("SELECT COLLECT(v) AS vs FROM t").columns[0];
  assert.equal(c?.type === undefined ? undefined : printType(c.type), "MULTISET<STRING> NOT NULL");
  assert.equal(flinkText({ x: 2, y: 1 }, c?.type), "{x=2, y=1}");
  const lines: string[] = [];
  const write = process.stdout.write;
  // Only the print sink's lines (by their identifier) are taken: the test runner reports on stdout too.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : "";
    if (!text.startsWith("collect-test> "))
      return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    lines.push(text.slice("collect-test> ".length).trimEnd());
    return true;
  }) as typeof process.stdout.write;
  try {
    await (await tEnv.executeSql("INSERT INTO p SELECT k, COLLECT(v) FROM t GROUP BY k")).await();
  } finally {
    process.stdout.write = write;
  }
  assert.deepEqual(lines, [
    "+I[a, {x=1}]",
    "-U[a, {x=1}]",
    "+U[a, {x=1, y=1}]",
    "-U[a, {x=1, y=1}]",
    "+U[a, {x=2, y=1}]",
  ]);
});

test("json format: a MULTISET column is written as an object of element to count, and read back", async () => {
  const input = logWithRows("t", [
    { k: "a", v: "x" },
    { k: "b", v: "y" },
    { k: "a", v: "x" },
    { k: "a", v: "z" },
  ]);
  const output = logWithRows("out", []);
  const tEnv = env();
  await tEnv.executeScript(`
    CREATE TABLE t (k STRING, v STRING) WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 't', 'bounded' = 'true');
    CREATE TABLE out (k STRING, vs MULTISET<STRING>, PRIMARY KEY (k) NOT ENFORCED)
      WITH ('connector' = 'upsert-log', 'log' = '${output}', 'topic' = 'out', 'format' = 'json', 'bounded' = 'true')`);
  await (await tEnv.executeSql("INSERT INTO out SELECT k, COLLECT(v) FROM t GROUP BY k")).await();
  assert.deepEqual(readRecords(output, "out"), [
    { key: '{"k":"a"}', value: { k: "a", vs: { x: 1 } } },
    { key: '{"k":"b"}', value: { k: "b", vs: { y: 1 } } },
    { key: '{"k":"a"}', value: { k: "a", vs: { x: 2 } } },
    { key: '{"k":"a"}', value: { k: "a", vs: { x: 2, z: 1 } } },
  ]);

  // Read back as a MULTISET column (an object of counts; anything else reads as NULL).
  const back = logWithRows("back", [
    { k: "a", vs: { x: 2, z: 1 } },
    { k: "b", vs: { y: 0 } },
    { k: "c", vs: ["y"] },
  ]);
  await tEnv.executeSql(
    `CREATE TABLE back (k STRING, vs MULTISET<STRING>) WITH ('connector' = 'log', 'log' = '${back}', 'topic' = 'back', 'format' = 'json', 'bounded' = 'true')`,
  );
  assert.deepEqual(await (await tEnv.executeSql("SELECT k, vs FROM back")).collect(), [
    { k: "a", vs: { x: 2, z: 1 } },
    { k: "b", vs: null },
    { k: "c", vs: null },
  ]);
});

// --- savepoint and restore -------------------------------------------------------------------

test("savepoint mid-stream: COLLECT over an updating input restores at parallelism 1 and 3", {
  timeout: 300_000,
}, async () => {
  // The inner aggregation updates per n; the outer one groups its counts by MOD(k, 3), retracting.
  const query = `SELECT MOD(k, 3) AS g, COLLECT(c) AS counts, COLLECT(DISTINCT c) AS distinct_counts
    FROM (SELECT MOD(n, 7) AS k, COUNT(*) AS c FROM numbers GROUP BY MOD(n, 7)) GROUP BY MOD(k, 3)`;
  // Brute force: key k (n = 1..NUMBERS with n mod 7 = k) ends with count c; group g holds the counts of its keys.
  const expected = new Map<number, Record<string, number>>();
  for (let k = 0; k < 7; k++) {
    const c = Array.from({ length: NUMBERS }, (_, i) => i + 1).filter((n) => n % 7 === k).length;
    const m = expected.get(k % 3) ?? {};
    m[c] = (m[c] ?? 0) + 1;
    expected.set(k % 3, m);
  }
  const check = (rows: Row[], what: string) => {
    const got = materialize(rows);
    assert.deepEqual(
      sortRows(got),
      sortRows(
        [...expected].map(([g, m]) => ({
          g,
          counts: m,
          distinct_counts: Object.fromEntries(Object.keys(m).map((c) => [c, 1])),
        })),
      ),
      what,
    );
  };
  await checkSavepointRoundTrip("collect", query, check);
});
