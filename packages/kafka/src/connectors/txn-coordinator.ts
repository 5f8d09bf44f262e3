/**
 * Talks to Kafka's transaction coordinator directly (FindCoordinator, InitProducerId, EndTxn), so
 * that a transaction prepared by another process - one that crashed after a checkpoint - can be
 * committed by its producer id and epoch (what Flink's KafkaSink does through reflection), and so
 * that lingering transactions of a crashed run can be aborted by fencing their transactional ids.
 */
import {
  Connection,
  describeTransactionsV0,
  endTxnV4,
  findCoordinatorV6,
  initProducerIdV5,
} from "@platformatic/kafka";
import type { CommonOptions } from "../properties.js";

/** Errors after which the same request may succeed a little later. */
const RETRIABLE = new Set([
  "COORDINATOR_LOAD_IN_PROGRESS",
  "COORDINATOR_NOT_AVAILABLE",
  "NOT_COORDINATOR",
  "CONCURRENT_TRANSACTIONS",
  "REQUEST_TIMED_OUT",
  "NETWORK_EXCEPTION",
]);
/** The transaction's producer epoch is no longer current: someone re-initialised the id since. */
const FENCED = new Set(["PRODUCER_FENCED", "INVALID_PRODUCER_EPOCH", "INVALID_PRODUCER_ID_MAPPING"]);

/** Protocol error names (`apiId`) anywhere in the client's nested error. */
export function protocolErrorIds(err: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 5 || err === null || typeof err !== "object") return out;
  const e = err as { apiId?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.apiId === "string" && !out.includes(e.apiId)) out.push(e.apiId);
  if (Array.isArray(e.errors)) for (const n of e.errors) protocolErrorIds(n, out, depth + 1);
  if (e.cause !== undefined) protocolErrorIds(e.cause, out, depth + 1);
  return out;
}

/** Outcome of {@link TxnCoordinatorClient.endTxn}. */
export type EndTxnOutcome = "done" | "fenced";

/** A small client for one cluster's transaction coordinators. */
export class TxnCoordinatorClient {
  readonly #common: CommonOptions;
  readonly #connections = new Map<string, Promise<Connection>>();
  /**
   * Each transactional id's coordinator, looked up once: a sink commits every slot's transaction
   * through here, per unit and commit interval, and a FindCoordinator before each EndTxn doubled
   * its round trips. Forgotten on any error of a request to it (NOT_COORDINATOR after a move...).
   */
  readonly #coordinators = new Map<string, { host: string; port: number }>();

  constructor(common: CommonOptions) {
    this.#common = common;
  }

