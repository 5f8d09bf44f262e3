/**
 * The fields of a TIMESTAMP (epoch ms) as Flink 1.20 reads them, for EXTRACT and its shorthands
 * (YEAR, HOUR...) and CAST to DATE: Flink divides the epoch milliseconds as Java does, toward zero,
 * so before 1970 a time that is not midnight has the next day's date fields and negative time
 * fields (TIMESTAMP '1969-12-31 00:00:00.001' is in year 1970 at hour -23 there). Probed on
 * bench/flink over 120 timestamps from year 1 to 9999 (test/planner/timestamp-fields.test.ts).
 */

const DAY_MS = 86_400_000;

/** The midnight (epoch ms) of the day Flink 1.20 takes a TIMESTAMP's date fields from. */
export function flinkDay(ms: number): number {
  // + 0: no -0 (Math.trunc(-0.5)), which Java's longs do not have.
  return Math.trunc(ms / DAY_MS) * DAY_MS + 0;
}

/**
 * The time units of a TIMESTAMP's epoch ms `v` as Flink 1.20's DateTimeUtils computes them:
 * Java's remainder by the next unit up, divided toward zero, so a time before 1970 gives negative
 * fields (TIMESTAMP '1969-12-31 23:59:59.5' has MILLISECOND -500, HOUR 0, EPOCH 0); MILLISECOND is
 * of the second (789 of 12:34:56.789), MICROSECOND and NANOSECOND the same in their units.
 */
export const TIMESTAMP_TIME_UNITS: Readonly<Record<string, (v: number) => number>> = {
  HOUR: (v) => Math.trunc((v % DAY_MS) / 3_600_000) + 0,
  MINUTE: (v) => Math.trunc((v % 3_600_000) / 60_000) + 0,
  SECOND: (v) => Math.trunc((v % 60_000) / 1000) + 0,
  MILLISECOND: (v) => Math.trunc(v % 1000) + 0,
  MICROSECOND: (v) => Math.trunc(v % 1000) * 1000 + 0,
  NANOSECOND: (v) => Math.trunc(v % 1000) * 1_000_000 + 0,
  EPOCH: (v) => Math.trunc(v / 1000) + 0,
};
