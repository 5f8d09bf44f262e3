/** Options of the formats SQL decodes and encodes itself (csv, raw): parsing them, naming errors. */

import { isFleuveError, type OptionSpecs, type ParsedOptions, parseOptions } from "@fleuve/core";
import { invalid } from "../planner/problems.js";

/** `f()`, its configuration errors as the planner's, naming the table (once). */
export function asValidation<T>(table: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isFleuveError(e) && !e.code.startsWith("FLEUVE_SQL"))
      throw invalid(`table ${table}: ${e.message}`, undefined, { table, ...e.details });
    throw e;
  }
}

/**
 * Format `format`'s options `own` (names without `prefix`, by default `<format>.`), parsed by
 * `specs` with their defaults; an unknown or malformed one fails naming it as written, `<prefix><option>`.
 */
export function parseFormatOptions<S extends OptionSpecs>(
  table: string,
  format: string,
  specs: S,
  own: Record<string, string>,
  prefix = `${format}.`,
): ParsedOptions<S> {
  const prefixed = Object.fromEntries(Object.entries(specs).map(([k, v]) => [`${prefix}${k}`, v]));
  const given = Object.fromEntries(Object.entries(own).map(([k, v]) => [`${prefix}${k}`, v]));
  const parsed = asValidation(table, () => parseOptions(prefixed, given, `the ${format} format`));
  return Object.fromEntries(
    Object.entries(parsed).map(([k, v]) => [k.slice(prefix.length), v]),
  ) as ParsedOptions<S>;
}
