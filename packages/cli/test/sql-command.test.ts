// `fleuve sql -f FILE`: a file's statements run as one job through `fleuve run`'s machinery.
// The changelog expected of a group aggregation is Flink's (+I for a new group, then -U/+U per
// change), computed here by brute force over the input the file's datagen table generates.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { finish, fleuve, ROOT, start } from "./helpers.js";

async function waitFor(cond: () => boolean, what: string, limitMs = 300_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Flink's changelog of `SELECT MOD(n, m), COUNT(*), SUM(n) ... GROUP BY MOD(n, m)` over 1..last, in order. */
function expectedChangelog(last: number, m = 3): string[] {
  const groups = new Map<number, [number, number]>();
  const out: string[] = [];
  for (let n = 1; n <= last; n++) {
    const r = n % m;
    const old = groups.get(r);
    const now: [number, number] = old === undefined ? [1, n] : [old[0] + 1, old[1] + n];
    if (old === undefined) out.push(`+I[${r}, 1, ${n}]`);
    else out.push(`-U[${r}, ${old[0]}, ${old[1]}]`, `+U[${r}, ${now[0]}, ${now[1]}]`);
    groups.set(r, now);
  }
  return out;
}

function countsScript(dir: string, name: string, rowsPerSecond: number, extra = ""): string {
  const file = join(dir, `${name}.sql`);
  writeFileSync(
    file,
    `-- the totals of 1..300 by n % 3
${extra}CREATE TABLE numbers (n INT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '${rowsPerSecond}',
  'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '300');
CREATE TABLE totals (r INT, cnt BIGINT, total BIGINT) WITH ('connector' = 'print');
INSERT INTO totals SELECT MOD(n, 3), COUNT(*), SUM(n) FROM numbers GROUP BY MOD(n, 3);
`,
  );
  return file;
}

const lines = (s: string) => s.split("\n").filter((l) => l !== "");

/** The SET statements that checkpoint a script's job every 200 ms into `checkpoints`. */
const checkpointing = (checkpoints: string) =>
  `SET 'execution.checkpointing.interval' = '200 ms';\nSET 'execution.checkpointing.dir' = '${checkpoints}';\n`;

/** Runs `fleuve sql -f file` and kills it (SIGKILL) once a checkpoint in `checkpoints` is complete. */
async function killAfterCheckpoint(file: string, controlDir: string, checkpoints: string) {
  const job = start(["sql", "-f", file, "--no-metrics", "--control-dir", controlDir]);
  const done = finish(job);
  const completed = () =>
    existsSync(checkpoints) &&
    readdirSync(checkpoints).some((d) => existsSync(join(checkpoints, d, "_metadata")));
  await waitFor(completed, "a completed checkpoint");
  job.kill("SIGKILL");
  const crashed = await done;
  assert.equal(crashed.signal, "SIGKILL");
  return crashed;
}

test("fleuve sql -f runs the file's statements as one job: SHOW's table first, then the sink's changelog", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-f-"));
  try {
    const file = countsScript(dir, "counts", 0, "SHOW TABLES;\n");
    // SHOW TABLES before any CREATE: no table yet. Its rows print before the job runs.
    const r = await fleuve("sql", "-f", file, "--no-metrics");
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    // Flink's SQL client prints a result without rows as `Empty set`.
    assert.deepEqual(out.slice(0, 1), ["Empty set"]);
    assert.deepEqual(out.slice(1), expectedChangelog(300));
    assert.match(r.stderr, /job 'counts' finished in \d+ ms/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fleuve sql -f prints a query's BIGINT past 2^53 with its exact digits (it failed: 'Do not know how to serialize a BigInt')", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-f-long-"));
  try {
    writeFileSync(join(dir, "ids.json"), '{"id":1234567890123456789,"v":1}\n{"id":9007199254740993,"v":5}\n');
    const file = join(dir, "ids.sql");
    writeFileSync(
      file,
      `CREATE TABLE ids (id BIGINT, v INT) WITH ('connector' = 'filesystem', 'path' = '${join(dir, "ids.json")}', 'format' = 'json');
SELECT id, id + 1 AS next, v FROM ids;
`,
    );
    const r = await fleuve("sql", "-f", file, "--no-metrics", "--no-dashboard");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      '{"id":1234567890123456789,"next":1234567890123456790,"v":1}\n{"id":9007199254740993,"next":9007199254740994,"v":5}\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fleuve sql -f prints DESCRIBE and SHOW CREATE TABLE as Flink's SQL client", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-f-"));
  try {
    const file = join(dir, "describe.sql");
    writeFileSync(
      file,
      `CREATE TABLE t (id BIGINT, name STRING COMMENT 'who', ts TIMESTAMP(3), PRIMARY KEY (id) NOT ENFORCED,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = 'datagen');
DESCRIBE t;
SHOW CREATE TABLE t;
`,
    );
    const r = await fleuve("sql", "-f", file, "--no-metrics");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `+------+------------------------+-------+---------+--------+----------------------------+---------+
| name | type                   | null  | key     | extras | watermark                  | comment |
+------+------------------------+-------+---------+--------+----------------------------+---------+
| id   | BIGINT                 | FALSE | PRI(id) |        |                            |         |
| name | STRING                 | TRUE  |         |        |                            | who     |
| ts   | TIMESTAMP(3) *ROWTIME* | TRUE  |         |        | \`ts\` - INTERVAL '5' SECOND |         |
+------+------------------------+-------+---------+--------+----------------------------+---------+
3 rows in set
CREATE TABLE \`default_catalog\`.\`default_database\`.\`t\` (
  \`id\` BIGINT NOT NULL,
  \`name\` VARCHAR(2147483647) COMMENT 'who',
  \`ts\` TIMESTAMP(3),
  WATERMARK FOR \`ts\` AS \`ts\` - INTERVAL '5' SECOND,
  CONSTRAINT \`PK_id\` PRIMARY KEY (\`id\`) NOT ENFORCED
) WITH (
  'connector' = 'datagen'
)

`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fleuve sql -f: errors name file:line:column with the line and a caret, before any job starts", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-f-"));
  try {
    const bad = join(dir, "bad.sql");
    writeFileSync(bad, "CREATE TABLE t (a INT) WITH ('connector' = 'datagen');\nSELECT a, nope\n  FROM t;\n");
    const r = await fleuve("sql", "-f", bad);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      `error FLEUVE_SQL_VALIDATION: ${bad}:2:11: Column 'nope' not found in any table\nSELECT a, nope\n          ^\n`,
    );
    const syntax = join(dir, "syntax.sql");
    writeFileSync(syntax, "CREATE TABLE t (a INT) WITH ('connector' = 'datagen');\n\nSELEC a FROM t;\n");
    const s = await fleuve("sql", "-f", syntax);
    assert.equal(s.code, 1);
    assert.match(
      s.stderr,
      new RegExp(
        `^error FLEUVE_SQL_SYNTAX: ${syntax.replace(/[.]/g, "\\.")}:3:1: SQL syntax error: unexpected 'SELEC'`,
      ),
    );
    assert.ok(s.stderr.endsWith("\nSELEC a FROM t;\n^\n"), s.stderr);
    const missing = await fleuve("sql", "-f", join(dir, "none.sql"));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /SQL file '.*none\.sql' does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fleuve sql -f: a bad connector option and an unknown WATERMARK column point at where they are written", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-f-"));
  const sink =
    "CREATE TABLE s (name STRING) WITH ('connector' = 'print');\nINSERT INTO s SELECT name FROM t;\n";
  const cases: [string, string, string][] = [
    [
      // The connector's name, whether the table is read or written.
      "CREATE TABLE t (\n  name STRING\n) WITH (\n  'connector' = 'datgen'\n);\nINSERT INTO t SELECT 'a';\n",
      "4:3: table t: no connector 'datgen'; known: ",
      "\n  'connector' = 'datgen'\n  ^\n",
    ],
    [
      "CREATE TABLE t (\n  name STRING\n) WITH (\n  'connector' = 'datagen',\n  'fields.nme.length' = '3'\n);\n" +
        sink,
      "5:3: table t: connector 'datagen' source: field 'nme': option 'fields.nme.length' names no column; the columns are name\n",
      "\n  'fields.nme.length' = '3'\n  ^\n",
    ],
    [
      "CREATE TABLE t (\n  name STRING,\n  ts TIMESTAMP(3),\n  WATERMARK FOR tss AS tss\n) WITH ('connector' = 'datagen');\n" +
        sink,
      "4:17: The rowtime attribute field 'tss' is not defined in the table schema. Available fields: ['name', 'ts']\n",
      "\n  WATERMARK FOR tss AS tss\n                ^\n",
    ],
  ];
  try {
    for (const [i, [text, message, caret]] of cases.entries()) {
      const file = join(dir, `bad${i}.sql`);
      writeFileSync(file, text);
      const r = await fleuve("sql", "-f", file);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.startsWith(`error FLEUVE_SQL_VALIDATION: ${file}:${message}`), r.stderr);
      assert.ok(r.stderr.endsWith(caret), r.stderr);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fleuve sql -f stopped with a savepoint and resumed from it: exactly the changelog of one run", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-sp-"));
  const ctl = join(dir, "jobs");
  try {
    // 5 rows/s: a minute of input, stopped long before its end even on a loaded machine (where
    // starting `fleuve savepoint` alone can take seconds).
    const file = countsScript(dir, "counts-sp", 5);
    const job = start(["sql", "-f", file, "--control-dir", ctl, "--no-metrics"]);
    const done = finish(job);
    await waitFor(() => existsSync(join(ctl, "counts-sp.sock")), "the control socket");
    const sp = await fleuve(
      "savepoint",
      "counts-sp",
      "--control-dir",
      ctl,
      "--dir",
      join(dir, "sps"),
      "--stop",
    );
    assert.equal(sp.code, 0, sp.stderr);
    const first = await done;
    assert.equal(first.code, 0, first.stderr);
    const before = lines(first.stdout);
    assert.ok(before.length < expectedChangelog(300).length, "stopped before its end of input");
    // The file edited to read the rest of its input at full speed: a table option is not state.
    countsScript(dir, "counts-sp", 0);
    const resumed = await fleuve(
      "sql",
      "-f",
      file,
      "--control-dir",
      ctl,
      "--no-metrics",
      "--from-savepoint",
      sp.stdout.trim(),
    );
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /restoring savepoint \d+ from /);
    // Nothing lost, nothing twice: the two runs' output is the changelog of one uninterrupted run.
    assert.deepEqual([...before, ...lines(resumed.stdout)], expectedChangelog(300));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SET 'execution.checkpointing.interval' checkpoints the job; killed, it resumes with exact state", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-ck-"));
  const checkpoints = join(dir, "checkpoints");
  try {
    const settings = checkpointing(checkpoints);
    // 5 rows/s: a minute of input, killed long before its end.
    const file = countsScript(dir, "counts-ck", 5, settings);
    const crashed = await killAfterCheckpoint(file, join(dir, "jobs"), checkpoints);
    assert.ok(lines(crashed.stdout).length < expectedChangelog(300).length, "killed before its end of input");
    countsScript(dir, "counts-ck", 0, settings);
    const resumed = await fleuve(
      "sql",
      "-f",
      file,
      "--no-metrics",
      "--resume",
      "--control-dir",
      join(dir, "jobs"),
    );
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /restoring checkpoint \d+ from /);
    // The print sink is at least once: rows after the checkpoint come again. The state is exact:
    // the last row per group is the group's total over 1..300.
    const last = new Map<string, string>();
    for (const l of lines(resumed.stdout)) last.set(l.slice(3, l.indexOf(",")), l.slice(2));
    assert.deepEqual([...last.entries()].sort(), [
      ["0", "[0, 100, 15150]"],
      ["1", "[1, 100, 14950]"],
      ["2", "[2, 100, 15050]"],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A script whose statement set writes the totals of 1..300 by n % 3 and by n % 2 into two print
 * sinks (lines `by3> ...` and `by2> ...`), from one datagen table.
 */
function statementSetScript(dir: string, rowsPerSecond: number, extra = ""): string {
  const file = join(dir, "two-sinks.sql");
  writeFileSync(
    file,
    `${extra}CREATE TABLE numbers (n INT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '${rowsPerSecond}',
  'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '300');
CREATE TABLE by3 (r INT, cnt BIGINT, total BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'by3');
CREATE TABLE by2 (r INT, cnt BIGINT, total BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'by2');
EXECUTE STATEMENT SET BEGIN
  INSERT INTO by3 SELECT MOD(n, 3), COUNT(*), SUM(n) FROM numbers GROUP BY MOD(n, 3);
  INSERT INTO by2 SELECT MOD(n, 2), COUNT(*), SUM(n) FROM numbers GROUP BY MOD(n, 2);
END;
`,
  );
  return file;
}

/** The lines of `out` printed by the sink `id` (`id> ...`), without the prefix. */
const printed = (out: string, id: string) =>
  lines(out)
    .filter((l) => l.startsWith(`${id}> `))
    .map((l) => l.slice(id.length + 2));

test("fleuve sql -f: a statement set's two INSERTs run as one job, each sink with its whole changelog", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-set-"));
  try {
    const r = await fleuve("sql", "-f", statementSetScript(dir, 0), "--no-metrics");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(printed(r.stdout, "by3"), expectedChangelog(300, 3));
    assert.deepEqual(printed(r.stdout, "by2"), expectedChangelog(300, 2));
    assert.equal(lines(r.stdout).length, expectedChangelog(300, 3).length + expectedChangelog(300, 2).length);
    assert.equal(r.stderr.match(/job 'two-sinks' finished in \d+ ms/g)?.length, 1, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fleuve sql -f: a checkpointed statement set, killed, resumes both INSERTs with exact state", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-set-ck-"));
  const checkpoints = join(dir, "checkpoints");
  try {
    const settings = checkpointing(checkpoints);
    const file = statementSetScript(dir, 5, settings);
    const crashed = await killAfterCheckpoint(file, join(dir, "jobs"), checkpoints);
    assert.ok(printed(crashed.stdout, "by3").length < expectedChangelog(300).length, "killed before its end");
    statementSetScript(dir, 0, settings);
    const resumed = await fleuve(
      "sql",
      "-f",
      file,
      "--no-metrics",
      "--resume",
      "--control-dir",
      join(dir, "jobs"),
    );
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /restoring checkpoint \d+ from /);
    // At least once into print: rows after the checkpoint come again; the last row per group is
    // the group's total over 1..300 in both sinks, so neither INSERT lost or doubled a row.
    const finals = (id: string) => {
      const last = new Map<string, string>();
      for (const l of printed(resumed.stdout, id)) last.set(l.slice(3, l.indexOf(",")), l.slice(2));
      return [...last.entries()].sort();
    };
    assert.deepEqual(finals("by3"), [
      ["0", "[0, 100, 15150]"],
      ["1", "[1, 100, 14950]"],
      ["2", "[2, 100, 15050]"],
    ]);
    assert.deepEqual(finals("by2"), [
      ["0", "[0, 150, 22650]"],
      ["1", "[1, 150, 22500]"],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the fleuve sql commands of docs/sql.md print what the page shows", { timeout: 600_000 }, () => {
  const md = readFileSync(join(ROOT, "docs/sql.md"), "utf8");
  const shown = [
    ...md.matchAll(
      /```sh\n(node packages\/cli\/bin\/fleuve\.js sql[^\n]*)\n```\n\nIt prints[\s\S]*?\n\n```text\n([\s\S]*?)```/g,
    ),
  ];
  assert.equal(shown.length, 3, "the -f examples (parity, user functions) and the shell example");
  for (const [, command, output] of shown) {
    const r = spawnSync("sh", ["-c", command as string], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, output, command);
  }
});

test("fleuve sql --help, and its usage errors", async () => {
  const h = await fleuve("sql", "--help");
  assert.equal(h.code, 0);
  assert.match(h.stdout, /^Usage: fleuve sql \[--history FILE\]/);
  assert.match(h.stdout, /-f, --file FILE/);
  // Both change modes print the op column (as the shell does and docs/sql.md says).
  assert.match(
    h.stdout,
    /'tableau' and 'changelog' alike: each row's kind, \+I\/-U\/\+U\/-D, in an op\s+column/,
  );
  const top = await fleuve("--help");
  assert.match(top.stdout, /\n {2}sql \[-f job\.sql/);
  for (const [args, message] of [
    [["sql", "--parallelism", "2"], /option '--parallelism' needs '-f FILE'/],
    [["sql", "job.sql"], /'fleuve sql' takes no argument 'job.sql' \(a file goes after -f\)/],
    [["sql", "--bogus"], /unknown option '--bogus' for 'fleuve sql'/],
  ] as const) {
    const r = await fleuve(...args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /Usage: fleuve sql/);
  }
});

test("fleuve sql -f runs a CREATE TABLE ... AS SELECT into a print table (its INSERT INTO is the job)", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-ctas-"));
  try {
    const file = join(dir, "ctas.sql");
    writeFileSync(
      file,
      `CREATE TABLE numbers (n INT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '0',
  'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '3');
CREATE TABLE doubled WITH ('connector' = 'print') AS SELECT n, n * 2 AS twice FROM numbers;
`,
    );
    const r = await fleuve("sql", "-f", file, "--no-metrics");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), ["+I[1, 2]", "+I[2, 4]", "+I[3, 6]"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fleuve sql -f prints a query's dates and times as Flink's text (CAST to STRING), not epoch milliseconds", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-times-"));
  try {
    const file = join(dir, "times.sql");
    writeFileSync(
      file,
      `SET 'table.local-time-zone' = 'Asia/Shanghai';
SELECT TIMESTAMP '2024-01-01 10:00:00' AS ts0, CAST('2024-01-01 10:00:00' AS TIMESTAMP(3)) AS ts3,
  DATE '2024-01-01' AS d, TIME '10:00:00' AS t, TO_TIMESTAMP_LTZ(0, 3) AS ltz,
  CAST(TO_TIMESTAMP_LTZ(0, 3) AS STRING) AS ltz_text;
`,
    );
    const r = await fleuve("sql", "-f", file, "--no-metrics");
    assert.equal(r.code, 0, r.stderr);
    // Flink 1.20 (bench/flink): CAST(... AS STRING) of each is the text printed here; the
    // TIMESTAMP_LTZ is its wall-clock time in the session zone, as its own CAST shows.
    assert.deepEqual(
      lines(r.stdout).map((l) => JSON.parse(l)),
      [
        {
          ts0: "2024-01-01 10:00:00",
          ts3: "2024-01-01 10:00:00.000",
          d: "2024-01-01",
          t: "10:00:00",
          ltz: "1970-01-01 08:00:00.000",
          ltz_text: "1970-01-01 08:00:00.000",
        },
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fleuve sql -f takes the dashboard options of fleuve run: --no-dashboard serves none", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-dashboard-"));
  try {
    const file = join(dir, "one.sql");
    writeFileSync(file, "SELECT 1 AS one;\n");
    const quiet = await fleuve("sql", "-f", file, "--no-metrics", "--no-dashboard");
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.deepEqual(lines(quiet.stdout), ['{"one":1}']);
    assert.doesNotMatch(quiet.stderr, /dashboard/);
    // Without it the job serves one, as 'fleuve run' does.
    const served = await fleuve("sql", "-f", file, "--no-metrics");
    assert.equal(served.code, 0, served.stderr);
    assert.match(served.stderr, /^dashboard: http:\/\/127\.0\.0\.1:\d+\/$/m);
    // The shell runs no job of its own: the option needs -f, as the others do.
    const shell = await fleuve("sql", "--no-dashboard");
    assert.equal(shell.code, 2);
    assert.match(shell.stderr, /option '--no-dashboard' needs '-f FILE'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
