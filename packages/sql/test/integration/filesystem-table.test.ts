// Flink's filesystem connector in SQL: a csv or json table scanned once (bounded), and the same
// table as the lookup table of a processing-time lookup join (`FOR SYSTEM_TIME AS OF o.proc_time`),
// written with Flink's 'connector' = 'filesystem' options or with the legacy properties
// ('connector.type' = 'filesystem', 'format.type' = 'csv') that Nexmark q13 uses and Flink 1.20
// serves as a lookup source. Expected rows are written out; errors name the table, option or line.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type Row, sql } from "@fleuve/sql";
import { logWithRows } from "../fixtures/log-table.js";

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "sql-filesystem-")), name);
  writeFileSync(path, text);
  return path;
}

// Two rows for customer 2 (a lookup may find several), none for 3; a NULL key never matches.
const CUSTOMERS = file("customers.csv", "1,Ann,FR\n2,Bob,DE\n2,Bea,AT\n");
const ORDERS = [
  { order_id: 10, customer_id: 1 },
  { order_id: 11, customer_id: 3 },
  { order_id: 12, customer_id: 2 },
  { order_id: 13, customer_id: null },
];
const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function env(customers: string, parallelism = 1) {
  const dir = logWithRows("orders", ORDERS);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism, log: () => {} }), {
    connectors: logConnectors,
  });
  await tEnv.executeScript(`
    CREATE TABLE Orders (order_id INT, customer_id INT, proc_time AS PROCTIME())
      WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'orders', 'bounded' = 'true');
    ${customers}`);
  return tEnv;
}

const MODERN = (
  path = CUSTOMERS,
  more = "",
) => `CREATE TABLE Customers (id BIGINT, name STRING, country STRING)
  WITH ('connector' = 'filesystem', 'path' = '${path}', 'format' = 'csv'${more})`;
const LEGACY = (path = CUSTOMERS) => `CREATE TABLE Customers (id BIGINT, name STRING, country STRING)
  WITH ('connector.type' = 'filesystem', 'connector.path' = 'file://${path}', 'format.type' = 'csv')`;

const JOIN = (type: string) => `SELECT o.order_id, c.name, c.country
  FROM Orders AS o ${type} Customers FOR SYSTEM_TIME AS OF o.proc_time AS c ON o.customer_id = c.id`;

test("a filesystem table is scanned once: csv and json, with a filter and a projection", async () => {
  const tEnv = await env(MODERN());
  assert.deepEqual(
    await (await tEnv.executeSql("SELECT name, country FROM Customers WHERE id >= 2")).collect(),
    [
      { name: "Bob", country: "DE" },
      { name: "Bea", country: "AT" },
    ],
  );
  const json = file("c.json", '{"id": 7, "name": "Eve"}\n{"id": 8, "name": "Max", "country": "BE"}\n');
  const j = await env(`CREATE TABLE People (id BIGINT, name STRING, country STRING)
    WITH ('connector' = 'filesystem', 'path' = '${json}', 'format' = 'json')`);
  assert.deepEqual(await (await j.executeSql("SELECT * FROM People")).collect(), [
    { id: 7, name: "Eve", country: null },
    { id: 8, name: "Max", country: "BE" },
  ]);
});

test("a lookup join against a filesystem table, INNER and LEFT, Flink's options and the legacy ones", async () => {
  const inner = [
    { order_id: 10, name: "Ann", country: "FR" },
    { order_id: 12, name: "Bea", country: "AT" },
    { order_id: 12, name: "Bob", country: "DE" },
  ];
  const left = sortRows([
    ...inner,
    { order_id: 11, name: null, country: null },
    { order_id: 13, name: null, country: null },
  ]);
  for (const ddl of [MODERN(), LEGACY()]) {
    for (const parallelism of [1, 2]) {
      const t = await env(ddl, parallelism);
      assert.deepEqual(sortRows(await (await t.executeSql(JOIN("JOIN"))).collect()), inner, ddl);
      const l = await env(ddl, parallelism);
      assert.deepEqual(sortRows(await (await l.executeSql(JOIN("LEFT JOIN"))).collect()), left, ddl);
    }
  }
  // The plan says what it reads.
  const e = await env(LEGACY());
  const plan = (await (await e.executeSql(`EXPLAIN ${JOIN("JOIN")}`)).collect())[0]?.result as string;
  assert.match(
    plan,
    /LookupJoin\(table=\[Customers\], connector=\[filesystem\], joinType=\[InnerJoin\], lookup=\[id\]\)/,
  );
});

test("the rest of ON filters the pairs a lookup finds", async () => {
  const t = await env(MODERN());
  const rows = await (
    await t.executeSql(`SELECT o.order_id, c.name
      FROM Orders AS o JOIN Customers FOR SYSTEM_TIME AS OF o.proc_time AS c
        ON o.customer_id = c.id AND c.country <> 'DE'`)
  ).collect();
  assert.deepEqual(sortRows(rows), [
    { order_id: 10, name: "Ann" },
    { order_id: 12, name: "Bea" },
  ]);
});

