/**
 * Plans Flink's ROW_NUMBER patterns (topn.md, deduplication.md, window-topn.md,
 * window-deduplication.md): an outer SELECT over a subquery whose select list has
 * `ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) AS rn`, filtered by the outer WHERE's
 * `rn <= N` (or `rn < N`, `rn = N`, `rn >= M`, ANDed with other conditions). As Flink's planner:
 *
 * - a subquery over the rows of a window TVF or a window aggregation, partitioned by its
 *   `window_start` and `window_end`, is a window Top-N (or window deduplication): insert-only,
 *   each window's ranks once when the watermark passes its end;
 * - `rn = 1` (or `rn <= 1`) ordered by the event-time or processing-time attribute alone, with
 *   rn not selected, is a deduplication: keep the first row (ASC, insert-only) or the last row
 *   (DESC, updating);
 * - anything else is a Top-N, an updating table: with rn selected every rank a change shifts is
 *   updated; without it (Flink's no ranking output optimization) only rows entering and leaving
 *   the top are sent.
 */

import type { Expr, OrderItem, Select, SelectItem, TableRef } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import {
  ProctimeFirstRowFunction,
  RowtimeFirstRowFunction,
  RowtimeLastRowFunction,
} from "../runtime/deduplicate.js";
import type { MiniBatchSpec } from "../runtime/mini-batch.js";
import { MiniBatchTopNOperator, TopNFunction, type TopNSpec } from "../runtime/top-n.js";
import { WindowRankFunction } from "../runtime/window-rank.js";
import { windowFiring } from "../runtime/zoned-windows.js";
import { children } from "./aggregates.js";
import { INSERT_ONLY, isInsertOnly, retractMode } from "./changelog.js";
import { columnsKey } from "./keys.js";
import { resolveNamedWindows } from "./named-windows.js";
import { invalid, unsupported } from "./problems.js";
import { type Column, hasExactRows, type Relation } from "./relation.js";
import { rowCopier } from "./row-builders.js";
import { orderSteps, topOnePairDrops } from "./top-one-pairs.js";
import { isTimestampType, type Row } from "./values.js";

const BIGINT = { kind: "atomic", name: "BIGINT", args: [], notNull: true } as const;
const RANK_FUNCTIONS = new Set(["ROW_NUMBER", "RANK", "DENSE_RANK"]);

/** The outer query's input once the ranking is planned, and what is left of its WHERE. */
export interface PlannedRank {
  readonly input: Relation;
  readonly where: Expr | undefined;
}

/**
 * When `from` is a subquery selecting ROW_NUMBER() OVER (...), plans the ranking it and the
 * outer `where` express; undefined when it is not that pattern. `planInner` plans a SELECT.
 */
