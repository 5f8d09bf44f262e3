/**
 * Window TVF aggregation: `SELECT ... FROM TABLE(TUMBLE|HOP|SESSION(TABLE t, DESCRIPTOR(ts), ...))
 * [WHERE ...] GROUP BY window_start, window_end[, window_time][, keys] [HAVING ...]`, planned
 * onto keyBy(keys).window(assigner).aggregate(...) of the DataStream API: one accumulator per key
 * and window (COUNT, SUM, MIN, MAX, AVG, with DISTINCT and FILTER (WHERE ...)), a row per key and
 * window when the watermark passes the window's end, as Flink emits window aggregates.
 */

import {
  EventTimeSessionWindows,
  OutputTag,
  type PassOnSelect,
  ProcessingTimeSessionWindows,
  type ProcessWindowFunction,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  type TimeWindow,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  type Window,
  type WindowAssigner,
} from "@fleuve/core";
import type { Expr, Select, SourcePos } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import { CumulativeEventTimeWindows, CumulativeProcessingTimeWindows } from "../runtime/cumulate-windows.js";
import { EmitTrigger } from "../runtime/emit-trigger.js";
import { ZonedAlignedWindows, ZonedSessionWindows } from "../runtime/zoned-windows.js";
import {
  type AggregateCall,
  aggregateOutputScope,
  aggregateStateSchema,
  children,
  compileAggregates,
  exprKey,
  itemName,
  plainAccumulators,
  requireUserMethods,
  rowAccumulator,
} from "./aggregates.js";
import {
  describeMode,
  INSERT_ONLY,
  isInsertOnly,
  noDeleteMode,
  type RowKind,
  withKind,
} from "./changelog.js";
import { type Compiled, compileExpression, intervalMs } from "./compile-expression.js";
import { sameValues } from "./group-aggregate.js";
import {
  compileGrouping,
  expandRow,
  type GroupingSets,
  groupingKeyEvals,
  groupingKeyType,
  groupingSets,
} from "./grouping-sets.js";
import { flinkInternalHash } from "./java-hash-order.js";
import { refuseJsonAggregates } from "./json-aggregates.js";
import { jsonKey } from "./keys.js";
import { invalid, unsupported } from "./problems.js";
import { type Column, findColumn, type Relation, rowScope, type WindowMaximum } from "./relation.js";
import { projector } from "./row-builders.js";
import { withProctime } from "./scan.js";
import { type EmitStrategy, emitStrategyText } from "./settings.js";
import { INTEGER_TYPES } from "./string-collection-functions.js";
import type { Row } from "./values.js";
import { whereCalc } from "./where-calc.js";
import { compactAccumulators, keyedAccumulators, keyFromText } from "./window-accumulators.js";
import { sessionZone, type Zone } from "./zone.js";

/** A window TVF call, its arguments resolved. */
export interface WindowTvf {
  readonly kind: "TUMBLE" | "HOP" | "CUMULATE" | "SESSION";
  readonly input: Relation;
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  /** SESSION's PARTITION BY keys. */
  readonly partitionBy: readonly Expr[];
  /** Whether the windows are in event time (the input's rowtime) or processing time (its proctime). */
  readonly time: "rowtime" | "proctime";
  /** Whether the time attribute is a TIMESTAMP_LTZ (PROCTIME() always is): window_time is one too. */
  readonly ltz: boolean;
  /**
   * The session zone when the time attribute is a TIMESTAMP_LTZ and the zone is not UTC: the
   * windows are cut in its wall-clock time (see runtime/zoned-windows.ts).
   */
  readonly zone?: Zone | undefined;
  readonly pos: SourcePos;
}

/**
 * `ltz` and `zone` of a window over time attribute `column` of `input`: as Flink, windows over a
 * TIMESTAMP_LTZ attribute (or PROCTIME()) follow the session zone's wall clock.
 */
export function windowTimeZone(
  input: Relation,
  column: string,
  proctime: boolean,
): Pick<WindowTvf, "ltz" | "zone"> {
  const type = input.columns.find((c) => c.name === column)?.type;
  const ltz = proctime || (type?.kind === "atomic" && type.name === "TIMESTAMP_LTZ");
  return { ltz, zone: ltz ? sessionZone() : undefined };
}

