/** Formatting a time with a Java date pattern (DATE_FORMAT, FROM_UNIXTIME). */

import { parseTimestamp } from "./values.js";

/**
 * DATE_FORMAT(timestamp, format): the time (epoch ms, UTC, or a timestamp text) in a Java
 * DateTimeFormatter pattern: yyyy, yy, MM, M, dd, d, HH, H, mm, m, ss, s, SSS; text in '...' and
 * other characters as they are. NULL for an unreadable time.
 */
export function dateFormat(t: unknown, format: string): string | null {
  const ms = typeof t === "number" ? t : parseTimestamp(String(t));
  if (!Number.isFinite(ms)) return null;
  const d = new Date(ms);
  const fields: Record<string, number> = {
    y: d.getUTCFullYear(),
    M: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    H: d.getUTCHours(),
    m: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
    S: d.getUTCMilliseconds(),
  };
  let out = "";
  for (let i = 0; i < format.length; ) {
    const c = format[i] as string;
    if (c === "'") {
      const end = format.indexOf("'", i + 1);
      out += end < 0 ? format.slice(i + 1) : format.slice(i + 1, end);
      i = end < 0 ? format.length : end + 1;
      continue;
    }
    let n = 1;
    while (format[i + n] === c) n++;
    const v = fields[c];
    if (v === undefined) out += c.repeat(n);
    else if (c === "y" && n === 2) out += String(v % 100).padStart(2, "0");
    else out += String(v).padStart(n, "0");
    i += n;
  }
  return out;
}
