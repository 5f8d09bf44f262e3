/**
 * EXPLAIN: the logical plan of a statement (Flink's "== Abstract Syntax Tree ==", relational
 * operators read from the statement) and its physical plan ("== Optimized Physical Plan =="): the
 * Fleuve operators the planner actually builds for it, with how records are exchanged between
 * them (hash by key, forward...), their parallelism, the state each keeps and the changelog mode
 * of what each emits (Flink's `changelogMode=[I,UB,UA,D]`).
 *
 * The physical plan is read from a stream graph: the statement is planned onto a scratch
 * environment (never executed), so it shows what a real run would build, not a second opinion.
 */

import { type GraphNode, StreamExecutionEnvironment, type StreamGraph } from "@fleuve/core";
import type { Expr, Query, QueryBody, Statement, TableRef } from "../parser/ast.js";
import { printExpr, printGrouping } from "../parser/printer.js";
import type { ChangelogMode, RowKind } from "./changelog.js";
import { joinStateNotes } from "./join.js";
import type { PlanContext } from "./plan-query.js";
import { planQuery } from "./plan-query.js";

/** A node of a printed plan tree. */
interface TreeNode {
  readonly label: string;
  readonly children: readonly TreeNode[];
}

/**
 * Prints a tree as Flink's EXPLAIN does: the last child of a node under `+- `, the others under
 * `:- `, their subtrees indented by `   ` or `:  `.
 */
export function printTree(root: TreeNode): string {
  const lines: string[] = [];
  const walk = (node: TreeNode, prefix: string, head: string) => {
    lines.push(`${prefix}${head}${node.label}`);
    const childPrefix = prefix + (head === "" ? "" : head === "+- " ? "   " : ":  ");
    node.children.forEach((c, i) => {
      walk(c, childPrefix, i === node.children.length - 1 ? "+- " : ":- ");
    });
  };
  walk(root, "", "");
  return lines.join("\n");
}

// --- the logical plan, from the statement ----------------------------------------------------

function logicalQuery(q: Query): TreeNode {
  let node = logicalBody(q.body);
  if (q.orderBy.length > 0 || q.limit !== undefined) {
    const parts: string[] = [];
    if (q.orderBy.length > 0) {
      parts.push(
        `sort=[${q.orderBy.map((o) => `${printExpr(o.expr)}${o.direction === "DESC" ? " DESC" : ""}`).join(", ")}]`,
      );
    }
    if (q.offset !== undefined) parts.push(`offset=[${printExpr(q.offset)}]`);
    if (q.limit !== undefined) parts.push(`fetch=[${printExpr(q.limit)}]`);
    node = { label: `LogicalSort(${parts.join(", ")})`, children: [node] };
  }
  if (q.with.length > 0) {
    node = {
      label: `LogicalWith(${q.with.map((w) => w.name).join(", ")})`,
      children: [
        ...q.with.map((w) => ({ label: `LogicalView(${w.name})`, children: [logicalQuery(w.query)] })),
        node,
      ],
    };
  }
  return node;
}

function logicalBody(body: QueryBody): TreeNode {
  switch (body.kind) {
    case "nested":
      return logicalQuery(body.query);
    case "values":
      return {
        label: `LogicalValues(tuples=[[${body.rows.map((r) => (r.kind === "row" ? `{ ${r.values.map(printExpr).join(", ")} }` : `{ ${printExpr(r)} }`)).join(", ")}]])`,
        children: [],
      };
    case "setOp":
      return {
        label: `Logical${body.op === "UNION" ? "Union" : body.op === "INTERSECT" ? "Intersect" : "Minus"}(all=[${body.all}])`,
        children: [logicalBody(body.left), logicalBody(body.right)],
      };
    case "select": {
      let node: TreeNode =
        body.from === undefined
          ? { label: "LogicalValues(tuples=[[{ 0 }]])", children: [] }
          : logicalRef(body.from);
      if (body.where !== undefined)
        node = { label: `LogicalFilter(condition=[${printExpr(body.where)}])`, children: [node] };
      const aggregating =
        body.groupBy.length > 0 || body.having !== undefined || body.items.some((i) => hasAggregate(i.expr));
      if (aggregating) {
        const aggs = new Set<string>();
        for (const i of body.items) collectAggregates(i.expr, aggs);
        if (body.having !== undefined) collectAggregates(body.having, aggs);
        node = {
          label: `LogicalAggregate(group=[{${body.groupBy.map(printGrouping).join(", ")}}]${[...aggs].map((a) => `, ${a}`).join("")})`,
          children: [node],
        };
        if (body.having !== undefined)
          node = { label: `LogicalFilter(condition=[${printExpr(body.having)}])`, children: [node] };
      }
      const items = body.items.map((i, n) => {
        const e = printExpr(i.expr);
        if (i.expr.kind === "star") return e;
        const name = i.alias ?? (i.expr.kind === "column" ? undefined : `EXPR$${n}`);
        return name === undefined ? e : `${name}=[${e}]`;
      });
      node = { label: `LogicalProject(${items.join(", ")})`, children: [node] };
      if (body.distinct)
        node = { label: "LogicalAggregate(group=[all columns]) (DISTINCT)", children: [node] };
      return node;
    }
  }
}