/**
 * The window TVF of `tvf` as text (`TUMBLE(size 600000, slide 600000, offset 0 ms)`, with
 * ` in Europe/Paris` for windows of a zone's wall clock): a window join needs the same on both
 * sides.
 */
export function windowSpecText(tvf: WindowTvf): string {
  const zone = tvf.zone === undefined ? "" : ` in ${tvf.zone.id}`;
  return `${tvf.kind}(size ${tvf.size}, slide ${tvf.slide}, offset ${tvf.offset} ms)${zone}`;
}

const WINDOW_COLUMNS = ["window_start", "window_end", "window_time"] as const;
type WindowColumn = (typeof WINDOW_COLUMNS)[number];

const TIMESTAMP3 = { kind: "atomic", name: "TIMESTAMP", args: [3], notNull: true } as const;
const TIMESTAMP_LTZ3 = { kind: "atomic", name: "TIMESTAMP_LTZ", args: [3], notNull: true } as const;

/** The keys of a window without any: shared, never written. */
const NONE: unknown[] = [];

/** The window column (window_start, window_end, window_time) `e` names, if any. */
export function isWindowColumn(e: Expr): WindowColumn | undefined {
  if (e.kind !== "column") return undefined;
  const last = e.name.parts[e.name.parts.length - 1] as string;
  return (WINDOW_COLUMNS as readonly string[]).includes(last) ? (last as WindowColumn) : undefined;
}

/**
 * Plans a window aggregation over `tvf` for `select`; with `emit` (the `table.exec.emit.*`
 * options), with early and late firings, an updating result.
 */
