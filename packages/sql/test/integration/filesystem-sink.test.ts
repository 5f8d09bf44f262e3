// Flink's filesystem connector as a SQL sink: INSERT INTO a csv or json table writes part files
// that the filesystem source reads back equal to the rows inserted (the oracle), for any rows
// (a fast-check property, with rolling by size and checkpoints making several files per subtask);
// the files' text is Flink's; an updating query and bad options are refused naming the operator or
// option. The SIGKILL test is in filesystem-sink-crash.test.ts; partitioned tables are in
// filesystem-partitions.test.ts.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const COLUMNS =
  "id BIGINT, name STRING, price DOUBLE, amount DECIMAL(10, 2), ok BOOLEAN, ts TIMESTAMP(3), d DATE";

const tmp = () => mkdtempSync(join(tmpdir(), "sql-fs-sink-"));
const byId = (rows: Row[]) => [...rows].sort((a, b) => (a.id as number) - (b.id as number));

/** Files of `dir`: the finished part files, and any other (hidden) file left. */
function listing(dir: string): { parts: string[]; others: string[] } {
  const names = readdirSync(dir);
  const part = /^part-[0-9a-f-]{36}-\d+-\d+$/;
  return { parts: names.filter((n) => part.test(n)), others: names.filter((n) => !part.test(n)) };
}

