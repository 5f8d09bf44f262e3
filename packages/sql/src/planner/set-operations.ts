/**
 * Set operations of two queries: UNION [ALL], INTERSECT [ALL], EXCEPT [ALL], as Flink 1.20
 * runs them on streams.
 *
 * UNION ALL is a plain union of the two streams. The others are a group aggregation over every
 * column of the union of both sides, each row tagged with the side it came from, counting each
 * distinct row's occurrences on each side (as Flink's RewriteIntersectAllRule and
 * RewriteMinusAllRule do; the semi/anti join of ReplaceIntersectWithSemiJoinRule and
 * ReplaceExceptWithAntiJoinRule gives the same rows): NULLs compare equal, as IS NOT DISTINCT FROM.
 * The result is updating: a row appears and is retracted as the counts change, and an updating
 * input's retractions decrement them. The ALL forms replicate each row by its count (Flink's
 * REPLICATE_ROWS table function), each copy carrying the aggregate's row kind: a row entering
 * the result after its counts were there comes as `+U`, one leaving as `-U`, as in Flink.
 */

import type { DataType, Expr, SelectItem, SourcePos } from "../parser/ast.js";
import { printType } from "../parser/printer.js";
import { retractMode, unionMode, withKindOf } from "./changelog.js";
import { nullable, setOperationType } from "./common-type.js";
import { planGroupAggregate } from "./group-aggregate.js";
import { invalid } from "./problems.js";
import { type Column, type Relation, sqlNameOf } from "./relation.js";
import { renamer } from "./row-builders.js";
import type { MiniBatch } from "./settings.js";
import { HIDDEN_PREFIX } from "./subqueries.js";
import type { Row } from "./values.js";

/** The tag of the rows of the left side (TRUE on its rows, NULL on the right's), and the right's. */
const LEFT_TAG = `${HIDDEN_PREFIX}set_left`;
const RIGHT_TAG = `${HIDDEN_PREFIX}set_right`;
/** The counts of a row on each side, which the ALL forms replicate it by. */
const LEFT_COUNT = `${HIDDEN_PREFIX}set_left_count`;
const RIGHT_COUNT = `${HIDDEN_PREFIX}set_right_count`;

const POS: SourcePos = { line: 1, column: 1, offset: 0 };
const column = (name: string): Expr => ({ kind: "column", name: { parts: [name], column: name }, pos: POS });
const count = (name: string): Expr => ({
  kind: "call",
  name: "COUNT",
  args: [column(name)],
  distinct: false,
  pos: POS,
});
const binary = (op: "-" | ">" | "=" | "AND", left: Expr, right: Expr): Expr => ({
  kind: "binary",
  op,
  left,
  right,
});
const zero: Expr = { kind: "literal", type: "number", text: "0" };

/**
 * Plans `left op [ALL] right` (their columns already planned): the left side names the columns.
 * `settings.stateTtlMs` (`table.exec.state.ttl`) expires the counts of a row not updated for that
 * long; `settings.miniBatch` (`table.exec.mini-batch.*`) bundles the counting aggregation's input
 * rows, as Flink bundles it (its Local/GlobalGroupAggregate under mini-batch);
 * `pos` is where the error of columns without a common type points.
 */
