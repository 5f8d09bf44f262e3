/**
 * The calendar fields a Java date pattern prints (DATE_FORMAT, FROM_UNIXTIME), on the proleptic
 * Gregorian calendar (java.time) or on java.util.GregorianCalendar's Julian-then-Gregorian one
 * (SimpleDateFormat), with the week rules of the JVM's default locale (en: weeks start on Sunday,
 * week 1 is the one holding January 1), which is what Flink 1.20 printed.
 */

const DAY_MS = 86_400_000;
/** Epoch day of 1582-10-15, the first Gregorian day of GregorianCalendar (the day after 1582-10-04). */
const CUTOVER_DAY = -141_427;
/** The Julian day number of 1970-01-01. */
const EPOCH_JDN = 2_440_588;

/** A time's fields: the date, its place in the week, month and year, and the clock. */
export interface CalendarFields {
  /** Days since 1970-01-01. */
  readonly epochDay: number;
  readonly year: number;
  /** 1 to 12. */
  readonly month: number;
  readonly day: number;
  readonly dayOfYear: number;
  /** 0 (Sunday) to 6 (Saturday). */
  readonly weekday: number;
  readonly weekOfYear: number;
  /** The year week 1 ... belongs to: the next year for the last days of December in its week 1. */
  readonly weekYear: number;
  readonly weekOfMonth: number;
  /** The day's place in its month counting the days it has (1582-10-15 is the 5th October day). */
  readonly dayInMonth: number;
  /** Milliseconds since midnight. */
  readonly msOfDay: number;
}

/** Year, month, day of an epoch day on the proleptic Gregorian calendar (Date keeps years 0-99). */
function gregorianDate(epochDay: number): [number, number, number] {
  const d = new Date(epochDay * DAY_MS);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
}

function gregorianDay(y: number, m: number, d: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return Math.round(t.getTime() / DAY_MS);
}

/** Year, month, day of an epoch day on the Julian calendar (the Julian day number conversion). */
function julianDate(epochDay: number): [number, number, number] {
  const c = epochDay + EPOCH_JDN + 32_082;
  const d = Math.floor((4 * c + 3) / 1461);
  const e = c - Math.floor((1461 * d) / 4);
  const m = Math.floor((5 * e + 2) / 153);
  return [
    d - 4800 + Math.floor(m / 10),
    m + 3 - 12 * Math.floor(m / 10),
    e - Math.floor((153 * m + 2) / 5) + 1,
  ];
}

function julianDay(y: number, m: number, d: number): number {
  const a = Math.floor((14 - m) / 12);
  const yy = y + 4800 - a;
  const mm = m + 12 * a - 3;
  return d + Math.floor((153 * mm + 2) / 5) + 365 * yy + Math.floor(yy / 4) - 32_083 - EPOCH_JDN;
}

/** A calendar: epoch day to year, month, day and back. */
interface Calendar {
  date(epochDay: number): [number, number, number];
  day(y: number, m: number, d: number): number;
}

const GREGORIAN: Calendar = { date: gregorianDate, day: gregorianDay };

/** java.util.GregorianCalendar: Julian before 1582-10-15, Gregorian from it. */
const HYBRID: Calendar = {
  date: (epochDay) => (epochDay < CUTOVER_DAY ? julianDate(epochDay) : gregorianDate(epochDay)),
  day: (y, m, d) => {
    const g = gregorianDay(y, m, d);
    return g < CUTOVER_DAY ? julianDay(y, m, d) : g;
  },
};

function fieldsOn(cal: Calendar, ms: number): CalendarFields {
  const epochDay = Math.floor(ms / DAY_MS);
  const [year, month, day] = cal.date(epochDay);
  const weekday = (((epochDay + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const jan1 = cal.day(year, 1, 1);
  const dayOfYear = epochDay - jan1 + 1;
  const jan1Weekday = (((jan1 + 4) % 7) + 7) % 7;
  // Sunday-first weeks with a minimum of one day: week 1 holds January 1, so the week of the last
  // days of December is the next year's week 1 when it reaches into January.
  const nextYear = epochDay + (6 - weekday) >= cal.day(year + 1, 1, 1);
  const dayInMonth = epochDay - cal.day(year, month, 1) + 1;
  const firstOfMonthWeekday = (((weekday - (dayInMonth - 1)) % 7) + 7) % 7;
  return {
    epochDay,
    year,
    month,
    day,
    dayOfYear,
    weekday,
    weekOfYear: nextYear ? 1 : Math.floor((dayOfYear - 1 + jan1Weekday) / 7) + 1,
    weekYear: nextYear ? year + 1 : year,
    weekOfMonth: Math.floor((dayInMonth - 1 + firstOfMonthWeekday) / 7) + 1,
    dayInMonth,
    msOfDay: ms - epochDay * DAY_MS,
  };
}

/** The fields of a wall-clock time (epoch ms read as UTC) on the proleptic Gregorian calendar. */
export const gregorianFields = (ms: number): CalendarFields => fieldsOn(GREGORIAN, ms);

/** The fields of a wall-clock time on GregorianCalendar's calendar (Julian before 1582-10-15). */
export const hybridFields = (ms: number): CalendarFields => fieldsOn(HYBRID, ms);

/**
 * The epoch day GregorianCalendar gives a year, month and day (a month past 12 rolls into the next
 * year, a day past the month's end into the next month): Julian before 1582-10-15.
 */
export function hybridDay(y: number, m: number, d: number): number {
  const carry = Math.floor((m - 1) / 12);
  const [year, month] = [y + carry, m - 12 * carry];
  const g = gregorianDay(year, month, d);
  return g < CUTOVER_DAY ? julianDay(year, month, 1) + d - 1 : g;
}
