/**
 * Group aggregation with `table.exec.mini-batch.enabled` (Flink's MiniBatchGroupAggFunction): the
 * input rows of a bundle are held per key, and when the bundle ends (mini-batch.ts: size,
 * latency, watermark, checkpoint, end of input) each key's rows are folded into its group at
 * once, one state read and write per key, and the group sends one change for the bundle
 * (GroupAggFunction.processBundle). The final table and the state are the plain group
 * aggregation's (the same state name and layout, so a savepoint moves between the two); the
 * changelog is shorter: a group updated by many rows of a bundle sends one `-U`/`+U` pair, and
 * what follows it has that much less to do (q4's AVG over its MAX).
 */

import type { ValueStateDescriptor } from "@fleuve/core";
import { type Key, type KeyedStateBackend, type NormalizedKey, SKIP_RECORD } from "@fleuve/core/spi";
import type { GroupAggFunction } from "../planner/group-aggregate.js";
import type { Row } from "../planner/values.js";
import { MiniBatchOperator, type MiniBatchSpec } from "./mini-batch.js";

/** One key's input rows of the current bundle. */
interface KeyRows {
  /** The key as its selector returned it, to make it current again when the bundle ends. */
  readonly key: Key;
  readonly rows: Row[];
  /** The timestamp of the key's last row: its change's timestamp. */
  timestamp: number;
}

/** A group aggregation's operator under mini-batch (see the file's comment). */
export class MiniBatchGroupAggOperator extends MiniBatchOperator<Row, Row> {
  private fn: GroupAggFunction;
  private backend!: KeyedStateBackend;
  /** The current bundle's rows by key, in the order the keys first came. */
  private readonly bundle = new Map<NormalizedKey, KeyRows>();
  private readonly out = {
    timestamp: 0,
    collect: (r: Row) => this.output.collect(r, this.out.timestamp),
  };
  /** A row whose aggregate threw: the job's error policy fails the job or skips the row. */
  private readonly rejected = (error: unknown, row: Row) => {
    const e = this.userError(error, row, this.out.timestamp);
    if (e !== SKIP_RECORD) throw e;
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
    const held = this.bundle.get(nk);
    if (held === undefined)
      this.bundle.set(nk, { key: this.backend.getCurrentKey(), rows: [value], timestamp });
    else {
      held.rows.push(value);
      held.timestamp = timestamp;
    }
  }

  protected finishBundle(): void {
    const { backend, fn, out, rejected } = this;
    for (const [nk, held] of this.bundle) {
      backend.setCurrentKey(held.key, nk);
      out.timestamp = held.timestamp;
      fn.processBundle(held.rows, out, rejected);
    }
    this.bundle.clear();
  }
}
