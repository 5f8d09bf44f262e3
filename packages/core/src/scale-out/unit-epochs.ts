/**
 * Checkpoint epochs of a scale-out unit (`<dir>/<job>/<unit>/epoch-<n>/`): each owner of a unit
 * checkpoints into an epoch of its own, so what a later owner restores cannot be changed by an
 * earlier one that is still running (a zombie: a process that missed its heartbeats under load and
 * lost the unit without knowing yet).
 *
 * Fencing a zombie's Kafka transactions is not enough for exactly-once here: a unit commits its
 * transactions once its checkpoint's `_metadata` is written, and the new owner chooses its restore
 * point by reading those folders. A zombie that completes and commits a checkpoint after the new
 * owner chose an older one gets that checkpoint's records committed twice (once by it, once by the
 * new owner replaying from the older checkpoint). So the two sides are ordered through the storage:
 * - the new owner claims its epoch (a folder in it) BEFORE it lists the older epochs' checkpoints;
 * - an owner's checkpoint counts as written (and its transactions may commit) only if, AFTER its
 *   `_metadata` is in place, no newer epoch exists ({@link ownerStorage}).
 * If the zombie's check saw no newer epoch, its `_metadata` was in place before the claim, so the
 * new owner's listing (after the claim) sees that checkpoint and restores it or a later one.
 *
 * This is the layout only: who owns a unit (membership) is the deployment's business, e.g. a Kafka
 * consumer group in `fleuve run --group`.
 */
import { join } from "node:path";
import type { CheckpointStorage } from "../checkpoint/storage.js";
import { FleuveError } from "../errors.js";
import { hasCompletedCheckpoint, latestCheckpoint } from "./unit-plan.js";

const EPOCH = /^epoch-(\d+)$/;
/** In each epoch, a folder whose `_metadata` says where the epoch started from. */
const START = "start";
/** In each epoch, a folder written first: the epoch exists before its owner reads older ones. */
const CLAIM = "claim";

