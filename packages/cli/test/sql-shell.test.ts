// The `fleuve sql` shell: driven with piped input (no terminal: it prints each result) and
// through a pseudo-terminal (`script`), where it edits lines, keeps a history file and redraws an
// updating query's table in place. Expected changelogs are Flink's for a group aggregation.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SHELL_HELP, statementEnds, unfinishedStatementSet } from "../src/sql-shell.js";
import { BIN, ROOT } from "./helpers.js";

const ORDERS = `CREATE TABLE orders (id INT, amount DOUBLE) WITH (
  'connector' = 'datagen', 'rows-per-second' = '0',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '4',
  'fields.amount.min' = '1', 'fields.amount.max' = '1');
`;

function shell(input: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, "sql", ...args], { cwd: ROOT, input, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("a statement set is unfinished until the ';' after its END (a CASE's END does not end it)", () => {
  const set = "EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT CASE WHEN x THEN 1 END FROM t;";
  assert.equal(unfinishedStatementSet(set), true);
  assert.equal(unfinishedStatementSet(`${set}\nEND;`), false);
  assert.equal(unfinishedStatementSet("BEGIN STATEMENT SET;"), true);
  assert.equal(unfinishedStatementSet("BEGIN STATEMENT SET;\nSELECT 1;"), false);
  assert.equal(unfinishedStatementSet("SELECT 1 +;"), false);
});

test("statements end at ';' outside strings, quoted names and comments", () => {
  const text = "SELECT ';' AS a; -- a ; comment\nSELECT `x;y` /* ; */ FROM t;\nSELECT 1";
  assert.deepEqual(statementEnds(text), [text.indexOf("; --") + 1, text.indexOf("t;") + 2]);
  assert.deepEqual(statementEnds("SELECT 'open ;"), []);
});

test("tableau mode sizes columns by type before the rows come, and cuts a longer value", {
  timeout: 600_000,
}, () => {
  // A TIMESTAMP(3): its text is CAST's, three digits of fraction (a TIMESTAMP(0) literal has none).
  const r = shell(`SET 'sql-client.execution.result-mode' = 'tableau';
SELECT s, CAST('2020-04-15 08:05:00' AS TIMESTAMP(3)) AS ts, n FROM (VALUES
  ('a', 1), ('a string of more than thirty characters', CAST(NULL AS INT))) AS t (s, n);
`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `[INFO] Execute statement succeeded.
+----+--------------------------------+-------------------------+-------------+
| op | s                              | ts                      | n           |
+----+--------------------------------+-------------------------+-------------+
| +I | a                              | 2020-04-15 08:05:00.000 | 1           |
| +I | a string of more than thirt... | 2020-04-15 08:05:00.000 | <NULL>      |
+----+--------------------------------+-------------------------+-------------+
Received a total of 2 rows
`,
  );
});

// Flink's SQL client answers HELP; with its commands; here it was a syntax error ("unexpected
// 'HELP', expected one of ..."), the first thing a Flink user might type.
test("HELP; lists the statements the shell takes, in any case, also over lines", () => {
  const r = shell("HELP;\nhelp\n;\nQUIT;\n");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${SHELL_HELP}\n${SHELL_HELP}\n`);
  assert.match(SHELL_HELP, /^HELP;.*\n^QUIT; EXIT;.*\n^SET;/m);
});

test("piped input: results as tables (materialised, or every change in tableau mode), errors with a caret, QUIT", {
  timeout: 600_000,
}, () => {
  const r = shell(`${ORDERS}SELECT MOD(id, 2) AS parity, COUNT(*) AS orders, SUM(amount) AS total
FROM orders GROUP BY MOD(id, 2);
SET 'sql-client.execution.result-mode' = 'tableau';
SELECT MOD(id, 2) AS parity, COUNT(*) AS orders FROM orders GROUP BY MOD(id, 2);
SELECT nope FROM orders;
DESCRIBE orders;
QUIT;
SELECT 'never run';
`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `[INFO] Execute statement succeeded.
+--------+--------+-------+
| parity | orders | total |
+--------+--------+-------+
| 1      | 2      | 2.0   |
| 0      | 2      | 2.0   |
+--------+--------+-------+
2 rows in set
[INFO] Execute statement succeeded.
+----+-------------+----------------------+
| op | parity      | orders               |
+----+-------------+----------------------+
| +I | 1           | 1                    |
| +I | 0           | 1                    |
| -U | 1           | 1                    |
| +U | 1           | 2                    |
| -U | 0           | 1                    |
| +U | 0           | 2                    |
+----+-------------+----------------------+
Received a total of 6 rows
[ERROR] FLEUVE_SQL_VALIDATION: Column 'nope' not found in any table (line 1, column 8)
SELECT nope FROM orders;
       ^
+--------+--------+------+-----+--------+-----------+
| name   | type   | null | key | extras | watermark |
+--------+--------+------+-----+--------+-----------+
| id     | INT    | TRUE |     |        |           |
| amount | DOUBLE | TRUE |     |        |           |
+--------+--------+------+-----+--------+-----------+
2 rows in set
`,
  );
});

test("piped input: SHOW JOBS lists the session's jobs with Flink's names; SHOW CREATE, SHOW COLUMNS, USE as Flink's client prints them", {
  timeout: 600_000,
}, () => {
  const r = shell(`${ORDERS}CREATE TABLE out (id INT) WITH ('connector' = 'blackhole');
INSERT INTO out SELECT id FROM orders;
SELECT COUNT(*) AS n FROM orders;
SHOW JOBS;
SHOW CREATE TABLE out;
SHOW COLUMNS FROM orders LIKE 'x%';
SHOW FULL MODULES;
DESCRIBE nope;
USE CATALOG hive;
USE default_database;
`);
  assert.equal(r.code, 0, r.stderr);
  // A job id is 32 hex digits, as Flink's; the start time is when the shell started the job.
  const id = "[0-9a-f]{32}";
  const time = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}";
  const jobs = new RegExp(
    [
      "\\+-{34}\\+-{50}\\+-{10}\\+-{25}\\+",
      "\\| job id {27}\\| job name {41}\\| status {3}\\| start time {14}\\|",
      "\\+-{34}\\+-{50}\\+-{10}\\+-{25}\\+",
      `\\| ${id} \\| insert-into_default_catalog\\.default_database\\.out \\| FINISHED \\| ${time} \\|`,
      `\\| ${id} \\| collect {42}\\| FINISHED \\| ${time} \\|`,
      "\\+-{34}\\+-{50}\\+-{10}\\+-{25}\\+",
      "2 rows in set",
    ].join("\\n"),
  );
  const [before, after] = r.stdout.split(jobs);
  assert.ok(after !== undefined, r.stdout);
  assert.equal(
    before,
    `[INFO] Execute statement succeeded.
[INFO] Execute statement succeeded.
[INFO] Running the job of INSERT INTO out (Ctrl-C stops it)
[INFO] The job finished.
+---+
| n |
+---+
| 4 |
+---+
1 row in set
`,
  );
  assert.equal(
    after,
    `
CREATE TABLE \`default_catalog\`.\`default_database\`.\`out\` (
  \`id\` INT
) WITH (
  'connector' = 'blackhole'
)

Empty set
+-------------+------+
| module name | used |
+-------------+------+
| core        | TRUE |
+-------------+------+
1 row in set
[ERROR] FLEUVE_SQL_VALIDATION: Tables or views with the identifier 'default_catalog.default_database.nope' doesn't exist.
[ERROR] FLEUVE_SQL_VALIDATION: A catalog with name [hive] does not exist. Fleuve SQL has the one catalog default_catalog
[INFO] Execute statement succeeded.
`,
  );
});