export function planRank(
  outer: Select,
  from: TableRef,
  where: Expr | undefined,
  planInner: (select: Select) => Relation,
  stateTtlMs?: number,
  miniBatch?: MiniBatchSpec,
): PlannedRank | undefined {
  if (from.kind !== "derived" || from.lateral) return undefined;
  const q = from.query;
  if (q.body.kind !== "select" || q.with.length > 0 || q.orderBy.length > 0 || q.limit !== undefined)
    return undefined;
  const inner = resolveNamedWindows(q.body);
  const at = inner.items.findIndex(
    (i) => i.expr.kind === "call" && RANK_FUNCTIONS.has(i.expr.name) && i.expr.over !== undefined,
  );
  if (at < 0) return undefined;
  const call = inner.items[at]?.expr as Expr & { kind: "call" };
  if (call.name !== "ROW_NUMBER")
    throw unsupported(`${call.name}() OVER (...)`, call.pos, "Top-N takes ROW_NUMBER(), as in Flink");
  const over = call.over;
  if (over === undefined || over.kind === "ref" || over.base !== undefined)
    throw unsupported("ROW_NUMBER() OVER w (named windows)", call.pos, "write the window in OVER (...)");
  if (over.frame !== undefined) throw invalid("ROW_NUMBER() OVER (...) takes no frame", call.pos);
  if (over.orderBy.length === 0)
    throw invalid("ROW_NUMBER() OVER (...) needs an ORDER BY (Top-N orders rows)", call.pos);
  if ((from.alias?.columns.length ?? 0) > 0)
    throw unsupported("column aliases on a Top-N subquery (AS t (a, b, ...))", call.pos);
  const rn = inner.items[at]?.alias ?? `EXPR$${at}`;

  // The outer WHERE: rn's bounds, and the rest.
  let start = 1;
  let end: number | undefined;
  const rest: Expr[] = [];
  for (const c of conjuncts(where)) {
    if (!mentions(c, rn)) {
      rest.push(c);
      continue;
    }
    const bound = rankBound(c, rn);
    if (bound === undefined) {
      throw unsupported(
        `the condition ${printExpr(c)} on the row number`,
        call.pos,
        `Top-N filters ${rn} with ${rn} <= N, ${rn} < N, ${rn} = N or ${rn} >= M, joined by AND`,
      );
    }
    if (bound.low !== undefined) start = Math.max(start, bound.low);
    if (bound.high !== undefined) end = end === undefined ? bound.high : Math.min(end, bound.high);
  }
  if (end === undefined) {
    throw unsupported(
      `ROW_NUMBER() without an upper bound on ${rn}`,
      call.pos,
      `a streaming Top-N needs WHERE ${rn} <= N`,
    );
  }
  const rankOutput =
    outer.items.some((i) => i.expr.kind === "star" || mentions(i.expr, rn)) ||
    outer.groupBy.some((g) => g.kind === "expr" && mentions(g.expr, rn)) ||
    (outer.having !== undefined && mentions(outer.having, rn));

  // The subquery without ROW_NUMBER, plus hidden columns for the PARTITION BY and ORDER BY values
  // that it does not select as they are.
  const own = inner.items.filter((_, i) => i !== at);
  const direct = directItems(inner, own);
  const hiddenItems: SelectItem[] = [];
  /** Where the ranking reads `expr`: the selected item that is that column, or a hidden column. */
  const slot = (expr: Expr, hiddenName: string): number | string => {
    const j = direct?.get(printExpr(expr));
    if (j !== undefined) return j;
    hiddenItems.push({ expr, alias: hiddenName });
    return hiddenName;
  };
  const pSlots = over.partitionBy.map((expr, i) => slot(expr, `$rank_p${i}`));
  const oSlots = over.orderBy.map((o, i) => slot(o.expr, `$rank_o${i}`));
  const rel = planInner({ ...inner, items: [...own, ...hiddenItems] });
  if (direct !== undefined && rel.columns.length !== own.length + hiddenItems.length)
    throw new Error(
      `Top-N: the subquery planned ${rel.columns.length} columns for ${own.length + hiddenItems.length} items`,
    );
  // A selected column is read under its name in the subquery's rows (renamed if two items had one name).
  const nameOf = (s: number | string) => (typeof s === "number" ? (rel.columns[s] as Column).name : s);
  const pNames = pSlots.map(nameOf);
  const oNames = oSlots.map(nameOf);
  const hidden = new Set(hiddenItems.map((i) => i.alias as string));
  const visible = rel.columns.filter((c) => !hidden.has(c.name));
  if (visible.some((c) => c.name === rn)) throw invalid(`the subquery names two columns ${rn}`, call.pos);

  const keyOf = columnsKey(pNames);
  const compare = rankComparator(over.orderBy, oNames);
  const spec = `partitionBy=[${over.partitionBy.map(printExpr).join(", ")}], orderBy=[${over.orderBy
    .map((o) => `${printExpr(o.expr)} ${o.direction ?? "ASC"}`)
    .join(", ")}], rankRange=[rankStart=${start}, rankEnd=${end}]`;
  const columnName = (e: Expr) =>
    e.kind === "column" ? (e.name.parts[e.name.parts.length - 1] as string) : "";
  const withRank = (cols: readonly Column[]): Column[] =>
    rankOutput ? [...cols, { name: rn, type: BIGINT }] : [...cols];
  const partitionColumns = over.partitionBy.map((e) =>
    e.kind === "column" && visible.some((c) => c.name === columnName(e)) ? columnName(e) : undefined,
  );

  // Window Top-N / deduplication: over window TVF rows or a window aggregation's, by the window.
  const endAt = over.partitionBy.findIndex((e) => columnName(e) === "window_end");
  const windowed =
    rel.window !== undefined &&
    isInsertOnly(rel.changelog) &&
    endAt >= 0 &&
    over.partitionBy.some((e) => columnName(e) === "window_start");
  if (windowed) {
    const endName = pNames[endAt] as string;
    const only = over.orderBy[0] as OrderItem;
    const orderType = rel.columns.find((c) => c.name === oNames[0])?.type;
    const lastArrivalFirst =
      start === 1 &&
      end === 1 &&
      over.orderBy.length === 1 &&
      only.direction === "DESC" &&
      isTimestampType(orderType);
    const name = `WindowRank(${spec})`;
    const stream = rel.stream
      .keyBy(keyOf)
      .process(
        new WindowRankFunction({
          compare,
          start,
          end,
          rankColumn: rankOutput ? rn : undefined,
          windowEnd: (row) => row[endName] as number,
          firing: windowFiring(rel.window?.zone),
          lastArrivalFirst,
        }),
        // Flink's WindowAggOperator runs window ranks: a row late before a restore stays late.
        { restoreWatermark: true },
      )
      .name(name);
    return {
      input: { ...rel, stream, columns: withRank(visible), changelog: INSERT_ONLY },
      where: and(rest),
    };
  }

  // Deduplication: the first or last row per key by the event-time attribute.
  const orderItem = over.orderBy[0] as OrderItem;
  // Whether the ORDER BY is the time attribute `attr` of the subquery's rows (by name or hidden).
  const ordersBy = (attr: string | undefined) =>
    over.orderBy.length === 1 &&
    attr !== undefined &&
    (attr === oNames[0] ||
      (orderItem.expr.kind === "column" &&
        inner.items.some(
          (i) =>
            (i.expr.kind === "star" && attr === columnName(orderItem.expr)) ||
            (i.expr.kind === "column" &&
              printExpr(i.expr) === printExpr(orderItem.expr) &&
              (i.alias ?? columnName(i.expr)) === attr),
        )));
  const byRowtime = ordersBy(rel.rowtime);
  const byProctime = !byRowtime && ordersBy(rel.proctime);
  if (start === 1 && end === 1 && (byRowtime || byProctime) && !rankOutput) {
    if (!isInsertOnly(rel.changelog)) {
      throw unsupported(
        "deduplication of an updating input",
        call.pos,
        `${rel.changelog.producer ?? "an operator"} produces updates; deduplication takes an insert-only input, as in Flink`,
      );
    }
    // Processing time only grows: every arrival is the latest (keep last), the first stays first.
    const timeOf = byProctime ? () => 0 : (row: Row) => row[oNames[0] as string] as number;
    const keepLast = orderItem.direction === "DESC";
    const name = `Deduplicate(keep=[${keepLast ? "LastRow" : "FirstRow"}], key=[${over.partitionBy
      .map(printExpr)
      .join(", ")}], order=[${byProctime ? "PROCTIME" : "ROWTIME"}])`;
    const stream = rel.stream
      .keyBy(keyOf)
      .process(
        keepLast
          ? new RowtimeLastRowFunction(timeOf)
          : byProctime
            ? new ProctimeFirstRowFunction()
            : new RowtimeFirstRowFunction(timeOf),
      )
      .name(name);
    const key = partitionColumns.every((c) => c !== undefined) ? (partitionColumns as string[]) : undefined;
    return {
      input: {
        ...rel,
        stream,
        columns: visible,
        rowtime: keepLast ? undefined : rel.rowtime,
        window: undefined,
        changelog: keepLast ? retractMode(name, key) : INSERT_ONLY,
      },
      where: and(rest),
    };
  }

  // Top-N on a continuous table: an updating result.
  const name = `Rank(rankType=[ROW_NUMBER], ${spec}, select=[${[...visible.map((c) => c.name), ...(rankOutput ? [rn] : [])].join(", ")}])`;
  const topN: TopNSpec = {
    compare,
    start,
    end,
    rankColumn: rankOutput ? rn : undefined,
    updatingInput: !isInsertOnly(rel.changelog),
    stateTtlMs,
    copy: hasExactRows(rel)
      ? rowCopier(
          rel.columns.map((c) => c.name),
          rankOutput ? rn : undefined,
        )
      : undefined,
  };
  // A Top-1 right over a regular join's rows, insert-only and never expiring: the join skips the
  // pairs it would drop, without building their rows (top-one-pairs.ts).
  if (end === 1 && !topN.updatingInput && stateTtlMs === undefined && rel.joinPairs?.stream === rel.stream) {
    const drops = topOnePairDrops(over.orderBy, oNames, pNames, rel.joinPairs.columns);
    if (drops !== undefined) rel.joinPairs.setTopOneDrops(drops);
  }
  const keyed = rel.stream.keyBy(keyOf);
  // With mini-batch the same rows, the same state; fewer changes (runtime/top-n.ts).
  const stream =
    miniBatch === undefined
      ? keyed.process(new TopNFunction(topN)).name(name)
      : keyed.transform(name, () => new MiniBatchTopNOperator(topN, miniBatch));
  // Rows are unique by the partition columns and the rank (topn.md), when all are selected.
  const uniqueKey =
    rankOutput && partitionColumns.every((c) => c !== undefined)
      ? [...(partitionColumns as string[]), rn]
      : undefined;
  return {
    input: {
      ...rel,
      stream,
      columns: withRank(visible),
      // Its rows are copies of the input's (the rank number appended), so exact when those are.
      exactRows:
        hiddenItems.length === 0 && hasExactRows(rel)
          ? { stream, columns: withRank(visible).map((c) => c.name) }
          : undefined,
      rowtime: undefined,
      window: undefined,
      changelog: retractMode(name, uniqueKey),
    },
    where: and(rest),
  };
}

