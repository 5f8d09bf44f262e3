// Flink 1.20's 'csv' and 'raw' value formats on tables of the embedded log ('connector' = 'log',
// whose records carry bytes; 'kafka' shares the machinery): what an INSERT writes is Flink's exact
// text or bytes (written out in the tests: Jackson's CSV quoting rules, Java's number texts, raw's
// byte orders), a SELECT reads records back (and records appended by hand) as Flink's
// CsvToRowDataConverters and RawFormatDeserializationSchema do, every csv.* and raw.* option, NULLs
// and tombstones, bad records failing with the record and the field named (or skipped / NULL with
// 'csv.ignore-parse-errors'), bad options refused by name, and properties: random rows of random
// column types and options written then read back equal.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type DeadLetter, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors, openLog } from "@fleuve/log";
import { materialize, rowKind, sql } from "@fleuve/sql";
import fc from "fast-check";
import { bytesOf, logWithRows } from "../fixtures/log-table.js";
import { append, emptyTopic, logTableEnv, onLog, selectAfter } from "../fixtures/log-table-env.js";

/** Every committed record value of `topic` (null: a tombstone), in order. */
const valuesOf = (dir: string, topic: string) => bytesOf(dir, topic) as (Buffer | null)[];

const texts = (dir: string, topic: string) =>
  valuesOf(dir, topic).map((b) => (b === null ? null : b.toString("utf8")));

/** Runs an INSERT in an environment of its own after the DDL. */
async function insert(ddl: string, statement: string): Promise<void> {
  const tEnv = logTableEnv();
  await tEnv.executeScript(ddl);
  await (await tEnv.executeSql(statement)).await();
}

const ts = (text: string) => Date.parse(`${text.replace(" ", "T")}Z`);

test("csv: an INSERT writes one record per row as Flink's csv format writes it (numbers bare, a text field quoted by Jackson's rules, NULL the null literal), and a SELECT reads them back", async () => {
  const dir = emptyTopic("orders");
  const ddl = onLog(
    dir,
    "orders",
    "id INT, name STRING, price DOUBLE, amount DECIMAL(10, 2), ok BOOLEAN, ts TIMESTAMP(3), d DATE, t TIME(3)",
    "'format' = 'csv', 'csv.null-literal' = 'N/A'",
  );
  await insert(
    ddl,
    `INSERT INTO orders VALUES
      (1, 'plain', 2.0, 11, true, TIMESTAMP '2020-04-15 08:05:00', DATE '2020-04-15', TIME '08:05:07'),
      (2, 'a, "q"', 0.25, 3.5, false, TIMESTAMP '2020-04-15 08:05:07.120', DATE '1999-12-31', CAST(NULL AS TIME(3))),
      (3, '', CAST(NULL AS DOUBLE), CAST(NULL AS DECIMAL(10, 2)), CAST(NULL AS BOOLEAN), CAST(NULL AS TIMESTAMP(3)), CAST(NULL AS DATE), TIME '23:59:59.5')`,
  );
  assert.deepEqual(texts(dir, "orders"), [
    '1,plain,2.0,11.00,true,"2020-04-15 08:05:00",2020-04-15,08:05:07',
    '2,"a, ""q""",0.25,3.50,false,"2020-04-15 08:05:07.12",1999-12-31,N/A',
    "3,,N/A,N/A,N/A,N/A,N/A,23:59:59.5",
  ]);
  assert.deepEqual(await selectAfter(ddl, "SELECT * FROM orders"), [
    {
      id: 1,
      name: "plain",
      price: 2,
      amount: 11,
      ok: true,
      ts: ts("2020-04-15 08:05:00"),
      d: ts("2020-04-15 00:00:00"),
      t: (8 * 3600 + 5 * 60 + 7) * 1000,
    },
    {
      id: 2,
      name: 'a, "q"',
      price: 0.25,
      amount: 3.5,
      ok: false,
      ts: ts("2020-04-15 08:05:07.120"),
      d: ts("1999-12-31 00:00:00"),
      t: null,
    },
    { id: 3, name: "", price: null, amount: null, ok: null, ts: null, d: null, t: 86_399_500 },
  ]);
});

