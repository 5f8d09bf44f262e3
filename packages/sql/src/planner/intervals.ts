/**
 * Year-month intervals (`INTERVAL '1' YEAR`, `'2-3' YEAR TO MONTH`, `'5' MONTH`), as Flink
 * (Calcite) holds them: a whole number of months, since a month has no fixed length; and the
 * text of intervals as Flink's CAST to a string gives it. Day-time intervals are milliseconds.
 */

import type { DataType, Expr } from "../parser/ast.js";
import { invalid } from "./problems.js";

const YEAR_MONTH_UNITS: ReadonlySet<string> = new Set(["YEAR", "YEARS", "MONTH", "MONTHS"]);

/** Whether an interval literal's leading unit makes it a year-month interval. */
export function isYearMonthUnit(unit: string): boolean {
  return YEAR_MONTH_UNITS.has(unit);
}

/** Whether `t` is a year-month interval type (its value a number of months). */
export function isYearMonthType(t: DataType | undefined): boolean {
  return t?.kind === "interval" && isYearMonthUnit(t.from);
}

/** The type of a year-month interval computed from others (Flink's INTERVAL YEAR TO MONTH). */
export const YEAR_MONTH: DataType = { kind: "interval", from: "YEAR", to: "MONTH", notNull: false };

/**
 * The months of a year-month interval literal: `'n' YEAR`, `'n' MONTH`, `'y-m' YEAR TO MONTH`
 * (months 0 to 11), a sign allowed inside the quotes and before INTERVAL, as Calcite reads them.
 * @throws FleuveError (invalid) naming the literal when its text does not fit its units
 */
export function intervalMonths(e: Expr & { kind: "interval" }): number {
  const text = `INTERVAL '${e.value}' ${e.from}${e.to === undefined ? "" : ` TO ${e.to}`}`;
  const from = e.from.replace(/S$/, "");
  const to = e.to?.replace(/S$/, "");
  const v = e.value.trim();
  let months: number;
  if (to === undefined) {
    const m = /^([+-])?(\d+)$/.exec(v);
    if (m === null) throw invalid(`${text}: the value must be a whole number of ${from.toLowerCase()}s`);
    months = (m[1] === "-" ? -1 : 1) * Number(m[2]) * (from === "YEAR" ? 12 : 1);
  } else if (from === "YEAR" && to === "MONTH") {
    const m = /^([+-])?(\d+)-(\d+)$/.exec(v);
    if (m === null) throw invalid(`${text}: the value must be 'years-months', as '2-3'`);
    const month = Number(m[3]);
    if (month > 11) throw invalid(`${text}: the month ${month} is out of range (0 to 11)`);
    months = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 12 + month);
  } else {
    throw invalid(`${text}: a year-month interval is YEAR, MONTH or YEAR TO MONTH`);
  }
  return e.negative ? -months : months;
}

/** A UTC calendar date-time moved to a day of the given (possibly unnormalized) year and month. */
function atCalendar(year: number, month: number, day: number, timeOfDay: number): number {
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0 to 99 as 1900 to 1999.
  d.setUTCFullYear(year, month, day);
  return d.getTime() + timeOfDay;
}

/**
 * `ms` (epoch milliseconds, UTC: a DATE's midnight or a TIMESTAMP) plus `months` calendar months,
 * as Calcite's addMonths: the time of day kept, the day clamped to the target month's last day
 * (2024-01-31 plus one month is 2024-02-29).
 */
export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + months;
  const timeOfDay = ms - atCalendar(year, d.getUTCMonth(), d.getUTCDate(), 0);
  // Day 0 of the month after is the last day of the target month.
  const last = new Date(atCalendar(year, month + 1, 0, 0)).getUTCDate();
  return atCalendar(year, month, Math.min(d.getUTCDate(), last), timeOfDay);
}

/** A year-month interval (months) as Flink's CAST to a string prints it: `+2-03`, `-1-01`. */
export function formatYearMonth(months: number): string {
  const abs = Math.abs(months);
  return `${months < 0 ? "-" : "+"}${Math.floor(abs / 12)}-${String(abs % 12).padStart(2, "0")}`;
}

/**
 * A day-time interval (milliseconds) as Flink's CAST to a string prints it (day to second,
 * milliseconds): `+5 00:00:00.000`, `-0 00:01:30.500`.
 */
export function formatDayTime(ms: number): string {
  const abs = Math.abs(Math.round(ms));
  const two = (n: number) => String(n).padStart(2, "0");
  const days = Math.floor(abs / 86_400_000);
  const h = Math.floor(abs / 3_600_000) % 24;
  const m = Math.floor(abs / 60_000) % 60;
  const s = Math.floor(abs / 1000) % 60;
  return `${ms < 0 ? "-" : "+"}${days} ${two(h)}:${two(m)}:${two(s)}.${String(abs % 1000).padStart(3, "0")}`;
}
