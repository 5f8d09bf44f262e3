/**
 * Flink 1.20's TYPEOF(input [, force_serializable]) (TypeOfFunction): the text of the input's
 * data type, fixed when the query is planned (the input's value is never read, so a NULL one is
 * typed too). By default LogicalType.asSummaryString (`INT NOT NULL`, `STRING`,
 * `TIMESTAMP_LTZ(3)`); with TRUE, asSerializableString (`VARCHAR(2147483647)`), NULL for a type
 * that has none (the NULL type).
 */

import type { DataType, Expr } from "../parser/ast.js";
import { atomic } from "./data-types.js";
import { flinkTypeText } from "./flink-type-text.js";
import { invalid } from "./problems.js";
import type { ScalarFunction } from "./scalar-functions.js";

/**
 * The type Flink gives a literal, NOT NULL (a literal is never NULL): 12 INT, 1.50 DECIMAL(3, 2),
 * 1e3 DOUBLE, 'abc' CHAR(3), TIMESTAMP '... 10:00:00.5' TIMESTAMP(1); `null` for the NULL literal,
 * undefined for an expression that is not a literal (its compiled type is used).
 */
function literalType(e: Expr): DataType | null | undefined {
  if (e.kind === "unary" && e.op === "-" && e.operand.kind === "literal" && e.operand.type === "number")
    return literalType(e.operand);
  if (e.kind === "typedLiteral") {
    const digits = /\.(\d+)\s*$/.exec(e.value)?.[1]?.length ?? 0;
    return atomic(e.type, e.type === "DATE" ? [] : [digits], true);
  }
  if (e.kind !== "literal") return undefined;
  switch (e.type) {
    case "null":
      return null;
    case "boolean":
      return atomic("BOOLEAN", [], true);
    case "string":
      return atomic("CHAR", [e.value.length], true);
    case "number": {
      const decimal = /^(\d*)\.(\d+)$/.exec(e.text);
      if (decimal !== null) {
        const scale = (decimal[2] as string).length;
        const precision = Math.max(1, (decimal[1] ?? "").replace(/^0+/, "").length + scale);
        return atomic("DECIMAL", [precision, scale], true);
      }
      if (/^\d+\.?$/.test(e.text)) return atomic(Number(e.text) > 2147483647 ? "BIGINT" : "INT", [], true);
      return atomic("DOUBLE", [], true);
    }
  }
}

/** TYPEOF, for {@link SCALAR_FUNCTIONS}. */
export const TYPE_OF: ScalarFunction = {
  minArgs: 1,
  maxArgs: 2,
  nullIn: false,
  fn: () => null,
  atSite: ({ name, args, pos }) => {
    const force = args[1];
    // Flink's input strategy: the flag is a BOOLEAN literal (TYPEOF(f0, f2) fails validation).
    if (force !== undefined && !(force.kind === "literal" && force.type === "boolean"))
      throw invalid(
        `${name}'s argument 2 (force_serializable) must be a BOOLEAN literal, TRUE or FALSE`,
        pos,
      );
    const serializable = force?.kind === "literal" && force.type === "boolean" && force.value;
    let text: string | null = null;
    const input = args[0] as Expr;
    return {
      fn: () => text,
      type: (types) => {
        const literal = literalType(input);
        const t = literal === undefined ? types[0] : literal;
        if (t === null) text = serializable ? null : "NULL";
        else if (t === undefined)
          throw invalid(`${name} cannot tell the type of its argument here; CAST it to the type it has`, pos);
        else text = flinkTypeText(t, !serializable);
        return atomic("STRING");
      },
    };
  },
};