test("errors: lookup cache options, legacy properties without an equivalent, a bad line of the side input", async () => {
  const cached = await env(MODERN(CUSTOMERS, ", 'lookup.cache' = 'PARTIAL'"));
  await assert.rejects(
    cached.executeSql(JOIN("JOIN")),
    /table Customers: the 'filesystem' lookup table reads its files into memory when the join starts .* it has no option 'lookup.cache'/,
  );
  const kafka = await env(`CREATE TABLE Customers (id BIGINT, name STRING, country STRING)
    WITH ('connector.type' = 'kafka', 'connector.topic' = 'x')`);
  await assert.rejects(
    kafka.executeSql("SELECT * FROM Customers"),
    /table Customers: the legacy property 'connector.type' = 'kafka' is not supported: write 'connector' = '...'/,
  );
  const unknown = await env(`CREATE TABLE Customers (id BIGINT, name STRING, country STRING)
    WITH ('connector.type' = 'filesystem', 'connector.path' = '${CUSTOMERS}', 'format.type' = 'csv', 'format.array-element-delimiter' = ';')`);
  await assert.rejects(
    unknown.executeSql("SELECT * FROM Customers"),
    /the legacy property 'format.array-element-delimiter' has no equivalent in the filesystem connector/,
  );
  const missing = await env(MODERN("/nonexistent/customers.csv"));
  await assert.rejects(
    missing.executeSql(JOIN("JOIN")),
    /table Customers: connector 'filesystem': option 'path': cannot read '\/nonexistent\/customers.csv'/,
  );
  const bad = file("bad.csv", "1,Ann,FR\ntwo,Bob,DE\n");
  const b = await env(MODERN(bad));
  await assert.rejects(
    async () => (await b.executeSql(JOIN("JOIN"))).collect(),
    new RegExp(`lookup table Customers: ${bad}, line 2: field 'id': 'two' is not a BIGINT`),
  );
  const ignored = await env(MODERN(bad, ", 'csv.ignore-parse-errors' = 'true'"));
  assert.deepEqual(await (await ignored.executeSql(JOIN("JOIN"))).collect(), [
    { order_id: 10, name: "Ann", country: "FR" },
  ]);
});

// Flink's legacy CSV source (CsvTableSourceFactoryBase) sets a quote character only when
// 'format.quote-character' is given, so by default a quote is plain text; 'format.ignore-first-line'
// skips each file's first line (a header).
test("legacy CSV properties: quotes are plain text unless 'format.quote-character' is given; 'format.ignore-first-line'", async () => {
  const quoted = file("quoted.csv", 'id,name,country\n1,"Ann",FR\n2,"Bob",DE\n');
  const legacy = (more: string) => `CREATE TABLE Customers (id BIGINT, name STRING, country STRING)
    WITH ('connector.type' = 'filesystem', 'connector.path' = 'file://${quoted}', 'format.type' = 'csv'${more})`;
  const plain = await env(legacy(", 'format.ignore-first-line' = 'true'"));
  assert.deepEqual(await (await plain.executeSql("SELECT * FROM Customers")).collect(), [
    { id: 1, name: '"Ann"', country: "FR" },
    { id: 2, name: '"Bob"', country: "DE" },
  ]);
  const withQuote = await env(
    legacy(", 'format.ignore-first-line' = 'true', 'format.quote-character' = '\"'"),
  );
  assert.deepEqual(await (await withQuote.executeSql("SELECT * FROM Customers")).collect(), [
    { id: 1, name: "Ann", country: "FR" },
    { id: 2, name: "Bob", country: "DE" },
  ]);
  // Without 'format.ignore-first-line' the header is a record: 'id' is not a BIGINT.
  const header = await env(legacy(""));
  await assert.rejects(
    async () => (await header.executeSql("SELECT * FROM Customers")).collect(),
    /line 1: field 'id': 'id' is not a BIGINT/,
  );
});

test("a file table with a PRIMARY KEY and a WATERMARK is a versioned table: an event-time temporal join reads it", async () => {
  // Flink's filesystem table is no lookup table: AS OF the left side's event time joins the
  // version of the rate valid at each order's time (rows are versions of their key).
  const orders = file(
    "orders.json",
    [
      '{"oid":1,"amount":10.5,"ts":"2024-01-01 10:00:00","cur":"EUR"}',
      '{"oid":2,"amount":20,"ts":"2024-01-01 10:01:00","cur":"USD"}',
      '{"oid":3,"amount":5,"ts":"2024-01-01 10:02:30","cur":"EUR"}',
      '{"oid":4,"amount":7,"ts":"2024-01-01 10:05:00","cur":"GBP"}',
    ].join("\n"),
  );
  const rates = file(
    "rates.json",
    [
      '{"cur":"EUR","rate":1.1,"ts":"2024-01-01 09:00:00"}',
      '{"cur":"USD","rate":1.0,"ts":"2024-01-01 09:00:00"}',
      '{"cur":"EUR","rate":1.2,"ts":"2024-01-01 10:01:00"}',
      '{"cur":"GBP","rate":1.3,"ts":"2024-01-01 10:06:00"}',
    ].join("\n"),
  );
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeScript(`
    CREATE TABLE orders (oid INT, amount DOUBLE, ts TIMESTAMP(3), cur STRING, WATERMARK FOR ts AS ts)
      WITH ('connector' = 'filesystem', 'path' = '${orders}', 'format' = 'json');
    CREATE TABLE rates (cur STRING, rate DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts,
      PRIMARY KEY (cur) NOT ENFORCED)
      WITH ('connector' = 'filesystem', 'path' = '${rates}', 'format' = 'json')`);
  const left = await (
    await tEnv.executeSql(`SELECT o.oid, r.rate FROM orders o
      LEFT JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur`)
  ).collect();
  assert.deepEqual(sortRows(left), [
    { oid: 1, rate: 1.1 },
    { oid: 2, rate: 1 },
    { oid: 3, rate: 1.2 },
    { oid: 4, rate: null },
  ]);
});
