/**
 * Flink's time-conversion, regular-expression, map, hash and random scalar functions:
 * UNIX_TIMESTAMP, FROM_UNIXTIME, TIMESTAMPADD, TIMESTAMPDIFF, REGEXP, REGEXP_REPLACE, STR_TO_MAP,
 * MD5, SHA1, SHA224, SHA256, SHA384, SHA512, SHA2, UUID, RAND, RAND_INTEGER. They join
 * {@link SCALAR_FUNCTIONS}; the ones that need to see their call site (a literal argument checked
 * when the query is planned, the unit keyword of TIMESTAMPADD, the seeded generator of RAND) say
 * so with `atSite`.
 */

import { createHash, randomUUID } from "node:crypto";
import type { DataType, Expr } from "../parser/ast.js";
import { hybridDay } from "./calendar-fields.js";
import { jobClock } from "./clock.js";
import { atomic } from "./data-types.js";
import { addMonths } from "./intervals.js";
import { narrowed } from "./number-casts.js";
import { invalid, unsupported } from "./problems.js";
import type { ScalarFunction } from "./scalar-functions.js";
import { formatSimpleDate } from "./simple-date-format.js";
import { setColumn } from "./values.js";
import { sessionZone, type Zone } from "./zone.js";

const STRING = atomic("STRING");
const BIGINT = atomic("BIGINT");
const INT = atomic("INT");
const DOUBLE = atomic("DOUBLE");
const BOOLEAN = atomic("BOOLEAN");
const TIMESTAMP = atomic("TIMESTAMP", [3]);
const STRING_MAP: DataType = { kind: "map", key: STRING, value: STRING, notNull: false };

/** A literal argument's value when the query is planned: `undefined` when the argument is not a literal. */
function literal(e: Expr | undefined): { value: unknown } | undefined {
  if (e === undefined) return undefined;
  if (e.kind === "literal")
    return { value: e.type === "null" ? null : e.type === "number" ? Number(e.text) : e.value };
  if (e.kind === "unary" && e.op === "-" && e.operand.kind === "literal" && e.operand.type === "number")
    return { value: -Number(e.operand.text) };
  return undefined;
}

/** The name of a type as argument-type errors write it: `INT`, `TIMESTAMP`, `array`, `map`... */
export const typeName = (t: DataType | undefined) => (t?.kind === "atomic" ? t.name : t?.kind);

// ---------------------------------------------------------------------------------------------
// UNIX_TIMESTAMP, FROM_UNIXTIME: java.text.SimpleDateFormat patterns in the session time zone (UTC).

/** What UNIX_TIMESTAMP gives for a string it cannot parse: Java's Long.MIN_VALUE, as Flink. */
export const UNPARSEABLE_TIMESTAMP = -(2 ** 63);

/** SimpleDateFormat pattern of UNIX_TIMESTAMP, FROM_UNIXTIME and CONVERT_TZ without a format. */
export const DEFAULT_FORMAT = "yyyy-MM-dd HH:mm:ss";
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

type FormatToken = { readonly text: string } | { readonly letter: string; readonly n: number };

/** A SimpleDateFormat pattern's tokens: letter runs and literal text ('quoted' or not a letter). */
function tokens(format: string): FormatToken[] {
  const out: FormatToken[] = [];
  for (let i = 0; i < format.length; ) {
    const c = format[i] as string;
    if (c === "'") {
      // '' is a quote; 'text' is literal text.
      if (format[i + 1] === "'") {
        out.push({ text: "'" });
        i += 2;
        continue;
      }
      const end = format.indexOf("'", i + 1);
      out.push({ text: end < 0 ? format.slice(i + 1) : format.slice(i + 1, end) });
      i = end < 0 ? format.length : end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let n = 1;
      while (format[i + n] === c) n++;
      out.push({ letter: c, n });
      i += n;
    } else {
      out.push({ text: c });
      i++;
    }
  }
  return out;
}

const NUMERIC = new Set(["y", "M", "d", "H", "h", "k", "K", "m", "s", "S", "D"]);
const PARSED = new Set([...NUMERIC, "a", "E", "X", "Z", "x", "z"]);

/** Checks a UNIX_TIMESTAMP format: the letters it can parse. */
function checkParseFormat(format: string): string | undefined {
  for (const t of tokens(format))
    if ("letter" in t && !PARSED.has(t.letter))
      return `the pattern letter '${t.letter}' is not supported (supported: y M d D H h k K m s S a E X Z x)`;
  return undefined;
}

