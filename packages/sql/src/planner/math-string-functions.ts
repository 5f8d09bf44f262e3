/**
 * Flink's trigonometric, logarithm, radix, Base64 and character-class scalar functions: PI, LOG,
 * LOG2, SIN, COS, TAN, ASIN, ACOS, ATAN, ATAN2, DEGREES, RADIANS, BIN, HEX, TO_BASE64,
 * FROM_BASE64, INSTR, IS_DIGIT, IS_ALPHA, IS_DECIMAL, and TO_DATE (to-date.ts). They join {@link SCALAR_FUNCTIONS}.
 */

import { atomic } from "./data-types.js";
import { javaTrim } from "./number-text.js";
import type { ScalarFunction } from "./scalar-functions.js";
import { toDate } from "./to-date.js";

const STRING = atomic("STRING");
const DOUBLE = atomic("DOUBLE");
const INT = atomic("INT");
const BOOLEAN = atomic("BOOLEAN");

const num = (v: unknown) => Number(v);
const str = (v: unknown) => String(v);

// Java's Math.toDegrees / Math.toRadians factors, so the results equal Flink's to the last bit.
const RADIANS_TO_DEGREES = 57.29577951308232;
const DEGREES_TO_RADIANS = 0.017453292519943295;

/** A one-argument DOUBLE function of a number. */
const unary = (f: (x: number) => number): ScalarFunction => ({
  minArgs: 1,
  maxArgs: 1,
  fn: ([x]) => f(num(x)),
  type: DOUBLE,
});

/** A number's 64-bit two's complement digits in `radix`, as Java's Long.toBinaryString / toHexString. */
function unsignedLong(v: unknown, radix: number): string {
  return BigInt.asUintN(64, BigInt(Math.trunc(num(v)))).toString(radix);
}

/** HEX: an integer as Long.toHexString, a string as the hex of its UTF-8 bytes; upper case as Flink. */
function hex(v: unknown): string {
  return (typeof v === "string" ? Buffer.from(v, "utf8").toString("hex") : unsignedLong(v, 16)).toUpperCase();
}

/** FROM_BASE64: java.util.Base64's basic decoder, which refuses text outside the alphabet. */
function fromBase64(text: string): string {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/.test(text))
    throw new Error(`FROM_BASE64: '${text}' is not Base64 text`);
  return Buffer.from(text, "base64").toString("utf8");
}

/** INSTR: the 1-based character position of the first `sub` in `s`, 0 when there is none. */
function instr(s: string, sub: string): number {
  const at = s.indexOf(sub);
  return at < 0 ? 0 : [...s.slice(0, at)].length + 1;
}

// Java's Integer.parseInt / Long.parseLong and Double.parseDouble syntax (IS_DECIMAL tries them).
const JAVA_INTEGER = /^[+-]?\d+$/;
const JAVA_DOUBLE =
  /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+[fFdD]?)$/;

/**
 * IS_DIGIT, IS_ALPHA, IS_DECIMAL: false for NULL and for the empty string (not NULL), as Flink's
 * SqlFunctionUtils; IS_DIGIT and IS_ALPHA test every character (Unicode digits, letters) as
 * commons-lang's StringUtils.isNumeric / isAlpha.
 */
const classTest = (test: (s: string) => boolean, numbers: ReadonlySet<string>): ScalarFunction => ({
  minArgs: 1,
  maxArgs: 1,
  nullIn: false,
  fn: ([s]) => typeof s === "string" && s !== "" && test(s),
  type: BOOLEAN,
  // A number is tested by its type, as Flink's SqlFunctionUtils.isDigit / isDecimal(Object) do
  // (Flink 1.20: IS_DIGIT(123) and IS_DIGIT(-1) TRUE, IS_DIGIT(1.5) FALSE, IS_DECIMAL of a BIGINT
  // or DOUBLE TRUE, of a DECIMAL FALSE, IS_ALPHA(12) FALSE): TRUE for the types of `numbers`.
  atSite: () => {
    let isNumberTrue = false;
    return {
      fn: ([s]) => (typeof s === "number" ? isNumberTrue : typeof s === "string" && s !== "" && test(s)),
      type: (ts) => {
        const t = ts[0];
        isNumberTrue = t?.kind === "atomic" && numbers.has(t.name);
        return BOOLEAN;
      },
    };
  },
});
const INTEGERS: ReadonlySet<string> = new Set(["TINYINT", "SMALLINT", "INT", "BIGINT"]);

/** The functions of this module by upper-case name, for {@link SCALAR_FUNCTIONS}. */
export const MATH_STRING_FUNCTIONS: ReadonlyArray<readonly [string, ScalarFunction]> = [
  ["PI", { minArgs: 0, maxArgs: 0, fn: () => Math.PI, type: DOUBLE }],
  ["LOG2", unary((x) => Math.log(x) / Math.log(2))],
  [
    "LOG",
    {
      minArgs: 1,
      maxArgs: 2,
      // LOG(x) is the natural logarithm; LOG(b, x) the logarithm of x to base b.
      fn: ([a, b]) => (b === undefined ? Math.log(num(a)) : Math.log(num(b)) / Math.log(num(a))),
      type: DOUBLE,
    },
  ],
  ["SIN", unary(Math.sin)],
  ["COS", unary(Math.cos)],
  ["TAN", unary(Math.tan)],
  ["ASIN", unary(Math.asin)],
  ["ACOS", unary(Math.acos)],
  ["ATAN", unary(Math.atan)],
  ["ATAN2", { minArgs: 2, maxArgs: 2, fn: ([y, x]) => Math.atan2(num(y), num(x)), type: DOUBLE }],
  ["DEGREES", unary((x) => x * RADIANS_TO_DEGREES)],
  ["RADIANS", unary((x) => x * DEGREES_TO_RADIANS)],
  ["BIN", { minArgs: 1, maxArgs: 1, fn: ([n]) => unsignedLong(n, 2), type: STRING }],
  ["HEX", { minArgs: 1, maxArgs: 1, fn: ([x]) => hex(x), type: STRING }],
  [
    "TO_BASE64",
    {
      minArgs: 1,
      maxArgs: 1,
      // BYTES are encoded as they are (not their text, which is Java's `[72, 101]`), a string as UTF-8.
      fn: ([s]) =>
        (s instanceof Uint8Array ? Buffer.from(s) : Buffer.from(str(s), "utf8")).toString("base64"),
      type: STRING,
    },
  ],
  ["FROM_BASE64", { minArgs: 1, maxArgs: 1, fn: ([s]) => fromBase64(str(s)), type: STRING }],
  ["INSTR", { minArgs: 2, maxArgs: 2, fn: ([s, sub]) => instr(str(s), str(sub)), type: INT }],
  ["IS_DIGIT", classTest((s) => /^\p{Nd}+$/u.test(s), INTEGERS)],
  ["IS_ALPHA", classTest((s) => /^\p{L}+$/u.test(s), new Set())],
  ["TO_DATE", toDate],
  [
    "IS_DECIMAL",
    classTest(
      (s) => JAVA_INTEGER.test(s) || JAVA_DOUBLE.test(javaTrim(s)),
      new Set([...INTEGERS, "FLOAT", "DOUBLE"]),
    ),
  ],
];
