/**
 * `/` of DECIMALs as Flink 1.20's DecimalDataUtils.divide computes it, exactly, on the operands'
 * decimal text: SQL holds a DECIMAL as a double, whose value is taken to be its shortest text (the
 * decimal it was read from or rounded to), and the quotient is worked out with BigInt rather than
 * as the double quotient, whose binary rounding shows from the 16th digit on.
 */

import type { DataType } from "../parser/ast.js";

/** The unscaled integer and scale of `v`'s shortest text: 1.25 is [125n, 2], 1e21 is [1n, -21]. */
function decimalParts(v: number): [bigint, number] {
  const [mantissa, exponent] = v.toExponential().split("e") as [string, string];
  const digits = mantissa.replace(/[-.]/g, "");
  return [BigInt(v < 0 ? `-${digits}` : digits), digits.length - 1 - Number(exponent)];
}

/** `n` (non-negative) divided by 10^`k`, rounded HALF_UP. */
function dropDigitsHalfUp(n: bigint, k: number): bigint {
  if (k <= 0) return n * 10n ** BigInt(-k);
  const unit = 10n ** BigInt(k);
  const q = n / unit;
  return (n % unit) * 2n >= unit ? q + 1n : q;
}

/**
 * `x / y` as a DECIMAL(precision, scale), as Flink divides DecimalData: the quotient rounded
 * HALF_UP to 38 significant digits (BigDecimal.divide with MathContext(38, HALF_UP)), then HALF_UP
 * to `scale` digits, NULL when it then needs more than `precision` digits
 * (DecimalData.fromBigDecimal). The result is the double nearest that decimal, so it prints as
 * Flink does whenever the decimal has at most 15 significant digits. Dividing by zero throws, as
 * BigDecimal.divide's ArithmeticException fails Flink's job.
 */
export function decimalQuotient(x: number, y: number, precision: number, scale: number): number | null {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return x / y;
  if (y === 0) throw new Error(`division by zero: ${x} / ${y} of DECIMAL values`);
  if (x === 0) return 0;
  const [ux, sx] = decimalParts(x);
  const [uy, sy] = decimalParts(y);
  const a = ux < 0n ? -ux : ux;
  const b = uy < 0n ? -uy : uy;
  // |x / y| = a / b * 10^(sy - sx), within a factor of ten of 10^k.
  const k = a.toString().length - b.toString().length + sy - sx;
  // Scaled by 10^t the truncated quotient has 39 digits or more; the shift of `a` is positive
  // since a double's digits are at most 17.
  const t = 39 - k;
  const truncated = (a * 10n ** BigInt(t + sy - sx)) / b;
  // HALF_UP to 38 digits needs only the first digit dropped: the rest and the remainder are less than one of it.
  const dropped = truncated.toString().length - 38;
  const unit = 10n ** BigInt(dropped - 1);
  const first = (truncated / unit) % 10n;
  const rounded38 = truncated / (unit * 10n) + (first >= 5n ? 1n : 0n);
  // rounded38 * 10^(dropped - t) at `scale`.
  const unscaled = dropDigitsHalfUp(rounded38, t - dropped - scale);
  if (unscaled >= 10n ** BigInt(precision)) return null;
  if (unscaled === 0n) return 0;
  const negative = ux < 0n !== uy < 0n;
  return Number(`${negative ? "-" : ""}${unscaled}e-${scale}`);
}

/**
 * `x % y` (MOD) of DECIMALs as Flink 1.20's DecimalDataUtils.mod computes it (BigDecimal's
 * remainder): exactly, on the operands' decimal text, with the sign of `x` (MOD(0.3, 0.1) is 0.0,
 * where the doubles give 0.09999999999999998; MOD(-7.5, 2) is -1.5). The remainder has no more
 * digits than either operand, so it fits Flink's result type (see decimalModuloType). Dividing by
 * zero throws, as BigDecimal's ArithmeticException ("Division by zero") fails Flink's job.
 */
export function decimalRemainder(x: number, y: number): number {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return x % y;
  if (y === 0) throw new Error(`division by zero: ${x} % ${y} of DECIMAL values`);
  if (x === 0) return 0;
  const [ux, sx] = decimalParts(x);
  const [uy, sy] = decimalParts(y);
  const s = Math.max(sx, sy);
  const r = (ux * 10n ** BigInt(s - sx)) % (uy * 10n ** BigInt(s - sy));
  return r === 0n ? 0 : Number(`${r}e${-s}`);
}

/**
 * The type of `a % b` and MOD(a, b) when one operand is a DECIMAL and the other exact (an integer
 * counts as DECIMAL(3, 0), (5, 0), (10, 0), (19, 0)): Flink 1.20's
 * LogicalTypeMerging.findModuloDecimalType, the larger scale and the fewer whole digits,
 * DECIMAL(min(p1 - s1, p2 - s2) + max(s1, s2), max(s1, s2)) (MOD of DECIMAL(23, 3) and
 * DECIMAL(5, 1) is a DECIMAL(7, 3)); as [precision, scale].
 */
export function decimalModuloType(
  x: readonly [number, number],
  y: readonly [number, number],
): [number, number] {
  const scale = Math.max(x[1], y[1]);
  const precision = Math.min(x[0] - x[1], y[0] - y[1]) + scale;
  // adjustPrecisionScale: the whole digits are kept past 38, the scale cut (to no less than 6).
  return precision <= 38 ? [precision, scale] : [38, Math.max(38 - (precision - scale), Math.min(scale, 6))];
}

/** Precision and scale of an exact numeric type (integers as DECIMAL(p, 0)), or undefined. */
export function exactOf(t: DataType | undefined): [number, number] | undefined {
  if (t?.kind !== "atomic") return undefined;
  const ints: Record<string, number> = { TINYINT: 3, SMALLINT: 5, INT: 10, INTEGER: 10, BIGINT: 19 };
  if (t.name in ints) return [ints[t.name] as number, 0];
  if (t.name === "DECIMAL") return [t.args[0] ?? 10, t.args[1] ?? 0];
  return undefined;
}
