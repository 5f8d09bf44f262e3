/**
 * Aggregate calls shared by every aggregating operator (group aggregation, window aggregation):
 * finding the calls of a select list and HAVING, compiling their argument and FILTER, and
 * accumulators that take a value in (accumulate), take one out (retract, for updating inputs)
 * and merge (session windows). Accumulators are plain JSON-like data, so any state backend
 * keeps them:
 *
 * - `COUNT`: the count;
 * - `SUM`, `AVG`: `[sum, count of non-NULL values]` (SUM of no value is NULL, as Flink's
 *   SumWithRetractAggFunction);
 * - `MIN`, `MAX` and every `DISTINCT` aggregate: the multiset of values (`{ text: [value, n] }`),
 *   since retracting the current minimum needs the values under it (Flink's MinWithRetract keeps a
 *   map view of value to count the same way), with its summary kept up to date per value (the
 *   number and sum of distinct values, the text of the best value) so that reading the result
 *   does not walk the multiset; only retracting the best value itself asks for a walk, once;
 * - `LISTAGG`, `FIRST_VALUE`, `LAST_VALUE`: `{ list }`, the non-NULL values in arrival order; a
 *   retraction takes out the earliest equal value, as Flink's ListAggWithRetractAggFunction and
 *   First/LastValueWithRetractAggFunction (which order by arrival) do. Over an input that never
 *   retracts, FIRST_VALUE and LAST_VALUE keep only `[value]` (Flink's FirstValueAggFunction);
 * - `VAR_POP`, `VAR_SAMP` (`VARIANCE`), `STDDEV_POP`, `STDDEV_SAMP` (`STDDEV`): `{ n, s, q }`, the
 *   count, sum and sum of squares that Flink reduces them to (variance.ts);
 * - `ARRAY_AGG`: `{ list }` as LISTAGG's, NULLs kept unless `IGNORE NULLS` (Flink's
 *   ArrayAggFunction adds NULL to its list); with DISTINCT, `{ list, counts }`: the distinct
 *   values in order of their first arrival, as Flink's distinct view passes only a value's first
 *   accumulate and its last retract to the function, with each value's count by its JSON text;
 * - `JSON_OBJECTAGG`, `JSON_ARRAYAGG`: the members or items as JSON texts (json-aggregates.ts);
 * - `COLLECT`: the multiset of values, as MIN and MAX keep it (Flink's CollectAggFunction keeps a
 *   map view of value to count the same way); a retraction of a value not there counts -1 until
 *   the value comes, as Flink's does, and the result holds the values counted more than 0;
 * - a user aggregate (functions.ts): its own accumulator, kept in the same state as the built-in
 *   ones, so it is checkpointed with them.
 */

import { jsonWithLongs, longAdd, longDiv } from "@fleuve/core";
import type { AggregateFunctionDefinition, RegisteredFunction } from "../functions.js";
import type { DataType, Expr, SourcePos } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import { nullable } from "./common-type.js";
import {
  type Compiled,
  compileExpression,
  illegalNull,
  isNullLiteral,
  orderByUnexpected,
  type Scope,
} from "./compile-expression.js";
import { decimalQuotient } from "./decimal-division.js";
import { flinkTypeText } from "./flink-type-text.js";
import { javaHashMapIndexOrder } from "./java-hash-order.js";
import {
  checkJsonInput,
  compileJsonAggregate,
  createJsonAcc,
  JSON_AGGREGATES,
  type JsonAggregate,
  jsonAggResult,
  jsonAggregateType,
  jsonInputOf,
  mergeJsonAcc,
  updateJsonAcc,
} from "./json-aggregates.js";
import { createLagAcc, type LagCall, lagInputOf, lagResult, lagType, updateLagAcc } from "./lag.js";
import { narrowed } from "./number-casts.js";
import { onDecimalScale } from "./number-text.js";
import { invalid } from "./problems.js";
import { INTEGER_TYPES } from "./string-collection-functions.js";
import {
  checkArguments,
  checkSync,
  functionFailed,
  isAggregateName,
  userFunction,
} from "./user-functions.js";
import { multisetOf, type Row } from "./values.js";
import {
  createSpread,
  mergeSpread,
  SPREAD,
  spreadAcc,
  spreadArithmetic,
  spreadResult,
  spreadType,
  updateSpread,
} from "./variance.js";

/** An aggregate call node. */
export type CallExpr = Expr & { kind: "call" };

/** One aggregate call of a query, compiled over the input rows. */
export interface AggregateCall {
  readonly call: CallExpr;
  /** The argument; undefined for COUNT(*). */
  readonly arg: Compiled<Row> | undefined;
  /** `FILTER (WHERE ...)`. */
  readonly filter: Compiled<Row> | undefined;
  /** A user aggregate: the function and its compiled arguments. */
  readonly user?: { readonly f: RegisteredFunction; readonly args: readonly Compiled<Row>[] };
  /**
   * The input never retracts (windows, an insert-only input): MIN and MAX keep only the best
   * value, as Flink's MinAggFunction/MaxAggFunction, instead of the multiset a retraction needs.
   */
  readonly appendOnly?: boolean | undefined;
  /** LISTAGG's separator (its second argument, a string literal; `,` by default). */
  readonly separator?: string;
  /** JSON_OBJECTAGG / JSON_ARRAYAGG: their key, value and NULL behaviour (json-aggregates.ts). */
  readonly json?: JsonAggregate;
  /** `LAG(...) OVER (...)`: its value, offset and default (lag.ts; OVER aggregation only). */
  readonly lag?: LagCall;
  /**
   * `ARRAY_AGG(DISTINCT x)` of a TUMBLE window: the hashCode of a value inside Flink
   * (flinkInternalHash), whose two-phase window aggregation merges the local aggregation's
   * distinct values into the result in its HashMap's order (see {@link hashOrdered}).
   */
  readonly hashOrder?: (v: unknown) => number;
}

/**
 * The distinct values of `ARRAY_AGG(DISTINCT x)` in a TUMBLE window (in their first arrival) as
 * Flink 1.20 gives them: its local window aggregation puts them into a HashMap (the distinct
 * view), and the global one merges that map into the array in the map's iteration order (NULL in
 * the first bucket). That is the order when the window's rows reach the local aggregation in one
 * bundle (docs/sql.md says when they do not).
 */
function hashOrdered(values: readonly unknown[], hash: (v: unknown) => number): unknown[] {
  return javaHashMapIndexOrder(values.map(hash)).map((i) => values[i]);
}

/** A multiset of values by their JSON text: `[value, multiplicity]`. */
export type Multiset = Record<string, [unknown, number]>;
/**
 * The accumulator of MIN, MAX and DISTINCT aggregates: the multiset and its summary, updated per
 * value. `best` is the text (key in `values`) of the minimum or maximum, `stale` when that value
 * was retracted and the next result must find the new one.
 */
export interface MultisetAcc {
  values: Multiset;
  /** The number of distinct values (keys of `values`). */
  distinct: number;
  /** The sum of the distinct values (SUM/AVG DISTINCT; NULL once a DECIMAL one overflowed, see sumStep). */
  sum: number | null;
  best: string | null;
  stale: boolean;
}
/** The accumulator of one aggregate call (see the module comment). */
export type AggAcc = number | SumAcc | MultisetAcc | Multiset | UserAccumulator;
/**
 * The accumulator of SUM and AVG: the sum (NULL once a DECIMAL sum overflowed, see
 * {@link sumStep}) and the count of values.
 */
export type SumAcc = [number | null, number];
// (The accumulators of LISTAGG, FIRST_VALUE, LAST_VALUE and the variances are described in the module comment.)
/** A user aggregate's accumulator: whatever its createAccumulator returns. */
export type UserAccumulator = unknown;

/** The text identifying an expression (positions aside), to match select items with GROUP BY keys. */
export function exprKey(e: Expr): string {
  if (e.kind === "column") return `col:${e.name.parts[e.name.parts.length - 1]}`;
  return printExpr(e);
}

/** Whether `e` is a call of an aggregate function (not an OVER aggregate). */
export function isAggregateCall(e: Expr): e is CallExpr {
  return e.kind === "call" && isAggregateName(e.name) && e.over === undefined;
}

/** The aggregate calls in `e`, outermost only (an aggregate inside an aggregate is refused). */
export function collectAggregates(e: Expr, out: CallExpr[], inside = false): void {
  if (isAggregateCall(e)) {
    if (inside) throw invalid(`aggregate ${e.name} inside another aggregate`, e.pos);
    out.push(e);
    for (const a of e.args) collectAggregates(a, [], true);
    return;
  }
  for (const child of children(e)) collectAggregates(child, out, inside);
}

