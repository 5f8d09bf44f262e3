/**
 * Plans a query onto the DataStream API: scans of tables and views, projection and filter with
 * scalar functions, set operations (UNION, INTERSECT, EXCEPT), VALUES, and window TVF aggregation. Everything else raises
 * FLEUVE_SQL_UNSUPPORTED naming the feature (never a generic error), so a user knows at once
 * what to change.
 */

import { type ConnectorRegistry, StreamExecutionEnvironment } from "@fleuve/core";
import type { Catalog } from "../catalog.js";
import type { FunctionCatalog } from "../functions.js";
import type {
  CommonTableExpr,
  Expr,
  HintText,
  OrderItem,
  Query,
  QueryBody,
  Select,
  SourcePos,
  TableRef,
} from "../parser/ast.js";
import { printExpr, printQuery } from "../parser/printer.js";
import { LimitFunction } from "../runtime/limit.js";
import { ProctimeSortFunction, RowtimeSortFunction } from "../runtime/temporal-sort.js";
import { TopNFunction } from "../runtime/top-n.js";
import { WindowTvfOperator } from "../runtime/window-tvf.js";
import type { CallExpr } from "./aggregates.js";
import {
  type ChangelogMode,
  INSERT_ONLY,
  isInsertOnly,
  offerUpdateAfterOnly,
  retractMode,
  withKindOf,
} from "./changelog.js";
import { withClock } from "./clock.js";
import { leastRestrictive } from "./common-type.js";
import { compileExpression, illegalNull, isNullLiteral } from "./compile-expression.js";
import { calcWithWatermark, watermarkCell, withCurrentWatermark } from "./current-watermark.js";
import { planDistinct, planGroupAggregate } from "./group-aggregate.js";
import { checkViewHint, optionsHint, withHintedOptions } from "./hints.js";
import { namesReadBy, planJoin } from "./join.js";
import { isLateralTableJoin, planLateralTable } from "./lateral-table.js";
import { lookupDefinition, planLookupJoin } from "./lookup-join.js";
import { lookupConnectorOf } from "./lookup-tables.js";
import { planMatchRecognize } from "./match-recognize.js";
import { resolveNamedWindows } from "./named-windows.js";
import { collectOverCalls, planOverAggregate } from "./over-aggregate.js";
import { invalid, unsupported } from "./problems.js";
import { planRank, rankComparator } from "./rank.js";
import {
  aboveWatermarkColumns,
  type Column,
  findColumn,
  hasExactRows,
  type Relation,
  rowScope,
  sqlNameOf,
} from "./relation.js";
import { columnReader, projector, renamer } from "./row-builders.js";
import { planScan, planStreamTable, withProctime } from "./scan.js";
import { planSetOperation } from "./set-operations.js";
import { emitStrategy, miniBatch, stateTtlMs } from "./settings.js";
import {
  type PlannedParts,
  sharedWindowAggregate,
  subqueryKey,
  windowAggregateKey,
} from "./shared-subqueries.js";
import { hintedTtl, stateTtlHint } from "./state-ttl-hint.js";
import { type Correlation, decorrelate, HIDDEN_PREFIX, planSubqueries } from "./subqueries.js";
import { isTemporalJoin, planTemporalJoin } from "./temporal-join.js";
import { isUnnestJoin, planUnnest } from "./unnest.js";
import { isAggregateName, userFunction, withFunctions } from "./user-functions.js";
import { type Row, setColumn } from "./values.js";
import { whereCalc } from "./where-calc.js";
import {
  groupWindowAt,
  intervalArgument,
  planGroupWindow,
  planWindowAggregate,
  type WindowTvf,
  windowSpecText,
  windowTimeZone,
} from "./window-aggregate.js";
import { withZone } from "./zone.js";

/** What planning needs: where streams go, the connectors, the tables and views. */
export interface PlanContext {
  readonly env: StreamExecutionEnvironment;
  /** The `SET` options (e.g. `table.exec.state.ttl`). */
  readonly settings?: ReadonlyMap<string, string>;
  /** The STATE_TTL hint of the SELECT whose FROM is planned, by FROM item name (see state-ttl-hint.ts). */
  readonly stateTtlHints?: ReadonlyMap<string, number> | undefined;
  readonly connectors: ConnectorRegistry;
  readonly catalog: Catalog;
  /** The user-defined functions queries may call. */
  readonly functions?: FunctionCatalog;
  /**
   * The common table expressions (`WITH name AS (query)`) in scope, by name: each planned where
   * it is used, as a view, in the scope of the WITH clause before it (a CTE sees the ones
   * defined before it, not itself).
   */
  readonly ctes?: ReadonlyMap<string, { readonly cte: CommonTableExpr; readonly ctx: PlanContext }>;
  /**
   * What one statement planned already, by the table, view or CTE it read: every later reference
   * to it reads the same stream, as Flink reuses a common sub-plan
   * (`table.optimizer.reuse-sub-plan-enabled` and `reuse-source-enabled`, both on by default):
   * a table read twice (a self-join, a CTE used twice) is scanned once, its state kept once;
   * so are identical subqueries and window aggregations (keyed by their text, see
   * shared-subqueries.ts).
   */
  readonly planned?: PlannedParts;
  /**
   * Planning for EXPLAIN on a scratch environment: a table registered from a DataStream is read
   * from a stand-in source there (its stream belongs to the job's environment, which EXPLAIN
   * must not add operators to), shown as Flink shows it, `DataStreamScan(table=[...])`.
   */
  readonly explaining?: boolean;
  /**
   * Planning a query nested in another (a derived table, a CTE, a view, an operand of UNION):
   * its ORDER BY without LIMIT / OFFSET / FETCH is removed, as Calcite (hence Flink) removes it
   * (it does not order the outer query's rows), so it neither sorts nor is refused.
   */
  readonly subquery?: boolean;
  /**
   * Planning a correlated subquery of an expression: the outer query's columns, and where its
   * SELECT puts the correlated equalities it decorrelates (see subqueries.ts).
   */
  readonly correlation?: Correlation | undefined;
  /**
   * EXPLAIN's record of the changelog modes of what is planned inside expressions (a subquery's
   * join and the subquery itself), which it cannot plan on their own to learn them.
   */
  readonly noteChangelog?: ((mode: ChangelogMode) => void) | undefined;
}

/** Plans `query` into a relation. */
export function planQuery(query: Query, ctx: PlanContext): Relation {
  if (ctx.planned === undefined) ctx = { ...ctx, planned: new Map() };
  return withFunctions(ctx.functions, () =>
    withClock(ctx.env, () => withZone(ctx.settings, () => planQueryIn(query, ctx))),
  );
}

