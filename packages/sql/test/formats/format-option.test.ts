// A format a table's connector does not have ('format' = 'jsn'): the error names the option and the
// value, lists the formats a SQL table on that connector can name (not the connector's internal
// "bytes" and "string", which SQL tables cannot use), and points at the option's value in the
// WITH clause. Flink 1.20 says "Could not find any format factory for identifier 'jsn' in the
// classpath." (checked on bench/flink with the filesystem connector) and lists nothing useful.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as kafkaConnectors } from "@fleuve/kafka";
import { connectors as logConnectors } from "@fleuve/log";
import { sql } from "@fleuve/sql";
import { sqlFormats } from "../../src/formats/table-format.js";

const BYTES_FORMATS = [
  "avro-confluent",
  "avro-registry",
  "csv",
  "json",
  "json-confluent",
  "json-registry",
  "proto-registry",
  "protobuf-confluent",
  "raw",
];

const tEnv = () =>
  sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
    connectors: [...logConnectors, ...kafkaConnectors],
  });

/** The error of `statement` after `ddl`, which must be a FleuveError. */
async function errorOf(ddl: string, statement: string): Promise<FleuveError> {
  const t = tEnv();
  await t.executeSql(ddl);
  try {
    await t.executeSql(statement);
  } catch (e) {
    assert.ok(e instanceof FleuveError, String(e));
    return e;
  }
  assert.fail(`${statement} did not fail`);
}

const cases: {
  connector: string;
  options: string;
  option: string;
  value: string;
  formats: string[];
  primaryKey?: boolean;
}[] = [
  {
    connector: "kafka",
    options: "'topic' = 't', 'properties.bootstrap.servers' = '127.0.0.1:9092'",
    option: "format",
    value: "jsn",
    formats: BYTES_FORMATS,
  },
  // "string" and "bytes" are values of the kafka connector's own 'format' that SQL cannot use.
  {
    connector: "kafka",
    options: "'topic' = 't', 'properties.bootstrap.servers' = '127.0.0.1:9092'",
    option: "value.format",
    value: "string",
    formats: BYTES_FORMATS,
  },
  {
    connector: "upsert-kafka",
    options: "'topic' = 't', 'properties.bootstrap.servers' = '127.0.0.1:9092', 'key.format' = 'json'",
    option: "value.format",
    value: "bytes",
    formats: BYTES_FORMATS,
    primaryKey: true,
  },
  {
    connector: "log",
    options: "'log' = '/tmp/none', 'topic' = 't'",
    option: "format",
    value: "avro",
    formats: BYTES_FORMATS,
  },
  {
    connector: "filesystem",
    options: "'path' = '/tmp/none'",
    option: "format",
    value: "jsn",
    formats: ["csv", "json"],
  },
  // The filesystem connector carries no bytes: the registry formats are not its.
  {
    connector: "filesystem",
    options: "'path' = '/tmp/none'",
    option: "format",
    value: "avro-confluent",
    formats: ["csv", "json"],
  },
];

for (const c of cases) {
  for (const use of ["SELECT", "INSERT"] as const) {
    test(`${use}: '${c.option}' = '${c.value}' on '${c.connector}' names the option, lists ${c.formats.length} formats and points at the value`, async () => {
      // The option's value is on line 4, after 4 spaces and the quoted key and ' = '.
      const ddl = `CREATE TABLE t (
  id INT${c.primaryKey ? ",\n  PRIMARY KEY (id) NOT ENFORCED" : ""}
) WITH ('connector' = '${c.connector}', ${c.options},
    '${c.option}' = '${c.value}'
)`;
      const line = ddl.split("\n").findIndex((l) => l.includes(`'${c.option}' = `)) + 1;
      const column = 4 + `'${c.option}' = `.length + 1;
      const e = await errorOf(
        ddl,
        use === "SELECT" ? "EXPLAIN SELECT * FROM t" : "EXPLAIN INSERT INTO t SELECT 1",
      );
      assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
      assert.equal(
        e.message,
        `table t: invalid option '${c.option}': the '${c.connector}' connector has no format '${c.value}' (its formats: ${c.formats.join(", ")}) (line ${line}, column ${column})`,
      );
      assert.equal(e.details.option, c.option);
      assert.equal(e.details.line, line);
      assert.equal(e.details.column, column);
    });
  }
}

test("sqlFormats: a connector's own formats but 'bytes' and 'string', and SQL's when it carries bytes", () => {
  assert.deepEqual(sqlFormats(["json", "string", "bytes"]), BYTES_FORMATS);
  assert.deepEqual(sqlFormats(["csv", "json"]), ["csv", "json"]);
  assert.deepEqual(sqlFormats(["json", "string"]), ["json"]);
  assert.equal(sqlFormats(undefined), undefined);
});

test("a connector's own error about an option's value points at the value, about an unknown option at the key", async () => {
  const ddl = `CREATE TABLE t (id INT) WITH ('connector' = 'filesystem', 'path' = '/tmp/none',
  'format' = 'json', 'sink.rolling-policy.file-size' = 'big', 'sink.rolling-polcy.rollover-interval' = '1 s')`;
  const e = await errorOf(
    ddl.replace(", 'sink.rolling-polcy.rollover-interval' = '1 s'", ""),
    "EXPLAIN INSERT INTO t SELECT 1",
  );
  assert.match(e.message, /'sink\.rolling-policy\.file-size'/);
  // Columns are 1-based: the value's quote, the key's quote.
  assert.deepEqual(
    [e.details.line, e.details.column],
    [2, "  'format' = 'json', 'sink.rolling-policy.file-size' = ".length + 1],
  );
  const unknown = await errorOf(
    ddl.replace("'sink.rolling-policy.file-size' = 'big', ", ""),
    "EXPLAIN INSERT INTO t SELECT 1",
  );
  assert.match(unknown.message, /unknown option 'sink\.rolling-polcy\.rollover-interval'/);
  assert.deepEqual([unknown.details.line, unknown.details.column], [2, "  'format' = 'json', ".length + 1]);
});
