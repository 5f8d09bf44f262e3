// ALTER TABLE's column forms (ADD / MODIFY / DROP / RENAME c1 TO c2, primary key, watermark) as
// Flink 1.20 runs them. The oracle: fixtures/alter-table-flink.txt holds what bench/flink/run.sh
// sql printed for each case (SHOW CREATE TABLE and DESCRIBE after the change, or the error), and
// every case must print the same here. The refusals are also listed below with Flink's messages.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { parseStatement, printStatement, sql } from "@fleuve/sql";

type Env = ReturnType<typeof sql>;

const fixture = readFileSync(new URL("../fixtures/alter-table-flink.txt", import.meta.url), "utf8");
const sections = fixture.split(/^### /m).slice(1);
const base = (sections[0] ?? "").replace(/^base\n/, "");

/** Statements split at `;` (no case has one inside a literal). */
function statements(text: string): string[] {
  return text
    .split(/;\s*/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** An environment with the fixture's tables (`fresh`: none). */
async function environment(fresh = false): Promise<Env> {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  if (!fresh) for (const s of statements(base)) await tEnv.executeSql(s);
  return tEnv;
}

/** What RunSql prints of a row: `+I[v1, v2, ...]`, NULL as null. */
function printed(row: Record<string, unknown>): string {
  return `+I[${Object.values(row)
    .map((v) => String(v))
    .join(", ")}]`;
}

/**
 * Runs `script` as RunSql does: the rows of SHOW, DESCRIBE and SELECT, then `!ERROR message` for
 * a statement that fails (the message on one line, without Fleuve's position), which ends it.
 */
async function run(tEnv: Env, script: string): Promise<string[]> {
  const out: string[] = [];
  for (const s of statements(script)) {
    try {
      const result = await tEnv.executeSql(s);
      if (/^(SHOW|DESCRIBE|SELECT)\b/i.test(s))
        for (const row of (await result.collect()) as Record<string, unknown>[]) out.push(printed(row));
    } catch (e) {
      assert.ok(e instanceof FleuveError, String(e));
      if (e.code === "FLEUVE_SQL_SYNTAX") {
        // As Flink's parser words it: the token found where, and the one expected when alone.
        const { line, column, offset, expected } = e.details as {
          line: number;
          column: number;
          offset: number;
          expected: string[];
        };
        const token = /^(?:[A-Za-z_][A-Za-z0-9_$]*|\S)/.exec(s.slice(offset))?.[0];
        const one = expected.length === 1 ? ` Was expecting: "${expected[0]}"` : "";
        out.push(`!ERROR SQL parse failed. Encountered "${token}" at line ${line}, column ${column}.${one}`);
        break;
      }
      assert.equal(e.code, "FLEUVE_SQL_VALIDATION", e.message);
      // Every refusal points into the SQL (fleuve sql -f names FILE:line:column).
      assert.equal(typeof e.details.line, "number", e.message);
      out.push(`!ERROR ${e.message.replace(/ \(line \d+, column \d+\)/, "").replace(/\n/g, " ")}`);
      break;
    }
  }
  return out;
}

for (const section of sections.slice(1)) {
  const newline = section.indexOf("\n");
  const fresh = section.startsWith("[fresh] ");
  const script = section.slice(fresh ? "[fresh] ".length : 0, newline);
  const flink = section.slice(newline + 1).replace(/\n$/, "");
  test(`as Flink 1.20: ${script}`, async () => {
    const got = (await run(await environment(fresh), script)).join("\n");
    const error = flink.lastIndexOf("!ERROR ");
    if (error < 0) return assert.equal(got, flink);
    // Flink's message before its root cause (" | ..."): Fleuve's starts with it (and may go on
    // with its own cause, as for a computed column it cannot compile).
    assert.equal(got.slice(0, error), flink.slice(0, error));
    // A parse error: where and at what (Flink goes on with every token it expected).
    const parse =
      /^!ERROR SQL parse failed\. Encountered "[^"]*" at line \d+, column \d+\.(?: Was expecting: {5}"[A-Z]+")?/;
    const message = (parse.exec(flink.slice(error))?.[0]?.replace(/: {5}/, ": ") ??
      flink.slice(error).split(" | ")[0]) as string;
    assert.ok(
      got.slice(error).startsWith(message),
      `${got.slice(error)}\n  expected to start with\n${message}`,
    );
  });
}

/** Flink's refusals (the text before its root cause), each on one of the fixture's tables. */
const refusals: [string, string][] = [
  ["ALTER TABLE t ADD a INT", "Try to add a column `a` which already exists in the table."],
  ["ALTER TABLE t ADD (x INT, x STRING)", "Encounter duplicate column `x`."],
  ["ALTER TABLE t ADD x INT AFTER nope", "Referenced column `nope` by 'AFTER' does not exist in the table."],
  // A column of the same list is there only once it is added.
  [
    "ALTER TABLE t ADD (x INT AFTER y, y INT)",
    "Referenced column `y` by 'AFTER' does not exist in the table.",
  ],
  [
    "ALTER TABLE t ADD PRIMARY KEY (a) NOT ENFORCED",
    "The base table has already defined the primary key constraint [`id`]. You might want to drop it before adding a new one.",
  ],
  [
    "ALTER TABLE t ADD WATERMARK FOR ts AS ts",
    "The base table has already defined the watermark strategy `ts` AS `ts` - INTERVAL '5' SECOND. You might want to drop it before adding a new one.",
  ],
  ["ALTER TABLE t ADD x AS nope + 1", "Invalid expression for computed column 'x'."],
  // Flink's computed columns read physical and metadata columns only.
  ["ALTER TABLE t ADD x AS c + 1", "Invalid expression for computed column 'x'."],
  [
    "ALTER TABLE q ADD WATERMARK FOR nope AS nope",
    "Invalid column name 'nope' for rowtime attribute in watermark declaration. Available columns are: [x, y, ts]",
  ],
  [
    "ALTER TABLE q ADD WATERMARK FOR y AS y",
    "Invalid data type of time field for watermark definition. The field must be of type TIMESTAMP(p) or TIMESTAMP_LTZ(p), the supported precision 'p' is from 0 to 3, but the time field type is STRING",
  ],
  [
    "ALTER TABLE q ADD PRIMARY KEY (nope) NOT ENFORCED",
    "Invalid primary key 'PK_nope'. Column 'nope' does not exist.",
  ],
  [
    "ALTER TABLE q ADD PRIMARY KEY (x, x) NOT ENFORCED",
    "Invalid primary key 'PK_x_x'. A primary key must not contain duplicate columns. Found: [x]",
  ],
  ["ALTER TABLE t MODIFY nope INT", "Try to modify a column `nope` which does not exist in the table."],
  ["ALTER TABLE t MODIFY (a BIGINT, a INT)", "Encounter duplicate column `a`."],
  [
    "ALTER TABLE t MODIFY a INT AFTER nope",
    "Referenced column `nope` by 'AFTER' does not exist in the table.",
  ],
  // c reads a: a computed column no longer.
  ["ALTER TABLE t MODIFY a AS id + 1", "Invalid expression for computed column 'c'."],
  [
    "ALTER TABLE t MODIFY ts STRING",
    "Invalid data type of time field for watermark definition. The field must be of type TIMESTAMP(p) or TIMESTAMP_LTZ(p), the supported precision 'p' is from 0 to 3, but the time field type is STRING",
  ],
  [
    "ALTER TABLE q MODIFY PRIMARY KEY (x) NOT ENFORCED",
    "The base table does not define any primary key constraint. You might want to add a new one.",
  ],
  [
    "ALTER TABLE q MODIFY WATERMARK FOR ts AS ts",
    "The base table does not define any watermark. You might want to add a new one.",
  ],
  ["ALTER TABLE t DROP nope", "The column `nope` does not exist in the base table."],
  ["ALTER TABLE t DROP (b, b)", "Duplicate column `b`."],
  ["ALTER TABLE t DROP a", "The column `a` is referenced by computed column `c`."],
  ["ALTER TABLE t DROP ts", "The column `ts` is referenced by watermark expression."],
  ["ALTER TABLE t DROP id", "The column `id` is used as the primary key."],
  ["ALTER TABLE p DROP d", "The column `d` is used as the partition keys."],
  // Flink checks the columns in its HashSet's order, those reading most first: nope before id.
  ["ALTER TABLE t DROP (id, nope)", "The column `nope` does not exist in the base table."],
  ["ALTER TABLE t DROP (ts, a)", "The column `a` is referenced by computed column `c`."],
  ["ALTER TABLE q DROP PRIMARY KEY", "The base table does not define any primary key."],
  ["ALTER TABLE q DROP CONSTRAINT PK_x", "The base table does not define any primary key."],
  [
    "ALTER TABLE t DROP CONSTRAINT PK_3355",
    "The base table does not define a primary key constraint named 'PK_3355'. Available constraint name: ['PK_id'].",
  ],
  ["ALTER TABLE q DROP WATERMARK", "The base table does not define any watermark strategy."],
  ["ALTER TABLE t RENAME nope TO x", "The column `nope` does not exist in the base table."],
  ["ALTER TABLE t RENAME a TO a2", "The column `a` is referenced by computed column `c`."],
  ["ALTER TABLE t RENAME ts TO ts2", "The column `ts` is referenced by watermark expression."],
  ["ALTER TABLE p RENAME d TO d2", "The column `d` is used as the partition keys."],
  ["ALTER TABLE t RENAME b TO a", "The column `a` already existed in table schema."],
  ["ALTER TABLE t RENAME b TO b", "The column `b` already existed in table schema."],
];

const ENFORCED =
  "Flink doesn't support ENFORCED mode for PRIMARY KEY constraint. ENFORCED/NOT ENFORCED controls if the constraint checks are performed on the incoming/outgoing data. Flink does not own the data therefore the only supported mode is the NOT ENFORCED mode";

// Flink refuses these before its ALTER TABLE conversion: without its prefix.
const parserRefusals: [string, string][] = [
  [
    "ALTER TABLE q ADD (PRIMARY KEY (x) NOT ENFORCED, PRIMARY KEY (y) NOT ENFORCED)",
    "Duplicate primary key definition",
  ],
  [
    "ALTER TABLE q ADD (z INT PRIMARY KEY NOT ENFORCED, w INT PRIMARY KEY NOT ENFORCED)",
    "Duplicate primary key definition",
  ],
  [
    "ALTER TABLE q ADD (WATERMARK FOR ts AS ts, WATERMARK FOR ts AS ts)",
    "SQL parse failed. Multiple WATERMARK statements is not supported yet.",
  ],
  ["ALTER TABLE v ADD z INT", "ALTER TABLE for a view is not allowed"],
  // As in CREATE TABLE: a key is NOT ENFORCED, written so.
  ["ALTER TABLE q ADD PRIMARY KEY (x)", ENFORCED],
  ["ALTER TABLE q MODIFY (x INT PRIMARY KEY ENFORCED)", ENFORCED],
  ["CREATE TABLE k (x INT, PRIMARY KEY (x)) WITH ('connector' = 'datagen')", ENFORCED],
  [
    "ALTER TABLE nope DROP x",
    "Table `default_catalog`.`default_database`.`nope` doesn't exist or is a temporary table.",
  ],
];

const all: [string, string][] = [
  ...refusals.map(([s, m]): [string, string] => [s, `Failed to execute ALTER TABLE statement.\n${m}`]),
  ...parserRefusals.map(([s, m]): [string, string] => [s, `${m} (line 1, column `]),
];
for (const [statement, message] of all) {
  test(`refused as in Flink 1.20: ${statement}`, async () => {
    const tEnv = await environment();
    await assert.rejects(tEnv.executeSql(statement), (e: unknown) => {
      assert.ok(e instanceof FleuveError);
      assert.equal(e.code, "FLEUVE_SQL_VALIDATION");
      assert.ok(e.message.startsWith(message), `${e.message}\n  expected to start with\n${message}`);
      return true;
    });
  });
}

test("a refusal points at the column it is about", async () => {
  const tEnv = await environment();
  const at = async (statement: string) => {
    try {
      await tEnv.executeSql(statement);
    } catch (e) {
      assert.ok(e instanceof FleuveError);
      return [e.details.line, e.details.column];
    }
    assert.fail(`${statement} ran`);
  };
  assert.deepEqual(await at("ALTER TABLE t ADD x INT AFTER nope"), [1, 31]);
  assert.deepEqual(await at("ALTER TABLE t\n  ADD (x INT, a STRING)"), [2, 15]);
  assert.deepEqual(await at("ALTER TABLE t DROP (b, nope)"), [1, 24]);
  assert.deepEqual(await at("ALTER TABLE t RENAME b TO a"), [1, 27]);
  // A check of the whole new schema points at the statement.
  assert.deepEqual(await at("ALTER TABLE t MODIFY a AS id + 1"), [1, 1]);
});

test("IF EXISTS of a missing table does nothing", async () => {
  const tEnv = await environment();
  await tEnv.executeSql("ALTER TABLE IF EXISTS nope ADD z INT");
  await tEnv.executeSql("ALTER TABLE IF EXISTS nope DROP PRIMARY KEY");
  await assert.rejects(tEnv.executeSql("DESCRIBE nope"), /doesn't exist/);
});

test("a query over the altered table reads its new columns (bench/flink: +I[7, 1, 10] ... +I[9, 3, 30])", async () => {
  const tEnv = await environment();
  const script = `CREATE TABLE d (a INT, b INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3', 'fields.a.kind' = 'sequence', 'fields.a.start' = '1', 'fields.a.end' = '3', 'fields.b.kind' = 'sequence', 'fields.b.start' = '4', 'fields.b.end' = '6');
    ALTER TABLE d ADD (c AS a * 10, e INT FIRST);
    ALTER TABLE d RESET ('fields.b.kind', 'fields.b.start', 'fields.b.end');
    ALTER TABLE d DROP b;
    ALTER TABLE d RENAME e TO ee;
    ALTER TABLE d SET ('fields.ee.kind' = 'sequence', 'fields.ee.start' = '7', 'fields.ee.end' = '9');
    ALTER TABLE d MODIFY a BIGINT;
    DESCRIBE d;
    SELECT * FROM d`;
  assert.deepEqual(await run(tEnv, script), [
    "+I[ee, INT, true, null, null, null]",
    "+I[a, BIGINT, true, null, null, null]",
    "+I[c, BIGINT, true, null, AS `a` * 10, null]",
    "+I[7, 1, 10]",
    "+I[8, 2, 20]",
    "+I[9, 3, 30]",
  ]);
  // The key and watermark added are the table's too: an upsert key and an event-time column.
  await tEnv.executeSql("ALTER TABLE d ADD (ts AS TO_TIMESTAMP_LTZ(a, 3), WATERMARK FOR ts AS ts)");
  const windows = (await (
    await tEnv.executeSql(
      "SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE d, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY window_start, window_end",
    )
  ).collect()) as { n: number }[];
  assert.deepEqual(
    windows.map((w) => Number(w.n)),
    [3],
  );
});

test("ALTER TABLE prints back to what parses to the same statement", () => {
  for (const q of [
    "ALTER TABLE t ADD (x INT COMMENT 'c' FIRST, y AS x + 1 AFTER x, z STRING METADATA FROM 'k' VIRTUAL, PRIMARY KEY (x) NOT ENFORCED, WATERMARK FOR ts AS ts)",
    "ALTER TABLE t MODIFY (z INT PRIMARY KEY NOT ENFORCED COMMENT 'k')",
    "ALTER TABLE t DROP (a, b)",
    "ALTER TABLE t DROP PRIMARY KEY",
    "ALTER TABLE t DROP CONSTRAINT `k`",
    "ALTER TABLE t DROP WATERMARK",
    "ALTER TABLE t RENAME a TO b",
  ]) {
    const printed = printStatement(parseStatement(q));
    assert.equal(printStatement(parseStatement(printed)), printed);
  }
});
