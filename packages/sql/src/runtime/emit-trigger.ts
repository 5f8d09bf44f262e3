/**
 * The trigger of an event-time window aggregation with early and late firings (Flink's
 * `EventTimeTriggers.afterEndOfWindow().withEarlyFirings(...).withLateFirings(...)`, planned from
 * `table.exec.emit.*`): the window fires when the watermark passes its end, as by default, and
 * also before (early, for rows of a window not yet ended) and after (late, for rows the allowed
 * lateness still takes). A delay of 0 fires on every such row; a positive delay fires once that
 * much processing time after the first row since the last firing (Flink's
 * `ProcessingTimeTriggers.every(delay)`), so a burst of rows makes one firing.
 */
import type { Trigger, TriggerContext, TriggerResult, ValueStateDescriptor, Window } from "@fleuve/core";

/** The pending processing-time firing of a window, if any (per key and window). */
const PENDING: ValueStateDescriptor<number> = { kind: "value", name: "emit-pending-firing" };

/** See the module comment. `earlyDelayMs`/`lateDelayMs` undefined: no such firing. */
export class EmitTrigger implements Trigger<unknown, Window> {
  constructor(
    private readonly earlyDelayMs: number | undefined,
    private readonly lateDelayMs: number | undefined,
  ) {}

  onElement(_e: unknown, _ts: number, window: Window, ctx: TriggerContext): TriggerResult {
    const late = window.maxTimestamp() <= ctx.getCurrentWatermark();
    if (!late) ctx.registerEventTimeTimer(window.maxTimestamp());
    // A late row the operator kept (within the allowed lateness) fires at once when late
    // firings are not configured, as Flink's afterEndOfWindow() alone does.
    const delay = late ? (this.lateDelayMs ?? 0) : this.earlyDelayMs;
    if (delay === undefined) return "CONTINUE";
    if (delay === 0) return "FIRE";
    const pending = ctx.getPartitionedState(PENDING);
    if (pending.value() === undefined) {
      const at = ctx.getCurrentProcessingTime() + delay;
      pending.update(at);
      ctx.registerProcessingTimeTimer(at);
    }
    return "CONTINUE";
  }

  onProcessingTime(time: number, _w: Window, ctx: TriggerContext): TriggerResult {
    const pending = ctx.getPartitionedState(PENDING);
    if (pending.value() !== time) return "CONTINUE";
    pending.clear();
    return "FIRE";
  }

  onEventTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (time !== window.maxTimestamp()) return "CONTINUE";
    // The firing at the window's end covers a pending early one.
    const pending = ctx.getPartitionedState(PENDING);
    const at = pending.value();
    if (at !== undefined) {
      ctx.deleteProcessingTimeTimer(at);
      pending.clear();
    }
    return "FIRE";
  }

  clear(_w: Window, ctx: TriggerContext): void {
    const pending = ctx.getPartitionedState(PENDING);
    const at = pending.value();
    if (at !== undefined) ctx.deleteProcessingTimeTimer(at);
    pending.clear();
  }

  toString(): string {
    return `EmitTrigger(early=${this.earlyDelayMs ?? "off"}, late=${this.lateDelayMs ?? "off"})`;
  }
}
