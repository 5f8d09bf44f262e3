/**
 * Windows over a TIMESTAMP_LTZ time attribute (a rowtime or PROCTIME()) in a session time zone
 * other than UTC, as Flink 1.20 assigns them (its TimeWindowUtil and slice assigners): a row's
 * instant is read as its wall-clock time in the zone, the windows are cut in wall-clock time
 * (a 1-day TUMBLE starts at local midnight), and window_start / window_end are those wall-clock
 * times (TIMESTAMP values). A window fires when the watermark (or the clock) reaches the instant
 * of its last wall-clock millisecond, chosen as Flink does across daylight-saving changes (see
 * {@link fireInstant}); its window_time, and the timestamp of its results, is that millisecond
 * read as Java's `LocalDateTime.atZone` reads it ({@link Zone.toUtc}).
 */

import {
  EventTimeTrigger,
  FleuveError,
  getWindowStartWithOffset,
  type MergingWindowAssigner,
  mergeTimeWindows,
  ProcessingTimeTrigger,
  TimeWindow,
  type Trigger,
  type WindowAssigner,
  type WindowAssignerContext,
} from "@fleuve/core";
import type { Row } from "../planner/values.js";
import type { Zone } from "../planner/zone.js";
import { cumulativeWindows } from "./cumulate-windows.js";

const HOUR = 3_600_000;

/**
 * Whether `zone` still changes its offset every year (Java's `TimeZone.useDaylightTime()`: the
 * zone has daylight-saving rules going on; Asia/Shanghai and today's America/Sao_Paulo do not).
 * Read from the offsets of a far-future January and July, where only the ongoing rules apply.
 */
export function usesDaylightTime(zone: Zone): boolean {
  return zone.offsetAt(Date.UTC(2100, 0, 15)) !== zone.offsetAt(Date.UTC(2100, 6, 15));
}

/**
 * The instant at which a window whose last wall-clock millisecond is `local` fires (Flink's
 * `TimeWindowUtil.toEpochMillsForTimer`): the instant of that wall-clock time, except in a zone
 * with daylight-saving time where `local` falls in the hour skipped when clocks go forward (the
 * window fires at the hour the clocks jumped to, on the UTC hour grid as Flink computes it) or
 * in the first pass of the hour repeated when clocks go back (the window fires at its second
 * pass, once both hours' rows are in).
 */
export function fireInstant(local: number, zone: Zone, daylightTime: boolean): number {
  const t1 = zone.toUtc(local);
  if (!daylightTime) return t1;
  const t2 = zone.toUtc(local + HOUR);
  // `%` truncates toward zero, as Java's.
  if (t1 === t2) return t1 - (t1 % HOUR);
  if (t2 - t1 > HOUR) return t1 + HOUR;
  return t1;
}

/**
 * When a window fires and the window_time of its rows, from its end alone: what operators need
 * that hold window TVF rows by their window_end column (window join, window Top-N and
 * deduplication, aggregations of window columns). Windows in UTC fire at `end - 1`, the
 * window_time; windows cut in a zone's wall clock fire at {@link fireInstant} of their last
 * millisecond and their window_time is that millisecond's instant.
 */
export interface WindowFiring {
  /** The instant (watermark or clock) at which the window ending at `end` fires. */
  fireAt(end: number): number;
  /** window_time of the window ending at `end`: the timestamp of its results. */
  windowTime(end: number): number;
}

const UTC_FIRING: WindowFiring = { fireAt: (end) => end - 1, windowTime: (end) => end - 1 };

/** Zoned firing; consecutive calls mostly ask of the same end: the last one's instants are kept. */
class ZonedFiring implements WindowFiring {
  private readonly daylightTime: boolean;
  private lastEnd = Number.NaN;
  private lastFire = 0;
  private lastTime = 0;

  constructor(private readonly zone: Zone) {
    this.daylightTime = usesDaylightTime(zone);
  }

  private at(end: number): void {
    if (end === this.lastEnd) return;
    this.lastEnd = end;
    this.lastFire = fireInstant(end - 1, this.zone, this.daylightTime);
    this.lastTime = this.zone.toUtc(end - 1);
  }

  fireAt(end: number): number {
    this.at(end);
    return this.lastFire;
  }

  windowTime(end: number): number {
    this.at(end);
    return this.lastTime;
  }
}

/**
 * The {@link WindowFiring} of windows cut in `zone`'s wall clock, or in UTC (instants) when
 * `zone` is undefined.
 */
export function windowFiring(zone: Zone | undefined): WindowFiring {
  return zone === undefined ? UTC_FIRING : new ZonedFiring(zone);
}

/**
 * A window `[start, end)` of wall-clock times (epoch ms of the wall clock read as UTC) that fires
 * at {@link fireInstant} of its last millisecond and stamps its results with that millisecond's
 * instant (window_time).
 */
