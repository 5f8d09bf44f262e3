// SET 'table.local-time-zone', as Flink 1.20 applies it: a TIMESTAMP_LTZ is an instant, read
// through the session zone's wall clock when cast to TIMESTAMP, STRING, DATE or TIME, by HOUR,
// DATE_FORMAT, EXTRACT, and by FROM_UNIXTIME; a TIMESTAMP, DATE or string cast to TIMESTAMP_LTZ and
// UNIX_TIMESTAMP's text are wall-clock times of that zone (in a DST gap moved forward by the gap,
// in an overlap the earlier instant, as Java's ZonedDateTime.ofLocal). LOCALTIMESTAMP,
// CURRENT_DATE, CURRENT_TIME are the zone's wall clock. Expected values are written out: the
// Flink docs' Timezone page examples ('UTC', 'Asia/Shanghai', 'America/Los_Angeles'), and DST
// days of 'Europe/Paris' worked by hand. The conversions are checked against a brute-force offset
// computation (Intl's longOffset names, another ICU path) over random instants and zones.
// Windows and TIMESTAMPADD / TIMESTAMPDIFF in a zone: local-time-zone-windows.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, ManualProcessingTime, StreamExecutionEnvironment } from "@fleuve/core";
import { parseZone, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { bruteOffset, transitions, ZONES as WINDOW_ZONES } from "../fixtures/zone-offsets.js";

function envAt(time = 0) {
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    processingTime: new ManualProcessingTime(time),
    log: () => {},
  });
  return sql(env);
}

async function rowIn(zone: string, query: string, time = 0): Promise<Row> {
  const tEnv = envAt(time);
  await tEnv.executeSql(`SET 'table.local-time-zone' = '${zone}'`);
  const rows = await (await tEnv.executeSql(query)).collect();
  assert.equal(rows.length, 1);
  return rows[0] as Row;
}

test("Flink docs: TO_TIMESTAMP_LTZ(4001, 3) shows 00:00:04.001 in UTC and 08:00:04.001 in Asia/Shanghai; a TIMESTAMP does not move", async () => {
  const q =
    "SELECT CAST(TO_TIMESTAMP_LTZ(4001, 3) AS STRING) AS ltz, TO_TIMESTAMP_LTZ(4001, 3) AS instant, CAST(TIMESTAMP '1970-01-01 00:00:04.001' AS STRING) AS ntz";
  assert.deepEqual(await rowIn("UTC", q), {
    ltz: "1970-01-01 00:00:04.001",
    instant: 4001,
    ntz: "1970-01-01 00:00:04.001",
  });
  assert.deepEqual(await rowIn("Asia/Shanghai", q), {
    ltz: "1970-01-01 08:00:04.001",
    instant: 4001,
    ntz: "1970-01-01 00:00:04.001",
  });
});

test("Flink docs: the time functions at 2021-04-15 15:18:36.384 UTC, in UTC and in Asia/Shanghai", async () => {
  const now = Date.UTC(2021, 3, 15, 15, 18, 36, 384);
  const q =
    "SELECT CAST(LOCALTIMESTAMP AS STRING) AS lts, CAST(CURRENT_DATE AS STRING) AS d, CAST(CURRENT_TIME AS STRING) AS t, CAST(LOCALTIME AS STRING) AS lt, CAST(CURRENT_TIMESTAMP AS STRING) AS cts, CAST(NOW() AS STRING) AS n, CURRENT_TIMESTAMP AS instant";
  assert.deepEqual(await rowIn("UTC", q, now), {
    lts: "2021-04-15 15:18:36.384",
    d: "2021-04-15",
    t: "15:18:36",
    lt: "15:18:36",
    cts: "2021-04-15 15:18:36.384",
    n: "2021-04-15 15:18:36.384",
    instant: now,
  });
  assert.deepEqual(await rowIn("Asia/Shanghai", q, now), {
    lts: "2021-04-15 23:18:36.384",
    d: "2021-04-15",
    t: "23:18:36",
    lt: "23:18:36",
    cts: "2021-04-15 23:18:36.384",
    n: "2021-04-15 23:18:36.384",
    instant: now,
  });
  // An hour later it is already the 16th in Shanghai, still the 15th in UTC.
  const later = now + 3_600_000;
  assert.deepEqual(await rowIn("Asia/Shanghai", "SELECT CAST(CURRENT_DATE AS STRING) AS d", later), {
    d: "2021-04-16",
  });
  assert.deepEqual(await rowIn("UTC", "SELECT CAST(CURRENT_DATE AS STRING) AS d", later), {
    d: "2021-04-15",
  });
});

