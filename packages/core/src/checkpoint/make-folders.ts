/**
 * `mkdir -p` for checkpoint and savepoint folders. Node's own (`mkdir` with `recursive: true`,
 * Node 20) never returns when the file system refuses a new folder with ENOENT although its
 * parent exists (any path under /proc): it retries in a loop on a thread of libuv's pool, which
 * then hangs the job's checkpoints and its shutdown. Here each missing folder is made once, from
 * the outermost, and a refusal is an error naming the folder.
 */
import { mkdirSync, statSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Makes `folder` and its missing parents. Resolves with the outermost folder it made (undefined
 * when `folder` existed), as `mkdir(folder, { recursive: true })` does; rejects with the error of
 * the first folder that cannot be made (its path in the message).
 */
export async function makeFolders(folder: string): Promise<string | undefined> {
  try {
    await mkdir(folder);
    return folder;
  } catch (e) {
    const parent = dirname(folder);
    if (!missing(e, folder, parent)) return notFolder(e, (await stat(folder)).isDirectory());
    const first = await makeFolders(parent);
    // once: the parent is there now, so a second ENOENT is the file system refusing the folder
    try {
      await mkdir(folder);
    } catch (again) {
      return made(again, first);
    }
    return first ?? folder;
  }
}

/** {@link makeFolders}, synchronously (at a job's start). */
export function makeFoldersSync(folder: string): string | undefined {
  try {
    mkdirSync(folder);
    return folder;
  } catch (e) {
    const parent = dirname(folder);
    if (!missing(e, folder, parent)) return notFolder(e, statSync(folder).isDirectory());
    const first = makeFoldersSync(parent);
    try {
      mkdirSync(folder);
    } catch (again) {
      return made(again, first);
    }
    return first ?? folder;
  }
}

/**
 * What the second try at a folder made, when it failed with `e`: `first` (what the parents' making
 * made) if another writer made the folder meanwhile (two threads writing their parts of one
 * savepoint); rethrows any other error.
 */
function made(e: unknown, first: string | undefined): string | undefined {
  if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  return first;
}

/**
 * Undefined (nothing made) when the existing `folder` is one; else rethrows its EEXIST, as
 * `mkdir -p` fails on a file: a savepoint --dir naming a file is refused naming it.
 */
function notFolder(e: unknown, isFolder: boolean): undefined {
  if (!isFolder) throw e;
  return undefined;
}

/**
 * True when making `folder` failed for want of its parent (the caller makes it first); false when
 * `folder` exists already; rethrows any other error.
 */
function missing(e: unknown, folder: string, parent: string): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EEXIST") return false;
  if (code !== "ENOENT" || parent === folder) throw e;
  return true;
}
