/**
 * Flink's JSON functions: `IS JSON`, JSON_EXISTS, JSON_VALUE, JSON_QUERY, JSON_STRING,
 * JSON_OBJECT and JSON_ARRAY, with the semantics of Calcite's JsonFunctions that Flink runs:
 *
 * - the JSON text is read as Jackson reads it (integers and doubles stay apart, so `1.0` prints
 *   back as `1.0`); a path is `[lax | strict] <jsonpath>` in Jayway's JsonPath syntax (`$`,
 *   `.name`, `['name']`, `[i]`, `[-i]`, `[i, j]`, `[*]`, `.*`, `..name`); without a mode the path
 *   is strict, as in Calcite;
 * - lax mode: an invalid JSON text or a missing member is an empty result; strict mode: both are
 *   errors, handled by the ON ERROR behavior;
 * - a path written as a literal is checked when the query is planned: a bad one is
 *   FLEUVE_SQL_VALIDATION naming the function and the position (Flink would fail each record).
 */

import type { DataType, Expr, JsonClauses, JsonOnClause } from "../parser/ast.js";
import { printType } from "../parser/printer.js";
import { atomic } from "./data-types.js";
import { javaDoubleText } from "./number-text.js";
import { invalid, unsupported } from "./problems.js";
import { formatDate, timeOf } from "./values.js";

/** What the caller gives: compiles an argument expression. */
type CompileArg = (e: Expr) => { eval: (input: never) => unknown; type?: DataType | undefined };

/** A compiled JSON function call (the shape of compile-expression's Compiled). */
export interface CompiledJson<I> {
  readonly eval: (input: I) => unknown;
  readonly type?: DataType | undefined;
}

/** The names this module compiles (JSON_OBJECTAGG and JSON_ARRAYAGG are aggregates, not here yet). */
export const JSON_FUNCTIONS: ReadonlySet<string> = new Set([
  "JSON_EXISTS",
  "JSON_VALUE",
  "JSON_QUERY",
  "JSON_STRING",
  "JSON_OBJECT",
  "JSON_ARRAY",
]);

const STRING = atomic("STRING");
const BOOLEAN = atomic("BOOLEAN");

// ---------------------------------------------------------------------------------------------
// JSON values as Jackson reads them

/** A JSON number with a fraction or exponent: Jackson reads it as a Java double. */
export class JsonDouble {
  constructor(readonly value: number) {}
}

/** A JSON value: objects keep their member order (a Map, so "1" keys stay in place). */
export type JsonNode = null | boolean | number | bigint | JsonDouble | string | JsonNode[] | JsonObject;
/** A JSON object. */
export type JsonObject = Map<string, JsonNode>;

class JsonSyntaxError extends Error {}

/**
 * Parses JSON text: the whole text must be one JSON value (whitespace around it allowed); a
 * duplicate member keeps the last value, as Jackson does.
 * @throws Error describing the first problem and its offset.
 */
export function parseJson(text: string): JsonNode {
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at offset ${i}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r"))
      i++;
  };
  const str = (): string => {
    i++;
    let out = "";
    for (;;) {
      const c = text[i];
      if (c === undefined) return fail("unterminated string");
      if (c === '"') {
        i++;
        return out;
      }
      if (c < " ") return fail("control character in string");
      if (c === "\\") {
        const e = text[i + 1];
        const simple: Record<string, string> = {
          '"': '"',
          "\\": "\\",
          "/": "/",
          b: "\b",
          f: "\f",
          n: "\n",
          r: "\r",
          t: "\t",
        };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else return fail("bad escape in string");
      } else {
        out += c;
        i++;
      }
    }
  };
  const value = (): JsonNode => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: JsonObject = new Map();
      ws();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') return fail("expected a member name");
        const k = str();
        ws();
        if (text[i] !== ":") return fail("expected ':'");
        i++;
        obj.set(k, value());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return obj;
        } else return fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr: JsonNode[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return arr;
        } else return fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [w, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(w, i)) {
        i += w.length;
        return v;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m === null) return fail("unexpected character");
    i += m[0].length;
    if (m[1] !== undefined || m[2] !== undefined) return new JsonDouble(Number(m[0]));
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  };
  const v = value();
  ws();
  if (i < text.length) fail("unexpected text after the JSON value");
  return v;
}

