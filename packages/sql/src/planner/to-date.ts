/**
 * Flink's TO_DATE(string1[, string2]): a date string to a DATE (epoch ms of its midnight, UTC).
 * Without a format it reads `y[-m[-d]]` as Flink's DateTimeUtils.parseDate(String) does; with one
 * it reads a java.text.SimpleDateFormat pattern in UTC, as UNIX_TIMESTAMP reads it.
 */

import { atomic } from "./data-types.js";
import { parseWithFormat } from "./more-scalar-functions.js";
import { javaTrim } from "./number-text.js";
import type { ScalarFunction } from "./scalar-functions.js";
import { dateOf } from "./values.js";

const DAY_MS = 86_400_000;

/** Flink's isInteger: one or more ASCII digits. */
const digits = (s: string) => /^[0-9]+$/.test(s);

/** The days of month `m` (1-12) of year `y` in the proleptic Gregorian calendar. */
function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * The DATE of `y`, `y-m` or `y-m-d` (each part trimmed, digits only; anything after the first
 * space ignored, so a timestamp string gives its date), NULL when a part is not digits or the date
 * does not exist (year 0 to 9999), as Flink's DateTimeUtils.parseDate(String).
 */
export function parseDateText(text: string): number | null {
  const space = text.indexOf(" ");
  const s = space > 0 ? text.slice(0, space) : text;
  const parts = s.split("-", 3);
  // More than two hyphens leave the rest in the day part, which then fails the digits check.
  if (parts.length === 3) parts[2] = s.slice((parts[0] as string).length + (parts[1] as string).length + 2);
  const fields = parts.map(javaTrim);
  if (!fields.every(digits)) return null;
  const [y, m = 1, d = 1] = fields.map(Number) as [number, number?, number?];
  if (y < 0 || y > 9999 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  // setUTCFullYear, not Date.UTC, which reads years 0 to 99 as 1900 to 1999.
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return Math.floor(date.getTime() / DAY_MS) * DAY_MS;
}

/**
 * TO_DATE. With a format, text that does not match gives NULL (Flink gives the date of
 * Long.MIN_VALUE milliseconds, year -292275055, which a DATE here cannot hold).
 */
export const toDate: ScalarFunction = {
  minArgs: 1,
  maxArgs: 2,
  type: atomic("DATE"),
  fn: ([s, f]) => {
    if (f === undefined) return parseDateText(String(s));
    const ms = parseWithFormat(String(s), String(f));
    return Number.isNaN(ms) ? null : dateOf(ms);
  },
};
