/**
 * Flink's JSON aggregate functions, JSON_OBJECTAGG and JSON_ARRAYAGG, as its
 * JsonObjectAggFunction and JsonArrayAggFunction run them:
 *
 * - each value goes in as its JSON text (Flink wraps the argument in JSON_STRING, so a string is
 *   quoted, a number is not, and a nested JSON_OBJECT / JSON_ARRAY is JSON as it is);
 * - `NULL ON NULL` keeps a NULL value as JSON `null`, `ABSENT ON NULL` leaves it out; without
 *   the clause JSON_OBJECTAGG keeps NULLs and JSON_ARRAYAGG leaves them out (Calcite's defaults);
 * - JSON_OBJECTAGG's accumulator is a map from key to value text: a key already there is an error
 *   at run time (the row goes to the error policy), a retraction removes its key when the value is
 *   the one retracted; the result lists the members sorted by key, as Flink's serializeJson sorts
 *   them (Java's String order: by UTF-16 code unit, as JavaScript's sort);
 * - JSON_ARRAYAGG's accumulator is the list of value texts in arrival order: a retraction takes
 *   out the earliest equal text (Java's List.remove);
 * - accumulators are plain JSON data (keys prefixed with `k:`, so that no key is `__proto__`),
 *   kept in any state backend.
 *
 * Where Flink refuses them, so does Fleuve: neither runs in OVER windows, and JSON_ARRAYAGG,
 * whose Flink function has no merge method, runs in neither HOP, CUMULATE nor SESSION windows.
 */

import type { DataType, Expr, JsonClauses } from "../parser/ast.js";
import { type Compiled, compileExpression, type Scope } from "./compile-expression.js";
import { jsonArgument, quote } from "./json-functions.js";
import { invalid, unsupported } from "./problems.js";
import type { Row } from "./values.js";

/** The names of the JSON aggregate functions. */
export const JSON_AGGREGATES: ReadonlySet<string> = new Set(["JSON_OBJECTAGG", "JSON_ARRAYAGG"]);

/** A compiled JSON aggregate call: its key (JSON_OBJECTAGG), value text and NULL behaviour. */
export interface JsonAggregate {
  /** JSON_OBJECTAGG's key per row; undefined for JSON_ARRAYAGG. */
  readonly key: Compiled<Row> | undefined;
  /** The value's JSON text per row, or null for a NULL value. */
  readonly value: (row: Row) => string | null;
  /** ABSENT ON NULL: NULL values are left out. */
  readonly absent: boolean;
}

/** JSON_ARRAYAGG's accumulator: the value texts in arrival order. */
interface ArrayAcc {
  items: string[];
}
/** JSON_OBJECTAGG's accumulator: `k:<key>` to the value text (null for a NULL kept by NULL ON NULL). */
interface ObjectAcc {
  members: Record<string, string | null>;
}

const STRING: DataType = { kind: "atomic", name: "STRING", args: [], notNull: true };
const CHARACTER = new Set(["STRING", "VARCHAR", "CHAR"]);

/** The name of type `t` in an error message. */
function typeName(t: DataType): string {
  return t.kind === "atomic" ? t.name : t.kind.toUpperCase();
}

/**
 * Compiles JSON aggregate `call` over the input scope: checks its arguments and clauses (wrong
 * count, a key that is not a character string, clauses of other JSON functions are
 * FLEUVE_SQL_VALIDATION naming the function and the position).
 */
export function compileJsonAggregate(call: Expr & { kind: "call" }, inputScope: Scope<Row>): JsonAggregate {
  const json: JsonClauses = call.json ?? { on: [] };
  const name = call.name;
  const fail = (message: string) => invalid(message, call.pos, { function: name });
  if (json.returning !== undefined) throw fail(`${name} does not take RETURNING`);
  if (json.wrapper !== undefined) throw fail(`${name} does not take a WRAPPER clause`);
  const on = json.on[0];
  if (on !== undefined) throw fail(`${name} does not take ${on.behavior} ON ${on.target}`);
  if (call.distinct) throw fail(`${name}(DISTINCT ...) is not valid`);
  const sub = (x: Expr) => compileExpression(x, inputScope);
  if (name === "JSON_ARRAYAGG") {
    if (call.args.length !== 1) throw fail(`JSON_ARRAYAGG takes 1 argument, got ${call.args.length}`);
    // JSON_ARRAYAGG(x ORDER BY y): Flink 1.20 validates y but keeps the arrival order (probed: the
    // same array for ASC and DESC), so y is only compiled, for its errors.
    for (const o of call.orderBy ?? []) sub(o.expr);
    return {
      key: undefined,
      value: jsonArgument<Row>(call.args[0] as Expr, sub),
      absent: (json.onNull ?? "ABSENT") === "ABSENT",
    };
  }
  if (call.args.length !== 2)
    throw fail(`JSON_OBJECTAGG takes one KEY ... VALUE ... pair, got ${call.args.length / 2}`);
  const keyExpr = call.args[0] as Expr;
  if (keyExpr.kind === "literal" && keyExpr.type === "null")
    throw fail("JSON_OBJECTAGG's key must be a non-NULL character string, got NULL");
  const key = sub(keyExpr);
  const t = key.type;
  if (t !== undefined && !(t.kind === "atomic" && CHARACTER.has(t.name)))
    throw fail(`JSON_OBJECTAGG's key must be a character string, got ${typeName(t)}; CAST it to STRING`);
  return {
    key,
    value: jsonArgument<Row>(call.args[1] as Expr, sub),
    absent: (json.onNull ?? "NULL") === "ABSENT",
  };
}

