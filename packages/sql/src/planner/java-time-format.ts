/**
 * A java.time.format.DateTimeFormatter pattern (DateTimeFormatter.ofPattern, English) applied to a
 * LocalDateTime, which is how Flink 1.20's DATE_FORMAT(TIMESTAMP, pattern) prints
 * (DateTimeUtils.formatTimestamp): the proleptic Gregorian calendar, Sunday-first weeks, Java's
 * letter-count rules and its error messages for a bad pattern or a zone letter.
 */

import { type CalendarFields, gregorianFields } from "./calendar-fields.js";

import { DAY_NAMES, MONTH_NAMES } from "./simple-date-format.js";

const QUARTER_NAMES = ["1st quarter", "2nd quarter", "3rd quarter", "4th quarter"];

/** A compiled pattern element: its text for a time, or undefined when the time lacks the field. */
type Printer = (f: CalendarFields) => string | undefined;

/** Java's appendValue(field, minWidth): zeros to the width (NOT_NEGATIVE and NORMAL alike here). */
const pad = (v: number, width: number) => String(v).padStart(width, "0");

/** Short, full or narrow text by a letter count of 1-3, 4 or 5. */
const text = (full: string, n: number, short = full.slice(0, 3)) =>
  n === 4 ? full : n === 5 ? full.slice(0, 1) : short;

function tooMany(c: string): Error {
  return new Error(`Too many pattern letters: ${c}`);
}

/** A year field: two digits for a count of 2, else at least `count` digits (19 at most). */
function yearPrinter(count: number, get: (f: CalendarFields) => number): Printer {
  if (count === 2) return (f) => pad(Math.abs(get(f) % 100), 2);
  if (count > 19) throw new Error(`The minimum width must be from 1 to 19 inclusive but was ${count}`);
  // Four letters or more (SignStyle.EXCEEDS_PAD): a + before a year wider than the count.
  return (f) => (count >= 4 && String(get(f)).length > count ? "+" : "") + pad(get(f), count);
}

/** A number of 1 to `max` letters: as it is for one letter, else zeros to the count. */
function numberPrinter(c: string, count: number, max: number, get: (f: CalendarFields) => number): Printer {
  if (count > max) throw tooMany(c);
  return (f) => pad(get(f), count);
}

/** English day period (CLDR en, as Java 17 prints 'B'): midnight, noon, morning, afternoon, ... */
function dayPeriod(f: CalendarFields, narrow: boolean): string {
  const minute = Math.floor(f.msOfDay / 60_000);
  if (minute === 0) return narrow ? "mi" : "midnight";
  if (minute === 720) return narrow ? "n" : "noon";
  if (minute >= 360 && minute < 720) return "in the morning";
  if (minute >= 720 && minute < 1080) return "in the afternoon";
  if (minute >= 1080 && minute < 1260) return "in the evening";
  return "at night";
}

const hourOf = (f: CalendarFields) => Math.floor(f.msOfDay / 3_600_000);

