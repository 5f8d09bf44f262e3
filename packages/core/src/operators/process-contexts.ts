/**
 * Reusable context objects handed to process functions: allocated once per operator subtask and
 * updated before each call, so that calling a process function allocates nothing.
 */
import { FleuveError } from "../errors.js";
import type { Collector, OnTimerContext, TimerService } from "../functions/functions.js";
import type { Key } from "../spi/key-groups.js";
import type { OperatorRuntime, Output } from "../spi/operator.js";
import type { OutputTag } from "../spi/output-tag.js";
import type { InternalTimerService } from "../spi/timer-service.js";
import { NO_TIMESTAMP } from "../time/watermark.js";

/** A collector stamping records with the timestamp of the current input or timer. */
export class TimestampedCollector<T> implements Collector<T> {
  timestamp = NO_TIMESTAMP;
  constructor(private readonly output: Output<T>) {}
  collect(value: T): void {
    this.output.collect(value, this.timestamp);
  }
}

/** Context shared by process, co-process and broadcast functions (keyed or not). */
export class ProcessContextImpl<K extends Key> implements OnTimerContext<K> {
  /** Timestamp of the current record or timer. */
  ts = NO_TIMESTAMP;
  domain: "event-time" | "processing-time" = "event-time";
  private readonly timers: TimerService;

  constructor(
    private readonly rt: OperatorRuntime,
    private readonly out: Output<unknown>,
    private readonly watermark: () => number,
    timerService: InternalTimerService<number> | undefined,
  ) {
    const noTimers = (what: string) => () => {
      throw new FleuveError(
        "FLEUVE_TIMER_INVALID",
        `operator '${rt.operatorName}': ${what} is only supported on keyed streams; call keyBy() first`,
        { details: { operator: rt.operatorName } },
      );
    };
    this.timers = timerService
      ? {
          currentProcessingTime: () => timerService.currentProcessingTime(),
          currentWatermark: () => this.watermark(),
          registerEventTimeTimer: (t) => timerService.registerEventTimeTimer(0, t),
          registerProcessingTimeTimer: (t) => timerService.registerProcessingTimeTimer(0, t),
          deleteEventTimeTimer: (t) => timerService.deleteEventTimeTimer(0, t),
          deleteProcessingTimeTimer: (t) => timerService.deleteProcessingTimeTimer(0, t),
        }
      : {
          currentProcessingTime: () => rt.processingTime.now(),
          currentWatermark: () => this.watermark(),
          registerEventTimeTimer: noTimers("registerEventTimeTimer"),
          registerProcessingTimeTimer: noTimers("registerProcessingTimeTimer"),
          deleteEventTimeTimer: noTimers("deleteEventTimeTimer"),
          deleteProcessingTimeTimer: noTimers("deleteProcessingTimeTimer"),
        };
  }

  timestamp(): number | undefined {
    return this.ts === NO_TIMESTAMP ? undefined : this.ts;
  }
  timerService(): TimerService {
    return this.timers;
  }
  output<X>(tag: OutputTag<X>, value: X): void {
    this.out.collectSide(tag, value, this.ts);
  }
  getCurrentKey(): K {
    if (!this.rt.keyedState) {
      throw new FleuveError(
        "FLEUVE_STATE_INVALID",
        `operator '${this.rt.operatorName}': getCurrentKey() needs a keyed stream`,
      );
    }
    return this.rt.keyedState.getCurrentKey() as K;
  }
  timeDomain(): "event-time" | "processing-time" {
    return this.domain;
  }

  /**
   * The one way a process, co-process or broadcast-process operator fires a timer: calls
   * `fn.onTimer` with this context and `collector` set for the timer. Results of an event-time
   * timer carry its timestamp; those of a processing-time timer carry none (so that downstream
   * event-time logic is not confused). Returns what `onTimer` threw, with the timer and its key as
   * the failed record for the error policy (the operator throws `userError(error, timer)`), or
   * undefined.
   */
  fireTimer<OUT>(
    fn: { onTimer?(timestamp: number, ctx: never, out: Collector<OUT>): void },
    collector: TimestampedCollector<OUT>,
    timestamp: number,
    domain: "event-time" | "processing-time",
  ): TimerFailure | undefined {
    if (!fn.onTimer) return undefined;
    const outTs = domain === "event-time" ? timestamp : NO_TIMESTAMP;
    this.ts = outTs;
    this.domain = domain;
    collector.timestamp = outTs;
    try {
      fn.onTimer(timestamp, this as never, collector);
      return undefined;
    } catch (error) {
      return { error, timer: { timer: timestamp, domain, key: this.rt.keyedState?.getCurrentKey() } };
    } finally {
      this.domain = "event-time";
    }
  }
}

/** The timer a process function's `onTimer` failed on, as the error policy records it. */
export interface FailedTimer {
  readonly timer: number;
  readonly domain: "event-time" | "processing-time";
  /** Key of the timer (timers exist on keyed streams only). */
  readonly key: Key | undefined;
}

/** What {@link ProcessContextImpl.fireTimer} returns when `onTimer` threw. */
export interface TimerFailure {
  readonly error: unknown;
  readonly timer: FailedTimer;
}
