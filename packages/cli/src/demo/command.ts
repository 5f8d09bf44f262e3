/**
 * `fleuve demo`: the clickstream demo on the embedded log, durable. A generator writes the
 * simulated clicks into the `clicks` topic; the job reads them, writes its results to the
 * `page-stats` and `sessions` topics through exactly-once sinks, prints a table per minute of
 * event time with a live progress line, and checkpoints every second. Killed (even with SIGKILL)
 * and started again, it resumes from its latest checkpoint; it ends with a summary when the run
 * is done or on Ctrl-C (exit code 0 both ways).
 */
import { readFileSync, realpathSync } from "node:fs";
import { delimiter, isAbsolute, join, relative, resolve } from "node:path";
import { FleuveError, isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { intOption, type ParsedArgs, parseArgs, positiveOption, usageError } from "../args.js";
import { DEFAULT_SAVEPOINT_DIR } from "../control.js";
import {
  checkDashboardOptions,
  DASHBOARD_SPEC,
  DASHBOARD_USAGE,
  savepointFolder,
  startDashboardEndpoint,
} from "../dashboard-endpoint.js";
import {
  checkMetricsOptions,
  METRICS_SPEC,
  METRICS_USAGE,
  startMetricsEndpoint,
} from "../metrics-endpoint.js";
import { watchNpmParent } from "../parent-watch.js";
import type { Io } from "../run-command.js";
import { ClickGenerator } from "./click-generator.js";
import { ClickstreamStats } from "./clickstream.js";
import {
  buildLogDemoJob,
  DEFAULT_DEMO_SETTINGS,
  DEMO_START_TIME,
  type DemoSettings,
  simulationTimes,
} from "./job.js";
import {
  DEFAULT_DEMO_DIR,
  DEMO_CHECKPOINT_INTERVAL_MS,
  DEMO_TOPICS,
  type DemoDir,
  openDemoDir,
} from "./log-demo.js";
import { ProgressLine } from "./progress.js";
import { clock } from "./report.js";
import { writeTerminalsAsynchronously } from "./terminal.js";

/** Usage of `fleuve demo`. */
export const DEMO_USAGE = `Usage: fleuve demo [--events N | --duration S | --unbounded] [--rate R] [--parallelism N] [--fresh]

Runs the clickstream demo on the embedded log: page views and unique users per page over 1 min
windows sliding by 10 s (event time, events up to 5 s out of order) and user sessions (30 s gap).
Clicks go through the topic 'clicks'; results go to 'page-stats' and 'sessions' (exactly once).
Prints a table per minute of event time and a live progress line on stderr. Ends by itself, or
on Ctrl-C. Checkpoints every second: killed and started again, it resumes where it stopped.
  --events N        generate N events in all
  --duration S      generate for S seconds at the rate (default ${DEFAULT_DEMO_SETTINGS.durationMs! / 1000})
  --unbounded       run until Ctrl-C
  --rate R          events per second (default ${DEFAULT_DEMO_SETTINGS.ratePerSecond}; 0: as fast as possible, needs --events)
  --parallelism N   parallel subtasks per operator, run in this thread (default 1)
  --users N         simulated users (default ${DEFAULT_DEMO_SETTINGS.users})
  --seed N          random seed (default ${DEFAULT_DEMO_SETTINGS.seed})
  --fresh           wipe the demo directory first (otherwise an interrupted run is resumed)
  --dir D           the demo directory: log, checkpoints, run settings (default ${DEFAULT_DEMO_DIR})
${METRICS_USAGE}
${DASHBOARD_USAGE}`;

const SPEC = {
  events: "number",
  duration: "number",
  unbounded: "flag",
  rate: "number",
  parallelism: "number",
  users: "number",
  seed: "number",
  fresh: "flag",
  dir: "string",
  ...METRICS_SPEC,
  ...DASHBOARD_SPEC,
  help: "flag",
} as const;

/** Turns the command line into demo settings (usage errors name the option). */
export function demoSettings(
  argv: readonly string[],
): { settings: DemoSettings; parallelism: number; fresh: boolean; dir: string; args: ParsedArgs } | "help" {
  const p = parseArgs(argv, SPEC, "demo");
  if (p.options.help) return "help";
  checkMetricsOptions(p, "demo");
  checkDashboardOptions(p, "demo");
  if (p.positional.length > 0 || p.rest.length > 0) {
    throw usageError(`'fleuve demo' takes no arguments, got '${p.positional[0] ?? p.rest[0]}'`, "demo");
  }
  const s: DemoSettings = { ...DEFAULT_DEMO_SETTINGS };
  const limits = ["events", "duration", "unbounded"].filter((k) => p.options[k] !== undefined);
  if (limits.length > 1) {
    throw usageError(
      `options ${limits.map((k) => `'--${k}'`).join(" and ")} exclude each other; give one`,
      "demo",
    );
  }
  const events = intOption(p, "events", 1, "demo");
  const duration = positiveOption(p, "duration", "demo");
  if (events !== undefined) {
    s.events = events;
    s.durationMs = undefined;
  } else if (duration !== undefined) {
    s.durationMs = duration * 1000;
  } else if (p.options.unbounded) {
    s.unbounded = true;
    s.durationMs = undefined;
  }
  const rate = intOption(p, "rate", 0, "demo");
  if (rate !== undefined) s.ratePerSecond = rate === 0 ? undefined : rate;
  const users = intOption(p, "users", 1, "demo");
  if (users !== undefined) s.users = users;
  const seed = intOption(p, "seed", 0, "demo");
  if (seed !== undefined) s.seed = seed;
  if (s.ratePerSecond === undefined && !Number.isFinite(s.events) && !s.unbounded) {
    throw usageError(
      "'--rate 0' (as fast as possible) needs '--events N' or '--unbounded': a resumable run has a size in events",
      "demo",
    );
  }
  const parallelism = intOption(p, "parallelism", 1, "demo") ?? 1;
  return {
    settings: s,
    parallelism,
    fresh: p.options.fresh === true,
    dir: (p.options.dir as string | undefined) ?? DEFAULT_DEMO_DIR,
    args: p,
  };
}

const fmt = new Intl.NumberFormat("en-US");

/** A path relative to the working directory when it is inside it (shorter to read and copy). */
function shortPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : p;
}