test("csv without a null literal: NULL is written as an empty field, which reads back as '' in a string column and fails the record in a number column, naming the record and the field", async () => {
  const dir = emptyTopic("t");
  const ddl = onLog(dir, "t", "n INT, s STRING", "'format' = 'csv'");
  await insert(ddl, "INSERT INTO t VALUES (1, CAST(NULL AS STRING)), (CAST(NULL AS INT), 'x')");
  assert.deepEqual(texts(dir, "t"), ["1,", ",x"]);
  const letters: DeadLetter[] = [];
  assert.deepEqual(await selectAfter(ddl, "SELECT * FROM t", letters), [{ n: 1, s: "" }]);
  assert.equal(letters.length, 1);
  assert.match(
    letters[0]?.error as string,
    /table t: cannot decode the csv value of record t\/0@1 \(',x'\): field 'n': '' is not a INT/,
  );
  // Without an error policy the job fails with that message.
  await assert.rejects(selectAfter(ddl, "SELECT * FROM t"), /record t\/0@1 \(',x'\): field 'n'/);
});

test("csv with 'csv.null-literal' = '': an empty field, quoted or not, reads as NULL in any column, and NULL and '' are both written as an empty field, as Flink 1.20 reads and writes them", async () => {
  const dir = emptyTopic("e");
  const ddl = onLog(dir, "e", "n INT, s STRING, u STRING", "'format' = 'csv', 'csv.null-literal' = ''");
  await insert(ddl, "INSERT INTO e VALUES (1, '', CAST(NULL AS STRING)), (CAST(NULL AS INT), 'a b', 'x')");
  // Flink 1.20's filesystem sink with this option wrote these two lines.
  assert.deepEqual(texts(dir, "e"), ["1,,", ',"a b",x']);
  append(dir, "e", ['3,"",""']);
  // Flink 1.20 read "1,,x", ",a," and '3,"",""' as these (bench/flink/run.sh, a filesystem table).
  assert.deepEqual(materialize(await selectAfter(ddl, "SELECT * FROM e")), [
    { n: 1, s: null, u: null },
    { n: null, s: "a b", u: "x" },
    { n: 3, s: null, u: null },
  ]);
});

test("csv quoting is Jackson's: a field is quoted when it is longer than 24 characters or holds a character below the delimiter and the quote (a space, '#', a quote, a comma...), the quote doubled inside; with '|' as delimiter nearly every text is quoted", async () => {
  const dir = emptyTopic("q");
  const rows = [
    "plain",
    "two words",
    "x#y",
    "a-b.c:d_e",
    "abcdefghijklmnopqrstuvwxyz",
    "it's",
    'say "hi"',
    "line\nbreak",
    "",
  ];
  const values = rows.map((r, i) => `(${i}, '${r.replaceAll("'", "''")}')`).join(", ");
  const ddl = onLog(dir, "q", "n INT, s STRING", "'format' = 'csv'");
  await insert(ddl, `INSERT INTO q VALUES ${values}`);
  assert.deepEqual(texts(dir, "q"), [
    "0,plain",
    '1,"two words"',
    '2,"x#y"',
    "3,a-b.c:d_e",
    '4,"abcdefghijklmnopqrstuvwxyz"',
    `5,"it's"`,
    '6,"say ""hi"""',
    '7,"line\nbreak"',
    "8,",
  ]);
  assert.deepEqual(
    (await selectAfter(ddl, "SELECT s FROM q")).map((r) => r.s),
    rows,
  );

  const pipes = emptyTopic("p");
  const pipeDdl = onLog(pipes, "p", "n INT, s STRING", "'format' = 'csv', 'csv.field-delimiter' = '|'");
  await insert(pipeDdl, "INSERT INTO p VALUES (12, 'abc'), (3, '}~')");
  // '|' is 0x7C: letters are below it, '}' and '~' are not; numbers are never quoted.
  assert.deepEqual(texts(pipes, "p"), ['12|"abc"', "3|}~"]);
  assert.deepEqual(await selectAfter(pipeDdl, "SELECT * FROM p"), [
    { n: 12, s: "abc" },
    { n: 3, s: "}~" },
  ]);
});

