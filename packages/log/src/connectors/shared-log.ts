/**
 * One open {@link Log} per directory per process and purpose: a job's sinks on the same log
 * directory share one writer (the log allows one writer process per directory), its sources
 * share one reader, or the writer when this process has one open already. A source on a log
 * another process writes (another job, the demo) is a reader and needs no lock.
 */
import * as path from "node:path";
import { FleuveError } from "@fleuve/core";
import { Log } from "../log.js";

interface Entry {
  log: Log;
  users: number;
}

const writers = new Map<string, Entry>();
const readers = new Map<string, Entry>();

/**
 * Opens (or reuses) the log in `dir` for `purpose`; call the returned release when done. A
 * reader reuses this process's writer of the directory when there is one.
 */
export function acquireLog(
  dirOrLog: string | Log,
  purpose: "read" | "write" = "write",
): { log: Log; release: () => void } {
  if (typeof dirOrLog !== "string") return { log: dirOrLog, release: () => {} };
  const dir = path.resolve(dirOrLog);
  const pool = purpose === "read" && !writers.has(dir) ? readers : writers;
  let entry = pool.get(dir);
  if (!entry) {
    entry = { log: new Log({ dir, readOnly: pool === readers }), users: 0 };
    pool.set(dir, entry);
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
        pool.delete(dir);
        e.log.close();
      }
    },
  };
}

/**
 * FLEUVE_LOG_TOPIC_NOT_FOUND naming the topic, what needs it, the log and the command that
 * creates it (the same shape as the Kafka connectors' error). Permanent: a restart would not
 * create the topic.
 */
export function topicNotFound(who: string, log: Log, topic: string): FleuveError {
  return new FleuveError(
    "FLEUVE_LOG_TOPIC_NOT_FOUND",
    `${who}: topic "${topic}" does not exist in the log at ${log.dir}. Create it first: fleuve topics create ${topic} --dir ${log.dir}` +
      " (add --partitions N for N partitions, read in parallel)",
    { details: { topic, log: log.dir }, permanent: true },
  );
}
