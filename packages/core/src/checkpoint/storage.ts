/**
 * Checkpoints on local disk. A checkpoint is a folder `chk-<id>/` with one file per task subtask
 * and `_metadata` written last (temp file, fsync, rename), so a folder without a valid
 * `_metadata` is an incomplete checkpoint and is never restored. Every file's SHA-256 is in the
 * metadata; a mismatch makes the checkpoint corrupt and the previous one is used.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { deserialize } from "node:v8";
import { FleuveError } from "../errors.js";
import type { OperatorSnapshot } from "../runtime/operator.js";
import { resolveStateFiles } from "../state/state-files.js";

/** What `_metadata` says. */
export interface CheckpointMetadata {
  readonly version: 1;
  readonly checkpointId: number;
  readonly kind: "checkpoint" | "savepoint";
  readonly jobName: string;
  readonly createdAt: string;
  readonly maxParallelism: number;
  /** operator uid -> parallelism and which file holds each subtask's snapshot */
  readonly operators: Record<string, { parallelism: number; source: boolean; files: string[] }>;
  /** file -> sha256 and size */
  readonly files: Record<string, { sha256: string; bytes: number }>;
  /** Earlier checkpoint folders holding state files this one builds on (incremental state). */
  readonly references?: string[];
}

/** A checkpoint read back: metadata and every operator's snapshots by old subtask index. */
export interface LoadedCheckpoint {
  readonly path: string;
  readonly metadata: CheckpointMetadata;
  /** uid -> snapshot of each old subtask */
  readonly operators: Map<string, OperatorSnapshot[]>;
}

const METADATA = "_metadata";

/** Folder name of checkpoint `id`. */
export function checkpointFolder(id: number): string {
  return `chk-${id}`;
}

async function writeDurably(path: string, data: Buffer | string): Promise<void> {
  const fh = await open(path, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes a checkpoint folder; resolves once `_metadata` is durably in place. */
export async function writeCheckpoint(
  folder: string,
  files: ReadonlyMap<string, Buffer>,
  meta: Omit<CheckpointMetadata, "files" | "version">,
): Promise<void> {
  await mkdir(folder, { recursive: true });
  const sums: Record<string, { sha256: string; bytes: number }> = {};
  await Promise.all(
    [...files].map(async ([name, data]) => {
      sums[name] = { sha256: createHash("sha256").update(data).digest("hex"), bytes: data.length };
      await writeDurably(join(folder, name), data);
    }),
  );
  const metadata: CheckpointMetadata = { version: 1, ...meta, files: sums };
  const tmp = join(folder, `${METADATA}.tmp`);
  await writeDurably(tmp, JSON.stringify(metadata, null, 1));
  await rename(tmp, join(folder, METADATA));
  // make the rename itself durable
  const dir = await open(folder, "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Reads and verifies a checkpoint folder; throws FLEUVE_CHECKPOINT_CORRUPT with the reason. */
export function loadCheckpoint(folder: string): LoadedCheckpoint {
  let metadata: CheckpointMetadata;
  try {
    metadata = JSON.parse(readFileSync(join(folder, METADATA), "utf8")) as CheckpointMetadata;
  } catch (e) {
    throw new FleuveError(
      "FLEUVE_CHECKPOINT_CORRUPT",
      `checkpoint ${folder} has no readable ${METADATA} (incomplete?): ${(e as Error).message}`,
      {
        cause: e,
        details: { path: folder },
      },
    );
  }
  const decoded = new Map<string, Record<string, OperatorSnapshot>>();
  const subtaskFiles = new Set(Object.values(metadata.operators).flatMap((o) => o.files));
  for (const [name, sum] of Object.entries(metadata.files)) {
    let data: Buffer;
    try {
      data = readFileSync(join(folder, name));
    } catch (e) {
      throw new FleuveError("FLEUVE_CHECKPOINT_CORRUPT", `checkpoint ${folder}: file ${name} is missing`, {
        cause: e,
        details: { path: folder, file: name },
      });
    }
    const sha = createHash("sha256").update(data).digest("hex");
    if (sha !== sum.sha256 || data.length !== sum.bytes) {
      throw new FleuveError(
        "FLEUVE_CHECKPOINT_CORRUPT",
        `checkpoint ${folder}: file ${name} fails its checksum`,
        {
          details: { path: folder, file: name },
        },
      );
    }
    // Other files are state files of backends that write their own (read on restore).
    if (subtaskFiles.has(name)) decoded.set(name, deserialize(data) as Record<string, OperatorSnapshot>);
  }
  const operators = new Map<string, OperatorSnapshot[]>();
  for (const [uid, op] of Object.entries(metadata.operators)) {
    operators.set(
      uid,
      op.files.map((f) => {
        const snap = decoded.get(f)?.[uid];
        if (!snap)
          throw new FleuveError(
            "FLEUVE_CHECKPOINT_CORRUPT",
            `checkpoint ${folder}: operator '${uid}' missing from ${f}`,
          );
        return snap;
      }),
    );
  }
  resolveStateFiles(folder, operators, readChecksums);
  return { path: folder, metadata, operators };
}

function readChecksums(folder: string): CheckpointMetadata["files"] {
  return (JSON.parse(readFileSync(join(folder, METADATA), "utf8")) as CheckpointMetadata).files;
}

/** Completed-or-not checkpoint folders under `root`, newest first. */
export function listCheckpointFolders(root: string): { id: number; path: string }[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names
    .map((n) => /^chk-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ id: Number(m[1]), path: join(root, m[0]) }))
    .sort((a, b) => b.id - a.id);
}

/**
 * Loads a checkpoint to restore: `path` is a checkpoint/savepoint folder (with `_metadata`) or a
 * checkpoint root, whose newest valid checkpoint is used; corrupt ones are skipped with a log line.
 */
export function loadForRestore(path: string, log: (line: string) => void): LoadedCheckpoint | undefined {
  let isFolder = false;
  try {
    isFolder = statSync(join(path, METADATA)).isFile();
  } catch {
    isFolder = false;
  }
  if (isFolder) return loadCheckpoint(path);
  const candidates = listCheckpointFolders(path);
  for (const c of candidates) {
    try {
      return loadCheckpoint(c.path);
    } catch (e) {
      log(
        `checkpoint ${c.id} at ${c.path} is unusable (${(e as Error).message}); falling back to an older one`,
      );
    }
  }
  return undefined;
}

/** Deletes completed checkpoints beyond the newest `retained`, and incomplete ones older than the newest completed. */
export function pruneCheckpoints(root: string, retained: number, newestCompleted: number): void {
  let kept = 0;
  // Folders that retained checkpoints build on (incremental state) stay too.
  const referenced = new Set<string>();
  for (const c of listCheckpointFolders(root)) {
    if (c.id > newestCompleted) continue; // in flight
    const complete = (() => {
      try {
        return statSync(join(c.path, METADATA)).isFile();
      } catch {
        return false;
      }
    })();
    if (complete && kept < retained) {
      kept++;
      try {
        const meta = JSON.parse(readFileSync(join(c.path, METADATA), "utf8")) as CheckpointMetadata;
        for (const r of meta.references ?? []) referenced.add(r);
      } catch {
        // unreadable metadata: the folder will not be restored anyway
      }
      continue;
    }
    if (referenced.has(basename(c.path))) continue;
    rmSync(c.path, { recursive: true, force: true });
  }
}

/** Ensures a folder exists (sync, at job start). */
export function ensureDir(path: string): void {
  mkdirSync(path, { recursive: true });
}

/** Removes a folder (an aborted checkpoint). */
export async function removeFolder(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
