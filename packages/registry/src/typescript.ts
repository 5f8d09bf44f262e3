/**
 * TypeScript types from a registered schema (`fleuve registry types <subject>`): the shape of the
 * values `schemaDeserializer` returns for it, so a job's records are typed end to end.
 *
 * - Avro (as avsc decodes): int, float, double and long are `number`, bytes and fixed `Buffer`,
 *   enums unions of their symbols, unions the union of their branches, records interfaces; named
 *   types of referenced subjects are declared like the schema's own.
 * - JSON Schema: objects are interfaces (properties not in `required` optional; an open content
 *   model adds an index signature), `enum`/`const` literal unions. A `$ref` becomes a named type
 *   declared once: `#/definitions/X` or `#/$defs/X` (any JSON pointer) is `X`; a referenced
 *   schema (`address.json`, resolved as the validator does) is named by its `title` or file name
 *   (`Address`), and `address.json#/definitions/zip` is `zip` (`Address_zip` if taken).
 * - Protobuf (as the deserializer decodes: `longs: String`, `enums: String`, unset fields absent):
 *   64-bit integers are `string`, bytes `Buffer`, enums unions of their names, every field optional;
 *   messages of imported files (references, google/protobuf/timestamp.proto...) are declared too.
 */
import protobuf from "protobufjs";
import { resolveRef } from "./compat/json-schema.js";
import type { ParsedSchema } from "./schema-types.js";

/** Types for one schema: TypeScript source declaring a type per named schema, the top one last. */
export function typescriptTypes(parsed: ParsedSchema, topName?: string): string {
  switch (parsed.schemaType) {
    case "AVRO":
      // avsc's schema has the named types of referenced subjects written in where first used (the
      // stored text only names them); exportAttrs keeps the docs.
      return avroTypes(parsed.avro.schema({ exportAttrs: true }), topName);
    case "JSON":
      return jsonTypes(
        parsed.json as JsonSchema,
        parsed.refs as ReadonlyMap<string, JsonSchema>,
        topName ?? "Value",
      );
    case "PROTOBUF":
      return protoTypes(parsed.proto.root, topName);
  }
}

