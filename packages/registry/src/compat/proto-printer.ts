/**
 * Base64 FileDescriptorProto schemas, as Confluent's Protobuf serializers auto-register them
 * (`@confluentinc/schemaregistry` among them): Confluent's ProtobufSchema parses a schema string
 * as .proto text first and, failing that, as a base64 serialized FileDescriptorProto, and stores
 * and returns the canonical .proto text of it. This module decodes such a descriptor and prints
 * that .proto text (syntax, package, imports, file options, messages with nested types, enums,
 * oneofs, maps, reserved ranges, proto2 labels and defaults, `packed`/`deprecated` options).
 */
import type protobuf from "protobufjs";
import * as descriptorModule from "protobufjs/ext/descriptor/index.js";

const descriptor = (descriptorModule as unknown as { default: { FileDescriptorProto: protobuf.Type } })
  .default;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Desc = any;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The FileDescriptorProto (as a plain object, enums as names) a schema string encodes in base64,
 * or undefined when the string is not base64 or does not decode as one.
 */
export function decodeFileDescriptor(text: string): Desc | undefined {
  const s = text.trim();
  if (s.length % 4 !== 0 || !BASE64.test(s)) return undefined;
  try {
    const msg = descriptor.FileDescriptorProto.decode(Buffer.from(s, "base64"));
    const obj = descriptor.FileDescriptorProto.toObject(msg, {
      enums: String,
      longs: String,
      defaults: false,
    });
    if (!obj.messageType?.length && !obj.enumType?.length && !obj.name) return undefined;
    return obj;
  } catch {
    return undefined;
  }
}

const SCALARS: Record<string, string> = {
  TYPE_DOUBLE: "double",
  TYPE_FLOAT: "float",
  TYPE_INT64: "int64",
  TYPE_UINT64: "uint64",
  TYPE_INT32: "int32",
  TYPE_FIXED64: "fixed64",
  TYPE_FIXED32: "fixed32",
  TYPE_BOOL: "bool",
  TYPE_STRING: "string",
  TYPE_BYTES: "bytes",
  TYPE_UINT32: "uint32",
  TYPE_SFIXED32: "sfixed32",
  TYPE_SFIXED64: "sfixed64",
  TYPE_SINT32: "sint32",
  TYPE_SINT64: "sint64",
};

const FILE_OPTIONS: [string, string][] = [
  ["javaPackage", "java_package"],
  ["javaOuterClassname", "java_outer_classname"],
  ["javaMultipleFiles", "java_multiple_files"],
  ["goPackage", "go_package"],
  ["optimizeFor", "optimize_for"],
  ["csharpNamespace", "csharp_namespace"],
  ["objcClassPrefix", "objc_class_prefix"],
  ["deprecated", "deprecated"],
];

function literal(v: unknown): string {
  return typeof v === "string" && !/^[A-Z_][A-Z0-9_]*$/.test(v) ? JSON.stringify(v) : String(v);
}

function typeOf(f: Desc): string {
  if (f.typeName) return String(f.typeName).replace(/^\./, "");
  const t = SCALARS[f.type as string];
  if (!t) throw new Error(`field ${f.name}: unsupported type ${f.type}`);
  return t;
}

function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Prints the .proto text of a FileDescriptorProto object (see {@link decodeFileDescriptor}). */
export function printFileDescriptor(file: Desc): string {
  const proto2 = file.syntax !== "proto3" && file.syntax !== "editions";
  const out: string[] = [`syntax = "${proto2 ? "proto2" : "proto3"}";`];
  if (file.package) out.push(`package ${file.package};`);
  const pub = new Set<number>(file.publicDependency ?? []);
  const weak = new Set<number>(file.weakDependency ?? []);
  (file.dependency ?? []).forEach((d: string, i: number) => {
    out.push(`import ${pub.has(i) ? "public " : weak.has(i) ? "weak " : ""}"${d}";`);
  });
  const opts = file.options ?? {};
  for (const [k, n] of FILE_OPTIONS)
    if (opts[k] !== undefined) out.push(`option ${n} = ${literal(opts[k])};`);
  out.push("");
  const body: string[] = [];
  for (const m of file.messageType ?? []) printMessage(m, "", proto2, body);
  for (const e of file.enumType ?? []) printEnum(e, "", body);
  return `${out.join("\n")}\n${body.join("\n")}\n`;
}