/** The direct subexpressions of `e` (not into subqueries). */
export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case "unary":
      return [e.operand];
    case "binary":
      return [e.left, e.right];
    case "is":
      return [e.operand];
    case "isDistinctFrom":
      return [e.left, e.right];
    case "between":
      return [e.operand, e.low, e.high];
    case "in":
      return [e.operand, ...e.list];
    case "like":
      return e.escape === undefined ? [e.operand, e.pattern] : [e.operand, e.pattern, e.escape];
    case "case":
      return [
        ...(e.operand ? [e.operand] : []),
        ...e.whens.flatMap((w) => [w.when, w.result]),
        ...(e.else ? [e.else] : []),
      ];
    case "cast":
    case "extract":
    case "field":
      return [e.operand];
    case "call":
      return [...e.args, ...(e.filter ? [e.filter] : [])];
    case "row":
    case "array":
      return [...e.values];
    case "map":
      return [...e.entries];
    case "index":
      return [e.operand, e.index];
    default:
      return [];
  }
}

/** Compiles the aggregate calls of `exprs` (select items, HAVING) over the input scope. */
export function compileAggregates(
  exprs: readonly (Expr | undefined)[],
  inputScope: Scope<Row>,
  options: { readonly appendOnly?: boolean } = {},
): { aggregates: AggregateCall[]; index: Map<Expr, number> } {
  const calls: CallExpr[] = [];
  for (const e of exprs) if (e !== undefined) collectAggregates(e, calls);
  const aggregates = calls.map((call): AggregateCall => {
    if (call.orderBy !== undefined && call.name !== "ARRAY_AGG" && call.name !== "JSON_ARRAYAGG")
      throw orderByUnexpected(call);
    const user = userFunction(call.name);
    if (user !== undefined) return compileUserAggregate(user, call, inputScope);
    if (JSON_AGGREGATES.has(call.name))
      return {
        call,
        arg: undefined,
        filter: call.filter === undefined ? undefined : compileExpression(call.filter, inputScope),
        json: compileJsonAggregate(call, inputScope),
      };
    if (call.nulls !== undefined && call.name !== "ARRAY_AGG")
      throw invalid(
        `${call.nulls} NULLS is only valid in ARRAY_AGG, not in ${call.name}; drop it`,
        call.pos,
        { function: call.name },
      );
    if (call.name === "LISTAGG") {
      if (call.args.length < 1 || call.args.length > 2)
        throw invalid(`LISTAGG takes 1 or 2 arguments, got ${call.args.length}`, call.pos);
    } else if (call.name !== "COUNT" && call.args.length !== 1)
      throw invalid(`${call.name} takes 1 argument, got ${call.args.length}`, call.pos);
    // A bare NULL argument has no type in an aggregate (Flink 1.20: COUNT(NULL), SUM(NULL),
    // LISTAGG(s, NULL) are "Illegal use of 'NULL'").
    const nullAt = call.args.findIndex(isNullLiteral);
    if (nullAt >= 0) throw illegalNull(`argument ${nullAt + 1} of ${call.name}`, call.pos);
    const first = call.args[0];
    const star = first === undefined || first.kind === "star";
    if (call.name === "COUNT" && call.args.length > 1)
      throw invalid(`COUNT takes 1 argument, got ${call.args.length}`, call.pos);
    if (star && call.name !== "COUNT")
      throw invalid(`${call.name}(*) is not valid; only COUNT(*) is`, call.pos);
    if (star && call.distinct) throw invalid("COUNT(DISTINCT *) is not valid", call.pos);
    const arg = star ? undefined : compileExpression(first as Expr, inputScope);
    checkBuiltInArgument(call, arg);
    // ARRAY_AGG(x ORDER BY y): Flink 1.20 validates y but keeps the arrival order (its
    // ArrayAggFunction has no ordering), so y is only compiled here, for its errors.
    for (const o of call.orderBy ?? []) compileExpression(o.expr, inputScope);
    return {
      call,
      arg,
      filter: call.filter === undefined ? undefined : compileExpression(call.filter, inputScope),
      appendOnly: options.appendOnly === true,
      ...(call.name === "LISTAGG" ? { separator: listaggSeparator(call) } : {}),
    };
  });
  return { aggregates, index: new Map<Expr, number>(calls.map((c, i) => [c, i])) };
}

const ORDERED = new Set(["LISTAGG", "FIRST_VALUE", "LAST_VALUE"]);
const NUMERIC_TYPES = new Set([
  ...["TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT"],
  "FLOAT",
  "REAL",
  "DOUBLE",
  "DECIMAL",
]);
const STRING_TYPES = new Set(["STRING", "VARCHAR", "CHAR"]);

/** Refuses an argument of a type the new built-in aggregates do not take (as Flink's validation does). */
function checkBuiltInArgument(call: CallExpr, arg: Compiled<Row> | undefined): void {
  const t = arg?.type;
  if (t === undefined) return;
  const name = t.kind === "atomic" ? t.name : t.kind.toUpperCase();
  // SUM and AVG take numbers only, as Calcite's signatures (OperandTypes.NUMERIC) that Flink
  // validates with: JavaScript would sum a string to NaN or a timestamp's milliseconds. The type
  // is written in full without NOT NULL, as Calcite's signature error does (CHAR(1), INTERVAL SECOND).
  if ((call.name === "SUM" || call.name === "AVG") && !(t.kind === "atomic" && NUMERIC_TYPES.has(t.name)))
    throw invalid(
      `Cannot apply '${call.name}' to arguments of type '${call.name}(<${flinkTypeText({ ...t, notNull: false }, false)}>)'. Supported form(s): '${call.name}(<NUMERIC>)' (as in Flink); CAST it to a number`,
      call.pos,
      { function: call.name },
    );
  if (SPREAD.has(call.name) && !(t.kind === "atomic" && NUMERIC_TYPES.has(t.name)))
    throw invalid(`${call.name} takes a numeric argument, got ${name}`, call.pos, { function: call.name });
  if (call.name === "LISTAGG" && !(t.kind === "atomic" && STRING_TYPES.has(t.name)))
    throw invalid(`LISTAGG takes a string argument, got ${name}; CAST it to STRING`, call.pos, {
      function: call.name,
    });
  if (call.distinct && (call.name === "FIRST_VALUE" || call.name === "LAST_VALUE"))
    throw invalid(`${call.name}(DISTINCT ...) is not supported; drop DISTINCT`, call.pos, {
      function: call.name,
    });
}

/** LISTAGG's separator: its second argument, which must be a string literal (`,` without it). */
function listaggSeparator(call: CallExpr): string {
  const sep = call.args[1];
  if (sep === undefined) return ",";
  if (sep.kind === "literal" && sep.type === "string") return sep.value;
  throw invalid(`LISTAGG's separator must be a string literal, got ${printExpr(sep)}`, call.pos, {
    function: "LISTAGG",
  });
}

/** A call of user aggregate `f`: every argument evaluated per row and passed to accumulate. */
function compileUserAggregate(f: RegisteredFunction, call: CallExpr, inputScope: Scope<Row>): AggregateCall {
  if (call.distinct)
    throw invalid(`DISTINCT is not supported for user aggregate ${f.name}`, call.pos, { function: f.name });
  if (call.args.some((a) => a.kind === "star"))
    throw invalid(`${f.name}(*) is not valid; pass it columns`, call.pos, { function: f.name });
  const args = call.args.map((a) => compileExpression(a, inputScope));
  checkArguments(f, args, call.pos);
  return {
    call,
    arg: args[0],
    filter: call.filter === undefined ? undefined : compileExpression(call.filter, inputScope),
    user: { f, args },
  };
}

/**
 * Refuses user aggregates of `aggregates` that lack a method the query needs: `retract` on an
 * updating input (`updates` names what produces the updates), `merge` in merging (SESSION)
 * windows.
 */
export function requireUserMethods(
  aggregates: readonly AggregateCall[],
  needs: { retract?: string; merge?: string },
): void {
  for (const a of aggregates) {
    // Which of two merged windows saw its values first is not known, so neither is the first or
    // last value of the merged one (Flink's FIRST_VALUE/LAST_VALUE have no merge either).
    if (needs.merge !== undefined && (a.call.name === "FIRST_VALUE" || a.call.name === "LAST_VALUE"))
      throw invalid(
        `${a.call.name} cannot run in ${needs.merge}: merging windows would need to know which one's values came first`,
        a.call.pos,
        { function: a.call.name },
      );
    if (a.user === undefined || a.user.f.definition.kind !== "aggregate") continue;
    const d = a.user.f.definition;
    if (needs.retract !== undefined && d.retract === undefined)
      throw invalid(
        `user aggregate ${a.user.f.name} has no retract method, and its input updates (${needs.retract}); give it retract(acc, ...args)`,
        a.call.pos,
        { function: a.user.f.name },
      );
    if (needs.merge !== undefined && d.merge === undefined)
      throw invalid(
        `user aggregate ${a.user.f.name} has no merge method, which ${needs.merge} needs; give it merge(acc, other)`,
        a.call.pos,
        { function: a.user.f.name },
      );
  }
}

