/**
 * What the registry formats (`avro-confluent`, `json-confluent`, `protobuf-confluent`) share:
 * their options, the subject a sink writes under, the schema a sink writes with (registered,
 * looked up or a registered version), and the reading of Confluent's wire format with the schema
 * each record's id names, fetched once per id. Each format adds only how its values become rows
 * and rows values.
 */

import type { ConnectorRecord } from "@fleuve/core";
import { FleuveError, parseOptions } from "@fleuve/core";
import {
  type FetchedSchema,
  RegistryClient,
  RegistryError,
  readWireHeader,
  wireHeader,
} from "@fleuve/registry";
import type { DataType } from "../parser/ast.js";
import { ownValue, setColumn } from "../planner/values.js";

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

/**
 * A decoded value as the SQL value of type `t`: objects as ROWs (by field name), arrays as ARRAYs,
 * objects as MAPs, recursively; `leaf` converts the atomic values (null and undefined are NULL).
 */
export function readValue(v: unknown, t: DataType, leaf: (v: unknown, t: AtomicType) => unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case "row": {
      if (typeof v !== "object" || Array.isArray(v)) return null;
      const out: Record<string, unknown> = {};
      for (const f of t.fields)
        setColumn(out, f.name, readValue(ownValue(v as object, f.name), f.type, leaf));
      return out;
    }
    case "array":
    case "multiset":
      return Array.isArray(v) ? v.map((x) => readValue(x, t.element, leaf)) : null;
    case "map": {
      if (typeof v !== "object") return null;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>))
        setColumn(out, k, readValue(x, t.value, leaf));
      return out;
    }
    case "atomic":
      return leaf(v, t);
    default:
      return v;
  }
}

/**
 * A SQL value of type `t` as an encoder takes it: a ROW (an object by field name, or the array of
 * its values that `ROW(...)` makes) as an object of its fields, ARRAYs and MAPs element by element;
 * `leaf` converts the atomic values. NULL becomes `nullValue`, and a field whose value is
 * `undefined` is left out.
 */
export function writeValue(
  v: unknown,
  t: DataType,
  leaf: (v: unknown, t: AtomicType) => unknown,
  nullValue: null | undefined = null,
): unknown {
  if (v === null || v === undefined) return nullValue;
  switch (t.kind) {
    case "row": {
      const out: Record<string, unknown> = {};
      t.fields.forEach((f, i) => {
        const x = writeValue(
          Array.isArray(v) ? v[i] : ownValue(v as object, f.name),
          f.type,
          leaf,
          nullValue,
        );
        if (x !== undefined) setColumn(out, f.name, x);
      });
      return out;
    }
    case "array":
    case "multiset":
      return Array.isArray(v) ? v.map((x) => writeValue(x, t.element, leaf, nullValue)) : v;
    case "map": {
      if (typeof v !== "object") return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>))
        setColumn(out, k, writeValue(x, t.value, leaf, nullValue));
      return out;
    }
    case "atomic":
      return leaf(v, t);
    default:
      return v;
  }
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

const clientOf = (options: RegistryFormatOptions) =>
  new RegistryClient({ url: options.url, ...(options.token ? { token: options.token } : {}) });

/** Which part of a record a format reads or writes. */
export type RecordPart = "key" | "value";

/**
 * The decoder of a table's records in the wire format: `reader(schema, id)` makes, once per schema
 * id, the function reading a payload (the bytes after the header) into the table's row. A record
 * that does not decode throws an Error naming the table, the record and why (the job's error
 * policy sends the record to its dead letters); a schema id the registry does not know fails the
 * job (FLEUVE_SOURCE_FAILED naming the id and the registry). A null value reads as null.
 */
