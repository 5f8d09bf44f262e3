// DESCRIBE, SHOW COLUMNS, SHOW CREATE TABLE / VIEW, the SHOW listings and USE, as Flink 1.20
// answers them. The expected rows and DDL are Flink's own: its SQL client tests (table.q,
// view.q: the `orders` table below) and ShowCreateUtil, ShowColumnsOperation.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { type SqlEnvironment, sql } from "@fleuve/sql";
import fc from "fast-check";

/** Flink's table.q table: a primary key, a watermark with a plural unit, a PROCTIME() column. */
const ORDERS = `CREATE TABLE orders (
 \`user\` BIGINT NOT NULl,
 product VARCHAR(32),
 amount INT,
 ts TIMESTAMP(3),
 ptime AS PROCTIME(),
 PRIMARY KEY(\`user\`) NOT ENFORCED,
 WATERMARK FOR ts AS ts - INTERVAL '1' SECONDS
) with (
 'connector' = 'datagen'
)`;

async function setUp(): Promise<SqlEnvironment> {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  await tEnv.executeSql(ORDERS);
  return tEnv;
}

const rows = async (tEnv: SqlEnvironment, statement: string) => (await tEnv.executeSql(statement)).collect();

/** A DESCRIBE row: name, type, null, key, extras, watermark (Flink's column order). */
const row = (
  name: string,
  type: string,
  nullable: boolean,
  key: string | null = null,
  extras: string | null = null,
  watermark: string | null = null,
) => ({ name, type, null: nullable, key, extras, watermark });

// table.q: `show columns from orders;` (and view.q's `describe v1` without key, extras, watermark).
const USER = row("user", "BIGINT", false, "PRI(user)");
const PRODUCT = row("product", "VARCHAR(32)", true);
const AMOUNT = row("amount", "INT", true);
const TS = row("ts", "TIMESTAMP(3) *ROWTIME*", true, null, null, "`ts` - INTERVAL '1' SECOND");
const PTIME = row("ptime", "TIMESTAMP_LTZ(3) *PROCTIME*", false, null, "AS PROCTIME()");

test("DESCRIBE, DESC, DESCRIBE EXTENDED and a qualified name: Flink's name, type, null, key, extras, watermark", async () => {
  const tEnv = await setUp();
  const expected = [USER, PRODUCT, AMOUNT, TS, PTIME];
  for (const statement of [
    "DESCRIBE orders",
    "DESC orders",
    "DESCRIBE EXTENDED orders",
    "DESCRIBE default_catalog.default_database.orders",
    "DESC default_database.orders",
  ]) {
    const result = await tEnv.executeSql(statement);
    assert.deepEqual(result.columns, ["name", "type", "null", "key", "extras", "watermark"], statement);
    assert.deepEqual(await result.collect(), expected, statement);
  }
});

test("SHOW COLUMNS FROM | IN t [NOT] LIKE: table.q's cases", async () => {
  const tEnv = await setUp();
  const cases: [string, unknown[]][] = [
    ["SHOW COLUMNS FROM orders", [USER, PRODUCT, AMOUNT, TS, PTIME]],
    ["SHOW COLUMNS IN orders", [USER, PRODUCT, AMOUNT, TS, PTIME]],
    ["SHOW COLUMNS FROM orders LIKE '%u'", []],
    ["SHOW COLUMNS FROM orders NOT LIKE '%u'", [USER, PRODUCT, AMOUNT, TS, PTIME]],
    ["SHOW COLUMNS FROM orders LIKE '%r'", [USER]],
    ["SHOW COLUMNS IN orders NOT LIKE  '%r'", [PRODUCT, AMOUNT, TS, PTIME]],
    ["SHOW COLUMNS FROM orders LIKE '%u%'", [USER, PRODUCT, AMOUNT]],
    ["SHOW COLUMNS IN orders NOT LIKE '%u%'", [TS, PTIME]],
    ["SHOW COLUMNS FROM orders LIKE 'use_'", [USER]],
    ["SHOW COLUMNS FROM orders NOT LIKE 'use_'", [PRODUCT, AMOUNT, TS, PTIME]],
  ];
  for (const [statement, expected] of cases)
    assert.deepEqual(await rows(tEnv, statement), expected, statement);
});

