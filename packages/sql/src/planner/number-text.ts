/**
 * Character strings read as numbers, as Flink 1.20's `CAST` reads them (the planner's cast rules
 * StringToNumericPrimitiveCastRule and StringToDecimalCastRule, which call the runtime's
 * BinaryStringDataUtil). Text that does not read throws: `CAST` fails the job on it, `TRY_CAST`
 * gives NULL. Values are held as elsewhere in Fleuve SQL: every numeric type as a JavaScript
 * number (a BIGINT past 2^53 a bigint, see @fleuve/core's long.ts; a FLOAT is a double that Math.fround leaves unchanged).
 */

import { bigDecimalText, type Long, longOf } from "@fleuve/core";

/** The integer types a string casts to. */
export type IntegerTypeName = "TINYINT" | "SMALLINT" | "INT" | "BIGINT";

/** Each integer type's range, as Java's byte, short, int and long. */
const INTEGER_RANGES: Readonly<Record<IntegerTypeName, readonly [bigint, bigint]>> = {
  TINYINT: [-128n, 127n],
  SMALLINT: [-32768n, 32767n],
  INT: [-(2n ** 31n), 2n ** 31n - 1n],
  BIGINT: [-(2n ** 63n), 2n ** 63n - 1n],
};

/**
 * `text` as an integer of type `type`, as Flink's CAST reads it: the spaces at either end removed
 * (BinaryStringData.trim removes U+0020 only, so a tab is refused), then toByte / toShort / toInt
 * / toLong: an optional sign, digits, and an optional `.` with digits that are dropped (`'7.9'` is
 * 7, `'-7.9'` is -7, `'.5'` and `'5.'` read too). No exponent, hex or inner space; a value outside
 * the type's range is refused, as those methods throw "Overflow." rather than wrap.
 */
export function integerFromText(text: string, type: IntegerTypeName): Long {
  const trimmed = text.replace(/^ +| +$/g, "");
  const m = /^([+-]?)(\d*)(?:\.\d*)?$/.exec(trimmed);
  if (m === null || trimmed === "" || trimmed === m[1]) {
    throw new Error(
      `cannot cast '${text}' to ${type}: Flink reads an optional sign, digits and a fraction it drops (no exponent, no hex)`,
    );
  }
  const negative = m[1] === "-";
  const digits = (m[2] ?? "").replace(/^0+/, "");
  // Up to 15 digits are exact as a double; longer ones are compared as BigInt (and may be leading
  // zeros only, already removed).
  const [min, max] = INTEGER_RANGES[type];
  if (digits.length <= 15) {
    const n = negative ? -Number(digits || "0") : Number(digits || "0");
    if (n < Number(min) || n > Number(max)) throw outOfRange(text, type, min, max);
    return n || 0; // not -0
  }
  const n = BigInt(negative ? `-${digits}` : digits);
  if (n < min || n > max) throw outOfRange(text, type, min, max);
  // A BIGINT past 2^53 is a bigint (see @fleuve/core's long.ts).
  return longOf(n);
}

function outOfRange(text: string, type: string, min: bigint, max: bigint): Error {
  return new Error(`cannot cast '${text}' to ${type}: out of its range (${min} to ${max})`);
}

/** Java's String.trim (which Double.parseDouble applies): drops characters up to U+0020 at both ends. */
export function javaTrim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) <= 0x20) b--;
  return s.slice(a, b);
}

/**
 * `text` as DOUBLE or FLOAT, as Flink's CAST reads it: the spaces at either end removed, then
 * Java's Double.parseDouble / Float.parseFloat, which remove the other control characters at
 * either end too and read an optional sign and `NaN`, `Infinity`, a decimal number with an
 * optional exponent (`1e3`, `.5`, `5.`) or a hexadecimal one with a binary exponent (`0x1.8p1`),
 * the last two with an optional `f`, `F`, `d` or `D` suffix. FLOAT is rounded to 32 bits (past
 * FLOAT's range Infinity, below its smallest 0), as Float.parseFloat gives it.
 */
