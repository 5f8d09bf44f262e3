/**
 * Result tables of `fleuve sql`, boxed as Flink's SQL client prints them in its tableau mode:
 * a header, one line per row, values as Flink shows them (NULL as `<NULL>`, timestamps as
 * `2020-04-15 08:00:00.000`).
 */
import { type Column, flinkText, formatTimestamp } from "@fleuve/sql";

/** The text of one value in a result table. */
export function cellText(v: unknown, type?: Column["type"]): string {
  if (v === null || v === undefined) return "<NULL>";
  if (
    type?.kind === "atomic" &&
    typeof v === "number" &&
    (type.name === "TIMESTAMP" || type.name === "TIMESTAMP_LTZ")
  )
    return formatTimestamp(v);
  return flinkText(v, type);
}

/** The widths of the columns of a table: the widest of the header and the cells. */
export function columnWidths(header: readonly string[], cells: readonly (readonly string[])[]): number[] {
  return header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
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