/** Calls method `m` of a user aggregate; a throw names the function (the row goes to the error policy). */
function callUser(a: AggregateCall, m: (...x: never[]) => unknown, args: unknown[]): unknown {
  const f = (a.user as NonNullable<AggregateCall["user"]>).f;
  let v: unknown;
  try {
    // Called on the definition, so that methods using `this` work.
    v = (m as (...x: unknown[]) => unknown).apply(userDef(a), args);
  } catch (err) {
    throw functionFailed(f, err);
  }
  return checkSync(f, v);
}

/**
 * A copy of a user aggregate's result when it is an object: `getValue` may return its
 * accumulator or a part of it, which the next `accumulate` changes in place, and the operators
 * keep and emit this value (the previous result of an update, rows already sent downstream).
 */
/**
 * User aggregate `f` over `rows` from a fresh accumulator, each row's arguments from `args`
 * (MATCH_RECOGNIZE's aggregates over the rows mapped to a variable); a throw names the function.
 */
export function userAggregateOver(
  f: RegisteredFunction,
  rows: readonly Row[],
  args: readonly ((row: Row) => unknown)[],
): unknown {
  const d = f.definition as AggregateFunctionDefinition;
  const call = (m: (...x: never[]) => unknown, xs: unknown[]): unknown => {
    let v: unknown;
    try {
      v = (m as (...x: unknown[]) => unknown).apply(d, xs);
    } catch (err) {
      throw functionFailed(f, err);
    }
    return checkSync(f, v);
  };
  let acc = call(d.createAccumulator, []);
  for (const row of rows) acc = call(d.accumulate, [acc, ...args.map((a) => a(row) ?? null)]) ?? acc;
  return detached(call(d.getValue, [acc]) ?? null);
}

/**
 * Built-in aggregate `call` of `arg` over `rows` from a fresh accumulator (MATCH_RECOGNIZE's
 * aggregates over the rows mapped to a variable).
 */
export function builtInAggregateOver(call: CallExpr, arg: Compiled<Row>): (rows: readonly Row[]) => unknown {
  checkBuiltInArgument(call, arg);
  const a: AggregateCall = {
    call,
    arg,
    filter: undefined,
    appendOnly: true,
    ...(call.name === "LISTAGG" ? { separator: listaggSeparator(call) } : {}),
  };
  return (rows) => {
    let acc = createAcc(a);
    for (const row of rows) {
      const v = inputOf(a, row);
      if (v !== undefined) acc = updateAcc(a, acc, v, 1);
    }
    return resultOf(a, acc);
  };
}

function detached(v: unknown): unknown {
  return typeof v === "object" && v !== null ? structuredClone(v) : v;
}

const userDef = (a: AggregateCall) =>
  (a.user as NonNullable<AggregateCall["user"]>).f.definition as AggregateFunctionDefinition;

/** MIN or MAX over an input that never retracts: the accumulator is `[best]`, or `[]` before any value. */
const keepsBest = (a: AggregateCall) =>
  a.appendOnly === true && !a.call.distinct && (a.call.name === "MIN" || a.call.name === "MAX");
const usesMultiset = (a: AggregateCall) =>
  !keepsBest(a) &&
  (a.call.distinct || a.call.name === "MIN" || a.call.name === "MAX" || a.call.name === "COLLECT");
const sumsValues = (a: AggregateCall) => a.call.name === "SUM" || a.call.name === "AVG";

/** Whether `v` beats `best` for MIN or MAX (strictly: the first of equal values stays). */
function better(a: AggregateCall, v: unknown, best: unknown): boolean {
  if (a.call.name === "MIN") return (v as number) < (best as number);
  if (a.call.name === "MAX") return (v as number) > (best as number);
  return false;
}

/**
 * Whether `v` beats `best` in a multiset of MIN or MAX, in the order of Java's compareTo on the
 * boxed values, as Flink's MinWithRetractAggFunction / MaxWithRetractAggFunction compare: there
 * -0.0 is below 0.0 (and both are kept, see {@link valueText}).
 */
function betterInMultiset(a: AggregateCall, v: unknown, best: unknown): boolean {
  if (v === 0 && best === 0)
    return a.call.name === "MIN"
      ? Object.is(v, -0) && !Object.is(best, -0)
      : Object.is(best, -0) && !Object.is(v, -0);
  return better(a, v, best);
}

/**
 * The text a multiset keeps value `v` under: its JSON text, but `-0` for -0.0, which Flink's map
 * views (Double.equals on the boxed value) tell from 0.0: COUNT(DISTINCT) counts both.
 */
function valueText(v: unknown): string {
  // A BIGINT past 2^53 (a bigint) by its digits, which JSON.stringify refuses.
  return Object.is(v, -0) ? "-0" : typeof v === "bigint" ? String(v) : (jsonWithLongs(v) as string);
}

/** The text of the minimum or maximum of `values` (null when empty or not MIN/MAX), by a walk. */
function bestOf(a: AggregateCall, values: Multiset): string | null {
  let best: string | null = null;
  for (const text in values) {
    if (
      best === null ||
      betterInMultiset(a, (values[text] as [unknown, number])[0], (values[best] as [unknown, number])[0])
    )
      best = text;
  }
  return best;
}

/** The accumulator of multiset `values` with its summary computed by a walk. */
function summarize(a: AggregateCall, values: Multiset): MultisetAcc {
  let distinct = 0;
  let sum: number | null = sumStart(a);
  for (const text in values) {
    distinct += 1;
    if (sumsValues(a)) sum = sumStep(a)(sum, (values[text] as [unknown, number])[0] as number);
  }
  return { values, distinct, sum, best: bestOf(a, values), stale: false };
}

/**
 * `acc` as a {@link MultisetAcc}. State written before the summary existed holds the bare
 * multiset (its keys are JSON texts, so none is `values`): it gets its summary on first use.
 */
function multisetAcc(a: AggregateCall, acc: AggAcc): MultisetAcc {
  if (Array.isArray(acc)) return summarize(a, acc.length === 0 ? {} : { [valueText(acc[0])]: [acc[0], 1] });
  const m = acc as MultisetAcc;
  return "values" in m && typeof m.distinct === "number" ? m : summarize(a, acc as Multiset);
}

/**
 * `acc` of an append-only MIN or MAX as `[best]`. State written by the multiset accumulator
 * (before the planner used this one, or the same query over an input that retracted) gives
 * its best value.
 */
function bestAcc(a: AggregateCall, acc: AggAcc): unknown[] {
  if (Array.isArray(acc)) return acc;
  const m = multisetAcc(a, acc);
  const best = m.stale ? bestOf(a, m.values) : m.best;
  return best === null ? [] : [(m.values[best] as [unknown, number])[0]];
}

/** FIRST_VALUE or LAST_VALUE over an input that never retracts: the accumulator is `[value]`, or `[]`. */
const keepsOne = (a: AggregateCall) =>
  a.appendOnly === true && (a.call.name === "FIRST_VALUE" || a.call.name === "LAST_VALUE");
/**
 * LISTAGG, FIRST_VALUE, LAST_VALUE (not DISTINCT) under retraction, and ARRAY_AGG: the values in
 * arrival order.
 */
const keepsList = (a: AggregateCall) =>
  isArrayAgg(a) || (!a.call.distinct && ORDERED.has(a.call.name) && !keepsOne(a));
const isArrayAgg = (a: AggregateCall) => a.call.name === "ARRAY_AGG" && a.user === undefined;
const spreadOf = (a: AggregateCall) => (a.call.distinct ? undefined : SPREAD.get(a.call.name));
/** The arithmetic of a variance call, found once per call (see variance.ts). */
const ARITHMETIC = new WeakMap<AggregateCall, ReturnType<typeof spreadArithmetic>>();
function arithmeticOf(a: AggregateCall): ReturnType<typeof spreadArithmetic> {
  let arith = ARITHMETIC.get(a);
  if (arith === undefined) {
    arith = spreadArithmetic(a.arg?.type);
    ARITHMETIC.set(a, arith);
  }
  return arith;
}
/** A variance call's accumulator, in the current form (state of earlier versions converted). */
const spreadOfAcc = (a: AggregateCall, acc: AggAcc) => spreadAcc(arithmeticOf(a), acc);

/** The accumulator of LISTAGG, FIRST_VALUE and LAST_VALUE under retraction, and of ARRAY_AGG. */
interface ListAcc {
  list: unknown[];
  /** ARRAY_AGG(DISTINCT ...): how many times each value of `list` (by its JSON text) counts. */
  counts?: Record<string, number>;
}
/** Whether `x` and `y` are the same value (rows, arrays by their JSON text). */
function same(x: unknown, y: unknown): boolean {
  return x === y || (typeof x === "object" && x !== null && JSON.stringify(x) === JSON.stringify(y));
}

