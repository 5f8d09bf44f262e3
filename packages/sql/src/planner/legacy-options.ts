/**
 * Flink's legacy connector properties (`'connector.type' = 'filesystem'`, `'connector.path'`,
 * `'format.type' = 'csv'`, before FLIP-122's `'connector' = ...` keys), which Flink 1.20 still
 * takes for a CSV file (its CsvTableSource) and which Nexmark's q13 is written in: they are read
 * as the `filesystem` connector's options. Only the filesystem CSV properties are known; another
 * legacy `connector.type` is refused with the options to write instead.
 */

import type { TableDefinition } from "../catalog.js";
import type { TableOption } from "../parser/ast.js";
import { kafkaOptions } from "./kafka-options.js";
import { invalid } from "./problems.js";

/** Legacy filesystem/CSV property to the filesystem connector's option (undefined: dropped). */
const RENAMED: Record<string, string | undefined> = {
  "connector.type": "connector",
  "connector.path": "path",
  "connector.property-version": undefined,
  "format.type": "format",
  "format.property-version": undefined,
  "format.derive-schema": undefined,
  "format.field-delimiter": "csv.field-delimiter",
  "format.quote-character": "csv.quote-character",
  "format.ignore-parse-errors": "csv.ignore-parse-errors",
  "format.ignore-first-line": "csv.ignore-first-line",
};

/**
 * The WITH options of `def`, Flink's legacy filesystem properties (see the file's comment) turned
 * into the `filesystem` connector's, and Flink's Kafka options into the Kafka descriptor's (see
 * kafka-options.ts); the options as they are for any other table with a `connector`.
 * FLEUVE_SQL_VALIDATION names a legacy property that has no equivalent.
 */
export function tableOptions(def: TableDefinition): readonly TableOption[] {
  const table = def.name.parts.join(".");
  const connector = def.options.find((o) => o.key === "connector")?.value;
  if (connector === "kafka" || connector === "upsert-kafka") return kafkaOptions(table, def.options, def.pos);
  const type = def.options.find((o) => o.key === "connector.type")?.value;
  if (type === undefined || connector !== undefined) return def.options;
  const fail = (key: string, why: string) =>
    invalid(`table ${table}: the legacy property '${key}' ${why}`, def.pos, { table, option: key });
  if (type !== "filesystem")
    throw fail(
      "connector.type",
      `= '${type}' is not supported: write 'connector' = '...' with the connector's options (only the legacy 'filesystem' with 'format.type' = 'csv' is read)`,
    );
  const out: TableOption[] = [];
  for (const o of def.options) {
    if (o.key === "format.type" && o.value !== "csv")
      throw fail(
        "format.type",
        `= '${o.value}' is not supported with 'connector.type' = 'filesystem' (csv is)`,
      );
    if (o.key === "format.line-delimiter") {
      if (o.value !== "\n" && o.value !== "\r\n")
        throw fail("format.line-delimiter", "takes only a newline here (records end at \\n or \\r\\n)");
      continue;
    }
    if (o.key === "format.comment-prefix") {
      if (o.value !== "#")
        throw fail(
          "format.comment-prefix",
          "takes only '#' here (the filesystem connector's csv.allow-comments)",
        );
      out.push({ key: "csv.allow-comments", value: "true" });
      continue;
    }
    if (/^format\.fields\.\d+\.(name|type|data-type)$/.test(o.key)) continue; // the columns say it
    if (o.key in RENAMED) {
      const key = RENAMED[o.key];
      if (key !== undefined) out.push({ key, value: o.value });
      continue;
    }
    if (o.key.startsWith("connector.") || o.key.startsWith("format."))
      throw fail(
        o.key,
        "has no equivalent in the filesystem connector; write 'connector' = 'filesystem' with its options",
      );
    out.push(o);
  }
  // Flink's CsvTableSourceFactoryBase sets a quote character only when 'format.quote-character' is
  // given: by default a quote is plain text.
  if (
    !def.options.some((o) => o.key === "format.quote-character") &&
    !out.some((o) => o.key === "csv.disable-quote-character")
  )
    out.push({ key: "csv.disable-quote-character", value: "true" });
  return out;
}