export function planWindowAggregate(select: Select, tvf: WindowTvf, emit?: EmitStrategy): Relation {
  if (select.distinct) throw unsupported("SELECT DISTINCT", select.pos);
  if (emit !== undefined) refuseEmitStrategy(tvf, emit);
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
    stream = whereCalc(stream, select.where, input, inputScope);
  }

  // GROUP BY: the window columns and the keys, in every grouping set (see grouping-sets.ts).
  const all = groupingSets(select.groupBy, select.pos);
  const grouped = new Set<WindowColumn>();
  const keyAt: number[] = [];
  all.keys.forEach((e, k) => {
    const w = isWindowColumn(e);
    if (w === undefined) keyAt.push(k);
    else if (all.sets.every((set) => set[k] === true)) grouped.add(w);
    else
      throw unsupported(
        `a grouping set without ${w}`,
        select.pos,
        "put the window columns in every grouping set (GROUP BY window_start, window_end, GROUPING SETS (...))",
      );
  });
  const gs: GroupingSets = {
    keys: keyAt.map((k) => all.keys[k] as Expr),
    sets: all.sets.map((set) => keyAt.map((k) => set[k] === true)),
    groupIds: all.groupIds,
  };
  const expanded = gs.sets.length > 1;
  const keys: { expr: Expr; compiled: Compiled<Row> }[] = gs.keys.map((expr, k) => ({
    expr,
    compiled: groupingKeyType(compileExpression(expr, inputScope), gs, k),
  }));
  if (expanded) {
    if (tvf.kind === "SESSION") throw unsupported("GROUPING SETS over SESSION windows", select.pos);
    stream = stream.flatMap(expandRow(gs.sets.length)).name(`Expand(${gs.sets.length} grouping sets)`);
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
  // Window inputs only insert (checked above): MIN and MAX need no multiset.
  const { aggregates, index: aggIndex } = compileAggregates(
    [...select.items.map((i) => i.expr), select.having],
    inputScope,
    { appendOnly: true },
  );
  // ARRAY_AGG(DISTINCT x) of a TUMBLE window comes in the order of Flink's local HashMap
  // (aggregates.ts, hashOrdered); HOP, CUMULATE and SESSION windows keep the arrival order.
  if (tvf.kind === "TUMBLE") {
    aggregates.forEach((a, i) => {
      const hashOrder =
        a.call.name === "ARRAY_AGG" && a.call.distinct ? flinkInternalHash(a.arg?.type) : undefined;
      if (hashOrder !== undefined && a.user === undefined) aggregates[i] = { ...a, hashOrder };
    });
  }
  if (tvf.kind === "SESSION") requireUserMethods(aggregates, { merge: "a SESSION window" });
  refuseJsonAggregates(
    aggregates.map((a) => a.call),
    tvf.kind,
  );

  // The output rows: select items over (keys, aggregate values, window).
  // `time` is window_time: end - 1, or in a zone the instant of that wall-clock time.
  type Out = { keys: readonly unknown[]; values: unknown[]; start: number; end: number; time: number };
  const outScope = aggregateOutputScope<Out>(
    aggregates,
    aggIndex,
    keys,
    (o, a) => o.values[a],
    (o, k) => o.keys[k],
    (e) => {
      const grouping = compileGrouping<Out>(
        e,
        gs,
        expanded ? (o) => o.keys[keys.length] as number : undefined,
      );
      if (grouping !== undefined) return grouping;
      const w = isWindowColumn(e);
      if (w === undefined) return undefined;
      if (!grouped.has(w))
        throw invalid(`${w} must be in GROUP BY to be selected`, e.kind === "column" ? e.pos : undefined);
      const ev =
        w === "window_start"
          ? (o: Out) => o.start
          : w === "window_end"
            ? (o: Out) => o.end
            : (o: Out) => o.time;
      // window_start and window_end are wall-clock times; window_time is of the time attribute's type.
      return { eval: ev, type: w === "window_time" && tvf.ltz ? TIMESTAMP_LTZ3 : TIMESTAMP3 };
    },
  );
  const items = select.items.map((item, i) => {
    if (item.expr.kind === "star")
      throw invalid("SELECT * is not valid in a query with GROUP BY", select.pos);
    const name = itemName(item, i);
    const compiled = compileExpression(item.expr, outScope);
    return {
      name,
      eval: compiled.eval,
      type: compiled.type,
      isWindowTime: isWindowColumn(item.expr) === "window_time",
      windowColumn: isWindowColumn(item.expr),
      expr: item.expr,
    };
  });
  const having = select.having === undefined ? undefined : compileExpression(select.having, outScope).eval;

  const keyEvals = expanded
    ? groupingKeyEvals(
        gs,
        keys.map((k) => k.compiled),
      )
    : keys.map((k) => k.compiled.eval);
  // Where it is safe (see rowAccumulator), each row goes straight into the accumulators through
  // functions specialised per call, without per-row arrays.
  const addRow = rowAccumulator(aggregates);
  // Built-in aggregates with number accumulators (COUNT, SUM, AVG, MIN, MAX): created, merged and
  // read by functions chosen once (see plainAccumulators), as a sliding window does for every
  // slice of every key at each firing; with keys their text gives back, kept without the keys
  // (see window-accumulators.ts).
  const plain = plainAccumulators(aggregates);
  const accs =
    plain !== undefined && !expanded && keys.every((k) => keyFromText(k.compiled.type))
      ? compactAccumulators(aggregates, keys.length, addRow, plain)
      : keyedAccumulators(aggregates, keyEvals, addRow, plain);
  const build = projector<Out>(
    items.map((item) => item.name),
    items.map((item) => item.eval),
  );
  // One output scope object and values array for every firing: HAVING and the projection read
  // them at once and keep nothing of them (the row they build holds the values), so they need
  // not be allocated per key and window (with no aggregate, the values array stays empty).
  const o: Out = { keys: NONE, values: new Array(aggregates.length).fill(null), start: 0, end: 0, time: 0 };
  const toRows: ProcessWindowFunction<unknown, Row, string, TimeWindow> =
    emit !== undefined
      ? updatingRows()
      : {
          process(key, ctx, elements, out) {
            const w = ctx.window();
            const time = (w as Window).resultTimestamp?.() ?? w.end - 1;
            for (const acc of elements) {
              o.keys = accs.keys(key, acc);
              accs.results(acc, o.values);
              o.start = w.start;
              o.end = w.end;
              o.time = time;
              if (having !== undefined && having(o) !== true) continue;
              out.collect(build(o));
            }
          },
        };

  /**
   * The window function of early and late firings, as Flink's AggregateWindowOperator with the
   * Calc after it: each firing compares the window's aggregate results with those it sent before
   * (kept in the window's state until its cleanup, the end plus the allowed lateness), and sends
   * `+I` the first time, `-U` of the results before and `+U` of those now when they changed,
   * nothing when they did not. HAVING and the projection apply to each of these rows alone, so a
   * row HAVING takes only after an update comes as `+U`, and goes as `-U`; a projection that
   * hides the change still sends `-U`/`+U` (checked on bench/flink).
   *
   * A savepoint written before 752321e keeps instead the projected rows sent (`null` where HAVING
   * took none) under `window-sent-rows`: restored, the next firing retracts such a row with `-U`
   * and sends the row now as `+U` (when HAVING takes it), then keeps results as today.
   */
  function updatingRows(): ProcessWindowFunction<unknown, Row, string, TimeWindow> {
    const sent = { kind: "value" as const, name: "window-sent-results" };
    const sentRows = { kind: "value" as const, name: "window-sent-rows" };
    const values = o.values;
    return {
      process(key, ctx, elements, out) {
        const w = ctx.window();
        o.start = w.start;
        o.end = w.end;
        o.time = (w as Window).resultTimestamp?.() ?? w.end - 1;
        const send = (results: unknown[], kind: RowKind) => {
          o.values = results;
          if (having === undefined || having(o) === true) out.collect(withKind(build(o), kind));
        };
        const state = ctx.windowState().getState<unknown[][]>(sent);
        const kept = state.value();
        const before = kept ?? [];
        // Rows sent before a restore from an old savepoint: their results are unknown, so each is
        // retracted as it was projected, whatever the results now.
        const oldState =
          kept === undefined ? ctx.windowState().getState<(Row | null)[]>(sentRows) : undefined;
        const oldRows = oldState?.value();
        const after: unknown[][] = [];
        try {
          elements.forEach((acc, i) => {
            o.keys = accs.keys(key, acc);
            accs.results(acc, values);
            const next = values.slice();
            after.push(next);
            const prev = before[i];
            const oldRow = oldRows?.[i];
            if (oldRow !== undefined) {
              if (oldRow !== null) out.collect(withKind({ ...oldRow }, "-U"));
              send(next, "+U");
            } else if (prev === undefined) send(next, "+I");
            else if (!sameValues(prev, next)) {
              send(prev, "-U");
              send(next, "+U");
            }
          });
        } finally {
          o.values = values;
        }
        state.update(after);
        if (oldRows !== undefined) oldState?.clear();
      },
      clear(ctx) {
        ctx.windowState().getState<unknown[][]>(sent).clear();
        ctx.windowState().getState<(Row | null)[]>(sentRows).clear();
      },
    };
  }

  const keyOf = jsonKey(keyEvals);
  const assigner = windowAssigner(tvf);
  // A running maximum's thinning assumes each window fires once: not so with early or late firings.
  const maximum =
    emit === undefined ? windowMaximumOf(select, tvf, aggregates, keys.length, items) : undefined;
  // The rows passed on are chosen by the join planned after this aggregate (windowMaximum's
  // passOn below), if any: the operator asks for the choice once when it opens, so that with no
  // such join nothing is asked per row.
  let chosen: PassOnSelect<Row, unknown> | undefined;
  const passOn = maximum === undefined ? undefined : { tag: new OutputTag<Row>("window-maximum-candidates") };
  // Restored, the aggregate keeps the watermark it had, as Flink's WindowAggOperator: a row late
  // before the savepoint is dropped, not taken into a window that fired already.
  const windowed = stream.keyBy(keyOf).window(assigner).restoreWatermark();
  if (passOn !== undefined) windowed.passOnChosenAtOpen(passOn.tag, () => chosen);
  if (emit !== undefined)
    windowed
      .trigger(new EmitTrigger(emit.earlyDelayMs, emit.lateDelayMs) as never)
      .allowedLateness(emit.allowLatenessMs);
  const aggregated = windowed.aggregate(accs.fn, toRows);
  // An updating window aggregation is named as Flink names it, with its emit strategy: the
  // changelog mode names it as the producer of the updates (a sink refusing them says which).
  const producer =
    emit === undefined
      ? undefined
      : `WindowAggregate(groupBy=[${keys.map((k) => printExpr(k.expr)).join(", ")}], window=[${windowSpecText(tvf)}], ${emitStrategyText(emit)}, select=[${select.items
          .map((it) => printExpr(it.expr) + (it.alias === undefined ? "" : ` AS ${it.alias}`))
          .join(", ")}])`;
  const result = (producer === undefined ? aggregated : aggregated.name(producer)).stateSchema({
    ...aggregateStateSchema("WindowAggregate", keys, gs.sets.length, aggregates),
    window: `${tvf.kind}(size ${tvf.size}, slide ${tvf.slide}, offset ${tvf.offset} ms)${tvf.partitionBy.length > 0 ? ` PARTITION BY ${tvf.partitionBy.map(printExpr).join(", ")}` : ""}${tvf.zone === undefined ? "" : ` in ${tvf.zone.id}`}`,
  });
  const columns: Column[] = items.map((i) => ({ name: i.name, type: i.type }));
  // The output records carry the window's max timestamp (window_time): a selected window_time
  // stays an event-time attribute for a following window.
  // Processing-time windows give no event-time attribute, and (as in Flink) no windowed rows for a
  // window Top-N or window join, which run on event time. Their window_time is a processing-time
  // attribute instead (Flink's `TIMESTAMP_LTZ(3) *PROCTIME*`): a window over it (a cascaded
  // processing-time window) assigns its rows by the clock when they arrive, as over PROCTIME().
  // Its value, as Flink materializes it (its window operator leaves it NULL), is the job's clock
  // when the row comes out of the window, as TUMBLE_PROCTIME's.
  const proctime = tvf.time === "proctime";
  const windowTimes = items.filter((i) => i.isWindowTime).map((i) => i.name);
  const rowtime = proctime ? undefined : windowTimes[0];
  const proctimeAttribute = proctime && windowTimes.length > 0 ? windowTimes : undefined;
  let output = result;
  for (const name of proctimeAttribute ?? []) output = withProctime(output, name);
  // Selected window bounds keep the rows windowed: a window Top-N or window join may follow.
  const start = items.find((i) => i.windowColumn === "window_start")?.name;
  const end = items.find((i) => i.windowColumn === "window_end")?.name;
  // Zoned windows' bounds are wall-clock times: a window Top-N or window join after this one
  // fires them as the zone's windows fire (window.zone).
  const window =
    !proctime && start !== undefined && end !== undefined
      ? { start, end, spec: windowSpecText(tvf), zone: tvf.zone }
      : undefined;
  // An event-time window is sent once the watermark passes its end - 1 and its late rows are
  // dropped (no allowed lateness): every row's window_end is above the watermark it is sent at.
  // Not so of a zoned window, whose window_end is a wall-clock time, not an instant.
  const zoned = tvf.zone !== undefined;
  // Late firings send rows of windows the watermark has passed.
  const aboveWatermark =
    !proctime && !zoned && end !== undefined && emit === undefined
      ? { stream: result, columns: [end] }
      : undefined;
  let windowMaximum: WindowMaximum | undefined;
  // Only over the input rows as they are (no WHERE, no grouping sets' expansion).
  if (maximum !== undefined && passOn !== undefined && output === result && stream === input.stream) {
    const values: unknown[] = [null];
    const maxOf = (acc: unknown): unknown => {
      accs.results(acc, values);
      return values[0];
    };
    windowMaximum = {
      ...maximum,
      stream: result,
      input: stream,
      size: tvf.size,
      slide: tvf.slide,
      offset: tvf.offset,
      passOn(select) {
        // One reader: a second join over the same maxima keeps its plan.
        if (chosen !== undefined) return undefined;
        // The reader of a window's maximum is made once per operator's `contentsOf` (a stable
        // function of the operator), not per row: the select runs for every input row.
        let contents: ((start: number) => unknown) | undefined;
        let maxAt: (start: number) => unknown = () => undefined;
        chosen = (row, _timestamp, late, contentsOf) => {
          if (contentsOf !== contents) {
            const read = contentsOf;
            contents = read;
            maxAt = (start) => {
              const acc = read(start);
              return acc === undefined ? undefined : maxOf(acc);
            };
          }
          return select(row, late, maxAt);
        };
        return result.getSideOutput(passOn.tag);
      },
    };
  }
  return {
    stream: output,
    columns,
    rowtime,
    windowMaximum,
    ...(proctimeAttribute === undefined
      ? {}
      : { proctime: proctimeAttribute[0], proctimeCopies: proctimeAttribute }),
    window,
    aboveWatermark,
    // Updates by the window and the keys (an upsert sink keyed by them, when selected, drops each
    // -U as redundant before its +U). Not with HAVING: the -U of a row HAVING no longer takes
    // comes alone, and must delete it.
    changelog:
      producer === undefined
        ? INSERT_ONLY
        : noDeleteMode(
            producer,
            having === undefined &&
              start !== undefined &&
              end !== undefined &&
              keys.every((k) => items.some((i) => exprKey(i.expr) === exprKey(k.expr)))
              ? [
                  start,
                  end,
                  ...keys.map((k) => items.find((i) => exprKey(i.expr) === exprKey(k.expr))?.name as string),
                ]
              : undefined,
          ),
  };
}