function planQueryIn(query: Query, ctx: PlanContext): Relation {
  // Only the subquery's own SELECT decorrelates: not its CTEs, nor a query with LIMIT (whose
  // rows per outer row a join on the keys would not limit) or a set operation.
  const correlation = ctx.correlation;
  let scope: PlanContext = correlation === undefined ? ctx : { ...ctx, correlation: undefined };
  const names = new Set<string>();
  for (const cte of query.with) {
    if (names.has(cte.name)) throw invalid(`WITH names ${cte.name} twice`, cte.pos, { table: cte.name });
    names.add(cte.name);
    const ctes = new Map(scope.ctes ?? []);
    ctes.set(cte.name, { cte, ctx: scope });
    scope = { ...scope, ctes };
  }
  // Checked before the body is planned: the LIMIT's mistake is the one to report.
  const fetch = query.limit === undefined ? undefined : rowCount(query.limit, "LIMIT", query.limitPos);
  const offset = query.offset === undefined ? 0 : rowCount(query.offset, "OFFSET", query.offsetPos);
  const limited =
    fetch !== undefined || offset > 0 || query.limit !== undefined || query.offset !== undefined;
  if (correlation !== undefined && !limited && query.body.kind === "select")
    return planBody(query.body, { ...scope, correlation });
  if (query.orderBy.length > 0) {
    if (!limited)
      return scope.subquery === true ? planBody(query.body, scope) : planSortWithoutLimit(query, scope);
    return planSortLimit(query, scope, fetch, offset);
  }
  const rel = planBody(query.body, scope);
  if (fetch === undefined && offset === 0) return rel;
  return planLimit(rel, fetch, offset, stateTtlMs(scope.settings));
}

/**
 * A query's rows with its ORDER BY keys as hidden columns (`sortKeys`, stripped by
 * {@link withoutSortKeys}): an ORDER BY item of a SELECT that is not an output alias nor an
 * ordinal is added to its select list (it may name a column the SELECT does not output, or an
 * aggregate, as in Calcite); the others are computed from the output rows.
 */
function planSorted(query: Query, ctx: PlanContext) {
  const hiddenName = (i: number) => `$sort_o${i}`;
  const body = query.body;
  const aliases =
    body.kind === "select"
      ? new Set(body.items.flatMap((i) => (i.alias === undefined ? [] : [i.alias])))
      : new Set<string>();
  const bareName = (e: Expr) =>
    e.kind === "column" && e.name.parts.length === 1 ? e.name.parts[0] : undefined;
  const isOrdinal = (e: Expr) => e.kind === "literal" && e.type === "number";
  // Which ORDER BY items become select items of the body (planned with them).
  const inSelect = query.orderBy.map(
    (o) =>
      body.kind === "select" && !body.distinct && !isOrdinal(o.expr) && !aliases.has(bareName(o.expr) ?? ""),
  );
  const planned =
    body.kind === "select"
      ? planBody(
          {
            ...body,
            items: [
              ...body.items,
              ...query.orderBy.flatMap((o, i) =>
                inSelect[i] ? [{ expr: o.expr, alias: hiddenName(i) }] : [],
              ),
            ],
          },
          ctx,
        )
      : planBody(body, ctx);
  const hidden = new Set(query.orderBy.flatMap((_, i) => (inSelect[i] ? [hiddenName(i)] : [])));
  const visible = planned.columns.filter((c) => !hidden.has(c.name));
  const outputScope = rowScope({ columns: visible, alias: planned.alias }, "the query");
  // The other items: an ordinal (1-based) or an expression of the output columns.
  const computed = query.orderBy.flatMap((o, i) => {
    if (inSelect[i]) return [];
    if (isOrdinal(o.expr)) {
      const n = Number((o.expr as Expr & { kind: "literal"; type: "number" }).text);
      const col = Number.isInteger(n) ? visible[n - 1] : undefined;
      if (col === undefined)
        throw invalid(`ORDER BY ${n}: the ordinal is out of range 1..${visible.length}`, query.limitPos);
      return [{ name: hiddenName(i), eval: (row: Row) => row[col.name] }];
    }
    const c = compileExpression(o.expr, outputScope);
    return [{ name: hiddenName(i), eval: (row: Row) => c.eval(row) }];
  });
  const input =
    computed.length === 0
      ? planned.stream
      : planned.stream.map((row) => {
          const out: Row = { ...row };
          for (const c of computed) out[c.name] = c.eval(row);
          return withKindOf(out, row);
        });
  const sortKeys = query.orderBy.map((_, i) => hiddenName(i));
  const orderText = query.orderBy.map((o) => `${printExpr(o.expr)} ${o.direction ?? "ASC"}`).join(", ");
  const first = query.orderBy[0] as OrderItem;
  // Whether the first key is the event-time attribute (a temporal sort without LIMIT): the column
  // it reads comes straight from it, whatever its name (qualified, under an alias, an ordinal).
  const firstColumn = inSelect[0]
    ? hiddenName(0)
    : isOrdinal(first.expr)
      ? visible[Number((first.expr as Expr & { kind: "literal"; type: "number" }).text) - 1]?.name
      : bareName(first.expr);
  const copies = planned.rowtimeCopies?.includes(planned.rowtime ?? "") ? planned.rowtimeCopies : [];
  const byRowtime =
    planned.rowtime !== undefined &&
    firstColumn !== undefined &&
    (firstColumn === planned.rowtime || copies.includes(firstColumn));
  const proctimeCopies = planned.proctimeCopies?.includes(planned.proctime ?? "")
    ? planned.proctimeCopies
    : [];
  const byProctime =
    planned.proctime !== undefined &&
    firstColumn !== undefined &&
    (firstColumn === planned.proctime || proctimeCopies.includes(firstColumn));
  const rowtime = planned.rowtime !== undefined && hidden.has(planned.rowtime) ? undefined : planned.rowtime;
  return { planned, input, visible, sortKeys, orderText, byRowtime, byProctime, rowtime };
}

/** `stream` without the hidden sort-key columns `keys`. */
function withoutSortKeys(stream: Relation["stream"], keys: readonly string[]): Relation["stream"] {
  return stream.map((row) => {
    const out: Row = { ...row };
    for (const k of keys) delete out[k];
    return out;
  });
}

