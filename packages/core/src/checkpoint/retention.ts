/**
 * Which checkpoint folders of a checkpoint directory to keep: the newest `retained` completed
 * ones, the folders they build on (incremental state), and those still being written; every other
 * one is deleted after each completed checkpoint.
 *
 * A {@link CheckpointPruner} lists the directory and reads the folders' `_metadata` once, then
 * keeps in memory what it learns and what its coordinator tells it of the checkpoints written
 * since: the coordinator writes every folder of its directory, and a unit commits every 100 ms, so
 * listing and reading back what this process itself just wrote at each commit would be the
 * larger part of a light checkpoint's file-system work. What it deletes is what a fresh listing
 * would have deleted.
 */
import { basename } from "node:path";
import {
  type CheckpointMetadata,
  type CheckpointStorage,
  listCheckpointFolders,
  localCheckpointStorage,
} from "./storage.js";

/** What a pruner knows of one checkpoint folder. */
interface Folder {
  readonly path: string;
  /** Its `_metadata` is in place. */
  readonly complete: boolean;
  /** Folders it builds on (their names). */
  readonly references: readonly string[];
  /** The names it holds, when known (see {@link CheckpointStorage.remove}). */
  readonly files?: readonly string[];
}

/** Deletes the checkpoints of one directory that no restore needs, remembering what it saw. */
export class CheckpointPruner {
  /** Folders known, by checkpoint id. */
  private readonly folders = new Map<number, Folder>();
  /** Folders of the first listing that were still being written then, by id: resolved later. */
  private readonly unresolved = new Map<number, string>();
  private listed = false;

  constructor(
    private readonly root: string,
    private readonly retained: number,
    private readonly storage: CheckpointStorage = localCheckpointStorage,
  ) {}

  /**
   * Checkpoint `id` was written completely (its `_metadata` is in place) into `path`, building on
   * `references` and holding `files` (the names in its folder, `_metadata` included).
   */
  completed(id: number, path: string, references: readonly string[], files: readonly string[]): void {
    this.unresolved.delete(id);
    this.folders.set(id, { path, complete: true, references, files });
  }

  /** The folder of checkpoint `id` could not be written: deleted at the next prune if still there. */
  failed(id: number, path: string): void {
    this.unresolved.delete(id);
    this.folders.set(id, { path, complete: false, references: [] });
  }

  /**
   * Deletes completed checkpoints beyond the newest `retained` (up to `newestCompleted`; newer
   * ones are in flight), and incomplete ones older than `newestCompleted`, except the folders
   * that the retained ones build on.
   */
  async prune(newestCompleted: number): Promise<void> {
    if (!this.listed) {
      for (const c of await listCheckpointFolders(this.root, this.storage)) {
        if (this.folders.has(c.id)) continue;
        if (c.id > newestCompleted) this.unresolved.set(c.id, c.path);
        else this.folders.set(c.id, await this.read(c.path));
      }
      this.listed = true;
    }
    // a folder of the first listing that was in flight then, and never reported: read it now
    for (const [id, path] of [...this.unresolved]) {
      if (id > newestCompleted) continue;
      this.unresolved.delete(id);
      this.folders.set(id, await this.read(path));
    }
    let kept = 0;
    const referenced = new Set<string>();
    for (const id of [...this.folders.keys()].sort((a, b) => b - a)) {
      if (id > newestCompleted) continue; // in flight
      const f = this.folders.get(id)!;
      if (f.complete && kept < this.retained) {
        kept++;
        for (const r of f.references) referenced.add(r);
        continue;
      }
      if (referenced.has(basename(f.path))) continue;
      await this.storage.remove(f.path, f.files);
      this.folders.delete(id);
    }
  }

  /** What a folder's `_metadata` says (a folder without a readable one is incomplete). */
  private async read(path: string): Promise<Folder> {
    const raw = await this.storage.readFile(path, "_metadata");
    if (raw === undefined) return { path, complete: false, references: [] };
    try {
      const meta = JSON.parse(raw.toString("utf8")) as CheckpointMetadata;
      return { path, complete: true, references: meta.references ?? [] };
    } catch {
      // unreadable metadata: never restored, but counted as the listing always did
      return { path, complete: true, references: [] };
    }
  }
}

/**
 * Deletes completed checkpoints beyond the newest `retained`, and incomplete ones older than the
 * newest completed (one listing; a coordinator keeps a {@link CheckpointPruner} instead).
 */
export async function pruneCheckpoints(
  root: string,
  retained: number,
  newestCompleted: number,
  storage: CheckpointStorage = localCheckpointStorage,
): Promise<void> {
  await new CheckpointPruner(root, retained, storage).prune(newestCompleted);
}
