/**
 * Checkpoints in a {@link CheckpointStorage} (the local disk by default). A checkpoint is a folder
 * `chk-<id>/` with one file per task subtask and `_metadata` written last (on disk: temp file,
 * fsync, rename), so a folder without a valid `_metadata` is an incomplete checkpoint and is never
 * restored. Every file's SHA-256 is in the metadata; a mismatch makes the checkpoint corrupt and
 * the previous one is used. Small snapshot files may be kept inside `_metadata` instead
 * (`inline`: a scale-out unit's light checkpoints, one file to write per commit); they restore the
 * same.
 */
import { createHash } from "node:crypto";
import { close, fsync, open, readFileSync, write } from "node:fs";
import { readdir, readFile, rename, rm, rmdir, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { deserialize } from "node:v8";
import { FleuveError } from "../errors.js";
import type { OperatorSnapshot } from "../spi/operator.js";
import { hasStateFiles, resolveStateFiles } from "../state/state-files.js";
import { makeFolders, makeFoldersSync } from "./make-folders.js";

/** What `_metadata` says. */
export interface CheckpointMetadata {
  /** 2 when `inline` holds files (readers before it would miss them), else 1. */
  readonly version: 1 | 2;
  readonly checkpointId: number;
  readonly kind: "checkpoint" | "savepoint";
  readonly jobName: string;
  readonly createdAt: string;
  readonly maxParallelism: number;
  /** operator uid -> parallelism, which file holds each subtask's snapshot, and its declared state schema */
  readonly operators: Record<
    string,
    { parallelism: number; source: boolean; files: string[]; schema?: Readonly<Record<string, string>> }
  >;
  /** file -> sha256 and size */
  readonly files: Record<string, { sha256: string; bytes: number }>;
  /** Earlier checkpoint folders holding state files this one builds on (incremental state). */
  readonly references?: string[];
  /**
   * file -> its bytes (base64), for files of `files` kept here rather than beside `_metadata`:
   * the small snapshot files of a scale-out unit's light checkpoints (see {@link writeCheckpoint}).
   */
  readonly inline?: Record<string, string>;
}

/** A checkpoint read back: metadata and every operator's snapshots by old subtask index. */
export interface LoadedCheckpoint {
  readonly path: string;
  readonly metadata: CheckpointMetadata;
  /** uid -> snapshot of each old subtask */
  readonly operators: Map<string, OperatorSnapshot[]>;
}

const METADATA = "_metadata";

/**
 * Where checkpoints and savepoints are kept: folders of files, addressed by path. The local disk
 * ({@link localCheckpointStorage}) is the default; an object store can implement the same four
 * operations (folders become key prefixes) and be passed as `checkpointing.storage`.
 */
export interface CheckpointStorage {
  /**
   * True for the local file system. State backends that write their own files (LMDB) read them
   * back by path on restore, so they need local storage.
   */
  readonly local: boolean;
  /** Writes `files` into `folder`, each durably, then `_metadata` (`metadata`) last and atomically. */
  writeFolder(folder: string, files: ReadonlyMap<string, Buffer>, metadata: string): Promise<void>;
  /**
   * Writes `files` into `folder`, each durably, without `_metadata`: one worker thread's part of a
   * checkpoint whose `_metadata` the coordinating thread writes last (with `writeFolder` and no
   * files) once every part is written. Needed by jobs spread over worker threads.
   */
  writeFiles?(folder: string, files: ReadonlyMap<string, Buffer>): Promise<void>;
  /** One file of a folder; undefined when it does not exist. */
  readFile(folder: string, name: string): Promise<Buffer | undefined>;
  /** Names of the entries directly under `root` ([] when it does not exist). */
  list(root: string): Promise<string[]>;
  /**
   * Deletes a folder and all it holds (nothing when it does not exist). `files`, when given, are
   * the names it holds as its writer knows them (a hint: the local storage deletes those and the
   * folder without listing it, and lists it only when something else is left).
   */
  remove(folder: string, files?: readonly string[]): Promise<void>;
}

/** Checkpoints on the local file system (fsync'ed files, `_metadata` renamed into place last). */
export const localCheckpointStorage: CheckpointStorage = {
  local: true,
  async writeFolder(folder, files, metadata) {
    const created = await makeFolders(folder);
    // The metadata's temp file is synced together with the files (one round of fsyncs, not two:
    // frequent checkpoints, e.g. a group's 100 ms commits, wait for each round); only the rename
    // makes it count, and it comes once everything is durable.
    const tmp = join(folder, `${METADATA}.tmp`);
    // the folder is opened meanwhile, to make the rename durable right after it
    const dir = fdOf(folder, "r");
    try {
      await Promise.all([
        ...[...files].map(([name, data]) => writeDurably(join(folder, name), data)),
        writeDurably(tmp, Buffer.from(metadata)),
        dir,
        // the new folders' own entries, or a crash could lose a folder whose transactions committed
        ...(created === undefined ? [] : createdParents(created, folder).map(syncDir)),
      ]);
      await rename(tmp, join(folder, METADATA));
      await syncFd(await dir);
    } finally {
      await dir.then(closeFd, () => {});
    }
  },
  async writeFiles(folder, files) {
    await makeFolders(folder);
    await Promise.all([...files].map(([name, data]) => writeDurably(join(folder, name), data)));
  },
  async readFile(folder, name) {
    try {
      return await readFile(join(folder, name));
    } catch {
      return undefined;
    }
  },
  async list(root) {
    try {
      return await readdir(root);
    } catch {
      return [];
    }
  },
  async remove(folder, files) {
    if (files !== undefined && (await removeKnown(folder, files))) return;
    await rm(folder, { recursive: true, force: true });
  },
};

/**
 * Deletes `files` of `folder`, `_metadata` first (a folder left half deleted is an incomplete
 * checkpoint, never restored), then the folder: two operations for a light checkpoint instead of
 * a recursive delete's listing and a stat per entry. False when the folder still holds something
 * else (the caller deletes it recursively).
 */
async function removeKnown(folder: string, files: readonly string[]): Promise<boolean> {
  const gone = (e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  };
  try {
    if (files.includes(METADATA)) await unlink(join(folder, METADATA)).catch(gone);
    await Promise.all(files.filter((f) => f !== METADATA).map((f) => unlink(join(folder, f)).catch(gone)));
    await rmdir(folder).catch(gone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The checkpoint storage to use for a configured one: the local disk when none is given (the one
 * place that default is decided). Throws FLEUVE_CONFIG_INVALID naming `option` when `storage` does
 * not implement {@link CheckpointStorage}.
 */
export function resolveCheckpointStorage(
  storage: CheckpointStorage | undefined,
  option = "checkpointing.storage",
): CheckpointStorage {
  if (storage === undefined) return localCheckpointStorage;
  const ops = ["writeFolder", "readFile", "list", "remove"] as const;
  const missing = ops.filter(
    (op) => typeof (storage as unknown as Record<string, unknown>)[op] !== "function",
  );
  if (missing.length > 0) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `option '${option}' must implement CheckpointStorage; it lacks ${missing.join(", ")}`,
      { details: { option } },
    );
  }
  return storage;
}

const DEFERRED = ".deferred";
/** Suffix the deferred snapshot file had before it was renamed; still read so older savepoints restore. */
const DEFERRED_BEFORE = ".late";

/**
 * The file holding the deferred snapshots of a subtask: those of its sink operators, written once
 * their asynchronous work is done (see the coordinator); merged with `file` on load.
 */
export function deferredSnapshotFile(file: string): string {
  return `${file}${DEFERRED}`;
}

/** The subtask file a deferred snapshot file belongs to, or undefined if `name` is not one. */
function subtaskFileOfDeferred(name: string): string | undefined {
  if (name.endsWith(DEFERRED)) return name.slice(0, -DEFERRED.length);
  if (name.endsWith(DEFERRED_BEFORE)) return name.slice(0, -DEFERRED_BEFORE.length);
  return undefined;
}

/** Folder name of checkpoint `id`. */
export function checkpointFolder(id: number): string {
  return `chk-${id}`;
}

/**
 * Writes `data` to a new file at `path` and fsyncs it: open, write, fsync, close, the least a
 * durable file takes. Plain file descriptors rather than `fs/promises` file handles: a unit
 * commits every 100 ms, and a handle's set-up and close cost more than the system calls.
 */
async function writeDurably(path: string, data: Buffer): Promise<void> {
  const fd = await fdOf(path, "w");
  try {
    for (let at = 0; at < data.length; ) at += await writeFd(fd, data, at);
    await syncFd(fd);
  } finally {
    await closeFd(fd);
  }
}

/** Opens `path` with `flags`: a plain file descriptor. */
function fdOf(path: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => open(path, flags, (e, fd) => (e ? reject(e) : resolve(fd))));
}

/** Writes `data` from `at` on; resolves with the bytes written (maybe fewer: the caller loops). */
function writeFd(fd: number, data: Buffer, at: number): Promise<number> {
  return new Promise((resolve, reject) =>
    write(fd, data, at, data.length - at, null, (e, n) => (e ? reject(e) : resolve(n))),
  );
}

/** fsync of `fd`. */
/**
 * The folders whose entries `mkdir -p` added when it created `first` up to `folder`: the parent
 * of each folder it created (`folder` itself is synced after the rename).
 */
function createdParents(first: string, folder: string): string[] {
  const top = resolve(first);
  const parents: string[] = [];
  for (let f = resolve(folder); ; f = dirname(f)) {
    parents.push(dirname(f));
    if (f === top || dirname(f) === f) return parents;
  }
}

/** fsync of a folder (its entries durable). */
async function syncDir(path: string): Promise<void> {
  const fd = await fdOf(path, "r");
  try {
    await syncFd(fd);
  } finally {
    await closeFd(fd);
  }
}

function syncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
}

