import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { crashEvent, crashOracle, type KillPoint, runKilledAt } from "@fleuve/core/testing/suites";
import { openLog } from "../../src/index.js";

const N = 200_000;
const USERS = 50;
const PARTITIONS = 4;
const jobFile = fileURLToPath(new URL("./crash-job.ts", import.meta.url));

const event = (i: number) => crashEvent(i, USERS);

/**
 * Runs the job in a child process; with `kill`, SIGKILLs it after its n-th completed checkpoint
 * (plus a few ms), or at a random moment of its start-up for n = 0. Kills keyed to progress land
 * mid-run however fast or loaded the machine is (timed kills missed the run on a loaded machine).
 */
function runJob(logDir: string, cpDir: string, kill: KillPoint | undefined): Promise<{ killed: boolean }> {
  return runKilledAt([jobFile, logDir, cpDir], kill);
}

test("SIGKILLed at random points of progress and restarted, the job's committed output equals the oracle exactly", {
  timeout: 600_000,
}, async () => {
  // Rounds: each round is a whole job from an empty log, SIGKILLed at random points and restarted
  // until it completes, then checked against the oracle. A resumed job may finish before its
  // planned kill, so rounds go on until the job was killed at least 10 times in all.
  const wantKills = Number(process.env.FLEUVE_CRASH_KILLS ?? 10);
  // seeded random kill times, so a failure can be replayed
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  let totalKills = 0;
  for (let round = 0; round === 0 || (totalKills < wantKills && round < 20); round++) {
    const kills = await crashRound(rand, wantKills - totalKills);
    totalKills += kills;
    if (process.env.FLEUVE_DEBUG_CRASH) console.error(`round ${round}: ${kills} kills`);
  }
  assert.ok(totalKills >= wantKills, `the job was killed ${totalKills} times`);
});

/** One round: a fresh log, the job killed up to `maxKills` times and resumed; checks the output. */
async function crashRound(rand: () => number, maxKills: number): Promise<number> {
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

    for (let attempt = 0; attempt < 60; attempt++) {
      // from start-up (before any checkpoint) to several checkpoints into the run
      const kill =
        kills < maxKills
          ? { checkpoints: Math.floor(rand() * 6), delayMs: Math.floor(rand() * 30) }
          : undefined;
      const r = await runJob(logDir, cpDir, kill);
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
