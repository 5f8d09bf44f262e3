/**
 * The argument types Flink 1.20 takes for the built-in string functions, in one table: which
 * operand families each form takes (Calcite's OperandTypes, checked without implicit coercion, as
 * Flink's validator does), and the error it gives for any other types. Each entry was probed on
 * bench/flink (DESCRIBE of a view over each function with each argument replaced by BIGINT, INT,
 * DECIMAL, DOUBLE, BOOLEAN, DATE, BYTES and CHAR, or an integer argument by TINYINT, BIGINT,
 * DECIMAL, DOUBLE, STRING, BOOLEAN): UPPER(id) of a BIGINT id is refused, as is CONCAT('a', 1);
 * an integer argument takes any integer type (SUBSTRING(s, CAST(1 AS BIGINT))), not a DECIMAL;
 * MD5, SHA*, TO_BASE64, FROM_BASE64 and OVERLAY take BYTES too; IS_DIGIT, IS_ALPHA and IS_DECIMAL
 * take numbers; SPLIT_INDEX's separator may be a character code. CONVERT_TZ's three arguments are
 * character strings (its own check, "argument 1 must be a string", moved here for Flink's message).
 * URL_ENCODE and URL_DECODE are not here: Flink 1.20 has neither ("No match found for function
 * signature URL_ENCODE(<CHARACTER>)" for a STRING too), so they keep their own checks.
 */

import type { DataType, SourcePos } from "../parser/ast.js";
import { calciteTypeText, flinkTypeText } from "./flink-type-text.js";
import { invalid, unsupported } from "./problems.js";

/**
 * Calcite's type families: C a character string (CHAR, VARCHAR, STRING), B a binary one (BINARY,
 * VARBINARY, BYTES), S either (Calcite's STRING), I an integer, N any number.
 */
type Family = "C" | "B" | "S" | "I" | "N";

const FAMILY_NAMES: Readonly<Record<Family, string>> = {
  C: "CHARACTER",
  B: "BINARY",
  S: "STRING",
  I: "INTEGER",
  N: "NUMERIC",
};

const MEMBERS: Readonly<Record<Family, ReadonlySet<string>>> = {
  C: new Set(["CHAR", "VARCHAR", "STRING"]),
  B: new Set(["BINARY", "VARBINARY", "BYTES"]),
  S: new Set(["CHAR", "VARCHAR", "STRING", "BINARY", "VARBINARY", "BYTES"]),
  I: new Set(["TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT"]),
  N: new Set(["TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT", "DECIMAL", "FLOAT", "DOUBLE"]),
};

/** Whether `t` is of family `f` (a type of no known kind is: it is not checked). */
function inFamily(t: DataType | undefined, f: Family): boolean {
  return t === undefined || (t.kind === "atomic" && MEMBERS[f].has(t.name));
}

/** A function's accepted forms, as Flink 1.20 validates them. */
interface Signature {
  /** Each accepted form: the families of its arguments, by position (a string of letters). */
  readonly forms: readonly string[];
  /** Any number of arguments of this family (CONCAT, CONCAT_WS), instead of `forms`. */
  readonly variadic?: Family;
  /** Flink's "Supported form(s)" text, where it is not the forms written out. */
  readonly shown?: string;
  /** How Flink writes the refused call, where it is not `NAME(<T1>, <T2>)`. */
  readonly call?: (types: readonly string[]) => string;
  /** A character and a binary string together are refused (POSITION, OVERLAY, ||). */
  readonly sameFamily?: "POSITION" | "OVERLAY";
  /** Flink's new type inference (SPLIT): "Invalid function call" with the types as DESCRIBE writes them. */
  readonly newInference?: true;
}

const one = (forms: string): Signature => ({ forms: [forms] });