/**
 * Refuses the emit strategy where it is not implemented: session windows (they merge, and a
 * merged window's earlier rows would need retracting) and processing-time windows (early
 * firings of a processing-time window are not supported yet), naming the option set.
 */
function refuseEmitStrategy(tvf: WindowTvf, emit: EmitStrategy): void {
  const option =
    emit.earlyDelayMs !== undefined
      ? "table.exec.emit.early-fire.enabled"
      : emit.lateDelayMs !== undefined
        ? "table.exec.emit.late-fire.enabled"
        : "table.exec.emit.allow-lateness";
  if (tvf.kind === "SESSION")
    throw unsupported(
      `'${option}' with a SESSION window`,
      tvf.pos,
      "early and late firings apply to TUMBLE, HOP and CUMULATE windows",
    );
  if (tvf.time === "proctime")
    throw unsupported(
      `'${option}' with a processing-time ${tvf.kind} window`,
      tvf.pos,
      "early and late firings apply to event-time windows",
    );
}

/**
 * What {@link Relation.windowMaximum} says of an aggregation of `select` over `tvf`, if it is
 * one: an event-time TUMBLE or HOP of instants, grouped by its window only (`keyCount` 0), no
 * WHERE or HAVING, one aggregate, `MAX(c)` without DISTINCT or FILTER over an integer column `c`
 * of the input, selected as it is, and window_end selected.
 */
