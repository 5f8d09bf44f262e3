/**
 * Serializers in Confluent's wire format: a magic byte 0, the schema id (4 bytes, big-endian),
 * for Protobuf the message indexes (zigzag varints; `[0]` for the first message, as one 0 byte),
 * then the payload (Avro binary, JSON text, Protobuf binary). Their `serialize`/`deserialize` are
 * synchronous, so they plug into the log and Kafka connectors (`serializer`/`deserialize`
 * options) and into `map` functions, where a record that does not match its schema throws a
 * {@link SchemaValidationError} and so goes to the job's dead letters under its error policy.
 */
import type avro from "avsc";
import protobuf from "protobufjs";
import { type FetchedSchema, RegistryClient, type RegistryTarget } from "./client.js";
import { ownTopLevelNames } from "./compat/protobuf.js";
import { RegistryError } from "./errors.js";
import { compileJsonSchema } from "./json-validator.js";
import { type ParsedSchema, parseSchema, type SchemaTypeName, schemaTypeOf } from "./schema-types.js";
import type { SchemaReference } from "./store.js";

/** The magic byte of Confluent's wire format. */
export const MAGIC_BYTE = 0;

/** A value that does not match the schema it is written with; `message` says where and why. */
export class SchemaValidationError extends Error {
  constructor(
    message: string,
    readonly schemaId: number,
  ) {
    super(message);
    this.name = "SchemaValidationError";
  }
}

/** Splits a message in Confluent's wire format into its schema id and the rest. */
export function readWireHeader(bytes: Buffer): { id: number; rest: Buffer } {
  if (bytes.length < 5)
    throw new Error(`not in Confluent's wire format: ${bytes.length} bytes, fewer than the 5 of the header`);
  if (bytes[0] !== MAGIC_BYTE)
    throw new Error(`not in Confluent's wire format: magic byte ${bytes[0]}, expected 0`);
  return { id: bytes.readUInt32BE(1), rest: bytes.subarray(5) };
}

/** The 5-byte header of a schema id. */
export function wireHeader(id: number): Buffer {
  const h = Buffer.alloc(5);
  h[0] = MAGIC_BYTE;
  h.writeUInt32BE(id, 1);
  return h;
}

function zigzagVarint(n: number, out: number[]): void {
  let v = (n << 1) ^ (n >> 31);
  v >>>= 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

function readZigzagVarint(buf: Buffer, pos: { at: number }): number {
  let shift = 0;
  let v = 0;
  for (;;) {
    if (pos.at >= buf.length) throw new Error("truncated Protobuf message indexes");
    const b = buf[pos.at++]!;
    v |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  return (v >>> 1) ^ -(v & 1);
}

/** Protobuf message indexes as Confluent writes them. */
export function encodeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const out: number[] = [];
  zigzagVarint(indexes.length, out);
  for (const i of indexes) zigzagVarint(i, out);
  return Buffer.from(out);
}

/** Reads Protobuf message indexes; returns them and the payload after them. */
export function decodeMessageIndexes(rest: Buffer): { indexes: number[]; payload: Buffer } {
  const pos = { at: 0 };
  const n = readZigzagVarint(rest, pos);
  if (n === 0) return { indexes: [0], payload: rest.subarray(pos.at) };
  const indexes: number[] = [];
  for (let i = 0; i < n; i++) indexes.push(readZigzagVarint(rest, pos));
  return { indexes, payload: rest.subarray(pos.at) };
}

/** A schema ready to write and read values: its codec by type. */
interface Codec {
  parsed: ParsedSchema;
  encode(value: unknown): Buffer;
  /** `flag`: Protobuf, whether the payload starts with message indexes; JSON, whether to validate it. */
  decode(payload: Buffer, reader?: Codec, flag?: boolean): unknown;
}

/** How a Protobuf message becomes an object (protobufjs' conversion options). */
type ProtoObjectOptions = protobuf.IConversionOptions;

const DEFAULT_PROTO_OBJECT: ProtoObjectOptions = { longs: String, enums: String, defaults: false };

const LONG_KEYS = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);

