/**
 * Reading a CREATE TABLE: its connector's source (from the descriptor named by `'connector'`,
 * given the other WITH options), its physical columns from each record's value, its metadata
 * columns from the record (key, offset, partition, timestamp, topic, headers), its computed
 * columns, and its WATERMARK as Flink SQL defines it: watermark = the largest value of the
 * WATERMARK expression seen so far, emitted as Flink emits it (see source-watermark.ts).
 */

import {
  type ConnectorDescriptor,
  type ConnectorRecord,
  type ConnectorRegistry,
  createSource,
  type DataStream,
  type FleuveError,
  isFleuveError,
  jsonWithLongs,
  type KeyedProcessFunction,
  optionSpecOf,
  type StreamExecutionEnvironment,
  sourceChangelogMode,
  type ValueState,
  valueState,
} from "@fleuve/core";
import type { StreamTableDefinition, TableDefinition } from "../catalog.js";
import {
  formatDecoder,
  formatValues,
  jsonValueDecoder,
  keyDecoder,
  requireBytes,
  requireKeys,
  type TableLayout,
  tableLayout,
  valueDecoder,
} from "../formats/table-format.js";
import type { DataType, Expr, SourcePos, TableOption } from "../parser/ast.js";
import { printExpr, printType } from "../parser/printer.js";
import { ProctimeOperator } from "../runtime/proctime.js";
import { children } from "./aggregates.js";
import { INSERT_ONLY, retractMode, rowKind, withKind } from "./changelog.js";
import { compileExpression, intervalMs } from "./compile-expression.js";
import { notRowtimeArgument } from "./current-watermark.js";
import { queryType } from "./data-types.js";
import { flinkTypeText } from "./flink-type-text.js";
import { tableOptions } from "./legacy-options.js";
import type { Convert } from "./nested-converter.js";
import { invalid, unsupported, withPosition } from "./problems.js";
import { type Column, type Relation, rowScope } from "./relation.js";
import {
  assignerEagerGapMs,
  decodeOnce,
  EMIT_STRATEGY_OPTION,
  emitStrategyOption,
  IDLE_TIMEOUT_OPTION,
  pushesWatermark,
  type SqlWatermark,
  sourceIdleTimeoutMs,
  sqlWatermarkStrategy,
  type WatermarkEmit,
} from "./source-watermark.js";
import {
  externalConverter,
  fieldReader,
  isInheritedName,
  isTimestampType,
  type Row,
  setColumn,
} from "./values.js";

/** Metadata keys every descriptor source gives (fields of its `ConnectorRecord`). */
const METADATA_KEYS = ["key", "offset", "partition", "timestamp", "topic", "headers"] as const;

/**
 * The WITH option of `def` that connector error `e` is about, so that the error points at it: the
 * longest key the message quotes (`option 'fields.nme.length' names no column`), else the
 * 'connector' option when the connector is unknown (`no connector 'datgen'`). Undefined when it names none.
 */
/**
 * Error `e`, raised while making table `name`'s connector, layout or formats, pointing at the WITH
 * option it is about: a connector's error becomes a FLEUVE_SQL_VALIDATION naming the table; one of
 * the planner's that names an option (`details.option`) and has no position gets the option's.
 * An error about an option's value (invalid, not unknown or missing: `details.got` without a
 * "did you mean") points at the value, any other at the key; `fallback` when it names no option.
 */
export function tableOptionError(
  def: TableDefinition,
  name: string,
  e: unknown,
  fallback?: SourcePos,
): unknown {
  if (!isFleuveError(e)) return e;
  const option =
    (typeof e.details?.option === "string"
      ? def.options.find((o) => o.key === e.details?.option)
      : undefined) ?? optionNamed(def, e);
  const aboutValue =
    e.details?.got !== undefined &&
    e.details?.didYouMean === undefined &&
    !e.message.includes("unknown option");
  const pos = option === undefined ? undefined : aboutValue ? (option.valuePos ?? option.pos) : option.pos;
  // The planner's own errors name the table already.
  if (!e.code.startsWith("FLEUVE_SQL"))
    return invalid(`table ${name}: ${e.message}`, pos ?? fallback, { table: name, ...e.details });
  return pos === undefined ? e : withPosition(e, pos);
}