/** `acc` as a list (state written by the `[value]` accumulator gives a list of that value). */
const listAcc = (acc: AggAcc): ListAcc =>
  Array.isArray(acc) ? { list: [...acc] } : (acc as ListAcc | null)?.list ? (acc as ListAcc) : { list: [] };
/** `acc` as `[value]` (state written by the list accumulator gives its first or last value). */
function oneAcc(a: AggregateCall, acc: AggAcc): unknown[] {
  if (Array.isArray(acc)) return acc;
  const list = listAcc(acc).list;
  if (list.length === 0) return [];
  return [a.call.name === "FIRST_VALUE" ? list[0] : list[list.length - 1]];
}

/**
 * Adds or takes out `v` of ARRAY_AGG(DISTINCT ...)'s accumulator: only a value's first arrival
 * enters the list and only its last retraction leaves it (Flink's distinct view); a retraction of
 * a value not there is dropped, as the list accumulator drops it.
 */
function updateDistinctList(l: Required<ListAcc>, v: unknown, sign: 1 | -1): ListAcc {
  const text = valueText(v);
  const n = l.counts[text] ?? 0;
  if (sign === 1) {
    l.counts[text] = n + 1;
    if (n === 0) l.list.push(v);
  } else if (n === 1) {
    delete l.counts[text];
    l.list.splice(
      l.list.findIndex((x) => valueText(x) === text),
      1,
    );
  } else if (n > 1) l.counts[text] = n - 1;
  return l;
}

/** The value of LISTAGG, FIRST_VALUE, LAST_VALUE or ARRAY_AGG over `values` in order (NULL when none). */
function orderedResult(a: AggregateCall, values: readonly unknown[]): unknown {
  if (values.length === 0) return null;
  // A copy: the accumulator's list changes in place, and the result is emitted and kept.
  if (isArrayAgg(a)) return a.hashOrder !== undefined ? hashOrdered(values, a.hashOrder) : [...values];
  if (a.call.name === "FIRST_VALUE") return values[0];
  if (a.call.name === "LAST_VALUE") return values[values.length - 1];
  return values.map(String).join(a.separator ?? ",");
}

/**
 * Where the sum of SUM and AVG starts. SUM's starts at -0, the identity of floating-point
 * addition, so that a SUM of only -0.0 is -0.0: Flink's SumAggFunction starts NULL and takes the
 * first value as it is. AVG's starts at 0, as Flink's AvgAggFunction's sum does (the AVG of only
 * -0.0 is 0.0 there).
 */
const sumStart = (a: AggregateCall) => (a.call.name === "SUM" ? -0 : 0);

/**
 * How SUM or AVG call `a` adds `d` (a value, or minus one taken out, or another accumulator's sum)
 * to its sum `s`. Over DECIMAL(p, scale) the sum is a DECIMAL(38, scale), as in Flink 1.20, whose
 * DecimalData goes NULL when a result needs more than 38 digits: SUM's sum (DecimalSumAggFunction,
 * SumWithRetractAggFunction) then restarts from the next value (NULL + x is x, NULL - x is -x:
 * SUM of 6E37, 6E37, 1, 2 is NULL after the second row, then 1, then 3), AVG's stays NULL (its
 * sum's `+` takes NULL as NULL). Other types add as doubles.
 */
export function sumStep(a: AggregateCall): (s: number | null, d: number) => number | null {
  let step = SUM_STEPS.get(a);
  if (step === undefined) {
    step = makeSumStep(a);
    SUM_STEPS.set(a, step);
  }
  return step;
}
const SUM_STEPS = new WeakMap<AggregateCall, (s: number | null, d: number) => number | null>();

function makeSumStep(a: AggregateCall): (s: number | null, d: number) => number | null {
  const t = a.arg?.type;
  if (t?.kind !== "atomic" || t.name !== "DECIMAL") {
    const add = numberSumStep(a);
    return (s, d) => add(s as number, d);
  }
  const limit = 10 ** (38 - (t.args[1] ?? 0));
  const restarts = a.call.name === "SUM";
  return (s, d) => {
    if (s === null) return restarts ? d : null;
    const r = s + d;
    return Math.abs(r) < limit ? r : null;
  };
}

/**
 * Two sums of SUM or AVG call `a` merged (session windows, slices): as Flink's merge, a NULL
 * (overflowed) DECIMAL sum of SUM's counts as none (the other is taken), AVG's stays NULL.
 */
function mergedSum(a: AggregateCall, x: number | null, y: number | null): number | null {
  if (y === null) return a.call.name === "SUM" || x === null ? x : null;
  return sumStep(a)(x, y);
}

/** Whether `t` is a DECIMAL. */
const isAtomicDecimal = (t: DataType | undefined) => t?.kind === "atomic" && t.name === "DECIMAL";

/** A fresh accumulator for `a`. */
export function createAcc(a: AggregateCall): AggAcc {
  if (a.user !== undefined) return callUser(a, userDef(a).createAccumulator, []);
  if (a.json !== undefined) return createJsonAcc(a.json);
  if (a.lag !== undefined) return createLagAcc();
  if (keepsOne(a)) return [];
  if (keepsList(a)) return isArrayAgg(a) && a.call.distinct ? { list: [], counts: {} } : { list: [] };
  if (spreadOf(a) !== undefined) return createSpread();
  if (keepsBest(a)) return [];
  if (usesMultiset(a)) return { values: {}, distinct: 0, sum: sumStart(a), best: null, stale: false };
  return a.call.name === "COUNT" ? 0 : [sumStart(a), 0];
}

/**
 * The value `a` aggregates from `row`, or `undefined` when the row does not count for it (its
 * FILTER is not true, or the value is NULL: aggregates skip NULLs, COUNT(*) counts rows).
 */
export function inputOf(a: AggregateCall, row: Row): unknown {
  if (a.filter !== undefined && a.filter.eval(row) !== true) return undefined;
  // A user aggregate sees every row, NULLs included, as Flink's accumulate does.
  if (a.user !== undefined) return a.user.args.map((x) => x.eval(row));
  // JSON aggregates may keep NULLs (NULL ON NULL): their own input says what counts.
  if (a.json !== undefined) return jsonInputOf(a.json, row);
  if (a.lag !== undefined) return lagInputOf(a.lag, row);
  const v = a.arg === undefined ? 1 : a.arg.eval(row);
  // ARRAY_AGG keeps NULL elements (RESPECT NULLS, Flink's default) unless told IGNORE NULLS.
  if (v === null && isArrayAgg(a) && a.call.nulls !== "IGNORE") return null;
  return v === null ? undefined : v;
}

/** Adds `v` (`sign` 1) or takes it out (`sign` -1) of `acc`; returns the accumulator. */
export function updateAcc(a: AggregateCall, acc: AggAcc, v: unknown, sign: 1 | -1): AggAcc {
  if (a.user !== undefined) {
    const d = userDef(a);
    const m = sign === 1 ? d.accumulate : d.retract;
    // Planning refuses an updating input for an aggregate without retract (requireUserMethods).
    if (m === undefined) throw functionFailed(a.user.f, new Error("retract is not defined"));
    return callUser(a, m, [acc, ...(v as unknown[])]) ?? acc;
  }
  if (a.json !== undefined) return updateJsonAcc(a.json, acc, v, sign);
  // Planning refuses LAG where rows would be retracted (a bounded frame), as Flink does.
  if (a.lag !== undefined) return updateLagAcc(a.lag, acc, v);
  if (keepsOne(a)) {
    // Planning gives FIRST_VALUE and LAST_VALUE this accumulator only where nothing retracts.
    if (sign === -1) throw new Error(`${a.call.name} of an insert-only input got a retraction`);
    const b = oneAcc(a, acc);
    if (b.length === 0 || a.call.name === "LAST_VALUE") b[0] = v;
    return b;
  }
  if (keepsList(a)) {
    const l = listAcc(acc);
    if (l.counts !== undefined) return updateDistinctList(l as Required<ListAcc>, v, sign);
    if (sign === 1) l.list.push(v);
    else {
      // The earliest equal value goes (Flink removes the first in arrival order); a retraction of
      // a value not there is dropped, as Flink's FirstValueWithRetractAggFunction does.
      const i = l.list.findIndex((x) => same(x, v));
      if (i >= 0) l.list.splice(i, 1);
    }
    return l;
  }
  const spread = spreadOf(a);
  if (spread !== undefined) return updateSpread(arithmeticOf(a), spreadOfAcc(a, acc), v as number, sign);
  if (keepsBest(a)) {
    // Planning gives MIN and MAX this accumulator only where nothing retracts.
    if (sign === -1) throw new Error(`${a.call.name} of an insert-only input got a retraction`);
    const b = bestAcc(a, acc);
    if (b.length === 0 || better(a, v, b[0])) b[0] = v;
    return b;
  }
  if (usesMultiset(a)) {
    const m = multisetAcc(a, acc);
    const text = valueText(v);
    const entry = m.values[text];
    if (entry === undefined) {
      m.values[text] = [v, sign];
      m.distinct += 1;
      if (sumsValues(a)) m.sum = sumStep(a)(m.sum, v as number);
      if (!m.stale && (m.best === null || betterInMultiset(a, v, (m.values[m.best] as [unknown, number])[0])))
        m.best = text;
    } else if (entry[1] + sign === 0) {
      delete m.values[text];
      m.distinct -= 1;
      if (sumsValues(a)) m.sum = m.distinct === 0 ? sumStart(a) : sumStep(a)(m.sum, -(v as number));
      if (m.best === text) {
        m.best = null;
        m.stale = true;
      }
    } else entry[1] += sign;
    return m;
  }
  if (a.call.name === "COUNT") return (acc as number) + sign;
  const s = acc as SumAcc;
  // -v, not sign * v: a BIGINT past 2^53 is a bigint.
  s[0] = sumStep(a)(s[0], (sign === 1 ? v : -(v as number)) as number);
  s[1] += sign;
  return s;
}