/** `s` as one shell word. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

/**
 * How to run `fleuve` and `fleuve demo` again, as this demo was started: `fleuve` is on no PATH
 * after the Quick start. Under `npm run demo` (whose package has a `fleuve` script) it is
 * `npm run fleuve --`, which works from anywhere in the package; `fleuve` when the first `fleuve`
 * on the PATH is this script; otherwise the node command that started this process.
 */
export function fleuveCommands(
  env: NodeJS.ProcessEnv = process.env,
  script: string = process.argv[1] ?? "fleuve",
): { fleuve: string; demo: string } {
  if (env.npm_lifecycle_event === "demo" && env.npm_package_json) {
    try {
      const pkg = JSON.parse(readFileSync(env.npm_package_json, "utf8")) as {
        scripts?: Record<string, string>;
      };
      if (pkg.scripts?.fleuve) return { fleuve: "npm run fleuve --", demo: "npm run demo --" };
    } catch {
      // Not readable: fall back to the node command below.
    }
  }
  if (fleuveOnPath(env, script)) return { fleuve: "fleuve", demo: "fleuve demo" };
  const node = `node ${shellWord(shortPath(script))}`;
  return { fleuve: node, demo: `${node} demo` };
}

/** True when `fleuve` on the PATH is this very script (an installed command). */
function fleuveOnPath(env: NodeJS.ProcessEnv, script: string): boolean {
  let self: string;
  try {
    self = realpathSync(script);
  } catch {
    return false;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      return realpathSync(join(dir, "fleuve")) === self;
    } catch {
      // No fleuve in this directory: the next one.
    }
  }
  return false;
}

