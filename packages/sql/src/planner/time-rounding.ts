/**
 * `FLOOR(t TO unit)` and `CEIL(t TO unit)` of a TIMESTAMP, TIMESTAMP_LTZ, DATE or TIME, and
 * `CONVERT_TZ(text, fromZone, toZone)`, as Flink 1.20 computes them (FloorCeilCallGen and
 * DateTimeUtils): units of a day or less by arithmetic on epoch milliseconds, YEAR, QUARTER, MONTH
 * and WEEK by Calcite's julianDateFloor on the day number, a TIMESTAMP_LTZ's units from HOUR up on
 * its wall-clock time in the session zone.
 */

import type { DataType, SourcePos } from "../parser/ast.js";
import { DEFAULT_FORMAT, parseWithFormat, typeName } from "./more-scalar-functions.js";
import { invalid, unsupported } from "./problems.js";
import { formatSimpleDate } from "./simple-date-format.js";
import { parseZone, type Zone } from "./zone.js";

const DAY_MS = 86_400_000;

/** Milliseconds of the units rounded by arithmetic (Calcite's TimeUnit multipliers). */
const UNIT_MS: Readonly<Record<string, number>> = {
  DAY: DAY_MS,
  HOUR: 3_600_000,
  MINUTE: 60_000,
  SECOND: 1000,
  MILLISECOND: 1,
};
/** The units rounded on the calendar (julianDateFloor). */
const CALENDAR_UNITS: ReadonlySet<string> = new Set(["YEAR", "QUARTER", "MONTH", "WEEK"]);

const floorTo = (x: number, m: number) => Math.floor(x / m) * m;
const ceilTo = (x: number, m: number) => Math.ceil(x / m) * m;

/** The Julian day number of 1970-01-01. */
const EPOCH_JULIAN = 2_440_588;

/** Java's int division (toward zero), which Calcite's calendar arithmetic is written in. */
const div = (a: number, b: number) => Math.trunc(a / b);

/**
 * Calcite's ymdToUnixDate: the epoch day of a proleptic Gregorian date; month 13 is January of the
 * next year, as its arithmetic gives (julianDateFloor's ceilings rely on it).
 */
function ymdToUnixDate(year: number, month: number, day: number): number {
  const a = div(14 - month, 12);
  const y = year + 4800 - a;
  const m = month + 12 * a - 3;
  return day + div(153 * m + 2, 5) + 365 * y + div(y, 4) - div(y, 100) + div(y, 400) - 32045 - EPOCH_JULIAN;
}

/**
 * Calcite's julianDateFloor (Meeus' algorithm), which Flink 1.20 runs, on an epoch day: the first
 * day of its year, quarter, month or week (Sunday), or for `floor` false the first day of the next
 * one unless `day` is one already. As there, a day before 1582-10-15 is split into year, month and
 * day on the Julian calendar, and the result put back together on the Gregorian one:
 * FLOOR(DATE '1582-10-05' TO MONTH) is 1582-09-01 (the Julian 1582-09-25's month). The time of day
 * is not looked at, so Flink's CEIL of a TIMESTAMP on the 1st of a month at 10:00 TO MONTH is that
 * day's midnight.
 */
function calendarFloor(unit: string, epochDay: number, floor: boolean): number {
  const julian = epochDay + EPOCH_JULIAN;
  let b = 0;
  let c: number;
  if (julian > 2_299_160) {
    const a = julian + 32044;
    b = div(4 * a + 3, 146097);
    c = a - div(b * 146097, 4);
  } else {
    c = julian + 32082;
  }
  const d = div(4 * c + 3, 1461);
  const e = c - div(1461 * d, 4);
  const m = div(5 * e + 2, 153);
  const day = e - div(153 * m + 2, 5) + 1;
  let month = m + 3 - 12 * div(m, 10);
  let quarter = div(month + 2, 3);
  let year = b * 100 + d - 4800 + div(m, 10);
  switch (unit) {
    case "YEAR":
      if (!floor && (month > 1 || day > 1)) year++;
      return ymdToUnixDate(year, 1, 1);
    case "MONTH":
      if (!floor && day > 1) month++;
      return ymdToUnixDate(year, month, 1);
    case "QUARTER":
      // As Calcite: the next quarter unless it is January 1st (its test, not the quarter's).
      if (!floor && (month > 1 || day > 1)) quarter++;
      return ymdToUnixDate(year, quarter * 3 - 2, 1);
    default: {
      // WEEK: Sunday is 0.
      const dow = (((julian + 1) % 7) + 7) % 7;
      const offset = !floor && dow > 0 ? dow - 7 : dow;
      return ymdToUnixDate(year, month, day) - offset;
    }
  }
}

/**
 * The rounding of `FLOOR(x TO unit)` (`floor`) or `CEIL(x TO unit)` of an argument of type `type`
 * (epoch ms for TIMESTAMP, TIMESTAMP_LTZ and DATE, ms of the day for TIME), in the session zone
 * `zone` (undefined: UTC). Refuses, naming the function, a type or unit Flink does not round.
 */