/** The printer of `count` letters `c`; throws Java's message for a count or letter it refuses. */
function fieldPrinter(c: string, count: number): Printer {
  switch (c) {
    case "G":
      if (count > 5) throw tooMany(c);
      return () => text("Anno Domini", count, "AD");
    case "y":
    case "u":
      return yearPrinter(count, (f) => f.year);
    case "Y":
      return yearPrinter(count, (f) => f.weekYear);
    case "M":
    case "L":
      if (count > 5) throw tooMany(c);
      return count <= 2 ? (f) => pad(f.month, count) : (f) => text(MONTH_NAMES[f.month - 1] as string, count);
    case "Q":
    case "q": {
      if (count > 5) throw tooMany(c);
      const q = (f: CalendarFields) => Math.floor((f.month - 1) / 3) + 1;
      if (count <= 2) return (f) => pad(q(f), count);
      return (f) =>
        count === 3 ? `Q${q(f)}` : count === 4 ? (QUARTER_NAMES[q(f) - 1] as string) : String(q(f));
    }
    case "E":
    case "e":
    case "c":
      if (count > 5) throw tooMany(c);
      if (c === "c" && count === 2) throw new Error('Invalid pattern "cc"');
      // e and c count Sunday as 1 (the locale's first day of the week).
      if (c !== "E" && count <= 2) return (f) => pad(f.weekday + 1, count);
      return (f) => text(DAY_NAMES[f.weekday] as string, count);
    case "a":
      if (count > 1) throw tooMany(c);
      return (f) => (f.msOfDay < 43_200_000 ? "AM" : "PM");
    case "B":
      if (count !== 1 && count !== 4 && count !== 5) throw new Error(`Wrong number of pattern letters: ${c}`);
      return (f) => dayPeriod(f, count === 5);
    case "S":
      if (count > 9) throw new Error(`Minimum width must be from 0 to 9 inclusive but was ${count}`);
      return (f) => pad((f.msOfDay % 1000) * 1_000_000, 9).slice(0, count);
    case "F":
      // ALIGNED_DAY_OF_WEEK_IN_MONTH: the day's place in its month's run of seven days from the 1st.
      return numberPrinter(c, count, 1, (f) => ((f.day - 1) % 7) + 1);
    case "W":
      return numberPrinter(c, count, 1, (f) => f.weekOfMonth);
    case "w":
      return numberPrinter(c, count, 2, (f) => f.weekOfYear);
    case "d":
      return numberPrinter(c, count, 2, (f) => f.day);
    case "D":
      return numberPrinter(c, count, 3, (f) => f.dayOfYear);
    case "H":
      return numberPrinter(c, count, 2, hourOf);
    case "k":
      return numberPrinter(c, count, 2, (f) => hourOf(f) || 24);
    case "K":
      return numberPrinter(c, count, 2, (f) => hourOf(f) % 12);
    case "h":
      return numberPrinter(c, count, 2, (f) => hourOf(f) % 12 || 12);
    case "m":
      return numberPrinter(c, count, 2, (f) => Math.floor(f.msOfDay / 60_000) % 60);
    case "s":
      return numberPrinter(c, count, 2, (f) => Math.floor(f.msOfDay / 1000) % 60);
    case "g":
      // The modified Julian day: days since 1858-11-17.
      return numberPrinter(c, count, 19, (f) => f.epochDay + 40_587);
    case "A":
      return numberPrinter(c, count, 19, (f) => f.msOfDay);
    case "n":
      return numberPrinter(c, count, 19, (f) => (f.msOfDay % 1000) * 1_000_000);
    case "N":
      return numberPrinter(c, count, 19, (f) => f.msOfDay * 1_000_000);
    case "z":
    case "V":
    case "v":
    case "Z":
    case "O":
    case "X":
    case "x":
      return zonePrinter(c, count);
    default:
      throw new Error(`Unknown pattern letter: ${c}`);
  }
}

/** A zone or offset letter: checked as Java checks its count, then absent from a LocalDateTime. */
function zonePrinter(c: string, count: number): Printer {
  if (c === "V" && count !== 2) throw new Error(`Pattern letter count must be 2: ${c}`);
  if (c === "v" && count !== 1 && count !== 4) throw new Error(`Wrong number of pattern letters: ${c}`);
  if (c === "O" && count !== 1 && count !== 4) throw new Error(`Pattern letter count must be 1 or 4: ${c}`);
  if (count > (c === "z" ? 4 : 5)) throw tooMany(c);
  return () => undefined;
}

/** Why a zone letter outside an optional section fails on a LocalDateTime, as Java says it. */
function zoneError(c: string, f: CalendarFields): Error {
  if (c === "z" || c === "V" || c === "v")
    return new Error(`Unable to extract ZoneId from temporal ${localDateTimeText(f)}`);
  return new Error("Unsupported field: OffsetSeconds");
}

