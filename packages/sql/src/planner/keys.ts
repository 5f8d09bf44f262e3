/**
 * The key a keyed operator partitions and keeps its state by: the JSON text of the list of the
 * key values (`[1001]`, `["a",2]`), the format every SQL operator has always used, so that state
 * in savepoints keeps its keys. Built without the intermediate array and, for the common single
 * number or string key, without a general JSON.stringify call: this runs for every record, at
 * the exchange and again at the operator.
 *
 * -0.0 and 0.0 are two keys (`[-0]`, `[0]`), as in Flink, whose keys are binary rows compared by
 * their bytes (BinaryRowWriter.writeDouble keeps the sign bit): `GROUP BY` a DOUBLE puts them in
 * two groups, and a join on one does not match -0.0 with 0.0.
 *
 * Each selector also remembers the last key it made: rows in a row often have the same key (the
 * rows of one window that a window aggregation fires, keyed by `window_start, window_end` further
 * on; a hot auction's bids), and then the text is neither built again nor hashed again by the
 * state's map (the same string is returned, whose hash V8 keeps). A one-value selector remembers
 * the texts of its recent finite-number keys (ids) in a small direct-mapped cache, for keys that
 * recur without being consecutive (the bids of the auctions in flight).
 */

import { jsonWithLongs } from "@fleuve/core";
import type { Row } from "./values.js";

/** The key selector of `evals` (each one value of the key): the JSON text of their values' list. */
export function jsonKey(evals: readonly ((row: Row) => unknown)[]): (row: Row) => string {
  if (evals.length === 0) return () => "";
  if (evals.length === 1) {
    const ev = evals[0] as (row: Row) => unknown;
    // No last key yet: a value no row has (a fresh object is never remembered, see primitive).
    let last: unknown = {};
    let lastText = "";
    const cache = new NumberKeyCache();
    return (row) => {
      const v = ev(row);
      if (typeof v === "number" && Number.isFinite(v)) return cache.text(v);
      if (v === last) return lastText;
      const text = `[${jsonValue(v)}]`;
      if (primitive(v)) {
        last = v;
        lastText = text;
      }
      return text;
    };
  }
  const n = evals.length;
  const last: unknown[] = [];
  let lastText: string | undefined;
  const numbers = new NumbersKeyCache(n);
  const values: unknown[] = new Array(n).fill(undefined);
  return (row) => {
    let finite = true;
    for (let i = 0; i < n; i++) {
      const v = (evals[i] as (row: Row) => unknown)(row);
      values[i] = v;
      if (typeof v !== "number" || !Number.isFinite(v)) finite = false;
    }
    if (finite) return numbers.text(values as number[]);
    let text = "[";
    let same = lastText !== undefined;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (same && Object.is(v, last[i])) continue;
      if (same) {
        // The first value that differs: the text of the ones before it, as they were.
        same = false;
        for (let j = 0; j < i; j++) text += `${j > 0 ? "," : ""}${jsonValue(last[j])}`;
      }
      if (i > 0) text += ",";
      text += jsonValue(v);
      last[i] = v;
    }
    if (same) return lastText as string;
    text += "]";
    // Remembered only if every value is one that === tells apart by its JSON text.
    lastText = last.every(primitive) ? text : undefined;
    return text;
  };
}

/** Slots of a selector's cache of recent number keys (a power of two: a slot is the key's low bits). */
const CACHE_SLOTS = 4096;

/**
 * The texts of recent one-value keys that are finite numbers, direct-mapped: a slot holds the
 * last key whose low bits it is (a differing key replaces it), so a lookup is one comparison.
 */
class NumberKeyCache {
  private readonly values = new Float64Array(CACHE_SLOTS);
  /** The text of each slot's key; undefined while the slot is empty. */
  private readonly texts: (string | undefined)[] = new Array(CACHE_SLOTS).fill(undefined);

  /** The key text of finite number `v` (`[v]`), the remembered string when its slot holds `v`. */
  text(v: number): string {
    // -0 has a text of its own, and would share 0's slot: it is not cached.
    if (v === 0 && 1 / v < 0) return "[-0]";
    // The high word spreads keys above 2^32.
    const slot = (v ^ (v / 4294967296)) & (CACHE_SLOTS - 1);
    const hit = this.texts[slot];
    if (hit !== undefined && this.values[slot] === v) return hit;
    const text = `[${String(v)}]`;
    this.values[slot] = v;
    this.texts[slot] = text;
    return text;
  }
}

/**
 * The texts of recent keys of `n` values that are all finite numbers (`[1001,12]`: q4's `GROUP
 * BY A.id, A.category`), direct-mapped as {@link NumberKeyCache}: a slot holds the last key whose
 * values hash to it.
 */
class NumbersKeyCache {
  private readonly values: Float64Array;
  private readonly texts: (string | undefined)[] = new Array(CACHE_SLOTS).fill(undefined);

  constructor(private readonly n: number) {
    this.values = new Float64Array(CACHE_SLOTS * n);
  }

  /** The key text of finite numbers `vs` (`[a,b]`), the remembered string when its slot holds them. */
  text(vs: readonly number[]): string {
    const n = this.n;
    let h = 0;
    let negativeZero = false;
    for (let i = 0; i < n; i++) {
      const v = vs[i] as number;
      h = Math.imul(h ^ ((v ^ (v / 4294967296)) | 0), 0x9e3779b1);
      if (v === 0 && 1 / v < 0) negativeZero = true;
    }
    // A key with -0 would match one with 0 in its slot (`===`): it is not cached.
    if (negativeZero) return `[${vs.map(numberText).join(",")}]`;
    const slot = (h >>> 20) & (CACHE_SLOTS - 1);
    const hit = this.texts[slot];
    const at = slot * n;
    if (hit !== undefined) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (this.values[at + i] !== vs[i]) {
          same = false;
          break;
        }
      }
      if (same) return hit;
    }
    let text = "[";
    for (let i = 0; i < n; i++) {
      const v = vs[i] as number;
      text += i === 0 ? String(v) : `,${String(v)}`;
      this.values[at + i] = v;
    }
    text += "]";
    this.texts[slot] = text;
    return text;
  }
}

/** The key selector of columns `names` of the rows. */
export function columnsKey(names: readonly string[]): (row: Row) => string {
  return jsonKey(names.map((n) => (row: Row) => row[n]));
}

/**
 * Whether `v` is a value whose JSON text `Object.is` decides: null, a boolean, a string or a
 * number (equal numbers print alike, -0 as `-0`; NaN prints `null`) or a bigint (a BIGINT past
 * 2^53, its digits). An object may have changed since.
 */
function primitive(v: unknown): boolean {
  const t = typeof v;
  return v === null || t === "number" || t === "string" || t === "boolean" || t === "bigint";
}

/** Finite number `v`'s text in a key: its shortest round-trip text, `-0` for -0 (String gives `0`). */
function numberText(v: number): string {
  return v === 0 && 1 / v < 0 ? "-0" : String(v);
}

/** `v` as an element of a JSON array (undefined as null, as JSON.stringify writes it there). */
function jsonValue(v: unknown): string {
  // A finite number's JSON text is its shortest round-trip text, which String gives too.
  if (typeof v === "number" && Number.isFinite(v)) return numberText(v);
  if (v === undefined) return "null";
  // A BIGINT past 2^53 (a bigint) is its exact digits, as a long is in Flink's keys.
  if (typeof v === "bigint") return String(v);
  return jsonWithLongs(v) ?? "null";
}
