/**
 * A java.text.SimpleDateFormat pattern (English, zone UTC) applied to an instant, as Flink 1.20
 * prints DATE_FORMAT(STRING, pattern) and FROM_UNIXTIME (DateTimeUtils.formatTimestampString,
 * formatTimestampMillis): GregorianCalendar's Julian-then-Gregorian calendar, Sunday-first weeks,
 * `u` the day number of the week (Monday 1), every letter count accepted.
 */

import { type CalendarFields, hybridFields } from "./calendar-fields.js";

/** English day names, Sunday first. */
export const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
/** English month names. */
export const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** SimpleDateFormat's pattern letters. */
const LETTERS = "GyMdkHmsSEDFwWahKzZYuXL";

type Token = string | { readonly letter: string; readonly count: number };

/** SimpleDateFormat.compile's reading of a pattern; throws Java's message for a bad one. */
function compile(pattern: string): Token[] {
  const out: Token[] = [];
  let quoted = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "'") {
      // '' is a quote, inside quotes or out; a lone ' opens or closes quoted text.
      if (pattern[i + 1] === "'") {
        out.push("'");
        i++;
      } else quoted = !quoted;
    } else if (quoted || !/[A-Za-z]/.test(c)) out.push(c);
    else {
      if (!LETTERS.includes(c)) throw new Error(`Illegal pattern character '${c}'`);
      let count = 1;
      while (pattern[i + count] === c) count++;
      if (c === "X" && count > 3) throw new Error(`invalid ISO 8601 format: length=${count}`);
      out.push({ letter: c, count });
      i += count - 1;
    }
  }
  if (quoted) throw new Error("Unterminated quote");
  return out;
}

const pad = (v: number, width: number) => String(v).padStart(width, "0");

/** One letter run's text (the zone is always UTC here). */
function field(letter: string, count: number, f: CalendarFields): string {
  const hour = Math.floor(f.msOfDay / 3_600_000);
  const word = (full: string) => (count >= 4 ? full : full.slice(0, 3));
  switch (letter) {
    case "G":
      return "AD";
    case "y":
    case "Y": {
      const y = letter === "y" ? f.year : f.weekYear;
      return count === 2 ? pad(y % 100, 2) : pad(y, count);
    }
    case "M":
    case "L":
      return count >= 3 ? word(MONTH_NAMES[f.month - 1] as string) : pad(f.month, count);
    case "E":
      return word(DAY_NAMES[f.weekday] as string);
    case "a":
      return hour < 12 ? "AM" : "PM";
    case "z":
      return count >= 4 ? "Coordinated Universal Time" : "UTC";
    case "Z":
      return "+0000";
    case "X":
      return "Z";
    default:
      return pad(NUMBERS[letter]?.(f, hour) ?? 0, count);
  }
}

/** The numeric letters' values: k is 24 at midnight, h 12, u counts Monday as 1. */
const NUMBERS: Record<string, (f: CalendarFields, hour: number) => number> = {
  d: (f) => f.day,
  D: (f) => f.dayOfYear,
  F: (f) => Math.floor((f.dayInMonth - 1) / 7) + 1,
  w: (f) => f.weekOfYear,
  W: (f) => f.weekOfMonth,
  u: (f) => f.weekday || 7,
  H: (_, h) => h,
  k: (_, h) => h || 24,
  K: (_, h) => h % 12,
  h: (_, h) => h % 12 || 12,
  m: (f) => Math.floor(f.msOfDay / 60_000) % 60,
  s: (f) => Math.floor(f.msOfDay / 1000) % 60,
  S: (f) => f.msOfDay % 1000,
};

const compiled = new Map<string, Token[]>();

/**
 * The instant `ms` printed with a SimpleDateFormat pattern in UTC, as Flink's FROM_UNIXTIME and
 * DATE_FORMAT(STRING, pattern). Throws Java's message for a bad pattern (`Illegal pattern character 'T'`).
 */
export function formatSimpleDate(ms: number, pattern: string): string {
  let tokens = compiled.get(pattern);
  if (tokens === undefined) {
    tokens = compile(pattern);
    // Patterns are usually literals: a small cache, cleared rather than grown without bound.
    if (compiled.size >= 256) compiled.clear();
    compiled.set(pattern, tokens);
  }
  const f = hybridFields(ms);
  let out = "";
  for (const t of tokens) out += typeof t === "string" ? t : field(t.letter, t.count, f);
  return out;
}
