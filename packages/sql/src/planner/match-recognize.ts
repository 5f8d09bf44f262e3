/**
 * MATCH_RECOGNIZE on @fleuve/cep, translated as Flink's planner does (PatternTranslator,
 * MatchCodeGenerator): pattern variables in sequence become CEP steps with strict contiguity
 * (`next`), quantifiers become loops/times with `consecutive()` and `greedy()` unless reluctant,
 * each DEFINE becomes the step's iterative condition, AFTER MATCH SKIP the pattern's skip strategy
 * and WITHIN its `within`. Rows are partitioned by PARTITION BY (one key per partition; no
 * PARTITION BY runs at parallelism 1) and ordered by the event-time attribute, extra ORDER BY keys
 * breaking ties (the CEP operator's comparator). ONE ROW PER MATCH gives the partition columns,
 * then the MEASURES.
 *
 * Navigation (Flink's "Pattern Navigation"): `A.col` is the last row mapped to A (in DEFINE of A,
 * the row being classified); `col` alone the last row of the match; `LAST(A.col, n)` and
 * `FIRST(A.col, n)` count from the last / first row mapped to A; aggregates (`SUM(A.col)`,
 * `AVG(col)`, COUNT, MIN, MAX) run over the rows mapped so far (plus the row being classified in
 * DEFINE). What Flink refuses is refused with FLEUVE_SQL_UNSUPPORTED naming it: ALL ROWS PER MATCH,
 * SUBSET, pattern groups, alternation, PERMUTE, reluctant optional quantifiers, a greedy quantifier
 * last, patterns that can match nothing, physical offsets (PREV/NEXT), CLASSIFIER, DISTINCT
 * aggregates.
 */

import {
  type AfterMatchSkipStrategy,
  CEP,
  type Condition,
  type ConditionContext,
  noSkip,
  Pattern,
  type PatternStream,
  skipPastLastEvent,
  skipToFirst,
  skipToLast,
  skipToNext,
} from "@fleuve/cep";
import { FleuveError } from "@fleuve/core";
import type { DataType, Expr, MatchRecognize, PatternTerm, SourcePos, TableRef } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import { aggregateType, builtInAggregateOver, userAggregateOver } from "./aggregates.js";
import { INSERT_ONLY, isInsertOnly } from "./changelog.js";
import { type Compiled, compileExpression, intervalMs, type Scope } from "./compile-expression.js";
import { invalid, unsupported, withPosition } from "./problems.js";
import { type Column, findColumn, type Relation } from "./relation.js";
import { AGGREGATE_FUNCTIONS } from "./scalar-functions.js";
import { isAggregateName, userFunction } from "./user-functions.js";
import { type Row, setColumn } from "./values.js";

/** The universal pattern variable: every row of the match. */
const ALL = "*";

/** What navigation expressions read: the rows mapped to a variable (or to any, `*`), in match order. */
interface Navigation {
  rows(variable: string): readonly Row[];
  /** The match's time (its last row's rowtime); for MATCH_ROWTIME() in MEASURES. */
  readonly timestamp: number;
}

/** One step of the flattened pattern. */
interface Step {
  readonly name: string;
  readonly min: number;
  /** Absent: unbounded. */
  readonly max: number | undefined;
  readonly reluctant: boolean;
}

const BIGINT: DataType = { kind: "atomic", name: "BIGINT", args: [], notNull: true };
const ROWTIME: DataType = { kind: "atomic", name: "TIMESTAMP", args: [3], notNull: true };

type MatchRef = TableRef & { kind: "matchRecognize" };