  async #connect(host: string, port: number): Promise<Connection> {
    const key = `${host}:${port}`;
    let c = this.#connections.get(key);
    if (!c) {
      c = (async () => {
        const conn = new Connection(this.#common.clientId, {
          connectTimeout: this.#common.connectTimeout ?? 5000,
          requestTimeout: this.#common.timeout ?? 30000,
        });
        // A lost broker shows as an 'error' event; unlistened, Node would end the process. The
        // requests in flight fail on their own and are retried on a new connection.
        conn.on("error", () => this.#connections.delete(key));
        await conn.connect(host, port);
        conn.on("close", () => this.#connections.delete(key));
        return conn;
      })();
      c.catch(() => this.#connections.delete(key));
      this.#connections.set(key, c);
    }
    return c;
  }

  /** Runs `op` against the coordinator of `transactionalId`, retrying transient errors with back-off. */
  async #withCoordinator<T>(transactionalId: string, op: (c: Connection) => Promise<T>): Promise<T> {
    const retries = Math.max(this.#common.retries, 10);
    for (let attempt = 1; ; attempt++) {
      try {
        const [host, port] = this.#common.bootstrapBrokers[
          (attempt - 1) % this.#common.bootstrapBrokers.length
        ]!.split(/:(?=\d+$)/) as [string, string];
        let coord = this.#coordinators.get(transactionalId);
        if (!coord) {
          const boot = await this.#connect(host, Number(port));
          const found = await findCoordinatorV6.api.async(boot, 1, [transactionalId]);
          const c = found.coordinators.find((x) => x.key === transactionalId)!;
          coord = { host: c.host, port: c.port };
          this.#coordinators.set(transactionalId, coord);
        }
        const conn = await this.#connect(coord.host, coord.port);
        return await op(conn);
      } catch (err) {
        this.#coordinators.delete(transactionalId);
        const ids = protocolErrorIds(err);
        const network = ids.length === 0 && (err as { code?: string }).code !== undefined;
        if (attempt > retries || !(network || ids.some((i) => RETRIABLE.has(i)))) throw err;
        if (network) this.#dropConnections();
        await new Promise((r) => setTimeout(r, this.#common.retryDelay(undefined, "txn", attempt)));
      }
    }
  }

  #dropConnections(): void {
    for (const c of this.#connections.values()) c.then((x) => x.close()).catch(() => {});
    this.#connections.clear();
  }

  /**
   * Commits (or aborts) the transaction `producerId`/`producerEpoch` of `transactionalId`. Idempotent:
   * committing an already committed transaction succeeds. "fenced": the id was initialised again
   * since, so that transaction was already resolved (committed, or aborted by its timeout).
   */
  async endTxn(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    commit: boolean,
  ): Promise<EndTxnOutcome> {
    try {
      await this.#withCoordinator(transactionalId, (c) =>
        endTxnV4.api.async(c, transactionalId, producerId, producerEpoch, commit),
      );
      return "done";
    } catch (err) {
      if (protocolErrorIds(err).some((i) => FENCED.has(i))) return "fenced";
      throw err;
    }
  }

  /**
   * The coordinator's view of `transactionalId`: state ("Ongoing", "PrepareCommit", "CompleteCommit",
   * "PrepareAbort", "CompleteAbort", "Empty"...), current producer id and epoch.
   */
  async describe(
    transactionalId: string,
  ): Promise<{ state: string; producerId: bigint; producerEpoch: number } | undefined> {
    const res = await this.#withCoordinator(transactionalId, (c) =>
      describeTransactionsV0.api.async(c, [transactionalId]),
    );
    const t = (
      res as unknown as {
        transactionStates: {
          transactionalId: string;
          transactionState: string;
          producerId: bigint;
          producerEpoch: number;
        }[];
      }
    ).transactionStates.find((x) => x.transactionalId === transactionalId);
    return t && { state: t.transactionState, producerId: t.producerId, producerEpoch: t.producerEpoch };
  }

  /**
   * Aborts the transaction unless it was committed: "committed" (the coordinator says the last
   * transaction of this producer epoch completed with a commit), "aborted", or "fenced".
   */
  async abortUnlessCommitted(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
  ): Promise<"committed" | "aborted" | "fenced"> {
    try {
      await this.#withCoordinator(transactionalId, (c) =>
        endTxnV4.api.async(c, transactionalId, producerId, producerEpoch, false),
      );
      return "aborted";
    } catch (err) {
      const ids = protocolErrorIds(err);
      if (ids.some((i) => FENCED.has(i))) return "fenced";
      // Aborting a transaction that completed with a commit is refused with INVALID_TXN_STATE.
      if (ids.includes("INVALID_TXN_STATE")) return "committed";
      throw err;
    }
  }

  /**
   * Initialises `transactionalId` as a new producer: bumps its epoch, which fences older producers
   * and aborts their open transaction. Returns the new producer id and epoch.
   */
  async initProducerId(
    transactionalId: string,
    transactionTimeoutMs: number,
  ): Promise<{ producerId: bigint; producerEpoch: number }> {
    const res = await this.#withCoordinator(transactionalId, (c) =>
      initProducerIdV5.api.async(c, transactionalId, transactionTimeoutMs, -1n, -1),
    );
    return { producerId: res.producerId, producerEpoch: res.producerEpoch };
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    const all = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(all.map((c) => c.then((x) => x.close()).catch(() => {})));
  }
}
