/**
 * The live progress line of the demo, computed from the job's metrics registry: events per
 * second at the source, the watermark (as a time, and its lag behind the newest event time) and
 * the records the windows produced.
 *
 * On a terminal the line is redrawn in place every second (on stdout when stdout and stderr share
 * the terminal, so that it stays in order with the tables; else on stderr); otherwise (a pipe, CI
 * logs) a plain line is written every few seconds, with no cursor control characters.
 */
import type { MetricsRegistry } from "@fleuve/core";
import type { ClickstreamStats } from "./clickstream.js";
import { DEMO_OPERATORS } from "./job.js";
import { clock } from "./report.js";

/** A snapshot of the figures the progress line shows. */
export interface ProgressFigures {
  readonly events: number;
  readonly eventsPerSecond: number;
  /** Watermark at the window operators (min over subtasks); undefined before the first one. */
  readonly watermark: number | undefined;
  readonly maxEventTime: number | undefined;
  readonly windowResults: number;
  readonly elapsedMs: number;
}

/** Reads the figures from the metrics registry. */
export function readFigures(
  metrics: MetricsRegistry,
  stats: ClickstreamStats,
  elapsedMs: number,
  eventsPerSecond: number,
): ProgressFigures {
  let events = 0;
  let results = 0;
  let wm: number | undefined;
  for (const m of metrics.operators) {
    if (m.operatorName === DEMO_OPERATORS.source) events += m.recordsOut.count;
    else if (m.operatorName === DEMO_OPERATORS.pageViews || m.operatorName === DEMO_OPERATORS.sessions) {
      results += m.recordsOut.count;
      // The gauge reads 0 until the operator's first watermark.
      const w = m.currentWatermark.value;
      wm = Math.min(wm ?? Number.POSITIVE_INFINITY, w === 0 ? Number.NEGATIVE_INFINITY : w);
    }
  }
  return {
    events,
    eventsPerSecond,
    watermark: wm === undefined || wm === Number.NEGATIVE_INFINITY ? undefined : wm,
    maxEventTime: Number.isFinite(stats.maxEventTime) ? stats.maxEventTime : undefined,
    windowResults: results,
    elapsedMs,
  };
}

const fmt = new Intl.NumberFormat("en-US");

/** One line of progress. */
export function formatProgress(f: ProgressFigures): string {
  const wm =
    f.watermark === undefined
      ? "watermark -"
      : f.watermark === Number.POSITIVE_INFINITY
        ? "watermark end of input"
        : `watermark ${clock(f.watermark)}${
            f.maxEventTime === undefined
              ? ""
              : ` (lag ${((f.maxEventTime - f.watermark) / 1000).toFixed(1)} s)`
          }`;
  return [
    `${fmt.format(f.events)} events (${fmt.format(Math.round(f.eventsPerSecond))}/s)`,
    wm,
    `${fmt.format(f.windowResults)} window results`,
    `${(f.elapsedMs / 1000).toFixed(1)} s`,
  ].join(" | ");
}

/** Writes the progress line periodically; coordinates with output on stdout. */
export class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();
  private lastEvents = 0;
  private lastAt = performance.now();
  private shown = false;
  private lastPlainAt = performance.now();

  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly stats: ClickstreamStats,
    /** Where the line goes: stderr, or stdout when both are the same terminal. */
    private readonly out: NodeJS.WritableStream,
    /** Redraw in place (`out` is a terminal). */
    private readonly live: boolean,
    /** Seconds between plain lines when not live. */
    private readonly plainEverySeconds = 5,
  ) {}

  /** Starts updating every second. */
  start(): void {
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  /** The current figures. */
  figures(): ProgressFigures {
    const now = performance.now();
    let events = 0;
    for (const m of this.metrics.operators)
      if (m.operatorName === DEMO_OPERATORS.source) events += m.recordsOut.count;
    const dt = (now - this.lastAt) / 1000;
    const rate = dt > 0 ? (events - this.lastEvents) / dt : 0;
    this.lastEvents = events;
    this.lastAt = now;
    return readFigures(this.metrics, this.stats, now - this.started, rate);
  }

  private tick(): void {
    const f = this.figures();
    if (this.live) {
      // The terminal has not taken the last redraw yet: skip this one rather than queue it.
      if (((this.out as { writableLength?: number }).writableLength ?? 0) > 0) return;
      this.out.write(`\r\x1b[K${formatProgress(f)}`);
      this.shown = true;
    } else if (performance.now() - this.lastPlainAt >= this.plainEverySeconds * 1000 - 50) {
      this.lastPlainAt = performance.now();
      this.out.write(`${formatProgress(f)}\n`);
    }
  }

  /** Writes `text` to `target` without garbling the live line (cleared, then redrawn next tick). */
  printAbove(target: NodeJS.WritableStream, text: string): void {
    if (this.live && this.shown) {
      this.out.write("\r\x1b[K");
      this.shown = false;
    }
    target.write(`${text}\n`);
  }

  /** Stops updating and clears the live line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.live && this.shown) this.out.write("\r\x1b[K");
    this.shown = false;
  }
}
