// Dates and times in Flink's json format: written as text ('json.timestamp-format.standard' = 'SQL',
// the default, or 'ISO-8601'), not as epoch milliseconds, and read back. The expected lines are
// what Flink 1.20 wrote through a filesystem json sink on bench/flink for the same rows (its
// TIMESTAMP(6) and TIMESTAMP(9) digits past the millisecond aside: Fleuve holds milliseconds).
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors, openLog } from "@fleuve/log";
import { sql } from "@fleuve/sql";
import { jsonTemporalWriter } from "../../src/formats/json-temporal.js";
import { parseDataType } from "../../src/parser/parse.js";
import { emptyTopic } from "../fixtures/log-table-env.js";

const COLUMNS =
  "t0 TIMESTAMP(0), t3 TIMESTAMP(3), l3 TIMESTAMP_LTZ(3), l0 TIMESTAMP_LTZ(0), d DATE, tm TIME, tm3 TIME(3)";

/** The rows: a timestamp at .000, .120, .123 and .100 of a second, cast to each column's type. */
const QUERY = `SELECT CAST(ts AS TIMESTAMP(0)), CAST(ts AS TIMESTAMP(3)),
    CAST(CAST(ts AS TIMESTAMP(3)) AS TIMESTAMP_LTZ(3)), CAST(CAST(ts AS TIMESTAMP(0)) AS TIMESTAMP_LTZ(0)),
    CAST(ts AS DATE), CAST(ts AS TIME), CAST(CAST(ts AS TIMESTAMP(3)) AS TIME(3))
  FROM (VALUES (TIMESTAMP '2024-01-02 03:04:05'), (TIMESTAMP '2024-01-02 03:04:05.120'),
    (TIMESTAMP '2024-01-02 03:04:05.123'), (TIMESTAMP '2024-01-02 03:04:05.100')) AS x(ts)`;

/** Flink 1.20's lines for those rows, with `sep` between date and time. */
const flinkLines = (sep: string) =>
  ["", ".12", ".123", ".1"].map(
    (f) =>
      `{"t0":"2024-01-02${sep}03:04:05","t3":"2024-01-02${sep}03:04:05${f}","l3":"2024-01-02${sep}03:04:05${f}Z","l0":"2024-01-02${sep}03:04:05Z","d":"2024-01-02","tm":"03:04:05","tm3":"03:04:05"}`,
  );

const env = () => StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });

/**
 * The rows read back from those lines, as Flink reads them: epoch milliseconds of each timestamp
 * as written (TIMESTAMP(0) whole seconds), the DATE's midnight, and the TIMEs whole seconds (the
 * json format writes no fraction of a TIME).
 */
const SECOND = Date.UTC(2024, 0, 2, 3, 4, 5);
const READ_BACK = [0, 120, 123, 100].map((ms) =>
  JSON.stringify([SECOND, SECOND + ms, SECOND + ms, SECOND, Date.UTC(2024, 0, 2), 11_045_000, 11_045_000]),
);
const values = (rows: readonly Record<string, unknown>[]) =>
  rows.map((r) => JSON.stringify(Object.values(r))).sort();

function partLines(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.startsWith("part-"))
    .flatMap((n) => readFileSync(join(dir, n), "utf8").split("\n"))
    .filter((l) => l !== "");
}

