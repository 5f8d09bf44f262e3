/**
 * A table's WATERMARK generated in its source, per split, as Flink's SupportsWatermarkPushDown
 * sources (Kafka) do: each partition has its own watermark and the source's is the minimum over
 * them, so a partition that has read nothing yet holds it back until it is idle, after
 * `'scan.watermark.idle-timeout'` (the table's option) or `table.exec.source.idle-timeout` (SET)
 * of processing time without a record. Other tables get their watermark after decoding (Flink's
 * WatermarkAssigner), idle after `table.exec.source.idle-timeout` as Flink's is.
 */
import { type WatermarkGenerator, type WatermarkOutput, WatermarkStrategy } from "@fleuve/core";
import { parseDuration } from "./settings.js";
import type { Row } from "./values.js";

/** The table option of Flink 1.20's sources with watermark push-down (FLIP-296). */
export const IDLE_TIMEOUT_OPTION = "scan.watermark.idle-timeout";
/** The SET option that applies to every source without that table option. */
const IDLE_TIMEOUT_SETTING = "table.exec.source.idle-timeout";

/**
 * Connectors whose sources read partitions as splits, each with a watermark of its own
 * (SourceOutput.forSplit): their tables' watermarks are generated in the source, as Flink's
 * Kafka tables' are, and they take {@link IDLE_TIMEOUT_OPTION}.
 */
const SPLIT_WATERMARK_CONNECTORS: ReadonlySet<string> = new Set([
  "kafka",
  "upsert-kafka",
  "log",
  "upsert-log",
]);

/** Whether tables of `connector` generate their watermark in the source, per split. */
export function pushesWatermark(connector: string): boolean {
  return SPLIT_WATERMARK_CONNECTORS.has(connector);
}

/**
 * The idle timeout (ms) of table `table`'s source: its `'scan.watermark.idle-timeout'` if set (the
 * value `tableOption`), else `table.exec.source.idle-timeout` from `settings`; undefined for none
 * or `0` (Flink's default). A value that is no duration is refused naming its option.
 */
export function sourceIdleTimeoutMs(
  table: string,
  tableOption: string | undefined,
  settings: ReadonlyMap<string, string> | undefined,
): number | undefined {
  const ms =
    tableOption !== undefined
      ? parseDuration(
          tableOption,
          IDLE_TIMEOUT_OPTION,
          `table ${table}: '${IDLE_TIMEOUT_OPTION}' = '${tableOption}'`,
        )
      : settings?.get(IDLE_TIMEOUT_SETTING) === undefined
        ? 0
        : parseDuration(settings.get(IDLE_TIMEOUT_SETTING) as string, IDLE_TIMEOUT_SETTING);
  return ms === 0 ? undefined : ms;
}

/** Flink SQL's watermark: the maximum of (rowtime - delay) seen, emitted periodically. */
class SqlWatermarkGenerator<T> implements WatermarkGenerator<T> {
  private max = Number.NEGATIVE_INFINITY;
  constructor(private readonly delay: number) {}
  onEvent(_event: T, timestamp: number): void {
    if (timestamp - this.delay > this.max) this.max = timestamp - this.delay;
  }
  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.max > Number.NEGATIVE_INFINITY) output.emitWatermark(this.max);
  }
}

/** A table's watermark: its rowtime column and the delay of `WATERMARK FOR col AS col - delay`. */
export interface SqlWatermark {
  readonly table: string;
  readonly field: string;
  readonly delay: number;
  readonly idleTimeoutMs: number | undefined;
}

/**
 * The watermark strategy of `wm` over events of type `E`, whose rows `rowOf` gives (undefined: an
 * event that gives no row, which moves no watermark): timestamps from the rowtime column, a row
 * whose rowtime is NULL refused naming the table and column.
 */
export function sqlWatermarkStrategy<E>(
  wm: SqlWatermark,
  rowOf: (event: E) => Row | undefined,
): WatermarkStrategy<E> {
  const { table, field, delay, idleTimeoutMs } = wm;
  const strategy = WatermarkStrategy.forGenerator<E>(
    () => new SqlWatermarkGenerator<E>(delay),
  ).withTimestampAssigner((event) => {
    const row = rowOf(event);
    if (row === undefined) return Number.NEGATIVE_INFINITY;
    const ts = row[field];
    if (typeof ts !== "number") throw new Error(`table ${table}: the rowtime column ${field} is NULL`);
    return ts;
  });
  return idleTimeoutMs === undefined ? strategy : strategy.withIdleness(idleTimeoutMs);
}

/**
 * `decode` run once per record when both the source's timestamp assigner and the decoding map
 * after it need the row: `peek` decodes and keeps the last record's row, `take` hands it over (or
 * decodes a record it does not hold: one that crossed a thread, or a map not chained to the source).
 */
export function decodeOnce<R>(decode: (rec: R) => Row | undefined): {
  peek: (rec: R) => Row | undefined;
  take: (rec: R) => Row | undefined;
} {
  let held: R | undefined;
  let row: Row | undefined;
  return {
    peek: (rec) => {
      held = undefined;
      row = decode(rec);
      held = rec;
      return row;
    },
    take: (rec) => {
      if (held !== rec) return decode(rec);
      held = undefined;
      return row;
    },
  };
}
