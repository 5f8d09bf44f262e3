/**
 * The catalog statements as Flink 1.20 answers them: DESCRIBE and SHOW COLUMNS (Flink's
 * ShowColumnsOperation: name, type, null, key, extras, watermark and, when a column has one,
 * comment), SHOW CREATE TABLE / VIEW (ShowCreateUtil's DDL), the LIKE filter of SHOW, and the one
 * catalog and database a Fleuve SQL environment has (`default_catalog`.`default_database`).
 */

import { localPath, partitionDirectories } from "@fleuve/core";
import type { Catalog, TableDefinition, ViewDefinition } from "../catalog.js";
import type { ColumnDef, DataType, Expr, QualifiedName, ShowLike } from "../parser/ast.js";
import { printExpr, printFlinkStyle, printQuery } from "../parser/printer.js";
import { compileExpression } from "./compile-expression.js";
import { flinkTypeText, quoted, quotedString } from "./flink-type-text.js";
import { invalid } from "./problems.js";
import { type Column, rowScope } from "./relation.js";
import type { Row } from "./values.js";
import { expandViewQuery, type QueryColumns } from "./view-expansion.js";

/** The catalog of a Fleuve SQL environment (Flink's default in-memory catalog). */
export const DEFAULT_CATALOG = "default_catalog";
/** The database of {@link DEFAULT_CATALOG}. */
export const DEFAULT_DATABASE = "default_database";

/** Flink's `catalog.database.name` of a table of the environment (asSummaryString). */
export function summaryIdentifier(name: string): string {
  return `${DEFAULT_CATALOG}.${DEFAULT_DATABASE}.${name}`;
}

/** Flink's `` `catalog`.`database`.`name` `` of a table of the environment (asSerializableString). */
export function serializableIdentifier(name: string): string {
  return [DEFAULT_CATALOG, DEFAULT_DATABASE, name].map(quoted).join(".");
}

/**
 * Flink's name for the job of INSERTs into `tables` (as written): `insert-into_` and the sink
 * tables' full names, comma separated
 * (`insert-into_default_catalog.default_database.t1,default_catalog.default_database.t2`).
 */
export function insertJobName(tables: readonly QualifiedName[]): string {
  return `insert-into_${tables.map((t) => `${DEFAULT_CATALOG}.${DEFAULT_DATABASE}.${t.parts[t.parts.length - 1]}`).join(",")}`;
}

/**
 * The name of a table in the catalog for `name` as written: `t`, `default_database.t` or
 * `default_catalog.default_database.t`; another catalog or database fails, naming it.
 */
export function localName(name: QualifiedName): string {
  const parts = name.parts;
  if (parts.length <= 1) return parts.join(".");
  const table = parts[parts.length - 1] as string;
  const database = parts[parts.length - 2] as string;
  const catalog = parts.length >= 3 ? (parts[parts.length - 3] as string) : DEFAULT_CATALOG;
  if (parts.length > 3 || catalog !== DEFAULT_CATALOG) throw unknownCatalog(parts.slice(0, -2).join("."));
  if (database !== DEFAULT_DATABASE) throw unknownDatabase(database);
  return table;
}

/** Flink's error for a catalog that is not there (CatalogManager.getCatalogOrError). */
export function unknownCatalog(catalog: string) {
  return invalid(
    `A catalog with name [${catalog}] does not exist. Fleuve SQL has the one catalog ${DEFAULT_CATALOG}`,
    undefined,
    { catalog },
  );
}

/** Flink's error for a database that is not there. */
export function unknownDatabase(database: string) {
  return invalid(
    `A database with name [${database}] does not exist in the catalog: [${DEFAULT_CATALOG}]. Fleuve SQL has the one database ${DEFAULT_DATABASE}`,
    undefined,
    { database },
  );
}

/** Flink's error for DESCRIBE, SHOW COLUMNS and SHOW CREATE of a name that is not a table or view. */
export function unknownTableOrView(name: string) {
  return invalid(
    `Tables or views with the identifier '${summaryIdentifier(name)}' doesn't exist.`,
    undefined,
    { table: name },
  );
}

/**
 * Whether `name` matches the SQL LIKE `pattern` as Flink's SHOW matches it (SqlLikeUtils.like
 * with `\` as the escape): `%` any run of characters, `_` one character, `\%` and `\_` themselves;
 * case-sensitive.
 */
