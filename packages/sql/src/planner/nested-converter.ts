/**
 * The one walk over ROW, ARRAY and MAP types that converts the values inside nested values: it
 * compiles, once per type (at plan time), a converter whose per-value work allocates only the
 * converted value. Its users differ only in the {@link NestedWalk} they give: reading what a
 * connector gave (values.ts externalConverter), reading json (table-format.ts), writing ROWs as
 * JSON objects (table-format.ts jsonRowObjects), reading and writing the registry formats' decoded
 * values (registry-format.ts).
 */

import type { DataType } from "../parser/ast.js";

/** A converter of one value. */
export type Convert = (v: unknown) => unknown;

/** What a walk does at each part of a nested value. */
export interface NestedWalk {
  /**
   * The converter of a value (not NULL) of atomic or MULTISET type `t` at `path` (a column name,
   * then `.field` and `[]` steps); undefined keeps such values as they are.
   */
  readonly leaf: (t: DataType, path: string) => Convert | undefined;
  /**
   * A ROW given as the list of its field values (as `ROW(...)` makes one): kept a list, made an
   * object by field name, or refused (json reads a ROW from an object only). A ROW given as an
   * object stays one, with the fields it has.
   */
  readonly rowList: "list" | "object" | "refuse";
  /**
   * Whether a value of the wrong shape throws (json); otherwise it is kept as it is, or NULL with
   * `nullOnWrongShape`.
   */
  readonly strict: boolean;
  /**
   * Whether a value of the wrong shape (not strict) is NULL in its place rather than kept: a
   * registry format's decoded value, whose schema may give a column another shape than its type.
   */
  readonly nullOnWrongShape?: boolean;
  /**
   * Whether a ROW object without one of its fields gets it as NULL (so the result has every field
   * of its type, as an encoder of the ROW's schema needs); otherwise the field is left out.
   */
  readonly missingFieldNull?: boolean;
  /**
   * Whether NULL is `undefined` rather than null, at any depth (the result too), and a ROW field
   * that is NULL is left out: protobufjs takes an absent field as NULL and refuses null.
   */
  readonly nullAsUndefined?: boolean;
  /** Whether a ROW object without one of its fields throws ('json.fail-on-missing-field'). */
  readonly failOnMissingField?: boolean;
  /** Whether a value inside that does not convert is NULL in its place ('json.ignore-parse-errors'). */
  readonly nullOnError?: boolean;
  /**
   * Whether MAP keys of an atomic type other than text are converted to that type by `leaf` (and
   * held as their text again, as a MAP constructor holds them: a MAP<INT, ...> key '007' is '7').
   */
  readonly mapKeys: boolean;
  /**
   * Whether a JS Map (a MAP as a connector or a DataStream gave it) becomes an object of its
   * entries, keys as text: the registry formats' encoders take objects only (avsc and JSON write
   * a Map as an empty map). Otherwise a Map stays one.
   */
  readonly mapsAsObjects?: boolean;
  /**
   * Whether an ARRAY or MAP with nothing inside to convert is left as it is (no converter: a
   * json sink's column without a ROW inside); otherwise it is walked, a copy of its own entries.
   */
  readonly skipUnconverted?: boolean;
}

/**
 * Sets column `name` of `row` to `v` as an own property, whatever the name (also a MAP value's
 * key, or a ROW value's field). Only `__proto__` needs care: assigning it on a plain object sets
 * the object's prototype (the key vanishes, JSON output lacks it, and an object value's keys show
 * through as the row's); defining it makes it an ordinary key. Every other name (`constructor`,
 * `toString`...) becomes an own property by assignment. (Here, not in values.ts which re-exports
 * it, so that values.ts can use this walk without an import cycle.)
 */
export function setColumn(row: Record<string, unknown>, name: string, v: unknown): void {
  if (name === "__proto__")
    Object.defineProperty(row, name, { value: v, writable: true, enumerable: true, configurable: true });
  else row[name] = v;
}