/** Inserts `rows` (given as the log holds them) into a filesystem table at `out`; returns its rows read back. */
async function roundTrip(
  rows: readonly Row[],
  out: string,
  format: "csv" | "json",
  opts: { parallelism?: number; checkpointMs?: number; more?: string } = {},
): Promise<Row[]> {
  const log = logWithRows("src", rows);
  const env = StreamExecutionEnvironment.create({
    parallelism: opts.parallelism ?? 1,
    log: () => {},
    ...(opts.checkpointMs === undefined
      ? {}
      : { checkpointing: { dir: join(out, "..", `cp-${format}`), intervalMs: opts.checkpointMs } }),
  });
  const tEnv = sql(env, { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE src (${COLUMNS}) WITH ('connector' = 'log', 'log' = '${log}', 'topic' = 'src', 'bounded' = 'true');
    CREATE TABLE sink (${COLUMNS})
      WITH ('connector' = 'filesystem', 'path' = '${out}', 'format' = '${format}'${opts.more ?? ""});`);
  await (await tEnv.executeSql("INSERT INTO sink SELECT * FROM src")).await();
  const back = sql(StreamExecutionEnvironment.create({ log: () => {} }));
  await back.executeSql(`CREATE TABLE files (${COLUMNS})
    WITH ('connector' = 'filesystem', 'path' = '${out}', 'format' = '${format}'${opts.more ?? ""})`);
  return (await back.executeSql("SELECT * FROM files")).collect();
}

const ROWS: Row[] = [
  {
    id: 1,
    name: "plain",
    price: 2,
    amount: 11,
    ok: true,
    ts: Date.UTC(2020, 3, 15, 8, 5),
    d: Date.UTC(2020, 3, 15),
  },
  {
    id: 2,
    name: 'a, "quoted"\nline',
    price: 0.25,
    amount: 3.5,
    ok: false,
    ts: Date.UTC(2020, 3, 15, 8, 5, 7, 120),
    d: Date.UTC(1999, 11, 31),
  },
  { id: 3, name: "", price: null, amount: null, ok: null, ts: null, d: null },
];

test("INSERT INTO a csv and a json filesystem table: Flink's text, read back equal to the rows inserted", async () => {
  const root = tmp();
  try {
    for (const format of ["csv", "json"] as const) {
      const out = join(root, format);
      const more = format === "csv" ? ", 'csv.null-literal' = 'N/A'" : "";
      assert.deepEqual(byId(await roundTrip(ROWS, out, format, { more })), ROWS, format);
      const { parts, others } = listing(out);
      assert.deepEqual(others, [], "no in-progress file left");
      assert.equal(parts.length, 1, "one subtask, one file");
      const text = readFileSync(join(out, parts[0] as string), "utf8");
      assert.equal(
        text,
        format === "csv"
          ? // Jackson quotes a text holding a space (a timestamp's too), as Flink's own test expects "2018-10-12 12:12:12".
            '1,plain,2.0,11.00,true,"2020-04-15 08:05:00",2020-04-15\n2,"a, ""quoted""\nline",0.25,3.50,false,"2020-04-15 08:05:07.12",1999-12-31\n3,,N/A,N/A,N/A,N/A,N/A\n'
          : [
              '{"id":1,"name":"plain","price":2.0,"amount":11.00,"ok":true,"ts":"2020-04-15 08:05:00","d":"2020-04-15"}',
              '{"id":2,"name":"a, \\"quoted\\"\\nline","price":0.25,"amount":3.50,"ok":false,"ts":"2020-04-15 08:05:07.12","d":"1999-12-31"}',
              '{"id":3,"name":"","price":null,"amount":null,"ok":null,"ts":null,"d":null}\n',
            ].join("\n"),
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// Any rows, any delimiter and escaping: what the files hold reads back as the rows inserted, at
// parallelism 2, with files rolled by size (a few rows each) and at checkpoints.
test("property: rows written by the filesystem sink read back equal (csv and json, rolled files)", {
  timeout: 300_000,
}, async () => {
  const text = fc.string({
    unit: fc.constantFrom("a", "b", " ", ",", ";", '"', "'", "\\", "\n", "é", "#"),
    maxLength: 8,
  });
  const row = fc.record({
    name: fc.option(text, { nil: null }),
    price: fc.option(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
      { nil: null },
    ),
    amount: fc.option(
      fc.integer({ min: -99_999_999, max: 99_999_999 }).map((c) => c / 100),
      { nil: null },
    ),
    ok: fc.option(fc.boolean(), { nil: null }),
    ts: fc.option(fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) }), { nil: null }),
    d: fc.option(
      fc.integer({ min: 0, max: 80_000 }).map((day) => day * 86_400_000),
      { nil: null },
    ),
  });
  const csvOptions = fc.record({
    delimiter: fc.constantFrom(",", ";", "\\t", "|"),
    escape: fc.constantFrom(undefined, "\\"),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(row, { maxLength: 40 }),
      fc.constantFrom("csv" as const, "json" as const),
      csvOptions,
      async (rows, format, csv) => {
        const input = rows.map((r, i) => ({ id: i, ...r }));
        const root = tmp();
        try {
          const more =
            format === "json"
              ? ", 'sink.rolling-policy.file-size' = '200b'"
              : `, 'sink.rolling-policy.file-size' = '200b', 'csv.null-literal' = '<null>', 'csv.field-delimiter' = '${csv.delimiter}'${
                  csv.escape === undefined
                    ? ""
                    : `, 'csv.escape-character' = '\\', 'csv.disable-quote-character' = 'true'`
                }`;
          const back = await roundTrip(input, join(root, "out"), format, {
            parallelism: 2,
            checkpointMs: 20,
            more,
          });
          assert.deepEqual(byId(back), input);
          if (input.length > 0) assert.deepEqual(listing(join(root, "out")).others, []);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      },
    ),
    { numRuns: 25 },
  );
});

test("an updating query is refused by the filesystem sink, naming the operator that updates", async () => {
  const root = tmp();
  try {
    const log = logWithRows("src", ROWS);
    const tEnv = sql(StreamExecutionEnvironment.create({ log: () => {} }), { connectors: logConnectors });
    await tEnv.executeScript(`
      CREATE TABLE src (${COLUMNS}) WITH ('connector' = 'log', 'log' = '${log}', 'topic' = 'src', 'bounded' = 'true');
      CREATE TABLE counts (ok BOOLEAN, n BIGINT)
        WITH ('connector' = 'filesystem', 'path' = '${join(root, "out")}', 'format' = 'csv');`);
    await assert.rejects(
      tEnv.executeSql("INSERT INTO counts SELECT ok, COUNT(*) FROM src GROUP BY ok"),
      (e: Error) =>
        /table counts \('filesystem'\) is an append-only sink: it cannot take the updates .* produced by GroupAggregate/.test(
          e.message,
        ),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("bad options are refused when the INSERT is planned, naming the option", async () => {
  const root = tmp();
  try {
    const log = logWithRows("src", ROWS);
    const tEnv = sql(StreamExecutionEnvironment.create({ log: () => {} }), { connectors: logConnectors });
    await tEnv.executeSql(
      `CREATE TABLE src (${COLUMNS}) WITH ('connector' = 'log', 'log' = '${log}', 'topic' = 'src', 'bounded' = 'true')`,
    );
    const cases: [string, RegExp][] = [
      [
        "'format' = 'csv', 'sink.rolling-policy.file-size' = 'big'",
        /option 'sink.rolling-policy.file-size' must be a memory size .* got 'big'/,
      ],
      [
        "'format' = 'csv', 'sink.rolling-policy.rollover-interval' = '0 s'",
        /option 'sink.rolling-policy.rollover-interval' must be longer than 0 ms/,
      ],
      ["'format' = 'avro'", /'format'.*avro/],
      [
        "'format' = 'csv', 'csv.field-delimiter' = ';;'",
        /option 'csv.field-delimiter' must be a single character/,
      ],
      [
        "'format' = 'json', 'sink.rolling-policy.check-interval' = '1 min'",
        /sink.rolling-policy.check-interval/,
      ],
    ];
    for (const [i, [options, message]] of cases.entries()) {
      await tEnv.executeSql(
        `CREATE TABLE bad${i} (${COLUMNS}) WITH ('connector' = 'filesystem', 'path' = '${join(root, `o${i}`)}', ${options})`,
      );
      await assert.rejects(tEnv.executeSql(`INSERT INTO bad${i} SELECT * FROM src`), (e: Error) => {
        assert.match(e.message, message);
        assert.match(e.message, new RegExp(`table bad${i}`));
        return true;
      });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