/**
 * `ORDER BY` without LIMIT / OFFSET / FETCH. By the event-time attribute ascending first, Flink's
 * temporal sort: rows come out as the watermark passes them, in order (an insert-only input). By
 * the processing-time attribute ascending first, Flink's processing-time sort: rows in arrival
 * order, those arriving in the same millisecond sorted by the further keys. Any other sort of an
 * unbounded table Flink refuses, with the message kept here.
 */
function planSortWithoutLimit(query: Query, ctx: PlanContext): Relation {
  const first = query.orderBy[0] as OrderItem;
  const pos = "pos" in first.expr ? (first.expr.pos as SourcePos | undefined) : undefined;
  const sorted = planSorted(query, ctx);
  const { planned, input, visible, sortKeys, orderText } = sorted;
  if (!(sorted.byRowtime || sorted.byProctime) || first.direction === "DESC") {
    throw unsupported(
      "ORDER BY without LIMIT",
      pos,
      "Sort on a non-time-attribute field is not supported. A streaming ORDER BY needs a LIMIT (a Top-N), or a time attribute (event or processing time) ascending first",
    );
  }
  if (!isInsertOnly(planned.changelog)) {
    throw unsupported(
      `ORDER BY the ${sorted.byRowtime ? "event" : "processing"}-time attribute over an updating input`,
      pos,
      `${planned.changelog.producer ?? "an operator"} produces updates; a temporal sort takes an insert-only input, as in Flink`,
    );
  }
  const timeKey = sortKeys[0] as string;
  const name = `TemporalSort(orderBy=[${orderText}])`;
  // One subtask sorts (Flink's singleton exchange before its TemporalSort).
  const stream = sorted.byRowtime
    ? input
        .keyBy(() => "")
        .process(
          new RowtimeSortFunction((row) => row[timeKey] as number, rankComparator(query.orderBy, sortKeys)),
        )
        .name(name)
    : input
        .keyBy(() => "")
        .process(
          new ProctimeSortFunction(
            query.orderBy.length > 1 ? rankComparator(query.orderBy, sortKeys) : undefined,
          ),
        )
        .name(name);
  return {
    ...planned,
    stream: withoutSortKeys(stream, sortKeys),
    columns: visible,
    // Rows held for a processing-time timer come out without their timestamps, after watermarks
    // that passed them: no event-time attribute then.
    rowtime: sorted.byRowtime || query.orderBy.length === 1 ? sorted.rowtime : undefined,
    window: undefined,
    changelog: INSERT_ONLY,
  };
}

/**
 * `ORDER BY ... LIMIT n [OFFSET m]` (or OFFSET alone): as Flink's streaming SortLimit, a Top-N of
 * the whole table (ranks m+1 to m+n, no partition, no rank column) on the Top-N operator of
 * `ROW_NUMBER() OVER (ORDER BY ...)`: an updating result that retracts rows leaving the top and
 * inserts rows entering it, over an insert-only or an updating input.
 */
function planSortLimit(query: Query, ctx: PlanContext, fetch: number | undefined, offset: number): Relation {
  const { planned, input, visible, sortKeys, orderText } = planSorted(query, ctx);
  const name = `SortLimit(orderBy=[${orderText}], offset=[${offset}], fetch=[${fetch ?? "unlimited"}])`;
  const stream = input
    .keyBy(() => "")
    .process(
      new TopNFunction({
        compare: rankComparator(query.orderBy, sortKeys),
        start: offset + 1,
        end: fetch === undefined ? Number.POSITIVE_INFINITY : offset + fetch,
        rankColumn: undefined,
        updatingInput: !isInsertOnly(planned.changelog),
        stateTtlMs: stateTtlMs(ctx.settings),
      }),
    )
    .name(name);
  return {
    ...planned,
    stream: withoutSortKeys(stream, sortKeys),
    columns: visible,
    rowtime: undefined,
    window: undefined,
    changelog: retractMode(name),
  };
}

/** The number of rows of LIMIT / OFFSET `e`: an integer literal >= 0, as Calcite's parser takes. */
function rowCount(e: Expr, what: string, pos: SourcePos | undefined): number {
  if (e.kind === "literal" && e.type === "number" && /^\d+$/.test(e.text)) return Number(e.text);
  throw invalid(`${what} ${printExpr(e)}: the number of rows must be an integer literal >= 0`, pos, {
    clause: what,
  });
}

/**
 * `LIMIT fetch OFFSET offset` over `rel` (no ORDER BY): the first rows to arrive, as Flink's
 * streaming Limit: insert-only over an insert-only input; over an updating input, an updating
 * result that follows it (a row retracted from the limit is replaced by the next one).
 */
function planLimit(
  rel: Relation,
  fetch: number | undefined,
  offset: number,
  stateTtl: number | undefined,
): Relation {
  if (!isInsertOnly(rel.changelog)) {
    // As Flink's Limit over a changelog (a rank without order): rows ranked by arrival, a
    // retracted row leaves its place and the next ones move up.
    const name = `Limit(offset=[${offset}], fetch=[${fetch ?? "unlimited"}])`;
    const stream = rel.stream
      .keyBy(() => "")
      .process(
        new TopNFunction({
          compare: () => 0,
          start: offset + 1,
          end: fetch === undefined ? Number.POSITIVE_INFINITY : offset + fetch,
          rankColumn: undefined,
          updatingInput: true,
          stateTtlMs: stateTtl,
        }),
      )
      .name(name);
    return { ...rel, stream, rowtime: undefined, window: undefined, changelog: retractMode(name) };
  }
  const name = `Limit(offset=[${offset}], fetch=[${fetch ?? "unlimited"}])`;
  const stream = rel.stream
    .keyBy(() => "")
    .process(new LimitFunction(offset, fetch))
    .name(name);
  // The limit keeps rows as they are: the columns, the alias and the event-time attribute (record timestamps are kept).
  return { ...rel, stream, window: undefined, changelog: INSERT_ONLY };
}

function planBody(body: QueryBody, ctx: PlanContext): Relation {
  switch (body.kind) {
    case "select": {
      // Flink 1.20 refuses a select item that is a bare NULL (SELECT 1 UNION ALL SELECT NULL too).
      const at = body.items.findIndex((item) => isNullLiteral(item.expr));
      if (at >= 0) throw illegalNull(`select item ${at + 1}`, body.pos);
      return planSelect(body, ctx);
    }
    case "nested":
      return planQuery(body.query, ctx);
    case "values":
      return planValues(body.rows, ctx);
    case "setOp": {
      const left = planBody(body.left, { ...ctx, subquery: true });
      const right = planBody(body.right, { ...ctx, subquery: true });
      const pos = body.right.kind === "select" ? body.right.pos : undefined;
      return planSetOperation(
        body.op,
        body.all,
        left,
        right,
        { stateTtlMs: stateTtlMs(ctx.settings), miniBatch: miniBatch(ctx.settings) },
        pos,
      );
    }
  }
}