export function floatingFromText(text: string, type: "FLOAT" | "DOUBLE"): number {
  const trimmed = javaTrim(text);
  const value = javaDouble(trimmed);
  if (value === undefined) {
    throw new Error(
      `cannot cast '${text}' to ${type}: not a number as Java's ${type === "FLOAT" ? "Float.parseFloat" : "Double.parseDouble"} reads it`,
    );
  }
  // Math.fround rounds to the nearest 32-bit float, as Float.parseFloat does from the text (by
  // way of the nearest double, which differs from it only on rare ties).
  return type === "FLOAT" ? Math.fround(value) : value;
}

/** The value of `s` (trimmed) as Java's Double.parseDouble reads it, undefined if it refuses it. */
function javaDouble(s: string): number | undefined {
  const dec = /^([+-]?)(?:(NaN)|(Infinity)|((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[fFdD]?)$/.exec(s);
  if (dec !== null) {
    const negative = dec[1] === "-";
    if (dec[2] !== undefined) return Number.NaN;
    if (dec[3] !== undefined) return negative ? -Infinity : Infinity;
    const n = Number(dec[4]); // correctly rounded, as Java's FloatingDecimal is
    return negative ? -n : n;
  }
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)[fFdD]?$/.exec(s);
  if (hex === null) return undefined;
  const whole = hex[2] ?? "";
  const frac = hex[3] ?? "";
  if (whole === "" && frac === "") return undefined;
  const mantissa = BigInt(`0x${whole}${frac}`);
  if (mantissa === 0n) return hex[1] === "-" ? -0 : 0;
  // Past these bounds the result is 0 or Infinity whatever the mantissa: clamp huge exponents.
  const bound = 1100 + 4 * (whole.length + frac.length);
  let exponent = Math.max(-bound, Math.min(bound, Number(hex[4]))) - 4 * frac.length;
  // Scale in steps a double can hold. A mantissa past 53 bits is rounded twice (rare text).
  let n = Number(mantissa);
  while (exponent !== 0) {
    const step = Math.max(-1000, Math.min(1000, exponent));
    n *= 2 ** step;
    exponent -= step;
  }
  return hex[1] === "-" ? -n : n;
}

/** Java's int range, past which BigDecimal refuses an exponent ("Exponent overflow"). */
const JAVA_INT_MAX = 2 ** 31 - 1;

/**
 * `text` as DECIMAL(precision, scale), as Flink's CAST reads it (BinaryStringDataUtil.toDecimal,
 * then DecimalData.fromBigDecimal): spaces, tabs and newlines at either end removed, read as
 * `new BigDecimal(text)` reads it (an optional sign, digits with at most one point, an optional
 * exponent that moves the point in the text), rounded HALF_UP to `scale` digits from the text
 * (`'1.005'` is 1.01 at scale 2: a double would hold 1.00499...), and refused when it then needs
 * more than `precision` digits: since Flink 1.15 toDecimal throws ("Overflow.") where
 * fromBigDecimal gives null, so CAST fails and TRY_CAST gives NULL.
 */
export function decimalFromText(text: string, precision: number, scale: number): number {
  const value = roundedDecimalText(text.replace(/^[ \n\t]+|[ \n\t]+$/g, ""), precision, scale);
  if (value === "not a number")
    throw new Error(`cannot cast '${text}' to DECIMAL(${precision}, ${scale}): not a decimal number`);
  if (value === undefined) {
    throw new Error(
      `cannot cast '${text}' to DECIMAL(${precision}, ${scale}): more than ${precision - scale} digits before the point`,
    );
  }
  return value;
}

/**
 * The decimal number `text` (as `new BigDecimal(text)` reads it: an optional sign, digits with at
 * most one point, an optional exponent) rounded HALF_UP to `scale` digits from its text, as
 * DecimalData.fromBigDecimal rounds it; undefined when it then needs more than `precision`
 * digits (fromBigDecimal's null), "not a number" when BigDecimal refuses the text.
 */
export function roundedDecimalText(
  text: string,
  precision: number,
  scale: number,
): number | undefined | "not a number" {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  const exponent = m?.[4] === undefined ? 0 : Number(m[4]);
  if (m === null || ((m[2] ?? "") === "" && (m[3] ?? "") === "") || Math.abs(exponent) > JAVA_INT_MAX) {
    return "not a number";
  }
  let intPart = m[2] ?? "";
  let fracPart = m[3] ?? "";
  if (exponent !== 0) {
    // Move the point by the exponent within the digit text. An exponent far beyond any
    // precision only decides between too many whole digits and zero.
    const all = `${intPart}${fracPart}`;
    const point = intPart.length + Math.max(-1000, Math.min(1000, exponent));
    if (point >= all.length) {
      intPart = all.padEnd(point, "0");
      fracPart = "";
    } else if (point <= 0) {
      intPart = "";
      fracPart = `${"0".repeat(-point)}${all}`;
    } else {
      intPart = all.slice(0, point);
      fracPart = all.slice(point);
    }
    if (intPart.replace(/^0+/, "").length > 38) return undefined;
  }
  const negative = m[1] === "-";
  const frac = fracPart.padEnd(scale + 1, "0");
  // All kept digits as one integer text, then the next digit decides HALF_UP.
  let digits = `${intPart}${frac.slice(0, scale)}`.replace(/^0+/, "") || "0";
  if ((frac[scale] ?? "0") >= "5") digits = addOne(digits);
  const whole = digits.length > scale ? digits.length - scale : 0;
  if (whole > precision - scale) return undefined;
  const padded = digits.padStart(scale + 1, "0");
  const value = Number(`${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`);
  return negative && value !== 0 ? -value : value;
}

/** `digits` (a non-negative integer text) plus one. */
function addOne(digits: string): string {
  const out = digits.split("");
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== "9") {
      out[i] = String(Number(out[i]) + 1);
      return out.join("");
    }
    out[i] = "0";
  }
  return `1${out.join("")}`;
}

