/**
 * Dates and times as Flink's json format writes them (RowDataToJsonConverters with TimeFormats),
 * under its option `'json.timestamp-format.standard'`: `SQL` (the default) or `ISO-8601`.
 *
 * - TIMESTAMP: `yyyy-MM-dd HH:mm:ss` (ISO-8601: a `T` for the space), then a fraction of second
 *   without its trailing zeros, none when it is zero (Java's `appendFraction(NANO_OF_SECOND, 0, 9,
 *   true)`): `.000` is written `2024-01-02 03:04:05`, `.120` as `...:05.12`; checked on Flink 1.20
 *   through a filesystem json sink.
 * - TIMESTAMP_LTZ: the instant in UTC, as TIMESTAMP, then `Z`.
 * - DATE: `yyyy-MM-dd`. TIME: `HH:mm:ss`, whole seconds (Flink writes no fraction of a TIME).
 *
 * SQL holds these values as numbers (epoch milliseconds; a TIME's milliseconds of the day), so a
 * fraction has at most 3 digits, cut to the column's precision as Flink's cast to the sink's type
 * cuts it.
 */

import type { DataType } from "../parser/ast.js";
import { formatDate, formatTime, formatTimestamp } from "../planner/values.js";

/** Flink's `'json.timestamp-format.standard'` values. */
export const TIMESTAMP_STANDARDS = ["SQL", "ISO-8601"] as const;

/** How the json format writes timestamps (see the file's comment). */
export type TimestampStandard = (typeof TIMESTAMP_STANDARDS)[number];

/**
 * The json text of a value of temporal atomic type `t` held as a number, in `standard`;
 * undefined for another type (its value is written as it is).
 */
export function jsonTemporalWriter(
  t: DataType,
  standard: TimestampStandard,
): ((v: unknown) => unknown) | undefined {
  if (t.kind !== "atomic") return undefined;
  const separator = standard === "SQL" ? " " : "T";
  switch (t.name) {
    case "DATE":
      return (v) => (typeof v === "number" ? formatDate(v) : v);
    case "TIME":
      return (v) => (typeof v === "number" ? formatTime(v) : v);
    case "TIMESTAMP":
    case "TIMESTAMP_LTZ": {
      // TIMESTAMP and TIMESTAMP_LTZ default to precision 6: every millisecond digit is kept.
      const precision = Math.min(3, t.args[0] ?? 6);
      const zone = t.name === "TIMESTAMP_LTZ" ? "Z" : "";
      return (v) => {
        if (typeof v !== "number" || !Number.isFinite(v)) return v;
        // `yyyy-MM-dd HH:mm:ss.SSS`: the fraction cut to the precision, without trailing zeros
        const text = formatTimestamp(v);
        const fraction = text.slice(20, 20 + precision).replace(/0+$/, "");
        return `${text.slice(0, 10)}${separator}${text.slice(11, 19)}${fraction === "" ? "" : `.${fraction}`}${zone}`;
      };
    }
    default:
      return undefined;
  }
}
