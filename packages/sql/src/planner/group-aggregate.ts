/**
 * Group aggregation without windows (`SELECT k, COUNT(*) FROM t GROUP BY k [HAVING ...]`, and
 * `SELECT DISTINCT`), Flink's GroupAggFunction: a keyed process function holding, per group, the
 * accumulators of every aggregate and the number of rows in the group. Each input row is
 * accumulated (`+I`, `+U`) or retracted (`-U`, `-D`, so an updating input works), then the
 * group's row is emitted as a change of the result: `+I` for a new group, `-U` old / `+U` new
 * when its values change (nothing when they do not), `-D` when its last row is retracted. HAVING
 * filters the group's rows: a group leaving HAVING is deleted (`-D`), one entering it inserted.
 */

import { type DataStream, type KeyedProcessFunction, type ValueState, valueState } from "@fleuve/core";
import type { Expr, Select } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import type { MiniBatchSpec } from "../runtime/mini-batch.js";
import { MiniBatchGroupAggOperator } from "../runtime/mini-batch-group-aggregate.js";
import { runningMaxFilter } from "../runtime/running-max.js";
import { windowFiring } from "../runtime/zoned-windows.js";
import {
  type AggAcc,
  type AggregateCall,
  aggregateOutputScope,
  aggregateStateSchema,
  type CallExpr,
  changeWitness,
  compileAggregates,
  createAcc,
  exprKey,
  inputOf,
  itemName,
  plainAccumulators,
  requireUserMethods,
  resultOf,
  resultReader,
  rowAccumulator,
  rowRetractor,
  updateAll,
} from "./aggregates.js";
import {
  INSERT_ONLY,
  isAccumulate,
  isInsertOnly,
  noDeleteMode,
  offerUpdateAfterOnly,
  type RowKind,
  retractMode,
  rowKind,
  withKind,
} from "./changelog.js";
import { type Compiled, compileExpression } from "./compile-expression.js";
import {
  compileGrouping,
  expandRow,
  GROUPING_SET_COLUMN,
  groupingKeyEvals,
  groupingKeyType,
  groupingSets,
} from "./grouping-sets.js";
import { jsonKey } from "./keys.js";
import { invalid } from "./problems.js";
import {
  type AttachedMaximum,
  type Column,
  findColumn,
  type Relation,
  rowScope,
  sqlNameOf,
} from "./relation.js";
import { kindedProjector } from "./row-builders.js";
import { bundledMiniBatch } from "./settings.js";
import { INTEGER_TYPES } from "./string-collection-functions.js";
import { HIDDEN_PREFIX } from "./subqueries.js";
import type { Row } from "./values.js";
import { whereCalc } from "./where-calc.js";

/** The state of one group: its key values, the rows in it, and the accumulators. */
export interface GroupState {
  keys: unknown[];
  rows: number;
  aggs: AggAcc[];
}

/**
 * A group held through a mini-batch bundle (GroupAggFunction.holdGroup): its state at the bundle's
 * start and its aggregate values then, and the group as the bundle's rows left it so far
 * (undefined: no group, its rows all retracted or none yet).
 */
export interface HeldGroup {
  readonly start: GroupState | undefined;
  readonly before: unknown[] | undefined;
  group: GroupState | undefined;
}

/** What the select items and HAVING evaluate from: the group's keys and aggregate values. */
export interface Out {
  readonly keys: readonly unknown[];
  readonly values: readonly unknown[];
}

/**
 * How a group aggregation builds its rows: HAVING apart from building, so that the kind of a
 * change (`-U`/`+U`, or `-D`/`+I` when HAVING drops or takes the group) is known before its rows
 * are built with it.
 */
export interface GroupOutput {
  /** Whether the group's row is in the result (HAVING; always without one). */
  readonly passes: (o: Out) => boolean;
  /** The group's row, with kind `kind` (a field of the row from the start, see kindedProjector). */
  readonly build: (o: Out, kind: RowKind) => Row;
}

/**
 * Plans `SELECT DISTINCT items FROM input` as a group aggregation by every item (as Flink does):
 * a row is inserted when it first appears and deleted when its last copy is retracted.
 */
