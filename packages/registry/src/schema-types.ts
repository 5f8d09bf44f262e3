/**
 * The three schema types behind one interface: parse (422 42201 with the parser's message),
 * canonical text (what the registry stores and compares), and "can this reader read that writer".
 */
import type avro from "avsc";
import { avroReadIssues, normalizeAvro, parseAvro } from "./compat/avro.js";
import { jsonReadIssues, parseJsonSchema } from "./compat/json-schema.js";
import { decodeFileDescriptor, printFileDescriptor } from "./compat/proto-printer.js";
import { type ParsedProto, parseProtobuf, protobufReadIssues } from "./compat/protobuf.js";
import { errors } from "./errors.js";

/** A schema type's name as the API spells it. */
export type SchemaTypeName = "AVRO" | "JSON" | "PROTOBUF";

/** The schema types this registry knows (`GET /schemas/types`). */
export const SCHEMA_TYPES: readonly SchemaTypeName[] = ["JSON", "PROTOBUF", "AVRO"];

/** A referenced schema, resolved: the name it is imported under and its text. */
export interface ResolvedReference {
  name: string;
  schema: string;
}

/** A parsed schema of any type. */
export type ParsedSchema =
  | { schemaType: "AVRO"; canonical: string; avro: avro.Type; node: ReturnType<typeof parseAvro>["node"] }
  | {
      schemaType: "JSON";
      canonical: string;
      json: Record<string, unknown> | boolean;
      /** The referenced schemas by reference name (the URI an external `$ref` names them by). */
      refs: ReadonlyMap<string, Record<string, unknown> | boolean>;
    }
  | { schemaType: "PROTOBUF"; canonical: string; proto: ParsedProto };

/** Checks a schema type name (42201 when unknown, as Confluent answers). */
export function schemaTypeOf(t: unknown): SchemaTypeName {
  if (t === undefined || t === null) return "AVRO";
  const up = String(t).toUpperCase();
  if (up === "AVRO" || up === "JSON" || up === "PROTOBUF") return up;
  throw errors.invalidSchema(`Invalid schema type ${String(t)}`);
}

/**
 * Parses a schema text of a type; `normalize` rewrites it to a normal form first (attribute order,
 * whitespace), so equivalent texts get one id.
 */
export function parseSchema(
  schemaType: SchemaTypeName,
  text: string,
  references: readonly ResolvedReference[] = [],
  normalize = false,
): ParsedSchema {
  if (typeof text !== "string" || text.trim() === "") throw errors.invalidSchema("Empty schema");
  switch (schemaType) {
    case "AVRO": {
      const p = parseAvro(
        text,
        references.map((r) => r.schema),
      );
      return {
        schemaType,
        canonical: normalize ? normalizeAvro(p.canonical) : p.canonical,
        avro: p.type,
        node: p.node,
      };
    }
    case "JSON": {
      const json = parseJsonSchema(text);
      const canonical = normalize ? stableStringify(json) : JSON.stringify(json);
      const refs = new Map<string, Record<string, unknown> | boolean>();
      for (const r of references) {
        try {
          refs.set(r.name, parseJsonSchema(r.schema) as Record<string, unknown> | boolean);
        } catch (e) {
          throw errors.invalidSchema(`Invalid reference ${r.name}: ${(e as Error).message}`);
        }
      }
      return { schemaType, canonical, json: json as Record<string, unknown> | boolean, refs };
    }
    case "PROTOBUF": {
      // A base64 FileDescriptorProto (what Confluent's serializers auto-register) stands for the
      // .proto text Confluent stores for it.
      const file = decodeFileDescriptor(text);
      const source = file ? printFileDescriptor(file) : text;
      const proto = parseProtobuf(source, new Map(references.map((r) => [r.name, r.schema])));
      const canonical = normalize ? source.replace(/\s+/g, " ").trim() : source;
      return { schemaType, canonical, proto };
    }
  }
}

/** JSON with object keys sorted, so key order does not change the text. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Why `reader` cannot read what `writer` wrote (empty when it can). Both must be of one type. */
export function readIssues(reader: ParsedSchema, writer: ParsedSchema): string[] {
  if (reader.schemaType !== writer.schemaType) {
    return [`schema type changed from ${writer.schemaType} to ${reader.schemaType}`];
  }
  switch (reader.schemaType) {
    case "AVRO":
      return avroReadIssues(reader.node, (writer as typeof reader).node);
    case "JSON":
      return jsonReadIssues(
        reader.json,
        (writer as typeof reader).json,
        reader.refs,
        (writer as typeof reader).refs,
      );
    case "PROTOBUF":
      return protobufReadIssues(reader.proto, (writer as typeof reader).proto);
  }
}

/** Compatibility levels (`config`). */
export const COMPATIBILITY_LEVELS = [
  "NONE",
  "BACKWARD",
  "BACKWARD_TRANSITIVE",
  "FORWARD",
  "FORWARD_TRANSITIVE",
  "FULL",
  "FULL_TRANSITIVE",
] as const;
/** A compatibility level. */
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/**
 * Why `candidate` may not follow `previous` (oldest first, non-deleted) under `level`; empty when
 * it may. Non-transitive levels compare with the latest version only.
 */
export function compatibilityIssues(
  level: CompatibilityLevel,
  candidate: ParsedSchema,
  previous: readonly ParsedSchema[],
): string[] {
  if (level === "NONE" || previous.length === 0) return [];
  const against = level.endsWith("_TRANSITIVE") ? previous : previous.slice(-1);
  const backward = level.startsWith("BACKWARD") || level.startsWith("FULL");
  const forward = level.startsWith("FORWARD") || level.startsWith("FULL");
  const out: string[] = [];
  for (const old of [...against].reverse()) {
    if (backward)
      for (const m of readIssues(candidate, old)) out.push(`BACKWARD: new schema cannot read old data: ${m}`);
    if (forward)
      for (const m of readIssues(old, candidate)) out.push(`FORWARD: old schema cannot read new data: ${m}`);
  }
  return out;
}