export function likeMatches(name: string, pattern: string): boolean {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === "\\" && i + 1 < pattern.length) {
      i++;
      re += (pattern[i] as string).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    } else if (ch === "%") re += "[\\s\\S]*";
    else if (ch === "_") re += "[\\s\\S]";
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "u").test(name);
}

/** `names` kept by a `[NOT] LIKE` filter (all of them without one). */
export function filterLike<T>(
  items: readonly T[],
  like: ShowLike | undefined,
  nameOf: (t: T) => string,
): T[] {
  if (like === undefined) return [...items];
  return items.filter((t) => likeMatches(nameOf(t), like.pattern) !== like.not);
}

/** An expression as Flink's SHOW CREATE and DESCRIBE write it: names back-quoted. */
export function flinkExprText(e: Expr): string {
  return printFlinkStyle(() => printExpr(e));
}

/**
 * The functions of Calcite's SqlStdOperatorTable that a computed column may call: Flink 1.20
 * writes them bare in a column added by ALTER TABLE, every other function back-quoted (probed:
 * UPPER, CHAR_LENGTH, COALESCE, ABS, JSON_VALUE, MOD bare; PROCTIME, NOW, DATE_FORMAT, CONCAT, IF,
 * SPLIT_INDEX, TO_TIMESTAMP, TO_TIMESTAMP_LTZ quoted).
 */
const CALCITE_FUNCTIONS: ReadonlySet<string> = new Set(
  (
    "ABS ACOS ASIN ATAN ATAN2 CARDINALITY CEIL CEILING CHAR_LENGTH CHARACTER_LENGTH COALESCE COS COT " +
    "CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DEGREES ELEMENT EXP FLOOR INITCAP JSON_ARRAY " +
    "JSON_EXISTS JSON_OBJECT JSON_QUERY JSON_VALUE LN LOCALTIME LOCALTIMESTAMP LOG10 LOWER MOD NULLIF " +
    "OCTET_LENGTH OVERLAY PI POSITION POWER RADIANS RAND RAND_INTEGER REPLACE ROUND SIGN SIN SQRT " +
    "SUBSTRING TAN TIMESTAMPADD TIMESTAMPDIFF TRIM TRUNCATE UPPER"
  ).split(" "),
);

/** A computed column's expression as Flink 1.20 writes it (see `altered` of the column). */
function computedText(c: ColumnDef & { kind: "computed" }): string {
  if (c.altered !== true) return flinkExprText(c.expr);
  return printFlinkStyle(() => printExpr(c.expr), {
    userFunction: (name) => (CALCITE_FUNCTIONS.has(name) ? undefined : name),
  });
}

/** The primary key columns of a table: PRIMARY KEY (...) or a column's inline PRIMARY KEY. */
function primaryKeyOf(def: TableDefinition): readonly string[] {
  return (
    def.primaryKey?.columns ??
    def.columns.flatMap((c) => (c.kind === "physical" && c.primaryKey ? [c.name] : []))
  );
}

/**
 * The name Flink 1.20 gives a primary key declared without CONSTRAINT name: `PK_` and its
 * columns joined by `_` (Schema.Builder.primaryKey; `PRIMARY KEY (id, p)` is `PK_id_p`, checked on
 * bench/flink).
 */
export function primaryKeyName(columns: readonly string[]): string {
  return `PK_${columns.join("_")}`;
}

/** One column of a table as DESCRIBE sees it. */
interface DescribedColumn {
  readonly name: string;
  readonly type: DataType | undefined;
  /** `*ROWTIME*` or `*PROCTIME*` after the type. */
  readonly attribute?: "ROWTIME" | "PROCTIME";
  readonly key?: string;
  /** Column.explainExtras: `AS expr`, `METADATA FROM 'key' VIRTUAL`. */
  readonly extras?: string;
  readonly watermark?: string;
  readonly comment?: string;
}

/** The processing-time attribute's type, TIMESTAMP_LTZ(3) NOT NULL. */
const PROCTIME_TYPE: DataType = { kind: "atomic", name: "TIMESTAMP_LTZ", args: [3], notNull: true };

/**
 * The type of computed column `expr` of table `def` over the columns `known`: `PROCTIME()` is the
 * processing-time attribute (TIMESTAMP_LTZ(3) NOT NULL), anything else its compiled type.
 */
export function computedColumnType(
  def: TableDefinition,
  expr: Expr,
  known: readonly Column[],
): DataType | undefined {
  if (expr.kind === "call" && expr.name.toUpperCase() === "PROCTIME" && expr.args.length === 0)
    return PROCTIME_TYPE;
  return compileExpression(expr, rowScope({ columns: known }, `table ${def.name.parts.join(".")}`)).type;
}

