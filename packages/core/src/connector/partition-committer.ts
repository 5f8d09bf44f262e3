/**
 * The partition committer of the `filesystem` sink (Flink's PartitionCommitter operator): the
 * sink's global committer (see `TwoPhaseCommitSink.globalCommitter`), one subtask downstream of
 * every writer subtask, wherever they run (one thread, worker threads, `--group` processes over
 * exactly-once exchanges: the writers' messages come through the job's edges like any record).
 *
 * Each writer sends, at each checkpoint before its barrier, the part files it prepared and its
 * report (the partitions it wrote since the previous checkpoint, with their creation time, and its
 * watermark); and once more when its input ends. The committer files what it receives under the
 * checkpoint it snapshots next (so its checkpoint `n` holds every writer's files and partitions of
 * `n`: see below where that holds), and when checkpoint `n` completes:
 *
 * 1. makes the files of checkpoints up to `n` visible (renames them, as the writers do too: both
 *    are idempotent, whichever comes first), so that no success file is written before the files
 *    it vouches for, whatever thread commits them;
 * 2. adds their partitions to the waiting ones (a partition's creation time the earliest reported);
 * 3. commits the waiting partitions whose trigger fires (see partition-commit.ts), or all of them
 *    once every writer's input ended (the first checkpoint after the committer's own end).
 *
 * Its checkpoint holds the files and partitions it has not committed; a restore commits them at
 * the first checkpoint that completes. Each writer also sends, with its first message after a
 * restore, the files and reports of the checkpoint it restored: a checkpoint taken before the
 * sink had this committer holds its pending partitions only there. Without checkpointing it
 * commits everything at the end of its input (the writers committed their files before sending
 * their last message).
 *
 * "Checkpoint `n` holds every writer's files of `n`" needs the writers' checkpoint `n` to complete
 * with the committer's: true in one process (one thread or worker threads, one checkpoint for the
 * job) and under `--group` over exactly-once exchanges (a writer's messages are read once its
 * checkpoint completed). Over at-least-once exchanges it is not, and the job is refused at start
 * (`checkGlobalCommitters`). A file missing under both names then fails the commit rather than
 * being skipped: it can only have been lost outside the job, and a success file would vouch for
 * a partition without its rows.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { OneInputOperator } from "../spi/operator.js";
import { commitFilesystemPartFiles, type PartFile, syncDir } from "./part-files.js";
import { type PartitionCommitConfig, type PartitionReport, writeSuccessFile } from "./partition-commit.js";
import type { PartitionLayout } from "./partition-path.js";
import type { CommittableMessage } from "./sink.js";

/** A writer's committable as the committer reads it: a part file (`inProgress` empty: none), maybe with the writer's report. */
export interface CommitterInput extends PartFile {
  readonly report?: PartitionReport;
}

/** What the committer received before one of its snapshots; checkpointed until that checkpoint completes. */
interface Received {
  /** The checkpoint whose completion commits it; -1 for a restored one (any completion does). */
  checkpointId: number;
  files: PartFile[];
  /** Partition path and creation time. */
  partitions: [string, number][];
  /** The latest watermark of each writer subtask (null: none yet), with the writers' parallelism. */
  marks: [number, number | null][];
  parallelism: number;
}

/** The committer's checkpointed state. */
interface CommitterState {
  received: Received[];
  /** Partitions whose files are visible, waiting for their trigger: path and creation time. */
  waiting: [string, number][];
}

function emptyReceived(checkpointId: number): Received {
  return { checkpointId, files: [], partitions: [], marks: [], parallelism: 0 };
}

/** See the file's comment. One subtask (parallelism 1). */
export class PartitionCommitOperator extends OneInputOperator<CommittableMessage<CommitterInput>, never> {
  private incoming = emptyReceived(Number.POSITIVE_INFINITY);
  private received: Received[] = [];
  private waiting = new Map<string, number>();
  /** The latest watermark of each writer subtask of the current run. */
  private readonly marks = new Map<number, number | null>();
  private parallelism = 0;
  /** The first checkpoint this committer snapshotted after its input ended (every writer's had). */
  private endedAt: number | undefined;
  private ended = false;

  /**
   * `dir` the table's directory; `now` the processing time of the process-time trigger (the
   * sink's clock, as the writers' creation times).
   */
  constructor(
    private readonly dir: string,
    private readonly layout: PartitionLayout,
    private readonly config: PartitionCommitConfig,
    private readonly now: () => number,
  ) {
    super();
  }

