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
 * after its field (`<Field>Row`), an ARRAY a `repeated` field, a MAP a `map<,>` field.
 */

import type { ConnectorRecord } from "@fleuve/core";
import { schemaCodec } from "@fleuve/registry";
import type { DataType } from "../parser/ast.js";
import { unsupported } from "../planner/problems.js";
import { fromExternal } from "../planner/values.js";
import {
  type FormatColumn,
  type RecordPart,
  type RegistryFormatOptions,
  readValue,
  registryDecoder,
  sinkSchema,
  writeValue,
} from "./registry-format.js";

/** An atomic field of a decoded message as SQL holds it (bytes as a Buffer). */
function protoLeaf(v: unknown, t: DataType & { kind: "atomic" }): unknown {
  if (v instanceof Uint8Array)
    return ["BYTES", "BINARY", "VARBINARY"].includes(t.name) ? Buffer.from(v) : null;
  return fromExternal(v, t);
}

// protobufjs takes SQL's atomic values as they are; NULL fields are left out (`undefined`).
const asIs = (v: unknown) => v;

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
    if (t.kind === "array" || t.kind === "multiset") {
      const e = this.type(name, t.element, indent);
      return { decl: `repeated ${e.type} ${name}`, messages: e.messages };
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
    return {
      decl: `${t.kind === "atomic" && !t.notNull ? "optional " : ""}${s.type} ${name}`,
      messages: s.messages,
    };
  }

  private type(name: string, t: DataType, indent: string): { type: string; messages: string[] } {
    if (t.kind === "atomic" && SCALARS[t.name] !== undefined)
      return { type: SCALARS[t.name] as string, messages: [] };
    if (t.kind === "row") {
      const msg = `${name.charAt(0).toUpperCase()}${name.slice(1)}Row`;
      return { type: msg, messages: this.message(msg, t.fields, indent) };
    }
    throw this.unsupported(
      t,
      t.kind === "atomic"
        ? "the Protobuf schemas Fleuve derives have no date, time or decimal types yet; write the column as BIGINT (epoch milliseconds), STRING or DOUBLE"
        : "an ARRAY or MAP inside an ARRAY or MAP has no Protobuf field type",
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
  return ['syntax = "proto3";', "", ...new ProtoWriter(table).message("Row", columns, ""), ""].join("\n");
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
  return registryDecoder(
    table,
    format,
    options,
    (fetched, id) => {
      if (fetched.schemaType !== "PROTOBUF")
        throw new Error(`schema ${id} is ${fetched.schemaType ?? "AVRO"}, not Protobuf`);
      const codec = schemaCodec(fetched, id, { protobufObject: PROTO_OBJECT });
      return (payload) => {
        const value = codec.decode(payload) as Record<string, unknown>;
        const row: Record<string, unknown> = {};
        for (const c of columns) row[c.name] = readValue(value[c.name], c.type, protoLeaf);
        return row;
      };
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
    const x = Array.isArray(v) ? v[i] : (v as Record<string, unknown>)[f.name];
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
  return {
    id,
    encode(row) {
      const value: Record<string, unknown> = {};
      for (const c of columns) {
        // A proto3 field without presence would write NULL as its default (0, ""): refuse it.
        const path = nullInNotNull(row[c.name], c.type, c.name);
        if (path !== undefined)
          throw new Error(
            `table ${table}: the row does not fit subject ${subject}: column ${path} is NULL, and it is NOT NULL`,
          );
        const x = writeValue(row[c.name], c.type, asIs, undefined);
        if (x !== undefined) value[c.name] = x;
      }
      try {
        return Buffer.concat([header, codec.encode(value)]);
      } catch (e) {
        throw new Error(`table ${table}: the row does not fit subject ${subject}: ${(e as Error).message}`);
      }
    },
  };
}