/** The epoch numbers under a unit's folder `root`, newest first. */
export async function epochsOf(storage: CheckpointStorage, root: string): Promise<number[]> {
  return (await storage.list(root))
    .map((n) => EPOCH.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
}

/** The folder of epoch `epoch` of the unit whose folder is `root`. */
export function epochDir(root: string, epoch: number): string {
  return join(root, `epoch-${epoch}`);
}

/**
 * Deletes the epochs of the unit whose folder is `root` that are older than `epoch`, once `epoch`
 * holds a completed checkpoint of its own: restores never look further back then. Returns the
 * epochs deleted, or undefined while `epoch` has no completed checkpoint (nothing deleted: ask
 * again later). Once it returned the deleted ones, no older epoch can appear again (a new epoch is
 * always the newest), so the owner need not ask again. Incremental state only builds on folders of
 * its own root (state-files.ts copies the rest in), so nothing in `epoch` refers to an older one.
 */
export async function pruneEpochs(
  storage: CheckpointStorage,
  root: string,
  epoch: number,
): Promise<number[] | undefined> {
  if (!(await hasCompletedCheckpoint(epochDir(root, epoch), storage))) return undefined;
  const older = (await epochsOf(storage, root)).filter((e) => e < epoch);
  for (const e of older) await storage.remove(epochDir(root, e));
  return older;
}

/** An epoch taken by {@link takeEpoch}. */
export interface TakenEpoch {
  readonly epoch: number;
  /** Where this owner's checkpoints go. */
  readonly dir: string;
  /** The checkpoint to restore; undefined: start fresh. */
  readonly restoreFrom: string | undefined;
}

/**
 * Takes the next epoch of the unit whose folder is `root` and decides where it restores from: the
 * newest checkpoint of the newest earlier epoch that has one, or that epoch's own starting point.
 * A unit with no such epoch yet (its first start) starts from `initial` if given: a checkpoint or
 * savepoint of the whole job (e.g. `fleuve run --group --from-savepoint`). That becomes the first
 * epoch's starting point, so later epochs restore from it until the unit has checkpoints of its
 * own, and from those afterwards (never from `initial` again).
 * The epoch is claimed before the earlier ones are read (see the module comment). Group
 * membership gives a unit one owner at a time, so taking `max + 1` does not race.
 */
export async function takeEpoch(
  root: string,
  storage: CheckpointStorage,
  log: (line: string) => void = () => {},
  initial?: string,
): Promise<TakenEpoch> {
  const epochs = await epochsOf(storage, root);
  const epoch = (epochs[0] ?? 0) + 1;
  const dir = epochDir(root, epoch);
  await storage.writeFolder(
    join(dir, CLAIM),
    new Map(),
    JSON.stringify({ claimedAt: new Date().toISOString() }),
  );
  let restoreFrom: string | undefined;
  let found = false;
  for (const e of epochs) {
    const older = epochDir(root, e);
    const latest = await latestCheckpoint(older, log, storage);
    if (latest) {
      restoreFrom = latest;
      found = true;
      break;
    }
    const start = await storage.readFile(join(older, START), "_metadata");
    if (start !== undefined) {
      restoreFrom =
        (JSON.parse(start.toString("utf8")) as { restoreFrom: string | null }).restoreFrom ?? undefined;
      found = true;
      break;
    }
    // an epoch that died before writing its start point: look further back
  }
  if (!found) restoreFrom = initial;
  else if (initial !== undefined && restoreFrom !== initial) {
    log(`${root} has checkpoint epochs of its own: it restores from those, not from ${initial}`);
  }
  await storage.writeFolder(
    join(dir, START),
    new Map(),
    JSON.stringify({ restoreFrom: restoreFrom ?? null }),
  );
  return { epoch, dir, restoreFrom };
}

/**
 * The checkpoint storage of the owner of epoch `epoch` of the unit whose folder is `root`: a write
 * fails (so its checkpoint never completes and its transactions never commit) when, once it is in
 * place, a newer epoch exists; `onSuperseded` is called once then, to stop the unit. A superseded
 * owner deletes nothing: the new owner may be restoring a checkpoint it wrote.
 */
export function ownerStorage(
  storage: CheckpointStorage,
  root: string,
  epoch: number,
  onSuperseded: (newer: number) => void,
): CheckpointStorage {
  let superseded = false;
  /** The newer epoch, if one exists. */
  const newer = async (): Promise<number | undefined> => {
    const newest = (await epochsOf(storage, root))[0];
    if (newest === undefined || newest <= epoch) return undefined;
    if (!superseded) {
      superseded = true;
      onSuperseded(newest);
    }
    return newest;
  };
  const supersededError = (folder: string, by: number, cause?: unknown) =>
    new FleuveError(
      "FLEUVE_CHECKPOINT_FAILED",
      `${folder} belongs to epoch ${epoch} of its unit, taken over since by epoch ${by} (another process runs the unit now): this checkpoint does not count`,
      { cause, details: { path: folder } },
    );
  return {
    local: storage.local,
    async writeFolder(folder, files, metadata) {
      try {
        await storage.writeFolder(folder, files, metadata);
      } catch (e) {
        // e.g. the new owner already deleted this epoch: say why, and stop the unit
        const by = await newer().catch(() => undefined);
        throw by === undefined ? e : supersededError(folder, by, e);
      }
      const by = await newer();
      if (by !== undefined) throw supersededError(folder, by);
    },
    // savepoint parts, written outside the epoch (their checkpoint's folder is checked as above)
    ...(storage.writeFiles ? { writeFiles: storage.writeFiles.bind(storage) } : {}),
    readFile: (folder, name) => storage.readFile(folder, name),
    list: (root) => storage.list(root),
    async remove(folder, files) {
      if (superseded) return;
      await storage.remove(folder, files);
    },
  };
}
