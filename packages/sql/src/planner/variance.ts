/**
 * VAR_POP, VAR_SAMP (VARIANCE), STDDEV_POP and STDDEV_SAMP (STDDEV) as Flink 1.20 computes them:
 * Calcite's AggregateReduceFunctionsRule rewrites each into SUM(x * x), SUM(x) and COUNT(x), and
 * the result is `(SUM(x * x) - SUM(x) * SUM(x) / COUNT(x)) / COUNT(x)` (or `/ (COUNT(x) - 1)`,
 * NULL when COUNT(x) is 1), the square root of that for the deviations, all in the result's type:
 *
 * - over TINYINT, SMALLINT, INT, BIGINT: Java integer arithmetic, the squares and sums wrapping
 *   around at the type's width, the divisions truncating (VAR_POP of INT 1, 2, 4 is 1);
 * - over FLOAT and DOUBLE: the plain floating-point formula, which cancels when the mean is large
 *   next to the spread (VAR_POP of 1000000001.0, 1000000002.0, 1000000003.0 is 0.0 in Flink);
 * - over DECIMAL(p, s): a DECIMAL(38, max(6, s)), each step rounded HALF_UP to the scale Flink's
 *   decimal arithmetic gives it (the squares and quotients to 6 digits), so VAR_SAMP of 1.10,
 *   2.25, 3.33 is 1.243634.
 *
 * The accumulator `{ n, s, q }` holds the count and the two sums: exact integers for integer and
 * DECIMAL arguments (a number while a safe integer, else its decimal text; a DECIMAL's unscaled
 * digits at the scales above), so that wrapping or rounding them at the end gives Flink's sums
 * whatever the order; doubles for FLOAT and DOUBLE, summed in arrival order as Flink's SUM does.
 * A retraction takes its terms out again (COUNT below 0 until its insert comes, as Flink's sums).
 */

import type { DataType } from "../parser/ast.js";
import { castNumberToDecimal, narrowed } from "./number-casts.js";
import { shiftedText } from "./number-text.js";

/** The variance and standard deviation aggregates, by name (STDDEV and VARIANCE are Flink's synonyms of the sample ones). */
export const SPREAD: ReadonlyMap<string, Spread> = new Map([
  ["VAR_POP", { sample: false, sqrt: false }],
  ["VAR_SAMP", { sample: true, sqrt: false }],
  ["VARIANCE", { sample: true, sqrt: false }],
  ["STDDEV_POP", { sample: false, sqrt: true }],
  ["STDDEV_SAMP", { sample: true, sqrt: true }],
  ["STDDEV", { sample: true, sqrt: true }],
]);

/** Which of the variances: the sample one (divided by n - 1), the square root (a deviation). */
export interface Spread {
  readonly sample: boolean;
  readonly sqrt: boolean;
}

/** An exact integer: a number while it is a safe integer, else its decimal text (a BigInt's). */
type Exact = number | string;
/** The accumulator: the count, the sum and the sum of squares (see the module comment). */
export interface SpreadAcc {
  n: number;
  s: Exact;
  q: Exact;
}

/** The arithmetic of a variance, from its argument's type. */
type Arithmetic =
  | { readonly kind: "integer"; readonly bits: 8 | 16 | 32 | 64 }
  | { readonly kind: "float"; readonly single: boolean }
  | {
      readonly kind: "decimal";
      /** The result's scale, max(6, s), which the argument is cast to first. */
      readonly scale: number;
      /** The scale of a product of two of those (Flink's multiplication type, adjusted to 38 digits). */
      readonly square: number;
    };

const BITS: Readonly<Record<string, 8 | 16 | 32 | 64>> = {
  TINYINT: 8,
  SMALLINT: 16,
  INT: 32,
  INTEGER: 32,
  BIGINT: 64,
};

/**
 * Flink's decimal scale of a result of precision `p` and scale `s` over 38 digits
 * (LogicalTypeMerging.adjustPrecisionScale): the whole digits are kept, the scale cut down to no
 * less than min(s, 6).
 */
function adjustedScale(p: number, s: number): number {
  return p <= 38 ? s : Math.max(38 - (p - s), Math.min(s, 6));
}

/** The arithmetic of a variance of `type` (the argument's). */
export function spreadArithmetic(type: DataType | undefined): Arithmetic {
  if (type?.kind === "atomic") {
    const bits = BITS[type.name];
    if (bits !== undefined) return { kind: "integer", bits };
    if (type.name === "DECIMAL") {
      const scale = Math.max(6, type.args[1] ?? 0);
      return { kind: "decimal", scale, square: adjustedScale(77, 2 * scale) };
    }
    if (type.name === "FLOAT" || type.name === "REAL") return { kind: "float", single: true };
  }
  return { kind: "float", single: false };
}

