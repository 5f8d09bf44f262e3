/**
 * The embedded log's error codes. They are the log's own (core does not list them); docs/errors.md
 * documents them in its `@fleuve/log` section, and a test checks the two agree.
 */

import { defineErrorCodes } from "@fleuve/core";

/** The codes the embedded log raises, with a one-line meaning each (the same text as docs/errors.md). */
export const LOG_ERROR_CODES = defineErrorCodes("@fleuve/log", {
  FLEUVE_LOG_CORRUPT: "An embedded log segment failed its checksum beyond the recoverable tail.",
  FLEUVE_LOG_TOPIC_NOT_FOUND: "The named topic does not exist in the embedded log.",
  FLEUVE_LOG_TOPIC_EXISTS: "A topic with that name already exists in the embedded log.",
  FLEUVE_LOG_TRANSACTION_INVALID:
    "A transactional operation was called in the wrong state or with a fenced producer.",
  FLEUVE_LOG_OFFSET_OUT_OF_RANGE: "A read asked for an offset below the log start or beyond its end.",
  FLEUVE_LOG_LOCKED:
    "Another process (or Log instance) already has the embedded log directory open for writing.",
  FLEUVE_LOG_RECORD_INVALID: "A record cannot be appended as given (e.g. a null key on a compacted topic).",
  FLEUVE_LOG_READ_ONLY: "A write was attempted through an embedded log opened read-only.",
});

// Makes FleuveError accept the log's codes wherever this package is loaded.
declare module "@fleuve/core" {
  interface ErrorCodeRegistry extends Record<keyof typeof LOG_ERROR_CODES.codes, true> {}
}
