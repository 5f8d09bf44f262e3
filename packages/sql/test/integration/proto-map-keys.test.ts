// A MAP key or a ROW field named `__proto__` is data, as any other: MAP values and records are
// plain objects, where `m["__proto__"] = v` sets the object's prototype (the entry vanished, and
// with a MAP or ROW value its entries showed through as the outer map's), and where a key a map
// lacks (`toString`, `__proto__`) read Object.prototype's members. The map constructor, the
// subscript and the field access; a JSON table; and the registry formats (json-, avro- and
// protobuf-confluent) each way keep such keys. Inputs and expected values are JSON text: a
// `{ __proto__: 1 }` literal in this file would not have the key either.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type RunningRegistry, startRegistry } from "@fleuve/registry";
import { sql } from "@fleuve/sql";
import { logWithRows } from "../fixtures/log-table.js";

let registry: RunningRegistry;
before(async () => {
  registry = await startRegistry({ port: 0 });
});
after(async () => {
  await registry.close();
});

const tableEnv = () =>
  sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), { connectors: logConnectors });
/** Each row as JSON text of its own keys (a key set as a prototype would be missing). */
const texts = (rows: readonly unknown[]) => rows.map((r) => JSON.stringify(r));

test("MAP['__proto__', v] keeps the key, whatever v; a missing key reads NULL, not Object's members", async () => {
  const rows = await (
    await tableEnv().executeSql(`SELECT
      MAP['__proto__', 1, 'a', 2] AS m,
      MAP['__proto__', MAP['x', 1]] AS nested,
      MAP['__proto__', MAP['x', 1]]['x'] AS leaked,
      MAP['__proto__', 5]['__proto__'] AS got,
      MAP['a', 1]['__proto__'] AS missing,
      MAP['a', 1]['toString'] AS inherited`)
  ).collect();
  assert.deepEqual(texts(rows), [
    '{"m":{"__proto__":1,"a":2},"nested":{"__proto__":{"x":1}},"leaked":null,"got":5,"missing":null,"inherited":null}',
  ]);
  const m = (rows[0] as { nested: object }).nested;
  assert.equal(Object.getPrototypeOf(m), Object.prototype);
});

test("a JSON table: a map key and a row field named __proto__ are read, selected, and written back", async () => {
  const input = logWithRows(
    "t",
    [
      '{"id": 1, "m": {"__proto__": {"x": 3}, "b": {"x": 4}}, "r": {"__proto__": 7, "y": 8}}',
      '{"id": 2, "m": {"b": {"x": 5}}, "r": {"y": 9}}',
    ].map((t) => JSON.parse(t) as Record<string, unknown>),
  );
  const tEnv = tableEnv();
  await tEnv.executeSql(`CREATE TABLE t (id INT, m MAP<STRING, ROW<x INT>>, r ROW<\`__proto__\` INT, y INT>)
    WITH ('connector' = 'log', 'log' = '${input}', 'topic' = 't', 'bounded' = 'true')`);
  const rows = await (
    await tEnv.executeSql(
      "SELECT id, m, m['__proto__'] AS p, (r).`__proto__` AS rp, (r).`toString` AS rt, (m['b']).x AS bx FROM t",
    )
  ).collect();
  assert.deepEqual(texts(rows), [
    '{"id":1,"m":{"__proto__":{"x":3},"b":{"x":4}},"p":{"x":3},"rp":7,"rt":null,"bx":4}',
    '{"id":2,"m":{"b":{"x":5}},"p":null,"rp":null,"rt":null,"bx":5}',
  ]);
});

for (const format of ["json-confluent", "avro-confluent", "protobuf-confluent"]) {
  test(`${format}: MAP keys named __proto__ are written and read back`, async () => {
    const output = logWithRows(`${format}-maps`, []);
    const columns = "id INT NOT NULL, m MAP<STRING, INT>, nested MAP<STRING, ROW<x INT>>";
    const withOptions = `'connector' = 'log', 'log' = '${output}', 'topic' = '${format}-maps',
      'format' = '${format}', '${format}.url' = '${registry.url}'`;
    const writer = tableEnv();
    await writer.executeSql(`CREATE TABLE out_maps (${columns}) WITH (${withOptions})`);
    await (
      await writer.executeSql(`INSERT INTO out_maps VALUES
        (1, MAP['__proto__', 1, 'a', 2], MAP['__proto__', ROW(3), 'b', ROW(4)]),
        (2, MAP['a', 5], MAP['b', ROW(6)])`)
    ).await();
    const reader = tableEnv();
    await reader.executeSql(`CREATE TABLE in_maps (${columns}) WITH (${withOptions}, 'bounded' = 'true')`);
    const rows = await (
      await reader.executeSql("SELECT id, m, nested, nested['__proto__'] AS p FROM in_maps")
    ).collect();
    assert.deepEqual(texts(rows), [
      '{"id":1,"m":{"__proto__":1,"a":2},"nested":{"__proto__":{"x":3},"b":{"x":4}},"p":{"x":3}}',
      '{"id":2,"m":{"a":5},"nested":{"b":{"x":6}},"p":null}',
    ]);
  });
}
