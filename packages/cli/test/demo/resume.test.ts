// `fleuve demo` killed with SIGKILL mid-run and started again: it says it resumed from a
// checkpoint, the clicks topic holds exactly the events of one uninterrupted simulation, and the
// committed results (read_committed) hold every page window once, equal to a brute-force oracle
// over those clicks, and every session once.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { SourceOutput } from "@fleuve/core";
import { openLog } from "@fleuve/log";
import { type ClickEvent, ClickstreamSource } from "../../src/demo/clickstream.js";
import { DEFAULT_DEMO_SETTINGS, DEMO_START_TIME, simulationTimes } from "../../src/demo/job.js";
import { openLogWhenReleased } from "../../src/demo/log-demo.js";
import type { PageWindowStats, UserSession } from "../../src/demo/results.js";
import { finish, ROOT, start } from "../helpers.js";

const EVENTS = 80_000;
const ARGS = ["demo", "--events", String(EVENTS), "--rate", "20000"];

/** Values of every partition of `topic`, as a read_committed consumer sees them. */
function readCommitted(logDir: string, topic: string): string[] {
  const log = openLog({ dir: logDir });
  try {
    const out: string[] = [];
    const t = log.topic(topic);
    for (let p = 0; p < t.numPartitions; p++) {
      const part = t.partition(p);
      for (let off = part.logStartOffset; off < part.lastStableOffset; ) {
        const res = part.fetch(off, { isolation: "read_committed", maxRecords: 10_000 });
        for (const r of res.records) out.push(r.value!.toString());
        if (res.nextOffset <= off) break;
        off = res.nextOffset;
      }
    }
    return out;
  } finally {
    log.close();
  }
}

/** The events of one uninterrupted simulation with the demo's settings. */
function simulate(): ClickEvent[] {
  const s = DEFAULT_DEMO_SETTINGS;
  const reader = new ClickstreamSource({
    events: EVENTS,
    users: s.users,
    seed: s.seed,
    maxDelayMs: s.maxDelayMs,
    startTime: DEMO_START_TIME,
    ...simulationTimes(s),
  }).createReader({ subtaskIndex: 0, parallelism: 1, now: () => 0 });
  const events: ClickEvent[] = [];
  const out = { collect: (e: ClickEvent) => events.push(e) } as unknown as SourceOutput<ClickEvent>;
  while (reader.poll(out, 10_000) !== "end") {}
  return events;
}

function oraclePages(events: readonly ClickEvent[], size: number, slide: number): string[] {
  const acc = new Map<string, { views: number; users: Set<string> }>();
  for (const e of events) {
    const last = e.ts - (e.ts % slide);
    for (let start = last; start > e.ts - size; start -= slide) {
      const k = `${e.page} ${start}`;
      const a = acc.get(k) ?? { views: 0, users: new Set<string>() };
      a.views++;
      a.users.add(e.user);
      acc.set(k, a);
    }
  }
  return [...acc].map(([k, a]) => `${k} ${a.views} ${a.users.size}`).sort();
}

/** Newest completed checkpoint id in `dir` (0: none). */
function newestCheckpoint(dir: string): number {
  if (!existsSync(dir)) return 0;
  const ids = readdirSync(dir)
    .filter((c) => existsSync(join(dir, c, "_metadata")))
    .map((c) => Number(c.slice("chk-".length)));
  return Math.max(0, ...ids);
}

