/**
 * The canonical result format both sides write (docs/nexmark.md): one row per line, fields
 * joined by ',', integers in decimal, times as epoch milliseconds, q1's euro price with exactly
 * three decimals, rows sorted by UTF-16 code unit (= byte order, all text is ASCII).
 */

/** One result row: integers (safe integers) and strings. */
export type CanonicalRow = readonly (string | number)[];

/** Renders a row as its canonical line (without newline). */
export function renderRow(row: CanonicalRow): string {
  return row.join(",");
}

/**
 * q1's `0.908 * price` as Flink prints the DECIMAL result: price * 908 / 1000 with exactly three
 * decimals (exact: integer arithmetic, no binary floating point).
 */
export function euroFromDollarPrice(price: number): string {
  const milli = price * 908;
  const int = Math.floor(milli / 1000);
  return `${int}.${String(milli - int * 1000).padStart(3, "0")}`;
}

/** Sorts canonical lines in place, in the canonical order, and returns them. */
export function sortRows(lines: string[]): string[] {
  return lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The canonical file content for a set of lines: sorted, each followed by "\n". */
export function canonicalFile(lines: string[]): string {
  const sorted = sortRows(lines);
  return sorted.length === 0 ? "" : `${sorted.join("\n")}\n`;
}