export function timeRounding(
  name: string,
  unit: string,
  type: DataType | undefined,
  zone: Zone | undefined,
  pos: SourcePos | undefined,
): (v: number) => number {
  const floor = name === "FLOOR";
  const t = typeName(type);
  const call = `${name}(... TO ${unit})`;
  if (!(unit in UNIT_MS) && !CALENDAR_UNITS.has(unit))
    throw invalid(
      `${call}: the unit must be YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND or MILLISECOND`,
      pos,
    );
  const arith = (m: number) => (floor ? (v: number) => floorTo(v, m) : (v: number) => ceilTo(v, m));
  switch (t) {
    case "TIMESTAMP": {
      const m = UNIT_MS[unit];
      if (m !== undefined) return arith(m);
      // Flink's (int) (ts / MILLIS_PER_DAY): truncated toward zero, as Java divides.
      return (v) => calendarFloor(unit, Math.trunc(v / DAY_MS), floor) * DAY_MS;
    }
    case "TIMESTAMP_LTZ": {
      const m = UNIT_MS[unit];
      if (m !== undefined && m < UNIT_MS.HOUR) return arith(m);
      // On the wall clock, shifted back by the offset of the argument's instant (as Flink does,
      // even where the result lies across a daylight-saving change).
      const offset = zone === undefined ? () => 0 : (v: number) => zone.offsetAt(v);
      if (m !== undefined) {
        const round = arith(m);
        return (v) => {
          const o = offset(v);
          return round(v + o) - o;
        };
      }
      return (v) => {
        const o = offset(v);
        return calendarFloor(unit, Math.trunc((v + o) / DAY_MS), floor) * DAY_MS - o;
      };
    }
    case "DATE":
      // DAY and the units under it, as Flink 1.20 prints them: FLOOR keeps the date, CEIL(... TO
      // DAY) is always the next day (of 2024-03-15 too), CEIL to a smaller unit keeps the date.
      if (!CALENDAR_UNITS.has(unit)) return floor || unit !== "DAY" ? (v) => v : (v) => v + DAY_MS;
      return (v) => calendarFloor(unit, Math.round(v / DAY_MS), floor) * DAY_MS;
    case "TIME": {
      const m = UNIT_MS[unit];
      if (m === undefined || m === DAY_MS)
        throw unsupported(`${call} of a TIME`, pos, "a TIME rounds to HOUR, MINUTE, SECOND or MILLISECOND");
      return arith(m);
    }
    default:
      throw invalid(
        `${call} takes a TIMESTAMP, TIMESTAMP_LTZ, DATE or TIME, not ${t ?? "a value of unknown type"}`,
        pos,
      );
  }
}

/** java.time.ZoneId.SHORT_IDS, which java.util.TimeZone also reads (EST, MST, HST: fixed offsets). */
const SHORT_IDS: Readonly<Record<string, string>> = {
  ACT: "Australia/Darwin",
  AET: "Australia/Sydney",
  AGT: "America/Argentina/Buenos_Aires",
  ART: "Africa/Cairo",
  AST: "America/Anchorage",
  BET: "America/Sao_Paulo",
  BST: "Asia/Dhaka",
  CAT: "Africa/Harare",
  CNT: "America/St_Johns",
  CST: "America/Chicago",
  CTT: "Asia/Shanghai",
  EAT: "Africa/Addis_Ababa",
  ECT: "Europe/Paris",
  IET: "America/Indiana/Indianapolis",
  IST: "Asia/Kolkata",
  JST: "Asia/Tokyo",
  MIT: "Pacific/Apia",
  NET: "Asia/Yerevan",
  NST: "Pacific/Auckland",
  PLT: "Asia/Karachi",
  PNT: "America/Phoenix",
  PRT: "America/Puerto_Rico",
  PST: "America/Los_Angeles",
  SST: "Pacific/Guadalcanal",
  VST: "Asia/Ho_Chi_Minh",
  EST: "GMT-05:00",
  MST: "GMT-07:00",
  HST: "GMT-10:00",
};

/**
 * The zone java.util.TimeZone.getTimeZone(id) gives, as CONVERT_TZ reads its zones: a tz database
 * id, a `GMT+hh:mm` offset, a short id (`PST`); anything else is GMT, as Java falls back to it.
 */
function javaTimeZone(id: string): Zone | undefined {
  try {
    return parseZone(SHORT_IDS[id] ?? id);
  } catch {
    return undefined;
  }
}

/**
 * CONVERT_TZ(text, from, to): the `yyyy-MM-dd HH:mm:ss` text read as a wall-clock time of zone
 * `from` (leniently, as SimpleDateFormat), written as the wall-clock time of zone `to`; NULL for
 * text that does not parse, as Flink's DateTimeUtils.convertTz.
 */
export function convertTz(text: string, from: string, to: string): string | null {
  const ms = parseWithFormat(text, DEFAULT_FORMAT, javaTimeZone(from));
  if (Number.isNaN(ms)) return null;
  const zone = javaTimeZone(to);
  return formatSimpleDate(zone === undefined ? ms : zone.toLocal(ms), DEFAULT_FORMAT);
}