const ident = (s: string) => {
  const last = s.split(".").pop() ?? s;
  const id = last.replace(/[^A-Za-z0-9_$]/g, "_");
  return /^[0-9]/.test(id) ? `_${id}` : id;
};
// Names a declaration must not take: it would shadow a type the generated code itself uses.
const RESERVED = new Set(
  "any unknown never void undefined null object string number boolean bigint symbol Array Record Buffer".split(
    " ",
  ),
);
const safe = (id: string) => (RESERVED.has(id) ? `${id}_` : id);
const key = (name: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name));
const docComment = (text: unknown, indent = "") =>
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
          return safe(ident(s)); // a named type defined earlier
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
        const name = safe(ident(o.name));
        if (!seen.has(name)) {
          seen.add(name);
          const inner = o.namespace ?? ns;
          if (o.type === "enum")
            decls.push(
              `${docComment(o.doc)}export type ${name} = ${(o.symbols as string[]).map((x) => JSON.stringify(x)).join(" | ")};`,
            );
          else if (o.type === "fixed")
            decls.push(`/** fixed, ${o.size} bytes */\nexport type ${name} = Buffer;`);
          else {
            const fields = (o.fields as Record<string, any>[]).map(
              (f) => `${docComment(f.doc, "  ")}  ${key(f.name)}: ${typeOf(f.type, inner)};`,
            );
            decls.push(`${docComment(o.doc)}export interface ${name} {\n${fields.join("\n")}\n}`);
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

function jsonTypes(root: JsonSchema, refs: ReadonlyMap<string, JsonSchema>, topName: string): string {
  const decls: string[] = [];
  // Every schema a `$ref` reaches (in this document or a referenced one) becomes one named type,
  // declared once: shared targets stay one type, and recursive ones terminate.
  const names = new Map<object, string>();
  const taken = new Set<string>([topName]);
  if (typeof root === "object") names.set(root, topName);
  const refNames = new Map<object, string>();
  for (const [name, d] of refs) if (typeof d === "object") refNames.set(d, name);
  /** The first of `wanted` no other declaration has, else the first numbered. */
  const claim = (wanted: readonly string[]): string => {
    let name = wanted.find((w) => !taken.has(w));
    for (let i = 2; name === undefined; i++) if (!taken.has(`${wanted[0]}${i}`)) name = `${wanted[0]}${i}`;
    taken.add(name);
    return name;
  };
  /** A referenced document's name: its `title`, else its reference name's file name (`address.json` -> `Address`). */
  const docName = (d: Record<string, any>): string => {
    const label =
      typeof d.title === "string" && d.title.trim() !== ""
        ? d.title
        : (refNames.get(d) ?? "Ref").split("/").pop()!.split(".")[0]!;
    return safe(ident(label.replace(/(?:^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, c: string) => c.toUpperCase())));
  };
  const declare = (node: Record<string, any>, doc: JsonSchema, wanted: readonly string[]): string => {
    const name = claim(wanted);
    names.set(node, name);
    const at = decls.push("") - 1; // its place, before the types its body declares
    decls[at] = `${docComment(node.description)}export type ${name} = ${typeOf(node, doc)};`;
    return name;
  };
  // `doc` is the document `s` is in: the one its `#/...` refs point into.
  const typeOf = (s: JsonSchema, doc: JsonSchema): string => {
    if (s === true || s === undefined) return "unknown";
    if (s === false) return "never";
    if (typeof s.$ref === "string") {
      const t = resolveRef(s.$ref, doc, refs);
      if (t === undefined) return "unknown"; // the registry refuses such a schema; be lenient
      if (typeof t.node === "boolean") return t.node ? "unknown" : "never";
      const known = names.get(t.node);
      if (known !== undefined) return known;
      const pointer = s.$ref.includes("#") ? s.$ref.slice(s.$ref.indexOf("#") + 1) : "";
      const last = pointer.split("/").filter(Boolean).pop();
      if (last === undefined) return declare(t.node, t.root, [docName(t.node)]);
      const own = safe(ident(decodeURIComponent(last.replace(/~1/g, "/").replace(/~0/g, "~"))));
      const wanted =
        t.root === root || typeof t.root !== "object" ? [own] : [own, `${docName(t.root)}_${own}`];
      return declare(t.node, t.root, wanted);
    }
    if ("const" in s) return JSON.stringify(s.const);
    if (Array.isArray(s.enum)) return s.enum.map((v: unknown) => JSON.stringify(v)).join(" | ");
    for (const k of ["oneOf", "anyOf"])
      if (Array.isArray(s[k])) return s[k].map((x: JsonSchema) => typeOf(x, doc)).join(" | ");
    if (Array.isArray(s.allOf)) return s.allOf.map((x: JsonSchema) => typeOf(x, doc)).join(" & ");
    const types: string[] = Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type];
    if (types.length === 0) return s.properties ? objectType(s, doc) : "unknown";
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
            return `Array<${s.items === undefined ? "unknown" : typeOf(s.items, doc)}>`;
          case "object":
            return objectType(s, doc);
          default:
            return "unknown";
        }
      })
      .join(" | ");
  };
  const objectType = (s: Record<string, any>, doc: JsonSchema): string => {
    const required = new Set<string>(s.required ?? []);
    const lines = Object.entries((s.properties ?? {}) as Record<string, JsonSchema>).map(
      ([name, p]) =>
        `${docComment((p as Record<string, any>).description, "  ")}  ${key(name)}${required.has(name) ? "" : "?"}: ${typeOf(p, doc)};`,
    );
    if (s.additionalProperties !== false) {
      // An open content model: any other property, of any type (or of the given one).
      const extra =
        typeof s.additionalProperties === "object" ? typeOf(s.additionalProperties, doc) : "unknown";
      lines.push(`  [property: string]: ${extra === "unknown" ? "unknown" : `${extra} | undefined`};`);
    }
    return `{\n${lines.join("\n")}\n}`;
  };
  // The root's own definitions are declared even where nothing refers to them (they are part of
  // what the schema names); booleans have no identity to share, so they are declared apart.
  const r = root as Record<string, any>;
  for (const [name, d] of Object.entries<JsonSchema>({ ...(r.definitions ?? {}), ...(r.$defs ?? {}) })) {
    if (typeof d === "object") {
      if (!names.has(d)) declare(d, root, [safe(ident(name))]);
    } else decls.push(`export type ${claim([safe(ident(name))])} = ${d ? "unknown" : "never"};`);
  }
  const top = `${docComment(r.description)}export type ${topName} = ${typeOf(root, root)};`;
  return `${[...decls, top].join("\n\n")}\n`;
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
  const nameOf = (t: protobuf.ReflectionObject) => safe(t.fullName.slice(1).split(".").map(ident).join("_"));
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
