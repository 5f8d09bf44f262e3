/**
 * Planning calls of user-defined functions (see functions.ts). The user functions of the
 * environment being planned are in scope for the duration of `withFunctions`: planning is
 * synchronous, and the compiled closures keep the function they were compiled with, so nothing
 * looks a name up per record.
 */

import type { FunctionCatalog, RegisteredFunction } from "../functions.js";
import type { DataType, Expr, SourcePos } from "../parser/ast.js";
import { printType } from "../parser/printer.js";
import type { Compiled } from "./compile-expression.js";
import { JSON_FUNCTIONS } from "./json-functions.js";
import { invalid } from "./problems.js";
import {
  AGGREGATE_FUNCTIONS,
  CLOCK_FUNCTIONS,
  NOT_YET_SUPPORTED,
  SCALAR_FUNCTIONS,
} from "./scalar-functions.js";

let active: FunctionCatalog | undefined;

/** Runs `plan` with the user functions of `functions` in scope (nested calls restore the outer ones). */
export function withFunctions<T>(functions: FunctionCatalog | undefined, plan: () => T): T {
  if (functions === undefined) return plan();
  const outer = active;
  active = functions;
  try {
    return plan();
  } finally {
    active = outer;
  }
}

/** The user function called `name` in scope, if any. */
export function userFunction(name: string): RegisteredFunction | undefined {
  return active?.get(name);
}

/** Whether `name` is an aggregate function: a built-in one or a user aggregate in scope. */
export function isAggregateName(name: string): boolean {
  return AGGREGATE_FUNCTIONS.has(name) || userFunction(name)?.definition.kind === "aggregate";
}

/** Edit distance with transpositions (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      row[j] = Math.min(
        (up[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (up[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** FLEUVE_SQL_VALIDATION "unknown function", with the closest known name when one is close. */
export function unknownFunction(name: string, pos: SourcePos | undefined): Error {
  const known = [
    ...SCALAR_FUNCTIONS.keys(),
    ...CLOCK_FUNCTIONS.keys(),
    ...AGGREGATE_FUNCTIONS,
    ...NOT_YET_SUPPORTED,
    ...JSON_FUNCTIONS,
    ...(active?.list().map((f) => f.name.toUpperCase()) ?? []),
  ];
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const shown = best === undefined ? undefined : (userFunction(best)?.name ?? best);
  return invalid(
    `unknown function ${name}${shown === undefined ? "" : `; did you mean ${shown}?`}`,
    pos,
    shown === undefined ? { function: name } : { function: name, suggestion: shown },
  );
}

const FAMILIES: Record<string, string> = {
  TINYINT: "numeric",
  SMALLINT: "numeric",
  INT: "numeric",
  BIGINT: "numeric",
  FLOAT: "numeric",
  DOUBLE: "numeric",
  DECIMAL: "numeric",
  CHAR: "character",
  VARCHAR: "character",
  STRING: "character",
  BOOLEAN: "boolean",
  DATE: "temporal",
  TIMESTAMP: "temporal",
  TIMESTAMP_LTZ: "temporal",
};
const family = (t: DataType) => (t.kind === "atomic" ? FAMILIES[t.name] : t.kind);

/**
 * Checks the arguments of a call of user function `f` against its declared types (number, and
 * the type of each argument whose type is known); `count` is the number `eval` takes otherwise.
 */
export function checkArguments(
  f: RegisteredFunction,
  args: readonly { readonly type?: DataType | undefined }[],
  pos: SourcePos,
  count?: number,
): void {
  const declared = f.argumentTypes;
  const want = declared?.length ?? count;
  if (want !== undefined && args.length !== want) {
    const sig = declared === undefined ? "" : ` (${declared.map(printType).join(", ")})`;
    throw invalid(
      `function ${f.name} takes ${want} argument${want === 1 ? "" : "s"}${sig}, got ${args.length}`,
      pos,
      {
        function: f.name,
      },
    );
  }
  declared?.forEach((t, i) => {
    const given = args[i]?.type;
    if (given === undefined) return;
    const a = family(t);
    const b = family(given);
    if (a !== undefined && b !== undefined && a !== b)
      throw invalid(
        `function ${f.name}: argument ${i + 1} must be ${printType(t)}, got ${printType(given)}`,
        pos,
        { function: f.name, argument: i + 1 },
      );
  });
}

/**
 * The error a user function's throw becomes: it names the function, and the operator running
 * the call hands the row to the job's error policy (dead letters, skip, or fail) as for any
 * user code.
 */
export function functionFailed(f: RegisteredFunction, err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`function ${f.name} failed: ${message}`, { cause: err });
}

/** Refuses a Promise where a value is due (functions are called synchronously, per row). */
export function checkSync(f: RegisteredFunction, v: unknown): unknown {
  if (v !== null && typeof v === "object" && typeof (v as { then?: unknown }).then === "function")
    throw new Error(`function ${f.name} returned a Promise; SQL functions are called synchronously, per row`);
  return v;
}

/**
 * The number of arguments `fn` takes when it has no declared types: its parameters before any
 * default or rest one (`fn.length`); none counted (`...rest` alone) means any number.
 */
export function declaredParameters(fn: (...a: never[]) => unknown): number | undefined {
  return fn.length === 0 ? undefined : fn.length;
}

/** Compiles a call of user scalar function `f` with compiled `args`. */
export function compileScalarCall<I>(
  f: RegisteredFunction,
  e: Expr & { kind: "call" },
  args: readonly Compiled<I>[],
): Compiled<I> {
  if (f.definition.kind !== "scalar") throw new Error("not a scalar function");
  const fn = f.definition.eval as (...a: unknown[]) => unknown;
  checkArguments(f, args, e.pos, declaredParameters(fn));
  const n = args.length;
  return {
    eval: (r) => {
      const values = new Array<unknown>(n);
      for (let i = 0; i < n; i++) values[i] = (args[i] as Compiled<I>).eval(r);
      let v: unknown;
      try {
        v = fn.apply(f.definition, values);
      } catch (err) {
        throw functionFailed(f, err);
      }
      // A function returning undefined returns SQL NULL.
      return checkSync(f, v) ?? null;
    },
    type: f.resultType,
  };
}