const STRING_TYPES = new Set(["STRING", "VARCHAR", "CHAR"]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
/** A value kept as it is, undefined as NULL. */
const orNull = (v: unknown) => (v === undefined ? null : v);
/** A value kept as it is, null as undefined (NULL with `nullAsUndefined`). */
const orUndefined = (v: unknown) => (v === null ? undefined : v);
/** NULL as `walk` holds it. */
const nullOf = (walk: NestedWalk) => (walk.nullAsUndefined ? undefined : null);
/** The converter of a value kept as it is, NULL as `walk` holds it. */
const keptOf = (walk: NestedWalk) => (walk.nullAsUndefined ? orUndefined : orNull);
const shown = (v: unknown) => (typeof v === "string" ? `'${v}'` : JSON.stringify(v));

/**
 * The converter of values of type `t` as `walk` says (NULL and undefined give NULL), compiled
 * once; undefined when `walk` leaves every value of the type as it is. `path` names the value in
 * errors.
 */
export function nestedConverter(t: DataType, walk: NestedWalk, path = ""): Convert | undefined {
  const inner = compile(t, walk, path);
  if (inner === undefined) return undefined;
  const nothing = nullOf(walk);
  return (v) => (v === null || v === undefined ? nothing : inner(v));
}

/** The converter of a value of `t` inside a nested one: NULL stays NULL, and an error NULL with `nullOnError`. */
function part(t: DataType, walk: NestedWalk, path: string): Convert | undefined {
  const convert = compile(t, walk, path);
  if (convert === undefined) return undefined;
  const nothing = nullOf(walk);
  if (!walk.nullOnError) return (v) => (v === null || v === undefined ? nothing : convert(v));
  return (v) => {
    if (v === null || v === undefined) return nothing;
    try {
      return convert(v);
    } catch {
      return nothing;
    }
  };
}

/** The converter of a non-NULL value of `t`, or undefined when there is nothing to convert. */
function compile(t: DataType, walk: NestedWalk, path: string): Convert | undefined {
  const wrongShapeNull = walk.nullOnWrongShape === true;
  const kept = keptOf(walk);
  const wrong = (v: unknown, shape: string, what: string) => {
    if (!walk.strict) return wrongShapeNull ? nullOf(walk) : v;
    throw new Error(`${shown(v)} is not a JSON ${shape} (field '${path}', ${what})`);
  };
  switch (t.kind) {
    case "row": {
      const fields = t.fields.map((f) => ({
        name: f.name,
        convert: part(f.type, walk, `${path}.${f.name}`) ?? kept,
      }));
      const failOnMissing = walk.failOnMissingField === true && !walk.nullOnError;
      const missingNull = walk.missingFieldNull === true;
      // A field set to NULL, or left out when NULL is undefined (nullAsUndefined).
      const set = walk.nullAsUndefined
        ? (out: Record<string, unknown>, name: string, x: unknown) => {
            if (x !== undefined) setColumn(out, name, x);
          }
        : setColumn;
      // Always walked, even with no field to convert: an object keeps only the fields of its type.
      const { rowList } = walk;
      return (v) => {
        if (Array.isArray(v)) {
          if (rowList === "refuse") return wrong(v, "object", "a ROW");
          if (rowList === "list") return fields.map((f, i) => f.convert(v[i]));
          const out: Record<string, unknown> = {};
          for (let i = 0; i < fields.length; i++) {
            const f = fields[i] as (typeof fields)[number];
            set(out, f.name, f.convert(v[i]));
          }
          return out;
        }
        if (!isObject(v)) return wrong(v, "object", "a ROW");
        // The fields it has, by name (setColumn: a field may be named __proto__); others dropped.
        const out: Record<string, unknown> = {};
        for (const f of fields) {
          if (Object.hasOwn(v, f.name)) set(out, f.name, f.convert(v[f.name]));
          else if (failOnMissing) throw new Error(`field '${path}.${f.name}' is missing`);
          else if (missingNull) set(out, f.name, f.convert(null));
        }
        return out;
      };
    }
    case "array": {
      const element = part(t.element, walk, `${path}[]`);
      if (element === undefined && walk.skipUnconverted) return undefined;
      const each = element ?? kept;
      return (v) => {
        if (!Array.isArray(v)) return wrong(v, "array", "an ARRAY");
        return v.map(each);
      };
    }
    case "map": {
      const converted = walk.mapKeys && t.key.kind === "atomic" && !STRING_TYPES.has(t.key.name);
      const keyOf = converted ? part(t.key, walk, `${path}{}`) : undefined;
      const value = part(t.value, walk, `${path}[]`);
      if (keyOf === undefined && value === undefined && walk.skipUnconverted) return undefined;
      const each = value ?? kept;
      // A key held as text: converted to the key type and back to its text (String, as MAP[...] holds it).
      const key = keyOf === undefined ? (k: string) => k : (k: string) => String(keyOf(k));
      const mapsAsObjects = walk.mapsAsObjects === true;
      return (v) => {
        // A Map (a connector's own value) stays one, its keys converted to the key type's values.
        if (v instanceof Map && mapsAsObjects) {
          const out: Record<string, unknown> = {};
          for (const [k, x] of v) setColumn(out, key(String(k)), each(x));
          return out;
        }
        if (v instanceof Map) {
          const out = new Map();
          for (const [k, x] of v) out.set(keyOf === undefined ? k : keyOf(k), each(x));
          return out;
        }
        if (!isObject(v)) return wrong(v, "object", "a MAP");
        const out: Record<string, unknown> = {};
        for (const k in v) if (Object.hasOwn(v, k)) setColumn(out, key(k), each(v[k]));
        return out;
      };
    }
    default:
      return walk.leaf(t, path);
  }
}