/**
 * How SUM and AVG add a value to their sum: SUM of a FLOAT adds in Java float arithmetic, each
 * step rounded to 32 bits, as Flink's FloatSumAggFunction (bench/flink: SUM of FLOAT 16777216, 1,
 * 1 is 1.6777216E7 at every step; the double sum was 16777218); AVG of a FLOAT sums in double
 * (its result is rounded, see {@link floatAverage}), every other sum exactly as doubles add.
 */
function numberSumStep(a: AggregateCall): (sum: number, v: number) => number {
  if (isLongArgument(a)) return addLong;
  return a.call.name === "SUM" && isFloatArgument(a) ? addFloat : addDouble;
}
/**
 * A BIGINT sum: Java's long arithmetic, exact past 2^53 (a bigint there) and wrapping around past
 * 2^63 as Flink's LongSumAggFunction (bench/flink: SUM of 1234567890123456789 and
 * 9223372036854775807 is -7988804146731319020).
 */
const addLong = (sum: number, v: number) => longAdd(sum, v) as number;
/** Whether the argument of `a` is a BIGINT (a Java long). */
const isLongArgument = (a: AggregateCall) => a.arg?.type?.kind === "atomic" && a.arg.type.name === "BIGINT";
const addFloat = (sum: number, v: number) => Math.fround(sum + v);
const addDouble = (sum: number, v: number) => sum + v;
/** Whether the argument of `a` is a FLOAT (a Java float). */
const isFloatArgument = (a: AggregateCall) =>
  a.arg?.type?.kind === "atomic" && (a.arg.type.name === "FLOAT" || a.arg.type.name === "REAL");
/**
 * AVG of a FLOAT: the double sum's quotient rounded to a float, as Flink 1.20 gives it (bench/flink:
 * AVG of FLOAT 16777216, 1 is 8388608.0, of 16777216, 1, 1 5592406.0).
 */
const floatAverage = (sum: number, count: number) => Math.fround(sum / count);

/**
 * Adds (`sign` 1) or takes out (-1) one row's `inputs` (from {@link inputOf}) of every
 * accumulator of `accs`; returns the accumulators. User aggregates go first, into a copy of the
 * array (`hasUser`: whether there are any), and the built-in ones, which do not throw, after
 * them: a user function that throws leaves `accs` as they were (provided it did not change its
 * own accumulator in place before throwing).
 */
export function updateAll(
  aggregates: readonly AggregateCall[],
  hasUser: boolean,
  accs: AggAcc[],
  inputs: readonly unknown[],
  sign: 1 | -1,
): AggAcc[] {
  // The one built-in update that may throw (a duplicate key of JSON_OBJECTAGG) is checked before
  // anything changes, so that a failing row leaves every accumulator as it was.
  if (sign === 1)
    for (let i = 0; i < aggregates.length; i++) {
      const j = (aggregates[i] as AggregateCall).json;
      if (j !== undefined && inputs[i] !== undefined) checkJsonInput(j, accs[i], inputs[i]);
    }
  const out = hasUser ? accs.slice() : accs;
  if (hasUser) {
    for (let i = 0; i < aggregates.length; i++) {
      const a = aggregates[i] as AggregateCall;
      if (a.user !== undefined && inputs[i] !== undefined) out[i] = updateAcc(a, out[i], inputs[i], sign);
    }
  }
  for (let i = 0; i < aggregates.length; i++) {
    const a = aggregates[i] as AggregateCall;
    if (a.user === undefined && inputs[i] !== undefined) out[i] = updateAcc(a, out[i], inputs[i], sign);
  }
  return out;
}

/**
 * The function adding one input row to the accumulator of built-in aggregate `a` (what
 * {@link inputOf} then {@link updateAcc} with sign 1 do), specialised once per call at planning
 * time for the common shapes: COUNT(*) and MIN/MAX over an insert-only input, without FILTER,
 * skip the generic checks per row. Undefined for a user aggregate (those go through
 * {@link updateAll}, which keeps their accumulators intact when they throw).
 */
export function accumulator(a: AggregateCall): ((acc: AggAcc, row: Row) => AggAcc) | undefined {
  if (a.user !== undefined) return undefined;
  if (a.filter === undefined && !a.call.distinct) {
    if (a.call.name === "COUNT" && a.arg === undefined) return (acc) => (acc as number) + 1;
    const arg = a.arg;
    if (keepsBest(a) && arg !== undefined) {
      const ev = arg.eval;
      const max = a.call.name === "MAX";
      return (acc, row) => {
        const v = ev(row);
        if (v === null) return acc;
        // State written by the multiset accumulator (see bestAcc) takes the generic path.
        if (!Array.isArray(acc)) return updateAcc(a, acc, v, 1);
        if (
          acc.length === 0 ||
          (max ? (v as number) > (acc[0] as number) : (v as number) < (acc[0] as number))
        )
          acc[0] = v;
        return acc;
      };
    }
  }
  const counted = countedUpdate(a, 1);
  if (counted !== undefined) return counted;
  return (acc, row) => {
    const v = inputOf(a, row);
    return v === undefined ? acc : updateAcc(a, acc, v, 1);
  };
}

/**
 * What {@link inputOf} then {@link updateAcc} with `sign` do for COUNT, SUM and AVG without
 * DISTINCT or FILTER (accumulators a count or `[sum, count]`), without the generic dispatch;
 * undefined for any other call.
 */
function countedUpdate(a: AggregateCall, sign: 1 | -1): ((acc: AggAcc, row: Row) => AggAcc) | undefined {
  if (a.user !== undefined || a.json !== undefined || a.lag !== undefined) return undefined;
  if (a.filter !== undefined || a.call.distinct) return undefined;
  const name = a.call.name;
  const arg = a.arg;
  if (name === "COUNT") {
    if (arg === undefined) return (acc) => (acc as number) + sign;
    const ev = arg.eval;
    return (acc, row) => {
      const v = ev(row);
      return v === null || v === undefined ? acc : (acc as number) + sign;
    };
  }
  if ((name !== "SUM" && name !== "AVG") || arg === undefined) return undefined;
  const ev = arg.eval;
  if (isLongArgument(a))
    return (acc, row) => {
      const v = ev(row);
      if (v === null || v === undefined) return acc;
      const s = acc as [number, number];
      // -v, not sign * v: a BIGINT past 2^53 is a bigint.
      s[0] = addLong(s[0], (sign === 1 ? v : -(v as number)) as number);
      s[1] += sign;
      return s;
    };
  // A FLOAT sum rounds each step to 32 bits, a DECIMAL one may overflow to NULL (see sumStep);
  // every other sum adds as doubles, inline.
  const step = isAtomicDecimal(arg.type) || numberSumStep(a) === addFloat ? sumStep(a) : undefined;
  if (step !== undefined)
    return (acc, row) => {
      const v = ev(row);
      if (v === null || v === undefined) return acc;
      const s = acc as SumAcc;
      s[0] = step(s[0], sign * (v as number));
      s[1] += sign;
      return s;
    };
  return (acc, row) => {
    const v = ev(row);
    if (v === null || v === undefined) return acc;
    const s = acc as [number, number];
    s[0] += sign * (v as number);
    s[1] += sign;
    return s;
  };
}

