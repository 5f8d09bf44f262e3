// SHOW PARTITIONS t (Flink's ShowPartitionsOperation): one `partition name` per partition,
// `k1=v1/k2=v2` in PARTITIONED BY order. Fleuve has no catalog partitions: a filesystem table's
// partitions are its partition directories. The oracle is the set of partitions the inserted rows
// go to, by Flink's layout (a NULL or '' value to `partition.default-name`); a table that is not
// partitioned is refused with Flink's TableNotPartitionedException text.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { parseStatement, printStatement, type SqlEnvironment, sql } from "@fleuve/sql";
import fc from "fast-check";

const partitionNames = async (tEnv: SqlEnvironment, statement: string) => {
  const result = await tEnv.executeSql(statement);
  assert.deepEqual(result.columns, ["partition name"]);
  return (await result.collect()).map((r) => r["partition name"]);
};

test("SHOW PARTITIONS of a filesystem table: its partition directories, unescaped, in name order", async () => {
  const root = mkdtempSync(join(tmpdir(), "sql-show-part-"));
  try {
    const tEnv = sql(StreamExecutionEnvironment.create({ log: () => {} }));
    const path = join(root, "orders");
    await tEnv.executeSql(`CREATE TABLE orders (id INT, country STRING, day DATE)
      PARTITIONED BY (country, day) WITH ('connector' = 'filesystem', 'path' = '${path}', 'format' = 'json')`);
    // Nothing written yet: no directory, no partitions.
    assert.deepEqual(await partitionNames(tEnv, "SHOW PARTITIONS orders"), []);
    await (
      await tEnv.executeSql(`INSERT INTO orders VALUES
        (1, 'FR', DATE '2020-04-15'),
        (2, 'a/b:c=d%', DATE '2020-04-16'),
        (3, CAST(NULL AS STRING), DATE '2020-04-15'),
        (4, 'FR', DATE '2020-04-15'),
        (5, 'DE', CAST(NULL AS DATE))`)
    ).await();
    // Not partitions: a hidden directory, a directory of another key, a file at the top.
    mkdirSync(join(path, ".staging", "x"), { recursive: true });
    mkdirSync(join(path, "region=EU", "day=2020-04-15"), { recursive: true });
    writeFileSync(join(path, "README"), "not a partition");
    assert.deepEqual(await partitionNames(tEnv, "SHOW PARTITIONS orders"), [
      "country=DE/day=__DEFAULT_PARTITION__",
      "country=FR/day=2020-04-15",
      "country=__DEFAULT_PARTITION__/day=2020-04-15",
      "country=a/b:c=d%/day=2020-04-16",
    ]);
    // PARTITION (...): the partitions having every pair of the spec (Flink's catalogs' match).
    assert.deepEqual(await partitionNames(tEnv, "SHOW PARTITIONS orders PARTITION (country = 'FR')"), [
      "country=FR/day=2020-04-15",
    ]);
    assert.deepEqual(await partitionNames(tEnv, "SHOW PARTITIONS orders PARTITION (day = '2020-04-15')"), [
      "country=FR/day=2020-04-15",
      "country=__DEFAULT_PARTITION__/day=2020-04-15",
    ]);
    assert.deepEqual(
      await partitionNames(tEnv, "SHOW PARTITIONS orders PARTITION (country = 'FR', day = '2020-04-16')"),
      [],
    );
    assert.deepEqual(
      await partitionNames(tEnv, "SHOW PARTITIONS default_catalog.default_database.orders"),
      await partitionNames(tEnv, "SHOW PARTITIONS orders"),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("SHOW PARTITIONS lists the partitions the inserted rows go to (random rows, Flink's layout)", async () => {
  const value = fc.option(fc.constantFrom("a", "b", "", "x=y", "50%", "Zé"), { nil: null });
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(value, fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 8 }),
      async (rows) => {
        const root = mkdtempSync(join(tmpdir(), "sql-show-part-"));
        try {
          const tEnv = sql(StreamExecutionEnvironment.create({ log: () => {} }));
          await tEnv.executeSql(`CREATE TABLE t (id INT, k STRING, n INT) PARTITIONED BY (k, n)
          WITH ('connector' = 'filesystem', 'path' = '${join(root, "t")}', 'format' = 'csv',
                'partition.default-name' = 'none')`);
          const literal = (v: string | null) => (v === null ? "CAST(NULL AS STRING)" : `'${v}'`);
          await (
            await tEnv.executeSql(
              `INSERT INTO t VALUES ${rows.map(([k, n], i) => `(${i}, ${literal(k)}, ${n})`).join(", ")}`,
            )
          ).await();
          const expected = new Set(rows.map(([k, n]) => `k=${k === null || k === "" ? "none" : k}/n=${n}`));
          const listed = await partitionNames(tEnv, "SHOW PARTITIONS t");
          assert.deepEqual([...listed].sort(), [...expected].sort());
          const withOne = await partitionNames(tEnv, "SHOW PARTITIONS t PARTITION (n = 1)");
          assert.deepEqual([...withOne].sort(), [...expected].filter((p) => p.endsWith("/n=1")).sort());
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      },
    ),
    { numRuns: 15 },
  );
});

test("SHOW PARTITIONS t PARTITION (...) prints back as it parses", () => {
  const statement = parseStatement("SHOW PARTITIONS t PARTITION (k = 'a''b', `n` = 1)");
  assert.deepEqual(statement, {
    kind: "showPartitions",
    name: { parts: ["t"] },
    partition: [
      ["k", "a'b"],
      ["n", "1"],
    ],
  });
  assert.equal(printStatement(statement), "SHOW PARTITIONS t PARTITION (k = 'a''b', n = '1')");
  assert.deepEqual(parseStatement(printStatement(statement)), statement);
});

test("SHOW PARTITIONS of what is not partitioned: Flink's message", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  await tEnv.executeSql("CREATE TABLE plain (a INT) WITH ('connector' = 'datagen')");
  await tEnv.executeSql("CREATE VIEW v AS SELECT a FROM plain");
  const cases: [string, string][] = [
    [
      "SHOW PARTITIONS plain",
      "Could not execute SHOW PARTITIONS default_catalog.default_database.plain. Table default_database.plain in catalog default_catalog is not partitioned.",
    ],
    [
      "SHOW PARTITIONS v",
      "Could not execute SHOW PARTITIONS default_catalog.default_database.v. Table default_database.v in catalog default_catalog is not partitioned.",
    ],
    [
      "SHOW PARTITIONS nope",
      "Could not execute SHOW PARTITIONS default_catalog.default_database.nope. Table (or view) default_database.nope does not exist in Catalog default_catalog.",
    ],
  ];
  for (const [statement, message] of cases)
    await assert.rejects(tEnv.executeSql(statement), { code: "FLEUVE_SQL_VALIDATION", message }, statement);
});