/** Closes `fd`. */
function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => close(fd, (e) => (e ? reject(e) : resolve())));
}

/** Most bytes of snapshot files that {@link writeCheckpoint} keeps inside `_metadata`. */
export const INLINE_MAX_BYTES = 64 * 1024;

/**
 * Writes a checkpoint folder; resolves once `_metadata` is durably in place, with the names of the
 * files the folder holds (`_metadata` included). The files named in `inline` are kept inside
 * `_metadata` (base64) when they total at most {@link INLINE_MAX_BYTES}: one file to write (and
 * fsync) instead of one per file, for checkpoints taken every 100 ms; larger ones are written
 * beside it as usual.
 */
export async function writeCheckpoint(
  folder: string,
  files: ReadonlyMap<string, Buffer>,
  meta: Omit<CheckpointMetadata, "files" | "version" | "inline">,
  storage: CheckpointStorage = localCheckpointStorage,
  inline: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  let kept: Record<string, string> | undefined;
  let beside = files;
  let inlineBytes = 0;
  for (const [name, data] of files) if (inline.has(name)) inlineBytes += data.length;
  if (inlineBytes > 0 && inlineBytes <= INLINE_MAX_BYTES) {
    kept = {};
    const rest = new Map<string, Buffer>();
    for (const [name, data] of files) {
      if (inline.has(name)) kept[name] = data.toString("base64");
      else rest.set(name, data);
    }
    beside = rest;
  }
  const metadata: CheckpointMetadata = {
    version: kept ? 2 : 1,
    ...meta,
    files: checksums(files),
    ...(kept ? { inline: kept } : {}),
  };
  await storage.writeFolder(folder, beside, JSON.stringify(metadata, null, 1));
  return [...beside.keys(), METADATA];
}

