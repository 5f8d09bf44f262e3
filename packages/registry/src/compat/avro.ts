/**
 * Avro schemas: parsing (with avsc, so errors are the parser's), canonical form, and the schema
 * resolution rules of the Avro specification as a compatibility check (can a reader schema read
 * what a writer schema wrote?), with Avro Java's SchemaCompatibility name rule: names compare
 * unqualified, or the reader's aliases name the writer's full name.
 */
import avro from "avsc";
import { errors } from "../errors.js";

/** A resolved Avro schema node (named types are shared, so recursion is a cycle). */
export type AvroNode =
  | { kind: "primitive"; type: string }
  | { kind: "record"; name: string; fullName: string; aliases: string[]; fields: AvroField[] }
  | { kind: "enum"; name: string; fullName: string; aliases: string[]; symbols: string[]; default?: string }
  | { kind: "fixed"; name: string; fullName: string; aliases: string[]; size: number }
  | { kind: "array"; items: AvroNode }
  | { kind: "map"; values: AvroNode }
  | { kind: "union"; types: AvroNode[] };

/** A field of a record node. */
export interface AvroField {
  name: string;
  aliases: string[];
  type: AvroNode;
  hasDefault: boolean;
}

const PRIMITIVES = new Set(["null", "boolean", "int", "long", "float", "double", "bytes", "string"]);

/** Named types already defined (by references or earlier in the schema), by full name. */
export type AvroNames = Map<string, AvroNode>;

function fullNameOf(name: string, namespace: string | undefined): string {
  if (name.includes(".")) return name;
  return namespace ? `${namespace}.${name}` : name;
}

function simpleName(full: string): string {
  const i = full.lastIndexOf(".");
  return i < 0 ? full : full.slice(i + 1);
}

function namespaceOf(full: string): string | undefined {
  const i = full.lastIndexOf(".");
  return i < 0 ? undefined : full.slice(0, i);
}

/** Builds the node graph of a parsed Avro JSON schema; `names` receives its named types. */
export function resolveAvro(json: unknown, names: AvroNames, namespace?: string): AvroNode {
  if (typeof json === "string") {
    if (PRIMITIVES.has(json)) return { kind: "primitive", type: json };
    const found = names.get(fullNameOf(json, namespace)) ?? names.get(json);
    if (found === undefined) throw errors.invalidSchema(`Invalid schema: undefined name: ${json}`);
    return found;
  }
  if (Array.isArray(json)) return { kind: "union", types: json.map((t) => resolveAvro(t, names, namespace)) };
  if (json === null || typeof json !== "object") {
    throw errors.invalidSchema(`Invalid schema: not a schema: ${JSON.stringify(json)}`);
  }
  const o = json as Record<string, unknown>;
  const type = o.type;
  if (typeof type === "string" && PRIMITIVES.has(type)) return { kind: "primitive", type };
  if (type === "array") return { kind: "array", items: resolveAvro(o.items, names, namespace) };
  if (type === "map") return { kind: "map", values: resolveAvro(o.values, names, namespace) };
  if (type === "record" || type === "error" || type === "enum" || type === "fixed") {
    const ns = typeof o.namespace === "string" ? o.namespace : namespace;
    const fullName = fullNameOf(String(o.name), ns);
    const ownNs = namespaceOf(fullName);
    const aliases = Array.isArray(o.aliases) ? o.aliases.map((a) => fullNameOf(String(a), ownNs)) : [];
    const name = simpleName(fullName);
    if (type === "enum") {
      const node: AvroNode = {
        kind: "enum",
        name,
        fullName,
        aliases,
        symbols: (o.symbols as string[]) ?? [],
        ...(typeof o.default === "string" ? { default: o.default } : {}),
      };
      names.set(fullName, node);
      return node;
    }
    if (type === "fixed") {
      const node: AvroNode = { kind: "fixed", name, fullName, aliases, size: Number(o.size) };
      names.set(fullName, node);
      return node;
    }
    const node: AvroNode = { kind: "record", name, fullName, aliases, fields: [] };
    names.set(fullName, node);
    for (const f of (o.fields as Record<string, unknown>[]) ?? []) {
      node.fields.push({
        name: String(f.name),
        aliases: Array.isArray(f.aliases) ? f.aliases.map(String) : [],
        type: resolveAvro(f.type, names, ownNs),
        hasDefault: Object.hasOwn(f, "default"),
      });
    }
    return node;
  }
  if (typeof type === "object" && type !== null) return resolveAvro(type, names, namespace);
  if (typeof type === "string") return resolveAvro(type, names, namespace);
  throw errors.invalidSchema(`Invalid schema: unknown type: ${JSON.stringify(type)}`);
}

