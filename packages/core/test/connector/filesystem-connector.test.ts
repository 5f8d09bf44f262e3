// Flink's filesystem connector (source side): a file or a directory of csv or json files read once
// (hidden files and fileSink's .inprogress left out), Flink's csv options (delimiter, quotes,
// escapes, null literal, comments) and its type conversions, records that do not parse going to the
// job's error policy with their file and line (or skipped, fields NULL, with ignore-parse-errors),
// a checkpointed position, and bad options named at start-up.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import {
  type ConnectorRecord,
  createSource,
  type DeadLetter,
  filesystemConnector,
  fileTable,
  type SourceOutput,
  StreamExecutionEnvironment,
} from "../../src/index.js";

const schema = [
  { name: "id", type: "BIGINT" },
  { name: "name", type: "STRING" },
  { name: "price", type: "DECIMAL(10, 2)" },
  { name: "ok", type: "BOOLEAN" },
];

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), "fs-connector-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, ".."), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

async function read(
  options: Record<string, string>,
  parallelism = 1,
  errorPolicy: "fail" | "skip" | { deadLetter(l: DeadLetter): void } = "fail",
) {
  const env = StreamExecutionEnvironment.create({ parallelism, errorPolicy, log: () => {} });
  const source = createSource(filesystemConnector, options, { schema });
  return env.executeAndCollect(env.fromSource(source).map((r) => r.value as Record<string, unknown>));
}

const byId = (rows: Record<string, unknown>[]) =>
  [...rows].sort((a, b) => (a.id as number) - (b.id as number));

test("csv: a directory's files in name order, recursively, hidden files and .inprogress left out", async () => {
  const d = dir({
    "a.csv": "1,pen,1.50,true\n2,ink,2,FALSE\n",
    "sub/b.csv": '3,"a, quoted ""name""",0.25,True\r\n',
    ".hidden.csv": "9,no,0,false\n",
    _SUCCESS: "9,no,0,false\n",
    ".inprogress/part-0-0": "9,no,0,false\n",
  });
  const want = [
    { id: 1, name: "pen", price: 1.5, ok: true },
    { id: 2, name: "ink", price: 2, ok: false },
    { id: 3, name: 'a, quoted "name"', price: 0.25, ok: true },
  ];
  for (const parallelism of [1, 2]) {
    assert.deepEqual(
      byId(await read({ path: d, format: "csv" }, parallelism)),
      want,
      `parallelism ${parallelism}`,
    );
  }
  // One file, by path or by file:// URI.
  assert.deepEqual(await read({ path: join(d, "a.csv"), format: "csv" }), want.slice(0, 2));
  assert.deepEqual(
    await read({ path: pathToFileURL(join(d, "a.csv")).href, format: "csv" }),
    want.slice(0, 2),
  );
});

test("csv options: delimiter (\\t), escape character, null literal, no quoting, comments", async () => {
  const d = dir({ "t.tsv": "# a comment\n1\tN/A\t3\tfalse\n2\ta\\\tb\t4\ttrue\n\n" });
  assert.deepEqual(
    await read({
      path: d,
      format: "csv",
      "csv.field-delimiter": "\\t",
      "csv.escape-character": "\\",
      "csv.null-literal": "N/A",
      "csv.allow-comments": "true",
    }),
    [
      { id: 1, name: null, price: 3, ok: false },
      { id: 2, name: "a\tb", price: 4, ok: true },
    ],
  );
  const q = dir({ "q.csv": '1,"x",1,true\n' });
  assert.deepEqual(await read({ path: q, format: "csv", "csv.disable-quote-character": "true" }), [
    { id: 1, name: '"x"', price: 1, ok: true },
  ]);
});

test("csv: a comment line is skipped before it is tokenised: a quote in it opens no field", async () => {
  // Tokenised, the comment's `,"` would open a quoted field running to the next quote, two
  // records on.
  const d = dir({
    "c.csv": '# see,"the notes\n1,a,1,true\n2,b,2,true\n# closing" quote\n3,c,3,true\n# last, "no newline',
  });
  assert.deepEqual(await read({ path: d, format: "csv", "csv.allow-comments": "true" }), [
    { id: 1, name: "a", price: 1, ok: true },
    { id: 2, name: "b", price: 2, ok: true },
    { id: 3, name: "c", price: 3, ok: true },
  ]);
});

