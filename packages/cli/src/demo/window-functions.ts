/**
 * The window functions of the demo: incremental aggregates (one accumulator per window slice and
 * key) and process functions that add the key and the window bounds to the result.
 */
import type { AggregateFunction, ProcessWindowFunction, TimeWindow } from "@fleuve/core";
import type { ClickEvent } from "./clickstream.js";
import { type PageAcc, type PageWindowStats, pageStatsAggregate, type UserSession } from "./results.js";

/** Views and distinct users of a page (mergeable, as sliding windows aggregate by slices). */
export const pageStats: AggregateFunction<ClickEvent, PageAcc, { views: number; uniqueUsers: number }> =
  pageStatsAggregate;

/** Page statistics with the page and the window. */
export const pageWindow: ProcessWindowFunction<
  { views: number; uniqueUsers: number },
  PageWindowStats,
  string,
  TimeWindow
> = {
  process(page, ctx, [r], out) {
    const w = ctx.window();
    out.collect({
      kind: "page",
      page,
      start: w.start,
      end: w.end,
      views: r!.views,
      uniqueUsers: r!.uniqueUsers,
    });
  },
};

/** Counts the views of a session (mergeable, as session windows merge). */
export const countViews: AggregateFunction<ClickEvent, number, number> = {
  createAccumulator: () => 0,
  add: (_e, n) => n + 1,
  getResult: (n) => n,
  merge: (a, b) => a + b,
};

/** A session with its user and bounds. */
export const sessionWindow: ProcessWindowFunction<number, UserSession, string, TimeWindow> = {
  process(user, ctx, [views], out) {
    const w = ctx.window();
    out.collect({ kind: "session", user, start: w.start, end: w.end, views: views! });
  },
};
