/**
 * Prints the syntax tree back as SQL that parses to the same tree (positions aside): names that
 * are reserved keywords or not plain words are back-quoted, and parentheses are added only where
 * precedence needs them. Used by EXPLAIN, by view definitions, and by the round-trip property test.
 */

import type {
  ColumnDef,
  DataType,
  Expr,
  FrameBound,
  GroupingElement,
  JsonClauses,
  MatchRecognize,
  OrderItem,
  PatternTerm,
  Query,
  QueryBody,
  Select,
  ShowLike,
  Statement,
  TableAlias,
  TableRef,
  WindowSpec,
} from "./ast.js";
import { NILADIC_FUNCTIONS, QUOTED_IN_PRINT } from "./lexer.js";

/** How {@link printFlinkStyle} writes names out. */
export interface FlinkStyleNames {
  /** A table's name as written to its full name (Flink writes them fully qualified). */
  readonly table?: (parts: readonly string[]) => readonly string[];
  /** A user function's registered name, given the upper-cased name of a call (else undefined). */
  readonly userFunction?: (name: string) => string | undefined;
}

/** Set while {@link printFlinkStyle} runs. */
let flinkStyle: Required<FlinkStyleNames> | undefined;

/**
 * Runs `print` with the printers writing SQL as Flink's SHOW CREATE and DESCRIBE do (Calcite's
 * unparse): every name back-quoted, each clause of a query and each join on a line of its own,
 * table names as `names.table` gives them and user functions by their registered name,
 * back-quoted (built-in ones stay bare).
 */
export function printFlinkStyle<T>(print: () => T, names: FlinkStyleNames = {}): T {
  const saved = flinkStyle;
  flinkStyle = {
    table: names.table ?? ((parts) => parts),
    userFunction: names.userFunction ?? (() => undefined),
  };
  try {
    return print();
  } finally {
    flinkStyle = saved;
  }
}

/**
 * A name as SQL: bare when it is a plain word and not a keyword that must be quoted (reserved, or
 * one of the older non-reserved ones: see `QUOTED_IN_PRINT`), back-quoted otherwise.
 */
export function printName(name: string): string {
  const upper = name.toUpperCase();
  if (
    flinkStyle === undefined &&
    /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) &&
    !QUOTED_IN_PRINT.has(upper) &&
    !NILADIC_FUNCTIONS.has(upper)
  )
    return name;
  return `\`${name.replace(/`/g, "``")}\``;
}

function printString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Binding strength of an expression's top operator (higher binds tighter). */
function precedence(e: Expr): number {
  switch (e.kind) {
    case "binary":
      switch (e.op) {
        case "OR":
          return 1;
        case "AND":
          return 2;
        case "=":
        case "<>":
        case "<":
        case "<=":
        case ">":
        case ">=":
        case "OVERLAPS":
          return 4;
        case "+":
        case "-":
          return 5;
        default:
          return 6;
      }
    case "unary":
      return e.op === "NOT" ? 3 : 7;
    case "is":
    case "isDistinctFrom":
    case "between":
    case "in":
    case "inQuery":
    case "like":
      return 4;
    case "index":
    case "field":
      return 8;
    default:
      return 9;
  }
}

function wrap(e: Expr, min: number): string {
  const text = printExpr(e);
  return precedence(e) < min ? `(${text})` : text;
}

/** A function's name in a call: a user function's as registered and back-quoted in Flink style. */
function printFunctionName(name: string): string {
  const registered = flinkStyle?.userFunction(name);
  return registered === undefined ? name : printName(registered);
}