function windowMaximumOf(
  select: Select,
  tvf: WindowTvf,
  aggregates: readonly AggregateCall[],
  keyCount: number,
  items: readonly {
    readonly name: string;
    readonly windowColumn: WindowColumn | undefined;
    readonly expr?: Expr;
  }[],
): Pick<WindowMaximum, "column" | "maxColumn" | "endColumn"> | undefined {
  if (tvf.kind !== "TUMBLE" && tvf.kind !== "HOP") return undefined;
  if (tvf.time !== "rowtime" || tvf.zone !== undefined) return undefined;
  if (select.where !== undefined || select.having !== undefined || keyCount !== 0) return undefined;
  if (aggregates.length !== 1) return undefined;
  const a = aggregates[0] as AggregateCall;
  const arg = a.call.args[0];
  if (a.call.name !== "MAX" || a.call.distinct || a.call.filter !== undefined || a.user !== undefined)
    return undefined;
  if (a.call.args.length !== 1 || arg?.kind !== "column") return undefined;
  const col = findColumn(tvf.input, arg.name);
  if (col?.type?.kind !== "atomic" || !INTEGER_TYPES.has(col.type.name)) return undefined;
  const maxItem = items.find((i) => i.expr?.kind === "call" && exprKey(i.expr) === exprKey(a.call));
  const endItem = items.find((i) => i.windowColumn === "window_end");
  if (maxItem === undefined || endItem === undefined) return undefined;
  return { column: col.name, maxColumn: maxItem.name, endColumn: endItem.name };
}

