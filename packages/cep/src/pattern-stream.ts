/**
 * A stream of matches (Flink's `PatternStream`): what `CEP.pattern` returns, turned into a
 * DataStream by `select`, `flatSelect` or `process`. The stream these return is the CEP
 * operator's own, so its side outputs (`timedOut`, `dropped`, `lateOutput`) are read from it with
 * `getSideOutput(tag)`.
 */
import type { DataStream } from "@fleuve/core";
import { FleuveError } from "@fleuve/core";
import type { MatchCollector, PatternContext, PatternProcessFunction } from "./pattern-process-function.js";

/** Builds the CEP operator around a pattern function (given by `CEP`). */
export type PatternStreamBuilder<M> = <OUT>(fn: PatternProcessFunction<M, OUT>) => DataStream<OUT>;

/** The matches `M` of a pattern over a stream, to turn into results. */
export class PatternStream<M> {
  /** @internal made by `CEP.pattern` / `CEP.dynamicPatterns` */
  constructor(private readonly build: PatternStreamBuilder<M>) {}

  /** One result per match. */
  select<OUT>(fn: (match: M, ctx: PatternContext) => OUT): DataStream<OUT> {
    checkFunction(fn, "select");
    return this.build<OUT>({
      processMatch: (match, ctx, out) => out.collect(fn(match, ctx)),
    });
  }

  /** Zero or more results per match. */
  flatSelect<OUT>(fn: (match: M, out: MatchCollector<OUT>, ctx: PatternContext) => void): DataStream<OUT> {
    checkFunction(fn, "flatSelect");
    return this.build<OUT>({
      processMatch: (match, ctx, out) => fn(match, out, ctx),
    });
  }

  /** A pattern function: matches with their context (timestamp, key, pattern id, side outputs). */
  process<OUT>(fn: PatternProcessFunction<M, OUT>): DataStream<OUT> {
    if (fn === null || typeof fn !== "object" || typeof fn.processMatch !== "function") {
      throw new FleuveError(
        "FLEUVE_GRAPH_INVALID",
        "PatternStream.process(fn): fn must be an object with a processMatch(match, ctx, out) method",
      );
    }
    return this.build<OUT>(fn);
  }
}

function checkFunction(fn: unknown, method: string): void {
  if (typeof fn !== "function") {
    throw new FleuveError(
      "FLEUVE_GRAPH_INVALID",
      `PatternStream.${method}(...) needs a function, got ${fn === null ? "null" : typeof fn}`,
    );
  }
}