/** SHA-256 and size of each file, as `_metadata` lists them. */
export function checksums(files: ReadonlyMap<string, Buffer>): CheckpointMetadata["files"] {
  const sums: Record<string, { sha256: string; bytes: number }> = {};
  for (const [name, data] of files) {
    sums[name] = { sha256: createHash("sha256").update(data).digest("hex"), bytes: data.length };
  }
  return sums;
}

/**
 * Writes one worker thread's part of a checkpoint (no `_metadata`); resolves with the checksums
 * the coordinating thread puts into `_metadata` (see {@link writeCheckpointMetadata}).
 */
export async function writeCheckpointPart(
  folder: string,
  files: ReadonlyMap<string, Buffer>,
  storage: CheckpointStorage = localCheckpointStorage,
): Promise<CheckpointMetadata["files"]> {
  if (!storage.writeFiles) throw storageCannotShare();
  await storage.writeFiles(folder, files);
  return checksums(files);
}

/**
 * Completes a checkpoint whose files other threads wrote (see {@link writeCheckpointPart}):
 * writes `_metadata`, listing their checksums, last and atomically.
 */
export async function writeCheckpointMetadata(
  folder: string,
  meta: Omit<CheckpointMetadata, "version">,
  storage: CheckpointStorage = localCheckpointStorage,
): Promise<void> {
  const metadata: CheckpointMetadata = { version: 1, ...meta };
  await storage.writeFolder(folder, new Map(), JSON.stringify(metadata, null, 1));
}

/** The error for a storage without `writeFiles` used by a job spread over worker threads. */
export function storageCannotShare(): FleuveError {
  return new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    "option 'checkpointing.storage' has no writeFiles(folder, files), which jobs spread over worker threads need (each thread writes its part of a checkpoint); implement it or run with threads: 1",
    { details: { option: "checkpointing.storage" } },
  );
}