export class ZonedTimeWindow extends TimeWindow {
  constructor(
    start: number,
    end: number,
    /** The instant the window fires at (watermark or clock). */
    readonly fireAt: number,
    /** window_time: the instant of the window's last wall-clock millisecond. */
    readonly windowTime: number,
  ) {
    super(start, end);
  }

  /** The instant the window fires at: the watermark or the clock must reach it. */
  override maxTimestamp(): number {
    return this.fireAt;
  }

  /** window_time, the timestamp of the window's rows. */
  resultTimestamp(): number {
    return this.windowTime;
  }

  override toString(): string {
    return `ZonedTimeWindow{start=${this.start}, end=${this.end}, fireAt=${this.fireAt}}`;
  }
}

/** What the zoned assigners share: the zone, the time read, and making windows. */
abstract class ZonedAssigner {
  private readonly firing: WindowFiring;

  constructor(
    protected readonly zone: Zone,
    private readonly eventTime: boolean,
  ) {
    this.firing = windowFiring(zone);
  }

  /** The wall-clock time of a row: its rowtime, or the clock when it arrives, in the zone. */
  protected localTime(row: Row, timestamp: number, ctx: WindowAssignerContext): number {
    if (!this.eventTime) return this.zone.toLocal(ctx.getCurrentProcessingTime());
    if (timestamp === Number.NEGATIVE_INFINITY)
      throw new FleuveError("FLEUVE_WINDOW_INVALID", `${String(this)}: a row has no event timestamp`, {
        details: { option: "timestamp", record: row },
      });
    return this.zone.toLocal(timestamp);
  }

  /** The window `[start, end)` of wall-clock times. */
  window(start: number, end: number): ZonedTimeWindow {
    return new ZonedTimeWindow(start, end, this.firing.fireAt(end), this.firing.windowTime(end));
  }

  getDefaultTrigger(): Trigger<Row, TimeWindow> {
    return (this.eventTime ? EventTimeTrigger.create() : ProcessingTimeTrigger.create()) as Trigger<
      Row,
      TimeWindow
    >;
  }

  isEventTime(): boolean {
    return this.eventTime;
  }
}

/** TUMBLE, HOP and CUMULATE windows in the zone's wall-clock time. */
export class ZonedAlignedWindows extends ZonedAssigner implements WindowAssigner<Row, TimeWindow> {
  constructor(
    private readonly kind: "TUMBLE" | "HOP" | "CUMULATE",
    private readonly size: number,
    /** HOP's slide, CUMULATE's step, TUMBLE's size. */
    private readonly slide: number,
    private readonly offset: number,
    zone: Zone,
    eventTime: boolean,
  ) {
    super(zone, eventTime);
  }

  assignWindows(row: Row, timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[] {
    const t = this.localTime(row, timestamp, ctx);
    const { size, slide, offset } = this;
    if (this.kind === "CUMULATE")
      return cumulativeWindows(t, slide, size, offset).map(([s, e]) => this.window(s, e));
    const out: TimeWindow[] = [];
    for (let s = getWindowStartWithOffset(t, offset, slide); s > t - size; s -= slide)
      out.push(this.window(s, s + size));
    return out;
  }

  /** The state and timer namespace of a window: its bounds. */
  namespaceOf(w: TimeWindow): string {
    return `${w.start}:${w.end}`;
  }

  windowOf(ns: string | number): TimeWindow {
    const s = String(ns);
    const i = s.indexOf(":");
    return this.window(Number(s.slice(0, i)), Number(s.slice(i + 1)));
  }

  override toString(): string {
    return `Zoned${this.kind}(size ${this.size}, slide ${this.slide}, offset ${this.offset} ms, ${this.zone.id})`;
  }
}

/** SESSION windows in the zone's wall-clock time: `[t, t + gap)` per row, merged when they meet. */
export class ZonedSessionWindows extends ZonedAssigner implements MergingWindowAssigner<Row> {
  constructor(
    private readonly gap: number,
    zone: Zone,
    eventTime: boolean,
  ) {
    super(zone, eventTime);
  }

  assignWindows(row: Row, timestamp: number, ctx: WindowAssignerContext): TimeWindow[] {
    const t = this.localTime(row, timestamp, ctx);
    return [this.window(t, t + this.gap)];
  }

  mergeWindows(
    windows: readonly TimeWindow[],
    callback: (toBeMerged: TimeWindow[], mergeResult: TimeWindow) => void,
  ): void {
    mergeTimeWindows(windows, (members, cover) => callback(members, this.window(cover.start, cover.end)));
  }

  /** A merged session `[start, end)`. */
  windowBetween(start: number, end: number): TimeWindow {
    return this.window(start, end);
  }

  override toString(): string {
    return `ZonedSESSION(gap ${this.gap} ms, ${this.zone.id})`;
  }
}
