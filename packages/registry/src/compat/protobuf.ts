/**
 * Protobuf schemas: parsing with protobufjs (errors are the parser's, with line numbers), and
 * compatibility by wire format, after Confluent's Protobuf rules: the package and every message
 * the writer has must remain, a field number keeps a wire-compatible type (scalars within one
 * compatible group), numeric fields do not change between single and repeated, a field does not
 * move into an existing `oneof` nor more than one into a new one, proto2 `required` fields are
 * neither added nor removed.
 */
import protobuf from "protobufjs";
// Also gives Root its toDescriptor(); CommonJS, so its exports are the default export's.
import * as descriptorModule from "protobufjs/ext/descriptor/index.js";
import { errors } from "../errors.js";
import { addKnownProtoFiles, isKnownProtoFile } from "./known-protos.js";

/** A parsed .proto file. */
export interface ParsedProto {
  root: protobuf.Root;
  pkg: string;
  /** Messages by full name (without the leading dot), in file order. */
  messages: Map<string, protobuf.Type>;
}

/**
 * Parses `text` and the `referenced` texts into one root, with the known files (Confluent's
 * built-in dependencies: google/type/date.proto, google/protobuf/timestamp.proto,
 * confluent/type/decimal.proto...) any of them imports without a reference. Returns the main
 * file's parse result.
 */
function parseInto(
  root: protobuf.Root,
  text: string,
  referenced: ReadonlyMap<string, string>,
): protobuf.IParserResult {
  const provided = new Set(referenced.keys());
  const loaded = new Set<string>();
  const imports: string[] = [];
  for (const src of referenced.values()) {
    const r = protobuf.parse(src, root, { keepCase: true });
    imports.push(...(r.imports ?? []), ...(r.weakImports ?? []));
  }
  const res = protobuf.parse(text, root, { keepCase: true });
  imports.push(...(res.imports ?? []), ...(res.weakImports ?? []));
  addKnownProtoFiles(root, imports, provided, loaded);
  return res;
}

/**
 * Parses a .proto text; `referenced` maps import names to the texts of referenced schemas. The
 * files Confluent knows (see {@link addKnownProtoFiles}) need no reference.
 */
export function parseProtobuf(
  text: string,
  referenced: ReadonlyMap<string, string> = new Map(),
): ParsedProto {
  const root = new protobuf.Root();
  let pkg = "";
  try {
    const res = parseInto(root, text, referenced);
    pkg = res.package ?? "";
    root.resolveAll();
  } catch (e) {
    throw errors.invalidSchema(`Invalid schema ${text}, details: ${(e as Error).message}`);
  }
  const messages = new Map<string, protobuf.Type>();
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) messages.set(nested.fullName.slice(1), nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type)
        walk(nested as protobuf.NamespaceBase);
    }
  };
  walk(root);
  return { root, pkg, messages };
}

/** Scalar types that read each other's wire values. */
const GROUPS = [
  ["int32", "uint32", "int64", "uint64", "bool"],
  ["sint32", "sint64"],
  ["fixed32", "sfixed32"],
  ["fixed64", "sfixed64"],
  ["string", "bytes"],
];
const SCALARS = new Set([...GROUPS.flat(), "double", "float"]);
const NUMERIC = new Set([...SCALARS].filter((t) => t !== "string" && t !== "bytes"));

function kindOf(f: protobuf.Field): string {
  if (SCALARS.has(f.type)) return f.type;
  if (f.resolvedType instanceof protobuf.Enum) return "enum";
  if (f.map) return "map";
  return "message";
}

/** Whether a message's fields are the ones of the first message of the file (the default). */
export function firstMessage(p: ParsedProto): protobuf.Type | undefined {
  return p.messages.values().next().value;
}