test("csv quote and escape characters: Flink's own case ('csv.quote-character' = ''', 'csv.escape-character' = '*', ';' delimiters), and with quoting disabled the escape character before a delimiter", async () => {
  const dir = emptyTopic("e");
  const ddl = onLog(
    dir,
    "e",
    "a STRING, b STRING, n INT",
    "'format' = 'csv', 'csv.quote-character' = '''', 'csv.escape-character' = '*', 'csv.field-delimiter' = ';'",
  );
  await insert(ddl, "INSERT INTO e VALUES ('123''4*', 'a;b''c', 12)");
  // Digits are below ';' (0x3B) too, so '123...' is quoted; inside quotes the quote and the escape are doubled.
  assert.deepEqual(texts(dir, "e"), ["'123''4**';'a;b''c';12"]);
  append(dir, "e", ["123*'4**;'a;b*'c';       12          "]);
  assert.deepEqual(await selectAfter(ddl, "SELECT * FROM e"), [
    { a: "123'4*", b: "a;b'c", n: 12 },
    { a: "123'4*", b: "a;b'c", n: 12 },
  ]);

  const bare = emptyTopic("b");
  const bareDdl = onLog(
    bare,
    "b",
    "a STRING, n INT",
    "'format' = 'csv', 'csv.disable-quote-character' = 'true', 'csv.escape-character' = '\\'",
  );
  await insert(bareDdl, `INSERT INTO b VALUES ('x,y "z"', 1), ('back\\slash', 2)`);
  assert.deepEqual(texts(bare, "b"), ['x\\,y "z",1', "back\\\\slash,2"]);
  assert.deepEqual(await selectAfter(bareDdl, "SELECT * FROM b"), [
    { a: 'x,y "z"', n: 1 },
    { a: "back\\slash", n: 2 },
  ]);
});

test("csv reading: '\\t' is a tab delimiter, 'csv.allow-comments' skips '#' records (else '#' is text), booleans as Java's parseBoolean, numbers trimmed, one-digit months, base64 BYTES, an empty record skipped", async () => {
  const dir = emptyTopic("r");
  append(dir, "r", [
    "1\tTRUE\t 12 \t2018-1-5\tAQI=\t1e3",
    "#2\ttrue\t1\t2018-01-05\t\t1",
    "",
    "3\tyes\t-7\t2020-02-29\t/w==\t-0.5",
  ]);
  const cols = "id STRING, ok BOOLEAN, n INT, d DATE, b BYTES, x DOUBLE";
  const rows = (await selectAfter(
    onLog(dir, "r", cols, "'format' = 'csv', 'csv.field-delimiter' = '\\t', 'csv.allow-comments' = 'true'"),
    "SELECT * FROM r",
  )) as { b: Buffer }[];
  assert.deepEqual(
    rows.map((r) => ({ ...r, b: [...r.b] })),
    [
      { id: "1", ok: true, n: 12, d: ts("2018-01-05 00:00:00"), b: [1, 2], x: 1000 },
      { id: "3", ok: false, n: -7, d: ts("2020-02-29 00:00:00"), b: [255], x: -0.5 },
    ],
  );
  // Without 'csv.allow-comments' the '#' record is data (its empty BYTES field is empty base64: no bytes).
  const letters: DeadLetter[] = [];
  const plain = await selectAfter(
    onLog(dir, "r", cols, "'format' = 'csv', 'csv.field-delimiter' = '\\t'"),
    "SELECT id FROM r",
    letters,
  );
  assert.deepEqual(plain, [{ id: "1" }, { id: "#2" }, { id: "3" }]);
  assert.deepEqual(letters, []);
});

