/**
 * A table's format when SQL itself decodes and encodes its values: the registry formats
 * (`'format' = 'avro-confluent'`, `'json-confluent'`, `'protobuf-confluent'`, or Confluent Cloud's
 * names `avro-registry`, `json-registry`, `proto-registry`; or `'value.format'` as Flink's Kafka
 * connector spells it, with their options under `<format>.` or `value.<format>.`). The connector
 * then carries bytes (`'format' = 'bytes'`) and the planner decodes rows from them and encodes rows
 * into them. Other formats (json, string) stay the connector's own.
 *
 * The `csv` and `raw` value formats (`'format' = 'csv'` or `'raw'`, Flink's) are SQL's too on a
 * connector that carries bytes (`log`, `kafka`; see {@link ValueFormat}); a connector with a csv
 * format of its own (`filesystem`) keeps it.
 *
 * Record keys as Flink's Kafka connectors define them (`'key.format'`, `'key.fields'`,
 * `'key.fields-prefix'`, `'value.fields-include'`; see {@link tableLayout}): SQL decodes and
 * encodes keys itself (json, raw or a registry format) and the connector carries their bytes.
 */

import type { ConnectorRecord, ConnectorSide, CsvSettings, JsonSettings, OptionSpecs } from "@fleuve/core";
import {
  CSV_FORMAT_OPTIONS,
  csvLineDecoder,
  csvLineEncoder,
  csvSettings,
  FleuveError,
  fieldConverter,
  jsonLineDecoder,
  jsonText,
  optionSpecOf,
  parseOptions,
} from "@fleuve/core";
import type { DataType } from "../parser/ast.js";
import { printType } from "../parser/printer.js";
import { type Convert, type NestedWalk, nestedConverter } from "../planner/nested-converter.js";
import { invalid, unsupported } from "../planner/problems.js";
import type { avroConfluentDecoder, avroConfluentEncoder } from "./avro-confluent.js";
import { asValidation, parseFormatOptions } from "./format-options.js";
import { jsonTemporalWriter, TIMESTAMP_STANDARDS, type TimestampStandard } from "./json-temporal.js";
import { type RawSettings, rawCodec, rawSettings } from "./raw-format.js";
import {
  type FormatColumn,
  parseRegistryFormatOptions,
  placeOf,
  type RegistryFormatOptions,
  sinkSubject,
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

/** A registry format's decoder and encoder (every format's have the Avro one's signature). */
interface RegistryCodec {
  readonly decoder: typeof avroConfluentDecoder;
  readonly encoder: typeof avroConfluentEncoder;
}
type CodecType = "AVRO" | "JSON" | "PROTOBUF";

let codecs: Record<CodecType, RegistryCodec> | undefined;

/**
 * Imports the registry formats' modules (and with them @fleuve/registry, avsc, ajv, protobufjs:
 * about 0.3 s of CPU) the first time a table needs one, rather than with @fleuve/sql, whose import
 * every SQL job pays. Statements call it before planning (see sql-environment.ts prepare): a CREATE
 * TABLE naming a registry format, so that the synchronous planning finds them loaded.
 */
export async function loadRegistryCodecs(): Promise<void> {
  if (codecs !== undefined) return;
  const [avro, json, protobuf] = await Promise.all([
    import("./avro-confluent.js"),
    import("./json-confluent.js"),
    import("./protobuf-confluent.js"),
  ]);
  codecs = {
    AVRO: { decoder: avro.avroConfluentDecoder, encoder: avro.avroConfluentEncoder },
    JSON: { decoder: json.jsonConfluentDecoder, encoder: json.jsonConfluentEncoder },
    PROTOBUF: { decoder: protobuf.protobufConfluentDecoder, encoder: protobuf.protobufConfluentEncoder },
  };
}

/** The codec of a registry format, loaded by {@link loadRegistryCodecs} when its table was created. */
function codecOf(format: FormatName): RegistryCodec {
  if (codecs === undefined)
    throw new Error(`internal: the registry format '${format}' is used before its codecs were loaded`);
  return codecs[TYPE_OF[format]];
}

/** Whether a table's WITH options name a registry format (then {@link loadRegistryCodecs} must run first). */
export function namesRegistryFormat(options: readonly { readonly value: string }[]): boolean {
  return options.some((o) => isRegistryFormat(o.value));
}

const TYPE_OF: Record<FormatName, CodecType> = {
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
  return codecOf(format.name).decoder(table, format.options, columns, format.name);
}

/** The encoder of a table's rows in `format`, its schema registered (or found) under `subject`. */
export async function formatEncoder(
  table: string,
  format: TableFormat,
  columns: readonly FormatColumn[],
  subject: string,
): Promise<{ id: number; encode: (row: Record<string, unknown>) => Buffer }> {
  await loadRegistryCodecs();
  return codecOf(format.name).encoder(table, format.options, columns, subject, format.name);
}

const isRegistryFormat = (f: string | undefined): f is TableFormat["name"] =>
  (REGISTRY_FORMATS as readonly string[]).includes(f as string);

/**
 * Splits a table's WITH options (without `connector`) into its registry format, if it has one,
 * and the options its connector takes: the format's options removed and `format` set to `bytes`.
 * `value.format` names the format as `format` does (Flink's Kafka connector). The key options
 * (`'key.format'` etc.) are {@link tableLayout}'s: this is for tables that have none.
 */
export function splitTableFormat(
  table: string,
  options: Record<string, string>,
): { format?: TableFormat; connectorOptions: Record<string, string> } {
  const { format, "value.format": valueFormat, ...rest } = options;
  if (format !== undefined && valueFormat !== undefined)
    throw invalid(`table ${table}: give 'format' or 'value.format', not both`, undefined, { table });
  const name = format ?? valueFormat;
  if (!isRegistryFormat(name))
    return { connectorOptions: name === undefined ? rest : { ...rest, format: name } };
  const { own, connectorOptions } = splitFormatOptions(name, rest);
  return { format: { name, options: parseRegistryFormatOptions(name, own) }, connectorOptions };
}

/**
 * Splits a table's options (without `format`) into format `name`'s own (`<name>.<option>` or
 * `value.<name>.<option>`, as Flink's Kafka connector takes them; returned without the prefix)
 * and the connector's, whose `format` becomes "bytes": the planner decodes the values.
 */
function splitFormatOptions(
  name: string,
  options: Record<string, string>,
): { own: Record<string, string>; connectorOptions: Record<string, string> } {
  const own: Record<string, string> = {};
  const connectorOptions: Record<string, string> = { format: "bytes" };
  for (const [k, v] of Object.entries(options)) {
    const prefix = [`${name}.`, `value.${name}.`].find((p) => k.startsWith(p));
    if (prefix === undefined) connectorOptions[k] = v;
    else own[k.slice(prefix.length)] = v;
  }
  return { own, connectorOptions };
}

/** A column of a table's record key: the table's column, its name in the key format (without `'key.fields-prefix'`), its type. */
export interface KeyColumn {
  readonly column: string;
  readonly field: string;
  readonly type: DataType;
}

/**
 * How record keys are encoded: a registry format; `json` (an object of the key fields, as Flink's
 * json format writes a key row); `raw` (one STRING or BYTES column as the key bytes, Flink's raw).
 */
export type KeyFormat =
  | { readonly kind: "registry"; readonly format: TableFormat }
  | {
      readonly kind: "json";
      readonly ignoreParseErrors: boolean;
      readonly failOnMissingField: boolean;
      /** How the key's dates and times are written (see json-temporal.ts); undefined: as numbers, an undeclared key's way. */
      readonly timestamps?: TimestampStandard;
    }
  | { readonly kind: "raw"; readonly raw: RawSettings };

/**
 * A value format SQL decodes and encodes itself without a registry, as Flink's: `raw` (the value's
 * one column is the record's bytes, see raw-format.ts) or `csv` (the value columns as one csv
 * record, see @fleuve/core's csv-format.ts).
 */
export type ValueFormat =
  | { readonly kind: "raw"; readonly raw: RawSettings }
  | { readonly kind: "csv"; readonly csv: CsvSettings };

/**
 * A table's record key: its format (named as `'key.format'` gives it) and columns. An upsert table
 * without `'key.format'` (on `upsert-log`) has an undeclared key, the JSON of its primary key, as
 * the upsert connectors have always written it, read leniently (a key that does not parse reads
 * as NULLs).
 */
export interface TableKey {
  readonly name: string;
  readonly format: KeyFormat;
  readonly columns: readonly KeyColumn[];
  readonly declared: boolean;
}

/**
 * How a table's physical columns map onto its records, as Flink's Kafka connectors define it:
 * the key (`'key.format'` and `'key.fields'`, or an upsert table's primary key) and the columns
 * the value holds (all, or all but the key's with `'value.fields-include'` = `'EXCEPT_KEY'`),
 * with the value's registry format if it has one, and the options left for the connector.
 */
export interface TableLayout {
  /** The connector's options: format options removed, `format` (and `keyFormat`, `keyed` for a declared key) set. */
  readonly connectorOptions: Record<string, string>;
  /** The value's registry format; without it (and {@link valueFormat}) the connector decodes values by its `format`. */
  readonly format?: TableFormat;
  /** The value's csv or raw format, when SQL decodes it (the connector carries bytes). */
  readonly valueFormat?: ValueFormat;
  /**
   * The value's json format options when SQL reads the connector's json values (a connector whose
   * `format` takes "json" and "bytes": log, kafka): its source then carries bytes, decoded by
   * {@link jsonValueDecoder}; its sink writes the connector's json. Its options are removed from
   * {@link connectorOptions}.
   */
  readonly json?: JsonSettings;
  /**
   * How a json value's dates and times are written ('json.timestamp-format.standard', see
   * json-temporal.ts): set when the value is the connector's json (its option removed from
   * {@link connectorOptions}).
   */
  readonly jsonTimestamps?: TimestampStandard;
  /** The columns a record's value holds. */
  readonly valueColumns: readonly FormatColumn[];
  /** True with `'value.fields-include'` = `'EXCEPT_KEY'`: the key columns are read from the key only. */
  readonly exceptKey: boolean;
  readonly key?: TableKey;
}

/**
 * The options of the `json` format, as Flink's JsonFormatOptions: `'key.json.<option>'` for a key,
 * `'json.<option>'` or `'value.json.<option>'` for a value.
 */
const JSON_FORMAT_OPTIONS = {
  "ignore-parse-errors": {
    type: "boolean",
    default: false,
    doc: "A field that does not convert reads as NULL and a record (or key) that does not parse is skipped, instead of failing the record.",
  },
  "fail-on-missing-field": {
    type: "boolean",
    default: false,
    doc: "A field missing from the JSON object fails the record instead of reading as NULL.",
  },
  "timestamp-format.standard": {
    type: "enum",
    values: TIMESTAMP_STANDARDS,
    default: "SQL",
    doc: "How TIMESTAMP and TIMESTAMP_LTZ values are written: SQL ('2024-01-02 03:04:05.12') or ISO-8601 ('2024-01-02T03:04:05.12'); both are read.",
  },
} as const;

/**
 * The layout of a table's records from its WITH options (without `connector`), with Flink 1.20's
 * rules (KafkaConnectorOptionsUtil, KafkaDynamicTableFactory, UpsertKafkaDynamicTableFactory) and
 * its messages: `'key.fields'` ('a;b', physical columns) needs `'key.format'` and the other way
 * round; with `'key.fields-prefix'` every key field carries the prefix (the key format sees the
 * names without it) and `'value.fields-include'` must be `'EXCEPT_KEY'`; an upsert table's key
 * fields are its primary key (no `'key.fields'`), and `upsert-kafka` needs `'key.format'` and a
 * value format.
 */
export function tableLayout(
  table: string,
  t: {
    readonly connector: string;
    readonly upsert: boolean;
    readonly options: Record<string, string>;
    readonly columns: readonly FormatColumn[];
    readonly primaryKey?: readonly string[] | undefined;
    /** The values of the connector side's `format` option: csv and raw are SQL's when it takes "bytes" but not them. */
    readonly connectorFormats?: readonly string[] | undefined;
    /** Whether the table is read (`scan`, the default) or written (`sink`), for Flink's messages. */
    readonly side?: "scan" | "sink";
  },
): TableLayout {
  const {
    "key.format": keyFormatName,
    "key.fields": keyFieldsText,
    "key.fields-prefix": prefixOption,
    "value.fields-include": include,
    ...others
  } = t.options;
  const fail = (message: string, option: string) =>
    invalid(`table ${table}: ${message}`, undefined, { table, option });
  const valueFormatName = t.options.format ?? t.options["value.format"];
  if (valueFormatName !== undefined)
    requireSqlFormat(
      table,
      t.connector,
      t.options.format !== undefined ? "format" : "value.format",
      valueFormatName,
      t.connectorFormats,
    );

  // Flink's Kafka connectors require a value format ('format' or 'value.format'), upsert-kafka a
  // key format too, asked for first (KafkaDynamicTableFactory, UpsertKafkaDynamicTableFactory).
  if (t.connector === "kafka" || t.connector === "upsert-kafka") {
    const missing =
      t.connector === "upsert-kafka" && keyFormatName === undefined
        ? "key.format"
        : valueFormatName === undefined
          ? "value.format"
          : undefined;
    if (missing !== undefined)
      throw fail(`Could not find required ${t.side ?? "scan"} format '${missing}'.`, missing);
  }
  if (t.upsert && keyFieldsText !== undefined)
    throw fail(
      `the '${t.connector}' connector does not take option 'key.fields': an upsert table's key fields are its PRIMARY KEY columns`,
      "key.fields",
    );

  let exceptKey = false;
  if (include !== undefined) {
    const upper = include.toUpperCase();
    if (upper !== "ALL" && upper !== "EXCEPT_KEY")
      throw fail(
        `option 'value.fields-include' must be ALL or EXCEPT_KEY, got '${include}'`,
        "value.fields-include",
      );
    exceptKey = upper === "EXCEPT_KEY";
  }

  // The key fields: 'key.fields', or an upsert table's primary key (none without one: the
  // planner then says that the table needs a PRIMARY KEY).
  let keyFields: string[] | undefined;
  if (t.upsert) {
    keyFields = t.primaryKey !== undefined && t.primaryKey.length > 0 ? [...t.primaryKey] : undefined;
  } else {
    const listed =
      keyFieldsText === undefined
        ? undefined
        : keyFieldsText
            .split(";")
            .map((f) => f.trim())
            .filter((f) => f !== "");
    if (keyFormatName === undefined && listed !== undefined)
      throw fail(
        "The option 'key.fields' can only be declared if a key format is defined using 'key.format'.",
        "key.fields",
      );
    if (keyFormatName !== undefined && (listed === undefined || listed.length === 0))
      throw fail(
        "A key format 'key.format' requires the declaration of one or more of key fields using 'key.fields'.",
        "key.fields",
      );
    keyFields = listed;
  }
  const prefix = prefixOption ?? "";
  const names = t.columns.map((c) => c.name);
  const keyColumns = (keyFields ?? []).map((field): KeyColumn => {
    const column = t.columns.find((c) => c.name === field);
    if (column === undefined)
      throw fail(
        `Could not find the field '${field}' in the table schema for usage in the key format. A key field must be a regular, physical column. The following columns can be selected in the 'key.fields' option: [${names.join(", ")}]`,
        "key.fields",
      );
    if (!field.startsWith(prefix))
      throw fail(
        `All fields in 'key.fields' must be prefixed with '${prefix}' when option 'key.fields-prefix' is set but field '${field}' is not prefixed.`,
        "key.fields-prefix",
      );
    return { column: field, field: field.slice(prefix.length), type: column.type };
  });
  if (!exceptKey && prefix.length > 0)
    throw fail(
      "A key prefix is not allowed when option 'value.fields-include' is set to 'ALL'. Set it to 'EXCEPT_KEY' instead to avoid field overlaps.",
      "key.fields-prefix",
    );

  // The key format's options ('key.<format>.<option>'); any other 'key.' option is unknown.
  const keyOwn: Record<string, string> = {};
  const rest: Record<string, string> = {};
  for (const [k, v] of Object.entries(others)) {
    if (!k.startsWith("key.")) rest[k] = v;
    else if (keyFormatName !== undefined && k.startsWith(`key.${keyFormatName}.`))
      keyOwn[k.slice(`key.${keyFormatName}.`.length)] = v;
    else
      throw fail(
        `unknown option '${k}' (${keyFormatName === undefined ? "no 'key.format' is set" : `the options of key format '${keyFormatName}' are 'key.${keyFormatName}.<option>'`})`,
        k,
      );
  }

  let key: TableKey | undefined;
  if (keyColumns.length > 0) {
    if (keyFormatName === undefined) {
      key = {
        name: "json",
        format: { kind: "json", ignoreParseErrors: false, failOnMissingField: false },
        columns: keyColumns,
        declared: false,
      };
    } else {
      // The table is named by the planner, which prefixes option errors with it.
      const where = `'key.format' = '${keyFormatName}' (its options 'key.${keyFormatName}.*')`;
      let format: KeyFormat;
      if (isRegistryFormat(keyFormatName)) {
        format = {
          kind: "registry",
          format: { name: keyFormatName, options: parseRegistryFormatOptions(keyFormatName, keyOwn, where) },
        };
      } else if (keyFormatName === "json") {
        const o = parseOptions(JSON_FORMAT_OPTIONS, keyOwn, where);
        if (o["ignore-parse-errors"] && o["fail-on-missing-field"])
          throw fail(
            "'key.json.fail-on-missing-field' and 'key.json.ignore-parse-errors' shouldn't both be true.",
            "key.json.fail-on-missing-field",
          );
        format = {
          kind: "json",
          ignoreParseErrors: o["ignore-parse-errors"],
          failOnMissingField: o["fail-on-missing-field"],
          timestamps: o["timestamp-format.standard"],
        };
      } else if (keyFormatName === "raw") {
        format = {
          kind: "raw",
          raw: rawSettings(
            table,
            keyOwn,
            "key.raw.",
            keyColumns.map((c) => ({ name: c.column, type: c.type })),
            "the key fields",
          ),
        };
      } else {
        const e = unsupported(
          `'key.format' = '${keyFormatName}' (table ${table})`,
          undefined,
          `the key formats are json, raw, ${REGISTRY_FORMATS.join(", ")}`,
        );
        // Named as an option's value: the planner points the error at 'csv' in the WITH clause.
        throw new FleuveError(e.code, e.message, {
          details: { ...e.details, option: "key.format", got: keyFormatName },
        });
      }
      key = { name: keyFormatName, format, columns: keyColumns, declared: true };
    }
  }

  const keyed = new Set(key === undefined ? [] : key.columns.map((c) => c.column));
  const valueColumns = exceptKey ? t.columns.filter((c) => !keyed.has(c.name)) : t.columns;
  const plain = plainValueFormat(table, rest, valueColumns, t.connectorFormats);
  const { format, connectorOptions } = plain ?? splitTableFormat(table, rest);
  const jsonTimestamps =
    plain === undefined && format === undefined ? takeTimestampStandard(table, connectorOptions) : undefined;
  const json =
    plain === undefined && format === undefined
      ? jsonValueFormat(table, connectorOptions, t.connectorFormats)
      : undefined;
  if (key?.declared) {
    connectorOptions.keyFormat = "bytes";
    if (!t.upsert) connectorOptions.keyed = "true";
  } else if (plain?.valueFormat.kind === "raw" && !t.upsert) {
    // A NULL raw value is a record without a value: written as a { key: null, value: null } pair,
    // as the stream carries no null elements.
    connectorOptions.keyed = "true";
  }
  return {
    connectorOptions,
    ...(format === undefined ? {} : { format }),
    ...(plain === undefined ? {} : { valueFormat: plain.valueFormat }),
    ...(json === undefined ? {} : { json }),
    ...(jsonTimestamps === undefined ? {} : { jsonTimestamps }),
    valueColumns,
    exceptKey,
    ...(key === undefined ? {} : { key }),
  };
}

/**
 * The 'json.timestamp-format.standard' (or 'value.json.timestamp-format.standard') of a table whose
 * value is the connector's json (its `format` json, or none: json is the default), removed from
 * `connectorOptions`: SQL writes the dates and times, so that connectors which take no such
 * option (filesystem) do not see it. Undefined for a table in another format.
 */
function takeTimestampStandard(
  table: string,
  connectorOptions: Record<string, string>,
): TimestampStandard | undefined {
  if ((connectorOptions.format ?? "json") !== "json") return undefined;
  const own: Record<string, string> = {};
  for (const k of ["json.timestamp-format.standard", "value.json.timestamp-format.standard"]) {
    const v = connectorOptions[k];
    if (v === undefined) continue;
    own["timestamp-format.standard"] = v;
    delete connectorOptions[k];
  }
  return parseFormatOptions(table, "json", JSON_FORMAT_OPTIONS, own)["timestamp-format.standard"];
}

/**
 * The json settings of a table whose connector decodes json values itself (its `format` takes
 * "json" and "bytes", the table's is `json` or not given): its `'json.<option>'` and
 * `'value.json.<option>'` options, validated (Flink's rules) and removed from `connectorOptions`;
 * undefined for other tables.
 */
function jsonValueFormat(
  table: string,
  connectorOptions: Record<string, string>,
  connectorFormats: readonly string[] | undefined,
): JsonSettings | undefined {
  const name = connectorOptions.format;
  if (
    (name !== undefined && name !== "json") ||
    connectorFormats === undefined ||
    !connectorFormats.includes("json") ||
    !connectorFormats.includes("bytes")
  )
    return undefined;
  const own: Record<string, string> = {};
  for (const [k, v] of Object.entries(connectorOptions)) {
    const prefix = ["json.", "value.json."].find((p) => k.startsWith(p));
    if (prefix === undefined) continue;
    own[k.slice(prefix.length)] = v;
    delete connectorOptions[k];
  }
  const o = parseFormatOptions(table, "json", JSON_FORMAT_OPTIONS, own);
  if (o["ignore-parse-errors"] && o["fail-on-missing-field"])
    throw invalid(
      `table ${table}: 'json.fail-on-missing-field' and 'json.ignore-parse-errors' shouldn't both be true.`,
      undefined,
      { table, option: "json.fail-on-missing-field" },
    );
  return { ignoreParseErrors: o["ignore-parse-errors"], failOnMissingField: o["fail-on-missing-field"] };
}

/**
 * The table's csv or raw value format when SQL decodes it (the connector takes `format` "bytes"
 * but not this format itself), with the connector's options (the format's removed, `format`
 * "bytes"); undefined otherwise. The format's options are `<format>.<option>` or
 * `value.<format>.<option>` (Flink's Kafka connector), validated with Flink's rules; an unknown one
 * is refused by name.
 */
function plainValueFormat(
  table: string,
  options: Record<string, string>,
  valueColumns: readonly FormatColumn[],
  connectorFormats: readonly string[] | undefined,
): { valueFormat: ValueFormat; connectorOptions: Record<string, string>; format?: undefined } | undefined {
  const { format, "value.format": valueFormatName, ...rest } = options;
  const name = format ?? valueFormatName;
  if (name !== "csv" && name !== "raw") return undefined;
  if (
    connectorFormats === undefined ||
    !connectorFormats.includes("bytes") ||
    connectorFormats.includes(name)
  )
    return undefined;
  if (format !== undefined && valueFormatName !== undefined)
    throw invalid(`table ${table}: give 'format' or 'value.format', not both`, undefined, { table });
  const optionKey = format !== undefined ? "format" : "value.format";
  const { own, connectorOptions } = splitFormatOptions(name, rest);
  if (name === "raw")
    return {
      valueFormat: {
        kind: "raw",
        raw: rawSettings(table, own, "raw.", valueColumns, `the value columns; '${optionKey}' = 'raw'`),
      },
      connectorOptions,
    };
  const parsed = parseFormatOptions(table, "csv", CSV_FORMAT_OPTIONS, own);
  const csv = csvSettings(parsed, "csv.", (option, message) =>
    invalid(`table ${table}: ${message}`, undefined, { table, option }),
  );
  // The columns' types are checked now (a type csv cannot hold fails here, naming the column).
  asValidation(table, () => csvLineEncoder(csvFields(valueColumns), csv, "the csv format"));
  return { valueFormat: { kind: "csv", csv }, connectorOptions };
}

/** Columns as the csv codec takes them: names and printed SQL types. */
const csvFields = (columns: readonly FormatColumn[]) =>
  columns.map((c) => ({ name: c.name, type: printType(c.type) }));

/**
 * The decoder of a table's record values in a csv or raw format: the value columns by name, or
 * `undefined` for a record to skip (csv: an empty value, a comment with 'csv.allow-comments', a
 * record that does not parse with 'csv.ignore-parse-errors', a null value as Flink's csv reads
 * none). A value that does not decode throws an Error naming the table, the record and the field,
 * which the job's error policy handles.
 */
export function valueDecoder(
  table: string,
  format: ValueFormat,
  columns: readonly FormatColumn[],
): (rec: ConnectorRecord) => Record<string, unknown> | undefined {
  if (format.kind === "raw") {
    const column = columns[0] as FormatColumn;
    const codec = rawCodec(column.type, format.raw);
    return (rec) => {
      try {
        return { [column.name]: codec.decode(rec.value as Uint8Array | string | null) };
      } catch (e) {
        throw new Error(
          `table ${table}: cannot decode the raw value of record ${placeOf(rec)} (column ${column.name}): ${(e as Error).message}`,
        );
      }
    };
  }
  const decode = csvLineDecoder(csvFields(columns), format.csv, "the csv format");
  return (rec) => {
    const v = rec.value;
    if (v === null || v === undefined) return undefined;
    const text = typeof v === "string" ? v : keyBuffer(v as Uint8Array).toString("utf8");
    const r = decode(text);
    if ("row" in r) return r.row;
    if ("skip" in r) return undefined;
    throw new Error(
      `table ${table}: cannot decode the csv value of record ${placeOf(rec)} ('${text}'): ${r.error}`,
    );
  };
}

/**
 * The decoder of a table's json record values (see {@link TableLayout.json}), as Flink's json
 * format: the value columns by name (@fleuve/core's jsonLineDecoder), `undefined` for a record to
 * skip (one that does not parse, with 'json.ignore-parse-errors'), null for a record without a
 * value (its columns NULL). A value that does not decode, or a field that does not convert to its
 * column's type, throws an Error naming the table, the record, the field and the value, which the
 * job's error policy handles (dead letters, skip, or fail).
 */
export function jsonValueDecoder(
  table: string,
  settings: JsonSettings,
  columns: readonly FormatColumn[],
): (rec: ConnectorRecord) => Record<string, unknown> | null | undefined {
  const decode = jsonLineDecoder(csvFields(columns), settings);
  const nested = columns.flatMap((c) => {
    const convert = nestedJsonReader(c.type, c.name, settings);
    return convert === undefined ? [] : [{ name: c.name, convert }];
  });
  return (rec) => {
    const v = rec.value;
    if (v === null || v === undefined) return null;
    const text = typeof v === "string" ? v : keyBuffer(v as Uint8Array).toString("utf8");
    const r = decode(text);
    if ("row" in r) {
      for (const c of nested) {
        const x = r.row[c.name];
        if (x === null || x === undefined) continue;
        try {
          r.row[c.name] = c.convert(x);
        } catch (e) {
          if (!settings.ignoreParseErrors)
            throw new Error(
              `table ${table}: cannot decode the json value of record ${placeOf(rec)} (${text}): field '${c.name}': ${(e as Error).message}`,
            );
          r.row[c.name] = null;
        }
      }
      return r.row;
    }
    if ("skip" in r) return undefined;
    throw new Error(
      `table ${table}: cannot decode the json value of record ${placeOf(rec)} (${text}): ${r.error}`,
    );
  };
}

/**
 * The reader of a json value of a ROW, ARRAY or MAP type, as Flink's json format reads one
 * (JsonParserToRowDataConverters): a ROW from a JSON object (its fields by name, others ignored,
 * a missing one NULL or, with 'json.fail-on-missing-field', an error), an ARRAY from a JSON array,
 * a MAP from a JSON object (keys converted to the key type, values converted); every value inside
 * converted to its type at any depth as a column of that type is (numbers from text, base64
 * bytes, validated dates and times kept as text for SQL to convert). A value of the wrong shape or
 * one that does not convert throws, or with 'json.ignore-parse-errors' is NULL in its place only,
 * as Flink wraps the converter of every type, nested ones too, in one that gives null for an
 * error. Undefined for another type (a top-level atomic column is the json decoder's).
 */
function nestedJsonReader(t: DataType, path: string, s: JsonSettings): Convert | undefined {
  if (t.kind !== "row" && t.kind !== "array" && t.kind !== "map") return undefined;
  return nestedConverter(
    t,
    {
      leaf: (x, at) =>
        x.kind === "atomic" ? fieldConverter({ name: at, type: printType(x) }, "json") : undefined,
      rowList: "refuse",
      strict: true,
      failOnMissingField: s.failOnMissingField,
      nullOnError: s.ignoreParseErrors,
      mapKeys: true,
    },
    path,
  );
}

/** The encoder of a table's rows (by column name) into record values in a csv or raw format (raw NULL: no value). */
export function valueEncoder(
  format: ValueFormat,
  columns: readonly FormatColumn[],
): (row: Record<string, unknown>) => Buffer | null {
  if (format.kind === "raw") {
    const column = columns[0] as FormatColumn;
    const codec = rawCodec(column.type, format.raw);
    return (row) => codec.encode(row[column.name]);
  }
  const encode = csvLineEncoder(csvFields(columns), format.csv, "the csv format");
  return (row) => Buffer.from(encode(row), "utf8");
}

/**
 * Fails unless connector `connector`'s side carries record keys the way a declared key needs:
 * a source whose `keyFormat` takes "bytes", a sink taking `keyed` values or upserts.
 */
export function requireKeys(
  table: string,
  connector: string,
  side: ConnectorSide<OptionSpecs, unknown> | undefined,
  which: "source" | "sink",
  key: TableKey | undefined,
): void {
  if (key === undefined || !key.declared) return;
  const option = which === "source" ? "keyFormat" : "keyed";
  if (side !== undefined && (optionSpecOf(side.options, option) !== undefined || side.changelog === "upsert"))
    return;
  throw invalid(
    `table ${table}: the '${connector}' connector ${which === "source" ? "reads" : "writes"} no record keys, so it cannot take 'key.format' = '${key.name}'; use 'log', 'kafka', 'upsert-log' or 'upsert-kafka'`,
    undefined,
    { table, connector, option: "key.format" },
  );
}

/**
 * A key's bytes as a Buffer: a key that crossed worker threads is a plain Uint8Array (structured
 * clone drops Buffer's prototype, and Uint8Array's `toString` gives "0,255,128"), viewed here
 * without copying.
 */
function keyBuffer(k: Uint8Array): Buffer {
  return Buffer.isBuffer(k) ? k : Buffer.from(k.buffer, k.byteOffset, k.byteLength);
}

/**
 * The reader of a table's record keys: the key columns' values by table column name, or
 * `undefined` for a record to skip, as Flink skips a record whose key format gives no row (a
 * null key in json or a registry format; a key that does not parse with
 * `'key.json.ignore-parse-errors'`). A key that does not decode otherwise throws an Error naming
 * the table and the record (the job's error policy sends it to the dead letters). The undeclared
 * key of an upsert table reads a key that does not parse, or none, as NULLs.
 */
export function keyDecoder(
  table: string,
  key: TableKey,
): (rec: ConnectorRecord) => Record<string, unknown> | undefined {
  const nulls = () => Object.fromEntries(key.columns.map((c) => [c.column, null]));
  const f = key.format;
  switch (f.kind) {
    case "registry": {
      const decode = codecOf(f.format.name).decoder(
        table,
        f.format.options,
        key.columns.map((c) => ({ name: c.field, type: c.type })),
        f.format.name,
        "key",
      );
      return (rec) => {
        const fields = decode(rec);
        if (fields === null) return undefined;
        return Object.fromEntries(key.columns.map((c) => [c.column, fields[c.field] ?? null]));
      };
    }
    case "raw": {
      const c = key.columns[0] as KeyColumn;
      const codec = rawCodec(c.type, f.raw);
      return (rec) => {
        try {
          return { [c.column]: codec.decode(rec.key) };
        } catch (e) {
          throw new Error(
            `table ${table}: cannot decode the raw key of record ${placeOf(rec)} (column ${c.column}): ${(e as Error).message}`,
          );
        }
      };
    }
    case "json": {
      // A declared key is read as Flink's json format reads a key row (the value's decoder and
      // rules, with the 'key.json.*' options): a field that does not convert fails the record.
      const decode = jsonLineDecoder(
        key.columns.map((c) => ({ name: c.field, type: printType(c.type) })),
        key.declared ? f : { ignoreParseErrors: true, failOnMissingField: false },
      );
      return (rec) => {
        const k = rec.key;
        if (k === null) return key.declared ? undefined : nulls();
        const text = typeof k === "string" ? k : keyBuffer(k).toString("utf8");
        const r = decode(text);
        if ("row" in r) return Object.fromEntries(key.columns.map((c) => [c.column, r.row[c.field] ?? null]));
        // The undeclared key of an upsert table is read leniently, as it always was.
        if (!key.declared) return nulls();
        if ("skip" in r) return undefined;
        throw new Error(
          `table ${table}: cannot decode the json key of record ${placeOf(rec)} (${text}): ${r.error}`,
        );
      };
    }
  }
}

/**
 * The writer of a table's record keys from its rows (by table column name): the key bytes in the
 * key format (a registry format's schema, derived from the key columns under their names without
 * the prefix, registered or found under `'key.<format>.subject'`, else `<topic>-key`), the JSON of
 * the key fields for `json`, the column's text or bytes for `raw` (NULL: no key).
 */
export async function keyEncoder(
  table: string,
  key: TableKey,
  topic: string | undefined,
): Promise<(row: Record<string, unknown>) => Buffer | string | null> {
  const f = key.format;
  switch (f.kind) {
    case "registry": {
      const subject = sinkSubject(table, f.format.name, f.format.options, topic, "key");
      await loadRegistryCodecs();
      const { encode } = await codecOf(f.format.name).encoder(
        table,
        f.format.options,
        key.columns.map((c) => ({ name: c.field, type: c.type })),
        subject,
        f.format.name,
      );
      return (row) => encode(Object.fromEntries(key.columns.map((c) => [c.field, row[c.column] ?? null])));
    }
    default:
      return plainKeyEncoder(key) as (row: Record<string, unknown>) => Buffer | string | null;
  }
}

/**
 * The writer of a table's record keys in `json` or `raw` (see {@link keyEncoder}), which needs no
 * registry; undefined for a registry format.
 */
export function plainKeyEncoder(
  key: TableKey,
): ((row: Record<string, unknown>) => Buffer | string | null) | undefined {
  switch (key.format.kind) {
    case "registry":
      return undefined;
    case "raw": {
      const c = key.columns[0] as KeyColumn;
      const codec = rawCodec(c.type, key.format.raw);
      return (row) => codec.encode(row[c.column]);
    }
    case "json": {
      const standard = key.format.timestamps;
      // A declared key's dates and times as Flink's json writes them; an undeclared key's as numbers.
      const writers = key.columns.map((c) =>
        standard === undefined ? undefined : jsonTemporalWriter(c.type, standard),
      );
      return (row) =>
        jsonText(
          Object.fromEntries(
            key.columns.map((c, i) => {
              const v = row[c.column] ?? null;
              const write = writers[i];
              return [c.field, v === null || write === undefined ? v : write(v)];
            }),
          ),
        );
    }
  }
}

/** The values a connector side's `format` option takes (undefined: it has none), for {@link tableLayout}. */
export function formatValues(
  side: ConnectorSide<OptionSpecs, unknown> | undefined,
): readonly string[] | undefined {
  return side === undefined ? undefined : optionSpecOf(side.options, "format")?.values;
}

/**
 * A connector's formats that SQL tables cannot name: "bytes" is how SQL's own formats reach the
 * connector (it decodes the values), "string" a value's text, which no table's columns read.
 */
const INTERNAL_FORMATS: ReadonlySet<string> = new Set(["bytes", "string"]);

/**
 * The value formats a SQL table on a connector can name in 'format' (or 'value.format'), sorted:
 * the connector's own but its internal ones, and on a connector that carries bytes (log, kafka and
 * their upsert tables) SQL's csv, raw and registry formats too. `connectorFormats` are the values
 * of the connector side's `format` option ({@link formatValues}); undefined when it has none.
 */
export function sqlFormats(connectorFormats: readonly string[] | undefined): readonly string[] | undefined {
  if (connectorFormats === undefined) return undefined;
  const own = connectorFormats.filter((f) => !INTERNAL_FORMATS.has(f));
  const sql = connectorFormats.includes("bytes") ? ["csv", "raw", ...REGISTRY_FORMATS] : [];
  return [...new Set([...own, ...sql])].sort();
}

/**
 * Fails unless format `name`, given as option `option` of a table on `connector`, is one of the
 * connector's {@link sqlFormats}: the error names the option and value and lists the formats the
 * table can use (Flink lists every format factory on its classpath, the ones its connector
 * cannot use among them).
 */
function requireSqlFormat(
  table: string,
  connector: string,
  option: string,
  name: string,
  connectorFormats: readonly string[] | undefined,
): void {
  const formats = sqlFormats(connectorFormats);
  if (formats === undefined || formats.includes(name)) return;
  throw invalid(
    `table ${table}: invalid option '${option}': the '${connector}' connector has no format '${name}' (its formats: ${formats.join(", ")})`,
    undefined,
    { table, connector, option, got: name, expected: formats },
  );
}

/** Fails unless the connector side carries bytes (its `format` option takes "bytes"). */
export function requireBytes(
  table: string,
  connector: string,
  side: ConnectorSide<OptionSpecs, unknown> | undefined,
  format: string,
): void {
  const spec = side === undefined ? undefined : optionSpecOf(side.options, "format");
  if (spec?.values?.includes("bytes")) return;
  throw invalid(
    `table ${table}: the '${connector}' connector cannot carry format '${format}' (it takes no 'format' = 'bytes'); use 'log' or 'kafka'`,
    undefined,
    { table, connector, format },
  );
}

/**
 * The rows a json sink writes as Flink's json format does: a ROW value (held as the list of its
 * field values) as a JSON object of its fields by name, and DATE, TIME, TIMESTAMP and
 * TIMESTAMP_LTZ values as text in `standard` ('json.timestamp-format.standard', see
 * json-temporal.ts; undefined: left as they are, for a key format to write), inside ARRAYs and
 * MAP values too; undefined when no column's type holds either (the rows are written as they are).
 */
export function jsonRowObjects(
  columns: readonly { readonly name: string; readonly type: DataType }[],
  standard?: TimestampStandard,
): ((row: Record<string, unknown>) => Record<string, unknown>) | undefined {
  const walk: NestedWalk = {
    ...JSON_SINK_WALK,
    leaf: (t) => (standard === undefined ? undefined : jsonTemporalWriter(t, standard)),
  };
  const converters = columns.flatMap((c) => {
    const convert = nestedConverter(c.type, walk);
    return convert === undefined ? [] : [{ name: c.name, convert }];
  });
  if (converters.length === 0) return undefined;
  return (row) => {
    const out = { ...row };
    for (const c of converters) out[c.name] = c.convert(out[c.name]);
    return out;
  };
}

/** How a json sink writes nested values: ROW lists as objects by field name, dates and times as text. */
const JSON_SINK_WALK: Omit<NestedWalk, "leaf"> = {
  rowList: "object",
  strict: false,
  mapKeys: false,
  skipUnconverted: true,
};