/** `VALUES (1, 'a'), (2, 'b')`: a bounded relation with columns EXPR$0, EXPR$1... */
function planValues(rows: readonly Expr[], ctx: PlanContext): Relation {
  const empty = rowScope({ columns: [] }, "VALUES");
  const tuples = rows.map((r) => (r.kind === "row" ? r.values : [r]));
  const width = tuples[0]?.length ?? 0;
  if (tuples.some((t) => t.length !== width))
    throw invalid("the rows of VALUES have different numbers of columns");
  tuples.forEach((t, row) => {
    const at = t.findIndex(isNullLiteral);
    // Flink 1.20 refuses VALUES (1), (NULL) and INSERT ... VALUES (1, NULL): CAST the NULL.
    if (at >= 0) throw illegalNull(`value ${at + 1} of row ${row + 1} of VALUES`, undefined);
  });
  const compiled = tuples.map((t) => t.map((e) => compileExpression(e, empty)));
  // Each column of its rows' common type: VALUES ('a'), ('bc') is VARCHAR(2), (1), (CAST(NULL AS INT)) a nullable INT.
  const columns: Column[] = (compiled[0] ?? []).map((_, i) => ({
    name: `EXPR$${i}`,
    type: leastRestrictive(compiled.map((t) => t[i]?.type)),
  }));
  const data = compiled.map((t) => {
    const row: Row = {};
    t.forEach((c, i) => {
      setColumn(row, `EXPR$${i}`, c.eval({}));
    });
    return row;
  });
  return { stream: ctx.env.fromCollection(data), columns, changelog: INSERT_ONLY };
}

/** Whether `e` contains an aggregate call (outside OVER). */
function hasAggregate(e: Expr): boolean {
  if (e.kind === "call" && isAggregateName(e.name) && e.over === undefined) return true;
  // A subquery's aggregates are its own.
  if (e.kind === "subquery" || e.kind === "exists" || e.kind === "inQuery") return false;
  return Object.values(e).some((v) =>
    Array.isArray(v) ? v.some((x) => isExpr(x) && hasAggregate(x)) : isExpr(v) && hasAggregate(v),
  );
}
function isExpr(v: unknown): v is Expr {
  return (
    v !== null &&
    typeof v === "object" &&
    typeof (v as { kind?: unknown }).kind === "string" &&
    !("query" in (v as object) && (v as { kind: string }).kind === "subquery")
  );
}

/** A processing-time attribute's type: TIMESTAMP_LTZ(3) (Flink's `TIMESTAMP_LTZ(3) *PROCTIME*`). */
const PROCTIME_TYPE = { kind: "atomic", name: "TIMESTAMP_LTZ", args: [3], notNull: true } as const;

/** Whether `e` is `PROCTIME()`. */
function isProctimeCall(e: Expr): boolean {
  return e.kind === "call" && e.name.toUpperCase() === "PROCTIME" && e.args.length === 0;
}

/** `(VALUES ())`: the one row of no columns a SELECT without FROM reads. */
const oneEmptyRow: TableRef = {
  kind: "derived",
  lateral: false,
  query: {
    kind: "query",
    with: [],
    orderBy: [],
    body: { kind: "values", rows: [{ kind: "row", values: [], explicit: false }] },
  },
};