/** A JSON string literal as Jackson writes it (control characters as \uXXXX, upper-case hex). */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (c < 0x20) {
      const short: Record<number, string> = { 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r" };
      out += short[c] ?? `\\u${c.toString(16).toUpperCase().padStart(4, "0")}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** The compact JSON text of a node (Jackson's writeValueAsString). */
export function writeJson(v: JsonNode): string {
  if (v === null) return "null";
  if (v instanceof JsonDouble) return javaDoubleText(v.value);
  if (typeof v === "string") return quote(v);
  if (Array.isArray(v)) return `[${v.map(writeJson).join(",")}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${quote(k)}:${writeJson(x)}`).join(",")}}`;
  return String(v);
}

const isScalar = (v: JsonNode): boolean => !Array.isArray(v) && !(v instanceof Map);

// ---------------------------------------------------------------------------------------------
// SQL/JSON paths

type PathToken =
  | { kind: "property"; name: string }
  | { kind: "index"; indexes: number[] }
  | { kind: "wildcard" }
  | { kind: "scan" };

/** A compiled path: its mode and tokens. */
export interface JsonPath {
  readonly lax: boolean;
  readonly tokens: readonly PathToken[];
  readonly definite: boolean;
  readonly text: string;
}

/** A path that is not valid, or valid JsonPath that Fleuve does not run (`unsupported`). */
export class JsonPathError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

/**
 * Compiles `[lax | strict] <path>` (no mode: strict, as Calcite). The path is Jayway JsonPath, as
 * Calcite evaluates it; a path that does not start with `$` is read as `$.` followed by it, as Jayway does.
 * @throws JsonPathError for a bad path or one using filters, slices or functions.
 */
export function compileJsonPath(spec: string): JsonPath {
  const m = /^\s*(strict|lax)\s+(.+)$/is.exec(spec);
  const lax = m !== null && (m[1] as string).toLowerCase() === "lax";
  let p = (m === null ? spec : (m[2] as string)).trim();
  if (p.length === 0) throw new JsonPathError("the path is empty");
  if (!p.startsWith("$")) p = p.startsWith("[") ? `$${p}` : `$.${p}`;
  const tokens: PathToken[] = [];
  let i = 1;
  const bad = (what: string): never => {
    throw new JsonPathError(`${what} at position ${i} of '${p}'`);
  };
  const no = (what: string): never => {
    throw new JsonPathError(`${what} (at position ${i} of '${p}') is not supported in Fleuve`, true);
  };
  while (i < p.length) {
    const c = p[i];
    if (c === ".") {
      if (p[i + 1] === ".") {
        tokens.push({ kind: "scan" });
        i += 2;
      } else i++;
      if (i >= p.length) bad("the path ends with '.'");
      if (p[i] === ".") bad("a third '.'");
      if (p[i] === "[") continue;
      if (p[i] === "*") {
        tokens.push({ kind: "wildcard" });
        i++;
        continue;
      }
      let j = i;
      while (j < p.length && p[j] !== "." && p[j] !== "[") {
        if (p[j] === " ") bad("a space in a member name (write ['my name'])");
        if (p[j] === "(") no("a path function");
        j++;
      }
      if (j === i) bad("an empty member name");
      tokens.push({ kind: "property", name: p.slice(i, j) });
      i = j;
    } else if (c === "[") {
      const close = findClose(p, i);
      if (close < 0) bad("'[' without ']'");
      const inner = p.slice(i + 1, close).trim();
      if (inner === "*") tokens.push({ kind: "wildcard" });
      else if (inner.startsWith("?")) no("a filter");
      else if (inner.startsWith("'") || inner.startsWith('"')) {
        const names = quotedNames(inner);
        if (names === undefined) bad("a bad quoted member name");
        if ((names as string[]).length !== 1) no("several members in one bracket");
        tokens.push({ kind: "property", name: (names as string[])[0] as string });
      } else if (inner.includes(":")) no("an array slice");
      else {
        const parts = inner.split(",").map((s) => s.trim());
        if (parts.some((s) => !/^-?\d+$/.test(s))) bad(`'[${inner}]' is not an array index`);
        tokens.push({ kind: "index", indexes: parts.map(Number) });
      }
      i = close + 1;
    } else bad(`unexpected '${c}'`);
  }
  if (tokens.at(-1)?.kind === "scan") bad("the path ends with '..'");
  const definite = tokens.every(
    (t) => t.kind === "property" || (t.kind === "index" && t.indexes.length === 1),
  );
  return { lax, tokens, definite, text: spec };
}

/** The `]` closing the bracket at `open`, skipping quoted text. */
function findClose(p: string, open: number): number {
  let q: string | undefined;
  for (let j = open + 1; j < p.length; j++) {
    const c = p[j];
    if (q !== undefined) {
      if (c === "\\") j++;
      else if (c === q) q = undefined;
    } else if (c === "'" || c === '"') q = c;
    else if (c === "]") return j;
  }
  return -1;
}

/** `'a'`, `"a"`, `'a', 'b'`: the names, or undefined when malformed. */
function quotedNames(inner: string): string[] | undefined {
  const names: string[] = [];
  const re = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*(,|$)/y;
  let at = 0;
  while (at < inner.length) {
    re.lastIndex = at;
    const m = re.exec(inner);
    if (m === null) return undefined;
    names.push((m[1] ?? m[2] ?? "").replace(/\\(.)/g, "$1"));
    at = re.lastIndex;
    if (m[3] === "" && at < inner.length) return undefined;
  }
  return names;
}

/** The outcome of a path on a JSON text: a value (undefined: empty), or an error (strict mode). */
type PathResult = { ok: true; value: JsonNode | undefined } | { ok: false; error: Error };

class PathNotFound extends Error {}

/**
 * Evaluates a path as Calcite does with Jayway: lax suppresses every error into an empty result
 * (an unreadable JSON text too); strict raises them. A definite path gives its one value; any
 * other gives the array of what it matched (possibly empty).
 */
function evaluatePath(json: string, path: JsonPath): PathResult {
  let root: JsonNode;
  try {
    root = parseJson(json);
  } catch (e) {
    return path.lax ? { ok: true, value: undefined } : { ok: false, error: e as Error };
  }
  const results: JsonNode[] = [];
  const eval_ = (at: number, model: JsonNode, upstreamDefinite: boolean): void => {
    const t = path.tokens[at];
    if (t === undefined) {
      results.push(model);
      return;
    }
    const leaf = at === path.tokens.length - 1;
    const strictHere = upstreamDefinite && !path.lax;
    switch (t.kind) {
      case "property": {
        if (!(model instanceof Map)) {
          if (strictHere)
            throw new PathNotFound(
              `expected an object with member '${t.name}', found ${model === null ? "null" : writeJson(model)}`,
            );
          return;
        }
        const v = model.get(t.name);
        if (v === undefined) {
          if (!leaf && strictHere) throw new PathNotFound(`missing member '${t.name}'`);
          return;
        }
        eval_(at + 1, v, upstreamDefinite);
        return;
      }
      case "index": {
        if (!Array.isArray(model)) {
          if (strictHere)
            throw new PathNotFound(
              `[${t.indexes.join(",")}] applies to arrays, found ${model === null ? "null" : writeJson(model)}`,
            );
          return;
        }
        const definite = upstreamDefinite && t.indexes.length === 1;
        for (const idx of t.indexes) {
          const k = idx < 0 ? model.length + idx : idx;
          if (k >= 0 && k < model.length) eval_(at + 1, model[k] as JsonNode, definite);
        }
        return;
      }
      case "wildcard":
        if (model instanceof Map) for (const v of model.values()) eval_(at + 1, v, false);
        else if (Array.isArray(model)) for (const v of model) eval_(at + 1, v, false);
        return;
      case "scan": {
        const walk = (node: JsonNode) => {
          if (!(node instanceof Map) && !Array.isArray(node)) return;
          eval_(at + 1, node, false);
          for (const v of node instanceof Map ? node.values() : node) walk(v);
        };
        walk(model);
        return;
      }
    }
  };
  try {
    eval_(0, root, true);
  } catch (e) {
    if (path.lax) return { ok: true, value: path.definite ? undefined : [] };
    return { ok: false, error: e as Error };
  }
  if (!path.definite) return { ok: true, value: results };
  if (results.length === 0)
    return path.lax
      ? { ok: true, value: undefined }
      : { ok: false, error: new PathNotFound(`no result for path '${path.text}'`) };
  return { ok: true, value: results[0] };
}

// ---------------------------------------------------------------------------------------------
// SQL values to JSON

/** Java's ISO text of a timestamp's date and time (seconds always, the fraction without trailing zeros). */
function isoLocal(ms: number): string {
  const iso = new Date(ms).toISOString();
  const frac = iso.slice(20, 23).replace(/0+$/, "");
  return `${iso.slice(0, 19)}${frac === "" ? "" : `.${frac}`}`;
}

/**
 * The text of a JSON object from its members, sorted by key: Flink's SqlJsonUtils.serializeJson
 * converts the node tree to Java maps and writes them with ORDER_MAP_ENTRIES_BY_KEYS ("for JSON
 * functions to have deterministic output, we need to sort the keys"), so every object that
 * JSON_OBJECT, JSON_ARRAY and JSON_STRING build comes out sorted, at every depth. Java's String
 * order is by UTF-16 code unit, as JavaScript's `<` on strings.
 */
export function jsonObjectText(members: Iterable<readonly [string, string]>): string {
  const sorted = [...members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${sorted.map(([k, v]) => `${quote(k)}:${v}`).join(",")}}`;
}

/** The JSON text of a SQL value of type `t`, as Flink's JsonGenerateUtils writes it (objects sorted by key). */
export function sqlToJson(v: unknown, t: DataType | undefined): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return quote(v);
  if (typeof v === "boolean") return String(v);
  if (typeof v === "bigint") return String(v);
  if (typeof v === "number") {
    if (t?.kind === "atomic") {
      switch (t.name) {
        case "DOUBLE":
        case "FLOAT":
          return javaDoubleText(v);
        case "TIMESTAMP":
          return quote(isoLocal(v));
        case "TIMESTAMP_LTZ":
          return quote(`${isoLocal(v)}Z`);
        case "DATE":
          return quote(formatDate(v));
        case "TIME":
          return quote(isoLocal(timeOf(v, 3)).slice(11));
      }
    }
    return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : javaDoubleText(v);
  }
  if (Array.isArray(v)) {
    if (t?.kind === "row")
      return jsonObjectText(t.fields.map((f, i) => [f.name, sqlToJson(v[i], f.type)] as const));
    const el = t?.kind === "array" || t?.kind === "multiset" ? t.element : undefined;
    return `[${v.map((x) => sqlToJson(x, el)).join(",")}]`;
  }
  if (v instanceof Date) return quote(isoLocal(v.getTime()));
  if (typeof v === "object") {
    const vt = t?.kind === "map" ? t.value : undefined;
    return jsonObjectText(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, sqlToJson(x, vt)] as const),
    );
  }
  return quote(String(v));
}

// ---------------------------------------------------------------------------------------------
// IS JSON

/**
 * `x IS [NOT] JSON [VALUE | SCALAR | ARRAY | OBJECT]`: whether the text is valid JSON (of that
 * kind). NULL IS JSON is FALSE, as Flink documents (so NULL IS NOT JSON is TRUE).
 */
export function isJson(v: unknown, what: string): boolean {
  if (v === null || v === undefined) return false;
  let node: JsonNode;
  try {
    node = parseJson(String(v));
  } catch {
    return false;
  }
  switch (what) {
    case "JSON SCALAR":
      return isScalar(node);
    case "JSON ARRAY":
      return Array.isArray(node);
    case "JSON OBJECT":
      return node instanceof Map;
    default:
      return true;
  }
}

// ---------------------------------------------------------------------------------------------
// The calls

/** Where the planner compiles a JSON function call (`e.name` is in {@link JSON_FUNCTIONS}). */
export function compileJsonCall<I>(e: Expr & { kind: "call" }, compile: CompileArg): CompiledJson<I> {
  const json: JsonClauses = e.json ?? { on: [] };
  const sub = (x: Expr) => compile(x) as unknown as CompiledJson<I>;
  switch (e.name) {
    case "JSON_STRING": {
      if (e.args.length !== 1)
        throw invalid(`JSON_STRING takes 1 argument, got ${e.args.length}`, e.pos, { function: e.name });
      const x = sub(e.args[0] as Expr);
      return {
        eval: (r) => {
          const v = x.eval(r);
          return v === null ? null : sqlToJson(v, x.type);
        },
        type: STRING,
      };
    }
    case "JSON_OBJECT":
    case "JSON_ARRAY":
      return compileConstructor(e, json, sub);
    default:
      return compileQuery(e, json, sub);
  }
}

/** A JSON constructor's argument: its JSON text per row (nested constructors' text as it is). */
export function jsonArgument<I>(a: Expr, sub: (x: Expr) => CompiledJson<I>): (r: I) => string | null {
  const x = sub(a);
  // JSON_OBJECT / JSON_ARRAY inside one of them is JSON, not a string to quote (Flink does so).
  const raw = a.kind === "call" && (a.name === "JSON_OBJECT" || a.name === "JSON_ARRAY");
  return (r) => {
    const v = x.eval(r);
    if (v === null || v === undefined) return null;
    return raw ? String(v) : sqlToJson(v, x.type);
  };
}

function compileConstructor<I>(
  e: Expr & { kind: "call" },
  json: JsonClauses,
  sub: (x: Expr) => CompiledJson<I>,
): CompiledJson<I> {
  const refuse = (what: string) =>
    invalid(`${e.name} does not take ${what}`, json.on[0]?.pos ?? e.pos, { function: e.name });
  if (json.returning !== undefined) throw refuse("RETURNING");
  if (json.wrapper !== undefined) throw refuse("a WRAPPER clause");
  if (json.on.length > 0) throw refuse(`${json.on[0]?.behavior} ON ${json.on[0]?.target}`);
  // Flink's defaults: JSON_OBJECT keeps NULL values, JSON_ARRAY leaves them out.
  const absent = (json.onNull ?? (e.name === "JSON_OBJECT" ? "NULL" : "ABSENT")) === "ABSENT";
  const notNullString = { ...STRING, notNull: true };
  if (e.name === "JSON_ARRAY") {
    const items = e.args.map((a) => jsonArgument(a, sub));
    return {
      eval: (r) => {
        const out: string[] = [];
        for (const item of items) {
          const v = item(r);
          if (v === null) {
            if (!absent) out.push("null");
          } else out.push(v);
        }
        return `[${out.join(",")}]`;
      },
      type: notNullString,
    };
  }
  const pairs: { key: CompiledJson<I>; value: (r: I) => string | null }[] = [];
  for (let i = 0; i + 1 < e.args.length; i += 2) {
    const k = e.args[i] as Expr;
    if (k.kind === "literal" && k.type !== "string")
      throw invalid(
        `JSON_OBJECT's key ${k.type === "null" ? "NULL" : k.type === "number" ? k.text : String(k.value)} must be a non-NULL character string`,
        e.pos,
        { function: e.name },
      );
    pairs.push({ key: sub(k), value: jsonArgument(e.args[i + 1] as Expr, sub) });
  }
  return {
    eval: (r) => {
      // A repeated key keeps its last value (Jackson's ObjectNode.set); the members come out
      // sorted by key, as Flink's serializeJson writes them, not in the order written.
      const members = new Map<string, string>();
      for (const { key, value } of pairs) {
        const k = key.eval(r);
        if (k === null || k === undefined)
          throw new Error("JSON_OBJECT: a key is NULL (keys must not be NULL)");
        const v = value(r);
        if (v === null && absent) continue;
        members.set(String(k), v ?? "null");
      }
      return jsonObjectText(members);
    },
    type: notNullString,
  };
}

