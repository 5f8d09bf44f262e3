/** DATE_FORMAT: a TIMESTAMP or a timestamp text printed with a Java date pattern, as Flink 1.20. */

import { formatJavaTime } from "./java-time-format.js";
import { DEFAULT_FORMAT, parseWithFormat } from "./more-scalar-functions.js";
import { formatSimpleDate } from "./simple-date-format.js";

/**
 * DATE_FORMAT(timestamp, pattern): a TIMESTAMP (epoch ms, its wall-clock time read as UTC) is
 * printed with a java.time DateTimeFormatter pattern (Flink's DateTimeUtils.formatTimestamp); a
 * text is read as `yyyy-MM-dd HH:mm:ss` (SimpleDateFormat, lenient, extra text ignored) and printed
 * with a SimpleDateFormat pattern (formatTimestampString), NULL when it does not read. A bad
 * pattern fails with Java's message, naming the pattern.
 */
export function dateFormat(t: unknown, pattern: string): string | null {
  try {
    if (typeof t === "number") return formatJavaTime(t, pattern);
    const ms = parseWithFormat(String(t), DEFAULT_FORMAT, undefined, true);
    if (Number.isNaN(ms)) return null;
    return formatSimpleDate(ms, pattern);
  } catch (e) {
    throw new Error(`DATE_FORMAT with the pattern '${pattern}': ${(e as Error).message}`);
  }
}
