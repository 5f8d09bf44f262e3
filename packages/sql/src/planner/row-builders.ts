/**
 * Builders of the rows operators send, generated once per operator at planning time for its
 * fixed columns: each row is one object literal of a fixed shape (V8 gives all of them one hidden
 * class, and property reads downstream stay monomorphic) instead of an object filled key by key
 * in a loop. Column names go into the generated code as JSON strings, which are valid
 * JavaScript string literals, so no name can inject code.
 */

import type { Row } from "./values.js";

type Builder<A extends unknown[]> = (...args: A) => Row;

/** A function of `params` returning the object literal of `fields` (`"name": expression`). */
function literal<A extends unknown[]>(params: readonly string[], fields: readonly string[]): Builder<A> {
  return new Function(...params, `return { ${fields.join(", ")} };`) as Builder<A>;
}

/**
 * The row of `names`, each the value of the evaluation of the same index over the input row: a
 * projection's select list.
 */
export function projector(
  names: readonly string[],
  evals: readonly ((row: Row) => unknown)[],
): (row: Row) => Row {
  const build = literal<[readonly ((row: Row) => unknown)[], Row]>(
    ["e", "row"],
    names.map((n, i) => `${JSON.stringify(n)}: e[${i}](row)`),
  );
  return (row) => build(evals, row);
}

/**
 * The joined row of a pair (`left` columns from `l`, `right` columns from `r`), or of one side
 * padded with NULLs when the other is null.
 */
export function rowCombiner(
  left: readonly string[],
  right: readonly string[],
): (l: Row | null, r: Row | null) => Row {
  const fields = (names: readonly string[], from: string | null) =>
    names.map((n) => `${JSON.stringify(n)}: ${from === null ? "null" : `${from}[${JSON.stringify(n)}]`}`);
  const build = (l: string | null, r: string | null) =>
    literal<[Row | null, Row | null]>(["l", "r"], [...fields(left, l), ...fields(right, r)]);
  const both = build("l", "r");
  const leftOnly = build("l", null);
  const rightOnly = build(null, "r");
  return (l, r) => (l === null ? rightOnly(l, r) : r === null ? leftOnly(l, r) : both(l, r));
}