async function waitForCheckpointAfter(dir: string, id: number, limitMs: number): Promise<number> {
  const until = Date.now() + limitMs;
  for (;;) {
    const newest = newestCheckpoint(dir);
    if (newest > id) return newest;
    if (Date.now() > until) throw new Error(`no checkpoint after ${id} completed in time`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("the demo, SIGKILLed twice mid-run and restarted, resumes and commits every result exactly once", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-demo-kill-"));
  try {
    // Killed twice: once after the first checkpoint, once more after the resumed run's next one.
    const cps = join(dir, "checkpoints");
    let after = 0;
    for (let kill = 0; kill < 2; kill++) {
      const run = start([...ARGS, "--dir", dir]);
      const done = finish(run);
      after = await waitForCheckpointAfter(cps, after, 180_000);
      run.kill("SIGKILL");
      const killed = await done;
      assert.equal(killed.signal, "SIGKILL");
      assert.ok(!existsSync(join(dir, "finished")), "the run was killed before its end");
      if (kill === 1) assert.match(killed.stdout, /^resumed from checkpoint \d+ \(/m);
    }

    const last = await finish(start([...ARGS, "--dir", dir]));
    assert.equal(last.code, 0, last.stderr);
    assert.match(last.stdout, /^resuming an interrupted run: [\d,]+ events were in 'clicks' already/m);
    const resumed = /^resumed from checkpoint (\d+) \(/m.exec(last.stdout);
    assert.ok(resumed, last.stdout);
    assert.ok(Number(resumed[1]) >= after, `resumed from checkpoint ${resumed[1]}, the newest was ${after}`);
    assert.doesNotMatch(last.stdout, /no checkpoint had completed/, "it did resume from a checkpoint");
    assert.match(last.stdout, /^finished: /m);

    // The topic holds the simulation exactly: the generator went on where the topic ended.
    const clicks = readCommitted(join(dir, "log"), "clicks").map((v) => JSON.parse(v) as ClickEvent);
    const want = simulate();
    const key = (e: ClickEvent) => `${e.user} ${e.ts} ${e.page} ${e.session}`;
    assert.equal(clicks.length, EVENTS);
    assert.deepEqual(clicks.map(key).sort(), want.map(key).sort());

    // Committed page windows: no window twice, and exactly the oracle's.
    const pages = readCommitted(join(dir, "log"), "page-stats").map((v) => JSON.parse(v) as PageWindowStats);
    const windows = pages.map((p) => `${p.page} ${p.start}`);
    assert.equal(new Set(windows).size, windows.length, "a page window was committed twice");
    const s = DEFAULT_DEMO_SETTINGS;
    assert.deepEqual(
      pages.map((p) => `${p.page} ${p.start} ${p.views} ${p.uniqueUsers}`).sort(),
      oraclePages(want, s.windowSizeMs, s.windowSlideMs),
    );
    // Sessions: each once, and together they hold every view.
    const sessions = readCommitted(join(dir, "log"), "sessions").map((v) => JSON.parse(v) as UserSession);
    const ids = sessions.map((x) => `${x.user} ${x.start}`);
    assert.equal(new Set(ids).size, ids.length, "a session was committed twice");
    assert.equal(
      sessions.reduce((n, x) => n + x.views, 0),
      EVENTS,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a demo resumed with no completed checkpoint says it reads the clicks from the start, and only that", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-demo-nocp-"));
  try {
    const run = start([...ARGS, "--dir", dir]);
    const done = finish(run);
    await waitForCheckpointAfter(join(dir, "checkpoints"), 0, 180_000);
    run.kill("SIGKILL");
    await done;
    // As if killed before its first checkpoint completed: the run is interrupted, no checkpoint.
    rmSync(join(dir, "checkpoints"), { recursive: true, force: true });
    const again = await finish(start([...ARGS, "--dir", dir]));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^resuming an interrupted run: /m);
    assert.match(again.stdout, /^no checkpoint had completed: the job reads the clicks from the start$/m);
    assert.doesNotMatch(again.stdout, /resumed from checkpoint/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("kill -9 of `npm run demo` (the README's command) stops the demo too; a rerun right away resumes", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-demo-npm-"));
  let group: number | undefined;
  try {
    // npm in a process group of its own, as a shell runs it; unbounded, so only the fix ends it.
    const npm = spawn("npm", ["run", "demo", "--", "--unbounded", "--rate", "20000", "--dir", dir], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    group = npm.pid;
    const npmDone = finish(npm);
    await waitForCheckpointAfter(join(dir, "checkpoints"), 0, 180_000);
    // The demo process (it holds the log's lock) is not npm itself.
    const demoPid = Number(readFileSync(join(dir, "log", ".lock"), "utf8"));
    assert.notEqual(demoPid, npm.pid);
    process.kill(npm.pid!, "SIGKILL");
    // Started right away, while the orphan may still be stopping: it waits for the log.
    const rerun = start(["demo", "--dir", dir]);
    const rerunDone = finish(rerun);
    // The orphaned demo holds npm's stdout and stderr until it exits: their end means it exited.
    const killed = await npmDone;
    assert.equal(killed.signal, "SIGKILL");
    assert.doesNotMatch(killed.stdout, /^(cancelled|finished)/m, "the orphan printed nothing more");

    let seen = "";
    const onData = (chunk: string) => {
      seen += chunk;
      if (/^resumed from checkpoint \d+ \(/m.test(seen)) {
        rerun.stdout!.off("data", onData);
        rerun.kill("SIGINT");
      }
    };
    rerun.stdout!.setEncoding("utf8").on("data", onData);
    const r = await rerunDone;
    assert.doesNotMatch(r.stderr, /FLEUVE_LOG_LOCKED/);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^resumed from checkpoint \d+ \(/m);
    assert.doesNotMatch(r.stdout, /no checkpoint had completed/);
  } finally {
    // After a failure, what is left of npm's process group (the demo it started) goes too.
    try {
      if (group !== undefined) process.kill(-group, "SIGKILL");
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a demo waits for the process that still holds its log to release it, rather than failing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-demo-lock-"));
  try {
    const holder = openLog({ dir });
    let opened = false;
    const waiting = openLogWhenReleased(dir).then((log) => {
      opened = true;
      return log;
    });
    // While held, it waits: the holder's release is what lets it through.
    await new Promise((r) => setImmediate(r));
    assert.equal(opened, false);
    holder.close();
    (await waiting).close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