/**
 * Epoch milliseconds of `text` read with a SimpleDateFormat pattern, as Flink's UNIX_TIMESTAMP
 * reads it (SimpleDateFormat.parse, lenient): a numeric field takes all its digits unless the next
 * field is numeric too (then exactly its width), out-of-range fields roll over (month 13 is the next
 * January), text after the pattern is ignored, a zone offset (X, Z) wins over the session zone.
 * `hybrid` reads a year-month-day before 1582-10-15 on the Julian calendar, as GregorianCalendar
 * (DATE_FORMAT of a text); it is proleptic Gregorian otherwise. NaN when the text does not match.
 */
export function parseWithFormat(text: string, format: string, zone?: Zone, hybrid = false): number {
  const toks = tokens(format);
  let pos = 0;
  let y = 1970;
  let mo = 1;
  let d = 1;
  let doy: number | undefined;
  let h = 0;
  let mi = 0;
  let s = 0;
  let ms = 0;
  let pm: boolean | undefined;
  let twelve = false;
  let offsetMin: number | undefined;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as FormatToken;
    if ("text" in t) {
      if (!text.startsWith(t.text, pos)) return Number.NaN;
      pos += t.text.length;
      continue;
    }
    const { letter, n } = t;
    if (letter === "M" && n >= 3) {
      const word = /^[A-Za-z]+/.exec(text.slice(pos))?.[0] ?? "";
      const k = MONTHS.findIndex((m) => word.toLowerCase().startsWith(m));
      if (k < 0) return Number.NaN;
      mo = k + 1;
      pos += word.length;
      continue;
    }
    if (NUMERIC.has(letter)) {
      const next = toks[i + 1];
      const abutting = next !== undefined && "letter" in next && NUMERIC.has(next.letter);
      // SimpleDateFormat.subParse skips spaces and tabs before a number, no other white space
      // (bench/flink: '2024/\t01/02' reads as 'yyyy/MM/dd', '2024/\n01/02' does not).
      const blank = /^[ \t]*/.exec(text.slice(pos))?.[0].length ?? 0;
      pos += blank;
      const digits = /^\d+/.exec(text.slice(pos))?.[0];
      if (digits === undefined) return Number.NaN;
      const taken = abutting ? digits.slice(0, n) : digits;
      if (abutting && taken.length < n) return Number.NaN;
      pos += taken.length;
      const v = Number(taken);
      if (letter === "y") {
        // SimpleDateFormat: a two-digit year in a y/yy field falls within 80 years before and 20 after now.
        if (n <= 2 && taken.length === 2) {
          const now = new Date().getUTCFullYear();
          y = 2000 + v >= now + 20 ? 1900 + v : 2000 + v;
        } else y = v;
      } else if (letter === "M") mo = v;
      else if (letter === "d") d = v;
      else if (letter === "D") doy = v;
      else if (letter === "H") h = v;
      else if (letter === "k") h = v === 24 ? 0 : v;
      else if (letter === "h") {
        h = v === 12 ? 0 : v;
        twelve = true;
      } else if (letter === "K") {
        h = v;
        twelve = true;
      } else if (letter === "m") mi = v;
      else if (letter === "s") s = v;
      else ms = v;
      continue;
    }
    if (letter === "a") {
      const w = text.slice(pos, pos + 2).toUpperCase();
      if (w !== "AM" && w !== "PM") return Number.NaN;
      pm = w === "PM";
      pos += 2;
      continue;
    }
    if (letter === "E") {
      const word = /^[A-Za-z]+/.exec(text.slice(pos))?.[0];
      if (word === undefined) return Number.NaN;
      pos += word.length;
      continue;
    }
    // X, Z, x, z: Z (UTC), [GMT|UTC]+hh[[:]mm].
    const m = /^(?:Z(?![0-9])|(?:GMT|UTC)?([+-])(\d{2}):?(\d{2})?)/.exec(text.slice(pos));
    if (m === null) return Number.NaN;
    offsetMin = m[1] === undefined ? 0 : (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
    pos += m[0].length;
  }
  if (twelve && pm === true) h += 12;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0 to 99 as 1900 to 1999; both roll over.
  if (doy !== undefined) date.setUTCFullYear(y, 0, doy);
  else if (hybrid) date.setTime(hybridDay(y, mo, d) * 86_400_000);
  else date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  if (offsetMin !== undefined) return date.getTime() - offsetMin * 60_000;
  return zone === undefined ? date.getTime() : zone.toUtc(date.getTime());
}

function unixTimestampOf(text: string, format: string, zone?: Zone): number {
  const ms = parseWithFormat(text, format, zone);
  return Number.isNaN(ms) ? UNPARSEABLE_TIMESTAMP : Math.floor(ms / 1000);
}

