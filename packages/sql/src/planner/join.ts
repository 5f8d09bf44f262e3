/**
 * Joins: `l [INNER|LEFT|RIGHT|FULL] JOIN r ON ...`, planned by what the ON condition says, as
 * Flink's planner does:
 *
 * - both sides from the same window TVF and `l.window_start = r.window_start AND l.window_end =
 *   r.window_end` in ON: a **window join** (runtime/window-join.ts);
 * - a lower and an upper bound between the two sides' event-time attributes (`l.ts BETWEEN r.ts -
 *   INTERVAL ... AND r.ts + ...`, `>=`, `<`, `=` ...): an **interval join**
 *   (runtime/interval-join.ts);
 * - anything else is a **regular join** (runtime/streaming-join.ts): both sides in keyed state
 *   (expiring after `table.exec.state.ttl`), a changelog out: insert-only for an inner join of
 *   insert-only inputs, `+I`/`-D` for outer joins, the inputs' kinds forwarded by an inner join of
 *   updating inputs.
 *
 * Equalities between the two sides (`l.k = r.k`) become the key both inputs are partitioned by;
 * the whole remaining condition is evaluated on each candidate pair (so NULL keys never match).
 * A join without such an equality (`CROSS JOIN`, `FROM a, b`, `ON TRUE`, `ON l.x < r.y`) has one
 * key: all its rows meet in one subtask, as Flink runs it at parallelism 1.
 * The joined rows have the columns of both sides; a right column whose name the left side already
 * has is renamed with a numeric suffix (`id` -> `id0`), as Flink names them, and stays reachable
 * as `r.id`. `USING (c)` and `NATURAL JOIN` are planned as `ON l.c = r.c`, the joined rows having
 * the common columns once more, first (common-columns.ts).
 */

import type { DataStream } from "@fleuve/core";
import type { DataType, Expr, QualifiedName, SourcePos, TableRef } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import { type BoundJoinSpec, SqlBoundJoinOperator } from "../runtime/bound-join.js";
import { type JoinType, SqlIntervalJoinOperator } from "../runtime/interval-join.js";
import { runningMaxFilter } from "../runtime/running-max.js";
import {
  type SideExpiry,
  SqlStreamingJoinOperator,
  type StreamingJoinSpec,
} from "../runtime/streaming-join.js";
import { SqlWindowJoinOperator } from "../runtime/window-join.js";
import { windowFiring } from "../runtime/zoned-windows.js";
import { type ChangelogMode, INSERT_ONLY, isInsertOnly, unionMode, withKindOf } from "./changelog.js";
import { commonColumnsOf, paddedColumn } from "./common-columns.js";
import { compileExpression, intervalMs } from "./compile-expression.js";
import { floorMod } from "./floor-mod.js";
import { jsonKey } from "./keys.js";
import { invalid, unsupported } from "./problems.js";
import {
  aboveWatermarkColumns,
  type Column,
  type FusedPairs,
  findColumn,
  joinedColumns,
  type Relation,
  rowScope,
  sqlNameOf,
} from "./relation.js";
import { columnReader, type PairColumn, pairProjector, renamer, rowCombiner } from "./row-builders.js";
import { isTimestampType, type Row } from "./values.js";

type Side = "L" | "R";
type Cmp = "<" | "<=" | ">" | ">=" | "=";
const FLIP: Record<Cmp, Cmp> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=" };