function logicalRef(ref: TableRef): TreeNode {
  const alias = (a: { name: string } | undefined) => (a === undefined ? "" : `, alias=[${a.name}]`);
  switch (ref.kind) {
    case "table": {
      const label = `LogicalTableScan(table=[${ref.name.parts.join(".")}]${alias(ref.alias)})`;
      if (ref.systemTime === undefined) return { label, children: [] };
      return {
        label: `LogicalSnapshot(period=[${printExpr(ref.systemTime)}])`,
        children: [{ label, children: [] }],
      };
    }
    case "derived":
      return logicalQuery(ref.query);
    case "tableFunction":
      return { label: `LogicalTableFunctionScan(invocation=[${printExpr(ref.call)}])`, children: [] };
    case "unnest":
      return { label: `Uncollect(${ref.args.map(printExpr).join(", ")})`, children: [] };
    case "join": {
      const type = ref.type === "COMMA" || ref.type === "CROSS" ? "inner" : ref.type.toLowerCase();
      const cond =
        ref.on !== undefined
          ? printExpr(ref.on)
          : ref.using
            ? `USING(${ref.using.join(", ")})`
            : ref.natural
              ? "NATURAL"
              : "true";
      return {
        label: `LogicalJoin(condition=[${cond}], joinType=[${type}])`,
        children: [logicalRef(ref.left), logicalRef(ref.right)],
      };
    }
    case "matchRecognize":
      return {
        label: `LogicalMatch(partition=[${ref.spec.partitionBy.map(printExpr).join(", ")}], measures=[${ref.spec.measures.map((m) => `${printExpr(m.expr)}${m.alias ? ` AS ${m.alias}` : ""}`).join(", ")}])`,
        children: [logicalRef(ref.input)],
      };
  }
}

const AGGREGATES = new Set([
  "COUNT",
  "SUM",
  "AVG",
  "MIN",
  "MAX",
  "STDDEV_POP",
  "STDDEV_SAMP",
  "VAR_POP",
  "VAR_SAMP",
  "VARIANCE",
  "STDDEV",
  "COLLECT",
  "LISTAGG",
  "ARRAY_AGG",
  "FIRST_VALUE",
  "LAST_VALUE",
]);

function children(e: Expr): Expr[] {
  const out: Expr[] = [];
  for (const v of Object.values(e)) {
    if (Array.isArray(v)) for (const x of v) if (isExpr(x)) out.push(x);
    if (isExpr(v)) out.push(v);
  }
  return out;
}
function isExpr(v: unknown): v is Expr {
  return (
    v !== null &&
    typeof v === "object" &&
    typeof (v as { kind?: unknown }).kind === "string" &&
    !("parts" in (v as object))
  );
}
function hasAggregate(e: Expr): boolean {
  if (e.kind === "call" && AGGREGATES.has(e.name) && e.over === undefined) return true;
  if (e.kind === "subquery" || e.kind === "exists" || e.kind === "inQuery") return false;
  return children(e).some(hasAggregate);
}
function collectAggregates(e: Expr, out: Set<string>): void {
  if (e.kind === "call" && AGGREGATES.has(e.name) && e.over === undefined) {
    out.add(printExpr(e));
    return;
  }
  if (e.kind === "subquery" || e.kind === "exists" || e.kind === "inQuery") return;
  for (const c of children(e)) collectAggregates(c, out);
}

