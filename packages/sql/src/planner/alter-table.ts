/**
 * What ALTER TABLE makes of a catalog table, as Flink 1.20 does: RENAME TO, SET and RESET change
 * its catalog entry; its columns, primary key and watermark change as Flink's
 * AlterSchemaConverter changes them: ADD / MODIFY (columns with FIRST / AFTER, a primary key, a
 * watermark), DROP (columns), DROP PRIMARY KEY / CONSTRAINT / WATERMARK, RENAME c1 TO c2. The
 * checks and their messages are Flink's (checked on bench/flink): "Failed to execute ALTER TABLE
 * statement." and, on the next line, what is wrong. The new schema is then resolved as Flink
 * resolves one (computed columns over the physical and metadata columns, the watermark's
 * rowtime column, the key's columns), so a change that breaks a computed column fails.
 */

import type { TableDefinition } from "../catalog.js";
import type { AlterElement, ColumnDef, DataType, NamedAt, SourcePos, Statement } from "../parser/ast.js";
import { computedColumnType, flinkExprText, primaryKeyName } from "./catalog-statements.js";
import { flinkTypeText } from "./flink-type-text.js";
import { javaHashMapOrder } from "./java-hash-order.js";
import { invalid } from "./problems.js";
import type { Column } from "./relation.js";

/** The ALTER TABLE changes of columns, key and watermark (all but RENAME TO, SET and RESET). */
type ColumnChange = Exclude<TableChange, { readonly kind: "rename" | "set" | "reset" }>;

const PREFIX = "Failed to execute ALTER TABLE statement.\n";
const STRING_TYPE: DataType = { kind: "atomic", name: "STRING", args: [], notNull: false };

/** Flink's error for an ALTER TABLE that its AlterSchemaConverter refuses. */
function refused(def: TableDefinition, message: string, pos?: SourcePos) {
  return invalid(`${PREFIX}${message}`, pos, { table: def.name.parts.join(".") });
}

const tick = (name: string) => `\`${name}\``;

/** The primary key of `def` (its PRIMARY KEY, or a column's inline one) and the name it goes by. */
function keyOf(def: TableDefinition): { name: string; columns: readonly string[] } | undefined {
  const columns =
    def.primaryKey?.columns ??
    def.columns.flatMap((c) => (c.kind === "physical" && c.primaryKey ? [c.name] : []));
  if (columns.length === 0) return undefined;
  return { name: def.primaryKey?.name ?? primaryKeyName(columns), columns };
}

/** The primary key of `def` as declared (its name only when CONSTRAINT name gave one). */
function declaredKey(def: TableDefinition): { name?: string; columns: readonly string[] } | undefined {
  const key = keyOf(def);
  if (key === undefined) return undefined;
  return def.primaryKey?.name === undefined
    ? { columns: key.columns }
    : { name: key.name, columns: key.columns };
}

/** `def` with primary key `key` (none: undefined), held as PRIMARY KEY only (no inline flags left). */
function withKey(
  def: TableDefinition,
  columns: readonly ColumnDef[],
  key: { name?: string; columns: readonly string[] } | undefined,
): TableDefinition {
  const plain = columns.map((c) => (c.kind === "physical" && c.primaryKey ? { ...c, primaryKey: false } : c));
  const { primaryKey: _old, ...rest } = def;
  return key === undefined ? { ...rest, columns: plain } : { ...rest, columns: plain, primaryKey: key };
}

/** The names of the columns `e` reads (its column references' first parts). */
function referencedColumns(e: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(e)) for (const x of e) referencedColumns(x, out);
  else if (typeof e === "object" && e !== null) {
    const node = e as { kind?: unknown; name?: { parts?: readonly string[] } };
    if (node.kind === "column" && node.name?.parts?.[0] !== undefined) out.add(node.name.parts[0]);
    else for (const v of Object.values(e)) referencedColumns(v, out);
  }
  return out;
}

/** Names in the order a Java HashSet of them iterates (Flink's ReferencesManager holds HashSets). */
function hashSetOrder(names: Iterable<string>): string[] {
  return javaHashMapOrder(
    [...names].map((n): [string, string] => [n, n]),
    STRING_TYPE,
  ).map(([n]) => n);
}

/**
 * What refers to the columns of `def` (Flink's ReferencesManager): the computed columns reading
 * each column, the columns each computed column reads, the key, the partition keys and the
 * watermark's columns (its rowtime column and what its expression reads).
 */
class References {
  readonly columns: Set<string>;
  readonly readers = new Map<string, Set<string>>();
  readonly reads = new Map<string, Set<string>>();
  readonly key: ReadonlySet<string>;
  readonly partitionKeys: ReadonlySet<string>;
  readonly watermark = new Set<string>();

