/**
 * Flink 1.20's TYPEOF(input [, force_serializable]) (TypeOfFunction): the text of the input's
 * data type, fixed when the query is planned (the input's value is never read, so a NULL one is
 * typed too). By default LogicalType.asSummaryString (`INT NOT NULL`, `STRING`,
 * `TIMESTAMP_LTZ(3)`); with TRUE, asSerializableString (`VARCHAR(2147483647)`), NULL for a type
 * that has none (the NULL type).
 */

import type { Expr } from "../parser/ast.js";
import { atomic } from "./data-types.js";
import { flinkTypeText } from "./flink-type-text.js";
import { invalid } from "./problems.js";
import type { ScalarFunction } from "./scalar-functions.js";

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
        // The input's type as the query types it everywhere else (DESCRIBE too); the NULL literal
        // alone has none, Flink's NULL type.
        const t = input.kind === "literal" && input.type === "null" ? null : types[0];
        if (t === null) text = serializable ? null : "NULL";
        else if (t === undefined)
          throw invalid(`${name} cannot tell the type of its argument here; CAST it to the type it has`, pos);
        else text = flinkTypeText(t, !serializable);
        return atomic("STRING");
      },
    };
  },
};