/** LocalDateTime.toString(): 2024-01-02T03:04, then :05 and .678 when not zero. */
function localDateTimeText(f: CalendarFields): string {
  const s = Math.floor(f.msOfDay / 1000) % 60;
  const ms = f.msOfDay % 1000;
  const clock = `${pad(hourOf(f), 2)}:${pad(Math.floor(f.msOfDay / 60_000) % 60, 2)}`;
  const tail = s === 0 && ms === 0 ? "" : `:${pad(s, 2)}${ms === 0 ? "" : `.${pad(ms, 3)}`}`;
  return `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}T${clock}${tail}`;
}

/** A compiled pattern: elements and optional sections ([...]), printed all or nothing. */
interface Section {
  readonly items: (Printer | Section | { zone: string })[];
}

/** DateTimeFormatterBuilder.appendPattern's reading of a pattern; throws Java's message. */
function compile(pattern: string): Section {
  const root: Section = { items: [] };
  const stack: Section[] = [root];
  const top = () => stack[stack.length - 1] as Section;
  for (let pos = 0; pos < pattern.length; pos++) {
    let c = pattern[pos] as string;
    if (/[A-Za-z]/.test(c)) {
      let start = pos++;
      while (pattern[pos] === c) pos++;
      let count = pos - start;
      let padWidth = 0;
      if (c === "p") {
        const next = pattern[pos];
        if (next !== undefined && /[A-Za-z]/.test(next)) {
          padWidth = count;
          c = next;
          start = pos++;
          while (pattern[pos] === c) pos++;
          count = pos - start;
        }
        if (padWidth === 0)
          throw new Error(`Pad letter 'p' must be followed by valid pad pattern: ${pattern}`);
      }
      const printer = fieldPrinter(c, count);
      const zone = "zVvZOXx".includes(c);
      if (zone) top().items.push({ zone: c });
      else top().items.push(padWidth === 0 ? printer : (f) => printer(f)?.padStart(padWidth, " "));
      pos--;
    } else if (c === "'") {
      const start = pos++;
      for (; pos < pattern.length; pos++) {
        if (pattern[pos] === "'") {
          if (pattern[pos + 1] === "'") pos++;
          else break;
        }
      }
      if (pos >= pattern.length)
        throw new Error(`Pattern ends with an incomplete string literal: ${pattern}`);
      const literal = pattern.slice(start + 1, pos);
      const out = literal === "" ? "'" : literal.replaceAll("''", "'");
      top().items.push(() => out);
    } else if (c === "[") {
      const section: Section = { items: [] };
      top().items.push(section);
      stack.push(section);
    } else if (c === "]") {
      if (stack.length === 1) throw new Error("Pattern invalid as it contains ] without previous [");
      stack.pop();
    } else if (c === "{" || c === "}" || c === "#") {
      throw new Error(`Pattern includes reserved character: '${c}'`);
    } else {
      const out = c;
      top().items.push(() => out);
    }
  }
  return root;
}

/** A section's text, or undefined when an optional one holds a zone letter (skipped, as Java). */
function print(section: Section, f: CalendarFields, optional: boolean): string | undefined {
  let out = "";
  for (const item of section.items) {
    let s: string | undefined;
    if (typeof item === "function") s = item(f);
    else if ("zone" in item) {
      if (!optional) throw zoneError(item.zone, f);
      return undefined;
    } else s = print(item, f, true) ?? "";
    out += s ?? "";
  }
  return out;
}

const compiled = new Map<string, Section>();

/**
 * The wall-clock time `ms` (epoch milliseconds read as UTC) printed with a DateTimeFormatter
 * pattern, as Flink's DATE_FORMAT(TIMESTAMP, pattern). Throws Java's message for a bad pattern
 * (`Unknown pattern letter: T`) and for a zone letter (a TIMESTAMP has no zone).
 */
export function formatJavaTime(ms: number, pattern: string): string {
  let section = compiled.get(pattern);
  if (section === undefined) {
    section = compile(pattern);
    // Patterns are usually literals: a small cache, cleared rather than grown without bound.
    if (compiled.size >= 256) compiled.clear();
    compiled.set(pattern, section);
  }
  return print(section, gregorianFields(ms), false) ?? "";
}