test("SHOW ... LIKE matches as SQL's LIKE: a brute-force reference on random names and patterns", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  const names = ["a", "ab", "b_a", "ba", "a%b", "abc", "c"];
  for (const n of names)
    await tEnv.executeSql(`CREATE TABLE \`${n}\` (x INT) WITH ('connector' = 'datagen')`);
  // The reference: does some split of the name match the pattern's pieces one by one.
  const matches = (s: string, p: string): boolean => {
    if (p === "") return s === "";
    if (p.startsWith("\\") && p.length > 1) return s[0] === p[1] && matches(s.slice(1), p.slice(2));
    if (p[0] === "%") return [...Array(s.length + 1).keys()].some((i) => matches(s.slice(i), p.slice(1)));
    if (p[0] === "_") return s.length > 0 && matches(s.slice(1), p.slice(1));
    return s[0] === p[0] && matches(s.slice(1), p.slice(1));
  };
  await fc.assert(
    fc.asyncProperty(
      fc
        .array(fc.constantFrom("a", "b", "c", "%", "_", "\\%", "\\_"), { maxLength: 4 })
        .map((p) => p.join("")),
      async (pattern) => {
        const got = (await rows(tEnv, `SHOW TABLES LIKE '${pattern}'`)).map((r) => r["table name"]);
        assert.deepEqual(
          got,
          [...names].sort().filter((n) => matches(n, pattern)),
        );
        const not = (await rows(tEnv, `SHOW TABLES NOT LIKE '${pattern}'`)).map((r) => r["table name"]);
        assert.deepEqual(
          not,
          [...names].sort().filter((n) => !matches(n, pattern)),
        );
      },
    ),
    { numRuns: 60 },
  );
});

test("DESCRIBE a table with metadata, computed and commented columns: Flink's extras and a comment column", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  await tEnv.executeSql(`CREATE TABLE t_user (
    cost BIGINT NOT NULL COMMENT 'the cost',
    amount INT,
    mc1 TIMESTAMP_LTZ(3) NOT NULL METADATA FROM 'timestamp' VIRTUAL,
    cmp1 AS cost - amount,
    cmp4 AS (amount * amount),
    d DECIMAL(10, 2),
    s STRING,
    b BYTES,
    CONSTRAINT ck1 PRIMARY KEY (amount, s) NOT ENFORCED
  ) WITH ('connector' = 'datagen')`);
  const result = await tEnv.executeSql("DESCRIBE t_user");
  assert.deepEqual(result.columns, ["name", "type", "null", "key", "extras", "watermark", "comment"]);
  const c = (r: ReturnType<typeof row>, comment: string | null = null) => ({ ...r, comment });
  // As table.q's t_user: `METADATA FROM 'timestamp' VIRTUAL`, `AS `cost` - `amount`` typed BIGINT,
  // a parenthesized expression written without its parentheses; the key's columns are NOT NULL
  // (amount too, so cost - amount and amount * amount are), `PRI(amount, s)` on each.
  assert.deepEqual(await result.collect(), [
    c(row("cost", "BIGINT", false), "the cost"),
    c(row("amount", "INT", false, "PRI(amount, s)")),
    c(row("mc1", "TIMESTAMP_LTZ(3)", false, null, "METADATA FROM 'timestamp' VIRTUAL")),
    c(row("cmp1", "BIGINT", false, null, "AS `cost` - `amount`")),
    c(row("cmp4", "INT", false, null, "AS `amount` * `amount`")),
    c(row("d", "DECIMAL(10, 2)", true)),
    c(row("s", "STRING", false, "PRI(amount, s)")),
    c(row("b", "BYTES", true)),
  ]);
});

