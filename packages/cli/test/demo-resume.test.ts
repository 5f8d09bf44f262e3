// `fleuve demo` killed with SIGKILL mid-run and started again: it says it resumed from a
// checkpoint, the clicks topic holds exactly the events of one uninterrupted simulation, and the
// committed results (read_committed) hold every page window once, equal to a brute-force oracle
// over those clicks, and every session once.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { SourceOutput } from "@fleuve/core";
import { openLog } from "@fleuve/log";
import { type ClickEvent, ClickstreamSource } from "../src/demo/clickstream.js";
import { DEFAULT_DEMO_SETTINGS, DEMO_START_TIME, simulationTimes } from "../src/demo/job.js";
import type { PageWindowStats, UserSession } from "../src/demo/results.js";
import { finish, start } from "./helpers.js";

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
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-demo-kill-"));
  try {
    // Killed twice: once after the first checkpoint, once more after the resumed run's next one.
    const cps = join(dir, "checkpoints");
    let after = 0;
    for (let kill = 0; kill < 2; kill++) {
      const run = start([...ARGS, "--dir", dir]);
      const done = finish(run);
      after = await waitForCheckpointAfter(cps, after, 20_000);
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
