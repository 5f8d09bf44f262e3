/**
 * Committing part files of the exactly-once file sinks (`fileSink`, the `filesystem` connector's
 * sink): a prepared file is renamed to its final name when its checkpoint completes.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync } from "node:fs";
import { dirname } from "node:path";
import { FleuveError } from "../errors.js";

/** A file prepared at a checkpoint: its hidden in-progress path and its final, visible path. */
export interface PartFile {
  readonly inProgress: string;
  readonly final: string;
}

/**
 * Commits prepared part files (shared by the file sinks): renames each to its final name, then
 * fsyncs `dir` once. Idempotent: a commit retried after a restore finds a file already renamed.
 * Failures are FLEUVE_SINK_FAILED, their message starting with `sinkName`.
 */
export function commitPartFiles(
  files: readonly PartFile[],
  dir: string,
  sinkName: string,
  details: Record<string, unknown>,
): void {
  if (files.length === 0) return;
  for (const f of files) {
    try {
      renameSync(f.inProgress, f.final);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && existsSync(f.final)) continue;
      throw new FleuveError(
        "FLEUVE_SINK_FAILED",
        `${sinkName}: cannot commit ${f.inProgress} to ${f.final}: ${(e as Error).message}`,
        { cause: e, details: { ...details, file: f.inProgress } },
      );
    }
  }
  syncDir(dir);
}

/**
 * Commits the `filesystem` sink's prepared part files, wherever they are (partition directories):
 * {@link commitPartFiles} per directory, one fsync each. Files with an empty `inProgress` (the
 * records of checkpoints that wrote none) are skipped.
 */
export function commitFilesystemPartFiles(files: readonly PartFile[]): void {
  const byDir = new Map<string, PartFile[]>();
  for (const f of files) {
    if (f.inProgress === "") continue;
    const d = dirname(f.final);
    const group = byDir.get(d);
    if (group === undefined) byDir.set(d, [f]);
    else group.push(f);
  }
  for (const [d, group] of byDir)
    commitPartFiles(group, d, "connector 'filesystem' sink", { connector: "filesystem" });
}

/** Makes `dir`'s entries (files created or renamed in it) durable. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
