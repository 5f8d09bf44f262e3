/**
 * OVER aggregation in event time (Flink's RowTimeRowsBoundedPrecedingFunction,
 * RowTimeRangeBoundedPrecedingFunction and their unbounded variants):
 * `agg(...) OVER (PARTITION BY k ORDER BY rowtime ROWS|RANGE BETWEEN ... PRECEDING AND CURRENT
 * ROW)`. Each row is kept per partition until the watermark passes its time, then rows are taken
 * in time order and each comes out once with the aggregates over its frame: for `ROWS n
 * PRECEDING`, itself and the n rows before it; for `RANGE INTERVAL ... PRECEDING`, every row of
 * the partition whose time is within the interval before its own (rows with the same time share
 * their aggregates). A row at or before the last time a partition has emitted is late and
 * dropped, as in Flink.
 */

import { type KeyedProcessFunction, type ValueState, valueState } from "@fleuve/core";
import type { Expr, Select, WindowSpec } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import {
  type AggAcc,
  type AggregateCall,
  aggregateType,
  type CallExpr,
  children,
  compileAggregates,
  createAcc,
  inputOf,
  requireUserMethods,
  resultOf,
  updateAcc,
} from "./aggregates.js";
import { INSERT_ONLY, isInsertOnly } from "./changelog.js";
import { type Compiled, compileExpression, intervalMs, type Scope } from "./compile-expression.js";
import { refuseJsonAggregates } from "./json-aggregates.js";
import { jsonKey } from "./keys.js";
import { compileLag, OFFSET_FUNCTIONS } from "./lag.js";
import { invalid, unsupported } from "./problems.js";
import { findColumn, type Relation, rowScope } from "./relation.js";
import { isAggregateName } from "./user-functions.js";
import { type Row, setColumn } from "./values.js";

/** The OVER calls in `e` (aggregate calls with an OVER clause). */
export function collectOverCalls(e: Expr, out: CallExpr[]): void {
  if (e.kind === "call" && e.over !== undefined) {
    out.push(e);
    return;
  }
  for (const c of children(e)) collectOverCalls(c, out);
}

/** The frame of an OVER window: ROWS n / RANGE ms PRECEDING (undefined: unbounded) to the current row. */
interface Frame {
  readonly unit: "ROWS" | "RANGE";
  readonly preceding: number | undefined;
}

function frameOf(spec: WindowSpec, pos: CallExpr["pos"]): Frame {
  const f = spec.frame;
  // Flink's default with ORDER BY: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW.
  if (f === undefined) return { unit: "RANGE", preceding: undefined };
  if (f.end !== undefined && f.end.kind !== "current")
    throw unsupported("an OVER frame that ends after the current row", pos, "end the frame AND CURRENT ROW");
  const s = f.start;
  if (s.kind === "current") return { unit: f.unit, preceding: 0 };
  if (s.direction !== "PRECEDING")
    throw invalid("an OVER frame must start at or before the current row", pos);
  if (s.kind === "unbounded") return { unit: f.unit, preceding: undefined };
  if (f.unit === "ROWS") {
    const n = s.offset.kind === "literal" && s.offset.type === "number" ? Number(s.offset.text) : Number.NaN;
    if (!Number.isInteger(n) || n < 0) throw invalid("ROWS n PRECEDING takes a whole number", pos);
    return { unit: "ROWS", preceding: n };
  }
  if (s.offset.kind !== "interval")
    throw invalid("RANGE ... PRECEDING over an event time takes an INTERVAL", pos);
  return { unit: "RANGE", preceding: intervalMs(s.offset) };
}

/** Per partition: the accumulators, the rows in the frame (bounded frames), the rows waiting for the watermark. */
interface OverState {
  accs: AggAcc[];
  frame: [number, Row][];
  pending: Record<string, Row[]>;
  last: number;
}

/**
 * Plans the OVER aggregates of `select` over `input`: returns the relation of the input rows
 * with one hidden column per OVER call, and the scope that evaluates an OVER call from it.
 */
