// DECIMAL, DATE and TIMESTAMP values read by the csv and json formats as Flink 1.20 reads them:
// - DECIMAL(p, s) (CsvToRowDataConverters and JsonToRowDataConverters: new BigDecimal(text),
//   then DecimalData.fromBigDecimal): rounded HALF_UP to s digits from the text, NULL (not a
//   failure) when it then needs more than p digits;
// - csv dates and timestamps (java.sql.Date.valueOf, Timestamp.valueOf): a month outside 1-12 or
//   a day outside 1-31 fails the record naming the field and the text (NULL with
//   'csv.ignore-parse-errors'), a day past its month's end rolls over as java.util.Date does;
// - json (java.time): a DATE's day must exist; a TIMESTAMP's day past its month's end is the
//   month's last day (DateTimeFormatter's SMART resolving); a month past 12 is no date. The
//   filesystem and log connectors' json fail the record naming the field (see also
//   json-format-errors.test.ts).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { calendarMillis, type DeadLetter } from "@fleuve/core";
import fc from "fast-check";
import { append, emptyTopic, onLog, selectAfter } from "../fixtures/log-table-env.js";

/** A fresh log whose one-partition topic `topic` holds the record values `values`. */
function topicWith(topic: string, values: string[]): string {
  const dir = emptyTopic(topic);
  append(dir, topic, values);
  return dir;
}

const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);

test("csv and json DECIMAL(5, 2): rounded half up to the scale from the text, NULL past the precision", async () => {
  const texts = ["1.005", "-1.005", "99.995", "999.994", "999.995", "1000", "1E2", "0.0049", "12"];
  // 999.995 rounds to 1000.00, six digits: NULL, as 1000 is.
  const expected = [1.01, -1.01, 100, 999.99, null, null, 100, 0, 12];
  const csv = topicWith("c", texts);
  const csvRows = await selectAfter(
    onLog(csv, "c", "d DECIMAL(5, 2)", "'format' = 'csv'"),
    "SELECT d FROM c",
  );
  assert.deepEqual(
    csvRows.map((r) => r.d),
    expected,
  );
  // json numbers and json strings alike.
  const json = topicWith("j", [...texts.map((t) => `{"d": ${t}}`), ...texts.map((t) => `{"d": "${t}"}`)]);
  const jsonRows = await selectAfter(
    onLog(json, "j", "d DECIMAL(5, 2)", "'format' = 'json'"),
    "SELECT d FROM j",
  );
  assert.deepEqual(
    jsonRows.map((r) => r.d),
    [...expected, ...expected],
  );
  // Printed with the scale, as DecimalData holds it.
  const text = await selectAfter(
    onLog(csv, "c", "d DECIMAL(5, 2)", "'format' = 'csv'"),
    "SELECT CAST(d AS STRING) AS s FROM c",
  );
  assert.deepEqual(
    text.map((r) => r.s),
    ["1.01", "-1.01", "100.00", "999.99", null, null, "100.00", "0.00", "12.00"],
  );
});

test("csv dates and timestamps as Date.valueOf and Timestamp.valueOf read them: month 13 or day 32 fails naming the field and the text, a day past the month's end rolls over", async () => {
  const dir = topicWith("t", [
    "2024-02-29,2024-02-29 10:00:00",
    "2023-02-30,2023-04-31 23:00:00.5",
    "2024-13-01,2024-01-01 00:00:00",
    "2024-01-01,2024-01-32 00:00:00",
    "2024-00-10,2024-12-31 24:00:00",
  ]);
  const cols = "d DATE, t TIMESTAMP(3)";
  const letters: DeadLetter[] = [];
  assert.deepEqual(await selectAfter(onLog(dir, "t", cols, "'format' = 'csv'"), "SELECT * FROM t", letters), [
    { d: day(2024, 2, 29), t: Date.UTC(2024, 1, 29, 10) },
    // 2023-02-30 is March 2nd, 2023-04-31 May 1st (java.util.Date is lenient).
    { d: day(2023, 3, 2), t: Date.UTC(2023, 4, 1, 23, 0, 0, 500) },
  ]);
  assert.deepEqual(
    letters.map((l) => l.error.replace(/^.*cannot decode the csv value of /, "")),
    [
      "record t/0@2 ('2024-13-01,2024-01-01 00:00:00'): field 'd': '2024-13-01' is not a DATE: month 13 is not 1-12",
      "record t/0@3 ('2024-01-01,2024-01-32 00:00:00'): field 't': '2024-01-32 00:00:00' is not a TIMESTAMP(3): day 32 is not 1-31",
      "record t/0@4 ('2024-00-10,2024-12-31 24:00:00'): field 'd': '2024-00-10' is not a DATE: month 0 is not 1-12",
    ],
  );
  // Without an error policy the job fails with that message.
  await assert.rejects(
    selectAfter(onLog(dir, "t", cols, "'format' = 'csv'"), "SELECT * FROM t"),
    /field 'd': '2024-13-01' is not a DATE: month 13 is not 1-12/,
  );
  // 'csv.ignore-parse-errors': the field is NULL; 24:00 rolls over to the next day as in Java.
  assert.deepEqual(
    await selectAfter(
      onLog(dir, "t", cols, "'format' = 'csv', 'csv.ignore-parse-errors' = 'true'"),
      "SELECT * FROM t",
    ),
    [
      { d: day(2024, 2, 29), t: Date.UTC(2024, 1, 29, 10) },
      { d: day(2023, 3, 2), t: Date.UTC(2023, 4, 1, 23, 0, 0, 500) },
      { d: null, t: Date.UTC(2024, 0, 1) },
      { d: day(2024, 1, 1), t: null },
      { d: null, t: Date.UTC(2025, 0, 1) },
    ],
  );
});

