/**
 * `CREATE TABLE t (...) WITH (...) LIKE source (options)`: the table that merges the source
 * table's definition into the statement's, by Flink 1.20's rules (MergeTableLikeUtil). The merge
 * happens once, when the table is created: later changes to the source do not reach it.
 *
 * Physical columns of both are kept (the source's first); the like options decide, per feature,
 * whether the source's part is kept (INCLUDING, failing on a duplicate), dropped (EXCLUDING) or
 * kept with the statement's entries replacing the source's of the same name (OVERWRITING).
 * Without options: INCLUDING ALL OVERWRITING OPTIONS.
 */

import type { Catalog, TableDefinition } from "../catalog.js";
import type { ColumnDef, LikeOption, TableOption } from "../parser/ast.js";
import { invalid } from "./problems.js";

/** A feature of the source table the like options control. */
type Feature = "CONSTRAINTS" | "GENERATED" | "METADATA" | "OPTIONS" | "PARTITIONS" | "WATERMARKS";
type Strategy = "INCLUDING" | "EXCLUDING" | "OVERWRITING";

const FEATURES: readonly Feature[] = [
  "CONSTRAINTS",
  "GENERATED",
  "METADATA",
  "OPTIONS",
  "PARTITIONS",
  "WATERMARKS",
];
const STRATEGIES: readonly Strategy[] = ["INCLUDING", "EXCLUDING", "OVERWRITING"];
/** Features a source's entry cannot be overwritten for (Flink refuses OVERWRITING for them). */
const NOT_OVERWRITABLE = new Set(["ALL", "CONSTRAINTS", "PARTITIONS"]);

/**
 * The table `def` (a CREATE TABLE with LIKE) defines: the source's definition merged into its
 * own, without the LIKE clause. Fails naming the source when it is missing or a view, the option
 * that is not valid, or the column, watermark, key, partitioning or option that conflicts.
 */
export function tableLike(def: TableDefinition, catalog: Catalog): TableDefinition {
  const like = def.like;
  if (like === undefined) return def;
  const name = def.name.parts.join(".");
  const sourceName = like.parts.join(".");
  const fail = (message: string, details: Record<string, unknown> = {}) =>
    invalid(`CREATE TABLE ${name} LIKE ${sourceName}: ${message}`, def.pos, {
      table: name,
      likeTable: sourceName,
      ...details,
    });
  const found = catalog.lookup(sourceName);
  if (found === undefined)
    throw fail(`Source table '${sourceName}' of the LIKE clause not found in the catalog`);
  if (!("table" in found)) throw fail(`Source table '${sourceName}' of the LIKE clause can not be a VIEW`);
  const source = found.table;
  const strategies = mergingStrategies(def.likeOptions ?? [], fail);

  // Columns: the source's (physical always, generated and metadata unless excluded), then the
  // statement's; a Map keeps a replaced column at the source's position, as Flink's does.
  const columns = new Map<string, ColumnDef>();
  for (const c of source.columns) {
    if (c.kind === "computed" && strategies.GENERATED === "EXCLUDING") continue;
    if (c.kind === "metadata" && strategies.METADATA === "EXCLUDING") continue;
    columns.set(c.name, c);
  }
  for (const c of def.columns) {
    const existing = columns.get(c.name);
    if (existing !== undefined) {
      const column = { columnName: c.name };
      if (c.kind === "physical")
        throw fail(`A column named '${c.name}' already exists in the base table.`, column);
      const feature = c.kind === "computed" ? "GENERATED" : "METADATA";
      if (existing.kind !== c.kind)
        throw fail(
          `A column named '${c.name}' already exists in the table. Duplicate columns exist in the ${c.kind === "computed" ? "compute" : "metadata"} column and regular column.`,
          column,
        );
      if (strategies[feature] !== "OVERWRITING")
        throw fail(
          `A ${c.kind === "computed" ? "generated" : "metadata"} column named '${c.name}' already exists in the base table. You might want to specify EXCLUDING ${feature} or OVERWRITING ${feature}.`,
          column,
        );
    }
    columns.set(c.name, c);
  }

  // One watermark per table here, as in Flink 1.20.
  let watermark = def.watermark;
  if (source.watermark !== undefined && strategies.WATERMARKS !== "EXCLUDING") {
    if (watermark === undefined) watermark = source.watermark;
    else if (watermark.column === source.watermark.column) {
      if (strategies.WATERMARKS === "INCLUDING")
        throw fail(
          `There already exists a watermark spec for column '${watermark.column}' in the base table. You might want to specify EXCLUDING WATERMARKS or OVERWRITING WATERMARKS.`,
          { columnName: watermark.column },
        );
    } else throw fail("Multiple watermark definitions are not supported yet.");
  }

  let primaryKey = def.primaryKey;
  if (source.primaryKey !== undefined && strategies.CONSTRAINTS === "INCLUDING") {
    if (primaryKey !== undefined)
      throw fail(
        "The base table already has a primary key. You might want to specify EXCLUDING CONSTRAINTS.",
      );
    primaryKey = source.primaryKey;
  }

  let partitionedBy = def.partitionedBy;
  if (source.partitionedBy.length > 0 && strategies.PARTITIONS === "INCLUDING") {
    if (partitionedBy.length > 0)
      throw fail(
        "The base table already has partitions defined. You might want to specify EXCLUDING PARTITIONS.",
      );
    partitionedBy = source.partitionedBy;
  }

  const options = new Map<string, TableOption>();
  if (strategies.OPTIONS !== "EXCLUDING") for (const o of source.options) options.set(o.key, o);
  for (const o of def.options) {
    const existing = options.get(o.key);
    if (existing !== undefined && strategies.OPTIONS === "INCLUDING")
      throw fail(
        `There already exists an option ['${o.key}' -> '${existing.value}'] in the base table. You might want to specify EXCLUDING OPTIONS or OVERWRITING OPTIONS.`,
        { option: o.key },
      );
    options.set(o.key, o);
  }

  const { like: _like, likeOptions: _options, watermark: _w, primaryKey: _k, ...rest } = def;
  return {
    ...rest,
    columns: [...columns.values()],
    partitionedBy,
    options: [...options.values()],
    ...(watermark === undefined ? {} : { watermark }),
    ...(primaryKey === undefined ? {} : { primaryKey }),
  };
}