  processElement(message: CommittableMessage<CommitterInput>): void {
    const r = this.incoming;
    // What the writer restored: its files (renamed again, idempotently) and partitions (added
    // again, harmlessly), all a checkpoint of before this committer existed has of them; its
    // watermarks are of the restored run, not of this one's writers.
    for (const c of message.restored ?? []) {
      if (c.inProgress !== "") r.files.push({ inProgress: c.inProgress, final: c.final });
      for (const p of c.report?.partitions ?? []) r.partitions.push([p.path, p.createdAt]);
    }
    for (const c of message.committables) {
      if (c.inProgress !== "") r.files.push({ inProgress: c.inProgress, final: c.final });
      if (c.report === undefined) continue;
      for (const p of c.report.partitions) r.partitions.push([p.path, p.createdAt]);
      r.marks.push([c.report.subtask, c.report.watermark]);
      r.parallelism = c.report.parallelism;
    }
  }

  protected override snapshotCustom(checkpointId: number): CommitterState {
    this.incoming.checkpointId = checkpointId;
    this.received.push(this.incoming);
    this.incoming = emptyReceived(Number.POSITIVE_INFINITY);
    if (this.ended) this.endedAt ??= checkpointId;
    return { received: [...this.received], waiting: [...this.waiting] };
  }

  protected override restoreCustom(states: readonly unknown[]): void {
    for (const s of states as (CommitterState | undefined)[]) {
      if (s === undefined) continue;
      // The watermarks were of the writers of the restored run, not of this one's.
      for (const r of s.received) this.received.push({ ...r, checkpointId: -1, marks: [], parallelism: 0 });
      for (const [path, createdAt] of s.waiting) this.addWaiting(path, createdAt);
    }
  }

  override notifyCheckpointComplete(checkpointId: number): void {
    const ready = this.received.filter((r) => r.checkpointId <= checkpointId);
    this.received = this.received.filter((r) => r.checkpointId > checkpointId);
    this.commit(ready, this.endedAt !== undefined && checkpointId >= this.endedAt);
  }

  override finish(): void {
    this.ended = true;
    // Without checkpoints nothing else commits; with them the final checkpoint does.
    if (this.runtime.checkpointing) return;
    const all = [...this.received, this.incoming];
    this.received = [];
    this.incoming = emptyReceived(Number.POSITIVE_INFINITY);
    this.commit(all, true);
  }

  private addWaiting(path: string, createdAt: number): void {
    this.waiting.set(path, Math.min(createdAt, this.waiting.get(path) ?? createdAt));
  }

  /** Makes `ready`'s files visible, then commits the waiting partitions due (all when `ended`). */
  private commit(ready: readonly Received[], ended: boolean): void {
    commitFilesystemPartFiles(ready.flatMap((r) => r.files));
    for (const r of ready) {
      for (const [path, createdAt] of r.partitions) this.addWaiting(path, createdAt);
      for (const [subtask, mark] of r.marks) this.marks.set(subtask, mark);
      if (r.parallelism > 0) this.parallelism = r.parallelism;
    }
    if (this.waiting.size === 0) return;
    // The least of the writers' watermarks, once every writer reported one.
    let watermark = Number.NEGATIVE_INFINITY;
    if (this.parallelism > 0) {
      watermark = Number.POSITIVE_INFINITY;
      for (let i = 0; i < this.parallelism; i++)
        watermark = Math.min(watermark, this.marks.get(i) ?? Number.NEGATIVE_INFINITY);
    }
    const { trigger, delayMs } = this.config;
    const now = this.now();
    const committed: string[] = [];
    for (const [path, created] of [...this.waiting].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      let due = ended;
      if (!due && trigger === "process-time") due = delayMs === 0 || now > created + delayMs;
      else if (!due) {
        const values = this.layout.values(path);
        due = values !== undefined && watermark > this.config.partitionTime(values) + delayMs;
      }
      if (!due) continue;
      const partitionDir = join(this.dir, path);
      // A partition of a restored checkpoint whose files a later run's cleanup left empty still exists.
      mkdirSync(partitionDir, { recursive: true });
      writeSuccessFile(partitionDir, this.config.successFileName);
      committed.push(path);
    }
    for (const path of committed) this.waiting.delete(path);
    for (const d of new Set(committed.map((p) => join(this.dir, p)))) syncDir(d);
  }
}