export function planOverAggregate(
  select: Select,
  input: Relation,
  calls: readonly CallExpr[],
): { relation: Relation; scope: Scope<Row> } {
  const pos = calls[0]?.pos;
  const specs = calls.map((c) => {
    const over = c.over;
    if (over === undefined || over.kind === "ref" || over.base !== undefined)
      throw unsupported("OVER w (named windows)", c.pos, "write the window in each OVER (...)");
    if (!isAggregateName(c.name) && !OFFSET_FUNCTIONS.has(c.name))
      throw unsupported(
        `${c.name}(...) OVER (...)`,
        c.pos,
        "COUNT, SUM, MIN, MAX, AVG, LAG and user aggregates run over windows",
      );
    // Flink 1.20 accepts ARRAY_AGG(x ORDER BY y) in a GROUP BY but fails converting it over a
    // window ("while converting ARRAY_AGG(... ORDER BY ...)"): refused when planned here.
    if (c.orderBy !== undefined)
      throw unsupported(
        `${c.name}(... ORDER BY ...) OVER (...)`,
        c.pos,
        "Flink 1.20 fails on it too (while converting the call); drop the ORDER BY inside the parentheses",
      );
    return over;
  });
  refuseJsonAggregates(calls, "OVER");
  const text = (s: WindowSpec) =>
    JSON.stringify({
      p: s.partitionBy.map(printExpr),
      o: s.orderBy.map((o) => printExpr(o.expr)),
      // The frame without source positions (each OVER (...) written out has its own).
      f: JSON.stringify(s.frame, (k, v) => (k === "pos" ? undefined : v)),
    });
  const spec = specs[0] as WindowSpec;
  if (specs.some((s) => text(s) !== text(spec)))
    throw unsupported("OVER aggregates over different windows in one SELECT", pos, "use one window");
  if (!isInsertOnly(input.changelog)) {
    throw unsupported(
      "OVER aggregation of an updating input",
      pos,
      `${input.changelog.producer ?? "an operator"} produces updates`,
    );
  }
  const order = spec.orderBy[0];
  const orderCol =
    order?.expr.kind === "column" ? findColumn(input, order.expr.name, order.expr.pos) : undefined;
  if (
    spec.orderBy.length !== 1 ||
    orderCol === undefined ||
    orderCol.name !== input.rowtime ||
    order?.direction === "DESC"
  ) {
    throw unsupported(
      "OVER windows not ordered by the event-time attribute",
      pos,
      `ORDER BY ${input.rowtime ?? "the table's WATERMARK column"} (ascending)`,
    );
  }
  const frame = frameOf(spec, pos);
  const inputScope = rowScope(input);
  // LAG is a window function, not an aggregate: it is compiled apart, in its place among the calls.
  const aggregateCalls = calls.filter((c) => !OFFSET_FUNCTIONS.has(c.name));
  const compiled = compileAggregates(
    aggregateCalls.map((c) => ({ ...c, over: undefined })),
    inputScope,
  ).aggregates;
  let next = 0;
  const aggregates = calls.map(
    (c): AggregateCall =>
      OFFSET_FUNCTIONS.has(c.name)
        ? {
            call: c,
            arg: undefined,
            filter: undefined,
            lag: compileLag(c, inputScope, frame.preceding !== undefined),
          }
        : (compiled[next++] as AggregateCall),
  );
  // A bounded frame retracts the rows that leave it, as Flink's bounded OVER functions do.
  if (frame.preceding !== undefined)
    requireUserMethods(aggregates, {
      retract: `a bounded ${frame.unit} OVER frame retracts the rows leaving it`,
    });
  const keys = spec.partitionBy.map((e) => compileExpression(e, inputScope).eval);
  const keyOf = jsonKey(keys);
  const rowtime = input.rowtime as string;
  const names = calls.map((_, i) => `$over${i}`);
  const producer = `OverAggregate(partitionBy=[${spec.partitionBy.map(printExpr).join(", ")}], orderBy=[${rowtime} ASC], ${frame.unit} ${frame.preceding ?? "UNBOUNDED"} PRECEDING)`;
  const stream = input.stream
    .keyBy(keyOf)
    .process(new OverFunction(aggregates, frame, names, (row) => row[rowtime] as number))
    .name(producer);
  const index = new Map<Expr, number>(calls.map((c, i) => [c, i]));
  const scope: Scope<Row> = {
    ...inputScope,
    intercept(e): Compiled<Row> | undefined {
      const i = index.get(e);
      if (i === undefined) return undefined;
      const name = names[i] as string;
      return { eval: (row) => row[name] ?? null, type: aggregateType(aggregates[i] as AggregateCall) };
    },
  };
  void select;
  return {
    relation: {
      ...input,
      stream,
      columns: [...input.columns, ...names.map((name) => ({ name }))],
      changelog: INSERT_ONLY,
    },
    scope,
  };
}

