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