/**
 * Takes one retracted input row out of accumulators `accs` (in place), as {@link updateAll}
 * with sign -1 does, where every aggregate is a COUNT, SUM or AVG without DISTINCT or FILTER
 * and at most one has an argument that may throw (not a column), which goes first: a row that
 * fails changes nothing. Undefined otherwise (MIN, MAX and DISTINCT retract from a multiset).
 */
export function rowRetractor(
  aggregates: readonly AggregateCall[],
): ((accs: AggAcc[], row: Row) => void) | undefined {
  const updates = aggregates.map((a) => countedUpdate(a, -1));
  if (updates.some((u) => u === undefined)) return undefined;
  const mayThrow = (a: AggregateCall) => a.arg !== undefined && a.call.args[0]?.kind !== "column";
  if (aggregates.filter(mayThrow).length > 1) return undefined;
  const order = aggregates
    .map((a, i) => ({ a, i }))
    .sort((x, y) => Number(mayThrow(y.a)) - Number(mayThrow(x.a)))
    .map(({ i }) => i);
  const fns = order.map((i) => updates[i] as (acc: AggAcc, row: Row) => AggAcc);
  if (fns.length === 1) {
    const take = fns[0] as (acc: AggAcc, row: Row) => AggAcc;
    const i = order[0] as number;
    return (accs, row) => {
      accs[i] = take(accs[i] as AggAcc, row);
    };
  }
  return (accs, row) => {
    for (let k = 0; k < fns.length; k++) {
      const i = order[k] as number;
      accs[i] = (fns[k] as (acc: AggAcc, row: Row) => AggAcc)(accs[i] as AggAcc, row);
    }
  };
}

/**
 * Adds one input row to accumulators `accs` (in place) of built-in `aggregates`, through the
 * functions of {@link accumulator}: no per-row arrays. Undefined where that could leave the
 * accumulators half updated: with a user aggregate, or with more than one aggregate whose input
 * may throw (an argument other than a column, or a FILTER); the one that may throw goes first,
 * so a row that fails changes nothing, as {@link updateAll} guarantees.
 */
export function rowAccumulator(
  aggregates: readonly AggregateCall[],
): ((accs: AggAcc[], row: Row) => void) | undefined {
  if (aggregates.some((a) => a.user !== undefined)) return undefined;
  const mayThrow = (a: AggregateCall) =>
    a.json !== undefined ||
    a.filter !== undefined ||
    (a.arg !== undefined && a.call.args[0]?.kind !== "column");
  if (aggregates.filter(mayThrow).length > 1) return undefined;
  const order = aggregates
    .map((a, i) => ({ a, i }))
    .sort((x, y) => Number(mayThrow(y.a)) - Number(mayThrow(x.a)));
  const adders = order.map(({ a }) => accumulator(a) as (acc: AggAcc, row: Row) => AggAcc);
  const at = order.map(({ i }) => i);
  if (adders.length === 1) {
    const add = adders[0] as (acc: AggAcc, row: Row) => AggAcc;
    const i = at[0] as number;
    return (accs, row) => {
      accs[i] = add(accs[i], row);
    };
  }
  return (accs, row) => {
    for (let k = 0; k < adders.length; k++) {
      const i = at[k] as number;
      accs[i] = (adders[k] as (acc: AggAcc, row: Row) => AggAcc)(accs[i], row);
    }
  };
}

/** Merges accumulator `b` into `a` (session windows merging); returns the result. */
export function mergeAcc(a: AggregateCall, x: AggAcc, y: AggAcc): AggAcc {
  if (a.user !== undefined) {
    const m = userDef(a).merge;
    if (m === undefined) throw functionFailed(a.user.f, new Error("merge is not defined"));
    return callUser(a, m, [x, y]) ?? x;
  }
  if (a.json !== undefined) return mergeJsonAcc(a.json, x, y);
  if (keepsOne(a)) {
    // Planning refuses merging windows for FIRST_VALUE and LAST_VALUE (requireUserMethods).
    throw new Error(`${a.call.name} cannot merge accumulators`);
  }
  if (keepsList(a)) {
    const p = listAcc(x);
    const q = listAcc(y);
    if (p.counts === undefined || q.counts === undefined) return { list: [...p.list, ...q.list] };
    // DISTINCT: the merged window's values in order of first arrival, x's first.
    const counts = { ...p.counts };
    const list = [...p.list];
    for (const v of q.list) if (counts[valueText(v)] === undefined) list.push(v);
    for (const [text, n] of Object.entries(q.counts)) counts[text] = (counts[text] ?? 0) + n;
    return { list, counts };
  }
  if (spreadOf(a) !== undefined) return mergeSpread(arithmeticOf(a), spreadOfAcc(a, x), spreadOfAcc(a, y));
  if (keepsBest(a)) {
    const p = bestAcc(a, x);
    const q = bestAcc(a, y);
    return q.length === 0 || (p.length > 0 && !better(a, q[0], p[0])) ? [...p] : [...q];
  }
  if (usesMultiset(a)) {
    const m: Multiset = { ...multisetAcc(a, x).values };
    for (const [text, [v, n]] of Object.entries(multisetAcc(a, y).values))
      m[text] = [v, (m[text]?.[1] ?? 0) + n];
    return summarize(a, m);
  }
  if (a.call.name === "COUNT") return (x as number) + (y as number);
  const p = x as SumAcc;
  const q = y as SumAcc;
  return [mergedSum(a, p[0], q[0]), p[1] + q[1]];
}

/**
 * The accumulators of a list of built-in aggregates whose accumulators are plain numbers or
 * number arrays (COUNT, SUM and AVG without DISTINCT; MIN and MAX of an input that never
 * retracts), with each aggregate's kind decided once at planning: creating, merging and reading
 * them then skips the generic dispatch of {@link createAcc}, {@link mergeAcc} and
 * {@link resultOf} (a chain of kind tests per call and accumulator), which a sliding window ran
 * for every slice of every key at each firing. Same accumulators, same state (see the module
 * comment): state written by the multiset MIN/MAX accumulator of older versions is merged by
 * {@link mergeAcc}.
 */
export interface PlainAccumulators {
  /** New accumulators, one per aggregate (their arrays new: the caller owns them). */
  readonly create: () => AggAcc[];
  /** The new accumulator of each aggregate alone, as {@link create} makes it. */
  readonly makers: readonly (() => AggAcc)[];
  /**
   * Merges accumulator `y` of each aggregate alone into `x` (in place when it is an array, which
   * the caller owns), as {@link mergeInto} does, and returns the result (a count is a new number).
   */
  readonly mergers: readonly ((x: AggAcc, y: AggAcc) => AggAcc)[];
  /** The value of each aggregate alone, as {@link results} gives it. */
  readonly readers: readonly ((acc: AggAcc) => unknown)[];
  /**
   * Merges `ys` into `xs`, changing `xs` and its arrays in place (the caller owns them, as
   * {@link create} gives them) and adopting none of the arrays of `ys`, which stays unchanged.
   */
  readonly mergeInto: (xs: AggAcc[], ys: readonly AggAcc[]) => void;
  /** Writes the value of every aggregate, as {@link resultOf} gives it, into `into`; returns it. */
  readonly results: (accs: readonly AggAcc[], into: unknown[]) => unknown[];
}

/** The kind of a {@link PlainAccumulators} aggregate, or undefined when it is none. */
function plainKind(a: AggregateCall): "count" | "sum" | "best" | undefined {
  if (a.user !== undefined || a.json !== undefined || a.lag !== undefined) return undefined;
  if (keepsBest(a)) return "best";
  if (a.call.distinct) return undefined;
  if (a.call.name === "COUNT") return "count";
  if (a.call.name === "SUM" || a.call.name === "AVG") return "sum";
  return undefined;
}