/**
 * When every item of the subquery `inner` (without ROW_NUMBER: `own`) is a column and it neither
 * groups nor removes duplicates, its items are its columns one for one: the index of the item of
 * each column selected (by its text), so that a PARTITION BY or ORDER BY of a selected column reads
 * it there instead of a hidden copy computed for every row. Undefined otherwise.
 */
function directItems(inner: Select, own: readonly SelectItem[]): Map<string, number> | undefined {
  if (inner.distinct || inner.groupBy.length > 0 || inner.having !== undefined) return undefined;
  if (!own.every((i) => i.expr.kind === "column")) return undefined;
  const at = new Map<string, number>();
  own.forEach((item, j) => {
    const text = printExpr(item.expr);
    if (!at.has(text)) at.set(text, j);
  });
  return at;
}

/**
 * Orders rows by the ORDER BY values in `names`: NULLs lowest (first ascending, last descending),
 * as Flink. The comparator is generated for these columns (names as JSON string literals, which
 * cannot inject code): a loop over the keys reading `row[name]` would see every name at one
 * property read and go megamorphic, and Top-N and sorts compare on every record.
 */
export function rankComparator(
  orderBy: readonly OrderItem[],
  names: readonly string[],
): (a: Row, b: Row) => number {
  const read = (row: string) => (i: number) => `${row}[${JSON.stringify(names[i] as string)}] ?? null`;
  const steps = orderSteps(orderBy, read("a"), read("b"), (v) => `return ${v};`);
  return new Function("a", "b", `let x, y;\n${steps}\nreturn 0;`) as (a: Row, b: Row) => number;
}