test("csv: a record with more fields than columns fails as one with fewer (Flink's arity check), and is read with its extra fields dropped under ignore-parse-errors", async () => {
  const d = dir({ "long.csv": "1,pen,1,true\n2,ink,2,true,extra\n3,cap,3,false\n" });
  const file = join(d, "long.csv");
  const letters: DeadLetter[] = [];
  const rows = await read({ path: d, format: "csv" }, 1, { deadLetter: (l) => letters.push(l) });
  assert.deepEqual(
    rows.map((r) => r.id),
    [1, 3],
  );
  assert.deepEqual(
    letters.map((l) => [l.record, l.error]),
    [["2,ink,2,true,extra", `connector 'filesystem': ${file}, line 2: 4 fields expected but was 5`]],
  );
  // Flink's validateArity lets the record through with ignore-parse-errors; the row has the columns' fields.
  assert.deepEqual(await read({ path: d, format: "csv", "csv.ignore-parse-errors": "true" }), [
    { id: 1, name: "pen", price: 1, ok: true },
    { id: 2, name: "ink", price: 2, ok: true },
    { id: 3, name: "cap", price: 3, ok: false },
  ]);
});

test("json: one object per line, missing members NULL, values converted to the column types", async () => {
  const d = dir({
    "r.json":
      '{"id": 1, "name": "pen", "price": 1.5, "ok": true}\n{"id": "2", "price": "3.25", "extra": 1}\n',
  });
  assert.deepEqual(await read({ path: d, format: "json" }), [
    { id: 1, name: "pen", price: 1.5, ok: true },
    { id: 2, name: null, price: 3.25, ok: null },
  ]);
});

test("records that do not parse go to the error policy with file and line, or are skipped/NULL when ignored", async () => {
  const d = dir({ "bad.csv": "1,pen,1,true\nx,ink,2,true\n3,short\n4,ok,,true\n5,good,5,true\n" });
  const file = join(d, "bad.csv");
  const letters: DeadLetter[] = [];
  const rows = await read({ path: d, format: "csv" }, 1, { deadLetter: (l) => letters.push(l) });
  assert.deepEqual(
    rows.map((r) => r.id),
    [1, 5],
  );
  assert.deepEqual(
    letters.map((l) => [l.record, l.error]),
    [
      ["x,ink,2,true", `connector 'filesystem': ${file}, line 2: field 'id': 'x' is not a BIGINT`],
      ["3,short", `connector 'filesystem': ${file}, line 3: 4 fields expected but was 2`],
      ["4,ok,,true", `connector 'filesystem': ${file}, line 4: field 'price': '' is not a DECIMAL(10, 2)`],
    ],
  );
  await assert.rejects(read({ path: d, format: "csv" }), /line 2: field 'id': 'x' is not a BIGINT/);
  // Flink's csv.ignore-parse-errors: bad fields NULL, short rows padded with NULL.
  assert.deepEqual(await read({ path: d, format: "csv", "csv.ignore-parse-errors": "true" }), [
    { id: 1, name: "pen", price: 1, ok: true },
    { id: null, name: "ink", price: 2, ok: true },
    { id: 3, name: "short", price: null, ok: null },
    { id: 4, name: "ok", price: null, ok: true },
    { id: 5, name: "good", price: 5, ok: true },
  ]);
  // Flink 1.20's json reads a BIGINT from a fractional number cut toward zero (1.5 is 1).
  const j = dir({ "bad.json": '{"id": 1}\nnot json\n{"id": 1.5}\n[1]\n{"id": "x"}\n{"id": 2}\n' });
  const jLetters: DeadLetter[] = [];
  const jRows = await read({ path: j, format: "json" }, 1, { deadLetter: (l) => jLetters.push(l) });
  assert.deepEqual(
    jRows.map((r) => r.id),
    [1, 1, 2],
  );
  const jPrefix = `connector 'filesystem': ${join(j, "bad.json")}, `;
  assert.deepEqual(
    jLetters.map((l) => l.error.slice(jPrefix.length).replace(/^(line 2: not JSON).*/, "$1")),
    ["line 2: not JSON", "line 4: not a JSON object", "line 5: field 'id': 'x' is not a BIGINT"],
  );
  assert.deepEqual(
    (await read({ path: j, format: "json", "json.ignore-parse-errors": "true" })).map((r) => r.id),
    [1, 1, null, 2],
  );
  await assert.rejects(
    read({ path: j, format: "json", "json.fail-on-missing-field": "true" }),
    /line 1: field 'name' is missing/,
  );
});

