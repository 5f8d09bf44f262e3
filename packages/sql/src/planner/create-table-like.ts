/**
 * `CREATE TABLE t (...) WITH (...) LIKE base`: the table is made from `base` with Flink's default
 * like options, INCLUDING ALL OVERWRITING OPTIONS: base's columns then the new ones, base's
 * watermark, primary key and partitioning unless the new table declares them (declaring one both
 * tables have is refused, as Flink refuses it without EXCLUDING), and base's WITH options with
 * the new table's in place of the same keys.
 */

import type { TableDefinition } from "../catalog.js";
import { invalid } from "./problems.js";

/** `def` with its `LIKE base` resolved by `lookup` (a table's definition, or undefined). */
export function resolveLike(
  def: TableDefinition,
  lookup: (name: string) => TableDefinition | undefined,
): TableDefinition {
  if (def.like === undefined) return def;
  const baseName = def.like.parts.join(".");
  const name = def.name.parts.join(".");
  const base = lookup(baseName);
  if (base === undefined)
    throw invalid(`CREATE TABLE ${name} ... LIKE ${baseName}: no table named ${baseName}`, def.pos, {
      table: baseName,
    });
  const clash = (what: string) =>
    invalid(
      `CREATE TABLE ${name} ... LIKE ${baseName}: ${baseName} has ${what} already (Flink's default INCLUDING ALL keeps it; declare it in one table)`,
      def.pos,
      { table: name },
    );
  const baseColumns = new Set(base.columns.map((c) => c.name));
  for (const c of def.columns) if (baseColumns.has(c.name)) throw clash(`a column named ${c.name}`);
  if (def.watermark !== undefined && base.watermark !== undefined) throw clash("a WATERMARK");
  if (def.primaryKey !== undefined && base.primaryKey !== undefined) throw clash("a PRIMARY KEY");
  if (def.partitionedBy.length > 0 && base.partitionedBy.length > 0) throw clash("a PARTITIONED BY");
  const own = new Set(def.options.map((o) => o.key));
  const { like: _, ...rest } = def;
  const watermark = def.watermark ?? base.watermark;
  const primaryKey = def.primaryKey ?? base.primaryKey;
  return {
    ...rest,
    columns: [...base.columns, ...def.columns],
    partitionedBy: def.partitionedBy.length > 0 ? def.partitionedBy : base.partitionedBy,
    options: [...base.options.filter((o) => !own.has(o.key)), ...def.options],
    ...(watermark === undefined ? {} : { watermark }),
    ...(primaryKey === undefined ? {} : { primaryKey }),
  };
}
