/**
 * Flink's Kafka connector options (`'properties.bootstrap.servers'`, `'scan.startup.mode'`...), as
 * a Flink user writes a `'connector' = 'kafka'` or `'upsert-kafka'` table, read as the Fleuve
 * Kafka descriptor's options (`bootstrap`, `startingOffsets`...). A value with no equivalent is
 * refused naming the option and the values that are read.
 */

import type { SourcePos, TableOption } from "../parser/ast.js";
import { invalid } from "./problems.js";

/** Flink's option to the descriptor's, with the values it maps (none: the value as it is). */
const KAFKA_OPTIONS: Record<
  string,
  { key: string | undefined; values?: Record<string, string | undefined> }
> = {
  "properties.bootstrap.servers": { key: "bootstrap" },
  "properties.group.id": { key: "group" },
  "properties.isolation.level": {
    key: "isolation",
    values: { read_committed: "read_committed", read_uncommitted: "read_uncommitted" },
  },
  "scan.startup.mode": {
    key: "startingOffsets",
    values: { "earliest-offset": "earliest", "latest-offset": "latest", "group-offsets": "committed" },
  },
  // Unbounded is the default: the option is dropped.
  "scan.bounded.mode": { key: "bounded", values: { unbounded: undefined, "latest-offset": "true" } },
  // Without a guarantee, records are still written at least once.
  "sink.delivery-guarantee": {
    key: "deliveryGuarantee",
    values: { none: "at-least-once", "at-least-once": "at-least-once", "exactly-once": "exactly-once" },
  },
  "sink.transactional-id-prefix": { key: "transactionalIdPrefix" },
};

/**
 * `options` of a Kafka table (`connector` kafka or upsert-kafka) with Flink's option names
 * replaced by the descriptor's; FLEUVE_SQL_VALIDATION names a value that has no equivalent.
 */
export function kafkaOptions(table: string, options: readonly TableOption[], pos?: SourcePos): TableOption[] {
  const out: TableOption[] = [];
  for (const o of options) {
    const known = KAFKA_OPTIONS[o.key];
    if (known === undefined) {
      out.push(o);
      continue;
    }
    let value: string | undefined = o.value;
    if (known.values !== undefined) {
      if (!(o.value in known.values))
        throw invalid(
          `table ${table}: '${o.key}' = '${o.value}' is not supported; it takes ${Object.keys(known.values)
            .map((v) => `'${v}'`)
            .join(", ")}`,
          pos,
          { table, option: o.key },
        );
      value = known.values[o.value];
    }
    if (known.key !== undefined && value !== undefined) out.push({ key: known.key, value });
  }
  return out;
}
