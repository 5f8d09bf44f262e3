/**
 * A table's format when SQL itself decodes and encodes its values: the registry formats
 * (`'format' = 'avro-confluent'`, `'json-confluent'`, `'protobuf-confluent'`, or Confluent Cloud's
 * names `avro-registry`, `json-registry`, `proto-registry`; or `'value.format'` as Flink's Kafka
 * connector spells it, with their options under `<format>.` or `value.<format>.`). The connector
 * then carries bytes (`'format' = 'bytes'`) and the planner decodes rows from them and encodes rows
 * into them. Other formats (json, string) stay the connector's own.
 */

import type { ConnectorRecord, ConnectorSide, OptionSpecs } from "@fleuve/core";
import { optionSpecOf } from "@fleuve/core";
import { invalid, unsupported } from "../planner/problems.js";
import { avroConfluentDecoder, avroConfluentEncoder } from "./avro-confluent.js";
import { jsonConfluentDecoder, jsonConfluentEncoder } from "./json-confluent.js";
import { protobufConfluentDecoder, protobufConfluentEncoder } from "./protobuf-confluent.js";
import {
  type FormatColumn,
  parseRegistryFormatOptions,
  type RegistryFormatOptions,
} from "./registry-format.js";

/**
 * The formats SQL decodes and encodes itself, with a schema registry: Flink's `avro-confluent`,
 * `json-confluent` and `protobuf-confluent` in its naming, and Confluent Cloud's names for them.
 */
export const REGISTRY_FORMATS = [
  "avro-confluent",
  "json-confluent",
  "protobuf-confluent",
  "avro-registry",
  "json-registry",
  "proto-registry",
] as const;

type FormatName = (typeof REGISTRY_FORMATS)[number];

const CODECS = {
  AVRO: { decoder: avroConfluentDecoder, encoder: avroConfluentEncoder },
  JSON: { decoder: jsonConfluentDecoder, encoder: jsonConfluentEncoder },
  PROTOBUF: { decoder: protobufConfluentDecoder, encoder: protobufConfluentEncoder },
};

const TYPE_OF: Record<FormatName, keyof typeof CODECS> = {
  "avro-confluent": "AVRO",
  "avro-registry": "AVRO",
  "json-confluent": "JSON",
  "json-registry": "JSON",
  "protobuf-confluent": "PROTOBUF",
  "proto-registry": "PROTOBUF",
};

/** A table's registry format and its options. */
export interface TableFormat {
  readonly name: FormatName;
  readonly options: RegistryFormatOptions;
}

/** The decoder of a table's record values in `format` (see the format's module). */
export function formatDecoder(
  table: string,
  format: TableFormat,
  columns: readonly FormatColumn[],
): (rec: ConnectorRecord) => Record<string, unknown> | null {
  return CODECS[TYPE_OF[format.name]].decoder(table, format.options, columns, format.name);
}

/** The encoder of a table's rows in `format`, its schema registered (or found) under `subject`. */
export function formatEncoder(
  table: string,
  format: TableFormat,
  columns: readonly FormatColumn[],
  subject: string,
): Promise<{ id: number; encode: (row: Record<string, unknown>) => Buffer }> {
  return CODECS[TYPE_OF[format.name]].encoder(table, format.options, columns, subject, format.name);
}

const isRegistryFormat = (f: string | undefined): f is TableFormat["name"] =>
  (REGISTRY_FORMATS as readonly string[]).includes(f as string);

/**
 * Splits a table's WITH options (without `connector`) into its registry format, if it has one,
 * and the options its connector takes: the format's options removed and `format` set to `bytes`.
 * `value.format` names the format as `format` does (Flink's Kafka connector).
 */
export function splitTableFormat(
  table: string,
  options: Record<string, string>,
): { format?: TableFormat; connectorOptions: Record<string, string> } {
  const { format, "value.format": valueFormat, ...rest } = options;
  if (format !== undefined && valueFormat !== undefined)
    throw invalid(`table ${table}: give 'format' or 'value.format', not both`, undefined, { table });
  const name = format ?? valueFormat;
  if (isRegistryFormat(options["key.format"]))
    throw unsupported(
      `'key.format' = '${options["key.format"]}' (table ${table})`,
      undefined,
      "record keys are read and written as text; a registry format is for values ('format' or 'value.format')",
    );
  if (!isRegistryFormat(name))
    return { connectorOptions: name === undefined ? rest : { ...rest, format: name } };
  const own: Record<string, string> = {};
  const connectorOptions: Record<string, string> = { format: "bytes" };
  for (const [k, v] of Object.entries(rest)) {
    const prefix = [`${name}.`, `value.${name}.`].find((p) => k.startsWith(p));
    if (prefix === undefined) connectorOptions[k] = v;
    else own[k.slice(prefix.length)] = v;
  }
  return { format: { name, options: parseRegistryFormatOptions(name, own) }, connectorOptions };
}

/** Fails unless the connector side carries bytes (its `format` option takes "bytes"). */
export function requireBytes(
  table: string,
  connector: string,
  side: ConnectorSide<OptionSpecs, unknown> | undefined,
  format: TableFormat,
): void {
  const spec = side === undefined ? undefined : optionSpecOf(side.options, "format");
  if (spec?.values?.includes("bytes")) return;
  throw invalid(
    `table ${table}: the '${connector}' connector cannot carry format '${format.name}' (it takes no 'format' = 'bytes'); use 'log' or 'kafka'`,
    undefined,
    { table, connector, format: format.name },
  );
}
