/**
 * The "expanded query" Flink keeps for a view and prints in SHOW CREATE VIEW: the query as
 * written, with every identifier replaced by the one Calcite's validator resolved it to (Flink's
 * Expander substitutes identifiers only: the select list keeps its aliases and `*`). Table names
 * are fully qualified by the printer; here each column reference that names no table is
 * qualified with the table (or alias) it resolves to, as Calcite qualifies it: `SELECT a FROM T1`
 * is `SELECT T1.a FROM ...T1`. References this module cannot resolve with certainty (a FROM item
 * whose columns it does not know, a name of two tables, a NATURAL or USING join's common
 * columns) are left as written.
 */

import type { Expr, GroupingElement, Query, QueryBody, Select, TableRef } from "../parser/ast.js";
import { scanAll } from "./explain.js";
import { mapExpr } from "./subqueries.js";

/** The columns a query (or a `SELECT * FROM table`) produces, undefined when unknown. */
export type QueryColumns = (query: Query) => readonly string[] | undefined;

/** One FROM item as column references see it: its qualifier and its columns (undefined: unknown). */
interface Source {
  readonly qualifier: string;
  readonly columns: readonly string[] | undefined;
}

/** `query` with its column references qualified as Flink's expanded view query has them. */
export function expandViewQuery(query: Query, columnsOf: QueryColumns): Query {
  return new Expander(columnsOf, new Map()).query(query);
}

class Expander {
  constructor(
    private readonly columnsOf: QueryColumns,
    /** The WITH names in scope, with their columns. */
    private readonly ctes: ReadonlyMap<string, readonly string[] | undefined>,
  ) {}

  query(q: Query): Query {
    const ctes = new Map(this.ctes);
    const withs = q.with.map((cte) => {
      const inner = new Expander(this.columnsOf, ctes).query(cte.query);
      const columns = cte.columns.length > 0 ? cte.columns : this.safeColumns(cte.query, ctes);
      ctes.set(cte.name, columns);
      return { ...cte, query: inner };
    });
    const scoped = new Expander(this.columnsOf, ctes);
    const body = scoped.body(q.body);
    // ORDER BY of a SELECT: a select alias naming a column is that column, qualified (Calcite
    // substitutes the select item); anything else resolves against the FROM items.
    const orderBy =
      q.body.kind === "select" && body.kind === "select"
        ? q.orderBy.map((o) => ({ ...o, expr: scoped.orderExpr(o.expr, q.body as Select, body) }))
        : q.orderBy;
    return { ...q, with: withs, body, orderBy };
  }

  /** The columns of `q`, or undefined when it references a WITH name or cannot be planned. */
  private safeColumns(q: Query, ctes: ReadonlyMap<string, unknown>): readonly string[] | undefined {
    if (ctes.size > 0 && mentionsAny(q, ctes)) return undefined;
    try {
      return this.columnsOf(q);
    } catch {
      return undefined;
    }
  }

  private body(b: QueryBody): QueryBody {
    switch (b.kind) {
      case "select":
        return this.select(b);
      case "setOp":
        return { ...b, left: this.body(b.left), right: this.body(b.right) };
      case "nested":
        return { ...b, query: this.query(b.query) };
      case "values":
        return b;
    }
  }

  private select(s: Select): Select {
    if (s.from === undefined)
      return { ...s, items: s.items.map((i) => ({ ...i, expr: this.expr(i.expr, []) })) };
    const sources: Source[] = [];
    const from = this.from(s.from, sources);
    const known = sources.every((src) => src.columns !== undefined) ? sources : undefined;
    const qualify = (e: Expr) => this.expr(e, known ?? []);
    return {
      ...s,
      from: this.qualifyOn(from, known),
      items: s.items.map((i) => ({ ...i, expr: qualify(i.expr) })),
      ...(s.where === undefined ? {} : { where: qualify(s.where) }),
      groupBy: s.groupBy.map((g) => this.grouping(g, qualify)),
      ...(s.having === undefined ? {} : { having: qualify(s.having) }),
    };
  }

