/**
 * Group aggregation with `table.exec.mini-batch.enabled` (Flink's MiniBatchGroupAggFunction): the
 * groups a bundle touches are held from the bundle's first row of each (its state read once) to
 * the bundle's end (mini-batch.ts: size, latency, watermark, checkpoint, end of input), when each
 * one's state is written once and the group sends one change for the whole bundle
 * (GroupAggFunction.holdGroup, foldHeld, sendHeld). Flink buffers a bundle's input rows per key
 * and folds them at its end; here each row is folded into its held group as it comes, which
 * gives the same state and the same changes at the bundle's end without keeping the rows (up to
 * `size` of them would outlive the young generation of the garbage collector). The final table
 * and the state are the plain group aggregation's (the same state name and layout, so a
 * savepoint moves between the two); the changelog is shorter: a group updated by many rows of a
 * bundle sends one `-U`/`+U` pair, and what follows it has that much less to do (q4's AVG over
 * its MAX).
 *
 * A row whose key values are all finite numbers finds its held group by them, in a direct-mapped
 * table of the bundle's groups, without the key's text or the backend's current key (needed only
 * when the group is first held and when it is sent): q4's MAX takes 658k joined rows into about
 * 2,000 groups per bundle, and building, normalizing and looking up each row's key text was most
 * of its cost per row.
 */

import type { ValueStateDescriptor } from "@fleuve/core";
import type { Key, KeyedStateBackend, NormalizedKey } from "@fleuve/core/spi";
import type { GroupAggFunction, HeldGroup } from "../planner/group-aggregate.js";
import type { Row } from "../planner/values.js";
import { MiniBatchOperator, type MiniBatchSpec } from "./mini-batch.js";

/** Slots of the table of held groups by number keys (a power of two: a slot is the keys' hash's low bits). */
const SLOTS = 4096;

/** A key's group held in the current bundle. */
interface Held {
  /** The key as its selector returned it, to make it current again when the bundle ends. */
  readonly key: Key;
  readonly group: HeldGroup;
  /** The timestamp of the key's last row: its change's timestamp. */
  timestamp: number;
}

/** A group aggregation's operator under mini-batch (see the file's comment). */
export class MiniBatchGroupAggOperator extends MiniBatchOperator<Row, Row> {
  private fn: GroupAggFunction;
  private backend!: KeyedStateBackend;
  /** The groups of the current bundle by key, in the order the keys first came. */
  private readonly held = new Map<NormalizedKey, Held>();
  private readonly out = {
    timestamp: 0,
    collect: (r: Row) => this.output.collect(r, this.out.timestamp),
  };
  /** The key values of the current row (meaningful while {@link slot} >= 0). */
  private keyValues: unknown[] = [];
  /** Per slot, the number key values of the held group in {@link slotHeld} (`SLOTS` times the keys). */
  private slotKeys = new Float64Array(0);
  /** Per slot, a held group of this bundle whose key values hash to it, or undefined. */
  private slotHeld: (Held | undefined)[] = [];
  /** The current row's slot; -1 when a key value is not a finite number other than -0, or a key throws. */
  private slot = -1;
  /** The current row's held group found in its slot by {@link setKeyContextElement}, else undefined. */
  private found: Held | undefined;

  constructor(fn: GroupAggFunction, miniBatch: MiniBatchSpec) {
    super(miniBatch);
    this.fn = fn;
  }

  override open(): void {
    super.open();
    // One function per subtask (as the keyed process operator runs the plain one): what it sets
    // in open() stays this subtask's.
    this.fn = Object.create(this.fn) as GroupAggFunction;
    const backend = this.keyedState;
    this.backend = backend;
    // The function reads its state through getState only (see GroupAggFunction.open).
    this.fn.open({ getState: (d: ValueStateDescriptor<unknown>) => backend.getState(d) } as never);
    const n = this.fn.keyEvals.length;
    this.keyValues = new Array(n).fill(undefined);
    this.slotKeys = new Float64Array(SLOTS * n);
    this.slotHeld = new Array(SLOTS).fill(undefined);
  }

  /**
   * Finds the row's held group by its number key values when this bundle holds it (see the file's
   * comment); else sets the current key as every keyed operator does, for {@link addToBundle}.
   */
  override setKeyContextElement(value: unknown, input = 0): void {
    const slot = this.slotOf(value as Row);
    this.slot = slot;
    if (slot >= 0) {
      const held = this.slotHeld[slot];
      if (held !== undefined && this.sameKeys(slot)) {
        this.found = held;
        return;
      }
    }
    this.found = undefined;
    super.setKeyContextElement(value, input);
  }

  /**
   * The slot of the row's key values when they are all finite numbers other than -0 (which
   * `===` would take for 0, a key of its own), else -1; also -1 when a key throws, whose error the
   * key selector then gives as for any keyed operator.
   */
  private slotOf(row: Row): number {
    const { keyEvals } = this.fn;
    const values = this.keyValues;
    let h = 0;
    try {
      for (let i = 0; i < keyEvals.length; i++) {
        const v = (keyEvals[i] as (row: Row) => unknown)(row);
        values[i] = v;
        if (typeof v !== "number" || !Number.isFinite(v) || (v === 0 && 1 / v < 0)) return -1;
        // The high word spreads keys above 2^32.
        h = Math.imul(h ^ ((v ^ (v / 4294967296)) | 0), 0x9e3779b1);
      }
    } catch {
      return -1;
    }
    return (h >>> 20) & (SLOTS - 1);
  }

  /** Whether slot `slot` holds the current row's key values. */
  private sameKeys(slot: number): boolean {
    const values = this.keyValues;
    const at = slot * values.length;
    for (let i = 0; i < values.length; i++) if (this.slotKeys[at + i] !== values[i]) return false;
    return true;
  }

  protected addToBundle(value: Row, timestamp: number): void {
    let held = this.found;
    this.found = undefined;
    if (held === undefined) {
      const nk = this.backend.currentKey;
      held = this.held.get(nk);
      if (held === undefined) {
        held = { key: this.backend.getCurrentKey(), group: this.fn.holdGroup(), timestamp };
        this.held.set(nk, held);
      }
      const slot = this.slot;
      if (slot >= 0) {
        // The slot now names this group (a group it named before stays held, found by its key).
        const values = this.keyValues;
        const at = slot * values.length;
        for (let i = 0; i < values.length; i++) this.slotKeys[at + i] = values[i] as number;
        this.slotHeld[slot] = held;
      }
    }
    held.timestamp = timestamp;
    try {
      this.fn.foldHeld(held.group, value);
    } catch (e) {
      // The job's error policy: the job fails, or the row is skipped (the group as before it).
      throw this.userError(e, value, timestamp);
    }
  }

  protected finishBundle(): void {
    const { backend, fn, out } = this;
    for (const [nk, held] of this.held) {
      backend.setCurrentKey(held.key, nk);
      out.timestamp = held.timestamp;
      fn.sendHeld(held.group, out);
    }
    this.held.clear();
    this.slotHeld.fill(undefined);
  }
}
