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
 */

import type { ValueStateDescriptor } from "@fleuve/core";
import type { Key, KeyedStateBackend, NormalizedKey } from "@fleuve/core/spi";
import type { GroupAggFunction, HeldGroup } from "../planner/group-aggregate.js";
import type { Row } from "../planner/values.js";
import { MiniBatchOperator, type MiniBatchSpec } from "./mini-batch.js";

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
  }

  protected addToBundle(value: Row, timestamp: number): void {
    const nk = this.backend.currentKey;
    let held = this.held.get(nk);
    if (held === undefined) {
      held = { key: this.backend.getCurrentKey(), group: this.fn.holdGroup(), timestamp };
      this.held.set(nk, held);
    } else held.timestamp = timestamp;
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
  }
}