/**
 * The columns of table `def` in the order declared, typed as Flink resolves them (the primary key's
 * columns NOT NULL already, see withKeyColumnsNotNull): a computed column typed by its expression,
 * `PROCTIME()` TIMESTAMP_LTZ(3) NOT NULL.
 */
function tableColumns(def: TableDefinition): DescribedColumn[] {
  const key = primaryKeyOf(def);
  const keyText = key.length === 0 ? undefined : `PRI(${key.join(", ")})`;
  const known: Column[] = def.columns.flatMap((c) =>
    c.kind === "computed" ? [] : [{ name: c.name, type: c.type }],
  );
  const out: DescribedColumn[] = [];
  for (const c of def.columns) {
    let type: DataType | undefined;
    let extras: string | undefined;
    let attribute: DescribedColumn["attribute"];
    if (c.kind === "computed") {
      extras = `AS ${computedText(c)}`;
      type = computedColumnType(def, c.expr, known);
      if (type === PROCTIME_TYPE) attribute = "PROCTIME";
      known.push({ name: c.name, type });
    } else {
      type = c.type;
      if (c.kind === "metadata")
        extras = `METADATA${c.key === undefined ? "" : ` FROM ${quotedString(c.key)}`}${c.virtual ? " VIRTUAL" : ""}`;
    }
    const rowtime = def.watermark?.column === c.name;
    if (rowtime) attribute = "ROWTIME";
    out.push({
      name: c.name,
      type,
      ...(attribute === undefined ? {} : { attribute }),
      ...(keyText !== undefined && key.includes(c.name) ? { key: keyText } : {}),
      ...(extras === undefined ? {} : { extras }),
      ...(rowtime && def.watermark ? { watermark: flinkExprText(def.watermark.expr) } : {}),
      ...(c.comment === undefined ? {} : { comment: c.comment }),
    });
  }
  return out;
}

/** The result of DESCRIBE / SHOW COLUMNS: its column names and rows. */
export interface DescribeResult {
  readonly columns: string[];
  readonly rows: Row[];
}

/**
 * DESCRIBE and SHOW COLUMNS of a table or view (Flink's ShowColumnsOperation): `view` gives a
 * view's columns as its query resolves them (no key, extras or watermark, as Flink shows a view).
 */
export function describeRows(
  source: { table: TableDefinition } | { view: readonly Column[]; rowtime?: string; proctime?: string },
  like?: ShowLike,
): DescribeResult {
  const described: DescribedColumn[] =
    "table" in source
      ? tableColumns(source.table)
      : source.view.map((c) => ({
          name: c.name,
          type: c.type,
          ...(c.name === source.rowtime
            ? { attribute: "ROWTIME" as const }
            : c.name === source.proctime
              ? { attribute: "PROCTIME" as const }
              : {}),
        }));
  // Flink adds the comment column only when a column of the table has a comment.
  const withComment = described.some((c) => c.comment !== undefined);
  const columns = ["name", "type", "null", "key", "extras", "watermark", ...(withComment ? ["comment"] : [])];
  const rows = filterLike(described, like, (c) => c.name).map((c) => {
    const type = c.type === undefined ? "" : flinkTypeText({ ...c.type, notNull: false }, true);
    const row: Row = {
      name: c.name,
      type: c.attribute === undefined ? type : `${type} *${c.attribute}*`,
      null: c.type === undefined ? true : !c.type.notNull,
      key: c.key ?? null,
      extras: c.extras ?? null,
      watermark: c.watermark ?? null,
    };
    if (withComment) row.comment = c.comment ?? null;
    return row;
  });
  return { columns, rows };
}

