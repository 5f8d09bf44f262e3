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
export type { Condition, ConditionContext, TypeGuardCondition } from "./conditions.js";
export { NFA, type NFAOptions, type NFAOutput, type NFAState } from "./nfa/nfa.js";
export {
  type Contiguity,
  Pattern,
  type PatternMatch,
  type PatternStep,
  type Quantifier,
  type StepKind,
  type WithinType,
} from "./pattern.js";