/** A parsed Avro schema: its avsc type (for serialization), node graph and canonical text. */
export interface ParsedAvro {
  type: avro.Type;
  node: AvroNode;
  canonical: string;
}

/**
 * Parses an Avro schema text; `referenced` are the texts of the schemas it references, in
 * dependency order. Throws 42201 with avsc's message when the schema is invalid.
 */
export function parseAvro(text: string, referenced: readonly string[] = []): ParsedAvro {
  const registry: Record<string, avro.Type> = {};
  const names: AvroNames = new Map();
  let json: unknown;
  try {
    for (const r of referenced) {
      const rj = JSON.parse(r);
      avro.Type.forSchema(rj, { registry });
      resolveAvro(rj, names);
    }
    json = JSON.parse(text);
  } catch (e) {
    throw errors.invalidSchema(`Invalid schema: ${(e as Error).message}`);
  }
  let type: avro.Type;
  try {
    type = avro.Type.forSchema(json as avro.Schema, { registry });
  } catch (e) {
    throw errors.invalidSchema(`Invalid schema: ${(e as Error).message}`);
  }
  const node = resolveAvro(json, names);
  return { type, node, canonical: JSON.stringify(json) };
}

/** Avro's Parsing Canonical Form-like normal form (attributes in a fixed order, no docs). */
export function normalizeAvro(text: string): string {
  const order = [
    "name",
    "type",
    "fields",
    "symbols",
    "items",
    "values",
    "size",
    "default",
    "aliases",
    "namespace",
  ];
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v === null || typeof v !== "object") return v;
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of order) if (Object.hasOwn(o, k)) out[k] = k === "default" ? o[k] : norm(o[k]);
    for (const k of Object.keys(o).sort()) if (!order.includes(k) && k !== "doc") out[k] = norm(o[k]);
    return out;
  };
  return JSON.stringify(norm(JSON.parse(text)));
}

const PROMOTIONS: Record<string, string[]> = {
  int: ["long", "float", "double"],
  long: ["float", "double"],
  float: ["double"],
  string: ["bytes"],
  bytes: ["string"],
};

function namesMatch(
  reader: { name: string; aliases: string[] },
  writer: { name: string; fullName: string },
): boolean {
  return reader.name === writer.name || reader.aliases.includes(writer.fullName);
}

function describe(n: AvroNode): string {
  if (n.kind === "primitive") return n.type;
  if ("fullName" in n) return `${n.kind} ${n.fullName}`;
  return n.kind;
}

/**
 * Why `reader` cannot read data written with `writer` (empty when it can), after the Avro
 * specification's schema resolution. Each message names the path where resolution fails.
 */
export function avroReadIssues(reader: AvroNode, writer: AvroNode): string[] {
  const issues: string[] = [];
  const seen = new Set<string>();
  const pairIds = new WeakMap<AvroNode, number>();
  let next = 0;
  const idOf = (n: AvroNode) => {
    let id = pairIds.get(n);
    if (id === undefined) pairIds.set(n, (id = next++));
    return id;
  };
  const visit = (r: AvroNode, w: AvroNode, path: string): boolean => {
    const key = `${idOf(r)}:${idOf(w)}`;
    if (seen.has(key)) return true; // recursive types: assume compatible while in progress
    seen.add(key);
    const ok = check(r, w, path);
    if (!ok) seen.delete(key);
    return ok;
  };
  const fail = (path: string, msg: string) => {
    issues.push(`${path}: ${msg}`);
    return false;
  };
  const quiet = (r: AvroNode, w: AvroNode): boolean => {
    const saved = issues.length;
    const ok = visit(r, w, "");
    issues.length = saved;
    return ok;
  };
  const check = (r: AvroNode, w: AvroNode, path: string): boolean => {
    if (w.kind === "union") {
      let ok = true;
      w.types.forEach((branch, i) => {
        if (!visit(r, branch, `${path}/${i}`)) ok = false;
      });
      return ok;
    }
    if (r.kind === "union") {
      if (r.types.some((branch) => quiet(branch, w))) return true;
      return fail(path, `reader union lacks writer type ${describe(w)}`);
    }
    if (r.kind === "primitive" && w.kind === "primitive") {
      if (r.type === w.type || PROMOTIONS[w.type]?.includes(r.type)) return true;
      return fail(path, `reader type ${r.type} not compatible with writer type ${w.type}`);
    }
    if (r.kind !== w.kind)
      return fail(path, `reader type ${describe(r)} not compatible with writer type ${describe(w)}`);
    switch (r.kind) {
      case "array":
        return visit(r.items, (w as typeof r).items, `${path}/items`);
      case "map":
        return visit(r.values, (w as typeof r).values, `${path}/values`);
      case "fixed": {
        const wf = w as typeof r;
        if (!namesMatch(r, wf)) return fail(path, `expected fixed name ${wf.fullName}, found ${r.fullName}`);
        if (r.size !== wf.size)
          return fail(`${path}/size`, `expected fixed size ${wf.size}, found ${r.size}`);
        return true;
      }
      case "enum": {
        const we = w as typeof r;
        if (!namesMatch(r, we)) return fail(path, `expected enum name ${we.fullName}, found ${r.fullName}`);
        const missing = we.symbols.filter((s) => !r.symbols.includes(s));
        if (missing.length > 0 && r.default === undefined) {
          return fail(`${path}/symbols`, `reader enum ${r.fullName} lacks symbols [${missing.join(", ")}]`);
        }
        return true;
      }
      case "record": {
        const wr = w as typeof r;
        if (!namesMatch(r, wr)) return fail(path, `expected record name ${wr.fullName}, found ${r.fullName}`);
        let ok = true;
        for (const rf of r.fields) {
          const wf =
            wr.fields.find((f) => f.name === rf.name) ?? wr.fields.find((f) => rf.aliases.includes(f.name));
          if (wf === undefined) {
            if (!rf.hasDefault)
              ok = fail(
                `${path}/fields/${rf.name}`,
                `reader field '${rf.name}' has no default and the writer has no such field`,
              );
          } else if (!visit(rf.type, wf.type, `${path}/fields/${rf.name}`)) {
            ok = false;
          }
        }
        return ok;
      }
      default:
        return fail(path, `reader type ${describe(r)} not compatible with writer type ${describe(w)}`);
    }
  };
  visit(reader, writer, "");
  return issues;
}

