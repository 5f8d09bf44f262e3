/**
 * A planned relation: a stream of rows with its columns, the event-time attribute the stream's
 * record timestamps and watermarks follow, and the name it answers to in qualified column names.
 */

import type { DataStream, FleuveError } from "@fleuve/core";
import type { DataType, QualifiedName, SourcePos } from "../parser/ast.js";
import type { ChangelogMode } from "./changelog.js";
import type { Compiled, Scope } from "./compile-expression.js";
import { invalid } from "./problems.js";
import { columnReader, type PairColumn } from "./row-builders.js";
import type { Row } from "./values.js";
import type { Zone } from "./zone.js";

/** One column of a relation. */
export interface Column {
  /** The column's name in the rows (the key of its value) and in the output. */
  readonly name: string;
  readonly type?: DataType | undefined;
  /**
   * The table alias that qualifies the column in a join's rows (`o.id`); columns of one table
   * use the relation's {@link Relation.alias} instead.
   */
  readonly qualifier?: string | undefined;
  /** The name the SQL refers to it by when it differs from {@link name} (a join renames `id` of its right side to `id0`). */
  readonly sqlName?: string | undefined;
  /**
   * A column of one side of `JOIN ... USING` / `NATURAL JOIN` that the join merged into one
   * common column: as in Calcite, it stays reachable by its qualified name (`l.k`) and in `l.*`,
   * while an unqualified `k` and `*` give the common column.
   */
  readonly qualifiedOnly?: boolean | undefined;
}

/** The window a window TVF assigned to a relation's rows (for window joins): its column names. */
export interface WindowColumns {
  readonly start: string;
  readonly end: string;
  /** The window TVF, as text (`TUMBLE(600000 ms)`): a window join needs the same on both sides. */
  readonly spec: string;
  /**
   * The session zone whose wall clock cut the windows (a TIMESTAMP_LTZ time attribute), undefined
   * for windows of instants: the bounds are then wall-clock times, and a window fires when the
   * watermark reaches runtime/zoned-windows.ts's `windowFiring(zone).fireAt(window_end)`.
   */
  readonly zone?: Zone | undefined;
}