test("'csv.ignore-parse-errors': a field that does not parse is NULL, missing fields are NULL, a record with too many fields or an unclosed quote is skipped; without it each fails, named", async () => {
  const dir = emptyTopic("bad");
  append(dir, "bad", ["x,a,1.5", "5", "1,a,2,extra", '"unclosed,a,1', "7,b,2", null]);
  const cols = "n INT, s STRING, v DOUBLE";
  assert.deepEqual(
    await selectAfter(
      onLog(dir, "bad", cols, "'format' = 'csv', 'csv.ignore-parse-errors' = 'true'"),
      "SELECT * FROM bad",
    ),
    [
      { n: null, s: "a", v: 1.5 },
      { n: 5, s: null, v: null },
      { n: 7, s: "b", v: 2 },
    ],
  );
  const letters: DeadLetter[] = [];
  assert.deepEqual(
    await selectAfter(onLog(dir, "bad", cols, "'format' = 'csv'"), "SELECT * FROM bad", letters),
    [{ n: 7, s: "b", v: 2 }],
  );
  assert.deepEqual(
    letters.map((l) => l.error.replace(/^.*cannot decode the csv value of /, "")),
    [
      "record bad/0@0 ('x,a,1.5'): field 'n': 'x' is not a INT",
      "record bad/0@1 ('5'): 3 fields expected but was 1",
      "record bad/0@2 ('1,a,2,extra'): 3 fields expected but was 4",
      `record bad/0@3 ('"unclosed,a,1'): a quoted field is not closed`,
    ],
  );
});

test("'csv.write-bigdecimal-in-scientific-notation': a DECIMAL below 1E-6 is written as BigDecimal.toString writes it (1E-8) by default, plain when false; both read back", async () => {
  for (const [option, expected] of [
    ["", ["1E-8", "0.50000000", "-1.5E-7"]],
    [
      ", 'csv.write-bigdecimal-in-scientific-notation' = 'false'",
      ["0.00000001", "0.50000000", "-0.00000015"],
    ],
  ] as const) {
    const dir = emptyTopic("d");
    const ddl = onLog(dir, "d", "v DECIMAL(10, 8)", `'format' = 'csv'${option}`);
    await insert(ddl, "INSERT INTO d VALUES (0.00000001), (0.5), (-0.00000015)");
    assert.deepEqual(texts(dir, "d"), expected);
    assert.deepEqual(await selectAfter(ddl, "SELECT * FROM d"), [{ v: 1e-8 }, { v: 0.5 }, { v: -1.5e-7 }]);
  }
});

