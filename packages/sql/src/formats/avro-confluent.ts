/**
 * Flink's `avro-confluent` format: rows as Avro records in Confluent's wire format (magic byte,
 * schema id, Avro binary), with schemas from a Confluent-compatible registry.
 *
 * Reading decodes each record with the writer schema its id names (fetched once per id) and takes
 * the table's columns from it by name: records become ROWs, arrays ARRAYs, maps MAPs, a union with
 * null a nullable value, `timestamp-millis`/`-micros` a TIMESTAMP, `date` a DATE (epoch
 * milliseconds of its midnight, as SQL holds dates), `time-millis` a TIME (milliseconds of the
 * day), `decimal` a DECIMAL. With the
 * `schema` option every record is read with that schema instead (Avro schema resolution: a field
 * the writer lacked takes its default).
 *
 * Writing derives the Avro schema from the table's columns as Flink's AvroSchemaConverter does
 * (record `org.apache.flink.avro.generated.record`, a nullable column as a union with null
 * defaulting to null, a nested ROW as record `record_<field>`), registers it under the subject
 * (`<topic>-value` unless `subject` says otherwise) before the job starts, and writes every row
 * with its id.
 */

import type { ConnectorRecord } from "@fleuve/core";
import avro from "avsc";
import type { DataType } from "../parser/ast.js";
import { unsupported } from "../planner/problems.js";
import { fromExternal, ownValue, setColumn } from "../planner/values.js";
import { registryDecoder, sinkSchema } from "./registry-client.js";
import {
  type FormatColumn,
  type RecordPart,
  type RegistryFormatOptions,
  recordReader,
  valueWriter,
} from "./registry-format.js";

// Avro's `decimal` as a number (SQL holds DECIMAL as a double): the two's-complement big-endian
// unscaled value of its bytes or fixed, divided by 10^scale.
class DecimalType extends avro.types.LogicalType {
  readonly scale: number;
  readonly precision: number;
  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts);
    const s = schema as { scale?: number; precision?: number };
    this.scale = s.scale ?? 0;
    this.precision = s.precision ?? 0;
  }
  override _fromValue(buf: Buffer): number {
    let n = 0n;
    for (const b of buf) n = (n << 8n) | BigInt(b);
    if (buf.length > 0 && (buf[0] as number) & 0x80) n -= 1n << BigInt(buf.length * 8);
    return Number(n) / 10 ** this.scale;
  }
  override _toValue(value: unknown): Buffer {
    if (typeof value !== "number" || !Number.isFinite(value))
      throw new Error(`a decimal must be a finite number, got ${JSON.stringify(value)}`);
    let n = BigInt(Math.round(value * 10 ** this.scale));
    const size = (this.underlyingType as { size?: number }).size;
    const negative = n < 0n;
    // The fewest bytes whose top bit still carries the sign (BigInt's >> is arithmetic).
    const bytes: number[] = [];
    for (;;) {
      const b = Number(n & 0xffn);
      bytes.unshift(b);
      n >>= 8n;
      if ((n === 0n && (b & 0x80) === 0) || (n === -1n && (b & 0x80) !== 0)) break;
    }
    while (size !== undefined && bytes.length < size) bytes.unshift(negative ? 0xff : 0);
    return Buffer.from(bytes);
  }
  override _resolve(type: avro.Type): ((x: unknown) => unknown) | undefined {
    if (type instanceof DecimalType && type.scale === this.scale) return (x) => x;
    return undefined;
  }
  override _export(schema: avro.Schema): void {
    const attrs = schema as { precision?: number; scale?: number };
    attrs.precision = this.precision;
    attrs.scale = this.scale;
  }
}

// Microsecond timestamps as milliseconds (SQL holds TIMESTAMP as epoch milliseconds).
class TimestampMicrosType extends avro.types.LogicalType {
  override _fromValue(micros: number): number {
    return Math.floor(micros / 1000);
  }
  override _toValue(ms: unknown): number {
    if (typeof ms !== "number")
      throw new Error(`a timestamp must be epoch milliseconds, got ${JSON.stringify(ms)}`);
    return ms * 1000;
  }
  override _resolve(type: avro.Type): ((x: unknown) => unknown) | undefined {
    return type instanceof TimestampMicrosType ? (x) => x : undefined;
  }
}

const DAY_MS = 86_400_000;