/** The path of a JSON_EXISTS / JSON_VALUE / JSON_QUERY call: compiled once when it is a literal. */
function pathOf<I>(
  e: Expr & { kind: "call" },
  sub: (x: Expr) => CompiledJson<I>,
): (r: I) => JsonPath | Error | null {
  const p = e.args[1] as Expr;
  if (p.kind === "literal" && p.type === "string") {
    let path: JsonPath;
    try {
      path = compileJsonPath(p.value);
    } catch (err) {
      const msg = `${e.name}'s path argument '${p.value}' is not a valid JSON path: ${(err as Error).message}`;
      if (err instanceof JsonPathError && err.unsupported)
        throw unsupported(`the JSON path '${p.value}' of ${e.name}`, e.pos, (err as Error).message);
      throw invalid(msg, e.pos, { function: e.name, argument: "path" });
    }
    return () => path;
  }
  const x = sub(p);
  const cache = new Map<string, JsonPath | Error>();
  return (r) => {
    const v = x.eval(r);
    if (v === null || v === undefined) return null;
    const s = String(v);
    let c = cache.get(s);
    if (c === undefined) {
      try {
        c = compileJsonPath(s);
      } catch (err) {
        c = new Error(`${e.name}: '${s}' is not a valid JSON path: ${(err as Error).message}`);
      }
      if (cache.size < 256) cache.set(s, c);
    }
    return c;
  };
}