/** Why data written with `writer` cannot be read with `reader` (empty when it can). */
export function protobufReadIssues(reader: ParsedProto, writer: ParsedProto): string[] {
  const issues: string[] = [];
  if (reader.pkg !== writer.pkg) issues.push(`#/: package changed from '${writer.pkg}' to '${reader.pkg}'`);
  for (const [name, wm] of writer.messages) {
    const rName = reader.pkg === writer.pkg ? name : name.replace(writer.pkg, reader.pkg);
    const rm = reader.messages.get(rName);
    if (rm === undefined) {
      issues.push(`#/${name}: message removed`);
      continue;
    }
    const rById = new Map(rm.fieldsArray.map((f) => [f.id, f]));
    const wById = new Map(wm.fieldsArray.map((f) => [f.id, f]));
    const movedToOneof = new Map<string, number>();
    for (const wf of wm.fieldsArray) {
      const path = `#/${name}/${wf.id}`;
      const rf = rById.get(wf.id);
      if (rf === undefined) {
        if (wf.required) issues.push(`${path}: required field '${wf.name}' removed`);
        if (wf.partOf) issues.push(`${path}: field '${wf.name}' removed from oneof '${wf.partOf.name}'`);
        continue;
      }
      const wk = kindOf(wf);
      const rk = kindOf(rf);
      if (wk !== rk) {
        const group = GROUPS.find((g) => g.includes(wk));
        if (!(group?.includes(rk) ?? false)) {
          issues.push(`${path}: field ${wf.id} changed from ${wf.type} to ${rf.type}`);
          continue;
        }
      } else if ((wk === "message" || wk === "enum") && wf.resolvedType && rf.resolvedType) {
        const wn = wf.resolvedType.fullName.slice(1);
        const rn = rf.resolvedType.fullName.slice(1);
        if (wn.replace(writer.pkg, "") !== rn.replace(reader.pkg, "")) {
          issues.push(`${path}: field ${wf.id} changed type from ${wn} to ${rn}`);
        }
      }
      if (wf.repeated !== rf.repeated && NUMERIC.has(wk)) {
        issues.push(`${path}: numeric field '${wf.name}' changed between single and repeated`);
      }
      if (rf.required && !wf.required) issues.push(`${path}: field '${rf.name}' became required`);
      if (rf.partOf && !wf.partOf) {
        const oneofName = rf.partOf.name;
        const existed = wm.oneofsArray.some((o) => o.name === oneofName);
        if (existed) issues.push(`${path}: field '${wf.name}' moved into existing oneof '${oneofName}'`);
        movedToOneof.set(oneofName, (movedToOneof.get(oneofName) ?? 0) + 1);
      }
    }
    for (const [oneofName, n] of movedToOneof) {
      if (n > 1) issues.push(`#/${name}: ${n} fields moved into new oneof '${oneofName}'`);
    }
    for (const rf of rm.fieldsArray) {
      if (!wById.has(rf.id) && rf.required)
        issues.push(`#/${name}/${rf.id}: required field '${rf.name}' added`);
    }
  }
  return issues;
}

/**
 * The full names (`.pkg.Name`) of the messages and enums a Protobuf file defines at its top level,
 * in order: its own, not its imports' (parsed alone, unresolved).
 */
export function ownTopLevelNames(text: string): string[] {
  const alone = protobuf.parse(text, new protobuf.Root(), { keepCase: true });
  const pkg = alone.package ?? "";
  const ns = pkg ? (alone.root.lookup(pkg) as protobuf.Namespace | null) : alone.root;
  return (ns?.nestedArray ?? [])
    .filter((n) => n instanceof protobuf.Type || n instanceof protobuf.Enum)
    .map((n) => n.fullName);
}

/**
 * A Protobuf schema as Confluent's `?format=serialized` returns it: its FileDescriptorProto in
 * binary, base64-encoded (what Confluent's own JavaScript client asks for, to build messages with
 * @bufbuild/protobuf). Message and enum type names are fully qualified, as protoc writes them. A
 * schema with imports names them as its dependencies (the names its references give, which a
 * client fetches as files of their own); `referenced` holds their texts by those names (with
 * theirs, transitively), so that the file's types resolve; only its own definitions are in it.
 * Known files (google/type/date.proto, google/protobuf/timestamp.proto, confluent/type/decimal.proto...)
 * are dependencies by their own names without references, as Confluent's clients resolve them
 * from copies of their own.
 */
