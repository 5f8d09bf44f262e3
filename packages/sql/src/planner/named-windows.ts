/**
 * The WINDOW clause: `SELECT f(x) OVER w ... WINDOW w AS (PARTITION BY ... ORDER BY ...)`. Each
 * `OVER w`, and each `OVER (w ...)` that refines a named window, is replaced by the window it
 * names, as Calcite's validator expands them, so the OVER aggregation and Top-N plan plain
 * windows. A refinement may add an ORDER BY to a window without one and give the frame; a window
 * may refine one defined before it in the clause.
 */

import type { Expr, Select, SourcePos, WindowSpec } from "../parser/ast.js";
import { invalid } from "./problems.js";
import { mapExpr } from "./subqueries.js";

/** `spec` with its `base` window (from `named`) merged in. */
function refine(spec: WindowSpec, named: ReadonlyMap<string, WindowSpec>, pos: SourcePos): WindowSpec {
  if (spec.base === undefined) return spec;
  const base = named.get(spec.base);
  if (base === undefined) throw unknownWindow(spec.base, named, pos);
  if (spec.partitionBy.length > 0)
    throw invalid(
      `OVER (${spec.base} PARTITION BY ...): a window refining ${spec.base} cannot set PARTITION BY`,
      pos,
    );
  if (spec.orderBy.length > 0 && base.orderBy.length > 0)
    throw invalid(`OVER (${spec.base} ORDER BY ...): window ${spec.base} has an ORDER BY already`, pos);
  if (base.frame !== undefined)
    throw invalid(`OVER (${spec.base} ...): window ${spec.base} has a frame, so it cannot be refined`, pos);
  return {
    kind: "spec",
    partitionBy: base.partitionBy,
    orderBy: spec.orderBy.length > 0 ? spec.orderBy : base.orderBy,
    ...(spec.frame === undefined ? {} : { frame: spec.frame }),
  };
}

function unknownWindow(name: string, named: ReadonlyMap<string, WindowSpec>, pos: SourcePos) {
  const known = [...named.keys()];
  return invalid(
    `unknown window ${name}: ${known.length === 0 ? "the query has no WINDOW clause" : `the WINDOW clause defines ${known.join(", ")}`}`,
    pos,
  );
}

/** `select` with every named window of its items replaced by its definition (see the file's comment). */
export function resolveNamedWindows(select: Select): Select {
  const named = new Map<string, WindowSpec>();
  for (const w of select.windows) {
    if (named.has(w.name))
      throw invalid(`window ${w.name} is defined twice in the WINDOW clause`, select.pos);
    named.set(w.name, refine(w.spec, named, select.pos));
  }
  let changed = false;
  const resolve = (e: Expr): Expr =>
    mapExpr(e, (x) => {
      if (x.kind !== "call" || x.over === undefined) return undefined;
      const over = x.over;
      if (over.kind === "spec" && over.base === undefined) return undefined;
      changed = true;
      if (over.kind === "ref") {
        const spec = named.get(over.name);
        if (spec === undefined) throw unknownWindow(over.name, named, x.pos);
        return { ...x, over: spec };
      }
      return { ...x, over: refine(over, named, x.pos) };
    });
  const items = select.items.map((i) => ({ ...i, expr: resolve(i.expr) }));
  return changed || select.windows.length > 0 ? { ...select, items, windows: [] } : select;
}