test("Flink docs: America/Los_Angeles jumps from 01:59:59 to 03:00:00 on 2021-03-14", async () => {
  const r = await rowIn(
    "America/Los_Angeles",
    "SELECT CAST(TO_TIMESTAMP_LTZ(1615715999000, 3) AS STRING) AS before_jump, CAST(TO_TIMESTAMP_LTZ(1615716000000, 3) AS STRING) AS after_jump",
  );
  assert.deepEqual(r, { before_jump: "2021-03-14 01:59:59.000", after_jump: "2021-03-14 03:00:00.000" });
});

test("Europe/Paris DST: a wall-clock time in the spring gap moves forward by the gap; in the autumn overlap it is the earlier instant", async () => {
  const r = await rowIn(
    "Europe/Paris",
    `SELECT
       CAST(TIMESTAMP '2024-03-31 02:30:00' AS TIMESTAMP_LTZ(3)) AS gap,
       CAST(CAST(TIMESTAMP '2024-03-31 02:30:00' AS TIMESTAMP_LTZ(3)) AS STRING) AS gap_text,
       CAST('2024-10-27 02:30:00' AS TIMESTAMP_LTZ(3)) AS overlap,
       CAST(TO_TIMESTAMP_LTZ(${Date.UTC(2024, 9, 27, 0, 30)}, 3) AS STRING) AS first_230,
       CAST(TO_TIMESTAMP_LTZ(${Date.UTC(2024, 9, 27, 1, 30)}, 3) AS STRING) AS second_230,
       CAST(TO_TIMESTAMP_LTZ(${Date.UTC(2024, 9, 27, 1, 30)}, 3) AS TIMESTAMP(3)) AS second_230_ts,
       UNIX_TIMESTAMP('2024-10-27 02:30:00') AS unix_overlap,
       UNIX_TIMESTAMP('2024-03-31 02:30:00') AS unix_gap,
       UNIX_TIMESTAMP('2024-03-31 02:30:00 +0000', 'yyyy-MM-dd HH:mm:ss Z') AS unix_with_offset,
       FROM_UNIXTIME(${Date.UTC(2024, 2, 31, 0, 59, 59) / 1000}) AS before_spring,
       FROM_UNIXTIME(${Date.UTC(2024, 2, 31, 1, 0, 0) / 1000}) AS after_spring,
       CAST(DATE '2024-03-31' AS TIMESTAMP_LTZ(3)) AS midnight`,
  );
  assert.deepEqual(r, {
    // (TIMESTAMP_LTZ(3) as text has its three digits, as Flink casts it.)
    // 02:30 does not exist on 2024-03-31 in Paris: 03:30 CEST, 01:30 UTC.
    gap: Date.UTC(2024, 2, 31, 1, 30),
    gap_text: "2024-03-31 03:30:00.000",
    // 02:30 happens twice on 2024-10-27: first at +02:00 (00:30 UTC).
    overlap: Date.UTC(2024, 9, 27, 0, 30),
    first_230: "2024-10-27 02:30:00.000",
    second_230: "2024-10-27 02:30:00.000",
    second_230_ts: Date.UTC(2024, 9, 27, 2, 30),
    unix_overlap: Date.UTC(2024, 9, 27, 0, 30) / 1000,
    unix_gap: Date.UTC(2024, 2, 31, 1, 30) / 1000,
    unix_with_offset: Date.UTC(2024, 2, 31, 2, 30) / 1000,
    before_spring: "2024-03-31 01:59:59",
    after_spring: "2024-03-31 03:00:00",
    midnight: Date.UTC(2024, 2, 30, 23, 0),
  });
});