export function planDistinct(select: Select, input: Relation, options: GroupAggregateOptions = {}): Relation {
  // `*` named as a projection names it: by SQL name, `k0`, `k1`... where names repeat.
  const starNames = new Set<string>();
  const starName = (c: Column) => {
    let name = sqlNameOf(c);
    for (let n = 0; starNames.has(name); n++) name = `${sqlNameOf(c)}${n}`;
    starNames.add(name);
    return name;
  };
  const items = select.items.flatMap((item) =>
    item.expr.kind === "star"
      ? input.columns
          .filter((c) => !c.name.startsWith(HIDDEN_PREFIX) && c.qualifiedOnly !== true)
          .map((c) => ({
            expr: { kind: "column", name: { parts: [c.name], column: c.name }, pos: select.pos } as Expr,
            alias: starName(c),
          }))
      : [item],
  );
  return planGroupAggregate(
    { ...select, distinct: false, items, groupBy: items.map((i) => ({ kind: "expr", expr: i.expr })) },
    input,
    options,
  );
}

/** How a group aggregation is run, beyond its SELECT. */
export interface GroupAggregateOptions {
  /** `table.exec.state.ttl` in ms: a group not updated for that long expires. */
  readonly stateTtlMs?: number | undefined;
  /**
   * Sends no `-U`/`+U` pair when the group's output row is unchanged though an aggregate read
   * only by HAVING changed (a set operation's counts: its row is there or not).
   */
  readonly quietUnchangedRows?: boolean;
  /**
   * HAVING turns a group's change into `-D` when the group leaves the result and `+I` when it
   * enters it (a set operation's rows, there or not). Otherwise, as Flink's GroupAggFunction with
   * the Calc after it, HAVING filters the `-U` and the `+U` of a change each alone.
   */
  readonly havingAsDeleteInsert?: boolean;
  /**
   * `table.exec.mini-batch.*` (settings.ts miniBatch): the input rows are bundled and each group
   * sends one change per bundle (runtime/mini-batch-group-aggregate.ts); a size is then required,
   * as in Flink. Undefined: every row's change is sent as it comes.
   */
  readonly miniBatch?: MiniBatchSpec | undefined;
}

