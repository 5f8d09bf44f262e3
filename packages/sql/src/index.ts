/**
 * `@fleuve/sql`: Flink SQL's dialect on Fleuve. The parser accepts Flink SQL's statements and
 * queries (DDL with WATERMARK and metadata columns, window TVFs, OVER, joins, MATCH_RECOGNIZE);
 * the planner runs a subset of them on the DataStream API of `@fleuve/core`. See docs/sql.md.
 * @packageDocumentation
 */

export { SQL_ERROR_CODES } from "./errors.js";
export type * from "./parser/ast.js";
export { lineColumn, parseExpression, parseQuery, parseScript, parseStatement } from "./parser/parse.js";
export {
  printExpr,
  printName,
  printPattern,
  printQuery,
  printStatement,
  printTableRef,
  printType,
  printWindowSpec,
} from "./parser/printer.js";