/** `stream` whose writes are dropped while `muted()` holds. */
function mutedWhen(stream: NodeJS.WritableStream, muted: () => boolean): NodeJS.WritableStream {
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === "write") {
        return (...args: unknown[]) =>
          muted() ? true : (target.write as (...a: unknown[]) => boolean).apply(target, args);
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** Runs `fleuve demo`; resolves to the exit code. */
export async function demoCommand(argv: readonly string[], io: Io): Promise<number> {
  const parsed = demoSettings(argv);
  if (parsed === "help") {
    io.stdout.write(`${DEMO_USAGE}\n`);
    return 0;
  }
  const demo = await openDemoDir(parsed.dir, parsed.fresh, parsed.settings, parsed.parallelism);
  const { settings, parallelism, log } = demo;
  try {
    return await runDemo(demo, settings, parallelism, io, parsed.args);
  } finally {
    log.close();
  }
}

async function runDemo(
  demo: DemoDir,
  settings: DemoSettings,
  parallelism: number,
  io: Io,
  args: ParsedArgs,
): Promise<number> {
  const live = (io.stderr as { isTTY?: boolean }).isTTY === true;
  writeTerminalsAsynchronously([io.stdout, io.stderr]);
  // Once the parent (npm, the shell) has died, nothing more is printed: the terminal belongs to
  // the shell's prompt again.
  let orphaned = false;
  io = { stdout: mutedWhen(io.stdout, () => orphaned), stderr: mutedWhen(io.stderr, () => orphaned) };
  let progress: ProgressLine | undefined;
  const say = (text: string) => {
    if (progress) progress.printAbove(io.stdout, `${text}\n`);
    else io.stdout.write(`${text}\n`);
  };
  const stats = new ClickstreamStats();
  const generator = new ClickGenerator({
    log: demo.log,
    topic: DEMO_TOPICS.clicks,
    totalEvents: demo.totalEvents,
    ratePerSecond: settings.ratePerSecond,
    users: settings.users,
    seed: settings.seed,
    maxDelayMs: settings.maxDelayMs,
    startTime: DEMO_START_TIME,
    ...simulationTimes(settings),
    stats,
  });
  let resumedFrom: number | undefined;
  let saidWhereFrom = false;
  const env = StreamExecutionEnvironment.create({
    parallelism,
    checkpointing: { dir: demo.checkpointDir, intervalMs: DEMO_CHECKPOINT_INTERVAL_MS },
    resumeFromLatestCheckpoint: true,
    log: (line) => {
      const m = /^restoring checkpoint (\d+) from (.*)$/.exec(line);
      if (m) {
        resumedFrom = Number(m[1]);
        say(`resumed from checkpoint ${m[1]} (${m[2]})`);
      } else io.stderr.write(`[fleuve] ${line}\n`);
    },
  });
  const { totals } = buildLogDemoJob(
    env,
    settings,
    stats,
    {
      log: demo.log,
      ...DEMO_TOPICS,
      finished: () => generator.done,
      opened: () => {
        // The job restores its checkpoint (and logs it) before it opens its source: only now is it
        // known whether it resumed. Said once, not again by a restart after a failure.
        if (demo.resuming && resumedFrom === undefined && !saidWhereFrom) {
          say("no checkpoint had completed: the job reads the clicks from the start");
        }
        saidWhereFrom = true;
      },
    },
    (table) => {
      if (progress) progress.printAbove(io.stdout, `${table}\n`);
      else io.stdout.write(`${table}\n\n`);
    },
  );
  const limit = settings.unbounded
    ? "until Ctrl-C"
    : settings.durationMs !== undefined && !Number.isFinite(settings.events)
      ? `for ${settings.durationMs / 1000} s (${fmt.format(demo.totalEvents)} events)`
      : `for ${fmt.format(demo.totalEvents)} events`;
  io.stdout.write(
    `fleuve demo: ${fmt.format(settings.users)} users, ${settings.ratePerSecond ? `${fmt.format(settings.ratePerSecond)} events/s` : "unthrottled"}, parallelism ${parallelism}, ${limit}\n` +
      `  page views + unique users per page: ${settings.windowSizeMs / 1000} s windows sliding by ${settings.windowSlideMs / 1000} s; sessions: gap ${settings.sessionGapMs / 1000} s; events up to ${settings.maxDelayMs / 1000} s out of order\n` +
      `  on the embedded log in ${shortPath(demo.logDir)}: topic '${DEMO_TOPICS.clicks}' in, '${DEMO_TOPICS.pageStats}' and '${DEMO_TOPICS.sessions}' out (exactly once); checkpoints every ${DEMO_CHECKPOINT_INTERVAL_MS / 1000} s\n`,
  );
  for (const note of demo.notes) io.stdout.write(`  (${note})\n`);
  io.stdout.write("\n");
  generator.start();
  if (demo.resuming) {
    io.stdout.write(
      `resuming an interrupted run: ${fmt.format(generator.alreadyWritten)} events were in '${DEMO_TOPICS.clicks}' already; the generator goes on from there\n`,
    );
  }
  const client = env.executeAsync("clickstream-demo");
  let metrics: Awaited<ReturnType<typeof startMetricsEndpoint>>;
  let dashboard: Awaited<ReturnType<typeof startDashboardEndpoint>>;
  let interrupted = false;
  try {
    metrics = await startMetricsEndpoint(args, "demo", "clickstream-demo", () => client.snapshot(), io);
    dashboard = await startDashboardEndpoint(
      args,
      "demo",
      {
        jobName: "clickstream-demo",
        snapshot: () => client.snapshot(),
        ...(client.plan ? { plan: client.plan() } : {}),
        result: client.result,
        controls: {
          savepoint: (target, stop) => {
            const dir = savepointFolder("clickstream-demo", target ?? DEFAULT_SAVEPOINT_DIR);
            return stop ? client.stopWithSavepoint(dir) : client.triggerSavepoint(dir);
          },
          // as Ctrl-C: the demo ends with its summary
          cancel: () => {
            interrupted = true;
            client.cancel();
          },
        },
      },
      io,
    );
  } catch (e) {
    client.cancel();
    generator.stop();
    await client.result.catch(() => {});
    await metrics?.close();
    throw e;
  }
  // stdout and stderr on one terminal: the live line goes through stdout, so that it and the
  // tables stay in order while the terminal is behind (each stream queues its writes on its own).
  const onOneTerminal = live && (io.stdout as { isTTY?: boolean }).isTTY === true;
  progress = new ProgressLine(client.metrics, stats, onOneTerminal ? io.stdout : io.stderr, live);
  progress.start();
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    client.cancel();
  };
  process.on("SIGINT", onSigint);
  // Only under npm (see watchNpmParent): `nohup fleuve demo --unbounded &` outlives its shell.
  const stopWatching = watchNpmParent(() => {
    // `kill -9` of `npm run demo`: stop as promptly as a kill would, quietly. The job is
    // cancelled rather than the process exited so the log is closed and its lock released for
    // the next run; whatever the last checkpoint did not cover is redone then, exactly once.
    orphaned = true;
    interrupted = true;
    client.cancel();
  });
  let ended: "finished" | "cancelled";
  try {
    await client.result;
    ended = "finished";
    demo.markFinished();
  } catch (e) {
    if (!(interrupted && isFleuveError(e, "FLEUVE_JOB_CANCELLED"))) {
      progress.stop();
      throw e instanceof FleuveError ? e : new FleuveError("FLEUVE_JOB_FAILED", String(e), { cause: e });
    }
    ended = "cancelled";
  } finally {
    generator.stop();
    process.off("SIGINT", onSigint);
    stopWatching();
    await metrics?.close();
    await dashboard?.close();
  }
  const f = progress.figures();
  progress.stop();
  if (orphaned) return 0;
  const secs = f.elapsedMs / 1000;
  const wm =
    f.watermark === undefined
      ? "no watermark yet"
      : f.watermark === Number.POSITIVE_INFINITY
        ? "final watermark (end of input)"
        : `watermark ${clock(f.watermark)}`;
  const commands = fleuveCommands();
  const dirOption = demo.dir === resolve(DEFAULT_DEMO_DIR) ? "" : ` --dir ${shellWord(shortPath(demo.dir))}`;
  // npm needs "--" before the demo's own options; "npm run demo --" alone is just "npm run demo".
  const rerun = (opts: string) => (opts ? `${commands.demo}${opts}` : commands.demo.replace(/ --$/, ""));
  const avgViews = totals.sessions > 0 ? (totals.sessionViews / totals.sessions).toFixed(1) : "-";
  io.stdout.write(
    `${ended === "cancelled" ? "cancelled (Ctrl-C)" : "finished"}: ${fmt.format(f.events)} events in ${secs.toFixed(1)} s (${fmt.format(Math.round(f.events / Math.max(secs, 0.001)))}/s), ` +
      `event time ${f.maxEventTime === undefined ? "-" : `${clock(DEMO_START_TIME)} to ${clock(f.maxEventTime)}`}, ${wm}\n` +
      `  ${fmt.format(totals.windowsCompleted)} page windows, ${fmt.format(totals.pageResults)} page results, ${fmt.format(totals.sessions)} sessions (avg ${avgViews} views), ${totals.tablesPrinted} tables printed` +
      `${resumedFrom !== undefined ? ` (this run, resumed from checkpoint ${resumedFrom})` : ""}\n` +
      `  results: ${commands.fleuve} consume ${DEMO_TOPICS.pageStats} --dir ${shellWord(shortPath(demo.logDir))} --from-beginning --isolation read_committed\n` +
      (ended === "cancelled"
        ? `  run '${rerun(dirOption)}' again to resume, or '${rerun(`${dirOption} --fresh`)}' to start over\n`
        : ""),
  );
  return 0;
}
