/**
 * The demo job's source: the `clicks` topic read with logSource (positions in checkpoints), which
 * ends once the generator has written the whole run and the reader has caught up with it. A log
 * topic has no end of its own; without one, the windows of the last minute would never fire.
 */
import type { PollStatus, Source, SourceOutput, SourceReader } from "@fleuve/core";
import { type Log, logSource } from "@fleuve/log";
import type { ClickEvent } from "./clickstream.js";

/**
 * Reads `topic` of `log` until `finished()` holds and every partition is read to its end.
 * `opened` is called as each reader is created: the job has then restored its checkpoint, if any.
 */
export function clickLogSource(
  log: Log,
  topic: string,
  finished: () => boolean,
  bounded: boolean,
  opened?: () => void,
): Source<ClickEvent> {
  const inner = logSource<ClickEvent>({
    log,
    topic,
    deserialize: (r) => JSON.parse(r.value!.toString()) as ClickEvent,
  });
  return {
    bounded,
    rescalable: inner.rescalable,
    createReader(ctx): SourceReader<ClickEvent> {
      const reader = inner.createReader(ctx);
      opened?.();
      return {
        poll(out: SourceOutput<ClickEvent>, max: number): PollStatus {
          // Read before polling: an event appended after this check is seen by a later poll.
          const allWritten = finished();
          const status = reader.poll(out, max);
          // "nothing-yet" from the log reader: every partition it owns is read to its end.
          return status === "nothing-yet" && allWritten ? "end" : status;
        },
        available: () => reader.available?.() ?? new Promise((r) => setTimeout(r, 2)),
        snapshot: (id) => reader.snapshot?.(id),
        restore: (s) => reader.restore?.(s),
        notifyCheckpointComplete: (id) => reader.notifyCheckpointComplete?.(id),
        close: () => reader.close?.(),
      };
    },
  };
}