test("piped input: INSERT INTO runs its job to the end; a statement left without ';' is reported", {
  timeout: 600_000,
}, () => {
  const r = shell(`${ORDERS}CREATE TABLE out (parity INT, orders BIGINT) WITH ('connector' = 'print');
INSERT INTO out SELECT MOD(id, 2), COUNT(*) FROM orders GROUP BY MOD(id, 2);
SHOW TABLES;
SELECT 1`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `[INFO] Execute statement succeeded.
[INFO] Execute statement succeeded.
[INFO] Running the job of INSERT INTO out (Ctrl-C stops it)
+I[1, 1]
+I[0, 1]
-U[1, 1]
+U[1, 2]
-U[0, 1]
+U[0, 2]
[INFO] The job finished.
+------------+
| table name |
+------------+
| orders     |
| out        |
+------------+
2 rows in set
[WARNING] the input ended inside a statement (no ';'): SELECT 1
`,
  );
});

test("piped input: a statement set (EXECUTE ... BEGIN ... END, BEGIN STATEMENT SET; ... END;) runs as one job", {
  timeout: 600_000,
}, () => {
  const r =
    shell(`${ORDERS}CREATE TABLE odd (id INT) WITH ('connector' = 'print', 'print-identifier' = 'odd');
CREATE TABLE even (id INT) WITH ('connector' = 'print', 'print-identifier' = 'even');
EXECUTE STATEMENT SET BEGIN
  INSERT INTO odd SELECT id FROM orders WHERE MOD(id, 2) = 1;
  INSERT INTO even SELECT CASE WHEN MOD(id, 2) = 0 THEN id END FROM orders WHERE MOD(id, 2) = 0;
END;
BEGIN STATEMENT SET;
INSERT INTO odd SELECT id * 10 FROM orders WHERE id = 1;
END;
BEGIN STATEMENT SET;
SELECT 1;
`);
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout.split("\n");
  const first = out.indexOf(
    "[INFO] Running the job of the statement set (INSERT INTO odd, INSERT INTO even) (Ctrl-C stops it)",
  );
  const second = out.indexOf(
    "[INFO] Running the job of the statement set (INSERT INTO odd) (Ctrl-C stops it)",
  );
  assert.ok(first > 0 && second > first, r.stdout);
  // One job: each sink's rows, then the job's end (the two sinks' lines may interleave).
  assert.deepEqual(out.slice(first + 1, second - 1).sort(), [
    "even> +I[2]",
    "even> +I[4]",
    "odd> +I[1]",
    "odd> +I[3]",
  ]);
  assert.deepEqual(out.slice(0, first), Array(3).fill("[INFO] Execute statement succeeded."));
  assert.deepEqual(out.slice(second - 1), [
    "[INFO] The job finished.",
    "[INFO] Running the job of the statement set (INSERT INTO odd) (Ctrl-C stops it)",
    "odd> +I[10]",
    "[INFO] The job finished.",
    "[ERROR] FLEUVE_SQL_SYNTAX: SQL syntax error at line 2, column 1: unexpected 'SELECT', expected INSERT",
    "SELECT 1;",
    "^",
    "",
  ]);
});