/** Splits `a AND b AND c` into its conjuncts. */
function conjuncts(e: Expr): Expr[] {
  return e.kind === "binary" && e.op === "AND" ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

function andAll(es: readonly Expr[]): Expr | undefined {
  return es.reduce<Expr | undefined>(
    (acc, e) => (acc === undefined ? e : { kind: "binary", op: "AND", left: acc, right: e }),
    undefined,
  );
}

/** The comparisons and logical operators a condition pushed below a join may use (see {@link pushable}). */
const PUSHABLE_OPS = new Set(["AND", "OR", "=", "<>", "<", "<=", ">", ">="]);

/**
 * Whether `e` may filter one side of an inner join before the join as well as after it: columns
 * and literals under comparisons, AND, OR, NOT, IS, IN (a list) and BETWEEN, nothing else. Such a
 * condition is deterministic and cannot fail on a row, so evaluating it on every row of the side
 * (not only on the rows that find a partner) changes no result and raises no new error.
 */
function pushable(e: Expr): boolean {
  switch (e.kind) {
    case "column":
    case "literal":
      return true;
    case "unary":
      return e.op === "NOT" && pushable(e.operand);
    case "binary":
      return PUSHABLE_OPS.has(e.op) && pushable(e.left) && pushable(e.right);
    case "is":
      return (
        (e.what === "NULL" || e.what === "TRUE" || e.what === "FALSE" || e.what === "UNKNOWN") &&
        pushable(e.operand)
      );
    case "between":
      return pushable(e.operand) && pushable(e.low) && pushable(e.high);
    case "in":
      return pushable(e.operand) && e.list.every(pushable);
    default:
      return false;
  }
}

/** The state TTL (ms, undefined: forever) of a regular join's left and right rows. */
export interface SideTtl {
  readonly left: number | undefined;
  readonly right: number | undefined;
}

/**
 * Plans a join; `planRef` plans each side. `where` is the condition of the WHERE over this join,
 * which the caller still applies to the joined rows: of an inner join, its conjuncts (and those of
 * ON) that read one side only also filter that side before the join (Flink's filter push-down),
 * so that rows without a chance to be in the result are neither kept in state nor joined.
 *
 * Of the same conditions, a bound such as q7's `B.dateTime BETWEEN B1.dateTime - INTERVAL '10'
 * SECOND AND B1.dateTime` also joins the pair condition of a regular inner join, which then drops
 * the rows no later row of the other side can match (see {@link expiryBounds}).
 */
export function planJoin(
  ref: TableRef & { kind: "join" },
  planRef: (r: TableRef, where?: Expr) => Relation,
  pos: SourcePos | undefined,
  stateTtl?: number | SideTtl,
  where?: Expr,
  reads?: ReadonlySet<string>,
): Relation {
  // One TTL for both sides (table.exec.state.ttl), or one per side (a STATE_TTL hint).
  const sideTtl: SideTtl = typeof stateTtl === "object" ? stateTtl : { left: stateTtl, right: stateTtl };
  const stateTtlMs = sideTtl.left ?? sideTtl.right;
  if (ref.type === "CROSS" || ref.type === "COMMA") {
    // As Calcite reads it: an inner join ON TRUE, a regular join without an equi-key, whose rows
    // all go to one subtask (one key), as Flink's singleton distribution of such a join; unless
    // the WHERE over it has conditions across its two sides (`FROM a, b, c WHERE a.k = b.k AND
    // b.k = c.k`: the inner `a, b`), which become its ON, as Flink's FILTER_INTO_JOIN moves them.
    // The WHERE still filters the rows after the join.
    const planned = new Map<TableRef, Relation>();
    const once = (r: TableRef, w?: Expr): Relation => {
      const known = planned.get(r);
      if (known !== undefined) return known;
      const rel = planRef(r, w);
      planned.set(r, rel);
      return rel;
    };
    const across =
      where === undefined ? [] : conditionsAcross(once(ref.left, where), once(ref.right, where), where);
    const on: Expr = andAll(across) ?? { kind: "literal", type: "boolean", value: true };
    return planJoin({ ...ref, type: "INNER", on }, once, pos, sideTtl, where, reads);
  }
  const type: JoinType = ref.type;
  if (ref.natural && (ref.on !== undefined || ref.using !== undefined))
    throw invalid("cannot specify the NATURAL keyword with an ON or USING clause", ref.commonPos ?? pos);
  // Of an inner join, the ON and the WHERE over it hold for the rows of a comma or cross join
  // below it too: it may take its keys from them (see above).
  const below = type === "INNER" && ref.on !== undefined ? andOf(ref.on, where) : undefined;
  const left = planRef(ref.left, isCommaJoin(ref.left) ? below : undefined);
  const right = planRef(ref.right, isCommaJoin(ref.right) ? below : undefined);

  // The joined columns: the left side's as they are, the right side's renamed where they clash.
  const { left: leftCols, right: rightCols, rename } = joinedColumns(left, right.columns, right.alias);
  // USING / NATURAL: the condition on the common columns, which the joined rows have once more, first.
  const common =
    ref.natural || ref.using !== undefined ? commonColumnsOf(ref, type, leftCols, rightCols, pos) : undefined;
  const on = common?.on ?? ref.on;
  if (on === undefined) throw invalid(`${type} JOIN needs an ON condition`, pos);
  const leftNames = new Set(leftCols.map((c) => c.name));
  // The columns conditions are read over; the relation's columns are `outColumns`.
  const joined = { columns: common?.analysis ?? [...leftCols, ...rightCols] };
  const outColumns = outerColumns(type, leftCols, rightCols, common?.columns ?? joined.columns);
  const sideOf = (c: Column): Side => (leftNames.has(c.name) ? "L" : "R");
  const sidesOf = (e: Expr): Set<Side> => {
    const s = new Set<Side>();
    compileExpression(
      e,
      rowScope(joined, "the join", (c) => s.add(sideOf(c))),
    );
    return s;
  };
  const resolve = (e: Expr): Column | undefined =>
    e.kind === "column" ? findColumn(joined, e.name, e.pos) : undefined;

  const leftTime = left.rowtime;
  const rightTime = right.rowtime === undefined ? undefined : rename.get(right.rowtime);
  /** `side.rowtime [+|- INTERVAL ...]` as (side, offset ms). */
  const timeRef = (e: Expr): { side: Side; offset: number } | undefined => {
    if (e.kind === "column") {
      const c = resolve(e);
      if (c !== undefined && (c.name === leftTime || c.name === rightTime))
        return { side: sideOf(c), offset: 0 };
      return undefined;
    }
    if (e.kind === "binary" && (e.op === "+" || e.op === "-")) {
      const sign = e.op === "+" ? 1 : -1;
      if (e.right.kind === "interval") {
        const t = timeRef(e.left);
        return t && { side: t.side, offset: t.offset + sign * intervalMs(e.right) };
      }
      if (e.left.kind === "interval" && e.op === "+") {
        const t = timeRef(e.right);
        return t && { side: t.side, offset: t.offset + intervalMs(e.left) };
      }
    }
    return undefined;
  };

  let lower: number | undefined;
  let upper: number | undefined;
  /** Adds `l.ts op r.ts + k`. */
  const bound = (op: Cmp, k: number) => {
    if (op === ">=" || op === ">" || op === "=") {
      const lo = op === ">" ? k + 1 : k;
      lower = lower === undefined ? lo : Math.max(lower, lo);
    }
    if (op === "<=" || op === "<" || op === "=") {
      const hi = op === "<" ? k - 1 : k;
      upper = upper === undefined ? hi : Math.min(upper, hi);
    }
  };
  /** `a op b` between the two sides' time attributes, normalized to `l.ts op r.ts + k`. */
  const timeComparison = (a: Expr, op: Cmp, b: Expr): boolean => {
    const x = timeRef(a);
    const y = timeRef(b);
    if (x === undefined || y === undefined || x.side === y.side) return false;
    if (x.side === "L") bound(op, y.offset - x.offset);
    else bound(FLIP[op], x.offset - y.offset);
    return true;
  };

  let startEq = false;
  let endEq = false;
  const keysLeft: Expr[] = [];
  const keysRight: Expr[] = [];
  const timeConds: Expr[] = [];
  const rest: Expr[] = [];
  for (const c of conjuncts(on)) {
    if (c.kind === "binary" && c.op === "=" && left.window && right.window) {
      const a = resolve(c.left);
      const b = resolve(c.right);
      if (a !== undefined && b !== undefined) {
        const names = new Set([a.name, b.name]);
        const ls = left.window.start;
        const rs = rename.get(right.window.start);
        const le = left.window.end;
        const re = rename.get(right.window.end);
        if (names.has(ls) && rs !== undefined && names.has(rs)) {
          startEq = true;
          continue;
        }
        if (names.has(le) && re !== undefined && names.has(re)) {
          endEq = true;
          continue;
        }
      }
    }
    if (
      c.kind === "binary" &&
      (c.op === "<" || c.op === "<=" || c.op === ">" || c.op === ">=" || c.op === "=")
    ) {
      if (timeComparison(c.left, c.op, c.right)) {
        timeConds.push(c);
        continue;
      }
    }
    if (
      c.kind === "between" &&
      !c.not &&
      !c.symmetric &&
      timeRef(c.operand) &&
      timeRef(c.low) &&
      timeRef(c.high)
    ) {
      const lo = lower;
      const hi = upper;
      if (timeComparison(c.operand, ">=", c.low) && timeComparison(c.operand, "<=", c.high)) {
        timeConds.push(c);
        continue;
      }
      lower = lo;
      upper = hi;
    }
    rest.push(c);
    if (c.kind === "binary" && c.op === "=") {
      const a = sidesOf(c.left);
      const b = sidesOf(c.right);
      if (a.size === 1 && b.size === 1 && !a.has("R") && !b.has("L")) {
        keysLeft.push(c.left);
        keysRight.push(c.right);
      } else if (a.size === 1 && b.size === 1 && a.has("R") && b.has("L")) {
        keysLeft.push(c.right);
        keysRight.push(c.left);
      }
    }
  }

  const scope = rowScope(joined, "the join");
  // Projection push-down (Flink's ProjectJoinTransposeRule): of an insert-only side, only the
  // columns the query reads anywhere go into the join (and its state, which keeps every row of
  // a regular join for good); the others are left out of the rows. The relation keeps all its
  // columns for name resolution: nothing reads the ones left out. An updating side keeps its
  // whole rows, so that a retraction finds the row a savepoint of an earlier plan kept.
  const readsColumn = (c: Column) =>
    reads === undefined ||
    reads.has(c.name) ||
    reads.has(sqlNameOf(c)) ||
    common?.sideColumns.has(c.name) === true;
  const leftKept = isInsertOnly(left.changelog) ? leftCols.filter(readsColumn) : leftCols;
  const rightKept = isInsertOnly(right.changelog) ? rightCols.filter(readsColumn) : rightCols;
  const combine = rowCombiner(
    leftKept.map((c) => c.name),
    rightKept.map((c) => c.name),
    common?.values,
  );
  const predicate = (cond: Expr) => pairPredicate(cond, joined, leftNames);
  const keyOf = (exprs: Expr[]) => {
    return jsonKey(exprs.map((e) => compileExpression(e, scope).eval));
  };
  // Filter push-down (inner joins): the conditions stay where they are too (the join's ON on
  // every pair, the WHERE after the join), so rows a savepoint of a plan without the push-down
  // kept in the join's state still join exactly as before.
  const pushed: Record<Side, Expr[]> = { L: [], R: [] };
  if (type === "INNER") {
    for (const c of [...rest, ...(where === undefined ? [] : conjuncts(where))]) {
      if (!pushable(c)) continue;
      let sides: Set<Side>;
      try {
        sides = sidesOf(c);
      } catch {
        continue; // not a condition on the joined columns (reported where it is applied)
      }
      if (sides.size === 1) pushed[sides.has("L") ? "L" : "R"].push(c);
    }
  }
  const inverse = new Map([...rename].map(([own, renamed]) => [renamed, own]));
  /** `stream` of side `side` without the rows the pushed-down conditions reject. */
  const pushDown = (stream: DataStream<Row>, side: Side): DataStream<Row> => {
    const cond = andAll(pushed[side]);
    if (cond === undefined) return stream;
    // Compiled over the joined columns, each read from the side's row by its own name.
    const test = compileExpression(cond, {
      column(name, p) {
        const col = findColumn(joined, name, p) as Column;
        const own = side === "L" ? col.name : (inverse.get(col.name) ?? col.name);
        return { eval: columnReader(own), type: col.type };
      },
    }).eval;
    return stream.filter((row) => test(row) === true).name(`Calc(where=[${printExpr(cond)}])`);
  };
  // q7's shape: one side's rows thinned where the window aggregate on the other takes them.
  const thinned =
    type === "INNER" &&
    stateTtlMs === undefined &&
    !(left.window !== undefined && right.window !== undefined && (startEq || endEq)) &&
    !(lower !== undefined && upper !== undefined && leftTime !== undefined && rightTime !== undefined)
      ? thinnedByMaximum(
          left,
          right,
          rename,
          [...timeConds, ...rest, ...(where === undefined ? [] : conjuncts(where))],
          joined,
          sideOf,
          resolve,
        )
      : undefined;
  const belowMax =
    thinned === undefined && type === "INNER" && startEq && endEq
      ? thinnedBelowMaximum(left, right, rename, rest, sideOf, resolve)
      : undefined;
  const leftPushed = pushDown(thinned?.side === "L" ? thinned.stream : (belowMax ?? left.stream), "L");
  const leftStream =
    leftKept.length === leftCols.length
      ? leftPushed
      : (() => {
          const names = leftKept.map((c) => c.name);
          return leftPushed.map(renamer(names, names)).name(`Calc(select=[${names.join(", ")}])`);
        })();
  const rightStream = pushDown(thinned?.side === "R" ? thinned.stream : right.stream, "R");
  const renamedRight =
    rightKept.length === rightCols.length && [...rename].every(([a, b]) => a === b)
      ? rightStream
      : (() => {
          const names = rightKept.map((c) => c.name);
          const renameRow = renamer(
            names,
            names.map((n) => inverse.get(n) ?? n),
          );
          // The kind travels with the row: without it an updating right side's -U/-D would join
          // as inserts (an insert-only side has none to carry).
          const mapped = isInsertOnly(right.changelog)
            ? rightStream.map(renameRow)
            : rightStream.map((row) => withKindOf(renameRow(row), row));
          return rightKept.length === rightCols.length
            ? mapped
            : mapped.name(`Calc(select=[${rightKept.map((c) => sqlNameOf(c)).join(", ")}])`);
        })();
  const connected = leftStream.connect(renamedRight).keyBy(keyOf(keysLeft), keyOf(keysRight));

  const insertOnly = () => {
    for (const side of [left, right]) {
      if (!isInsertOnly(side.changelog)) {
        throw unsupported(
          "an interval or window join of an updating input",
          pos,
          `${side.changelog.producer ?? "an operator"} produces updates; interval and window joins take insert-only inputs`,
        );
      }
    }
  };
  if (left.window !== undefined && right.window !== undefined && startEq && endEq) {
    insertOnly();
    if (left.window.spec !== right.window.spec) {
      throw invalid(
        `a window join needs the same window TVF on both sides: ${left.window.spec} and ${right.window.spec}`,
        pos,
      );
    }
    const cond = andAll([...timeConds, ...rest]);
    const matches = cond === undefined ? () => true : predicate(cond);
    const le = left.window.end;
    const re = rename.get(right.window.end) as string;
    // The same spec text: both sides' windows are of the same zone's wall clock, or of instants.
    const zone = left.window.zone;
    const stream = connected.transform(
      `WindowJoin(${type}, ${left.window.spec})`,
      () =>
        new SqlWindowJoinOperator({
          type,
          leftEnd: (row) => row[le] as number,
          rightEnd: (row) => row[re] as number,
          firing: windowFiring(zone),
          matches,
          combine,
        }),
    );
    return { stream, columns: outColumns, changelog: INSERT_ONLY };
  }
  if (left.window !== undefined && right.window !== undefined && (startEq || endEq)) {
    throw unsupported(
      "a window join on only one of window_start and window_end",
      pos,
      "join on both l.window_start = r.window_start and l.window_end = r.window_end",
    );
  }
  if (lower !== undefined && upper !== undefined && leftTime !== undefined && rightTime !== undefined) {
    insertOnly();
    if (lower > upper)
      throw invalid(`the time bounds of the join admit no pair (${lower} > ${upper} ms)`, pos);
    const cond = andAll(rest);
    const matches = cond === undefined ? () => true : predicate(cond);
    const lt = leftTime;
    const rt = rightTime;
    const rightRowtime = type === "RIGHT";
    const stream = connected.transform(
      `IntervalJoin(${type}, ${lower}..${upper} ms)`,
      () =>
        new SqlIntervalJoinOperator({
          type,
          lower: lower as number,
          upper: upper as number,
          leftTime: (row) => row[lt] as number,
          rightTime: (row) => row[rt] as number,
          matches,
          combine,
          outputTime: (_out, l, r) =>
            rightRowtime
              ? r !== null
                ? (r[rt] as number)
                : (l?.[lt] as number)
              : l !== null
                ? (l[lt] as number)
                : (r?.[rt] as number),
        }),
    );
    // The padded side of an outer join has NULL times: only the kept side's time stays a time attribute.
    const rowtime = type === "INNER" || type === "LEFT" ? lt : type === "RIGHT" ? rt : undefined;
    // Both sides' times stay time attributes in Flink: an INSERT of both is refused (sinkInto).
    const moreRowtimes = type === "INNER" && rt !== undefined ? [rt] : undefined;
    return { stream, columns: outColumns, rowtime, moreRowtimes, changelog: INSERT_ONLY };
  }
  // A regular join: both sides in keyed state; time predicates, if any, are ordinary conditions.
  const whereConds = where === undefined ? [] : conjuncts(where);
  const onConds = [...timeConds, ...rest];
  const expiry: { left?: SideExpiry; right?: SideExpiry } = {};
  const intoJoin = new Set<Expr>();
  const expiryNotes: string[] = [];
  // Only an insert-only inner side without TTL keeps its rows in the list the operator sweeps.
  if (type === "INNER" && stateTtlMs === undefined) {
    const aboveOf = (side: Side): ReadonlySet<string> =>
      new Set(
        side === "L"
          ? aboveWatermarkColumns(left)
          : aboveWatermarkColumns(right).flatMap((c) => rename.get(c) ?? []),
      );
    const bounds = expiryBounds([...onConds, ...whereConds], joined, sideOf, aboveOf("L"), aboveOf("R"));
    for (const side of ["L", "R"] as const) {
      // The earliest expiry of the side's rows: the smallest offset (one column's bounds).
      const found = bounds.filter((b) => b.side === side).sort((a, b) => a.offset - b.offset)[0];
      if (found === undefined || !isInsertOnly((side === "L" ? left : right).changelog)) continue;
      if (whereConds.includes(found.conjunct)) intoJoin.add(found.conjunct);
      const { column, offset } = found;
      const until = (row: Row): number | null => {
        const t = row[column];
        return typeof t === "number" ? t + offset : null;
      };
      // Swept about once per bound (at least each second): rows stay at most about twice as long as needed.
      const e: SideExpiry = { until, sweepEveryMs: Math.max(1000, offset) };
      if (side === "L") expiry.left = e;
      else expiry.right = e;
      const other = side === "L" ? "right" : "left";
      const o = offset === 0 ? "" : offset > 0 ? ` + ${offset} ms` : ` - ${-offset} ms`;
      expiryNotes.push(
        `${side === "L" ? "left" : "right"} rows until the ${other} watermark passes ${column}${o}`,
      );
    }
  }
  if (thinned !== undefined) expiryNotes.push(thinned.note);
  // The bound join's probe (runtime/bound-join.ts): an upper bound of the bounded side's time.
  let probe: BoundJoinSpec["probe"];
  const boundedSide = expiry.left !== undefined ? "L" : expiry.right !== undefined ? "R" : undefined;
  if (boundedSide !== undefined && (expiry.left === undefined || expiry.right === undefined)) {
    const found = probeBounds([...onConds, ...whereConds], joined, sideOf).find(
      (b) => b.side === boundedSide,
    );
    if (found !== undefined) {
      if (whereConds.includes(found.conjunct)) intoJoin.add(found.conjunct);
      const { column, otherColumn, offset } = found;
      probe = {
        probeFrom: (row) => {
          const t = row[column];
          return typeof t === "number" ? t + offset : null;
        },
        otherTime: (row) => {
          const t = row[otherColumn];
          return typeof t === "number" ? t : null;
        },
      };
    }
  }
  // The WHERE still filters the joined rows after the join (see the push-down above).
  const cond = andAll([...onConds, ...intoJoin]);
  const matches = cond === undefined ? () => true : predicate(cond);
  const joinType = {
    INNER: "InnerJoin",
    LEFT: "LeftOuterJoin",
    RIGHT: "RightOuterJoin",
    FULL: "FullOuterJoin",
  }[type];
  // The name as before the expiry (a keyed operator without a state schema is identified by its
  // name in savepoints): the ON as written, the expiry noted for EXPLAIN beside it.
  const producer = `Join(joinType=[${joinType}], where=[${printExpr(on)}])`;
  const bounded = boundedSide;
  // The pairs' rows; a projection right over the join may replace it (see `fuse` below) before
  // the job runs: the operators are created then and read it.
  let pairRow = combine;
  // Set by a Top-1 right over the fused projection (rank.ts), before the job runs as pairRow.
  let topOneDrops: StreamingJoinSpec["topOneDrops"];
  // The regular join's graph node, for EXPLAIN's notes of its state (joinStateNotes).
  let node: object | undefined;
  const joinProjection = fusibleProjection(
    leftKept.map((c) => c.name),
    rightKept.map((c) => c.name),
    common === undefined,
    (projector) => {
      pairRow = projector;
    },
    (drops) => {
      topOneDrops = drops;
      // EXPLAIN says so: the pairs the Top-1 drops are never built nor sent.
      if (node !== undefined)
        joinStateNotes.set(node, [...expiryNotes, "pairs the Top-1 above drops not built"].join("; "));
    },
  );
  if (
    bounded !== undefined &&
    (expiry.left === undefined || expiry.right === undefined) &&
    isInsertOnly(left.changelog) &&
    isInsertOnly(right.changelog)
  ) {
    // Inner, insert-only, one side bounded by the other's watermark (q7): that side is buffered
    // in arrival order, not per key (runtime/bound-join.ts). Named for what it is, with the
    // regular join's state schema, so that a savepoint of the regular join restores into it.
    const e = (bounded === "L" ? expiry.left : expiry.right) as SideExpiry;
    const stream = connected
      .transform(
        `${producer.slice(0, -1)}, buffered=[${expiryNotes.join("; ")}])`,
        () =>
          new SqlBoundJoinOperator({
            boundedIsLeft: bounded === "L",
            matches,
            combine: pairRow,
            until: e.until,
            sweepEveryMs: e.sweepEveryMs,
            boundedColumns: (bounded === "L" ? leftKept : rightKept).map((c) => ({
              name: c.name,
              numeric: isNumberValued(c.type),
            })),
            probe,
          }),
      )
      .stateSchema({ operator: producer });
    return { stream, columns: outColumns, changelog: INSERT_ONLY, joinProjection: joinProjection(stream) };
  }
  const stream = connected.transform(
    producer,
    () =>
      new SqlStreamingJoinOperator({
        type,
        matches,
        combine: pairRow,
        stateTtlMs: sideTtl,
        insertOnly: { left: isInsertOnly(left.changelog), right: isInsertOnly(right.changelog) },
        expiry,
        topOneDrops,
      }),
  );
  node = stream.inputs[0]?.node;
  if (node !== undefined && expiryNotes.length > 0) joinStateNotes.set(node, expiryNotes.join("; "));
  let changelog: ChangelogMode;
  if (type !== "INNER") changelog = { kinds: ["+I", "-D"], producer };
  else if (isInsertOnly(left.changelog) && isInsertOnly(right.changelog)) changelog = INSERT_ONLY;
  else {
    const u = unionMode(left.changelog, right.changelog);
    changelog = { kinds: u.kinds, producer: u.producer };
  }
  // A regular join's rows have no event-time attribute (as in Flink: they may come out at any time).
  return { stream, columns: outColumns, changelog, joinProjection: joinProjection(stream) };
}

/**
 * The joined relation's columns as an outer join of `type` gives them: those of a side that may
 * be padded with NULLs (see {@link paddedColumn}) nullable. The common columns of USING /
 * NATURAL (neither side's own) have their types already (common-columns.ts). The conditions are
 * still read over the sides' own types: ON sees the rows before any padding.
 */
function outerColumns(
  type: JoinType,
  leftCols: readonly Column[],
  rightCols: readonly Column[],
  cols: readonly Column[],
): readonly Column[] {
  if (type === "INNER") return cols;
  const padded = new Set<string>();
  if (type === "RIGHT" || type === "FULL") for (const c of leftCols) padded.add(c.name);
  if (type === "LEFT" || type === "FULL") for (const c of rightCols) padded.add(c.name);
  return cols.map((c) => (padded.has(c.name) ? paddedColumn(c) : c));
}

/** The SQL types whose values are JavaScript numbers (NULL aside): kept unboxed by the bound join. */
const NUMBER_VALUED = new Set([
  "TINYINT",
  "SMALLINT",
  "INT",
  "INTEGER",
  "BIGINT",
  "FLOAT",
  "REAL",
  "DOUBLE",
  "TIMESTAMP",
  "TIMESTAMP_LTZ",
]);

/**
 * Whether the values of type `t` are expected to be numbers (a wrong guess costs only speed: the
 * bound join's column falls back to a plain array at its first value that is not a number).
 */
function isNumberValued(t: DataType | undefined): boolean {
  return t !== undefined && t.kind === "atomic" && NUMBER_VALUED.has(t.name);
}

/**
 * The {@link Relation.joinProjection} of a regular join whose pairs' rows have columns `left`
 * and `right` (read from the left and the right row under the same key), `setPairRow` replacing
 * the function that builds them, `setTopOneDrops` the join's test of pairs for a Top-1 over the
 * projection. A join with merged common columns (`USING`, `NATURAL`) is not fused. Fused at most
 * once: the projection is then the only reader of the join's rows.
 */
function fusibleProjection(
  left: readonly string[],
  right: readonly string[],
  fusible: boolean,
  setPairRow: (projector: (l: Row | null, r: Row | null) => Row) => void,
  setTopOneDrops: FusedPairs["setTopOneDrops"],
): (stream: DataStream<Row>) => Relation["joinProjection"] {
  const leftNames = new Set(left);
  const rightNames = new Set(right);
  let fused = false;
  return (stream) =>
    !fusible
      ? undefined
      : {
          stream,
          fuse(columns) {
            if (fused) return undefined;
            const pair: PairColumn[] = [];
            for (const { name, from } of columns) {
              if (leftNames.has(from)) pair.push({ name, side: "left", from });
              else if (rightNames.has(from)) pair.push({ name, side: "right", from });
              else return undefined;
            }
            fused = true;
            setPairRow(pairProjector(pair));
            return { columns: pair, setTopOneDrops };
          },
        };
}

/**
 * The names a SELECT may read columns of its FROM by: every part of every column reference in
 * it (`A.id` gives `A` and `id`), subqueries and the join conditions included, so a superset of
 * what it reads. Undefined when it reads whole rows (`*`, `t.*`, other than `COUNT(*)`): then no
 * column may be left out.
 */
export function namesReadBy(select: unknown): ReadonlySet<string> | undefined {
  const names = new Set<string>();
  let whole = false;
  const visit = (n: unknown, callArg: boolean): void => {
    if (whole || n === null || typeof n !== "object") return;
    if (Array.isArray(n)) {
      for (const x of n) visit(x, callArg);
      return;
    }
    const o = n as { readonly kind?: unknown; readonly name?: QualifiedName; readonly qualifier?: unknown };
    if (o.kind === "column" && o.name !== undefined) {
      for (const p of o.name.parts) names.add(p);
      return;
    }
    if (o.kind === "star") {
      if (!callArg || o.qualifier !== undefined) whole = true;
      return;
    }
    for (const [k, v] of Object.entries(o)) visit(v, o.kind === "call" && k === "args");
  };
  visit(select, false);
  return whole ? undefined : names;
}

/**
 * Nexmark q5's shape, `S JOIN (SELECT MAX(c) AS m, s, e FROM S' GROUP BY s, e) ON S.ws = s AND
 * S.we = e AND S.c >= m` (or `m <= S.c`), an inner window join of the rows of a window
 * aggregation S with the maxima of c over every one of those same rows per window (S' reads S
 * again through a projection that drops no row, as a shared window aggregation does:
 * {@link Relation.attachedMaximum}): the rows of S with those below the running maximum of c in
 * their window dropped before the join (runtime/running-max.ts). Such a row is in no pair: the
 * running maximum is over rows of the same window of S, each of them in the window's MAX (S's
 * rows are never late: {@link Relation.aboveWatermark}), so the MAX is at least it. Undefined
 * (the plan as without it) for any other shape, and for session windows.
 */
function thinnedBelowMaximum(
  left: Relation,
  right: Relation,
  rename: ReadonlyMap<string, string>,
  rest: readonly Expr[],
  sideOf: (c: Column) => Side,
  resolve: (e: Expr) => Column | undefined,
): DataStream<Row> | undefined {
  const m = right.attachedMaximum;
  const w = left.window;
  if (m === undefined || w === undefined || right.window === undefined) return undefined;
  // The window join pairs rows by window end alone (as Flink's does): session windows of
  // different partitions end alike from different starts, so a row below its own window's
  // maximum may still meet another window's smaller one.
  if (w.spec.startsWith("SESSION")) return undefined;
  if (m.stream !== right.stream || m.rows !== left.stream || !isInsertOnly(left.changelog)) return undefined;
  // The join's window columns are the very fields the maxima were grouped by.
  if (w.start !== m.rowsStart || w.end !== m.rowsEnd) return undefined;
  if (right.window.start !== m.startColumn || right.window.end !== m.endColumn) return undefined;
  if (!aboveWatermarkColumns(left).includes(w.end)) return undefined;
  const maxName = rename.get(m.maxColumn) ?? m.maxColumn;
  const isColumn = (e: Expr, side: Side, name: string) => {
    const c = resolve(e);
    return c !== undefined && c.name === name && sideOf(c) === side;
  };
  const atLeast = rest.some(
    (c) =>
      c.kind === "binary" &&
      ((c.op === ">=" && isColumn(c.left, "L", m.column) && isColumn(c.right, "R", maxName)) ||
        (c.op === "<=" && isColumn(c.right, "L", m.column) && isColumn(c.left, "R", maxName))),
  );
  if (!atLeast) return undefined;
  const { column, rowsStart, rowsEnd } = m;
  const firing = windowFiring(w.zone);
  return left.stream
    .process(
      runningMaxFilter({
        use: "atLeastMax",
        value: (row) => row[column],
        start: (row) => row[rowsStart] as number,
        end: (row) => row[rowsEnd] as number,
        fireAt: (end) => firing.fireAt(end),
      }),
    )
    .name(`Calc(where=[${column} >= its window's running MAX(${column})])`);
}

/** The most windows whose maximum one row may match for which {@link thinnedByMaximum} applies. */
const MAX_MATCHABLE_WINDOWS = 8;

/**
 * Nexmark q7's shape, `S JOIN (SELECT MAX(c) AS m, window_end AS e FROM TABLE(TUMBLE|HOP(TABLE S,
 * ...)) GROUP BY window_start, window_end) ON S.c = m AND <S.t bounded by e from both sides>`, S
 * on either side, the aggregate over the very stream of S's rows (one relation, no filter or
 * projection between: {@link Relation.windowMaximum}): the rows of S, taken from the aggregate,
 * which passes on only those that may be in a pair instead of every one (the join would keep
 * them all until their windows' maxima are known, most of q7's CPU, docs/benchmarks.md). A row
 * of S is in a pair only if its c equals the final maximum of a window whose end its time bounds
 * admit (`t + lo <= end <= t + hi`, from the conjuncts of ON and WHERE). The aggregate passes on
 * a row that it dropped as late (in no maximum, it may still equal any), and a row with c at or
 * above the current maximum of one of those windows, or for which one of them has no row yet or
 * has already fired; any other row has c below a maximum that can only grow, in each window it
 * could match. Decided by the aggregate, on its own watermark and contents, because which rows
 * are in a maximum is the aggregate's lateness decision, which the join cannot see. Undefined
 * (the plan as without it) for any other shape, or if one row may match more than
 * {@link MAX_MATCHABLE_WINDOWS} windows.
 */
function thinnedByMaximum(
  left: Relation,
  right: Relation,
  rename: ReadonlyMap<string, string>,
  conds: readonly Expr[],
  joined: { readonly columns: readonly Column[] },
  sideOf: (c: Column) => Side,
  resolve: (e: Expr) => Column | undefined,
): { side: Side; stream: DataStream<Row>; note: string } | undefined {
  const inverse = new Map([...rename].map(([own, renamed]) => [renamed, own]));
  for (const [s, a] of [
    ["L", "R"],
    ["R", "L"],
  ] as const) {
    const rows = s === "L" ? left : right;
    const agg = s === "L" ? right : left;
    const m = agg.windowMaximum;
    if (
      m === undefined ||
      m.stream !== agg.stream ||
      m.input !== rows.stream ||
      !isInsertOnly(rows.changelog)
    )
      continue;
    /** The name in the joined rows of column `own` of side `side`, and back. */
    const joinedName = (side: Side, own: string) => (side === "L" ? own : (rename.get(own) ?? own));
    const ownName = (side: Side, name: string) => (side === "L" ? name : (inverse.get(name) ?? name));
    const maxName = joinedName(a, m.maxColumn);
    const endName = joinedName(a, m.endColumn);
    const valueName = joinedName(s, m.column);
    const isColumn = (e: Expr, side: Side, name: string) => {
      const c = resolve(e);
      return c !== undefined && c.name === name && sideOf(c) === side;
    };
    const equal = conds.some(
      (c) =>
        c.kind === "binary" &&
        c.op === "=" &&
        ((isColumn(c.left, s, valueName) && isColumn(c.right, a, maxName)) ||
          (isColumn(c.right, s, valueName) && isColumn(c.left, a, maxName))),
    );
    if (!equal) continue;
    // end <= t + hi (the end is the only column of the aggregate above its watermark) and end >= t + lo.
    const above = new Set([endName]);
    const none = new Set<string>();
    const highs = expiryBounds(
      conds,
      joined,
      sideOf,
      s === "L" ? none : above,
      s === "L" ? above : none,
    ).filter((b) => b.side === s);
    const lows = probeBounds(conds, joined, sideOf).filter((b) => b.side === s && b.otherColumn === endName);
    let best: { column: string; lo: number; hi: number } | undefined;
    for (const h of highs) {
      const ls = lows.filter((l) => l.column === h.column);
      if (ls.length === 0) continue;
      const lo = Math.max(...ls.map((l) => l.offset));
      const hi = Math.min(...highs.filter((x) => x.column === h.column).map((x) => x.offset));
      if (best === undefined || hi - lo < best.hi - best.lo) best = { column: h.column, lo, hi };
    }
    if (best === undefined || best.hi < best.lo) continue;
    if (Math.floor((best.hi - best.lo) / m.slide) + 1 > MAX_MATCHABLE_WINDOWS) continue;
    const { lo, hi } = best;
    const { size, slide, offset } = m;
    const valueOwn = m.column;
    const timeOwn = ownName(s, best.column);
    // The last maximum read, of the window starting at `knownStart`, by this reader `knownOf`
    // (one per aggregate operator): a window's maximum only grows, and the one it sends is at
    // least any it had, so a row below it cannot equal that window's maximum, fired since or not,
    // and needs no read of the aggregate's state (most rows: q7's bids below their window's top).
    let knownOf: unknown;
    let knownStart = Number.NaN;
    let knownMax = Number.NaN;
    const stream = m.passOn((row, late, maxOf) => {
      const c = row[valueOwn];
      // NULL is never equal to a maximum.
      if (c === null || c === undefined) return false;
      if (late || typeof c !== "number") return true;
      const t = row[timeOwn];
      if (typeof t !== "number") return true;
      if (maxOf !== knownOf) {
        knownOf = maxOf;
        knownStart = Number.NaN;
      }
      // The starts of the windows whose end lies in [t + lo, t + hi].
      const from = t + lo - size;
      const r = floorMod(from - offset, slide);
      for (let start = r === 0 ? from : from - r + slide; start <= t + hi - size; start += slide) {
        if (start === knownStart && c < knownMax) continue;
        const max = maxOf(start);
        if (typeof max !== "number" || c >= max) return true;
        knownStart = start;
        knownMax = max;
      }
      return false;
    });
    if (stream === undefined) continue;
    const side = s === "L" ? "left" : "right";
    const ms = (k: number) => (k === 0 ? "" : ` ${k > 0 ? "+" : "-"} ${Math.abs(k)} ms`);
    return {
      side: s,
      stream,
      note: `${side} rows passed on by the window aggregate, only if late for it or at least the current maximum of a window ending in [${best.column}${ms(lo)}, ${best.column}${ms(hi)}]`,
    };
  }
  return undefined;
}

/** What EXPLAIN adds to a regular join's state: which rows expire (by graph node). */
export const joinStateNotes = new WeakMap<object, string>();

/** A side's rows can match no later row of the other side once its watermark reaches `row[column] + offset`. */
interface ExpiryBound {
  readonly side: Side;
  readonly column: string;
  readonly offset: number;
  /** The conjunct that says so. */
  readonly conjunct: Expr;
}

/**
 * The bounds in `conds` (conjuncts of an inner join's condition) after which a side's rows can no
 * longer match: `s.t >= o.e + k` (or `>`, or `BETWEEN o.e + k AND ...`), `s.t` a timestamp column
 * of side s, `o.e` a column of the other side whose value is above that side's watermark in every
 * row it sends ({@link Relation.aboveWatermark}: a window aggregate's window_end). A row of s
 * matches only rows of o with `o.e <= s.t - k`, and every later row of o has `o.e` above o's
 * current watermark W; so once `s.t - k <= W`, no later row matches and the row may be dropped
 * (the row has already joined the rows of o that came before). Unlike an interval join, nothing
 * here depends on s's own watermark: a late row of s still joins all rows of o it matches.
 */
function expiryBounds(
  conds: readonly Expr[],
  joined: { readonly columns: readonly Column[] },
  sideOf: (c: Column) => Side,
  aboveLeft: ReadonlySet<string>,
  aboveRight: ReadonlySet<string>,
): ExpiryBound[] {
  const found: ExpiryBound[] = [];
  const ref = (e: Expr) => timeColumnRef(e, joined);
  /** `a >= b` (or `>`), as a bound of a's side when b is above the other side's watermark. */
  const atLeast = (a: Expr, b: Expr, conjunct: Expr) => {
    const x = ref(a);
    const y = ref(b);
    if (x === undefined || y === undefined) return;
    const side = sideOf(x.col);
    if (sideOf(y.col) === side || !(side === "L" ? aboveRight : aboveLeft).has(y.col.name)) return;
    // x.col + x.offset >= y.col + y.offset: y.col <= x.col + (x.offset - y.offset).
    found.push({ side, column: x.col.name, offset: x.offset - y.offset, conjunct });
  };
  for (const c of conds) {
    if (c.kind === "binary" && (c.op === ">=" || c.op === ">")) atLeast(c.left, c.right, c);
    else if (c.kind === "binary" && (c.op === "<=" || c.op === "<")) atLeast(c.right, c.left, c);
    else if (c.kind === "binary" && c.op === "=") {
      atLeast(c.left, c.right, c);
      atLeast(c.right, c.left, c);
    } else if (c.kind === "between" && !c.not && !c.symmetric) {
      atLeast(c.operand, c.low, c);
      atLeast(c.high, c.operand, c);
    }
  }
  return found;
}

/** `column [+|- INTERVAL ...]` of a timestamp column of `joined` as (column, offset ms). */
function timeColumnRef(
  e: Expr,
  joined: { readonly columns: readonly Column[] },
): { col: Column; offset: number } | undefined {
  if (e.kind === "column") {
    const col = findColumn(joined, e.name, e.pos);
    return col === undefined || !isTimestampType(col.type) ? undefined : { col, offset: 0 };
  }
  if (e.kind === "binary" && (e.op === "+" || e.op === "-") && e.right.kind === "interval") {
    const t = timeColumnRef(e.left, joined);
    const ms = intervalMs(e.right);
    return t && Number.isFinite(ms)
      ? { col: t.col, offset: t.offset + (e.op === "+" ? ms : -ms) }
      : undefined;
  }
  return undefined;
}

/** A side's rows match only rows of the other side with `other[otherColumn] >= row[column] + offset`. */
interface ProbeBound {
  readonly side: Side;
  readonly column: string;
  readonly otherColumn: string;
  readonly offset: number;
  /** The conjunct that says so. */
  readonly conjunct: Expr;
}

/**
 * The upper bounds in `conds` (conjuncts of an inner join's condition) of a side's time by a time
 * column of the other side: `s.t <= o.e + k` (or `<`, `=`, `BETWEEN ... AND o.e + k`), so that a
 * row of s can match only rows of o with `o.e >= s.t - k` (the bound join's `probe`).
 */
function probeBounds(
  conds: readonly Expr[],
  joined: { readonly columns: readonly Column[] },
  sideOf: (c: Column) => Side,
): ProbeBound[] {
  const found: ProbeBound[] = [];
  /** `a <= b`, as a bound of a's side by b's column. */
  const atMost = (a: Expr, b: Expr, conjunct: Expr) => {
    const x = timeColumnRef(a, joined);
    const y = timeColumnRef(b, joined);
    if (x === undefined || y === undefined || sideOf(x.col) === sideOf(y.col)) return;
    // x.col + x.offset <= y.col + y.offset: y.col >= x.col + (x.offset - y.offset).
    found.push({
      side: sideOf(x.col),
      column: x.col.name,
      otherColumn: y.col.name,
      offset: x.offset - y.offset,
      conjunct,
    });
  };
  for (const c of conds) {
    if (c.kind === "binary" && (c.op === "<=" || c.op === "<")) atMost(c.left, c.right, c);
    else if (c.kind === "binary" && (c.op === ">=" || c.op === ">")) atMost(c.right, c.left, c);
    else if (c.kind === "binary" && c.op === "=") {
      atMost(c.left, c.right, c);
      atMost(c.right, c.left, c);
    } else if (c.kind === "between" && !c.not && !c.symmetric) atMost(c.operand, c.high, c);
  }
  return found;
}

/**
 * The ON condition `cond` evaluated on a pair as it stands, each column read from its side's row
 * (`leftNames` are the left side's), without building the joined row for every candidate pair.
 */
function pairPredicate(
  cond: Expr,
  joined: { readonly columns: readonly Column[] },
  leftNames: ReadonlySet<string>,
): (l: Row, r: Row) => boolean {
  const pair: { l: Row; r: Row } = { l: {}, r: {} };
  const rows = rowScope(joined, "the join");
  const ev = compileExpression<typeof pair>(cond, {
    column(name, pos) {
      const c = rows.column(name, pos);
      const col = findColumn(joined, name, pos) as Column;
      // A reader generated per column (as columnReader): one shared `p.l[key]` for every
      // column would see every name at that read and go megamorphic.
      const side = leftNames.has(col.name) ? "l" : "r";
      const read = new Function("p", `return p.${side}[${JSON.stringify(col.name)}] ?? null;`);
      return { eval: read as (p: typeof pair) => unknown, type: c.type };
    },
  }).eval;
  return (l, r) => {
    pair.l = l;
    pair.r = r;
    return ev(pair) === true;
  };
}

/** Whether `r` is a comma or cross join (`FROM a, b`, `a CROSS JOIN b`), which has no ON of its own. */
function isCommaJoin(r: TableRef): boolean {
  return r.kind === "join" && (r.type === "COMMA" || r.type === "CROSS") && !r.natural;
}

/** `a AND b`, or `a` alone. */
function andOf(a: Expr, b: Expr | undefined): Expr {
  return b === undefined ? a : { kind: "binary", op: "AND", left: a, right: b };
}

/**
 * The conjuncts of `where` that read columns of both `left` and `right` and nothing else: the
 * conditions a comma join of the two can join on. A conjunct that names a column neither side
 * has (of a table joined further up) does not compile over their columns and is left out; so is
 * one that is not {@link pushable}, which could fail on a pair the rest of the WHERE drops.
 */
function conditionsAcross(left: Relation, right: Relation, where: Expr): Expr[] {
  const { left: leftCols, right: rightCols } = joinedColumns(left, right.columns, right.alias);
  const leftNames = new Set(leftCols.map((c) => c.name));
  const joined = { columns: [...leftCols, ...rightCols] };
  return conjuncts(where).filter((c) => {
    const sides = new Set<boolean>();
    try {
      compileExpression(
        c,
        rowScope(joined, "the join", (col) => sides.add(leftNames.has(col.name))),
      );
    } catch {
      return false;
    }
    return sides.size === 2 && pushable(c);
  });
}
