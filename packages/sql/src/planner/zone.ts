/**
 * The session time zone (`SET 'table.local-time-zone' = 'Europe/Paris'`), as Flink applies it:
 * a TIMESTAMP_LTZ is an instant (epoch ms), a TIMESTAMP a wall-clock time (epoch ms of that
 * wall clock read as UTC); the zone converts between the two. UTC, the default, converts nothing:
 * {@link sessionZone} is then undefined and callers keep their UTC code unchanged.
 *
 * Offsets come from Node's Intl (ICU's tz database, as Java's): one formatter per zone, and
 * offsets cached by hour, so a record costs a Map lookup, not an Intl call.
 */

import { FleuveError } from "@fleuve/core";

/** The option's key. */
export const LOCAL_TIME_ZONE = "table.local-time-zone";

/** A time zone other than UTC: converts instants to wall-clock times and back. */
export interface Zone {
  /** The zone's id as written (`Europe/Paris`, `GMT+08:00`). */
  readonly id: string;
  /** The offset (ms, east positive) of the zone at the instant `ms`. */
  offsetAt(ms: number): number;
  /** The wall-clock time (epoch ms read as UTC) of the instant `ms`. */
  toLocal(ms: number): number;
  /**
   * The instant of the wall-clock time `local`, as Java's `ZonedDateTime.ofLocal` picks it: in an
   * overlap (clocks set back) the earlier instant; in a gap (clocks set forward) the time moved
   * forward by the gap's length.
   */
  toUtc(local: number): number;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** A fixed offset (`GMT+08:00`). */
function fixedZone(id: string, offset: number): Zone {
  return {
    id,
    offsetAt: () => offset,
    toLocal: (ms) => ms + offset,
    toUtc: (local) => local - offset,
  };
}

/** A tz database region (`Europe/Paris`), its offsets from Intl, cached by hour. */
function regionZone(id: string): Zone {
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone: id,
    hourCycle: "h23",
    era: "short",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  // Exact offset of one instant (whole seconds: tz offsets before 1900 have seconds).
  const exact = (ms: number): number => {
    const f: Record<string, string> = {};
    for (const p of fmt.formatToParts(ms)) f[p.type] = p.value;
    let y = Number(f.year);
    if (f.era === "BC" || f.era === "B") y = 1 - y;
    const d = new Date(0);
    d.setUTCFullYear(y, Number(f.month) - 1, Number(f.day));
    d.setUTCHours(Number(f.hour), Number(f.minute), Number(f.second), 0);
    return d.getTime() - Math.floor(ms / 1000) * 1000;
  };
  const byHour = new Map<number, number>();
  const offsetAt = (ms: number): number => {
    const h = Math.floor(ms / HOUR);
    const cached = byHour.get(h);
    if (cached !== undefined) return cached;
    const start = exact(h * HOUR);
    // An hour whose two ends agree has one offset (tz transitions are at least hours apart);
    // one with a transition inside is computed per call.
    if (start !== exact(h * HOUR + HOUR - 1)) return exact(ms);
    if (byHour.size >= 100_000) byHour.clear();
    byHour.set(h, start);
    return start;
  };
  return {
    id,
    offsetAt,
    toLocal: (ms) => ms + offsetAt(ms),
    toUtc: (local) => {
      const before = offsetAt(local - DAY);
      if (offsetAt(local - before) === before) return local - before;
      const after = offsetAt(local + DAY);
      if (offsetAt(local - after) === after) return local - after;
      // In a gap: the wall clock moved forward by the gap, i.e. read with the offset before it.
      return local - before;
    },
  };
}

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
    zone = offset === 0 ? undefined : fixedZone(value, offset);
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
