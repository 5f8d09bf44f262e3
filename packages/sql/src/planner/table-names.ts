/**
 * Table names written with their catalog and database, as Flink 1.20 resolves them: every
 * statement that names a table takes `t`, `default_database.t` and
 * `default_catalog.default_database.t` for the same table (probed on bench/flink: INSERT, SELECT
 * FROM, CREATE TABLE / VIEW, DROP, DESCRIBE, ALTER). A Fleuve SQL environment has one catalog
 * and one database, so a name is rewritten to the table's own name once, before planning; a name
 * in another catalog or database is refused with the message Flink gives that statement for an
 * object that is not there.
 */

import type { QualifiedName, Query, Select, SourcePos, Statement, TableRef } from "../parser/ast.js";
import { DEFAULT_CATALOG, DEFAULT_DATABASE } from "./catalog-statements.js";
import { invalid } from "./problems.js";

/** How a statement refuses a table name outside the default catalog and database. */
type Refusal = (path: readonly string[], name: QualifiedName) => Error;

/**
 * `name` as one part when it names the default catalog's default database (`t`,
 * `default_database.t`, `default_catalog.default_database.t`); undefined for another name.
 */
function localPart(name: QualifiedName): string | undefined {
  const p = name.parts;
  if (p.length === 1) return p[0];
  if (p.length === 2 && p[0] === DEFAULT_DATABASE) return p[1];
  if (p.length === 3 && p[0] === DEFAULT_CATALOG && p[1] === DEFAULT_DATABASE) return p[2];
  return undefined;
}

/** The catalog, database and name `name` stands for (Flink fills in the current ones). */
function fullPath(name: QualifiedName): readonly string[] {
  const p = name.parts;
  if (p.length === 1) return [DEFAULT_CATALOG, DEFAULT_DATABASE, ...p];
  if (p.length === 2) return [DEFAULT_CATALOG, ...p];
  return p;
}

/** `name` rewritten to its own one part, or refused by `refuse`. */
function local(name: QualifiedName, refuse: Refusal, inQuery = false): QualifiedName {
  if (!inQuery && name.parts.length > 3)
    throw invalid("Object identifier must consist of 1 to 3 parts.", undefined, {
      table: name.parts.join("."),
    });
  const part = localPart(name);
  if (part === undefined) throw refuse(fullPath(name), name);
  return name.parts.length === 1 ? name : { ...name, parts: [part] };
}

const summary = (path: readonly string[]) => path.join(".");
const serializable = (path: readonly string[]) => path.map((p) => `\`${p.replace(/`/g, "``")}\``).join(".");

/**
 * Calcite's answer to a FROM name it cannot resolve, at the first part that is not there (probed:
 * `nodb.t` is "Object 'nodb' not found", `default_catalog.t` "Object 't' not found within
 * 'default_catalog'", `default_database.t.x` "Object 'x' not found within
 * 'default_catalog.default_database.t'").
 */
function objectNotFound(pos: SourcePos | undefined): Refusal {
  return (_path, name) => {
    const p = name.parts;
    const table = p.join(".");
    if (p[0] !== DEFAULT_CATALOG && p[0] !== DEFAULT_DATABASE)
      return invalid(`Object '${p[0]}' not found`, pos, { table });
    const path = p[0] === DEFAULT_CATALOG ? p : [DEFAULT_CATALOG, ...p];
    const known = path[1] === DEFAULT_DATABASE ? 3 : 1;
    return invalid(`Object '${path[known]}' not found within '${path.slice(0, known).join(".")}'`, pos, {
      table,
    });
  };
}

const tableRefused =
  (message: (path: readonly string[]) => string): Refusal =>
  (path) =>
    invalid(message(path), undefined, { table: summary(path) });

/**
 * Statement `s` with its table name as the table's own one part; a name in another catalog or
 * database is refused with `message` of its full path (DROP, DESCRIBE, SHOW ...).
 */
function localName<S extends { readonly name: QualifiedName }>(
  s: S,
  message: (path: readonly string[]) => string,
): S {
  return { ...s, name: local(s.name, tableRefused(message)) };
}