/**
 * The DataStream window assigner of `tvf`: in event time by the record timestamps (the rowtime),
 * in processing time by the window operator's clock when a row arrives, as Flink assigns
 * processing-time windows (a window fires on a processing-time timer at its end; at the end of a
 * bounded input the windows still open are not fired, as in Flink).
 */
function windowAssigner(tvf: WindowTvf): WindowAssigner<Row, TimeWindow> {
  const proc = tvf.time === "proctime";
  if (tvf.zone !== undefined)
    return tvf.kind === "SESSION"
      ? new ZonedSessionWindows(tvf.size, tvf.zone, !proc)
      : new ZonedAlignedWindows(tvf.kind, tvf.size, tvf.slide, tvf.offset, tvf.zone, !proc);
  switch (tvf.kind) {
    case "CUMULATE":
      return proc
        ? new CumulativeProcessingTimeWindows(tvf.slide, tvf.size, tvf.offset)
        : new CumulativeEventTimeWindows(tvf.slide, tvf.size, tvf.offset);
    case "TUMBLE":
      return proc
        ? TumblingProcessingTimeWindows.of<Row>(tvf.size, tvf.offset)
        : TumblingEventTimeWindows.of<Row>(tvf.size, tvf.offset);
    case "HOP":
      return proc
        ? SlidingProcessingTimeWindows.of<Row>(tvf.size, tvf.slide, tvf.offset)
        : SlidingEventTimeWindows.of<Row>(tvf.size, tvf.slide, tvf.offset);
    case "SESSION":
      return (proc
        ? ProcessingTimeSessionWindows.withGap<Row>(tvf.size)
        : EventTimeSessionWindows.withGap<Row>(tvf.size)) as unknown as WindowAssigner<Row, TimeWindow>;
  }
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

const GROUP_WINDOWS: Record<string, WindowTvf["kind"]> = { TUMBLE: "TUMBLE", HOP: "HOP", SESSION: "SESSION" };

/** The index of the legacy group window call (`TUMBLE(ts, ...)`...) in `select`'s GROUP BY, or -1. */
export function groupWindowAt(select: Select): number {
  return select.groupBy.findIndex(
    (g) => g.kind === "expr" && g.expr.kind === "call" && Object.hasOwn(GROUP_WINDOWS, g.expr.name),
  );
}

/**
 * Flink's legacy group windows, `GROUP BY k, TUMBLE|HOP|SESSION(ts, INTERVAL ...)` with
 * `TUMBLE_START(ts, ...)`, `TUMBLE_END`, `TUMBLE_ROWTIME`, `TUMBLE_PROCTIME` (HOP_..., SESSION_...)
 * in the select list, planned as the window TVF aggregation they equal: the window call becomes
 * the TVF over `input` (SESSION partitioned by the other keys), its auxiliary functions the window
 * columns. `..._PROCTIME` (of an event-time or processing-time window, as in Flink) is a new
 * processing-time attribute: the job's clock when the window's row comes out, which an outer
 * query's processing-time window can group by. Undefined when the GROUP BY has no such call.
 * `emit`: the early and late firings asked for (see {@link planWindowAggregate}).
 */
export function planGroupWindow(select: Select, input: Relation, emit?: EmitStrategy): Relation | undefined {
  const at = groupWindowAt(select);
  if (at < 0) return undefined;
  const call = (select.groupBy[at] as { expr: Expr & { kind: "call" } }).expr;
  const kind = GROUP_WINDOWS[call.name] as WindowTvf["kind"];
  const others = select.groupBy.filter((_, i) => i !== at);
  if (others.some((g) => g.kind !== "expr"))
    throw unsupported(`GROUPING SETS with a ${kind} group window`, select.pos, "use the window TVF");
  const time = call.args[0];
  if (time?.kind !== "column") throw invalid(`${kind}: the first argument must be the time column`, call.pos);
  const timeName = time.name.parts[time.name.parts.length - 1] as string;
  const proctime = input.proctime !== undefined && timeName === input.proctime;
  if (!proctime && (input.rowtime === undefined || timeName !== input.rowtime)) {
    throw invalid(
      `${kind}(${printExpr(time)}, ...): the time column must be the event-time attribute${input.rowtime === undefined ? " (the input has none)" : ` ${input.rowtime}`}${input.proctime === undefined ? "" : ` or the processing-time attribute ${input.proctime}`}`,
      call.pos,
    );
  }
  const iv = (i: number, what: string) => intervalArgument(call.args[i], what, kind, call.pos);
  const size = kind === "HOP" ? iv(2, "size") : iv(1, kind === "SESSION" ? "gap" : "size");
  const slide = kind === "HOP" ? iv(1, "slide") : size;
  const keys = others.map((g) => (g as { expr: Expr }).expr);
  const tvf: WindowTvf = {
    kind,
    input,
    size,
    slide,
    offset: 0,
    partitionBy: kind === "SESSION" ? keys : [],
    time: proctime ? "proctime" : "rowtime",
    ...windowTimeZone(input, timeName, proctime),
    pos: call.pos,
  };
  const column = (name: WindowColumn, pos: SourcePos): Expr => ({
    kind: "column",
    name: { parts: [name] },
    pos,
  });
  const auxiliary: Record<string, WindowColumn> = {
    [`${kind}_START`]: "window_start",
    [`${kind}_END`]: "window_end",
    [`${kind}_ROWTIME`]: "window_time",
  };
  if (proctime) {
    const rowtimeCall = select.items.find((i) => i.expr.kind === "call" && i.expr.name === `${kind}_ROWTIME`);
    // Flink's message: a processing-time window has no event time to give.
    if (rowtimeCall !== undefined)
      throw invalid(
        `${kind}_ROWTIME: A proctime window cannot provide a rowtime attribute.`,
        rowtimeCall.expr.kind === "call" ? rowtimeCall.expr.pos : call.pos,
        { function: `${kind}_ROWTIME` },
      );
  }
  // ..._PROCTIME: a NULL placeholder in the aggregation, set by the clock after it (below).
  const proctimeAt = new Set<number>();
  const items = select.items.map((item, i) => {
    const e = item.expr;
    if (e.kind === "call" && e.name === `${kind}_PROCTIME`) {
      proctimeAt.add(i);
      return { ...item, expr: { kind: "literal" as const, type: "null" as const } };
    }
    const w = e.kind === "call" ? auxiliary[e.name] : undefined;
    return w === undefined ? item : { ...item, expr: column(w, call.pos) };
  });
  // window_time is one per window: grouping by it too lets ..._ROWTIME be selected.
  const groupBy = [
    ...others,
    { kind: "expr" as const, expr: column("window_start", call.pos) },
    { kind: "expr" as const, expr: column("window_end", call.pos) },
    ...(items.some((item) => isWindowColumn(item.expr) === "window_time")
      ? [{ kind: "expr" as const, expr: column("window_time", call.pos) }]
      : []),
  ];
  const planned = planWindowAggregate({ ...select, items, groupBy }, tvf, emit);
  if (proctimeAt.size === 0) return planned;
  const names = planned.columns.filter((_, i) => proctimeAt.has(i)).map((c) => c.name);
  let stream = planned.stream;
  for (const name of names) stream = withProctime(stream, name);
  return {
    ...planned,
    stream,
    columns: planned.columns.map((c, i) => (proctimeAt.has(i) ? { ...c, type: TIMESTAMP_LTZ3 } : c)),
    proctime: names[0],
    proctimeCopies: names,
    aboveWatermark: undefined,
  };
}