/**
 * The strategy of each feature: Flink's defaults (INCLUDING, OVERWRITING for OPTIONS), then ALL's
 * strategy for every feature, then each feature's own. Fails on an unknown word, an OVERWRITING
 * Flink refuses, or a feature given twice.
 */
function mergingStrategies(
  options: readonly LikeOption[],
  fail: (message: string, details?: Record<string, unknown>) => Error,
): Record<Feature, Strategy> {
  const result: Record<Feature, Strategy> = {
    CONSTRAINTS: "INCLUDING",
    GENERATED: "INCLUDING",
    METADATA: "INCLUDING",
    OPTIONS: "OVERWRITING",
    PARTITIONS: "INCLUDING",
    WATERMARKS: "INCLUDING",
  };
  const seen = new Set<string>();
  for (const o of options) {
    const written = `${o.strategy} ${o.feature}`;
    if (!(STRATEGIES as readonly string[]).includes(o.strategy))
      throw fail(`unknown like option ${written}: the strategy is one of ${STRATEGIES.join(", ")}`, {
        likeOption: written,
      });
    if (o.feature !== "ALL" && !(FEATURES as readonly string[]).includes(o.feature))
      throw fail(`unknown like option ${written}: the feature is one of ALL, ${FEATURES.join(", ")}`, {
        likeOption: written,
      });
    if (o.strategy === "OVERWRITING" && NOT_OVERWRITABLE.has(o.feature))
      throw fail(`Illegal merging strategy 'OVERWRITING' for '${o.feature}' option.`, {
        likeOption: written,
      });
    if (seen.has(o.feature))
      throw fail("Each like option feature can be declared only once.", { likeOption: written });
    seen.add(o.feature);
  }
  const all = options.find((o) => o.feature === "ALL");
  if (all !== undefined) for (const f of FEATURES) result[f] = all.strategy as Strategy;
  for (const o of options) if (o.feature !== "ALL") result[o.feature as Feature] = o.strategy as Strategy;
  return result;
}
