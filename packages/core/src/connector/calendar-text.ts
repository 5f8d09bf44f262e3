/**
 * The calendar checks of a date or date-time read from text, as the Java parsers behind Flink's
 * formats make them. Flink's csv format reads with `java.sql.Date.valueOf` and
 * `Timestamp.valueOf`: a month outside 1-12 or a day outside 1-31 fails, but a day past its
 * month's end rolls over (`2023-02-30` is 2023-03-02) and so does a time past 23:59:59, as
 * `java.util.Date` is lenient. Flink's json format reads a DATE with ISO_LOCAL_DATE, strict (the
 * day must exist), and a TIMESTAMP with a formatter of the default SMART style: a day within
 * 1-31 past its month's end is its month's last day (`2023-04-31 10:00:00` is 2023-04-30
 * 10:00:00), an hour past 23, a minute or second past 59 fail.
 */

/** How a format treats a date-time's fields out of range (see the file's comment). */
export type CalendarStyle = "lenient" | "smart" | "strict";

/** The fields of a date-time text: year, month (1-12), day, hour, minute, second, millisecond. */
export interface CalendarFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

/** Whether `year` is a leap year of the proleptic Gregorian calendar (java.time's). */
function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The number of days of `month` (1-12) in `year`. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The epoch milliseconds (UTC) of date-time fields `f` read with `style`, or why they are not a
 * date-time (`month 13 is not 1-12`, `2023-02-29 does not exist`).
 */
export function calendarMillis(f: CalendarFields, style: CalendarStyle): number | string {
  const { year, month, hour, minute, second } = f;
  let day = f.day;
  if (month < 1 || month > 12) return `month ${month} is not 1-12`;
  if (day < 1 || day > 31) return `day ${day} is not 1-31`;
  const last = daysInMonth(year, month);
  if (day > last) {
    const date = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
    if (style === "strict") return `${date} does not exist`;
    if (style === "smart") day = last;
  }
  if (style !== "lenient") {
    if (hour > 23) return `hour ${hour} is not 0-23`;
    if (minute > 59) return `minute ${minute} is not 0-59`;
    if (second > 59) return `second ${second} is not 0-59`;
  }
  // setUTCFullYear, not Date.UTC: that one reads years below 100 as 19xx. Fields past their
  // range roll over, which is the lenient style's reading.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, f.millisecond);
  return d.getTime();
}