/** The string functions' signatures by name. */
const SIGNATURES: Readonly<Record<string, Signature>> = {
  UPPER: one("C"),
  LOWER: one("C"),
  INITCAP: one("C"),
  CHAR_LENGTH: one("C"),
  CHARACTER_LENGTH: one("C"),
  ASCII: one("C"),
  REVERSE: one("C"),
  LTRIM: { forms: ["C", "CC"] },
  RTRIM: { forms: ["C", "CC"] },
  SUBSTRING: { forms: ["CI", "CII"] },
  SUBSTR: { forms: ["CI", "CII"] },
  REPLACE: one("CCC"),
  REGEXP_REPLACE: one("CCC"),
  CONCAT: { forms: [], variadic: "C" },
  CONCAT_WS: { forms: [], variadic: "C" },
  LPAD: one("CIC"),
  RPAD: one("CIC"),
  CHR: one("I"),
  // HEX of BYTES is refused by Flink too (its forms name no binary string).
  HEX: { forms: ["I", "C"] },
  REGEXP_EXTRACT: { forms: ["CCI", "CC"] },
  SPLIT_INDEX: { forms: ["CII", "CCI"] },
  REGEXP: one("CC"),
  STR_TO_MAP: { forms: ["C", "CCC"] },
  MD5: one("S"),
  SHA1: one("S"),
  SHA224: one("S"),
  SHA256: one("S"),
  SHA384: one("S"),
  SHA512: one("S"),
  SHA2: { forms: ["SN"], shown: "'SHA2(DATA, HASH_LENGTH)'" },
  TO_BASE64: one("S"),
  FROM_BASE64: one("S"),
  INSTR: { forms: ["CC", "CCI", "CCII"] },
  IS_DIGIT: { forms: ["C", "N"] },
  IS_ALPHA: { forms: ["C", "N"] },
  IS_DECIMAL: { forms: ["C", "N"] },
  LEFT: one("CI"),
  RIGHT: one("CI"),
  PARSE_URL: { forms: ["CC", "CCC"] },
  LOCATE: { forms: ["CC", "CCI"] },
  REPEAT: one("CI"),
  ENCODE: one("CC"),
  DECODE: one("BC"),
  SPLIT: { forms: ["CC"], newInference: true },
  CONVERT_TZ: one("CCC"),
  // TRIM(s) and TRIM([BOTH | LEADING | TRAILING] chars FROM s), held as TRIM(s, chars, mode).
  // Calcite writes the characters' type where the string's goes (CHAR(1), the blank, for TRIM(s)).
  TRIM: {
    forms: ["C", "CC"],
    shown: "'TRIM([BOTH|LEADING|TRAILING] <ANY> FROM <STRING>)'",
    call: (ts) => `TRIM([BOTH|LEADING|TRAILING] <SYMBOL> FROM <${ts[1] ?? "CHAR(1)"}>)`,
  },
  // OVERLAY(s PLACING r FROM p [FOR n]), held as OVERLAY(s, r, p[, n]).
  OVERLAY: {
    forms: ["SSI", "SSII"],
    shown:
      "'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER>)' 'OVERLAY(<STRING> PLACING <STRING> FROM <INTEGER> FOR <INTEGER>)'",
    call: (ts) =>
      `OVERLAY(<${ts[0]}> PLACING <${ts[1]}> FROM <${ts[2]}>${ts[3] === undefined ? "" : ` FOR <${ts[3]}>`})`,
    sameFamily: "OVERLAY",
  },
  // POSITION(a IN b), held as POSITION(a, b).
  POSITION: {
    forms: ["SS", "SSI"],
    shown: "'POSITION(<STRING> IN <STRING>)' 'POSITION(<STRING> IN <STRING> FROM <INTEGER>)'",
    call: (ts) => `POSITION(<${ts[0]}> IN <${ts[1]}>${ts[2] === undefined ? "" : ` FROM <${ts[2]}>`})`,
    sameFamily: "POSITION",
  },
};

/** Flink's "Supported form(s)" text of `name`: each form as `'NAME(<FAMILY>, ...)'`. */
function shownForms(name: string, s: Signature): string {
  if (s.shown !== undefined) return s.shown;
  if (s.variadic !== undefined) return `'${name}(<${FAMILY_NAMES[s.variadic]}>)'`;
  return s.forms
    .map((f) => `'${name}(${[...f].map((c) => `<${FAMILY_NAMES[c as Family]}>`).join(", ")})'`)
    .join(" ");
}

