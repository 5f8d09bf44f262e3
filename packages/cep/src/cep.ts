/**
 * The entry point of the CEP API (Flink's `CEP.pattern`): a pattern over a stream gives a
 * {@link PatternStream}, whose `select` / `flatSelect` / `process` put the CEP operator in the job.
 * `CEP.dynamicPatterns` takes its patterns from a stream of updates instead (rules that change
 * while the job runs).
 */
import { type DataStream, FleuveError, KeyedStream, OutputTag } from "@fleuve/core";
import { DynamicCepOperator, PATTERNS_STATE } from "./dynamic/dynamic-cep-operator.js";
import type { PatternRegistry, PatternSpec, PatternUpdate } from "./dynamic/pattern-update.js";
import { NFA, type NFAOptions } from "./nfa/nfa.js";
import { CepOperator } from "./operator/cep-operator.js";
import type { TimeDomain } from "./operator/keyed-pattern-runner.js";
import type { Matcher } from "./operator/matcher.js";
import type { Pattern, PatternMatch } from "./pattern.js";
import type { DroppedMatch, PatternProcessFunction, TimedOutMatch } from "./pattern-process-function.js";
import { PatternStream } from "./pattern-stream.js";

/** Options of {@link CEP.pattern} and {@link CEP.dynamicPatterns}. */
export interface CepOptions<T, M> {
  /**
   * `"event"` (default): events wait until the watermark passes them, then go to the pattern in
   * timestamp order. `"processing"`: events go to the pattern as they arrive, at processing time.
   */
  readonly timeDomain?: TimeDomain;
  /**
   * Orders events with equal timestamps; arrival order when absent or when it returns 0. In
   * processing time (as in Flink CEP) events are then stamped with the processing time on arrival
   * and held until the next millisecond, so that those of the same millisecond go in its order.
   */
  readonly comparator?: (a: T, b: T) => number;
  /** Side output for events the watermark had already passed (else dropped and counted in `numLateRecordsDropped`). */
  readonly lateOutput?: OutputTag<T>;
  /** Side output for partial matches whose `within` passed: the events so far and the time-out timestamp. */
  readonly timedOut?: OutputTag<TimedOutMatch<M>>;
  /** Side output for partial matches dropped by `maxPartialMatches` (oldest first). */
  readonly dropped?: OutputTag<DroppedMatch<M>>;
  /**
   * Per-key limit on partial matches (per pattern), counted in runs: a partial match waiting in two
   * NFA states at once counts twice (as the `cep.partialMatches` gauge). Beyond it the oldest are
   * dropped, each reported once. Default: none.
   */
  readonly maxPartialMatches?: number;
  /** The input is bounded: allows a relaxed loop with no `within` and no `until` (refused otherwise). */
  readonly boundedInput?: boolean;
  /** Name of the operator in plans and metrics (default `"CEP"`). */
  readonly name?: string;
}

/** The match type of patterns arriving as data: step name -> events (checked by user code). */
export type DynamicMatch<T> = Record<string, T[]>;