/** A planned relation. */
export interface Relation {
  readonly stream: DataStream<Row>;
  readonly columns: readonly Column[];
  /** The column whose values are the records' timestamps (a WATERMARK column), if any. */
  readonly rowtime?: string | undefined;
  /**
   * Every column that is the event-time attribute selected as is, {@link rowtime} first (a
   * projection may select it twice, `SELECT ts AS t, ... ORDER BY ts`); set by projections only,
   * read by ORDER BY to tell a temporal sort whatever name its key has.
   */
  readonly rowtimeCopies?: readonly string[] | undefined;
  /**
   * Other columns Flink keeps as event-time attributes beside {@link rowtime}, as selected: the
   * right side's time of an interval join. Read only while `rowtime` is set (an operator that
   * drops the event-time attribute drops them too), by a sink, which takes one (see
   * {@link rowtimeColumns}).
   */
  readonly moreRowtimes?: readonly string[] | undefined;
  /** A processing-time attribute column (`proc_time AS PROCTIME()` of a scanned table), if any. */
  readonly proctime?: string | undefined;
  /**
   * Every column that is the processing-time attribute selected as is, {@link proctime} first;
   * set by projections only, read by ORDER BY as {@link rowtimeCopies}.
   */
  readonly proctimeCopies?: readonly string[] | undefined;
  /** The table name or alias qualified names may use (`o.price`). */
  readonly alias?: string | undefined;
  /** Set on the rows of a window TVF (`SELECT * FROM TABLE(TUMBLE(...))`) kept through projections. */
  readonly window?: WindowColumns | undefined;
  /**
   * Columns whose value in every row is greater than the watermark the stream had when the row
   * was sent (an event-time window aggregate's `window_end`: a window is sent once the watermark
   * passes `window_end - 1`, and rows of windows already sent are dropped as late). A regular join
   * uses it to drop rows of the other side that no later row can match (runtime/streaming-join.ts).
   * Valid only while {@link Relation.stream} is the stream it names: an operator that may hold rows
   * back gives a new stream, which drops the property without having to know of it.
   */
  readonly aboveWatermark?:
    | { readonly stream: DataStream<Row>; readonly columns: readonly string[] }
    | undefined;
  /**
   * Of an event-time TUMBLE or HOP aggregation of instants whose only aggregate is MAX of an
   * integer column of its input, grouped by the window only, over its input rows as they are (no
   * WHERE, HAVING or FILTER): what a join of those rows with the maxima needs to thin them where
   * the aggregate takes them (join.ts {@link thinnedByMaximum}). Valid only while
   * {@link Relation.stream} is the stream it names, as {@link aboveWatermark}.
   */
  readonly windowMaximum?: WindowMaximum | undefined;
  /**
   * Of a MAX aggregation grouped by the window columns of its windowed input alone (Flink's
   * window aggregation over attached windows): whose rows it takes the maximum of, so that a
   * window join of those same rows with the maxima on `value >= maximum` can drop rows below the
   * running maximum before the join (join.ts). Valid only while {@link Relation.stream} is the
   * stream it names, as {@link aboveWatermark}.
   */
  readonly attachedMaximum?: AttachedMaximum | undefined;
  /**
   * Of a projection that drops no row (a shared window aggregation read again, see
   * shared-subqueries.ts): the stream whose rows it projects, one output row per input row, and
   * for each of its columns that is one of those rows' fields as it is, that field's name. Valid
   * only while {@link Relation.stream} is the stream it names.
   */
  readonly projectionOf?:
    | {
        readonly stream: DataStream<Row>;
        readonly source: DataStream<Row>;
        readonly fields: ReadonlyMap<string, string>;
      }
    | undefined;
  /**
   * The stream whose rows hold exactly the fields `columns` (in that order) besides their kind,
   * each row a fresh object built for sending (a projection's or a Top-N's rows; not a scanned
   * stream's, whose objects may carry more fields): a projection selecting these columns as they
   * are passes such rows on instead of copying them (see planSelect). Valid only while
   * {@link Relation.stream} is the stream it names and the relation's columns are `columns`.
   */
  readonly exactRows?: { readonly stream: DataStream<Row>; readonly columns: readonly string[] } | undefined;
  /**
   * Of a regular join: lets the projection right over it (each column of the select list a
   * column of the join) build its rows from the pairs itself, one row per pair instead of the
   * joined row and then its projection. `fuse` answers whether it did (undefined if not): then the
   * join's rows are the projection's (`columns`: each output column's name and the joined column
   * it reads).
   * Valid only while {@link Relation.stream} is the stream it names, as {@link aboveWatermark}.
   */
  readonly joinProjection?:
    | {
        readonly stream: DataStream<Row>;
        fuse(columns: readonly { readonly name: string; readonly from: string }[]): FusedPairs | undefined;
      }
    | undefined;
  /**
   * Of a projection a regular join builds (see {@link joinProjection}), whose rows it passes on
   * as the join sent them: what a Top-1 right over it needs to have the join skip the pairs it
   * would drop (runtime/streaming-join.ts, `topOneDrops`). Valid only while
   * {@link Relation.stream} is the stream it names.
   */
  readonly joinPairs?: (FusedPairs & { readonly stream: DataStream<Row> }) | undefined;
  /**
   * The kinds of rows the stream carries (insert-only or updating) and, when updating, which
   * operator produces the updates. Rows carry their kind (see changelog.ts).
   */
  readonly changelog: ChangelogMode;
}

/** A regular join building its pairs' rows for the projection over it (see {@link Relation.joinProjection}). */
export interface FusedPairs {
  /** Each column of the rows: its name and the side and column of the pair it is read from. */
  readonly columns: readonly PairColumn[];
  /**
   * Has the join skip a pair when `drops(best, l, r)` says that the Top-1 its rows go to drops
   * it after taking the row `best` the join sent (see StreamingJoinSpec.topOneDrops); a join
   * that cannot (a bound join) ignores it.
   */
  setTopOneDrops(drops: (best: Row, l: Row, r: Row) => boolean): void;
}

/** See {@link Relation.attachedMaximum}. */
export interface AttachedMaximum {
  /** The aggregate's stream it holds for. */
  readonly stream: DataStream<Row>;
  /** Every row the maximum is taken over, as they are sent (no row dropped before it). */
  readonly rows: DataStream<Row>;
  /** The fields of {@link rows}' rows holding the value and the window's start and end. */
  readonly column: string;
  readonly rowsStart: string;
  readonly rowsEnd: string;
  /** The output columns of the maximum and of the window's start and end. */
  readonly maxColumn: string;
  readonly startColumn: string;
  readonly endColumn: string;
}

/** See {@link Relation.windowMaximum}. */
export interface WindowMaximum {
  /** The aggregate's stream it holds for. */
  readonly stream: DataStream<Row>;
  /** The stream of the aggregated rows (the input relation's). */
  readonly input: DataStream<Row>;
  /** The input column whose maximum it is, and the output columns of the maximum and window_end. */
  readonly column: string;
  readonly maxColumn: string;
  readonly endColumn: string;
  /** The windows: `[start, start + size)` for every start `offset + k * slide`. */
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  /**
   * The input rows `select` picks, as the aggregate takes them: it gets each row, whether the
   * aggregate dropped it as late, and `maxOf(start)`, the current maximum of the window starting
   * at `start` (undefined: the window has no row yet or has already fired; null: only NULLs),
   * the same function for every row of one aggregate operator (another for another instance, a
   * restored one included). Undefined if an earlier call took them.
   */
  passOn(
    select: (row: Row, late: boolean, maxOf: (start: number) => unknown | undefined) => boolean,
  ): DataStream<Row> | undefined;
}