// --- the physical plan, from the stream graph ---------------------------------------------------

/** Flink's short names of row kinds in `changelogMode=[...]`. */
const SHORT_KIND: Record<RowKind, string> = { "+I": "I", "-U": "UB", "+U": "UA", "-D": "D" };

/** `[I,UB,UA,D]`, as Flink prints a changelog mode. */
export function changelogModeText(kinds: readonly RowKind[]): string {
  const order: RowKind[] = ["+I", "-U", "+U", "-D"];
  return `[${order
    .filter((k) => kinds.includes(k))
    .map((k) => SHORT_KIND[k])
    .join(",")}]`;
}

/** What a keyed operator keeps, by the kind of operator its name says. */
function stateOf(name: string, ttlMs: number): string {
  const ttl = ttlMs > 0 ? `, TTL ${ttlMs} ms` : "";
  if (name.startsWith("GroupAggregate")) return `accumulators and row count per key${ttl}`;
  if (/^Join\(joinType=\[Left(Semi|Anti)Join\]/.test(name))
    return `left rows with their number of matches and right rows per key${ttl}`;
  // The bound join (runtime/bound-join.ts): one side per key, the bounded side in arrival order.
  const buffered = /, buffered=\[(left|right) rows until (.*)\]\)$/.exec(name);
  if (name.startsWith("Join(") && buffered !== null) {
    const other = buffered[1] === "left" ? "right" : "left";
    return `${other} rows per key; ${buffered[1]} rows in arrival order until ${buffered[2]}`;
  }
  if (name.startsWith("Join(")) return `rows of both inputs per key${ttl}`;
  if (name.startsWith("IntervalJoin"))
    return "rows of both inputs per key until the watermark passes their time bound";
  if (name.startsWith("WindowJoin")) return "rows of both inputs per key and window until the window ends";
  if (name.startsWith("ChangelogNormalize")) return "the last row per key";
  if (name.startsWith("Match("))
    return "rows per partition until the watermark passes them, and the partial matches of the pattern";
  if (name.startsWith("TemporalJoin("))
    return "left rows until the watermark passes their time, and the versions of the right side they may need";
  if (name.startsWith("OverAggregate"))
    return "rows per partition until the watermark passes them, and the frame's accumulators";
  // With late firings (emit=[..., allowLateness=N ms]) a window's state outlives its end.
  const lateness = /, emit=\[[^\]]*allowLateness=(\d+) ms\]/.exec(name)?.[1];
  if (name.startsWith("WindowAggregate(") && lateness !== undefined && lateness !== "0")
    return `an accumulator per key and window, and its last row sent, until the watermark passes its end + ${lateness} ms`;
  if (name.startsWith("WindowAggregate(") && lateness !== undefined)
    return "an accumulator per key and window, and its last row sent, until the watermark passes its end";
  if (name.startsWith("Window(") || name.startsWith("WindowAggregate("))
    return "an accumulator per key and window until the watermark passes its end";
  if (name.startsWith("Distinct") || name.startsWith("GroupAggregate"))
    return "the distinct rows and their counts";
  return "keyed state";
}

/** `hash[k1, k2]` when the keyed operator's name says its keys (`groupBy=[...]`, `key=[...]`). */
function hashText(consumer: string): string {
  const keys = /(?:groupBy|key|partitionBy)=\[([^\]]*)\]/.exec(consumer)?.[1];
  return keys === undefined || keys === "" ? "hash" : `hash[${keys}]`;
}

