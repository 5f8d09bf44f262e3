// User-defined functions (scalar, table, aggregate) through executeSql: registered from
// TypeScript and with CREATE FUNCTION ... AS 'module#export'; on bounded and out-of-order input
// with the expected rows written out; a user aggregate retracting under an updating input against
// a brute force; a savepoint mid-stream; and every error path.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { type DeadLetter, StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink } from "@fleuve/core/testing";
import { connectors as logConnectors, openLog } from "@fleuve/log";
import { aggregateFunction, materialize, type Row, rowKind, type SqlEnvironment, sql } from "@fleuve/sql";
import fc from "fast-check";
import { countChar } from "../../../../bench/nexmark/sql/count-char.js";
import { logWithRows } from "../fixtures/log-table.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const text = (r: Row) => `${rowKind(r)}${JSON.stringify({ ...r, $rowkind: undefined })}`;
const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** A SQL environment with the fixture module's functions bound by CREATE FUNCTION. */
async function withUdfs(options: Parameters<typeof StreamExecutionEnvironment.create>[0] = {}) {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {}, ...options }), {
    connectors: logConnectors,
    baseDir: FIXTURES,
  });
  await tEnv.executeScript(`
    CREATE FUNCTION add_one AS './udfs.ts#addOne';
    CREATE TEMPORARY FUNCTION shout AS './udfs.ts#shout' LANGUAGE TYPESCRIPT;
    CREATE TEMPORARY SYSTEM FUNCTION strict_sqrt AS './udfs.ts#strictSqrt';
    CREATE FUNCTION split AS './udfs.ts#split';
    CREATE FUNCTION sum_squares AS './udfs.ts#sumSquares';
    CREATE FUNCTION max_retract AS './udfs.ts#maxRetract';
    CREATE FUNCTION append_only_count AS './udfs.ts#appendOnlyCount';
    CREATE FUNCTION collect_list AS './udfs.ts#collectList';
  `);
  return tEnv;
}

const rowsOf = async (tEnv: SqlEnvironment, q: string) => (await tEnv.executeSql(q)).collect();

// Bids out of order (08:09 before 08:07, 08:17 before 08:11); the watermark lags 3 minutes, so
// none is late.
const BIDS = [
  { bidtime: "2020-04-15 08:05:00", price: 4, item: "C", note: "cool cat" },
  { bidtime: "2020-04-15 08:09:00", price: 5, item: "D", note: "dog" },
  { bidtime: "2020-04-15 08:07:00", price: 2, item: "A", note: "" },
  { bidtime: "2020-04-15 08:17:00", price: 6, item: "F", note: "fish" },
  { bidtime: "2020-04-15 08:11:00", price: 3, item: "B", note: null },
  { bidtime: "2020-04-15 08:13:00", price: 1, item: "E", note: "eel c" },
];
async function bids(tEnv: SqlEnvironment, rows: readonly Record<string, unknown>[] = BIDS) {
  const dir = logWithRows("bid", rows);
  await tEnv.executeSql(`
    CREATE TABLE Bid (
      bidtime TIMESTAMP(3), price INT, item STRING, note STRING,
      WATERMARK FOR bidtime AS bidtime - INTERVAL '3' MINUTES
    ) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'bid', 'bounded' = 'true')`);
}

test("scalar functions: from a module and from TypeScript, on bounded VALUES and on out-of-order input", async () => {
  const tEnv = await withUdfs();
  tEnv.createFunction("count_char", countChar);
  tEnv.createFunction("twice", (x: number | null) => (x === null ? null : 2 * x));
  // Only a rest parameter: any number of arguments.
  tEnv.createFunction("joined", (...xs: unknown[]) => xs.join("-"));
  assert.deepEqual(await rowsOf(tEnv, "SELECT joined(1) AS a, joined(1, 'b', 2) AS b FROM (VALUES (0))"), [
    { a: "1", b: "1-b-2" },
  ]);
  assert.deepEqual(
    await rowsOf(
      tEnv,
      "SELECT s, ADD_ONE(n, 0) AS a, shout(s) AS loud, count_char(s, 'c') AS c, twice(n) AS t FROM (VALUES ('cc', 1), ('abc', 2), (CAST(NULL AS STRING), 3)) AS x (s, n)",
    ),
    [
      { s: "cc", a: 2, loud: "CC!", c: 2, t: 2 },
      { s: "abc", a: 3, loud: "ABC!", c: 1, t: 4 },
      { s: null, a: 4, loud: null, c: 0, t: 6 },
    ],
  );
  await bids(tEnv);
  // In a WHERE, a select list and a window aggregate's argument, over out-of-order rows.
  const rows = await rowsOf(
    tEnv,
    `SELECT CAST(window_start AS STRING) AS ws, SUM(twice(price)) AS s, COUNT(*) AS n
       FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
       WHERE count_char(note, 'c') > 0 OR note IS NULL
       GROUP BY window_start, window_end`,
  );
  assert.deepEqual(sortRows(rows), [
    { ws: "2020-04-15 08:00:00.000", s: 8, n: 1 },
    { ws: "2020-04-15 08:10:00.000", s: 8, n: 2 },
  ]);
});