/** Reads and verifies a checkpoint folder; throws FLEUVE_CHECKPOINT_CORRUPT with the reason. */
export async function loadCheckpoint(
  folder: string,
  storage: CheckpointStorage = localCheckpointStorage,
): Promise<LoadedCheckpoint> {
  let metadata: CheckpointMetadata;
  try {
    const raw = await storage.readFile(folder, METADATA);
    if (raw === undefined) throw new Error("missing");
    metadata = JSON.parse(raw.toString("utf8")) as CheckpointMetadata;
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
  if (metadata.version !== 1 && metadata.version !== 2) {
    // Not "corrupt": a restore must not fall back to an older checkpoint (and replay or skip
    // output already committed) because a newer Fleuve wrote this one.
    throw new FleuveError(
      "FLEUVE_STATE_INCOMPATIBLE",
      `checkpoint ${folder} has metadata version ${String(metadata.version)}, written by a newer Fleuve (this one reads versions 1 and 2): run the same Fleuve version in every process that restores it`,
      { details: { path: folder, version: metadata.version } },
    );
  }
  const decoded = new Map<string, Record<string, OperatorSnapshot>>();
  const subtaskFiles = new Set(Object.values(metadata.operators).flatMap((o) => o.files));
  const deferred = new Map<string, Record<string, OperatorSnapshot>>();
  for (const [name, sum] of Object.entries(metadata.files)) {
    const inline = metadata.inline?.[name];
    const data = inline !== undefined ? Buffer.from(inline, "base64") : await storage.readFile(folder, name);
    if (data === undefined) {
      throw new FleuveError("FLEUVE_CHECKPOINT_CORRUPT", `checkpoint ${folder}: file ${name} is missing`, {
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
    const ofSubtask = subtaskFileOfDeferred(name);
    if (subtaskFiles.has(name)) decoded.set(name, deserialize(data) as Record<string, OperatorSnapshot>);
    else if (ofSubtask !== undefined && subtaskFiles.has(ofSubtask))
      deferred.set(ofSubtask, deserialize(data) as Record<string, OperatorSnapshot>);
  }
  for (const [file, snaps] of deferred) Object.assign(decoded.get(file) ?? {}, snaps);
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
  if (storage.local) resolveStateFiles(folder, operators, readChecksums);
  else if (hasStateFiles(operators)) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `checkpoint ${folder} holds files of a state backend that reads them by path (e.g. LMDB); it needs the local checkpoint storage`,
      { details: { path: folder } },
    );
  }
  return { path: folder, metadata, operators };
}

function readChecksums(folder: string): CheckpointMetadata["files"] {
  return (JSON.parse(readFileSync(join(folder, METADATA), "utf8")) as CheckpointMetadata).files;
}

/** Completed-or-not checkpoint folders under `root`, newest first. */
export async function listCheckpointFolders(
  root: string,
  storage: CheckpointStorage = localCheckpointStorage,
): Promise<{ id: number; path: string }[]> {
  return (await storage.list(root))
    .map((n) => /^chk-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ id: Number(m[1]), path: join(root, m[0]) }))
    .sort((a, b) => b.id - a.id);
}

/**
 * Loads a checkpoint to restore: `path` is a checkpoint/savepoint folder (with `_metadata`) or a
 * checkpoint root, whose newest valid checkpoint is used; corrupt ones are skipped with a log line.
 */
export async function loadForRestore(
  path: string,
  log: (line: string) => void,
  storage: CheckpointStorage = localCheckpointStorage,
): Promise<LoadedCheckpoint | undefined> {
  if ((await storage.readFile(path, METADATA)) !== undefined) return loadCheckpoint(path, storage);
  for (const c of await listCheckpointFolders(path, storage)) {
    try {
      return await loadCheckpoint(c.path, storage);
    } catch (e) {
      // Only a damaged checkpoint falls back to an older one; anything else (a checkpoint this
      // storage cannot restore) would fail the same way on every older one, or worse, start empty.
      if (!(e instanceof FleuveError) || e.code !== "FLEUVE_CHECKPOINT_CORRUPT") throw e;
      log(
        `checkpoint ${c.id} at ${c.path} is unusable (${(e as Error).message}); falling back to an older one`,
      );
    }
  }
  return undefined;
}

/** Ensures a folder exists (sync, at job start). */
export function ensureDir(path: string): void {
  makeFoldersSync(path);
}
