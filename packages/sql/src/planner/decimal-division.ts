/**
 * `/` of DECIMALs as Flink 1.20's DecimalDataUtils.divide computes it, exactly, on the operands'
 * decimal text: SQL holds a DECIMAL as a double, whose value is taken to be its shortest text (the
 * decimal it was read from or rounded to), and the quotient is worked out with BigInt rather than
 * as the double quotient, whose binary rounding shows from the 16th digit on.
 */

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
