/**
 * The `SET 'key' = 'value'` options planning reads, parsed as Flink parses them.
 */

import { invalid } from "./problems.js";

/** Flink's duration units (`TimeUtils.parseDuration`) and their milliseconds. */
export const DURATION_UNITS: readonly [readonly string[], number][] = [
  [["ms", "milli", "millis", "millisecond", "milliseconds"], 1],
  [["s", "sec", "secs", "second", "seconds"], 1000],
  [["min", "m", "minute", "minutes"], 60_000],
  [["h", "hour", "hours"], 3_600_000],
  [["d", "day", "days"], 86_400_000],
];

/**
 * A duration as Flink's `TimeUtils.parseDuration` reads it: a whole number and an optional unit
 * (`ms`, `s`, `min`, `h`, `d` and their long forms; milliseconds without one): `'1 h'`,
 * `'90s'`, `'3600000'`. A bad one is refused naming `option`, as written `where` (a SET statement
 * by default; a table's WITH option gives its own).
 */
export function parseDuration(text: string, option: string, where = `SET '${option}' = '${text}'`): number {
  const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m?.[2]?.toLowerCase() ?? "";
  const factor = unit === "" ? 1 : DURATION_UNITS.find(([names]) => names.includes(unit))?.[1];
  if (m === null || factor === undefined) {
    throw invalid(
      `${where}: not a duration; write a whole number and a unit (ms, s, min, h, d), e.g. '1 h'`,
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

/** `table.exec.mini-batch.*` as read by {@link miniBatch} (runtime/mini-batch.ts MiniBatchSpec). */
export interface MiniBatch {
  /** Input rows per bundle; Infinity when the size is unset or not positive. */
  readonly size: number;
  readonly latencyMs: number;
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
export function miniBatch(settings: ReadonlyMap<string, string> | undefined): MiniBatch | undefined {
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

/**
 * How an event-time window aggregation fires (Flink's `WindowEmitStrategy`), read from
 * `table.exec.emit.early-fire.enabled` / `.delay`, `table.exec.emit.late-fire.enabled` / `.delay`
 * and `table.exec.emit.allow-lateness`. A delay of 0 fires on every row, a positive one every so
 * many ms of processing time.
 */
export interface EmitStrategy {
  /** Before the watermark passes a window's end: its current result, every `earlyDelayMs`. */
  readonly earlyDelayMs?: number | undefined;
  /** After it, for rows no later than `allowLatenessMs`: the updated result, every `lateDelayMs`. */
  readonly lateDelayMs?: number | undefined;
  /** How long after its end a window keeps its state for late rows (0: none). */
  readonly allowLatenessMs: number;
}

/** `option` read as a boolean (undefined when not set), failing on anything but true/false. */
function booleanOption(
  settings: ReadonlyMap<string, string> | undefined,
  option: string,
): boolean | undefined {
  const v = settings?.get(option);
  if (v === undefined) return undefined;
  const t = v.trim().toLowerCase();
  if (t === "true" || t === "false") return t === "true";
  throw invalid(`SET '${option}' = '${v}': not a boolean; write 'true' or 'false'`, undefined, {
    option,
    value: v,
  });
}

/**
 * The delay of an enabled firing (`which` early or late): Flink requires it once the firing is
 * enabled, and a duration (never negative: {@link parseDuration} takes whole numbers only).
 */
function fireDelay(
  settings: ReadonlyMap<string, string> | undefined,
  which: "early" | "late",
): number | undefined {
  const enabled = `table.exec.emit.${which}-fire.enabled`;
  const option = `table.exec.emit.${which}-fire.delay`;
  if (booleanOption(settings, enabled) !== true) return undefined;
  const v = settings?.get(option);
  if (v === undefined) {
    throw invalid(
      `'${enabled}' is 'true' but '${option}' is not set: set it to a duration, '0 s' to fire on every row or e.g. '5 s' to fire every 5 seconds of processing time`,
      undefined,
      { option, value: null },
    );
  }
  if (/^\s*-/.test(v)) {
    throw invalid(`SET '${option}' = '${v}': the delay must not be negative`, undefined, {
      option,
      value: v,
    });
  }
  return parseDuration(v, option);
}

/**
 * The {@link EmitStrategy} the settings ask for, or undefined for Flink's default (each window
 * fires once, when the watermark passes its end, and late rows are dropped). As in Flink, the
 * allowed lateness must not be below the late-fire delay.
 */
export function emitStrategy(settings: ReadonlyMap<string, string> | undefined): EmitStrategy | undefined {
  const earlyDelayMs = fireDelay(settings, "early");
  const lateDelayMs = fireDelay(settings, "late");
  const lateness = settings?.get("table.exec.emit.allow-lateness");
  if (lateness !== undefined && /^\s*-/.test(lateness)) {
    throw invalid(
      `SET 'table.exec.emit.allow-lateness' = '${lateness}': the lateness must not be negative`,
      undefined,
      {
        option: "table.exec.emit.allow-lateness",
        value: lateness,
      },
    );
  }
  const parsedLateness =
    lateness === undefined ? 0 : parseDuration(lateness, "table.exec.emit.allow-lateness");
  // Flink 1.20 (WindowEmitStrategy.parseAllowLateness) reads the lateness only with late firing
  // enabled: without it a late row is dropped as by default, whatever the lateness says.
  const allowLatenessMs = lateDelayMs === undefined ? 0 : parsedLateness;
  if (lateDelayMs !== undefined && allowLatenessMs < lateDelayMs) {
    throw invalid(
      `'table.exec.emit.allow-lateness' (${allowLatenessMs} ms) is below 'table.exec.emit.late-fire.delay' (${lateDelayMs} ms): a late firing would come after the window's state is gone; raise the lateness or lower the delay`,
      undefined,
      { option: "table.exec.emit.allow-lateness", value: lateness ?? null },
    );
  }
  if (earlyDelayMs === undefined && lateDelayMs === undefined && allowLatenessMs === 0) return undefined;
  return { earlyDelayMs, lateDelayMs, allowLatenessMs };
}

/** The emit strategy as EXPLAIN prints it: `emit=[early delay=0 ms, late delay=0 ms, allowLateness=1000 ms]`. */
export function emitStrategyText(s: EmitStrategy): string {
  const parts = [
    ...(s.earlyDelayMs === undefined ? [] : [`early delay=${s.earlyDelayMs} ms`]),
    ...(s.lateDelayMs === undefined ? [] : [`late delay=${s.lateDelayMs} ms`]),
    `allowLateness=${s.allowLatenessMs} ms`,
  ];
  return `emit=[${parts.join(", ")}]`;
}

/**
 * The mini-batch of an operator Flink bundles with a count trigger (group aggregation): as Flink
 * 1.20, which creates that trigger only for a positive `table.exec.mini-batch.size`, a query with
 * one refuses mini-batch without it (`spec` as {@link miniBatch} read it; Infinity: no size).
 */
export function bundledMiniBatch(spec: MiniBatch | undefined, operator: string): MiniBatch | undefined {
  if (spec === undefined || Number.isFinite(spec.size)) return spec;
  throw invalid(
    `'table.exec.mini-batch.enabled' is 'true' but 'table.exec.mini-batch.size' is not set or not positive: ${operator} bundles its input rows by it, so set it to a positive whole number of rows, e.g. '5000'`,
    undefined,
    { option: "table.exec.mini-batch.size" },
  );
}