/** An expression as SQL. */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case "literal":
      switch (e.type) {
        case "number":
          return e.text;
        case "string":
          return printString(e.value);
        case "binary":
          return `X'${e.value}'`;
        case "boolean":
          return e.value ? "TRUE" : "FALSE";
        case "null":
          return "NULL";
      }
      break;
    case "typedLiteral":
      return `${e.type} ${printString(e.value)}`;
    case "interval": {
      // Calcite writes a unit in the singular (`INTERVAL '1' SECONDS` is `INTERVAL '1' SECOND`).
      const unit = (u: string) => (flinkStyle === undefined ? u : u.replace(/S$/, ""));
      return `INTERVAL ${e.negative ? "-" : ""}${printString(e.value)} ${unit(e.from)}${e.to === undefined ? "" : ` TO ${unit(e.to)}`}`;
    }
    case "column":
      return e.name.parts.map(printName).join(".");
    case "star":
      return e.qualifier === undefined ? "*" : `${e.qualifier.parts.map(printName).join(".")}.*`;
    case "unary":
      if (e.op === "NOT") return `NOT ${wrap(e.operand, 3)}`;
      // A unary operand of a unary sign is parenthesized: `--` would start a comment.
      return `${e.op}${wrap(e.operand, 8)}`;
    case "binary": {
      const p = precedence(e);
      return `${wrap(e.left, p)} ${e.op} ${wrap(e.right, p + 1)}`;
    }
    case "is":
      return `${wrap(e.operand, 4)} IS ${e.not ? "NOT " : ""}${e.what}`;
    case "isDistinctFrom":
      return `${wrap(e.left, 4)} IS ${e.not ? "NOT " : ""}DISTINCT FROM ${wrap(e.right, 5)}`;
    case "between":
      return `${wrap(e.operand, 4)} ${e.not ? "NOT " : ""}BETWEEN ${e.symmetric ? "SYMMETRIC " : ""}${wrap(e.low, 5)} AND ${wrap(e.high, 5)}`;
    case "in":
      return `${wrap(e.operand, 4)} ${e.not ? "NOT " : ""}IN (${e.list.map(printExpr).join(", ")})`;
    case "inQuery":
      return `${wrap(e.operand, 4)} ${e.not ? "NOT " : ""}IN (${printQuery(e.query)})`;
    case "like":
      return `${wrap(e.operand, 4)} ${e.not ? "NOT " : ""}${e.op} ${wrap(e.pattern, 5)}${e.escape === undefined ? "" : ` ESCAPE ${wrap(e.escape, 5)}`}`;
    case "case": {
      const parts = ["CASE"];
      if (e.operand !== undefined) parts.push(printExpr(e.operand));
      for (const w of e.whens) parts.push(`WHEN ${printExpr(w.when)} THEN ${printExpr(w.result)}`);
      if (e.else !== undefined) parts.push(`ELSE ${printExpr(e.else)}`);
      parts.push("END");
      return parts.join(" ");
    }
    case "cast":
      return `${e.try ? "TRY_CAST" : "CAST"}(${printExpr(e.operand)} AS ${printType(e.type)})`;
    case "call": {
      // CURRENT_DATE and the other niladic functions as SQL writes them.
      if (
        e.args.length === 0 &&
        NILADIC_FUNCTIONS.has(e.name) &&
        !e.distinct &&
        e.filter === undefined &&
        e.over === undefined
      )
        return e.name;
      const args = e.args.map(printExpr).join(", ");
      let s =
        e.json !== undefined
          ? printJsonCall(e, e.json)
          : e.trim === true && e.args.length === 3
            ? `TRIM(${(e.args[2] as Expr & { value: string }).value} ${printExpr(e.args[1] as Expr)} FROM ${printExpr(e.args[0] as Expr)})`
            : e.unit !== undefined
              ? `${e.name}(${args} TO ${e.unit})`
              : e.name === "OVERLAY" && (e.args.length === 3 || e.args.length === 4)
                ? `OVERLAY(${e.args
                    .map(printExpr)
                    .map((a, i) => ["", " PLACING ", " FROM ", " FOR "][i] + a)
                    .join("")})`
                : `${printFunctionName(e.name)}(${e.distinct ? "DISTINCT " : ""}${args}${e.nulls === undefined ? "" : ` ${e.nulls} NULLS`}${e.orderBy === undefined ? "" : ` ORDER BY ${printOrderItems(e.orderBy)}`})`;
      if (e.filter !== undefined) s += ` FILTER (WHERE ${printExpr(e.filter)})`;
      if (e.over !== undefined)
        s += ` OVER ${e.over.kind === "ref" ? printName(e.over.name) : `(${printWindowSpec(e.over)})`}`;
      return s;
    }
    case "extract":
      return `EXTRACT(${e.unit} FROM ${printExpr(e.operand)})`;
    case "row":
      return `${e.explicit ? "ROW" : ""}(${e.values.map(printExpr).join(", ")})`;
    case "array":
      return `ARRAY[${e.values.map(printExpr).join(", ")}]`;
    case "map":
      return `MAP[${e.entries.map(printExpr).join(", ")}]`;
    case "index":
      return `${wrapPostfix(e.operand)}[${printExpr(e.index)}]`;
    case "field":
      return `${wrapPostfix(e.operand)}.${printName(e.field)}`;
    case "subquery":
      return `(${printQuery(e.query)})`;
    case "exists":
      return `EXISTS (${printQuery(e.query)})`;
    case "tableArg":
      return `TABLE ${e.table.parts.map(printName).join(".")}${e.partitionBy.length === 0 ? "" : e.partitionBy.length === 1 ? ` PARTITION BY ${wrap(e.partitionBy[0] as Expr, 5)}` : ` PARTITION BY (${e.partitionBy.map(printExpr).join(", ")})`}`;
    case "descriptor":
      return `DESCRIPTOR(${e.columns.map(printName).join(", ")})`;
    case "namedArg":
      return `${printName(e.name)} => ${printExpr(e.value)}`;
  }
  throw new Error(`printExpr: unknown node ${(e as { kind: string }).kind}`);
}

