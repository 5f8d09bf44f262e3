/**
 * The tables and views `CREATE` statements define in one SQL environment (Flink's in-memory
 * catalog, one database). Names are case-sensitive, as in Flink.
 */

import type { DataStream } from "@fleuve/core";
import type { Query, Statement } from "./parser/ast.js";
import {
  DEFAULT_CATALOG,
  DEFAULT_DATABASE,
  serializableIdentifier,
  summaryIdentifier,
} from "./planner/catalog-statements.js";
import { invalid } from "./planner/problems.js";
import type { Row } from "./planner/values.js";

/** A table from CREATE TABLE. */
export type TableDefinition = Statement & { kind: "createTable" };
/** A view from CREATE VIEW. */
export type ViewDefinition = Statement & { kind: "createView" };

/**
 * A table over a DataStream (`createTemporaryView(name, stream, schema)`): its schema, parsed as
 * the column list of a CREATE TABLE without WITH, and the stream of rows it reads.
 */
export interface StreamTableDefinition {
  readonly schema: TableDefinition;
  readonly stream: DataStream<Row>;
}

/**
 * `def` with the columns of its primary key NOT NULL, as Flink resolves a schema: `id INT` under
 * `PRIMARY KEY (id) NOT ENFORCED` is `id INT NOT NULL` (in DESCRIBE, SHOW CREATE TABLE and the
 * type every query reads the column at).
 */
export function withKeyColumnsNotNull(def: TableDefinition): TableDefinition {
  const key = def.primaryKey?.columns ?? [];
  if (!def.columns.some((c) => c.kind === "physical" && key.includes(c.name) && !c.type.notNull)) return def;
  return {
    ...def,
    columns: def.columns.map((c) =>
      c.kind === "physical" && key.includes(c.name) ? { ...c, type: { ...c.type, notNull: true } } : c,
    ),
  };
}

/** Tables and views by name. */
export class Catalog {
  private readonly tables = new Map<string, TableDefinition>();
  private readonly views = new Map<string, ViewDefinition>();
  private readonly streams = new Map<string, StreamTableDefinition>();

  /**
   * Adds a table, its primary key's columns NOT NULL (see {@link withKeyColumnsNotNull}); an
   * existing name fails unless IF NOT EXISTS.
   */
  createTable(def: TableDefinition): void {
    this.add(def.name.parts.join("."), def.ifNotExists, () =>
      this.tables.set(def.name.parts.join("."), withKeyColumnsNotNull(def)),
    );
  }

  /** Adds a view; an existing name fails unless IF NOT EXISTS. */
  createView(def: ViewDefinition): void {
    this.add(def.name.parts.join("."), def.ifNotExists, () => this.views.set(def.name.parts.join("."), def));
  }

  /** Adds a table over a DataStream (its key's columns NOT NULL); an existing name fails. */
  createStreamTable(name: string, def: StreamTableDefinition): void {
    this.add(name, false, () =>
      this.streams.set(name, { ...def, schema: withKeyColumnsNotNull(def.schema) }),
    );
  }

  private add(name: string, ifNotExists: boolean, set: () => void): void {
    if (this.tables.has(name) || this.views.has(name) || this.streams.has(name)) {
      if (ifNotExists) return;
      throw invalid(`a table or view named ${name} already exists`, undefined, { table: name });
    }
    set();
  }

  /** Removes a table or view; a missing one fails unless IF EXISTS, with Flink 1.20's message. */
  drop(kind: "TABLE" | "VIEW", name: string, ifExists: boolean): void {
    // A DataStream table is a temporary view in Flink: DROP VIEW removes it.
    const removed =
      kind === "TABLE" ? this.tables.delete(name) : this.views.delete(name) || this.streams.delete(name);
    if (!removed && !ifExists)
      throw invalid(
        `${kind === "TABLE" ? "Table" : "View"} with identifier '${summaryIdentifier(name)}' does not exist.`,
        undefined,
        { table: name },
      );
  }

  /**
   * Replaces table `name` by `change` of its definition (ALTER TABLE), under the new definition's
   * name when that differs (RENAME TO): a missing table fails unless IF EXISTS, a view fails (ALTER
   * TABLE changes tables), and so does a new name already taken.
   */
  alterTable(name: string, ifExists: boolean, change: (def: TableDefinition) => TableDefinition): void {
    const def = this.tables.get(name);
    if (def === undefined) {
      // Flink 1.20's messages (AlterTableChangeOperation, SqlNodeToOperationConversion).
      if (this.views.has(name) || this.streams.has(name))
        throw invalid("ALTER TABLE for a view is not allowed", undefined, { table: name });
      if (ifExists) return;
      throw invalid(
        `Table ${serializableIdentifier(name)} doesn't exist or is a temporary table.`,
        undefined,
        { table: name },
      );
    }
    // A key ADD / MODIFY PRIMARY KEY declares makes its columns NOT NULL, as at CREATE TABLE.
    const next = withKeyColumnsNotNull(change(def));
    const to = next.name.parts.join(".");
    if (to !== name) {
      if (this.lookup(to) !== undefined)
        throw invalid(
          `Could not execute ALTER TABLE ${summaryIdentifier(name)} RENAME TO ${summaryIdentifier(to)}. Table (or view) ${DEFAULT_DATABASE}.${to} already exists in Catalog ${DEFAULT_CATALOG}.`,
          undefined,
          { table: to },
        );
      this.tables.delete(name);
    }
    this.tables.set(to, next);
  }

  /** The table or view called `name`, if any. */
  lookup(
    name: string,
  ):
    | { table: TableDefinition }
    | { view: ViewDefinition; query: Query }
    | { stream: StreamTableDefinition }
    | undefined {
    const t = this.tables.get(name);
    if (t) return { table: t };
    const s = this.streams.get(name);
    if (s) return { stream: s };
    const v = this.views.get(name);
    return v ? { view: v, query: v.query } : undefined;
  }

  /** Every table and view name, sorted. */
  names(): string[] {
    return [...this.tables.keys(), ...this.views.keys(), ...this.streams.keys()].sort();
  }
}
