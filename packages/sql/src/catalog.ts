/**
 * The tables and views `CREATE` statements define in one SQL environment (Flink's in-memory
 * catalog, one database). Names are case-sensitive, as in Flink.
 */

import type { Query, Statement } from "./parser/ast.js";
import { invalid } from "./planner/problems.js";

/** A table from CREATE TABLE. */
export type TableDefinition = Statement & { kind: "createTable" };
/** A view from CREATE VIEW. */
export type ViewDefinition = Statement & { kind: "createView" };

/** Tables and views by name. */
export class Catalog {
  private readonly tables = new Map<string, TableDefinition>();
  private readonly views = new Map<string, ViewDefinition>();

  /** Adds a table; an existing name fails unless IF NOT EXISTS. */
  createTable(def: TableDefinition): void {
    this.add(def.name.parts.join("."), def.ifNotExists, () => this.tables.set(def.name.parts.join("."), def));
  }

  /** Adds a view; an existing name fails unless IF NOT EXISTS. */
  createView(def: ViewDefinition): void {
    this.add(def.name.parts.join("."), def.ifNotExists, () => this.views.set(def.name.parts.join("."), def));
  }

  private add(name: string, ifNotExists: boolean, set: () => void): void {
    if (this.tables.has(name) || this.views.has(name)) {
      if (ifNotExists) return;
      throw invalid(`a table or view named ${name} already exists`, undefined, { table: name });
    }
    set();
  }

  /** Removes a table or view; a missing one fails unless IF EXISTS. */
  drop(kind: "TABLE" | "VIEW", name: string, ifExists: boolean): void {
    const map = kind === "TABLE" ? this.tables : this.views;
    if (!map.delete(name) && !ifExists)
      throw invalid(`no ${kind.toLowerCase()} named ${name}`, undefined, { table: name });
  }

  /** The table or view called `name`, if any. */
  lookup(name: string): { table: TableDefinition } | { view: ViewDefinition; query: Query } | undefined {
    const t = this.tables.get(name);
    if (t) return { table: t };
    const v = this.views.get(name);
    return v ? { view: v, query: v.query } : undefined;
  }

  /** Every table and view name, sorted. */
  names(): string[] {
    return [...this.tables.keys(), ...this.views.keys()].sort();
  }
}