export function optionNamed(def: TableDefinition, e: FleuveError): TableOption | undefined {
  let found: TableOption | undefined;
  for (const o of def.options)
    if (e.message.includes(`'${o.key}'`) && (found === undefined || o.key.length > found.key.length))
      found = o;
  if (found !== undefined) return found;
  const connector = def.options.find((o) => o.key === "connector");
  return e.message.startsWith("no connector '") ? connector : undefined;
}

/**
 * The WITH options of a table as plain options, without `connector` (Flink's legacy filesystem
 * properties read as the filesystem connector's, see legacy-options.ts).
 */
export function connectorOptions(def: TableDefinition): {
  connector: string;
  options: Record<string, string>;
} {
  const options: Record<string, string> = {};
  let connector: string | undefined;
  for (const o of tableOptions(def)) {
    if (o.key === "connector") connector = o.value;
    else options[o.key] = o.value;
  }
  const name = def.name.parts.join(".");
  if (connector === undefined)
    throw invalid(`table ${name} has no 'connector' option in its WITH clause`, def.pos, { table: name });
  return { connector, options };
}

/**
 * The options of one side (source or sink) of a table's connector: a table's WITH clause holds
 * both sides' options (as in Flink), so an option only the other side takes is left out; one
 * neither side takes stays, so that the side's validation names it.
 */
export function sideOptions(
  descriptor: ConnectorDescriptor,
  side: "source" | "sink",
  options: Record<string, string>,
): Record<string, string> {
  const mine = descriptor[side]?.options ?? {};
  const other = descriptor[side === "source" ? "sink" : "source"]?.options ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(options)) {
    // Partition commit options are the sink's: a source of a
    // partitioned table does not read them.
    if (side === "source" && descriptor.source?.partitioned === true && k.startsWith(PARTITION_COMMIT))
      continue;
    // The planner reads the idle timeout of a source's watermark; a sink of the table ignores it.
    if (k === IDLE_TIMEOUT_OPTION && pushesWatermark(descriptor.name)) continue;
    // Every table takes the emit strategy (Flink's FactoryHelper does): the planner reads it.
    if (k === EMIT_STRATEGY_OPTION) continue;
    if (optionSpecOf(mine, k) !== undefined || optionSpecOf(other, k) === undefined) out[k] = v;
  }
  return out;
}

/**
 * The prefix of Flink's partition commit options (`sink.partition-commit.trigger`,
 * `.policy.kind`, `.success-file.name`...): the filesystem sink's, never a source's.
 */
export const PARTITION_COMMIT = "sink.partition-commit.";