test("SHOW CREATE TABLE: ShowCreateUtil's DDL (quoted names, serializable types, the generated key name, sorted options)", async () => {
  const tEnv = await setUp();
  // table.q, character for character, but the key's name: Flink 1.20 names it PK_ and its columns
  // joined by _ (checked on bench/flink; table.q's PK_3599338 is an older Flink's hash).
  assert.deepEqual(await rows(tEnv, "SHOW CREATE TABLE orders"), [
    {
      result: `CREATE TABLE \`default_catalog\`.\`default_database\`.\`orders\` (
  \`user\` BIGINT NOT NULL,
  \`product\` VARCHAR(32),
  \`amount\` INT,
  \`ts\` TIMESTAMP(3),
  \`ptime\` AS PROCTIME(),
  WATERMARK FOR \`ts\` AS \`ts\` - INTERVAL '1' SECOND,
  CONSTRAINT \`PK_user\` PRIMARY KEY (\`user\`) NOT ENFORCED
) WITH (
  'connector' = 'datagen'
)
`,
    },
  ]);
  await tEnv.executeSql(`CREATE TEMPORARY TABLE k (
    id INT, name STRING COMMENT 'it''s the name', c AS id + 1,
    m TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL, p STRING, t TIMESTAMP,
    PRIMARY KEY (id, p) NOT ENFORCED)
    COMMENT 'a table' PARTITIONED BY (p)
    WITH ('path' = '/tmp/k', 'format' = 'json', 'connector' = 'filesystem')`);
  // The key name: PK_ and its columns joined by _.
  assert.deepEqual(await rows(tEnv, "SHOW CREATE TABLE default_catalog.default_database.k"), [
    {
      result: `CREATE TEMPORARY TABLE \`default_catalog\`.\`default_database\`.\`k\` (
  \`id\` INT NOT NULL,
  \`name\` VARCHAR(2147483647) COMMENT 'it''s the name',
  \`c\` AS \`id\` + 1,
  \`m\` TIMESTAMP(3) WITH LOCAL TIME ZONE METADATA FROM 'timestamp' VIRTUAL,
  \`p\` VARCHAR(2147483647) NOT NULL,
  \`t\` TIMESTAMP(6),
  CONSTRAINT \`PK_id_p\` PRIMARY KEY (\`id\`, \`p\`) NOT ENFORCED
) COMMENT 'a table'
PARTITIONED BY (\`p\`)
WITH (
  'connector' = 'filesystem',
  'format' = 'json',
  'path' = '/tmp/k'
)
`,
    },
  ]);
});

test("SHOW CREATE VIEW and DESCRIBE of a view: view.q's output", async () => {
  const tEnv = await setUp();
  await tEnv.executeSql("CREATE TEMPORARY VIEW v1 AS SELECT * FROM orders");
  await tEnv.executeSql("CREATE VIEW permanent_v1 AS SELECT * FROM orders");
  assert.deepEqual(await rows(tEnv, "SHOW CREATE VIEW v1"), [
    {
      result: `CREATE TEMPORARY VIEW \`default_catalog\`.\`default_database\`.\`v1\`(\`user\`, \`product\`, \`amount\`, \`ts\`, \`ptime\`) as
SELECT *
FROM \`default_catalog\`.\`default_database\`.\`orders\``,
    },
  ]);
  assert.deepEqual(await rows(tEnv, "SHOW CREATE VIEW permanent_v1"), [
    {
      result: `CREATE VIEW \`default_catalog\`.\`default_database\`.\`permanent_v1\`(\`user\`, \`product\`, \`amount\`, \`ts\`, \`ptime\`) as
SELECT *
FROM \`default_catalog\`.\`default_database\`.\`orders\``,
    },
  ]);
  const bare = (r: ReturnType<typeof row>) => ({ ...r, key: null, extras: null, watermark: null });
  assert.deepEqual(await rows(tEnv, "DESCRIBE v1"), [USER, PRODUCT, AMOUNT, TS, PTIME].map(bare));
  assert.deepEqual(await rows(tEnv, "SHOW COLUMNS FROM v1 LIKE '%r'"), [bare(USER)]);
  assert.deepEqual(await rows(tEnv, "SHOW VIEWS"), [{ "view name": "permanent_v1" }, { "view name": "v1" }]);
});

