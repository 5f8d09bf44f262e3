/**
 * The `json-confluent` format (Confluent Cloud's `json-registry`): rows as JSON objects in
 * Confluent's wire format (magic byte, schema id, JSON text), validated against JSON Schemas from a
 * Confluent-compatible registry, as Confluent's KafkaJsonSchemaSerializer writes them.
 *
 * Reading checks each record against the schema its id names (a record that does not match goes to
 * the dead letters with the validation error) and takes the table's columns from the object by
 * name. Writing derives a JSON Schema from the columns with Kafka Connect's annotations, as
 * Confluent's converters do: integers `"type": "integer"` with `connect.type` int8/int16/int32/int64,
 * FLOAT/DOUBLE `"number"` (float32/float64), BYTES a base64 string, DECIMAL a number titled
 * `org.apache.kafka.connect.data.Decimal`, DATE the days since the epoch titled
 * `org.apache.kafka.connect.data.Date`, TIME the milliseconds of the day (`...Time`), TIMESTAMP and
 * TIMESTAMP_LTZ epoch milliseconds (`...Timestamp`), ROW an object, ARRAY an array, MAP with STRING
 * keys an object; a nullable column `oneOf` null and its type, a NOT NULL one required.
 */

import type { ConnectorRecord } from "@fleuve/core";
import { schemaCodec } from "@fleuve/registry";
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

const DAY_MS = 86_400_000;

/** An atomic JSON value as SQL holds it: Connect's DATE days as epoch milliseconds, BYTES from base64. */
function jsonLeaf(v: unknown, t: DataType & { kind: "atomic" }): unknown {
  switch (t.name) {
    case "DATE":
      // Connect's Date: days since the epoch; a text date as SQL parses it.
      return typeof v === "number" ? v * DAY_MS : fromExternal(v, t);
    case "BINARY":
    case "VARBINARY":
    case "BYTES":
      return typeof v === "string" ? Buffer.from(v, "base64") : null;
  }
  return fromExternal(v, t);
}

/** An atomic SQL value as JSON: DATE as days since the epoch, BYTES as base64. */
function toJsonLeaf(v: unknown, t: DataType & { kind: "atomic" }): unknown {
  if (t.name === "DATE" && typeof v === "number") return Math.floor(v / DAY_MS);
  if (Buffer.isBuffer(v)) return v.toString("base64");
  return v;
}

const CONNECT_INTS: Record<string, string> = {
  TINYINT: "int8",
  SMALLINT: "int16",
  INT: "int32",
  BIGINT: "int64",
};

/** The JSON Schema of a SQL type (see the module's comment). */
function schemaOf(t: DataType, table: string): Record<string, unknown> {
  const nullable = (s: Record<string, unknown>) => (t.notNull ? s : { oneOf: [{ type: "null" }, s] });
  switch (t.kind) {
    case "row":
      return nullable(objectSchema(t.fields, table));
    case "array":
      return nullable({ type: "array", items: schemaOf(t.element, table) });
    case "map":
      if (t.key.kind === "atomic" && ["STRING", "VARCHAR", "CHAR"].includes(t.key.name))
        return nullable({
          type: "object",
          additionalProperties: schemaOf(t.value, table),
          "connect.type": "map",
        });
      break;
    case "atomic": {
      const int = CONNECT_INTS[t.name];
      if (int !== undefined) return nullable({ type: "integer", "connect.type": int });
      switch (t.name) {
        case "BOOLEAN":
          return nullable({ type: "boolean" });
        case "FLOAT":
          return nullable({ type: "number", "connect.type": "float32" });
        case "DOUBLE":
          return nullable({ type: "number", "connect.type": "float64" });
        case "CHAR":
        case "VARCHAR":
        case "STRING":
          return nullable({ type: "string" });
        case "BINARY":
        case "VARBINARY":
        case "BYTES":
          return nullable({ type: "string", "connect.type": "bytes" });
        case "DECIMAL":
          return nullable({
            type: "number",
            title: "org.apache.kafka.connect.data.Decimal",
            "connect.version": 1,
            "connect.parameters": {
              scale: String(t.args[1] ?? 0),
              "connect.decimal.precision": String(t.args[0] ?? 10),
            },
          });
        case "DATE":
          return nullable({
            type: "integer",
            title: "org.apache.kafka.connect.data.Date",
            "connect.version": 1,
            "connect.type": "int32",
          });
        case "TIME":
          return nullable({
            type: "integer",
            title: "org.apache.kafka.connect.data.Time",
            "connect.version": 1,
            "connect.type": "int32",
          });
        case "TIMESTAMP":
        case "TIMESTAMP_LTZ":
          return nullable({
            type: "integer",
            title: "org.apache.kafka.connect.data.Timestamp",
            "connect.version": 1,
            "connect.type": "int64",
          });
      }
      break;
    }
  }
  throw unsupported(
    `the json-confluent format for a column of type ${t.kind === "atomic" ? t.name : t.kind.toUpperCase()} (table ${table})`,
    undefined,
    t.kind === "map" ? "a MAP's keys must be STRING" : undefined,
  );
}

