/**
 * User-defined functions: TypeScript functions SQL calls by name, as Flink's UDFs. Three kinds:
 *
 * - a scalar function ({@link scalarFunction}, or a plain function): one value per call;
 * - a table function ({@link tableFunction}): rows per input row, used in
 *   `LATERAL TABLE(f(x))`;
 * - an aggregate function ({@link aggregateFunction}): an accumulator per group or window.
 *
 * They are registered with `sql(env).createFunction(name, fn)` or with
 * `CREATE FUNCTION name AS 'path#export'`, which imports the module when the statement runs.
 * Every call is synchronous: a function returning a Promise is an error.
 */

import type { DataType } from "./parser/ast.js";
import { parseDataType } from "./parser/parse.js";
import { printType } from "./parser/printer.js";
import { invalid } from "./planner/problems.js";

/** A scalar function: `eval` is called once per row with the argument values (NULL as `null`). */
export interface ScalarFunctionDefinition {
  readonly kind: "scalar";
  readonly eval: (...args: never[]) => unknown;
  /** The SQL type of the result (`'INT'`, `'STRING'`); without it the result's type is unknown. */
  readonly resultType?: string;
  /**
   * The SQL types of the arguments: the planner then checks the number of arguments and the
   * type of each whose type it knows. Without it, the number is `eval.length` (the parameters
   * before a default or rest one; with none, such as `(...xs) => ...`, any number).
   */
  readonly argumentTypes?: readonly string[];
}

/**
 * A table function: `eval` returns the rows for one input row (an array or any iterable; a
 * generator function works). A row is an array of column values in `columns` order, an object by
 * column name, or a single value when there is one column.
 */
export interface TableFunctionDefinition {
  readonly kind: "table";
  readonly eval: (...args: never[]) => Iterable<unknown>;
  /**
   * The columns of the rows, as `'name TYPE'` each (`['word STRING', 'length INT']`); default
   * one column `f0` of unknown type, as Flink names a table function's single column.
   */
  readonly columns?: readonly string[];
  /** As {@link ScalarFunctionDefinition.argumentTypes}. */
  readonly argumentTypes?: readonly string[];
}

/**
 * An aggregate function, Flink's AggregateFunction. The accumulator is kept in keyed state and
 * written to checkpoints and savepoints, so it must be plain data (numbers, strings, arrays,
 * objects, Maps, Sets; a class instance would come back without its prototype after a restore).
 * `accumulate`, `retract` and `merge` either change the accumulator in place (and return nothing)
 * or return the new one.
 */
export interface AggregateFunctionDefinition<Acc = unknown> {
  readonly kind: "aggregate";
  /** A fresh accumulator (a group's or a window's first row). */
  createAccumulator(): Acc;
  // Methods (not function properties), so that a definition of any accumulator type is a
  // FunctionDefinition. They return nothing when they change the accumulator in place.
  /** Adds one row's argument values. NULL values are passed as `null`. */
  // biome-ignore lint/suspicious/noConfusingVoidType: nothing returned means changed in place
  accumulate(acc: Acc, ...args: never[]): Acc | void;
  /** Takes one row's values out again; needed when the input updates (`-U`, `-D` rows). */
  // biome-ignore lint/suspicious/noConfusingVoidType: nothing returned means changed in place
  retract?(acc: Acc, ...args: never[]): Acc | void;
  /** Adds accumulator `other` into `acc`; needed by SESSION windows, which merge. */
  // biome-ignore lint/suspicious/noConfusingVoidType: nothing returned means changed in place
  merge?(acc: Acc, other: Acc): Acc | void;
  /** The aggregate's value for an accumulator. */
  getValue(acc: Acc): unknown;
  /** As {@link ScalarFunctionDefinition.resultType}. */
  readonly resultType?: string;
  /** As {@link ScalarFunctionDefinition.argumentTypes}; without it, any number of arguments. */
  readonly argumentTypes?: readonly string[];
}

/** Any user-defined function. */
export type FunctionDefinition =
  | ScalarFunctionDefinition
  | TableFunctionDefinition
  | AggregateFunctionDefinition;

/** What `createFunction` and `CREATE FUNCTION` accept: a definition, or a plain function (a scalar). */
export type UserFunction = FunctionDefinition | ((...args: never[]) => unknown);

/** Declares a scalar function (Flink's ScalarFunction). */
export function scalarFunction(def: Omit<ScalarFunctionDefinition, "kind">): ScalarFunctionDefinition {
  return { kind: "scalar", ...def };
}

/** Declares a table function (Flink's TableFunction). */
export function tableFunction(def: Omit<TableFunctionDefinition, "kind">): TableFunctionDefinition {
  return { kind: "table", ...def };
}

/** Declares an aggregate function (Flink's AggregateFunction). */
export function aggregateFunction<Acc>(
  def: Omit<AggregateFunctionDefinition<Acc>, "kind">,
): AggregateFunctionDefinition<Acc> {
  return { kind: "aggregate", ...def } as AggregateFunctionDefinition<Acc>;
}

/** A registered function, checked and with its declared types parsed. */
export interface RegisteredFunction {
  /** The name as it was registered (SQL matches it case-insensitively). */
  readonly name: string;
  readonly definition: FunctionDefinition;
  readonly argumentTypes?: readonly DataType[];
  readonly resultType?: DataType;
  /** For a table function: its columns. */
  readonly columns?: readonly { readonly name: string; readonly type?: DataType }[];
  /** Where `CREATE FUNCTION` loaded it from (`path#export`), if it did. */
  readonly source?: string;
}

