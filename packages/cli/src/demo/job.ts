/**
 * The demo job: a clickstream with out-of-order event times, page views and unique users per page
 * over sliding event-time windows, user sessions over session windows, and a watermark-driven
 * report.
 *
 *   Clickstream ─┬─ keyBy(page) ─ sliding windows 1 min / 10 s ─┬─ (page-stats topic)
 *                │                                               │
 *                └─ keyBy(user) ─ session windows (gap 30 s) ───┼─ (sessions topic)
 *                                                                └─ global ─ Report ─ print
 *
 * `fleuve demo` runs it on the embedded log (buildLogDemoJob: clicks topic in, result topics out,
 * checkpoints); tests also run it on the in-memory simulation (buildDemoJob).
 */
import {
  type DataStream,
  EventTimeSessionWindows,
  SlidingEventTimeWindows,
  type Source,
  type StreamExecutionEnvironment,
  WatermarkStrategy,
} from "@fleuve/core";
import { type Log, logSink } from "@fleuve/log";
import { clickLogSource } from "./click-log-source.js";
import { type ClickEvent, ClickstreamSource, ClickstreamStats } from "./clickstream.js";
import { ReportOperator, ReportTotals } from "./report.js";
import type { DemoResult, PageWindowStats, UserSession } from "./results.js";
import { countViews, pageStats, pageWindow, sessionWindow } from "./window-functions.js";

/** Settings of the demo job. */
export interface DemoSettings {
  /** Total events (Infinity: no count limit). */
  events: number;
  /** Processing-time limit (ms); undefined: none. */
  durationMs?: number;
  /** Events per second (undefined: as fast as possible). */
  ratePerSecond?: number;
  /** Run until cancelled. */
  unbounded: boolean;
  users: number;
  seed: number;
  maxDelayMs: number;
  windowSizeMs: number;
  windowSlideMs: number;
  sessionGapMs: number;
  reportEveryMs: number;
  topN: number;
}

/** Defaults: 20k users, events up to 5 s late, 1 min windows every 10 s, 30 s session gap. */
export const DEFAULT_DEMO_SETTINGS: DemoSettings = {
  events: Infinity,
  durationMs: 10_000,
  ratePerSecond: 20_000,
  unbounded: false,
  users: 20_000,
  seed: 42,
  maxDelayMs: 5_000,
  windowSizeMs: 60_000,
  windowSlideMs: 10_000,
  sessionGapMs: 30_000,
  reportEveryMs: 60_000,
  topN: 5,
};

/** Event time at which the simulation starts (fixed, so runs are reproducible). */
export const DEMO_START_TIME = Date.UTC(2026, 0, 1, 12, 0, 0);

/** Operator names, used by the progress line to find the metrics. */
export const DEMO_OPERATORS = {
  source: "Clickstream",
  pageViews: "PageViews",
  sessions: "Sessions",
  report: "Report",
} as const;

/** The demo pipeline's handles: live figures, and its streams (tests tap them). */
export interface DemoJob {
  readonly stats: ClickstreamStats;
  readonly totals: ReportTotals;
  readonly clicks: DataStream<ClickEvent>;
  readonly pageViews: DataStream<PageWindowStats>;
  readonly sessions: DataStream<UserSession>;
}

/** Builds the demo pipeline on `env`, on the in-memory clickstream source; tables go to `print`. */
export function buildDemoJob(
  env: StreamExecutionEnvironment,
  s: DemoSettings,
  print: (table: string) => void,
): DemoJob {
  const stats = new ClickstreamStats();
  const source = new ClickstreamSource(
    {
      events: s.events,
      durationMs: s.durationMs,
      ratePerSecond: s.ratePerSecond,
      unbounded: s.unbounded,
      users: s.users,
      seed: s.seed,
      maxDelayMs: s.maxDelayMs,
      startTime: DEMO_START_TIME,
      ...simulationTimes(s),
    },
    stats,
  );
  return buildPipeline(env, source, s, stats, print);
}

