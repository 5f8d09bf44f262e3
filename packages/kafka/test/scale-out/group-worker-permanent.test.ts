/**
 * A `--group` worker treats a unit's failure like the job does: an error a restart cannot cure
 * (core's restartCannotCure, e.g. FLEUVE_STATE_INCOMPATIBLE) fails the worker instead of starting
 * the unit again every 2 s forever.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defineJob, FleuveError, isFleuveError } from "@fleuve/core";
import { KafkaClient, startGroupWorker } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();

test("a unit failing with FLEUVE_STATE_INCOMPATIBLE fails the worker, not restarted", {
  ...options,
  timeout: 120_000,
}, async () => {
  const group = uniqueTopic("permanent");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-group-permanent-"));
  let starts = 0;
  let restarted: () => void = () => {};
  const secondStart = new Promise<"restarted">((resolve) => {
    restarted = () => resolve("restarted");
  });
  const job = defineJob({
    name: "permanent",
    build(env) {
      env.fromCollection([1, 2, 3]).sinkTo(
        {
          createWriter: () => {
            if (++starts >= 2) restarted();
            return {
              write() {
                throw new FleuveError("FLEUVE_STATE_INCOMPATIBLE", "restored state does not fit");
              },
            };
          },
        },
        "incompatible",
      );
    },
  });
  const worker = await startGroupWorker({
    job,
    group,
    bootstrap: BOOTSTRAP,
    checkpointDir: dir,
    checkpointIntervalMs: 100,
    parallelism: 1,
    log: () => {},
  });
  try {
    const outcome = await Promise.race([worker.failed.catch((e: unknown) => e), secondStart]);
    assert.ok(isFleuveError(outcome, "FLEUVE_STATE_INCOMPATIBLE"), `worker failed, got ${String(outcome)}`);
    assert.equal(starts, 1, "the unit was not started again");
  } finally {
    await worker.stop().catch(() => {});
    const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
    try {
      await client.deleteTopics((await client.listTopics()).filter((t) => t.startsWith(`fleuve-${group}-`)));
    } finally {
      await client.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
