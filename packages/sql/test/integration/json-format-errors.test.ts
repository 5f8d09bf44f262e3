// The json format of the log connector's tables reads values as Flink 1.20's json format
// (JsonParserToRowDataConverters, the default 'decode.json-parser.enabled'): a value that does
// not convert to its column's type ("abc" or an object for an INT or BIGINT, a timestamp text that
// is no date) fails its record, which goes to the job's error policy (a dead letter naming the
// table, the record, the field and the value; or the job fails with that message), as csv's bad
// records do; with 'json.ignore-parse-errors' the field is NULL and a record that is not a JSON
// object is skipped; with 'json.fail-on-missing-field' a missing field fails the record.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DeadLetter } from "@fleuve/core";
import { append, emptyTopic, onLog, selectAfter } from "../fixtures/log-table-env.js";

const COLUMNS = "n INT, b BIGINT, t TIMESTAMP(3), s STRING, f BOOLEAN";

/** A log whose topic `bad` holds good and bad json values. */
function badTopic(): string {
  const dir = emptyTopic("bad");
  append(dir, "bad", [
    '{"n": 1, "b": 2, "t": "2024-01-01 10:00:00", "s": "x", "f": true}',
    '{"n": "abc", "b": 3}',
    '{"n": 2, "b": {"x": 1}}',
    '{"n": 3, "t": "2024-13-01 00:00:00"}',
    // Flink: an INT from a fractional number is cut toward zero; text is trimmed; a BOOLEAN is
    // true only for "true" (Boolean.parseBoolean); a STRING takes a number's text.
    '{"n": 2.7, "b": " 12 ", "s": 5, "f": "yes"}',
    "not json",
    "[1, 2]",
    '{"n": 4, "b": 9223372036854775808}',
  ]);
  return dir;
}

test("json values that do not convert to their column's type go to the dead letters, naming the record, the field and the value", async () => {
  const letters: DeadLetter[] = [];
  const rows = await selectAfter(
    onLog(badTopic(), "bad", COLUMNS, "'format' = 'json'"),
    "SELECT * FROM bad",
    letters,
  );
  assert.deepEqual(rows, [
    { n: 1, b: 2, t: Date.UTC(2024, 0, 1, 10), s: "x", f: true },
    { n: 2, b: 12, t: null, s: "5", f: false },
  ]);
  assert.deepEqual(
    letters.map((l) =>
      l.error.replace(/^.*cannot decode the json value of /, "").replace(/not JSON: .*/, "not JSON"),
    ),
    [
      `record bad/0@1 ({"n": "abc", "b": 3}): field 'n': 'abc' is not a INT`,
      `record bad/0@2 ({"n": 2, "b": {"x": 1}}): field 'b': '{"x":1}' is not a BIGINT`,
      `record bad/0@3 ({"n": 3, "t": "2024-13-01 00:00:00"}): field 't': '2024-13-01 00:00:00' is not a TIMESTAMP(3): month 13 is not 1-12`,
      "record bad/0@5 (not json): not JSON",
      "record bad/0@6 ([1, 2]): not a JSON object",
      // Past the range of long (Flink's Long.parseLong fails; 9007199254740993 reads exactly, see
      // bigint-exact.test.ts).
      `record bad/0@7 ({"n": 4, "b": 9223372036854775808}): field 'b': '9223372036854776000' is not a BIGINT`,
    ],
  );
  // The letter holds the record as read (its bytes): nothing is lost.
  const record = letters[0]?.record as { value: Uint8Array; offset: number };
  assert.equal(Buffer.from(record.value).toString("utf8"), '{"n": "abc", "b": 3}');
  assert.equal(record.offset, 1);
});

test("without an error policy a json value that does not convert fails the job, naming the field and the value", async () => {
  await assert.rejects(
    selectAfter(onLog(badTopic(), "bad", COLUMNS, "'format' = 'json'"), "SELECT * FROM bad"),
    /table bad: cannot decode the json value of record bad\/0@1 \(\{"n": "abc", "b": 3\}\): field 'n': 'abc' is not a INT/,
  );
  // A table without 'format' reads the log connector's default, json, the same way.
  await assert.rejects(
    selectAfter(
      `CREATE TABLE bad (${COLUMNS}) WITH ('connector' = 'log', 'log' = '${badTopic()}', 'topic' = 'bad', 'bounded' = 'true')`,
      "SELECT * FROM bad",
    ),
    /field 'n': 'abc' is not a INT/,
  );
});

test("'json.ignore-parse-errors': a field that does not convert is NULL and a record that is not a JSON object is skipped, as Flink's", async () => {
  const letters: DeadLetter[] = [];
  for (const option of ["'json.ignore-parse-errors' = 'true'", "'value.json.ignore-parse-errors' = 'true'"]) {
    const rows = await selectAfter(
      onLog(badTopic(), "bad", COLUMNS, `'format' = 'json', ${option}`),
      "SELECT * FROM bad",
      letters,
    );
    assert.deepEqual(rows, [
      { n: 1, b: 2, t: Date.UTC(2024, 0, 1, 10), s: "x", f: true },
      { n: null, b: 3, t: null, s: null, f: null },
      { n: 2, b: null, t: null, s: null, f: null },
      { n: 3, b: null, t: null, s: null, f: null },
      { n: 2, b: 12, t: null, s: "5", f: false },
      { n: 4, b: null, t: null, s: null, f: null },
    ]);
  }
  assert.deepEqual(letters, []);
});

test("'json.fail-on-missing-field': a missing field fails the record (a null one does not); with 'json.ignore-parse-errors' too the table is refused", async () => {
  const dir = emptyTopic("m");
  append(dir, "m", ['{"a": 1, "b": null}', '{"a": 2}']);
  const letters: DeadLetter[] = [];
  assert.deepEqual(
    await selectAfter(
      onLog(dir, "m", "a INT, b STRING", "'format' = 'json', 'json.fail-on-missing-field' = 'true'"),
      "SELECT * FROM m",
      letters,
    ),
    [{ a: 1, b: null }],
  );
  assert.deepEqual(
    letters.map((l) => l.error.replace(/^.*cannot decode the json value of /, "")),
    [`record m/0@1 ({"a": 2}): field 'b' is missing`],
  );
  // Without the option a missing field is NULL.
  assert.deepEqual(
    await selectAfter(onLog(dir, "m", "a INT, b STRING", "'format' = 'json'"), "SELECT * FROM m"),
    [
      { a: 1, b: null },
      { a: 2, b: null },
    ],
  );
  await assert.rejects(
    selectAfter(
      onLog(
        dir,
        "m",
        "a INT, b STRING",
        "'format' = 'json', 'json.fail-on-missing-field' = 'true', 'json.ignore-parse-errors' = 'true'",
      ),
      "SELECT * FROM m",
    ),
    /table m: 'json.fail-on-missing-field' and 'json.ignore-parse-errors' shouldn't both be true/,
  );
  await assert.rejects(
    selectAfter(
      onLog(dir, "m", "a INT", "'format' = 'json', 'json.ignore-parse-error' = 'true'"),
      "SELECT * FROM m",
    ),
    /json\.ignore-parse-error/,
  );
});