const NAMED = new Set(["record", "error", "enum", "fixed"]);

/** A named type's full name and the namespace its own names resolve in. */
function namedTypeName(o: Record<string, unknown>, enclosing: string): { full: string; space: string } {
  const name = String(o.name);
  if (name.includes(".")) return { full: name, space: name.slice(0, name.lastIndexOf(".")) };
  const space = typeof o.namespace === "string" ? o.namespace : enclosing;
  return { full: space ? `${space}.${name}` : name, space };
}

/**
 * An Avro schema as Confluent's `?format=resolved` answers it (AvroSchema.formattedString
 * RESOLVED, the parsed schema's toString): the named types it takes from its references written in
 * full where it first uses them (with their namespace when it differs from the enclosing one), by
 * name afterwards, so that the text parses alone. `referenced` are the references' texts.
 */
export function resolvedAvro(text: string, referenced: readonly string[]): string {
  const defs = new Map<string, { json: Record<string, unknown>; space: string }>();
  const collect = (json: unknown, ns: string): void => {
    if (Array.isArray(json)) {
      for (const j of json) collect(j, ns);
      return;
    }
    if (json === null || typeof json !== "object") return;
    const o = json as Record<string, unknown>;
    if (typeof o.type === "string" && NAMED.has(o.type)) {
      const { full, space } = namedTypeName(o, ns);
      defs.set(full, { json: o, space });
      if (Array.isArray(o.fields)) for (const f of o.fields) collect((f as { type?: unknown }).type, space);
      return;
    }
    if (o.type === "array") collect(o.items, ns);
    else if (o.type === "map") collect(o.values, ns);
    else collect(o.type, ns);
  };
  for (const r of referenced) collect(JSON.parse(r), "");
  const written = new Set<string>();
  const walk = (json: unknown, ns: string): unknown => {
    if (typeof json === "string") {
      if (PRIMITIVES.has(json)) return json;
      const full = json.includes(".") || !ns ? json : `${ns}.${json}`;
      for (const name of full === json ? [json] : [full, json]) {
        if (written.has(name)) return json;
        const d = defs.get(name);
        if (d === undefined) continue;
        const copy = { ...d.json };
        if (!String(copy.name).includes(".") && copy.namespace === undefined && d.space !== ns)
          copy.namespace = d.space;
        return walk(copy, ns);
      }
      return json;
    }
    if (Array.isArray(json)) return json.map((j) => walk(j, ns));
    if (json === null || typeof json !== "object") return json;
    const o = { ...(json as Record<string, unknown>) };
    if (typeof o.type === "string" && NAMED.has(o.type)) {
      const { full, space } = namedTypeName(o, ns);
      written.add(full);
      if (Array.isArray(o.fields))
        o.fields = o.fields.map((f: Record<string, unknown>) => ({ ...f, type: walk(f.type, space) }));
      return o;
    }
    if (o.type === "array") o.items = walk(o.items, ns);
    else if (o.type === "map") o.values = walk(o.values, ns);
    else o.type = walk(o.type, ns);
    return o;
  };
  return JSON.stringify(walk(JSON.parse(text), ""));
}
