// Shared test helpers: temp directories and record comparison.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { LogRecord, ProducerRecord } from "../src/index.js";

/** A fresh temp directory, removed when the process exits. */
const created: string[] = [];
process.on("exit", () => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});
export function tmpDir(prefix = "fleuve-log-"): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(d);
  return d;
}

/** A comparable plain form of a record (hex for bytes). */
export function plain(r: ProducerRecord | LogRecord): unknown {
  return {
    key: r.key == null ? null : r.key.toString("hex"),
    value: r.value == null ? null : r.value.toString("hex"),
    headers: (r.headers ?? []).map(([k, v]) => [k, v.toString("hex")]),
    timestamp: r.timestamp,
  };
}

/** A settable clock for retention, rolling and tombstone tests. */
export function manualClock(start = 1_700_000_000_000): {
  now: () => number;
  set: (t: number) => void;
  advance: (ms: number) => void;
} {
  let t = start;
  return { now: () => t, set: (v) => (t = v), advance: (ms) => (t += ms) };
}
