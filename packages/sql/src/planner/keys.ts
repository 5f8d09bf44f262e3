/**
 * The key a keyed operator partitions and keeps its state by: the JSON text of the list of the
 * key values (`[1001]`, `["a",2]`), the format every SQL operator has always used, so that state
 * in savepoints keeps its keys. Built without the intermediate array and, for the common single
 * number or string key, without a general JSON.stringify call: this runs for every record, at
 * the exchange and again at the operator.
 */

import type { Row } from "./values.js";

/** The key selector of `evals` (each one value of the key): the JSON text of their values' list. */
export function jsonKey(evals: readonly ((row: Row) => unknown)[]): (row: Row) => string {
  if (evals.length === 0) return () => "";
  if (evals.length === 1) {
    const ev = evals[0] as (row: Row) => unknown;
    return (row) => `[${jsonValue(ev(row))}]`;
  }
  return (row) => {
    let text = "[";
    for (let i = 0; i < evals.length; i++) {
      if (i > 0) text += ",";
      text += jsonValue((evals[i] as (row: Row) => unknown)(row));
    }
    return `${text}]`;
  };
}

/** The key selector of columns `names` of the rows. */
export function columnsKey(names: readonly string[]): (row: Row) => string {
  return jsonKey(names.map((n) => (row: Row) => row[n]));
}

/** `v` as an element of a JSON array (undefined as null, as JSON.stringify writes it there). */
function jsonValue(v: unknown): string {
  // A finite number's JSON text is its shortest round-trip text, which String gives too.
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (v === undefined) return "null";
  return JSON.stringify(v) ?? "null";
}
