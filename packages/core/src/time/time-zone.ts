/**
 * Time zones as wall-clock conversions: an instant (epoch ms) to the wall-clock time of a zone
 * (epoch ms of that wall clock read as UTC) and back, as java.time does it. Shared by the SQL
 * session zone (`table.local-time-zone`) and the filesystem sink's partition time.
 *
 * Offsets come from Node's Intl (ICU's tz database, as Java's): one formatter per zone, and
 * offsets cached by hour, so a conversion costs a Map lookup, not an Intl call.
 */

/** A time zone: converts instants to wall-clock times and back. */
export interface TimeZone {
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

/** A zone at a fixed offset (ms, east positive) from UTC, such as `GMT+08:00`. */
export function fixedOffsetZone(id: string, offset: number): TimeZone {
  return {
    id,
    offsetAt: () => offset,
    toLocal: (ms) => ms + offset,
    toUtc: (local) => local - offset,
  };
}

const REGIONS = new Map<string, TimeZone>();

/**
 * The tz database zone `id` (`Europe/Paris`, `UTC`, `Etc/GMT-8`), made once per id. Throws a
 * RangeError for an id Intl does not know: callers validate options with it and name the option.
 */
export function regionZone(id: string): TimeZone {
  let zone = REGIONS.get(id);
  if (zone === undefined) {
    zone = makeRegionZone(id);
    REGIONS.set(id, zone);
  }
  return zone;
}

function makeRegionZone(id: string): TimeZone {
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
      // Zones change offset at most once in two days: the offsets a day either side are the candidates.
      const before = offsetAt(local - DAY);
      if (offsetAt(local - before) === before) return local - before;
      const after = offsetAt(local + DAY);
      if (offsetAt(local - after) === after) return local - after;
      // In a gap: the wall clock moved forward by the gap, i.e. read with the offset before it.
      return local - before;
    },
  };
}

/** java.time.ZoneId.SHORT_IDS: refused by Flink's check (ZoneId.of throws, or differs from TimeZone's). */
const JAVA_SHORT_IDS: ReadonlySet<string> = new Set(
  "ACT AET AGT ART AST BET BST CAT CNT CST CTT EAT ECT IET IST JST MIT NET NST PLT PNT PRT PST SST VST EST MST HST".split(
    " ",
  ),
);

const FLINK_ZONES = new Map<string, TimeZone | undefined>();

/**
 * The zone a Flink zone option names (`table.local-time-zone`, the filesystem sink's
 * `sink.partition-commit.watermark-time-zone`), undefined for UTC, accepting what Flink's check
 * accepts (java.util.TimeZone's zone equal to ZoneId.of's): a tz database id as Java spells it
 * (case-sensitive), `UTC`, or `GMT` with an offset (`GMT+8`, `GMT+08:00`). Intl alone would take
 * ids Java refuses (`europe/paris`, `PST`) and refuse ones Java takes (`GMT+08:00`).
 * Throws a RangeError saying why for anything else: callers name the option.
 */
export function flinkZone(value: string): TimeZone | undefined {
  if (FLINK_ZONES.has(value)) return FLINK_ZONES.get(value);
  let zone: TimeZone | undefined;
  const gmt = /^GMT([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(value);
  if (value === "UTC" || value === "GMT" || value === "Etc/UTC") {
    zone = undefined;
  } else if (gmt !== null) {
    const h = Number(gmt[2]);
    const m = Number(gmt[3] ?? 0);
    if (h > 18 || m > 59 || (h === 18 && m > 0)) throw new RangeError("the offset is beyond ±18:00");
    const offset = (gmt[1] === "-" ? -1 : 1) * (h * HOUR + m * 60_000);
    zone = offset === 0 ? undefined : fixedOffsetZone(value, offset);
  } else {
    // Offsets without GMT (`+08:00`, `UTC+8`, `Z`) and Java's three-letter short ids are not ids
    // Flink accepts (ZoneId.of refuses them, or TimeZone reads them otherwise); Intl reads some.
    if (value === "Z" || /^[+-]|^UTC[+-]|^\s|\s$/.test(value) || JAVA_SHORT_IDS.has(value))
      throw new RangeError("not a time zone id Flink accepts");
    let resolved: string;
    try {
      resolved = new Intl.DateTimeFormat("en-US", { timeZone: value }).resolvedOptions().timeZone;
    } catch {
      throw new RangeError("unknown time zone");
    }
    // Java's ids are case-sensitive ('europe/paris' is refused), Intl's are not.
    if (resolved !== value && resolved.toLowerCase() === value.toLowerCase())
      throw new RangeError(`time zone ids are case-sensitive (did you mean '${resolved}'?)`);
    zone = resolved === "UTC" || resolved === "Etc/UTC" ? undefined : regionZone(value);
  }
  FLINK_ZONES.set(value, zone);
  return zone;
}