test("table functions: LATERAL TABLE, CROSS JOIN LATERAL and LEFT JOIN LATERAL ... ON TRUE", async () => {
  const tEnv = await withUdfs();
  const V = "(VALUES ('a bc'), (''), ('d')) AS x (s)";
  assert.deepEqual(await rowsOf(tEnv, `SELECT s, word, len FROM ${V}, LATERAL TABLE(split(s))`), [
    { s: "a bc", word: "a", len: 1 },
    { s: "a bc", word: "bc", len: 2 },
    { s: "d", word: "d", len: 1 },
  ]);
  assert.deepEqual(
    await rowsOf(tEnv, `SELECT s, w, n FROM ${V} CROSS JOIN LATERAL TABLE(split(s)) AS T(w, n) WHERE n > 1`),
    [{ s: "a bc", w: "bc", n: 2 }],
  );
  assert.deepEqual(
    await rowsOf(tEnv, `SELECT s, T.w FROM ${V} LEFT JOIN LATERAL TABLE(split(s)) AS T(w, n) ON TRUE`),
    [
      { s: "a bc", w: "a" },
      { s: "a bc", w: "bc" },
      { s: "", w: null },
      { s: "d", w: "d" },
    ],
  );
  // Out-of-order input, then a window aggregation over the function's rows (rowtime kept).
  await bids(tEnv);
  await tEnv.executeSql(
    "CREATE VIEW words AS SELECT bidtime, word, len FROM Bid, LATERAL TABLE(split(note))",
  );
  const rows = await rowsOf(
    tEnv,
    `SELECT CAST(window_start AS STRING) AS ws, COUNT(*) AS words, SUM(len) AS letters
       FROM TABLE(TUMBLE(TABLE words, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
       GROUP BY window_start, window_end`,
  );
  assert.deepEqual(sortRows(rows), [
    { ws: "2020-04-15 08:00:00.000", words: 3, letters: 10 },
    { ws: "2020-04-15 08:10:00.000", words: 3, letters: 8 },
  ]);
});

test("aggregate functions: GROUP BY with retraction, and TUMBLE / SESSION windows over out-of-order input", async () => {
  const tEnv = await withUdfs();
  const changes = await rowsOf(
    tEnv,
    "SELECT k, sum_squares(v) AS ss, max_retract(v) AS mx FROM (VALUES ('a', 1), ('a', 3), ('b', CAST(NULL AS INT)), ('a', 2)) AS t (k, v) GROUP BY k",
  );
  assert.deepEqual(changes.map(text), [
    '+I{"k":"a","ss":1,"mx":1}',
    '-U{"k":"a","ss":1,"mx":1}',
    '+U{"k":"a","ss":10,"mx":3}',
    '+I{"k":"b","ss":null,"mx":null}',
    '-U{"k":"a","ss":10,"mx":3}',
    '+U{"k":"a","ss":14,"mx":3}',
  ]);
  await bids(tEnv);
  assert.deepEqual(
    sortRows(
      await rowsOf(
        tEnv,
        `SELECT CAST(window_start AS STRING) AS ws, sum_squares(price) AS ss, max_retract(price) AS mx, append_only_count(price) AS n
           FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
           GROUP BY window_start, window_end`,
      ),
    ),
    [
      { ws: "2020-04-15 08:00:00.000", ss: 45, mx: 5, n: 3 },
      { ws: "2020-04-15 08:10:00.000", ss: 46, mx: 6, n: 3 },
    ],
  );
  // Sessions with a 3-minute gap: 08:05-08:13 chain up (merging accumulators), 08:17 alone.
  assert.deepEqual(
    sortRows(
      await rowsOf(
        tEnv,
        `SELECT CAST(window_start AS STRING) AS ws, sum_squares(price) AS ss
           FROM TABLE(SESSION(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '3' MINUTES))
           GROUP BY window_start, window_end`,
      ),
    ),
    [
      { ws: "2020-04-15 08:05:00.000", ss: 55 },
      { ws: "2020-04-15 08:17:00.000", ss: 36 },
    ],
  );
});

