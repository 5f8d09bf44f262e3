/**
 * Reading a CREATE TABLE: its connector's source (from the descriptor named by `'connector'`,
 * given the other WITH options), its physical columns from each record's value, its metadata
 * columns from the record (key, offset, partition, timestamp, topic, headers), its computed
 * columns, and its WATERMARK as Flink SQL defines it: watermark = the largest value of the
 * WATERMARK expression seen so far, emitted periodically.
 */

import {
  type ConnectorRecord,
  type ConnectorRegistry,
  createSource,
  isFleuveError,
  type StreamExecutionEnvironment,
  type WatermarkGenerator,
  type WatermarkOutput,
  WatermarkStrategy,
} from "@fleuve/core";
import type { TableDefinition } from "../catalog.js";
import type { Expr } from "../parser/ast.js";
import { printExpr } from "../parser/printer.js";
import { INSERT_ONLY } from "./changelog.js";
import { compileExpression, intervalMs } from "./compile-expression.js";
import { invalid, unsupported } from "./problems.js";
import { type Column, type Relation, rowScope } from "./relation.js";
import { fromExternal, isTimestampType, type Row } from "./values.js";

/** Metadata keys every descriptor source gives (fields of its `ConnectorRecord`). */
const METADATA_KEYS = ["key", "offset", "partition", "timestamp", "topic", "headers"] as const;

/** The WITH options of a table as plain options, without `connector`. */
export function connectorOptions(def: TableDefinition): {
  connector: string;
  options: Record<string, string>;
} {
  const options: Record<string, string> = {};
  let connector: string | undefined;
  for (const o of def.options) {
    if (o.key === "connector") connector = o.value;
    else options[o.key] = o.value;
  }
  const name = def.name.parts.join(".");
  if (connector === undefined)
    throw invalid(`table ${name} has no 'connector' option in its WITH clause`, def.pos, { table: name });
  return { connector, options };
}

/**
 * The watermark delay of `WATERMARK FOR col AS expr`: 0 for `col`, the interval for
 * `col - INTERVAL ...`. Other expressions are not supported yet.
 */
function watermarkDelay(column: string, expr: Expr): number {
  if (expr.kind === "column" && expr.name.parts.length === 1 && expr.name.parts[0] === column) return 0;
  if (
    expr.kind === "binary" &&
    expr.op === "-" &&
    expr.left.kind === "column" &&
    expr.left.name.parts.length === 1 &&
    expr.left.name.parts[0] === column &&
    expr.right.kind === "interval"
  ) {
    return intervalMs(expr.right);
  }
  throw unsupported(
    `WATERMARK FOR ${column} AS ${printExpr(expr)}`,
    undefined,
    `write ${column} or ${column} - INTERVAL '...' unit`,
  );
}

/** Flink SQL's watermark: the maximum of (rowtime - delay) seen, emitted periodically. */
class SqlWatermarkGenerator implements WatermarkGenerator<Row> {
  private max = Number.NEGATIVE_INFINITY;
  constructor(private readonly delay: number) {}
  onEvent(_row: Row, timestamp: number): void {
    if (timestamp - this.delay > this.max) this.max = timestamp - this.delay;
  }
  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.max > Number.NEGATIVE_INFINITY) output.emitWatermark(this.max);
  }
}

/** Plans a scan of table `def`: source, row conversion, computed columns, watermarks. */
export function planScan(
  def: TableDefinition,
  env: StreamExecutionEnvironment,
  connectors: ConnectorRegistry,
  alias: string,
): Relation {
  const name = def.name.parts.join(".");
  if (def.asQuery !== undefined) throw unsupported("CREATE TABLE ... AS SELECT", def.pos);
  if (def.like !== undefined) throw unsupported("CREATE TABLE ... LIKE", def.pos);
  const { connector, options } = connectorOptions(def);
  let source: ReturnType<typeof createSource>;
  try {
    source = createSource(connectors.get(connector), options);
  } catch (e) {
    if (isFleuveError(e))
      throw invalid(`table ${name}: ${e.message}`, undefined, { table: name, ...e.details });
    throw e;
  }

  // Physical and metadata columns come from the record; computed ones from the row after them.
  const readers: ((rec: ConnectorRecord, row: Row) => void)[] = [];
  const columns: Column[] = [];
  for (const c of def.columns) {
    if (c.kind === "physical") {
      const type = c.type;
      const field = c.name;
      readers.push((rec, row) => {
        const v = rec.value;
        row[field] = fromExternal(
          v !== null && typeof v === "object" ? (v as Record<string, unknown>)[field] : undefined,
          type,
        );
      });
      columns.push({ name: c.name, type: c.type });
    } else if (c.kind === "metadata") {
      const key = (c.key ?? c.name) as (typeof METADATA_KEYS)[number];
      if (!METADATA_KEYS.includes(key)) {
        throw invalid(
          `table ${name}: metadata key '${key}' of column ${c.name} is not one of ${METADATA_KEYS.join(", ")}`,
          c.pos,
          {
            table: name,
            column: c.name,
          },
        );
      }
      const type = c.type;
      const field = c.name;
      readers.push((rec, row) => {
        row[field] = fromExternal(rec[key], type);
      });
      columns.push({ name: c.name, type: c.type });
    }
  }
  const physical = [...columns];
  const computed: { name: string; eval: (row: Row) => unknown }[] = [];
  for (const c of def.columns) {
    if (c.kind !== "computed") continue;
    const compiled = compileExpression(
      c.expr,
      rowScope({ columns: [...physical, ...computed.map((x) => ({ name: x.name }))] }, `table ${name}`),
    );
    computed.push({ name: c.name, eval: compiled.eval });
    columns.push({ name: c.name, type: compiled.type });
  }

  let stream = env.fromSource(source, undefined, `Source: ${name}`).map((rec) => {
    const row: Row = {};
    for (const read of readers) read(rec, row);
    for (const c of computed) row[c.name] = c.eval(row);
    return row;
  });

  let rowtime: string | undefined;
  if (def.watermark !== undefined) {
    const col = columns.find((c) => c.name === def.watermark?.column);
    if (col === undefined) {
      throw invalid(`table ${name}: WATERMARK FOR ${def.watermark.column}: no such column`, def.pos, {
        table: name,
      });
    }
    if (!isTimestampType(col.type)) {
      throw invalid(
        `table ${name}: WATERMARK FOR ${col.name}: the column must be TIMESTAMP(3) or TIMESTAMP_LTZ(3)`,
        def.pos,
        {
          table: name,
          column: col.name,
        },
      );
    }
    const delay = watermarkDelay(col.name, def.watermark.expr);
    const field = col.name;
    stream = stream.assignTimestampsAndWatermarks(
      WatermarkStrategy.forGenerator<Row>(() => new SqlWatermarkGenerator(delay)).withTimestampAssigner(
        (row) => {
          const ts = row[field];
          if (typeof ts !== "number") throw new Error(`table ${name}: the rowtime column ${field} is NULL`);
          return ts;
        },
      ),
    );
    rowtime = col.name;
  }
  return { stream, columns, rowtime, alias, changelog: INSERT_ONLY };
}
