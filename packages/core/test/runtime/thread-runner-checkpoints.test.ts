/**
 * Checkpoints of a job spread over worker threads (runtime/thread-runner.ts with
 * checkpoint/thread-coordinator.ts): the job of thread-runner-checkpoints-job.ts (keyed running totals,
 * event-time windows, an exactly-once fileSink) must commit exactly the crash oracle's output
 * after a failure inside one worker, after SIGKILLs of the whole process, and across savepoints
 * taken and restored on threads and in one thread at other parallelisms.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { type JobClient, runJob } from "../../src/index.js";
import { crashOracle } from "../../src/testing/suites/index.js";
import { committedLines } from "../sinks/committed-lines.js";
import { USERS } from "./thread-runner-checkpoints-job.js";

const jobModule = new URL("./thread-runner-checkpoints-job.ts", import.meta.url).href;
const crashMain = fileURLToPath(new URL("./thread-runner-crash-main.ts", import.meta.url));

/** Polls `cond` (no fixed sleep decides anything: the test waits for the condition). */
async function until(cond: () => boolean, what: string, limitMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > limitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Completed checkpoints in `dir` (folders with `_metadata`). */
function completed(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((d) => d.startsWith("chk-") && existsSync(join(dir, d, "_metadata")));
}

function assertExact(outDir: string, n: number): void {
  const got = committedLines(outDir).sort();
  const want = crashOracle(n, USERS);
  assert.equal(got.length, want.length, `committed ${got.length} records, the oracle has ${want.length}`);
  assert.deepEqual(got, want);
}

test("a failure inside one worker restarts every worker from the latest checkpoint: output exact", {
  timeout: 300_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-threads-fail-"));
  try {
    const n = 20_000;
    const out = join(dir, "out");
    const cp = join(dir, "cp");
    const marker = join(dir, "failed");
    const lines: string[] = [];
    const client = await runJob(jobModule, {
      parallelism: 2,
      threads: 2,
      // 20 s of input at 1,000/s: a checkpoint must complete before the failure can be injected,
      // which takes longer than the 2 s of a 10,000/s input on a machine busy with other work.
      args: [out, String(n), "1000", "2000", marker, cp],
      options: {
        checkpointing: { dir: cp, intervalMs: 20 },
        restartStrategy: { type: "fixed-delay", attempts: 1, delayMs: 1 },
        log: (l) => lines.push(l),
      },
    });
    await client.result;
    assert.ok(existsSync(marker), "the failure was injected");
    assert.ok(
      lines.some((l) => l.includes("failed") && l.includes("injected failure") && l.includes("restarting")),
      `the job restarted: ${lines.join(" | ")}`,
    );
    // both workers restored the checkpoint the main thread chose
    const restores = lines.filter((l) => /^restoring checkpoint \d+ from /.test(l));
    assert.equal(restores.length, 2, `each worker restored: ${lines.join(" | ")}`);
    assert.equal(new Set(restores).size, 1, "the same checkpoint");
    assertExact(out, n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function runChild(out: string, cp: string, n: number, rate: number) {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", crashMain, out, cp, String(n), String(rate)],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr!.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
  return { child, exited, stderr: () => stderr };
}

test("SIGKILLed at random moments and restarted, a worker-thread job's committed output equals the oracle", {
  timeout: 600_000,
}, async () => {
  // Rounds: each round is a whole job from empty folders, SIGKILLed at random moments and started
  // again until it runs to its end, then checked against the oracle. A run may end before its kill
  // comes (fast machine), so rounds go on until the job was killed `wantKills` times in all.
  const wantKills = Number(process.env.FLEUVE_CRASH_KILLS ?? 6);
  // seeded, so a failure can be replayed
  let seed = 777;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  let kills = 0;
  for (let round = 0; kills < wantKills && round < 20; round++) {
    kills += await crashRound(rand, wantKills - kills, kills);
  }
  assert.equal(kills, wantKills, `killed ${wantKills} times`);
});

/** One round of the crash test: returns how many times the job was killed. */
async function crashRound(rand: () => number, maxKills: number, killedBefore: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-threads-crash-"));
  try {
    const n = 30_000;
    const rate = 15_000;
    const out = join(dir, "out");
    const cp = join(dir, "cp");
    let kills = 0;
    for (let attempt = 0; attempt < 40; attempt++) {
      const run = runChild(out, cp, n, rate);
      let ended = false;
      void run.exited.then(() => {
        ended = true;
      });
      if (kills < maxKills) {
        // Every other kill a random moment after a new checkpoint completed (during the next
        // ones, their commits, or the final one); the others a random moment of the start or run.
        const before = completed(cp).length;
        if ((killedBefore + kills) % 2 === 1)
          await until(() => ended || completed(cp).length > before, "a new checkpoint");
        await new Promise((r) => setTimeout(r, Math.floor(rand() * 1500)));
        if (!ended) {
          run.child.kill("SIGKILL");
          await run.exited;
          kills++;
          continue;
        }
      }
      const code = await run.exited;
      assert.equal(code, 0, `the job ran to its end: ${run.stderr()}`);
      break;
    }
    assertExact(out, n);
    return kills;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("savepoints restore across deployments and parallelisms: threads(2) -> one thread (3) -> threads(2)", {
  timeout: 300_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-threads-sp-"));
  try {
    const n = 30_000;
    const out = join(dir, "out");
    let restoreFrom: string | undefined;
    const stages: [threads: number, parallelism: number][] = [
      [2, 2],
      [1, 3],
    ];
    for (const [k, [threads, parallelism]] of stages.entries()) {
      const client: JobClient = await runJob(jobModule, {
        parallelism,
        threads,
        // 2,000/s: the input lasts 15 s, so a loaded machine still asks for the savepoint before
        // the stage reads its end (at 8,000/s a stressed run once found the job already finished).
        args: [out, String(n), "2000"],
        options: {
          checkpointing: { dir: join(dir, `cp-${k}`), intervalMs: 20 },
          ...(restoreFrom ? { restoreFrom } : {}),
          log: () => {},
        },
      });
      // stop once this run has committed something of its own
      const before = committedLines(out).length;
      let ended = false;
      void client.result.then(() => {
        ended = true;
      });
      await until(() => ended || committedLines(out).length > before, `stage ${k} committing`);
      assert.ok(!ended, `stage ${k} was stopped before its end`);
      restoreFrom = await client.stopWithSavepoint(join(dir, `sp-${k}`));
      await client.result;
      assert.ok(committedLines(out).length < crashOracle(n, USERS).length, `stage ${k} stopped early`);
    }
    const last = await runJob(jobModule, {
      parallelism: 2,
      threads: 2,
      args: [out, String(n), "8000"],
      options: { restoreFrom, log: () => {} },
    });
    await last.result;
    assertExact(out, n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
