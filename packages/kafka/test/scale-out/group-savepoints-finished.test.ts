/**
 * Savepoints of a bounded group job whose input ended, against the real broker. A unit whose input
 * ended takes no part, so such a savepoint used to wait for its deadline (10 min) and then fail
 * listing units without their part. Now, as Flink refuses a savepoint of a finished job, it fails
 * at once saying the job finished; and a partly finished job's savepoint fails naming the finished
 * units (a group does not include finished units as Flink 1.15+ does, FLIP-147). Neither leaves a
 * `_metadata`.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { defineJob, FleuveError } from "@fleuve/core";
import { type GroupWorker, KafkaClient, startGroupWorker } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();

async function until(what: string, cond: () => boolean, signal: AbortSignal): Promise<void> {
  while (!cond()) {
    if (signal.aborted) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The error `savepoint` rejects with (the test fails if it completes). */
async function failure(p: Promise<string>): Promise<FleuveError> {
  const e = await p.then(
    (path) => `completed instead: ${path}`,
    (e: unknown) => e,
  );
  assert.ok(e instanceof FleuveError, `a FleuveError, got ${String(e)}`);
  return e;
}

/**
 * Runs `job` as a group of one process at parallelism 2 for `body`, which gets the worker, the
 * units that finished so far (from its log) and a folder for savepoints; cleans up after it.
 */
async function withGroup(
  job: ReturnType<typeof defineJob>,
  body: (worker: GroupWorker, finished: readonly string[], dir: string) => Promise<void>,
): Promise<void> {
  const group = uniqueTopic("finished");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-finished-"));
  const finished: string[] = [];
  const worker = await startGroupWorker({
    job,
    group,
    bootstrap: BOOTSTRAP,
    checkpointDir: join(dir, "checkpoints"),
    checkpointIntervalMs: 200,
    parallelism: 2,
    initialDelayMs: 0,
    log: (line) => {
      const m = /^unit (\S+): finished$/.exec(line);
      if (m) finished.push(m[1]!);
    },
  });
  const admin = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  try {
    await body(worker, finished, dir);
  } finally {
    await worker.stop();
    await admin
      .deleteTopics((await admin.listTopics()).filter((n) => n.startsWith(`fleuve-${group}-`)))
      .catch(() => {});
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// as in exchange-purge.test.ts: a stopped worker sometimes leaves broker sockets open
after(() => {
  setTimeout(() => process.exit(), 10_000).unref();
});

test("a savepoint of a group job that finished fails at once: the job finished, nothing to savepoint", {
  ...options,
  timeout: 240_000,
}, async (t) => {
  const job = defineJob({
    name: "all-finished",
    build(env) {
      env
        .fromCollection(Array.from({ length: 200 }, (_, i) => i))
        .keyBy((n) => n % 3)
        .reduce((a, b) => a + b)
        .forEach(() => {});
    },
  });
  await withGroup(job, async (worker, finished, dir) => {
    await until("every unit to finish", () => finished.length === worker.units.length, t.signal);
    const savepoint = join(dir, "sp");
    // the deadline is far: the answer must not wait for it
    const e = await failure(worker.savepoint(savepoint, { timeoutMs: 600_000 }));
    assert.equal(e.code, "FLEUVE_CHECKPOINT_FAILED");
    assert.match(
      e.message,
      new RegExp(
        `the job finished: the input of every unit ended \\(all ${worker.units.length} units finished\\), so there is nothing to savepoint`,
      ),
    );
    assert.ok(!existsSync(join(savepoint, "_metadata")), "no _metadata");
  });
});

test("a savepoint of a partly finished group job fails at once, naming the finished units", {
  ...options,
  timeout: 240_000,
}, async (t) => {
  const job = defineJob({
    name: "partly-finished",
    build(env) {
      const bounded = env.fromCollection([1, 2, 3], { name: "Bounded" });
      const unbounded = env.fromGenerator((i) => i, { count: Number.POSITIVE_INFINITY, ratePerSecond: 50 });
      bounded
        .union(unbounded)
        .keyBy((n) => n % 3)
        .reduce((a, b) => a + b)
        .forEach(() => {});
    },
  });
  await withGroup(job, async (worker, finished, dir) => {
    const boundedUnits = worker.units.filter((u) => u.startsWith("Bounded"));
    assert.ok(boundedUnits.length > 0, `units of the bounded source among ${worker.units.join(", ")}`);
    await until(
      "the bounded source's units to finish",
      () => boundedUnits.every((u) => finished.includes(u)),
      t.signal,
    );
    assert.deepEqual(
      [...finished].sort(),
      [...boundedUnits].sort(),
      "only the bounded source's units finished",
    );
    const e = await failure(worker.savepoint(join(dir, "sp"), { timeoutMs: 600_000 }));
    assert.equal(e.code, "FLEUVE_CHECKPOINT_FAILED");
    // In the job's order of units, whatever order they finished in.
    const names = worker.units.filter((u) => finished.includes(u)).join(", ");
    assert.match(
      e.message,
      new RegExp(
        `${boundedUnits.length} of ${worker.units.length} units finished \\(their input ended\\): ${names}; a finished unit takes no part, and a group takes no savepoint of a partly finished job`,
      ),
    );
    assert.ok(!existsSync(join(dir, "sp", "_metadata")), "no _metadata");
    assert.ok(worker.running().length > 0, "the rest of the job runs on");
  });
});
