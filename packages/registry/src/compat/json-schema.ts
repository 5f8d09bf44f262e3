/**
 * JSON Schema compatibility as Confluent judges it: a reader schema can read a writer schema when
 * every document the writer accepts, the reader accepts too. The content model decides what a
 * property absent from one side means: in an open model (`additionalProperties` absent or true)
 * the writer may have written anything under that name, so a reader that adds a constrained
 * property is incompatible; in a closed model (`additionalProperties: false`) the writer never
 * wrote it.
 */
import { errors } from "../errors.js";

type Json = Record<string, unknown>;
/** A JSON Schema (or subschema): an object or a boolean. */
export type Node = Json | boolean;

/** Parses a JSON Schema text (with the texts of referenced schemas); 42201 when it is not one. */
export function parseJsonSchema(text: string): Node {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw errors.invalidSchema(`Invalid schema ${text}, details: ${(e as Error).message}`);
  }
  if (typeof json !== "boolean" && (json === null || typeof json !== "object" || Array.isArray(json))) {
    throw errors.invalidSchema(`Invalid schema ${text}, details: a JSON Schema is an object or a boolean`);
  }
  if (typeof json === "object" && json !== null) {
    const t = (json as Json).type;
    const known = ["object", "array", "string", "number", "integer", "boolean", "null"];
    const ts = Array.isArray(t) ? t : t === undefined ? [] : [t];
    for (const x of ts) {
      if (!known.includes(x as string)) {
        throw errors.invalidSchema(`Invalid schema ${text}, details: unknown type ${JSON.stringify(x)}`);
      }
    }
  }
  return json as Node;
}

const ALL_TYPES = ["object", "array", "string", "number", "integer", "boolean", "null"];

function typesOf(s: Json): Set<string> {
  const t = s.type;
  if (t === undefined) return new Set(ALL_TYPES);
  return new Set(Array.isArray(t) ? (t as string[]) : [t as string]);
}

function acceptsAnything(s: Node): boolean {
  if (s === true) return true;
  if (s === false) return false;
  return (
    Object.keys(s).filter(
      (k) => !["title", "description", "$schema", "$id", "default", "examples"].includes(k),
    ).length === 0
  );
}

/**
 * The schema a `$ref` names: `#/pointer` inside `root`; `name` or `name#/pointer` inside the
 * referenced schema registered under that name (Confluent adds each resolved reference to the
 * validator under its reference name as URI, resolved against the root's `$id`). Undefined when
 * it names nothing known.
 */
export function resolveRef(
  ref: string,
  root: Node,
  refs: ReadonlyMap<string, Node>,
): { node: Node; root: Node } | undefined {
  const hash = ref.indexOf("#");
  const base = hash < 0 ? ref : ref.slice(0, hash);
  const pointer = hash < 0 ? "" : ref.slice(hash + 1);
  let doc: Node | undefined = root;
  if (base !== "") {
    doc = refs.get(base);
    if (doc === undefined) {
      const id = typeof root === "object" && typeof root.$id === "string" ? root.$id : undefined;
      for (const [name, s] of refs) {
        if (typeof s === "object" && s.$id === base) doc = s;
        else if (id !== undefined && URL.canParse(base, id) && URL.canParse(name, id)) {
          if (new URL(base, id).href === new URL(name, id).href) doc = s;
        }
        if (doc !== undefined) break;
      }
    }
    if (doc === undefined) return undefined;
  }
  let target: unknown = doc;
  for (const part of pointer.split("/").filter(Boolean)) {
    target = (target as Json | undefined)?.[decodeURIComponent(part.replace(/~1/g, "/").replace(/~0/g, "~"))];
  }
  return target === undefined ? undefined : { node: target as Node, root: doc };
}

/**
 * Why `reader` does not accept every document `writer` accepts (empty when it does); each side's
 * `refs` are the schemas its references name, followed through external `$ref`s.
 */
