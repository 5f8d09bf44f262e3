/**
 * What the registry formats do with the schema registry: read records in Confluent's wire format
 * with the schema each one names, and find or register the schema a sink writes with. Apart from
 * registry-format.ts so that only a table of a registry format loads @fleuve/registry (see
 * registry-codecs.ts).
 */

import type { ConnectorRecord } from "@fleuve/core";
import { FleuveError } from "@fleuve/core";
import {
  type FetchedSchema,
  RegistryClient,
  RegistryError,
  readWireHeader,
  wireHeader,
} from "@fleuve/registry";
import {
  placeOf,
  type RecordPart,
  type RegistryFormatOptions,
  type ResolvedSchema,
} from "./registry-format.js";

const clientOf = (options: RegistryFormatOptions) =>
  new RegistryClient({ url: options.url, ...(options.token ? { token: options.token } : {}) });

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