for (const [standard, sep] of [
  [undefined, " "],
  ["SQL", " "],
  ["ISO-8601", "T"],
] as const) {
  const option = standard === undefined ? "" : `, 'json.timestamp-format.standard' = '${standard}'`;
  test(`a filesystem json sink${standard === undefined ? "" : ` with '${standard}'`} writes dates and times as Flink does and reads them back`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "sql-json-temporal-"));
    try {
      const tEnv = sql(env());
      await tEnv.executeSql(
        `CREATE TABLE out_t (${COLUMNS}) WITH ('connector' = 'filesystem', 'path' = '${dir}', 'format' = 'json'${option})`,
      );
      await (await tEnv.executeSql(`INSERT INTO out_t ${QUERY}`)).await();
      assert.deepEqual(partLines(dir).sort(), flinkLines(sep).sort());
      const back = await (await tEnv.executeSql("SELECT * FROM out_t")).collect();
      assert.deepEqual(values(back), [...READ_BACK].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("a log table in json writes its values' dates and times as text, keys too, and reads them back", async () => {
  const dir = emptyTopic("temporal");
  try {
    const tEnv = sql(env(), { connectors: logConnectors });
    await tEnv.executeSql(`CREATE TABLE t (${COLUMNS}) WITH ('connector' = 'log', 'log' = '${dir}',
      'topic' = 'temporal', 'bounded' = 'true', 'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601',
      'key.format' = 'json', 'key.fields' = 't3')`);
    await (await tEnv.executeSql(`INSERT INTO t ${QUERY}`)).await();
    const log = openLog({ dir, readOnly: true });
    const records = log
      .topic("temporal")
      .partition(0)
      .fetch(0, { isolation: "read_committed", maxRecords: 100 }).records;
    log.close();
    const text = (b: unknown) => (b instanceof Uint8Array ? Buffer.from(b).toString("utf8") : String(b));
    assert.deepEqual(records.map((r) => text(r.value)).sort(), flinkLines("T").sort());
    // The key's format has its own option ('key.json.timestamp-format.standard'): SQL by default.
    assert.deepEqual(
      records.map((r) => text(r.key)).sort(),
      ["", ".12", ".123", ".1"].map((f) => `{"t3":"2024-01-02 03:04:05${f}"}`).sort(),
    );
    const back = await (await tEnv.executeSql("SELECT * FROM t")).collect();
    assert.deepEqual(values(back), [...READ_BACK].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("'json.timestamp-format.standard' takes SQL or ISO-8601 only, naming the option", async () => {
  const tEnv = sql(env());
  await tEnv.executeSql(
    "CREATE TABLE t (ts TIMESTAMP(3)) WITH ('connector' = 'filesystem', 'path' = '/tmp/none', 'format' = 'json', 'json.timestamp-format.standard' = 'iso')",
  );
  await assert.rejects(
    tEnv.executeSql("EXPLAIN INSERT INTO t SELECT TIMESTAMP '2024-01-02 03:04:05'"),
    (e: Error) => {
      assert.match(
        e.message,
        /'json\.timestamp-format\.standard': expected one of "SQL", "ISO-8601", got "iso"/,
      );
      return true;
    },
  );
});

test("jsonTemporalWriter: Flink's text of each type, fraction digits cut to the precision and trailing zeros dropped", () => {
  const ms = Date.UTC(2024, 0, 2, 3, 4, 5, 120);
  const write = (type: string, standard: "SQL" | "ISO-8601" = "SQL") =>
    (jsonTemporalWriter(parseDataType(type), standard) as (v: unknown) => unknown)(ms);
  assert.equal(write("TIMESTAMP(3)"), "2024-01-02 03:04:05.12");
  assert.equal(write("TIMESTAMP"), "2024-01-02 03:04:05.12");
  assert.equal(write("TIMESTAMP(1)", "ISO-8601"), "2024-01-02T03:04:05.1");
  assert.equal(write("TIMESTAMP(0)"), "2024-01-02 03:04:05");
  assert.equal(write("TIMESTAMP_LTZ(3)", "ISO-8601"), "2024-01-02T03:04:05.12Z");
  assert.equal(write("DATE"), "2024-01-02");
  assert.equal(
    (jsonTemporalWriter(parseDataType("TIME(3)"), "SQL") as (v: unknown) => unknown)(3_723_450),
    "01:02:03",
  );
  // Before 1970 the time of day is still counted from midnight.
  assert.equal(
    (jsonTemporalWriter(parseDataType("TIMESTAMP(3)"), "SQL") as (v: unknown) => unknown)(-1),
    "1969-12-31 23:59:59.999",
  );
  assert.equal(jsonTemporalWriter(parseDataType("INT"), "SQL"), undefined);
});
