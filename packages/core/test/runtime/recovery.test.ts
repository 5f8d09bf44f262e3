/**
 * The restore and restart policy on its own: which checkpoint each attempt restores (with a fake
 * loader), and how attempts restart, get cancelled, stop with a savepoint or fail for good (with
 * fake attempts that record what was done to them).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type EnvironmentOptions, resolveConfig } from "../../src/api/config.js";
import type { LoadedCheckpoint } from "../../src/checkpoint/storage.js";
import { FleuveError } from "../../src/errors.js";
import type { CheckpointCoordination } from "../../src/runtime/checkpoint-coordinator.js";
import { type Attempt, RestorePolicy, runWithRecovery } from "../../src/runtime/recovery.js";

/** A loaded checkpoint with id `id` at `path`. */
function checkpoint(
  path: string,
  id: number,
  kind: "checkpoint" | "savepoint" = "checkpoint",
): LoadedCheckpoint {
  return {
    path,
    metadata: {
      version: 1,
      checkpointId: id,
      kind,
      jobName: "recovery-test",
      createdAt: "",
      maxParallelism: 128,
      operators: {},
      files: {},
    },
    operators: new Map(),
  };
}

/** A loader over a fixed set of paths; records what it was asked for. */
function loader(available: Record<string, LoadedCheckpoint>) {
  const asked: string[] = [];
  return {
    asked,
    load: async (path: string) => {
      asked.push(path);
      return available[path];
    },
  };
}

const checkpointing = { dir: "/ck", intervalMs: 1000 } as const;

test("no restoreFrom: the first attempt starts empty with checkpoint 1", async () => {
  const l = loader({});
  const p = new RestorePolicy(resolveConfig({ checkpointing }), l.load);
  assert.equal(await p.next(), undefined);
  assert.equal(p.nextCheckpointId, 1);
  assert.deepEqual(l.asked, []);
});

test("restoreFrom a savepoint: restores it and numbers new checkpoints after it", async () => {
  const l = loader({ "/sp": checkpoint("/sp", 7, "savepoint") });
  const p = new RestorePolicy(resolveConfig({ checkpointing, restoreFrom: "/sp" }), l.load);
  assert.equal((await p.next())?.path, "/sp");
  assert.equal(p.nextCheckpointId, 8);
});

test("restoreFrom with nothing usable there fails with FLEUVE_CHECKPOINT_NOT_FOUND naming the path", async () => {
  const p = new RestorePolicy(resolveConfig({ restoreFrom: "/missing" }), loader({}).load);
  await assert.rejects(
    p.next(),
    (e: FleuveError) => e.code === "FLEUVE_CHECKPOINT_NOT_FOUND" && e.details.path === "/missing",
  );
});

test("resumeFromLatestCheckpoint with no checkpoint yet starts empty (no error)", async () => {
  const l = loader({});
  const p = new RestorePolicy(resolveConfig({ checkpointing, resumeFromLatestCheckpoint: true }), l.load);
  assert.equal(await p.next(), undefined);
  assert.deepEqual(l.asked, ["/ck"]);
});

test("resumeFromLatestCheckpoint restores the newest checkpoint of the job's folder", async () => {
  const p = new RestorePolicy(
    resolveConfig({ checkpointing, resumeFromLatestCheckpoint: true }),
    loader({ "/ck": checkpoint("/ck/chk-12", 12) }).load,
  );
  assert.equal((await p.next())?.path, "/ck/chk-12");
  assert.equal(p.nextCheckpointId, 13);
});

test("a failure before the first checkpoint restarts from the original restoreFrom, and ids stay past it", async () => {
  const available: Record<string, LoadedCheckpoint> = { "/sp": checkpoint("/sp", 7, "savepoint") };
  const l = loader(available);
  const p = new RestorePolicy(resolveConfig({ checkpointing, restoreFrom: "/sp" }), l.load);
  await p.next();
  p.afterFailure(0);
  assert.equal((await p.next())?.path, "/sp");
  assert.deepEqual(l.asked, ["/sp", "/ck", "/sp"]);
  assert.equal(p.nextCheckpointId, 8);
  // Once the job has a checkpoint of its own, a restart restores that one.
  available["/ck"] = checkpoint("/ck/chk-9", 9);
  p.afterFailure(9);
  assert.equal((await p.next())?.path, "/ck/chk-9");
  assert.equal(p.nextCheckpointId, 10);
});

test("without checkpointing a restart restores restoreFrom again, with ids after the savepoints taken meanwhile", async () => {
  const l = loader({ "/sp": checkpoint("/sp", 3, "savepoint") });
  const p = new RestorePolicy(resolveConfig({ restoreFrom: "/sp" }), l.load);
  await p.next();
  p.afterFailure(5);
  assert.equal((await p.next())?.path, "/sp");
  assert.deepEqual(l.asked, ["/sp", "/sp"]);
  assert.equal(p.nextCheckpointId, 6);
});

test("ids never go back: a restart after checkpoint 4 of a run restored from checkpoint 7 starts at 8", async () => {
  const p = new RestorePolicy(
    resolveConfig({ checkpointing, restoreFrom: "/sp" }),
    loader({ "/sp": checkpoint("/sp", 7) }).load,
  );
  await p.next();
  p.afterFailure(4);
  assert.equal(p.nextCheckpointId, 8);
});

