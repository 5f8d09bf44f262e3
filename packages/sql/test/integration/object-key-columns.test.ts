// Columns named like the members every JavaScript object has (`__proto__`, `constructor`,
// `toString`, `hasOwnProperty`, `valueOf`) are ordinary columns end to end: rows are plain
// objects, and `{"__proto__": v}` or `row.__proto__ = v` would set the row's prototype instead of
// a key (the column vanished from rows and from JSON output), while a record lacking
// `constructor` would read Object's. Scans, projections, group aggregation, joins and sinks
// (append and upsert, with the key in the record key) keep them. Input and expected rows are
// JSON text: a `{ __proto__: 1 }` literal in this file would not have the key either.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type Row, sql } from "@fleuve/sql";
import { logWithRows, readJson, readRecords } from "../fixtures/log-table.js";

const T_ROWS = [
  '{"__proto__": 1, "constructor": "a", "toString": "x", "hasOwnProperty": 10}',
  '{"__proto__": 2, "constructor": "b", "toString": "y", "hasOwnProperty": 20}',
  // No `constructor`: the column is NULL, not Object.prototype.constructor.
  '{"__proto__": 1, "toString": "z", "hasOwnProperty": 30}',
].map((text) => JSON.parse(text) as Record<string, unknown>);
const U_ROWS = ['{"__proto__": 1, "valueOf": "one"}', '{"__proto__": 2, "valueOf": "two"}'].map(
  (text) => JSON.parse(text) as Record<string, unknown>,
);

async function tables() {
  const t = logWithRows("t", T_ROWS);
  const u = logWithRows("u", U_ROWS);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE T (\`__proto__\` INT, \`constructor\` STRING, \`toString\` STRING, \`hasOwnProperty\` INT)
      WITH ('connector' = 'log', 'log' = '${t}', 'topic' = 't', 'bounded' = 'true');
    CREATE TABLE U (\`__proto__\` INT, \`valueOf\` STRING)
      WITH ('connector' = 'log', 'log' = '${u}', 'topic' = 'u', 'bounded' = 'true');`);
  return tEnv;
}

/** Each row's JSON text (its own keys in order), sorted. */
const texts = (rows: readonly unknown[]) => rows.map((r) => JSON.stringify(r)).sort();

test("a scan keeps __proto__, constructor, toString and hasOwnProperty as columns", async () => {
  const tEnv = await tables();
  const result = await tEnv.executeSql("SELECT * FROM T");
  assert.deepEqual(result.columns, ["__proto__", "constructor", "toString", "hasOwnProperty"]);
  const rows = await result.collect();
  assert.deepEqual(texts(rows), [
    '{"__proto__":1,"constructor":"a","toString":"x","hasOwnProperty":10}',
    '{"__proto__":1,"constructor":null,"toString":"z","hasOwnProperty":30}',
    '{"__proto__":2,"constructor":"b","toString":"y","hasOwnProperty":20}',
  ]);
  for (const row of rows) {
    assert.ok(Object.hasOwn(row, "__proto__"));
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
  }
});

test("a projection and a filter read and name such columns", async () => {
  const tEnv = await tables();
  const rows = await (
    await tEnv.executeSql(
      "SELECT hasOwnProperty * 2 AS `__proto__`, UPPER(`toString`) AS valueOf, `constructor` IS NULL AS `constructor` FROM T WHERE `__proto__` = 1",
    )
  ).collect();
  assert.deepEqual(texts(rows), [
    '{"__proto__":20,"valueOf":"X","constructor":false}',
    '{"__proto__":60,"valueOf":"Z","constructor":true}',
  ]);
});

test("GROUP BY `__proto__` aggregates by it and names aggregates constructor and toString", async () => {
  const tEnv = await tables();
  const changes = await (
    await tEnv.executeSql(
      "SELECT `__proto__`, COUNT(*) AS `constructor`, SUM(hasOwnProperty) AS `toString` FROM T GROUP BY `__proto__`",
    )
  ).collect();
  assert.deepEqual(texts(materialize(changes)), [
    '{"__proto__":1,"constructor":2,"toString":40}',
    '{"__proto__":2,"constructor":1,"toString":20}',
  ]);
});

test("a join on `__proto__` (both sides have it: the right one is renamed, as Flink does)", async () => {
  const tEnv = await tables();
  const result = await tEnv.executeSql(
    "SELECT T.`constructor`, U.valueOf, U.`__proto__` FROM T JOIN U ON T.`__proto__` = U.`__proto__`",
  );
  assert.deepEqual(result.columns, ["constructor", "valueOf", "__proto__"]);
  assert.deepEqual(texts(await result.collect()), [
    '{"constructor":"a","valueOf":"one","__proto__":1}',
    '{"constructor":"b","valueOf":"two","__proto__":2}',
    '{"constructor":null,"valueOf":"one","__proto__":1}',
  ]);
  const star = await (
    await tEnv.executeSql("SELECT * FROM T JOIN U ON T.`__proto__` = U.`__proto__`")
  ).collect();
  assert.deepEqual(texts(star), [
    '{"__proto__":1,"constructor":"a","toString":"x","hasOwnProperty":10,"__proto__0":1,"valueOf":"one"}',
    '{"__proto__":1,"constructor":null,"toString":"z","hasOwnProperty":30,"__proto__0":1,"valueOf":"one"}',
    '{"__proto__":2,"constructor":"b","toString":"y","hasOwnProperty":20,"__proto__0":2,"valueOf":"two"}',
  ]);
});

test("sinks write the keys: an append log table, and an upsert table keyed by `__proto__`", async () => {
  const tEnv = await tables();
  const out = logWithRows("s", []);
  const upserts = logWithRows("g", []);
  await tEnv.executeScript(`
    CREATE TABLE S (\`__proto__\` INT, \`constructor\` STRING)
      WITH ('connector' = 'log', 'log' = '${out}', 'topic' = 's');
    CREATE TABLE G (\`__proto__\` INT, \`toString\` BIGINT, PRIMARY KEY (\`__proto__\`) NOT ENFORCED)
      WITH ('connector' = 'upsert-log', 'log' = '${upserts}', 'topic' = 'g', 'bounded' = 'true');`);
  await (await tEnv.executeSql("INSERT INTO S SELECT `__proto__`, `constructor` FROM T")).await();
  assert.deepEqual(
    readJson(out, "s").map((r) => JSON.stringify(r)),
    [
      '{"__proto__":1,"constructor":"a"}',
      '{"__proto__":2,"constructor":"b"}',
      '{"__proto__":1,"constructor":null}',
    ],
  );
  await (
    await tEnv.executeSql("INSERT INTO G SELECT `__proto__`, COUNT(*) FROM T GROUP BY `__proto__`")
  ).await();
  assert.deepEqual(
    readRecords(upserts, "g").map((r) => `${r.key} ${JSON.stringify(r.value)}`),
    [
      '{"__proto__":1} {"__proto__":1,"toString":1}',
      '{"__proto__":2} {"__proto__":2,"toString":1}',
      '{"__proto__":1} {"__proto__":1,"toString":2}',
    ],
  );
  // Read back through the upsert source (ChangelogNormalize keys by `__proto__`).
  const back = await (await tEnv.executeSql("SELECT * FROM G")).collect();
  assert.deepEqual(texts(materialize(back as Row[])), [
    '{"__proto__":1,"toString":2}',
    '{"__proto__":2,"toString":1}',
  ]);
});