test("raw: one column as the value's bytes, Flink's RawFormatSerializationSchema byte for byte (numbers big-endian by default or 'raw.endianness', text in 'raw.charset'); NULL is a tombstone and a tombstone reads as NULL", async () => {
  const cases: [string, string, string, string[], unknown[]][] = [
    ["INT", "", "258, -1", ["00000102", "ffffffff"], [258, -1]],
    ["INT", ", 'raw.endianness' = 'little-endian'", "258", ["02010000"], [258]],
    ["SMALLINT", "", "CAST(-2 AS SMALLINT)", ["fffe"], [-2]],
    ["TINYINT", "", "CAST(-1 AS TINYINT)", ["ff"], [-1]],
    ["BIGINT", "", "CAST(1099511627776 AS BIGINT)", ["0000010000000000"], [2 ** 40]],
    ["BIGINT", ", 'raw.endianness' = 'LITTLE-ENDIAN'", "CAST(1 AS BIGINT)", ["0100000000000000"], [1]],
    ["BOOLEAN", "", "true, false", ["01", "00"], [true, false]],
    ["FLOAT", "", "CAST(1.5 AS FLOAT)", ["3fc00000"], [1.5]],
    ["DOUBLE", "", "CAST(1.5 AS DOUBLE)", ["3ff8000000000000"], [1.5]],
    [
      "DOUBLE",
      ", 'value.raw.endianness' = 'little-endian'",
      "CAST(-2 AS DOUBLE)",
      ["00000000000000c0"],
      [-2],
    ],
    ["STRING", "", "'é€'", ["c3a9e282ac"], ["é€"]],
    ["VARCHAR(10)", ", 'raw.charset' = 'ISO-8859-1'", "'é€'", ["e93f"], ["é?"]],
    ["STRING", ", 'raw.charset' = 'UTF-16LE'", "'é'", ["e900"], ["é"]],
    ["STRING", ", 'raw.charset' = 'utf-16be'", "'é'", ["00e9"], ["é"]],
    ["STRING", ", 'raw.charset' = 'US-ASCII'", "'aé'", ["613f"], ["a?"]],
  ];
  for (const [type, options, values, hex, back] of cases) {
    const dir = emptyTopic("r");
    const ddl = onLog(dir, "r", `v ${type}`, `'format' = 'raw'${options}`);
    await insert(
      ddl,
      `INSERT INTO r VALUES ${values
        .split(", ")
        .map((v) => `(${v})`)
        .join(", ")}`,
    );
    assert.deepEqual(
      valuesOf(dir, "r").map((b) => b?.toString("hex")),
      hex,
      `${type}${options}`,
    );
    assert.deepEqual(
      (await selectAfter(ddl, "SELECT v FROM r")).map((r) => r.v),
      back,
      `${type}${options} read back`,
    );
  }
  // 'value.format' as Flink's Kafka connector spells it; NULL: a record without a value, read back as NULL.
  const dir = emptyTopic("n");
  const ddl = onLog(dir, "n", "v INT", "'value.format' = 'raw'");
  await insert(ddl, "INSERT INTO n VALUES (7), (CAST(NULL AS INT))");
  assert.deepEqual(valuesOf(dir, "n"), [Buffer.from([0, 0, 0, 7]), null]);
  assert.deepEqual(await selectAfter(ddl, "SELECT * FROM n"), [{ v: 7 }, { v: null }]);
});

test("raw BYTES are the bytes as they are; a number of the wrong size fails the record with Flink's message, naming it", async () => {
  const dir = emptyTopic("b");
  append(dir, "b", [Buffer.from([0, 255, 10]), Buffer.alloc(0), null]);
  const rows = await selectAfter(onLog(dir, "b", "v BYTES", "'format' = 'raw'"), "SELECT v FROM b");
  assert.deepEqual(
    rows.map((r) => (r.v === null ? null : [...(r.v as Buffer)])),
    [[0, 255, 10], [], null],
  );
  const letters: DeadLetter[] = [];
  assert.deepEqual(
    await selectAfter(onLog(dir, "b", "v INT", "'format' = 'raw'"), "SELECT v FROM b", letters),
    [{ v: null }],
  );
  assert.deepEqual(
    letters.map((l) => l.error.replace(/^.*(table b:)/, "$1")),
    [
      "table b: cannot decode the raw value of record b/0@0 (column v): Size of data received for deserializing INT type is not 4.",
      "table b: cannot decode the raw value of record b/0@1 (column v): Size of data received for deserializing INT type is not 4.",
    ],
  );
});