/** Plans `input MATCH_RECOGNIZE (...)`; `planInput` plans the input table reference. */
export function planMatchRecognize(ref: MatchRef, planInput: (r: TableRef) => Relation): Relation {
  const spec = ref.spec;
  const input = planInput(ref.input);
  if (spec.rowsPerMatch === "ALL ROWS PER MATCH")
    throw unsupported("ALL ROWS PER MATCH", spec.rowsPerMatchPos, "Flink supports ONE ROW PER MATCH only");
  if (spec.subsets.length > 0)
    throw unsupported("SUBSET in MATCH_RECOGNIZE", spec.subsetPos, "Flink does not support it");
  if (!isInsertOnly(input.changelog)) {
    throw unsupported(
      "MATCH_RECOGNIZE over an updating input",
      spec.pos,
      `${input.changelog.producer ?? "an operator"} produces updates; MATCH_RECOGNIZE takes an append-only table`,
    );
  }
  const steps = atPattern(spec, () => flattenPattern(spec.pattern));
  const names = new Set<string>();
  for (const s of steps) {
    if (names.has(s.name))
      throw unsupported(
        `pattern variable ${s.name} used twice`,
        spec.patternPos,
        "pattern variables must be unique (as in Flink)",
      );
    names.add(s.name);
  }
  const order = checkOrder(spec, input);
  const within = spec.within === undefined ? undefined : withinMs(spec.within);

  // DEFINE: each variable's condition over the rows mapped so far plus the row being classified.
  const defined = new Map<string, Condition<Row>>();
  for (const d of spec.define) {
    if (!names.has(d.variable))
      throw invalid(
        `DEFINE ${d.variable}: ${d.variable} is not a variable of the PATTERN (${[...names].join(", ")})`,
        d.pos,
        { variable: d.variable },
      );
    if (defined.has(d.variable)) throw invalid(`DEFINE names ${d.variable} twice`, d.pos);
    let cond: (nav: Navigation) => unknown;
    try {
      cond = compileExpression(d.condition, navigationScope(input, steps, d.variable)).eval;
    } catch (err) {
      // An error of a node without a position points at the variable DEFINE defines.
      throw d.pos === undefined ? err : withPosition(err, d.pos);
    }
    const variable = d.variable;
    const order = steps.map((s) => s.name);
    defined.set(
      variable,
      (row: Row, ctx: ConditionContext) => cond(defineNavigation(order, variable, row, ctx)) === true,
    );
  }

  // MEASURES: over the whole match (FINAL semantics, the only one Flink has).
  const measureScope = navigationScope(input, steps, undefined);
  const measures = spec.measures.map((m) => {
    const c = compileExpression(m.expr, measureScope);
    const matchRowtime = m.expr.kind === "call" && m.expr.name === "MATCH_ROWTIME";
    return { name: m.alias as string, eval: c.eval, type: matchRowtime ? ROWTIME : c.type, matchRowtime };
  });
  const partitionCols = spec.partitionBy.map((e): Column => {
    const col =
      e.kind === "column" && e.name.parts.length === 1 ? findColumn(input, e.name, e.pos) : undefined;
    if (col === undefined)
      throw invalid(
        `PARTITION BY ${printExpr(e)}: MATCH_RECOGNIZE partitions by columns of its input`,
        posOf(e),
      );
    return col;
  });
  const outNames = [...partitionCols.map((c) => c.sqlName ?? c.name), ...measures.map((m) => m.name)];
  const seen = new Set<string>();
  for (const n of outNames) {
    if (seen.has(n)) throw invalid(`MATCH_RECOGNIZE outputs two columns named ${n}; rename the measure`);
    seen.add(n);
  }

  const pattern = atPattern(spec, () => buildPattern(steps, defined, skipStrategy(spec, names), within));
  const keyCols = partitionCols.map((c) => c.name);
  const keyed =
    keyCols.length === 0
      ? input.stream
      : input.stream.keyBy((row: Row) =>
          keyCols.length === 1
            ? String(row[keyCols[0] as string])
            : JSON.stringify(keyCols.map((k) => row[k])),
        );
  const stepOrder = steps.map((s) => s.name);
  const label = `Match(partitionBy=[${keyCols.join(", ")}], orderBy=[${order.label}], pattern=[${steps.map(stepText).join(" ")}])`;
  const matches: PatternStream<Record<string, Row[]>> = CEP.pattern<Row, Record<string, Row>>(
    keyed,
    pattern as never,
    {
      name: label,
      ...(order.comparator === undefined ? {} : { comparator: order.comparator }),
    },
  ) as never;
  const stream = matches.select((match, ctx) => {
    const nav = measureNavigation(stepOrder, match, ctx.timestamp);
    const first = nav.rows(ALL)[0] as Row;
    const out: Row = {};
    for (const c of partitionCols) setColumn(out, c.sqlName ?? c.name, first[c.name] ?? null);
    for (const m of measures) setColumn(out, m.name, m.eval(nav) ?? null);
    return out;
  });
  const rowtime = measures.find((m) => m.matchRowtime)?.name;
  return {
    stream,
    columns: [
      ...partitionCols.map((c) => ({ name: c.sqlName ?? c.name, type: c.type })),
      ...measures.map((m) => ({ name: m.name, type: m.type })),
    ],
    rowtime,
    alias: ref.alias?.name,
    changelog: INSERT_ONLY,
  };
}