test("the reader's position is checkpointed: a restored reader goes on from the record reached", () => {
  const d = dir({ "a.csv": "1,a,1,true\n2,b,2,true\n", "b.csv": "3,c,3,true\n4,d,4,true\n5,e,5,true\n" });
  const source = createSource(filesystemConnector, { path: d, format: "csv" }, { schema });
  const ctx = { subtaskIndex: 0, parallelism: 1, now: () => 0 };
  const got: unknown[] = [];
  const out = {
    collect: (r: ConnectorRecord) => got.push((r.value as { id: number }).id),
    reject: () => assert.fail("no bad records"),
  } as unknown as SourceOutput<ConnectorRecord>;
  const first = source.createReader(ctx);
  assert.equal(first.poll(out, 3), "more");
  const state = first.snapshot?.(1);
  const second = source.createReader(ctx);
  second.restore?.(state);
  assert.equal(second.poll(out, 100), "end");
  assert.deepEqual(got, [1, 2, 3, 4, 5]);
});

test("a restored reader goes on by path: a file added before the current one between checkpoint and restore moves nothing", () => {
  const d = dir({
    "b.csv": "1,a,1,true\n2,b,2,true\n",
    "c.csv": "3,c,3,true\n4,d,4,true\n",
    "d.csv": "5,e,5,true\n",
  });
  const ctx = { subtaskIndex: 0, parallelism: 1, now: () => 0 };
  const got: number[] = [];
  const out = {
    collect: (r: ConnectorRecord) => got.push((r.value as { id: number }).id),
    reject: () => assert.fail("no bad records"),
  } as unknown as SourceOutput<ConnectorRecord>;
  const first = createSource(filesystemConnector, { path: d, format: "csv" }, { schema }).createReader(ctx);
  assert.equal(first.poll(out, 3), "more"); // b.csv read, c.csv at its second record
  const state = structuredClone(first.snapshot?.(1));
  // Before the restore: a file that sorts first appears (a bounded source read its listing at
  // start, as Flink's: the restored one does not read the newcomer).
  writeFileSync(join(d, "a.csv"), "100,new,1,true\n101,new,1,true\n");
  // A restored job lists the directory again (a new source).
  const second = createSource(filesystemConnector, { path: d, format: "csv" }, { schema }).createReader(ctx);
  second.restore?.(state);
  assert.equal(second.poll(out, 100), "end");
  assert.deepEqual(got, [1, 2, 3, 4, 5]);
});

test("a reader restores the position of the first checkpoint shape (an index into the listing) and names a state it cannot read", () => {
  const d = dir({ "a.csv": "1,a,1,true\n2,b,2,true\n", "b.csv": "3,c,3,true\n4,d,4,true\n" });
  const ctx = { subtaskIndex: 0, parallelism: 1, now: () => 0 };
  const got: number[] = [];
  const out = {
    collect: (r: ConnectorRecord) => got.push((r.value as { id: number }).id),
    reject: () => assert.fail("no bad records"),
  } as unknown as SourceOutput<ConnectorRecord>;
  const source = createSource(filesystemConnector, { path: d, format: "csv" }, { schema });
  const reader = source.createReader(ctx);
  reader.restore?.({ at: 1, next: 1 });
  assert.equal(reader.poll(out, 100), "end");
  assert.deepEqual(got, [4]);
  assert.throws(
    () => source.createReader(ctx).restore?.({ position: 3 }),
    /connector 'filesystem': cannot restore the source's position from \{"position":3\}/,
  );
});

test("bad options are named at start-up: missing path, unknown format, a two-character delimiter, unsupported types", () => {
  assert.throws(
    () => createSource(filesystemConnector, { path: "/nonexistent/fleuve", format: "csv" }, { schema }),
    /option 'path': cannot read '\/nonexistent\/fleuve'/,
  );
  assert.throws(
    () => createSource(filesystemConnector, { path: "/tmp", format: "avro" }, { schema }),
    /invalid option 'format': expected one of "csv", "json", got "avro"/,
  );
  const d = dir({ "a.csv": "" });
  assert.throws(
    () =>
      createSource(filesystemConnector, { path: d, format: "csv", "csv.field-delimiter": ";;" }, { schema }),
    /'csv.field-delimiter' must be a single character, got ';;'/,
  );
  assert.throws(
    () => fileTable({ path: d, format: "csv" }, [{ name: "tags", type: "ARRAY<STRING>" }]),
    /column 'tags': type ARRAY<STRING> is not supported by the csv format/,
  );
  assert.throws(
    () =>
      createSource(
        filesystemConnector,
        { path: d, format: "csv", "source.monitor-interval": "1 s" },
        { schema },
      ),
    /unknown option 'source.monitor-interval'/,
  );
  assert.throws(
    () => createSource(filesystemConnector, { path: d, format: "csv" }),
    /declare them in a SQL CREATE TABLE/,
  );
});