/**
 * The type of a variance of `type`: the argument's, but a DECIMAL(38, max(6, s)) for a DECIMAL
 * (Flink's deriveAvgAggType), with the argument's nullability (Flink 1.20's DESCRIBE: VAR_SAMP
 * of a NOT NULL column is NOT NULL in a grouped aggregation, though one value gives NULL).
 */
export function spreadType(type: DataType): DataType {
  if (type.kind === "atomic" && type.name === "DECIMAL")
    return { ...type, args: [38, Math.max(6, type.args[1] ?? 0)] };
  return type;
}

const big = (x: Exact) => (typeof x === "string" ? BigInt(x) : BigInt(x));
const exact = (x: bigint): Exact =>
  x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x.toString();
/** `x + d` exactly. */
function addExact(x: Exact, d: bigint | number): Exact {
  if (typeof x === "number" && typeof d === "number") {
    const r = x + d;
    if (Number.isSafeInteger(r)) return r;
  }
  return exact(big(x) + BigInt(d));
}

/** `v / 10^d` rounded HALF_UP (away from zero at a tie), as BigDecimal.setScale does. */
function roundDown(v: bigint, d: number): bigint {
  if (d <= 0) return v * 10n ** BigInt(-d);
  const p = 10n ** BigInt(d);
  const m = v < 0n ? -v : v;
  const r = (m + p / 2n) / p;
  return v < 0n ? -r : r;
}
/** `a / b` rounded HALF_UP to an integer (b not 0). */
function divideHalfUp(a: bigint, b: bigint): bigint {
  const negative = a < 0n !== b < 0n;
  const [m, d] = [a < 0n ? -a : a, b < 0n ? -b : b];
  const r = (2n * m + d) / (2n * d);
  return negative ? -r : r;
}
const DECIMAL_LIMIT = 10n ** 38n;
const fits = (v: bigint) => v < DECIMAL_LIMIT && v > -DECIMAL_LIMIT;

/** The unscaled digits of DECIMAL `v` at scale `scale` (its own digits: `v` has no more). */
const unscaled = (v: number, scale: number) => BigInt(Math.round(shiftedText(v, scale)));

/** The fresh accumulator. */
export const createSpread = (): SpreadAcc => ({ n: 0, s: 0, q: 0 });

/**
 * `acc` in the current form. State saved by earlier versions held shifted double sums `{ n, k,
 * s, q }` (Σ(v - k), Σ(v - k)^2) or Welford's `{ n, mean, m2 }` for FLOAT, DOUBLE and DECIMAL:
 * moved back to plain sums (Σv = s + nk, Σv^2 = q + 2ks + nk^2), DECIMAL ones rounded to digits.
 */
export function spreadAcc(arith: Arithmetic, acc: unknown): SpreadAcc {
  const w = acc as { n: number; k?: number; mean?: number; m2?: number; s: Exact; q: Exact };
  const k = w.k ?? w.mean;
  if (k === undefined) return acc as SpreadAcc;
  const s0 = w.mean !== undefined ? 0 : Number(w.s);
  const q0 = w.mean !== undefined ? (w.m2 ?? 0) : Number(w.q);
  const s = s0 + w.n * k;
  const q = q0 + 2 * k * s0 + w.n * k * k;
  if (arith.kind !== "decimal") return { n: w.n, s, q };
  return {
    n: w.n,
    s: exact(BigInt(Math.round(s * 10 ** arith.scale))),
    q: exact(BigInt(Math.round(q * 10 ** arith.square))),
  };
}

/** Adds (`sign` 1) or takes out (-1) value `v` of `acc`, in place. */
export function updateSpread(arith: Arithmetic, acc: SpreadAcc, v: number, sign: 1 | -1): SpreadAcc {
  acc.n += sign;
  switch (arith.kind) {
    case "integer": {
      const q = v * v;
      acc.s = addExact(acc.s, sign * v);
      acc.q = addExact(acc.q, Number.isSafeInteger(q) ? sign * q : BigInt(sign) * BigInt(v) * BigInt(v));
      return acc;
    }
    case "decimal": {
      const x = unscaled(v, arith.scale);
      acc.s = addExact(acc.s, BigInt(sign) * x);
      acc.q = addExact(acc.q, BigInt(sign) * roundDown(x * x, 2 * arith.scale - arith.square));
      return acc;
    }
    case "float": {
      const f = arith.single ? Math.fround : (x: number) => x;
      // A FLOAT column's value may be held as the double it was read as: Flink's is a float.
      const x = f(v);
      const q = f(x * x);
      acc.s = f((acc.s as number) + sign * x);
      acc.q = f((acc.q as number) + sign * q);
      return acc;
    }
  }
}