export function registryDecoder(
  table: string,
  format: string,
  options: RegistryFormatOptions,
  reader: (schema: ResolvedSchema, id: number) => (payload: Buffer) => Record<string, unknown>,
  part: RecordPart = "value",
): (rec: ConnectorRecord) => Record<string, unknown> | null {
  const client = clientOf(options);
  const readers = new Map<number, (payload: Buffer) => Record<string, unknown>>();
  const bad = (rec: ConnectorRecord, why: unknown) =>
    new Error(
      `table ${table}: cannot decode the ${format} ${part} of record ${placeOf(rec)}: ${why instanceof Error ? why.message : String(why)}`,
    );
  const readerOf = (id: number, rec: ConnectorRecord) => {
    let read = readers.get(id);
    if (read !== undefined) return read;
    let fetched: ResolvedSchema;
    try {
      fetched = client.byIdSync(id);
    } catch (e) {
      const why =
        e instanceof RegistryError ? `${e.message} (error_code ${e.errorCode})` : (e as Error).message;
      throw new FleuveError(
        "FLEUVE_SOURCE_FAILED",
        `table ${table}: schema id ${id} of record ${placeOf(rec)} is unknown to the schema registry at ${options.url}: ${why}`,
        {
          details: { table, schemaId: id, registry: options.url },
          permanent: e instanceof RegistryError && e.errorCode === 40403,
        },
      );
    }
    try {
      read = reader(fetched, id);
    } catch (e) {
      throw bad(rec, e);
    }
    readers.set(id, read);
    return read;
  };
  return (rec) => {
    const bytes: unknown = part === "value" ? rec.value : rec.key;
    if (bytes === null || bytes === undefined) return null;
    if (!Buffer.isBuffer(bytes)) throw bad(rec, `the ${part} is a ${typeof bytes}, not bytes`);
    let header: { id: number; rest: Buffer };
    try {
      header = readWireHeader(bytes);
    } catch (e) {
      throw bad(rec, e);
    }
    const read = readerOf(header.id, rec);
    try {
      return read(header.rest);
    } catch (e) {
      throw bad(rec, `schema ${header.id}: ${(e as Error).message}`);
    }
  };
}

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

/**
 * The schema a sink writes with and its id: with `version`, that version of the subject;
 * otherwise the `schema` option's text or the derived one, registered under the subject
 * (`auto-register`, the default) or looked up there. Fails (FLEUVE_CONFIG_INVALID) naming the
 * table, the subject and the registry when the registry refuses or lacks it, or when the version's
 * schema is of another type.
 */
export async function sinkSchema(
  table: string,
  format: string,
  options: RegistryFormatOptions,
  subject: string,
  schemaType: "AVRO" | "JSON" | "PROTOBUF",
  derived: () => string,
): Promise<{ id: number; schema: ResolvedSchema; header: Buffer }> {
  const client = clientOf(options);
  const fail = (what: string, e: unknown) =>
    new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `table ${table}: ${what} under subject ${subject} at the schema registry at ${options.url}: ${(e as Error).message}`,
      { details: { table, subject, registry: options.url }, cause: e },
    );
  let id: number;
  let fetched: FetchedSchema;
  if (options.version !== undefined) {
    try {
      const v = await client.version(subject, options.version);
      id = v.id;
      fetched = v;
    } catch (e) {
      throw fail(`format '${format}' found no version ${options.version}`, e);
    }
    if ((fetched.schemaType ?? "AVRO") !== schemaType)
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `table ${table}: version ${options.version} of subject ${subject} is a ${fetched.schemaType ?? "AVRO"} schema, and format '${format}' writes ${schemaType}`,
        { details: { table, subject, registry: options.url } },
      );
  } else {
    const text = options.schema ?? derived();
    fetched = { schema: text, ...(schemaType === "AVRO" ? {} : { schemaType }) };
    try {
      id = options.autoRegister
        ? await client.register(subject, fetched)
        : await client.lookup(subject, fetched);
    } catch (e) {
      throw fail(
        options.autoRegister
          ? `the registry refused the table's schema`
          : `the table's schema is not registered`,
        e,
      );
    }
  }
  const resolved = await client.references(fetched.references ?? []);
  return { id, schema: { ...fetched, resolved }, header: wireHeader(id) };
}
