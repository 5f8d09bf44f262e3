/**
 * One open {@link Log} per directory per process and purpose: a job's sinks on the same log
 * directory share one writer (the log allows one writer process per directory), its sources
 * share one reader, or the writer when this process has one open already. A source on a log
 * another process writes (another job, the demo) is a reader and needs no lock.
 *
 * A job on worker threads has one writer too, in the main thread, as Kafka producers all send to
 * one broker: a sink or dead-letter policy on a worker thread gets a {@link LogWriter} whose calls
 * run on the main thread's `Log` (core's `mainThreadService`), so the threads never contend for
 * the directory's lock and their appends and transactions go through one writer, in the order
 * each thread makes them. Readers stay in their own thread (they take no lock).
 */
import * as path from "node:path";
import { FleuveError, mainThreadService, provideMainThreadService } from "@fleuve/core";
import { Log } from "../log.js";
import type { TransactionEntry } from "../transaction-coordinator.js";
import type { TransactionalProducer } from "../transactional-producer.js";
import type { ProducerRecord } from "../types.js";

interface Entry {
  log: Log;
  users: number;
}

const writers = new Map<string, Entry>();
const readers = new Map<string, Entry>();

/** What the connectors write through: a `Log`, or on a worker thread the main thread's. */
export interface LogWriter {
  /** The log's directory. */
  readonly dir: string;
  hasTopic(topic: string): boolean;
  /** Creates `topic` with `partitions` partitions unless it exists. */
  ensureTopic(topic: string, partitions: number): void;
  /** Appends outside any transaction (partitioned as `Topic.append`). */
  append(topic: string, records: readonly ProducerRecord[]): void;
  transactions(): readonly Pick<TransactionEntry, "transactionalId" | "state" | "producerEpoch">[];
  /** A new producer for `transactionalId` (fencing older ones), with a transaction begun. */
  beginTransaction(transactionalId: string): LogTransaction;
  recoverAndCommit(transactionalId: string): void;
  recoverAndAbort(transactionalId: string): void;
}

/** An open transaction of a {@link LogWriter}. */
export interface LogTransaction {
  readonly transactionalId: string;
  readonly producerEpoch: number;
  send(topic: string, records: readonly ProducerRecord[]): void;
  /** Phase one of two: syncs and persists the transaction as prepared. */
  prepare(): void;
}

/** A {@link LogWriter} on a `Log` of this thread. */
function localWriter(log: Log): LogWriter {
  return {
    dir: log.dir,
    hasTopic: (topic) => log.hasTopic(topic),
    ensureTopic: (topic, partitions) => {
      if (!log.hasTopic(topic)) log.createTopic(topic, { partitions });
    },
    append: (topic, records) => {
      log.topic(topic).append(records);
    },
    transactions: () => log.transactions(),
    beginTransaction: (id) => {
      const p = log.transactionalProducer(id);
      p.begin();
      return {
        transactionalId: p.transactionalId,
        producerEpoch: p.producerEpoch,
        send: (topic, records) => {
          p.send(topic, records);
        },
        prepare: () => p.prepare(),
      };
    },
    recoverAndCommit: (id) => log.recoverAndCommit(id),
    recoverAndAbort: (id) => log.recoverAndAbort(id),
  };
}

/**
 * Opens (or reuses) the log in `dir` for reading; call the returned release when done. It reuses
 * this thread's writer of the directory when there is one.
 */
export function acquireLog(dirOrLog: string | Log, purpose: "read"): { log: Log; release: () => void };
/**
 * Opens (or reuses) the log in `dir` for writing; call the returned release when done. On a worker
 * thread of a job, the writer is the main thread's (see the module's comment).
 */
export function acquireLog(
  dirOrLog: string | Log,
  purpose?: "write",
): { log: LogWriter; release: () => void };
export function acquireLog(
  dirOrLog: string | Log,
  purpose: "read" | "write" = "write",
): { log: Log | LogWriter; release: () => void } {
  if (typeof dirOrLog !== "string") {
    return { log: purpose === "read" ? dirOrLog : localWriter(dirOrLog), release: () => {} };
  }
  const dir = path.resolve(dirOrLog);
  if (purpose === "write") {
    const call = mainThreadService(SERVICE);
    if (call !== undefined) return remoteWriter(call, dir);
  }
  const { log, release } = openShared(dir, purpose);
  return { log: purpose === "read" ? log : localWriter(log), release };
}