/** The {@link PlainAccumulators} of `aggregates`, or undefined when one of them is not plain. */
export function plainAccumulators(aggregates: readonly AggregateCall[]): PlainAccumulators | undefined {
  const kinds = aggregates.map(plainKind);
  if (kinds.some((k) => k === undefined)) return undefined;
  // The same starts as createAcc's (SUM's sum at -0, see sumStart).
  const makers = aggregates.map((a, i): (() => AggAcc) => {
    const k = kinds[i];
    if (k === "count") return () => 0;
    if (k === "best") return () => [] as unknown as AggAcc;
    const start = sumStart(a);
    return () => [start, 0];
  });
  const mergers = aggregates.map((a, i) => plainMerger(a, kinds[i] as "count" | "sum" | "best"));
  const readers = aggregates.map(resultReader);
  const n = aggregates.length;
  if (n === 1) {
    const make = makers[0] as () => AggAcc;
    const merge = mergers[0] as (x: AggAcc, y: AggAcc) => AggAcc;
    const read = readers[0] as (acc: AggAcc) => unknown;
    return {
      create: () => [make()],
      makers,
      mergers,
      readers,
      mergeInto: (xs, ys) => {
        xs[0] = merge(xs[0] as AggAcc, ys[0] as AggAcc);
      },
      results: (accs, into) => {
        into[0] = read(accs[0] as AggAcc);
        return into;
      },
    };
  }
  return {
    makers,
    mergers,
    readers,
    create: () => {
      const out: AggAcc[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = (makers[i] as () => AggAcc)();
      return out;
    },
    mergeInto: (xs, ys) => {
      for (let i = 0; i < n; i++)
        xs[i] = (mergers[i] as (x: AggAcc, y: AggAcc) => AggAcc)(xs[i] as AggAcc, ys[i] as AggAcc);
    },
    results: (accs, into) => {
      for (let i = 0; i < n; i++) into[i] = (readers[i] as (acc: AggAcc) => unknown)(accs[i] as AggAcc);
      return into;
    },
  };
}

/**
 * Merges accumulator `y` of plain aggregate `a` of `kind` into `x` (in place when it is an array)
 * and returns the result; `y` stays unchanged.
 */
function plainMerger(a: AggregateCall, kind: "count" | "sum" | "best"): (x: AggAcc, y: AggAcc) => AggAcc {
  if (kind === "count") return (x, y) => (x as number) + (y as number);
  if (kind === "sum") {
    // A DECIMAL sum may be NULL, overflowed (see mergedSum); the others add as their type adds.
    const add = isAtomicDecimal(a.arg?.type)
      ? (x: number | null, y: number | null) => mergedSum(a, x, y)
      : (numberSumStep(a) as (x: number | null, y: number | null) => number);
    return (x, y) => {
      const p = x as SumAcc;
      const q = y as SumAcc;
      p[0] = add(p[0], q[0]);
      p[1] += q[1];
      return p;
    };
  }
  const max = a.call.name === "MAX";
  return (p, q) => {
    // State of the multiset accumulator (older versions, see bestAcc) takes the generic path.
    if (!Array.isArray(p) || !Array.isArray(q)) return mergeAcc(a, p, q);
    if (q.length === 0) return p;
    // The first of equal values stays, as mergeAcc keeps it.
    if (p.length === 0 || (max ? (q[0] as number) > (p[0] as number) : (q[0] as number) < (p[0] as number)))
      p[0] = q[0];
    return p;
  };
}

/**
 * What, besides its value, tells that aggregate `a` changed, as Flink 1.20's GroupAggFunction sees
 * it: that function compares the row of the aggregates it computes before and after an input row
 * and sends no `-U`/`+U` pair when the two are equal. Calcite's AggregateReduceFunctionsRule has
 * turned VAR_POP, VAR_SAMP, STDDEV_POP and STDDEV_SAMP into SUM(x * x), SUM(x) and COUNT(x) by then
 * (variance.ts), so a row that adds or takes out a value changes COUNT(x) and sends a pair even
 * when the variance stays the same (VAR_POP of INT 1, 1: `-U[0]`, `+U[0]`). For those, the count
 * of values (of distinct values under DISTINCT); undefined for the others, whose value is what
 * Flink compares.
 */
export function changeWitness(a: AggregateCall): ((acc: AggAcc) => unknown) | undefined {
  if (a.user !== undefined || a.json !== undefined || a.lag !== undefined) return undefined;
  if (!SPREAD.has(a.call.name)) return undefined;
  if (a.call.distinct) return (acc) => multisetAcc(a, acc).distinct;
  return (acc) => spreadOfAcc(a, acc).n;
}

/** The value of aggregate `a` for accumulator `acc`. */
/**
 * The {@link resultOf} of call `a` as a function of its accumulator, the kind of accumulator
 * decided once: for the built-in MIN/MAX of an input that never retracts, COUNT, SUM and AVG
 * without DISTINCT (a group aggregation reads its results twice per input row), a function of
 * that kind alone; {@link resultOf} itself otherwise.
 */
export function resultReader(a: AggregateCall): (acc: AggAcc) => unknown {
  if (a.user !== undefined || a.json !== undefined || a.lag !== undefined) return (acc) => resultOf(a, acc);
  if (keepsOne(a) || keepsList(a) || spreadOf(a) !== undefined || usesMultiset(a))
    return (acc) => resultOf(a, acc);
  if (keepsBest(a)) {
    return (acc) => {
      const b = bestAcc(a, acc);
      return b.length === 0 ? null : b[0];
    };
  }
  const name = a.call.name;
  if (name === "COUNT") return (acc) => acc as number;
  if (name !== "SUM" && name !== "AVG") return (acc) => resultOf(a, acc);
  const t = a.arg?.type;
  if (name === "AVG" && t?.kind === "atomic" && t.name !== "DECIMAL") {
    // The quotient's kind decided once (average() asks the argument's type per call): a group
    // aggregation reads this twice per input row, an updating AVG (q4's) once per -U and +U.
    if (INTEGER_TYPES.has(t.name))
      return (acc) => {
        const s = acc as [number, number];
        const count = s[1];
        // + 0: no -0 (Math.trunc(-0.5)), which Java's longs do not have.
        return count === 0 ? null : integerAverage(sumResult(a, s[0]) as number, count);
      };
    if (isFloatArgument(a))
      return (acc) => {
        const s = acc as [number, number];
        return s[1] === 0 ? null : floatAverage(s[0], s[1]);
      };
    return (acc) => {
      const s = acc as [number, number];
      const count = s[1];
      return count === 0 ? null : s[0] / count;
    };
  }
  const avg = name === "AVG";
  return (acc) => {
    const [sum, count] = acc as SumAcc;
    if (count === 0 || sum === null) return null;
    return avg ? average(a, sum, count) : sumResult(a, sum);
  };
}

export function resultOf(a: AggregateCall, acc: AggAcc): unknown {
  if (a.user !== undefined) return detached(callUser(a, userDef(a).getValue, [acc]) ?? null);
  if (a.json !== undefined) return jsonAggResult(a.json, acc);
  if (a.lag !== undefined) return lagResult(acc);
  const name = a.call.name;
  if (keepsOne(a)) {
    const b = oneAcc(a, acc);
    return b.length === 0 ? null : b[0];
  }
  if (keepsList(a)) return orderedResult(a, listAcc(acc).list);
  const spread = spreadOf(a);
  if (spread !== undefined) return spreadResult(arithmeticOf(a), spreadOfAcc(a, acc), spread);
  if (keepsBest(a)) {
    const b = bestAcc(a, acc);
    return b.length === 0 ? null : b[0];
  }
  if (usesMultiset(a)) {
    const m = multisetAcc(a, acc);
    if (name === "MIN" || name === "MAX") {
      if (m.stale) {
        m.best = bestOf(a, m.values);
        m.stale = false;
      }
      return m.best === null ? null : (m.values[m.best] as [unknown, number])[0];
    }
    if (name === "COLLECT") return multisetOf(m.values, a.call.distinct === true);
    // Only DISTINCT aggregates other than MIN, MAX and COLLECT keep a multiset: each value counts once.
    if (name === "COUNT") return m.distinct;
    if (name === "SUM") return m.distinct === 0 || m.sum === null ? null : sumResult(a, m.sum);
    if (name === "AVG") return m.distinct === 0 || m.sum === null ? null : average(a, m.sum, m.distinct);
    // LISTAGG and the variances of DISTINCT values: a walk over the distinct values.
    const values = Object.values(m.values).map(([v]) => v);
    if (name === "LISTAGG") return orderedResult(a, values);
    const f = SPREAD.get(name);
    if (f !== undefined) {
      const w = createSpread();
      for (const v of values) updateSpread(arithmeticOf(a), w, v as number, 1);
      return spreadResult(arithmeticOf(a), w, f);
    }
    return null;
  }
  if (name === "COUNT") return acc as number;
  const [sum, count] = acc as SumAcc;
  if (count === 0 || sum === null) return null;
  return name === "AVG" ? average(a, sum, count) : sumResult(a, sum);
}

/**
 * SUM keeps its argument's type (Flink's IntSumAggFunction...): over TINYINT, SMALLINT and INT it
 * wraps around as Java's int arithmetic does (`SUM` of 2147483647 and 5 is -2147483644). The
 * exact sum is held, so wrapping the result equals wrapping every step. Over DECIMAL(p, s), a
 * DECIMAL(38, s), NULL once the sum needs more than 38 digits (Flink 1.20's DecimalData overflow).
 */
function sumResult(a: AggregateCall, sum: number): number | null {
  const t = a.arg?.type;
  if (t?.kind !== "atomic") return sum;
  if (t.name === "DECIMAL") return decimalFits(onDecimalScale(sum, t.args[1] ?? 0), t.args[1] ?? 0);
  const name = t.name === "INTEGER" ? "INT" : t.name;
  return name === "TINYINT" || name === "SMALLINT" || name === "INT" ? narrowed(sum, name) : sum;
}

/**
 * AVG keeps its argument's type (Flink): over integers, the quotient of the wrapped sum truncated
 * toward zero. Over
 * DECIMAL(p, s) it is a DECIMAL(38, max(6, s)) (see {@link avgDecimalScale}), the quotient
 * rounded HALF_UP to 38 digits then to that scale, NULL past 38 digits, as Flink's
 * DecimalAvgAggFunction divides (DecimalDataUtils.divide): 0.01 / 32 is 0.000313.
 */
function average(a: AggregateCall, sum: number, count: number): number | null {
  const t = a.arg?.type;
  if (t?.kind === "atomic" && t.name === "DECIMAL") {
    // NULL once the sum itself overflows its DECIMAL(38, s), as Flink's AVG sums in that type.
    const s = t.args[1] ?? 0;
    if (decimalFits(sum, s) === null) return null;
    // Divided as Flink divides DecimalData (decimal-division.ts), on the sum's decimal digits:
    // its unscaled value at scale s is past 2^53 from 16 digits on, where the double's binary
    // expansion is no longer those digits (AVG of DECIMAL(38, 30) 60000000 was 60000000.00000001).
    return decimalQuotient(onDecimalScale(sum, s), count, 38, avgDecimalScale(s));
  }
  // Over integers the sum wraps in the argument's type first, as Flink's AVG sums in it
  // (AVG of INT 2147483647 and 2147483647 is -1).
  if (t?.kind === "atomic" && INTEGER_TYPES.has(t.name))
    return integerAverage(sumResult(a, sum) as number, count);
  return isFloatArgument(a) ? floatAverage(sum, count) : sum / count;
}

/**
 * An integer AVG: the wrapped sum divided by the count, truncated toward zero (a BIGINT sum past
 * 2^53 divided exactly: bench/flink's AVG of 1234567890123456789 and 9223372036854775807 is
 * -3994402073365659510, the wrapped sum's half).
 */
function integerAverage(sum: number, count: number): number {
  // + 0: no -0 (Math.trunc(-0.5)), which Java's longs do not have.
  return typeof sum === "bigint" ? (longDiv(sum, count) as number) : Math.trunc(sum / count) + 0;
}

/** `v`, a DECIMAL(38, `scale`), or NULL when it needs more digits than 38 (Flink's overflow). */
const decimalFits = (v: number, scale: number): number | null =>
  Math.abs(v) < 10 ** (38 - scale) ? v : null;

/** The scale of AVG over a DECIMAL of scale `s` in Flink 1.20: at least 6, else `s`. */
export function avgDecimalScale(s: number): number {
  return Math.max(6, s);
}

/**
 * The scope of an aggregation's output (select items, HAVING): aggregate calls and GROUP BY keys
 * evaluate from `O`; `extra` may provide more (window columns); any other column is invalid, as
 * it is neither grouped nor aggregated.
 */
export function aggregateOutputScope<O>(
  aggregates: readonly AggregateCall[],
  aggIndex: ReadonlyMap<Expr, number>,
  keys: readonly { expr: Expr; compiled: Compiled<Row> }[],
  aggValue: (o: O, agg: number) => unknown,
  keyOf: (o: O, key: number) => unknown,
  extra?: (e: Expr) => Compiled<O> | undefined,
  /** Whether the aggregation has no GROUP BY keys (see {@link aggregateType}). */
  emptyGroup = false,
): Scope<O> {
  const keyIndex = new Map<string, number>(keys.map((k, i) => [exprKey(k.expr), i]));
  return {
    intercept(e) {
      const a = aggIndex.get(e);
      if (a !== undefined) {
        const type = aggregateType(aggregates[a] as AggregateCall, emptyGroup);
        return { eval: (o) => aggValue(o, a) ?? null, type };
      }
      const x = extra?.(e);
      if (x !== undefined) return x;
      const k = keyIndex.get(exprKey(e));
      if (k !== undefined) return { eval: (o) => keyOf(o, k) ?? null, type: keys[k]?.compiled.type };
      return undefined;
    },
    column(name, pos: SourcePos) {
      throw invalid(
        `column ${name.parts.join(".")} must be in GROUP BY or inside an aggregate function`,
        pos,
        {
          columnName: name.parts.join("."),
        },
      );
    },
  };
}

const BIGINT = { kind: "atomic", name: "BIGINT", args: [], notNull: true } as const;
const STRING = { kind: "atomic", name: "STRING", args: [], notNull: false } as const;

/** The aggregates that are NULL over no rows, as Calcite types them (see {@link aggregateType}). */
const NULL_IF_EMPTY: ReadonlySet<string> = new Set([
  "SUM",
  "AVG",
  "MIN",
  "MAX",
  "ARRAY_AGG",
  ...SPREAD.keys(),
]);

/**
 * The type of an aggregate's result: a user aggregate's declared one, BIGINT for COUNT, else its
 * argument's. SUM, AVG, MIN, MAX and the variances are nullable when `emptyGroup` (an aggregation without GROUP
 * BY keys, which has a row over no rows) or with a FILTER, as Calcite's AGG_SUM,
 * AVG_AGG_FUNCTION and ARG0_NULLABLE_IF_EMPTY type them; otherwise they keep their argument's
 * nullability.
 */
export function aggregateType(call: AggregateCall, emptyGroup = false): DataType | undefined {
  const type = groupedAggregateType(call);
  return call.user === undefined &&
    (emptyGroup || call.filter !== undefined) &&
    NULL_IF_EMPTY.has(call.call.name)
    ? nullable(type)
    : type;
}

/** {@link aggregateType} of `call` in a group that has a row. */
function groupedAggregateType(call: AggregateCall): DataType | undefined {
  if (call.call.name === "LISTAGG") return STRING;
  // Flink 1.20 types ARRAY_AGG(x) as ARRAY<type of x>, nullable as x is (DESCRIBE of a view:
  // ARRAY<INT> over a nullable INT, ARRAY<CHAR(1) NOT NULL> NOT NULL over a NOT NULL one).
  if (isArrayAgg(call))
    return call.arg?.type === undefined
      ? undefined
      : { kind: "array", element: call.arg.type, notNull: call.arg.type.notNull };
  // Never NULL: no counted value gives the empty multiset (Flink's CollectAggFunction.getValue).
  if (call.call.name === "COLLECT")
    return call.arg?.type === undefined
      ? undefined
      : { kind: "multiset", element: call.arg.type, notNull: true };
  if (call.json !== undefined) return jsonAggregateType();
  if (call.lag !== undefined) return lagType(call.lag);
  // The variances keep their argument's type (Flink's deriveAvgAggType), a DECIMAL(38, max(6, s))
  // for a DECIMAL(p, s), and its nullability (variance.ts); FIRST/LAST_VALUE their value's type,
  // NULL when no value counts.
  if (SPREAD.has(call.call.name)) return call.arg?.type === undefined ? undefined : spreadType(call.arg.type);
  if (ORDERED.has(call.call.name))
    return call.arg?.type === undefined ? undefined : { ...call.arg.type, notNull: false };
  // Flink's LogicalTypeMerging: SUM of a DECIMAL(p, s) is a DECIMAL(38, s), AVG a DECIMAL(38,
  // max(6, s)).
  const t = call.arg?.type;
  if (call.user === undefined && t?.kind === "atomic" && t.name === "DECIMAL") {
    const s = t.args[1] ?? 0;
    if (call.call.name === "SUM") return { ...t, args: [38, s] };
    if (call.call.name === "AVG") return { ...t, args: [38, avgDecimalScale(s)] };
  }
  return call.user !== undefined
    ? call.user.f.resultType
    : call.call.name === "COUNT"
      ? BIGINT
      : call.arg?.type;
}

/** The name of select item `i`: its alias, its column name, or EXPR$i as Flink names it. */
export function itemName(item: { expr: Expr; alias?: string | undefined }, i: number): string {
  return (
    item.alias ??
    (item.expr.kind === "column"
      ? (item.expr.name.parts[item.expr.name.parts.length - 1] as string)
      : `EXPR$${i}`)
  );
}

/**
 * The state schema of an aggregation (see state-ids.ts): its state is one accumulator list per
 * key, so the keys and the aggregate calls, in order, say whether old state can be read.
 */
export function aggregateStateSchema(
  kind: string,
  keys: readonly { readonly expr: Expr }[],
  groupingSets: number,
  aggregates: readonly AggregateCall[],
): Record<string, string> {
  return {
    kind,
    keys: `[${keys.map((k) => printExpr(k.expr)).join(", ")}]${groupingSets > 1 ? ` in ${groupingSets} grouping sets` : ""}`,
    aggregates: `[${aggregates.map((a) => printExpr(a.call)).join(", ")}]`,
  };
}
