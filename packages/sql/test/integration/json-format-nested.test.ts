// Values inside a ROW, ARRAY or MAP read by the json format as Flink 1.20's
// (JsonParserToRowDataConverters): each converted to its type at any depth as a column of that
// type is (an INT from "5", a TIMESTAMP from its text, a BOOLEAN from "true"), a ROW from a JSON
// object by field name (other members ignored), an ARRAY from a JSON array, a MAP from a JSON
// object; a value that does not convert, or a container of the wrong shape, fails the record
// (a dead letter naming the column), or with 'json.ignore-parse-errors' is NULL in its place only.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DeadLetter } from "@fleuve/core";
import { append, emptyTopic, onLog, selectAfter } from "../fixtures/log-table-env.js";

const COLUMNS =
  "id INT, r ROW<x INT, ts TIMESTAMP(3), ok BOOLEAN, d DECIMAL(5, 2)>, a ARRAY<BIGINT>, m MAP<STRING, DOUBLE>";
const QUERY =
  "SELECT id, r.x + 1 AS x1, r.ts + INTERVAL '1' SECOND AS later, NOT r.ok AS notOk, r.d * 2 AS d2, a[1] + a[2] AS s, m['k'] / 2 AS half FROM t";

test("values inside a ROW, ARRAY and MAP are converted to their types, as top-level columns are", async () => {
  const dir = emptyTopic("t");
  append(dir, "t", [
    '{"id": 1, "r": {"x": "5", "ts": "2020-01-01 00:00:01.5", "ok": "true", "d": "1.005", "extra": [1]}, "a": ["1", 2.9], "m": {"k": "3"}}',
    '{"id": 2, "r": {"x": 7, "ts": "2020-01-02T00:00:00", "ok": false, "d": 2}, "a": [3, null], "m": {"k": 4.5}}',
    '{"id": 3, "r": {}, "a": [], "m": {}}',
  ]);
  const rows = await selectAfter(onLog(dir, "t", COLUMNS, "'format' = 'json'"), QUERY);
  assert.deepEqual(rows, [
    // "1.005" in a DECIMAL(5, 2) rounds half up to 1.01; 2.9 in a BIGINT is cut to 2.
    { id: 1, x1: 6, later: Date.UTC(2020, 0, 1, 0, 0, 2, 500), notOk: false, d2: 2.02, s: 3, half: 1.5 },
    { id: 2, x1: 8, later: Date.UTC(2020, 0, 2, 0, 0, 1), notOk: true, d2: 4, s: null, half: 2.25 },
    { id: 3, x1: null, later: null, notOk: null, d2: null, s: null, half: null },
  ]);
});

test("a nested value that does not convert, or a container of the wrong shape, is a bad record; NULL in its place with 'json.ignore-parse-errors'", async () => {
  const dir = emptyTopic("t");
  append(dir, "t", [
    '{"id": 1, "r": {"x": "five", "ts": "2020-01-01 00:00:00", "ok": true}}',
    '{"id": 2, "r": "not an object"}',
    '{"id": 3, "a": {"0": 1}}',
    '{"id": 4, "m": {"k": "abc", "j": "2"}}',
    '{"id": 5, "r": {"x": 1, "ts": "2020-13-01 00:00:00"}, "a": [1, "x", 3]}',
    '{"id": 6, "r": {"x": 1}, "a": [1], "m": {"k": 1}}',
  ]);
  const letters: DeadLetter[] = [];
  const strict = await selectAfter(
    onLog(dir, "t", COLUMNS, "'format' = 'json'"),
    "SELECT id, r.x AS x FROM t",
    letters,
  );
  assert.deepEqual(strict, [{ id: 6, x: 1 }]);
  assert.deepEqual(
    letters.map((l) => l.error.replace(/ \(\{.*\}\): /, ": ")),
    [
      "table t: cannot decode the json value of record t/0@0: field 'r': 'five' is not a INT",
      "table t: cannot decode the json value of record t/0@1: field 'r': 'not an object' is not a JSON object (field 'r', a ROW)",
      `table t: cannot decode the json value of record t/0@2: field 'a': {"0":1} is not a JSON array (field 'a', an ARRAY)`,
      "table t: cannot decode the json value of record t/0@3: field 'm': 'abc' is not a DOUBLE",
      "table t: cannot decode the json value of record t/0@4: field 'r': '2020-13-01 00:00:00' is not a TIMESTAMP(3): month 13 is not 1-12",
    ],
  );
  const lenient = await selectAfter(
    onLog(dir, "t", COLUMNS, "'format' = 'json', 'json.ignore-parse-errors' = 'true'"),
    "SELECT id, r.x AS x, r.ts AS ts, r.ok AS ok, a, m['k'] AS k, m['j'] AS j FROM t",
  );
  assert.deepEqual(lenient, [
    { id: 1, x: null, ts: Date.UTC(2020, 0, 1), ok: true, a: null, k: null, j: null },
    { id: 2, x: null, ts: null, ok: null, a: null, k: null, j: null },
    { id: 3, x: null, ts: null, ok: null, a: null, k: null, j: null },
    { id: 4, x: null, ts: null, ok: null, a: null, k: null, j: 2 },
    { id: 5, x: 1, ts: null, ok: null, a: [1, null, 3], k: null, j: null },
    { id: 6, x: 1, ts: null, ok: null, a: [1], k: 1, j: null },
  ]);
});

test("'json.fail-on-missing-field' fails a record missing a field inside a ROW too", async () => {
  const dir = emptyTopic("t");
  append(dir, "t", ['{"id": 1, "r": {"x": 1, "ts": null, "ok": true, "d": 1}}', '{"id": 2, "r": {"x": 1}}']);
  const letters: DeadLetter[] = [];
  const rows = await selectAfter(
    onLog(
      dir,
      "t",
      "id INT, r ROW<x INT, ts TIMESTAMP(3), ok BOOLEAN, d DECIMAL(5, 2)>",
      "'format' = 'json', 'json.fail-on-missing-field' = 'true'",
    ),
    "SELECT id FROM t",
    letters,
  );
  assert.deepEqual(rows, [{ id: 1 }]);
  assert.deepEqual(
    letters.map((l) => l.error.replace(/ \(\{.*\}\): /, ": ")),
    ["table t: cannot decode the json value of record t/0@1: field 'r': field 'r.ts' is missing"],
  );
});

test("a MAP's keys are converted to its key type, as Flink's json format converts them: '007' is the INT key 7", async () => {
  const dir = emptyTopic("t");
  append(dir, "t", [
    '{"id": 1, "m": {"007": "a", "8": "b"}, "b": {"true": 1}, "r": {"n": {"-0": 2}}}',
    '{"id": 2, "m": {"x": "a"}}',
  ]);
  const letters: DeadLetter[] = [];
  const rows = await selectAfter(
    onLog(
      dir,
      "t",
      "id INT, m MAP<INT, STRING>, b MAP<BOOLEAN, INT>, r ROW<n MAP<BIGINT, INT>>",
      "'format' = 'json'",
    ),
    "SELECT id, m[7] AS seven, m[8] AS eight, b[TRUE] AS yes, r.n[0] AS zero FROM t",
    letters,
  );
  assert.deepEqual(rows, [{ id: 1, seven: "a", eight: "b", yes: 1, zero: 2 }]);
  assert.deepEqual(
    letters.map((l) => l.error.replace(/ \(\{.*\}\): /, ": ")),
    ["table t: cannot decode the json value of record t/0@1: field 'm': 'x' is not a INT"],
  );
});