/** Whether messages of type `t` (or of a message type inside) have a map with 64-bit keys. */
function hasLongMapKeys(t: protobuf.Type, seen = new Set<protobuf.Type>()): boolean {
  if (seen.has(t)) return false;
  seen.add(t);
  return t.fieldsArray.some((f) => {
    f.resolve();
    if (f instanceof protobuf.MapField && LONG_KEYS.has(f.keyType)) return true;
    return f.resolvedType instanceof protobuf.Type && hasLongMapKeys(f.resolvedType, seen);
  });
}

/**
 * Object `o` of message type `t` (from `toObject`) with the keys of its 64-bit maps as their
 * decimal text: protobufjs decodes such keys as 8-character hashes of the bits and `toObject`
 * leaves them so (a `map<int64, int32>` key 7 read as "\x07\0\0\0\0\0\0\0").
 */
function withLongMapKeys(t: protobuf.Type, o: Record<string, unknown>): Record<string, unknown> {
  for (const f of t.fieldsArray) {
    const v = o[f.name];
    if (v === null || v === undefined || typeof v !== "object") continue;
    const inner = f.resolvedType instanceof protobuf.Type ? f.resolvedType : undefined;
    if (f instanceof protobuf.MapField) {
      // Without long.js protobufjs decodes such keys as numbers, their text already.
      const long = LONG_KEYS.has(f.keyType) && protobuf.util.Long != null;
      const unsigned = f.keyType === "uint64" || f.keyType === "fixed64";
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const value = inner && x !== null && typeof x === "object" ? withLongMapKeys(inner, x) : x;
        const key = long && k.length === 8 ? hashText(k, unsigned) : k;
        Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      }
      o[f.name] = out;
    } else if (inner !== undefined) {
      if (Array.isArray(v)) o[f.name] = v.map((x) => (x === null ? x : withLongMapKeys(inner, x)));
      else withLongMapKeys(inner, v as Record<string, unknown>);
    }
  }
  return o;
}

/** The decimal text of a 64-bit integer protobufjs holds as an 8-character hash. */
function hashText(hash: string, unsigned: boolean): string {
  const bits = protobuf.util.LongBits.fromHash(hash);
  const n = (BigInt(bits.hi >>> 0) << 32n) | BigInt(bits.lo >>> 0);
  return String(unsigned ? n : BigInt.asIntN(64, n));
}

/** The validator of a JSON schema; its message names the id when the schema does not compile. */
function jsonValidator(parsed: Extract<ParsedSchema, { schemaType: "JSON" }>, id: number) {
  try {
    return compileJsonSchema(parsed);
  } catch (e) {
    throw new Error(`JSON schema ${id} does not compile: ${(e as Error).message}`);
  }
}

function messageTypes(root: protobuf.NamespaceBase): protobuf.Type[] {
  return root.nestedArray.flatMap((n) =>
    n instanceof protobuf.Type
      ? [n, ...messageTypes(n)]
      : n instanceof protobuf.Namespace
        ? messageTypes(n)
        : [],
  );
}

function topMessages(ns: protobuf.NamespaceBase): protobuf.Type[] {
  // The file's top-level messages (inside its package namespaces).
  const out: protobuf.Type[] = [];
  for (const n of ns.nestedArray) {
    if (n instanceof protobuf.Type) out.push(n);
    else if (n instanceof protobuf.Namespace && !(n instanceof protobuf.Type)) out.push(...topMessages(n));
  }
  return out;
}

function indexPath(type: protobuf.Type, tops: protobuf.Type[]): number[] {
  const chain: protobuf.Type[] = [];
  for (let t: protobuf.NamespaceBase | null = type; t instanceof protobuf.Type; t = t.parent)
    chain.unshift(t);
  const first = chain[0]!;
  const path = [tops.indexOf(first)];
  for (let i = 1; i < chain.length; i++) {
    const parent = chain[i - 1]!;
    path.push(parent.nestedArray.filter((n) => n instanceof protobuf.Type).indexOf(chain[i]!));
  }
  return path;
}