const isFunction = (v: unknown): v is (...args: unknown[]) => unknown => typeof v === "function";
const isAsync = (f: unknown) => isFunction(f) && f.constructor?.name === "AsyncFunction";

function parseTypeOf(fn: string, what: string, text: unknown): DataType {
  if (typeof text !== "string")
    throw invalid(`function ${fn}: ${what} must be a SQL type as text, got ${String(text)}`, undefined, {
      function: fn,
    });
  try {
    return parseDataType(text);
  } catch {
    throw invalid(`function ${fn}: ${what} '${text}' is not a SQL type`, undefined, { function: fn });
  }
}

/**
 * Checks a user function and parses its declared types.
 * @throws FleuveError FLEUVE_SQL_VALIDATION naming the function and what is wrong with it.
 */
export function registerFunction(name: string, fn: unknown, source?: string): RegisteredFunction {
  const bad = (why: string) => invalid(`function ${name}: ${why}`, undefined, { function: name });
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw bad("a function name is a letter or _ then letters, digits, _");
  const definition: FunctionDefinition = isFunction(fn)
    ? { kind: "scalar", eval: fn as ScalarFunctionDefinition["eval"] }
    : (fn as FunctionDefinition);
  if (definition === null || typeof definition !== "object")
    throw bad(
      `expected a function or a definition from scalarFunction/tableFunction/aggregateFunction, got ${String(fn)}`,
    );
  const methods: Record<string, string[]> = {
    scalar: ["eval"],
    table: ["eval"],
    aggregate: ["createAccumulator", "accumulate", "getValue"],
  };
  const required = methods[definition.kind as string];
  if (required === undefined)
    throw bad(`kind must be "scalar", "table" or "aggregate", got ${String(definition.kind)}`);
  const record = definition as unknown as Record<string, unknown>;
  for (const m of [...required, "retract", "merge"]) {
    const v = record[m];
    if (v === undefined && !required.includes(m)) continue;
    if (!isFunction(v)) throw bad(`${m} must be a function`);
    // SQL calls every function synchronously, per row: a Promise cannot be awaited there.
    if (isAsync(v)) throw bad(`${m} is async; SQL functions are called synchronously, per row`);
  }
  const out: {
    name: string;
    definition: FunctionDefinition;
    argumentTypes?: DataType[];
    resultType?: DataType;
    columns?: { name: string; type?: DataType }[];
    source?: string;
  } = { name, definition };
  if (record.argumentTypes !== undefined) {
    if (!Array.isArray(record.argumentTypes)) throw bad("argumentTypes must be an array of SQL types");
    out.argumentTypes = record.argumentTypes.map((t, i) => parseTypeOf(name, `argument type ${i + 1}`, t));
  }
  if (record.resultType !== undefined) out.resultType = parseTypeOf(name, "resultType", record.resultType);
  if (definition.kind === "table") {
    const cols = definition.columns ?? ["f0"];
    if (!Array.isArray(cols) || cols.length === 0)
      throw bad("columns must be a non-empty array of 'name TYPE'");
    out.columns = cols.map((c: unknown, i) => {
      const m = typeof c === "string" ? /^\s*(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)\s*(.*)$/s.exec(c) : null;
      if (m === null) throw bad(`column ${i + 1} must be 'name TYPE', got ${String(c)}`);
      const colName = (m[1] as string).replace(/^`|`$/g, "");
      const typeText = (m[2] as string).trim();
      return typeText === ""
        ? { name: colName }
        : { name: colName, type: parseTypeOf(name, `column ${colName}'s type`, typeText) };
    });
  }
  if (source !== undefined) out.source = source;
  return out;
}

/** A short description of a registered function for SHOW FUNCTIONS-like listings. */
export function describeFunction(f: RegisteredFunction): string {
  const args = f.argumentTypes?.map(printType).join(", ") ?? "...";
  const result =
    f.definition.kind === "table"
      ? `TABLE(${(f.columns ?? []).map((c) => (c.type ? `${c.name} ${printType(c.type)}` : c.name)).join(", ")})`
      : f.resultType
        ? printType(f.resultType)
        : "?";
  return `${f.definition.kind} ${f.name}(${args}) -> ${result}`;
}

/** The user functions of one SQL environment, by upper-case name (SQL names are case-insensitive). */
export class FunctionCatalog {
  private readonly byName = new Map<string, RegisteredFunction>();

  /** Adds `f`; an existing name fails unless `ifNotExists`. */
  create(f: RegisteredFunction, ifNotExists = false): void {
    const key = f.name.toUpperCase();
    if (this.byName.has(key)) {
      if (ifNotExists) return;
      throw invalid(`a function named ${f.name} already exists`, undefined, { function: f.name });
    }
    this.byName.set(key, f);
  }

  /** Removes the function called `name`; a missing one fails unless `ifExists`. */
  drop(name: string, ifExists = false): void {
    if (!this.byName.delete(name.toUpperCase()) && !ifExists)
      throw invalid(`no function named ${name}`, undefined, { function: name });
  }

  /** The function called `name` (any case), if any. */
  get(name: string): RegisteredFunction | undefined {
    return this.byName.get(name.toUpperCase());
  }

  /** Every user function, by name. */
  list(): RegisteredFunction[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