/** The result type of a JSON aggregate: a JSON text. */
export function jsonAggregateType(): DataType {
  return STRING;
}

/**
 * Refuses the JSON aggregates of `calls` where Flink does: `where` names the window (an OVER
 * window refuses both; HOP, CUMULATE and SESSION windows refuse JSON_ARRAYAGG).
 */
export function refuseJsonAggregates(
  calls: readonly (Expr & { kind: "call" })[],
  where: "OVER" | "HOP" | "CUMULATE" | "SESSION" | "TUMBLE",
): void {
  for (const c of calls) {
    if (!JSON_AGGREGATES.has(c.name)) continue;
    if (where === "OVER")
      throw unsupported(`${c.name} in an OVER window`, c.pos, "Flink does not run it in OVER windows either");
    if (where !== "TUMBLE" && c.name === "JSON_ARRAYAGG")
      throw unsupported(
        `JSON_ARRAYAGG in a ${where} window`,
        c.pos,
        "Flink's JSON_ARRAYAGG cannot merge partial results, so Flink runs it in neither HOP, CUMULATE nor SESSION windows; use a TUMBLE window or a group aggregation",
      );
  }
}

/**
 * What a row gives a JSON aggregate: JSON_ARRAYAGG the value text, JSON_OBJECTAGG `[key, text]`
 * (text null for a NULL kept); undefined when the value is NULL and ABSENT ON NULL leaves it out.
 * @throws Error when JSON_OBJECTAGG's key is NULL (keys must not be NULL).
 */
export function jsonInputOf(j: JsonAggregate, row: Row): unknown {
  const v = j.value(row);
  if (v === null && j.absent) return undefined;
  if (j.key === undefined) return v ?? "null";
  const k = j.key.eval(row);
  if (k === null || k === undefined)
    throw new Error("JSON_OBJECTAGG: a key is NULL (the key must be a non-NULL character string)");
  return [String(k), v];
}

/** A fresh accumulator. */
export function createJsonAcc(j: JsonAggregate): unknown {
  return j.key === undefined ? { items: [] } : { members: {} };
}

/** Flink's error for a key JSON_OBJECTAGG already has. */
function duplicateKey(key: string): Error {
  return new Error(
    `Key '${key}' is already present. Duplicate keys are not allowed in JSON_OBJECTAGG. Please ensure that keys are unique.`,
  );
}

/**
 * Throws when adding `input` (from {@link jsonInputOf}) to `acc` would fail: JSON_OBJECTAGG's key
 * is already there. Called before any accumulator changes, so a failing row changes nothing.
 */
export function checkJsonInput(j: JsonAggregate, acc: unknown, input: unknown): void {
  if (j.key === undefined) return;
  const [k] = input as [string, string | null];
  if (`k:${k}` in (acc as ObjectAcc).members) throw duplicateKey(k);
}

/** Adds (`sign` 1) or takes out (-1) `input` (from {@link jsonInputOf}); returns the accumulator. */
export function updateJsonAcc(j: JsonAggregate, acc: unknown, input: unknown, sign: 1 | -1): unknown {
  if (j.key === undefined) {
    const a = acc as ArrayAcc;
    if (sign === 1) a.items.push(input as string);
    else {
      const i = a.items.indexOf(input as string);
      if (i >= 0) a.items.splice(i, 1);
    }
    return a;
  }
  const o = acc as ObjectAcc;
  const [k, v] = input as [string, string | null];
  const slot = `k:${k}`;
  if (sign === 1) {
    if (slot in o.members) throw duplicateKey(k);
    o.members[slot] = v;
  } else if (slot in o.members && o.members[slot] === v) delete o.members[slot];
  // (A retraction of another value leaves the key: Flink's retract removes only an equal one.)
  return o;
}

/**
 * Merges two accumulators (SESSION windows merging, JSON_OBJECTAGG only): the union of the
 * members, a key in both being an error as in Flink's merge.
 */
export function mergeJsonAcc(j: JsonAggregate, x: unknown, y: unknown): unknown {
  if (j.key === undefined) return { items: [...(x as ArrayAcc).items, ...(y as ArrayAcc).items] };
  const members = { ...(x as ObjectAcc).members };
  for (const [slot, v] of Object.entries((y as ObjectAcc).members)) {
    if (slot in members) throw duplicateKey(slot.slice(2));
    members[slot] = v;
  }
  return { members };
}

/** The JSON text of an accumulator: `[v1,v2]`, or `{"k1":v1,"k2":v2}` with the keys sorted. */
export function jsonAggResult(j: JsonAggregate, acc: unknown): string {
  if (j.key === undefined) return `[${(acc as ArrayAcc).items.join(",")}]`;
  const members = (acc as ObjectAcc).members;
  const slots = Object.keys(members).sort();
  return `{${slots.map((s) => `${quote(s.slice(2))}:${members[s] ?? "null"}`).join(",")}}`;
}
