/**
 * A count of the jobs started in this process, shared by every copy of `@fleuve/core` loaded in
 * it. `fleuve run` reads it to tell a script that executed its job from a file that did nothing.
 * The command and the script need not share one copy of this package (a globally installed CLI
 * runs a script that imports its project's own `@fleuve/core`), so the count lives on
 * `globalThis` under a `Symbol.for` key, which every copy finds, rather than in a module variable.
 */

/** The registry-wide key of the count on `globalThis`. */
const JOBS_STARTED = Symbol.for("fleuve.jobsStarted");

type WithCount = { [JOBS_STARTED]?: number };

/** Adds one to the process-wide count of started jobs (called by `executeAsync`). */
export function countJobStarted(): void {
  const g = globalThis as WithCount;
  g[JOBS_STARTED] = (g[JOBS_STARTED] ?? 0) + 1;
}

/**
 * How many jobs `StreamExecutionEnvironment.executeAsync` (which `execute` goes through) has
 * started in this process, by any copy of `@fleuve/core`.
 */
export function jobsStartedInProcess(): number {
  return (globalThis as WithCount)[JOBS_STARTED] ?? 0;
}

/** The registry-wide key of the guard that refuses job starts (see {@link refuseJobStarts}). */
const REFUSE_JOB_STARTS = Symbol.for("fleuve.refuseJobStarts");

type WithGuard = { [REFUSE_JOB_STARTS]?: () => Error };

/**
 * While set, every job start in this process (by any copy of `@fleuve/core`) throws the error
 * `refusal` makes instead of running; `undefined` lifts it. `fleuve run` sets it while importing a
 * job file given options that only a `defineJob` module takes, so that a plain script is refused
 * before its pipeline runs rather than run without them.
 */
export function refuseJobStarts(refusal: (() => Error) | undefined): void {
  const g = globalThis as WithGuard;
  if (refusal === undefined) delete g[REFUSE_JOB_STARTS];
  else g[REFUSE_JOB_STARTS] = refusal;
}

/** Throws the refusal set by {@link refuseJobStarts}, if any (called before a job starts). */
export function checkJobStartAllowed(): void {
  const refusal = (globalThis as WithGuard)[REFUSE_JOB_STARTS];
  if (refusal !== undefined) throw refusal();
}
