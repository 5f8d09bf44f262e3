// JSON_OBJECTAGG and JSON_ARRAYAGG end to end: the examples of Flink's documentation with the
// values it shows, the NULL clauses and their defaults, value texts (numbers, strings, nested
// JSON), group aggregation over an updating input (a property against a brute-force oracle),
// TUMBLE and SESSION windows, and the errors (duplicate and NULL keys at run time, wrong
// arguments and refused windows when planning).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type DeadLetter, FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const env = (options: Parameters<typeof StreamExecutionEnvironment.create>[0] = {}) =>
  sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {}, ...options }), {
    connectors: logConnectors,
  });
const final = async (q: string) => materialize(await (await env().executeSql(q)).collect());
const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const ORDERS = "(VALUES ('Apple', 2), ('Banana', 17), ('Orange', 0)) AS orders (product, cnt)";

test("Flink's documented examples: JSON_OBJECTAGG and JSON_ARRAYAGG over the orders", async () => {
  assert.deepEqual(await final(`SELECT JSON_OBJECTAGG(KEY product VALUE cnt) AS o FROM ${ORDERS}`), [
    { o: '{"Apple":2,"Banana":17,"Orange":0}' },
  ]);
  assert.deepEqual(await final(`SELECT JSON_ARRAYAGG(product) AS a FROM ${ORDERS}`), [
    { a: '["Apple","Banana","Orange"]' },
  ]);
});

test("NULL values: JSON_OBJECTAGG keeps them by default, JSON_ARRAYAGG leaves them out; the clauses change that", async () => {
  const t = "(VALUES ('a', 1), ('b', CAST(NULL AS INT)), ('c', 3)) AS t (k, v)";
  assert.deepEqual(
    await final(`SELECT JSON_OBJECTAGG(k VALUE v) AS o, JSON_OBJECTAGG(KEY k VALUE v NULL ON NULL) AS o_null,
      JSON_OBJECTAGG(KEY k VALUE v ABSENT ON NULL) AS o_absent, JSON_ARRAYAGG(v) AS a,
      JSON_ARRAYAGG(v NULL ON NULL) AS a_null, JSON_ARRAYAGG(v ABSENT ON NULL) AS a_absent FROM ${t}`),
    [
      {
        o: '{"a":1,"b":null,"c":3}',
        o_null: '{"a":1,"b":null,"c":3}',
        o_absent: '{"a":1,"c":3}',
        a: "[1,3]",
        a_null: "[1,null,3]",
        a_absent: "[1,3]",
      },
    ],
  );
});

test("value texts as JSON_STRING writes them, nested JSON as it is; members sorted by key (Java's String order)", async () => {
  const t = `(VALUES ('b', 1.5e0, 'say "hi"', TRUE), ('a', 2.0e0, 'x', FALSE), ('B', 3.0e0, 'y', CAST(NULL AS BOOLEAN)))
    AS t (k, d, s, f)`;
  assert.deepEqual(
    await final(`SELECT JSON_OBJECTAGG(KEY k VALUE d) AS o, JSON_ARRAYAGG(s) AS a, JSON_ARRAYAGG(f) AS b,
      JSON_ARRAYAGG(JSON_OBJECT('k' VALUE k)) AS nested, JSON_OBJECTAGG(KEY k VALUE JSON_ARRAY(d, s)) AS o2
      FROM ${t}`),
    [
      {
        o: '{"B":3.0,"a":2.0,"b":1.5}',
        a: '["say \\"hi\\"","x","y"]',
        b: "[true,false]",
        nested: '[{"k":"b"},{"k":"a"},{"k":"B"}]',
        o2: '{"B":[3.0,"y"],"a":[2.0,"x"],"b":[1.5,"x"]}'.replace(
          '"b":[1.5,"x"]',
          '"b":[1.5,"say \\"hi\\""]',
        ),
      },
    ],
  );
});