function conjuncts(e: Expr | undefined): Expr[] {
  if (e === undefined) return [];
  if (e.kind === "binary" && e.op === "AND") return [...conjuncts(e.left), ...conjuncts(e.right)];
  return [e];
}

function and(es: readonly Expr[]): Expr | undefined {
  return es.reduce<Expr | undefined>(
    (acc, e) => (acc === undefined ? e : { kind: "binary", op: "AND", left: acc, right: e }),
    undefined,
  );
}

function isRankColumn(e: Expr, rn: string): boolean {
  return e.kind === "column" && e.name.parts[e.name.parts.length - 1] === rn;
}

function mentions(e: Expr, rn: string): boolean {
  return isRankColumn(e, rn) || children(e).some((c) => mentions(c, rn));
}

/** `rn <= 3`, `rn < 4`, `rn = 1`, `rn >= 2`, `rn > 1` (either way round): the ranks it keeps. */
function rankBound(e: Expr, rn: string): { low?: number; high?: number } | undefined {
  if (e.kind === "between" && !e.not && isRankColumn(e.operand, rn)) {
    const lo = integer(e.low);
    const hi = integer(e.high);
    return lo === undefined || hi === undefined ? undefined : { low: lo, high: hi };
  }
  if (e.kind !== "binary") return undefined;
  const flip: Record<string, string> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=" };
  let op: string = e.op;
  let n: number | undefined;
  if (isRankColumn(e.left, rn)) n = integer(e.right);
  else if (isRankColumn(e.right, rn)) {
    n = integer(e.left);
    op = flip[op] ?? "";
  }
  if (n === undefined) return undefined;
  switch (op) {
    case "<=":
      return { high: n };
    case "<":
      return { high: n - 1 };
    case "=":
      return { low: n, high: n };
    case ">=":
      return { low: n };
    case ">":
      return { low: n + 1 };
    default:
      return undefined;
  }
}

function integer(e: Expr): number | undefined {
  if (e.kind !== "literal" || e.type !== "number") return undefined;
  const n = Number(e.text);
  return Number.isInteger(n) ? n : undefined;
}