/** The ON EMPTY and ON ERROR clauses of a call, checked against the behaviors `allowed` for each. */
function onClauses(
  e: Expr & { kind: "call" },
  json: JsonClauses,
  allowed: { EMPTY?: readonly string[]; ERROR: readonly string[] },
): { EMPTY?: JsonOnClause; ERROR?: JsonOnClause } {
  const out: { EMPTY?: JsonOnClause; ERROR?: JsonOnClause } = {};
  for (const c of json.on) {
    const ok = allowed[c.target];
    if (ok === undefined)
      throw invalid(`${e.name} has no ON ${c.target} clause (it takes ON ERROR only)`, c.pos, {
        function: e.name,
      });
    if (!ok.includes(c.behavior))
      throw invalid(
        `${e.name}: ${c.behavior} ON ${c.target} is not a behavior it has (${ok.map((b) => `${b === "DEFAULT" ? "DEFAULT <expr>" : b} ON ${c.target}`).join(", ")})`,
        c.pos,
        { function: e.name },
      );
    if (out[c.target] !== undefined)
      throw invalid(`${e.name} has two ON ${c.target} clauses`, c.pos, { function: e.name });
    if (c.target === "EMPTY" && out.ERROR !== undefined)
      throw invalid(`${e.name}: ON EMPTY comes before ON ERROR`, c.pos, { function: e.name });
    out[c.target] = c;
  }
  return out;
}