/** Plans a group aggregation of `input` for `select` (its WHERE is applied first). */
export function planGroupAggregate(
  select: Select,
  input: Relation,
  options: GroupAggregateOptions = {},
): Relation {
  // The input columns the keys, aggregate arguments and FILTERs read (see the join fusion below).
  const read = new Set<string>();
  const inputScope = rowScope(input, "the input", (c) => read.add(c.name));
  let stream = input.stream;
  if (select.where !== undefined) stream = whereCalc(stream, select.where, input, inputScope);
  // GROUPING SETS, ROLLUP and CUBE: each row once per grouping set (see grouping-sets.ts).
  const gs = groupingSets(select.groupBy, select.pos);
  const expanded = gs.sets.length > 1;
  const keys: { expr: Expr; compiled: Compiled<Row> }[] = gs.keys.map((expr, k) => ({
    expr,
    compiled: groupingKeyType(compileExpression(expr, inputScope), gs, k),
  }));
  if (expanded)
    stream = stream.flatMap(expandRow(gs.sets.length)).name(`Expand(${gs.sets.length} grouping sets)`);
  const { aggregates, index } = compileAggregates(
    [...select.items.map((i) => i.expr), select.having],
    inputScope,
    { appendOnly: isInsertOnly(input.changelog) },
  );
  if (!isInsertOnly(input.changelog))
    requireUserMethods(aggregates, { retract: input.changelog.producer ?? "an updating input" });
  const outScope = aggregateOutputScope<Out>(
    aggregates,
    index,
    keys,
    (o, a) => o.values[a],
    (o, k) => o.keys[k],
    (e) => compileGrouping<Out>(e, gs, expanded ? (o) => o.keys[keys.length] as number : undefined),
    keys.length === 0,
  );
  const items = select.items.map((item, i) => {
    if (item.expr.kind === "star")
      throw invalid("SELECT * is not valid in a query with GROUP BY", select.pos);
    const compiled = compileExpression(item.expr, outScope);
    return { name: itemName(item, i), eval: compiled.eval, type: compiled.type, expr: item.expr };
  });
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.name))
      throw invalid(`the select list names two columns ${it.name}; give one an alias`, select.pos);
    seen.add(it.name);
  }
  const having = select.having === undefined ? undefined : compileExpression(select.having, outScope).eval;

  const keyEvals = expanded
    ? groupingKeyEvals(
        gs,
        keys.map((k) => k.compiled),
      )
    : keys.map((k) => k.compiled.eval);
  const producer = `GroupAggregate(groupBy=[${[...keys.map((k) => printExpr(k.expr)), ...(expanded ? [GROUPING_SET_COLUMN] : [])].join(", ")}], select=[${select.items
    .map((it) => printExpr(it.expr) + (it.alias === undefined ? "" : ` AS ${it.alias}`))
    .join(", ")}])`;
  const build = kindedProjector<Out>(
    items.map((it) => it.name),
    items.map((it) => it.eval),
  );
  const passes = having === undefined ? () => true : (o: Out) => having(o) === true;
  const output = (o: Out): Row | undefined => (passes(o) ? build(o, "+I") : undefined);
  const keyOf = jsonKey(keyEvals);
  const attached = expanded ? undefined : attachedWindow(input, keys);
  if (attached !== undefined) {
    // Flink's window aggregation with windows attached to the input's columns
    // (WindowAttachedWindowingStrategy): the input is the insert-only result of a window TVF or
    // window aggregation, and the GROUP BY holds its window_start and window_end: one row per
    // group and window once the watermark passes the window's end, insert-only.
    const windowName = `${input.window?.spec ?? ""}, win_start=[${attached.startColumn}], win_end=[${attached.endColumn}]`;
    const name = `WindowAggregate(groupBy=[${keys.map((k) => printExpr(k.expr)).join(", ")}], window=[${windowName}], select=[${select.items
      .map((it) => printExpr(it.expr) + (it.alias === undefined ? "" : ` AS ${it.alias}`))
      .join(", ")}])`;
    const endAt = attached.end;
    const firing = windowFiring(input.window?.zone);
    const maximum = keys.length === 2 ? onlyMaximum(aggregates) : undefined;
    // MAX grouped by the window alone: rows at or below the running maximum of their window are
    // dropped before the exchange (runtime/running-max.ts), as they change no window's value.
    const thinned =
      maximum === undefined
        ? stream
        : stream
            .process(
              runningMaxFilter({
                use: "aggregate",
                value: maximum.eval,
                start: keyEvals[attached.start] as (row: Row) => number,
                end: keyEvals[endAt] as (row: Row) => number,
                fireAt: (end) => firing.fireAt(end),
              }),
            )
            .name(`Calc(where=[${printExpr(maximum.call.args[0] as Expr)} above its window's running MAX])`);
    const stream2 = thinned
      .keyBy(keyOf)
      .process(
        new WindowAttachedAggFunction(
          aggregates,
          keyEvals,
          (row) => firing.fireAt(keyEvals[endAt]?.(row) as number),
          output,
        ),
        // As Flink's WindowAggOperator: a row late before a restore stays late.
        { restoreWatermark: true },
      )
      .name(name)
      .stateSchema({
        ...aggregateStateSchema("WindowAttachedAggregate", keys, 1, aggregates),
        window: input.window?.spec ?? "",
      });
    const columnOf = (k: number) =>
      items.find((it) => printExpr(it.expr) === printExpr(keys[k]?.expr as Expr))?.name;
    const start = columnOf(attached.start);
    const end = columnOf(attached.end);
    return {
      stream: stream2,
      attachedMaximum: attachedMaximumOf(input, stream, maximum, attached, items, stream2, start, end),
      columns: items.map((i) => ({ name: i.name, type: i.type })),
      window:
        start !== undefined && end !== undefined && input.window !== undefined
          ? { ...input.window, start, end }
          : undefined,
      changelog: INSERT_ONLY,
    };
  }
  // Right over a regular join (no WHERE, no grouping sets between): the join builds its pairs'
  // rows with only the columns read above, not every joined column (q4: 3 of 7 per pair). Every
  // evaluation of the input rows is compiled by now; the join refuses (and builds whole rows)
  // where a column is not one side's column as it is (USING, a renamed duplicate).
  if (select.where === undefined && !expanded && input.joinProjection?.stream === stream)
    input.joinProjection.fuse([...read].map((name) => ({ name, from: name })));
  const fn = new GroupAggFunction(aggregates, keyEvals, { passes, build }, options);
  const miniBatch = bundledMiniBatch(
    options.miniBatch,
    "a group aggregation (GROUP BY, DISTINCT, the counts of UNION, INTERSECT and EXCEPT)",
  );
  const keyed = stream.keyBy(keyOf);
  // With mini-batch the same final rows and state, one change per group and bundle.
  const result = (
    miniBatch === undefined
      ? keyed.process(fn).name(producer)
      : keyed.transform(producer, () => new MiniBatchGroupAggOperator(fn, miniBatch))
  ).stateSchema(aggregateStateSchema("GroupAggregate", keys, gs.sets.length, aggregates));
  const columns: Column[] = items.map((i) => ({ name: i.name, type: i.type }));
  // The result's rows are unique by the GROUP BY keys, when every key is selected as a column.
  const keyColumns = keys.map((k) => items.find((it) => printExpr(it.expr) === printExpr(k.expr))?.name);
  // With grouping sets a NULL key may be a grouped-away key or a NULL value: no unique key.
  // Nor with HAVING (but a set operation's): the -U of a group HAVING no longer takes comes
  // alone, and an upsert sink keyed by the keys must delete on it, not drop it as redundant.
  const uniqueKey =
    !expanded &&
    (having === undefined || options.havingAsDeleteInsert === true) &&
    keyColumns.every((c) => c !== undefined)
      ? (keyColumns as string[])
      : undefined;
  // What the function sends: -D only when a group's rows drop to none (an updating input) or,
  // with havingAsDeleteInsert, when a group leaves the result. Over an insert-only input the
  // mode is [I,UB,UA], as Flink's GroupAggregate declares it (its ModifyKindSet has DELETE only
  // when the input updates or deletes).
  const deletes =
    !isInsertOnly(input.changelog) || (having !== undefined && options.havingAsDeleteInsert === true);
  const changelog = deletes ? retractMode(producer, uniqueKey) : noDeleteMode(producer, uniqueKey);
  // A consumer that needs no -U (an upsert sink keyed by the groups, blackhole, EXPLAIN's root:
  // Flink's ONLY_UPDATE_AFTER) stops them here, as Flink's GroupAggregate without
  // generateUpdateBefore; not with HAVING, which needs each -U as Flink's Calc with a condition.
  if (having === undefined && options.havingAsDeleteInsert !== true)
    offerUpdateAfterOnly(result, {
      drop: () => {
        fn.sendUpdateBefore = false;
        const kinds = changelog.kinds as RowKind[];
        if (kinds.includes("-U")) kinds.splice(kinds.indexOf("-U"), 1);
      },
    });
  return { stream: result, columns, changelog };
}

