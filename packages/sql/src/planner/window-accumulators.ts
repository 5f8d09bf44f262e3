/**
 * What a window aggregation keeps per key and window (per key and slice of a sliding window, see
 * core's slicing window operator), and how a firing reads its key values and aggregate values.
 *
 * Two layouts:
 *
 * - *Keyed* (general): `{ keys, aggs }`, the key values of the first row beside one accumulator
 *   per aggregate. Any key and aggregate.
 * - *Compact*: for built-in aggregates with number accumulators (see plainAccumulators) and keys
 *   whose values the key text gives back exactly (integers, strings, booleans, NULL), the key
 *   values are read from the key text at a firing and the slice keeps only the accumulators: the
 *   array of them, or, for a single aggregate, its accumulator itself (COUNT's is a number, as
 *   the DataStream count of q5 is). A slice of a key then costs no object and no key array (q5:
 *   three allocations per auction and slice, and as many per merged copy at each firing, were
 *   most of its SQL job's garbage).
 *
 * Savepoints: the compact layout reads state of the keyed layout (versions before it) wherever
 * an accumulator comes in (add, merge, a firing), so a window restored from an older savepoint
 * goes on from where it was; the state's id and schema stay as they were.
 */

import { type AggregateFunction, longFromText, parseJsonWithLongs, textFitsLong } from "@fleuve/core";
import {
  type AggAcc,
  type AggregateCall,
  accumulator,
  createAcc,
  inputOf,
  mergeAcc,
  type PlainAccumulators,
  resultOf,
  updateAll,
} from "./aggregates.js";
import { INTEGER_TYPES, STRING_TYPES } from "./string-collection-functions.js";
import type { Row } from "./values.js";

/** The keyed layout: the key values (of the first row; null until one is added) and the accumulators. */
export interface KeyedAccumulators {
  keys: unknown[] | null;
  aggs: AggAcc[];
}

/** A layout: the aggregate function the window operator runs and how a firing reads its result. */
export interface WindowAccumulators {
  /** Its result is the accumulator itself, read by {@link results} and {@link keys} (nothing kept). */
  readonly fn: AggregateFunction<Row, unknown, unknown>;
  /** Writes the value of every aggregate of `acc` into `into`. */
  readonly results: (acc: unknown, into: unknown[]) => void;
  /**
   * The key values of window accumulator `acc` of key text `key` (see jsonKey), valid until the
   * next call (the array may be reused).
   */
  readonly keys: (key: string, acc: unknown) => readonly unknown[];
}

/** The keys of a window without any: shared, never written. */
const NONE: unknown[] = [];

/**
 * The keyed layout over `aggregates`: `addRow` (see rowAccumulator) when rows may go straight
 * into the accumulators, `plain` (see plainAccumulators) when they are all plain.
 */
export function keyedAccumulators(
  aggregates: readonly AggregateCall[],
  keyEvals: readonly ((row: Row) => unknown)[],
  addRow: ((accs: AggAcc[], row: Row) => void) | undefined,
  plain: PlainAccumulators | undefined,
): WindowAccumulators {
  const userAggregates = aggregates.some((a) => a.user !== undefined);
  const fn: AggregateFunction<Row, KeyedAccumulators, KeyedAccumulators> = {
    createAccumulator:
      plain === undefined
        ? () => ({ keys: null, aggs: aggregates.map(createAcc) })
        : () => ({ keys: null, aggs: plain.create() }),
    add(row, acc) {
      if (acc.keys === null) acc.keys = keyEvals.map((k) => k(row));
      if (addRow !== undefined) {
        addRow(acc.aggs, row);
        return acc;
      }
      // Inputs first, then the accumulators: a function that throws leaves the window as it was.
      acc.aggs = updateAll(
        aggregates,
        userAggregates,
        acc.aggs,
        aggregates.map((a) => inputOf(a, row)),
        1,
      );
      return acc;
    },
    getResult: (acc) => acc,
    // Into `x`, which the window operator owns (a fresh copy, see AggregateFunction.merge): a
    // sliding window merges its slices at every firing.
    merge(x, y) {
      if (x.keys === null) x.keys = y.keys;
      if (plain !== undefined) {
        plain.mergeInto(x.aggs, y.aggs);
        return x;
      }
      const xs = x.aggs;
      const ys = y.aggs;
      for (let i = 0; i < xs.length; i++)
        xs[i] = mergeAcc(aggregates[i] as AggregateCall, xs[i] as AggAcc, ys[i] as AggAcc);
      return x;
    },
  };
  return {
    fn: fn as AggregateFunction<Row, unknown, unknown>,
    results:
      plain !== undefined
        ? (acc, into) => {
            plain.results((acc as KeyedAccumulators).aggs, into);
          }
        : (acc, into) => {
            const aggs = (acc as KeyedAccumulators).aggs;
            for (let i = 0; i < aggregates.length; i++)
              into[i] = resultOf(aggregates[i] as AggregateCall, aggs[i] as AggAcc);
          },
    keys: (_key, acc) => (acc as KeyedAccumulators).keys ?? NONE,
  };
}

