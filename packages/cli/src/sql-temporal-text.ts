/**
 * Dates and times of a query's rows as Flink's text: what CAST(... AS STRING) and the SQL
 * client's tableau give (`2024-01-01 10:00:00.000`, `2024-01-01`, `10:00:00`), where SQL holds
 * them as numbers (epoch milliseconds, a TIME's milliseconds of the day). A TIMESTAMP_LTZ is the
 * wall-clock time in the session zone (`table.local-time-zone`), as CAST gives it.
 */
import type { DataStream } from "@fleuve/core";
import { type Column, castText, LOCAL_TIME_ZONE, parseZone } from "@fleuve/sql";

const TEMPORAL: ReadonlySet<string> = new Set(["DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ"]);

/**
 * The text of value `v` of column type `type` when it is a DATE, TIME, TIMESTAMP or TIMESTAMP_LTZ
 * held as a number (CAST's text, in the zone of `settings` for TIMESTAMP_LTZ); undefined otherwise.
 */
export function temporalText(
  v: unknown,
  type: Column["type"] | undefined,
  settings?: ReadonlyMap<string, string>,
): string | undefined {
  if (type?.kind !== "atomic" || !TEMPORAL.has(type.name) || typeof v !== "number") return undefined;
  if (type.name !== "TIMESTAMP_LTZ") return castText(v, type);
  const zone = parseZone(settings?.get(LOCAL_TIME_ZONE) ?? "UTC");
  return castText(zone === undefined ? v : zone.toLocal(v), { ...type, name: "TIMESTAMP" });
}

/** `rows` (a query's, of `columns`) with their date and time values as Flink's text. */
export function withTemporalText(
  rows: DataStream<Record<string, unknown>>,
  columns: readonly Column[],
  settings: ReadonlyMap<string, string>,
): DataStream<Record<string, unknown>> {
  const temporal = columns.filter((c) => c.type?.kind === "atomic" && TEMPORAL.has(c.type.name));
  if (temporal.length === 0) return rows;
  return rows.map((row) => {
    const out = { ...row };
    for (const c of temporal) {
      const text = temporalText(row[c.name], c.type, settings);
      if (text !== undefined) out[c.name] = text;
    }
    return out;
  });
}