/** CREATE TABLE / VIEW into another database or catalog (Flink's CatalogManager). */
const cannotCreate = tableRefused((p) =>
  p[0] !== DEFAULT_CATALOG
    ? `Catalog ${p[0]} does not exist.`
    : `Could not execute CreateTable in path ${serializable(p)}: Database ${p[1]} does not exist in Catalog ${DEFAULT_CATALOG}.`,
);

/**
 * Every table name of query `q` (FROM, JOIN, a window function's `TABLE t`) as its own one part;
 * a name elsewhere fails with Calcite's "Object ... not found".
 */
export function localizeQuery<T extends Query>(q: T): T {
  return walk(q, undefined);
}

/**
 * The tables of FROM item `ref` that columns may qualify by their own name (Calcite's implicit
 * alias): a table without AS, at any depth of its joins.
 */
function implicitTables(ref: TableRef | undefined): string[] {
  if (ref === undefined) return [];
  if (ref.kind === "table") return ref.alias === undefined ? [localPart(ref.name) ?? ""] : [];
  if (ref.kind === "join") return [...implicitTables(ref.left), ...implicitTables(ref.right)];
  return [];
}

/**
 * How many leading parts of `parts` name a table by its database (`default_database.t`, `2`) or
 * catalog and database (`default_catalog.default_database.t`, `3`), 0 for neither, given that
 * `rest` parts must follow (a column: 1, a `*`'s qualifier: 0).
 */
function databaseQualified(parts: readonly string[], rest: number): number {
  if (parts.length >= 3 + rest && parts[0] === DEFAULT_CATALOG && parts[1] === DEFAULT_DATABASE) return 3;
  if (parts.length >= 2 + rest && parts[0] === DEFAULT_DATABASE) return 2;
  return 0;
}

/**
 * A column reference or `*` qualifier written with the table's database (and catalog), as Flink
 * 1.20 resolves them (probed on bench/flink): `default_database.t.id` and
 * `default_catalog.default_database.t.id` are `t.id` when `t` is a table of the FROM under its own
 * name (not under AS); otherwise Calcite's "Table 'default_database.t' not found".
 */
function localColumn(
  name: QualifiedName,
  rest: number,
  scope: readonly string[],
  pos: SourcePos | undefined,
) {
  const n = databaseQualified(name.parts, rest);
  if (n === 0) return name;
  const table = name.parts[n - 1] as string;
  if (!scope.includes(table))
    throw invalid(`Table '${name.parts.slice(0, n).join(".")}' not found`, pos, {
      table: name.parts.join("."),
    });
  return { ...name, parts: name.parts.slice(n - 1) };
}

/**
 * Rewrites the table names under `node`, returning `node` itself when none changed. `scope` holds
 * the tables columns may qualify by name in the enclosing SELECTs (see {@link localColumn}).
 */
function walk<T>(node: T, pos: SourcePos | undefined, scope: readonly string[] = []): T {
  if (Array.isArray(node)) {
    let changed = false;
    const out = node.map((v) => {
      const w = walk(v, pos, scope);
      if (w !== v) changed = true;
      return w;
    });
    return (changed ? out : node) as T;
  }
  if (node === null || typeof node !== "object" || Object.getPrototypeOf(node) !== Object.prototype)
    return node;
  const o = node as Record<string, unknown>;
  const at = (o.pos as SourcePos | undefined) ?? pos;
  const inner = o.kind === "select" ? [...implicitTables((o as unknown as Select).from), ...scope] : scope;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(o)) {
    let w: unknown;
    if (o.kind === "table" && k === "name") w = local(v as QualifiedName, objectNotFound(at), true);
    else if (o.kind === "tableArg" && k === "table") w = local(v as QualifiedName, objectNotFound(at), true);
    else if (o.kind === "column" && k === "name") w = localColumn(v as QualifiedName, 1, inner, at);
    else if (o.kind === "star" && k === "qualifier" && v !== undefined)
      w = localColumn(v as QualifiedName, 0, inner, at);
    else w = walk(v, at, inner);
    if (w !== v) (out ??= { ...o })[k] = w;
  }
  return (out ?? node) as T;
}

