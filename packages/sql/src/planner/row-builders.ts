/**
 * Builders of the rows operators send, generated once per operator at planning time for its
 * fixed columns: each row is one object literal of a fixed shape (V8 gives all of them one hidden
 * class, and property reads downstream stay monomorphic) instead of an object filled key by key
 * in a loop. Column names go into the generated code as JSON strings, which are valid
 * JavaScript string literals, so no name can inject code. A column named `__proto__` is the one
 * exception: `{"__proto__": v}` in a literal sets the object's prototype, so that name is written
 * as a computed key (`{["__proto__"]: v}`), which defines an own property.
 */

import { ROW_KIND, type RowKind } from "./changelog.js";
import type { Row } from "./values.js";

type Builder<A extends unknown[]> = (...args: A) => Row;

/** The key of column `name` in a generated object literal. */
function key(name: string): string {
  return name === "__proto__" ? '["__proto__"]' : JSON.stringify(name);
}

/** A function of `params` returning the object literal of `fields` (`"name": expression`). */
function literal<A extends unknown[]>(params: readonly string[], fields: readonly string[]): Builder<A> {
  return new Function(...params, `return { ${fields.join(", ")} };`) as Builder<A>;
}

/**
 * The row of `names`, each the value of the evaluation of the same index over the input row: a
 * projection's select list.
 */
export function projector<I = Row>(
  names: readonly string[],
  evals: readonly ((input: I) => unknown)[],
): (input: I) => Row {
  const build = literal<[readonly ((input: I) => unknown)[], I]>(
    ["e", "row"],
    names.map((n, i) => `${key(n)}: e[${i}](row)`),
  );
  return (input) => build(evals, input);
}

/**
 * {@link projector} with the row's kind: a `+I` row has no kind field, any other kind is a field
 * of the object literal from the start, not added by `withKind` afterwards (an added property
 * gives each such row a second hidden class and an out-of-object property store; see
 * {@link rowCopier}). For an operator that knows the kind of a row before building it (a group
 * aggregation's `-U`, `+U`, `-D`).
 */
export function kindedProjector<I = Row>(
  names: readonly string[],
  evals: readonly ((input: I) => unknown)[],
): (input: I, kind: RowKind) => Row {
  const fields = names.map((n, i) => `${key(n)}: e[${i}](row)`);
  const insert = literal<[readonly ((input: I) => unknown)[], I]>(["e", "row"], fields);
  const other = literal<[readonly ((input: I) => unknown)[], I, RowKind]>(
    ["e", "row", "k"],
    [...fields, `${key(ROW_KIND)}: k`],
  );
  return (input, kind) => (kind === "+I" ? insert(evals, input) : other(evals, input, kind));
}

/**
 * The row of columns `names` taking the values of columns `from` (same index) of the input row:
 * a renaming (UNION ALL's right side, column aliases, a sink's columns by position). A missing
 * value is `fill` (undefined keeps it as it is).
 */
export function renamer(names: readonly string[], from: readonly string[], fill?: null): (row: Row) => Row {
  const build = literal<[Row]>(
    ["row"],
    names.map(
      (n, i) => `${key(n)}: row[${JSON.stringify(from[i] as string)}]${fill === null ? " ?? null" : ""}`,
    ),
  );
  return build;
}

/** A column of a joined row merged from one column of each side (`JOIN ... USING`). */
export interface CommonColumnValue {
  /** Its key in the joined row. */
  readonly name: string;
  /** The keys of the side's column in the left and in the right rows. */
  readonly left: string;
  readonly right: string;
  /** A pair gives the right side's value (a RIGHT JOIN), not the left's. */
  readonly pairFromRight: boolean;
}

/**
 * The joined row of a pair (`left` columns from `l`, `right` columns from `r`), or of one side
 * padded with NULLs when the other is null. `common` columns come first: the value of the side
 * there is (of a pair, the left's unless `pairFromRight`).
 */
