/**
 * `@fleuve/sql`: Flink SQL's dialect on Fleuve. The parser accepts Flink SQL's statements and
 * queries (DDL with WATERMARK and metadata columns, window TVFs, OVER, joins, MATCH_RECOGNIZE);
 * the planner runs a subset of them on the DataStream API of `@fleuve/core`. See docs/sql.md.
 * @packageDocumentation
 */

export { Catalog, type StreamTableDefinition, type TableDefinition, type ViewDefinition } from "./catalog.js";
export { SQL_ERROR_CODES } from "./errors.js";
export {
  type AggregateFunctionDefinition,
  aggregateFunction,
  type FunctionDefinition,
  type ScalarFunctionDefinition,
  scalarFunction,
  type TableFunctionDefinition,
  tableFunction,
  type UserFunction,
} from "./functions.js";
export { nexmarkConnector } from "./nexmark/connector.js";
export type * from "./parser/ast.js";
export {
  lineColumn,
  parseDataType,
  parseExpression,
  parseQuery,
  parseScript,
  parseStatement,
} from "./parser/parse.js";
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
export { DEFAULT_CATALOG, DEFAULT_DATABASE, insertJobName } from "./planner/catalog-statements.js";
export {
  type ChangelogMode,
  describeMode,
  INSERT_ONLY,
  isInsertOnly,
  materialize,
  ROW_KIND,
  ROW_KINDS,
  type RowKind,
  rowKind,
  withKind,
} from "./planner/changelog.js";
export type { Column, Relation } from "./planner/relation.js";
export { parseDuration } from "./planner/settings.js";
export { castText, flinkText, formatTimestamp } from "./planner/values.js";
export { LOCAL_TIME_ZONE, parseZone, type Zone } from "./planner/zone.js";
export { fireInstant, usesDaylightTime } from "./runtime/zoned-windows.js";
export {
  type Row,
  type SqlEnvironment,
  type SqlOptions,
  type StatementSet,
  sql,
  sqlConnectorNames,
  type Table,
  type TableResult,
} from "./sql-environment.js";
