/**
 * The clock of the job being planned, for the functions that read the current time per record
 * (`CURRENT_TIMESTAMP`, `LOCALTIMESTAMP`, `CURRENT_DATE`, `CURRENT_TIME`, `LOCALTIME`, `NOW()`
 * and `PROCTIME()` inside an expression): the environment's processing-time clock, which is the
 * wall clock unless the job was given another one (`StreamExecutionEnvironment.create({
 * processingTime: new ManualProcessingTime(t) })`, as tests do). It is in scope for the duration
 * of {@link withClock} (planning is synchronous); compiled closures keep the clock they were
 * compiled with.
 */

import type { StreamExecutionEnvironment } from "@fleuve/core";

/** Milliseconds since the epoch, now. */
export type Clock = () => number;

const wallClock: Clock = () => Date.now();
let active: Clock = wallClock;

/** Runs `plan` with `env`'s processing-time clock as the one {@link jobClock} gives. */
export function withClock<T>(env: StreamExecutionEnvironment, plan: () => T): T {
  const outer = active;
  const config = env.config;
  // Read at each call: the clock is the one the job runs with.
  active = () => config.processingTime?.now() ?? Date.now();
  try {
    return plan();
  } finally {
    active = outer;
  }
}

/** The clock of the job being planned (the wall clock outside planning). */
export function jobClock(): Clock {
  return active;
}