function planSelect(statement: Select, outerCtx: PlanContext): Relation {
  let select = statement;
  // A correlated subquery's SELECT: the correlation is for it alone, not for the queries in its FROM.
  const correlation = outerCtx.correlation;
  // A STATE_TTL hint is this SELECT's own: its subqueries and views do not see it.
  const stateTtlHints = stateTtlHint(statement);
  const ctx: PlanContext = { ...outerCtx, correlation: undefined, stateTtlHints };
  if (select.from === undefined) {
    // As Calcite does it: a SELECT without FROM reads one row of no columns, so constants,
    // functions and aggregates (`SELECT COUNT(*)` is 1) give one bounded row.
    const star = select.items.find((i) => i.expr.kind === "star");
    if (star !== undefined) throw invalid("SELECT * needs a FROM clause", select.pos);
    select = { ...select, from: oneEmptyRow };
  }
  select = resolveNamedWindows(select);
  const aggregating =
    select.groupBy.length > 0 ||
    select.items.some((i) => hasAggregate(i.expr)) ||
    select.having !== undefined;
  let from: TableRef = select.from ?? oneEmptyRow;
  let where = select.where;
  // `FROM a, b WHERE ...` (as Flink's interval join docs write it): an inner join ON the WHERE.
  if (
    from.kind === "join" &&
    (from.type === "COMMA" || from.type === "CROSS") &&
    !from.natural &&
    where !== undefined
  ) {
    from = { ...from, type: "INNER", on: where };
    where = undefined;
    // The join evaluates the condition on every pair: an aggregation reading select.where must
    // not filter the joined rows by it a second time.
    select = { ...select, where: undefined };
  }
  if (from.kind === "tableFunction" && aggregating) {
    const tvf = from;
    // The same window aggregation planned before in this statement: its accumulators are shared.
    // Not with early or late firings: a second reader would take the first's updates as its own.
    const emit = emitStrategy(ctx.settings);
    const key =
      ctx.correlation === undefined && emit === undefined
        ? windowAggregateKey(select, tvf, tvfTable(tvf, ctx))
        : undefined;
    return sharedWindowAggregate(ctx.planned, key, select, () =>
      planWindowAggregate(select, planWindowTvf(tvf, ctx), emit),
    );
  }
  if (aggregating && groupWindowAt(select) >= 0)
    return planGroupWindow(
      { ...select, where },
      planFrom(from, ctx, select.pos),
      emitStrategy(ctx.settings),
    ) as Relation;
  // ROW_NUMBER() in a subquery, filtered here: Top-N, deduplication and their window variants.
  const ranked = planRank(
    select,
    from,
    where,
    (inner) => planSelect(inner, ctx),
    stateTtlMs(ctx.settings),
    miniBatch(ctx.settings),
  );
  if (ranked !== undefined) {
    where = ranked.where;
    select = { ...select, where };
  }
  let input =
    ranked === undefined
      ? planFrom(
          from,
          ctx,
          select.pos,
          where,
          // The columns of a join's inputs this SELECT may read (the join leaves the others out).
          correlation === undefined ? namesReadBy(statement) : undefined,
        )
      : { ...ranked.input, alias: from.kind === "derived" ? from.alias?.name : undefined };
  if (correlation !== undefined) {
    const d = decorrelate(select, where, input, correlation, aggregating);
    select = d.select;
    where = d.where;
    input = d.input;
  }
  // Subqueries of WHERE and of the select list: joins on the input (see subqueries.ts).
  const withSubqueries = planSubqueries(select, where, input, !aggregating, {
    plan: (q, c) => planQuery(q, { ...ctx, subquery: true, correlation: c }),
    validate: (q, c) => {
      const env = StreamExecutionEnvironment.create({ parallelism: ctx.env.config.parallelism });
      // `explaining`: a DataStream table is read from a stand-in there, not from the job's stream;
      // `planned` of its own: the scratch plan neither reuses the job's streams nor leaves its own.
      planQuery(q, {
        ...ctx,
        env,
        explaining: true,
        subquery: true,
        correlation: c,
        noteChangelog: undefined,
        planned: undefined,
      });
    },
    stateTtlMs: stateTtlMs(ctx.settings),
    // Bundled under mini-batch as every group aggregation of the query (Flink's are).
    groupAggregate: (s, i, o) => planGroupAggregate(s, i, { ...o, miniBatch: miniBatch(ctx.settings) }),
    note: ctx.noteChangelog,
  });
  if (
    withSubqueries.input !== input ||
    withSubqueries.where !== where ||
    withSubqueries.items !== select.items
  ) {
    input = withSubqueries.input;
    where = withSubqueries.where;
    select = { ...select, where, items: withSubqueries.items };
  }
  // As Flink's GroupAggFunction, a group's state expires after `table.exec.state.ttl`.
  // A STATE_TTL hint naming the one table (or alias) the aggregation reads replaces the setting.
  const groupTtl =
    statement.from === undefined
      ? stateTtlMs(ctx.settings)
      : hintedTtl(statement.from, stateTtlHints, stateTtlMs(ctx.settings));
  const groupOptions = { stateTtlMs: groupTtl, miniBatch: miniBatch(ctx.settings) };
  if (aggregating) {
    if (select.distinct) throw unsupported("SELECT DISTINCT with GROUP BY or aggregates", select.pos);
    return planGroupAggregate(select, input, groupOptions);
  }
  if (select.distinct) return planDistinct(select, input, groupOptions);
  // CURRENT_WATERMARK reads the watermark of the filter or projection evaluating it.
  const selectWatermark = watermarkCell();
  let scope = withCurrentWatermark(rowScope(input), input, selectWatermark);
  let stream = input.stream;
  // Read before WHERE and OVER give new streams: a filter keeps the property, OVER may not.
  const inputAbove = aboveWatermarkColumns(input);
  if (where !== undefined) stream = whereCalc(stream, where, input, rowScope(input));
  // OVER aggregates: computed per row after WHERE, then the select list reads them.
  const overCalls: CallExpr[] = [];
  for (const item of select.items) collectOverCalls(item.expr, overCalls);
  if (overCalls.length > 0) {
    const over = planOverAggregate(select, { ...input, stream }, overCalls);
    stream = over.relation.stream;
    scope = withCurrentWatermark(over.scope, input, selectWatermark);
  }
  // The select list: `*`, `t.*` and expressions, named by alias, column name or EXPR$i.
  const outs: {
    name: string;
    eval: (row: Row) => unknown;
    type: Column["type"];
    source?: string;
    proctime?: boolean;
  }[] = [];
  const starNames = new Set<string>();
  select.items.forEach((item, i) => {
    const e = item.expr;
    if (e.kind === "star") {
      const q = e.qualifier?.parts.join(".");
      const cols = input.columns.filter(
        (c) =>
          (q === undefined ? c.qualifiedOnly !== true : (c.qualifier ?? input.alias) === q) &&
          !c.name.startsWith(HIDDEN_PREFIX),
      );
      if (q !== undefined && cols.length === 0) throw invalid(`unknown table ${q} in ${q}.*`, select.pos);
      for (const c of cols) {
        // Columns of both sides of a join with the same name: id, id0, id1... as Flink names them.
        const base = sqlNameOf(c);
        let name = base;
        for (let n = 0; starNames.has(name); n++) name = `${base}${n}`;
        starNames.add(name);
        outs.push({ name, eval: columnReader(c.name), type: c.type, source: c.name });
      }
      return;
    }
    const name =
      item.alias ?? (e.kind === "column" ? (e.name.parts[e.name.parts.length - 1] as string) : `EXPR$${i}`);
    if (isProctimeCall(e)) {
      // A new processing-time attribute (q12's `SELECT *, PROCTIME() AS p_time`): set after the
      // projection by the job's clock.
      outs.push({ name, eval: () => null, type: PROCTIME_TYPE, proctime: true });
      return;
    }
    const compiled = compileExpression(e, scope);
    const source = e.kind === "column" ? findColumn(input, e.name, e.pos)?.name : undefined;
    outs.push({
      name,
      eval: compiled.eval,
      type: compiled.type,
      ...(source === undefined ? {} : { source }),
    });
  });
  // Two items of one name (`SELECT B.dateTime, A.dateTime`): the later ones are renamed
  // dateTime0, dateTime1... as Flink (Calcite) names them.
  const seen = new Set(outs.map((o) => o.name));
  const named = new Set<string>();
  for (const o of outs) {
    if (named.has(o.name)) {
      let k = 0;
      while (seen.has(`${o.name}${k}`)) k++;
      o.name = `${o.name}${k}`;
      seen.add(o.name);
    }
    named.add(o.name);
  }
  const project = projector(
    outs.map((o) => o.name),
    outs.map((o) => o.eval),
  );
  // Columns only, right over a regular join: the join builds the projected rows from its pairs
  // (one object per pair, not two); the Calc stays in the plan, passing them on.
  const joinBuilds =
    input.joinProjection !== undefined &&
    input.joinProjection.stream === stream &&
    outs.every((o) => o.source !== undefined) &&
    input.joinProjection.fuse(outs.map((o) => ({ name: o.name, from: o.source as string })));
  // Every column of rows that hold exactly these columns, in order, as they are (the outer
  // SELECT of q9 over its Top-N): a copy would be the same row, so the rows pass on as they are
  // (rows are never changed once sent). A filter passes the same rows; OVER gives new ones.
  const passesRows =
    overCalls.length === 0 &&
    hasExactRows(input) &&
    outs.length === input.columns.length &&
    outs.every((o, i) => o.proctime !== true && o.source === o.name && o.name === input.columns[i]?.name);
  let projected = (
    selectWatermark.used
      ? calcWithWatermark(stream, selectWatermark, (row) => withKindOf(project(row), row))
      : stream.map(joinBuilds || passesRows ? (row: Row) => row : (row: Row) => withKindOf(project(row), row))
  ).name(`Calc(select=[${outs.map((o) => o.name).join(", ")}])`);
  const newProctime = outs.find((o) => o.proctime === true)?.name;
  if (newProctime !== undefined) projected = withProctime(projected, newProctime);
  // Without a filter the projection passes on what its input sends: a consumer that needs no -U
  // may stop them at a group aggregation below (Flink's Calc without a condition).
  else if (where === undefined && overCalls.length === 0) offerUpdateAfterOnly(projected, { input: stream });
  // A rowtime column selected as is stays the event-time attribute (record timestamps are kept);
  // so do the window columns of a window TVF's rows (for a window join).
  const renamed = (col: string | undefined) =>
    col === undefined ? undefined : outs.find((o) => o.source !== undefined && o.source === col)?.name;
  const rowtime = renamed(input.rowtime);
  const rowtimeCopies =
    rowtime === undefined ? undefined : outs.filter((o) => o.source === input.rowtime).map((o) => o.name);
  const start = renamed(input.window?.start);
  const end = renamed(input.window?.end);
  const window =
    input.window !== undefined && start !== undefined && end !== undefined
      ? { ...input.window, start, end }
      : undefined;
  // A filter and a projection send each row as it comes; OVER aggregates hold rows back.
  const aboveColumns = overCalls.length > 0 ? [] : inputAbove.flatMap((c) => renamed(c) ?? []);
  return {
    stream: projected,
    // The join's rows passed on as it sent them (no filter, no OVER, no new column above it).
    joinPairs:
      joinBuilds && !selectWatermark.used && newProctime === undefined
        ? { ...joinBuilds, stream: projected }
        : undefined,
    aboveWatermark: aboveColumns.length > 0 ? { stream: projected, columns: aboveColumns } : undefined,
    // Built by the projection (or the join fused with it, or passed on as they are), one object
    // per row; a new processing-time column is set on them afterwards, by another operator.
    exactRows:
      newProctime === undefined ? { stream: projected, columns: outs.map((o) => o.name) } : undefined,
    columns: outs.map((o) => ({ name: o.name, type: o.type })),
    rowtime,
    rowtimeCopies,
    moreRowtimes:
      rowtime === undefined
        ? undefined
        : input.moreRowtimes?.flatMap((c) => outs.filter((o) => o.source === c).map((o) => o.name)),
    // A processing-time attribute selected as is stays one (deduplication and lookup joins use it).
    proctime: newProctime ?? renamed(input.proctime),
    proctimeCopies:
      newProctime !== undefined
        ? outs.filter((o) => o.proctime === true).map((o) => o.name)
        : input.proctime === undefined
          ? undefined
          : outs.filter((o) => o.source === input.proctime).map((o) => o.name),
    window,
    // A projection keeps the kinds of its input; the unique key survives if all its columns do.
    changelog: projectMode(input.changelog, outs),
  };
}