const unixTimestamp: ScalarFunction = {
  minArgs: 0,
  maxArgs: 2,
  type: BIGINT,
  fn: ([s, f]) => unixTimestampOf(String(s), f === undefined ? DEFAULT_FORMAT : String(f)),
  atSite: ({ args, pos }) => {
    if (args.length === 0) {
      // The current time in seconds, per record from the job's clock, as CURRENT_TIMESTAMP.
      const now = jobClock();
      return { fn: () => Math.floor(now() / 1000) };
    }
    const f = literal(args[1]);
    if (f !== undefined && typeof f.value === "string") {
      const bad = checkParseFormat(f.value);
      if (bad !== undefined) throw unsupported(`UNIX_TIMESTAMP's format '${f.value}': ${bad}`, pos);
    }
    // The text is a wall-clock time of the session zone (unless it has an offset).
    const zone = sessionZone();
    return {
      ...(zone === undefined
        ? {}
        : {
            fn: ([s, f]: unknown[]) =>
              unixTimestampOf(String(s), f === undefined ? DEFAULT_FORMAT : String(f), zone),
          }),
      type: (types) => {
        for (const [i, t] of types.entries())
          if (
            t !== undefined &&
            typeName(t) !== "STRING" &&
            typeName(t) !== "VARCHAR" &&
            typeName(t) !== "CHAR"
          )
            throw invalid(
              `UNIX_TIMESTAMP takes strings: argument ${i + 1} is ${typeName(t)} (cast a timestamp to STRING first)`,
              pos,
            );
        return BIGINT;
      },
    };
  },
};

const fromUnixtime: ScalarFunction = {
  minArgs: 1,
  maxArgs: 2,
  type: STRING,
  fn: ([n, f]) =>
    formatSimpleDate(Math.trunc(Number(n)) * 1000, f === undefined ? DEFAULT_FORMAT : String(f)),
  atSite: () => {
    // The instant as a wall-clock time of the session zone.
    const zone = sessionZone();
    if (zone === undefined) return {};
    const toLocal = zone.toLocal;
    return {
      fn: ([n, f]) =>
        formatSimpleDate(toLocal(Math.trunc(Number(n)) * 1000), f === undefined ? DEFAULT_FORMAT : String(f)),
    };
  },
};

// ---------------------------------------------------------------------------------------------
// TIMESTAMPADD, TIMESTAMPDIFF.

const DAY_MS = 86_400_000;
/** Milliseconds of the day-time units; the year-month ones count months. */
const UNIT_MS: Record<string, number> = {
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: DAY_MS,
  WEEK: 7 * DAY_MS,
};
const UNIT_MONTHS: Record<string, number> = { MONTH: 1, QUARTER: 3, YEAR: 12 };

/** The unit keyword that is TIMESTAMPADD's and TIMESTAMPDIFF's first argument. */
function unitOf(name: string, e: Expr | undefined, pos: ScalarSitePos): string {
  const word =
    e?.kind === "column" && e.name.parts.length === 1 ? (e.name.parts[0] as string).toUpperCase() : undefined;
  const unit = word?.startsWith("SQL_TSI_") ? word.slice(8) : word;
  if (unit === undefined || (UNIT_MS[unit] === undefined && UNIT_MONTHS[unit] === undefined))
    throw invalid(
      `${name}'s first argument must be a time unit: SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER or YEAR${word === undefined ? "" : `, not ${word}`}`,
      pos,
    );
  return unit;
}

type ScalarSitePos = Parameters<NonNullable<ScalarFunction["atSite"]>>[0]["pos"];

function checkTimeArg(name: string, i: number, t: DataType | undefined, pos: ScalarSitePos): void {
  const n = typeName(t);
  if (t !== undefined && n !== "TIMESTAMP" && n !== "TIMESTAMP_LTZ" && n !== "DATE")
    throw invalid(`${name}'s argument ${i} must be a TIMESTAMP, TIMESTAMP_LTZ or DATE, not ${n}`, pos);
}

const timestampAdd: ScalarFunction = {
  minArgs: 3,
  maxArgs: 3,
  fn: () => null,
  atSite: ({ name, args, pos }) => {
    const unit = unitOf(name, args[0], pos);
    const perMs = UNIT_MS[unit];
    const perMonths = UNIT_MONTHS[unit] ?? 0;
    return {
      args: args.slice(1),
      fn: ([n, t]) =>
        perMs !== undefined
          ? (t as number) + Math.trunc(Number(n)) * perMs
          : addMonths(t as number, Math.trunc(Number(n)) * perMonths),
      type: ([nt, tt]) => {
        const n = typeName(nt);
        if (nt !== undefined && !["TINYINT", "SMALLINT", "INT", "BIGINT"].includes(n ?? ""))
          throw invalid(`${name}'s argument 2 (the count of units) must be an integer, not ${n}`, pos);
        checkTimeArg(name, 3, tt, pos);
        // A DATE moved by hours, minutes or seconds is a TIMESTAMP, as in Calcite.
        return typeName(tt) === "DATE" && perMs !== undefined && perMs < DAY_MS ? TIMESTAMP : tt;
      },
    };
  },
};