/**
 * The operand of `[i]` or `.f`: a column is parenthesized so `(a).b` stays a field access, and a
 * number so that `(0).a` does not lex as `0.` and `a`.
 */
function wrapPostfix(e: Expr): string {
  if (e.kind === "column" || e.kind === "star" || (e.kind === "literal" && e.type === "number"))
    return `(${printExpr(e)})`;
  return wrap(e, 8);
}

/** A data type as SQL. */
export function printType(t: DataType): string {
  let s: string;
  switch (t.kind) {
    case "atomic":
      s = `${t.name}${t.args.length > 0 ? `(${t.args.join(", ")})` : ""}`;
      if (t.timeZone === "local") s += " WITH LOCAL TIME ZONE";
      else if (t.timeZone === "zone") s += " WITH TIME ZONE";
      break;
    case "array":
      s = `ARRAY<${printType(t.element)}>`;
      break;
    case "multiset":
      s = `MULTISET<${printType(t.element)}>`;
      break;
    case "map":
      s = `MAP<${printType(t.key)}, ${printType(t.value)}>`;
      break;
    case "row":
      s = `ROW<${t.fields.map((f) => `${printName(f.name)} ${printType(f.type)}${f.comment === undefined ? "" : ` ${printString(f.comment)}`}`).join(", ")}>`;
      break;
    case "interval":
      s = `INTERVAL ${t.from}${t.to === undefined ? "" : ` TO ${t.to}`}`;
      break;
  }
  return t.notNull ? `${s} NOT NULL` : s;
}

function printOrderItems(items: readonly OrderItem[]): string {
  return items
    .map(
      (o) =>
        `${printExpr(o.expr)}${o.direction ? ` ${o.direction}` : ""}${o.nulls ? ` NULLS ${o.nulls}` : ""}`,
    )
    .join(", ");
}

function printBound(b: FrameBound): string {
  switch (b.kind) {
    case "unbounded":
      return `UNBOUNDED ${b.direction}`;
    case "current":
      return "CURRENT ROW";
    case "offset":
      return `${wrap(b.offset, 5)} ${b.direction}`;
  }
}

/** The inside of `OVER (...)`. */
export function printWindowSpec(w: WindowSpec): string {
  const parts: string[] = [];
  if (w.base !== undefined) parts.push(printName(w.base));
  if (w.partitionBy.length > 0) parts.push(`PARTITION BY ${w.partitionBy.map(printExpr).join(", ")}`);
  if (w.orderBy.length > 0) parts.push(`ORDER BY ${printOrderItems(w.orderBy)}`);
  if (w.frame !== undefined) {
    const f = w.frame;
    parts.push(
      f.end === undefined
        ? `${f.unit} ${printBound(f.start)}`
        : `${f.unit} BETWEEN ${printBound(f.start)} AND ${printBound(f.end)}`,
    );
  }
  return parts.join(" ");
}

/** A query as SQL. */
export function printQuery(q: Query): string {
  const parts: string[] = [];
  if (q.with.length > 0) {
    parts.push(
      `WITH ${q.with
        .map(
          (c) =>
            `${printName(c.name)}${c.columns.length > 0 ? ` (${c.columns.map(printName).join(", ")})` : ""} AS (${printQuery(c.query)})`,
        )
        .join(", ")}`,
    );
  }
  parts.push(printBody(q.body));
  if (q.orderBy.length > 0) parts.push(`ORDER BY ${printOrderItems(q.orderBy)}`);
  if (q.limit !== undefined) parts.push(`LIMIT ${printExpr(q.limit)}`);
  if (q.offset !== undefined) parts.push(`OFFSET ${printExpr(q.offset)}`);
  return parts.join(clauseSeparator());
}

