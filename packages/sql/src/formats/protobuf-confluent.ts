/**
 * The `protobuf-confluent` format (Confluent Cloud's `proto-registry`): rows as Protobuf messages
 * in Confluent's wire format (magic byte, schema id, message indexes, Protobuf binary), with
 * schemas from a Confluent-compatible registry, as Confluent's KafkaProtobufSerializer writes them.
 *
 * Reading decodes each record with the message its id and message indexes name and takes the
 * table's columns from its fields by name: a proto3 field without presence reads as its default
 * value (0, "", false), an absent `optional` field or message as NULL, 64-bit integers as numbers,
 * enums as their names. Writing derives a proto3 schema from the columns: message `Row` with one
 * field per column numbered in order (BOOLEAN bool, TINYINT/SMALLINT/INT int32, BIGINT int64, FLOAT
 * float, DOUBLE double, CHAR/VARCHAR/STRING string, BINARY/VARBINARY/BYTES bytes), a nullable
 * scalar column `optional` (explicit presence, so NULL and 0 differ), a ROW a nested message named
 * after its field (`<Field>Row`), an ARRAY a `repeated` field, a MAP a `map<,>` field, a MULTISET
 * the `map<element, int32>` of its elements' counts (read back the same way); and as
 * Confluent's converter (ProtobufData) writes them, the temporal and decimal types as messages of
 * the files every registry knows without a reference: DATE `google.type.Date` (year, month, day),
 * TIME `google.type.TimeOfDay` (hours, minutes, seconds, nanos), TIMESTAMP and TIMESTAMP_LTZ
 * `google.protobuf.Timestamp` (seconds and nanos since the epoch), DECIMAL
 * `confluent.type.Decimal` (the unscaled value's two's-complement big-endian bytes, its precision
 * and scale, as Confluent's DecimalUtils writes a BigDecimal). Reading takes these messages in
 * any field of those types (an absent one is NULL).
 */

import type { ConnectorRecord } from "@fleuve/core";
import { schemaCodec } from "@fleuve/registry";
import type { DataType } from "../parser/ast.js";
import type { Convert } from "../planner/nested-converter.js";
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

type Atomic = DataType & { kind: "atomic" };

const DAY_MS = 86_400_000;

/** The message types of the temporal and decimal SQL types, and the files that define them. */
const MESSAGES: Record<string, { type: string; file: string }> = {
  DATE: { type: ".google.type.Date", file: "google/type/date.proto" },
  TIME: { type: ".google.type.TimeOfDay", file: "google/type/timeofday.proto" },
  TIMESTAMP: { type: ".google.protobuf.Timestamp", file: "google/protobuf/timestamp.proto" },
  TIMESTAMP_LTZ: { type: ".google.protobuf.Timestamp", file: "google/protobuf/timestamp.proto" },
  DECIMAL: { type: ".confluent.type.Decimal", file: "confluent/type/decimal.proto" },
};

const num = (x: unknown): number => (typeof x === "number" ? x : Number(x ?? 0));

/** A two's-complement big-endian integer (Java's BigInteger.toByteArray) as a bigint. */
function fromTwosComplement(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if (bytes.length > 0 && (bytes[0] as number) & 0x80) n -= 1n << BigInt(bytes.length * 8);
  return n;
}