// Flink 1.20's CatalogViewITCase (testShowCreateTemporaryView, testShowCreateCatalogView,
// testShowCreateViewWith...): the expanded query has every column qualified by its table, the
// tables fully qualified, a join on a line of its own and a user function back-quoted.
test("SHOW CREATE VIEW prints the expanded query: CatalogViewITCase's expected DDL", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  for (const t of ["T1", "t1", "t2"])
    await tEnv.executeSql(`CREATE TABLE ${t} (a INT, b STRING, c INT) WITH ('connector' = 'datagen')`);
  tEnv.createFunction("udfEqualsOne", () => 1);
  const cases: [string, string, string][] = [
    [
      "CREATE TEMPORARY VIEW t_v1 AS SELECT a, b, c FROM T1",
      "t_v1",
      `CREATE TEMPORARY VIEW \`default_catalog\`.\`default_database\`.\`t_v1\`(\`a\`, \`b\`, \`c\`) as
SELECT \`T1\`.\`a\`, \`T1\`.\`b\`, \`T1\`.\`c\`
FROM \`default_catalog\`.\`default_database\`.\`T1\``,
    ],
    [
      "CREATE TEMPORARY VIEW t_v2(d, e, f) AS SELECT a, b, c FROM T1",
      "t_v2",
      `CREATE TEMPORARY VIEW \`default_catalog\`.\`default_database\`.\`t_v2\`(\`d\`, \`e\`, \`f\`) as
SELECT \`T1\`.\`a\`, \`T1\`.\`b\`, \`T1\`.\`c\`
FROM \`default_catalog\`.\`default_database\`.\`T1\``,
    ],
    [
      "CREATE VIEW v2(x, y, z) AS SELECT a, b, c FROM T1",
      "v2",
      `CREATE VIEW \`default_catalog\`.\`default_database\`.\`v2\`(\`x\`, \`y\`, \`z\`) as
SELECT \`T1\`.\`a\`, \`T1\`.\`b\`, \`T1\`.\`c\`
FROM \`default_catalog\`.\`default_database\`.\`T1\``,
    ],
    [
      "create view viewLeftJoinGroupBy as\nselect max(t1.a) max_value\nfrom t1 left join t2 on t1.c=t2.c",
      "viewLeftJoinGroupBy",
      `CREATE VIEW \`default_catalog\`.\`default_database\`.\`viewLeftJoinGroupBy\`(\`max_value\`) as
SELECT MAX(\`t1\`.\`a\`) AS \`max_value\`
FROM \`default_catalog\`.\`default_database\`.\`t1\`
LEFT JOIN \`default_catalog\`.\`default_database\`.\`t2\` ON \`t1\`.\`c\` = \`t2\`.\`c\``,
    ],
    [
      "create view viewWithCrossJoin as\nselect udfEqualsOne() a, t1.a a1, t2.b b2 from t1 cross join t2",
      "viewWithCrossJoin",
      `CREATE VIEW \`default_catalog\`.\`default_database\`.\`viewWithCrossJoin\`(\`a\`, \`a1\`, \`b2\`) as
SELECT \`udfEqualsOne\`() AS \`a\`, \`t1\`.\`a\` AS \`a1\`, \`t2\`.\`b\` AS \`b2\`
FROM \`default_catalog\`.\`default_database\`.\`t1\`
CROSS JOIN \`default_catalog\`.\`default_database\`.\`t2\``,
    ],
    [
      "create view innerJoinView as\nselect t1.a a1, t2.b b2\nfrom t1 inner join t2\non t1.c=t2.c",
      "innerJoinView",
      `CREATE VIEW \`default_catalog\`.\`default_database\`.\`innerJoinView\`(\`a1\`, \`b2\`) as
SELECT \`t1\`.\`a\` AS \`a1\`, \`t2\`.\`b\` AS \`b2\`
FROM \`default_catalog\`.\`default_database\`.\`t1\`
INNER JOIN \`default_catalog\`.\`default_database\`.\`t2\` ON \`t1\`.\`c\` = \`t2\`.\`c\``,
    ],
  ];
  for (const [ddl, view, expected] of cases) {
    await tEnv.executeSql(ddl);
    assert.deepEqual(await rows(tEnv, `SHOW CREATE VIEW ${view}`), [{ result: expected }], view);
  }
});

