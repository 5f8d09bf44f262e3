// Group aggregation with retractions: Flink's documented changelogs (data_stream_api.md's
// toChangelogStream example, dynamic_tables.md's clicks query), aggregations over an updating
// input, and on random input, the final table of each query equals a brute-force evaluation of
// the same SQL over the whole input.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type Expr, isInsertOnly, materialize, type Row, rowKind, sql, withKind } from "@fleuve/sql";
import fc from "fast-check";
import { GroupAggFunction } from "../../dist/planner/group-aggregate.js";
import { logWithRows, readRecords } from "../fixtures/log-table.js";

const env = (parallelism = 1) => StreamExecutionEnvironment.create({ parallelism });
const text = (r: Row) => `${rowKind(r)}${JSON.stringify({ ...r, $rowkind: undefined })}`;
const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function tableOf(rows: readonly Record<string, unknown>[], ddl = "k STRING, v INT", parallelism = 1) {
  const dir = logWithRows("t", rows);
  const tEnv = sql(env(parallelism), { connectors: logConnectors });
  await tEnv.executeSql(
    `CREATE TABLE t (${ddl}) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`,
  );
  return tEnv;
}

test("data_stream_api.md toChangelogStream: SUM by name gives +I[Alice, 12], +I[Bob, 12], -U[Alice, 12], +U[Alice, 14]", async () => {
  const tEnv = sql(env());
  const result = await tEnv.executeSql(
    "SELECT name, SUM(score) FROM (VALUES ('Alice', 12), ('Alice', 2), ('Bob', 12)) AS t (name, score) GROUP BY name",
  );
  assert.deepEqual(result.columns, ["name", "EXPR$1"]);
  assert.equal(isInsertOnly(result.changelogMode ?? { kinds: [] }), false);
  const changes = (await result.collect()).map(text);
  // Flink prints them interleaved across keys by its parallelism; per key the order is fixed.
  assert.deepEqual(
    changes.filter((c) => c.includes("Alice")),
    ['+I{"name":"Alice","EXPR$1":12}', '-U{"name":"Alice","EXPR$1":12}', '+U{"name":"Alice","EXPR$1":14}'],
  );
  assert.deepEqual(
    changes.filter((c) => c.includes("Bob")),
    ['+I{"name":"Bob","EXPR$1":12}'],
  );
});

const CLICKS = [
  { user: "Mary", url: "./home", cTime: "2018-01-01 12:00:00" },
  { user: "Bob", url: "./cart", cTime: "2018-01-01 12:00:00" },
  { user: "Mary", url: "./prod?id=1", cTime: "2018-01-01 12:00:05" },
  { user: "Liz", url: "./home", cTime: "2018-01-01 12:01:00" },
  { user: "Bob", url: "./prod?id=3", cTime: "2018-01-01 12:01:30" },
  { user: "Mary", url: "./prod?id=7", cTime: "2018-01-01 12:01:45" },
];
const CLICKS_DDL = "`user` STRING, url STRING, cTime TIMESTAMP(3)";

