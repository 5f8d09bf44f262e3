// BYTES in the json format as Flink 1.20's: a byte[] is written as base64 text (Jackson's binary
// node, standard alphabet, padded) at any depth, in a record's value and in its json key, and
// base64 text is read back into bytes; base64 that does not decode fails the record (dead letter)
// unless 'json.ignore-parse-errors' makes the field NULL. Expected texts: base64 of the bytes
// of each text's UTF-8 bytes ('hi' is aGk=, 'a' is YQ==), of hand-written ones
// (AQL/ is 01 02 FF, AA== is 00, //4= is FF FE).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DeadLetter } from "@fleuve/core";
import { openLog } from "@fleuve/log";
import { bytesOf } from "../fixtures/log-table.js";
import { append, emptyTopic, logTableEnv, onLog, selectAfter } from "../fixtures/log-table-env.js";

const COLUMNS = "id INT, b BYTES, v VARBINARY(4), r ROW<x BYTES>, a ARRAY<BYTES>";

const WRITTEN = "id INT, b BYTES, v VARBINARY(4), a ARRAY<BYTES>";

test("BYTES, VARBINARY and BYTES in an ARRAY are written as base64 and read back as the same bytes", async () => {
  const dir = emptyTopic("bin");
  const tEnv = logTableEnv();
  await tEnv.executeScript(onLog(dir, "bin", WRITTEN, "'format' = 'json'"));
  await (
    await tEnv.executeSql(
      "INSERT INTO bin VALUES (1, CAST('hi' AS BYTES), CAST('a' AS VARBINARY(4)), ARRAY[CAST('a' AS BYTES), CAST('hi' AS BYTES)]), (2, CAST(NULL AS BYTES), CAST('' AS VARBINARY(4)), ARRAY[CAST(NULL AS BYTES)])",
    )
  ).await();
  assert.deepEqual(bytesOf(dir, "bin").map(String), [
    '{"id":1,"b":"aGk=","v":"YQ==","a":["YQ==","aGk="]}',
    '{"id":2,"b":null,"v":"","a":[null]}',
  ]);
  const rows = await selectAfter(onLog(dir, "bin", WRITTEN, "'format' = 'json'"), "SELECT * FROM bin");
  assert.deepEqual(rows, [
    {
      id: 1,
      b: Buffer.from("hi"),
      v: Buffer.from("a"),
      a: [Buffer.from("a"), Buffer.from("hi")],
    },
    { id: 2, b: null, v: Buffer.alloc(0), a: [null] },
  ]);
});

test("base64 written by hand reads as its bytes; base64 that does not decode is a bad record, NULL with 'json.ignore-parse-errors'", async () => {
  const dir = emptyTopic("hand");
  append(dir, "hand", [
    '{"id": 1, "b": "aGk=", "r": {"x": "AA=="}, "a": ["//4="]}',
    '{"id": 2, "b": "not base64!"}',
    '{"id": 3, "r": {"x": "abc"}}',
  ]);
  const letters: DeadLetter[] = [];
  const rows = await selectAfter(
    onLog(dir, "hand", COLUMNS, "'format' = 'json'"),
    "SELECT * FROM hand",
    letters,
  );
  assert.deepEqual(rows, [
    { id: 1, b: Buffer.from("hi"), v: null, r: { x: Buffer.from([0]) }, a: [Buffer.from([255, 254])] },
  ]);
  assert.deepEqual(
    letters.map((l) => l.error),
    [
      `table hand: cannot decode the json value of record hand/0@1 ({"id": 2, "b": "not base64!"}): field 'b': 'not base64!' is not base64 (a BYTES field)`,
      `table hand: cannot decode the json value of record hand/0@2 ({"id": 3, "r": {"x": "abc"}}): field 'r': 'abc' is not base64 (a BYTES field)`,
    ],
  );
  const lenient = await selectAfter(
    onLog(dir, "hand", COLUMNS, "'format' = 'json', 'json.ignore-parse-errors' = 'true'"),
    "SELECT id, b, r FROM hand",
  );
  assert.deepEqual(lenient, [
    { id: 1, b: Buffer.from("hi"), r: { x: Buffer.from([0]) } },
    { id: 2, b: null, r: null },
    // Only the field that does not decode is NULL, not its ROW (see the next test).
    { id: 3, b: null, r: { x: null } },
  ]);
});

