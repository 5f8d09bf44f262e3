/**
 * The fast path for the built-in session windows (event or processing time) with their default
 * trigger: each key holds its sessions as plain `{start, end, acc}` sorted by start (they never
 * overlap nor touch), and an element merges with the sessions it overlaps or touches. Timers go
 * through the operator's {@link TimerIndex}; a merged or extended session moves its timers (the
 * old ones are deleted, new ones registered), as Flink's MergingWindowSet does.
 *
 * Results, late firings (a late element within the allowed lateness re-fires its session at
 * once, also when it bridges two fired sessions) and the late-data side output are those of
 * Flink's WindowOperator with EventTimeTrigger / ProcessingTimeTrigger.
 */
import type { Key } from "../spi/key-groups.js";
import { OneInputOperator } from "../spi/operator.js";
import type { WindowTable } from "./keyed-access.js";
import { TimerIndex } from "./timer-index.js";
import { TimeWindow } from "./window.js";
import { WindowFunctionRunner } from "./window-function-runner.js";
import type { WindowOperatorConfig } from "./window-operator.js";

/** One session of a key. */
interface Session {
  start: number;
  end: number;
  acc: unknown;
}

/** Sessions of one key, sorted by start, and the key's pending timers `[time, start, ...]`. */
interface KeySessions {
  ss: Session[];
  readonly pend: number[];
  armed?: number | undefined;
}

/** Keyed session window operator. */
export class SessionWindowOperator<IN, ACC, OUT> extends OneInputOperator<IN, OUT> {
  private table!: WindowTable<KeySessions>;
  private timerIndex!: TimerIndex;
  private runner!: WindowFunctionRunner<IN, ACC, OUT>;
  private readonly eventTime: boolean;
  private readonly lateness: number;
  private readonly merged: Session[] = [];

  constructor(private readonly cfg: WindowOperatorConfig<IN, ACC, OUT, TimeWindow>) {
    super();
    if (cfg.restoreWatermark === true) this.keepWatermark();
    this.eventTime = cfg.assigner.isEventTime();
    this.lateness = this.eventTime ? cfg.allowedLateness : 0;
  }

  override open(): void {
    const b = this.keyedState;
    this.table = b.getTable("window-sessions");
    this.timerIndex = new TimerIndex(
      b,
      () => this.table.get(),
      (t, key, start) => this.onTimer(t, key, start),
      this.eventTime ? undefined : this.runtime.processingTime,
    );
    this.timerIndex.restore(this.table.entries());
    // Merging windows have no per-window state (as in Flink).
    this.runner = new WindowFunctionRunner(
      this.cfg.fn,
      this.runtime,
      this.output,
      () => this.currentWatermark,
      undefined,
    );
    this.runner.open();
  }

  override close(): void {
    this.runner?.close();
  }

  /** For the assigner (processing-time sessions). */
  getCurrentProcessingTime(): number {
    return this.runtime.processingTime.now();
  }

  processElement(value: IN, timestamp: number): void {
    let start: number;
    let end: number;
    try {
      const w = this.cfg.assigner.assignWindows(value, timestamp, this)[0]!;
      start = w.start;
      end = w.end;
    } catch (e) {
      throw this.userError(e, value);
    }
    const wm = this.currentWatermark;
    const L = this.lateness;
    let st = this.table.get();
    const ss = st?.ss;
    // The sessions the new window overlaps or touches (Flink's TimeWindow.intersects).
    const merged = this.merged;
    merged.length = 0;
    let at = 0;
    if (ss !== undefined) {
      for (let i = 0; i < ss.length; i++) {
        const s = ss[i]!;
        if (s.end < start) at = i + 1;
        else if (s.start <= end) merged.push(s);
        else break;
      }
    }
    const contents = this.cfg.fn.contents;
    const key = this.keyedState.getCurrentKey();
    let session: Session;
    try {
      if (merged.length === 0) {
        if (this.eventTime && end - 1 + L <= wm) {
          // Its only window is past the allowed lateness: late (its timestamp is too).
          if (this.cfg.lateTag) this.output.collectSide(this.cfg.lateTag, value, timestamp);
          else this.runtime.metrics.numLateRecordsDropped.count++;
          return;
        }
        if (st === undefined) {
          st = { ss: [], pend: [] };
          this.table.set(st);
        }
        session = { start, end, acc: contents.add(undefined, value) };
        st.ss.splice(at, 0, session);
      } else if (merged.length === 1 && merged[0]!.start <= start && merged[0]!.end >= end) {
        // Inside an existing session: nothing merges.
        session = merged[0]!;
        session.acc = contents.add(session.acc as ACC, value);
      } else {
        // Merge: the sessions' timers move to the merged one (Flink: onMerge, then clear).
        const first = merged[0]!;
        const last = merged[merged.length - 1]!;
        const mStart = Math.min(start, first.start);
        const mEnd = Math.max(end, last.end);
        let acc = first.acc as ACC;
        for (let i = 1; i < merged.length; i++) acc = contents.merge(acc, merged[i]!.acc as ACC);
        const kst = st!;
        if (mEnd - 1 > (this.eventTime ? wm : this.runtime.processingTime.now())) {
          this.timerIndex.register(kst, mEnd - 1, mStart);
        }
        for (const m of merged) {
          this.timerIndex.delete(kst, m.end - 1, m.start);
          if (L > 0) this.timerIndex.delete(kst, m.end - 1 + L, m.start);
        }
        session = { start: mStart, end: mEnd, acc: contents.add(acc, value) };
        st!.ss.splice(ss!.indexOf(first), merged.length, session);
      }
      const max = session.end - 1;
      const kst = st!;
      if (this.eventTime && max <= wm) {
        // Late but allowed (EventTimeTrigger.onElement): fire at once.
        this.runner.emit(key, new TimeWindow(session.start, session.end), 0, session.acc as ACC);
      } else {
        this.timerIndex.register(kst, max, session.start);
      }
      if (L > 0) this.timerIndex.register(kst, max + L, session.start);
    } catch (e) {
      throw this.userError(e, value);
    } finally {
      merged.length = 0;
    }
  }

  protected override onWatermark(watermark: number): void {
    if (this.eventTime) this.timerIndex.fire(watermark);
  }

  private onTimer(time: number, key: Key, start: number): void {
    const st = this.table.get();
    if (st === undefined) return;
    const ss = st.ss;
    let i = 0;
    while (i < ss.length && ss[i]!.start !== start) i++;
    const s = ss[i];
    if (s === undefined) return;
    const max = s.end - 1;
    try {
      if (time === max) this.runner.emit(key, new TimeWindow(s.start, s.end), 0, s.acc as ACC);
      if (time === max + this.lateness) {
        this.runner.clear(new TimeWindow(s.start, s.end), 0);
        ss.splice(i, 1);
        if (ss.length === 0) this.table.delete();
      }
    } catch (e) {
      throw this.userError(e, { timer: time, key, window: `[${s.start}, ${s.end})` });
    }
  }
}
