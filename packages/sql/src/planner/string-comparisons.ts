/**
 * The type a character string is compared as against a number, a date-time or a boolean in `<`,
 * `<=`, `>`, `>=` and `BETWEEN`, as Flink 1.20 (Calcite 1.32) types it.
 *
 * Calcite's validator accepts a CHARACTER operand beside a NUMERIC, DATE, TIME, TIMESTAMP,
 * INTERVAL or BOOLEAN one (SqlTypeUtil.isComparable / canConvertStringInCompare). These operators
 * check their operands with Consistency.COMPARE (OperandTypes.COMPARABLE_ORDERED_COMPARABLE_ORDERED,
 * SqlBetweenOperator's ComparableOperandTypeChecker), so StandardConvertletTable.consistentType
 * casts every operand to leastRestrictive(the non-character types, plus BIGINT when they are
 * numbers): `int_col < '5'` compares as BIGINT, `double_col < '5'` as DOUBLE,
 * `ts_col > '2024-01-01 00:00:00'` as the column's TIMESTAMP. Flink's FlinkConvertletTable only
 * overrides TRY_CAST, and its FlinkSqlOperatorTable uses Calcite's operators.
 */
import type { DataType } from "../parser/ast.js";
import { printType } from "../parser/printer.js";
import { atomic } from "./data-types.js";

const CHARACTER: ReadonlySet<string> = new Set(["STRING", "VARCHAR", "CHAR"]);
const INTEGERS: Readonly<Record<string, number>> = {
  TINYINT: 3,
  SMALLINT: 5,
  INT: 10,
  INTEGER: 10,
  BIGINT: 19,
};
const NUMBERS: ReadonlySet<string> = new Set([...Object.keys(INTEGERS), "FLOAT", "DOUBLE", "DECIMAL"]);
const TEMPORAL: ReadonlySet<string> = new Set(["DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ"]);

/** Whether `t` is a character string type. */
export function isCharacter(t: DataType | undefined): boolean {
  return t?.kind === "atomic" && CHARACTER.has(t.name);
}

/** Whether `t` is DATE, TIME, TIMESTAMP or TIMESTAMP_LTZ. */
export function isTemporal(t: DataType | undefined): boolean {
  return t?.kind === "atomic" && TEMPORAL.has(t.name);
}

/** What to do with the character operands of an ordered comparison. */
export type StringComparison =
  | { readonly cast: DataType }
  | { readonly refuse: string; readonly unsupported: boolean };

/**
 * The type the character operands of an ordered comparison (`<`, `<=`, `>`, `>=`, BETWEEN) with
 * operand types `types` are cast to, a refusal, or undefined when nothing is cast (no character
 * operand, or only character operands and untyped NULLs: Calcite's areSameFamily case).
 */
export function orderedComparisonCast(
  types: readonly (DataType | undefined)[],
): StringComparison | undefined {
  if (!types.some(isCharacter)) return undefined;
  const others = types.filter((t): t is DataType => t !== undefined && !isCharacter(t));
  if (others.length === 0) return undefined;
  const names = others.map((t) => (t.kind === "atomic" ? t.name : t.kind.toUpperCase()));
  // Named without their nullability, as Flink's validation errors name them.
  const list = others.map((t) => printType({ ...t, notNull: false })).join(", ");
  if (names.every((n) => NUMBERS.has(n))) return { cast: numericTarget(others) };
  const first = names[0] as string;
  if (names.every((n) => n === first)) {
    if (TEMPORAL.has(first)) {
      // leastRestrictive of one date-time type: the widest precision (TIME(0), TIMESTAMP(3)...).
      const ps = others.map((t) => (t.kind === "atomic" ? t.args[0] : undefined));
      const p = ps.some((x) => x === undefined) ? undefined : Math.max(...(ps as number[]));
      return { cast: atomic(first, p === undefined ? [] : [p]) };
    }
    if (first === "BOOLEAN") return { cast: atomic("BOOLEAN") };
    if (first === "INTERVAL")
      return { refuse: "an INTERVAL compared with a character string", unsupported: true };
  }
  return {
    refuse: `${list} and a character string have no common type to compare as (Flink fails to compile it); CAST the operands to one type`,
    unsupported: false,
  };
}

/**
 * Calcite's leastRestrictive of the numeric types plus BIGINT (SqlTypeFactoryImpl
 * .leastRestrictiveSqlType): DOUBLE if any is DOUBLE or a FLOAT meets a DECIMAL, FLOAT, DECIMAL
 * with the larger scale and whole digits (BIGINT counts as DECIMAL(19, 0)), else BIGINT.
 */
function numericTarget(types: readonly DataType[]): DataType {
  const names = types.map((t) => (t.kind === "atomic" ? t.name : ""));
  const hasDecimal = names.includes("DECIMAL");
  if (names.includes("DOUBLE") || (names.includes("FLOAT") && hasDecimal)) return atomic("DOUBLE");
  if (names.includes("FLOAT")) return atomic("FLOAT");
  if (!hasDecimal) return atomic("BIGINT");
  let digits = 19; // BIGINT's whole digits
  let scale = 0;
  for (const t of types) {
    if (t.kind !== "atomic") continue;
    const [p, s] = t.name === "DECIMAL" ? [t.args[0] ?? 10, t.args[1] ?? 0] : [INTEGERS[t.name] ?? 19, 0];
    digits = Math.max(digits, p - s);
    scale = Math.max(scale, s);
  }
  digits = Math.min(digits, 38);
  scale = Math.min(scale, 38 - digits);
  return atomic("DECIMAL", [digits + scale, scale]);
}