/** Think times stay below the session gap and pauses above it, so each simulated session is one window. */
export function simulationTimes(s: DemoSettings): { maxThinkMs: number; minPauseMs: number } {
  return { maxThinkMs: s.sessionGapMs - 5_000, minPauseMs: 2 * s.sessionGapMs };
}

/** Where the durable demo reads and writes (see log-demo.ts). */
export interface DemoLogTopics {
  readonly log: Log;
  readonly clicks: string;
  readonly pageStats: string;
  readonly sessions: string;
  /** True once the generator has written every event of the run. */
  readonly finished: () => boolean;
  /** Called when the job opens its source, after it has restored a checkpoint or found none. */
  readonly opened?: () => void;
}

/**
 * The durable demo pipeline: clicks from a log topic (positions checkpointed), results into two
 * log topics through exactly-once sinks (a transaction per checkpoint), tables to `print`.
 */
export function buildLogDemoJob(
  env: StreamExecutionEnvironment,
  s: DemoSettings,
  stats: ClickstreamStats,
  topics: DemoLogTopics,
  print: (table: string) => void,
): DemoJob {
  const source = clickLogSource(topics.log, topics.clicks, topics.finished, !s.unbounded, topics.opened);
  const job = buildPipeline(env, source, s, stats, print);
  job.pageViews
    .sinkTo(
      logSink<PageWindowStats>({
        log: topics.log,
        deliveryGuarantee: "exactly-once",
        topic: topics.pageStats,
        serialize: (p) => ({
          key: Buffer.from(p.page),
          value: Buffer.from(JSON.stringify(p)),
          timestamp: p.end - 1,
        }),
      }),
      "PageStatsSink",
    )
    .uid("page-stats-sink");
  job.sessions
    .sinkTo(
      logSink<UserSession>({
        log: topics.log,
        deliveryGuarantee: "exactly-once",
        topic: topics.sessions,
        serialize: (x) => ({
          key: Buffer.from(x.user),
          value: Buffer.from(JSON.stringify(x)),
          timestamp: x.end - 1,
        }),
      }),
      "SessionsSink",
    )
    .uid("sessions-sink");
  return job;
}

function buildPipeline(
  env: StreamExecutionEnvironment,
  source: Source<ClickEvent>,
  s: DemoSettings,
  stats: ClickstreamStats,
  print: (table: string) => void,
): DemoJob {
  const totals = new ReportTotals();
  // uids: checkpoints map state to operators by uid.
  const clicks = env
    .fromSource(
      source,
      WatermarkStrategy.forBoundedOutOfOrderness<ClickEvent>(s.maxDelayMs),
      DEMO_OPERATORS.source,
    )
    .uid("clicks");
  const pageViews = clicks
    .keyBy((e) => e.page)
    .window(SlidingEventTimeWindows.of<ClickEvent>(s.windowSizeMs, s.windowSlideMs))
    .aggregate(pageStats, pageWindow)
    .name(DEMO_OPERATORS.pageViews)
    .uid("page-views");
  const sessions = clicks
    .keyBy((e) => e.user)
    .window(EventTimeSessionWindows.withGap<ClickEvent>(s.sessionGapMs))
    .aggregate(countViews, sessionWindow)
    .name(DEMO_OPERATORS.sessions)
    .uid("sessions");
  (pageViews as DataStream<DemoResult>)
    .union(sessions as DataStream<DemoResult>)
    .global()
    .transform(
      DEMO_OPERATORS.report,
      () =>
        new ReportOperator({
          reportEveryMs: s.reportEveryMs,
          topN: s.topN,
          gapMs: s.sessionGapMs,
          totals,
          // Same thread as the source readers (the demo runs in one executor).
          maxEventTime: () => stats.maxEventTime,
        }),
      { parallelism: 1 },
    )
    .uid("report")
    .forEach((table) => {
      print(table);
    }, "Print")
    .setParallelism(1)
    .uid("print");
  return { stats, totals, clicks, pageViews, sessions };
}