function posOf(e: Expr): SourcePos | undefined {
  return "pos" in e ? (e.pos as SourcePos) : undefined;
}

function stepText(s: Step): string {
  const q =
    s.min === 1 && s.max === 1
      ? ""
      : s.max === undefined
        ? s.min === 0
          ? "*"
          : s.min === 1
            ? "+"
            : `{${s.min},}`
        : s.min === 0 && s.max === 1
          ? "?"
          : `{${s.min},${s.max}}`;
  return `${s.name}${q}${s.reluctant ? "?" : ""}`;
}

/**
 * `plan()`, its errors that have no position pointing at the PATTERN keyword: the parser keeps no
 * position for a pattern's terms, and an error naming the pattern is found there.
 */
function atPattern<T>(spec: MatchRecognize, plan: () => T): T {
  try {
    return plan();
  } catch (err) {
    throw spec.patternPos === undefined ? err : withPosition(err, spec.patternPos);
  }
}

/** The pattern as a sequence of (quantified) variables; what Flink's CEP cannot run is refused. */
function flattenPattern(p: PatternTerm): Step[] {
  const one = (t: PatternTerm): Step => {
    if (t.kind === "variable") return { name: t.name, min: 1, max: 1, reluctant: false };
    if (t.kind === "quantified") {
      if (t.term.kind !== "variable")
        throw unsupported(
          "quantified pattern groups such as (A B)+",
          undefined,
          "Flink's CEP does not support group patterns in MATCH_RECOGNIZE",
        );
      if (t.max !== undefined && (t.max < 1 || t.max < t.min))
        throw invalid(`quantifier {${t.min},${t.max}} of ${t.term.name}: give 0 <= n <= m and m > 0`);
      return { name: t.term.name, min: t.min, max: t.max, reluctant: t.reluctant };
    }
    if (t.kind === "permute")
      throw unsupported("PERMUTE in PATTERN", undefined, "Flink's CEP does not support PERMUTE patterns");
    if (t.kind === "alternation")
      throw unsupported(
        "pattern alternation (A | B)",
        undefined,
        "Flink's CEP does not support branching patterns",
      );
    if (t.kind === "group") {
      if (t.term.kind === "variable") return one(t.term);
      if (t.term.kind === "alternation") return one(t.term);
      throw unsupported(
        "pattern groups such as (A (B C))",
        undefined,
        "Flink's CEP does not support group patterns in MATCH_RECOGNIZE",
      );
    }
    throw unsupported("nested pattern sequences");
  };
  if (p.kind === "sequence") return p.terms.map(one);
  if (p.kind === "group" && p.term.kind === "sequence") return p.term.terms.map(one);
  return [one(p)];
}