test("dynamic_tables.md: SELECT user, COUNT(url) AS cnt FROM clicks GROUP BY user updates Mary 1 -> 2 -> 3", async () => {
  const tEnv = await tableOf(CLICKS, CLICKS_DDL);
  const result = await tEnv.executeSql("SELECT `user`, COUNT(url) AS cnt FROM t GROUP BY `user`");
  assert.deepEqual(result.changelogMode?.uniqueKey, ["user"]);
  assert.match(result.changelogMode?.producer ?? "", /^GroupAggregate\(groupBy=\[`?user`?\], select=\[/);
  const changes = await result.collect();
  assert.deepEqual(changes.map(text), [
    '+I{"user":"Mary","cnt":1}',
    '+I{"user":"Bob","cnt":1}',
    '-U{"user":"Mary","cnt":1}',
    '+U{"user":"Mary","cnt":2}',
    '+I{"user":"Liz","cnt":1}',
    '-U{"user":"Bob","cnt":1}',
    '+U{"user":"Bob","cnt":2}',
    '-U{"user":"Mary","cnt":2}',
    '+U{"user":"Mary","cnt":3}',
  ]);
  assert.deepEqual(sortRows(materialize(changes)), [
    { user: "Bob", cnt: 2 },
    { user: "Liz", cnt: 1 },
    { user: "Mary", cnt: 3 },
  ]);
});

test("an aggregation over an updating input: how many users clicked n times (retracts the old count)", async () => {
  const tEnv = await tableOf(CLICKS, CLICKS_DDL);
  const result = await tEnv.executeSql(`
    SELECT cnt, COUNT(*) AS users, MIN(u) AS first_user, MAX(u) AS last_user
      FROM (SELECT \`user\` AS u, COUNT(url) AS cnt FROM t GROUP BY \`user\`)
      GROUP BY cnt`);
  const changes = await result.collect();
  // Mary 1 -> 2 retracts her from cnt = 1, where Bob then is alone (MIN/MAX under retraction).
  assert.ok(changes.map(text).includes('-U{"cnt":1,"users":2,"first_user":"Bob","last_user":"Mary"}'));
  assert.deepEqual(sortRows(materialize(changes)), [
    { cnt: 1, users: 1, first_user: "Liz", last_user: "Liz" },
    { cnt: 2, users: 1, first_user: "Bob", last_user: "Bob" },
    { cnt: 3, users: 1, first_user: "Mary", last_user: "Mary" },
  ]);
});

test("HAVING filters a group's -U and +U each alone (as Flink): one entering comes as +U, one leaving as -U; SELECT DISTINCT", async () => {
  const tEnv = await tableOf([
    { k: "a", v: 1 },
    { k: "a", v: 2 },
    { k: "b", v: 5 },
    { k: "a", v: 3 },
    { k: "b", v: 5 },
  ]);
  const having = await (
    await tEnv.executeSql("SELECT k, SUM(v) AS s FROM t GROUP BY k HAVING COUNT(*) = 2")
  ).collect();
  assert.deepEqual(having.map(text), ['+U{"k":"a","s":3}', '-U{"k":"a","s":3}', '+U{"k":"b","s":10}']);
  const tEnv2 = await tableOf([
    { k: "a", v: 1 },
    { k: "a", v: 2 },
    { k: "a", v: 1 },
  ]);
  const distinct = await (await tEnv2.executeSql("SELECT DISTINCT k, v FROM t")).collect();
  assert.deepEqual(distinct.map(text), ['+I{"k":"a","v":1}', '+I{"k":"a","v":2}']);
});

test("a value that does not change emits nothing (COUNT(DISTINCT), FILTER, global aggregate)", async () => {
  const tEnv = await tableOf([
    { k: "a", v: 1 },
    { k: "b", v: 1 },
    { k: "c", v: 7 },
  ]);
  const rows = await (
    await tEnv.executeSql("SELECT COUNT(DISTINCT v) AS d, COUNT(*) FILTER (WHERE v > 5) AS big FROM t")
  ).collect();
  assert.deepEqual(rows.map(text), ['+I{"d":1,"big":0}', '-U{"d":1,"big":0}', '+U{"d":2,"big":1}']);
});

test("an append-only sink refuses an updating query, naming the GroupAggregate", async () => {
  const tEnv = await tableOf([]);
  await tEnv.executeSql(
    "CREATE TABLE out_t (k STRING, n BIGINT) WITH ('connector' = 'log', 'log' = '/nonexistent/never-opened', 'topic' = 'o')",
  );
  await assert.rejects(
    tEnv.executeSql("INSERT INTO out_t SELECT k, COUNT(*) FROM t GROUP BY k"),
    (e: Error) => {
      assert.match(
        e.message,
        /table out_t \(.log.\) is an append-only sink: it cannot take the updates \[\+I, -U, \+U\] produced by GroupAggregate\(groupBy=\[k\]/,
      );
      return true;
    },
  );
});

// ---- brute force ----

interface In {
  k: string;
  v: number | null;
}

function agg(name: string, values: (number | null)[], distinct = false): number | null {
  let vs = values.filter((v): v is number => v !== null);
  if (distinct) vs = [...new Set(vs)];
  if (name === "COUNT") return vs.length;
  if (vs.length === 0) return null;
  if (name === "SUM") return vs.reduce((a, b) => a + b, 0);
  // AVG of an INT is an INT (Flink): the quotient truncated toward zero.
  if (name === "AVG") return Math.trunc(vs.reduce((a, b) => a + b, 0) / vs.length) + 0; // Java's long division: no -0
  if (name === "MIN") return Math.min(...vs);
  return Math.max(...vs);
}

function groups<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
  return m;
}

const Q1 = `SELECT k, COUNT(*) AS c, COUNT(v) AS cv, COUNT(DISTINCT v) AS cd, SUM(v) AS s, AVG(v) AS a,
  MIN(v) AS mn, MAX(v) AS mx, SUM(v) FILTER (WHERE v > 2) AS sf, MIN(DISTINCT v) FILTER (WHERE v < 3) AS mf
  FROM t WHERE k <> 'z' GROUP BY k HAVING COUNT(*) > 1`;
function q1(rows: In[]): Row[] {
  const out: Row[] = [];
  for (const [k, g] of groups(
    rows.filter((r) => r.k !== "z"),
    (r) => r.k,
  )) {
    if (g.length <= 1) continue;
    const vs = g.map((r) => r.v);
    out.push({
      k,
      c: g.length,
      cv: agg("COUNT", vs),
      cd: agg("COUNT", vs, true),
      s: agg("SUM", vs),
      a: agg("AVG", vs),
      mn: agg("MIN", vs),
      mx: agg("MAX", vs),
      sf: agg(
        "SUM",
        vs.filter((v) => v !== null && v > 2),
      ),
      mf: agg(
        "MIN",
        vs.filter((v) => v !== null && v < 3),
        true,
      ),
    });
  }
  return out;
}

// An aggregation over an updating input: the inner one updates (c, s) per k.
const Q2 = `SELECT c, COUNT(*) AS n, SUM(s) AS ss, MIN(s) AS mn, MAX(s) AS mx, COUNT(DISTINCT s) AS ds
  FROM (SELECT k, COUNT(*) AS c, SUM(v) AS s FROM t GROUP BY k) GROUP BY c`;
function q2(rows: In[]): Row[] {
  const inner = [...groups(rows, (r) => r.k)].map(([, g]) => ({
    c: g.length,
    s: agg(
      "SUM",
      g.map((r) => r.v),
    ),
  }));
  return [...groups(inner, (r) => String(r.c))].map(([c, g]) => {
    const ss = g.map((r) => r.s);
    return {
      c: Number(c),
      n: g.length,
      ss: agg("SUM", ss),
      mn: agg("MIN", ss),
      mx: agg("MAX", ss),
      ds: agg("COUNT", ss, true),
    };
  });
}

// A global aggregate over a DISTINCT (updating only by inserts) and over the updating Q2 input.
const Q3 = "SELECT COUNT(*) AS n, SUM(v) AS s, MAX(k) AS mk FROM (SELECT DISTINCT k, v FROM t)";
function q3(rows: In[]): Row[] {
  if (rows.length === 0) return [];
  const d = [...groups(rows, (r) => JSON.stringify([r.k, r.v]))].map(([, g]) => g[0] as In);
  return [
    {
      n: d.length,
      s: agg(
        "SUM",
        d.map((r) => r.v),
      ),
      mk: [...d.map((r) => r.k)].sort().at(-1) ?? null,
    },
  ];
}

// COUNT, SUM and AVG only over an updating input (q4's shape: an average of per-key maxima):
// retractions take the rows out through rowRetractor, one argument that is not a column.
const Q4 = `SELECT c, COUNT(*) AS n, COUNT(m) AS nm, SUM(s) AS ss, AVG(m) AS am, SUM(s + 1) AS s1
  FROM (SELECT k, COUNT(*) AS c, SUM(v) AS s, MAX(v) AS m FROM t GROUP BY k) GROUP BY c`;
function q4(rows: In[]): Row[] {
  const inner = [...groups(rows, (r) => r.k)].map(([, g]) => {
    const vs = g.map((r) => r.v);
    return { c: g.length, s: agg("SUM", vs), m: agg("MAX", vs) };
  });
  return [...groups(inner, (r) => String(r.c))].map(([c, g]) => ({
    c: Number(c),
    n: g.length,
    nm: agg(
      "COUNT",
      g.map((r) => r.m),
    ),
    ss: agg(
      "SUM",
      g.map((r) => r.s),
    ),
    am: agg(
      "AVG",
      g.map((r) => r.m),
    ),
    s1: agg(
      "SUM",
      g.map((r) => (r.s === null ? null : r.s + 1)),
    ),
  }));
}

test("property: the final table of random group aggregations equals the SQL evaluated over the whole input, with mini-batch or without", async () => {
  const row = fc.record({
    k: fc.constantFrom("a", "b", "c", "d", "z"),
    v: fc.option(fc.integer({ min: -5, max: 9 }), { nil: null, freq: 5 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(row, { maxLength: 40 }),
      fc.constantFrom(0, 1, 2, 3),
      // Two subtasks of each aggregation run in this one process, interleaved row by row.
      fc.constantFrom(1, 2),
      // With table.exec.mini-batch (its size in rows; undefined: off), the same final table.
      fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
      async (rows, which, parallelism, bundle) => {
        const tEnv = await tableOf(rows, undefined, parallelism);
        if (bundle !== undefined)
          for (const [k, v] of [
            ["enabled", "true"],
            ["allow-latency", "1 h"],
            ["size", String(bundle)],
          ])
            await tEnv.executeSql(`SET 'table.exec.mini-batch.${k}' = '${v}'`);
        const [query, oracle] = (
          [
            [Q1, q1],
            [Q2, q2],
            [Q3, q3],
            [Q4, q4],
          ] as const
        )[which];
        const changes = await (await tEnv.executeSql(query)).collect();
        assert.deepEqual(sortRows(materialize(changes)), sortRows(oracle(rows)));
      },
    ),
    { numRuns: 48 },
  );
});

test("with table.exec.mini-batch a group aggregation sends one change per group and bundle; without a positive size it is refused, as Flink refuses it", async () => {
  const rows = [1, 5, 3, 7, 2].map((v) => ({ k: "a", v }));
  const query = "SELECT k, MAX(v) AS m FROM t GROUP BY k";
  const on = (size?: string) => [
    "SET 'table.exec.mini-batch.enabled' = 'true'",
    "SET 'table.exec.mini-batch.allow-latency' = '1 h'",
    ...(size === undefined ? [] : [`SET 'table.exec.mini-batch.size' = '${size}'`]),
  ];
  const run = async (sets: string[]) => {
    const tEnv = await tableOf(rows);
    for (const s of sets) await tEnv.executeSql(s);
    return (await (await tEnv.executeSql(query)).collect()).map(text);
  };
  // Without mini-batch: +I 1, then -U/+U at 5 and at 7.
  assert.equal((await run([])).length, 5);
  // A bundle larger than the input: the group's row once, at the end of the input.
  assert.deepEqual(await run(on("100")), ['+I{"k":"a","m":7}']);
  // Bundles of 2 rows: [1, 5] and [3, 7] each change the maximum, [2] does not.
  assert.deepEqual(await run(on("2")), ['+I{"k":"a","m":5}', '-U{"k":"a","m":5}', '+U{"k":"a","m":7}']);
  for (const size of [undefined, "-1", "0"]) {
    await assert.rejects(run(on(size)), (e: Error & { details?: { option?: string } }) => {
      assert.match(
        e.message,
        /table\.exec\.mini-batch\.size' is not set or not positive: a group aggregation/,
      );
      assert.equal(e.details?.option, "table.exec.mini-batch.size");
      return true;
    });
  }
});

test("two subtasks of one GroupAggFunction keep their own values: one running inside the other's output gives both right rows", () => {
  // The operator runs each subtask on its own Object.create of the planned function (as
  // ProcessOperator.open does); here subtask B runs a row while subtask A builds its -U/+U rows.
  const call = (name: string, args: Expr[]) => ({ kind: "call", name, args, distinct: false }) as const;
  const v = { kind: "column", name: { parts: ["v"] } } as unknown as Expr;
  const aggregates = [
    { call: call("COUNT", []), arg: undefined, filter: undefined },
    { call: call("SUM", [v]), arg: { eval: (r: Row) => r.v, type: undefined }, filter: undefined },
  ] as unknown as ConstructorParameters<typeof GroupAggFunction>[0];
  let duringOutput: (() => void) | undefined;
  const planned = new GroupAggFunction(aggregates, [(r) => r.k], {
    passes: () => true,
    build: (o, kind) => {
      const run = duringOutput;
      duringOutput = undefined;
      run?.();
      return withKind({ k: o.keys[0], n: o.values[0], s: o.values[1] } as Row, kind);
    },
  });
  const subtask = () => {
    const fn = Object.create(planned) as GroupAggFunction;
    let value: unknown;
    const state = {
      value: () => value,
      update: (x: unknown) => (value = x),
      clear: () => (value = undefined),
    };
    fn.open({ getState: () => state } as unknown as Parameters<GroupAggFunction["open"]>[0]);
    const out: string[] = [];
    const feed = (row: Row) => fn.processElement(row, undefined, { collect: (r) => out.push(text(r)) });
    return { feed, out };
  };
  const a = subtask();
  const b = subtask();
  a.feed({ k: "a", v: 1 });
  duringOutput = () => b.feed({ k: "b", v: 10 });
  a.feed({ k: "a", v: 2 });
  assert.deepEqual(a.out, ['+I{"k":"a","n":1,"s":1}', '-U{"k":"a","n":1,"s":1}', '+U{"k":"a","n":2,"s":3}']);
  assert.deepEqual(b.out, ['+I{"k":"b","n":1,"s":10}']);
});

// Flink 1.20's changelogs (bench/flink/run.sh sql, a filesystem CSV of these rows, parallelism 1):
// GroupAggFunction sends -U/+U when the aggregate values change, and HAVING and the projection
// are a Calc after it that filters and maps each row alone; the same with mini-batch of size 1.
const FLINK_ROWS = [
  ["a", 1],
  ["b", 5],
  ["c", 3],
  ["a", 5],
  ["b", -5],
  ["c", 1],
  ["a", -5],
  ["b", 5],
  ["c", -4],
].map(([k, v]) => ({ k, v }));
const FLINK_CASES: readonly { query: string; flink: string[] }[] = [
  {
    // a: fails, passes, fails; b: passes, fails, passes; c: passes, passes, fails.
    query: "SELECT k, SUM(v) AS s FROM t GROUP BY k HAVING SUM(v) > 2",
    flink: [
      "+I[b, 5]",
      "+I[c, 3]",
      "+U[a, 6]",
      "-U[b, 5]",
      "-U[c, 3]",
      "+U[c, 4]",
      "-U[a, 6]",
      "+U[b, 5]",
      "-U[c, 4]",
    ],
  },
  {
    query: "SELECT k FROM t GROUP BY k HAVING SUM(v) > 2",
    flink: ["+I[b]", "+I[c]", "+U[a]", "-U[b]", "-U[c]", "+U[c]", "-U[a]", "+U[b]", "-U[c]"],
  },
  {
    query: "SELECT k, COUNT(*) > 1 AS many FROM t GROUP BY k",
    flink: [
      ...["+I[a, false]", "+I[b, false]", "+I[c, false]"],
      ...["-U[a, false]", "+U[a, true]", "-U[b, false]", "+U[b, true]", "-U[c, false]", "+U[c, true]"],
      ...["-U[a, true]", "+U[a, true]", "-U[b, true]", "+U[b, true]", "-U[c, true]", "+U[c, true]"],
    ],
  },
];
/** A row as Flink prints it: `+I[a, 3]`. */
const flinkText = (r: Row) =>
  `${rowKind(r)}[${Object.values({ ...r, $rowkind: undefined })
    .filter((v) => v !== undefined)
    .join(", ")}]`;
const MINI_BATCH = (size: number) => [
  "SET 'table.exec.mini-batch.enabled' = 'true'",
  "SET 'table.exec.mini-batch.allow-latency' = '1 h'",
  `SET 'table.exec.mini-batch.size' = '${size}'`,
];

for (const c of FLINK_CASES)
  for (const [config, sets] of [
    ["", []],
    [", mini-batch of size 1", MINI_BATCH(1)],
  ] as const) {
    test(`HAVING or a projection over a group aggregation, the changelog of Flink 1.20 row by row${config}: ${c.query}`, async () => {
      const tEnv = await tableOf(FLINK_ROWS);
      for (const s of sets) await tEnv.executeSql(s);
      assert.deepEqual((await (await tEnv.executeSql(c.query)).collect()).map(flinkText), c.flink);
    });
  }

test("HAVING with mini-batch of size 4: each key's changes as Flink 1.20's (one phase; Flink sends a bundle's keys in hash order)", async () => {
  const tEnv = await tableOf(FLINK_ROWS);
  for (const s of MINI_BATCH(4)) await tEnv.executeSql(s);
  const rows = (await (await tEnv.executeSql(FLINK_CASES[0]?.query as string)).collect()).map(flinkText);
  // Flink: +I[b, 5], +I[a, 6], +I[c, 3], -U[c, 3], +U[c, 4], -U[a, 6], -U[c, 4].
  const ofKey = (k: string) => rows.filter((r) => r.startsWith(`${r.slice(0, 2)}[${k},`));
  assert.deepEqual(ofKey("a"), ["+I[a, 6]", "-U[a, 6]"]);
  assert.deepEqual(ofKey("b"), ["+I[b, 5]"]);
  assert.deepEqual(ofKey("c"), ["+I[c, 3]", "-U[c, 3]", "+U[c, 4]", "-U[c, 4]"]);
  assert.equal(rows.length, 7);
});

test("HAVING into an upsert sink keyed by the group keys: a group HAVING drops (-U alone) is deleted from the sink's table", async () => {
  for (const sets of [[], MINI_BATCH(1)]) {
    const sink = logWithRows("having", []);
    const tEnv = await tableOf(FLINK_ROWS);
    for (const s of sets) await tEnv.executeSql(s);
    await tEnv.executeSql(`CREATE TABLE having_sums (k STRING, s INT, PRIMARY KEY (k) NOT ENFORCED)
      WITH ('connector' = 'upsert-log', 'log' = '${sink}', 'topic' = 'having', 'bounded' = 'true')`);
    await (
      await tEnv.executeSql(
        "INSERT INTO having_sums SELECT k, SUM(v) AS s FROM t GROUP BY k HAVING SUM(v) > 2",
      )
    ).await();
    const table = new Map<string, unknown>();
    for (const r of readRecords(sink, "having")) {
      if (r.value === null) table.delete(String(r.key));
      else table.set(String(r.key), r.value);
    }
    // Flink's final table: only b (a and c left it by a lone -U).
    assert.deepEqual([...table.values()], [{ k: "b", s: 5 }]);
  }
});
