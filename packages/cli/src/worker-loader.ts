/**
 * The module loader of `fleuve run`: tsx, then the job hooks (job-hooks.ts). The main thread
 * registers it before importing a job, and each worker thread of `--parallelism N` does too
 * (workers do not inherit module hooks), so a job file anywhere on disk loads in both.
 */
import { register as registerHooks } from "node:module";
import { register as registerTsxCjs } from "tsx/cjs/api";
import { register as registerTsx } from "tsx/esm/api";
import type { JobHooksData } from "./job-hooks.js";

/** Registers tsx and the job hooks in this thread (synchronously: the job is imported next). */
export function register(): void {
  registerTsx();
  // A .ts job of a project that says "type": "commonjs" is loaded by require(), which needs
  // tsx's CommonJS hook to compile it.
  registerTsxCjs();
  // Registered after tsx's, so they run first. @fleuve/* falls back to resolving from here: the
  // packages this command itself runs on.
  registerHooks(new URL("./job-hooks.js", import.meta.url), {
    data: { fallbackParentUrl: import.meta.url } satisfies JobHooksData,
  });
}
