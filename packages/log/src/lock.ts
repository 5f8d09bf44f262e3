/**
 * Lock files holding the owner's pid. One writer process per log directory (`<dir>/.lock`, held
 * while the log is open); readers take no lock. Consumer-group commits take a short lock of
 * their own per group (see consumer-group.ts). A lock whose pid is no longer alive is stale and
 * taken over.
 */

import * as fs from "node:fs";
import * as path from "node:path";
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
function tryCreate(file: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, String(process.pid));
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

/** The pid in `file`, or undefined when the file is gone or holds no pid. */
function holderOf(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, "utf8"), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Takes the lock on `dir` or throws FLEUVE_LOG_LOCKED naming the holder. Returns the release function. */
export function lockDirectory(dir: string): () => void {
  const file = path.join(dir, ".lock");
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file)) return () => fs.rmSync(file, { force: true });
    const holder = holderOf(file);
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
 * Runs `body` holding the lock file `file`, waiting while another live process holds it (locks
 * of this kind are held for one small file write). Throws FLEUVE_LOG_LOCKED naming the holder
 * when it is still held after `timeoutMs`.
 */
export function withFileLock<T>(file: string, body: () => T, timeoutMs = 10_000): T {
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  for (;;) {
    if (tryCreate(file)) break;
    const holder = holderOf(file);
    if (holder === undefined || !alive(holder)) {
      fs.rmSync(file, { force: true }); // stale: the holder died while holding it
      continue;
    }
    if (holder === process.pid || Date.now() >= deadline) {
      throw new FleuveError(
        "FLEUVE_LOG_LOCKED",
        `Lock ${file} is held by process ${holder}${holder === process.pid ? " (this process)" : ""}; remove the file if that process does not use the log.`,
        { details: { file, pid: holder } },
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