/**
 * Flink's GroupAggFunction with retraction, over rows carrying their kind. The operator runs each
 * subtask on its own `Object.create` of this function, so whatever a subtask writes is set in
 * open(), on that instance, never in the constructor (the shared prototype).
 */
export class GroupAggFunction implements KeyedProcessFunction<string, Row, Row> {
  private state!: ValueState<GroupState>;
  /** With a TTL, the plain state a savepoint taken without one holds its groups in. */
  private legacy: ValueState<GroupState> | undefined;
  private readonly userAggregates: boolean;
  /** Adds an accumulated row where that is safe without the inputs array (see rowAccumulator). */
  private readonly addRow: ((accs: AggAcc[], row: Row) => void) | undefined;
  /** Takes a retracted row out where that is safe without the inputs array (see rowRetractor). */
  private readonly retractRow: ((accs: AggAcc[], row: Row) => void) | undefined;
  /** New accumulators of a group (see plainAccumulators), the generic ones when undefined. */
  private readonly createAccs: () => AggAcc[];
  /** Each aggregate's result from its accumulator (see resultReader). */
  private readonly results: readonly ((acc: AggAcc) => unknown)[];
  /**
   * What else tells a change of the aggregates Flink computes (see changeWitness), from the
   * accumulator of aggregate `at`: written after the results into the values compared before
   * and after a row (the output is built from the results alone).
   */
  private readonly witnesses: readonly { readonly at: number; readonly read: (acc: AggAcc) => unknown }[];
  /**
   * The group's aggregate values before and after the current row (see processElement): this
   * subtask's own arrays, made in open().
   */
  private beforeValues!: unknown[];
  private afterValues!: unknown[];
  /**
   * What the group's rows before and after the current row are built from (see processElement):
   * this subtask's own two objects, refilled per row, read only while its rows are built.
   */
  private beforeOut!: { keys: readonly unknown[]; values: readonly unknown[] };
  private afterOut!: { keys: readonly unknown[]; values: readonly unknown[] };
  /**
   * Whether an update sends its `-U` before the `+U` (Flink's generateUpdateBefore): false when
   * the consumer needs none (see changelog.ts requestUpdateAfterOnly), set by the planner before
   * the job runs, so every subtask's instance reads it from this one.
   */
  sendUpdateBefore = true;

