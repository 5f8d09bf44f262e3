import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { crashEvent, crashOracle } from "@fleuve/core/testing/suites";
import { openLog } from "../../src/index.js";

const N = 200_000;
const USERS = 50;
const PARTITIONS = 4;
const jobFile = fileURLToPath(new URL("./crash-job.ts", import.meta.url));

const event = (i: number) => crashEvent(i, USERS);

function runJob(
  logDir: string,
  cpDir: string,
  restore: boolean,
  killAfterMs: number | undefined,
): Promise<{ code: number | null; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", jobFile, logDir, cpDir], {
      env: { ...process.env, FLEUVE_RESTORE: restore ? "1" : "0" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    let killed = false;
    const timer =
      killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = true;
            child.kill("SIGKILL");
          }, killAfterMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      if (timer) clearTimeout(timer);
      if (!killed && code !== 0) reject(new Error(`job exited with ${code}: ${stderr}`));
      else resolve({ code, killed });
    });
  });
}

test("SIGKILLed at random moments and restarted, the job's committed output equals the oracle exactly", {
  timeout: 600_000,
}, async () => {
  // Rounds: each round is a whole job from an empty log, SIGKILLed at random moments and restarted
  // until it completes, then checked against the oracle. A fast machine finishes a resumed job
  // before the next kill, so rounds go on until the job was killed at least 10 times in all.
  const wantKills = Number(process.env.FLEUVE_CRASH_KILLS ?? 10);
  // seeded random kill times, so a failure can be replayed
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  // How long an uninterrupted run takes here, so that kills land while the job runs.
  const t0 = performance.now();
  await crashRound(rand, 0, 0);
  const runMs = performance.now() - t0;
  let totalKills = 0;
  for (let round = 0; round === 0 || (totalKills < wantKills && round < 20); round++) {
    const kills = await crashRound(rand, wantKills - totalKills, runMs);
    totalKills += kills;
    if (process.env.FLEUVE_DEBUG_CRASH) console.error(`round ${round}: ${kills} kills`);
  }
  assert.ok(totalKills >= wantKills, `the job was killed ${totalKills} times`);
});

/** One round: a fresh log, the job killed up to `maxKills` times and resumed; checks the output. */
async function crashRound(rand: () => number, maxKills: number, runMs: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-crash-"));
  const logDir = join(dir, "log");
  const cpDir = join(dir, "checkpoints");
  let kills = 0;
  try {
    const log = openLog({ dir: logDir });
    log.createTopic("events", { partitions: PARTITIONS });
    log.createTopic("out", { partitions: 1 });
    const batch = [];
    for (let i = 0; i < N; i++) {
      const e = event(i);
      batch.push({
        key: Buffer.from(String(e.user)),
        value: Buffer.from(JSON.stringify(e)),
        timestamp: e.ts,
      });
      if (batch.length === 5000) log.topic("events").append(batch.splice(0));
    }
    log.close();

    let restore = false;
    for (let attempt = 0; attempt < 60; attempt++) {
      // anywhere from start-up (before any checkpoint) to near the end of an uninterrupted run
      const killAfter =
        kills < maxKills ? 100 + Math.floor(rand() * Math.max(200, runMs * 0.9 - 100)) : undefined;
      const r = await runJob(logDir, cpDir, restore, killAfter);
      restore = true;
      if (r.killed) {
        kills++;
        continue;
      }
      break;
    }

    const check = openLog({ dir: logDir });
    const out: string[] = [];
    const p = check.topic("out").partition(0);
    for (let off = p.logStartOffset; off < p.lastStableOffset; ) {
      const res = p.fetch(off, { isolation: "read_committed", maxRecords: 10_000 });
      for (const rec of res.records) out.push(rec.value!.toString());
      if (res.nextOffset <= off) break;
      off = res.nextOffset;
    }
    check.close();
    const want = crashOracle(N, USERS);
    out.sort();
    if (process.env.FLEUVE_DEBUG_CRASH) {
      const ws = new Set(want);
      const gs = new Set(out);
      const missing = want.filter((x) => !gs.has(x));
      const extra = out.filter((x) => !ws.has(x));
      console.error(
        "missing",
        missing.length,
        JSON.stringify(missing),
        "extra",
        extra.length,
        JSON.stringify(extra),
        "dups",
        out.length - gs.size,
      );
    }
    assert.equal(out.length, want.length, `committed ${out.length} records, the oracle has ${want.length}`);
    assert.deepEqual(out, want);
  } finally {
    if (process.env.FLEUVE_DEBUG_CRASH) console.error("kept", dir);
    else rmSync(dir, { recursive: true, force: true });
  }
  return kills;
}
