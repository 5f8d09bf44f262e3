/** Topic configuration defaults and validation. */

import { FleuveError } from "@fleuve/core";
import type { TopicConfig } from "./types.js";

/** Defaults for every topic config key (Kafka-like, scaled for a local log). */
export const DEFAULT_TOPIC_CONFIG: Readonly<TopicConfig> = Object.freeze({
  segmentBytes: 64 * 1024 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  // Unlike Kafka (7 days), keep data by default: retention goes by record timestamps, and jobs
  // replaying historical event time would otherwise lose whole segments on the first roll.
  retentionMs: -1,
  cleanupPolicy: "delete",
  deleteRetentionMs: 24 * 3600 * 1000,
  fsync: "interval",
  fsyncIntervalMs: 1000,
  indexIntervalBytes: 4096,
});

const MAX_SEGMENT_BYTES = 1024 * 1024 * 1024;

const INT_KEYS = [
  "segmentBytes",
  "segmentMs",
  "retentionBytes",
  "retentionMs",
  "deleteRetentionMs",
  "fsyncIntervalMs",
  "indexIntervalBytes",
] as const;

/** Merges `partial` over the defaults and checks every value; throws FLEUVE_CONFIG_INVALID naming the key. */
export function resolveTopicConfig(
  partial: Partial<TopicConfig> = {},
  base: TopicConfig = DEFAULT_TOPIC_CONFIG,
): TopicConfig {
  const c: TopicConfig = { ...base, ...partial };
  for (const k of Object.keys(partial)) {
    if (!(k in DEFAULT_TOPIC_CONFIG)) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `Unknown topic config "${k}"; known keys: ${Object.keys(DEFAULT_TOPIC_CONFIG).join(", ")}.`,
        {
          details: { option: k },
        },
      );
    }
  }
  for (const k of INT_KEYS) {
    const v = c[k];
    const min =
      k === "retentionBytes" || k === "retentionMs" ? -1 : k === "segmentBytes" || k === "segmentMs" ? 1 : 0;
    if (!Number.isSafeInteger(v) || v < min) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `Topic config ${k} must be an integer >= ${min}, got ${String(v)}.`,
        {
          details: { option: k, value: v },
        },
      );
    }
  }
  if (c.segmentBytes > MAX_SEGMENT_BYTES) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `Topic config segmentBytes must be at most ${MAX_SEGMENT_BYTES} (1 GiB; index positions are 32-bit), got ${c.segmentBytes}.`,
      { details: { option: "segmentBytes", value: c.segmentBytes } },
    );
  }
  if (!["delete", "compact", "compact,delete"].includes(c.cleanupPolicy)) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `Topic config cleanupPolicy must be "delete", "compact" or "compact,delete", got ${String(c.cleanupPolicy)}.`,
      {
        details: { option: "cleanupPolicy", value: c.cleanupPolicy },
      },
    );
  }
  if (c.fsync !== "every-batch" && c.fsync !== "interval") {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `Topic config fsync must be "every-batch" or "interval", got ${String(c.fsync)}.`,
      {
        details: { option: "fsync", value: c.fsync },
      },
    );
  }
  return c;
}