/**
 * Plans a FROM item. `where` is the WHERE the caller applies to its rows: a regular join may also
 * filter its inputs by the parts of it that read one side (see planJoin).
 */
function planFrom(
  ref: TableRef,
  ctx: PlanContext,
  pos?: SourcePos,
  where?: Expr,
  reads?: ReadonlySet<string>,
): Relation {
  switch (ref.kind) {
    case "table": {
      if (ref.systemTime !== undefined) throw unsupported("FOR SYSTEM_TIME AS OF (temporal joins)", ref.pos);
      const rel = planTableName(ref.name.parts.join("."), ctx, ref.pos, ref.hint);
      return { ...rel, alias: ref.alias?.name ?? rel.alias };
    }
    case "derived": {
      if (ref.lateral) throw unsupported("LATERAL subqueries");
      const rel = planSubquery(ref.query, ctx);
      return renameColumns({ ...rel, alias: ref.alias?.name }, ref.alias?.columns ?? []);
    }
    case "join":
      if (isLateralTableJoin(ref)) return planLateralTable(ref, (r) => planFrom(r, ctx, pos));
      if (isUnnestJoin(ref)) return planUnnest(ref, (r) => planFrom(r, ctx, pos), pos);
      if (isTemporalJoin(ref)) {
        const lookup = lookupDefinition(ref, ctx.catalog, ctx.settings);
        // A file table with a WATERMARK is a stream of versions: Flink's event-time temporal join
        // reads it (its filesystem table is not a lookup table); without one it is looked up.
        const versions = lookup?.watermark !== undefined && lookupConnectorOf(lookup) === "filesystem";
        if (lookup !== undefined && !versions)
          return planLookupJoin(ref, lookup, (r) => planFrom(r, ctx, pos), pos);
        const rightName = ref.right.kind === "table" ? ref.right.name.parts.join(".") : "";
        const found = ctx.ctes?.has(rightName) ? undefined : ctx.catalog.lookup(rightName);
        const declaredKey =
          found !== undefined && "table" in found ? found.table.primaryKey?.columns : undefined;
        return planTemporalJoin(ref, (r) => planFrom(r, ctx, pos), pos, declaredKey);
      }
      return planJoin(
        ref,
        (r, w) => planFrom(r, ctx, pos, w),
        pos,
        {
          left: hintedTtl(ref.left, ctx.stateTtlHints, stateTtlMs(ctx.settings)),
          right: hintedTtl(ref.right, ctx.stateTtlHints, stateTtlMs(ctx.settings)),
        },
        where,
        reads,
      );
    case "matchRecognize": {
      const rel = planMatchRecognize(ref, (r) => planFrom(r, ctx, pos));
      return renameColumns(rel, ref.alias?.columns ?? []);
    }
    case "unnest": {
      // UNNEST on its own: of a constant collection, joined with the one row of no columns.
      const join: TableRef = { kind: "join", type: "CROSS", natural: false, left: oneEmptyRow, right: ref };
      return planUnnest(join as TableRef & { kind: "join" }, (r) => planFrom(r, ctx, pos), pos);
    }
    case "tableFunction": {
      if (ref.lateral || userFunction(ref.call.name)?.definition.kind === "table")
        throw unsupported(
          "a table function without a table to join it with",
          ref.call.pos,
          "join it: FROM t, LATERAL TABLE(f(t.x))",
        );
      const rel = windowTvfRows(planWindowTvf(ref, ctx));
      return renameColumns({ ...rel, alias: ref.alias?.name }, ref.alias?.columns ?? []);
    }
  }
}

