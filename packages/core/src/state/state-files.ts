/**
 * Files that keyed state backends write themselves into checkpoints (incremental snapshots).
 * The coordinator moves their bytes into the checkpoint folder next to the subtask files, and
 * loading resolves and verifies the files a checkpoint references in earlier checkpoint folders.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { FleuveError } from "../errors.js";
import { isExternalSnapshot } from "../spi/keyed-state-backend.js";
import type { OperatorSnapshot } from "../spi/operator.js";

/** What {@link collectStateFiles} took out of a subtask's snapshots. */
export interface CollectedStateFiles {
  /** file name -> bytes, to write into this checkpoint's folder */
  readonly files: [string, Buffer][];
  /** checkpoint folder names (e.g. "chk-7") whose files this checkpoint builds on */
  readonly references: string[];
  /** to call with this checkpoint's folder name once it is durable */
  readonly onComplete: ((folder: string) => void)[];
  /** Asynchronous work (changelog appends) to finish before the checkpoint is durable. */
  readonly persists: Promise<void>[];
}

/**
 * Takes backend-written files out of `snapshots` (mutating them: bytes become file names,
 * callbacks are removed so the snapshots can be serialized). Referenced files are copied in
 * when they would not stay reachable: for a savepoint (it must stand alone) and for files of a
 * restored checkpoint outside `checkpointRoot` (e.g. restored from a savepoint).
 */
export function collectStateFiles(
  snapshots: Record<string, OperatorSnapshot>,
  filePrefix: string,
  where: { checkpointRoot: string | undefined; savepoint: boolean },
): CollectedStateFiles {
  const root = where.checkpointRoot === undefined ? undefined : resolve(where.checkpointRoot);
  const files: [string, Buffer][] = [];
  const references = new Set<string>();
  const onComplete: ((folder: string) => void)[] = [];
  const persists: Promise<void>[] = [];
  for (const [uid, snap] of Object.entries(snapshots)) {
    const keyed = snap?.keyed;
    if (!keyed || !isExternalSnapshot(keyed)) continue;
    if (where.savepoint && keyed.standalone) {
      // A savepoint stands alone: no changelog, no earlier materialization.
      snap.keyed = keyed.standalone();
      continue;
    }
    if (keyed.onComplete && !where.savepoint) onComplete.push(keyed.onComplete);
    delete keyed.onComplete;
    if (keyed.persist) {
      const done = keyed.persist();
      done.catch(() => {}); // the checkpoint reports it; an aborted one must not leave it unhandled
      persists.push(done);
    }
    delete keyed.persist;
    delete keyed.standalone;
    let n = 0;
    const place = (data: Uint8Array) => {
      const name = `${filePrefix}.${safe(uid)}.state-${n++}`;
      files.push([
        name,
        Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      ]);
      return name;
    };
    for (const f of keyed.files) {
      if (f.data === undefined) continue;
      f.name = place(f.data);
      f.folder = undefined;
      delete f.data;
    }
    for (const r of keyed.references) {
      if (r.folder === undefined || r.name === undefined) continue;
      const path = r.path ?? (root === undefined ? undefined : join(root, r.folder, r.name));
      const reachable =
        !where.savepoint && path !== undefined && root !== undefined && dirname(dirname(path)) === root;
      if (reachable) {
        references.add(r.folder);
        delete r.path;
        continue;
      }
      if (path === undefined) {
        throw new FleuveError(
          "FLEUVE_CHECKPOINT_FAILED",
          `state file ${r.folder}/${r.name} of operator '${uid}' cannot be located (no checkpoint directory)`,
        );
      }
      r.name = place(readFileSync(path));
      r.folder = undefined;
      delete r.path;
    }
  }
  return { files, references: [...references], onComplete, persists };
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, "_");
}

/**
 * Resolves the paths of backend-written files in a loaded checkpoint at `folder` and verifies
 * the ones in other checkpoint folders against those folders' metadata (own files were already
 * verified). Throws FLEUVE_CHECKPOINT_CORRUPT, so a broken chain falls back like a bad file.
 */
export function resolveStateFiles(
  folder: string,
  operators: Map<string, OperatorSnapshot[]>,
  readChecksums: (folder: string) => Record<string, { sha256: string; bytes: number }>,
): void {
  const root = dirname(folder);
  const own = basename(folder);
  const sums = new Map<string, Record<string, { sha256: string; bytes: number }>>();
  for (const snaps of operators.values()) {
    for (const s of snaps) {
      const keyed = s.keyed;
      if (!keyed || !isExternalSnapshot(keyed)) continue;
      for (const f of [...keyed.references, ...keyed.files]) {
        if (f.name === undefined) continue;
        const dir = f.folder ?? own;
        f.folder = dir;
        f.path = f.folder === own ? join(folder, f.name) : join(root, dir, f.name);
        if (dir === own) continue;
        let table = sums.get(dir);
        if (!table) {
          try {
            table = readChecksums(join(root, dir));
          } catch (e) {
            throw new FleuveError(
              "FLEUVE_CHECKPOINT_CORRUPT",
              `checkpoint ${folder} builds on ${dir}, which is missing or unreadable: ${(e as Error).message}`,
              { cause: e, details: { path: folder, references: dir } },
            );
          }
          sums.set(dir, table);
        }
        const want = table[f.name];
        let data: Buffer;
        try {
          data = readFileSync(f.path);
        } catch (e) {
          throw new FleuveError(
            "FLEUVE_CHECKPOINT_CORRUPT",
            `checkpoint ${folder}: state file ${f.path} is missing`,
            {
              cause: e,
              details: { path: folder, file: f.path },
            },
          );
        }
        if (
          !want ||
          want.bytes !== data.length ||
          createHash("sha256").update(data).digest("hex") !== want.sha256
        ) {
          throw new FleuveError(
            "FLEUVE_CHECKPOINT_CORRUPT",
            `checkpoint ${folder}: state file ${f.path} (from ${dir}) fails its checksum`,
            { details: { path: folder, file: f.path } },
          );
        }
      }
    }
  }
}

/** True when a loaded checkpoint holds files a state backend wrote itself (read back by path). */
export function hasStateFiles(operators: Map<string, OperatorSnapshot[]>): boolean {
  for (const snaps of operators.values()) {
    for (const s of snaps) if (s.keyed && isExternalSnapshot(s.keyed)) return true;
  }
  return false;
}