// Avro's `date` (days since the epoch) as SQL holds a DATE: epoch milliseconds of its midnight (UTC).
class DateType extends avro.types.LogicalType {
  override _fromValue(days: number): number {
    return days * DAY_MS;
  }
  override _toValue(ms: unknown): number {
    if (typeof ms !== "number")
      throw new Error(`a date must be epoch milliseconds, got ${JSON.stringify(ms)}`);
    return Math.floor(ms / DAY_MS);
  }
  override _resolve(type: avro.Type): ((x: unknown) => unknown) | undefined {
    return type instanceof DateType ? (x) => x : undefined;
  }
}

const LOGICAL_TYPES = {
  decimal: DecimalType,
  date: DateType,
  "timestamp-micros": TimestampMicrosType,
  "local-timestamp-micros": TimestampMicrosType,
} as unknown as avro.ForSchemaOptions["logicalTypes"];

/**
 * avsc's map type, reading into an object that keeps every key: avsc's own assigns `val[key]`
 * on `{}`, so a key `__proto__` set the map's prototype instead (lost, or its value's entries
 * showing through as the map's). A resolver reading into this type reads with it too.
 */
class OwnKeysMapType extends (avro.types.MapType as unknown as new (
  schema: avro.Schema,
  opts?: unknown,
) => avro.Type) {
  _read(tap: { readLong(): number; readString(): string }): Record<string, unknown> {
    const values = (this as unknown as { valuesType: { _read(t: unknown): unknown } }).valuesType;
    const val: Record<string, unknown> = {};
    for (let n = readBlockSize(tap); n !== 0; n = readBlockSize(tap)) {
      for (; n > 0; n--) setColumn(val, tap.readString(), values._read(tap));
    }
    return val;
  }
}

/** The item count of the next block of an Avro map or array (a negative count has its size next). */
function readBlockSize(tap: { readLong(): number }): number {
  const n = tap.readLong();
  if (n >= 0) return n;
  tap.readLong(); // the block's size in bytes, for skipping: not needed to read it
  return -n;
}

/** Types avsc makes from the schema, in place of its own: maps that keep every key. */
const typeHook = (schema: avro.Schema, opts: unknown): avro.Type | undefined =>
  typeof schema === "object" && schema !== null && (schema as { type?: unknown }).type === "map"
    ? new OwnKeysMapType(schema, opts)
    : undefined;

/** An Avro type with the logical types SQL values need; `referenced` are schema texts it names. */
function avroType(text: string, referenced: readonly string[] = []): avro.Type {
  const registry: Record<string, avro.Type> = {};
  for (const r of referenced) {
    const json = JSON.parse(r) as { name?: string; namespace?: string };
    const full =
      json.name === undefined ? undefined : json.namespace ? `${json.namespace}.${json.name}` : json.name;
    if (full !== undefined && registry[full] !== undefined) continue;
    avro.Type.forSchema(json as avro.Schema, { registry, logicalTypes: LOGICAL_TYPES, typeHook });
  }
  return avro.Type.forSchema(JSON.parse(text) as avro.Schema, {
    registry,
    logicalTypes: LOGICAL_TYPES,
    typeHook,
  });
}

/** An atomic value read from Avro as SQL holds it (bytes stay bytes). */
const avroLeaf = (v: unknown, t: DataType & { kind: "atomic" }): unknown =>
  Buffer.isBuffer(v) && ["BYTES", "BINARY", "VARBINARY"].includes(t.name) ? v : fromExternal(v, t);

/**
 * The decoder of a table's records: the columns of each record's Avro value as SQL values (null
 * for a null value); see {@link registryDecoder} for bad records and unknown ids.
 */
export function avroConfluentDecoder(
  table: string,
  options: RegistryFormatOptions,
  columns: readonly FormatColumn[],
  format = "avro-confluent",
  part: RecordPart = "value",
): (rec: ConnectorRecord) => Record<string, unknown> | null {
  const reader = options.schema === undefined ? undefined : avroType(options.schema);
  const toRow = recordReader(columns, avroLeaf);
  return registryDecoder(
    table,
    format,
    options,
    (fetched, id) => {
      if ((fetched.schemaType ?? "AVRO") !== "AVRO")
        throw new Error(`schema ${id} is ${fetched.schemaType}, not Avro`);
      const type = avroType(
        fetched.schema,
        fetched.resolved.map((r) => r.schema),
      );
      const resolver = reader?.createResolver(type);
      return (payload) => {
        const value = reader === undefined ? type.fromBuffer(payload) : reader.fromBuffer(payload, resolver);
        if (value === null || typeof value !== "object") throw new Error("not a record");
        return toRow(value);
      };
    },
    part,
  );
}

