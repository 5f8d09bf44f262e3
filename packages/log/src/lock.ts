/**
 * Lock files holding the owner's pid. One writer process per log directory (`<dir>/.lock`, held
 * while the log is open); readers take no lock. Consumer-group commits take a short lock of
 * their own per group (see consumer-group.ts). A lock whose pid is no longer alive is stale and
 * taken over.
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

/** Takes the lock on `dir` or throws FLEUVE_LOG_LOCKED naming the holder. Returns the release function. */
export function lockDirectory(dir: string): () => void {
  const file = path.join(dir, ".lock");
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file)) return () => fs.rmSync(file, { force: true });
    const holder = holderOf(file)?.pid;
    if (holder !== undefined && alive(holder)) {
      throw new FleuveError(
        "FLEUVE_LOG_LOCKED",
        `Log directory ${dir} is already open for writing by process ${holder}${holder === process.pid ? " (this process)" : ""}; close that Log first, use another directory, or open it with readOnly: true to read beside the writer.`,
        { details: { dir, pid: holder } },
      );
    }
    fs.rmSync(file, { force: true }); // stale: the holder died without releasing
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
    const holder = holderOf(file);
    // This thread never holds the lock between calls, so a lock naming it is a leftover of a
    // crashed process that had the same pid (pids repeat, e.g. in containers).
    const leftover = holder?.pid === process.pid && holder.thread === threadId;
    if (holder === undefined || leftover || !alive(holder.pid)) {
      fs.rmSync(file, { force: true }); // stale: the holder died while holding it
      continue;
    }
    if (Date.now() >= deadline) {
      throw new FleuveError(
        "FLEUVE_LOG_LOCKED",
        `Lock ${file} has been held by process ${holder.pid} for ${timeoutMs} ms; remove the file if that process does not use the log.`,
        { details: { file, pid: holder.pid } },
      );
    }
    Atomics.wait(waitCell, 0, 0, wait); // a synchronous pause: commits are synchronous calls
    wait = Math.min(wait * 2, 50);
  }
  try {
    return body();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