/** ORDER BY: the event-time attribute ascending first; further keys order rows of equal time. */
function checkOrder(
  spec: MatchRecognize,
  input: Relation,
): { label: string; comparator: ((a: Row, b: Row) => number) | undefined } {
  const first = spec.orderBy[0];
  const col = first?.expr.kind === "column" ? findColumn(input, first.expr.name, first.expr.pos) : undefined;
  if (first === undefined || col === undefined || col.name !== input.rowtime || first.direction === "DESC") {
    throw invalid(
      `MATCH_RECOGNIZE must be ordered by a time attribute ascending first: ORDER BY ${input.rowtime ?? "the table's WATERMARK column"}` +
        (input.rowtime === undefined
          ? " (declare WATERMARK FOR ... in its CREATE TABLE; processing-time order is not supported yet)"
          : ""),
      first === undefined ? undefined : posOf(first.expr),
    );
  }
  const rest = spec.orderBy.slice(1).map((o) => {
    const scope: Scope<Row> = {
      column(name, pos) {
        const c = findColumn(input, name, pos);
        if (c === undefined) throw invalid(`unknown column ${name.parts.join(".")} in ORDER BY`, pos);
        const key = c.name;
        return { eval: (r) => r[key] ?? null, type: c.type };
      },
    };
    const e = compileExpression(o.expr, scope).eval;
    const sign = o.direction === "DESC" ? -1 : 1;
    const nullsFirst = o.nulls === undefined ? sign === 1 : o.nulls === "FIRST";
    return { e, sign, nullsFirst, text: `${printExpr(o.expr)} ${o.direction ?? "ASC"}` };
  });
  const label = [`${col.name} ASC`, ...rest.map((r) => r.text)].join(", ");
  if (rest.length === 0) return { label, comparator: undefined };
  return {
    label,
    comparator: (a, b) => {
      for (const r of rest) {
        const x = r.e(a);
        const y = r.e(b);
        if (x === y) continue;
        if (x === null) return r.nullsFirst ? -1 : 1;
        if (y === null) return r.nullsFirst ? 1 : -1;
        const c = typeof x === "number" && typeof y === "number" ? x - y : String(x) < String(y) ? -1 : 1;
        if (c !== 0) return r.sign * c;
      }
      return 0;
    },
  };
}

function skipStrategy(spec: MatchRecognize, names: ReadonlySet<string>): AfterMatchSkipStrategy {
  const a = spec.afterMatch;
  // Calcite (SqlToRelConverter) makes a missing AFTER MATCH clause SKIP TO NEXT ROW.
  if (a === undefined || a.kind === "toNextRow") return skipToNext();
  if (a.kind === "pastLastRow") return skipPastLastEvent();
  if (!names.has(a.variable))
    throw invalid(
      `AFTER MATCH SKIP TO ${a.kind === "toFirst" ? "FIRST" : "LAST"} ${a.variable}: ${a.variable} is not a variable of the PATTERN`,
    );
  // As Flink: a match with no row for the variable fails the job (throwExceptionOnMiss).
  return a.kind === "toFirst"
    ? skipToFirst(a.variable, { throwOnMiss: true })
    : skipToLast(a.variable, { throwOnMiss: true });
}

/**
 * The length in milliseconds of `WITHIN interval`; a bad interval is named with its text and
 * position (`WITHIN INTERVAL 'x' SECOND: interval value 'x' is not a number (line 5, column 20)`).
 */
function withinMs(e: Expr): number {
  const pos = "pos" in e ? (e.pos as SourcePos | undefined) : undefined;
  const text = `WITHIN ${printExpr(e)}`;
  if (e.kind !== "interval")
    throw invalid(`${text}: WITHIN takes an interval literal, e.g. WITHIN INTERVAL '1' HOUR`, pos);
  let ms: number;
  try {
    ms = intervalMs(e);
  } catch (err) {
    if (err instanceof FleuveError && err.code === "FLEUVE_SQL_VALIDATION")
      throw invalid(`${text}: ${err.message}`, pos, { clause: "WITHIN" });
    throw pos === undefined ? err : withPosition(err, pos);
  }
  if (!(ms > 0)) throw invalid(`${text}: the interval must be positive`, pos, { clause: "WITHIN" });
  return ms;
}