test("JSON_ARRAYAGG(x ORDER BY y) is taken and keeps the arrival order, as Flink 1.20 (probed: [3,1,2] for ASC and DESC); JSON_OBJECTAGG takes no ORDER BY", async () => {
  const t = "(VALUES (3, 'c'), (1, 'a'), (2, CAST(NULL AS STRING))) AS t (i, s)";
  assert.deepEqual(
    await final(`SELECT JSON_ARRAYAGG(i ORDER BY i) AS a, JSON_ARRAYAGG(i ORDER BY i DESC) AS d,
      JSON_ARRAYAGG(s ORDER BY i DESC NULL ON NULL) AS n, JSON_ARRAYAGG(i ORDER BY i, s) AS two FROM ${t}`),
    [{ a: "[3,1,2]", d: "[3,1,2]", n: '["c","a",null]', two: "[3,1,2]" }],
  );
  assert.deepEqual(
    sortRows(
      await final(
        "SELECT k, JSON_ARRAYAGG(i ORDER BY i DESC) AS a FROM (VALUES (1, 3), (1, 1), (2, 5), (1, 2)) AS t (k, i) GROUP BY k",
      ),
    ),
    [
      { k: 1, a: "[3,1,2]" },
      { k: 2, a: "[5]" },
    ],
  );
  // The ORDER BY's expressions are checked as Flink checks them.
  await assert.rejects(final(`SELECT JSON_ARRAYAGG(i ORDER BY nope) FROM ${t}`), /nope/);
  // Calcite's JSON_OBJECTAGG has no ORDER BY (Flink 1.20: a parse error at ORDER).
  await assert.rejects(final(`SELECT JSON_OBJECTAGG(KEY s VALUE i ORDER BY i) FROM ${t}`), /ORDER/);
});

test("group aggregation with GROUP BY and FILTER; no counted value gives an empty object or array", async () => {
  const t = "(VALUES ('x', 'a', 1), ('x', 'b', 2), ('y', 'c', 3)) AS t (g, k, v)";
  assert.deepEqual(
    sortRows(
      await final(`SELECT g, JSON_OBJECTAGG(KEY k VALUE v) FILTER (WHERE v > 1) AS o,
        JSON_ARRAYAGG(k) FILTER (WHERE v < 3) AS a FROM ${t} GROUP BY g`),
    ),
    [
      { g: "x", o: '{"b":2}', a: '["a","b"]' },
      { g: "y", o: '{"c":3}', a: "[]" },
    ],
  );
});

test("over an updating input, retractions take values out: the written-out changelog", async () => {
  const dir = logWithRows("t", [{ k: "a" }, { k: "b" }, { k: "a" }]);
  const tEnv = env();
  await tEnv.executeSql(
    `CREATE TABLE t (k STRING) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`,
  );
  const changes = await (
    await tEnv.executeSql(
      "SELECT JSON_OBJECTAGG(KEY k VALUE c) AS o, JSON_ARRAYAGG(c) AS a FROM (SELECT k, COUNT(*) AS c FROM t GROUP BY k)",
    )
  ).collect();
  // (a,1): [1]; (b,1): [1,1]; a's -U 1 takes out the earliest 1, its +U 2 comes last.
  assert.deepEqual(materialize(changes), [{ o: '{"a":2,"b":1}', a: "[1,2]" }]);
  const seen = changes.map((r) => r.o);
  assert.ok(seen.includes('{"b":1}'), `a's retraction removed its key: ${JSON.stringify(seen)}`);
});