/** The changelog mode of a projection: the input's kinds; its unique key renamed, or lost if a key column is dropped. */
function projectMode(
  mode: Relation["changelog"],
  outs: readonly { name: string; source?: string | undefined }[],
): Relation["changelog"] {
  if (isInsertOnly(mode) || mode.uniqueKey === undefined) return mode;
  const renamed = mode.uniqueKey.map((k) => outs.find((o) => o.source === k)?.name);
  return {
    ...mode,
    uniqueKey: renamed.every((k) => k !== undefined) ? (renamed as string[]) : undefined,
  };
}

function renameColumns(rel: Relation, names: readonly string[]): Relation {
  if (names.length === 0) return rel;
  if (names.length !== rel.columns.length) {
    throw invalid(
      `the alias ${rel.alias ?? ""} names ${names.length} columns, the query has ${rel.columns.length}`,
    );
  }
  const old = rel.columns.map((c) => c.name);
  const rename = renamer(names, old);
  const stream = rel.stream.map((row) => withKindOf(rename(row), row));
  const renamed = (col: string | undefined) => {
    const i = col === undefined ? -1 : old.indexOf(col);
    return i < 0 ? undefined : names[i];
  };
  const start = renamed(rel.window?.start);
  const end = renamed(rel.window?.end);
  return {
    stream,
    columns: rel.columns.map((c, i) => ({ name: names[i] as string, type: c.type })),
    rowtime: renamed(rel.rowtime),
    rowtimeCopies: rel.rowtimeCopies?.flatMap((c) => renamed(c) ?? []),
    moreRowtimes: rel.moreRowtimes?.flatMap((c) => renamed(c) ?? []),
    alias: rel.alias,
    changelog: projectMode(
      rel.changelog,
      names.map((n, i) => ({ name: n, source: old[i] })),
    ),
    window: rel.window && start && end ? { ...rel.window, start, end } : undefined,
    aboveWatermark: (() => {
      const cols = aboveWatermarkColumns(rel).flatMap((c) => renamed(c) ?? []);
      return cols.length > 0 ? { stream, columns: cols } : undefined;
    })(),
  };
}

/**
 * Plans the table, view, stream or common table expression `name`; `hint` is its table hint
 * (hints.ts): OPTIONS merges options into a table's, and is refused on a view or stream.
 */
function planTableName(name: string, ctx: PlanContext, pos: Select["pos"], hint?: HintText): Relation {
  const local = ctx.ctes?.get(name);
  if (local !== undefined) {
    // Flink drops a common table expression's OPTIONS hint (its names are checked).
    optionsHint(hint);
    // A common table expression: planned as a view, in the scope of its definition, once.
    const rel = shared(ctx, local, () => planQuery(local.cte.query, { ...local.ctx, subquery: true }));
    return renameColumns({ ...rel, alias: name }, local.cte.columns);
  }
  const found = ctx.catalog.lookup(name);
  if (found === undefined) {
    const known = [...(ctx.ctes?.keys() ?? []), ...ctx.catalog.names()].sort();
    throw invalid(
      `unknown table ${name}; ${known.length === 0 ? "no table is defined" : `defined: ${known.join(", ")}`}`,
      pos,
      {
        table: name,
      },
    );
  }
  if ("table" in found) {
    const def = withHintedOptions(found.table, hint, ctx.settings);
    // A scan with hinted options is shared with the scans of the same hint only.
    const key = def === found.table ? def : `\u0000${name} ${hint?.text}`;
    return shared(ctx, key, () => planScan(def, ctx.env, ctx.connectors, name, ctx.settings));
  }
  checkViewHint(name, hint);
  if ("stream" in found) {
    // Read once per statement as a table is: the stream's rows converted once.
    return shared(ctx, found.stream, () => {
      if (ctx.explaining !== true) return planStreamTable(found.stream, name, ctx.settings);
      const fields = found.stream.schema.columns.map((c) => c.name).join(", ");
      const standIn = ctx.env.fromCollection<Row>([], {
        name: `DataStreamScan(table=[${name}], fields=[${fields}])`,
      });
      return planStreamTable({ ...found.stream, stream: standIn }, name, ctx.settings);
    });
  }
  // A view of the catalog does not see the CTEs of the query that reads it.
  const { ctes: _ctes, ...outer } = ctx;
  const rel = shared(ctx, found.view, () => planQuery(found.query, { ...outer, subquery: true }));
  return renameColumns({ ...rel, alias: name }, found.view.columns);
}

/**
 * Plans the derived table `query`, or reads the stream planned for the same text in the same
 * scope earlier in this statement (see shared-subqueries.ts).
 */
function planSubquery(query: Query, ctx: PlanContext): Relation {
  const plan = () => planQuery(query, { ...ctx, subquery: true });
  if (ctx.correlation !== undefined) return plan();
  let text: string;
  try {
    text = printQuery(query);
  } catch {
    // A form the printer cannot print back: planned on its own, as before sharing.
    return plan();
  }
  const key = subqueryKey(text, ctx.ctes);
  return key === undefined ? plan() : shared(ctx, key, plan);
}

/** The CTE, view or table the window table function `ref` reads, as the planner resolves it. */
function tvfTable(ref: TableRef & { kind: "tableFunction" }, ctx: PlanContext): object | undefined {
  const data = ref.call.args[0];
  if (data?.kind !== "tableArg") return undefined;
  const name = data.table.parts.join(".");
  const local = ctx.ctes?.get(name);
  if (local !== undefined) return local;
  const found = ctx.catalog.lookup(name);
  if (found === undefined) return undefined;
  return "table" in found ? found.table : "stream" in found ? found.stream : found.view;
}

/** The relation planned for `key` earlier in this statement, or `plan()`'s, kept for later. */
function shared(ctx: PlanContext, key: object | string, plan: () => Relation): Relation {
  const known = ctx.planned?.get(key);
  if (known !== undefined) return known;
  const rel = plan();
  ctx.planned?.set(key, rel);
  return rel;
}

const TIMESTAMP3 = { kind: "atomic", name: "TIMESTAMP", args: [3], notNull: true } as const;
const TIMESTAMP_LTZ3 = { kind: "atomic", name: "TIMESTAMP_LTZ", args: [3], notNull: true } as const;

