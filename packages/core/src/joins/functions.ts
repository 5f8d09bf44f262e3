/**
 * User function types of the joins: Flink's ProcessJoinFunction (interval join), JoinFunction /
 * FlatJoinFunction (window join) and CoGroupFunction (window coGroup).
 */
import type { Collector, RichFunction } from "../functions/functions.js";
import type { OutputTag } from "../spi/output-tag.js";

/** What a {@link ProcessJoinFunction} sees about the pair being joined. */
export interface ProcessJoinContext {
  /** Event timestamp of the left record. */
  readonly leftTimestamp: number;
  /** Event timestamp of the right record. */
  readonly rightTimestamp: number;
  /** Timestamp of the joined pair: the larger of the two (also the output records' timestamp). */
  readonly timestamp: number;
  /** Emits to a side output, with the pair's timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Flink's ProcessJoinFunction: called once per joined pair of an interval join. */
export interface ProcessJoinFunction<L, R, OUT> extends RichFunction {
  processElement(left: L, right: R, ctx: ProcessJoinContext, out: Collector<OUT>): void;
}

/** Flink's JoinFunction: one result per pair of a window join. */
export type JoinFunction<L, R, OUT> = (left: L, right: R) => OUT;

/** Flink's FlatJoinFunction: zero or more results per pair of a window join. */
export type FlatJoinFunction<L, R, OUT> = (left: L, right: R, out: Collector<OUT>) => void;

/**
 * Flink's CoGroupFunction: called once per window and key with all records of both sides (one of
 * the two lists may be empty, never both).
 */
export type CoGroupFunction<L, R, OUT> = (
  lefts: readonly L[],
  rights: readonly R[],
  out: Collector<OUT>,
) => void;