function printEnum(e: Desc, ind: string, out: string[]): void {
  out.push(`${ind}enum ${e.name} {`);
  if (e.options?.allowAlias) out.push(`${ind}  option allow_alias = true;`);
  for (const v of e.value ?? []) out.push(`${ind}  ${v.name} = ${v.number ?? 0};`);
  printReserved(e, ind, out, true);
  out.push(`${ind}}`);
}

function printReserved(d: Desc, ind: string, out: string[], inclusiveEnd: boolean): void {
  const ranges = (d.reservedRange ?? []).map((r: Desc) => {
    const start = r.start ?? 0;
    const end = inclusiveEnd ? (r.end ?? 0) : (r.end ?? 1) - 1;
    return end === start ? `${start}` : end >= 536870911 ? `${start} to max` : `${start} to ${end}`;
  });
  if (ranges.length > 0) out.push(`${ind}  reserved ${ranges.join(", ")};`);
  if (d.reservedName?.length)
    out.push(`${ind}  reserved ${d.reservedName.map((n: string) => JSON.stringify(n)).join(", ")};`);
}

function printMessage(m: Desc, ind: string, proto2: boolean, out: string[]): void {
  const fields: Desc[] = m.field ?? [];
  const oneofs: Desc[] = m.oneofDecl ?? [];
  const maps = new Map<string, Desc>();
  for (const n of m.nestedType ?? []) if (n.options?.mapEntry) maps.set(n.name, n);
  // proto3 `optional`: a synthetic oneof `_name` holding only that field (protobufjs's descriptor
  // type drops the proto3_optional flag, so it is recognised by its shape, as protoc names it).
  const synthetic = new Set<number>();
  if (!proto2)
    oneofs.forEach((o, i) => {
      const members = fields.filter((f) => f.oneofIndex === i);
      if (members.length === 1 && (members[0].proto3Optional || o.name === `_${members[0].name}`))
        synthetic.add(i);
    });
  out.push(`${ind}message ${m.name} {`);
  const inner = `${ind}  `;
  if (m.options?.deprecated) out.push(`${inner}option deprecated = true;`);
  const printed = new Set<number>();
  const fieldLine = (f: Desc, pad: string, inOneof: boolean): string => {
    const entry = f.typeName ? maps.get(String(f.typeName).split(".").pop()!) : undefined;
    let type: string;
    let label = "";
    if (entry && f.label === "LABEL_REPEATED" && String(f.typeName).endsWith(`${m.name}.${entry.name}`)) {
      const [k, v] = [
        entry.field.find((x: Desc) => x.number === 1),
        entry.field.find((x: Desc) => x.number === 2),
      ];
      type = `map<${typeOf(k)}, ${typeOf(v)}>`;
    } else {
      type = typeOf(f);
      if (f.label === "LABEL_REPEATED") label = "repeated ";
      else if (inOneof) label = "";
      else if (f.label === "LABEL_REQUIRED") label = "required ";
      else if (proto2) label = "optional ";
      else if (f.oneofIndex !== undefined && synthetic.has(f.oneofIndex)) label = "optional ";
    }
    const o: string[] = [];
    if (f.defaultValue !== undefined)
      o.push(
        `default = ${f.type === "TYPE_STRING" || f.type === "TYPE_BYTES" ? JSON.stringify(f.defaultValue) : f.defaultValue}`,
      );
    if (f.options?.packed !== undefined) o.push(`packed = ${f.options.packed}`);
    if (f.options?.deprecated) o.push("deprecated = true");
    if (f.jsonName && f.jsonName !== lowerCamel(f.name)) o.push(`json_name = ${JSON.stringify(f.jsonName)}`);
    return `${pad}${label}${type} ${f.name} = ${f.number}${o.length ? ` [${o.join(", ")}]` : ""};`;
  };
  for (const f of fields) {
    const oi = f.oneofIndex;
    if (oi !== undefined && oi !== null && !synthetic.has(oi)) {
      if (printed.has(oi)) continue;
      printed.add(oi);
      out.push(`${inner}oneof ${oneofs[oi].name} {`);
      for (const g of fields.filter((x) => x.oneofIndex === oi)) out.push(fieldLine(g, `${inner}  `, true));
      out.push(`${inner}}`);
    } else out.push(fieldLine(f, inner, false));
  }
  printReserved(m, ind, out, false);
  for (const n of m.nestedType ?? []) if (!n.options?.mapEntry) printMessage(n, inner, proto2, out);
  for (const e of m.enumType ?? []) printEnum(e, inner, out);
  out.push(`${ind}}`);
}