test("json dates and timestamps as java.time reads them: a DATE's day must exist, a TIMESTAMP's day past the month's end is its last, month 13 is no date", async () => {
  const records = [
    { d: "2024-02-29", t: "2024-02-29 10:00:00" },
    { d: "2023-02-29", t: "2023-04-31 10:00:00" },
    { d: "2024-13-01", t: "2024-13-01 00:00:00" },
    { d: "2024-04-31", t: "2024-01-01 25:00:00" },
  ];
  // The log connector's json: a value that does not convert fails its record, naming the field
  // (NULL with 'json.ignore-parse-errors').
  const dir = topicWith(
    "j",
    records.map((r) => JSON.stringify(r)),
  );
  const logLetters: DeadLetter[] = [];
  assert.deepEqual(
    await selectAfter(
      onLog(dir, "j", "d DATE, t TIMESTAMP(3)", "'format' = 'json'"),
      "SELECT * FROM j",
      logLetters,
    ),
    [{ d: day(2024, 2, 29), t: Date.UTC(2024, 1, 29, 10) }],
  );
  assert.deepEqual(
    logLetters.map((l) => l.error.replace(/^.*\): field/, "field")),
    [
      "field 'd': '2023-02-29' is not a DATE: 2023-02-29 does not exist",
      "field 'd': '2024-13-01' is not a DATE: month 13 is not 1-12",
      "field 'd': '2024-04-31' is not a DATE: 2024-04-31 does not exist",
    ],
  );
  assert.deepEqual(
    await selectAfter(
      onLog(dir, "j", "d DATE, t TIMESTAMP(3)", "'format' = 'json', 'json.ignore-parse-errors' = 'true'"),
      "SELECT * FROM j",
    ),
    [
      { d: day(2024, 2, 29), t: Date.UTC(2024, 1, 29, 10) },
      { d: null, t: Date.UTC(2023, 3, 30, 10) },
      { d: null, t: null },
      { d: null, t: null },
    ],
  );
  // The filesystem connector's json fails the record, naming the field and the text.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fleuve-sql-")), "dates.json");
  fs.writeFileSync(file, `${records.map((r) => JSON.stringify(r)).join("\n")}\n`);
  const fsTable = (more = "") =>
    `CREATE TABLE f (d DATE, t TIMESTAMP(3)) WITH ('connector' = 'filesystem', 'path' = '${file}', 'format' = 'json'${more})`;
  const letters: DeadLetter[] = [];
  assert.deepEqual(await selectAfter(fsTable(), "SELECT * FROM f", letters), [
    { d: day(2024, 2, 29), t: Date.UTC(2024, 1, 29, 10) },
  ]);
  assert.deepEqual(
    letters.map((l) => l.error.replace(/^.*line /, "line ")),
    [
      "line 2: field 'd': '2023-02-29' is not a DATE: 2023-02-29 does not exist",
      "line 3: field 'd': '2024-13-01' is not a DATE: month 13 is not 1-12",
      "line 4: field 'd': '2024-04-31' is not a DATE: 2024-04-31 does not exist",
    ],
  );
  assert.deepEqual(await selectAfter(fsTable(", 'json.ignore-parse-errors' = 'true'"), "SELECT * FROM f"), [
    { d: day(2024, 2, 29), t: Date.UTC(2024, 1, 29, 10) },
    { d: null, t: Date.UTC(2023, 3, 30, 10) },
    { d: null, t: null },
    { d: null, t: null },
  ]);
});

test("property: calendarMillis against a day-by-day calendar: strict takes exactly the days that exist, smart clamps to the month's last day, lenient counts on", () => {
  // The oracle walks the days of a year one at a time from January 1st.
  const daysOfYear = (y: number): [number, number][] => {
    const out: [number, number][] = [];
    const d = new Date(0);
    for (let i = 0; ; i++) {
      d.setUTCFullYear(y, 0, 1 + i);
      if (d.getUTCFullYear() !== y) return out;
      out.push([d.getUTCMonth() + 1, d.getUTCDate()]);
    }
  };
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      (year, month, d) => {
        const days = daysOfYear(year);
        const exists = days.some(([m, dd]) => m === month && dd === d);
        const fields = { year, month, day: d, hour: 0, minute: 0, second: 0, millisecond: 0 };
        const inRange = month >= 1 && month <= 12 && d >= 1 && d <= 31;
        const strict = calendarMillis(fields, "strict");
        const smart = calendarMillis(fields, "smart");
        const lenient = calendarMillis(fields, "lenient");
        if (!inRange) {
          assert.equal(typeof strict, "string");
          assert.equal(typeof smart, "string");
          assert.equal(typeof lenient, "string");
          return;
        }
        const lastDay = Math.max(...days.filter(([m]) => m === month).map(([, dd]) => dd));
        const at = (dd: number) => {
          const x = new Date(0);
          x.setUTCFullYear(year, month - 1, dd);
          return x.getTime();
        };
        assert.equal(
          strict,
          exists
            ? at(d)
            : `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(d).padStart(2, "0")} does not exist`,
        );
        assert.equal(smart, at(Math.min(d, lastDay)));
        // Lenient: the month's first day plus d - 1 days.
        assert.equal(lenient, at(1) + (d - 1) * 86_400_000);
      },
    ),
  );
});