/** How JSON_VALUE turns a scalar into its RETURNING type; throws for a value that has none. */
function returningConversion(
  e: Expr & { kind: "call" },
  t: DataType | undefined,
): { type: DataType; convert: (v: unknown) => unknown } {
  if (t === undefined) return { type: STRING, convert: (v) => (typeof v === "string" ? v : textOf(v)) };
  const name = t.kind === "atomic" ? t.name : "";
  const fail = (v: unknown): never => {
    throw new Error(`JSON_VALUE: cannot return ${textOf(v)} as ${printType(t)}`);
  };
  switch (name) {
    case "STRING":
    case "VARCHAR":
    case "CHAR":
      return { type: t, convert: (v) => (typeof v === "string" ? v : textOf(v)) };
    case "BOOLEAN":
      return {
        type: t,
        convert: (v) => {
          if (typeof v === "boolean") return v;
          const s = typeof v === "string" ? v.trim().toLowerCase() : "";
          return s === "true" ? true : s === "false" ? false : fail(v);
        },
      };
    case "TINYINT":
    case "SMALLINT":
    case "INT":
    case "BIGINT": {
      const bits = name === "TINYINT" ? 8 : name === "SMALLINT" ? 16 : name === "INT" ? 32 : 64;
      const limit = 2 ** (bits - 1);
      return {
        type: t,
        convert: (v) => {
          const n =
            v instanceof JsonDouble
              ? Math.trunc(v.value)
              : typeof v === "number"
                ? Math.trunc(v)
                : typeof v === "bigint"
                  ? Number(v)
                  : typeof v === "string" && /^\s*[+-]?\d+\s*$/.test(v)
                    ? Number(v)
                    : Number.NaN;
          return Number.isFinite(n) && n >= -limit && n < limit ? n : fail(v);
        },
      };
    }
    case "DOUBLE":
    case "FLOAT":
    case "DECIMAL":
      return {
        type: t,
        convert: (v) => {
          const n =
            v instanceof JsonDouble
              ? v.value
              : typeof v === "number" || typeof v === "bigint"
                ? Number(v)
                : typeof v === "string" && v.trim() !== ""
                  ? Number(v)
                  : Number.NaN;
          return Number.isNaN(n) ? fail(v) : n;
        },
      };
    default:
      throw unsupported(
        `JSON_VALUE ... RETURNING ${printType(t)}`,
        e.pos,
        "JSON_VALUE returns STRING, VARCHAR, CHAR, BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE or DECIMAL",
      );
  }
}