test("raw with a key: 'key.format' = 'raw' shares the codec (an INT key, little-endian), the value one column in raw with 'value.fields-include' = 'EXCEPT_KEY'; csv values beside a json key", async () => {
  const dir = emptyTopic("k");
  const ddl = onLog(
    dir,
    "k",
    "id INT, name STRING",
    "'key.format' = 'raw', 'key.fields' = 'id', 'key.raw.endianness' = 'little-endian', 'value.fields-include' = 'EXCEPT_KEY', 'value.format' = 'raw'",
  );
  await insert(ddl, "INSERT INTO k VALUES (1, 'ada'), (2, CAST(NULL AS STRING))");
  const log = openLog({ dir, readOnly: true });
  const records = log
    .topic("k")
    .partition(0)
    .fetch(0, { isolation: "read_committed", maxRecords: 10 }).records;
  log.close();
  assert.deepEqual(
    records.map((r) => [
      (r.key as Buffer).toString("hex"),
      r.value === null ? null : (r.value as Buffer).toString(),
    ]),
    [
      ["01000000", "ada"],
      ["02000000", null],
    ],
  );
  assert.deepEqual(await selectAfter(ddl, "SELECT * FROM k"), [
    { id: 1, name: "ada" },
    { id: 2, name: null },
  ]);

  const c = emptyTopic("c");
  const csvDdl = onLog(
    c,
    "c",
    "id INT, name STRING, n INT",
    "'key.format' = 'json', 'key.fields' = 'id', 'value.fields-include' = 'EXCEPT_KEY', 'value.format' = 'csv', 'value.csv.field-delimiter' = ';'",
  );
  await insert(csvDdl, "INSERT INTO c VALUES (1, 'x y', 2)");
  assert.deepEqual(texts(c, "c"), ['"x y";2']);
  assert.deepEqual(await selectAfter(csvDdl, "SELECT * FROM c"), [{ id: 1, name: "x y", n: 2 }]);
});

test("an upsert-log table with a json key and a csv value: each row's value in csv under its key; a tombstone deletes the key's row", async () => {
  const dir = emptyTopic("u");
  const ddl = `CREATE TABLE u (id INT, name STRING, n INT, PRIMARY KEY (id) NOT ENFORCED) WITH (
    'connector' = 'upsert-log', 'log' = '${dir}', 'topic' = 'u', 'bounded' = 'true',
    'key.format' = 'json', 'value.format' = 'csv', 'value.fields-include' = 'EXCEPT_KEY')`;
  await insert(ddl, "INSERT INTO u VALUES (1, 'a b', 1), (2, 'c', 2), (1, 'd', 3)");
  assert.deepEqual(texts(dir, "u"), ['"a b",1', "c,2", "d,3"]);
  const log = openLog({ dir });
  log.topic("u").append([{ key: Buffer.from('{"id":2}'), value: null }]);
  log.close();
  const changes = await selectAfter(ddl, "SELECT * FROM u");
  assert.deepEqual(
    changes.map((x) => `${rowKind(x)}${x.id}=${x.name},${x.n}`),
    ["+I1=a b,1", "+I2=c,2", "-U1=a b,1", "+U1=d,3", "-D2=c,2"],
  );
  assert.deepEqual(materialize(changes), [{ id: 1, name: "d", n: 3 }]);
});