/** A stream graph as a tree from its outputs back to its sources. */
function physicalTree(
  graph: StreamGraph,
  parallelism: number,
  modes: ReadonlyMap<number, readonly RowKind[]>,
  ttlMs: number,
): TreeNode[] {
  const roots = graph.nodes.filter((n) => graph.outputsOf(n.id).length === 0);
  // A node read by more than one (a table or CTE read twice: planned once, see plan-query.ts) is
  // printed once, with a reuse id, and as `Reused(reference_id=[k])` where it is read again, as
  // Flink prints a reused sub-plan.
  const reuseIds = new Map<number, number>();
  const build = (n: GraphNode): TreeNode => {
    const seen = reuseIds.get(n.id);
    if (seen !== undefined) return { label: `Reused(reference_id=[${seen}])`, children: [] };
    const keyed = n.keySelectors.some((k) => k !== undefined);
    const attrs = [`changelogMode=${changelogModeText(modes.get(n.id) ?? ["+I"])}`];
    if (keyed) {
      // A regular join's rows that no later row of the other side can match go (join.ts).
      const note = joinStateNotes.get(n);
      attrs.push(`state=[${stateOf(n.name, ttlMs)}${note === undefined ? "" : `; ${note}`}]`);
    }
    attrs.push(`parallelism=${n.parallelism ?? parallelism}`);
    if (graph.outputsOf(n.id).length > 1) {
      const id = reuseIds.size + 1;
      reuseIds.set(n.id, id);
      attrs.push(`reuse_id=[${id}]`);
    }
    const name = n.name;
    const inputs = graph
      .inputsOf(n.id)
      .sort((a, b) => a.inputIndex - b.inputIndex)
      .map((e) => {
        const src = build(graph.nodes[e.source] as GraphNode);
        if (e.partitioner === "forward") return src;
        const dist = e.partitioner === "hash" ? hashText(n.name) : e.partitioner;
        return {
          label: `Exchange(distribution=[${dist}], changelogMode=${changelogModeText(modes.get(e.source) ?? ["+I"])})`,
          children: [src],
        };
      });
    return { label: `${name} [${attrs.join(", ")}]`, children: inputs };
  };
  return roots.map(build);
}

/**
 * The changelog mode of each node of `graph`: a node named as the producer of a mode (the
 * operator that emits updates, e.g. `GroupAggregate(...)`) emits that mode's kinds; any other
 * node forwards the kinds of its inputs (projections, filters, exchanges and inner joins keep
 * their inputs' kinds; a window aggregation only takes insert-only input).
 */
function nodeModes(
  graph: StreamGraph,
  producers: ReadonlyMap<string, readonly RowKind[]>,
): Map<number, readonly RowKind[]> {
  const modes = new Map<number, readonly RowKind[]>();
  // Nodes are created after their inputs: their ids are in topological order.
  for (const n of graph.nodes) {
    // A temporal join emits inserts whatever its versioned side carries.
    const own = n.name.startsWith("TemporalJoin(") ? (["+I"] as const) : producers.get(n.name);
    if (own !== undefined) {
      modes.set(n.id, own);
      continue;
    }
    const kinds = new Set<RowKind>();
    for (const e of graph.inputsOf(n.id))
      for (const k of modes.get(e.source) ?? ["+I"]) kinds.add(k as RowKind);
    modes.set(n.id, kinds.size === 0 ? ["+I"] : [...kinds]);
  }
  return modes;
}

/** Every query a statement reads: its own, its subqueries', the views' it names. */
function collectQueries(q: Query, ctx: PlanContext, out: Query[], tables: Set<string>): void {
  out.push(q);
  const fromRef = (r: TableRef): void => {
    switch (r.kind) {
      case "table": {
        const name = r.name.parts.join(".");
        const found = ctx.catalog.lookup(name);
        if (found !== undefined && "query" in found) collectQueries(found.query, ctx, out, tables);
        else tables.add(name);
        return;
      }
      case "derived":
        collectQueries(r.query, ctx, out, tables);
        return;
      case "join":
        fromRef(r.left);
        fromRef(r.right);
        return;
      case "matchRecognize":
        fromRef(r.input);
        return;
      case "tableFunction":
        for (const a of r.call.args) {
          if (a.kind === "tableArg") fromRef({ kind: "table", name: a.table, pos: r.call.pos });
        }
        return;
      case "unnest":
        return;
    }
  };
  const fromBody = (b: QueryBody): void => {
    if (b.kind === "select") {
      if (b.from) fromRef(b.from);
    } else if (b.kind === "nested") collectQueries(b.query, ctx, out, tables);
    else if (b.kind === "setOp") {
      fromBody(b.left);
      fromBody(b.right);
    }
  };
  for (const w of q.with) collectQueries(w.query, ctx, out, tables);
  fromBody(q.body);
}