/** Whole months from `t1` to `t0` (epoch ms), as Calcite's DateTimeUtils.subtractMonths(long, long). */
export function subtractMonths(t0: number, t1: number): number {
  const millis0 = ((t0 % DAY_MS) + DAY_MS) % DAY_MS;
  const millis1 = ((t1 % DAY_MS) + DAY_MS) % DAY_MS;
  const d0 = (t0 - millis0) / DAY_MS;
  const d1 = (t1 - millis1) / DAY_MS;
  let x = subtractMonthDays(d0, d1);
  const d2 = addMonths(d1 * DAY_MS, x) / DAY_MS;
  if (d2 === d0 && millis0 < millis1) x--;
  return x;
}

function subtractMonthDays(date0: number, date1: number): number {
  if (date0 < date1) return -subtractMonthDays(date1, date0);
  // Never above the true value: no month is longer than 31 days.
  let m = Math.trunc((date0 - date1) / 31);
  for (;;) {
    if (addMonths(date1 * DAY_MS, m) / DAY_MS >= date0) return m;
    if (addMonths(date1 * DAY_MS, m + 1) / DAY_MS > date0) return m;
    m++;
  }
}

const timestampDiff: ScalarFunction = {
  minArgs: 3,
  maxArgs: 3,
  type: INT,
  fn: () => null,
  atSite: ({ name, args, pos }) => {
    const unit = unitOf(name, args[0], pos);
    const perMs = UNIT_MS[unit];
    const perMonths = UNIT_MONTHS[unit] ?? 1;
    return {
      args: args.slice(1),
      // Truncated toward zero, as Java's integer division, then an INT: wrapped to 32 bits as
      // Flink's (int) cast of its long difference (TIMESTAMPDIFF(SECOND) over 124 years is
      // -379319296 in Flink 1.20); `| 0` also makes -0 a 0.
      fn: ([a, b]) =>
        perMs !== undefined
          ? Math.trunc(((b as number) - (a as number)) / perMs) | 0
          : Math.trunc(subtractMonths(b as number, a as number) / perMonths) | 0,
      type: ([at, bt]) => {
        checkTimeArg(name, 2, at, pos);
        checkTimeArg(name, 3, bt, pos);
        // Flink subtracts a TIMESTAMP_LTZ (an instant) from another one only, in every zone.
        if (
          at !== undefined &&
          bt !== undefined &&
          (typeName(at) === "TIMESTAMP_LTZ") !== (typeName(bt) === "TIMESTAMP_LTZ")
        )
          throw invalid(
            `${name} of a ${typeName(at)} and a ${typeName(bt)}: a TIMESTAMP_LTZ is only compared with another TIMESTAMP_LTZ (as in Flink); CAST the other argument AS TIMESTAMP_LTZ(3), or the TIMESTAMP_LTZ AS TIMESTAMP(3)`,
            pos,
          );
        return INT;
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Java regular expressions in JavaScript.

/** POSIX classes of java.util.regex (ASCII), as JavaScript class bodies. */
const POSIX: Record<string, string> = {
  Lower: "a-z",
  Upper: "A-Z",
  ASCII: "\\x00-\\x7F",
  Alpha: "a-zA-Z",
  Digit: "0-9",
  Alnum: "a-zA-Z0-9",
  Punct: "!-\\/:-@\\[-`{-~",
  Graph: "!-~",
  Print: " -~",
  Blank: " \\t",
  Cntrl: "\\x00-\\x1F\\x7F",
  XDigit: "0-9a-fA-F",
  Space: " \\t\\n\\x0B\\f\\r",
};

/** Java's `$` and `\\Z`: the end of the input, or before a line terminator that ends it. */
const END_OF_INPUT = "(?=(?:\\r\\n|[\\n\\r\\u0085\\u2028\\u2029])?$)";

const escapeJs = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");

/**
 * A Java regular expression as a JavaScript RegExp source and flags. Translated: `\Q...\E`,
 * `$` and `\Z` (also before a final line terminator, as Java), `\A`, `\z`, `\h`, `\e`, `\a`, the POSIX classes `\p{Alpha}`..., and inline flags `(?i)`,
 * `(?s)`, `(?m)` at the start. Refused (FLEUVE_SQL_UNSUPPORTED, thrown as an Error with `unsupported`
 * set): possessive quantifiers, atomic groups, class intersection and nested classes, other inline
 * flags, `\G`, `\x{...}`, Unicode `\p{...}` classes.
 */
export function translateJavaRegex(java: string): { source: string; flags: string } {
  let flags = "";
  let i = 0;
  const lead = /^\(\?([imsdu]+)\)/.exec(java);
  if (lead !== null) {
    for (const f of lead[1] as string) if ("ims".includes(f) && !flags.includes(f)) flags += f;
    i = lead[0].length;
  }
  let out = "";
  let inClass = false;
  let quantified = false;
  const refuse = (what: string): never => {
    throw Object.assign(new Error(what), { unsupported: true });
  };
  while (i < java.length) {
    const c = java[i] as string;
    const wasQuantified: boolean = quantified;
    quantified = false;
    if (c === "\\") {
      const e = java[i + 1];
      if (e === undefined) {
        out += "\\";
        i++;
        continue;
      }
      if (e === "Q") {
        const end = java.indexOf("\\E", i + 2);
        out += escapeJs(end < 0 ? java.slice(i + 2) : java.slice(i + 2, end));
        i = end < 0 ? java.length : end + 2;
        continue;
      }
      if (e === "p" || e === "P") {
        const m = /^\{(?:Is)?(\w+)\}/.exec(java.slice(i + 2));
        const body = m === null ? undefined : POSIX[m[1] as string];
        if (m === null || body === undefined) refuse(`the class \\${e}${m?.[0] ?? ""}`);
        const neg = e === "P";
        out += inClass ? (neg ? refuse(`\\P{...} inside [...]`) : body) : `[${neg ? "^" : ""}${body}]`;
        i += 2 + (m as RegExpExecArray)[0].length;
        continue;
      }
      const simple: Record<string, string> = {
        A: inClass ? "A" : "^",
        z: inClass ? "z" : "$",
        Z: inClass ? "Z" : END_OF_INPUT,
        h: inClass ? " \\t\\xA0" : "[ \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000]",
        e: "\\x1B",
        a: "\\x07",
      };
      if (e === "G") refuse("\\G");
      if (e === "x" && java[i + 2] === "{") refuse("\\x{...}");
      out += simple[e] ?? `\\${e}`;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === "[") refuse("a nested character class [...[...]...]");
      if (c === "&" && java[i + 1] === "&") refuse("a character class intersection &&");
      if (c === "]") inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      i++;
      // A ']' first in the class is a literal in Java.
      if (java[i] === "^") out += java[i++];
      if (java[i] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "(" && java[i + 1] === "?") {
      if (java[i + 2] === ">") refuse("an atomic group (?>...)");
      if (/^[a-zA-Z-]/.test(java[i + 2] ?? "") && java[i + 2] !== "<")
        refuse("inline flags (?...) after the start");
    }
    if (c === "$" && !flags.includes("m")) {
      // Java's $ (not MULTILINE) also matches before a line terminator that ends the input.
      out += END_OF_INPUT;
      i++;
      continue;
    }
    if (c === "+" && wasQuantified) refuse("a possessive quantifier (*+, ++, ?+, {n}+)");
    if (c === "*" || c === "+" || c === "?" || c === "}") quantified = !(c === "?" && wasQuantified);
    out += c;
    i++;
  }
  return { source: out, flags };
}

/** Compiled regular expressions by their Java text (a query uses a few, each for every row). */
const REGEXPS = new Map<string, RegExp | Error>();

/** The global JavaScript RegExp of a Java regular expression, or the Error that says why it is not one. */
function javaRegex(java: string): RegExp | Error {
  let re = REGEXPS.get(java);
  if (re === undefined) {
    try {
      const { source, flags } = translateJavaRegex(java);
      re = new RegExp(source, `g${flags}`);
    } catch (e) {
      re = e as Error;
    }
    if (REGEXPS.size < 256) REGEXPS.set(java, re);
  }
  if (re instanceof RegExp) re.lastIndex = 0;
  return re;
}

/** Throws when a literal regex argument is not one (plan time). */
function checkRegexLiteral(
  name: string,
  arg: number,
  e: Expr | undefined,
  pos: ScalarSitePos,
): RegExp | undefined {
  const lit = literal(e);
  if (lit === undefined || typeof lit.value !== "string") return undefined;
  const re = javaRegex(lit.value);
  if (re instanceof RegExp) return re;
  if ((re as { unsupported?: boolean }).unsupported)
    throw unsupported(
      `${re.message} in a regular expression`,
      pos,
      `${name}'s argument ${arg}, '${lit.value}' (a Java regex feature JavaScript's RegExp lacks)`,
    );
  throw invalid(
    `${name}'s argument ${arg} is not a valid regular expression '${lit.value}': ${re.message}`,
    pos,
    {
      function: name,
      argument: arg,
    },
  );
}

/** A runtime regex that JavaScript cannot run the way Java would: fail rather than answer differently. */
function usable(name: string, re: RegExp | Error): RegExp | undefined {
  if (re instanceof RegExp) return re;
  if ((re as { unsupported?: boolean }).unsupported)
    throw new Error(`${name}: Fleuve SQL does not run ${re.message} in a regular expression yet`);
  return undefined;
}

const regexp: ScalarFunction = {
  minArgs: 2,
  maxArgs: 2,
  type: BOOLEAN,
  // Flink: an empty or invalid regex matches nothing.
  fn: ([s, r]) => {
    if (String(r) === "") return false;
    const re = usable("REGEXP", javaRegex(String(r)));
    return re === undefined ? false : re.test(String(s));
  },
  atSite: ({ name, args, pos }) => {
    checkRegexLiteral(name, 2, args[1], pos);
    return {};
  },
};

/**
 * REGEXP_REPLACE(s, regex, replacement): every match replaced by the replacement as it is. Flink
 * quotes the replacement (Matcher.quoteReplacement), so `$1` and `\\` are not group references or
 * escapes there. NULL for a regex that is not valid (Flink).
 */
function regexpReplace(s: string, regex: string, rep: string): string | null {
  const re = usable("REGEXP_REPLACE", javaRegex(regex));
  return re === undefined ? null : s.replace(re, () => rep);
}

const regexpReplaceFn: ScalarFunction = {
  minArgs: 3,
  maxArgs: 3,
  type: STRING,
  fn: ([s, r, rep]) => regexpReplace(String(s), String(r), String(rep)),
  atSite: ({ name, args, pos }) => {
    checkRegexLiteral(name, 2, args[1], pos);
    return {};
  },
};

// ---------------------------------------------------------------------------------------------
// STR_TO_MAP.

/** Java's String.split(regex, limit): trailing empty strings dropped when limit is 0. */
export function javaSplit(s: string, re: RegExp, limit = 0): string[] {
  const list: string[] = [];
  let index = 0;
  re.lastIndex = 0;
  let matched = false;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    const start = m.index;
    const end = start + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
    if (end === 0 && start === 0) continue;
    if (start === s.length && m[0].length === 0) break;
    matched = true;
    if (limit <= 0 || list.length < limit - 1) {
      list.push(s.slice(index, start));
      index = end;
    } else break;
  }
  if (!matched) return [s];
  list.push(s.slice(index));
  if (limit === 0) while (list.length > 0 && list[list.length - 1] === "") list.pop();
  return list;
}

function strToMap(text: string, listDelimiter: string, kvDelimiter: string): Record<string, string | null> {
  const map: Record<string, string | null> = {};
  if (text === "") return map;
  const list = usable("STR_TO_MAP", javaRegex(listDelimiter));
  const kv = usable("STR_TO_MAP", javaRegex(kvDelimiter));
  if (list === undefined || kv === undefined)
    throw new Error(
      `STR_TO_MAP: invalid delimiter regular expression '${list === undefined ? listDelimiter : kvDelimiter}'`,
    );
  for (const pair of javaSplit(text, list)) {
    const parts = javaSplit(pair, kv, 2);
    setColumn(
      map,
      parts.length < 2 ? pair : (parts[0] as string),
      parts.length < 2 ? null : (parts[1] as string),
    );
  }
  return map;
}

const strToMapFn: ScalarFunction = {
  minArgs: 1,
  maxArgs: 3,
  type: STRING_MAP,
  fn: ([t, l, kv]) =>
    strToMap(String(t), l === undefined ? "," : String(l), kv === undefined ? "=" : String(kv)),
  atSite: ({ name, args, pos }) => {
    if (args.length === 2)
      throw invalid(`${name} takes 1 or 3 arguments (text, listDelimiter, keyValueDelimiter), got 2`, pos);
    checkRegexLiteral(name, 2, args[1], pos);
    checkRegexLiteral(name, 3, args[2], pos);
    return {};
  },
};

// ---------------------------------------------------------------------------------------------
// Hashes: lower-case hex of the UTF-8 bytes' digest.

function digest(algorithm: string, v: unknown): string {
  const h = createHash(algorithm);
  if (v instanceof Uint8Array) h.update(v);
  else h.update(String(v), "utf8");
  return h.digest("hex");
}

const hash = (algorithm: string): ScalarFunction => ({
  minArgs: 1,
  maxArgs: 1,
  type: STRING,
  fn: ([v]) => digest(algorithm, v),
});

const SHA2_BITS = new Set([224, 256, 384, 512]);

const sha2: ScalarFunction = {
  minArgs: 2,
  maxArgs: 2,
  type: STRING,
  fn: ([v, bits]) => {
    if (!SHA2_BITS.has(Number(bits)))
      throw new Error(`SHA2: hashLength must be 224, 256, 384 or 512, got ${String(bits)}`);
    return digest(`sha${Number(bits)}`, v);
  },
  atSite: ({ name, args, pos }) => {
    const bits = literal(args[1]);
    if (bits !== undefined && bits.value !== null && !SHA2_BITS.has(Number(bits.value)))
      throw invalid(
        `${name}'s argument 2 (hashLength) must be 224, 256, 384 or 512, got ${String(bits.value)}`,
        pos,
        {
          function: name,
          argument: 2,
        },
      );
    return {};
  },
};

// ---------------------------------------------------------------------------------------------
// RAND, RAND_INTEGER, UUID.

const MASK48 = (1n << 48n) - 1n;
const MULTIPLIER = 0x5deece66dn;

/** java.util.Random: the same 48-bit linear congruential generator, so a seed gives Java's (Flink's) sequence. */
export class JavaRandom {
  private seed: bigint;
  /** `new java.util.Random(seed)`: an int or long seed (an int widens with its sign). */
  constructor(seed: number) {
    this.seed = (BigInt(seed) ^ MULTIPLIER) & MASK48;
  }
  private next(bits: number): number {
    this.seed = (this.seed * MULTIPLIER + 0xbn) & MASK48;
    return Number(BigInt.asIntN(32, this.seed >> BigInt(48 - bits)));
  }
  /** Random.nextDouble: 53 random bits in [0, 1). */
  nextDouble(): number {
    return (this.next(26) * 2 ** 27 + this.next(27)) * 2 ** -53;
  }
  /** Random.nextInt(): a 32-bit int. */
  nextInt(): number {
    return this.next(32);
  }
  /** Random.nextInt(bound): uniform in [0, bound), by Java's rejection loop. */
  nextIntBelow(bound: number): number {
    let r = this.next(31);
    const m = bound - 1;
    if ((bound & m) === 0) return Number((BigInt(bound) * BigInt(r)) >> 31n);
    // Java's int overflow of u - r + m marks the incomplete last interval: reject and draw again.
    for (let u = r; ((u - (r = u % bound) + m) | 0) < 0; u = this.next(31));
    return r;
  }
}

/** The literal integer seed of RAND / RAND_INTEGER, checked when the query is planned. */
function seedOf(name: string, e: Expr | undefined, pos: ScalarSitePos): number {
  const lit = literal(e);
  if (
    lit === undefined ||
    typeof lit.value !== "number" ||
    !Number.isInteger(lit.value) ||
    Math.abs(lit.value) > 2 ** 31
  )
    throw invalid(`${name}'s seed (argument 1) must be an integer literal`, pos, {
      function: name,
      argument: 1,
    });
  return lit.value;
}

function checkBound(bound: unknown): number {
  const b = Math.trunc(Number(bound));
  if (!(b > 0) || b > 2 ** 31 - 1)
    throw new Error(`RAND_INTEGER: the bound must be a positive INT, got ${String(bound)}`);
  return b;
}

const rand: ScalarFunction = {
  minArgs: 0,
  maxArgs: 1,
  type: DOUBLE,
  fn: () => Math.random(),
  atSite: ({ name, args, pos }) => {
    if (args.length === 0) return {};
    // One generator per call site, as Flink's generated code holds one java.util.Random per RAND(seed).
    const random = new JavaRandom(seedOf(name, args[0], pos));
    return { args: [], fn: () => random.nextDouble() };
  },
};

const randInteger: ScalarFunction = {
  minArgs: 1,
  maxArgs: 2,
  type: INT,
  fn: ([bound]) => Math.floor(Math.random() * checkBound(bound)),
  atSite: ({ name, args, pos }) => {
    const boundArg = args[args.length - 1];
    const b = literal(boundArg);
    if (b !== undefined && b.value !== null && !(Number(b.value) > 0))
      throw invalid(
        `${name}'s bound (argument ${args.length}) must be positive, got ${String(b.value)}`,
        pos,
        {
          function: name,
          argument: args.length,
        },
      );
    if (args.length === 1) return {};
    const random = new JavaRandom(seedOf(name, args[0], pos));
    return { args: [boundArg as Expr], fn: ([bound]) => random.nextIntBelow(checkBound(bound)) };
  },
};

// ---------------------------------------------------------------------------------------------
// CARDINALITY.

/**
 * CARDINALITY(array | map): the number of elements of an ARRAY, of entries of a MAP (INT, NULL for
 * NULL). A MULTISET is refused when planned, as Flink 1.20's code generation refuses it ("Expect
 * an array or a map."): its CARDINALITY case knows arrays and maps only, though Calcite's
 * validation lets a multiset through.
 */
const cardinality: ScalarFunction = {
  minArgs: 1,
  maxArgs: 1,
  fn: ([c]) => (Array.isArray(c) ? c.length : Object.keys(c as object).length),
  atSite: ({ pos }) => ({
    type: ([t]) => {
      if (t?.kind === "multiset")
        throw unsupported(
          "CARDINALITY of a MULTISET",
          pos,
          'Flink 1.20 refuses it ("Expect an array or a map."); COUNT(x) is CARDINALITY(COLLECT(x)) with duplicates, COUNT(DISTINCT x) without',
        );
      if (t !== undefined && t.kind !== "array" && t.kind !== "map")
        throw invalid(`CARDINALITY takes an ARRAY or a MAP, got ${typeName(t)}`, pos);
      return INT;
    },
  }),
};

// ---------------------------------------------------------------------------------------------
// ROUND, TRUNCATE: on the number's decimal text, as Flink rounds a BigDecimal (of the double's
// shortest text, BigDecimal.valueOf): ROUND(1.005, 2) is 1.01, where 1.005 * 100 is 100.49999...

/** `x` times 10^`d`, exactly on its decimal text. */
function shifted(x: number, d: number): number {
  const [mantissa, exponent] = String(x).split("e");
  return Number(`${mantissa}e${Number(exponent ?? 0) + d}`);
}

/** `x` cut to `d` digits after the point (`d` < 0: before it), by `cut` on its magnitude. */
function toDigits(x: number, d: number, cut: (n: number) => number): number {
  if (!Number.isFinite(x) || !Number.isInteger(d)) return x;
  const r = Math.sign(x) * shifted(cut(shifted(Math.abs(x), d)), -d);
  return r === 0 ? 0 : r;
}

/**
 * ROUND and TRUNCATE (`x[, d]`, d an INT, 0 without it): the type is the input's, a DECIMAL(p, s)
 * cut to d digits by Flink's rule (LogicalTypeMerging.findRoundDecimalType) when d is a literal:
 * DECIMAL(1 + p - s + d, d) for 0 <= d < s, DECIMAL(1 + p - s, 0) for d < 0.
 */
function roundingFunction(cut: (n: number) => number): ScalarFunction {
  const fn = ([x, d]: unknown[]) => toDigits(Number(x), d === undefined ? 0 : Number(d), cut);
  return {
    minArgs: 1,
    maxArgs: 2,
    fn,
    atSite: ({ args }) => {
      const d = args.length === 1 ? { value: 0 } : literal(args[1]);
      // Over TINYINT, SMALLINT and INT the result keeps the type and wraps as Java's narrowing
      // does (Flink's SqlFunctionUtils.sround(int, int) is BigDecimal's intValue():
      // ROUND(2147483647, -1) is -2147483646); known once the argument's type is.
      let narrowTo: "TINYINT" | "SMALLINT" | "INT" | undefined;
      return {
        fn: (a) => {
          const r = fn(a);
          return narrowTo === undefined ? r : narrowed(r, narrowTo);
        },
        type: ([t]) => {
          const name = t?.kind === "atomic" ? (t.name === "INTEGER" ? "INT" : t.name) : undefined;
          if (name === "TINYINT" || name === "SMALLINT" || name === "INT") narrowTo = name;
          if (t?.kind !== "atomic" || t.name !== "DECIMAL" || typeof d?.value !== "number") return t;
          const [p = 10, s = 0] = t.args;
          const round = d.value;
          if (round >= s) return t;
          // NULL only when the number is (Flink 1.20: ROUND(1.25, 1) is DECIMAL(3, 1) NOT NULL).
          if (round < 0) return atomic("DECIMAL", [Math.min(38, 1 + p - s), 0], t.notNull);
          return atomic("DECIMAL", [Math.min(38, 1 + p - s + round), round], t.notNull);
        },
      };
    },
  };
}

/** The functions of this module by upper-case name, for {@link SCALAR_FUNCTIONS}. */
export const MORE_SCALAR_FUNCTIONS: ReadonlyArray<readonly [string, ScalarFunction]> = [
  ["UNIX_TIMESTAMP", unixTimestamp],
  ["FROM_UNIXTIME", fromUnixtime],
  ["TIMESTAMPADD", timestampAdd],
  ["TIMESTAMPDIFF", timestampDiff],
  ["REGEXP", regexp],
  ["REGEXP_REPLACE", regexpReplaceFn],
  ["STR_TO_MAP", strToMapFn],
  ["MD5", hash("md5")],
  ["SHA1", hash("sha1")],
  ["SHA224", hash("sha224")],
  ["SHA256", hash("sha256")],
  ["SHA384", hash("sha384")],
  ["SHA512", hash("sha512")],
  ["SHA2", sha2],
  // CHAR(36), as Flink 1.20 types it (always 36 characters).
  [
    "UUID",
    {
      minArgs: 0,
      maxArgs: 0,
      type: { kind: "atomic", name: "CHAR", args: [36], notNull: true },
      fn: () => randomUUID(),
    },
  ],
  ["RAND", rand],
  ["RAND_INTEGER", randInteger],
  ["CARDINALITY", cardinality],
  // Half away from zero (HALF_UP on the magnitude), as SQL rounds.
  ["ROUND", roundingFunction(Math.round)],
  ["TRUNCATE", roundingFunction(Math.trunc)],
];