test("bad csv and raw options, columns and types are refused when the table is used, naming the option", async () => {
  const dir = emptyTopic("t");
  const cases: [string, string, RegExp][] = [
    [
      "a INT",
      "'format' = 'csv', 'csv.field-delimiter' = ';;'",
      /table t: option 'csv.field-delimiter' must be a single character, got ';;'/,
    ],
    [
      "a INT",
      "'format' = 'csv', 'csv.quote-character' = '\"\"'",
      /option 'csv.quote-character' must be a single character/,
    ],
    [
      "a INT",
      "'format' = 'csv', 'csv.escape-character' = 'ab'",
      /option 'csv.escape-character' must be a single character/,
    ],
    [
      "a INT",
      "'format' = 'csv', 'csv.array-element-delimiter' = ';;'",
      /option 'csv.array-element-delimiter' must be a single character/,
    ],
    [
      "a INT",
      "'format' = 'csv', 'csv.quote-character' = '''', 'csv.disable-quote-character' = 'true'",
      /'csv.quote-character' cannot be set when 'csv.disable-quote-character' is true/,
    ],
    [
      "a INT",
      "'format' = 'csv', 'csv.unknown' = 'x'",
      /table t: the csv format: unknown option 'csv.unknown': the options are csv.allow-comments,/,
    ],
    ["a INT", "'format' = 'csv', 'csv.allow-comments' = 'maybe'", /allow-comments/],
    [
      "a ARRAY<INT>",
      "'format' = 'csv'",
      /table t: the csv format: column 'a': type ARRAY<INT> is not supported/,
    ],
    [
      "a INT, b STRING",
      "'format' = 'raw'",
      /table t: The 'raw' format only supports single physical column. However the defined schema contains multiple physical columns: \[`a` INT, `b` STRING\]/,
    ],
    [
      "a DECIMAL(10, 2)",
      "'format' = 'raw'",
      /table t: The 'raw' format doesn't supports 'DECIMAL\(10, 2\)' as column type/,
    ],
    [
      "a STRING",
      "'format' = 'raw', 'raw.charset' = 'EBCDIC-XX'",
      /Unsupported 'raw.charset' name: EBCDIC-XX/,
    ],
    [
      "a INT",
      "'format' = 'raw', 'raw.endianness' = 'middle'",
      /Unsupported endianness name: middle. Valid values of 'raw.endianness' option are 'big-endian' and 'little-endian'/,
    ],
    [
      "a INT",
      "'format' = 'raw', 'raw.line-delimiter' = 'x'",
      /table t: the raw format: unknown option 'raw.line-delimiter'/,
    ],
    ["a INT", "'format' = 'raw', 'value.format' = 'raw'", /give 'format' or 'value.format', not both/],
    [
      "a INT, b INT",
      "'key.format' = 'raw', 'key.fields' = 'a;b', 'value.format' = 'raw', 'value.fields-include' = 'EXCEPT_KEY'",
      /multiple physical columns: \[`a` INT, `b` INT\] \(the key fields\)/,
    ],
  ];
  for (const [columns, options, message] of cases) {
    const ddl = onLog(dir, "t", columns, options);
    await assert.rejects(selectAfter(ddl, "SELECT * FROM t"), message, `reading: ${options}`);
    const tEnv = logTableEnv();
    await tEnv.executeScript(ddl.replace("'bounded' = 'true', ", ""));
    await assert.rejects(
      (async () => (await tEnv.executeSql("INSERT INTO t SELECT * FROM t")).await())(),
      message,
      `writing: ${options}`,
    );
  }
});