  constructor(
    private readonly aggregates: readonly AggregateCall[],
    /** The group key's values of a row (the key selector's, in the same order). */
    readonly keyEvals: readonly ((row: Row) => unknown)[],
    /** The output rows of a group (see {@link GroupOutput}). */
    private readonly output: GroupOutput,
    private readonly options: GroupAggregateOptions = {},
  ) {
    this.userAggregates = aggregates.some((a) => a.user !== undefined);
    this.addRow = rowAccumulator(aggregates);
    this.retractRow = rowRetractor(aggregates);
    const plain = plainAccumulators(aggregates);
    this.createAccs = plain === undefined ? () => aggregates.map(createAcc) : plain.create;
    this.results = aggregates.map(resultReader);
    this.witnesses = aggregates.flatMap((a, at) => {
      const read = changeWitness(a);
      return read === undefined ? [] : [{ at, read }];
    });
  }

  open(ctx: Parameters<NonNullable<KeyedProcessFunction<string, Row, Row>["open"]>>[0]): void {
    this.beforeValues = new Array(this.results.length + this.witnesses.length).fill(null);
    this.afterValues = new Array(this.results.length + this.witnesses.length).fill(null);
    this.beforeOut = { keys: [], values: this.beforeValues };
    this.afterOut = { keys: [], values: this.afterValues };
    // Groups with a TTL are kept under their own state name: a state's TTL cannot be turned on
    // under the same name (as the Top-N's TTL'd rows). A savepoint of a job that ran without the
    // TTL (or before 4ee68ad, when a GROUP BY ignored table.exec.state.ttl) keeps its groups in
    // the plain state: they are moved over key by key, on the first row of each (groupOfKey).
    if (this.options.stateTtlMs === undefined) {
      this.state = ctx.getState(valueState<GroupState>("group-aggregate"));
      return;
    }
    this.state = ctx.getState(
      valueState<GroupState>("group-aggregate-ttl", { ttl: { ttlMs: this.options.stateTtlMs } }),
    );
    this.legacy = ctx.getState(valueState<GroupState>("group-aggregate"));
  }

  /**
   * The current key's group; with a TTL, the first touch of a key moves its group out of the
   * plain state of a savepoint taken without one. The TTL of a moved group starts at the move.
   */
  private groupOfKey(): GroupState | undefined {
    const st = this.state.value();
    if (st !== undefined || this.legacy === undefined) return st;
    const old = this.legacy.value();
    if (old === undefined) return undefined;
    this.legacy.clear();
    this.state.update(old);
    return old;
  }

  processElement(row: Row, _ctx: unknown, out: { collect(r: Row): void }): void {
    const add = isAccumulate(rowKind(row));
    let st = this.groupOfKey();
    const first = st === undefined;
    if (st === undefined) {
      // A retraction for a group without state (its state expired or was never there) is ignored, as in Flink.
      if (!add) return;
      st = this.newGroup(row);
    }
    // The values before and after the change go into two arrays of the function, not new ones
    // per row: they are read only while this row's output rows are built, below.
    const before = first ? undefined : this.values(st, this.beforeValues);
    this.apply(st, row, add);
    if (st.rows <= 0) {
      this.state.clear();
      this.emit(before, st.keys, undefined, out);
      return;
    }
    this.state.update(st);
    this.emit(before, st.keys, st, out);
  }

  /**
   * Starts holding the current key's group for a mini-batch (runtime/mini-batch-group-aggregate.ts):
   * its state is read once here, rows are folded into the returned {@link HeldGroup} by
   * {@link foldHeld}, and {@link sendHeld} writes it back once and sends one change for the bundle.
   */
  holdGroup(): HeldGroup {
    const start = this.groupOfKey();
    // The bundle-start values stay until the bundle ends: an array of their own, not beforeValues.
    const before =
      start === undefined
        ? undefined
        : this.values(start, new Array(this.results.length + this.witnesses.length));
    return { start, before, group: start };
  }