test("SHOW CREATE VIEW qualifies the columns of WHERE, GROUP BY, HAVING, aliased tables and subqueries by the table they resolve to", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  await tEnv.executeSql("CREATE TABLE T1 (a INT, b STRING, c INT) WITH ('connector' = 'datagen')");
  const cases: [string, string][] = [
    [
      "SELECT a, COUNT(*) AS n FROM T1 WHERE b <> 'x' GROUP BY a HAVING SUM(c) > 1",
      "SELECT `T1`.`a`, COUNT(*) AS `n`\nFROM `default_catalog`.`default_database`.`T1`\nWHERE `T1`.`b` <> 'x'\nGROUP BY `T1`.`a`\nHAVING SUM(`T1`.`c`) > 1",
    ],
    [
      "SELECT o.a, b FROM T1 AS o",
      "SELECT `o`.`a`, `o`.`b`\nFROM `default_catalog`.`default_database`.`T1` AS `o`",
    ],
    [
      "SELECT s.a, c FROM (SELECT a, c FROM T1) AS s",
      "SELECT `s`.`a`, `s`.`c`\nFROM (SELECT `T1`.`a`, `T1`.`c`\nFROM `default_catalog`.`default_database`.`T1`) AS `s`",
    ],
    // Qualified names stay as written; a join's type is named (INNER JOIN).
    [
      "SELECT x.a, y.b FROM T1 AS x JOIN T1 AS y ON x.a = y.c",
      "SELECT `x`.`a`, `y`.`b`\nFROM `default_catalog`.`default_database`.`T1` AS `x`\nINNER JOIN `default_catalog`.`default_database`.`T1` AS `y` ON `x`.`a` = `y`.`c`",
    ],
  ];
  for (const [i, [query, expected]] of cases.entries()) {
    await tEnv.executeSql(`CREATE VIEW w${i} AS ${query}`);
    const [shown] = await rows(tEnv, `SHOW CREATE VIEW w${i}`);
    assert.equal(String(shown?.result).split(" as\n")[1], expected, query);
  }
});

test("SHOW CREATE of the wrong kind, DESCRIBE of an unknown table, a name in another catalog: Flink's messages", async () => {
  const tEnv = await setUp();
  await tEnv.executeSql("CREATE VIEW v1 AS SELECT * FROM orders");
  const cases: [string, string][] = [
    [
      "SHOW CREATE TABLE v1",
      "SHOW CREATE TABLE is only supported for tables, but `default_catalog`.`default_database`.`v1` is a view. Please use SHOW CREATE VIEW instead.",
    ],
    [
      "SHOW CREATE VIEW orders",
      "SHOW CREATE VIEW is only supported for views, but `default_catalog`.`default_database`.`orders` is a table. Please use SHOW CREATE TABLE instead.",
    ],
    [
      "DESCRIBE non_exist",
      "Tables or views with the identifier 'default_catalog.default_database.non_exist' doesn't exist.",
    ],
    [
      "DESC non_exist",
      "Tables or views with the identifier 'default_catalog.default_database.non_exist' doesn't exist.",
    ],
    [
      "SHOW COLUMNS FROM non_exist",
      "Tables or views with the identifier 'default_catalog.default_database.non_exist' doesn't exist.",
    ],
    [
      "SHOW CREATE TABLE non_exist",
      "Tables or views with the identifier 'default_catalog.default_database.non_exist' doesn't exist.",
    ],
    // Flink 1.20 (bench/flink): a name in another catalog or database is not there either.
    ["DESCRIBE hive.db.orders", "Tables or views with the identifier 'hive.db.orders' doesn't exist."],
    [
      "DESCRIBE other_db.orders",
      "Tables or views with the identifier 'default_catalog.other_db.orders' doesn't exist.",
    ],
  ];
  for (const [statement, message] of cases)
    await assert.rejects(tEnv.executeSql(statement), { code: "FLEUVE_SQL_VALIDATION", message }, statement);
});