function printBody(b: QueryBody): string {
  switch (b.kind) {
    case "select":
      return printSelect(b);
    case "values":
      return `VALUES ${b.rows.map(printExpr).join(", ")}`;
    case "setOp": {
      // The right side of a set operation is a query term: nest it if it is itself a set
      // operation; so is the left of an INTERSECT when it is a UNION or EXCEPT (INTERSECT binds tighter).
      const nestLeft = b.op === "INTERSECT" && b.left.kind === "setOp" && b.left.op !== "INTERSECT";
      return `${nestLeft ? `(${printBody(b.left)})` : printBody(b.left)} ${b.op}${b.all ? " ALL" : ""} ${b.right.kind === "setOp" ? `(${printBody(b.right)})` : printBody(b.right)}`;
    }
    case "nested":
      return `(${printQuery(b.query)})`;
  }
}

/** Between the clauses of a query: a space, or a line break in {@link printFlinkStyle}. */
function clauseSeparator(): string {
  return flinkStyle === undefined ? " " : "\n";
}

function printSelect(s: Select): string {
  const parts = [
    `SELECT ${s.hint === undefined ? "" : `${s.hint.text} `}${s.distinct ? "DISTINCT " : ""}${s.items.map((i) => `${printExpr(i.expr)}${i.alias === undefined ? "" : ` AS ${printName(i.alias)}`}`).join(", ")}`,
  ];
  if (s.from !== undefined) parts.push(`FROM ${printTableRef(s.from)}`);
  if (s.where !== undefined) parts.push(`WHERE ${printExpr(s.where)}`);
  if (s.groupBy.length > 0) parts.push(`GROUP BY ${s.groupBy.map(printGrouping).join(", ")}`);
  if (s.having !== undefined) parts.push(`HAVING ${printExpr(s.having)}`);
  if (s.windows.length > 0) {
    parts.push(
      `WINDOW ${s.windows.map((w) => `${printName(w.name)} AS (${printWindowSpec(w.spec)})`).join(", ")}`,
    );
  }
  return parts.join(clauseSeparator());
}

/** A GROUP BY element as SQL: an expression, `()`, a set, ROLLUP, CUBE or GROUPING SETS. */
export function printGrouping(g: GroupingElement): string {
  switch (g.kind) {
    case "expr":
      return printExpr(g.expr);
    case "empty":
      return "()";
    case "set":
      return `(${g.exprs.map(printExpr).join(", ")})`;
    case "rollup":
      return `ROLLUP (${g.elements.map(printGrouping).join(", ")})`;
    case "cube":
      return `CUBE (${g.elements.map(printGrouping).join(", ")})`;
    case "groupingSets":
      return `GROUPING SETS (${g.elements.map(printGrouping).join(", ")})`;
  }
}

function printAlias(a: TableAlias | undefined): string {
  if (a === undefined) return "";
  return ` AS ${printName(a.name)}${a.columns.length > 0 ? ` (${a.columns.map(printName).join(", ")})` : ""}`;
}

/** A FROM item as SQL. */
export function printTableRef(t: TableRef): string {
  switch (t.kind) {
    case "table":
      return `${(flinkStyle?.table(t.name.parts) ?? t.name.parts).map(printName).join(".")}${t.hint === undefined ? "" : ` ${t.hint.text}`}${t.systemTime === undefined ? "" : ` FOR SYSTEM_TIME AS OF ${printExpr(t.systemTime)}`}${printAlias(t.alias)}`;
    case "derived":
      return `${t.lateral ? "LATERAL " : ""}(${printQuery(t.query)})${printAlias(t.alias)}`;
    case "tableFunction":
      return `${t.lateral ? "LATERAL " : ""}TABLE(${printExpr(t.call)})${printAlias(t.alias)}`;
    case "unnest":
      return `UNNEST(${t.args.map(printExpr).join(", ")})${printAlias(t.alias)}`;
    case "join": {
      const right = t.right.kind === "join" ? `(${printTableRef(t.right)})` : printTableRef(t.right);
      if (t.type === "COMMA") return `${printTableRef(t.left)}, ${right}`;
      // Calcite writes each join on a line of its own, naming its type: INNER JOIN, LEFT JOIN.
      const type =
        flinkStyle !== undefined
          ? `${t.type} `
          : t.type === "INNER"
            ? ""
            : t.type === "CROSS"
              ? "CROSS "
              : `${t.type} OUTER `;
      let s = `${printTableRef(t.left)}${clauseSeparator()}${t.natural ? "NATURAL " : ""}${type}JOIN ${right}`;
      if (t.on !== undefined) s += ` ON ${printExpr(t.on)}`;
      if (t.using !== undefined) s += ` USING (${t.using.map(printName).join(", ")})`;
      return s;
    }
    case "matchRecognize":
      return `${printTableRef(t.input)} MATCH_RECOGNIZE (${printMatchRecognize(t.spec)})${printAlias(t.alias)}`;
  }
}

