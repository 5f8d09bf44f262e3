// `fleuve run --log-format json --log-level ...`: the runtime's lines as pino JSON objects with
// the job's name, the package and the checkpoint a restore reads; levels filter per package; a
// bad level or format is a usage error before the job starts.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fleuve } from "./helpers.js";

const JOB = "packages/cli/test/fixtures/evolve-job.ts";

test("a resumed job's restore line is JSON with job, package and checkpoint; warn drops it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-logs-"));
  const run = (...extra: string[]) =>
    fleuve(
      "run",
      JOB,
      "--checkpoint-dir",
      dir,
      "--resume",
      "--control-dir",
      join(dir, "jobs"),
      ...extra,
      "--",
      "v1",
    );
  try {
    const first = await run();
    assert.equal(first.code, 0, first.stderr);
    const json = await run("--log-format", "json", "--log-level", "info,kafka=debug");
    assert.equal(json.code, 0, json.stderr);
    const objects = json.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const restore = objects.find((o) => /^restoring /.test(String(o.msg)));
    assert.ok(restore, `no JSON restore line in:\n${json.stderr}`);
    assert.equal(restore.job, "evolve");
    assert.equal(restore.package, "core");
    assert.equal(restore.level, 30);
    assert.equal(typeof restore.checkpoint, "number");
    assert.match(String(restore.msg), new RegExp(`^restoring checkpoint ${restore.checkpoint} from `));
    // At warn the info line is dropped (in the plain text form too).
    const quiet = await run("--log-level", "warn");
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /restoring/);
    const text = await run();
    assert.match(text.stderr, /^\[fleuve\] restoring checkpoint \d+ from /m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a bad log level or format is a usage error naming it", async () => {
  const level = await fleuve("run", JOB, "--log-level", "kafka=loud", "--", "v1");
  assert.notEqual(level.code, 0);
  assert.match(level.stderr, /--log-level.*'loud'/);
  const pkg = await fleuve("run", JOB, "--log-level", "warn,bogus=info", "--", "v1");
  assert.notEqual(pkg.code, 0);
  assert.match(pkg.stderr, /--log-level.*unknown package 'bogus' \(known: alerts, .*core, .*kafka, .*\)/);
  const before = process.env.FLEUVE_LOG_LEVEL;
  process.env.FLEUVE_LOG_LEVEL = "warn,bogus=info";
  try {
    // from the environment: the message names the variable, not an option the user never passed
    const fromEnv = await fleuve("run", JOB, "--", "v1");
    assert.notEqual(fromEnv.code, 0);
    assert.match(
      fromEnv.stderr,
      /FLEUVE_LOG_LEVEL: log level spec 'warn,bogus=info': unknown package 'bogus'/,
    );
  } finally {
    if (before === undefined) delete process.env.FLEUVE_LOG_LEVEL;
    else process.env.FLEUVE_LOG_LEVEL = before;
  }
  const format = await fleuve("run", JOB, "--log-format", "xml", "--", "v1");
  assert.notEqual(format.code, 0);
  assert.match(format.stderr, /--log-format' must be json, pretty or text, got 'xml'/);
});

/** A bounded SQL job: three rows to a print table. */
const SQL_JOB = "packages/cli/test/fixtures/three.sql";

test("fleuve sql -f takes --log-level and --log-format as fleuve run does", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-logs-"));
  const run = (...extra: string[]) =>
    fleuve(
      "sql",
      "-f",
      SQL_JOB,
      "--no-metrics",
      "--no-dashboard",
      "--checkpoint-dir",
      join(dir, "ck"),
      "--control-dir",
      join(dir, "jobs"),
      ...extra,
    );
  try {
    const first = await run();
    assert.equal(first.code, 0, first.stderr);
    const json = await run("--resume", "--log-format", "json", "--log-level", "warn,core=info");
    assert.equal(json.code, 0, json.stderr);
    const restore = json.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((o) => /^restoring /.test(String(o.msg)));
    assert.ok(restore, `no JSON restore line in:\n${json.stderr}`);
    assert.equal(restore.job, "three");
    assert.equal(restore.package, "core");
    const quiet = await run("--resume", "--log-level", "warn,sql=debug");
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /restoring/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The first line of `fleuve sql`'s usage, which a usage error of 'fleuve sql' must print. */
const SQL_USAGE_LINE = /\n\nUsage: fleuve sql \[--history FILE\]/;

test("fleuve sql -f: a bad log level, from the option or FLEUVE_LOG_LEVEL, is a usage error with sql's usage", async () => {
  const before = process.env.FLEUVE_LOG_LEVEL;
  try {
    const level = await fleuve("sql", "-f", SQL_JOB, "--no-metrics", "--log-level", "kafka=loud");
    assert.equal(level.code, 2, level.stderr);
    assert.match(level.stderr, /^error FLEUVE_CLI_USAGE: option '--log-level': .*'loud'/);
    assert.match(level.stderr, SQL_USAGE_LINE);
    assert.equal(level.stdout, "", "nothing runs");
    const format = await fleuve("sql", "-f", SQL_JOB, "--no-metrics", "--log-format", "xml");
    assert.equal(format.code, 2, format.stderr);
    assert.match(format.stderr, /option '--log-format' must be json, pretty or text, got 'xml'/);
    assert.match(format.stderr, SQL_USAGE_LINE);
    process.env.FLEUVE_LOG_LEVEL = "warn,bogus=info";
    const fromEnv = await fleuve("sql", "-f", SQL_JOB, "--no-metrics");
    assert.equal(fromEnv.code, 2, fromEnv.stderr);
    assert.match(
      fromEnv.stderr,
      /^error FLEUVE_CLI_USAGE: FLEUVE_LOG_LEVEL: log level spec 'warn,bogus=info': unknown package 'bogus'/,
    );
    // sql's usage, not run's (the job runs through 'fleuve run', which checked it first)
    assert.match(fromEnv.stderr, SQL_USAGE_LINE);
    assert.doesNotMatch(fromEnv.stderr, /Usage: fleuve run/);
    // the shell takes no log options: they need -f, as the other job options do
    delete process.env.FLEUVE_LOG_LEVEL;
    const shell = await fleuve("sql", "--log-level", "warn");
    assert.equal(shell.code, 2, shell.stderr);
    assert.match(shell.stderr, /option '--log-level' needs '-f FILE'/);
  } finally {
    if (before === undefined) delete process.env.FLEUVE_LOG_LEVEL;
    else process.env.FLEUVE_LOG_LEVEL = before;
  }
});
