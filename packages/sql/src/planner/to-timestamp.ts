/**
 * Flink 1.20's TO_TIMESTAMP(string[, format]) (DateTimeUtils.parseTimestampData): without a format
 * the text read by its default formatter (values.ts's parseTimestamp); with one, the text read
 * with the DateTimeFormatter pattern, and when that fails, as Flink falls back, read by
 * `java.sql.Timestamp.valueOf` (text with a space) or `java.sql.Date.valueOf` (without), which are
 * lenient: `2024-3-5 1:2:3` and `2024-04-31 10:00:00` (May 1st) are read whatever the format.
 */

import { atomic } from "./data-types.js";
import { formatJavaTime } from "./java-time-format.js";
import { parseWithFormat } from "./more-scalar-functions.js";
import { javaTrim } from "./number-text.js";
import type { ScalarFunction } from "./scalar-functions.js";
import { parseTimestamp } from "./values.js";

/** Java's Integer.parseInt of a field: digits with an optional sign; NaN otherwise. */
const int = (s: string | undefined) => (s !== undefined && /^[+-]?\d+$/.test(s) ? Number(s) : Number.NaN);

/**
 * `java.sql.Timestamp.valueOf(text)` (with a space) or `java.sql.Date.valueOf(text)` (without) on
 * the trimmed text, as epoch ms read as UTC: `yyyy-[m]m-[d]d[ h:m:s[.f]]`, a month 1-12 and day
 * 1-31, past the month's end or the day's hours rolled over (java.util.Date is lenient); NaN when
 * Java refuses the text.
 */
export function javaSqlTimestamp(text: string): number {
  const s = javaTrim(text);
  const space = s.indexOf(" ");
  const date = space >= 0 ? s.slice(0, space) : s;
  const d = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(date);
  if (d === null) return Number.NaN;
  const [y, mo, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  if (mo < 1 || mo > 12 || day < 1 || day > 31) return Number.NaN;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let ms = 0;
  if (space >= 0) {
    const time = s.slice(space + 1);
    const c1 = time.indexOf(":");
    const c2 = time.indexOf(":", c1 + 1);
    if (c1 <= 0 || c2 <= c1 + 1) return Number.NaN;
    const dot = time.indexOf(".", c2 + 1);
    h = int(time.slice(0, c1));
    mi = int(time.slice(c1 + 1, c2));
    if (dot > 0) {
      const frac = time.slice(dot + 1);
      if (!/^\d{1,9}$/.test(frac)) return Number.NaN;
      sec = int(time.slice(c2 + 1, dot));
      ms = Number(frac.padEnd(9, "0").slice(0, 3));
    } else sec = int(time.slice(c2 + 1));
    if (Number.isNaN(h + mi + sec)) return Number.NaN;
  }
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, day);
  t.setUTCHours(h, mi, sec, ms);
  return t.getTime();
}

/**
 * The text read with DateTimeFormatter pattern `format`: NaN unless the pattern reads all of it
 * (the value printed back with the pattern is the text, so field widths and literal parts match
 * and nothing is left over).
 */
function withPattern(text: string, format: string): number {
  const ms = parseWithFormat(text, format);
  if (Number.isNaN(ms)) return ms;
  try {
    return formatJavaTime(ms, format) === text ? ms : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** TO_TIMESTAMP(text[, format]): a TIMESTAMP(3), NULL for text neither way reads. */
export const toTimestamp: ScalarFunction = {
  minArgs: 1,
  maxArgs: 2,
  type: atomic("TIMESTAMP", [3]),
  fn: ([s, f]) => {
    const text = String(s);
    let ms = f === undefined ? parseTimestamp(text) : withPattern(text, String(f));
    if (Number.isNaN(ms) && f !== undefined) ms = javaSqlTimestamp(text);
    return Number.isNaN(ms) ? null : ms;
  },
};