  constructor(private readonly def: TableDefinition) {
    this.columns = new Set(def.columns.map((c) => c.name));
    for (const c of def.columns) {
      if (c.kind !== "computed") continue;
      const reads = referencedColumns(c.expr);
      this.reads.set(c.name, reads);
      for (const r of reads) {
        const readers = this.readers.get(r) ?? new Set<string>();
        readers.add(c.name);
        this.readers.set(r, readers);
      }
    }
    this.key = new Set(keyOf(def)?.columns ?? []);
    this.partitionKeys = new Set(def.partitionedBy);
    if (def.watermark !== undefined) {
      this.watermark.add(def.watermark.column);
      for (const r of referencedColumns(def.watermark.expr)) this.watermark.add(r);
    }
  }

  /** Fails as Flink does when `column` is not there or something other than the key refers to it. */
  check(column: NamedAt): void {
    const name = column.name;
    if (!this.columns.has(name))
      throw refused(this.def, `The column ${tick(name)} does not exist in the base table.`, column.pos);
    const readers = this.readers.get(name);
    if (readers !== undefined && readers.size > 0)
      throw refused(
        this.def,
        `The column ${tick(name)} is referenced by computed column ${hashSetOrder(readers).map(tick).join(", ")}.`,
        column.pos,
      );
    if (this.partitionKeys.has(name))
      throw refused(this.def, `The column ${tick(name)} is used as the partition keys.`, column.pos);
    if (this.watermark.has(name))
      throw refused(this.def, `The column ${tick(name)} is referenced by watermark expression.`, column.pos);
  }

  /** Drops `column` after {@link check}; the key's columns cannot be dropped. */
  drop(column: NamedAt): void {
    this.check(column);
    if (this.key.has(column.name))
      throw refused(this.def, `The column ${tick(column.name)} is used as the primary key.`, column.pos);
    for (const r of this.reads.get(column.name) ?? []) this.readers.get(r)?.delete(column.name);
    this.reads.delete(column.name);
    this.columns.delete(column.name);
  }
}

/** ADD / MODIFY: Flink's AddSchemaConverter and ModifySchemaConverter. */
function addOrModify(def: TableDefinition, kind: "add" | "modify", elements: readonly AlterElement[]) {
  const table = def.name.parts.join(".");
  const keys = elements.flatMap((e) =>
    e.kind === "primaryKey"
      ? [{ ...(e.name === undefined ? {} : { name: e.name }), columns: e.columns, pos: e.pos }]
      : e.kind === "column" && e.column.kind === "physical" && e.column.primaryKey
        ? [{ columns: [e.column.name], pos: e.column.pos }]
        : [],
  );
  // Flink's parser refuses these before the statement runs, without the ALTER TABLE prefix.
  if (keys.length > 1) throw invalid("Duplicate primary key definition", keys[1]?.pos, { table });
  const watermarks = elements.filter((e) => e.kind === "watermark");
  if (watermarks.length > 1)
    throw invalid(
      "SQL parse failed. Multiple WATERMARK statements is not supported yet.",
      watermarks[1]?.pos,
      {
        table,
      },
    );

  const columns = [...def.columns];
  const altered = new Set<string>();
  for (const e of elements) {
    if (e.kind !== "column") continue;
    const name = e.column.name;
    if (altered.has(name)) throw refused(def, `Encounter duplicate column ${tick(name)}.`, e.column.pos);
    altered.add(name);
    const at = columns.findIndex((c) => c.name === name);
    if (kind === "add" && at >= 0)
      throw refused(
        def,
        `Try to add a column ${tick(name)} which already exists in the table.`,
        e.column.pos,
      );
    if (kind === "modify" && at < 0)
      throw refused(
        def,
        `Try to modify a column ${tick(name)} which does not exist in the table.`,
        e.column.pos,
      );
    let column: ColumnDef =
      e.column.kind === "physical"
        ? { ...e.column, primaryKey: false }
        : e.column.kind === "computed"
          ? { ...e.column, altered: true }
          : e.column;
    // MODIFY without COMMENT keeps the column's comment (Flink's ModifySchemaConverter).
    const old = columns[at];
    if (kind === "modify" && column.comment === undefined && old?.comment !== undefined)
      column = { ...column, comment: old.comment };
    const p = e.position;
    if (p !== undefined && "after" in p && !columns.some((c) => c.name === p.after.name))
      throw refused(
        def,
        `Referenced column ${tick(p.after.name)} by 'AFTER' does not exist in the table.`,
        p.after.pos,
      );
    if (p === undefined) {
      if (at >= 0) columns[at] = column;
      else columns.push(column);
      continue;
    }
    if (at >= 0) columns.splice(at, 1);
    // AFTER itself (MODIFY a ... AFTER a) finds no column once it is taken out: index -1 + 1, FIRST.
    const to = "first" in p ? 0 : columns.findIndex((c) => c.name === p.after.name) + 1;
    columns.splice(to, 0, column);
  }

  let watermark = def.watermark;
  for (const w of watermarks) {
    checkAddOrModify(
      def,
      kind,
      { defined: "watermark strategy", missing: "watermark" },
      watermark && `${tick(watermark.column)} AS ${flinkExprText(watermark.expr)}`,
      w.pos,
    );
    watermark = { column: w.column, expr: w.expr, pos: w.pos };
  }

  let key: { name?: string; columns: readonly string[] } | undefined = keyOf(def);
  for (const k of keys) {
    const what = "primary key constraint";
    checkAddOrModify(
      def,
      kind,
      { defined: what, missing: what },
      key && `[${key.columns.map(tick).join(", ")}]`,
      k.pos,
    );
    // Flink's Schema.Builder names a key declared without CONSTRAINT PK_ and its columns.
    key = { name: k.name ?? `PK_${k.columns.join("_")}`, columns: k.columns };
  }
  const { watermark: _old, ...rest } = def;
  return withKey(watermark === undefined ? rest : { ...rest, watermark }, columns, key);
}

