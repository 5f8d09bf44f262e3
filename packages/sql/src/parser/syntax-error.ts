/**
 * Syntax errors as people read them: `line L, column C`, what was found, what was expected, and
 * the offending line with a caret under the token.
 */

import { FleuveError } from "@fleuve/core";
import "../errors.js";

/** Where a syntax error is and what it says, before formatting. */
export interface SyntaxProblem {
  /** 0-based offset of the offending text in the SQL. */
  readonly offset: number;
  /** How many characters to underline (at least one caret). */
  readonly length: number;
  /** 1-based line and column. */
  readonly line: number;
  readonly column: number;
  /** What is wrong, e.g. "unexpected 'FORM', expected one of ',', FROM". */
  readonly what: string;
  /** The expected tokens' labels, for programs (err.details.expected). */
  readonly expected: readonly string[];
}

/** The source line of `offset` with a caret line under `length` characters from `column`. */
export function caretLines(sql: string, line: number, column: number, length: number): string {
  const text = sql.split(/\r\n|\r|\n/)[line - 1] ?? "";
  const width = Math.max(1, Math.min(length, text.length - (column - 1)));
  // Tabs stay tabs under the line so the caret lines up whatever the tab width.
  const pad = text.slice(0, column - 1).replace(/[^\t]/g, " ");
  return `${text}\n${pad}${"^".repeat(width)}`;
}

/** A FLEUVE_SQL_SYNTAX error for `problem` in `sql`. */
export function syntaxError(sql: string, problem: SyntaxProblem): FleuveError {
  const head = `SQL syntax error at line ${problem.line}, column ${problem.column}: ${problem.what}`;
  return new FleuveError(
    "FLEUVE_SQL_SYNTAX",
    `${head}\n${caretLines(sql, problem.line, problem.column, problem.length)}`,
    {
      details: {
        line: problem.line,
        column: problem.column,
        offset: problem.offset,
        expected: problem.expected,
      },
    },
  );
}

/** "X", "X or Y", "one of X, Y, Z" (labels already sorted). */
export function describeExpected(labels: readonly string[]): string {
  if (labels.length === 0) return "nothing more";
  if (labels.length === 1) return labels[0] as string;
  if (labels.length === 2) return `${labels[0]} or ${labels[1]}`;
  return `one of ${labels.join(", ")}`;
}