function objectSchema(fields: readonly FormatColumn[], table: string): Record<string, unknown> {
  const required = fields.filter((f) => f.type.notNull).map((f) => f.name);
  return {
    type: "object",
    properties: Object.fromEntries(fields.map((f) => [f.name, schemaOf(f.type, table)])),
    ...(required.length > 0 ? { required } : {}),
  };
}

/** The JSON Schema derived from a table's physical columns (see the module's comment). */
export function jsonSchemaOfColumns(
  table: string,
  columns: readonly FormatColumn[],
): Record<string, unknown> {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "Record",
    ...objectSchema(columns, table),
  };
}

/**
 * The decoder of a table's records: each record's JSON object, checked against the schema its id
 * names, as the table's row; see {@link registryDecoder} for bad records and unknown ids.
 */
export function jsonConfluentDecoder(
  table: string,
  options: RegistryFormatOptions,
  columns: readonly FormatColumn[],
  format = "json-confluent",
  part: RecordPart = "value",
): (rec: ConnectorRecord) => Record<string, unknown> | null {
  const toRow = recordReader(columns, jsonLeaf);
  return registryDecoder(
    table,
    format,
    options,
    (fetched, id) => {
      if (fetched.schemaType !== "JSON")
        throw new Error(`schema ${id} is ${fetched.schemaType ?? "AVRO"}, not JSON`);
      const codec = schemaCodec(fetched, id);
      return (payload) => {
        const value = codec.decode(payload);
        if (value === null || typeof value !== "object" || Array.isArray(value))
          throw new Error("the value is not a JSON object");
        return toRow(value);
      };
    },
    part,
  );
}

/**
 * The encoder of a table's rows: the schema (see {@link sinkSchema}) and a function writing a row
 * in the wire format. A row that does not match the schema throws an Error naming the table, the
 * field and why (the job's error policy sends it to the dead letters).
 */
export async function jsonConfluentEncoder(
  table: string,
  options: RegistryFormatOptions,
  columns: readonly FormatColumn[],
  subject: string,
  format = "json-confluent",
): Promise<{ id: number; encode: (row: Record<string, unknown>) => Buffer }> {
  const { id, schema, header } = await sinkSchema(table, format, options, subject, "JSON", () =>
    JSON.stringify(jsonSchemaOfColumns(table, columns)),
  );
  const codec = schemaCodec(schema, id);
  const writers = columns.map((c) => ({ name: c.name, write: valueWriter(c.type, toJsonLeaf, c.name) }));
  return {
    id,
    encode(row) {
      const value: Record<string, unknown> = {};
      for (const c of writers) setColumn(value, c.name, c.write(ownValue(row, c.name)));
      try {
        return Buffer.concat([header, codec.encode(value)]);
      } catch (e) {
        throw new Error(`table ${table}: the row does not fit subject ${subject}: ${(e as Error).message}`);
      }
    },
  };
}