export function rowCombiner(
  left: readonly string[],
  right: readonly string[],
  common: readonly CommonColumnValue[] = [],
): (l: Row | null, r: Row | null) => Row {
  const fields = (names: readonly string[], from: string | null) =>
    names.map((n) => `${key(n)}: ${from === null ? "null" : `${from}[${JSON.stringify(n)}]`}`);
  const commonFields = (l: string | null, r: string | null) =>
    common.map((c) => {
      const from =
        r === null || (l !== null && !c.pairFromRight)
          ? `l[${JSON.stringify(c.left)}]`
          : `r[${JSON.stringify(c.right)}]`;
      return `${key(c.name)}: ${from} ?? null`;
    });
  const build = (l: string | null, r: string | null) =>
    literal<[Row | null, Row | null]>(
      ["l", "r"],
      [...commonFields(l, r), ...fields(left, l), ...fields(right, r)],
    );
  const both = build("l", "r");
  const leftOnly = build("l", null);
  const rightOnly = build(null, "r");
  return (l, r) => (l === null ? rightOnly(l, r) : r === null ? leftOnly(l, r) : both(l, r));
}

/**
 * Copies of rows that hold exactly columns `names` (in that order), with their kind, and with
 * `extra` appended when given (a Top-N's rank number): what `withKind({ ...row, [extra]: value },
 * kind)` gives, in one object literal. Adding the kind to a spread copy afterwards costs V8 a
 * slow property addition per row (several µs, ten times the copy itself); a literal that holds
 * the kind from the start does not. A `+I` copy has no kind field, as every insert row.
 */
export function rowCopier(
  names: readonly string[],
  extra?: string,
): (row: Row, kind: RowKind, extraValue?: unknown) => Row {
  const fields = names.map((n) => `${key(n)}: row[${JSON.stringify(n)}]`);
  if (extra !== undefined) fields.push(`${key(extra)}: x`);
  const insert = literal<[Row, unknown]>(["row", "x"], fields);
  const other = literal<[Row, unknown, RowKind]>(["row", "x", "k"], [...fields, `${key(ROW_KIND)}: k`]);
  return (row, kind, extraValue) => (kind === "+I" ? insert(row, extraValue) : other(row, extraValue, kind));
}

/** A column of a projection built straight from a joined pair: its name and where it is read. */
export interface PairColumn {
  /** Its key in the built row. */
  readonly name: string;
  /** The side whose row holds its value, and the column's key in that row. */
  readonly side: "left" | "right";
  readonly from: string;
}

/**
 * The row of `columns` read straight from a joined pair, NULL for a missing value or a padded
 * side (`l` or `r` null): the joined row of {@link rowCombiner} projected by column reads, in one
 * object instead of two (see join.ts, fusing the projection over a regular join).
 */
export function pairProjector(columns: readonly PairColumn[]): (l: Row | null, r: Row | null) => Row {
  const build = (l: boolean, r: boolean) =>
    literal<[Row | null, Row | null]>(
      ["l", "r"],
      columns.map((c) => {
        const present = c.side === "left" ? l : r;
        const from = `${c.side === "left" ? "l" : "r"}[${JSON.stringify(c.from)}] ?? null`;
        return `${key(c.name)}: ${present ? from : "null"}`;
      }),
    );
  const both = build(true, true);
  const leftOnly = build(true, false);
  const rightOnly = build(false, true);
  return (l, r) => (l === null ? rightOnly(l, r) : r === null ? leftOnly(l, r) : both(l, r));
}

/**
 * The reader of column `name` of a row, NULL for a missing value: `row[name] ?? null` generated
 * for this one name. One shared closure `(r) => r[key]` for every column would see every column
 * name at its property read and go megamorphic (a hash lookup per read); a function of its own
 * per column keeps the read monomorphic.
 */
export function columnReader(name: string): (row: Row) => unknown {
  return new Function("row", `return row[${JSON.stringify(name)}] ?? null;`) as (row: Row) => unknown;
}
