/**
 * Rows of fixed columns kept column by column: a number column in a Float64Array, any other in a
 * plain array. An operator that holds many insert-only rows for a while (the bound join's buffer
 * of bids) then holds no object per row: the rows it was sent die young instead of being copied
 * by each young-generation collection and promoted, and a timestamp is no boxed number. Reading
 * a row back fills one reused object (the cursor) or builds a new one; the values come back as
 * they were put (a Float64Array keeps every number exactly, -0 and NaN included).
 *
 * A column declared numeric falls back to a plain array, for good, at its first value that is
 * not a number (a NULL): right for any value, fast for the common case.
 *
 * Columns are read and written by generated code, one property access per column name (as
 * row-builders.ts does), so that those accesses stay monomorphic; names go in as JSON string
 * literals (`__proto__` as a computed key), which cannot inject code.
 */

import type { Row } from "../planner/values.js";

/** A column of {@link RowColumns} to keep. */
export interface KeptColumn {
  /** The column's key in the rows. */
  readonly name: string;
  /** Whether its values are expected to be numbers (kept in a Float64Array until one is not). */
  readonly numeric: boolean;
}

/** The storage of one column: `nums` while every value put was a number, else `vals`. */
interface Store {
  nums: Float64Array | null;
  vals: unknown[] | null;
}

/** Puts `v` at `i` of column `c` (`size`: its rows so far), falling back to a plain array for good. */
function put(c: Store, i: number, v: unknown, size: number): void {
  const nums = c.nums;
  if (nums !== null) {
    if (typeof v === "number") {
      nums[i] = v;
      return;
    }
    const vals: unknown[] = new Array(size);
    for (let j = 0; j < size; j++) vals[j] = nums[j];
    c.vals = vals;
    c.nums = null;
  }
  (c.vals as unknown[])[i] = v;
}

/** The key of column `name` in generated code (see row-builders.ts). */
function key(name: string): string {
  return name === "__proto__" ? '["__proto__"]' : JSON.stringify(name);
}

/** The value at `i` of column `c`. */
function get(c: Store, i: number): unknown {
  const nums = c.nums;
  return nums !== null ? nums[i] : (c.vals as unknown[])[i];
}

/** Rows of fixed columns, column by column (see the module comment), in the order they were added. */
export class RowColumns {
  private readonly stores: Store[];
  private capacity: number;
  private count = 0;
  private readonly pushRow: (stores: Store[], row: Row, i: number, size: number, p: typeof put) => void;
  private readonly fillRow: (stores: Store[], into: Row, i: number, g: typeof get) => void;
  private readonly buildRow: (stores: Store[], i: number, g: typeof get) => Row;

  constructor(columns: readonly KeptColumn[], capacity = 1024) {
    this.capacity = Math.max(1, capacity);
    this.stores = columns.map((c) => ({
      nums: c.numeric ? new Float64Array(this.capacity) : null,
      vals: c.numeric ? null : [],
    }));
    const lit = (c: KeptColumn) => JSON.stringify(c.name);
    this.pushRow = new Function(
      "s",
      "row",
      "i",
      "size",
      "put",
      columns.map((c, j) => `put(s[${j}], i, row[${lit(c)}], size);`).join("\n"),
    ) as RowColumns["pushRow"];
    this.fillRow = new Function(
      "s",
      "into",
      "i",
      "get",
      columns.map((c, j) => `into[${lit(c)}] = get(s[${j}], i);`).join("\n"),
    ) as RowColumns["fillRow"];
    this.buildRow = new Function(
      "s",
      "i",
      "get",
      `return { ${columns.map((c, j) => `${key(c.name)}: get(s[${j}], i)`).join(", ")} };`,
    ) as RowColumns["buildRow"];
  }

  /** How many rows are kept. */
  get size(): number {
    return this.count;
  }

  /** Adds `row` (its kept columns) at the end; returns its index. */
  push(row: Row): number {
    const i = this.count;
    if (i === this.capacity) this.grow();
    this.pushRow(this.stores, row, i, i, put);
    this.count = i + 1;
    return i;
  }

  /** Sets the kept columns of `into` (the cursor) to the values of row `i`. */
  fill(i: number, into: Row): void {
    this.fillRow(this.stores, into, i, get);
  }

  /** A new object of row `i`'s kept columns. */
  row(i: number): Row {
    return this.buildRow(this.stores, i, get);
  }

  /** A new empty object with the kept columns (null), to pass to {@link fill}. */
  cursor(): Row {
    return this.buildRow(
      this.stores.map(() => ({ nums: null, vals: [null] })),
      0,
      get,
    );
  }

  /** Moves row `from` to index `to` (`to <= from`): compaction. */
  move(from: number, to: number): void {
    for (const c of this.stores) {
      if (c.nums !== null) c.nums[to] = c.nums[from] as number;
      else (c.vals as unknown[])[to] = (c.vals as unknown[])[from];
    }
  }

  /** Keeps the first `n` rows only; the values of the others are let go. */
  truncate(n: number): void {
    for (const c of this.stores) if (c.vals !== null) c.vals.fill(undefined, n, this.count);
    this.count = n;
  }

  private grow(): void {
    this.capacity *= 2;
    for (const c of this.stores) {
      if (c.nums === null) continue;
      const next = new Float64Array(this.capacity);
      next.set(c.nums);
      c.nums = next;
    }
  }
}
