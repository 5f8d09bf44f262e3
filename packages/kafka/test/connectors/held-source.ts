/**
 * Test helper (not a test file): a source whose readers hold part-way through their input until
 * the test lets them go on, so a test decides what happens before the rest is read (stop a broker,
 * take a checkpoint) instead of hoping the machine is slow or fast enough.
 */
import type { Source, SourceOutput } from "@fleuve/core";

/** When the readers of {@link heldSource} wait. */
export interface Gate {
  /** True while a reader that has emitted its share must wait (checked at every poll). */
  closed(): boolean;
  /** A reader began to wait (once per reader). */
  onHold?(subtaskIndex: number): void;
  /** A checkpoint taken while a reader was waiting completed. */
  onCheckpointWhileHeld?(): void;
}

/**
 * `source`, whose readers, once each has emitted `after` records, say "nothing-yet" while
 * `gate.closed()`. Checkpoints go on while they wait.
 */
export function heldSource<T>(source: Source<T>, after: number, gate: Gate): Source<T> {
  return {
    bounded: source.bounded,
    ...(source.rescalable === undefined ? {} : { rescalable: source.rescalable }),
    createReader(ctx) {
      const inner = source.createReader(ctx);
      let emitted = 0;
      let holding = false;
      let snapshotWhileHeld = false;
      const counting = (o: SourceOutput<T>): SourceOutput<T> => ({
        collect(value, timestamp) {
          emitted++;
          o.collect(value, timestamp);
        },
        emitWatermark: (w) => o.emitWatermark(w),
        markIdle: () => o.markIdle(),
        forSplit: (id) => counting(o.forSplit(id)),
        releaseSplit: (id) => o.releaseSplit(id),
        reject: (raw, reason, timestamp) => o.reject(raw, reason, timestamp),
      });
      const waiting = () => emitted >= after && gate.closed();
      // The inner reader may be a class instance: delegate by name (a spread would miss methods).
      return {
        poll(output, max) {
          if (waiting()) {
            if (!holding) gate.onHold?.(ctx.subtaskIndex);
            holding = true;
            return "nothing-yet";
          }
          return inner.poll(counting(output), max);
        },
        available: () =>
          waiting()
            ? new Promise((r) => setTimeout(r, 20))
            : (inner.available?.() ?? new Promise((r) => setTimeout(r, 1))),
        snapshot(id) {
          if (waiting()) snapshotWhileHeld = true;
          return inner.snapshot?.(id);
        },
        restore: (state) => inner.restore?.(state),
        notifyCheckpointComplete(id) {
          inner.notifyCheckpointComplete?.(id);
          if (snapshotWhileHeld) {
            snapshotWhileHeld = false;
            gate.onCheckpointWhileHeld?.();
          }
        },
        close: () => inner.close?.(),
      };
    },
  };
}
