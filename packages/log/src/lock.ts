/**
 * One writer process per log directory. A lock file holding the owner's pid is created
 * exclusively; a lock whose pid is no longer alive is stale and taken over.
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

/** Takes the lock on `dir` or throws FLEUVE_LOG_LOCKED naming the holder. Returns the release function. */
export function lockDirectory(dir: string): () => void {
  const file = path.join(dir, ".lock");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, "wx");
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number.parseInt(fs.readFileSync(file, "utf8"), 10);
    if (Number.isInteger(holder) && alive(holder)) {
      throw new FleuveError(
        "FLEUVE_LOG_LOCKED",
        `Log directory ${dir} is already open for writing by process ${holder}${holder === process.pid ? " (this process)" : ""}; close that Log first or use another directory.`,
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
