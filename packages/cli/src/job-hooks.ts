/**
 * Module resolve hooks for job files, registered by `fleuve run` after tsx's (so they run first
 * and see tsx's answer). They make a job file anywhere on disk load:
 *
 * - A `.ts` file outside any package with `"type": "module"` (a job in /tmp, or in a project whose
 *   package.json says nothing) is an ES module here: tsx would compile it to CommonJS, and its
 *   `import ... from "@fleuve/core"` would then fail with "Cannot require() ES Module ... in a
 *   cycle". Files under node_modules keep the format their package gives them.
 * - `@fleuve/*` that the job's own directory cannot resolve (no node_modules there) resolves to
 *   the packages this `fleuve` command runs on, the same module instances the command uses. A
 *   job in a project with its own `@fleuve/core` gets that one.
 */
import type { InitializeHook, ResolveHook } from "node:module";

/** What `fleuve run` passes to {@link initialize}. */
export interface JobHooksData {
  /** A module URL of the command: `@fleuve/*` is resolved from there when the job cannot. */
  readonly fallbackParentUrl: string;
}

let fallbackParentUrl: string | undefined;

/** Receives the command's own location. */
export const initialize: InitializeHook<JobHooksData> = (data) => {
  fallbackParentUrl = data.fallbackParentUrl;
};

/** Resolves as tsx does, then applies the two rules above. */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  let resolved: Awaited<ReturnType<typeof nextResolve>>;
  try {
    resolved = await nextResolve(specifier, context);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (!specifier.startsWith("@fleuve/") || code !== "ERR_MODULE_NOT_FOUND" || !fallbackParentUrl) throw e;
    resolved = await nextResolve(specifier, { ...context, parentURL: fallbackParentUrl });
  }
  if (
    resolved.format === "commonjs" &&
    resolved.url.startsWith("file:") &&
    /\.tsx?$/.test(new URL(resolved.url).pathname) &&
    !resolved.url.includes("/node_modules/")
  ) {
    return { ...resolved, format: "module" };
  }
  return resolved;
};