/** `x` and `y` together (session windows, slices). */
export function mergeSpread(arith: Arithmetic, x: SpreadAcc, y: SpreadAcc): SpreadAcc {
  if (arith.kind === "float") {
    const f = arith.single ? Math.fround : (v: number) => v;
    return { n: x.n + y.n, s: f((x.s as number) + (y.s as number)), q: f((x.q as number) + (y.q as number)) };
  }
  return { n: x.n + y.n, s: addExact(x.s, big(y.s)), q: addExact(x.q, big(y.q)) };
}

/** The variance or standard deviation of `acc`, as Flink's reduction computes it (module comment). */
export function spreadResult(arith: Arithmetic, acc: SpreadAcc, f: Spread): number | null {
  if (acc.n === 0 || (f.sample && acc.n === 1)) return null;
  const n = acc.n;
  const d = f.sample ? n - 1 : n;
  switch (arith.kind) {
    case "integer":
      return integerSpread(arith.bits, acc, n, d, f.sqrt);
    case "float": {
      const r = arith.single ? Math.fround : (x: number) => x;
      const s = acc.s as number;
      const variance = r(r(r(acc.q as number) - r(r(s * s) / n)) / d);
      return f.sqrt ? r(Math.sqrt(variance)) : variance;
    }
    case "decimal":
      return decimalSpread(arith, acc, n, d, f.sqrt);
  }
}

/**
 * Over integers: the sums and the square of the sum wrap at the type's width (Java's int or
 * long arithmetic in the type), the quotient by the BIGINT count is computed in long, and the
 * result is cast back (narrowed) to the type; the square root of the variance is Java's cast of a
 * double, truncated (0 of the NaN of a negative one).
 */
function integerSpread(bits: 8 | 16 | 32 | 64, acc: SpreadAcc, n: number, d: number, sqrt: boolean): number {
  const wrap = (x: bigint) => BigInt.asIntN(bits, x);
  const s = wrap(big(acc.s));
  const mean = wrap(s * s) / BigInt(n);
  const variance = BigInt.asIntN(64, BigInt.asIntN(64, wrap(big(acc.q)) - mean) / BigInt(d));
  const type = bits === 8 ? "TINYINT" : bits === 16 ? "SMALLINT" : bits === 32 ? "INT" : undefined;
  if (!sqrt)
    return type === undefined ? Number(variance) : narrowed(Number(BigInt.asIntN(bits, variance)), type);
  const root = Math.sqrt(Number(variance));
  return Number.isNaN(root) ? 0 : Math.trunc(root);
}

/**
 * Over DECIMAL: the sum squared and rounded to the squares' scale, its quotient by the count,
 * the difference (of Flink's addition scale, max(square - 1, 6)) and its quotient each rounded
 * HALF_UP, then cast to the result's scale; NULL where a step needs more than 38 digits, as
 * Flink's DecimalData overflows to NULL. The deviation is the square root of the double, cast
 * back to the DECIMAL as Flink casts a DOUBLE.
 */
function decimalSpread(
  arith: Extract<Arithmetic, { kind: "decimal" }>,
  acc: SpreadAcc,
  n: number,
  d: number,
  sqrt: boolean,
): number | null {
  const s = big(acc.s);
  const q = big(acc.q);
  const squared = roundDown(s * s, 2 * arith.scale - arith.square);
  const mean = divideHalfUp(squared, BigInt(n));
  const diffScale = adjustedScale(39, arith.square);
  const diff = roundDown(q - mean, arith.square - diffScale);
  if (!fits(s) || !fits(q) || !fits(squared) || !fits(diff)) return null;
  const quotient = divideHalfUp(diff, BigInt(d));
  const variance = roundDown(quotient, diffScale - arith.scale);
  if (!fits(variance)) return null;
  const value = Number(`${variance}e-${arith.scale}`);
  if (!sqrt) return value;
  const root = Math.sqrt(Number(`${quotient}e-${diffScale}`));
  return Number.isNaN(root) ? null : castNumberToDecimal(root, 38, arith.scale);
}
