/**
 * GROUPING SETS, ROLLUP and CUBE (Flink's group-agg.md, window-agg.md): a GROUP BY clause is
 * expanded into its grouping sets, the cross product of its elements (`GROUP BY window_start,
 * window_end, GROUPING SETS ((a), ())` groups by [window_start, window_end, a] and by
 * [window_start, window_end]). As Flink's Expand operator, each input row is copied once per
 * grouping set, tagged with the set's number (`$e`), and the keys a set does not group by are
 * NULL in that copy; the aggregation then groups by every key and `$e`. `GROUPING(a, ...)` and
 * `GROUPING_ID(...)` give, per row, a bit per argument set when the set aggregates it away.
 * A grouping set listed twice aggregates twice, as in Calcite (`GROUPING SETS (a, (), ())` gives
 * the grand total twice); `GROUP_ID()` numbers those copies 0, 1, ... in the order written.
 */

import type { Expr, GroupingElement, SourcePos } from "../parser/ast.js";
import { exprKey } from "./aggregates.js";
import type { Compiled } from "./compile-expression.js";
import { invalid } from "./problems.js";
import type { Row } from "./values.js";

/** The grouping sets of a GROUP BY: its distinct key expressions and, per set, the keys it groups by. */
export interface GroupingSets {
  readonly keys: readonly Expr[];
  /** Per grouping set, whether it groups by each key (by index in {@link keys}). */
  readonly sets: readonly (readonly boolean[])[];
  /** Per grouping set, how many equal sets precede it (its `GROUP_ID()`). */
  readonly groupIds: readonly number[];
}

/** The hidden column numbering a row's grouping set (Flink's `$e`). */
export const GROUPING_SET_COLUMN = "$e";

/**
 * Expands a GROUP BY clause into its grouping sets, a duplicate set as often as it is listed (its
 * copies told apart by `groupIds`); `pos` (the SELECT's) is where a malformed element's error points.
 */
export function groupingSets(groupBy: readonly GroupingElement[], pos?: SourcePos): GroupingSets {
  let product: Expr[][] = [[]];
  for (const g of groupBy) {
    const sets = expand(g, pos);
    product = product.flatMap((p) => sets.map((s) => [...p, ...s]));
  }
  const keys: Expr[] = [];
  const index = new Map<string, number>();
  for (const set of product) {
    for (const e of set) {
      if (!index.has(exprKey(e))) {
        index.set(exprKey(e), keys.length);
        keys.push(e);
      }
    }
  }
  const seen = new Map<string, number>();
  const sets: boolean[][] = [];
  const groupIds: number[] = [];
  for (const set of product) {
    const member = keys.map(() => false);
    for (const e of set) member[index.get(exprKey(e)) as number] = true;
    const text = member.join();
    const copies = seen.get(text) ?? 0;
    seen.set(text, copies + 1);
    sets.push(member);
    groupIds.push(copies);
  }
  return { keys, sets, groupIds };
}

function expand(g: GroupingElement, pos: SourcePos | undefined): Expr[][] {
  switch (g.kind) {
    case "expr":
      return [[g.expr]];
    case "empty":
      return [[]];
    case "set":
      return [[...g.exprs]];
    case "groupingSets":
      return g.elements.flatMap((e) => expand(e, pos));
    case "rollup": {
      // ROLLUP (a, b): (a, b), (a), ().
      const items = g.elements.map((e) => single(e, "ROLLUP", pos));
      return items.map((_, i) => items.slice(0, items.length - i).flat()).concat([[]]);
    }
    case "cube": {
      // CUBE (a, b): (a, b), (a), (b), () -- every subset, as Calcite orders them.
      const items = g.elements.map((e) => single(e, "CUBE", pos));
      const n = items.length;
      const out: Expr[][] = [];
      for (let mask = (1 << n) - 1; mask >= 0; mask--) {
        out.push(items.filter((_, j) => (mask & (1 << (n - 1 - j))) !== 0).flat());
      }
      return out;
    }
  }
}