/**
 * The rows of a window TVF without aggregation: each row once per window, with window_start,
 * window_end and window_time (the new event-time attribute) appended.
 */
function windowTvfRows(tvf: WindowTvf): Relation {
  if (tvf.kind === "SESSION") {
    throw unsupported(
      "SESSION window rows without GROUP BY",
      tvf.pos,
      "aggregate session windows with GROUP BY window_start, window_end",
    );
  }
  if (tvf.time === "proctime") {
    // As Flink's planner: a processing-time window table function only feeds a window aggregation.
    throw unsupported(
      `${tvf.kind} window rows on processing time without GROUP BY`,
      tvf.pos,
      "aggregate them with GROUP BY window_start, window_end",
    );
  }
  const { input, size, slide, offset } = tvf;
  for (const c of WINDOW_COLUMN_NAMES) {
    if (input.columns.some((x) => x.name === c))
      throw invalid(`the input of ${tvf.kind} already has a column ${c}`, tvf.pos);
  }
  if (!isInsertOnly(input.changelog)) {
    throw unsupported(
      `${tvf.kind} over an updating input`,
      tvf.pos,
      `${input.changelog.producer ?? "an operator"} produces updates; window TVFs take insert-only inputs`,
    );
  }
  const rowtime = input.rowtime as string;
  const stream = input.stream.transform(
    `${tvf.kind}(${size} ms)`,
    () =>
      new WindowTvfOperator({
        size,
        slide,
        offset,
        cumulate: tvf.kind === "CUMULATE",
        time: (row) => row[rowtime] as number,
        zone: tvf.zone,
      }),
  );
  // window_start and window_end are TIMESTAMP(3) (wall-clock times in a zone); window_time is of
  // the time attribute's type, as in a window aggregation.
  const timeType = tvf.ltz ? TIMESTAMP_LTZ3 : TIMESTAMP3;
  return {
    stream,
    columns: [
      ...input.columns,
      { name: "window_start", type: TIMESTAMP3 },
      { name: "window_end", type: TIMESTAMP3 },
      { name: "window_time", type: timeType },
    ],
    rowtime: "window_time",
    alias: input.alias,
    changelog: INSERT_ONLY,
    window: {
      start: "window_start",
      end: "window_end",
      spec: windowSpecText(tvf),
      zone: tvf.zone,
    },
  };
}
const WINDOW_COLUMN_NAMES = ["window_start", "window_end", "window_time"] as const;

/** Resolves the arguments of `TABLE(TUMBLE|HOP|SESSION(...))`. */
function planWindowTvf(ref: TableRef & { kind: "tableFunction" }, ctx: PlanContext): WindowTvf {
  const call = ref.call;
  const fn = call.name;
  if (ref.lateral) throw unsupported("LATERAL TABLE(...) table functions", call.pos);
  if (fn !== "TUMBLE" && fn !== "HOP" && fn !== "CUMULATE" && fn !== "SESSION")
    throw unsupported(`the table function ${fn}`, call.pos);
  const positional: Record<string, readonly string[]> = {
    TUMBLE: ["DATA", "TIMECOL", "SIZE", "OFFSET"],
    HOP: ["DATA", "TIMECOL", "SLIDE", "SIZE", "OFFSET"],
    CUMULATE: ["DATA", "TIMECOL", "STEP", "SIZE", "OFFSET"],
    SESSION: ["DATA", "TIMECOL", "GAP"],
  };
  const params = positional[fn] as readonly string[];
  const args = new Map<string, Expr>();
  call.args.forEach((a, i) => {
    if (a.kind === "namedArg") args.set(a.name.toUpperCase(), a.value);
    else {
      const p = params[i];
      if (p === undefined) throw invalid(`${fn} takes at most ${params.length} arguments`, call.pos);
      args.set(p, a);
    }
  });
  for (const k of args.keys()) {
    if (!params.includes(k))
      throw invalid(`${fn} has no parameter ${k}; its parameters are ${params.join(", ")}`, call.pos);
  }
  const data = args.get("DATA");
  if (data?.kind !== "tableArg") throw invalid(`${fn}: the first argument must be TABLE name`, call.pos);
  const input = planTableName(data.table.parts.join("."), ctx, call.pos);
  const timecol = args.get("TIMECOL");
  if (timecol?.kind !== "descriptor" || timecol.columns.length !== 1) {
    throw invalid(`${fn}: the time column must be DESCRIPTOR(column)`, call.pos);
  }
  const column = timecol.columns[0] as string;
  const proctime = input.proctime !== undefined && column === input.proctime;
  if (input.rowtime === undefined && !proctime) {
    throw invalid(
      `${fn}: table ${data.table.parts.join(".")} has no time attribute ${column}; declare WATERMARK FOR ${column} AS ... (event time) or ${column} AS PROCTIME() (processing time) in its CREATE TABLE`,
      call.pos,
    );
  }
  if (column !== input.rowtime && !proctime) {
    throw invalid(
      `${fn}: DESCRIPTOR(${column}) must name the event-time attribute ${input.rowtime} of ${data.table.parts.join(".")}${input.proctime === undefined ? "" : ` or its processing-time attribute ${input.proctime}`}`,
      call.pos,
    );
  }
  const time = proctime ? ("proctime" as const) : ("rowtime" as const);
  const zoned = windowTimeZone(input, column, proctime);
  if (fn === "SESSION") {
    const gap = intervalArgument(args.get("GAP"), "gap", fn, call.pos);
    return {
      kind: fn,
      input,
      size: gap,
      slide: gap,
      offset: 0,
      partitionBy: data.partitionBy,
      time,
      ...zoned,
      pos: call.pos,
    };
  }
  if (data.partitionBy.length > 0) throw invalid(`${fn}: PARTITION BY is only for SESSION windows`, call.pos);
  const size = intervalArgument(args.get("SIZE"), "size", fn, call.pos);
  const slide =
    fn === "HOP"
      ? intervalArgument(args.get("SLIDE"), "slide", fn, call.pos)
      : fn === "CUMULATE"
        ? intervalArgument(args.get("STEP"), "step", fn, call.pos)
        : size;
  if (fn === "CUMULATE" && (slide <= 0 || size % slide !== 0))
    throw invalid(`CUMULATE: the size (${size} ms) must be a multiple of the step (${slide} ms)`, call.pos);
  const offset = args.has("OFFSET") ? intervalArgument(args.get("OFFSET"), "offset", fn, call.pos) : 0;
  return { kind: fn, input, size, slide, offset, partitionBy: [], time, ...zoned, pos: call.pos };
}