/**
 * Whether the rows of `rel`'s stream hold exactly its columns, in order (see
 * {@link Relation.exactRows}).
 */
export function hasExactRows(rel: Relation): boolean {
  const exact = rel.exactRows;
  return (
    exact !== undefined &&
    exact.stream === rel.stream &&
    exact.columns.length === rel.columns.length &&
    exact.columns.every((name, i) => rel.columns[i]?.name === name)
  );
}

/** The columns of {@link Relation.aboveWatermark} if it still holds for the relation's stream. */
export function aboveWatermarkColumns(rel: Relation): readonly string[] {
  return rel.aboveWatermark !== undefined && rel.aboveWatermark.stream === rel.stream
    ? rel.aboveWatermark.columns
    : [];
}

/**
 * The columns of `rel` that are event-time attributes, in column order (by their SQL names): the
 * rowtime, its copies selected as they are, and {@link Relation.moreRowtimes}.
 */
export function rowtimeColumns(rel: Relation): string[] {
  if (rel.rowtime === undefined) return [];
  const copies = rel.rowtimeCopies?.includes(rel.rowtime) === true ? rel.rowtimeCopies : [];
  const times = new Set([rel.rowtime, ...copies, ...(rel.moreRowtimes ?? [])]);
  return rel.columns.filter((c) => times.has(c.name)).map(sqlNameOf);
}

/** The name SQL refers to column `c` by. */
export function sqlNameOf(c: Column): string {
  return c.sqlName ?? c.name;
}

/**
 * The columns of a join's output: the left side's as they are, the right side's renamed where
 * they clash (`id` -> `id0`, as Flink names them), each qualified by its side's alias unless it
 * has a qualifier already. `rename` maps a right column's own name to its name in the join.
 */
export function joinedColumns(
  left: { readonly columns: readonly Column[]; readonly alias?: string | undefined },
  rightColumns: readonly Column[],
  rightAlias: string | undefined,
): { left: Column[]; right: Column[]; rename: Map<string, string> } {
  const used = new Set<string>();
  const leftCols: Column[] = left.columns.map((c) => {
    used.add(c.name);
    return { ...c, qualifier: c.qualifier ?? left.alias, sqlName: sqlNameOf(c) };
  });
  const rename = new Map<string, string>();
  const rightCols: Column[] = rightColumns.map((c) => {
    let name = c.name;
    for (let i = 0; used.has(name); i++) name = `${c.name}${i}`;
    used.add(name);
    rename.set(c.name, name);
    return { ...c, name, qualifier: c.qualifier ?? rightAlias, sqlName: sqlNameOf(c) };
  });
  return { left: leftCols, right: rightCols, rename };
}

/**
 * The column `name` refers to in `rel`, or undefined; FLEUVE_SQL_VALIDATION when an unqualified
 * name matches columns of both sides of a join.
 */
export function findColumn(
  rel: Pick<Relation, "columns" | "alias">,
  name: QualifiedName,
  pos?: SourcePos,
): Column | undefined {
  if (name.column !== undefined) return rel.columns.find((c) => c.name === name.column);
  const parts = name.parts;
  if (parts.length === 1) {
    const found = rel.columns.filter((c) => sqlNameOf(c) === parts[0] && c.qualifiedOnly !== true);
    if (found.length > 1) {
      throw invalid(
        `column ${parts[0]} is ambiguous: ${found.map((c) => `${c.qualifier ?? "?"}.${sqlNameOf(c)}`).join(" or ")}; qualify it`,
        pos,
        { columnName: parts[0] },
      );
    }
    return found[0];
  }
  if (parts.length === 2) {
    const [q, n] = parts as [string, string];
    return rel.columns.find(
      (c) => sqlNameOf(c) === n && (c.qualifier === q || (c.qualifier === undefined && rel.alias === q)),
    );
  }
  return undefined;
}

/**
 * Calcite's refusal of column reference `parts` that names no column of `rel`, as Flink 1.20
 * words it (probed on bench/flink): "Column 'x' not found in any table", "Column 'x' not found in
 * table 't'" for `t.x`, "Table 'u' not found" for a qualifier naming no table, each with "; did you
 * mean 'y'?" when one name differs from it in case only.
 */
