/**
 * Result tables of `fleuve sql`, boxed as Flink's SQL client prints them in its tableau mode:
 * a header, one line per row, values as Flink shows them (NULL as `<NULL>`, timestamps as
 * `2020-04-15 08:00:00.000`).
 */
import { type Column, flinkText } from "@fleuve/sql";
import { temporalText } from "./sql-temporal-text.js";

/** The text of one value in a result table. */
export function cellText(v: unknown, type?: Column["type"], settings?: ReadonlyMap<string, string>): string {
  if (v === null || v === undefined) return "<NULL>";
  return temporalText(v, type, settings) ?? flinkText(v, type);
}

/** The widths of the columns of a table: the widest of the header and the cells. */
export function columnWidths(header: readonly string[], cells: readonly (readonly string[])[]): number[] {
  return header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
}

/** The widest a streamed cell gets (Flink's `sql-client.display.max-column-width`). */
export const MAX_COLUMN_WIDTH = 30;

/**
 * The width of a column whose rows are not known yet (tableau and changelog modes), as Flink's
 * tableau result sizes it by the column's type: the widest text the type has (an INT 11, a
 * BIGINT 20, a DECIMAL(p, s) p + 2, a timestamp 23), `<NULL>`'s 6 at least, and
 * MAX_COLUMN_WIDTH for strings and the other types; the header when it is wider.
 */
export function typeWidth(name: string, type: Column["type"] | undefined): number {
  let len = MAX_COLUMN_WIDTH;
  if (type?.kind === "atomic") {
    const fixed: Record<string, number> = {
      TINYINT: 4,
      SMALLINT: 6,
      INT: 11,
      BIGINT: 20,
      BOOLEAN: 5,
      DATE: 10,
      TIME: 12,
      TIMESTAMP: 23,
      TIMESTAMP_LTZ: 23,
    };
    if (type.name === "DECIMAL") len = (type.args[0] ?? 10) + 2;
    else if ((type.name === "VARCHAR" || type.name === "CHAR") && type.args[0] !== undefined)
      len = Math.min(type.args[0], MAX_COLUMN_WIDTH);
    else len = fixed[type.name] ?? MAX_COLUMN_WIDTH;
  }
  return Math.max(name.length, len, "<NULL>".length);
}

/** `text` cut to `width` characters, its end shown as `...` when cut (as Flink's tableau). */
export function fitCell(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 3))}...`;
}

/** `+----+------+` for the widths. */
export function ruleLine(widths: readonly number[]): string {
  return `+${widths.map((w) => "-".repeat(w + 2)).join("+")}+`;
}

/** `| a  | b    |`: the cells padded to the widths. */
export function rowLine(cells: readonly string[], widths: readonly number[]): string {
  return `|${widths.map((w, i) => ` ${(cells[i] ?? "").padEnd(w)} `).join("|")}|`;
}

/**
 * A boxed table of `rows` under `columns`, and a last line saying how many rows. A single
 * `result` column of one row (EXPLAIN's plan) is printed as it is.
 */
export function formatTable(
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  types: readonly (Column["type"] | undefined)[] = [],
): string {
  if (columns.length === 1 && columns[0] === "result" && rows.length === 1) return String(rows[0]?.result);
  const cells = rows.map((r) => columns.map((c, i) => cellText(r[c], types[i])));
  const widths = columnWidths(columns, cells);
  const rule = ruleLine(widths);
  const lines = [rule, rowLine(columns, widths), rule, ...cells.map((c) => rowLine(c, widths)), rule];
  lines.push(`${rows.length} row${rows.length === 1 ? "" : "s"} in set`);
  return lines.join("\n");
}

/**
 * The result of a statement with content (SHOW, DESCRIBE, EXPLAIN) as Flink's SQL client prints
 * it: NULL as an empty cell, a BOOLEAN as TRUE or FALSE, and `Empty set` for no rows.
 */
export function formatContent(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return "Empty set";
  const text = (v: unknown) =>
    v === null || v === undefined ? "" : typeof v === "boolean" ? String(v).toUpperCase() : v;
  return formatTable(
    columns,
    rows.map((r) => Object.fromEntries(columns.map((c) => [c, text(r[c])]))),
  );
}
