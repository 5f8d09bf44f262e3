/**
 * The demo's report: gathers window results from every parallel window subtask and, when the
 * watermark says a window is complete, prints a compact table for every `reportEveryMs` of event
 * time (not a line per result: a busy stream would flood the terminal).
 *
 * A window result carries the timestamp `end - 1` and is emitted before the watermark that fired
 * it is forwarded, so once this operator's watermark (the minimum over all its inputs) reaches
 * `end - 1`, every result of that window has arrived.
 */
import { OneInputOperator } from "@fleuve/core";
import type { DemoResult, PageWindowStats, UserSession } from "./results.js";

/** Figures of the report, read by the command's summary. */
export class ReportTotals {
  windowsCompleted = 0;
  pageResults = 0;
  sessions = 0;
  sessionViews = 0;
  tablesPrinted = 0;
}

/** Options of {@link ReportOperator}. */
export interface ReportOptions {
  /** Print the window ending at every multiple of this (ms of event time). */
  readonly reportEveryMs: number;
  /** Rows per table. */
  readonly topN: number;
  /** The session gap (shown with session lengths, which include it). */
  readonly gapMs: number;
  /** Newest event time of the input so far (to flag windows the input ended inside of). */
  readonly maxEventTime?: () => number;
  readonly totals: ReportTotals;
}

/** Collects results and emits one formatted table (a string) per reported window. */
export class ReportOperator extends OneInputOperator<DemoResult, string> {
  private readonly pages = new Map<number, PageWindowStats[]>();
  private sessions: UserSession[] = [];
  private lastReportedEnd = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: ReportOptions) {
    super();
  }

  /** Results waiting for their table are state: a restored job must not lose them. */
  protected override snapshotCustom(): unknown {
    return {
      // Copies: the snapshot may be serialized after this operator has moved on.
      pages: [...this.pages].map(([end, list]) => [end, [...list]]),
      sessions: [...this.sessions],
      lastReportedEnd: this.lastReportedEnd,
    };
  }

  protected override restoreCustom(states: readonly unknown[]): void {
    for (const s of states as (
      | { pages: [number, PageWindowStats[]][]; sessions: UserSession[]; lastReportedEnd: number }
      | undefined
    )[]) {
      if (!s) continue;
      for (const [end, list] of s.pages) this.pages.set(end, [...(this.pages.get(end) ?? []), ...list]);
      this.sessions.push(...s.sessions);
      this.lastReportedEnd = Math.max(this.lastReportedEnd, s.lastReportedEnd);
    }
  }

  processElement(r: DemoResult): void {
    if (r.kind === "page") {
      this.o.totals.pageResults++;
      const list = this.pages.get(r.end);
      if (list) list.push(r);
      else this.pages.set(r.end, [r]);
    } else {
      this.o.totals.sessions++;
      this.o.totals.sessionViews += r.views;
      this.sessions.push(r);
    }
  }

  protected override onWatermark(wm: number): void {
    const due = [...this.pages.keys()].filter((end) => end - 1 <= wm).sort((a, b) => a - b);
    for (const end of due) {
      const list = this.pages.get(end)!;
      this.pages.delete(end);
      this.o.totals.windowsCompleted++;
      if (end % this.o.reportEveryMs !== 0) continue;
      const closed = this.sessions.filter((s) => s.end <= end);
      this.sessions = this.sessions.filter((s) => s.end > end);
      let table = formatTable(end, list, closed, this.lastReportedEnd, this.o);
      const max = this.o.maxEventTime?.();
      if (max !== undefined && end - 1 > max) table += `\n  (partial: the input ended at ${clock(max)})`;
      this.output.collect(table, end - 1);
      this.o.totals.tablesPrinted++;
      this.lastReportedEnd = end;
    }
  }
}

/** `HH:MM:SS` (UTC) of an event time. */
export function clock(ts: number): string {
  return new Date(ts).toISOString().slice(11, 19);
}

/** Renders one window's table: the top pages by views, then the sessions closed since the last table. */
export function formatTable(
  end: number,
  pages: readonly PageWindowStats[],
  closed: readonly UserSession[],
  previousEnd: number,
  o: { topN: number; gapMs: number },
): string {
  const start = pages[0]?.start ?? end;
  const top = [...pages].sort((a, b) => b.views - a.views || (a.page < b.page ? -1 : 1)).slice(0, o.topN);
  const views = pages.reduce((s, p) => s + p.views, 0);
  const width = Math.max(24, ...top.map((p) => p.page.length + 2));
  const lines = [
    `window [${clock(start)}, ${clock(end)})  ${views} views on ${pages.length} pages`,
    `  ${"page".padEnd(width)}${"views".padStart(7)}${"users".padStart(7)}`,
    ...top.map(
      (p) => `  ${p.page.padEnd(width)}${String(p.views).padStart(7)}${String(p.uniqueUsers).padStart(7)}`,
    ),
  ];
  if (closed.length > 0) {
    const avgViews = closed.reduce((s, x) => s + x.views, 0) / closed.length;
    const avgLen = closed.reduce((s, x) => s + (x.end - x.start), 0) / closed.length / 1000;
    const since = Number.isFinite(previousEnd) ? ` since ${clock(previousEnd)}` : "";
    lines.push(
      `  sessions closed${since}: ${closed.length} (avg ${avgViews.toFixed(1)} views, ${avgLen.toFixed(0)} s incl. the ${o.gapMs / 1000} s gap)`,
    );
  }
  return lines.join("\n");
}