/** The per-partition OVER function (see the file's comment). */
class OverFunction implements KeyedProcessFunction<string, Row, Row> {
  private state!: ValueState<OverState>;

  constructor(
    private readonly aggregates: readonly AggregateCall[],
    private readonly frame: Frame,
    private readonly names: readonly string[],
    private readonly timeOf: (row: Row) => number,
  ) {}

  open(ctx: Parameters<NonNullable<KeyedProcessFunction<string, Row, Row>["open"]>>[0]): void {
    this.state = ctx.getState(valueState<OverState>("sql-over"));
  }

  private current(): OverState {
    return (
      this.state.value() ?? {
        accs: this.aggregates.map(createAcc),
        frame: [],
        pending: {},
        last: Number.NEGATIVE_INFINITY,
      }
    );
  }

  processElement(
    row: Row,
    ctx: Parameters<KeyedProcessFunction<string, Row, Row>["processElement"]>[1],
  ): void {
    const s = this.current();
    const ts = this.timeOf(row);
    if (ts <= s.last) return; // late for this partition
    const k = String(ts);
    const list = s.pending[k];
    if (list === undefined) {
      s.pending[k] = [row];
      ctx.timerService().registerEventTimeTimer(ts);
    } else list.push(row);
    this.state.update(s);
  }

  private update(s: OverState, row: Row, sign: 1 | -1): void {
    this.aggregates.forEach((a, i) => {
      const v = inputOf(a, row);
      if (v !== undefined) s.accs[i] = updateAcc(a, s.accs[i] as AggAcc, v, sign);
    });
  }

  private emit(s: OverState, row: Row, ts: number, out: { collect(r: Row): void }): void {
    const o: Row = { ...row };
    this.aggregates.forEach((a, i) => {
      setColumn(o, this.names[i] as string, resultOf(a, s.accs[i] as AggAcc));
    });
    void ts;
    out.collect(o);
  }

  onTimer(ts: number, _ctx: unknown, out: { collect(r: Row): void }): void {
    const s = this.current();
    const k = String(ts);
    const rows = s.pending[k] ?? [];
    delete s.pending[k];
    const { unit, preceding } = this.frame;
    if (unit === "RANGE") {
      for (const r of rows) this.update(s, r, 1);
      if (preceding !== undefined) {
        for (const r of rows) s.frame.push([ts, r]);
        while (s.frame.length > 0 && (s.frame[0] as [number, Row])[0] < ts - preceding) {
          this.update(s, (s.frame.shift() as [number, Row])[1], -1);
        }
      }
      for (const r of rows) this.emit(s, r, ts, out);
    } else {
      for (const r of rows) {
        this.update(s, r, 1);
        if (preceding !== undefined) {
          s.frame.push([ts, r]);
          if (s.frame.length > preceding + 1) this.update(s, (s.frame.shift() as [number, Row])[1], -1);
        }
        this.emit(s, r, ts, out);
      }
    }
    s.last = ts;
    this.state.update(s);
  }
}
