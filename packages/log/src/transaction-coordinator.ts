/**
 * Transaction coordinator: maps transactional ids to producer id + epoch, tracks which partitions
 * each transaction touched, and drives commit/abort markers. Its state is one JSON file replaced
 * atomically on every state change, so a transaction's fate survives a crash:
 *   ongoing/prepared -> left open (aborted when the producer re-initialises, or finished by
 *                       recoverAndCommit / recoverAndAbort);
 *   committing/aborting -> the decision was made: markers are rolled forward on open.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { FleuveError } from "@fleuve/core";
import { readJson, writeFileAtomic } from "./fs-util.js";
import type { PartitionLog } from "./partition-log.js";
import { CONTROL_ABORT, CONTROL_COMMIT } from "./record-batch.js";

/** Where a transaction is in its life. `empty` = none open (the last one completed). */
export type TransactionState = "empty" | "ongoing" | "prepared" | "committing" | "aborting";

/** Durable state of one transactional id. */
export interface TransactionEntry {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  state: TransactionState;
  /** Partitions touched by the open transaction, as [topic, partition]. */
  partitions: [string, number][];
  /** How the last completed transaction ended. */
  lastOutcome: "commit" | "abort" | null;
}

interface StateFile {
  nextProducerId: number;
  transactions: Record<string, TransactionEntry>;
}

const MAX_EPOCH = 32767;

/** Looks up partitions for marker writes; undefined when the topic was deleted meanwhile. */
export type PartitionResolver = (topic: string, partition: number) => PartitionLog | undefined;

/** The coordinator of one log directory. */
export class TransactionCoordinator {
  private readonly file: string;
  private state: StateFile;
  private readonly resolve: PartitionResolver;

