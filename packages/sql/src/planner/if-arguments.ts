/**
 * The argument types Flink 1.20 takes for IF(condition, a, b): a BOOLEAN condition and two
 * branches of one family (numbers, character strings, booleans, binary strings, DATEs, TIMESTAMPs
 * with or without local time zone, TIMEs), checked without implicit coercion as its validator
 * does; anything else (IF(i, 1, 2) of an INT i, IF(c, 1, 'a'), IF(c, DATE, TIMESTAMP), IF(c,
 * ARRAY[1], ARRAY[2])) is refused with Flink's message (probed on bench/flink).
 */

import type { DataType, SourcePos } from "../parser/ast.js";
import { calciteTypeText } from "./flink-type-text.js";
import { invalid } from "./problems.js";

/** The families of IF's branches, by type name. */
const FAMILIES: readonly ReadonlySet<string>[] = [
  new Set(["TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT", "DECIMAL", "FLOAT", "REAL", "DOUBLE"]),
  new Set(["CHAR", "VARCHAR", "STRING"]),
  new Set(["BOOLEAN"]),
  new Set(["BINARY", "VARBINARY", "BYTES"]),
  new Set(["DATE"]),
  new Set(["TIMESTAMP", "TIMESTAMP_LTZ"]),
  new Set(["TIME"]),
];

/** Flink's "Supported form(s)" of IF, one per line as its message writes them. */
const FORMS = [
  "'IF(<ANY_TYPE>, <NUMERIC_TYPE>, <NUMERIC_TYPE>)'",
  "'IF(<BOOLEAN>, <CHARACTER>, <CHARACTER>)'",
  "'IF(<BOOLEAN>, <BOOLEAN>, <BOOLEAN>)'",
  "'IF(<BOOLEAN>, <CHARACTER>, <CHARACTER>)'",
  "'IF(<BOOLEAN>, <BINARY>, <BINARY>)'",
  "'IF(<BOOLEAN>, <DATE>, <DATE>)'",
  "'IF(<BOOLEAN>, <TIMESTAMP>, <TIMESTAMP>)'",
  "'IF(<BOOLEAN>, <TIME>, <TIME>)'",
].join("\n");

const familyOf = (t: DataType) => (t.kind === "atomic" ? FAMILIES.findIndex((f) => f.has(t.name)) : -1);

/**
 * Refuses IF's arguments unless Flink 1.20 takes them (module comment), naming the call's types
 * as Calcite writes them and pointing at the call (`pos`). An argument of unknown type is not
 * checked.
 */
export function checkIfArguments(types: readonly (DataType | undefined)[], pos: SourcePos | undefined): void {
  const [c, a, b] = types;
  if (c === undefined || a === undefined || b === undefined) return;
  const family = familyOf(a);
  const ok = c.kind === "atomic" && c.name === "BOOLEAN" && family >= 0 && family === familyOf(b);
  if (ok) return;
  throw invalid(
    `Cannot apply 'IF' to arguments of type 'IF(${[c, a, b].map((t) => `<${calciteTypeText(t)}>`).join(", ")})'. Supported form(s): ${FORMS}`,
    pos,
    { function: "IF" },
  );
}
