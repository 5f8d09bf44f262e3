/**
 * A dead-letter topic on the embedded log: records rejected by the job's error policy are
 * appended with the error, the operator, the subtask, the record (or its original bytes, base64,
 * when it could not be deserialized) and the timestamps, as one JSON value per record.
 */
import { type DeadLetter, deadLetterJson, type ErrorPolicy, FleuveError } from "@fleuve/core";
import type { Log } from "../log.js";
import { acquireLog } from "./shared-log.js";

/** Options of {@link deadLetterTopic}. */
export interface DeadLetterTopicOptions {
  /** The log, or its directory. */
  readonly log: Log | string;
  /** The topic (created with one partition if missing). */
  readonly topic: string;
}

/**
 * An error policy that appends rejected records to a log topic, for
 * `StreamExecutionEnvironment.create({ errorPolicy: deadLetterTopic({ log, topic }) })`.
 */
export function deadLetterTopic(opts: DeadLetterTopicOptions): ErrorPolicy {
  if (typeof opts.topic !== "string" || opts.topic.length === 0) {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "deadLetterTopic: option 'topic' must name a topic", {
      details: { option: "topic" },
    });
  }
  return {
    deadLetter: (letter: DeadLetter) => {
      // Borrowed per letter: shared with the job's log sources and sinks while they run, and
      // never left open after the job (dead letters are rare; this policy has no lifecycle).
      const { log, release } = acquireLog(opts.log);
      try {
        log.ensureTopic(opts.topic, 1);
        log.append(opts.topic, [
          {
            key: Buffer.from(letter.operator),
            value: Buffer.from(JSON.stringify(deadLetterJson(letter))),
            timestamp: letter.failedAt,
          },
        ]);
      } finally {
        release();
      }
    },
  };
}