test("piped input: CTAS and RTAS run their INSERT once; later jobs see the table, not its INSERT again", {
  timeout: 600_000,
}, () => {
  const r =
    shell(`${ORDERS}CREATE OR REPLACE TABLE tens WITH ('connector' = 'print', 'print-identifier' = 'tens')
  AS SELECT id * 10 AS t FROM orders WHERE id <= 2;
REPLACE TABLE tens WITH ('connector' = 'print', 'print-identifier' = 'hundreds')
  AS SELECT id * 100 AS h FROM orders WHERE id = 1;
DESCRIBE tens;
INSERT INTO tens SELECT id FROM orders WHERE id = 3;
`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `[INFO] Execute statement succeeded.
[INFO] Running the job of CREATE OR REPLACE TABLE tens AS SELECT (Ctrl-C stops it)
tens> +I[10]
tens> +I[20]
[INFO] The job finished.
[INFO] Running the job of REPLACE TABLE tens AS SELECT (Ctrl-C stops it)
hundreds> +I[100]
[INFO] The job finished.
+------+------+------+-----+--------+-----------+
| name | type | null | key | extras | watermark |
+------+------+------+-----+--------+-----------+
| h    | INT  | TRUE |     |        |           |
+------+------+------+-----+--------+-----------+
1 row in set
[INFO] Running the job of INSERT INTO tens (Ctrl-C stops it)
hundreds> +I[3]
[INFO] The job finished.
`,
  );
});