test("a TIMESTAMP_LTZ's DATE, TIME, HOUR, EXTRACT and DATE_FORMAT are those of its wall-clock time", async () => {
  // 2024-01-01 23:30 UTC is 2024-01-02 00:30 in Paris (+01:00) and 2024-01-01 15:30 in Los Angeles.
  const at = Date.UTC(2024, 0, 1, 23, 30);
  const q = `SELECT CAST(CAST(t AS DATE) AS STRING) AS d, CAST(CAST(t AS TIME) AS STRING) AS tm, HOUR(t) AS h, EXTRACT(DAY FROM t) AS dd, DATE_FORMAT(t, 'yyyy-MM-dd HH:mm') AS f, t > '2024-01-02 00:00:00' AS after_text, t = '2024-01-02 00:30:00' AS equals_text
     FROM (SELECT TO_TIMESTAMP_LTZ(${at}, 3) AS t)`;
  assert.deepEqual(await rowIn("Europe/Paris", q), {
    d: "2024-01-02",
    tm: "00:30:00",
    h: 0,
    dd: 2,
    f: "2024-01-02 00:30",
    // A string compared with a TIMESTAMP_LTZ is cast to one: a wall-clock time of the zone.
    after_text: true,
    equals_text: true,
  });
  assert.deepEqual(await rowIn("America/Los_Angeles", q), {
    d: "2024-01-01",
    tm: "15:30:00",
    h: 15,
    dd: 1,
    f: "2024-01-01 15:30",
    after_text: false,
    equals_text: false,
  });
  // A fixed offset, as Flink writes it.
  assert.deepEqual(await rowIn("GMT+08:00", q), {
    d: "2024-01-02",
    tm: "07:30:00",
    h: 7,
    dd: 2,
    f: "2024-01-02 07:30",
    after_text: true,
    equals_text: false,
  });
  assert.deepEqual(await rowIn("GMT-3", "SELECT CAST(TO_TIMESTAMP_LTZ(0, 3) AS STRING) AS s"), {
    s: "1969-12-31 21:00:00.000",
  });
});

test("a zone Flink does not accept fails at SET with FLEUVE_CONFIG_INVALID naming the option", async () => {
  for (const bad of [
    "Mars/Olympus",
    "+08:00",
    "UTC+8",
    "GMT+19:00",
    "",
    " Europe/Paris",
    "PST",
    "europe/paris",
  ]) {
    const tEnv = envAt();
    await assert.rejects(
      async () => tEnv.executeSql(`SET 'table.local-time-zone' = '${bad}'`),
      (err: unknown) =>
        err instanceof FleuveError &&
        err.code === "FLEUVE_CONFIG_INVALID" &&
        err.message.includes("'table.local-time-zone'") &&
        err.details?.option === "table.local-time-zone" &&
        err.details?.value === bad,
      bad,
    );
  }
});

// ---------------------------------------------------------------------------------------------
// Against a brute-force offset computation.

const ZONES = [...WINDOW_ZONES, "Europe/London", "Pacific/Apia" /* skipped a whole day in 2011 */];
/** Every instant whose wall-clock time in `zone` is `local` (none in a gap, two in an overlap). */
function bruteInstants(zone: string, local: number): number[] {
  const offsets = new Set<number>();
  for (let t = local - 2 * 86_400_000; t <= local + 2 * 86_400_000; t += 900_000)
    offsets.add(bruteOffset(zone, t));
  return [...offsets]
    .map((o) => local - o)
    .filter((t) => bruteOffset(zone, t) === local - t)
    .sort((a, b) => a - b);
}

// 1972..2099, where tz offsets are whole minutes.
const instant = fc.integer({ min: Date.UTC(1972, 0, 1), max: Date.UTC(2099, 11, 31) });
const zoneArb = fc.constantFrom(...ZONES);
/**
 * The offset in effect just before the transition whose gap holds the wall-clock time `local`
 * (undefined if none does). Gaps are as long as the transition makes them: Pacific/Apia skipped
 * a whole day in 2011, so the offset two hours before an instant is not always the one before.
 */
function offsetBeforeGap(zone: string, local: number): number | undefined {
  const year = new Date(local).getUTCFullYear();
  for (const at of [
    ...transitions(zone, year - 1),
    ...transitions(zone, year),
    ...transitions(zone, year + 1),
  ]) {
    const before = bruteOffset(zone, at - 1);
    if (at + before <= local && local < at + bruteOffset(zone, at)) return before;
  }
  return undefined;
}
/** A zone and an instant within three hours of one of its transitions (or anywhere, in a year without). */
const nearTransition = fc
  .record({
    id: zoneArb,
    year: fc.integer({ min: 1975, max: 2040 }),
    pick: fc.nat(),
    delta: fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 }),
    t: instant,
  })
  .map(({ id, year, pick, delta, t }) => {
    const ts = transitions(id, year);
    return [id, ts.length === 0 ? t : (ts[pick % ts.length] as number) + delta] as const;
  });