/**
 * Statement `s` with every table name it holds (its own and its queries') as the table's own one
 * part; a name in another catalog or database fails as Flink 1.20 fails that statement (probed:
 * INSERT "Cannot find table ...", DROP "Table with identifier ... does not exist.", DESCRIBE
 * "Tables or views with the identifier ... doesn't exist.", ALTER "Table ... doesn't exist or is a
 * temporary table."). IF EXISTS makes a DROP or ALTER of such a name do nothing, as there.
 */
export function localizeStatement(s: Statement): Statement | undefined {
  switch (s.kind) {
    case "createTable":
      return walk(
        {
          ...s,
          name: local(s.name, cannotCreate),
          ...(s.like === undefined ? {} : { like: local(s.like, likeNotFound(s.like)) }),
        },
        undefined,
      );
    case "createView":
      return walk({ ...s, name: local(s.name, cannotCreate) }, undefined);
    case "drop":
      if (s.object === "FUNCTION") return s;
      if (s.ifExists && localPart(s.name) === undefined) return undefined;
      return localName(
        s,
        (p) => `${s.object === "TABLE" ? "Table" : "View"} with identifier '${summary(p)}' does not exist.`,
      );
    case "alterTable": {
      if (s.ifExists && localPart(s.name) === undefined) return undefined;
      const missing = tableRefused((p) => `Table ${serializable(p)} doesn't exist or is a temporary table.`);
      const name = local(s.name, (p, n) => withPos(missing(p, n), s.pos));
      if (s.change.kind !== "rename") return walk({ ...s, name }, undefined);
      // Flink renames within the table's database: the new name's catalog and database are not read.
      const to = { ...s.change.to, parts: s.change.to.parts.slice(-1) };
      return { ...s, name, change: { ...s.change, to } };
    }
    case "describe":
    case "showColumns":
      return localName(s, (p) => `Tables or views with the identifier '${summary(p)}' doesn't exist.`);
    case "showCreate":
      return localName(
        s,
        (p) =>
          `Could not execute SHOW CREATE ${s.object}. ${s.object === "TABLE" ? "Table" : "View"} with identifier ${serializable(p)} does not exist.`,
      );
    case "showPartitions":
      return localName(
        s,
        (p) =>
          `Could not execute SHOW PARTITIONS ${summary(p)}. Table (or view) ${p[1]}.${p[2]} does not exist in Catalog ${p[0]}.`,
      );
    case "insert":
      return localizeInsert(s);
    case "statementSet":
      return { ...s, inserts: s.inserts.map(localizeInsert) };
    case "explain": {
      const inner = localizeStatement(s.statement);
      return inner === undefined ? undefined : { ...s, statement: inner };
    }
    case "query":
      return { ...s, query: localizeQuery(s.query) };
    default:
      return s;
  }
}

/**
 * An INSERT (or a Table API sink path) with its table's and its query's names local (see
 * {@link localizeStatement}).
 */
export function localizeInsert<T extends { table: QualifiedName; pos?: SourcePos }>(s: T): T {
  const refuse: Refusal = (p) =>
    s.pos === undefined ? cannotFindSink(p) : withPos(cannotFindSink(p), s.pos);
  return walk({ ...s, table: local(s.table, refuse) }, undefined);
}

/** Flink's refusal of a sink table that is not there (INSERT INTO, addInsert). */
export function cannotFindSink(path: readonly string[]) {
  return invalid(
    `Cannot find table '${serializable(path)}' in any of the catalogs [${DEFAULT_CATALOG}], nor as a temporary table.`,
    undefined,
    { table: summary(path) },
  );
}

/** The full path of `name` for a message (`default_catalog.default_database.t`). */
export function summaryPath(name: QualifiedName): string {
  return summary(fullPath(name));
}

function likeNotFound(like: QualifiedName): Refusal {
  return (p) =>
    invalid(`Source table '${serializable(p)}' of the LIKE clause not found in the catalog.`, undefined, {
      likeTable: like.parts.join("."),
    });
}

function withPos(err: Error, pos: SourcePos): Error {
  const e = err as Error & { details?: Record<string, unknown> };
  return invalid(e.message, pos, { ...(e.details ?? {}) });
}
