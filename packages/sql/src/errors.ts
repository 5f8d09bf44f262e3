/**
 * The SQL layer's error codes. docs/errors.md documents them in its `@fleuve/sql` section, and a
 * test checks the two agree.
 */

import { defineErrorCodes } from "@fleuve/core";

/** The codes `@fleuve/sql` raises, with a one-line meaning each (the same text as docs/errors.md). */
export const SQL_ERROR_CODES = defineErrorCodes("@fleuve/sql", {
  FLEUVE_SQL_SYNTAX:
    "The SQL text does not parse; the message points at the line and column and lists what was expected.",
  FLEUVE_SQL_UNSUPPORTED:
    "The statement parses but uses a feature Fleuve SQL does not run yet; the message names the feature.",
  FLEUVE_SQL_VALIDATION:
    "The statement parses but is not valid: an unknown table, column or function, a type mismatch, a bad option.",
});

// Makes FleuveError accept the SQL layer's codes wherever this package is loaded.
declare module "@fleuve/core" {
  interface ErrorCodeRegistry extends Record<keyof typeof SQL_ERROR_CODES.codes, true> {}
}
