/**
 * How a pattern travels on a stream (a topic of rule updates): as data naming a pattern factory
 * the job registered, with its parameters. Conditions are code, so they never travel; a factory is
 * code shipped with the job, and the update only chooses one and sets its parameters (amounts,
 * durations, thresholds), as a JSON record on a Kafka topic can:
 *
 * ```json
 * { "id": "card-fraud", "version": 2, "pattern": { "factory": "smallThenLarge", "params": { "small": 1, "large": 500, "withinMs": 600000 } }, "onReplace": "finish" }
 * { "id": "card-fraud", "version": 3, "remove": true, "onReplace": "drop" }
 * ```
 */

/** A pattern as data: a registered factory's name and its parameters. */
export interface PatternSpec {
  /** Name of a factory of the job's {@link PatternRegistry}. */
  readonly factory: string;
  /** What the factory is called with (plain, JSON-like data). */
  readonly params?: unknown;
}

/** What happens to the partial matches of the version an update replaces or removes. */
export type OnReplace = "finish" | "drop";

/**
 * One update of the patterns a job runs: add or replace pattern `id` with `pattern` (a new id, or a
 * version above the current one), or `remove` it. Updates whose version is not above the id's
 * current one (a replayed topic, a duplicate) are ignored, also after a removal.
 */
export interface PatternUpdate {
  /** The pattern's id (reported with its matches as `patternId`). */
  readonly id: string;
  /** Increases with each update of the id (a number, e.g. a counter or a time). */
  readonly version: number;
  /** The new pattern (absent when `remove` is set). */
  readonly pattern?: PatternSpec;
  /** Removes the pattern. */
  readonly remove?: boolean;
  /**
   * The partial matches of the version replaced or removed: `"finish"` (default) lets them finish
   * under that version (matches, time-outs and drops are reported with it) while it starts no new
   * ones; `"drop"` discards them at once.
   */
  readonly onReplace?: OnReplace;
}

/** The pattern factories a job accepts in updates, by name. */
export type PatternRegistry<P> = Readonly<Record<string, (params: any) => P>>;

/** Checks an update record's shape; returns what is wrong, naming the field, or undefined. */
export function updateProblem(u: unknown, registry: PatternRegistry<unknown>): string | undefined {
  if (u === null || typeof u !== "object") return `a pattern update must be an object, got ${String(u)}`;
  const x = u as Record<string, unknown>;
  if (typeof x.id !== "string" || x.id.length === 0) return "field 'id' must be a non-empty string";
  if (x.id.includes("@")) return `field 'id' must not contain '@' (got '${x.id}')`;
  if (typeof x.version !== "number" || !Number.isFinite(x.version))
    return `field 'version' of pattern '${x.id}' must be a finite number`;
  if (x.onReplace !== undefined && x.onReplace !== "finish" && x.onReplace !== "drop")
    return `field 'onReplace' of pattern '${x.id}' must be "finish" or "drop", got ${JSON.stringify(x.onReplace)}`;
  const removing = x.remove === true;
  if (removing === (x.pattern !== undefined))
    return `pattern '${x.id}' version ${x.version}: give exactly one of 'pattern' and 'remove: true'`;
  if (removing) return undefined;
  const p = x.pattern as Record<string, unknown> | null;
  if (p === null || typeof p !== "object" || typeof p.factory !== "string")
    return `field 'pattern' of pattern '${x.id}' must be { factory: string, params?: ... }`;
  if (!Object.hasOwn(registry, p.factory))
    return `pattern '${x.id}': unknown factory '${p.factory}'; registered: ${Object.keys(registry).join(", ") || "none"}`;
  return undefined;
}