  /**
   * Folds one input row into a held group as {@link processElement} takes it (a group emptied
   * within the bundle starts anew, a retraction for no group is ignored), so that the group ends
   * the bundle as the plain function leaves it. Throws what an aggregate throws, the group left as
   * it was before the row (a group the row would have started is not there).
   */
  foldHeld(held: HeldGroup, row: Row): void {
    const add = isAccumulate(rowKind(row));
    let st = held.group;
    if (st === undefined) {
      if (!add) return;
      st = this.newGroup(row);
      held.group = st;
    }
    try {
      this.apply(st, row, add);
    } catch (e) {
      if (st.rows === 0) held.group = undefined;
      throw e;
    }
    if (st.rows <= 0) held.group = undefined;
  }

  /**
   * Ends a held group's bundle (the current key must be its key): writes its state once and sends
   * one change, as Flink's MiniBatchGroupAggFunction.finishBundle: nothing when the group's row is
   * unchanged, `-U`/`+U` when it changed, `+I` for a new group, `-D` when its rows dropped to none.
   */
  sendHeld(held: HeldGroup, out: { collect(r: Row): void }): void {
    const { start, group } = held;
    if (group === undefined) {
      if (start === undefined) return;
      this.state.clear();
      this.emit(held.before, start.keys, undefined, out);
      return;
    }
    this.state.update(group);
    this.emit(held.before, group.keys, group, out);
  }

  /** A new group for the key of `row`, without rows. */
  private newGroup(row: Row): GroupState {
    return { keys: this.keyEvals.map((k) => k(row)), rows: 0, aggs: this.createAccs() };
  }

  /** Accumulates (`add`) or retracts `row` into the group. */
  private apply(st: GroupState, row: Row, add: boolean): void {
    const sign = add ? 1 : -1;
    if (add && this.addRow !== undefined) this.addRow(st.aggs, row);
    else if (!add && this.retractRow !== undefined) this.retractRow(st.aggs, row);
    else {
      // Every input is evaluated, then user accumulators updated into a copy, before anything
      // changes (built-in updates, last, do not throw): a function that throws (the row goes to
      // the error policy) leaves the group as it was.
      const inputs = this.aggregates.map((a) => inputOf(a, row));
      st.aggs = updateAll(this.aggregates, this.userAggregates, st.aggs, inputs, sign);
    }
    st.rows += sign;
  }

  /**
   * Sends the change of a group from the aggregate values `before` (undefined: the group was not
   * there) to the group `st` (undefined: it is gone); `keys` are the group's key values.
   */
  private emit(
    before: unknown[] | undefined,
    keys: readonly unknown[],
    st: GroupState | undefined,
    out: { collect(r: Row): void },
  ): void {
    // The group's previous row is built only when it is sent (from the values before the change).
    const { passes, build } = this.output;
    if (before !== undefined) this.beforeOut.values = before;
    if (st === undefined) {
      const prev = before === undefined ? undefined : this.out(this.beforeOut, keys);
      if (prev !== undefined && passes(prev)) out.collect(build(prev, "-D"));
      return;
    }
    const after = this.values(st, this.afterValues);
    // As Flink's GroupAggFunction (and MiniBatchGroupAggFunction): an unchanged row of aggregates
    // sends nothing, unless a state TTL is set (table.exec.state.ttl), where every change is sent
    // so that the rows downstream do not expire early.
    if (before !== undefined && this.options.stateTtlMs === undefined && sameValues(before, after)) return;
    const prev = before === undefined ? undefined : this.out(this.beforeOut, keys);
    const next = this.out(this.afterOut, st.keys);
    // HAVING of both first: the kinds of the rows follow from it (see GroupOutput).
    const prevIn = prev !== undefined && passes(prev);
    const nextIn = passes(next);
    if (prev !== undefined && this.options.havingAsDeleteInsert !== true) {
      // As Flink: the aggregate values changed, so -U and +U, and HAVING takes or drops each
      // alone (a group entering the result comes as a lone +U, one leaving as a lone -U).
      // Both rows are built before either is sent (sending runs the operators downstream).
      const prevRow = prevIn && this.sendUpdateBefore ? build(prev, "-U") : undefined;
      const nextRow = nextIn ? build(next, "+U") : undefined;
      if (prevRow !== undefined) out.collect(prevRow);
      if (nextRow !== undefined) out.collect(nextRow);
      return;
    }
    if (prevIn && nextIn) {
      // Both rows are built before either is sent (sending runs the operators downstream).
      if (this.options.quietUnchangedRows === true) {
        const prevRow = build(prev, "+I");
        const nextRow = build(next, "+I");
        if (sameValues(Object.values(prevRow), Object.values(nextRow))) return;
        out.collect(withKind(prevRow, "-U"));
        out.collect(withKind(nextRow, "+U"));
        return;
      }
      const prevRow = build(prev, "-U");
      const nextRow = build(next, "+U");
      out.collect(prevRow);
      out.collect(nextRow);
    } else if (prevIn) out.collect(build(prev, "-D"));
    else if (nextIn) out.collect(build(next, "+I"));
  }

