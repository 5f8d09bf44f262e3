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
}