/** Creates pattern streams (see the file comment). */
export const CEP = {
  /**
   * The matches of `pattern` over `stream`: per key when `stream` is keyed (`keyBy`), else over the
   * whole stream at parallelism 1. The pattern is compiled here, so a bad pattern fails when the
   * job is built, naming the step.
   *
   * ```ts
   * const alerts = CEP.pattern(payments.keyBy((p) => p.card), smallThenLarge, { timedOut })
   *   .select((m) => `card ${m.small[0].card}: ${m.small[0].amount} then ${m.large[0].amount}`);
   * ```
   */
  pattern<T, M extends object>(
    stream: DataStream<T>,
    pattern: Pattern<T, M, any, any>,
    options: CepOptions<T, PatternMatch<Pattern<T, M>>> = {},
  ): PatternStream<PatternMatch<Pattern<T, M>>> {
    checkOptions(options, "CEP.pattern");
    const nfa = NFA.compile<T>(pattern as Pattern<T, any, any, any>, nfaOptions(options));
    return new PatternStream<PatternMatch<Pattern<T, M>>>(<OUT>(fn: PatternProcessFunction<any, OUT>) =>
      place(stream, options, (keyed) => new CepOperator<T, OUT>(nfa, fn, { ...sides(options), keyed })),
    );
  },

  /**
   * The matches of the patterns that arrive on `updates` while the job runs (see
   * {@link PatternUpdate}): each update names a factory of `registry` and its parameters, and
   * adds, replaces or removes a pattern by id, without a restart. The context of each match says
   * which pattern (`ctx.patternId`, `ctx.patternVersion`) matched. Updates are broadcast to every
   * subtask and kept in broadcast state (checkpointed); their watermarks are ignored.
   *
   * ```ts
   * const registry = { smallThenLarge: (p: { small: number; large: number; withinMs: number }) => ... };
   * CEP.dynamicPatterns(payments.keyBy((p) => p.card), ruleUpdates, registry).select((m, ctx) => ...);
   * ```
   */
  dynamicPatterns<T, U extends PatternUpdate = PatternUpdate>(
    stream: DataStream<T>,
    updates: DataStream<U>,
    registry: PatternRegistry<Pattern<T, any, any, any>>,
    options: CepOptions<T, DynamicMatch<T>> = {},
  ): PatternStream<DynamicMatch<T>> {
    checkOptions(options, "CEP.dynamicPatterns");
    if (registry === null || typeof registry !== "object" || Object.keys(registry).length === 0) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        "CEP.dynamicPatterns: registry must name at least one pattern factory ({ name: (params) => Pattern })",
        { details: { option: "registry" } },
      );
    }
    for (const [name, f] of Object.entries(registry)) {
      if (typeof f !== "function") {
        throw new FleuveError(
          "FLEUVE_CONFIG_INVALID",
          `CEP.dynamicPatterns: registry entry '${name}' must be a function (params) => Pattern`,
          { details: { option: `registry.${name}` } },
        );
      }
    }
    const nfaOpts = nfaOptions(options);
    const compile = (spec: PatternSpec): Matcher<T, any> =>
      NFA.compile<T>(registry[spec.factory]!(spec.params), nfaOpts);
    return new PatternStream<DynamicMatch<T>>(<OUT>(fn: PatternProcessFunction<any, OUT>) => {
      const keyed = stream instanceof KeyedStream;
      const data: DataStream<T> = keyed ? stream : stream.keyBy(() => 0);
      const out = data
        .connect((updates as unknown as DataStream<PatternUpdate>).broadcast(PATTERNS_STATE))
        .transform(
          options.name ?? "DynamicCEP",
          () => new DynamicCepOperator<T, OUT>(registry, compile, fn, { ...sides(options), keyed }),
        );
      return keyed ? out : out.setParallelism(1);
    });
  },
};

function sides<T>(options: CepOptions<T, any>) {
  return {
    timeDomain: options.timeDomain ?? "event",
    comparator: options.comparator,
    lateOutput: options.lateOutput,
    timedOut: options.timedOut,
    dropped: options.dropped,
  } as const;
}

function nfaOptions(options: CepOptions<any, any>): NFAOptions {
  const o: NFAOptions = {};
  if (options.maxPartialMatches !== undefined) o.maxPartialMatches = options.maxPartialMatches;
  if (options.boundedInput === true) o.boundedInput = true;
  return o;
}

/** Puts a one-input CEP operator after `stream` (keyed, or at parallelism 1 on one constant key). */
function place<T, OUT>(
  stream: DataStream<T>,
  options: CepOptions<T, any>,
  create: (keyed: boolean) => CepOperator<T, OUT>,
): DataStream<OUT> {
  const name = options.name ?? "CEP";
  if (stream instanceof KeyedStream) return stream.transform(name, () => create(true));
  // A non-keyed pattern sees the whole stream in one place (Flink keys it by a null key).
  return stream.keyBy(() => 0).transform(name, () => create(false), { parallelism: 1 });
}

function checkOptions(options: CepOptions<any, any>, method: string): void {
  if (options === null || typeof options !== "object") {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", `${method}: options must be an object`);
  }
  const fail = (option: string, what: string, value: unknown) => {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `${method}: option '${option}' ${what}, got ${String(value)}`,
      {
        details: { option, value },
      },
    );
  };
  if (
    options.timeDomain !== undefined &&
    options.timeDomain !== "event" &&
    options.timeDomain !== "processing"
  )
    fail("timeDomain", 'must be "event" or "processing"', options.timeDomain);
  if (options.comparator !== undefined && typeof options.comparator !== "function")
    fail("comparator", "must be a function (a, b) => number", options.comparator);
  for (const tag of ["lateOutput", "timedOut", "dropped"] as const) {
    if (options[tag] !== undefined && !(options[tag] instanceof OutputTag))
      fail(tag, "must be an OutputTag", options[tag]);
  }
}