const zoneAndInstant = fc.oneof(
  fc.tuple(zoneArb, instant).map(([id, t]) => [id, t] as const),
  nearTransition,
  nearTransition,
);

test("Pacific/Apia skipped 30 December 2011: a wall-clock time of that day moves forward by the whole day, as Java's ZonedDateTime.ofLocal", () => {
  const zone = parseZone("Pacific/Apia");
  assert.ok(zone !== undefined);
  // 2011-12-29T24:00-10:00 was followed by 2011-12-31T00:00+14:00 (the instant 2011-12-30T10:00Z).
  assert.equal(zone.toUtc(Date.UTC(2011, 11, 30, 10)), Date.UTC(2011, 11, 30, 20));
  assert.equal(zone.toUtc(Date.UTC(2011, 11, 29, 23)), Date.UTC(2011, 11, 30, 9));
  assert.equal(zone.toLocal(Date.UTC(2011, 11, 30, 10)), Date.UTC(2011, 11, 31, 0));
  assert.equal(offsetBeforeGap("Pacific/Apia", Date.UTC(2011, 11, 30, 10)), -10 * 3_600_000);
});

test("property: toLocal is the instant plus the brute-force offset; toUtc picks Java's instant for every wall-clock time", () => {
  let gaps = 0;
  let overlaps = 0;
  fc.assert(
    fc.property(zoneAndInstant, ([id, t]) => {
      const zone = parseZone(id);
      assert.ok(zone !== undefined);
      assert.equal(zone.toLocal(t), t + bruteOffset(id, t), `${id} toLocal(${new Date(t).toISOString()})`);
      // t read as a wall-clock time.
      const local = t;
      const candidates = bruteInstants(id, local);
      const got = zone.toUtc(local);
      if (candidates.length > 0) {
        // One instant, or the earlier of an overlap's two.
        assert.equal(got, candidates[0], `${id} toUtc(${new Date(local).toISOString()})`);
        if (candidates.length === 2) overlaps++;
      } else {
        // A gap: the wall clock moved forward by the gap's length (read with the offset before it).
        const before = offsetBeforeGap(id, local);
        assert.ok(
          before !== undefined,
          `${id}: no transition makes a gap at ${new Date(local).toISOString()}`,
        );
        assert.equal(got, local - before, `${id} toUtc(gap ${new Date(local).toISOString()})`);
        assert.ok(zone.toLocal(got) > local);
        gaps++;
      }
    }),
    { numRuns: 400 },
  );
  // The generator reaches both DST cases, or the property above proved little.
  assert.ok(gaps > 0 && overlaps > 0, `gaps ${gaps}, overlaps ${overlaps}`);
});

test("property: LTZ -> TIMESTAMP -> LTZ gives the instant back, except the second pass of an overlap, which gives the first", () => {
  fc.assert(
    fc.property(zoneAndInstant, ([id, t]) => {
      const zone = parseZone(id);
      assert.ok(zone !== undefined);
      const back = zone.toUtc(zone.toLocal(t));
      const same = bruteInstants(id, t + bruteOffset(id, t));
      assert.equal(back, same[0]);
      assert.ok(back === t || (same.length === 2 && same[1] === t));
    }),
    { numRuns: 400 },
  );
});

test("CAST of random instants to TIMESTAMP and back in SQL agrees with the brute-force offsets", async () => {
  const samples = fc.sample(zoneAndInstant, { numRuns: 40, seed: 7 }).map(([, t]) => t);
  for (const id of ["Europe/Paris", "Australia/Lord_Howe"]) {
    const values = samples.map((t) => `(${t})`).join(", ");
    const tEnv = envAt();
    await tEnv.executeSql(`SET 'table.local-time-zone' = '${id}'`);
    const rows = await (
      await tEnv.executeSql(
        `SELECT ms, CAST(TO_TIMESTAMP_LTZ(ms, 3) AS TIMESTAMP(3)) AS local_ts, CAST(CAST(TO_TIMESTAMP_LTZ(ms, 3) AS TIMESTAMP(3)) AS TIMESTAMP_LTZ(3)) AS back FROM (VALUES ${values}) AS v(ms)`,
      )
    ).collect();
    assert.equal(rows.length, samples.length);
    for (const r of rows as Row[]) {
      const t = r.ms as number;
      const local = t + bruteOffset(id, t);
      assert.equal(r.local_ts, local, `${id} ${t}`);
      assert.equal(r.back, bruteInstants(id, local)[0], `${id} ${t}`);
    }
  }
});