  private grouping(g: GroupingElement, qualify: (e: Expr) => Expr): GroupingElement {
    switch (g.kind) {
      case "expr":
        return { ...g, expr: qualify(g.expr) };
      case "set":
        return { ...g, exprs: g.exprs.map(qualify) };
      case "rollup":
      case "cube":
      case "groupingSets":
        return { ...g, elements: g.elements.map((x) => this.grouping(x, qualify)) };
      case "empty":
        return g;
    }
  }

  private orderExpr(e: Expr, written: Select, expanded: Select): Expr {
    if (e.kind === "column" && e.name.parts.length === 1) {
      const at = written.items.findIndex((i) => i.alias === e.name.parts[0]);
      const item = expanded.items[at];
      if (item !== undefined) return item.expr.kind === "column" ? { ...item.expr, pos: e.pos } : e;
    }
    if (expanded.from === undefined) return e;
    const sources: Source[] = [];
    this.from(expanded.from, sources);
    return sources.every((src) => src.columns !== undefined) ? this.expr(e, sources) : e;
  }

  /** The FROM item `t` with its subqueries expanded; its sources appended to `sources`. */
  private from(t: TableRef, sources: Source[]): TableRef {
    switch (t.kind) {
      case "table": {
        const name = t.name.parts[t.name.parts.length - 1] as string;
        const columns =
          t.alias !== undefined && t.alias.columns.length > 0
            ? t.alias.columns
            : t.name.parts.length === 1 && this.ctes.has(name)
              ? this.ctes.get(name)
              : this.safeColumns(scanAll(t.name.parts.join(".")), new Map());
        sources.push({ qualifier: t.alias?.name ?? name, columns });
        return t.systemTime === undefined ? t : { ...t, systemTime: this.expr(t.systemTime, sources) };
      }
      case "derived": {
        const query = this.query(t.query);
        // Calcite names an unaliased subquery EXPR$n: its columns are not qualified here.
        const columns =
          t.alias === undefined
            ? undefined
            : t.alias.columns.length > 0
              ? t.alias.columns
              : this.safeColumns(t.query, this.ctes);
        sources.push({ qualifier: t.alias?.name ?? "", columns });
        return { ...t, query };
      }
      case "join": {
        const left = this.from(t.left, sources);
        const right = this.from(t.right, sources);
        if (t.natural || t.using !== undefined)
          // The common columns belong to neither side: leave every reference as written.
          sources.push({ qualifier: "", columns: undefined });
        return { ...t, left, right };
      }
      default:
        // Table functions, UNNEST, MATCH_RECOGNIZE: columns this module does not work out.
        sources.push({ qualifier: "", columns: undefined });
        return t;
    }
  }

  /** `t` with its joins' ON conditions qualified against all the FROM items (when known). */
  private qualifyOn(t: TableRef, known: readonly Source[] | undefined): TableRef {
    if (t.kind !== "join") return t;
    return {
      ...t,
      left: this.qualifyOn(t.left, known),
      right: this.qualifyOn(t.right, known),
      ...(t.on === undefined ? {} : { on: this.expr(t.on, known ?? []) }),
    };
  }

  /** `e` with its single-part column references qualified by the one source having them. */
  private expr(e: Expr, sources: readonly Source[]): Expr {
    return mapExpr(e, (x) => {
      if (x.kind === "subquery" || x.kind === "exists") return { ...x, query: this.query(x.query) };
      if (x.kind === "inQuery")
        return { ...x, operand: this.expr(x.operand, sources), query: this.query(x.query) };
      if (x.kind !== "column" || x.name.parts.length !== 1 || x.name.column !== undefined) return undefined;
      const name = x.name.parts[0] as string;
      const owners = sources.filter((src) => src.columns?.includes(name));
      const owner = owners.length === 1 ? owners[0] : undefined;
      if (owner === undefined || owner.qualifier === "") return x;
      return { ...x, name: { parts: [owner.qualifier, name] } };
    });
  }
}

/**
 * Whether `q` may read one of the WITH names `names` (its text has a one-part name equal to one):
 * its columns then cannot be worked out on their own. A column of that name gives a false yes,
 * which only leaves references unqualified.
 */
function mentionsAny(q: Query, names: ReadonlyMap<string, unknown>): boolean {
  const text = JSON.stringify(q);
  for (const n of names.keys()) if (text.includes(`"parts":[${JSON.stringify(n)}]`)) return true;
  return false;
}