export function planSetOperation(
  op: "UNION" | "INTERSECT" | "EXCEPT",
  all: boolean,
  left: Relation,
  right: Relation,
  settings: { readonly stateTtlMs: number | undefined; readonly miniBatch: MiniBatch | undefined },
  pos?: SourcePos,
): Relation {
  const what = `${op}${all ? " ALL" : ""}`;
  if (left.columns.length !== right.columns.length) {
    throw invalid(
      `${what} of ${left.columns.length} and ${right.columns.length} columns: both sides need the same number`,
    );
  }
  const names = left.columns.map((c) => c.name);
  const rename = renamer(
    names,
    right.columns.map((c) => c.name),
  );
  // Each column of both sides' common type (INT and BIGINT: BIGINT), nullable when either side's is,
  // as Calcite's leastRestrictive types a set operation's rows; types without one are refused, as
  // Flink's validator refuses them. A side of unknown type (a UDF's undeclared result) leaves the other's.
  const columns: Column[] = left.columns.map((c, i) => {
    const r = right.columns[i]?.type;
    if (c.type === undefined || r === undefined) return { ...c, type: nullable(c.type ?? r) };
    const common = setOperationType(c.type, r);
    if (common === undefined) {
      throw invalid(
        `Type mismatch in column ${i + 1} of ${what}: ${printType(nullable(c.type) as DataType)} and ${printType(nullable(r) as DataType)} have no common type (as Flink refuses them); CAST one side`,
        pos,
        {
          columnIndex: i + 1,
          leftType: printType(nullable(c.type) as DataType),
          rightType: printType(nullable(r) as DataType),
        },
      );
    }
    return { ...c, type: common };
  });
  if (op === "UNION" && all) {
    return {
      stream: left.stream.union(right.stream.map((row) => withKindOf(rename(row), row))),
      columns,
      changelog: unionMode(left.changelog, right.changelog),
    };
  }
  const tag = (side: string) => (row: Row) => {
    const out: Row = {};
    for (const n of names) out[n] = row[n];
    out[side] = true;
    return withKindOf(out, row);
  };
  const leftTagged = left.stream.map(tag(LEFT_TAG)).name(`Calc(select=[*, true AS ${LEFT_TAG}])`);
  const rightTagged = right.stream
    .map((row) => tag(RIGHT_TAG)(withKindOf(rename(row), row)))
    .name(`Calc(select=[*, true AS ${RIGHT_TAG}])`);
  const tagType = { kind: "atomic", name: "BOOLEAN", args: [], notNull: false } as const;
  const input: Relation = {
    stream: leftTagged.union(rightTagged),
    columns: [...columns, { name: LEFT_TAG, type: tagType }, { name: RIGHT_TAG, type: tagType }],
    changelog: unionMode(left.changelog, right.changelog),
  };
  const leftCount = count(LEFT_TAG);
  const rightCount = count(RIGHT_TAG);
  // When a row is in the result (Flink's filter before REPLICATE_ROWS for the ALL forms).
  const present: Expr | undefined =
    op === "UNION"
      ? undefined
      : op === "INTERSECT"
        ? binary("AND", binary(">", leftCount, zero), binary(">", rightCount, zero))
        : all
          ? binary(">", binary("-", leftCount, rightCount), zero)
          : binary("AND", binary(">", leftCount, zero), binary("=", rightCount, zero));
  const items: SelectItem[] = columns.map((c) => ({ expr: column(c.name), alias: sqlNameOf(c) }));
  const replicated = all && op !== "UNION";
  const grouped = planGroupAggregate(
    {
      kind: "select",
      distinct: false,
      items: replicated
        ? [...items, { expr: leftCount, alias: LEFT_COUNT }, { expr: rightCount, alias: RIGHT_COUNT }]
        : items,
      groupBy: columns.map((c) => ({ kind: "expr", expr: column(c.name) })),
      ...(present === undefined ? {} : { having: present }),
      windows: [],
      pos: POS,
    },
    input,
    // The distinct forms' row is there or not (+I / -D, as Flink's aggregate by every column
    // after its semi/anti join); the ALL forms' counts go through Flink's filter before
    // REPLICATE_ROWS, which takes the -U and +U of a change each alone: a row entering the
    // result comes as +U, one leaving as -U (probed on bench/flink).
    { ...settings, quietUnchangedRows: !replicated, havingAsDeleteInsert: !replicated },
  );
  if (!replicated) return { ...grouped, columns: columns.map((c) => ({ name: sqlNameOf(c), type: c.type })) };
  const outNames = columns.map(sqlNameOf);
  const copies =
    op === "INTERSECT" ? (l: number, r: number) => Math.min(l, r) : (l: number, r: number) => l - r;
  const name = `Correlate(invocation=[$REPLICATE_ROWS$1(${op === "INTERSECT" ? "LEAST" : "MINUS"}(${LEFT_COUNT}, ${RIGHT_COUNT}), ${outNames.join(", ")})])`;
  const stream = grouped.stream
    .flatMap((row: Row) => {
      const n = copies(Number(row[LEFT_COUNT]), Number(row[RIGHT_COUNT]));
      const out: Row[] = [];
      for (let i = 0; i < n; i++) {
        const copy: Row = {};
        for (const c of outNames) copy[c] = row[c];
        out.push(withKindOf(copy, row));
      }
      return out;
    })
    .name(name);
  return {
    stream,
    columns: columns.map((c) => ({ name: sqlNameOf(c), type: c.type })),
    // Equal rows repeat: no unique key.
    changelog: retractMode(name),
  };
}