function byIndexPath(indexes: number[], tops: protobuf.Type[]): protobuf.Type {
  let t: protobuf.Type | undefined = tops[indexes[0]!];
  for (const i of indexes.slice(1))
    t = t?.nestedArray.filter((n) => n instanceof protobuf.Type)[i] as protobuf.Type | undefined;
  if (t === undefined) throw new Error(`no Protobuf message at indexes [${indexes.join(", ")}]`);
  return t;
}

function codecOf(
  parsed: ParsedSchema,
  id: number,
  messageName?: string,
  protoObject: ProtoObjectOptions = DEFAULT_PROTO_OBJECT,
): Codec {
  switch (parsed.schemaType) {
    case "AVRO": {
      const type = parsed.avro;
      const resolvers = new Map<Codec, avro.Resolver>();
      return {
        parsed,
        encode(value) {
          const problems: string[] = [];
          type.isValid(value, {
            errorHook: (path, v) =>
              problems.push(
                `${path.length ? path.join(".") : "(the value)"}: ${JSON.stringify(v) ?? String(v)} does not match type ${describeAt(type, path)}`,
              ),
          });
          if (problems.length > 0)
            throw new SchemaValidationError(
              `value does not match Avro schema ${id}: ${problems.join("; ")}`,
              id,
            );
          return type.toBuffer(value);
        },
        decode(payload, reader) {
          if (reader === undefined || reader.parsed === parsed) return type.fromBuffer(payload);
          const rt = (reader.parsed as typeof parsed).avro;
          let res = resolvers.get(reader);
          if (res === undefined) resolvers.set(reader, (res = rt.createResolver(type)));
          return rt.fromBuffer(payload, res);
        },
      };
    }
    case "JSON": {
      const validate = jsonValidator(parsed, id);
      const check = (value: unknown) => {
        if (validate(value)) return;
        const why = (validate.errors ?? [])
          .map(
            (e: { instancePath: string; message?: string }) =>
              `${e.instancePath || "(the value)"} ${e.message}`,
          )
          .join("; ");
        throw new SchemaValidationError(`value does not match JSON schema ${id}: ${why}`, id);
      };
      return {
        parsed,
        encode(value) {
          check(value);
          return Buffer.from(JSON.stringify(value));
        },
        decode(payload, _reader, validated = false) {
          const value = JSON.parse(payload.toString("utf8"));
          if (validated) check(value);
          return value;
        },
      };
    }
    case "PROTOBUF": {
      // Message indexes count the schema's own top-level messages, not those of its imports
      // (whose definitions share the root).
      const own = ownTopLevelNames(parsed.canonical);
      const tops = topMessages(parsed.proto.root).filter((t) => own.includes(t.fullName));
      const all = messageTypes(parsed.proto.root);
      const type = messageName
        ? all.find((t) => t.name === messageName || t.fullName === `.${messageName}`)
        : tops[0];
      if (type === undefined)
        throw new Error(`Protobuf schema ${id} has no message ${messageName ?? "at all"}`);
      const header = encodeMessageIndexes(indexPath(type, tops));
      const longKeyTypes = new Map<protobuf.Type, boolean>();
      const longKeys = (t: protobuf.Type): boolean => {
        let has = longKeyTypes.get(t);
        if (has === undefined) longKeyTypes.set(t, (has = hasLongMapKeys(t)));
        return has;
      };
      return {
        parsed,
        encode(value) {
          const why = type.verify(value as Record<string, unknown>);
          if (why !== null)
            throw new SchemaValidationError(
              `value does not match Protobuf message ${type.fullName.slice(1)} of schema ${id}: ${why}`,
              id,
            );
          return Buffer.concat([
            header,
            Buffer.from(type.encode(type.fromObject(value as Record<string, unknown>)).finish()),
          ]);
        },
        decode(rest, _reader, withIndexes = true) {
          const { indexes, payload } = withIndexes
            ? decodeMessageIndexes(rest)
            : { indexes: [0], payload: rest };
          const t = byIndexPath(indexes, tops);
          const o = t.toObject(t.decode(payload), protoObject);
          return longKeys(t) ? withLongMapKeys(t, o) : o;
        },
      };
    }
  }
}

