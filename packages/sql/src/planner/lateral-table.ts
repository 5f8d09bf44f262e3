/**
 * Joins with a user table function (Flink's Correlate): `FROM t, LATERAL TABLE(f(t.x)) AS T(a)`,
 * `t CROSS JOIN LATERAL TABLE(...)`, `t [INNER] JOIN LATERAL TABLE(...) ON cond` and
 * `t LEFT JOIN LATERAL TABLE(...) ON TRUE`. Each input row is joined with the rows the function
 * returns for it; a LEFT join keeps a row the function returns nothing for, with NULLs. The rows
 * keep their input's kind, so an updating input gives an updating result.
 */

import type { SourcePos, TableRef } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import { withKindOf } from "./changelog.js";
import { compileExpression } from "./compile-expression.js";
import { invalid, unsupported } from "./problems.js";
import { type Column, joinedColumns, type Relation, rowScope } from "./relation.js";
import {
  checkArguments,
  checkSync,
  declaredParameters,
  functionFailed,
  unknownFunction,
  userFunction,
} from "./user-functions.js";
import { fieldReader, type Row, setColumn } from "./values.js";

type JoinRef = TableRef & { kind: "join" };
type TableFunctionRef = TableRef & { kind: "tableFunction" };

/** Whether `ref` joins a relation with a user table function. */
export function isLateralTableJoin(ref: JoinRef): boolean {
  return (
    ref.right.kind === "tableFunction" &&
    (ref.right.lateral || userFunction(ref.right.call.name)?.definition.kind === "table")
  );
}

/** Plans a join of `ref.left` with the table function on its right (see the module comment). */
export function planLateralTable(
  ref: JoinRef,
  planSide: (r: TableRef) => Relation,
  pos: SourcePos | undefined,
): Relation {
  const right = ref.right as TableFunctionRef;
  const call = right.call;
  const f = userFunction(call.name);
  if (f === undefined) throw unknownFunction(call.name, call.pos);
  if (f.definition.kind !== "table")
    throw invalid(`${f.name} is a ${f.definition.kind} function, not a table function`, call.pos, {
      function: f.name,
    });
  const outer = ref.type === "LEFT";
  if (ref.type === "RIGHT" || ref.type === "FULL" || ref.natural || ref.using !== undefined)
    throw unsupported(
      `${ref.natural ? "NATURAL " : ""}${ref.type} JOIN with a table function`,
      call.pos,
      "use CROSS JOIN LATERAL TABLE(...) or LEFT JOIN LATERAL TABLE(...) ON TRUE",
    );
  const onTrue =
    ref.on === undefined || (ref.on.kind === "literal" && ref.on.type === "boolean" && ref.on.value);
  // Flink: "LEFT JOIN LATERAL TABLE" takes only ON TRUE (a condition would drop, not pad, rows).
  if (outer && !onTrue)
    throw unsupported(
      "LEFT JOIN LATERAL TABLE(...) ON a condition",
      call.pos,
      "write ON TRUE and filter in WHERE",
    );

  const left = planSide(ref.left);
  const args = call.args.map((a) => compileExpression(a, rowScope(left)));
  const fn = f.definition.eval as (...a: unknown[]) => Iterable<unknown>;
  checkArguments(f, args, call.pos, declaredParameters(fn));
  const own = (f.columns ?? []).map((c): Column => ({ name: c.name, type: c.type }));
  const names = right.alias?.columns ?? [];
  if (names.length > 0 && names.length !== own.length)
    throw invalid(
      `the alias ${right.alias?.name ?? ""} names ${names.length} columns, ${f.name} returns ${own.length}`,
      pos,
      { function: f.name },
    );
  const fnColumns = names.length === 0 ? own : own.map((c, i) => ({ ...c, name: names[i] as string }));
  const joined = joinedColumns(left, fnColumns, right.alias?.name);
  const keys = fnColumns.map((c) => joined.rename.get(c.name) as string);
  const byName = (f.columns ?? []).map((c) => c.name);
  const readers = byName.map(fieldReader);
  const width = keys.length;
  const relation = { columns: [...joined.left, ...joined.right], alias: undefined };
  const on = onTrue
    ? undefined
    : compileExpression(ref.on as NonNullable<typeof ref.on>, rowScope(relation)).eval;

  /** The function's row `r` as the joined row's values. */
  const put = (out: Row, r: unknown): void => {
    if (Array.isArray(r)) {
      if (r.length !== width)
        throw new Error(
          `a row has ${r.length} values, the function declares ${width} columns (${byName.join(", ")})`,
        );
      for (let i = 0; i < width; i++) setColumn(out, keys[i] as string, r[i] ?? null);
    } else if (width > 1) {
      if (r === null || typeof r !== "object")
        throw new Error(`a row must be an array or an object with ${byName.join(", ")}, got ${String(r)}`);
      for (let i = 0; i < width; i++) setColumn(out, keys[i] as string, readers[i]?.(r as Row) ?? null);
    } else setColumn(out, keys[0] as string, r ?? null);
  };

  const stream = left.stream
    .flatMap((row): Row[] => {
      const values = args.map((a) => a.eval(row));
      const rows: Row[] = [];
      try {
        const result = checkSync(f, fn.apply(f.definition, values));
        if (result !== null && result !== undefined) {
          if (typeof (result as Iterable<unknown>)[Symbol.iterator] !== "function")
            throw new Error(`eval must return an array or an iterable of rows, got ${String(result)}`);
          for (const r of result as Iterable<unknown>) {
            const out: Row = { ...row };
            put(out, r);
            if (on === undefined || on(out) === true) rows.push(withKindOf(out, row));
          }
        }
      } catch (err) {
        // The whole input row is rejected (none of its rows is emitted): it goes to the error policy.
        throw functionFailed(f, err);
      }
      if (rows.length === 0 && outer) {
        const out: Row = { ...row };
        for (const k of keys) setColumn(out, k, null);
        rows.push(withKindOf(out, row));
      }
      return rows;
    })
    .name(
      `Correlate(invocation=[${printExpr(call)}], joinType=[${outer ? "LEFT" : "INNER"}]${on === undefined ? "" : `, condition=[${printExpr(ref.on as NonNullable<typeof ref.on>)}]`})`,
    );
  return {
    stream,
    columns: relation.columns,
    rowtime: left.rowtime,
    proctime: left.proctime,
    // Several rows per input row: the input's unique key is no longer one.
    changelog: { ...left.changelog, uniqueKey: undefined },
  };
}
