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
