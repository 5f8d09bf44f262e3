/** Constructors of the planner's SQL data types. */
import type { DataType } from "../parser/ast.js";

/** An atomic SQL type such as `STRING` or `TIMESTAMP(3)`, nullable unless `notNull`. */
export const atomic = (name: string, args: number[] = [], notNull = false): DataType => ({
  kind: "atomic",
  name,
  args,
  notNull,
});