function printMatchRecognize(m: MatchRecognize): string {
  const parts: string[] = [];
  if (m.partitionBy.length > 0) parts.push(`PARTITION BY ${m.partitionBy.map(printExpr).join(", ")}`);
  if (m.orderBy.length > 0) parts.push(`ORDER BY ${printOrderItems(m.orderBy)}`);
  if (m.measures.length > 0) {
    parts.push(
      `MEASURES ${m.measures.map((i) => `${printExpr(i.expr)} AS ${printName(i.alias ?? "")}`).join(", ")}`,
    );
  }
  if (m.rowsPerMatch !== undefined) parts.push(m.rowsPerMatch);
  if (m.afterMatch !== undefined) {
    const a = m.afterMatch;
    parts.push(
      `AFTER MATCH SKIP ${a.kind === "toNextRow" ? "TO NEXT ROW" : a.kind === "pastLastRow" ? "PAST LAST ROW" : a.kind === "toFirst" ? `TO FIRST ${printName(a.variable)}` : `TO LAST ${printName(a.variable)}`}`,
    );
  }
  parts.push(`PATTERN (${printPattern(m.pattern)})`);
  if (m.within !== undefined) parts.push(`WITHIN ${printExpr(m.within)}`);
  if (m.subsets.length > 0) {
    parts.push(
      `SUBSET ${m.subsets.map((s) => `${printName(s.name)} = (${s.variables.map(printName).join(", ")})`).join(", ")}`,
    );
  }
  parts.push(
    `DEFINE ${m.define.map((d) => `${printName(d.variable)} AS ${printExpr(d.condition)}`).join(", ")}`,
  );
  return parts.join(" ");
}

/** A row pattern as SQL. */
export function printPattern(p: PatternTerm): string {
  switch (p.kind) {
    case "variable":
      return printName(p.name);
    case "sequence":
      return p.terms
        .map((t) => (t.kind === "alternation" ? `(${printPattern(t)})` : printPattern(t)))
        .join(" ");
    case "alternation":
      return p.alternatives.map(printPattern).join(" | ");
    case "group":
      return `(${printPattern(p.term)})`;
    case "permute":
      return `PERMUTE(${p.terms.map(printPattern).join(", ")})`;
    case "quantified": {
      const inner =
        p.term.kind === "variable" || p.term.kind === "group"
          ? printPattern(p.term)
          : `(${printPattern(p.term)})`;
      let q: string;
      if (p.form !== "{}") q = p.form;
      else if (p.max === undefined) q = `{${p.min},}`;
      else if (p.max === p.min) q = `{${p.min}}`;
      else q = `{${p.min},${p.max}}`;
      return `${inner}${q}${p.reluctant ? "?" : ""}`;
    }
  }
}

/** ` [NOT] LIKE 'pattern'` of a SHOW statement, or nothing. */
function showLike(like: ShowLike | undefined): string {
  return like === undefined ? "" : ` ${like.not ? "NOT " : ""}LIKE ${printString(like.pattern)}`;
}