/**
 * Whether a key column of type `type` has its value given back exactly by its key text: integers
 * (held as numbers, printed and read back as the same number; NaN and the infinities, which print
 * `null`, are no integers), strings, booleans, and NULL of any of them. Not DOUBLE (NaN), not
 * temporal types or structured values.
 */
export function keyFromText(type: { kind: string; name?: string } | undefined): boolean {
  if (type?.kind !== "atomic" || type.name === undefined) return false;
  return INTEGER_TYPES.has(type.name) || STRING_TYPES.has(type.name) || type.name === "BOOLEAN";
}

/**
 * The key values of key text `[v, ...]` of `n` values (jsonKey's format): a one-number key read
 * as a number, anything else as the JSON it is. A one-value key's array is reused.
 */
export function keyValuesOfText(n: number): (key: string) => readonly unknown[] {
  if (n === 0) return () => NONE;
  // parseJsonWithLongs: a BIGINT past 2^53 in the key is read back exactly.
  if (n > 1) return (key) => parseJsonWithLongs(key) as unknown[];
  const one: unknown[] = [null];
  return (key) => {
    const c = key.charCodeAt(1);
    // `[1001]`, `[-3]`: the number's shortest text, which Number reads back exactly.
    one[0] =
      c === 45 || (c >= 48 && c <= 57)
        ? (integerOfKeyText(key) ?? keyNumber(key.slice(1, -1)))
        : (JSON.parse(key) as unknown[])[0];
    return one;
  };
}

/** A key's number text: a BIGINT past 2^53 exactly (a bigint), any other as Number reads it. */
function keyNumber(text: string): unknown {
  return /^-?\d{16,19}$/.test(text) && textFitsLong(text) ? longFromText(text) : Number(text);
}

/**
 * The integer of a one-number key text `[1001]` or `[-3]` of at most 15 digits (exact as a
 * double), read digit by digit: a window fires a row per key, and slicing the text to hand it to
 * Number allocated a string for each. Undefined for any other text (a fraction, an exponent).
 */
export function integerOfKeyText(key: string): number | undefined {
  const last = key.length - 1;
  const negative = key.charCodeAt(1) === 45;
  const first = negative ? 2 : 1;
  if (last <= first || last - first > 15 || key.charCodeAt(last) !== 93) return undefined;
  let v = 0;
  for (let i = first; i < last; i++) {
    const d = key.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

/** Whether `acc` is of the keyed layout (state of a version before the compact one). */
function isKeyed(acc: unknown): acc is KeyedAccumulators {
  return (
    typeof acc === "object" &&
    acc !== null &&
    !Array.isArray(acc) &&
    Array.isArray((acc as KeyedAccumulators).aggs) &&
    Object.hasOwn(acc, "keys")
  );
}

/**
 * The compact layout over plain `aggregates` with `keyCount` keys that the key text gives back
 * (see {@link keyFromText}): the accumulators' array, or a single aggregate's accumulator.
 */
export function compactAccumulators(
  aggregates: readonly AggregateCall[],
  keyCount: number,
  addRow: ((accs: AggAcc[], row: Row) => void) | undefined,
  plain: PlainAccumulators,
): WindowAccumulators {
  const keys = keyValuesOfText(keyCount);
  const single = aggregates.length === 1 ? accumulator(aggregates[0] as AggregateCall) : undefined;
  if (single !== undefined) {
    const merge = plain.mergers[0] as (x: AggAcc, y: AggAcc) => AggAcc;
    const read = plain.readers[0] as (acc: AggAcc) => unknown;
    const own = (acc: unknown): AggAcc => (isKeyed(acc) ? (acc.aggs[0] as AggAcc) : (acc as AggAcc));
    return {
      fn: {
        createAccumulator: plain.makers[0] as () => AggAcc,
        add: (row, acc) => single(own(acc), row),
        getResult: (acc) => acc,
        // Into `x` when it is an array (SUM's `[sum, count]`, MIN/MAX's `[]`/`[v]`), which the
        // window operator owns; a count is a new number.
        merge: (x, y) => merge(own(x), own(y)),
      },
      results(acc, into) {
        into[0] = read(own(acc));
      },
      keys,
    };
  }
  const userAggregates = aggregates.some((a) => a.user !== undefined);
  const own = (acc: unknown): AggAcc[] => (isKeyed(acc) ? acc.aggs : (acc as AggAcc[]));
  return {
    fn: {
      createAccumulator: plain.create,
      add(row, acc) {
        const aggs = own(acc);
        if (addRow !== undefined) {
          addRow(aggs, row);
          return aggs;
        }
        // Inputs first, then the accumulators: a function that throws leaves the window as it was.
        return updateAll(
          aggregates,
          userAggregates,
          aggs,
          aggregates.map((a) => inputOf(a, row)),
          1,
        );
      },
      getResult: (acc) => acc,
      merge(x, y) {
        const xa = own(x);
        plain.mergeInto(xa, own(y));
        return xa;
      },
    },
    results(acc, into) {
      plain.results(own(acc), into);
    },
    keys,
  };
}
