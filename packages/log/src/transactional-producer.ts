/**
 * A transactional producer: atomic writes across partitions and topics, with Kafka semantics
 * (one open transaction at a time, commit/abort markers, zombie fencing by epoch) plus an explicit
 * `prepare()` for two-phase-commit sinks.
 */

import type { Log } from "./log.js";
import type { TransactionCoordinator, TransactionEntry } from "./transaction-coordinator.js";
import type { AppendResult, ProducerRecord } from "./types.js";

/** Get one from `Log.transactionalProducer(id)`; creating it fences older producers with the same id. */
export class TransactionalProducer {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly producerEpoch: number;
  private readonly log: Log;
  private readonly coordinator: TransactionCoordinator;

  /** @internal */
  constructor(log: Log, coordinator: TransactionCoordinator, transactionalId: string) {
    this.log = log;
    this.coordinator = coordinator;
    this.transactionalId = transactionalId;
    const { producerId, producerEpoch } = coordinator.initProducer(transactionalId);
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
  }

  private entry(): TransactionEntry {
    return this.coordinator.checkCurrent(this.transactionalId, this.producerId, this.producerEpoch);
  }

  /** Starts a transaction. */
  begin(): void {
    this.coordinator.begin(this.entry());
  }

  /** Appends records to `topic` inside the open transaction (partitioned like `Topic.append`). */
  send(topic: string, records: readonly ProducerRecord[]): AppendResult[] {
    const e = this.entry();
    this.coordinator.checkOngoing(e);
    const t = this.log.topic(topic);
    const out: AppendResult[] = [];
    for (const [p, recs] of t.route(records)) {
      this.coordinator.addPartition(e, topic, p);
      const r = t.partitions[p]!.append(recs, {
        producerId: this.producerId,
        producerEpoch: this.producerEpoch,
      });
      out.push({ topic, partition: p, ...r });
    }
    return out;
  }

  /**
   * Two-phase commit, phase one: syncs the transaction's data and persists it as prepared. After a
   * crash it stays prepared until `Log.recoverAndCommit(id)` or `Log.recoverAndAbort(id)`.
   */
  prepare(): void {
    this.coordinator.prepare(this.entry());
  }

  /** Commits: read_committed readers see the records once the markers are written. */
  commit(): void {
    this.coordinator.commit(this.entry());
  }

  /** Aborts: read_committed readers never see the records. */
  abort(): void {
    this.coordinator.abort(this.entry());
  }
}