test("a user aggregate whose getValue returns its accumulator, changed in place: each update row keeps its own value", async () => {
  const tEnv = await withUdfs();
  const changes = await rowsOf(
    tEnv,
    "SELECT k, collect_list(v) AS l FROM (VALUES ('a', 1), ('a', 3), ('a', 2)) AS t (k, v) GROUP BY k",
  );
  assert.deepEqual(changes.map(text), [
    '+I{"k":"a","l":[1]}',
    '-U{"k":"a","l":[1]}',
    '+U{"k":"a","l":[1,3]}',
    '-U{"k":"a","l":[1,3]}',
    '+U{"k":"a","l":[1,3,2]}',
  ]);
});

// ---- a user aggregate retracting under an updating input, against a brute force ----

interface In {
  k: string;
  v: number | null;
}

test("property: user aggregates over an updating input equal the SQL evaluated over the whole input", async () => {
  const row = fc.record({
    k: fc.constantFrom("a", "b", "c", "d"),
    v: fc.option(fc.integer({ min: -4, max: 9 }), { nil: null, freq: 5 }),
  });
  // The inner aggregation updates (c, s) per k; the outer one retracts the old row from its group.
  const query = `SELECT c, sum_squares(s) AS ss, max_retract(s) AS mx, COUNT(*) AS n
    FROM (SELECT k, COUNT(*) AS c, SUM(v) AS s FROM t GROUP BY k) GROUP BY c`;
  const oracle = (rows: In[]): Row[] => {
    const byK = new Map<string, In[]>();
    for (const r of rows) byK.set(r.k, [...(byK.get(r.k) ?? []), r]);
    const inner = [...byK.values()].map((g) => {
      const vs = g.map((r) => r.v).filter((v): v is number => v !== null);
      return { c: g.length, s: vs.length === 0 ? null : vs.reduce((a, b) => a + b, 0) };
    });
    const byC = new Map<number, (number | null)[]>();
    for (const r of inner) byC.set(r.c, [...(byC.get(r.c) ?? []), r.s]);
    return [...byC].map(([c, ss]) => {
      const vs = ss.filter((v): v is number => v !== null);
      return {
        c,
        ss: vs.length === 0 ? null : vs.reduce((a, b) => a + b * b, 0),
        mx: vs.length === 0 ? null : Math.max(...vs),
        n: ss.length,
      };
    });
  };
  await fc.assert(
    fc.asyncProperty(fc.array(row, { maxLength: 30 }), async (rows) => {
      const tEnv = await withUdfs();
      const dir = logWithRows("t", rows);
      await tEnv.executeSql(
        `CREATE TABLE t (k STRING, v INT) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`,
      );
      const changes = await rowsOf(tEnv, query);
      assert.deepEqual(sortRows(materialize(changes)), sortRows(oracle(rows)));
    }),
    { numRuns: 20 },
  );
});

