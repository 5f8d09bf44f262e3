/**
 * TypeScript types from a registered schema (`fleuve registry types <subject>`): the shape of the
 * values `schemaDeserializer` returns for it, so a job's records are typed end to end.
 *
 * - Avro (as avsc decodes): int, float, double and long are `number`, bytes and fixed `Buffer`,
 *   enums unions of their symbols, unions the union of their branches, records interfaces.
 * - JSON Schema: objects are interfaces (properties not in `required` optional; an open content
 *   model adds an index signature), `enum`/`const` literal unions, `$ref`s to `#/definitions/X` or
 *   `#/$defs/X` named types.
 * - Protobuf (as the deserializer decodes: `longs: String`, `enums: String`, unset fields absent):
 *   64-bit integers are `string`, bytes `Buffer`, enums unions of their names, every field optional.
 */
import protobuf from "protobufjs";
import type { ParsedSchema } from "./schema-types.js";

/** Types for one schema: TypeScript source declaring a type per named schema, the top one last. */
export function typescriptTypes(parsed: ParsedSchema, topName?: string): string {
  switch (parsed.schemaType) {
    case "AVRO":
      return avroTypes(JSON.parse(parsed.canonical), topName);
    case "JSON":
      return jsonTypes(parsed.json as JsonSchema, topName ?? "Value");
    case "PROTOBUF":
      return protoTypes(parsed.proto.root, topName);
  }
}

const ident = (s: string) => {
  const last = s.split(".").pop() ?? s;
  const id = last.replace(/[^A-Za-z0-9_$]/g, "_");
  return /^[0-9]/.test(id) ? `_${id}` : id;
};
const key = (name: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name));
const doc = (text: unknown, indent = "") =>
  typeof text === "string" && text !== "" ? `${indent}/** ${text.replace(/\*\//g, "* /")} */\n` : "";

// ---- Avro

function avroTypes(schema: unknown, topName?: string): string {
  const decls: string[] = [];
  const seen = new Set<string>();
  const typeOf = (s: unknown, ns: string | undefined): string => {
    if (typeof s === "string") {
      switch (s) {
        case "null":
          return "null";
        case "boolean":
          return "boolean";
        case "int":
        case "long":
        case "float":
        case "double":
          return "number";
        case "bytes":
          return "Buffer";
        case "string":
          return "string";
        default:
          return ident(s); // a named type defined earlier
      }
    }
    if (Array.isArray(s)) return s.map((b) => typeOf(b, ns)).join(" | ");
    const o = s as Record<string, any>;
    switch (o.type) {
      case "array":
        return `Array<${typeOf(o.items, ns)}>`;
      case "map":
        return `Record<string, ${typeOf(o.values, ns)}>`;
      case "enum":
      case "fixed":
      case "record":
      case "error": {
        const name = ident(o.name);
        if (!seen.has(name)) {
          seen.add(name);
          const inner = o.namespace ?? ns;
          if (o.type === "enum")
            decls.push(
              `${doc(o.doc)}export type ${name} = ${(o.symbols as string[]).map((x) => JSON.stringify(x)).join(" | ")};`,
            );
          else if (o.type === "fixed")
            decls.push(`/** fixed, ${o.size} bytes */\nexport type ${name} = Buffer;`);
          else {
            const fields = (o.fields as Record<string, any>[]).map(
              (f) => `${doc(f.doc, "  ")}  ${key(f.name)}: ${typeOf(f.type, inner)};`,
            );
            decls.push(`${doc(o.doc)}export interface ${name} {\n${fields.join("\n")}\n}`);
          }
        }
        return name;
      }
      default:
        return typeOf(o.type, ns); // { type: "string", logicalType: ... } and the like
    }
  };
  const top = typeOf(schema, undefined);
  if (topName !== undefined && topName !== top) decls.push(`export type ${topName} = ${top};`);
  else if (decls.length === 0) decls.push(`export type Value = ${top};`);
  return `${decls.join("\n\n")}\n`;
}

// ---- JSON Schema

type JsonSchema = boolean | Record<string, any>;