/**
 * ADD refuses a watermark or primary key the table already has (`existing`: Flink's text of it),
 * MODIFY one it has not, with Flink's messages (`what`: their names for it in each).
 */
function checkAddOrModify(
  def: TableDefinition,
  kind: "add" | "modify",
  what: { readonly defined: string; readonly missing: string },
  existing: string | undefined,
  pos: SourcePos | undefined,
): void {
  if (kind === "add" && existing !== undefined)
    throw refused(
      def,
      `The base table has already defined the ${what.defined} ${existing}. You might want to drop it before adding a new one.`,
      pos,
    );
  if (kind === "modify" && existing === undefined)
    throw refused(
      def,
      `The base table does not define any ${what.missing}. You might want to add a new one.`,
      pos,
    );
}

/** DROP (columns): Flink's order (most dependencies first, then a HashSet's) and checks. */
function dropColumns(def: TableDefinition, dropped: readonly NamedAt[]): TableDefinition {
  const names = new Set<string>();
  for (const c of dropped) {
    if (names.has(c.name)) throw refused(def, `Duplicate column ${tick(c.name)}.`, c.pos);
    names.add(c.name);
  }
  const refs = new References(def);
  const posOf = new Map(dropped.map((c) => [c.name, c.pos]));
  const order = hashSetOrder(names)
    .map((name, i) => ({ name, i, n: refs.reads.get(name)?.size ?? 0 }))
    .sort((x, y) => y.n - x.n || x.i - y.i);
  for (const { name } of order) refs.drop({ name, pos: posOf.get(name) as SourcePos });
  return withKey(
    def,
    def.columns.filter((c) => !names.has(c.name)),
    declaredKey(def),
  );
}

/** RENAME c1 TO c2: c1 must exist and nothing but the key refer to it; the key keeps its name. */
function renameColumn(def: TableDefinition, from: NamedAt, to: NamedAt): TableDefinition {
  new References(def).check(from);
  if (def.columns.some((c) => c.name === to.name))
    throw refused(def, `The column ${tick(to.name)} already existed in table schema.`, to.pos);
  const key = keyOf(def);
  return withKey(
    def,
    def.columns.map((c) => (c.name === from.name ? { ...c, name: to.name } : c)),
    key === undefined
      ? undefined
      : { name: key.name, columns: key.columns.map((k) => (k === from.name ? to.name : k)) },
  );
}

/**
 * Fails as Flink's SchemaResolver does when `def` is not a valid schema: a computed column over
 * what is not a physical or metadata column (or not typed), a watermark on a missing column or on
 * one not TIMESTAMP(p) / TIMESTAMP_LTZ(p) with p in 0..3, a key on a missing, non-physical or
 * repeated column.
 */
