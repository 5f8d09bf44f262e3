// Partitioned filesystem tables (Flink's filesystem connector with PARTITIONED BY): an INSERT
// writes each row into `<k1>=<v1>/<k2>=<v2>/` under the table's path, names escaped as Hive and
// Flink escape them, NULL or '' as the default partition name, the partition columns left out of
// the files; a scan reads the partition directories back and fills the partition columns from the
// names. The oracle: the rows inserted, grouped by an escaping written here from Flink's list of
// characters. The SIGKILL test is in filesystem-sink-crash.test.ts.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { escapePathName, StreamExecutionEnvironment, unescapePathName } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const tmp = () => mkdtempSync(join(tmpdir(), "sql-fs-part-"));
const PART = /^part-[0-9a-f-]{36}-\d+-\d+$/;

/** Flink's PartitionPathUtils escaping, written out: control characters, DEL and these as %XX. */
function oracleEscape(s: string): string {
  return [...s]
    .map((c) => {
      const code = c.charCodeAt(0);
      return code < 0x20 || code === 0x7f || `"#%'*/:=?\\{[]^`.includes(c)
        ? `%${code.toString(16).toUpperCase().padStart(2, "0")}`
        : c;
    })
    .join("");
}

/** The files under `dir`, as paths relative to it, partition directories included. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

const byId = (rows: Row[]) => [...rows].sort((a, b) => (a.id as number) - (b.id as number));

test("escapePathName: Flink's characters as %XX, and unescapePathName reads any name back", () => {
  assert.equal(escapePathName("a/b:c=d%e"), "a%2Fb%3Ac%3Dd%25e");
  assert.equal(
    escapePathName("x\ny\u0001\u007f é{[]^?*#'\"\\"),
    "x%0Ay%01%7F é%7B%5B%5D%5E%3F%2A%23%27%22%5C",
  );
  assert.equal(unescapePathName("100%"), "100%", "a % without two hex digits stays");
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (s) => {
      assert.equal(escapePathName(s), oracleEscape(s));
      assert.equal(unescapePathName(escapePathName(s)), s);
      assert.ok(!escapePathName(s).includes("/"));
    }),
  );
});

test("INSERT INTO a table PARTITIONED BY: nested directories, escaped values, the default partition, read back", async () => {
  const root = tmp();
  try {
    const tEnv = sql(StreamExecutionEnvironment.create({ log: () => {} }));
    const out = join(root, "orders");
    await tEnv.executeScript(`
      CREATE TABLE orders (id INT, item STRING, country STRING, ts TIMESTAMP(3), day DATE)
        PARTITIONED BY (country, day) WITH ('connector' = 'filesystem', 'path' = '${out}', 'format' = 'json');
      CREATE TABLE other (id INT, country STRING) PARTITIONED BY (country)
        WITH ('connector' = 'filesystem', 'path' = '${join(root, "other")}', 'format' = 'csv',
              'partition.default-name' = 'none')`);
    await (
      await tEnv.executeSql(`INSERT INTO orders VALUES
        (1, 'pen', 'FR', TIMESTAMP '2020-04-15 08:05:00', DATE '2020-04-15'),
        (2, 'ink', 'a/b:c=d%', TIMESTAMP '2020-04-15 08:05:07.12', DATE '2020-04-16'),
        (3, 'pad', CAST(NULL AS STRING), CAST(NULL AS TIMESTAMP(3)), DATE '2020-04-15'),
        (4, 'cap', '', TIMESTAMP '2020-04-16 00:00:00', CAST(NULL AS DATE)),
        (5, 'nib', 'FR', TIMESTAMP '2020-04-15 09:00:00', DATE '2020-04-15')`)
    ).await();
    const listed = files(out).map((f) => f.replace(/part-[0-9a-f-]{36}-/, "part-"));
    assert.deepEqual(listed, [
      "country=FR/day=2020-04-15/part-0-0",
      "country=__DEFAULT_PARTITION__/day=2020-04-15/part-0-2",
      "country=__DEFAULT_PARTITION__/day=__DEFAULT_PARTITION__/part-0-3",
      "country=a%2Fb%3Ac%3Dd%25/day=2020-04-16/part-0-1",
    ]);
    // Partition columns are not in the files.
    assert.equal(
      readFileSync(join(out, files(out)[0] as string), "utf8"),
      '{"id":1,"item":"pen","ts":"2020-04-15 08:05:00"}\n{"id":5,"item":"nib","ts":"2020-04-15 09:00:00"}\n',
    );
    const back = await (await tEnv.executeSql("SELECT * FROM orders")).collect();
    const day = (d: number | null) => (d === null ? null : Date.UTC(2020, 3, d));
    assert.deepEqual(byId(back), [
      { id: 1, item: "pen", country: "FR", ts: Date.UTC(2020, 3, 15, 8, 5), day: day(15) },
      { id: 2, item: "ink", country: "a/b:c=d%", ts: Date.UTC(2020, 3, 15, 8, 5, 7, 120), day: day(16) },
      { id: 3, item: "pad", country: null, ts: null, day: day(15) },
      // '' goes to the default partition, which reads back as NULL (as in Flink).
      { id: 4, item: "cap", country: null, ts: Date.UTC(2020, 3, 16), day: null },
      { id: 5, item: "nib", country: "FR", ts: Date.UTC(2020, 3, 15, 9), day: day(15) },
    ]);
    assert.deepEqual(
      await (
        await tEnv.executeSql("SELECT id FROM orders WHERE country = 'FR' AND day = DATE '2020-04-15'")
      ).collect(),
      [{ id: 1 }, { id: 5 }],
    );

    await (await tEnv.executeSql("INSERT INTO other VALUES (1, CAST(NULL AS STRING)), (2, 'x')")).await();
    assert.deepEqual(
      files(join(root, "other")).map((f) => f.replace(/\/.*/, "")),
      ["country=none", "country=x"],
    );
    assert.deepEqual(byId(await (await tEnv.executeSql("SELECT * FROM other")).collect()), [
      { id: 1, country: null },
      { id: 2, country: "x" },
    ]);

    // TIMESTAMP as Flink writes it (LocalDateTime's text), DOUBLE as Java's Double.toString.
    await tEnv.executeSql(
      `CREATE TABLE stamps (id INT, at TIMESTAMP(3), x DOUBLE, b BOOLEAN) PARTITIONED BY (at, x, b)
         WITH ('connector' = 'filesystem', 'path' = '${join(root, "stamps")}', 'format' = 'csv')`,
    );
    await (
      await tEnv.executeSql(`INSERT INTO stamps VALUES
        (1, TIMESTAMP '2020-04-15 08:05:00', 1, TRUE),
        (2, TIMESTAMP '2020-04-15 08:05:07.12', 2.5E-7, FALSE)`)
    ).await();
    assert.deepEqual(
      files(join(root, "stamps")).map((f) => f.replace(/\/part-.*/, "")),
      ["at=2020-04-15T08%3A05%3A07.120/x=2.5E-7/b=false", "at=2020-04-15T08%3A05/x=1.0/b=true"],
    );
    assert.deepEqual(byId(await (await tEnv.executeSql("SELECT * FROM stamps")).collect()), [
      { id: 1, at: Date.UTC(2020, 3, 15, 8, 5), x: 1, b: true },
      { id: 2, at: Date.UTC(2020, 3, 15, 8, 5, 7, 120), x: 2.5e-7, b: false },
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a scan of a partitioned table reads only partition directories, and a bad partition value fails naming it", async () => {
  const root = tmp();
  try {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(join(root, "n=1"), { recursive: true });
    mkdirSync(join(root, "other=2"), { recursive: true });
    writeFileSync(join(root, "n=1", "a.csv"), "x\n");
    writeFileSync(join(root, "other=2", "b.csv"), "y\n");
    writeFileSync(join(root, "loose.csv"), "z\n");
    const tEnv = sql(StreamExecutionEnvironment.create({ log: () => {} }));
    await tEnv.executeSql(
      `CREATE TABLE t (s STRING, n INT) PARTITIONED BY (n) WITH ('connector' = 'filesystem', 'path' = '${root}', 'format' = 'csv')`,
    );
    // As Flink lists partitions: files outside `n=<value>` directories are not the table's.
    assert.deepEqual(await (await tEnv.executeSql("SELECT * FROM t")).collect(), [{ s: "x", n: 1 }]);
    mkdirSync(join(root, "n=abc"));
    writeFileSync(join(root, "n=abc", "c.csv"), "w\n");
    await assert.rejects(
      (async () => (await tEnv.executeSql("SELECT * FROM t")).collect())(),
      /partition directory 'n=abc': 'abc' is not a INT/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// Any rows, partition values needing escaping and NULL or '' among them, at parallelism 2 with
// checkpoints and rolled files: the files under each partition directory hold exactly that
// partition's rows, once each, without the partition columns; a scan reads the rows back.
test("property: a partitioned filesystem sink puts each row once in its partition's directory", {
  timeout: 300_000,
}, async () => {
  const region = fc.option(
    fc.string({
      unit: fc.constantFrom("a", "b", "/", "=", ":", "%", "\n", "\u0001", " ", "é", "_", ".", "#"),
      maxLength: 4,
    }),
    { nil: null },
  );
  const row = fc.record({
    name: fc.option(fc.string({ maxLength: 6 }), { nil: null }),
    region,
    bucket: fc.option(fc.integer({ min: -2, max: 2 }), { nil: null }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(row, { maxLength: 40 }), async (generated) => {
      const rows = generated.map((r, i) => ({ id: i, ...r }));
      const root = tmp();
      const out = join(root, "out");
      try {
        const log = logWithRows("src", rows);
        const env = StreamExecutionEnvironment.create({
          parallelism: 2,
          log: () => {},
          checkpointing: { dir: join(root, "cp"), intervalMs: 20 },
        });
        const tEnv = sql(env, { connectors: logConnectors });
        const columns = "id BIGINT, name STRING, region STRING, bucket INT";
        await tEnv.executeScript(`
          CREATE TABLE src (${columns}) WITH ('connector' = 'log', 'log' = '${log}', 'topic' = 'src', 'bounded' = 'true');
          CREATE TABLE sink (${columns}) PARTITIONED BY (region, bucket)
            WITH ('connector' = 'filesystem', 'path' = '${out}', 'format' = 'json',
                  'sink.rolling-policy.file-size' = '100b');`);
        await (await tEnv.executeSql("INSERT INTO sink SELECT * FROM src")).await();

        const dirOf = (r: (typeof rows)[number]) => {
          const v = (x: string | number | null) =>
            x === null || x === "" ? "__DEFAULT_PARTITION__" : oracleEscape(String(x));
          return `region=${v(r.region)}/bucket=${v(r.bucket)}`;
        };
        const expected = new Map<string, number[]>();
        for (const r of rows) expected.set(dirOf(r), [...(expected.get(dirOf(r)) ?? []), r.id]);
        const found = new Map<string, number[]>();
        for (const f of rows.length === 0 ? [] : files(out)) {
          const slash = f.lastIndexOf("/");
          assert.match(f.slice(slash + 1), PART, `only finished part files: ${f}`);
          for (const line of readFileSync(join(out, f), "utf8")
            .split("\n")
            .filter((l) => l !== "")) {
            const parsed = JSON.parse(line) as { id: number; name: string | null };
            assert.deepEqual(Object.keys(parsed), ["id", "name"], "no partition column in the file");
            assert.equal(parsed.name, (rows[parsed.id] as (typeof rows)[number]).name);
            found.set(f.slice(0, slash), [...(found.get(f.slice(0, slash)) ?? []), parsed.id]);
          }
        }
        const sorted = (m: Map<string, number[]>) =>
          [...m].map(([d, ids]) => [d, ids.sort((a, b) => a - b)]).sort(([a], [b]) => (a < b ? -1 : 1));
        assert.deepEqual(sorted(found), sorted(expected));

        const back = sql(StreamExecutionEnvironment.create({ log: () => {} }));
        await back.executeSql(`CREATE TABLE files (${columns}) PARTITIONED BY (region, bucket)
          WITH ('connector' = 'filesystem', 'path' = '${out}', 'format' = 'json')`);
        const read = rows.length === 0 ? [] : await (await back.executeSql("SELECT * FROM files")).collect();
        assert.deepEqual(
          byId(read),
          rows.map((r) => ({ ...r, region: r.region === "" ? null : r.region })),
        );
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }),
    { numRuns: 25 },
  );
});

test("PARTITIONED BY errors name the column or option", async () => {
  const root = tmp();
  try {
    const tEnv = sql(StreamExecutionEnvironment.create({ log: () => {} }));
    const cases: [string, string, string, RegExp][] = [
      [
        "id INT, s STRING",
        "nope",
        "(1, 'x')",
        /table bad0: connector 'filesystem' sink: partition column 'nope' \(PARTITIONED BY\) is not a column of the table \(id, s\)/,
      ],
      [
        "id INT, amount DECIMAL(10, 2)",
        "amount",
        "(1, CAST(NULL AS DECIMAL(10, 2)))",
        /table bad1: .*partition column 'amount' has type DECIMAL\(10, 2\), which cannot name a partition directory/,
      ],
      [
        "id INT, at TIMESTAMP_LTZ(3)",
        "at",
        "(1, CAST(NULL AS TIMESTAMP_LTZ(3)))",
        /table bad2: .*partition column 'at' has type TIMESTAMP_LTZ\(3\), which cannot name a partition directory/,
      ],
      ["id INT", "id", "(1)", /table bad3: .*every column is a partition column/],
    ];
    for (const [i, [columns, key, values, message]] of cases.entries()) {
      await tEnv.executeSql(
        `CREATE TABLE bad${i} (${columns}) PARTITIONED BY (${key}) WITH ('connector' = 'filesystem', 'path' = '${join(root, `b${i}`)}', 'format' = 'csv')`,
      );
      await assert.rejects(tEnv.executeSql(`INSERT INTO bad${i} VALUES ${values}`), message);
      await assert.rejects(
        (async () => (await tEnv.executeSql(`SELECT * FROM bad${i}`)).collect())(),
        new RegExp(message.source.replace("sink", "source")),
      );
    }
    await tEnv.executeSql(
      `CREATE TABLE committed (id INT, d STRING) PARTITIONED BY (d) WITH ('connector' = 'filesystem', 'path' = '${join(root, "c")}', 'format' = 'csv', 'sink.partition-commit.policy.kind' = 'success-file')`,
    );
    // Partition commit options are the sink's: the scan reads the table, success files skipped.
    await (await tEnv.executeSql("INSERT INTO committed VALUES (1, 'x')")).await();
    assert.deepEqual(
      files(join(root, "c")).map((f) => f.replace(/part-.*/, "part")),
      ["d=x/_SUCCESS", "d=x/part"],
    );
    assert.deepEqual(await (await tEnv.executeSql("SELECT * FROM committed")).collect(), [{ id: 1, d: "x" }]);
    await tEnv.executeSql(
      `CREATE TABLE printed (id INT, d STRING) PARTITIONED BY (d) WITH ('connector' = 'print')`,
    );
    await assert.rejects(
      tEnv.executeSql("INSERT INTO printed VALUES (1, 'x')"),
      /PARTITIONED BY \(d\).*the 'print' sink writes no partitions/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