/** A fresh, never executed environment with the parallelism of `ctx.env`. */
export function scratchEnvironment(ctx: PlanContext): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.create({ parallelism: ctx.env.config.parallelism });
}

/**
 * The text of `EXPLAIN statement`: its logical plan and its physical plan. `plan` plans the
 * statement onto the context's environment (a query, an INSERT with its sink, or a statement
 * set's INSERTs together) and returns the changelog mode of each query it planned; it is called
 * with a scratch environment, so nothing is added to the job. A statement set shows one tree per
 * sink, and what its INSERTs read once as reused, as Flink explains a statement set.
 * @throws FleuveError as planning the statement itself would (an unknown column...).
 */
export function explainStatement(
  statement: Statement,
  ctx: PlanContext,
  plan: (s: Statement, scratch: PlanContext) => readonly ChangelogMode[],
  ttlMs: number,
): string {
  const parts: readonly Statement[] = statement.kind === "statementSet" ? statement.inserts : [statement];
  const queries: Query[] = [];
  const tables = new Set<string>();
  const logical = parts.map((part) => {
    const query = part.kind === "query" ? part.query : part.kind === "insert" ? part.query : undefined;
    if (query === undefined) throw new Error(`EXPLAIN of ${part.kind}`);
    collectQueries(query, ctx, queries, tables);
    const tree = logicalQuery(query);
    if (part.kind !== "insert") return tree;
    return {
      label: `LogicalSink(table=[${part.table.parts.join(".")}]${part.columns.length > 0 ? `, fields=[${part.columns.join(", ")}]` : ""})`,
      children: [tree],
    };
  });
  // The modes of the operators that produce updates, from every (sub)query planned on its own.
  const producers = new Map<string, readonly RowKind[]>();
  const note = (mode: ChangelogMode) => {
    if (mode.producer !== undefined) producers.set(mode.producer, mode.kinds);
  };
  for (const t of tables) {
    try {
      note(planQuery(scanAll(t), { ...ctx, env: scratchEnvironment(ctx), explaining: true }).changelog);
    } catch {
      // A table only a window TVF or a join can read is planned with the whole statement below.
    }
  }
  // Each part's own query is planned with the whole statement below.
  const own = new Set(parts.map((p) => (p as Statement & { query: Query }).query));
  for (const q of queries.filter((q) => !own.has(q))) {
    try {
      note(planQuery(q, { ...ctx, env: scratchEnvironment(ctx), explaining: true }).changelog);
    } catch {
      // Planned as part of the whole statement below, whose errors are the ones to report.
    }
  }
  const scratch = scratchEnvironment(ctx);
  const modes = plan(statement, { ...ctx, env: scratch, explaining: true, noteChangelog: note });
  for (const mode of modes) note(mode);
  const graph = scratch.getStreamGraph();
  const physical = physicalTree(graph, scratch.config.parallelism, nodeModes(graph, producers), ttlMs).map(
    printTree,
  );
  const changelog = parts.map((part, i) => {
    const mode = modes[i] as ChangelogMode;
    const what =
      part.kind !== "insert"
        ? "the query emits"
        : parts.length > 1
          ? `INSERT INTO ${part.table.parts.join(".")} writes`
          : "the query writes";
    return `${what} ${changelogModeText(mode.kinds)}${mode.producer !== undefined ? `: updates from ${mode.producer}` : " (insert-only)"}`;
  });
  return [
    "== Abstract Syntax Tree ==",
    ...logical.map(printTree),
    "",
    "== Optimized Physical Plan ==",
    ...physical,
    "",
    `== Changelog ==`,
    ...changelog,
  ].join("\n");
}

/** `SELECT * FROM table` (the name split at dots, as written). */
export function scanAll(table: string): Query {
  return {
    kind: "query",
    with: [],
    orderBy: [],
    body: {
      kind: "select",
      distinct: false,
      items: [{ expr: { kind: "star" } }],
      from: { kind: "table", name: { parts: table.split(".") }, pos: { line: 1, column: 1, offset: 0 } },
      groupBy: [],
      windows: [],
      pos: { line: 1, column: 1, offset: 0 },
    },
  };
}