export function serializedProtobuf(
  text: string,
  referenced: ReadonlyMap<string, string> = new Map(),
): string {
  const own = new Set(ownTopLevelNames(text));
  const root = new protobuf.Root();
  const res = parseInto(root, text, referenced);
  const pkg = res.package ?? "";
  const imports = [...(res.imports ?? []), ...(res.weakImports ?? [])];
  const missing = imports.filter((i) => !referenced.has(i) && !isKnownProtoFile(i));
  if (missing.length > 0) {
    throw errors.invalidSchema(
      `format=serialized: the Protobuf schema imports ${missing.join(", ")}, which no reference names`,
    );
  }
  root.resolveAll();
  const withDescriptor = root as protobuf.Root & { toDescriptor(syntax: string): any };
  const syntax = /syntax\s*=\s*"proto2"/.test(text) ? "proto2" : "proto3";
  const set = withDescriptor.toDescriptor(syntax);
  // protobufjs makes one file per package, the imports' definitions of the same package included:
  // keep the schema's own.
  const mine = (set.file as any[]).filter((f) => (f.package ?? "") === pkg);
  const prefix = pkg ? `.${pkg}.` : ".";
  const ownDescs = (key: "messageType" | "enumType") =>
    mine.flatMap((f) => (f[key] ?? []) as any[]).filter((d) => own.has(`${prefix}${d.name}`));
  const file = mine[0] ?? { syntax };
  if (mine.length === 0 && own.size === 0)
    throw errors.invalidSchema("the Protobuf schema has no definitions");
  file.name = "default.proto";
  file.messageType = ownDescs("messageType");
  file.enumType = ownDescs("enumType");
  if (imports.length > 0) file.dependency = imports;
  // protobufjs writes type names as the source does (relative); protoc and readers expect them qualified.
  const qualify = (descs: any[] | undefined, ns: protobuf.NamespaceBase) => {
    for (const d of descs ?? []) {
      const type = ns.lookup(d.name) as protobuf.Type | null;
      if (!(type instanceof protobuf.Type)) continue;
      for (const f of d.field ?? []) {
        const field = type.fields[f.name];
        if (field instanceof protobuf.MapField) {
          // protobufjs names a map's entry type after the field ("Attrs", typed relatively, or
          // by the value type): protoc's is `AttrsEntry`, and the field's type is that entry.
          const entry = (d.nestedType ?? []).find(
            (n: any) => n.options?.mapEntry && n.name === f.name.charAt(0).toUpperCase() + f.name.slice(1),
          );
          if (entry) {
            entry.name = `${f.name.replace(/(?:^|_)([a-z0-9])/g, (_: string, c: string) => c.toUpperCase())}Entry`;
            f.typeName = `${type.fullName}.${entry.name}`;
            const value = (entry.field ?? []).find((x: any) => x.number === 2);
            if (value?.typeName && field.resolvedType) value.typeName = field.resolvedType.fullName;
          }
          continue;
        }
        if (f.typeName && field?.resolvedType) f.typeName = field.resolvedType.fullName;
        // A proto3 `optional` field: protobufjs sets the flag under its snake-case name, which the
        // descriptor type does not encode, so readers took its synthetic oneof for a real one.
        if (field?.options?.proto3_optional) f.proto3Optional = true;
      }
      // protobufjs writes reserved ranges with inclusive ends; a descriptor's end is exclusive.
      for (const r of d.reservedRange ?? []) r.end = (r.end ?? r.start ?? 0) + 1;
      qualify(d.nestedType, type);
    }
  };
  qualify(file.messageType, pkg ? (root.lookup(pkg) as protobuf.Namespace) : root);
  const descriptor = (descriptorModule as unknown as { default: { FileDescriptorProto: protobuf.Type } })
    .default;
  return Buffer.from(descriptor.FileDescriptorProto.encode(file).finish()).toString("base64");
}
