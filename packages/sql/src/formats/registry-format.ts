/**
 * What the registry formats (`avro-confluent`, `json-confluent`, `protobuf-confluent`) share:
 * their options, the subject a sink writes under, the schema a sink writes with (registered,
 * looked up or a registered version), and the reading of Confluent's wire format with the schema
 * each record's id names, fetched once per id. Each format adds only how its values become rows
 * and rows values.
 */

import type { ConnectorRecord } from "@fleuve/core";
import { FleuveError, parseOptions } from "@fleuve/core";
import type { FetchedSchema } from "@fleuve/registry";
import type { DataType } from "../parser/ast.js";
import { type Convert, nestedConverter } from "../planner/nested-converter.js";
import { fromExternal, ownValue, setColumn } from "../planner/values.js";

/** The options of every registry format, under Flink's names (each also with the `value.` prefix). */
export const REGISTRY_FORMAT_OPTIONS = {
  url: {
    type: "string",
    required: true,
    doc: "The URL of the schema registry (Fleuve's `fleuve registry`, or any Confluent-compatible one).",
  },
  subject: {
    type: "string",
    doc: "The subject a sink writes under (default `<topic>-value`, or `<topic>-key` for the key).",
  },
  schema: {
    type: "string",
    doc: "A schema text of the format's type: a sink writes with it instead of the schema derived from the columns; an Avro source reads every record with it (fields the writer lacked take their defaults).",
  },
  "auto-register": {
    type: "boolean",
    default: true,
    doc: "Whether a sink registers its schema under the subject (true) or only looks it up, failing when the subject lacks it (false).",
  },
  version: {
    type: "string",
    doc: "A sink writes with this registered version of the subject (`latest` or a number) instead of a schema of its own.",
  },
  "bearer-auth.credentials-source": {
    type: "enum",
    values: ["STATIC_TOKEN"],
    doc: "Where the bearer token comes from: STATIC_TOKEN, the `bearer-auth.token` option.",
  },
  "bearer-auth.token": { type: "string", doc: "The bearer token sent to the registry." },
} as const;

/** The parsed options of a table's registry format. */
export interface RegistryFormatOptions {
  readonly url: string;
  readonly subject?: string;
  readonly schema?: string;
  readonly token?: string;
  readonly autoRegister: boolean;
  readonly version?: number | "latest";
}

/**
 * Validates the options of format `name` (prefix stripped); errors name the option after `where`
 * (default `format '<name>'`; the caller adds the table).
 */
export function parseRegistryFormatOptions(
  name: string,
  options: Record<string, string>,
  where = `format '${name}'`,
): RegistryFormatOptions {
  const o = parseOptions(REGISTRY_FORMAT_OPTIONS, options, where);
  let version: number | "latest" | undefined;
  if (o.version !== undefined) {
    version = o.version === "latest" ? "latest" : Number(o.version);
    if (version !== "latest" && !(Number.isInteger(version) && version > 0))
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `${where}: option 'version' must be 'latest' or a version number, got '${o.version}'`,
        { details: { option: "version", value: o.version } },
      );
    if (o.schema !== undefined)
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `${where}: give option 'schema' or 'version', not both`,
        { details: { option: "version" } },
      );
  }
  return {
    url: o.url,
    autoRegister: o["auto-register"],
    ...(o.subject === undefined ? {} : { subject: o.subject }),
    ...(o.schema === undefined ? {} : { schema: o.schema }),
    ...(o["bearer-auth.token"] === undefined ? {} : { token: o["bearer-auth.token"] }),
    ...(version === undefined ? {} : { version }),
  };
}

type AtomicType = DataType & { kind: "atomic" };

/** The conversion of a non-NULL atomic value of type `t` (as a format decodes or encodes it). */
export type AtomicLeaf = (v: unknown, t: AtomicType) => unknown;