/** This thread's shared `Log` of `dir` (absolute) for `purpose`. */
function openShared(dir: string, purpose: "read" | "write"): { log: Log; release: () => void } {
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

/** The name of the main thread's log-writer service. */
const SERVICE = "@fleuve/log:writer";

/** Requests of the writer service: `[operation, handle, ...arguments]`. */
type Request =
  | ["open", string]
  | ["release", number]
  | ["hasTopic", number, string]
  | ["ensureTopic", number, string, number]
  | ["append", number, string, ProducerRecord[]]
  | ["transactions", number]
  | ["begin", number, string]
  | ["send", number, string, number, string, ProducerRecord[]]
  | ["prepare", number, string, number]
  | ["recoverAndCommit", number, string]
  | ["recoverAndAbort", number, string];

/** A writer of a worker thread: each call runs on the main thread's shared writer of `dir`. */
function remoteWriter(
  call: (request: unknown) => unknown,
  dir: string,
): { log: LogWriter; release: () => void } {
  const rpc = (r: Request): unknown => call(r);
  const handle = rpc(["open", dir]) as number;
  let released = false;
  const log: LogWriter = {
    dir,
    hasTopic: (topic) => rpc(["hasTopic", handle, topic]) as boolean,
    ensureTopic: (topic, partitions) => {
      rpc(["ensureTopic", handle, topic, partitions]);
    },
    append: (topic, records) => {
      rpc(["append", handle, topic, [...records]]);
    },
    transactions: () => rpc(["transactions", handle]) as TransactionEntry[],
    beginTransaction: (id) => {
      const producerEpoch = rpc(["begin", handle, id]) as number;
      return {
        transactionalId: id,
        producerEpoch,
        send: (topic, records) => {
          rpc(["send", handle, id, producerEpoch, topic, [...records]]);
        },
        prepare: () => {
          rpc(["prepare", handle, id, producerEpoch]);
        },
      };
    },
    recoverAndCommit: (id) => {
      rpc(["recoverAndCommit", handle, id]);
    },
    recoverAndAbort: (id) => {
      rpc(["recoverAndAbort", handle, id]);
    },
  };
  return {
    log,
    release: () => {
      if (released) return;
      released = true;
      rpc(["release", handle]);
    },
  };
}

/** A handle the main thread gave a worker: the shared writer it opened, and its producers. */
interface Handle {
  readonly thread: number;
  readonly log: Log;
  readonly release: () => void;
  /** Producers with an open transaction, by `<id>#<epoch>`. */
  readonly producers: Map<string, TransactionalProducer>;
}

const handles = new Map<number, Handle>();
let nextHandle = 1;

/** Buffers crossed a thread as Uint8Arrays: the log wants Buffers. */
function buffers(records: readonly ProducerRecord[]): ProducerRecord[] {
  const b = (u: Uint8Array | null | undefined) =>
    u === null || u === undefined ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return records.map((r) => ({
    ...r,
    ...(r.key === undefined ? {} : { key: b(r.key) }),
    ...(r.value === undefined ? {} : { value: b(r.value) }),
    ...(r.headers === undefined
      ? {}
      : { headers: r.headers.map(([n, v]) => [n, b(v)!] as [string, Buffer]) }),
  }));
}

function producerOf(h: Handle, id: string, epoch: number): TransactionalProducer {
  const p = h.producers.get(`${id}#${epoch}`);
  if (p === undefined) {
    throw new FleuveError(
      "FLEUVE_LOG_TRANSACTION_INVALID",
      `transactional id ${id} epoch ${epoch} has no open transaction in the main thread's writer of ${h.log.dir}`,
      { details: { transactionalId: id, producerEpoch: epoch } },
    );
  }
  return p;
}

/** The main thread's side: one shared writer per directory for every worker thread. */
function serve(request: unknown, thread: number): unknown {
  const r = request as Request;
  if (r[0] === "open") {
    const { log, release } = openShared(path.resolve(r[1]), "write");
    const id = nextHandle++;
    handles.set(id, { thread, log, release, producers: new Map() });
    return id;
  }
  const h = handles.get(r[1]);
  if (h === undefined) {
    throw new FleuveError("FLEUVE_JOB_FAILED", `log writer handle ${r[1]} is not open in the main thread`);
  }
  const log = h.log;
  switch (r[0]) {
    case "release":
      handles.delete(r[1]);
      h.release();
      return undefined;
    case "hasTopic":
      return log.hasTopic(r[2]);
    case "ensureTopic":
      if (!log.hasTopic(r[2])) log.createTopic(r[2], { partitions: r[3] });
      return undefined;
    case "append":
      log.topic(r[2]).append(buffers(r[3]));
      return undefined;
    case "transactions":
      return log.transactions().map((t) => ({ ...t }));
    case "begin": {
      const p = log.transactionalProducer(r[2]);
      p.begin();
      // (an older producer of the id is fenced now: drop it)
      for (const k of h.producers.keys()) if (k.startsWith(`${r[2]}#`)) h.producers.delete(k);
      h.producers.set(`${r[2]}#${p.producerEpoch}`, p);
      return p.producerEpoch;
    }
    case "send":
      producerOf(h, r[2], r[3]).send(r[4], buffers(r[5]));
      return undefined;
    case "prepare":
      producerOf(h, r[2], r[3]).prepare();
      h.producers.delete(`${r[2]}#${r[3]}`);
      return undefined;
    case "recoverAndCommit":
      log.recoverAndCommit(r[2]);
      return undefined;
    case "recoverAndAbort":
      log.recoverAndAbort(r[2]);
      return undefined;
  }
}

provideMainThreadService(SERVICE, {
  call: serve,
  // A worker that ended without releasing (it failed, or was terminated): its handles are
  // released, so the directory's lock goes once no thread uses the log. Its open transactions
  // stay open in the log, as a crashed process's do, for the next writer of their ids to abort.
  threadGone(thread) {
    for (const [id, h] of handles) {
      if (h.thread !== thread) continue;
      handles.delete(id);
      h.release();
    }
  },
});

/**
 * FLEUVE_LOG_TOPIC_NOT_FOUND naming the topic, what needs it, the log and the command that
 * creates it (the same shape as the Kafka connectors' error). Permanent: a restart would not
 * create the topic.
 */
export function topicNotFound(who: string, log: { readonly dir: string }, topic: string): FleuveError {
  return new FleuveError(
    "FLEUVE_LOG_TOPIC_NOT_FOUND",
    `${who}: topic "${topic}" does not exist in the log at ${log.dir}. Create it first: fleuve topics create ${topic} --dir ${log.dir}` +
      " (add --partitions N for N partitions, read in parallel)",
    { details: { topic, log: log.dir }, permanent: true },
  );
}