/** `SHOW CREATE TABLE`: the DDL of `def` as Flink 1.20's ShowCreateUtil writes it. */
export function showCreateTable(def: TableDefinition): string {
  const indent = "  ";
  const name = def.name.parts[def.name.parts.length - 1] as string;
  const key = primaryKeyOf(def);
  const elements = def.columns.map((c) => {
    let s = `${indent}${quoted(c.name)} `;
    if (c.kind === "computed") s += `AS ${computedText(c)}`;
    else {
      s += flinkTypeText(c.type, false);
      if (c.kind === "metadata")
        s += ` METADATA${c.key === undefined ? "" : ` FROM ${quotedString(c.key)}`}${c.virtual ? " VIRTUAL" : ""}`;
    }
    if (c.comment !== undefined && c.comment !== "") s += ` COMMENT ${quotedString(c.comment)}`;
    return s;
  });
  if (def.watermark !== undefined)
    elements.push(
      `${indent}WATERMARK FOR ${quoted(def.watermark.column)} AS ${flinkExprText(def.watermark.expr)}`,
    );
  if (key.length > 0) {
    const constraint = def.primaryKey?.name ?? primaryKeyName(key);
    elements.push(
      `${indent}CONSTRAINT ${quoted(constraint)} PRIMARY KEY (${key.map(quoted).join(", ")}) NOT ENFORCED`,
    );
  }
  let text = `CREATE ${def.temporary ? "TEMPORARY " : ""}TABLE ${serializableIdentifier(name)} (\n${elements.join(",\n")}\n) `;
  if (def.comment !== undefined && def.comment !== "") text += `COMMENT ${quotedString(def.comment)}\n`;
  if (def.partitionedBy.length > 0) text += `PARTITIONED BY (${def.partitionedBy.map(quoted).join(", ")})\n`;
  if (def.options.length > 0) {
    // Flink keeps the options in a map and writes them sorted by key.
    const options = [...def.options].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    text += `WITH (\n${options.map((o) => `${indent}${quotedString(o.key)} = ${quotedString(o.value)}`).join(",\n")}\n)\n`;
  }
  return text;
}

/**
 * `SHOW CREATE VIEW`: `CREATE VIEW id(columns) as` and the view's expanded query, as Flink 1.20's
 * ShowCreateUtil writes it. The expanded query is the query as written with its identifiers
 * resolved (see view-expansion.ts: tables fully qualified, columns qualified by their table),
 * written as Calcite unparses it: every name back-quoted, each clause and join on its own line.
 * `columnsOf` gives the columns of a query (the view's FROM items); `userFunction` the
 * registered name of a user function called in it.
 */
export function showCreateView(
  view: ViewDefinition,
  columns: readonly string[],
  catalog: Catalog,
  columnsOf: QueryColumns,
  userFunction: (name: string) => string | undefined,
): string {
  const name = view.name.parts[view.name.parts.length - 1] as string;
  const query = printFlinkStyle(() => printQuery(expandViewQuery(view.query, columnsOf)), {
    table: (parts) =>
      parts.length === 1 && catalog.lookup(parts[0] as string) !== undefined
        ? [DEFAULT_CATALOG, DEFAULT_DATABASE, parts[0] as string]
        : parts,
    userFunction,
  });
  return `CREATE ${view.temporary ? "TEMPORARY " : ""}VIEW ${serializableIdentifier(name)}(${columns.map(quoted).join(", ")}) as\n${query}`;
}

/**
 * `SHOW PARTITIONS t [PARTITION (k = 'v', ...)]` (Flink's ShowPartitionsOperation): one
 * `partition name` per partition having every pair of `filter`, `k1=v1/k2=v2` in the order of
 * PARTITIONED BY. Fleuve keeps no partitions in a catalog: a
 * `filesystem` table's partitions are the partition directories under its `path` (see
 * partitionDirectories); another connector's table has none listed. `def` undefined: a view, not
 * partitioned. Refuses what is not partitioned with Flink's message (TableNotPartitionedException,
 * reported as the cause of "Could not execute SHOW PARTITIONS ...").
 */
export function showPartitions(
  name: string,
  def: TableDefinition | undefined,
  filter: readonly (readonly [string, string])[] = [],
): string[] {
  if (def === undefined || def.partitionedBy.length === 0)
    throw invalid(
      `Could not execute SHOW PARTITIONS ${summaryIdentifier(name)}. Table ${DEFAULT_DATABASE}.${name} in catalog ${DEFAULT_CATALOG} is not partitioned.`,
      undefined,
      { table: name },
    );
  const option = (key: string) => def.options.find((o) => o.key === key)?.value;
  const path = option("path");
  if (option("connector") !== "filesystem" || path === undefined) return [];
  // PARTITION (k = 'v', ...): the partitions having every pair of it (Flink's catalogs match so).
  return partitionDirectories(localPath(path), def.partitionedBy)
    .filter((spec) => filter.every(([k, v]) => spec.some(([sk, sv]) => sk === k && sv === v)))
    .map((spec) => spec.map(([k, v]) => `${k}=${v}`).join("/"));
}