/** The first call of function `name` in `e` (not into subqueries). */
function findCall(e: Expr, name: string): (Expr & { kind: "call" }) | undefined {
  if (e.kind === "call" && e.name === name) return e;
  for (const child of children(e)) {
    const found = findCall(child, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The watermark delay of `WATERMARK FOR col AS expr`: 0 for `col`, the interval for
 * `col - INTERVAL ...`. Other expressions are not supported yet.
 */
function watermarkDelay(column: string, expr: Expr, type?: DataType): number {
  // In its own WATERMARK clause the column is not yet a rowtime attribute (Flink refuses it so).
  const watermarkCall = findCall(expr, "CURRENT_WATERMARK");
  if (watermarkCall !== undefined) throw notRowtimeArgument(type, watermarkCall.pos);
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

/** Plans a scan of table `def`: source, row conversion, computed columns, watermarks. */
export function planScan(
  def: TableDefinition,
  env: StreamExecutionEnvironment,
  connectors: ConnectorRegistry,
  alias: string,
  settings?: ReadonlyMap<string, string>,
): Relation {
  const name = def.name.parts.join(".");
  // The catalog holds CTAS and LIKE tables resolved (create-table-as.ts, create-table-like.ts).
  if (def.asQuery !== undefined || def.like !== undefined)
    throw new Error(
      `table ${name}: an unresolved CREATE TABLE ... ${def.like !== undefined ? "LIKE" : "AS SELECT"} reached the planner`,
    );
  const { connector, options } = connectorOptions(def);
  // The planner's option, not the connector's (a connector without split watermarks refuses it
  // as any option it does not take, as Flink's datagen does).
  const pushed = pushesWatermark(connector);
  const idleOption = pushed ? options[IDLE_TIMEOUT_OPTION] : undefined;
  if (pushed) delete options[IDLE_TIMEOUT_OPTION];
  const idleTimeoutMs = sourceIdleTimeoutMs(name, idleOption, settings);
  // Every table takes 'scan.watermark.emit.strategy' and a bad value fails (as Flink's
  // FactoryHelper validates it), but only a source with push-down emits per it; the others'
  // WatermarkAssigner ignores it, as Flink's does.
  const emitOption = emitStrategyOption(name, options[EMIT_STRATEGY_OPTION]);
  delete options[EMIT_STRATEGY_OPTION];
  const emit: WatermarkEmit = pushed
    ? emitOption
    : { eagerGapMs: assignerEagerGapMs(settings, env.config.autoWatermarkIntervalMs) };
  let source: ReturnType<typeof createSource>;
  const schema = def.columns.flatMap((c) =>
    c.kind === "physical" ? [{ name: c.name, type: printType(c.type) }] : [],
  );
  let upsert = false;
  // A registry, csv, raw or json format: the connector carries bytes, and rows are decoded from them
  // below (undefined: a record to skip).
  let decode: ((rec: ConnectorRecord) => Record<string, unknown> | null | undefined) | undefined;
  let layout: TableLayout;
  try {
    const descriptor = connectors.get(connector);
    upsert = sourceChangelogMode(descriptor) === "upsert";
    layout = tableLayout(name, {
      connector,
      upsert,
      options,
      columns: def.columns.flatMap((c) => (c.kind === "physical" ? [{ name: c.name, type: c.type }] : [])),
      primaryKey: def.primaryKey?.columns,
      connectorFormats: formatValues(descriptor.source),
    });
    const format = layout.format;
    if (format !== undefined) {
      requireBytes(name, connector, descriptor.source, format.name);
      decode = formatDecoder(name, format, layout.valueColumns);
    }
    if (layout.valueFormat !== undefined)
      decode = valueDecoder(name, layout.valueFormat, layout.valueColumns);
    // A json table's source carries bytes, read here as Flink's json format reads them (a value
    // that does not fit its column is a bad record, not a NULL).
    let sourceOptions = layout.connectorOptions;
    if (layout.json !== undefined) {
      decode = jsonValueDecoder(name, layout.json, layout.valueColumns);
      sourceOptions = { ...sourceOptions, format: "bytes" };
    }
    requireKeys(name, connector, descriptor.source, "source", layout.key);
    source = createSource(descriptor, sideOptions(descriptor, "source", sourceOptions), {
      schema,
      // A source that lays partitions out reads them (filesystem directories); others read the
      // table as it is, PARTITIONED BY being metadata to them.
      ...(descriptor.source?.partitioned === true ? { partitionKeys: def.partitionedBy } : {}),
    });
  } catch (e) {
    throw tableOptionError(def, name, e);
  }

  // Physical and metadata columns come from the record; computed ones from the row after them.
  const readers: ((rec: ConnectorRecord, row: Row, value: unknown) => void)[] = [];
  const columns: Column[] = [];
  for (const c of def.columns) {
    if (c.kind === "physical") {
      const type = c.type;
      const field = c.name;
      const convert = externalConverter(type);
      if (isInheritedName(field)) {
        // `constructor`, `__proto__`...: read the record's own field only, and define the column
        // (setColumn); plain names keep the direct read and assignment below.
        const read = fieldReader(field);
        readers.push((_rec, row, v) =>
          setColumn(
            row,
            field,
            convert(v !== null && typeof v === "object" ? read(v as Record<string, unknown>) : undefined),
          ),
        );
      } else {
        readers.push((_rec, row, v) => {
          row[field] = convert(
            v !== null && typeof v === "object" ? (v as Record<string, unknown>)[field] : undefined,
          );
        });
      }
      columns.push({ name: c.name, type: queryType(c.type) });
    } else if (c.kind === "metadata") {
      const key = (c.key ?? c.name) as (typeof METADATA_KEYS)[number];
      if (!METADATA_KEYS.includes(key)) {
        throw invalid(
          `table ${name}: metadata key '${key}' of column ${c.name} is not one of ${METADATA_KEYS.join(", ")}`,
          c.pos,
          {
            table: name,
            columnName: c.name,
          },
        );
      }
      const type = c.type;
      const field = c.name;
      // A key read as bytes (for 'key.format') is text to a string column.
      const text = type.kind === "atomic" && ["STRING", "VARCHAR", "CHAR"].includes(type.name);
      const convert = externalConverter(type);
      readers.push((rec, row) => {
        const v = rec[key];
        // Any Uint8Array: a Buffer that crossed worker threads arrives as a plain one.
        const bytes = v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : undefined;
        setColumn(row, field, convert(text && bytes !== undefined ? bytes.toString("utf8") : v));
      });
      columns.push({ name: c.name, type: queryType(c.type) });
    }
  }
  const physical = [...columns];
  const computed: { name: string; eval: (row: Row) => unknown }[] = [];
  let proctime: string | undefined;
  for (const c of def.columns) {
    if (c.kind !== "computed") continue;
    if (c.expr.kind === "call" && c.expr.name === "PROCTIME" && c.expr.args.length === 0) {
      // A processing-time attribute (`proc_time AS PROCTIME()`): the job's clock when the row is
      // read, set by a ProctimeOperator after decoding (null until then).
      proctime = c.name;
      computed.push({ name: c.name, eval: () => null });
      columns.push({
        name: c.name,
        type: { kind: "atomic", name: "TIMESTAMP_LTZ", args: [3], notNull: true },
      });
      continue;
    }
    const compiled = compileExpression(
      c.expr,
      rowScope({ columns: [...physical, ...computed.map((x) => ({ name: x.name }))] }, `table ${name}`),
    );
    computed.push({ name: c.name, eval: compiled.eval });
    columns.push({ name: c.name, type: compiled.type });
  }

  const primaryKey = def.primaryKey?.columns;
  if (upsert && (primaryKey === undefined || primaryKey.length === 0)) {
    throw invalid(
      `table ${name}: the '${connector}' connector reads upserts by key and needs a PRIMARY KEY (...) NOT ENFORCED`,
      def.pos,
      { table: name, connector },
    );
  }
  // The record key's columns (Flink's key format): read from the key, then the value's columns
  // over them (with 'value.fields-include' = 'ALL' the value's win, as in Flink). An upsert
  // source's tombstone (null value) deletes its key: the key columns from the key, the others
  // NULL. A record whose key gives no row (Flink's key formats give none for a null key) is skipped.
  const tableKey = layout.key;
  const readKey = tableKey === undefined ? undefined : keyDecoder(name, tableKey);
  const keyConverters = new Map(tableKey?.columns.map((c) => [c.column, externalConverter(c.type)]));
  const valueReaders = layout.valueColumns.map((c) => [c.name, fieldReader(c.name)] as const);
  const tombstone = (keyFields: Record<string, unknown>): Row => {
    const row: Row = {};
    for (const c of columns) setColumn(row, c.name, null);
    for (const [k, v] of Object.entries(keyFields)) setColumn(row, k, (keyConverters.get(k) as Convert)(v));
    return withKind(row, "-D");
  };
  const decodeRow = (rec: ConnectorRecord): Row | undefined => {
    let value = decode === undefined ? rec.value : decode(rec);
    // A record its value format skips (csv), unless it is an upsert table's tombstone.
    if (value === undefined && !(upsert && rec.value === null)) return undefined;
    // The key is read when its columns are not all in the value: a declared key, EXCEPT_KEY, a tombstone.
    if (readKey !== undefined && (tableKey?.declared || layout.exceptKey || (upsert && rec.value === null))) {
      const keyFields = readKey(rec);
      if (keyFields === undefined) return undefined;
      if (upsert && rec.value === null) return tombstone(keyFields);
      const merged: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(keyFields)) setColumn(merged, k, v);
      if (value !== null && typeof value === "object")
        for (const [v, read] of valueReaders) setColumn(merged, v, read(value as Record<string, unknown>));
      value = merged;
    } else if (upsert && rec.value === null) {
      return tombstone({});
    }
    const row: Row = {};
    for (const read of readers) read(rec, row, value);
    for (const c of computed) setColumn(row, c.name, c.eval(row));
    return row;
  };
  const wm = watermarkOf(def, columns, idleTimeoutMs, emit);
  // Split sources generate the watermark per partition: their timestamp assigner decodes the
  // record, and the decoding map after the source takes that row instead of decoding it again.
  const inSource = pushed && wm.assigned !== undefined ? wm.assigned : undefined;
  const once = decodeOnce(decodeRow);
  const rowOf = inSource === undefined ? decodeRow : once.take;
  const records = env.fromSource(
    source,
    inSource === undefined ? undefined : sqlWatermarkStrategy(inSource.watermark, once.peek),
    `Source: ${name}`,
  );
  // Only a declared key, a csv value or json ignoring parse errors can skip records: other tables
  // keep their one-to-one map.
  let stream = (
    tableKey?.declared || layout.valueFormat?.kind === "csv" || layout.json?.ignoreParseErrors
      ? records.flatMap((rec) => {
          const row = rowOf(rec);
          return row === undefined ? [] : [row];
        })
      : records.map((rec) => rowOf(rec) as Row)
  ).name(
    `RowDecoder(table=[${name}], fields=[${columns.map((c) => c.name).join(", ")}]${inSource === undefined ? "" : `, watermark=[${inSource.text}] per partition in the source`})`,
  );

  if (proctime !== undefined) stream = withProctime(stream, proctime);
  if (inSource === undefined) stream = withWatermark(stream, wm);
  const rowtime = wm.rowtime;
  if (upsert) {
    const keyColumns = primaryKey as readonly string[];
    const producer = `ChangelogNormalize(key=[${keyColumns.join(", ")}])`;
    return {
      stream: changelogNormalize(stream, keyColumns, producer),
      columns,
      rowtime,
      alias,
      changelog: retractMode(producer, keyColumns),
    };
  }
  return { stream, columns, rowtime, proctime, alias, changelog: INSERT_ONLY };
}

/**
 * `stream` with its column `column` set to the job's processing time as each row passes (on a
 * copy of the row when `copy`).
 */
export function withProctime(stream: DataStream<Row>, column: string, copy = false): DataStream<Row> {
  return stream.transform(`ProcTime(${column})`, () => new ProctimeOperator(column, copy));
}

/**
 * Refuses, when the table is created, a `WATERMARK FOR` column that `def` lacks or whose declared
 * type is no timestamp, as Flink 1.20's CREATE TABLE does (with its messages); a query reading
 * the table would fail on it anyway, pointing at the query instead of the WATERMARK. A computed
 * column's type is only known when the table is planned, where {@link withWatermark} checks it.
 */
export function checkWatermarkColumn(def: TableDefinition): void {
  const w = def.watermark;
  if (w === undefined) return;
  const col = def.columns.find((c) => c.name === w.column);
  if (col === undefined)
    throw invalid(
      `The rowtime attribute field '${w.column}' is not defined in the table schema. Available fields: [${def.columns.map((c) => `'${c.name}'`).join(", ")}]`,
      w.pos ?? def.pos,
      { table: def.name.parts.join(".") },
    );
  if (col.kind !== "computed" && !isTimestampType(col.type))
    throw invalid(
      `Invalid data type of time field for watermark definition. The field must be of type TIMESTAMP(p) or TIMESTAMP_LTZ(p), the supported precision 'p' is from 0 to 3, but the time field type is ${flinkTypeText(col.type, true)}`,
      w.pos ?? def.pos,
      { table: def.name.parts.join("."), columnName: col.name },
    );
}

/** A table's WATERMARK, checked: its rowtime column and, unless SOURCE_WATERMARK(), how it is assigned. */
interface TableWatermark {
  readonly rowtime: string | undefined;
  readonly assigned: { readonly watermark: SqlWatermark; readonly text: string } | undefined;
}

/**
 * The rowtime column of table `def` (its WATERMARK FOR column) and how its watermarks are
 * assigned (Flink SQL's, idle after `idleTimeoutMs` without a record, emitted as `emit` says); `WATERMARK FOR col AS
 * SOURCE_WATERMARK()` keeps the stream's own record timestamps and watermarks (a DataStream
 * table: they must be the values of `col`).
 */
function watermarkOf(
  def: TableDefinition,
  columns: readonly Column[],
  idleTimeoutMs: number | undefined,
  emit: WatermarkEmit,
): TableWatermark {
  const name = def.name.parts.join(".");
  if (def.watermark === undefined) return { rowtime: undefined, assigned: undefined };
  const col = columns.find((c) => c.name === def.watermark?.column);
  if (col === undefined) {
    throw invalid(
      `table ${name}: WATERMARK FOR ${def.watermark.column}: no such column`,
      def.watermark.pos ?? def.pos,
      {
        table: name,
      },
    );
  }
  if (!isTimestampType(col.type)) {
    throw invalid(
      `table ${name}: WATERMARK FOR ${col.name}: the column must be TIMESTAMP(3) or TIMESTAMP_LTZ(3)`,
      def.pos,
      {
        table: name,
        columnName: col.name,
      },
    );
  }
  const expr = def.watermark.expr;
  if (expr.kind === "call" && expr.name === "SOURCE_WATERMARK" && expr.args.length === 0) {
    return { rowtime: col.name, assigned: undefined };
  }
  const delay = watermarkDelay(col.name, expr, col.type);
  return {
    rowtime: col.name,
    assigned: {
      watermark: { table: name, field: col.name, delay, idleTimeoutMs, emit },
      text: printExpr(expr),
    },
  };
}

/** `stream` with the table's watermarks assigned after decoding (Flink's WatermarkAssigner), if any. */
function withWatermark(stream: DataStream<Row>, wm: TableWatermark): DataStream<Row> {
  const a = wm.assigned;
  if (a === undefined) return stream;
  return stream
    .assignTimestampsAndWatermarks(sqlWatermarkStrategy<Row>(a.watermark, (row) => row))
    .name(`WatermarkAssigner(rowtime=[${a.watermark.field}], watermark=[${a.text}])`);
}

/**
 * Plans a scan of a table over a DataStream (`createTemporaryView`): its rows are the stream's
 * records as they are (values already in SQL's representation: numbers, strings, timestamps as
 * epoch milliseconds), its columns those of the schema; a WATERMARK in the schema makes its column
 * the event-time attribute.
 */
export function planStreamTable(
  def: StreamTableDefinition,
  alias: string,
  settings?: ReadonlyMap<string, string>,
): Relation {
  const name = def.schema.name.parts.join(".");
  const columns: Column[] = [];
  let proctime: string | undefined;
  for (const c of def.schema.columns) {
    if (
      c.kind === "computed" &&
      c.expr.kind === "call" &&
      c.expr.name === "PROCTIME" &&
      c.expr.args.length === 0
    ) {
      proctime = c.name;
      columns.push({
        name: c.name,
        type: { kind: "atomic", name: "TIMESTAMP_LTZ", args: [3], notNull: true },
      });
      continue;
    }
    if (c.kind !== "physical") {
      throw unsupported(
        `${c.kind} column ${c.name} of DataStream table ${name}`,
        c.pos,
        "give the column's values in the stream's rows",
      );
    }
    columns.push({ name: c.name, type: c.type });
  }
  // The stream's records are the application's objects: the processing-time column goes on a copy.
  const input = proctime === undefined ? def.stream : withProctime(def.stream, proctime, true);
  const wm = watermarkOf(def.schema, columns, sourceIdleTimeoutMs(name, undefined, settings), {
    eagerGapMs: assignerEagerGapMs(settings, def.stream.env.config.autoWatermarkIntervalMs),
  });
  return {
    stream: withWatermark(input, wm),
    columns,
    rowtime: wm.rowtime,
    proctime,
    alias,
    changelog: INSERT_ONLY,
  };
}

/**
 * Flink's ChangelogNormalize: turns upserts by key into a full changelog. Per key it keeps the
 * last row: a row for a new key is `+I`; for a known key `-U` (the old row) and `+U` (unless it is
 * the same row); a delete (`-D`) of a known key retracts its row, of an unknown key nothing.
 */
function changelogNormalize(stream: DataStream<Row>, key: readonly string[], name: string): DataStream<Row> {
  const keyOf = (row: Row) => jsonWithLongs(key.map((k) => row[k] ?? null)) as string;
  return stream.keyBy(keyOf).process<Row>(new ChangelogNormalizeFunction()).name(name);
}

/**
 * The per-key state of ChangelogNormalize lives on the function instance, which each parallel
 * subtask gets its own copy of (a variable closed over would be shared by the subtasks of one
 * thread, and one subtask would read another's state handle).
 */
class ChangelogNormalizeFunction implements KeyedProcessFunction<string, Row, Row> {
  private last!: ValueState<Row>;

  open(ctx: Parameters<NonNullable<KeyedProcessFunction<string, Row, Row>["open"]>>[0]): void {
    this.last = ctx.getState(valueState<Row>("changelog-normalize"));
  }

  processElement(row: Row, _ctx: unknown, out: { collect(r: Row): void }): void {
    const prev = this.last.value();
    if (rowKind(row) === "-D") {
      if (prev === undefined) return;
      this.last.clear();
      out.collect(withKind({ ...prev }, "-D"));
      return;
    }
    this.last.update(row);
    if (prev === undefined) out.collect(row);
    else if (jsonWithLongs(prev) !== jsonWithLongs(row)) {
      out.collect(withKind({ ...prev }, "-U"));
      out.collect(withKind({ ...row }, "+U"));
    }
  }
}