function describeAt(type: avro.Type, path: string[]): string {
  let t: avro.Type | undefined = type;
  for (const p of path) {
    const r = t as unknown as { getField?: (n: string) => { getType(): avro.Type } | undefined };
    t = r.getField?.(p)?.getType();
    if (t === undefined) break;
  }
  return t === undefined ? "value of the schema" : String(t.typeName ?? "value");
}

async function parseFetched(client: RegistryClient, s: FetchedSchema): Promise<ParsedSchema> {
  const refs = await client.references(s.references ?? []);
  return parseSchema(schemaTypeOf(s.schemaType), s.schema, refs);
}

/** Options of {@link schemaSerializer}. */
export type SchemaSerializerOptions = RegistryTarget & {
  /** The subject (e.g. `clicks-value`, Confluent's TopicNameStrategy). */
  subject: string;
  /**
   * The schema to write with (text, or an object for Avro and JSON). With `autoRegister` (the
   * default when a schema is given) it is registered under the subject (and refused if
   * incompatible); otherwise it must already be registered there.
   */
  schema?: string | object;
  /** The type of `schema`: `"AVRO"` (the default), `"JSON"` (JSON Schema) or `"PROTOBUF"` (.proto text). */
  schemaType?: SchemaTypeName;
  /**
   * The registered schemas `schema` uses (`[{ name, subject, version }]`): an Avro named type, a
   * JSON Schema `$ref` target (by `name` as URI), a Protobuf import (by `name` as file name).
   */
  references?: SchemaReference[];
  /** Whether to register `schema` under the subject (default true); false looks its id up. */
  autoRegister?: boolean;
  /** Without `schema`: write with this version of the subject (`latest`, the default, or a number). */
  version?: number | "latest";
  /** Protobuf: the message to write (default the file's first). */
  messageName?: string;
};

/** A serializer bound to one schema id. */
export interface SchemaSerializer<T> {
  /** The id written in every message. */
  readonly id: number;
  readonly schemaType: SchemaTypeName;
  /** The value in Confluent's wire format; throws {@link SchemaValidationError} when it does not match the schema. */
  serialize(value: T): Buffer;
}

/**
 * A serializer for a subject: auto-registers the given schema, or uses a registered one, the
 * latest version or a pinned one.
 *
 * @example
 * const ser = await schemaSerializer({ url, subject: "clicks-value", schema: clickSchema });
 * stream.map((c) => ser.serialize(c)).sinkTo(logSink({ log, topic: "clicks", serializer: "bytes" }));
 */
export async function schemaSerializer<T = unknown>(
  opts: SchemaSerializerOptions,
): Promise<SchemaSerializer<T>> {
  const client = new RegistryClient(opts);
  let id: number;
  let fetched: FetchedSchema;
  if (opts.schema !== undefined) {
    const text = typeof opts.schema === "string" ? opts.schema : JSON.stringify(opts.schema);
    const schemaType = opts.schemaType ?? "AVRO";
    fetched = {
      schema: text,
      ...(schemaType !== "AVRO" ? { schemaType } : {}),
      ...(opts.references?.length ? { references: opts.references } : {}),
    };
    id =
      opts.autoRegister === false
        ? await client.lookup(opts.subject, fetched)
        : await client.register(opts.subject, fetched);
  } else {
    const v = await client.version(opts.subject, opts.version ?? "latest");
    id = v.id;
    fetched = v;
  }
  const parsed = await parseFetched(client, fetched);
  const codec = codecOf(parsed, id, opts.messageName);
  const header = wireHeader(id);
  return {
    id,
    schemaType: parsed.schemaType,
    serialize: (value: T) => Buffer.concat([header, codec.encode(value)]),
  };
}