/** A statement as SQL (DDL, DML, queries; options and names quoted as needed). */
export function printStatement(s: Statement): string {
  const name = (n: { parts: readonly string[] }) => n.parts.map(printName).join(".");
  switch (s.kind) {
    case "query":
      return printQuery(s.query);
    case "statementSet":
      return `EXECUTE STATEMENT SET BEGIN ${s.inserts.map((i) => `${printStatement(i)}; `).join("")}END`;
    case "insert":
      return `INSERT ${s.overwrite ? "OVERWRITE" : "INTO"} ${name(s.table)}${s.columns.length > 0 ? ` (${s.columns.map(printName).join(", ")})` : ""} ${printQuery(s.query)}`;
    case "createView":
      return `CREATE ${s.temporary ? "TEMPORARY " : ""}VIEW ${s.ifNotExists ? "IF NOT EXISTS " : ""}${name(s.name)}${s.columns.length > 0 ? ` (${s.columns.map(printName).join(", ")})` : ""} AS ${printQuery(s.query)}`;
    case "createFunction":
      return `CREATE ${s.temporary ? "TEMPORARY " : ""}${s.system ? "SYSTEM " : ""}FUNCTION ${s.ifNotExists ? "IF NOT EXISTS " : ""}${name(s.name)} AS ${printString(s.identifier)}${s.language === undefined ? "" : ` LANGUAGE ${s.language}`}`;
    case "drop":
      return `DROP ${s.temporary ? "TEMPORARY " : ""}${s.object} ${s.ifExists ? "IF EXISTS " : ""}${name(s.name)}`;
    case "show":
      return `SHOW ${s.what}${s.from === undefined ? "" : ` FROM ${name(s.from)}`}${showLike(s.like)}`;
    case "showCreate":
      return `SHOW CREATE ${s.object} ${name(s.name)}`;
    case "showColumns":
      return `SHOW COLUMNS FROM ${name(s.name)}${showLike(s.like)}`;
    case "showPartitions":
      return `SHOW PARTITIONS ${name(s.name)}${s.partition === undefined ? "" : ` PARTITION (${s.partition.map(([k, v]) => `${printName(k)} = ${printString(v)}`).join(", ")})`}`;
    case "use":
      return `USE ${s.catalog ? "CATALOG " : ""}${name(s.name)}`;
    case "describe":
      return `DESCRIBE ${s.extended ? "EXTENDED " : ""}${name(s.name)}`;
    case "explain":
      // EXPLAIN's statement set is written without EXECUTE, as Flink's grammar has it.
      return `EXPLAIN ${s.details.length > 0 ? `${s.details.join(", ")} ` : ""}${printStatement(s.statement).replace(/^EXECUTE (?=STATEMENT SET )/, "")}`;
    case "set":
      return s.option === undefined
        ? "SET"
        : `SET ${printString(s.option.key)} = ${printString(s.option.value)}`;
    case "reset":
      return s.key === undefined ? "RESET" : `RESET ${printString(s.key)}`;
    case "alterTable":
      return `ALTER TABLE ${s.ifExists ? "IF EXISTS " : ""}${name(s.name)} ${printTableChange(s.change)}`;
    case "createTable": {
      const elements: string[] = s.columns.map(printColumnDef);
      if (s.watermark !== undefined) elements.push(printWatermark(s.watermark));
      if (s.primaryKey !== undefined) elements.push(printPrimaryKey(s.primaryKey));
      const create = s.replace === undefined ? "CREATE" : s.replace;
      let text = `${create} ${s.temporary ? "TEMPORARY " : ""}TABLE ${s.ifNotExists ? "IF NOT EXISTS " : ""}${name(s.name)}`;
      if (elements.length > 0) text += ` (${elements.join(", ")})`;
      if (s.comment !== undefined) text += ` COMMENT ${printString(s.comment)}`;
      if (s.partitionedBy.length > 0)
        text += ` PARTITIONED BY (${s.partitionedBy.map(printName).join(", ")})`;
      if (s.options.length > 0)
        text += ` WITH (${s.options.map((o) => `${printString(o.key)} = ${printString(o.value)}`).join(", ")})`;
      if (s.like !== undefined) text += ` LIKE ${name(s.like)}`;
      if (s.likeOptions !== undefined)
        text += ` (${s.likeOptions.map((o) => `${o.strategy} ${o.feature}`).join(" ")})`;
      if (s.asQuery !== undefined) text += ` AS ${printQuery(s.asQuery)}`;
      return text;
    }
  }
}

/** A column of CREATE TABLE or ALTER TABLE ADD / MODIFY, as written. */
function printColumnDef(c: ColumnDef): string {
  const comment = c.comment === undefined ? "" : ` COMMENT ${printString(c.comment)}`;
  if (c.kind === "physical") return `${printName(c.name)} ${printType(c.type)}${comment}`;
  if (c.kind === "computed") return `${printName(c.name)} AS ${printExpr(c.expr)}${comment}`;
  return `${printName(c.name)} ${printType(c.type)} METADATA${c.key === undefined ? "" : ` FROM ${printString(c.key)}`}${c.virtual ? " VIRTUAL" : ""}${comment}`;
}