/** The Avro schema of a SQL type, as Flink's AvroSchemaConverter.convertToSchema derives it. */
function schemaOf(t: DataType, rowName: string, table: string): unknown {
  const nullable = (s: unknown) => (t.notNull ? s : ["null", s]);
  switch (t.kind) {
    case "row":
      return nullable({
        type: "record",
        name: rowName,
        fields: t.fields.map((f) => fieldOf(f.name, f.type, `${rowName}_${f.name}`, table)),
      });
    case "array":
      return nullable({ type: "array", items: schemaOf(t.element, rowName, table) });
    case "map":
      return nullable({ type: "map", values: schemaOf(t.value, rowName, table) });
    case "multiset":
      return nullable({ type: "map", values: "int" });
    case "atomic":
      switch (t.name) {
        case "BOOLEAN":
          return nullable("boolean");
        case "TINYINT":
        case "SMALLINT":
        case "INT":
          return nullable("int");
        case "BIGINT":
          return nullable("long");
        case "FLOAT":
          return nullable("float");
        case "DOUBLE":
          return nullable("double");
        case "CHAR":
        case "VARCHAR":
        case "STRING":
          return nullable("string");
        case "BINARY":
        case "VARBINARY":
        case "BYTES":
          return nullable("bytes");
        case "DATE":
          return nullable({ type: "int", logicalType: "date" });
        case "TIME":
          // Flink: TIME(p) for p <= 3 as time-millis (milliseconds of the day).
          return nullable({ type: "int", logicalType: "time-millis" });
        case "TIMESTAMP":
        case "TIMESTAMP_LTZ":
          return nullable({
            type: "long",
            logicalType: (t.args[0] ?? 6) <= 3 ? "timestamp-millis" : "timestamp-micros",
          });
        case "DECIMAL":
          return nullable({
            type: "bytes",
            logicalType: "decimal",
            precision: t.args[0] ?? 10,
            scale: t.args[1] ?? 0,
          });
      }
      break;
  }
  throw unsupported(
    `the avro-confluent format for a column of type ${t.kind === "atomic" ? t.name : t.kind.toUpperCase()} (table ${table})`,
  );
}

function fieldOf(name: string, t: DataType, rowName: string, table: string): Record<string, unknown> {
  const type = schemaOf(t, rowName, table);
  return t.notNull ? { name, type } : { name, type, default: null };
}

/** The Avro schema Flink derives from a table's physical columns (see the module's comment). */
export function avroSchemaOfColumns(
  table: string,
  columns: readonly FormatColumn[],
): Record<string, unknown> {
  return {
    type: "record",
    name: "record",
    namespace: "org.apache.flink.avro.generated",
    // Nested records are named record_<field> in the same namespace, as Flink's (Avro prints them without it).
    fields: columns.map((c) => fieldOf(c.name, c.type, `record_${c.name}`, table)),
  };
}

/**
 * The encoder of a table's rows: the schema (see {@link sinkSchema}; derived from the columns
 * unless `schema` or `version` says otherwise) and a function writing a row in the wire format
 * with its id. A row that does not fit the schema throws an Error naming the table and the column
 * (the job's error policy handles it).
 */
export async function avroConfluentEncoder(
  table: string,
  options: RegistryFormatOptions,
  columns: readonly FormatColumn[],
  subject: string,
  format = "avro-confluent",
): Promise<{ id: number; encode: (row: Record<string, unknown>) => Buffer }> {
  const { id, schema, header } = await sinkSchema(table, format, options, subject, "AVRO", () =>
    JSON.stringify(avroSchemaOfColumns(table, columns)),
  );
  const type = avroType(
    schema.schema,
    schema.resolved.map((r) => r.schema),
  );
  // Avro takes SQL's atomic values as they are (the logical types convert dates, decimals, times).
  const writers = columns.map((c) => ({ name: c.name, write: valueWriter(c.type, undefined, c.name) }));
  return {
    id,
    encode(row) {
      const record: Record<string, unknown> = {};
      for (const c of writers) setColumn(record, c.name, c.write(ownValue(row, c.name)));
      try {
        return Buffer.concat([header, type.toBuffer(record)]);
      } catch (e) {
        const problems: string[] = [];
        type.isValid(record, {
          errorHook: (path, v) =>
            problems.push(`column ${path.join(".")}: ${JSON.stringify(v) ?? String(v)}`),
        });
        throw new Error(
          `table ${table}: the row does not fit Avro schema ${id} of subject ${subject}: ${problems.length > 0 ? problems.join("; ") : (e as Error).message}`,
        );
      }
    },
  };
}