test("the filesystem connector keeps its own csv format ('format' = 'csv' is not taken over by SQL there)", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const root = mkdtempSync(join(tmpdir(), "csv-fs-"));
  try {
    writeFileSync(join(root, "a.csv"), '1,"x y"\n');
    const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
      connectors: logConnectors,
    });
    await tEnv.executeSql(
      `CREATE TABLE f (n INT, s STRING) WITH ('connector' = 'filesystem', 'path' = '${root}', 'format' = 'csv')`,
    );
    assert.deepEqual(await (await tEnv.executeSql("SELECT * FROM f")).collect(), [{ n: 1, s: "x y" }]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// Random rows of random column types, written from a json table into a csv table with random
// options and read back: the csv table's rows equal the json table's.
test("property: rows of random column types and random csv options written then read back are the rows written", {
  timeout: 600_000,
}, async () => {
  const text = fc.string({
    unit: fc.constantFrom("a", "b", " ", ",", ";", "|", '"', "'", "\\", "\n", "é", "#", "*", "\t"),
    maxLength: 30,
  });
  const kinds = {
    INT: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    BIGINT: fc.maxSafeInteger(),
    DOUBLE: fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
    "DECIMAL(12, 3)": fc.integer({ min: -999_999_999, max: 999_999_999 }).map((m) => m / 1000),
    BOOLEAN: fc.boolean(),
    STRING: text,
    "TIMESTAMP(3)": fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) }),
    DATE: fc.integer({ min: 0, max: 80_000 }).map((day) => day * 86_400_000),
    "TIME(3)": fc.integer({ min: 0, max: 86_399_999 }),
  } as const;
  type Kind = keyof typeof kinds;
  const schema = fc.array(fc.constantFrom(...(Object.keys(kinds) as Kind[])), { minLength: 1, maxLength: 6 });
  const options = fc.record({
    delimiter: fc.constantFrom(",", ";", "\\t", "|"),
    quote: fc.constantFrom(undefined, "'", '"'),
    escape: fc.constantFrom(undefined, "\\", "*"),
    nullLiteral: fc.constantFrom("<null>", "NULL"),
  });
  const sample = schema.chain((types) =>
    fc.tuple(
      fc.constant(types),
      fc.array(fc.tuple(...types.map((t) => fc.option(kinds[t] as fc.Arbitrary<unknown>, { nil: null }))), {
        maxLength: 12,
      }),
      options,
    ),
  );
  await fc.assert(
    fc.asyncProperty(sample, async ([types, tuples, o]) => {
      const columns = types.map((t, i) => `c${i} ${t}`).join(", ");
      const rows = tuples.map((values, n) => ({
        n,
        ...Object.fromEntries(values.map((v, i) => [`c${i}`, v])),
      }));
      const src = logWithRows("src", rows);
      const dir = emptyTopic("out");
      const quote =
        o.quote === undefined ? "" : `, 'csv.quote-character' = '${o.quote.replaceAll("'", "''")}'`;
      const escaping = o.escape === undefined ? "" : `, 'csv.escape-character' = '${o.escape}'`;
      const ddl = `${onLog(src, "src", `n INT, ${columns}`, "'format' = 'json'")};
        ${onLog(dir, "out", `n INT, ${columns}`, `'format' = 'csv', 'csv.field-delimiter' = '${o.delimiter}', 'csv.null-literal' = '${o.nullLiteral}'${quote}${escaping}`)}`;
      await insert(ddl, "INSERT INTO out SELECT * FROM src");
      const expected = await selectAfter(ddl, "SELECT * FROM src");
      assert.equal(valuesOf(dir, "out").length, rows.length);
      assert.deepEqual(await selectAfter(ddl, "SELECT * FROM out"), expected);
    }),
    { numRuns: 25 },
  );
});

// Random values of every raw type with a random byte order: written then read back equal.
test("property: random raw values of every raw type and byte order read back equal", {
  timeout: 600_000,
}, async () => {
  const kinds = {
    TINYINT: fc.integer({ min: -128, max: 127 }),
    SMALLINT: fc.integer({ min: -32768, max: 32767 }),
    INT: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    BIGINT: fc.maxSafeInteger(),
    FLOAT: fc.float({ noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
    DOUBLE: fc.double({ noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
    BOOLEAN: fc.boolean(),
    STRING: fc.string({ unit: "grapheme", maxLength: 20 }),
  } as const;
  type Kind = keyof typeof kinds;
  const sample = fc
    .constantFrom(...(Object.keys(kinds) as Kind[]))
    .chain((t) =>
      fc.tuple(
        fc.constant(t),
        fc.array(fc.option(kinds[t] as fc.Arbitrary<unknown>, { nil: null }), { maxLength: 10 }),
        fc.constantFrom("big-endian", "little-endian"),
      ),
    );
  await fc.assert(
    fc.asyncProperty(sample, async ([type, values, endianness]) => {
      const src = logWithRows(
        "src",
        values.map((v, n) => ({ n, v })),
      );
      const dir = emptyTopic("out");
      const ddl = `${onLog(src, "src", `n INT, v ${type}`, "'format' = 'json'")};
        ${onLog(dir, "out", `v ${type}`, `'format' = 'raw', 'raw.endianness' = '${endianness}'`)}`;
      await insert(ddl, "INSERT INTO out SELECT v FROM src");
      const expected = (await selectAfter(ddl, "SELECT v FROM src")).map((r) => r.v);
      assert.deepEqual(
        valuesOf(dir, "out").map((b) => b === null),
        expected.map((v) => v === null),
      );
      assert.deepEqual(
        (await selectAfter(ddl, "SELECT v FROM out")).map((r) => r.v),
        expected,
      );
    }),
    { numRuns: 25 },
  );
});
