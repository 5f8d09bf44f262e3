/**
 * Window TVF aggregation: `SELECT ... FROM TABLE(TUMBLE|HOP|SESSION(TABLE t, DESCRIPTOR(ts), ...))
 * [WHERE ...] GROUP BY window_start, window_end[, window_time][, keys] [HAVING ...]`, planned
 * onto keyBy(keys).window(assigner).aggregate(...) of the DataStream API: one accumulator per key
 * and window (COUNT, SUM, MIN, MAX, AVG, with DISTINCT and FILTER (WHERE ...)), a row per key and
 * window when the watermark passes the window's end, as Flink emits window aggregates.
 */

import {
  type AggregateFunction,
  EventTimeSessionWindows,
  type ProcessWindowFunction,
  SlidingEventTimeWindows,
  type TimeWindow,
  TumblingEventTimeWindows,
  type WindowAssigner,
} from "@fleuve/core";
import type { Expr, Select, SourcePos } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import { describeMode, INSERT_ONLY, isInsertOnly } from "./changelog.js";
import { type Compiled, compileExpression, intervalMs, type Scope } from "./compile-expression.js";
import { invalid, unsupported } from "./problems.js";
import { type Column, type Relation, rowScope } from "./relation.js";
import { AGGREGATE_FUNCTIONS } from "./scalar-functions.js";
import type { Row } from "./values.js";

/** A window TVF call, its arguments resolved. */
export interface WindowTvf {
  readonly kind: "TUMBLE" | "HOP" | "SESSION";
  readonly input: Relation;
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  /** SESSION's PARTITION BY keys. */
  readonly partitionBy: readonly Expr[];
  readonly pos: SourcePos;
}

const WINDOW_COLUMNS = ["window_start", "window_end", "window_time"] as const;
type WindowColumn = (typeof WINDOW_COLUMNS)[number];

const TIMESTAMP3 = { kind: "atomic", name: "TIMESTAMP", args: [3], notNull: true } as const;

/** One aggregate call of the query. */
interface AggregateCall {
  readonly call: Expr & { kind: "call" };
  readonly arg: Compiled<Row> | undefined;
  readonly filter: Compiled<Row> | undefined;
}

/** Accumulator of one aggregate: count, sum/min/max, [sum, count] for AVG, or distinct values by text. */
type AggState = number | unknown | [number, number] | Record<string, unknown>;
interface Accumulator {
  keys: unknown[] | null;
  aggs: AggState[];
}
interface Aggregated {
  readonly keys: unknown[];
  readonly values: unknown[];
}

/** The text identifying an expression (positions aside), to match select items with GROUP BY keys. */
function exprKey(e: Expr): string {
  if (e.kind === "column") return `col:${e.name.parts[e.name.parts.length - 1]}`;
  return printExpr(e);
}

function isWindowColumn(e: Expr): WindowColumn | undefined {
  if (e.kind !== "column") return undefined;
  const last = e.name.parts[e.name.parts.length - 1] as string;
  return (WINDOW_COLUMNS as readonly string[]).includes(last) ? (last as WindowColumn) : undefined;
}

/** The aggregate calls in `e`, outermost only (an aggregate inside an aggregate is refused). */
function collectAggregates(e: Expr, out: (Expr & { kind: "call" })[], inside = false): void {
  if (e.kind === "call" && AGGREGATE_FUNCTIONS.has(e.name) && e.over === undefined) {
    if (inside) throw invalid(`aggregate ${e.name} inside another aggregate`, e.pos);
    out.push(e);
    for (const a of e.args) collectAggregates(a, [], true);
    return;
  }
  for (const child of children(e)) collectAggregates(child, out, inside);
}