/** The CEP pattern, as Flink's PatternTranslator builds it. */
function buildPattern(
  steps: readonly Step[],
  defined: ReadonlyMap<string, Condition<Row>>,
  skip: AfterMatchSkipStrategy,
  within: number | undefined,
): Pattern<Row, any, any, any> {
  if (steps.every((s) => s.min === 0)) {
    throw unsupported(
      "patterns that can produce empty matches",
      undefined,
      "there must be at least one non-optional variable (as in Flink)",
    );
  }
  let p: Pattern<Row, any, any, any> | undefined;
  let lastGreedy = false;
  try {
    for (const s of steps) {
      p = p === undefined ? Pattern.begin<Row>(s.name, skip ?? noSkip()) : p.next(s.name);
      const cond = defined.get(s.name);
      if (cond !== undefined) p = p.where(cond);
      const optional = s.min === 0 && s.max === 1;
      if (s.min === 0 && s.max === undefined) p = p.oneOrMore().optional().consecutive();
      else if (s.min === 1 && s.max === undefined) p = p.oneOrMore().consecutive();
      else if (optional) p = p.optional();
      else if (s.max !== undefined) p = p.times(s.min, s.max).consecutive();
      else p = p.timesOrMore(s.min).consecutive();
      lastGreedy = false;
      if (!s.reluctant && !(optional || s.min === s.max)) {
        p = p.greedy();
        lastGreedy = true;
      } else if (s.reluctant && optional) {
        throw unsupported(
          `the reluctant optional quantifier ${s.name}??`,
          undefined,
          "Flink supports the greedy optional quantifier only",
        );
      }
    }
    if (within !== undefined) p = (p as Pattern<Row, any, any, any>).within(within);
  } catch (e) {
    if (e instanceof FleuveError && e.code === "FLEUVE_CONFIG_INVALID")
      throw unsupported(`this PATTERN on Fleuve's CEP`, undefined, e.message);
    throw e;
  }
  if (lastGreedy) {
    throw unsupported(
      `a greedy quantifier on the last variable (${stepText(steps[steps.length - 1] as Step)})`,
      undefined,
      "Greedy quantifiers are not allowed as the last element of a Pattern yet. Finish your pattern with either a simple variable or reluctant quantifier (as in Flink)",
    );
  }
  return p as Pattern<Row, any, any, any>;
}

/** Navigation in DEFINE of `variable`: the rows so far, plus `row` as `variable`'s newest. */
function defineNavigation(
  order: readonly string[],
  variable: string,
  row: Row,
  ctx: ConditionContext,
): Navigation {
  const cache = new Map<string, readonly Row[]>();
  const rows = (v: string): readonly Row[] => {
    let r = cache.get(v);
    if (r !== undefined) return r;
    if (v === ALL) {
      const all: Row[] = [];
      for (const name of order) {
        for (const x of ctx.eventsOf(name) as Row[]) all.push(x);
        if (name === variable) all.push(row);
      }
      r = all;
    } else {
      const own = ctx.eventsOf(v) as Row[];
      r = v === variable ? [...own, row] : own;
    }
    cache.set(v, r);
    return r;
  };
  return { rows, timestamp: ctx.timestamp };
}

/** Navigation in MEASURES: the rows of the complete match. */
function measureNavigation(
  order: readonly string[],
  match: Record<string, Row[]>,
  timestamp: number,
): Navigation {
  let all: Row[] | undefined;
  return {
    rows: (v) => {
      if (v !== ALL) return match[v] ?? [];
      if (all === undefined) {
        all = [];
        for (const name of order) for (const x of match[name] ?? []) all.push(x);
      }
      return all;
    },
    timestamp,
  };
}

