/**
 * The durable demo's directory (default `.fleuve/demo`): the embedded log with the `clicks`,
 * `page-stats` and `sessions` topics, the job's checkpoints, and `run.json` with the settings of
 * the run in progress (a restarted demo carries on with them). A run that finished leaves a
 * `finished` marker: the next `fleuve demo` then starts a new run.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { isFleuveError } from "@fleuve/core";
import { type Log, openLog } from "@fleuve/log";
import type { DemoSettings } from "./job.js";

/** Default directory of the demo (relative to the working directory). */
export const DEFAULT_DEMO_DIR = ".fleuve/demo";

/** Topic names of the demo. */
export const DEMO_TOPICS = { clicks: "clicks", pageStats: "page-stats", sessions: "sessions" } as const;

/** Partitions of the clicks topic (users are spread over them). */
export const CLICK_PARTITIONS = 4;

/** Time between checkpoints of the demo job (ms). */
export const DEMO_CHECKPOINT_INTERVAL_MS = 1000;

/**
 * How long a demo waits for another process to release the demo's log (ms). A demo whose parent
 * was killed (`kill -9` of `npm run demo`) notices within a fraction of a second and stops; a
 * run started right after it must not fail with FLEUVE_LOG_LOCKED meanwhile.
 */
export const LOG_RELEASE_WAIT_MS = 10_000;

/**
 * Opens the log in `dir`, waiting up to `waitMs` while another process holds it; then the
 * FLEUVE_LOG_LOCKED error naming the holder.
 */
export async function openLogWhenReleased(dir: string, waitMs = LOG_RELEASE_WAIT_MS): Promise<Log> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      return openLog({ dir });
    } catch (e) {
      if (!isFleuveError(e, "FLEUVE_LOG_LOCKED") || Date.now() >= until) throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What `run.json` holds. */
interface RunFile {
  readonly settings: DemoSettings;
  readonly parallelism: number;
  /** Events of the whole run; null: unbounded. */
  readonly totalEvents: number | null;
}

/** An opened demo directory. */
export interface DemoDir {
  readonly dir: string;
  readonly logDir: string;
  readonly checkpointDir: string;
  readonly log: Log;
  /** The settings of the run (the stored ones when resuming). */
  readonly settings: DemoSettings;
  readonly parallelism: number;
  /** Events of the whole run (Infinity: until Ctrl-C). */
  readonly totalEvents: number;
  /** An interrupted run is continued (rather than a new one started). */
  readonly resuming: boolean;
  /** Why the run started over or kept its old settings, for the user. */
  readonly notes: string[];
  /** Marks the run finished (the next demo starts a new one). */
  markFinished(): void;
}

/** Events a run generates in all: a count, rate x duration, or Infinity when unbounded. */
export function totalEventsOf(s: DemoSettings): number {
  if (s.unbounded) return Number.POSITIVE_INFINITY;
  if (Number.isFinite(s.events)) return s.events;
  return Math.round((s.ratePerSecond! * s.durationMs!) / 1000);
}

/**
 * Opens the demo directory: wipes it for `fresh` or after a finished run, resumes an interrupted
 * run (its stored settings win over `settings`), or starts a new one.
 */
export async function openDemoDir(
  dirOption: string,
  fresh: boolean,
  settings: DemoSettings,
  parallelism: number,
): Promise<DemoDir> {
  const dir = resolve(dirOption);
  const runPath = join(dir, "run.json");
  const finishedPath = join(dir, "finished");
  const logDir = join(dir, "log");
  const notes: string[] = [];
  // The log first: an earlier demo may still be stopping, and nothing may change under it.
  let log = existsSync(logDir) ? await openLogWhenReleased(logDir) : undefined;
  if ((fresh && existsSync(dir)) || existsSync(finishedPath)) {
    log?.close();
    log = undefined;
  }
  if (fresh && existsSync(dir)) {
    rmSync(dir, { recursive: true, force: true });
    notes.push(`--fresh: removed ${dir}`);
  } else if (existsSync(finishedPath)) {
    rmSync(dir, { recursive: true, force: true });
    notes.push("the previous demo run had finished: starting a new one");
  }
  mkdirSync(dir, { recursive: true });
  let run: RunFile;
  const resuming = existsSync(runPath);
  if (resuming) {
    run = JSON.parse(readFileSync(runPath, "utf8")) as RunFile;
    // JSON has no Infinity: the stored settings say so with null.
    run.settings.events ??= Number.POSITIVE_INFINITY;
    const wanted = JSON.stringify({ ...settings, events: settings.events });
    if (wanted !== JSON.stringify(run.settings) || parallelism !== run.parallelism) {
      notes.push("resuming the interrupted run with its own settings (--fresh starts over with yours)");
    }
  } else {
    const total = totalEventsOf(settings);
    run = {
      settings,
      parallelism,
      totalEvents: Number.isFinite(total) ? total : null,
    };
    writeFileSync(runPath, `${JSON.stringify(run, null, 2)}\n`);
  }
  log ??= await openLogWhenReleased(logDir);
  if (!log.hasTopic(DEMO_TOPICS.clicks))
    log.createTopic(DEMO_TOPICS.clicks, { partitions: CLICK_PARTITIONS });
  if (!log.hasTopic(DEMO_TOPICS.pageStats)) log.createTopic(DEMO_TOPICS.pageStats, { partitions: 1 });
  if (!log.hasTopic(DEMO_TOPICS.sessions)) log.createTopic(DEMO_TOPICS.sessions, { partitions: 1 });
  return {
    dir,
    logDir,
    checkpointDir: join(dir, "checkpoints"),
    log,
    settings: run.settings,
    parallelism: run.parallelism,
    totalEvents: run.totalEvents ?? Number.POSITIVE_INFINITY,
    resuming,
    notes,
    markFinished: () => writeFileSync(finishedPath, `${new Date().toISOString()}\n`),
  };
}
