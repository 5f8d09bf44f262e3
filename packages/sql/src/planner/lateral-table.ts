/**
 * Joins with a user table function (Flink's Correlate): `FROM t, LATERAL TABLE(f(t.x)) AS T(a)`,
 * `t CROSS JOIN LATERAL TABLE(...)`, `t [INNER] JOIN LATERAL TABLE(...) ON cond` and
 * `t LEFT JOIN LATERAL TABLE(...) ON TRUE`. Each input row is joined with the rows the function
 * returns for it; a LEFT join keeps a row the function returns nothing for, with NULLs. The rows
 * keep their input's kind, so an updating input gives an updating result.
 */

import type { TableRef } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import { compileExpression } from "./compile-expression.js";
import { planCorrelate } from "./correlate.js";
import { invalid } from "./problems.js";
import { type Column, type Relation, rowScope } from "./relation.js";
import {
  checkArguments,
  checkSync,
  declaredParameters,
  functionFailed,
  unknownFunction,
  userFunction,
} from "./user-functions.js";
import { fieldReader, type Row } from "./values.js";

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
export function planLateralTable(ref: JoinRef, planSide: (r: TableRef) => Relation): Relation {
  const right = ref.right as TableFunctionRef;
  const call = right.call;
  const f = userFunction(call.name);
  if (f === undefined) throw unknownFunction(call.name, call.pos);
  if (f.definition.kind !== "table")
    throw invalid(`${f.name} is a ${f.definition.kind} function, not a table function`, call.pos, {
      function: f.name,
    });
  const fn = f.definition.eval as (...a: unknown[]) => Iterable<unknown>;
  const byName = (f.columns ?? []).map((c) => c.name);
  const readers = byName.map(fieldReader);
  const width = byName.length;

  /** The function's row `r` as the values of its columns. */
  const valuesOf = (r: unknown): unknown[] => {
    if (Array.isArray(r)) {
      if (r.length !== width)
        throw new Error(
          `a row has ${r.length} values, the function declares ${width} columns (${byName.join(", ")})`,
        );
      return r;
    }
    if (width > 1) {
      if (r === null || typeof r !== "object")
        throw new Error(`a row must be an array or an object with ${byName.join(", ")}, got ${String(r)}`);
      return readers.map((read) => read(r as Row) ?? null);
    }
    return [r];
  };

  return planCorrelate(ref, planSide, {
    what: "a table function",
    written: "LATERAL TABLE(...)",
    label: f.name,
    alias: right.alias,
    pos: call.pos,
    failed: (err) => functionFailed(f, err),
    invocation: `invocation=[${printExpr(call)}]`,
    plan: (left) => {
      const args = call.args.map((a) => compileExpression(a, rowScope(left)));
      checkArguments(f, args, call.pos, declaredParameters(fn));
      const columns = (f.columns ?? []).map((c): Column => ({ name: c.name, type: c.type }));
      const rows = (row: Row): unknown[][] | undefined => {
        const values = args.map((a) => a.eval(row));
        try {
          const result = checkSync(f, fn.apply(f.definition, values));
          if (result === null || result === undefined) return undefined;
          if (typeof (result as Iterable<unknown>)[Symbol.iterator] !== "function")
            throw new Error(`eval must return an array or an iterable of rows, got ${String(result)}`);
          // Read whole before any row is emitted: a failure rejects the input row, not part of it.
          return Array.from(result as Iterable<unknown>, valuesOf);
        } catch (err) {
          throw functionFailed(f, err);
        }
      };
      return { columns, rows };
    },
  });
}