const NESTED =
  "id INT, r ROW<x BYTES, y BYTES>, a ARRAY<BYTES>, m MAP<STRING, BYTES>, d ROW<deeper ROW<z BYTES>, list ARRAY<ROW<w BYTES>>>, mm MAP<STRING, ARRAY<BYTES>>";

test("'json.ignore-parse-errors': base64 that does not decode inside a ROW, ARRAY or MAP is NULL in its place only, at any depth, as Flink's nullable converters", async () => {
  const dir = emptyTopic("deep");
  append(dir, "deep", [
    '{"id": 1, "r": {"x": "abc", "y": "AA=="}, "a": ["YQ==", "bad!", "aGk="], "m": {"k": "AA==", "j": "??"}, "d": {"deeper": {"z": "x"}, "list": [{"w": "AA=="}, {"w": "zz"}]}, "mm": {"p": ["YQ==", "no"]}}',
    '{"id": 2, "d": {"deeper": {"z": "x"}}}',
    '{"id": 3, "r": {"x": "YQ=="}}',
  ]);
  const a = Buffer.from("a");
  const zero = Buffer.from([0]);
  const lenient = await selectAfter(
    onLog(dir, "deep", NESTED, "'format' = 'json', 'json.ignore-parse-errors' = 'true'"),
    "SELECT * FROM deep",
  );
  assert.deepEqual(lenient, [
    {
      id: 1,
      r: { x: null, y: zero },
      a: [a, null, Buffer.from("hi")],
      m: { k: zero, j: null },
      d: { deeper: { z: null }, list: [{ w: zero }, { w: null }] },
      mm: { p: [a, null] },
    },
    { id: 2, r: null, a: null, m: null, d: { deeper: { z: null } }, mm: null },
    { id: 3, r: { x: a }, a: null, m: null, d: null, mm: null },
  ]);
  // Without the option such a record is still a bad record, naming the column and the value.
  const letters: DeadLetter[] = [];
  const strict = await selectAfter(
    onLog(dir, "deep", NESTED, "'format' = 'json'"),
    "SELECT id FROM deep",
    letters,
  );
  assert.deepEqual(strict, [{ id: 3 }]);
  assert.deepEqual(
    letters.map((l) => l.error.replace(/ \(\{.*\}\): /, ": ")),
    [
      "table deep: cannot decode the json value of record deep/0@0: field 'r': 'abc' is not base64 (a BYTES field)",
      "table deep: cannot decode the json value of record deep/0@1: field 'd': 'x' is not base64 (a BYTES field)",
    ],
  );
});

test("a json key's BYTES field is written as base64 and read back as its bytes", async () => {
  const dir = emptyTopic("keyed");
  const ddl = onLog(
    dir,
    "keyed",
    "k BYTES, n INT",
    "'format' = 'json', 'key.format' = 'json', 'key.fields' = 'k', 'value.fields-include' = 'EXCEPT_KEY'",
  );
  const tEnv = logTableEnv();
  await tEnv.executeScript(ddl);
  await (await tEnv.executeSql("INSERT INTO keyed VALUES (CAST('hi' AS BYTES), 1)")).await();
  const log = openLog({ dir, readOnly: true });
  const records = log
    .topic("keyed")
    .partition(0)
    .fetch(0, { isolation: "read_committed", maxRecords: 10 }).records;
  log.close();
  assert.deepEqual(
    records.map((x) => [String(x.key), String(x.value)]),
    [['{"k":"aGk="}', '{"n":1}']],
  );
  assert.deepEqual(await selectAfter(ddl, "SELECT * FROM keyed"), [{ k: Buffer.from("hi"), n: 1 }]);
});
