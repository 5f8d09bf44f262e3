/**
 * `@fleuve/cep`: complex event processing on Fleuve, with the semantics of Flink CEP. A pattern
 * (`Pattern.begin("a").where(...).followedBy("b")...`) is compiled to an NFA that runs per key on
 * Fleuve's keyed state and timers, through the operator SPI of `@fleuve/core/spi`.
 * @packageDocumentation
 */
export {
  type AfterMatchSkipStrategy,
  noSkip,
  type SkipStrategyKind,
  skipPastLastEvent,
  skipToFirst,
  skipToLast,
  skipToNext,
} from "./after-match-skip.js";
export { CEP, type CepOptions, type DynamicMatch } from "./cep.js";
export type { Condition, ConditionContext, TypeGuardCondition } from "./conditions.js";
export { DynamicCepOperator, PATTERNS_GAUGE } from "./dynamic/dynamic-cep-operator.js";
export type { OnReplace, PatternRegistry, PatternSpec, PatternUpdate } from "./dynamic/pattern-update.js";
export { NFA, type NFAOptions, type NFAOutput, type NFAState } from "./nfa/nfa.js";
export { CEP_COUNTERS, CEP_GAUGES, CepOperator, type CepOperatorOptions } from "./operator/cep-operator.js";
export type { TimeDomain } from "./operator/keyed-pattern-runner.js";
export type { Matcher, MatcherOutput } from "./operator/matcher.js";
export {
  type Contiguity,
  Pattern,
  type PatternMatch,
  type PatternStep,
  type Quantifier,
  type StepKind,
  type WithinType,
} from "./pattern.js";
export type {
  DroppedMatch,
  DropReason,
  MatchCollector,
  PatternContext,
  PatternProcessFunction,
  TimedOutMatch,
} from "./pattern-process-function.js";
export { PatternStream } from "./pattern-stream.js";