test("property: over an updating input the final object and array equal the brute-force ones", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ k: fc.constantFrom("a", "b", "c", "d", "é", "Z") }), { maxLength: 30 }),
      async (rows) => {
        const dir = logWithRows("t", rows);
        const tEnv = env();
        await tEnv.executeSql(
          `CREATE TABLE t (k STRING) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`,
        );
        const got = materialize(
          await (
            await tEnv.executeSql(
              "SELECT JSON_OBJECTAGG(KEY k VALUE c) AS o, JSON_ARRAYAGG(c) AS a FROM (SELECT k, COUNT(*) AS c FROM t GROUP BY k)",
            )
          ).collect(),
        );
        const counts = new Map<string, number>();
        for (const r of rows) counts.set(r.k, (counts.get(r.k) ?? 0) + 1);
        if (rows.length === 0) {
          assert.deepEqual(got, []);
          return;
        }
        const keys = [...counts.keys()].sort();
        assert.equal(got.length, 1);
        assert.equal(got[0]?.o, `{${keys.map((k) => `"${k}":${counts.get(k)}`).join(",")}}`);
        // The array's order depends on the order of updates; its values are the final counts.
        const items = JSON.parse(String(got[0]?.a)) as number[];
        assert.deepEqual(
          items.sort((x, y) => x - y),
          [...counts.values()].sort((x, y) => x - y),
        );
      },
    ),
    { numRuns: 25 },
  );
});

/** The Bid table of Flink's window-agg.md. */
async function bids() {
  const dir = logWithRows("bid", [
    { bidtime: "2020-04-15 08:05:00", price: 4.0, item: "C" },
    { bidtime: "2020-04-15 08:07:00", price: 2.0, item: "A" },
    { bidtime: "2020-04-15 08:09:00", price: 5.0, item: "D" },
    { bidtime: "2020-04-15 08:11:00", price: 3.0, item: "B" },
    { bidtime: "2020-04-15 08:13:00", price: 1.0, item: "E" },
    { bidtime: "2020-04-15 08:17:00", price: 6.0, item: "F" },
  ]);
  const tEnv = env();
  await tEnv.executeSql(`
    CREATE TABLE Bid (bidtime TIMESTAMP(3), price DOUBLE, item STRING,
      WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND
    ) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'bid', 'bounded' = 'true')`);
  return tEnv;
}

test("TUMBLE windows: JSON_ARRAYAGG in arrival order, JSON_OBJECTAGG sorted by key", async () => {
  const tEnv = await bids();
  const rows = await (
    await tEnv.executeSql(`
    SELECT CAST(window_start AS STRING) AS ws, JSON_ARRAYAGG(item) AS items, JSON_OBJECTAGG(KEY item VALUE price) AS prices
      FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      GROUP BY window_start, window_end`)
  ).collect();
  assert.deepEqual(sortRows(rows), [
    { ws: "2020-04-15 08:00:00.000", items: '["C","A","D"]', prices: '{"A":2.0,"C":4.0,"D":5.0}' },
    { ws: "2020-04-15 08:10:00.000", items: '["B","E","F"]', prices: '{"B":3.0,"E":1.0,"F":6.0}' },
  ]);
});

test("SESSION windows merge JSON_OBJECTAGG; JSON_ARRAYAGG is refused in HOP, CUMULATE and SESSION windows and both in OVER", async () => {
  const tEnv = await bids();
  const rows = await (
    await tEnv.executeSql(`
    SELECT JSON_OBJECTAGG(KEY item VALUE CAST(price AS INT)) AS o
      FROM TABLE(SESSION(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))
      GROUP BY window_start, window_end`)
  ).collect();
  assert.deepEqual(rows, [{ o: '{"A":2,"B":3,"C":4,"D":5,"E":1,"F":6}' }]);
  for (const [tvf, kind] of [
    ["HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES)", "HOP"],
    ["CUMULATE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES)", "CUMULATE"],
    ["SESSION(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES)", "SESSION"],
  ]) {
    await assert.rejects(
      tEnv.executeSql(
        `SELECT window_start,\n  JSON_ARRAYAGG(item) FROM TABLE(${tvf}) GROUP BY window_start, window_end`,
      ),
      (e: unknown) =>
        e instanceof FleuveError &&
        e.code === "FLEUVE_SQL_UNSUPPORTED" &&
        e.message.includes(`JSON_ARRAYAGG in a ${kind} window yet (line 2, column 3)`),
    );
  }
  await assert.rejects(
    tEnv.executeSql("SELECT JSON_ARRAYAGG(item) OVER (ORDER BY bidtime) FROM Bid"),
    (e: unknown) =>
      e instanceof FleuveError &&
      e.code === "FLEUVE_SQL_UNSUPPORTED" &&
      /JSON_ARRAYAGG in an OVER window yet \(line 1, column 8\)/.test(e.message),
  );
});

