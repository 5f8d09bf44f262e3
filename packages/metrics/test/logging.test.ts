/**
 * Structured logs (createJobLogger): JSON lines with job, package, operator, subtask and
 * checkpoint fields from a real job's runtime (a checkpoint restore names its checkpoint, a user
 * function's failure names its operator subtask); levels per package; the pretty form.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { test } from "node:test";
import { isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { createJobLogger, LOG_PACKAGES, parseLogLevels } from "../src/index.js";

/** A destination that keeps what pino writes. */
function sink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

const lines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test("per-package levels: a bare level for all, package=level for one; bad specs name the part", () => {
  const l = parseLogLevels("warn,kafka=debug, log=error");
  assert.equal(l.default, "warn");
  assert.deepEqual(
    [...l.byPackage],
    [
      ["kafka", "debug"],
      ["log", "error"],
    ],
  );
  assert.equal(parseLogLevels(undefined).default, "info");
  assert.throws(
    () => parseLogLevels("kafka=loud"),
    (e: unknown) => isFleuveError(e, "FLEUVE_CONFIG_INVALID") && /'loud'/.test(String(e)),
  );
  assert.throws(
    () => parseLogLevels("Kafka Pkg=debug"),
    (e: unknown) => isFleuveError(e, "FLEUVE_CONFIG_INVALID") && /not a package name/.test(String(e)),
  );
});

test("an unknown package in a log level spec fails, naming it and the known names", () => {
  assert.throws(
    () => parseLogLevels("warn,bogus=info"),
    (e: unknown) => {
      assert.ok(isFleuveError(e, "FLEUVE_CONFIG_INVALID"), String(e));
      assert.match(e.message, /unknown package 'bogus'/);
      assert.ok(e.message.includes(`known: ${LOG_PACKAGES.join(", ")}`), e.message);
      return true;
    },
  );
  // every known name is taken
  const spec = LOG_PACKAGES.map((p) => `${p}=debug`).join(",");
  assert.equal(parseLogLevels(spec).byPackage.size, LOG_PACKAGES.length);
});

test("the known log package names are Fleuve's packages", () => {
  const dirs = readdirSync(new URL("../../", import.meta.url), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  assert.deepEqual([...LOG_PACKAGES].sort(), dirs);
});

test("JSON lines carry the job and core's fields, and each package is filtered at its own level", () => {
  const out = sink();
  const logger = createJobLogger({
    job: "orders",
    levels: parseLogLevels("warn,kafka=debug"),
    destination: out.stream,
  });
  logger.log("core info: dropped at warn");
  logger.log("checkpoint 7 aborted: timeout", { level: "warn", checkpoint: 7, operator: "Sum", subtask: 1 });
  const kafka = logger.forPackage("kafka");
  kafka("rebalance: 2 units move", { level: "debug" });
  kafka("from log package", { level: "info", package: "log" });
  logger.flush();
  const got = lines(out.text());
  assert.equal(got.length, 2, out.text());
  assert.equal(got[0]!.job, "orders");
  assert.equal(got[0]!.package, "core");
  assert.equal(got[0]!.level, 40); // pino's number for warn
  assert.equal(got[0]!.checkpoint, 7);
  assert.equal(got[0]!.operator, "Sum");
  assert.equal(got[0]!.subtask, 1);
  assert.equal(got[0]!.msg, "checkpoint 7 aborted: timeout");
  assert.equal(typeof got[0]!.time, "string");
  assert.equal(got[1]!.package, "kafka");
  assert.equal(got[1]!.level, 20);
  assert.equal(got[1]!.msg, "rebalance: 2 units move");
});

test("a running job's lines: the restore names its checkpoint, a failure restart is a warning", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-logs-"));
  const out = sink();
  const logger = createJobLogger({ job: "logged", destination: out.stream });
  let failed = false;
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    checkpointing: { dir, intervalMs: 20 },
    restartStrategy: { type: "fixed-delay", attempts: 1, delayMs: 0 },
    log: logger.log,
  });
  let checkpoints = 0;
  env
    .fromGenerator<number>((i) => i, { count: 1_000_000_000 })
    .map((x) => {
      if (!failed && checkpoints > 0) {
        failed = true;
        throw new Error("fail once");
      }
      return x;
    })
    .name("Failing");
  const client = env.executeAsync("logged");
  try {
    const deadline = Date.now() + 5 * 60_000;
    while (
      !lines(out.text()).some((l) => typeof l.checkpoint === "number" && /restoring/.test(String(l.msg)))
    ) {
      checkpoints = client.snapshot().job.checkpointsCompleted;
      assert.ok(Date.now() < deadline, `no restore line: ${out.text()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    client.cancel();
    await client.result.catch(() => {});
  }
  const got = lines(out.text());
  const restart = got.find((l) => /restarting/.test(String(l.msg)))!;
  assert.equal(restart.level, 40);
  assert.equal(restart.job, "logged");
  const restore = got.find((l) => /restoring/.test(String(l.msg)))!;
  assert.match(String(restore.msg), new RegExp(`checkpoint ${restore.checkpoint} from`));
});

test("the pretty form is one readable line with the operator subtask and checkpoint", () => {
  const out = sink();
  const logger = createJobLogger({ job: "orders", format: "pretty", destination: out.stream });
  logger.log("checkpoint 3 aborted: timeout", { level: "warn", checkpoint: 3, operator: "Sum", subtask: 0 });
  logger.flush();
  const text = out.text();
  assert.equal(text.trim().split("\n").length, 1, text);
  assert.match(
    text,
    /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: \[Sum#0\] \(checkpoint 3\) checkpoint 3 aborted: timeout\n$/,
  );
});