function jsonTypes(root: JsonSchema, topName: string): string {
  const decls: string[] = [];
  const defs: Record<string, JsonSchema> = {
    ...((root as Record<string, any>).definitions ?? {}),
    ...((root as Record<string, any>).$defs ?? {}),
  };
  const typeOf = (s: JsonSchema): string => {
    if (s === true || s === undefined) return "unknown";
    if (s === false) return "never";
    if (typeof s.$ref === "string") {
      const m = /^#\/(?:definitions|\$defs)\/(.+)$/.exec(s.$ref);
      return m ? ident(m[1]!) : "unknown";
    }
    if ("const" in s) return JSON.stringify(s.const);
    if (Array.isArray(s.enum)) return s.enum.map((v: unknown) => JSON.stringify(v)).join(" | ");
    for (const k of ["oneOf", "anyOf"]) if (Array.isArray(s[k])) return s[k].map(typeOf).join(" | ");
    if (Array.isArray(s.allOf)) return s.allOf.map(typeOf).join(" & ");
    const types: string[] = Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type];
    if (types.length === 0) return s.properties ? objectType(s) : "unknown";
    return types
      .map((t) => {
        switch (t) {
          case "string":
            return "string";
          case "number":
          case "integer":
            return "number";
          case "boolean":
            return "boolean";
          case "null":
            return "null";
          case "array":
            return `Array<${s.items === undefined ? "unknown" : typeOf(s.items)}>`;
          case "object":
            return objectType(s);
          default:
            return "unknown";
        }
      })
      .join(" | ");
  };
  const objectType = (s: Record<string, any>): string => {
    const required = new Set<string>(s.required ?? []);
    const lines = Object.entries((s.properties ?? {}) as Record<string, JsonSchema>).map(
      ([name, p]) =>
        `${doc((p as Record<string, any>).description, "  ")}  ${key(name)}${required.has(name) ? "" : "?"}: ${typeOf(p)};`,
    );
    if (s.additionalProperties !== false) {
      // An open content model: any other property, of any type (or of the given one).
      const extra = typeof s.additionalProperties === "object" ? typeOf(s.additionalProperties) : "unknown";
      lines.push(`  [property: string]: ${extra === "unknown" ? "unknown" : `${extra} | undefined`};`);
    }
    return `{\n${lines.join("\n")}\n}`;
  };
  for (const [name, d] of Object.entries(defs)) decls.push(`export type ${ident(name)} = ${typeOf(d)};`);
  decls.push(`${doc((root as Record<string, any>).description)}export type ${topName} = ${typeOf(root)};`);
  return `${decls.join("\n\n")}\n`;
}

// ---- Protobuf

const PROTO_SCALARS: Record<string, string> = {
  double: "number",
  float: "number",
  int32: "number",
  uint32: "number",
  sint32: "number",
  fixed32: "number",
  sfixed32: "number",
  int64: "string",
  uint64: "string",
  sint64: "string",
  fixed64: "string",
  sfixed64: "string",
  bool: "boolean",
  string: "string",
  bytes: "Buffer",
};

function protoTypes(root: protobuf.Root, topName?: string): string {
  const decls: string[] = [];
  const nameOf = (t: protobuf.ReflectionObject) => t.fullName.slice(1).split(".").map(ident).join("_");
  const fieldType = (f: protobuf.Field): string => {
    const r = f.resolvedType;
    if (r instanceof protobuf.Enum) return nameOf(r);
    if (r instanceof protobuf.Type) return nameOf(r);
    return PROTO_SCALARS[f.type] ?? "unknown";
  };
  let first: string | undefined;
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const n of ns.nestedArray) {
      if (n instanceof protobuf.Type) {
        const lines = n.fieldsArray.map((f) => {
          const base = fieldType(f);
          const t =
            f instanceof protobuf.MapField ? `Record<string, ${base}>` : f.repeated ? `Array<${base}>` : base;
          return `  ${key(f.name)}?: ${t};`;
        });
        decls.push(`export interface ${nameOf(n)} {\n${lines.join("\n")}\n}`);
        first ??= nameOf(n);
        walk(n);
      } else if (n instanceof protobuf.Enum) {
        decls.push(
          `export type ${nameOf(n)} = ${Object.keys(n.values)
            .map((v) => JSON.stringify(v))
            .join(" | ")};`,
        );
      } else if (n instanceof protobuf.Namespace) walk(n);
    }
  };
  walk(root);
  if (topName !== undefined && first !== undefined && topName !== first)
    decls.push(`export type ${topName} = ${first};`);
  return `${decls.join("\n\n")}\n`;
}
