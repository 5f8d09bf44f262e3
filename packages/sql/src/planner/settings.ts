/**
 * The `SET 'key' = 'value'` options planning reads, parsed as Flink parses them.
 */

import { invalid } from "./problems.js";

const UNITS: readonly [readonly string[], number][] = [
  [["ms", "milli", "millis", "millisecond", "milliseconds"], 1],
  [["s", "sec", "secs", "second", "seconds"], 1000],
  [["min", "m", "minute", "minutes"], 60_000],
  [["h", "hour", "hours"], 3_600_000],
  [["d", "day", "days"], 86_400_000],
];

/**
 * A duration as Flink's `TimeUtils.parseDuration` reads it: a whole number and an optional unit
 * (`ms`, `s`, `min`, `h`, `d` and their long forms; milliseconds without one): `'1 h'`,
 * `'90s'`, `'3600000'`.
 */
export function parseDuration(text: string, option: string): number {
  const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m?.[2]?.toLowerCase() ?? "";
  const factor = unit === "" ? 1 : UNITS.find(([names]) => names.includes(unit))?.[1];
  if (m === null || factor === undefined) {
    throw invalid(
      `SET '${option}' = '${text}': not a duration; write a whole number and a unit (ms, s, min, h, d), e.g. '1 h'`,
      undefined,
      { option, value: text },
    );
  }
  return Number(m[1]) * factor;
}

/**
 * `table.exec.state.ttl`: how long (ms of processing time) a stateful operator keeps a row it
 * has not written since; undefined (or `0`, Flink's default) keeps state forever.
 */
export function stateTtlMs(settings: ReadonlyMap<string, string> | undefined): number | undefined {
  const v = settings?.get("table.exec.state.ttl");
  if (v === undefined) return undefined;
  const ms = parseDuration(v, "table.exec.state.ttl");
  return ms === 0 ? undefined : ms;
}

/**
 * `table.exec.mini-batch.enabled` with `table.exec.mini-batch.allow-latency` and
 * `table.exec.mini-batch.size`: the bundle of input rows whose changes a Top-N holds (see
 * runtime/top-n.ts), or undefined when mini-batch is off (Flink's default). As in Flink 1.20,
 * mini-batch on needs a positive latency for any query over a table (its MiniBatchAssigner
 * follows every scan), while the size (default `-1`) is required only by the operators Flink
 * bundles (group aggregation, regular join, deduplication), not by its Top-N: without a positive
 * size, a Top-N's bundle ends by latency, watermark, checkpoint and end of input alone.
 */
export function miniBatch(
  settings: ReadonlyMap<string, string> | undefined,
): { readonly size: number; readonly latencyMs: number } | undefined {
  const on = settings?.get("table.exec.mini-batch.enabled");
  if (on === undefined || on.trim().toLowerCase() === "false") return undefined;
  if (on.trim().toLowerCase() !== "true") {
    throw invalid(
      `SET 'table.exec.mini-batch.enabled' = '${on}': not a boolean; write 'true' or 'false'`,
      undefined,
      {
        option: "table.exec.mini-batch.enabled",
        value: on,
      },
    );
  }
  const latency = settings?.get("table.exec.mini-batch.allow-latency");
  const latencyMs = latency === undefined ? 0 : parseDuration(latency, "table.exec.mini-batch.allow-latency");
  if (latencyMs <= 0) {
    throw invalid(
      `'table.exec.mini-batch.enabled' is 'true' but 'table.exec.mini-batch.allow-latency' is ${latency === undefined ? "not set" : `'${latency}'`}: set it to a positive duration, e.g. '2 s'`,
      undefined,
      { option: "table.exec.mini-batch.allow-latency", value: latency ?? null },
    );
  }
  const sizeText = settings?.get("table.exec.mini-batch.size");
  const size = sizeText === undefined ? -1 : Number(sizeText.trim());
  if (!Number.isSafeInteger(size) || sizeText?.trim() === "") {
    throw invalid(
      `SET 'table.exec.mini-batch.size' = '${sizeText}': not a whole number of rows; write one, e.g. '5000'`,
      undefined,
      { option: "table.exec.mini-batch.size", value: sizeText ?? null },
    );
  }
  return { size: size > 0 ? size : Number.POSITIVE_INFINITY, latencyMs };
}
