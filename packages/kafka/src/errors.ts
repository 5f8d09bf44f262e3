/**
 * The Kafka connector's error codes. They are this package's own (core does not list them);
 * docs/errors.md documents them in its `@fleuve/kafka` section, and a test checks the two agree.
 */

import { defineErrorCodes } from "@fleuve/core";

/** The codes the Kafka layer raises, with a one-line meaning each (the same text as docs/errors.md). */
export const KAFKA_ERROR_CODES = defineErrorCodes("@fleuve/kafka", {
  FLEUVE_KAFKA_UNREACHABLE: "The Kafka broker could not be reached at the address given.",
  FLEUVE_KAFKA_TOPIC_NOT_FOUND:
    "A Kafka topic that a source, a sink or a command names does not exist on the cluster.",
  FLEUVE_KAFKA_TIMEOUT: "The Kafka cluster answered but did not finish an operation in time.",
});

// Makes FleuveError accept Kafka's codes wherever this package is loaded.
declare module "@fleuve/core" {
  interface ErrorCodeRegistry extends Record<keyof typeof KAFKA_ERROR_CODES.codes, true> {}
}
