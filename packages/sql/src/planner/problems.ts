/**
 * The planner's errors: a feature that parses but does not run yet (FLEUVE_SQL_UNSUPPORTED, naming
 * the feature) and a statement that is not valid (FLEUVE_SQL_VALIDATION, naming the table, column
 * or function). Both point at the SQL when the node has a position.
 */

import { FleuveError } from "@fleuve/core";
import "../errors.js";
import type { SourcePos } from "../parser/ast.js";

function at(pos: SourcePos | undefined): string {
  return pos === undefined ? "" : ` (line ${pos.line}, column ${pos.column})`;
}

/**
 * FLEUVE_SQL_UNSUPPORTED: `feature` parses but Fleuve SQL does not run it yet. `details.feature`
 * names it for programs.
 */
export function unsupported(feature: string, pos?: SourcePos, hint?: string): FleuveError {
  return new FleuveError(
    "FLEUVE_SQL_UNSUPPORTED",
    `Fleuve SQL does not run ${feature} yet${at(pos)}${hint === undefined ? "" : `: ${hint}`}`,
    { details: { feature, ...(pos ? { line: pos.line, column: pos.column } : {}) } },
  );
}

/**
 * What a FLEUVE_SQL_VALIDATION error names for programs (`table`, `function`, `columnName`...).
 * `line` and `column` are not among them: they are the position in the SQL text, as in every SQL
 * error, which {@link invalid} sets from `pos`.
 */
export type ValidationDetails = Record<string, unknown> & { readonly line?: never; readonly column?: never };

/**
 * FLEUVE_SQL_VALIDATION: the statement parses but is not valid; `message` says what and where.
 * `details` name what is wrong (a column as `columnName`); `pos` adds `line` and `column`.
 */
export function invalid(message: string, pos?: SourcePos, details: ValidationDetails = {}): FleuveError {
  return new FleuveError("FLEUVE_SQL_VALIDATION", `${message}${at(pos)}`, {
    details: { ...details, ...(pos ? { line: pos.line, column: pos.column } : {}) },
  });
}

/**
 * `err` pointing at `pos` when it is one of the planner's errors that has no position yet (raised
 * for a node the parser gives none); any other error as it is.
 */
export function withPosition(err: unknown, pos: SourcePos): unknown {
  if (!(err instanceof FleuveError) || err.details?.line !== undefined) return err;
  if (err.code === "FLEUVE_SQL_VALIDATION") {
    const { line: _l, column: _c, ...details } = err.details ?? {};
    return invalid(err.message, pos, details);
  }
  if (err.code === "FLEUVE_SQL_UNSUPPORTED" && typeof err.details?.feature === "string") {
    const feature = err.details.feature;
    const prefix = `Fleuve SQL does not run ${feature} yet`;
    const rest = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : "";
    return unsupported(feature, pos, rest.startsWith(": ") ? rest.slice(2) : undefined);
  }
  return err;
}
