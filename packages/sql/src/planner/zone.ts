/**
 * The session time zone (`SET 'table.local-time-zone' = 'Europe/Paris'`), as Flink applies it:
 * a TIMESTAMP_LTZ is an instant (epoch ms), a TIMESTAMP a wall-clock time (epoch ms of that
 * wall clock read as UTC); the zone converts between the two (core's {@link TimeZone}). UTC, the
 * default, converts nothing: {@link sessionZone} is then undefined and callers keep their UTC code
 * unchanged. This file holds Flink's rules for which ids the option accepts.
 */

import { FleuveError, fixedOffsetZone, regionZone, type TimeZone } from "@fleuve/core";

/** The option's key. */
export const LOCAL_TIME_ZONE = "table.local-time-zone";

/** A time zone other than UTC: converts instants to wall-clock times and back. */
export type Zone = TimeZone;

const HOUR = 3_600_000;

function configInvalid(value: string, why: string): FleuveError {
  return new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `SET '${LOCAL_TIME_ZONE}' = '${value}': ${why}; write a tz database id such as 'America/Los_Angeles' (with daylight saving time), a fixed offset as 'GMT+08:00' or 'GMT-03:00', or 'UTC'`,
    { details: { option: LOCAL_TIME_ZONE, value } },
  );
}

/** java.time.ZoneId.SHORT_IDS: refused by Flink's check (ZoneId.of throws, or differs from TimeZone's). */
const JAVA_SHORT_IDS: ReadonlySet<string> = new Set(
  "ACT AET AGT ART AST BET BST CAT CNT CST CTT EAT ECT IET IST JST MIT NET NST PLT PNT PRT PST SST VST EST MST HST".split(
    " ",
  ),
);

const ZONES = new Map<string, Zone | undefined>();

/**
 * The zone a `table.local-time-zone` value names, undefined for UTC (the fast path), as Flink's
 * TableConfig accepts it: a tz database id, `UTC`, or `GMT` with an offset (`GMT+8`,
 * `GMT+08:00`). FLEUVE_CONFIG_INVALID naming the option for anything else (`+08:00`, `UTC+8`,
 * an unknown id), as Flink refuses them.
 */
export function parseZone(value: string): Zone | undefined {
  if (ZONES.has(value)) return ZONES.get(value);
  let zone: Zone | undefined;
  const gmt = /^GMT([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(value);
  if (value === "UTC" || value === "GMT" || value === "Etc/UTC" || value === "Z") {
    if (value === "Z") throw configInvalid(value, "not a time zone id Flink accepts");
    zone = undefined;
  } else if (gmt !== null) {
    const h = Number(gmt[2]);
    const m = Number(gmt[3] ?? 0);
    if (h > 18 || m > 59 || (h === 18 && m > 0)) throw configInvalid(value, "the offset is beyond ±18:00");
    const offset = (gmt[1] === "-" ? -1 : 1) * (h * HOUR + m * 60_000);
    zone = offset === 0 ? undefined : fixedOffsetZone(value, offset);
  } else {
    // Offsets without GMT (`+08:00`, `UTC+8`) and Java's three-letter short ids (`PST`, `EST`) are
    // not ids Flink accepts (its TableConfig checks ZoneId.of against TimeZone); Intl reads some.
    if (/^[+-]|^UTC[+-]|^\s|\s$/.test(value) || JAVA_SHORT_IDS.has(value))
      throw configInvalid(value, "not a time zone id Flink accepts");
    let resolved: string;
    try {
      resolved = new Intl.DateTimeFormat("en-US", { timeZone: value }).resolvedOptions().timeZone;
    } catch {
      throw configInvalid(value, "unknown time zone");
    }
    // Java's ids are case-sensitive ('europe/paris' is refused), Intl's are not.
    if (resolved !== value && resolved.toLowerCase() === value.toLowerCase())
      throw configInvalid(value, `time zone ids are case-sensitive (did you mean '${resolved}'?)`);
    zone = resolved === "UTC" || resolved === "Etc/UTC" ? undefined : regionZone(value);
  }
  ZONES.set(value, zone);
  return zone;
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