/** Java's Double.toString (`1.0`, `0.998`, `1.0E20`), as core's csv format writes DOUBLEs. */
export { javaDoubleText, javaFloatText } from "@fleuve/core";

/**
 * A DECIMAL value of scale `scale` as Java's `BigDecimal.toString` writes it, which is what
 * Flink's print connector shows: all the digits of the scale (`1.50`), but in scientific notation
 * when the exponent of the first digit is below -6 (`0E-13` for a zero of scale 13, `7.8E-7` for
 * 0.00000078 of scale 8). The digits are those of the double's shortest text, never its binary
 * expansion (see plainDecimalText).
 */
export function javaDecimalText(v: number, scale: number): string {
  return bigDecimalText(v, scale, true);
}

/** `x` times 10^`d`, exactly on its decimal text (no binary rounding of the shift). */
export function shiftedText(x: number, d: number): number {
  const [mantissa, exponent] = String(x).split("e");
  return Number(`${mantissa}e${Number(exponent ?? 0) + d}`);
}

/**
 * The DECIMAL of scale `s` nearest to `x`. A sum, difference or product of DECIMALs of scale `s`
 * or less is one exactly, but the double arithmetic leaves its rounding behind (1.43 + 8.87 is
 * 10.299999999999999, 0.23 - 0.15 is 0.08000000000000002), which Flink's exact DecimalData never
 * shows. Past 2^53 unscaled the double holds no more digits than it has: left as it is.
 */
export function onDecimalScale(x: number, s: number): number {
  // Up to 10^22 the power of ten is exact, so the multiply, round and divide give the nearest
  // double (no text on the hot path, e.g. q1's 0.908 * price); beyond, shift on the text.
  const unscaled = Math.round(s <= 22 ? x * 10 ** s : shiftedText(x, s));
  if (!Number.isSafeInteger(unscaled)) return x;
  if (unscaled === 0) return 0;
  return s <= 22 ? unscaled / 10 ** s : Number(`${unscaled}e-${s}`);
}