/** A JSON scalar or SQL value as text (Java's toString). */
function textOf(v: unknown): string {
  if (v instanceof JsonDouble) return javaDoubleText(v.value);
  return String(v);
}

/** What a behavior gives: a value, or the error to raise. */
type Outcome = { value: unknown } | { error: Error };

function compileQuery<I>(
  e: Expr & { kind: "call" },
  json: JsonClauses,
  sub: (x: Expr) => CompiledJson<I>,
): CompiledJson<I> {
  const defaults = new Set(json.on.flatMap((c) => (c.default === undefined ? [] : [c.default])));
  const plainArgs = e.args.filter((_, i) => !defaults.has(i)).length;
  if (plainArgs !== 2)
    throw invalid(`${e.name} takes 2 arguments (a JSON text and a path), got ${plainArgs}`, e.pos, {
      function: e.name,
    });
  const input = sub(e.args[0] as Expr);
  const path = pathOf(e, sub);
  const misplaced = (what: string) => invalid(`${e.name} does not take ${what}`, e.pos, { function: e.name });
  if (json.onNull !== undefined) throw misplaced(`${json.onNull} ON NULL`);
  /** The path's outcome on the row's JSON text, or null for a NULL argument. */
  const run = (r: I): PathResult | null => {
    const j = input.eval(r);
    if (j === null || j === undefined) return null;
    const p = path(r);
    if (p === null) return null;
    if (p instanceof Error) return { ok: false, error: p };
    return evaluatePath(String(j), p);
  };

  if (e.name === "JSON_EXISTS") {
    if (json.returning !== undefined) throw misplaced("RETURNING");
    if (json.wrapper !== undefined) throw misplaced("a WRAPPER clause");
    const onError =
      onClauses(e, json, { ERROR: ["TRUE", "FALSE", "UNKNOWN", "ERROR"] }).ERROR?.behavior ?? "FALSE";
    return {
      eval: (r) => {
        const res = run(r);
        if (res === null) return null;
        if (res.ok) return res.value !== undefined && res.value !== null;
        if (onError === "ERROR") throw new Error(`JSON_EXISTS: ${res.error.message}`);
        return onError === "TRUE" ? true : onError === "FALSE" ? false : null;
      },
      type: BOOLEAN,
    };
  }

  if (e.name === "JSON_VALUE") {
    if (json.wrapper !== undefined) throw misplaced("a WRAPPER clause");
    const clauses = onClauses(e, json, {
      EMPTY: ["NULL", "ERROR", "DEFAULT"],
      ERROR: ["NULL", "ERROR", "DEFAULT"],
    });
    const { type, convert } = returningConversion(e, json.returning);
    const behavior = (c: JsonOnClause | undefined) => {
      if (c === undefined || c.behavior === "NULL") return () => ({ value: null }) as Outcome;
      if (c.behavior === "ERROR") return (_r: I, err: Error) => ({ error: err }) as Outcome;
      const d = sub(e.args[c.default as number] as Expr);
      return (r: I): Outcome => {
        const v = d.eval(r);
        if (v === null || v === undefined) return { value: null };
        try {
          return { value: convert(v) };
        } catch (convErr) {
          // A default that does not convert: an error (ON EMPTY then goes on to ON ERROR).
          return { error: convErr as Error };
        }
      };
    };
    const onEmpty = behavior(clauses.EMPTY);
    const onError = behavior(clauses.ERROR);
    const errorOutcome = (r: I, err: Error): unknown => {
      const o = onError(r, err);
      if ("error" in o) throw new Error(`JSON_VALUE: ${o.error.message}`);
      return o.value;
    };
    return {
      eval: (r) => {
        const res = run(r);
        if (res === null) return null;
        if (!res.ok) return errorOutcome(r, res.error);
        const v = res.value;
        const lax = (path(r) as JsonPath).lax;
        if (v === undefined || v === null || (lax && !isScalar(v))) {
          const empty = new Error("the path gives an empty result (ERROR ON EMPTY)");
          const o = onEmpty(r, empty);
          if ("error" in o) {
            if (clauses.EMPTY?.behavior === "ERROR") throw new Error(`JSON_VALUE: ${empty.message}`);
            return errorOutcome(r, o.error);
          }
          return o.value;
        }
        if (!isScalar(v))
          return errorOutcome(
            r,
            new Error(`strict mode needs a scalar value, the path gives ${writeJson(v)}`),
          );
        try {
          return convert(v);
        } catch (convErr) {
          return errorOutcome(r, convErr as Error);
        }
      },
      type,
    };
  }

  // JSON_QUERY
  if (json.returning !== undefined) {
    const t = json.returning;
    if (t.kind !== "atomic" || !["STRING", "VARCHAR", "CHAR"].includes(t.name))
      throw unsupported(`JSON_QUERY ... RETURNING ${printType(t)}`, e.pos, "JSON_QUERY returns STRING");
  }
  const behaviors = ["NULL", "ERROR", "EMPTY ARRAY", "EMPTY OBJECT"];
  const clauses = onClauses(e, json, { EMPTY: behaviors, ERROR: behaviors });
  const wrapper = json.wrapper ?? "WITHOUT";
  const give = (c: JsonOnClause | undefined, err: Error): string | null => {
    switch (c?.behavior) {
      case "ERROR":
        throw new Error(`JSON_QUERY: ${err.message}`);
      case "EMPTY ARRAY":
        return "[]";
      case "EMPTY OBJECT":
        return "{}";
      default:
        return null;
    }
  };
  return {
    eval: (r) => {
      const res = run(r);
      if (res === null) return null;
      if (!res.ok) return give(clauses.ERROR, res.error);
      const found = res.value;
      const lax = (path(r) as JsonPath).lax;
      let v: JsonNode | undefined;
      if (found === undefined || found === null) v = undefined;
      else if (wrapper === "UNCONDITIONAL") v = [found];
      else if (wrapper === "CONDITIONAL") v = Array.isArray(found) ? found : [found];
      else v = found;
      if (v === undefined || (lax && isScalar(v)))
        return give(clauses.EMPTY, new Error("the path gives an empty result (ERROR ON EMPTY)"));
      if (isScalar(v))
        return give(
          clauses.ERROR,
          new Error(`strict mode needs an array or object, the path gives ${writeJson(v)}`),
        );
      return writeJson(v);
    },
    type: STRING,
  };
}