function printWatermark(w: { readonly column: string; readonly expr: Expr }): string {
  return `WATERMARK FOR ${printName(w.column)} AS ${printExpr(w.expr)}`;
}

function printPrimaryKey(k: { readonly name?: string; readonly columns: readonly string[] }): string {
  return `${k.name === undefined ? "" : `CONSTRAINT ${printName(k.name)} `}PRIMARY KEY (${k.columns.map(printName).join(", ")}) NOT ENFORCED`;
}

/** What ALTER TABLE changes, as written after the table's name. */
function printTableChange(c: (Statement & { kind: "alterTable" })["change"]): string {
  switch (c.kind) {
    case "rename":
      return `RENAME TO ${c.to.parts.map(printName).join(".")}`;
    case "set":
      return `SET (${c.options.map((o) => `${printString(o.key)} = ${printString(o.value)}`).join(", ")})`;
    case "reset":
      return `RESET (${c.keys.map(printString).join(", ")})`;
    case "add":
    case "modify": {
      const elements = c.elements.map((e) => {
        if (e.kind === "watermark") return printWatermark(e);
        if (e.kind === "primaryKey") return printPrimaryKey(e);
        const inlineKey = e.column.kind === "physical" && e.column.primaryKey;
        // The inline key goes before COMMENT, as the grammar reads it.
        let text = printColumnDef(e.column);
        if (inlineKey) {
          const comment = e.column.comment === undefined ? "" : ` COMMENT ${printString(e.column.comment)}`;
          text = `${text.slice(0, text.length - comment.length)} PRIMARY KEY NOT ENFORCED${comment}`;
        }
        const p = e.position;
        return p === undefined
          ? text
          : "first" in p
            ? `${text} FIRST`
            : `${text} AFTER ${printName(p.after.name)}`;
      });
      return `${c.kind.toUpperCase()} (${elements.join(", ")})`;
    }
    case "dropColumns":
      return `DROP (${c.columns.map((n) => printName(n.name)).join(", ")})`;
    case "dropPrimaryKey":
      return "DROP PRIMARY KEY";
    case "dropConstraint":
      return `DROP CONSTRAINT ${printName(c.name.name)}`;
    case "dropWatermark":
      return "DROP WATERMARK";
    case "renameColumn":
      return `RENAME ${printName(c.from.name)} TO ${printName(c.to.name)}`;
  }
}

/** A JSON function call with its SQL/JSON clauses, as written. */
function printJsonCall(e: Expr & { kind: "call" }, json: JsonClauses): string {
  const defaults = new Set(json.on.flatMap((c) => (c.default === undefined ? [] : [c.default])));
  const args = e.args.filter((_, i) => !defaults.has(i));
  let inner: string;
  if (e.name === "JSON_OBJECT" || e.name === "JSON_OBJECTAGG") {
    const pairs: string[] = [];
    for (let i = 0; i + 1 < args.length; i += 2)
      pairs.push(`KEY ${printExpr(args[i] as Expr)} VALUE ${printExpr(args[i + 1] as Expr)}`);
    inner = pairs.join(", ");
  } else inner = args.map(printExpr).join(", ");
  if (e.orderBy !== undefined) inner += ` ORDER BY ${printOrderItems(e.orderBy)}`;
  const clauses: string[] = [];
  if (json.returning !== undefined) clauses.push(`RETURNING ${printType(json.returning)}`);
  if (json.wrapper !== undefined)
    clauses.push(json.wrapper === "WITHOUT" ? "WITHOUT ARRAY WRAPPER" : `WITH ${json.wrapper} ARRAY WRAPPER`);
  for (const c of json.on)
    clauses.push(
      `${c.behavior === "DEFAULT" ? `DEFAULT ${printExpr(e.args[c.default ?? -1] as Expr)}` : c.behavior} ON ${c.target}`,
    );
  if (json.onNull !== undefined) clauses.push(`${json.onNull} ON NULL`);
  const all = [inner, clauses.join(" ")].filter((x) => x !== "").join(" ");
  return `${e.name}(${all})`;
}