export function jsonReadIssues(
  readerRoot: Node,
  writerRoot: Node,
  readerRefs: ReadonlyMap<string, Node> = new Map(),
  writerRefs: ReadonlyMap<string, Node> = new Map(),
): string[] {
  const issues: string[] = [];
  // `root` is the document a node came from: the one its internal `#` refs resolve in.
  const deref = (s: Node, root: Node, refs: ReadonlyMap<string, Node>): { node: Node; root: Node } => {
    let cur = s;
    let curRoot = root;
    for (let i = 0; i < 32 && typeof cur === "object" && typeof cur.$ref === "string"; i++) {
      const t = resolveRef(cur.$ref as string, curRoot, refs);
      if (t === undefined) break;
      cur = t.node;
      curRoot = t.root;
    }
    return { node: cur, root: curRoot };
  };
  const seen = new Set<string>();
  const fail = (path: string, msg: string) => {
    issues.push(`${path || "#"}: ${msg}`);
    return false;
  };
  const quiet = (r: Node, w: Node, path: string, rRoot: Node, wRoot: Node) => {
    const n = issues.length;
    const ok = visit(r, w, path, rRoot, wRoot);
    issues.length = n;
    return ok;
  };
  const bound = (
    path: string,
    name: string,
    r: unknown,
    w: unknown,
    readerLooser: (r: number, w: number) => boolean,
  ) => {
    if (r === undefined) return true;
    if (w === undefined) return fail(path, `${name} added (${r})`);
    if (!readerLooser(r as number, w as number)) return fail(path, `${name} changed from ${w} to ${r}`);
    return true;
  };
  const visit = (r0: Node, w0: Node, path: string, rRoot0: Node, wRoot0: Node): boolean => {
    const { node: r, root: rRoot } = deref(r0, rRoot0, readerRefs);
    const { node: w, root: wRoot } = deref(w0, wRoot0, writerRefs);
    const key = `${path}|${JSON.stringify(r)}|${JSON.stringify(w)}`;
    if (seen.has(key)) return true;
    seen.add(key);
    if (w === false || r === true) return true;
    if (r === false) return fail(path, "reader accepts nothing");
    if (w === true)
      return acceptsAnything(r) ? true : fail(path, "writer accepts anything, reader is constrained");
    // Combinators.
    for (const comb of ["anyOf", "oneOf"] as const) {
      if (Array.isArray(w[comb])) {
        const rest = { ...w };
        delete rest[comb];
        let ok = true;
        (w[comb] as Node[]).forEach((b, i) => {
          const branch = typeof b === "object" ? { ...rest, ...b } : b;
          if (!visit(r, branch, `${path}/${comb}/${i}`, rRoot, wRoot)) ok = false;
        });
        return ok;
      }
    }
    for (const comb of ["anyOf", "oneOf"] as const) {
      if (Array.isArray(r[comb])) {
        const rest = { ...r };
        delete rest[comb];
        const branches = r[comb] as Node[];
        if (branches.some((b) => quiet(typeof b === "object" ? { ...rest, ...b } : b, w, path, rRoot, wRoot)))
          return true;
        return fail(path, `no branch of the reader's ${comb} accepts the writer's schema`);
      }
    }
    let ok = true;
    // Types: the writer's may only narrow the reader's (integer is a number).
    const rt = typesOf(r);
    const wt = typesOf(w);
    for (const t of wt) {
      if (!(rt.has(t) || (t === "integer" && rt.has("number"))))
        ok = fail(path, `type ${t} not accepted by the reader (${[...rt].join(", ")})`);
    }
    if (Array.isArray(r.enum)) {
      if (!Array.isArray(w.enum)) ok = fail(path, "enum added");
      else {
        const rs = new Set(r.enum.map((v) => JSON.stringify(v)));
        const missing = (w.enum as unknown[]).filter((v) => !rs.has(JSON.stringify(v)));
        if (missing.length > 0)
          ok = fail(path, `enum lacks ${missing.map((v) => JSON.stringify(v)).join(", ")}`);
      }
    }
    if (r.const !== undefined && JSON.stringify(r.const) !== JSON.stringify(w.const))
      ok = fail(path, "const changed");
    // Numeric and string bounds: the reader's may only be looser.
    ok = bound(path, "minimum", r.minimum, w.minimum, (a, b) => a <= b) && ok;
    ok = bound(path, "maximum", r.maximum, w.maximum, (a, b) => a >= b) && ok;
    ok = bound(path, "exclusiveMinimum", r.exclusiveMinimum, w.exclusiveMinimum, (a, b) => a <= b) && ok;
    ok = bound(path, "exclusiveMaximum", r.exclusiveMaximum, w.exclusiveMaximum, (a, b) => a >= b) && ok;
    ok = bound(path, "multipleOf", r.multipleOf, w.multipleOf, (a, b) => b % a === 0) && ok;
    ok = bound(path, "minLength", r.minLength, w.minLength, (a, b) => a <= b) && ok;
    ok = bound(path, "maxLength", r.maxLength, w.maxLength, (a, b) => a >= b) && ok;
    ok = bound(path, "minItems", r.minItems, w.minItems, (a, b) => a <= b) && ok;
    ok = bound(path, "maxItems", r.maxItems, w.maxItems, (a, b) => a >= b) && ok;
    ok = bound(path, "minProperties", r.minProperties, w.minProperties, (a, b) => a <= b) && ok;
    ok = bound(path, "maxProperties", r.maxProperties, w.maxProperties, (a, b) => a >= b) && ok;
    if (r.pattern !== undefined && r.pattern !== w.pattern)
      ok = fail(path, w.pattern === undefined ? "pattern added" : "pattern changed");
    if (r.uniqueItems === true && w.uniqueItems !== true) ok = fail(path, "uniqueItems added");
    // Objects.
    if (rt.has("object") && wt.has("object")) {
      const rp = (r.properties ?? {}) as Record<string, Node>;
      const wp = (w.properties ?? {}) as Record<string, Node>;
      const rAdd: Node = (r.additionalProperties as Node | undefined) ?? true;
      const wAdd: Node = (w.additionalProperties as Node | undefined) ?? true;
      for (const [name, rs] of Object.entries(rp)) {
        const p = `${path}/properties/${name}`;
        if (Object.hasOwn(wp, name)) {
          ok = visit(rs, wp[name] as Node, p, rRoot, wRoot) && ok;
        } else if (wAdd === false) {
          // closed writer: never wrote it
        } else if (wAdd === true) {
          if (!acceptsAnything(rs)) ok = fail(p, "property added to an open content model");
        } else {
          ok = visit(rs, wAdd, p, rRoot, wRoot) && ok;
        }
      }
      for (const [name, ws] of Object.entries(wp)) {
        if (Object.hasOwn(rp, name)) continue;
        const p = `${path}/properties/${name}`;
        if (rAdd === false) ok = fail(p, "property removed from a closed content model");
        else if (rAdd !== true) ok = visit(rAdd, ws, p, rRoot, wRoot) && ok;
      }
      if (wAdd !== false) {
        if (rAdd === false) ok = fail(path, "additionalProperties narrowed to false");
        else if (rAdd !== true) ok = visit(rAdd, wAdd, `${path}/additionalProperties`, rRoot, wRoot) && ok;
      }
      const wr = new Set((w.required ?? []) as string[]);
      for (const req of (r.required ?? []) as string[]) {
        if (!wr.has(req)) ok = fail(`${path}/required`, `required property '${req}' added`);
      }
    }
    // Arrays.
    if (rt.has("array") && wt.has("array")) {
      const ri = (r.items as Node | undefined) ?? true;
      const wi = (w.items as Node | undefined) ?? true;
      if (!Array.isArray(ri) && !Array.isArray(wi)) ok = visit(ri, wi, `${path}/items`, rRoot, wRoot) && ok;
    }
    return ok;
  };
  visit(readerRoot, writerRoot, "#", readerRoot, writerRoot);
  return issues;
}
