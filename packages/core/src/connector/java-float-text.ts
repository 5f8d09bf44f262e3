/**
 * A FLOAT (a double that Math.fround leaves unchanged) as Java's Float.toString writes it: the
 * fewest significant digits that read back as the same float, plain between 10^-3 and 10^7
 * (`3.1415927`, `100.0`) and in Java's scientific form outside (`1.0E10`, `1.4E-45`).
 *
 * As JDK 17's FloatingDecimal (Flink 1.20's JVM), a whole float below 2^63 prints its exact
 * integer, less the low digits its bits cannot tell apart (`1.23456792E8`, `4.9999999E10`: more
 * digits than the shortest); other values print the shortest digits that read back as the float.
 */
export function javaFloatText(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  const f = Math.fround(v);
  const whole = wholeDigits(f);
  if (whole !== undefined) return javaFormat(f < 0, whole.digits, whole.exponent);
  let shortest = f.toExponential(8);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = f.toExponential(digits - 1);
    if (Math.fround(Number(candidate)) === f) {
      shortest = candidate;
      break;
    }
  }
  const a = Math.abs(f);
  if (a >= 1e-3 && a < 1e7) {
    // At most 9 digits: String gives exactly these digits, in plain notation in this range.
    const s = String(Number(shortest));
    return s.includes(".") ? s : `${s}.0`;
  }
  const [mantissa, exponent] = shortest.split("e") as [string, string];
  const trimmed = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, ".0") : `${mantissa}.0`;
  return `${trimmed}E${Number(exponent)}`;
}

/**
 * Java's Float.toString layout of `digits` (no trailing zeros) × 10^(exponent - digits.length + 1):
 * plain from 10^-3 up to 10^7, else `d.dddE±n`.
 */
function javaFormat(negative: boolean, digits: string, exponent: number): string {
  const sign = negative ? "-" : "";
  if (exponent >= -3 && exponent < 7) {
    if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
    const int = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
    const frac = digits.slice(exponent + 1);
    return `${sign}${int}.${frac === "" ? "0" : frac}`;
  }
  return `${sign}${digits[0]}.${digits.length > 1 ? digits.slice(1) : "0"}E${exponent}`;
}

/** FloatingDecimal's insignificantDigitsNumber: decimal digits a power of two's excess bits cover. */
const INSIGNIFICANT = [
  0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 9, 10,
  10, 10, 11, 11, 11, 12, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15, 15, 16, 16, 16, 17, 17, 17, 18, 18,
  18, 19,
];

/**
 * The digits (trailing zeros removed) and decimal exponent JDK 17's FloatingDecimal.dtoa gives a
 * whole float of magnitude 1 to 2^63 (its "easy" long path), undefined for other values.
 */
function wholeDigits(f: number): { digits: string; exponent: number } | undefined {
  const a = Math.abs(f);
  if (a < 1 || a >= 2 ** 63 || !Number.isInteger(a)) return undefined;
  const binExp = binaryExponent(a);
  let value = BigInt(a);
  // floatToASCII passes a normal float's full 24 significand bits, whatever their trailing zeros.
  const significant = 24;
  const p2 = binExp - significant - 1;
  const insignificant =
    binExp > significant && p2 > 1 && p2 < INSIGNIFICANT.length ? (INSIGNIFICANT[p2] ?? 0) : 0;
  let exponent = 0;
  if (insignificant > 0) {
    const pow10 = 10n ** BigInt(insignificant);
    const residue = value % pow10;
    value /= pow10;
    if (residue >= pow10 / 2n) value++;
    exponent = insignificant;
  }
  const text = value.toString();
  const digits = text.replace(/0+$/, "");
  return { digits, exponent: exponent + text.length - 1 };
}

/** ⌊log2 a⌋ for a whole `a` from 1 to 2^63 (exact, where Math.log2 may round up near a power). */
function binaryExponent(a: number): number {
  return BigInt(a).toString(2).length - 1;
}