/**
 * The scope of DEFINE (`current` is the variable being defined) and MEASURES (`current`
 * undefined): column references, FIRST/LAST, aggregates and MATCH_ROWTIME over pattern variables.
 */
function navigationScope(
  input: Relation,
  steps: readonly Step[],
  current: string | undefined,
): Scope<Navigation> {
  const variables = new Set(steps.map((s) => s.name));
  const where = current === undefined ? "MEASURES" : `DEFINE ${current}`;
  /** The input column and pattern variable a (possibly qualified) name refers to. */
  const resolve = (parts: readonly string[], pos: SourcePos): { variable: string; col: Column } => {
    let variable = ALL;
    let name = parts;
    if (parts.length === 2) {
      if (!variables.has(parts[0] as string)) {
        throw invalid(
          `${parts.join(".")} in ${where}: ${parts[0]} is not a pattern variable (${[...variables].join(", ")})`,
          pos,
          { columnName: parts.join(".") },
        );
      }
      variable = parts[0] as string;
      name = parts.slice(1);
    }
    const col = name.length === 1 ? findColumn(input, { parts: name }, pos) : undefined;
    if (col === undefined) {
      throw invalid(
        `unknown column ${parts.join(".")} in ${where}: the input has ${input.columns.map((c) => c.sqlName ?? c.name).join(", ")}`,
        pos,
        { columnName: parts.join(".") },
      );
    }
    return { variable, col };
  };
  /** Compiles `e` over one row, and the single pattern variable it refers to (`*` for none). */
  const overRow = (e: Expr, what: string): { variable: string; compiled: Compiled<Row> } => {
    const seen = new Set<string>();
    const scope: Scope<Row> = {
      column(name, pos) {
        const r = resolve(name.parts, pos);
        seen.add(r.variable);
        const key = r.col.name;
        return { eval: (row) => row[key] ?? null, type: r.col.type };
      },
      intercept(x) {
        if (x.kind === "call" && (isNavigation(x.name) || isAggregateName(x.name)))
          throw invalid(`${x.name} inside ${what} in ${where}`, x.pos);
        return undefined;
      },
    };
    const compiled = compileExpression(e, scope);
    const named = [...seen].filter((v) => v !== ALL);
    if (named.length > 1 || (named.length === 1 && seen.has(ALL))) {
      throw invalid(
        `${what} in ${where} refers to ${[...seen].map((v) => (v === ALL ? "unqualified columns" : v)).join(" and ")}: it may refer to one pattern variable only`,
      );
    }
    return { variable: named[0] ?? ALL, compiled };
  };
  return {
    column(name, pos) {
      const { variable, col } = resolve(name.parts, pos);
      const key = col.name;
      return {
        eval: (nav) => {
          const rows = nav.rows(variable);
          const row = rows[rows.length - 1];
          return row === undefined ? null : (row[key] ?? null);
        },
        type: col.type,
      };
    },
    intercept(e): Compiled<Navigation> | undefined {
      if (e.kind !== "call") return undefined;
      const name = e.name;
      if (name === "PREV" || name === "NEXT")
        throw unsupported(
          `${name} (physical offsets within the partition)`,
          e.pos,
          "Flink does not support physical offsets within partition; use LAST(var.col, n) or FIRST(var.col, n)",
        );
      if (name === "CLASSIFIER" || name === "MATCH_NUMBER" || name === "RUNNING" || name === "FINAL")
        throw unsupported(`${name} in MATCH_RECOGNIZE`, e.pos, "Flink does not support it either");
      if (name === "MATCH_PROCTIME")
        throw unsupported("MATCH_PROCTIME()", e.pos, "processing time is not supported yet");
      if (name === "MATCH_ROWTIME") {
        if (current !== undefined) throw invalid("MATCH_ROWTIME() is for MEASURES", e.pos);
        return { eval: (nav) => nav.timestamp, type: ROWTIME };
      }
      if (name === "FIRST" || name === "LAST") {
        if (e.args.length < 1 || e.args.length > 2) throw invalid(`${name} takes (expr[, offset])`, e.pos);
        const offsetExpr = e.args[1];
        let offset = 0;
        if (offsetExpr !== undefined) {
          if (offsetExpr.kind !== "literal" || offsetExpr.type !== "number" || !/^\d+$/.test(offsetExpr.text))
            throw invalid(`${name}: the offset must be an integer literal >= 0`, e.pos);
          offset = Number(offsetExpr.text);
        }
        const { variable, compiled } = overRow(e.args[0] as Expr, name);
        const first = name === "FIRST";
        return {
          eval: (nav) => {
            const rows = nav.rows(variable);
            const row = rows[first ? offset : rows.length - 1 - offset];
            return row === undefined ? null : (compiled.eval(row) ?? null);
          },
          type: compiled.type,
        };
      }
      const user = userFunction(name);
      if (user?.definition.kind === "aggregate" && e.over === undefined) {
        // A user aggregate over the rows mapped to one variable (or all rows), as Flink runs them.
        if (e.distinct || e.filter !== undefined)
          throw unsupported(
            `${name}(${e.distinct ? "DISTINCT " : ""}...)${e.filter ? " FILTER" : ""} in MATCH_RECOGNIZE`,
            e.pos,
          );
        const args = e.args.map((a) => overRow(a, name));
        const vars = [...new Set(args.map((a) => a.variable))];
        if (vars.length > 1)
          throw invalid(
            `${user.name} in ${where} refers to ${vars.map((v) => (v === ALL ? "unqualified columns" : v)).join(" and ")}: an aggregate's arguments may refer to one pattern variable only`,
            e.pos,
          );
        const variable = vars[0] ?? ALL;
        const evals = args.map((a) => a.compiled.eval);
        return { eval: (nav) => userAggregateOver(user, nav.rows(variable), evals), type: user.resultType };
      }
      if (AGGREGATE_FUNCTIONS.has(name) && e.over === undefined) {
        if (e.distinct)
          throw unsupported(
            `${name}(DISTINCT ...) in MATCH_RECOGNIZE`,
            e.pos,
            "DISTINCT aggregations are not supported (as in Flink)",
          );
        if (e.filter !== undefined) throw unsupported(`${name}(...) FILTER in MATCH_RECOGNIZE`, e.pos);
        if (e.args.length !== 1 && !(name === "LISTAGG" && e.args.length === 2))
          throw invalid(`${name} takes 1 argument, got ${e.args.length}`, e.pos);
        const arg = e.args[0] as Expr;
        if (arg.kind === "star") {
          if (name !== "COUNT") throw invalid(`${name}(*) is not valid; only COUNT(*) is`, e.pos);
          return { eval: (nav) => nav.rows(ALL).length, type: BIGINT };
        }
        if (name === "JSON_OBJECTAGG" || name === "JSON_ARRAYAGG")
          throw unsupported(`${name} in MATCH_RECOGNIZE`, e.pos, "Flink cannot run it there either");
        const { variable, compiled } = overRow(arg, name);
        // The same accumulators as GROUP BY's, so each aggregate has its Flink type and value
        // there too (AVG of integers truncates, SUM of DECIMAL is exact, ARRAY_AGG keeps NULLs).
        const over = builtInAggregateOver(e, compiled);
        return {
          eval: (nav) => over(nav.rows(variable)),
          type: aggregateType({ call: e, arg: compiled, filter: undefined }),
        };
      }
      return undefined;
    },
  };
}

function isNavigation(name: string): boolean {
  return (
    name === "FIRST" || name === "LAST" || name === "PREV" || name === "NEXT" || name === "MATCH_ROWTIME"
  );
}
