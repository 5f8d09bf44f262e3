/**
 * Module resolve hooks for job files, registered by `fleuve run` after tsx's (so they run first
 * and see tsx's answer). They make a job file anywhere on disk load:
 *
 * - A `.ts` file whose nearest package.json has no `"type"` field, or that has no package.json
 *   above it (a job in /tmp), is an ES module here: tsx would compile it to CommonJS, and its
 *   `import ... from "@fleuve/core"` would then fail with "Cannot require() ES Module ... in a
 *   cycle". A project that says `"type": "commonjs"` gets CommonJS, as it asked (its jobs use
 *   `require` and `__dirname`). Files under node_modules keep the format their package gives them.
 * - `@fleuve/*` that the job's own directory cannot resolve (no node_modules there) resolves to
 *   the packages this `fleuve` command runs on, the same module instances the command uses. A
 *   job in a project with its own `@fleuve/core` gets that one.
 */
import { readFileSync } from "node:fs";
import type { InitializeHook, ResolveHook } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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
    !resolved.url.includes("/node_modules/") &&
    !declaresType(dirname(fileURLToPath(resolved.url)))
  ) {
    return { ...resolved, format: "module" };
  }
  return resolved;
};

/** Whether the nearest package.json at or above each directory has a "type" field, by directory. */
const typeDeclared = new Map<string, boolean>();

/** True when the nearest package.json at or above `dir` has a `"type"` field (any value). */
function declaresType(dir: string): boolean {
  const known = typeDeclared.get(dir);
  if (known !== undefined) return known;
  let declared: boolean;
  let text: string | undefined;
  try {
    text = readFileSync(join(dir, "package.json"), "utf8");
  } catch {
    text = undefined; // no package.json here: look further up
  }
  if (text !== undefined) {
    try {
      declared = typeof (JSON.parse(text) as { type?: unknown }).type === "string";
    } catch {
      declared = false; // an unreadable package.json says nothing; node reports it if it matters
    }
  } else {
    const parent = dirname(dir);
    declared = parent === dir ? false : declaresType(parent);
  }
  typeDeclared.set(dir, declared);
  return declared;
}