/** Options of {@link schemaDeserializer}. */
export type SchemaDeserializerOptions = RegistryTarget & {
  /**
   * Avro: read every record with this schema (Avro schema resolution from each record's writer
   * schema: fields added with defaults, promotions, aliases). Default: each record's own schema.
   */
  readerSchema?: string | object;
  /**
   * Protobuf: whether messages carry Confluent's message indexes (default true). False reads the
   * first message of the schema from bytes without them, as `@kafkajs/confluent-schema-registry`
   * 3.x writes them.
   */
  messageIndexes?: boolean;
};

/** A deserializer of Confluent's wire format. */
export interface SchemaDeserializer<T> {
  /** The value of a message; throws naming the id and the registry when the id is unknown. */
  deserialize(bytes: Buffer | null): T;
  /** The id of a message (without decoding it). */
  schemaIdOf(bytes: Buffer): number;
}

/** A deserializer reading any schema id of a registry (fetched once per id). */
export function schemaDeserializer<T = unknown>(opts: SchemaDeserializerOptions): SchemaDeserializer<T> {
  const client = new RegistryClient(opts);
  const codecs = new Map<number, Codec>();
  let reader: Codec | undefined;
  if (opts.readerSchema !== undefined) {
    const text =
      typeof opts.readerSchema === "string" ? opts.readerSchema : JSON.stringify(opts.readerSchema);
    reader = codecOf(parseSchema("AVRO", text), 0);
  }
  const codec = (id: number): Codec => {
    let c = codecs.get(id);
    if (c === undefined) {
      let s: ReturnType<RegistryClient["byIdSync"]>;
      try {
        s = client.byIdSync(id);
      } catch (e) {
        const why =
          e instanceof RegistryError ? `${e.message} (error_code ${e.errorCode})` : (e as Error).message;
        throw new Error(`schema id ${id} is unknown to ${client.where}: ${why}`);
      }
      c = codecOf(parseSchema(schemaTypeOf(s.schemaType), s.schema, s.resolved), id);
      codecs.set(id, c);
    }
    return c;
  };
  return {
    schemaIdOf: (bytes) => readWireHeader(bytes).id,
    deserialize(bytes) {
      if (bytes === null) return null as T;
      const { id, rest } = readWireHeader(bytes);
      const c = codec(id);
      return c.decode(
        rest,
        reader && c.parsed.schemaType === "AVRO" ? reader : undefined,
        c.parsed.schemaType === "PROTOBUF" ? (opts.messageIndexes ?? true) : undefined,
      ) as T;
    },
  };
}

/** A codec of one schema without the 5-byte header, for callers that map values themselves. */
export interface SchemaCodec {
  readonly schemaType: SchemaTypeName;
  /**
   * The payload of a value (for Protobuf with its message indexes); throws
   * {@link SchemaValidationError} naming the field and why when the value does not match.
   */
  encode(value: unknown): Buffer;
  /**
   * The value of a payload (the bytes after the header; for Protobuf with its message indexes).
   * A JSON value is checked against its schema: one that does not match throws
   * {@link SchemaValidationError}.
   */
  decode(payload: Buffer): unknown;
}

/**
 * The codec of a schema registered under `id` (its text and resolved references, as
 * {@link RegistryClient.byIdSync} gives them). SQL's registry formats use it to write and read the
 * objects they make from rows. Protobuf: `messageName` picks the message written (default the
 * file's first), `protobufObject` how decoded messages become objects (default: 64-bit integers
 * and enums as strings, no default values).
 */
export function schemaCodec(
  schema: { schema: string; schemaType?: string; resolved?: readonly { name: string; schema: string }[] },
  id: number,
  opts: { messageName?: string; protobufObject?: protobuf.IConversionOptions } = {},
): SchemaCodec {
  const parsed = parseSchema(schemaTypeOf(schema.schemaType), schema.schema, [...(schema.resolved ?? [])]);
  const c = codecOf(parsed, id, opts.messageName, opts.protobufObject);
  return {
    schemaType: parsed.schemaType,
    encode: (v) => c.encode(v),
    decode: (p) => c.decode(p, undefined, parsed.schemaType === "JSON" ? true : undefined),
  };
}