function columnNotFound(
  rel: Pick<Relation, "columns" | "alias">,
  parts: readonly string[],
  pos: SourcePos,
): FleuveError {
  const details = { columnName: parts.join("."), columns: rel.columns.map((c) => c.name) };
  /** "; did you mean 'y'?" when `names` holds one name equal to `name` but for case. */
  const suggest = (name: string, names: readonly string[]) => {
    const near = [...new Set(names.filter((n) => n !== name && n.toLowerCase() === name.toLowerCase()))];
    return near.length === 1 ? `; did you mean '${near[0]}'?` : "";
  };
  const visible = rel.columns.filter((c) => c.qualifiedOnly !== true).map(sqlNameOf);
  if (parts.length === 1)
    return invalid(
      `Column '${parts[0]}' not found in any table${suggest(parts[0] as string, visible)}`,
      pos,
      details,
    );
  const q = parts[0] as string;
  const n = parts.slice(1).join(".");
  const tables = rel.columns.flatMap((c) => {
    const t = c.qualifier ?? rel.alias;
    return t === undefined ? [] : [t];
  });
  if (!tables.includes(q)) return invalid(`Table '${q}' not found${suggest(q, tables)}`, pos, details);
  const own = rel.columns.filter((c) => (c.qualifier ?? rel.alias) === q).map(sqlNameOf);
  return invalid(`Column '${n}' not found in table '${q}'${suggest(n, own)}`, pos, details);
}

/** The scope of a relation's rows: columns by name, qualified by the relation's alias or not. */
export function rowScope(
  rel: Pick<Relation, "columns" | "alias">,
  _what = "the input",
  onColumn?: (c: Column) => void,
): Scope<Row> {
  return {
    column(name: QualifiedName, pos: SourcePos): Compiled<Row> {
      const col = findColumn(rel, name, pos);
      const nested = col === undefined ? rowFieldOf(rel, name, pos) : undefined;
      if (nested !== undefined) {
        onColumn?.(nested.column);
        return nested.compiled;
      }
      const parts = name.parts;
      // `a.b.c` where no table is `a` and no column `a` (a ROW): Calcite names the qualifier
      // (Flink 1.20: `SELECT otherdb.t.id FROM t` is "Table 'otherdb.t' not found").
      if (
        col === undefined &&
        parts.length >= 3 &&
        !rel.columns.some((c) => (c.qualifier ?? rel.alias) === parts[0] || sqlNameOf(c) === parts[0])
      )
        throw invalid(`Table '${parts.slice(0, -1).join(".")}' not found`, pos, {
          columnName: parts.join("."),
        });
      if (col === undefined) throw columnNotFound(rel, parts, pos);
      onColumn?.(col);
      return { eval: columnReader(col.name), type: col.type };
    },
  };
}

/** The value of field `f` of a ROW value: an object by name, or an array in the type's field order. */
function fieldOf(v: unknown, f: string, t: DataType | undefined): unknown {
  if (v === null || typeof v !== "object") return null;
  if (Array.isArray(v)) {
    const i = t?.kind === "row" ? t.fields.findIndex((x) => x.name === f) : -1;
    return i < 0 ? null : (v[i] ?? null);
  }
  return Object.hasOwn(v, f) ? ((v as Record<string, unknown>)[f] ?? null) : null;
}

/**
 * `col.field[.field...]` or `qualifier.col.field...` where `col` is a ROW column (Calcite resolves
 * a compound name to a column, then the rest to its fields: Nexmark's `person.dateTime`), or
 * undefined when no prefix of the name is a ROW column.
 */
function rowFieldOf(
  rel: Pick<Relation, "columns" | "alias">,
  name: QualifiedName,
  pos: SourcePos,
): { column: Column; compiled: Compiled<Row> } | undefined {
  for (const k of [1, 2]) {
    if (name.parts.length <= k) continue;
    const column = findColumn(rel, { parts: name.parts.slice(0, k) }, pos);
    if (column === undefined || column.type?.kind !== "row") continue;
    const read = columnReader(column.name);
    const path = name.parts.slice(k);
    // The type of each step, to read arrays by position and to give the last field's type.
    const types: (DataType | undefined)[] = [column.type];
    for (const f of path) {
      const t = types[types.length - 1];
      const field = t?.kind === "row" ? t.fields.find((x) => x.name === f) : undefined;
      if (t?.kind === "row" && field === undefined)
        throw invalid(
          `column ${name.parts.slice(0, k).join(".")} has no field ${f}: its fields are ${t.fields.map((x) => x.name).join(", ")}`,
          pos,
          { columnName: name.parts.join(".") },
        );
      types.push(field?.type);
    }
    return {
      column,
      compiled: {
        eval: (row) => {
          let v: unknown = read(row);
          for (let i = 0; i < path.length; i++) v = fieldOf(v, path[i] as string, types[i]);
          return v ?? null;
        },
        type: types[types.length - 1],
      },
    };
  }
  return undefined;
}