function children(e: Expr): Expr[] {
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

function initial(call: AggregateCall): AggState {
  if (call.call.distinct) return {};
  switch (call.call.name) {
    case "COUNT":
      return 0;
    case "AVG":
      return [0, 0];
    default:
      return null;
  }
}

function addTo(name: string, state: AggState, v: unknown): AggState {
  switch (name) {
    case "COUNT":
      return (state as number) + 1;
    case "SUM":
      return state === null ? (v as number) : (state as number) + (v as number);
    case "MIN":
      return state === null || (v as number) < (state as number) ? v : state;
    case "MAX":
      return state === null || (v as number) > (state as number) ? v : state;
    case "AVG": {
      const s = state as [number, number];
      s[0] += v as number;
      s[1] += 1;
      return s;
    }
  }
  return state;
}

function resultOf(call: AggregateCall, state: AggState): unknown {
  const name = call.call.name;
  if (call.call.distinct) {
    let s: AggState = name === "COUNT" ? 0 : name === "AVG" ? [0, 0] : null;
    for (const v of Object.values(state as Record<string, unknown>)) s = addTo(name, s, v);
    return resultOf({ ...call, call: { ...call.call, distinct: false } }, s);
  }
  if (name === "AVG") {
    const [sum, count] = state as [number, number];
    return count === 0 ? null : sum / count;
  }
  return state;
}

function mergeStates(call: AggregateCall, a: AggState, b: AggState): AggState {
  if (call.call.distinct) return { ...(a as Record<string, unknown>), ...(b as Record<string, unknown>) };
  switch (call.call.name) {
    case "COUNT":
      return (a as number) + (b as number);
    case "AVG": {
      const x = a as [number, number];
      const y = b as [number, number];
      return [x[0] + y[0], x[1] + y[1]];
    }
    default:
      return b === null ? a : a === null ? b : addTo(call.call.name, a, b);
  }
}

/** Plans a window aggregation over `tvf` for `select`. */
export function planWindowAggregate(select: Select, tvf: WindowTvf): Relation {
  if (select.distinct) throw unsupported("SELECT DISTINCT", select.pos);
  const input = tvf.input;
  if (!isInsertOnly(input.changelog)) {
    // Flink's window aggregation consumes insert-only input only.
    throw unsupported(
      `a window aggregation over an updating input (${input.changelog.producer ?? "an updating relation"} produces ${describeMode(input.changelog)})`,
      tvf.pos,
      "window TVFs take an insert-only table",
    );
  }
  const inputScope = rowScope(input);

  // WHERE runs on the input rows, before windows are assigned.
  let stream = input.stream;
  if (select.where !== undefined) {
    for (const w of windowColumnsIn(select.where)) {
      throw unsupported(
        `a WHERE condition on ${w} (filter the aggregated rows with HAVING or an outer query)`,
        select.pos,
      );
    }
    const cond = compileExpression(select.where, inputScope).eval;
    stream = stream.filter((row) => cond(row) === true);
  }

  // GROUP BY: the window columns and the keys.
  const grouped = new Set<WindowColumn>();
  const keys: { expr: Expr; compiled: Compiled<Row> }[] = [];
  for (const g of select.groupBy) {
    if (g.kind !== "expr")
      throw unsupported(g.kind === "empty" ? "GROUP BY ()" : "GROUPING SETS, ROLLUP and CUBE", select.pos);
    const w = isWindowColumn(g.expr);
    if (w !== undefined) grouped.add(w);
    else keys.push({ expr: g.expr, compiled: compileExpression(g.expr, inputScope) });
  }
  if (!grouped.has("window_start") || !grouped.has("window_end")) {
    throw unsupported(
      "a window TVF whose GROUP BY lacks window_start and window_end",
      select.pos,
      "window aggregation groups by both window_start and window_end",
    );
  }
  if (tvf.kind === "SESSION") {
    const keyTexts = keys.map((k) => exprKey(k.expr)).sort();
    const partTexts = tvf.partitionBy.map(exprKey).sort();
    if (keyTexts.join("\u0000") !== partTexts.join("\u0000")) {
      throw unsupported(
        "a SESSION window whose GROUP BY keys differ from its PARTITION BY keys",
        tvf.pos,
        "partition the session by exactly the keys you group by",
      );
    }
  }

  // The aggregates of the select list and HAVING.
  const calls: (Expr & { kind: "call" })[] = [];
  for (const item of select.items) collectAggregates(item.expr, calls);
  if (select.having !== undefined) collectAggregates(select.having, calls);
  const aggregates: AggregateCall[] = calls.map((call) => {
    if (call.name !== "COUNT" && call.args.length !== 1)
      throw invalid(`${call.name} takes 1 argument, got ${call.args.length}`, call.pos);
    const first = call.args[0];
    const star = first === undefined || first.kind === "star";
    if (call.name === "COUNT" && call.args.length > 1)
      throw invalid(`COUNT takes 1 argument, got ${call.args.length}`, call.pos);
    if (star && call.name !== "COUNT")
      throw invalid(`${call.name}(*) is not valid; only COUNT(*) is`, call.pos);
    if (star && call.distinct) throw invalid("COUNT(DISTINCT *) is not valid", call.pos);
    return {
      call,
      arg: star ? undefined : compileExpression(first as Expr, inputScope),
      filter: call.filter === undefined ? undefined : compileExpression(call.filter, inputScope),
    };
  });
  const aggIndex = new Map<Expr, number>(calls.map((c, i) => [c, i]));
  const keyIndex = new Map<string, number>(keys.map((k, i) => [exprKey(k.expr), i]));

  // The output rows: select items over (keys, aggregate values, window).
  type Out = { keys: unknown[]; values: unknown[]; start: number; end: number };
  const outScope: Scope<Out> = {
    intercept(e) {
      const a = aggIndex.get(e);
      if (a !== undefined) return { eval: (o) => o.values[a] ?? null, type: aggregates[a]?.arg?.type };
      const w = isWindowColumn(e);
      if (w !== undefined) {
        if (!grouped.has(w))
          throw invalid(`${w} must be in GROUP BY to be selected`, e.kind === "column" ? e.pos : undefined);
        const ev =
          w === "window_start"
            ? (o: Out) => o.start
            : w === "window_end"
              ? (o: Out) => o.end
              : (o: Out) => o.end - 1;
        return { eval: ev, type: TIMESTAMP3 };
      }
      const k = keyIndex.get(exprKey(e));
      if (k !== undefined) return { eval: (o) => o.keys[k] ?? null, type: keys[k]?.compiled.type };
      return undefined;
    },
    column(name, pos) {
      throw invalid(
        `column ${name.parts.join(".")} must be in GROUP BY or inside an aggregate function`,
        pos,
        {
          column: name.parts.join("."),
        },
      );
    },
  };
  const items = select.items.map((item, i) => {
    if (item.expr.kind === "star")
      throw invalid("SELECT * is not valid in a query with GROUP BY", select.pos);
    const name =
      item.alias ??
      (item.expr.kind === "column"
        ? (item.expr.name.parts[item.expr.name.parts.length - 1] as string)
        : item.expr.kind === "call" && AGGREGATE_FUNCTIONS.has(item.expr.name)
          ? `EXPR$${i}`
          : `EXPR$${i}`);
    const compiled = compileExpression(item.expr, outScope);
    return {
      name,
      eval: compiled.eval,
      type: compiled.type,
      isWindowTime: isWindowColumn(item.expr) === "window_time",
    };
  });
  const having = select.having === undefined ? undefined : compileExpression(select.having, outScope).eval;

  const n = aggregates.length;
  const keyEvals = keys.map((k) => k.compiled.eval);
  const agg: AggregateFunction<Row, Accumulator, Aggregated> = {
    createAccumulator: () => ({ keys: null, aggs: aggregates.map(initial) }),
    add(row, acc) {
      if (acc.keys === null) acc.keys = keyEvals.map((k) => k(row));
      for (let i = 0; i < n; i++) {
        const a = aggregates[i] as AggregateCall;
        if (a.filter !== undefined && a.filter.eval(row) !== true) continue;
        const v = a.arg === undefined ? 1 : a.arg.eval(row);
        if (v === null) continue; // aggregates skip NULL inputs (COUNT(*) counts rows)
        if (a.call.distinct) (acc.aggs[i] as Record<string, unknown>)[JSON.stringify(v)] = v;
        else acc.aggs[i] = addTo(a.call.name, acc.aggs[i], v);
      }
      return acc;
    },
    getResult: (acc) => ({
      keys: acc.keys ?? [],
      values: aggregates.map((a, i) => resultOf(a, acc.aggs[i])),
    }),
    merge(x, y) {
      return {
        keys: x.keys ?? y.keys,
        aggs: aggregates.map((a, i) => mergeStates(a, x.aggs[i], y.aggs[i])),
      };
    },
  };
  const toRows: ProcessWindowFunction<Aggregated, Row, string, TimeWindow> = {
    process(_key, ctx, elements, out) {
      const w = ctx.window();
      for (const r of elements) {
        const o: Out = { keys: r.keys, values: r.values, start: w.start, end: w.end };
        if (having !== undefined && having(o) !== true) continue;
        const row: Row = {};
        for (const item of items) row[item.name] = item.eval(o);
        out.collect(row);
      }
    },
  };

  const keyOf = keyEvals.length === 0 ? () => "" : (row: Row) => JSON.stringify(keyEvals.map((k) => k(row)));
  const assigner: WindowAssigner<Row, TimeWindow> =
    tvf.kind === "TUMBLE"
      ? TumblingEventTimeWindows.of<Row>(tvf.size, tvf.offset)
      : tvf.kind === "HOP"
        ? SlidingEventTimeWindows.of<Row>(tvf.size, tvf.slide, tvf.offset)
        : (EventTimeSessionWindows.withGap<Row>(tvf.size) as unknown as WindowAssigner<Row, TimeWindow>);
  const result = stream.keyBy(keyOf).window(assigner).aggregate(agg, toRows);
  const columns: Column[] = items.map((i) => ({ name: i.name, type: i.type }));
  // The output records carry the window's max timestamp (window_time): a selected window_time
  // stays an event-time attribute for a following window.
  const rowtime = items.find((i) => i.isWindowTime)?.name;
  return { stream: result, columns, rowtime, changelog: INSERT_ONLY };
}

function windowColumnsIn(e: Expr): WindowColumn[] {
  const found: WindowColumn[] = [];
  const visit = (x: Expr) => {
    const w = isWindowColumn(x);
    if (w !== undefined) found.push(w);
    for (const c of children(x)) visit(c);
  };
  visit(e);
  return found;
}

/** The milliseconds of an interval argument of a window TVF. */
export function intervalArgument(e: Expr | undefined, what: string, fn: string, pos: SourcePos): number {
  if (e === undefined) throw invalid(`${fn}: missing ${what} argument`, pos);
  if (e.kind !== "interval")
    throw invalid(`${fn}: the ${what} must be an INTERVAL literal, got ${printExpr(e)}`, pos);
  const ms = intervalMs(e);
  return ms;
}