/** An element of ROLLUP or CUBE: an expression or a parenthesized list of them. */
function single(g: GroupingElement, what: string, pos: SourcePos | undefined): Expr[] {
  if (g.kind === "expr") return [g.expr];
  if (g.kind === "set") return [...g.exprs];
  if (g.kind === "empty") return [];
  throw invalid(
    `${what} takes expressions or parenthesized lists of them, not ${g.kind === "groupingSets" ? "GROUPING SETS" : g.kind.toUpperCase()}`,
    pos,
  );
}

/**
 * The key evaluators of an expanded aggregation: key `k` of a row copy is NULL when the copy's
 * grouping set does not group by it; the last evaluator is the set's number.
 */
export function groupingKeyEvals(
  gs: GroupingSets,
  compiled: readonly Compiled<Row>[],
): ((row: Row) => unknown)[] {
  const evals = compiled.map((c, k) => (row: Row) => {
    const set = gs.sets[row[GROUPING_SET_COLUMN] as number] as readonly boolean[];
    return set[k] === true ? c.eval(row) : null;
  });
  return [...evals, (row: Row) => row[GROUPING_SET_COLUMN]];
}

/**
 * Key `k`'s evaluation with its output type: nullable when a grouping set aggregates it away (its
 * NULL there), as Flink types grouping-set keys; as compiled otherwise.
 */
export function groupingKeyType(compiled: Compiled<Row>, gs: GroupingSets, k: number): Compiled<Row> {
  const t = compiled.type;
  if (t === undefined || !t.notNull || gs.sets.every((set) => set[k] === true)) return compiled;
  return { ...compiled, type: { ...t, notNull: false } };
}

/** Each row once per grouping set, tagged with the set's number (Flink's Expand). */
export function expandRow(sets: number): (row: Row) => Row[] {
  return (row) => {
    const out: Row[] = [];
    for (let i = 0; i < sets; i++) out.push({ ...row, [GROUPING_SET_COLUMN]: i });
    return out;
  };
}

/**
 * `GROUPING(a, b)` / `GROUPING_ID(a, b)` over an aggregation's output: for each argument (a
 * GROUP BY key), 1 when the row's grouping set does not group by it, as bits, the first argument
 * the most significant. `GROUP_ID()`: which copy of a duplicated grouping set the row aggregates
 * (0 for the first). `setOf` reads the row's set number (undefined: a plain GROUP BY).
 */
export function compileGrouping<O>(
  e: Expr,
  gs: GroupingSets,
  setOf: ((o: O) => number) | undefined,
): Compiled<O> | undefined {
  if (e.kind !== "call") return undefined;
  const type = { kind: "atomic", name: "BIGINT", args: [], notNull: true } as const;
  if (e.name === "GROUP_ID") {
    if (e.args.length !== 0) throw invalid("GROUP_ID takes no arguments", e.pos);
    return { eval: (o) => (setOf === undefined ? 0 : (gs.groupIds[setOf(o)] ?? 0)), type };
  }
  if (e.name !== "GROUPING" && e.name !== "GROUPING_ID") return undefined;
  if (e.args.length === 0) throw invalid(`${e.name} takes one or more GROUP BY keys`, e.pos);
  const keyAt = e.args.map((a) => {
    const k = gs.keys.findIndex((x) => exprKey(x) === exprKey(a));
    if (k < 0) throw invalid(`the arguments of ${e.name} must be GROUP BY keys`, e.pos as SourcePos);
    return k;
  });
  return {
    eval: (o) => {
      const set = setOf === undefined ? undefined : gs.sets[setOf(o)];
      let bits = 0;
      for (const k of keyAt) bits = bits * 2 + (set === undefined || set[k] === true ? 0 : 1);
      return bits;
    },
    type,
  };
}