test("SHOW CATALOGS, DATABASES, CURRENT ..., MODULES, FULL MODULES, [USER] FUNCTIONS; USE accepts the default catalog and database alone", async () => {
  const tEnv = await setUp();
  const cases: [string, unknown[]][] = [
    ["SHOW CATALOGS", [{ "catalog name": "default_catalog" }]],
    ["SHOW CURRENT CATALOG", [{ "current catalog name": "default_catalog" }]],
    ["SHOW DATABASES", [{ "database name": "default_database" }]],
    ["SHOW CURRENT DATABASE", [{ "current database name": "default_database" }]],
    ["SHOW MODULES", [{ "module name": "core" }]],
    ["SHOW FULL MODULES", [{ "module name": "core", used: true }]],
    ["SHOW USER FUNCTIONS", []],
    ["SHOW TABLES FROM default_catalog.default_database LIKE 'o%'", [{ "table name": "orders" }]],
    ["SHOW TABLES IN default_database NOT LIKE 'o%'", []],
  ];
  for (const [statement, expected] of cases)
    assert.deepEqual(await rows(tEnv, statement), expected, statement);
  tEnv.createFunction("shout", (s: string) => `${s}!`);
  assert.deepEqual(await rows(tEnv, "SHOW USER FUNCTIONS"), [{ "function name": "shout" }]);
  const all = (await rows(tEnv, "SHOW FUNCTIONS LIKE 'UPP%'")).map((r) => r["function name"]);
  assert.deepEqual(all, ["UPPER"]);
  for (const statement of [
    "USE CATALOG default_catalog",
    "USE default_database",
    "USE default_catalog.default_database",
  ])
    assert.deepEqual(await rows(tEnv, statement), [{ result: "OK" }], statement);
  await assert.rejects(tEnv.executeSql("USE CATALOG hive"), {
    code: "FLEUVE_SQL_VALIDATION",
    message: "A catalog with name [hive] does not exist. Fleuve SQL has the one catalog default_catalog",
  });
  await assert.rejects(tEnv.executeSql("USE other_db"), {
    code: "FLEUVE_SQL_VALIDATION",
    message:
      "A database with name [other_db] does not exist in the catalog: [default_catalog]. Fleuve SQL has the one database default_database",
  });
  await assert.rejects(tEnv.executeSql("SHOW TABLES FROM hive.db"), { code: "FLEUVE_SQL_VALIDATION" });
  // Listed by the SQL shell, which starts the jobs.
  await assert.rejects(tEnv.executeSql("SHOW JOBS"), { code: "FLEUVE_SQL_UNSUPPORTED" });
});

test("DESCRIBE of a view plans nothing onto the environment", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const tEnv = sql(env);
  await tEnv.executeSql(ORDERS);
  await tEnv.executeSql("CREATE VIEW v AS SELECT `user`, amount * 2 AS twice FROM orders");
  const before = env.graph.nodes.length;
  assert.deepEqual(await rows(tEnv, "DESCRIBE v"), [{ ...USER, key: null }, row("twice", "INT", true)]);
  assert.equal(env.graph.nodes.length, before);
});