/** The fewest two's-complement big-endian bytes of `n` (at least one, as Java's BigInteger writes). */
function toTwosComplement(n: bigint): Buffer {
  const bytes: number[] = [];
  for (;;) {
    const b = Number(n & 0xffn);
    bytes.unshift(b);
    n >>= 8n;
    if ((n === 0n && (b & 0x80) === 0) || (n === -1n && (b & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes);
}

/** A decoded message of a temporal or decimal type as SQL holds its value (see the module's comment). */
function messageLeaf(v: Record<string, unknown>, t: Atomic): unknown {
  switch (t.name) {
    case "DATE": {
      const [y, m, d] = [num(v.year), num(v.month), num(v.day)];
      if (y === 0 || m === 0 || d === 0)
        throw new Error(
          `google.type.Date ${y}-${m}-${d} is a partial date (a 0 year, month or day), not a DATE`,
        );
      const ms = Date.UTC(y, m - 1, d);
      // Date.UTC maps years 0-99 to 1900-1999.
      return y < 100 ? new Date(ms).setUTCFullYear(y) : ms;
    }
    case "TIME":
      return (
        ((num(v.hours) * 60 + num(v.minutes)) * 60 + num(v.seconds)) * 1000 + Math.floor(num(v.nanos) / 1e6)
      );
    case "TIMESTAMP":
    case "TIMESTAMP_LTZ":
      return num(v.seconds) * 1000 + Math.floor(num(v.nanos) / 1e6);
    case "DECIMAL": {
      const bytes = v.value instanceof Uint8Array ? v.value : new Uint8Array();
      return Number(fromTwosComplement(bytes)) / 10 ** num(v.scale);
    }
  }
  return null;
}

/** An atomic field of a decoded message as SQL holds it (bytes as a Buffer). */
function protoLeaf(v: unknown, t: Atomic): unknown {
  if (MESSAGES[t.name] !== undefined && v !== null && typeof v === "object" && !(v instanceof Uint8Array))
    return messageLeaf(v as Record<string, unknown>, t);
  if (v instanceof Uint8Array)
    return ["BYTES", "BINARY", "VARBINARY"].includes(t.name) ? Buffer.from(v) : null;
  return fromExternal(v, t);
}

/**
 * An atomic SQL value as protobufjs takes it: temporal and decimal values as the objects of their
 * messages, the others as they are; NULL fields are left out (`undefined`).
 */
function protoValue(v: unknown, t: Atomic): unknown {
  switch (t.name) {
    case "DATE": {
      const d = new Date(Math.floor(num(v) / DAY_MS) * DAY_MS);
      return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
    }
    case "TIME": {
      const ms = num(v);
      if (!(ms >= 0 && ms < DAY_MS))
        throw new Error(`a TIME must be milliseconds of the day (0 to 86399999), got ${JSON.stringify(v)}`);
      const s = Math.floor(ms / 1000);
      return {
        hours: Math.floor(s / 3600),
        minutes: Math.floor(s / 60) % 60,
        seconds: s % 60,
        nanos: Math.round(ms - s * 1000) * 1e6,
      };
    }
    case "TIMESTAMP":
    case "TIMESTAMP_LTZ": {
      // Timestamp's nanos are never negative: a time before the epoch counts down its seconds.
      const ms = Math.floor(num(v));
      const seconds = Math.floor(ms / 1000);
      return { seconds, nanos: (ms - seconds * 1000) * 1e6 };
    }
    case "DECIMAL": {
      const x = num(v);
      if (!Number.isFinite(x)) throw new Error(`a DECIMAL must be a finite number, got ${JSON.stringify(v)}`);
      const scale = t.args[1] ?? 0;
      const unscaled = BigInt(Math.round(x * 10 ** scale));
      // BigDecimal.precision(): the digits of the unscaled value (1 for zero).
      const precision = (unscaled < 0n ? -unscaled : unscaled).toString().length;
      return { value: toTwosComplement(unscaled), precision, scale };
    }
  }
  return v;
}

const SCALARS: Record<string, string> = {
  BOOLEAN: "bool",
  TINYINT: "int32",
  SMALLINT: "int32",
  INT: "int32",
  BIGINT: "int64",
  FLOAT: "float",
  DOUBLE: "double",
  CHAR: "string",
  VARCHAR: "string",
  STRING: "string",
  BINARY: "bytes",
  VARBINARY: "bytes",
  BYTES: "bytes",
};
const MAP_KEYS = new Set(["bool", "int32", "int64", "string"]);

/** Builds the fields of a message (and its nested messages) from columns, as proto3 text lines. */
class ProtoWriter {
  /** The files the message's fields import (known to every registry, so without references). */
  readonly imports = new Set<string>();

  constructor(private readonly table: string) {}

  message(name: string, fields: readonly FormatColumn[], indent: string): string[] {
    const nested: string[] = [];
    const lines = fields.map((f, i) => {
      const { decl, messages } = this.field(f.name, f.type, `${indent}  `);
      nested.push(...messages);
      return `${indent}  ${decl} = ${i + 1};`;
    });
    return [`${indent}message ${name} {`, ...nested, ...lines, `${indent}}`];
  }

  private field(name: string, t: DataType, indent: string): { decl: string; messages: string[] } {
    if (t.kind === "array") {
      const e = this.type(name, t.element, indent);
      return { decl: `repeated ${e.type} ${name}`, messages: e.messages };
    }
    if (t.kind === "multiset") {
      // SQL holds a MULTISET as its elements' counts, and Confluent's FlinkToProtoSchemaConverter
      // writes it as that map (element to int32 count), as the Avro format writes a map of counts.
      const e = this.type(name, t.element, indent);
      if (!MAP_KEYS.has(e.type))
        throw this.unsupported(
          t,
          `field '${name}' is written as a map<element, int32> of counts, and a map's keys must be STRING, BOOLEAN or an integer type`,
        );
      return { decl: `map<${e.type}, int32> ${name}`, messages: [] };
    }
    if (t.kind === "map") {
      const k = this.type(name, t.key, indent);
      const v = this.type(name, t.value, indent);
      if (!MAP_KEYS.has(k.type))
        throw this.unsupported(t, "a MAP's keys must be STRING, BOOLEAN or an integer type");
      return { decl: `map<${k.type}, ${v.type}> ${name}`, messages: v.messages };
    }
    const s = this.type(name, t, indent);
    // A message field has presence already; a scalar needs `optional` to tell NULL from its default.
    const scalar = t.kind === "atomic" && MESSAGES[t.name] === undefined;
    return {
      decl: `${scalar && !t.notNull ? "optional " : ""}${s.type} ${name}`,
      messages: s.messages,
    };
  }

  private type(name: string, t: DataType, indent: string): { type: string; messages: string[] } {
    if (t.kind === "atomic" && SCALARS[t.name] !== undefined)
      return { type: SCALARS[t.name] as string, messages: [] };
    const known = t.kind === "atomic" ? MESSAGES[t.name] : undefined;
    if (known !== undefined) {
      this.imports.add(known.file);
      return { type: known.type, messages: [] };
    }
    if (t.kind === "row") {
      const msg = `${name.charAt(0).toUpperCase()}${name.slice(1)}Row`;
      return { type: msg, messages: this.message(msg, t.fields, indent) };
    }
    throw this.unsupported(
      t,
      t.kind === "array" || t.kind === "multiset" || t.kind === "map"
        ? "an ARRAY or MAP inside an ARRAY or MAP has no Protobuf field type"
        : "the Protobuf schemas Fleuve derives have no field type for it; cast the column to STRING or BIGINT",
    );
  }

  private unsupported(t: DataType, hint: string) {
    return unsupported(
      `the protobuf-confluent format for a column of type ${t.kind === "atomic" ? t.name : t.kind.toUpperCase()} (table ${this.table})`,
      undefined,
      hint,
    );
  }
}

/** The proto3 schema derived from a table's physical columns (see the module's comment). */
export function protobufSchemaOfColumns(table: string, columns: readonly FormatColumn[]): string {
  const writer = new ProtoWriter(table);
  const row = writer.message("Row", columns, "");
  const imports = [...writer.imports].sort().map((f) => `import "${f}";`);
  return ['syntax = "proto3";', "", ...imports, ...(imports.length > 0 ? [""] : []), ...row, ""].join("\n");
}

// Defaults for proto3 fields without presence (Protobuf has no NULL for them); 64-bit integers as
// numbers, as SQL holds BIGINT.
const PROTO_OBJECT = { longs: Number, enums: String, defaults: true, arrays: true, objects: true };

/**
 * The decoder of a table's records: the fields of each record's Protobuf message as the table's
 * row; see {@link registryDecoder} for bad records and unknown ids.
 */
export function protobufConfluentDecoder(
  table: string,
  options: RegistryFormatOptions,
  columns: readonly FormatColumn[],
  format = "protobuf-confluent",
  part: RecordPart = "value",
): (rec: ConnectorRecord) => Record<string, unknown> | null {
  const toRow = recordReader(columns, protoLeaf);
  return registryDecoder(
    table,
    format,
    options,
    (fetched, id) => {
      if (fetched.schemaType !== "PROTOBUF")
        throw new Error(`schema ${id} is ${fetched.schemaType ?? "AVRO"}, not Protobuf`);
      const codec = schemaCodec(fetched, id, { protobufObject: PROTO_OBJECT });
      return (payload) => toRow(codec.decode(payload) as Record<string, unknown>);
    },
    part,
  );
}

/** The path of a NULL where type `t` (or a ROW field inside it) is NOT NULL, if any. */
function nullInNotNull(v: unknown, t: DataType, path: string): string | undefined {
  if (v === null || v === undefined) return t.notNull ? path : undefined;
  if (t.kind !== "row") return undefined;
  for (let i = 0; i < t.fields.length; i++) {
    const f = t.fields[i] as FormatColumn;
    const x = Array.isArray(v) ? v[i] : ownValue(v as object, f.name);
    const p = nullInNotNull(x, f.type, `${path}.${f.name}`);
    if (p !== undefined) return p;
  }
  return undefined;
}

/**
 * The encoder of a table's rows: the schema (see {@link sinkSchema}; the first message of a given
 * or registered schema) and a function writing a row in the wire format with its message indexes.
 * A row that does not fit the message throws an Error naming the table, the field and why.
 */
export async function protobufConfluentEncoder(
  table: string,
  options: RegistryFormatOptions,
  columns: readonly FormatColumn[],
  subject: string,
  format = "protobuf-confluent",
): Promise<{ id: number; encode: (row: Record<string, unknown>) => Buffer }> {
  const { id, schema, header } = await sinkSchema(table, format, options, subject, "PROTOBUF", () =>
    protobufSchemaOfColumns(table, columns),
  );
  const codec = schemaCodec(schema, id);
  // NULL fields left out (undefined): protobufjs takes an absent field as NULL.
  const writers = columns.map((c) => valueWriter(c.type, protoValue, c.name, true));
  return {
    id,
    encode(row) {
      const value: Record<string, unknown> = {};
      for (const [i, c] of columns.entries()) {
        // A proto3 field without presence would write NULL as its default (0, ""): refuse it.
        const path = nullInNotNull(row[c.name], c.type, c.name);
        if (path !== undefined)
          throw new Error(
            `table ${table}: the row does not fit subject ${subject}: column ${path} is NULL, and it is NOT NULL`,
          );
        let x: unknown;
        try {
          x = (writers[i] as Convert)(row[c.name]);
        } catch (e) {
          throw new Error(
            `table ${table}: the row does not fit subject ${subject}: column ${c.name}: ${(e as Error).message}`,
          );
        }
        if (x !== undefined) setColumn(value, c.name, x);
      }
      try {
        return Buffer.concat([header, codec.encode(value)]);
      } catch (e) {
        throw new Error(`table ${table}: the row does not fit subject ${subject}: ${(e as Error).message}`);
      }
    },
  };
}
