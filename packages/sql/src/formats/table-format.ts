/**
 * A table's format when SQL itself decodes and encodes its values: the registry formats
 * (`'format' = 'avro-confluent'`, or `'value.format'` as Flink's Kafka connector spells it, with
 * their options under `avro-confluent.` or `value.avro-confluent.`). The connector then carries
 * bytes (`'format' = 'bytes'`) and the planner decodes rows from them and encodes rows into them.
 * Other formats (json, string) stay the connector's own.
 */

import type { ConnectorSide, OptionSpecs } from "@fleuve/core";
import { optionSpecOf } from "@fleuve/core";
import { invalid, unsupported } from "../planner/problems.js";
import { type AvroConfluentOptions, parseAvroConfluentOptions } from "./avro-confluent.js";

/** The formats SQL decodes and encodes itself, with a schema registry. */
export const REGISTRY_FORMATS = ["avro-confluent"] as const;

/** A table's registry format and its options. */
export interface TableFormat {
  readonly name: (typeof REGISTRY_FORMATS)[number];
  readonly options: AvroConfluentOptions;
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
  return { format: { name, options: parseAvroConfluentOptions(own) }, connectorOptions };
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
