/**
 * One open {@link Log} per directory per process: a job's sources and sinks on the same log
 * directory share it (the log allows one writer process per directory).
 */
import * as path from "node:path";
import { Log } from "../log.js";

const open = new Map<string, { log: Log; users: number }>();

/** Opens (or reuses) the log in `dir`; call the returned release when done. */
export function acquireLog(dirOrLog: string | Log): { log: Log; release: () => void } {
  if (typeof dirOrLog !== "string") return { log: dirOrLog, release: () => {} };
  const dir = path.resolve(dirOrLog);
  let entry = open.get(dir);
  if (!entry) {
    entry = { log: new Log({ dir }), users: 0 };
    open.set(dir, entry);
  }
  entry.users++;
  const e = entry;
  let released = false;
  return {
    log: e.log,
    release: () => {
      if (released) return;
      released = true;
      if (--e.users === 0) {
        open.delete(dir);
        e.log.close();
      }
    },
  };
}