// ---- a savepoint mid-stream ----

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !cond(); waited += 10) {
    if (waited > 60_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("stop with a savepoint mid-stream and resume: a user aggregate's accumulators (a Map among them) come back exactly", {
  timeout: 180_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-sql-udf-sp-"));
  try {
    const rows = Array.from({ length: 60 }, (_, i) => ({ k: `k${(i * 7) % 5}`, v: (i * 13) % 11 }));
    const query = "SELECT k, sum_squares(v) AS ss, max_retract(v) AS mx FROM t GROUP BY k";
    const table = (dir: string, bounded: boolean) =>
      `CREATE TABLE t (k STRING, v INT) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't'${bounded ? ", 'bounded' = 'true'" : ""})`;
    // The uninterrupted run over every row.
    const whole = await withUdfs();
    await whole.executeSql(table(logWithRows("t", rows), true));
    const expected = (await rowsOf(whole, query)).map(text);
    const firstHalf = await withUdfs();
    await firstHalf.executeSql(table(logWithRows("t", rows.slice(0, 30)), true));
    const expectedFirst = (await rowsOf(firstHalf, query)).map(text);

    const dir = logWithRows("t", rows.slice(0, 30));
    // First run: reads the first half, then is stopped with a savepoint.
    const env1 = StreamExecutionEnvironment.create({
      parallelism: 1,
      log: () => {},
      checkpointing: { dir: join(root, "cp1"), intervalMs: 3_600_000 },
    });
    const tEnv1 = sql(env1, { connectors: logConnectors, baseDir: FIXTURES });
    await tEnv1.executeScript(`CREATE FUNCTION sum_squares AS './udfs.ts#sumSquares';
      CREATE FUNCTION max_retract AS './udfs.ts#maxRetract'; ${table(dir, false)}`);
    const sink1 = new CollectSink<Row>();
    tEnv1.sqlQuery(query).toDataStream().sinkTo(sink1);
    const job1 = env1.executeAsync("udf-first");
    await until(() => sink1.values().length >= expectedFirst.length, "the first half's changelog");
    const savepoint = await job1.stopWithSavepoint(join(root, "sp"));
    await job1.result;
    assert.deepEqual(sink1.values().map(text), expectedFirst);

    // The second half arrives while the job is stopped.
    const log = openLog({ dir });
    log.topic("t").append(rows.slice(30).map((r) => ({ key: null, value: Buffer.from(JSON.stringify(r)) })));
    log.close();

    const env2 = StreamExecutionEnvironment.create({
      parallelism: 1,
      log: () => {},
      checkpointing: { dir: join(root, "cp2"), intervalMs: 3_600_000 },
      restoreFrom: savepoint,
    });
    const tEnv2 = sql(env2, { connectors: logConnectors, baseDir: FIXTURES });
    await tEnv2.executeScript(`CREATE FUNCTION sum_squares AS './udfs.ts#sumSquares';
      CREATE FUNCTION max_retract AS './udfs.ts#maxRetract'; ${table(dir, false)}`);
    const sink2 = new CollectSink<Row>();
    tEnv2.sqlQuery(query).toDataStream().sinkTo(sink2);
    const job2 = env2.executeAsync("udf-second");
    const rest = expected.length - expectedFirst.length;
    await until(() => sink2.values().length >= rest, "the second half's changelog");
    job2.cancel();
    await job2.result.catch(() => {});
    // Exactly the uninterrupted run's changelog: the accumulators were restored, not restarted.
    assert.deepEqual([...sink1.values(), ...sink2.values()].map(text), expected);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// ---- errors ----

async function rejects(p: Promise<unknown> | (() => unknown), re: RegExp, details?: Record<string, unknown>) {
  const run = async () => (typeof p === "function" ? p() : p);
  await assert.rejects(run, (e: Error & { code?: string; details?: Record<string, unknown> }) => {
    assert.match(e.message, re);
    if (details) for (const [k, v] of Object.entries(details)) assert.deepEqual(e.details?.[k], v, k);
    return true;
  });
}

test("errors: unknown names (with line, column and a close name), argument count and types, kinds", async () => {
  const tEnv = await withUdfs();
  const V = "(VALUES ('a', 1)) AS x (s, n)";
  await rejects(
    tEnv.executeSql(`SELECT\n  shuot(s) FROM ${V}`),
    /^unknown function SHUOT; did you mean shout\? \(line 2, column 3\)$/,
    { function: "SHUOT", suggestion: "shout", line: 2, column: 3 },
  );
  await rejects(
    tEnv.executeSql(`SELECT nothing_like_it(s) FROM ${V}`),
    /^unknown function NOTHING_LIKE_IT \(line 1/,
  );
  await rejects(
    tEnv.executeSql(`SELECT shout(s, s) FROM ${V}`),
    /function shout takes 1 argument \(STRING\), got 2/,
  );
  await rejects(tEnv.executeSql(`SELECT add_one(n) FROM ${V}`), /function add_one takes 2 arguments, got 1/);
  await rejects(
    tEnv.executeSql(`SELECT shout(n) FROM ${V}`),
    /function shout: argument 1 must be STRING, got INT/,
    {
      argument: 1,
    },
  );
  await rejects(
    tEnv.executeSql(`SELECT sum_squares(s) FROM ${V} GROUP BY n`),
    /sum_squares: argument 1 must be INT, got CHAR\(1\) NOT NULL/,
  );
  await rejects(tEnv.executeSql(`SELECT split(s) FROM ${V}`), /split is a table function: call it in FROM/);
  await rejects(
    tEnv.executeSql(`SELECT s FROM ${V} WHERE sum_squares(n) > 1`),
    /aggregate SUM_SQUARES\(\.\.\.\) is only allowed in the select list or HAVING/,
  );
  await rejects(
    tEnv.executeSql(`SELECT s FROM ${V}, LATERAL TABLE(shout(s))`),
    /shout is a scalar function, not a table function/,
  );
  await rejects(
    tEnv.executeSql(`SELECT s FROM ${V}, LATERAL TABLE(spilt(s))`),
    /unknown function SPILT; did you mean split\?/,
  );
  await rejects(
    tEnv.executeSql(`SELECT s FROM ${V} LEFT JOIN LATERAL TABLE(split(s)) AS T(w, l) ON l > 1`),
    /LEFT JOIN LATERAL TABLE\(\.\.\.\) ON a condition/,
  );
  await rejects(
    tEnv.executeSql(`SELECT s FROM ${V}, LATERAL TABLE(split(s)) AS T(w)`),
    /the alias T names 1 columns, split returns 2/,
  );
});

test("errors: aggregates without retract on an updating input, or without merge in SESSION windows", async () => {
  const tEnv = await withUdfs();
  await rejects(
    tEnv.executeSql(
      "SELECT c, append_only_count(c) FROM (SELECT k, COUNT(*) AS c FROM (VALUES ('a')) AS x (k) GROUP BY k) GROUP BY c",
    ),
    /user aggregate append_only_count has no retract method, and its input updates \(GroupAggregate/,
  );
  await bids(tEnv);
  await rejects(
    tEnv.executeSql(
      "SELECT append_only_count(price) FROM TABLE(SESSION(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '3' MINUTES)) GROUP BY window_start, window_end",
    ),
    /user aggregate append_only_count has no merge method, which a SESSION window needs/,
  );
});

test("errors: CREATE FUNCTION of a missing module, a missing export, a non-function, a Java class, a taken name", async () => {
  const tEnv = await withUdfs();
  await rejects(
    tEnv.executeSql("CREATE FUNCTION f AS './no-such-module.ts#f'"),
    /CREATE FUNCTION f AS '\.\/no-such-module\.ts#f': module \.\/no-such-module\.ts does not exist \(looked for .*no-such-module\.ts\)/,
    { function: "f", identifier: "./no-such-module.ts#f" },
  );
  await rejects(
    tEnv.executeSql("CREATE FUNCTION f AS './udfs.ts#nope'"),
    /module \.\/udfs\.ts has no export nope \(it exports .*addOne.*\)/,
  );
  await rejects(
    tEnv.executeSql("CREATE FUNCTION f AS './udfs.ts#notAFunction'"),
    /function f: expected a function or a definition/,
  );
  await rejects(
    tEnv.executeSql("CREATE FUNCTION f AS 'com.example.MyUdf'"),
    /a Java class name cannot be loaded/,
  );
  await rejects(tEnv.executeSql("CREATE FUNCTION f AS './udfs.ts#shout' LANGUAGE PYTHON"), /LANGUAGE PYTHON/);
  await rejects(
    tEnv.executeSql("CREATE FUNCTION shout AS './udfs.ts#shout'"),
    /a function named shout already exists/,
  );
  await tEnv.executeSql("CREATE FUNCTION IF NOT EXISTS shout AS './no-such-module.ts#f'");
  assert.throws(
    () => tEnv.createFunction("late", async (x: number) => x),
    /function late: eval is async; SQL functions are called synchronously, per row/,
  );
  assert.throws(
    () =>
      tEnv.createFunction(
        "bad",
        aggregateFunction({
          createAccumulator: () => 0,
          accumulate: () => 0,
          getValue: () => 0,
          resultType: "NUMBR",
        }),
      ),
    /function bad: resultType 'NUMBR' is not a SQL type/,
  );
});

test("Nexmark q14's CREATE FUNCTION naming a Java class runs unchanged with functionIdentifiers", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    functionIdentifiers: { "com.github.nexmark.flink.udf.CountChar": countChar },
  });
  await tEnv.executeSql("CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar'");
  assert.deepEqual(
    await rowsOf(tEnv, "SELECT count_char(extra, 'c') AS c FROM (VALUES ('cccab'), ('')) AS b (extra)"),
    [{ c: 3 }, { c: 0 }],
  );
  await rejects(
    tEnv.executeSql("CREATE FUNCTION other AS 'com.github.nexmark.flink.udf.Other'"),
    /a Java class name cannot be loaded \(bind it to a TypeScript function with the functionIdentifiers option of sql\(\)\)/,
  );
  // Only the option's own entries bind: 'constructor' is not Object.
  await assert.rejects(tEnv.executeSql("CREATE FUNCTION c AS 'constructor'"), /constructor/);
});

test("DROP FUNCTION and SHOW FUNCTIONS", async () => {
  const tEnv = await withUdfs();
  const names = (await rowsOf(tEnv, "SHOW FUNCTIONS")).map((r) => r["function name"]);
  for (const n of ["UPPER", "COUNT", "shout", "split", "sum_squares"]) assert.ok(names.includes(n), n);
  await tEnv.executeSql("DROP TEMPORARY FUNCTION SHOUT");
  await rejects(tEnv.executeSql("SELECT shout('a') FROM (VALUES (1))"), /unknown function SHOUT/);
  await rejects(tEnv.executeSql("DROP FUNCTION shout"), /no function named shout/);
  await tEnv.executeSql("DROP FUNCTION IF EXISTS shout");
  assert.ok(!(await rowsOf(tEnv, "SHOW FUNCTIONS")).some((r) => r["function name"] === "shout"));
});

test("a function that throws at run time: the row goes to dead letters naming the function and the error", async () => {
  const letters: DeadLetter[] = [];
  for (const query of [
    "SELECT n, strict_sqrt(n) AS r FROM (VALUES (4), (-1), (9)) AS x (n)",
    "SELECT n, w FROM (VALUES (4), (-1), (9)) AS x (n), LATERAL TABLE(split(CAST(strict_sqrt(n) AS STRING))) AS T(w, l)",
  ]) {
    letters.length = 0;
    const tEnv = await withUdfs({ errorPolicy: { deadLetter: (l) => letters.push(l) } });
    const rows = await rowsOf(tEnv, query);
    assert.deepEqual(
      rows.map((r) => r.n),
      [4, 9],
    );
    assert.equal(letters.length, 1);
    assert.equal(letters[0]?.error, "function strict_sqrt failed: negative input -1");
    assert.deepEqual(letters[0]?.record, { n: -1 });
  }
  // A user aggregate's accumulate throwing: the row is rejected, the group keeps its other rows.
  letters.length = 0;
  const tEnv = await withUdfs({ errorPolicy: { deadLetter: (l) => letters.push(l) } });
  tEnv.createFunction(
    "picky_sum",
    aggregateFunction<number>({
      createAccumulator: () => 0,
      accumulate: (acc, v: number) => {
        if (v === 13) throw new Error("unlucky");
        return acc + v;
      },
      retract: (acc, v: number) => acc - v,
      getValue: (acc) => acc,
    }),
  );
  const changes = await rowsOf(
    tEnv,
    "SELECT k, COUNT(*) AS n, SUM(v) AS total, picky_sum(v) AS s FROM (VALUES ('a', 1), ('a', 13), ('a', 2)) AS t (k, v) GROUP BY k",
  );
  // The built-in aggregates before it in the select list did not count the rejected row either.
  assert.deepEqual(materialize(changes), [{ k: "a", n: 2, total: 3, s: 3 }]);
  assert.equal(letters.length, 1);
  assert.equal(letters[0]?.error, "function picky_sum failed: unlucky");
  // Without a dead-letter policy the job fails, naming the function.
  const failing = await withUdfs();
  await rejects(
    async () => (await failing.executeSql("SELECT strict_sqrt(n) FROM (VALUES (-2)) AS x (n)")).collect(),
    /function strict_sqrt failed: negative input -2/,
  );
});