test("a duplicate key or a NULL key fails the row (Flink's message); the group keeps its other rows", async () => {
  const letters: DeadLetter[] = [];
  const tEnv = env({ errorPolicy: { deadLetter: (l) => void letters.push(l) } });
  const rows = materialize(
    await (
      await tEnv.executeSql(`SELECT COUNT(*) AS n, JSON_ARRAYAGG(k) AS ks, JSON_OBJECTAGG(KEY k VALUE v) AS o
        FROM (VALUES ('a', 1), ('b', 2), ('a', 3), (CAST(NULL AS STRING), 4)) AS t (k, v)`)
    ).collect(),
  );
  assert.deepEqual(rows, [{ n: 2, ks: '["a","b"]', o: '{"a":1,"b":2}' }]);
  assert.deepEqual(
    letters.map((l) => l.error),
    [
      "Key 'a' is already present. Duplicate keys are not allowed in JSON_OBJECTAGG. Please ensure that keys are unique.",
      "JSON_OBJECTAGG: a key is NULL (the key must be a non-NULL character string)",
    ],
  );
  // Without a dead-letter policy the job fails with the message.
  await assert.rejects(
    async () =>
      (
        await env().executeSql("SELECT JSON_OBJECTAGG(KEY k VALUE 1) FROM (VALUES ('a'), ('a')) AS t (k)")
      ).collect(),
    /Key 'a' is already present/,
  );
});

test("refused when planned, naming the function, line and column", async () => {
  const cases: [string, string, RegExp][] = [
    [
      "SELECT JSON_ARRAYAGG(a, b) FROM t",
      "FLEUVE_SQL_VALIDATION",
      /JSON_ARRAYAGG takes 1 argument, got 2 \(line 1, column 8\)/,
    ],
    ["SELECT JSON_ARRAYAGG() FROM t", "FLEUVE_SQL_VALIDATION", /JSON_ARRAYAGG takes 1 argument, got 0/],
    [
      "SELECT\n  JSON_OBJECTAGG(KEY a VALUE b) FROM t",
      "FLEUVE_SQL_VALIDATION",
      /JSON_OBJECTAGG's key must be a character string, got INT; CAST it to STRING \(line 2, column 3\)/,
    ],
    [
      "SELECT JSON_OBJECTAGG(KEY s VALUE a, KEY s VALUE b) FROM t",
      "FLEUVE_SQL_VALIDATION",
      /JSON_OBJECTAGG takes one KEY \.\.\. VALUE \.\.\. pair, got 2/,
    ],
    [
      "SELECT JSON_OBJECTAGG(KEY NULL VALUE b) FROM t",
      "FLEUVE_SQL_VALIDATION",
      /JSON_OBJECTAGG's key must be a non-NULL character string, got NULL/,
    ],
    [
      "SELECT s, JSON_ARRAYAGG(JSON_ARRAYAGG(a)) FROM t GROUP BY s",
      "FLEUVE_SQL_VALIDATION",
      /inside another aggregate/,
    ],
  ];
  for (const [q, code, message] of cases) {
    const tEnv = env();
    await tEnv.executeSql("CREATE TEMPORARY VIEW t AS SELECT * FROM (VALUES (1, 2, 'x')) AS v (a, b, s)");
    await assert.rejects(tEnv.executeSql(q), (e: unknown) => {
      assert.ok(e instanceof FleuveError, String(e));
      assert.equal(e.code, code, q);
      assert.match(e.message, message, q);
      return true;
    });
  }
});