  /**
   * `out` (beforeOut or afterOut, whose values are beforeValues, a held group's values, or
   * afterValues) for group keys `keys`.
   */
  private out(out: { keys: readonly unknown[]; values: readonly unknown[] }, keys: readonly unknown[]): Out {
    out.keys = keys;
    return out;
  }

  /** Writes the aggregate values of `st` into `into` and returns it. */
  private values(st: GroupState, into: unknown[]): unknown[] {
    const { results, witnesses } = this;
    for (let i = 0; i < results.length; i++)
      into[i] = (results[i] as (acc: AggAcc) => unknown)(st.aggs[i] as AggAcc);
    for (let j = 0; j < witnesses.length; j++) {
      const w = witnesses[j] as (typeof witnesses)[number];
      into[results.length + j] = w.read(st.aggs[w.at] as AggAcc);
    }
    return into;
  }
}

/**
 * Whether two lists of aggregate values are equal as their JSON texts are (NULL and undefined
 * alike, NaN equal to itself), comparing primitives directly: this runs for every input row.
 */
/** Whether two rows' values are the same as SQL values (as JSON gives them). */
export function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = asJson(a[i]);
    const y = asJson(b[i]);
    if (x === y) continue;
    if (typeof x !== "object" || typeof y !== "object" || JSON.stringify(x) !== JSON.stringify(y))
      return false;
  }
  return true;
}

/** What JSON makes of a value: undefined, NaN and the infinities become null. */
function asJson(v: unknown): unknown {
  return v === undefined || (typeof v === "number" && !Number.isFinite(v)) ? null : v;
}

/**
 * Where the GROUP BY keys hold the window columns of `input` (the result of a window TVF or a
 * window aggregation selecting window_start and window_end, insert-only): the indexes of the
 * keys that are its window start and end, and their column names; undefined otherwise.
 */
function attachedWindow(
  input: Relation,
  keys: readonly { readonly expr: Expr }[],
): { start: number; end: number; startColumn: string; endColumn: string } | undefined {
  const w = input.window;
  if (w === undefined || !isInsertOnly(input.changelog)) return undefined;
  const named = keys.map((k) =>
    k.expr.kind === "column" ? findColumn(input, k.expr.name)?.name : undefined,
  );
  const start = named.indexOf(w.start);
  const end = named.indexOf(w.end);
  if (start < 0 || end < 0) return undefined;
  return { start, end, startColumn: w.start, endColumn: w.end };
}

/**
 * The only aggregate of `aggregates` if it is MAX of an integer argument (without DISTINCT,
 * FILTER or a user function): its argument's evaluator and its call.
 */
function onlyMaximum(
  aggregates: readonly AggregateCall[],
): { eval: (row: Row) => unknown; call: CallExpr; column: Expr | undefined } | undefined {
  if (aggregates.length !== 1) return undefined;
  const a = aggregates[0] as AggregateCall;
  if (a.call.name !== "MAX" || a.call.distinct || a.filter !== undefined || a.user !== undefined)
    return undefined;
  const t = a.arg?.type;
  if (a.arg === undefined || a.call.args.length !== 1 || t?.kind !== "atomic" || !INTEGER_TYPES.has(t.name))
    return undefined;
  const arg = a.call.args[0] as Expr;
  return { eval: a.arg.eval, call: a.call, column: arg.kind === "column" ? arg : undefined };
}

