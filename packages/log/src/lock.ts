/**
 * Lock files holding the owner's pid. One writer process per log directory (`<dir>/.lock`, held
 * while the log is open); readers take no lock. Consumer-group commits take a short lock of
 * their own per group (see consumer-group.ts). A lock whose pid is no longer alive is stale and
 * taken over (see {@link takeOverStale}), as is one naming this pid and thread that this thread
 * does not hold: pids repeat, e.g. in a container that restarts in place.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { threadId } from "node:worker_threads";
import { FleuveError } from "@fleuve/core";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Creates `file` holding this process's pid, or returns false when it exists. The pid is written
 * to a private file first and hard-linked into place, so no other process ever sees the lock
 * file empty (an empty lock would look stale and be taken over).
 */
function tryCreate(file: string, content = String(process.pid)): boolean {
  const tmp = `${file}.${process.pid}-${threadId}.tmp`;
  fs.writeFileSync(tmp, content);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return false;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The pid (and thread, when written) in `file`, or undefined when the file is gone or holds no pid. */
function holderOf(file: string): { pid: number; thread: number | undefined } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const [pid, thread] = text.split(" ").map((w) => Number.parseInt(w, 10));
  if (pid === undefined || !Number.isInteger(pid)) return undefined;
  return { pid, thread: thread !== undefined && Number.isInteger(thread) ? thread : undefined };
}

/**
 * Directories this thread holds the lock of. A lock naming this pid and thread that is not in
 * here was left by an earlier process with the same pid: pids repeat, e.g. a container that
 * restarts in place runs node as pid 1 again after a SIGKILL. (A module instance, and so this
 * set, is per thread: worker threads of one process name their own thread in the lock.)
 */
const heldDirectories = new Set<string>();

/**
 * Removes the lock `file` if `isStale` judges its current holder stale, then tries to create it
 * with `content`; returns whether the caller now holds it. The judgement and the removal happen
 * under a guard file (`<file>.takeover`, created exclusively), so of several processes that saw
 * the same dead holder only one removes it, and none removes a fresh lock another one created
 * in the meantime (judged on the file's current content, not on what the caller saw earlier).
 */
export function takeOverStale(
  file: string,
  isStale: (holder: { pid: number; thread: number | undefined } | undefined) => boolean,
  content = `${process.pid} ${threadId}`,
): boolean {
  const guard = `${file}.takeover`;
  if (!tryCreate(guard, `${process.pid} ${threadId}`)) {
    // A guard is held for one read and one remove, within one call; one whose holder is dead
    // (or is this thread, between calls: a namesake's) is a crash in between, removed so the
    // lock does not stay stuck. The caller retries.
    const g = holderOf(guard);
    if (g !== undefined && ((g.pid === process.pid && g.thread === threadId) || !alive(g.pid))) {
      fs.rmSync(guard, { force: true });
    }
    return false;
  }
  try {
    if (isStale(holderOf(file))) fs.rmSync(file, { force: true });
    return tryCreate(file, content);
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

/** Takes the lock on `dir` or throws FLEUVE_LOG_LOCKED naming the holder. Returns the release function. */
export function lockDirectory(dir: string): () => void {
  const file = path.join(dir, ".lock");
  const key = path.resolve(dir);
  // The main thread writes its pid alone (the file format tools and older versions read); a
  // worker thread adds its thread id. A lock without one is the main thread's.
  const content = threadId === 0 ? `${process.pid}` : `${process.pid} ${threadId}`;
  const release = () => {
    heldDirectories.delete(key);
    fs.rmSync(file, { force: true });
  };
  // Stale: no pid, a dead pid, or this pid and thread while this thread does not hold the directory.
  const isStale = (holder: { pid: number; thread: number | undefined } | undefined) =>
    holder === undefined ||
    !alive(holder.pid) ||
    (holder.pid === process.pid && (holder.thread ?? 0) === threadId && !heldDirectories.has(key));
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file, content) || takeOverStale(file, isStale, content)) {
      heldDirectories.add(key);
      return release;
    }
    const holder = holderOf(file);
    if (holder !== undefined && !isStale(holder)) {
      const self =
        holder.pid !== process.pid
          ? ""
          : (holder.thread ?? 0) === threadId
            ? " (this process)"
            : ` (thread ${holder.thread} of this process)`;
      throw new FleuveError(
        "FLEUVE_LOG_LOCKED",
        `Log directory ${dir} is already open for writing by process ${holder.pid}${self}; close that Log first, use another directory, or open it with readOnly: true to read beside the writer.`,
        { details: { dir, pid: holder.pid } },
      );
    }
  }
  throw new FleuveError(
    "FLEUVE_LOG_LOCKED",
    `Could not take the lock ${file}; remove it if no process uses the log.`,
    {
      details: { dir },
    },
  );
}

const waitCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `body` holding the lock file `file`, waiting while another live process or thread holds
 * it (locks of this kind are held for one small file write, in one synchronous call). Throws
 * FLEUVE_LOG_LOCKED naming the holder when it is still held after `timeoutMs`.
 */
export function withFileLock<T>(file: string, body: () => T, timeoutMs = 10_000): T {
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  for (;;) {
    if (tryCreate(file, `${process.pid} ${threadId}`)) break;
    // This thread never holds the lock between calls, so a lock naming it is a leftover of a
    // crashed process that had the same pid (pids repeat, e.g. in containers).
    const isStale = (h: { pid: number; thread: number | undefined } | undefined) =>
      h === undefined || (h.pid === process.pid && h.thread === threadId) || !alive(h.pid);
    if (takeOverStale(file, isStale)) break;
    if (Date.now() >= deadline) {
      const holder = holderOf(file);
      // Not live: released meanwhile, or another waiter's takeover guard is in the way.
      const blocker = holder !== undefined && !isStale(holder) ? holder : holderOf(`${file}.takeover`);
      throw new FleuveError(
        "FLEUVE_LOG_LOCKED",
        `Lock ${file} has been held by process ${blocker?.pid ?? "(unknown)"} for ${timeoutMs} ms; remove the file (and ${file}.takeover) if that process does not use the log.`,
        { details: { file, pid: blocker?.pid } },
      );
    }
    // A synchronous pause, unavoidable here: ConsumerGroup.commit is a synchronous API, so it
    // cannot yield to the event loop while it waits (it blocks this thread, at most timeoutMs).
    Atomics.wait(waitCell, 0, 0, wait);
    wait = Math.min(wait * 2, 50);
  }
  try {
    return body();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
