/**
 * An exactly-once file sink (Flink's FileSink with a checkpoint rolling policy): each subtask
 * writes `<dir>/.inprogress/part-<subtask>-<n>`; at a checkpoint barrier the file is closed and
 * fsynced (pre-commit) and becomes the committable; when the checkpoint completes the file is
 * renamed to `<dir>/part-<subtask>-<n>` (atomic, idempotent). On start a writer deletes the
 * in-progress files of its subtask slot: what a restored checkpoint prepared was committed just
 * before, so anything left is output of records that will be processed again.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { commitPartFiles } from "../connector/part-files.js";
import type { PreCommitSinkWriter, SinkWriterContext, TwoPhaseCommitSink } from "../connector/sink.js";
import { FleuveError } from "../errors.js";

/** How records become bytes: one line per record. */
export type FileSinkFormat<T> = "jsonl" | "text" | ((value: T) => string);

/** Options of {@link fileSink}. */
export interface FileSinkOptions<T> {
  /** Output directory (created if missing). Committed files are `part-<subtask>-<n>`. */
  dir: string;
  /** "jsonl" (JSON per line, default), "text" (String(value) per line) or a function giving the line. */
  format?: FileSinkFormat<T>;
}

/** A file prepared at a checkpoint, waiting for the checkpoint to complete. */
export interface PendingFile {
  /** Path under `.inprogress`. */
  readonly inProgress: string;
  /** Final path. */
  readonly final: string;
}

const PART = /^part-(\d+)-(\d+)$/;
const FLUSH_BYTES = 64 * 1024;

/** An exactly-once file sink with two-phase commit on checkpoints. */
export function fileSink<T>(options: FileSinkOptions<T>): TwoPhaseCommitSink<T, PendingFile> {
  const dir = options?.dir;
  if (typeof dir !== "string" || dir.length === 0) {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", "fileSink: option 'dir' must name a directory", {
      details: { option: "dir" },
    });
  }
  const encode = encoder(options.format ?? "jsonl");
  const inProgressDir = join(dir, ".inprogress");
  return {
    createWriter: (ctx) => new FileSinkWriter(dir, inProgressDir, ctx, encode),
    commit: (files) => commitPartFiles(files, dir, "fileSink", {}),
  };
}

function encoder<T>(format: FileSinkFormat<T>): (value: T) => string {
  if (typeof format === "function") return format;
  if (format === "jsonl") return (v) => JSON.stringify(v);
  if (format === "text") return (v) => String(v);
  throw new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `fileSink: option 'format' must be "jsonl", "text" or a function, got ${String(format)}`,
    { details: { option: "format" } },
  );
}

class FileSinkWriter<T> implements PreCommitSinkWriter<T, PendingFile> {
  private fd: number | undefined;
  private path = "";
  private name = "";
  private next: number;
  private buffered: string[] = [];
  private bufferedBytes = 0;

  constructor(
    private readonly dir: string,
    private readonly inProgressDir: string,
    private readonly ctx: SinkWriterContext,
    private readonly encode: (value: T) => string,
  ) {
    mkdirSync(inProgressDir, { recursive: true });
    // Leftovers of this subtask slot (also of old subtasks j with j % parallelism == index
    // after a rescale): never committed, their records will be written again.
    let max = -1;
    for (const f of readdirSync(inProgressDir)) {
      const m = PART.exec(f);
      if (m && Number(m[1]) % ctx.parallelism === ctx.subtaskIndex)
        rmSync(join(inProgressDir, f), { force: true });
    }
    // Continue numbering after committed files, so a new part never replaces a committed one.
    for (const f of readdirSync(dir)) {
      const m = PART.exec(f);
      if (m && Number(m[1]) === ctx.subtaskIndex) max = Math.max(max, Number(m[2]));
    }
    this.next = max + 1;
  }

  write(value: T): void {
    if (this.fd === undefined) {
      this.name = `part-${this.ctx.subtaskIndex}-${this.next++}`;
      this.path = join(this.inProgressDir, this.name);
      this.fd = openSync(this.path, "w");
    }
    const line = `${this.encode(value)}\n`;
    this.buffered.push(line);
    this.bufferedBytes += line.length;
    if (this.bufferedBytes >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.buffered.length === 0 || this.fd === undefined) return;
    writeSync(this.fd, this.buffered.join(""));
    this.buffered = [];
    this.bufferedBytes = 0;
  }

  prepareCommit(): PendingFile[] {
    if (this.fd === undefined) return [];
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
    return [{ inProgress: this.path, final: join(this.dir, this.name) }];
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
