/**
 * The session time zone (`SET 'table.local-time-zone' = 'Europe/Paris'`), as Flink applies it:
 * a TIMESTAMP_LTZ is an instant (epoch ms), a TIMESTAMP a wall-clock time (epoch ms of that
 * wall clock read as UTC); the zone converts between the two (core's {@link TimeZone}). UTC, the
 * default, converts nothing: {@link sessionZone} is then undefined and callers keep their UTC code
 * unchanged. Which ids the option accepts is core's {@link flinkZone}.
 */

import { FleuveError, flinkZone, type TimeZone } from "@fleuve/core";

/** The option's key. */
export const LOCAL_TIME_ZONE = "table.local-time-zone";

/** A time zone other than UTC: converts instants to wall-clock times and back. */
export type Zone = TimeZone;

function configInvalid(value: string, why: string): FleuveError {
  return new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `SET '${LOCAL_TIME_ZONE}' = '${value}': ${why}; write a tz database id such as 'America/Los_Angeles' (with daylight saving time), a fixed offset as 'GMT+08:00' or 'GMT-03:00', or 'UTC'`,
    { details: { option: LOCAL_TIME_ZONE, value } },
  );
}

/**
 * The zone a `table.local-time-zone` value names, undefined for UTC (the fast path), as Flink's
 * TableConfig accepts it (core's {@link flinkZone}): a tz database id, `UTC`, or `GMT` with an
 * offset (`GMT+8`, `GMT+08:00`). FLEUVE_CONFIG_INVALID naming the option for anything else
 * (`+08:00`, `UTC+8`, an unknown id), as Flink refuses them.
 */
export function parseZone(value: string): Zone | undefined {
  try {
    return flinkZone(value);
  } catch (e) {
    throw configInvalid(value, (e as Error).message);
  }
}

let active: Zone | undefined;

/**
 * Runs `plan` with the session zone of `settings` as the one {@link sessionZone} gives (planning is
 * synchronous; compiled closures keep the zone they were compiled with).
 */
export function withZone<T>(settings: ReadonlyMap<string, string> | undefined, plan: () => T): T {
  const value = settings?.get(LOCAL_TIME_ZONE);
  const outer = active;
  active = value === undefined ? undefined : parseZone(value);
  try {
    return plan();
  } finally {
    active = outer;
  }
}

/** The session zone of the query being planned; undefined for UTC. */
export function sessionZone(): Zone | undefined {
  return active;
}