  constructor(dir: string, resolve: PartitionResolver) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, "state.json");
    this.state = readJson<StateFile>(this.file) ?? { nextProducerId: 0, transactions: {} };
    this.resolve = resolve;
  }

  /** Finishes transactions whose commit/abort was decided before a crash. */
  recover(): void {
    for (const e of Object.values(this.state.transactions)) {
      if (e.state === "committing") this.complete(e, CONTROL_COMMIT);
      else if (e.state === "aborting") this.complete(e, CONTROL_ABORT);
    }
  }

  private persist(): void {
    writeFileAtomic(this.file, JSON.stringify(this.state));
  }

  /** The transactional ids in the state file under `dir`, as a reader sees them (nothing is created). */
  static read(dir: string): TransactionEntry[] {
    const state = readJson<StateFile>(path.join(dir, "state.json"));
    return Object.values(state?.transactions ?? {});
  }

  /** All transactional ids with their state (for recovery of two-phase-commit sinks). */
  list(): TransactionEntry[] {
    return Object.values(this.state.transactions).map((e) => ({ ...e, partitions: [...e.partitions] }));
  }

  get(transactionalId: string): TransactionEntry | undefined {
    return this.state.transactions[transactionalId];
  }

  /**
   * Kafka's InitProducerId: aborts any transaction left open by a previous incarnation, then bumps
   * the epoch so the previous producer is fenced.
   */
  initProducer(transactionalId: string): { producerId: number; producerEpoch: number } {
    let e = this.state.transactions[transactionalId];
    if (e === undefined) {
      e = {
        transactionalId,
        producerId: this.state.nextProducerId++,
        producerEpoch: 0,
        state: "empty",
        partitions: [],
        lastOutcome: null,
      };
      this.state.transactions[transactionalId] = e;
    } else {
      if (e.state === "committing") this.complete(e, CONTROL_COMMIT);
      else if (e.state !== "empty") this.decideAndComplete(e, CONTROL_ABORT);
      if (e.producerEpoch >= MAX_EPOCH) {
        e.producerId = this.state.nextProducerId++;
        e.producerEpoch = 0;
      } else e.producerEpoch++;
    }
    this.persist();
    return { producerId: e.producerId, producerEpoch: e.producerEpoch };
  }

  /** Throws FLEUVE_LOG_TRANSACTION_INVALID unless (producerId, epoch) is the current incarnation. */
  checkCurrent(transactionalId: string, producerId: number, producerEpoch: number): TransactionEntry {
    const e = this.state.transactions[transactionalId];
    if (e === undefined || e.producerId !== producerId || e.producerEpoch !== producerEpoch) {
      throw new FleuveError(
        "FLEUVE_LOG_TRANSACTION_INVALID",
        `Producer for transactional id "${transactionalId}" (epoch ${producerEpoch}) was fenced by a newer producer with the same id; stop using it.`,
        { details: { transactionalId, producerId, producerEpoch } },
      );
    }
    return e;
  }

  begin(e: TransactionEntry): void {
    if (e.state !== "empty") {
      throw invalid(e, `begin() called while a transaction is ${e.state}; commit or abort it first`);
    }
    e.state = "ongoing";
    e.partitions = [];
    this.persist();
  }

  /** Throws unless a transaction is open (ongoing) for `e`. */
  checkOngoing(e: TransactionEntry): void {
    if (e.state !== "ongoing") {
      throw invalid(e, `send() called while the transaction is ${e.state}; call begin() first`);
    }
  }

  /** Records that the transaction is about to write to a partition (persisted before the write). */
  addPartition(e: TransactionEntry, topic: string, partition: number): void {
    this.checkOngoing(e);
    if (e.partitions.some(([t, p]) => t === topic && p === partition)) return;
    e.partitions.push([topic, partition]);
    this.persist();
  }

  /** First phase of two-phase commit: data synced, state `prepared` persisted. */
  prepare(e: TransactionEntry): void {
    if (e.state !== "ongoing") throw invalid(e, `prepare() called while the transaction is ${e.state}`);
    for (const [t, p] of e.partitions) this.resolve(t, p)?.flush();
    e.state = "prepared";
    this.persist();
  }

  commit(e: TransactionEntry): void {
    if (e.state !== "ongoing" && e.state !== "prepared") {
      throw invalid(e, `commit() called while the transaction is ${e.state}`);
    }
    this.decideAndComplete(e, CONTROL_COMMIT);
  }

  abort(e: TransactionEntry): void {
    if (e.state === "empty") throw invalid(e, "abort() called with no open transaction");
    this.decideAndComplete(e, CONTROL_ABORT);
  }

  /** Commits a transaction that was prepared before a restart; a no-op if it already committed. */
  recoverAndCommit(transactionalId: string): void {
    const e = this.requireEntry(transactionalId);
    if (e.state === "empty" && e.lastOutcome === "commit") return;
    if (e.state !== "prepared" && e.state !== "committing") {
      throw invalid(
        e,
        `recoverAndCommit() needs a prepared transaction, but it is ${e.state} (last outcome ${e.lastOutcome})`,
      );
    }
    this.decideAndComplete(e, CONTROL_COMMIT);
    e.producerEpoch++; // fence any producer still holding the old epoch
    this.persist();
  }

  /** Aborts an open or prepared transaction after a restart; a no-op if it already aborted. */
  recoverAndAbort(transactionalId: string): void {
    const e = this.requireEntry(transactionalId);
    if (e.state === "empty" && e.lastOutcome === "abort") return;
    if (e.state === "empty" || e.state === "committing") {
      throw invalid(
        e,
        `recoverAndAbort() cannot abort a transaction that is ${e.state} (last outcome ${e.lastOutcome})`,
      );
    }
    this.decideAndComplete(e, CONTROL_ABORT);
    e.producerEpoch++;
    this.persist();
  }

  private requireEntry(transactionalId: string): TransactionEntry {
    const e = this.state.transactions[transactionalId];
    if (e === undefined) {
      throw new FleuveError(
        "FLEUVE_LOG_TRANSACTION_INVALID",
        `No transaction is known for transactional id "${transactionalId}".`,
        {
          details: { transactionalId },
        },
      );
    }
    return e;
  }

  /** Persists the decision, then writes markers (idempotent), then persists completion. */
  private decideAndComplete(e: TransactionEntry, type: number): void {
    e.state = type === CONTROL_COMMIT ? "committing" : "aborting";
    this.persist();
    this.complete(e, type);
  }

  private complete(e: TransactionEntry, type: number): void {
    const touched: PartitionLog[] = [];
    for (const [t, p] of e.partitions) {
      const part = this.resolve(t, p);
      if (part?.appendMarker(type, { producerId: e.producerId, producerEpoch: e.producerEpoch }))
        touched.push(part);
    }
    for (const part of touched) part.flush();
    e.state = "empty";
    e.partitions = [];
    e.lastOutcome = type === CONTROL_COMMIT ? "commit" : "abort";
    this.persist();
  }
}

function invalid(e: TransactionEntry, what: string): FleuveError {
  return new FleuveError(
    "FLEUVE_LOG_TRANSACTION_INVALID",
    `Transactional id "${e.transactionalId}": ${what}.`,
    {
      details: { transactionalId: e.transactionalId, state: e.state },
    },
  );
}
