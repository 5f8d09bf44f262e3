/**
 * `CREATE TABLE t WITH (...) AS SELECT ...` (CTAS) and `[CREATE OR] REPLACE TABLE t WITH (...)
 * AS SELECT ...` (RTAS): the table it creates, with the query's columns, and the INSERT INTO t of
 * the query that populates it, as Flink 1.20 splits the statement. Flink 1.20 refuses a temporary
 * target and a schema written before AS (columns, watermark, primary key, partitions), and IF NOT
 * EXISTS in RTAS; the same statements are refused here with its messages.
 */

import { StreamExecutionEnvironment } from "@fleuve/core";
import type { TableDefinition } from "../catalog.js";
import type { ColumnDef, Statement } from "../parser/ast.js";
import { type PlanContext, planQuery } from "./plan-query.js";
import { invalid } from "./problems.js";

/**
 * The table and the INSERT of CTAS statement `def`: the table's physical columns are the query's
 * (names and types, in order). The query is planned on a scratch environment, so nothing joins
 * the job here; the INSERT plans it again onto the job's. Fails naming the table when the
 * statement has a part Flink 1.20 refuses in CTAS, or a query column has no known type.
 */
export function tableAsSelect(
  def: TableDefinition,
  ctx: PlanContext,
): { table: TableDefinition; insert: Statement & { kind: "insert" } } {
  const query = def.asQuery;
  if (query === undefined) throw new Error("tableAsSelect takes a CREATE TABLE ... AS SELECT");
  const name = def.name.parts.join(".");
  // RTAS is refused the same parts, under its own name (Flink's SqlReplaceTableAs.validate).
  const statement = def.replace === undefined ? "CREATE" : def.replace;
  const refuse = (what: string) =>
    invalid(
      `${statement} TABLE ${name} AS SELECT: ${statement} TABLE AS SELECT syntax does not support ${what} yet.`,
      def.pos,
      {
        table: name,
      },
    );
  if (def.replace !== undefined && def.ifNotExists) throw refuse("IF NOT EXISTS statements");
  if (def.temporary)
    throw refuse(def.replace === undefined ? "to create temporary table" : "temporary table");
  if (def.columns.length > 0) throw refuse("to specify explicit columns");
  if (def.watermark !== undefined) throw refuse("to specify explicit watermark");
  if (def.partitionedBy.length > 0) throw refuse("to create partitioned table");
  if (def.primaryKey !== undefined) throw refuse("primary key constraints");
  if (def.like !== undefined) throw refuse("to specify LIKE clause");

  const scratch = StreamExecutionEnvironment.create({ parallelism: ctx.env.config.parallelism });
  const rel = planQuery(query, { ...ctx, env: scratch, explaining: true });
  const columns: ColumnDef[] = rel.columns.map((c) => {
    if (c.type === undefined)
      throw invalid(
        `CREATE TABLE ${name} AS SELECT: the type of column ${c.name} of the query is not known; CAST it to a type`,
        def.pos,
        { table: name, columnName: c.name },
      );
    return { kind: "physical", name: c.name, type: c.type, primaryKey: false, pos: def.pos };
  });
  const { asQuery: _query, replace: _replace, ...rest } = def;
  return {
    table: { ...rest, columns },
    insert: { kind: "insert", overwrite: false, table: def.name, columns: [], query, pos: def.pos },
  };
}
