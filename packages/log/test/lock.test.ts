// Lock files: a lock naming this process's own pid but not held by it is a leftover of an earlier
// process with the same pid (a container restarting in place), and a stale lock is taken over by
// exactly one of the processes that saw its holder dead.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { threadId } from "node:worker_threads";
import { isFleuveError } from "@fleuve/core";
import { openLog } from "../src/index.js";
import { takeOverStale, withFileLock } from "../src/lock.js";
import { tmpDir } from "./helpers.js";

const lockedByThisProcess = (e: unknown) =>
  isFleuveError(e) && e.code === "FLEUVE_LOG_LOCKED" && /\(this process\)/.test(e.message);

test("a directory lock naming this pid that this process does not hold is a crashed namesake's: taken over", () => {
  const dir = tmpDir();
  openLog({ dir }).close();
  const lockFile = path.join(dir, ".lock");
  // As an earlier incarnation with the same pid (node as pid 1 in a container) killed with
  // SIGKILL leaves it: the pid alone (older locks) or the pid and thread.
  for (const leftover of [`${process.pid}`, `${process.pid} ${threadId}`]) {
    fs.writeFileSync(lockFile, leftover);
    const log = openLog({ dir });
    log.createTopic(`t${leftover.length}`);
    assert.equal(
      fs.readFileSync(lockFile, "utf8"),
      String(process.pid),
      "the main thread's lock holds its pid alone",
    );
    // While this process holds it, a second writer in this same thread is still refused.
    assert.throws(() => openLog({ dir }), lockedByThisProcess);
    log.close();
    assert.equal(fs.existsSync(lockFile), false, "close releases the lock");
  }
  // Another thread of this process (a worker thread running a subtask) is a live holder.
  fs.writeFileSync(lockFile, `${process.pid} ${threadId + 1000}`);
  assert.throws(
    () => openLog({ dir }),
    (e: unknown) =>
      isFleuveError(e) && e.code === "FLEUVE_LOG_LOCKED" && /thread \d+ of this process/.test(e.message),
  );
  assert.equal(fs.readFileSync(lockFile, "utf8"), `${process.pid} ${threadId + 1000}`);
});

test("a stale lock seen by two waiters is taken over by exactly one; the later one leaves the fresh lock alone", async () => {
  const dir = tmpDir();
  const lockFile = path.join(dir, "g.json.lock");
  const dead = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => dead.on("exit", resolve));
  fs.writeFileSync(lockFile, `${dead.pid} 0`);
  const deadHolder = (h: { pid: number } | undefined) => h === undefined || h.pid === dead.pid;
  // Both waiters saw the dead holder. The first takes the lock over for a live process (our
  // parent stands for it); the second, judging again under the takeover guard, must not remove it.
  const other = `${process.ppid} 0`;
  assert.equal(takeOverStale(lockFile, deadHolder, other), true);
  assert.equal(takeOverStale(lockFile, deadHolder), false);
  assert.equal(fs.readFileSync(lockFile, "utf8"), other, "the fresh lock is still the first taker's");
  assert.equal(fs.existsSync(`${lockFile}.takeover`), false, "the takeover guard is released");
  // The commit lock waits for that live holder and names it.
  assert.throws(
    () => withFileLock(lockFile, () => 0, 0),
    (e: unknown) =>
      isFleuveError(e) &&
      e.code === "FLEUVE_LOG_LOCKED" &&
      (e.details as { pid: number }).pid === process.ppid,
  );
  // A takeover guard left by a dead process does not keep the lock stuck.
  fs.writeFileSync(lockFile, `${dead.pid} 0`);
  fs.writeFileSync(`${lockFile}.takeover`, `${dead.pid} 0`);
  assert.equal(
    withFileLock(lockFile, () => fs.readFileSync(lockFile, "utf8")),
    `${process.pid} ${threadId}`,
  );
  assert.equal(fs.existsSync(lockFile), false);
});
