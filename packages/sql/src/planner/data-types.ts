/** Constructors of the planner's SQL data types. */
import type { DataType } from "../parser/ast.js";

/** An atomic SQL type such as `STRING` or `TIMESTAMP(3)`, nullable unless `notNull`. */
export const atomic = (name: string, args: number[] = [], notNull = false): DataType => ({
  kind: "atomic",
  name,
  args,
  notNull,
});

/**
 * `t` as a query sees it in Flink 1.20: every TIME (TIME(3) too, nested ones as well) is TIME(0),
 * as FlinkTypeFactory turns a TimeType into Calcite's TIME of precision 0 ("for consistency with
 * the old planner"). A TIME(3) column, CAST(... AS TIME(3)) and what is computed from them are
 * TIME(0) (DESCRIBE of a view, TYPEOF, a CAST to STRING without the fraction); the values keep
 * their milliseconds, as Flink's do (CAST('01:02:03.456' AS TIME(3)) > TIME '01:02:03').
 */
export function queryType(t: DataType): DataType {
  switch (t.kind) {
    case "atomic":
      return t.name === "TIME" && (t.args[0] ?? 0) !== 0 ? { ...t, args: [0] } : t;
    case "array":
    case "multiset":
      return { ...t, element: queryType(t.element) };
    case "map":
      return { ...t, key: queryType(t.key), value: queryType(t.value) };
    case "row":
      return { ...t, fields: t.fields.map((f) => ({ ...f, type: queryType(f.type) })) };
    default:
      return t;
  }
}