const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;

/** The shell on a pseudo-terminal (util-linux `script`), fed keystrokes once the screen shows what each waits for. */
class Terminal {
  screen = "";
  private readonly child;
  readonly exited: Promise<number | null>;
  constructor(args: string[]) {
    const command = [process.execPath, BIN, "sql", ...args].map((a) => `'${a}'`).join(" ");
    this.child = spawn("script", ["-qfc", command, "/dev/null"], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdout.setEncoding("utf8").on("data", (d: string) => {
      this.screen += d;
    });
    this.exited = new Promise((resolve) => this.child.on("close", (code) => resolve(code)));
  }
  /** Waits until the output after `from` satisfies `cond` (generous deadline: a loaded machine). */
  async waitFor(cond: (s: string) => boolean, what: string, from = 0): Promise<void> {
    const until = Date.now() + 300_000;
    while (!cond(this.screen.slice(from))) {
      if (Date.now() > until) throw new Error(`gave up waiting for ${what}; the screen:\n${this.screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  type(keys: string): number {
    const at = this.screen.length;
    this.child.stdin.write(keys);
    return at;
  }
}

const PROMPT = "Fleuve SQL> ";
const ESC = String.fromCharCode(27);

test("on a terminal: multi-line statements, an updating table redrawn in place, history kept and recalled", {
  timeout: 600_000,
}, async () => {
  assert.ok(hasScript, "the pseudo-terminal test needs util-linux's script (apt-get install bsdutils)");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-tty-"));
  const history = join(dir, "history");
  try {
    const t = new Terminal(["--history", history]);
    await t.waitFor((s) => s.includes(PROMPT), "the prompt");
    // A statement over two lines: the continuation prompt, then the result once ';' ends it.
    let at = t.type("CREATE TABLE n (x INT) WITH ('connector' = 'datagen', 'rows-per-second' = '20',\r");
    await t.waitFor((s) => s.includes("          > "), "the continuation prompt", at);
    at = t.type("'fields.x.kind' = 'sequence', 'fields.x.start' = '1', 'fields.x.end' = '40');\r");
    await t.waitFor(
      (s) => s.includes("[INFO] Execute statement succeeded.") && s.includes(PROMPT),
      "the DDL",
      at,
    );
    // 40 rows at 20 a second: the table is drawn several times, each time over the last drawing.
    at = t.type("SELECT MOD(x, 2) AS parity, COUNT(*) AS cnt FROM n GROUP BY MOD(x, 2);\r");
    await t.waitFor((s) => s.includes("| 0      | 20  |") && s.includes(PROMPT), "the final table", at);
    const drawn = t.screen.slice(at);
    // Up over the last drawing (ESC [ n A) and clear below it (ESC [ J): redrawn in place.
    assert.match(
      drawn,
      new RegExp(`${ESC}\\[\\d+A${ESC}\\[J`),
      `redrawn in place:\n${JSON.stringify(drawn)}`,
    );
    assert.match(drawn, /\| 1 +\| 20 {2}\|/);
    // Up arrow recalls the query from the history: run again, the same final table.
    at = t.type("\x1b[A\r");
    await t.waitFor(
      (s) => s.includes("| 0      | 20  |") && s.includes(PROMPT),
      "the recalled query's table",
      at,
    );
    at = t.type("\x04");
    assert.equal(await t.exited, 0);
    await t.waitFor((s) => s.includes("Goodbye."), "the goodbye", at);
    assert.ok(existsSync(history));
    const saved = readFileSync(history, "utf8").split("\n");
    assert.ok(
      saved.includes("SELECT MOD(x, 2) AS parity, COUNT(*) AS cnt FROM n GROUP BY MOD(x, 2);"),
      saved.join("\n"),
    );
    assert.ok(saved[0]?.startsWith("CREATE TABLE n (x INT)"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