/** An attempt that records what the policy did to it (and its coordination). */
class FakeAttempt implements Attempt {
  readonly events: string[] = [];
  readonly coordination: CheckpointCoordination;
  constructor(latestCompleted = 0) {
    const events = this.events;
    this.coordination = {
      tick: () => false,
      notifyCompleted: () => void events.push("notify"),
      savepoint: () => Promise.reject(new Error("not here")),
      writesInFlight: [],
      drain: async () => void events.push("drain"),
      finalCheckpoint: async () => void events.push("final checkpoint"),
      latestCompleted,
    };
  }
  open(): void {
    this.events.push("open");
  }
  async pendingWork(): Promise<void> {
    this.events.push("pending work");
  }
  close(): void {
    this.events.push("close");
  }
}

/** Runs the policy over scripted attempts: `runs[k]` is what attempt k's task loop does. */
async function recover(
  options: EnvironmentOptions,
  runs: ((attempt: FakeAttempt) => Promise<void>)[],
  flags: { cancelled?: () => boolean; stopped?: () => boolean; latestCompleted?: number[] } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-recovery-"));
  const attempts: FakeAttempt[] = [];
  const builds: { restored: string | undefined; firstCheckpointId: number }[] = [];
  const log: string[] = [];
  const config = resolveConfig({
    ...options,
    ...(options.checkpointing ? { checkpointing: { ...options.checkpointing, dir } } : {}),
  });
  const outcome = runWithRecovery({
    jobName: "recovery-test",
    config,
    log: (line) => log.push(line),
    now: () => 0,
    build: (restored, firstCheckpointId) => {
      builds.push({ restored: restored?.path, firstCheckpointId });
      const a = new FakeAttempt(flags.latestCompleted?.[attempts.length] ?? 0);
      attempts.push(a);
      return a;
    },
    run: (a) => runs[attempts.length - 1]!(a),
    cancelled: flags.cancelled ?? (() => false),
    stopped: flags.stopped ?? (() => false),
  }).then(
    () => ({ ok: true as const }),
    (e: unknown) => ({ ok: false as const, error: e as FleuveError }),
  );
  const result = await outcome;
  rmSync(dir, { recursive: true, force: true });
  return { result, attempts, builds, log };
}

test("a failed attempt restarts with checkpoint ids past its latest completed one; the next one finishes with a final checkpoint", async () => {
  const { result, attempts, builds, log } = await recover(
    {
      checkpointing: { dir: "", intervalMs: 1000 },
      restartStrategy: { type: "fixed-delay", attempts: 1, delayMs: 0 },
    },
    [
      async () => {
        throw new Error("boom");
      },
      async () => {},
    ],
    { latestCompleted: [4] },
  );
  assert.deepEqual(result, { ok: true });
  assert.deepEqual(
    builds.map((b) => b.firstCheckpointId),
    [1, 5],
  );
  assert.deepEqual(attempts[0]!.events, ["open", "close", "drain"]);
  assert.deepEqual(attempts[1]!.events, ["open", "final checkpoint", "pending work", "close"]);
  assert.ok(log.some((l) => /failed \(job 'recovery-test' failed: boom\); restarting in 0 ms/.test(l)));
});

test("restarts stop when the restart strategy is exhausted: the job fails with the attempt's error", async () => {
  const { result, attempts } = await recover(
    { restartStrategy: { type: "fixed-delay", attempts: 1, delayMs: 0 } },
    [
      async () => {
        throw new Error("first");
      },
      async () => {
        throw new Error("second");
      },
    ],
  );
  assert.equal(result.ok, false);
  assert.equal(result.ok === false && result.error.code, "FLEUVE_JOB_FAILED");
  assert.match(result.ok === false ? result.error.message : "", /second/);
  assert.equal(attempts.length, 2);
});

test("an error a restart cannot cure is not restarted", async () => {
  const { result, attempts } = await recover(
    { restartStrategy: { type: "fixed-delay", attempts: 5, delayMs: 0 } },
    [
      async () => {
        throw new FleuveError("FLEUVE_STATE_INCOMPATIBLE", "state does not fit");
      },
    ],
  );
  assert.equal(result.ok === false && result.error.code, "FLEUVE_STATE_INCOMPATIBLE");
  assert.equal(attempts.length, 1);
});

test("cancellation ends the job with FLEUVE_JOB_CANCELLED, without restart or final checkpoint", async () => {
  let cancelled = false;
  const { result, attempts } = await recover(
    {
      checkpointing: { dir: "", intervalMs: 1000 },
      restartStrategy: { type: "fixed-delay", attempts: 5, delayMs: 0 },
    },
    [
      async () => {
        cancelled = true;
      },
    ],
    { cancelled: () => cancelled },
  );
  assert.equal(result.ok === false && result.error.code, "FLEUVE_JOB_CANCELLED");
  assert.deepEqual(attempts[0]!.events, ["open", "close", "drain"]);
});

test("stop with a savepoint ends the job without error once completions are notified and sinks committed", async () => {
  let stopped = false;
  const { result, attempts } = await recover(
    { checkpointing: { dir: "", intervalMs: 1000 } },
    [
      async () => {
        stopped = true;
      },
    ],
    { cancelled: () => stopped, stopped: () => stopped },
  );
  assert.deepEqual(result, { ok: true });
  assert.deepEqual(attempts[0]!.events, ["open", "close", "drain", "notify", "pending work"]);
});