function resolve(def: TableDefinition): void {
  const known: Column[] = def.columns.flatMap((c) =>
    c.kind === "computed" ? [] : [{ name: c.name, type: c.type }],
  );
  const types = new Map<string, DataType>();
  for (const c of def.columns) {
    if (c.kind !== "computed") {
      types.set(c.name, c.type);
      continue;
    }
    try {
      const type = computedColumnType(def, c.expr, known);
      if (type !== undefined) types.set(c.name, type);
    } catch (err) {
      const cause = err instanceof Error ? err.message.split("\n")[0] : String(err);
      throw refused(def, `Invalid expression for computed column '${c.name}'.\n${cause}`);
    }
  }
  const w = def.watermark;
  if (w !== undefined) {
    if (!def.columns.some((c) => c.name === w.column))
      throw refused(
        def,
        `Invalid column name '${w.column}' for rowtime attribute in watermark declaration. Available columns are: [${def.columns.map((c) => c.name).join(", ")}]`,
        w.pos,
      );
    const type = types.get(w.column);
    // TIMESTAMP and TIMESTAMP_LTZ without a precision are 6.
    const precision = type?.kind === "atomic" ? (type.args[0] ?? 6) : -1;
    const isTime = type?.kind === "atomic" && (type.name === "TIMESTAMP" || type.name === "TIMESTAMP_LTZ");
    if (type !== undefined && (!isTime || precision < 0 || precision > 3))
      throw refused(
        def,
        `Invalid data type of time field for watermark definition. The field must be of type TIMESTAMP(p) or TIMESTAMP_LTZ(p), the supported precision 'p' is from 0 to 3, but the time field type is ${flinkTypeText(type, true)}`,
        w.pos,
      );
  }
  const key = keyOf(def);
  if (key !== undefined) {
    for (const k of key.columns) {
      const column = def.columns.find((c) => c.name === k);
      if (column === undefined)
        throw refused(def, `Invalid primary key '${key.name}'. Column '${k}' does not exist.`);
      if (column.kind !== "physical")
        throw refused(def, `Invalid primary key '${key.name}'. Column '${k}' is not a physical column.`);
    }
    const repeated = key.columns.filter((k, i) => key.columns.indexOf(k) !== i);
    if (repeated.length > 0)
      throw refused(
        def,
        `Invalid primary key '${key.name}'. A primary key must not contain duplicate columns. Found: [${hashSetOrder(new Set(repeated)).join(", ")}]`,
      );
  }
}

/** Table `def` after `change` of its columns, key or watermark, as Flink 1.20 makes it. */
function alteredColumns(def: TableDefinition, change: ColumnChange): TableDefinition {
  let next: TableDefinition;
  switch (change.kind) {
    case "add":
    case "modify":
      next = addOrModify(def, change.kind, change.elements);
      break;
    case "dropColumns":
      next = dropColumns(def, change.columns);
      break;
    case "dropPrimaryKey":
      if (keyOf(def) === undefined) throw refused(def, "The base table does not define any primary key.");
      next = withKey(def, def.columns, undefined);
      break;
    case "dropConstraint": {
      const key = keyOf(def);
      if (key === undefined) throw refused(def, "The base table does not define any primary key.");
      if (key.name !== change.name.name)
        throw refused(
          def,
          `The base table does not define a primary key constraint named '${change.name.name}'. Available constraint name: ['${key.name}'].`,
          change.name.pos,
        );
      next = withKey(def, def.columns, undefined);
      break;
    }
    case "dropWatermark": {
      if (def.watermark === undefined)
        throw refused(def, "The base table does not define any watermark strategy.");
      const { watermark: _w, ...rest } = def;
      next = rest;
      break;
    }
    case "renameColumn":
      next = renameColumn(def, change.from, change.to);
      break;
  }
  resolve(next);
  return next;
}

/** What an ALTER TABLE statement changes. */
export type TableChange = (Statement & { kind: "alterTable" })["change"];

/**
 * Table `def` after ALTER TABLE's `change`: renamed (RENAME TO), its options set, a key already
 * there taking the new value in its place (SET), or removed (RESET), as Flink's
 * AlterTableChangeOperation changes a catalog table; its columns, key or watermark changed (see
 * {@link alteredColumns}). RESET of 'connector' fails as in Flink: a
 * table without one would no longer say what it reads.
 */
export function alteredTable(def: TableDefinition, change: TableChange): TableDefinition {
  switch (change.kind) {
    case "add":
    case "modify":
    case "dropColumns":
    case "dropPrimaryKey":
    case "dropConstraint":
    case "dropWatermark":
    case "renameColumn":
      return alteredColumns(def, change);
    case "rename":
      return { ...def, name: change.to };
    case "set": {
      const options = def.options.map((o) => change.options.findLast((n) => n.key === o.key) ?? o);
      for (const n of change.options)
        if (!options.some((o) => o.key === n.key))
          options.push(change.options.findLast((m) => m.key === n.key) ?? n);
      return { ...def, options };
    }
    case "reset": {
      if (change.keys.some((k) => k.toLowerCase() === "connector"))
        throw invalid("ALTER TABLE RESET does not support changing 'connector'", undefined, {
          table: def.name.parts.join("."),
        });
      return { ...def, options: def.options.filter((o) => !change.keys.includes(o.key)) };
    }
  }
}