/** Whether `types` fit form `form` (its length and each argument's family). */
function fits(form: string, types: readonly (DataType | undefined)[]): boolean {
  return form.length === types.length && types.every((t, i) => inFamily(t, form[i] as Family));
}

const isBinary = (t: DataType | undefined) => t?.kind === "atomic" && MEMBERS.B.has(t.name);

/**
 * Refuses a call of built-in string function `name` whose argument types Flink 1.20 refuses,
 * with Flink's message, pointing at the call (`pos`); a function not in the table, or an argument
 * of unknown type, is not checked. The number of arguments is checked before, by the function's
 * arity. TRIM's third argument (its mode) is not a value and is not checked.
 */
export function checkStringArguments(
  name: string,
  types: readonly (DataType | undefined)[],
  pos: SourcePos | undefined,
): void {
  const s = SIGNATURES[name];
  if (s === undefined) return;
  const checked = name === "TRIM" ? types.slice(0, 2) : types;
  const ok =
    s.variadic !== undefined
      ? checked.every((t) => inFamily(t, s.variadic as Family))
      : s.forms.some((f) => fits(f, checked));
  if (!ok) {
    if (s.newInference === true) {
      const bad = checked.find((t) => !inFamily(t, "C")) as DataType;
      throw invalid(
        `Invalid function call: ${name}(${checked.map((t) => (t === undefined ? "?" : flinkTypeText(t, true))).join(", ")}). Unsupported argument type. Expected type of family 'CHARACTER_STRING' but actual type was '${flinkTypeText(bad, true)}'.`,
        pos,
        { function: name },
      );
    }
    const written = checked.map((t) => (t === undefined ? "?" : calciteTypeText(t)));
    const call = s.call?.(written) ?? `${name}(${written.map((t) => `<${t}>`).join(", ")})`;
    throw invalid(
      `Cannot apply '${name}' to arguments of type '${call}'. Supported form(s): ${shownForms(name, s)}`,
      pos,
      { function: name },
    );
  }
  // A character string beside a binary one, each of its family alone accepted: refused by
  // POSITION either way, by OVERLAY for binary placed in characters only (OVERLAY(x'01' PLACING
  // 'a' FROM 1) passes Flink's validation).
  const [a, b] = checked;
  if (s.sameFamily !== undefined && a !== undefined && b !== undefined && isBinary(a) !== isBinary(b)) {
    if (s.sameFamily === "POSITION")
      throw invalid("Parameters must be of the same type", pos, { function: name });
    if (isBinary(a)) return;
    throw invalid(
      `${calciteTypeText(a)} CHARACTER SET "UTF-16LE" is not comparable to ${calciteTypeText(b)}`,
      pos,
      { function: name },
    );
  }
}

/**
 * Refuses `a || b` unless both are character strings, as Flink 1.20 refuses 1 || 'a', 'a' || x'01'
 * and c || TRUE (probed); x'01' || x'02' and ARRAY[1] || ARRAY[2] pass its validation but fail
 * its code generation, and are refused as not supported.
 */
export function checkConcatOperands(
  a: DataType | undefined,
  b: DataType | undefined,
  pos: SourcePos | undefined,
): void {
  if (a === undefined || b === undefined) return;
  const family = (t: DataType) =>
    t.kind !== "atomic" ? "other" : MEMBERS.C.has(t.name) ? "C" : MEMBERS.B.has(t.name) ? "B" : "none";
  const [fa, fb] = [family(a), family(b)];
  if (fa === "C" && fb === "C") return;
  // Flink 1.20's validator accepts these, and its generated code fails ("String expression type
  // expected."): refused when the query is planned.
  if (fa === fb && fa !== "none")
    throw unsupported(
      `'||' of ${calciteTypeText(a)} and ${calciteTypeText(b)}`,
      pos,
      "Flink 1.20 fails such a job too ('String expression type expected.'); || joins character strings",
    );
  throw invalid(
    `Cannot apply '||' to arguments of type '<${calciteTypeText(a)}> || <${calciteTypeText(b)}>'. Supported form(s): '<STRING> || <STRING>' '<EQUIVALENT_TYPE> || <EQUIVALENT_TYPE>'`,
    pos,
    { function: "||" },
  );
}
