/**
 * SQL BIGINT values (Java longs, -2^63 .. 2^63-1) held exactly. A value whose magnitude is at most
 * Number.MAX_SAFE_INTEGER (2^53 - 1) is ALWAYS a JavaScript number, and only a value past it a
 * bigint (the canonical form): equal values are then `===`, print alike and make the same key
 * text, and the common case stays on numbers. The arithmetic wraps around on overflow as Java's
 * long arithmetic does (Flink's BIGINT `+`, `-`, `*` and SUM do: 9223372036854775807 + 1 is
 * -9223372036854775808).
 *
 * `<`, `>`, `<=`, `>=` compare a number with a bigint by value in JavaScript, so comparing two
 * longs needs no helper; `String(v)` is their text.
 */

/** A BIGINT value in the canonical form: a number when |v| <= 2^53 - 1, else a bigint. */
export type Long = number | bigint;

const SAFE = Number.MAX_SAFE_INTEGER;
const SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/** `b` wrapped to 64 bits (Java's long) in the canonical form: a number when it fits safely. */
export function longOf(b: bigint): Long {
  const w = BigInt.asIntN(64, b);
  return w <= SAFE_BIG && w >= -SAFE_BIG ? Number(w) : w;
}

/** Whether `v` is a long as Fleuve holds one: a safe integer number or a bigint past 2^53 - 1. */
export function isLong(v: unknown): v is Long {
  return typeof v === "bigint" ? v > SAFE_BIG || v < -SAFE_BIG : Number.isSafeInteger(v);
}

/** `a + b` as Java adds longs (wrapping around on overflow). */
export function longAdd(a: Long, b: Long): Long {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    // Exact whenever it is within the safe range (rounding cannot bring a larger sum into it).
    if (r <= SAFE && r >= -SAFE) return r;
  }
  return longOf(BigInt(a) + BigInt(b));
}

/** `a - b` as Java subtracts longs (wrapping around on overflow). */
export function longSub(a: Long, b: Long): Long {
  if (typeof a === "number" && typeof b === "number") {
    const r = a - b;
    if (r <= SAFE && r >= -SAFE) return r + 0; // not -0
  }
  return longOf(BigInt(a) - BigInt(b));
}

/** `a * b` as Java multiplies longs (the low 64 bits of the product). */
export function longMul(a: Long, b: Long): Long {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    if (r <= SAFE && r >= -SAFE) return r + 0; // not -0 (0 * -5)
  }
  return longOf(BigInt(a) * BigInt(b));
}

/**
 * `a / b` as Java divides longs: truncated toward zero, Long.MIN_VALUE / -1 wrapping to
 * Long.MIN_VALUE. Throws Java's ArithmeticException message "/ by zero" for a zero `b`.
 */
export function longDiv(a: Long, b: Long): Long {
  if (b === 0) throw new Error("/ by zero");
  if (typeof a === "number" && typeof b === "number") return Math.trunc(a / b) + 0;
  return longOf(BigInt(a) / BigInt(b));
}

/** `a % b` as Java's long remainder (the sign of `a`). Throws "/ by zero" for a zero `b`. */
export function longMod(a: Long, b: Long): Long {
  if (b === 0) throw new Error("/ by zero");
  if (typeof a === "number" && typeof b === "number") return (a % b) + 0;
  return longOf(BigInt(a) % BigInt(b));
}

/** `-a` as Java negates a long: -Long.MIN_VALUE is Long.MIN_VALUE. */
export function longNeg(a: Long): Long {
  return typeof a === "number" ? 0 - a : longOf(-a);
}

/** Java's Math.abs of a long: Math.abs(Long.MIN_VALUE) is Long.MIN_VALUE. */
export function longAbs(a: Long): Long {
  return typeof a === "number" ? Math.abs(a) : a < 0n ? longOf(-a) : a;
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`. */
export function longCompare(a: Long, b: Long): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The decimal text of `a` (Java's Long.toString). */
export function longToString(a: Long): string {
  return String(a);
}

/**
 * The long of decimal text `text`: an optional sign and digits only (callers check the shape and
 * trim); up to 15 digits read as a number, longer text as a bigint, wrapped to 64 bits. Throws a
 * SyntaxError for text that is no integer.
 */
export function longFromText(text: string): Long {
  const digits = text.charCodeAt(0) === 45 || text.charCodeAt(0) === 43 ? text.length - 1 : text.length;
  if (digits <= 15) {
    if (!/^[+-]?\d+$/.test(text)) throw new SyntaxError(`'${text}' is not an integer`);
    return Number(text) + 0;
  }
  return longOf(BigInt(text));
}

/** Long.MIN_VALUE and Long.MAX_VALUE as bigints. */
export const LONG_MIN = -(2n ** 63n);
export const LONG_MAX = 2n ** 63n - 1n;

/**
 * Whether decimal integer text `text` (an optional sign and digits) is within the range of long.
 * Up to 18 digits always is.
 */
export function textFitsLong(text: string): boolean {
  const digits = text.replace(/^[+-]?0*/, "");
  if (digits.length <= 18) return true;
  if (digits.length > 19) return false;
  const n = BigInt(text);
  return n >= LONG_MIN && n <= LONG_MAX;
}

// --- JSON text with exact longs ---

/** A string no JSON value holds in practice, marking a bigint's digits while JSON.stringify writes. */
const MARK = "\u0000\u0001long:";
const MARKED = /"\\u0000\\u0001long:(-?\d+)"/g;

/** JSON.stringify's replacer form of a bigint: a marked string {@link jsonWithLongs} unquotes. */
export function markLong(v: bigint): string {
  return `${MARK}${v}`;
}

/**
 * JSON.stringify of `value` in which a bigint (a BIGINT past 2^53) is written as its exact digits,
 * as Jackson writes a long: `{"id":1234567890123456789}`. `replacer` runs first, as JSON.stringify's
 * would. The plain JSON.stringify runs while no bigint is in the value (the common case).
 */
export function jsonWithLongs(
  value: unknown,
  replacer?: (this: unknown, key: string, value: unknown) => unknown,
): string | undefined {
  try {
    return JSON.stringify(value, replacer);
  } catch (e) {
    if (!(e instanceof TypeError) || !/BigInt/i.test(e.message)) throw e;
  }
  const text = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    const r = replacer === undefined ? v : replacer.call(this, key, v);
    return typeof r === "bigint" ? markLong(r) : r;
  });
  return text?.replace(MARKED, "$1");
}

/** An integer token of 16 or more digits outside JSON strings, which JSON.parse would round. */
const LONG_TOKEN = /"(?:[^"\\]|\\.)*"|(-?\d{16,})(?![.eE\d])/g;

/**
 * JSON.parse of `text` in which every integer token of 16 digits or more (any integer past 2^53)
 * is read exactly: the canonical long (a number when it fits safely, else a bigint) when it fits
 * a long, else the double JSON.parse gives. JSON.parse itself for text without such a digit run;
 * slower otherwise.
 */
export function parseJsonWithLongs(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  let any = false;
  const marked = text.replace(LONG_TOKEN, (m, digits: string | undefined) => {
    if (digits === undefined || !textFitsLong(digits)) return m;
    any = true;
    return `"\\u0000\\u0001long:${digits}"`;
  });
  if (!any) return JSON.parse(text);
  return JSON.parse(marked, (_k, v) =>
    typeof v === "string" && v.startsWith(MARK) ? longFromText(v.slice(MARK.length)) : v,
  );
}
