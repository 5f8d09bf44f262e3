/**
 * Casts between numbers (and BOOLEAN to numbers), as Flink 1.20's planner casts them (the cast
 * rules NumericPrimitiveCastRule, NumericPrimitiveToDecimalCastRule, DecimalToDecimalCastRule,
 * DecimalToNumericPrimitiveCastRule and BooleanToNumericCastRule, which call the runtime's
 * DecimalDataUtils). Every numeric type is held as a JavaScript number (see number-text.ts); a
 * DECIMAL's digits are those of the shortest text that reads back as its double (`1.005`, not
 * the 1.00499... the double holds), as a DECIMAL is made from decimal text.
 */
import { LONG_MAX as LONG_MAX_BIG, LONG_MIN as LONG_MIN_BIG, type Long, longOf } from "@fleuve/core";
import { type IntegerTypeName, roundedDecimalText } from "./number-text.js";

/** How a numeric source type casts: Java's primitives, DecimalData, or Flink's BOOLEAN rule. */
export type NumericSourceKind = "integer" | "decimal" | "floating" | "boolean";

/** The kind of a source type's name, undefined for a type that is not numeric nor BOOLEAN. */
export function numericSourceKind(typeName: string | undefined): NumericSourceKind | undefined {
  switch (typeName) {
    case "TINYINT":
    case "SMALLINT":
    case "INT":
    case "INTEGER":
    case "BIGINT":
      return "integer";
    case "DECIMAL":
      return "decimal";
    case "FLOAT":
    case "DOUBLE":
      return "floating";
    case "BOOLEAN":
      return "boolean";
    default:
      return undefined;
  }
}

/**
 * `n` (an integer-valued number) narrowed to `type` as Java narrows a long: the low 8, 16 or 32
 * bits as a two's complement (`300` as TINYINT is 44). JavaScript's shifts take the low 32 bits
 * of the exact value, so this holds for any integer-valued double.
 */
export function narrowed(n: number, type: IntegerTypeName): number {
  switch (type) {
    case "TINYINT":
      return (n << 24) >> 24;
    case "SMALLINT":
      return (n << 16) >> 16;
    case "INT":
      return n | 0;
    case "BIGINT":
      return n + 0; // not -0
  }
}

const LONG_MIN = -(2 ** 63);
/** 2^63, the first double past Long.MAX_VALUE. */
const LONG_MAX = 2 ** 63;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/**
 * The integer part of the DECIMAL `v` (rounded down, as DecimalDataUtils.castToIntegral sets the
 * scale to 0 with RoundingMode.DOWN) as a BigInt, read from its digits when the double is past
 * 2^53 (`1e25` is 10^25, not the 10000000000000000905969664 the double holds).
 */
function decimalIntegerPart(v: number): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(String(v));
  if (m === null) return BigInt(Math.trunc(v));
  const digits = `${m[2]}${m[3] ?? ""}`;
  const shift = Number(m[4]) - (m[3] ?? "").length;
  if (shift < 0) return BigInt(Math.trunc(v)); // below 2^53 in magnitude: exact as a double
  const n = BigInt(digits) * 10n ** BigInt(shift);
  return m[1] === "-" ? -n : n;
}

/**
 * The number `v` of kind `from` cast to the integer type `to`, as Flink casts it:
 * - an integer type: Java's narrowing (`CAST(300 AS TINYINT)` is 44, `CAST(-129 AS TINYINT)` 127);
 * - FLOAT or DOUBLE: Java's `(long)` or `(int)` cast, then narrowing for TINYINT and SMALLINT:
 *   the fraction dropped toward zero, NaN is 0, a value past the range of long (BIGINT) or int
 *   (INT, SMALLINT, TINYINT) is that range's end (`CAST(1e10 AS INT)` is 2147483647,
 *   `CAST(1e10 AS SMALLINT)` is -1, the low 16 bits of 2147483647);
 * - DECIMAL: DecimalDataUtils.castToIntegral, the fraction dropped toward zero then the low 64 bits
 *   as a long (Java's BigInteger.longValue), then narrowing;
 * - BOOLEAN: 1 or 0.
 */
export function castNumberToInteger(
  v: number | bigint | boolean,
  from: NumericSourceKind,
  to: IntegerTypeName,
): Long {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") {
    // A BIGINT past 2^53: kept, or its low 32 bits narrowed further.
    return to === "BIGINT" ? v : narrowed(Number(BigInt.asIntN(32, v)), to);
  }
  switch (from) {
    case "integer":
      return narrowed(v, to);
    case "decimal": {
      if (Math.abs(v) < 2 ** 53) return narrowed(Math.trunc(v), to);
      const long = BigInt.asIntN(64, decimalIntegerPart(v));
      return to === "BIGINT" ? longOf(long) : narrowed(Number(BigInt.asIntN(32, long)), to);
    }
    default: {
      if (Number.isNaN(v)) return 0;
      const whole = Math.trunc(v);
      if (to === "BIGINT") {
        // Java's (long) of a double: exact below 2^63, Long.MIN_VALUE / MAX_VALUE past it.
        if (Math.abs(whole) <= Number.MAX_SAFE_INTEGER) return whole + 0;
        return whole >= LONG_MAX ? LONG_MAX_BIG : whole <= LONG_MIN ? LONG_MIN_BIG : longOf(BigInt(whole));
      }
      return narrowed(Math.max(INT_MIN, Math.min(INT_MAX, whole)), to);
    }
  }
}

/**
 * The number `v` of kind `from` cast to DECIMAL(precision, scale), as Flink casts it: through
 * `BigDecimal.valueOf` of the long or double (the shortest text of a double: `CAST(1.005e0 AS
 * DECIMAL(5, 2))` is 1.01), or the DECIMAL's own digits, rounded HALF_UP to `scale` digits
 * (DecimalData.fromBigDecimal); null when it then needs more than `precision` digits, as
 * fromBigDecimal gives null and the cast keeps it. A BOOLEAN is 1 or 0. NaN and the infinities
 * throw, as BigDecimal.valueOf does (CAST fails, TRY_CAST gives NULL).
 */
export function castNumberToDecimal(
  v: number | bigint | boolean,
  precision: number,
  scale: number,
): number | null {
  if (typeof v === "bigint") {
    // A BIGINT past 2^53, from its exact digits (held as a double, as every DECIMAL is).
    const rounded = roundedDecimalText(String(v), precision, scale);
    return typeof rounded === "number" ? rounded : null;
  }
  const n = typeof v === "boolean" ? (v ? 1 : 0) : v;
  if (!Number.isFinite(n)) {
    throw new Error(`cannot cast ${n} to DECIMAL(${precision}, ${scale}): a DECIMAL is a finite number`);
  }
  const rounded = roundedDecimalText(String(n), precision, scale);
  // String(n) is always decimal text: "not a number" cannot happen.
  return typeof rounded === "number" ? rounded : null;
}