/**
 * The converter, compiled once (at plan time) with the nested walk of nested-converter.ts, of a
 * decoded value as the SQL value of type `t`: objects as ROWs (by field name, a missing field
 * NULL), arrays as ARRAYs, objects as MAPs (keys as they are), recursively; `leaf` converts the
 * atomic values, a MULTISET is read as connectors' (an object of element text to count). NULL,
 * undefined and a value of the wrong shape (the writer's schema gave the column another type)
 * are NULL.
 */
export function valueReader(t: DataType, leaf: AtomicLeaf, path: string): Convert {
  const convert = nestedConverter(
    t,
    {
      leaf: (x) =>
        x.kind === "atomic"
          ? (v) => leaf(v, x)
          : x.kind === "multiset"
            ? (v) => fromExternal(v, x)
            : undefined,
      rowList: "refuse",
      strict: false,
      nullOnWrongShape: true,
      missingFieldNull: true,
      mapKeys: false,
    },
    path,
  );
  return convert ?? ((v) => (v === undefined ? null : v));
}

/**
 * The converter, compiled once (at plan time) with the nested walk of nested-converter.ts, of a
 * SQL value of type `t` as an encoder takes it: a ROW (an object by field name, or the array of
 * its values that `ROW(...)` makes) as an object of all its fields, ARRAYs and MAPs element by
 * element (a JS Map as an object of its entries); `leaf` converts the atomic values (undefined:
 * kept as they are). With `nullAsUndefined` (protobufjs), NULL is undefined and a NULL ROW field
 * is left out; otherwise NULL is null.
 */
export function valueWriter(
  t: DataType,
  leaf: AtomicLeaf | undefined,
  path: string,
  nullAsUndefined = false,
): Convert {
  const convert = nestedConverter(
    t,
    {
      leaf: (x) => (leaf !== undefined && x.kind === "atomic" ? (v) => leaf(v, x) : undefined),
      rowList: "object",
      strict: false,
      missingFieldNull: true,
      nullAsUndefined,
      mapKeys: false,
      mapsAsObjects: true,
    },
    path,
  );
  const nothing = nullAsUndefined ? undefined : null;
  return convert ?? ((v) => (v === null || v === undefined ? nothing : v));
}

/**
 * The reader of a decoded record's columns (each by name, converted by {@link valueReader}),
 * compiled once for the table.
 */
export function recordReader(
  columns: readonly FormatColumn[],
  leaf: AtomicLeaf,
): (value: object) => Record<string, unknown> {
  const readers = columns.map((c) => ({ name: c.name, read: valueReader(c.type, leaf, c.name) }));
  return (value) => {
    const row: Record<string, unknown> = {};
    for (const c of readers) setColumn(row, c.name, c.read(ownValue(value, c.name)));
    return row;
  };
}

/** A column the format reads or writes. */
export interface FormatColumn {
  readonly name: string;
  readonly type: DataType;
}

/** A schema as the registry gives it, with its references resolved. */
export type ResolvedSchema = FetchedSchema & { resolved: { name: string; schema: string }[] };

/** A record's place, as messages name it. */
export const placeOf = (rec: ConnectorRecord): string => `${rec.topic}/${rec.partition}@${rec.offset}`;

/** Which part of a record a format reads or writes. */
export type RecordPart = "key" | "value";

/** The subject a sink writes under: `subject`, else Confluent's TopicNameStrategy `<topic>-value` (`-key`). */
export function sinkSubject(
  table: string,
  format: string,
  options: RegistryFormatOptions,
  topic: string | undefined,
  part: RecordPart = "value",
): string {
  if (options.subject !== undefined) return options.subject;
  if (topic === undefined || topic.includes(";")) {
    const option = `${part === "key" ? "key." : ""}${format}.subject`;
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `table ${table}: format '${format}' needs option '${option}' (no single 'topic' to name it after)`,
      { details: { table, option } },
    );
  }
  return `${topic}-${part}`;
}
