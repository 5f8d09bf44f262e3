/**
 * A table's WATERMARK generated in its source, per split, as Flink's SupportsWatermarkPushDown
 * sources (Kafka) do: each partition has its own watermark and the source's is the minimum over
 * them, so a partition that has read nothing yet holds it back until it is idle, after
 * `'scan.watermark.idle-timeout'` (the table's option) or `table.exec.source.idle-timeout` (SET)
 * of processing time without a record. Other tables get their watermark after decoding (Flink's
 * WatermarkAssigner), idle after `table.exec.source.idle-timeout` as Flink's is.
 *
 * When the watermark is emitted follows Flink too ({@link WatermarkEmit}): a source with push-down
 * per its `'scan.watermark.emit.strategy'`, the WatermarkAssigner after every row that advances it
 * by more than the auto-watermark interval (and periodically).
 */
import { type WatermarkGenerator, type WatermarkOutput, WatermarkStrategy } from "@fleuve/core";
import { invalid } from "./problems.js";
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

/**
 * The table option of Flink 1.20's sources with watermark push-down (FLIP-296) choosing when
 * their watermark is emitted: `'on-periodic'` (the default) every auto-watermark interval,
 * `'on-event'` after every row that advances it.
 */
export const EMIT_STRATEGY_OPTION = "scan.watermark.emit.strategy";

/** The values of {@link EMIT_STRATEGY_OPTION} (Flink's WatermarkEmitStrategy). */
const EMIT_STRATEGIES = ["on-event", "on-periodic"] as const;

/**
 * When a table's watermark is emitted, as in Flink 1.20:
 * - `"on-event"` / `"on-periodic"`: a source with watermark push-down, per its
 *   {@link EMIT_STRATEGY_OPTION}: after every row that advances it (never periodically), or only
 *   every auto-watermark interval (DefaultWatermarkGenerator);
 * - `{ eagerGapMs }`: Flink's WatermarkAssigner (every other table): after a row that advances it
 *   by more than `eagerGapMs` past the last one emitted (`pipeline.auto-watermark-interval`, whose
 *   milliseconds Flink compares with event time), and every interval.
 */
export type WatermarkEmit = (typeof EMIT_STRATEGIES)[number] | { readonly eagerGapMs: number };

/**
 * The {@link EMIT_STRATEGY_OPTION} of table `table` (`value` as written; undefined: Flink's
 * default, `'on-periodic'`; any case, as Flink reads enum options). Another value is refused with
 * Flink's message, naming the option and the values it takes.
 */
export function emitStrategyOption(table: string, value: string | undefined): "on-event" | "on-periodic" {
  if (value === undefined) return "on-periodic";
  const found = EMIT_STRATEGIES.find((s) => s === value.toLowerCase());
  if (found !== undefined) return found;
  throw invalid(
    `table ${table}: Invalid value for option '${EMIT_STRATEGY_OPTION}': Could not parse value '${value}' for key '${EMIT_STRATEGY_OPTION}'. Expected one of: [${EMIT_STRATEGIES.join(", ")}]`,
    undefined,
    { table, option: EMIT_STRATEGY_OPTION, value },
  );
}

/** The SET option whose milliseconds Flink's WatermarkAssigner takes as its eager gap. */
const AUTO_WATERMARK_INTERVAL_SETTING = "pipeline.auto-watermark-interval";

/**
 * The eager gap (ms) of the WatermarkAssigner of tables without watermark push-down:
 * `SET 'pipeline.auto-watermark-interval'` when given (`'0'`: a watermark after every row that
 * advances it), else the job's auto-watermark interval `jobIntervalMs`.
 */
export function assignerEagerGapMs(
  settings: ReadonlyMap<string, string> | undefined,
  jobIntervalMs: number,
): number {
  const v = settings?.get(AUTO_WATERMARK_INTERVAL_SETTING);
  return v === undefined ? jobIntervalMs : parseDuration(v, AUTO_WATERMARK_INTERVAL_SETTING);
}

/**
 * Flink SQL's watermark: the maximum of (rowtime - delay) seen, emitted as {@link WatermarkEmit}
 * says (the watermark assigner's `currentWatermark - lastWatermark > interval` check after each
 * row, or the push-down generator's per-event or periodic emit).
 */
class SqlWatermarkGenerator<T> implements WatermarkGenerator<T> {
  private max = Number.NEGATIVE_INFINITY;
  private emitted = Number.NEGATIVE_INFINITY;
  /** A row advancing the watermark by more than this emits it; undefined: rows never do. */
  private readonly gap: number | undefined;
  private readonly periodic: boolean;
  constructor(
    private readonly delay: number,
    emit: WatermarkEmit,
  ) {
    this.gap = emit === "on-event" ? 0 : emit === "on-periodic" ? undefined : emit.eagerGapMs;
    this.periodic = emit !== "on-event";
  }
  onEvent(_event: T, timestamp: number, output: WatermarkOutput): void {
    if (timestamp - this.delay > this.max) this.max = timestamp - this.delay;
    // Before any row max and emitted are both -Infinity, and their difference NaN: no emit.
    if (this.gap !== undefined && this.max - this.emitted > this.gap) this.emit(output);
  }
  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.periodic && this.max > this.emitted) this.emit(output);
  }
  private emit(output: WatermarkOutput): void {
    this.emitted = this.max;
    output.emitWatermark(this.max);
  }
}

/** A table's watermark: its rowtime column and the delay of `WATERMARK FOR col AS col - delay`. */
export interface SqlWatermark {
  readonly table: string;
  readonly field: string;
  readonly delay: number;
  readonly idleTimeoutMs: number | undefined;
  readonly emit: WatermarkEmit;
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
  const { table, field, delay, idleTimeoutMs, emit } = wm;
  const strategy = WatermarkStrategy.forGenerator<E>(
    () => new SqlWatermarkGenerator<E>(delay, emit),
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
