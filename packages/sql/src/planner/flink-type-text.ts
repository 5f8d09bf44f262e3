/**
 * Data types as Flink writes them (LogicalType.asSummaryString and asSerializableString), for
 * DESCRIBE, SHOW CREATE TABLE and TYPEOF. A leaf module: the planner's function library uses it.
 */

import type { DataType } from "../parser/ast.js";
import { printType } from "../parser/printer.js";

/** A name in back quotes, as Flink's EncodingUtils.escapeIdentifier writes it. */
export function quoted(name: string): string {
  return `\`${name.replace(/`/g, "``")}\``;
}

/** A string literal, as Flink's EncodingUtils.escapeSingleQuotes writes it. */
export function quotedString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

const MAX_LENGTH = 2147483647;

/**
 * A data type as Flink writes it: `summary` as DESCRIBE does (LogicalType.asSummaryString: STRING,
 * BYTES, TIMESTAMP_LTZ(3)), otherwise as SHOW CREATE TABLE does (asSerializableString:
 * VARCHAR(2147483647), VARBINARY(2147483647), TIMESTAMP(3) WITH LOCAL TIME ZONE). Defaults are
 * written out (DECIMAL(10, 0), TIMESTAMP(6), TIME(0), VARCHAR(1)).
 */
export function flinkTypeText(t: DataType, summary: boolean): string {
  const inner = (x: DataType) => flinkTypeText(x, summary);
  let s: string;
  switch (t.kind) {
    case "atomic": {
      const [a, b] = t.args;
      switch (t.name) {
        case "STRING":
        case "VARCHAR": {
          const n = t.name === "STRING" ? MAX_LENGTH : (a ?? 1);
          s = summary && n === MAX_LENGTH ? "STRING" : `VARCHAR(${n})`;
          break;
        }
        case "BYTES":
        case "VARBINARY": {
          const n = t.name === "BYTES" ? MAX_LENGTH : (a ?? 1);
          s = summary && n === MAX_LENGTH ? "BYTES" : `VARBINARY(${n})`;
          break;
        }
        case "CHAR":
        case "BINARY":
          s = `${t.name}(${a ?? 1})`;
          break;
        case "DECIMAL":
          s = `DECIMAL(${a ?? 10}, ${b ?? 0})`;
          break;
        case "TIME":
          s = `TIME(${a ?? 0})`;
          break;
        case "TIMESTAMP":
        case "TIMESTAMP_LTZ": {
          const local = t.name === "TIMESTAMP_LTZ" || t.timeZone === "local";
          const p = a ?? 6;
          s = !local
            ? `TIMESTAMP(${p})${t.timeZone === "zone" ? " WITH TIME ZONE" : ""}`
            : summary
              ? `TIMESTAMP_LTZ(${p})`
              : `TIMESTAMP(${p}) WITH LOCAL TIME ZONE`;
          break;
        }
        default:
          s = printType({ ...t, notNull: false });
      }
      break;
    }
    case "array":
      s = `ARRAY<${inner(t.element)}>`;
      break;
    case "multiset":
      s = `MULTISET<${inner(t.element)}>`;
      break;
    case "map":
      s = `MAP<${inner(t.key)}, ${inner(t.value)}>`;
      break;
    case "row":
      s = `ROW<${t.fields.map((f) => `${quoted(f.name)} ${inner(f.type)}${f.comment === undefined ? "" : ` ${quotedString(f.comment)}`}`).join(", ")}>`;
      break;
    case "interval":
      s = printType({ ...t, notNull: false });
      break;
  }
  return t.notNull ? `${s} NOT NULL` : s;
}

/**
 * A data type as Calcite writes it in Flink's validation errors ("Cannot apply 'UPPER' to
 * arguments of type 'UPPER(<INTEGER>)'"): without nullability, INT as INTEGER, STRING as
 * VARCHAR(2147483647), TIMESTAMP_LTZ(3) as TIMESTAMP_WITH_LOCAL_TIME_ZONE(3), ARRAY<INT> as
 * INTEGER ARRAY, MAP<STRING, INT> as (VARCHAR(2147483647), INTEGER) MAP, a ROW as
 * RECORDTYPE:PEEK_NO_EXPAND(INTEGER A, ...) (upper case, as Calcite's message; probed on Flink 1.20).
 */
export function calciteTypeText(t: DataType): string {
  switch (t.kind) {
    case "array":
      return `${calciteTypeText(t.element)} ARRAY`;
    case "multiset":
      return `${calciteTypeText(t.element)} MULTISET`;
    case "map":
      return `(${calciteTypeText(t.key)}, ${calciteTypeText(t.value)}) MAP`;
    case "row":
      return `RecordType:peek_no_expand(${t.fields.map((f) => `${calciteTypeText(f.type)} ${f.name}`).join(", ")})`.toUpperCase();
    case "atomic":
      if (t.name === "INT" || t.name === "INTEGER") return "INTEGER";
      if (t.name === "TIMESTAMP_LTZ" || (t.name === "TIMESTAMP" && t.timeZone === "local"))
        return `TIMESTAMP_WITH_LOCAL_TIME_ZONE(${t.args[0] ?? 6})`;
      return flinkTypeText({ ...t, notNull: false }, false);
    default:
      return flinkTypeText({ ...t, notNull: false }, false);
  }
}