/**
 * {@link Relation.attachedMaximum} of the MAX aggregation of `input`'s rows `stream` (after its
 * WHERE, if any) whose output is `output`: when its argument is a column of every input row,
 * read through a projection of a stream that drops no row or straight, and it selects the
 * maximum as it is and the window's start and end.
 */
function attachedMaximumOf(
  input: Relation,
  stream: DataStream<Row>,
  maximum: ReturnType<typeof onlyMaximum>,
  attached: { startColumn: string; endColumn: string },
  items: readonly { readonly name: string; readonly expr: Expr }[],
  output: DataStream<Row>,
  startColumn: string | undefined,
  endColumn: string | undefined,
): AttachedMaximum | undefined {
  if (maximum?.column?.kind !== "column" || stream !== input.stream) return undefined;
  if (startColumn === undefined || endColumn === undefined) return undefined;
  const own = findColumn(input, maximum.column.name)?.name;
  const maxColumn = items.find((i) => exprKey(i.expr) === exprKey(maximum.call))?.name;
  if (own === undefined || maxColumn === undefined) return undefined;
  const p = input.projectionOf;
  const through = p !== undefined && p.stream === input.stream ? p : undefined;
  const field = (name: string) => (through === undefined ? name : through.fields.get(name));
  const column = field(own);
  const rowsStart = field(attached.startColumn);
  const rowsEnd = field(attached.endColumn);
  if (column === undefined || rowsStart === undefined || rowsEnd === undefined) return undefined;
  return {
    stream: output,
    rows: through === undefined ? input.stream : through.source,
    column,
    rowsStart,
    rowsEnd,
    maxColumn,
    startColumn,
    endColumn,
  };
}

/**
 * Flink's window aggregation over windows attached to the input's columns: keyed by the GROUP BY
 * keys, the window columns among them, so a key holds one window. Its rows are accumulated until
 * the watermark reaches the window's firing time (`window_end - 1`, or for windows of a zone's
 * wall clock the zone's, see zoned-windows.ts), then its row is emitted once (HAVING
 * applied) and the state dropped. A row whose window has fired already is late and dropped, as
 * Flink's window operators drop it, also after a restore (the watermark is kept in checkpoints).
 */
class WindowAttachedAggFunction implements KeyedProcessFunction<string, Row, Row> {
  private state!: ValueState<GroupState>;
  private readonly userAggregates: boolean;
  private readonly addRow: ((accs: AggAcc[], row: Row) => void) | undefined;

  constructor(
    private readonly aggregates: readonly AggregateCall[],
    private readonly keyEvals: readonly ((row: Row) => unknown)[],
    /** When the row's window fires (watermark). */
    private readonly windowFireAt: (row: Row) => number,
    private readonly output: (o: Out) => Row | undefined,
    private readonly options: GroupAggregateOptions = {},
  ) {
    this.userAggregates = aggregates.some((a) => a.user !== undefined);
    this.addRow = rowAccumulator(aggregates);
  }

  open(ctx: Parameters<NonNullable<KeyedProcessFunction<string, Row, Row>["open"]>>[0]): void {
    this.state = ctx.getState(valueState<GroupState>("window-attached-aggregate"));
  }

  processElement(
    row: Row,
    ctx: Parameters<KeyedProcessFunction<string, Row, Row>["processElement"]>[1],
  ): void {
    const fireAt = this.windowFireAt(row);
    const timers = ctx.timerService();
    if (fireAt <= timers.currentWatermark()) return; // its window has fired: late
    let st = this.state.value();
    if (st === undefined) {
      st = { keys: this.keyEvals.map((k) => k(row)), rows: 0, aggs: this.aggregates.map(createAcc) };
      timers.registerEventTimeTimer(fireAt);
    }
    if (this.addRow !== undefined) this.addRow(st.aggs, row);
    else {
      const inputs = this.aggregates.map((a) => inputOf(a, row));
      st.aggs = updateAll(this.aggregates, this.userAggregates, st.aggs, inputs, 1);
    }
    st.rows += 1;
    this.state.update(st);
  }

  onTimer(_ts: number, _ctx: unknown, out: { collect(r: Row): void }): void {
    const st = this.state.value();
    this.state.clear();
    if (st === undefined) return;
    const values = this.aggregates.map((a, i) => resultOf(a, st.aggs[i] as AggAcc));
    const row = this.output({ keys: st.keys, values });
    if (row !== undefined) out.collect(row);
  }
}
