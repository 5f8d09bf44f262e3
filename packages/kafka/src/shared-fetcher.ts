/**
 * One Fetch loop per process for every {@link KafkaPartitionReader} with the same connection and
 * fetch settings: the Java consumer fetches all of its partitions in one request per broker, and
 * Kafka Streams runs one consumer per thread for all of that thread's tasks. A reader of its own
 * per source subtask and per exchange input (4 to 8 in one `--group` process) sent a request for
 * every record or two at `fetch.min.bytes` 1, and each request wakes the broker and both ends'
 * network stacks; in one request they cost one round trip for all.
 *
 * At most one request is in flight per broker, as in the Java consumer. A turn of the event loop
 * after a reader starts waiting (so that the readers just served join together), every waiting
 * reader whose brokers have no request in flight is fetched: one request per broker for all of
 * them. A reader is answered once its brokers answered: with its records, or with none once
 * `fetch.max.wait.ms` passed since its poll began (or its partition's leader moved); otherwise it
 * waits for the next request. A reader that starts waiting while its broker's request is in
 * flight waits for that request to end: at most `fetch.max.wait.ms` when none of its partitions
 * gets a record, then its own.
 *
 * A request that fails is sent again for each of its readers on its own, so an error (a partition
 * error, a topic deleted) reaches the reader it belongs to only, as with a request of its own.
 */
import { FleuveError } from "@fleuve/core";
import { type CommonOptions, type ConsumerSettings, settingsKey } from "./properties.js";
import { ReadCommittedConsumer } from "./read-committed-consumer.js";
import type { ConsumerRecord } from "./records.js";

/** A partition and the next offset to read from it. */
export interface PartitionPosition {
  topic: string;
  partition: number;
  offset: bigint;
}

/** Protocol error names (`apiId`) anywhere in the client's nested error. */
export function apiErrorIds(err: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 5 || err === null || typeof err !== "object") return out;
  const e = err as { apiId?: unknown; errors?: unknown };
  if (typeof e.apiId === "string" && !out.includes(e.apiId)) out.push(e.apiId);
  if (Array.isArray(e.errors)) for (const n of e.errors) apiErrorIds(n, out, depth + 1);
  return out;
}

/** What a reader gives the fetcher: its live positions, and where a partition's response goes. */
export interface FetchMember {
  /** The partitions to fetch and their next offsets (read when a round starts). */
  positions(): Iterable<PartitionPosition>;
  /** The next offset of one partition now, undefined if it is no longer assigned. */
  offsetOf(topic: string, partition: number): bigint | undefined;
  /**
   * Takes one partition's response (the fetcher checked it answers the offset it asked for);
   * appends records to `out`. Throws for a partition error the reader cannot go on after.
   */
  collect(topic: string, partition: unknown, out: ConsumerRecord[]): void;
}

/** Errors after which fresh metadata (a new leader) is all that is needed. */
const STALE_LEADER_IDS = new Set(["NOT_LEADER_OR_FOLLOWER", "FENCED_LEADER_EPOCH", "UNKNOWN_LEADER_EPOCH"]);

interface Waiter {
  member: FetchMember;
  out: ConsumerRecord[];
  resolve: (records: ConsumerRecord[]) => void;
  reject: (err: unknown) => void;
  /** Answer this round even without records (a stale leader: let the reader poll again). */
  answer: boolean;
  /** When the poll began: it returns empty once `fetch.max.wait.ms` passed without records. */
  since: number;
  error?: unknown;
  /** Node requests of this waiter not answered yet. */
  pending: number;
  /** A shared request of it failed: fetch it alone until one of its own succeeds. */
  solo: boolean;
  /** Its reader closed: answered already, nothing more to do. */
  closed: boolean;
}

interface Metadata {
  topicIds: Map<string, string>;
  names: Map<string, string>;
  leaders: Map<string, number>;
}

/** Fetchers by settings, shared by the readers of this process. */
const fetchers = new Map<string, SharedFetcher>();
function keyOf(common: CommonOptions, settings: ConsumerSettings): string {
  return JSON.stringify([
    settingsKey(common),
    settings.isolationLevel,
    settings.minBytes,
    settings.maxBytes,
    settings.maxBytesPerPartition,
    settings.maxWaitTime,
  ]);
}

/** The process's fetcher for these settings; {@link SharedFetcher.release} it when done. */
export function sharedFetcher(common: CommonOptions, settings: ConsumerSettings): SharedFetcher {
  const key = keyOf(common, settings);
  let f = fetchers.get(key);
  if (f === undefined) {
    const created: SharedFetcher = new SharedFetcher(common, settings, () => {
      if (fetchers.get(key) === created) fetchers.delete(key);
    });
    f = created;
    fetchers.set(key, f);
  }
  f.users++;
  return f;
}

/** Fetch requests sent by every fetcher of this process (tests check that readers share). */
export let fetchRequestsSent = 0;

/** See the module comment. */
export class SharedFetcher {
  users = 0;
  readonly #raw: ReadCommittedConsumer;
  readonly #settings: ConsumerSettings;
  readonly #forget: () => void;
  /** Readers waiting for a request. */
  readonly #waiting = new Set<Waiter>();
  readonly #byMember = new Map<FetchMember, Waiter>();
  /** Requests in flight per broker. */
  readonly #inFlight = new Map<number, number>();
  #scheduled = false;
  #dispatching = false;
  #metadata: Metadata = { topicIds: new Map(), names: new Map(), leaders: new Map() };
  /** Metadata to ask again (a leader moved, partitions added) before the next request. */
  #stale = false;
  /** No metadata request before this time (a partition without a leader: back off). */
  #metadataNotBefore = 0;
  #closed = false;

  constructor(common: CommonOptions, settings: ConsumerSettings, forget: () => void) {
    this.#settings = settings;
    this.#forget = forget;
    // The client requires a group id even for plain fetches; this one never joins a group.
    this.#raw = new ReadCommittedConsumer({
      ...common,
      groupId: settings.groupId,
      isolationLevel: settings.isolationLevel,
    });
  }

  /**
   * The member's next records; none once `fetch.max.wait.ms` passed without any, or when a
   * partition's leader moved.
   */
  poll(member: FetchMember): Promise<ConsumerRecord[]> {
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        member,
        out: [],
        resolve,
        reject,
        answer: false,
        since: Date.now(),
        pending: 0,
        solo: this.#byMember.get(member)?.solo ?? false,
        closed: false,
      };
      this.#byMember.set(member, w);
      this.#waiting.add(w);
      this.#schedule();
    });
  }

  /** Answers the member's poll with no records, now, and fetches nothing more for it (it is closing). */
  leave(member: FetchMember): void {
    const w = this.#byMember.get(member);
    this.#byMember.delete(member);
    if (w === undefined || w.closed) return;
    w.closed = true;
    this.#waiting.delete(w);
    w.resolve([]);
  }

  /** Metadata changed (topics assigned, a leader moved): ask again before the next request. */
  invalidate(): void {
    this.#stale = true;
  }

  /** One user fewer; the last one closes the connections. */
  async release(): Promise<void> {
    if (--this.users > 0) return;
    this.#closed = true;
    this.#forget();
    for (const w of this.#waiting) w.resolve([]);
    this.#waiting.clear();
    await this.#raw.close(true);
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#waiting.size === 0 || this.#closed) return;
      if (this.#dispatching) return; // it schedules again when it is done
      this.#dispatching = true;
      this.#dispatch()
        .catch((err) => {
          // Not expected (every path catches its own errors): fail the waiters rather than hang them.
          for (const w of this.#waiting) w.reject(err);
          this.#waiting.clear();
        })
        .finally(() => {
          this.#dispatching = false;
          if (this.#waiting.size > 0 && this.#readyToSend()) this.#schedule();
        });
    });
  }

  /**
   * A waiter could be sent now (one of its brokers is idle), or needs metadata first. Partitions
   * without a leader do not count: a timer looks at them again (see #dispatch).
   */
  #readyToSend(): boolean {
    for (const w of this.#waiting) {
      if (w.closed || w.error !== undefined) return true;
      for (const p of w.member.positions()) {
        const leader = this.#metadata.leaders.get(`${p.topic}:${p.partition}`);
        if (leader === undefined || (leader >= 0 && !this.#inFlight.has(leader))) return true;
      }
    }
    return false;
  }

  /** Sends one request per broker for the waiting readers whose brokers have none in flight. */
  async #dispatch(): Promise<void> {
    await this.#resolveMetadata([...this.#waiting]);
    const md = this.#metadata;
    const now = Date.now();
    const shared: Waiter[] = [];
    const groups: Waiter[][] = [shared];
    let leaderless = false;
    for (const w of [...this.#waiting]) {
      if (w.closed) {
        this.#waiting.delete(w);
        continue;
      }
      if (w.error !== undefined) {
        this.#waiting.delete(w);
        this.#byMember.delete(w.member);
        w.reject(w.error);
        continue;
      }
      let busy = false;
      let any = false;
      for (const p of w.member.positions()) {
        const leader = md.leaders.get(`${p.topic}:${p.partition}`);
        if (leader === undefined || leader < 0) {
          leaderless = true;
          continue;
        }
        any = true;
        if (this.#inFlight.has(leader)) busy = true;
      }
      if (busy) continue; // its broker's request in flight: it goes when that one is answered
      if (!any) {
        // No partition with a leader now: nothing to fetch; answer empty once the wait is over.
        if (now - w.since >= (this.#settings.maxWaitTime ?? 500)) {
          this.#waiting.delete(w);
          w.resolve(w.out);
        }
        continue;
      }
      if (w.solo) groups.push([w]);
      else shared.push(w);
    }
    if (leaderless) {
      // Ask again, not sooner than retry.backoff, and look at the leaderless waiters then.
      this.#stale = true;
      setTimeout(() => this.#schedule(), 100).unref?.();
    }
    for (const group of groups) {
      // node -> topic -> partition -> [waiter, offset asked]
      const byNode = new Map<number, Map<string, Map<number, [Waiter, bigint]>>>();
      const nodesOf = new Map<Waiter, Set<number>>();
      for (const w of group) {
        const mine: [number, string, number, bigint][] = [];
        let clash = false;
        for (const p of w.member.positions()) {
          const leader = md.leaders.get(`${p.topic}:${p.partition}`);
          if (leader === undefined || leader < 0) continue;
          if (byNode.get(leader)?.get(p.topic)?.has(p.partition)) clash = true;
          mine.push([leader, p.topic, p.partition, p.offset]);
        }
        // Two readers of one partition (two jobs of a process reading one topic): one request
        // cannot ask for it twice, so the second one waits for the next request.
        if (clash) continue;
        const nodes = new Set<number>();
        for (const [leader, topic, partition, offset] of mine) {
          let topics = byNode.get(leader);
          if (!topics) byNode.set(leader, (topics = new Map()));
          let parts = topics.get(topic);
          if (!parts) topics.set(topic, (parts = new Map()));
          parts.set(partition, [w, offset]);
          nodes.add(leader);
        }
        nodesOf.set(w, nodes);
        this.#waiting.delete(w);
        w.pending = nodes.size;
      }
      for (const [node, topics] of byNode) {
        this.#inFlight.set(node, (this.#inFlight.get(node) ?? 0) + 1);
        const waiters = [
          ...new Set([...topics.values()].flatMap((parts) => [...parts.values()].map(([w]) => w))),
        ];
        void this.#fetchFrom(node, topics, md, waiters.length > 1).finally(() => {
          const n = (this.#inFlight.get(node) ?? 1) - 1;
          if (n === 0) this.#inFlight.delete(node);
          else this.#inFlight.set(node, n);
          for (const w of waiters) if (--w.pending === 0) this.#settle(w);
          if (this.#waiting.size > 0) this.#schedule();
        });
      }
    }
  }

  /** All of a waiter's requests are answered: answer it, or let it wait for the next request. */
  #settle(w: Waiter): void {
    if (w.closed) return;
    if (w.out.length > 0) {
      w.resolve(w.out);
    } else if (w.error !== undefined) {
      this.#byMember.delete(w.member);
      w.reject(w.error);
    } else if (w.answer || this.#closed || Date.now() - w.since >= (this.#settings.maxWaitTime ?? 500)) {
      w.resolve(w.out);
    } else {
      this.#waiting.add(w);
    }
  }

  async #fetchFrom(
    node: number,
    topics: Map<string, Map<number, [Waiter, bigint]>>,
    md: Metadata,
    shared: boolean,
  ): Promise<void> {
    const perByte = this.#settings.maxBytesPerPartition ?? 1_048_576;
    let response: Awaited<ReturnType<ReadCommittedConsumer["fetch"]>>;
    try {
      fetchRequestsSent++;
      response = await this.#raw.fetch({
        node,
        minBytes: this.#settings.minBytes ?? 1,
        maxBytes: this.#settings.maxBytes ?? 52_428_800,
        maxWaitTime: this.#settings.maxWaitTime ?? 500,
        isolationLevel: this.#settings.isolationLevel,
        topics: [...topics].map(([topic, parts]) => ({
          topicId: md.topicIds.get(topic)!,
          partitions: [...parts].map(([partition, [, offset]]) => ({
            partition,
            currentLeaderEpoch: -1,
            fetchOffset: offset,
            lastFetchedEpoch: -1,
            partitionMaxBytes: perByte,
          })),
        })),
      });
    } catch (err) {
      const codes = apiErrorIds(err);
      const waiters = new Map<Waiter, string[]>();
      for (const [topic, parts] of topics) {
        for (const [partition, [w, offset]] of parts) {
          const list = waiters.get(w) ?? [];
          waiters.set(w, list);
          list.push(`${topic}-${partition}@${offset}`);
        }
      }
      if (codes.some((c) => STALE_LEADER_IDS.has(c))) {
        this.#stale = true; // leader moved: ask again before the next request
        for (const w of waiters.keys()) w.answer = true;
        return;
      }
      if (shared && !this.#closed) {
        // The client fails a whole response for one partition's error: ask again for each reader
        // alone, so that the error reaches the one it belongs to.
        for (const w of waiters.keys()) w.solo = true;
        return;
      }
      for (const [w, requested] of waiters) {
        w.error ??= new FleuveError(
          "FLEUVE_SOURCE_FAILED",
          `Kafka fetch of ${requested.join(", ")} failed: ${codes.length > 0 ? codes.join(", ") : (err as Error).message}.`,
          { cause: err, details: { partitions: requested, errors: codes } },
        );
      }
      return;
    }
    if (!shared) for (const parts of topics.values()) for (const [w] of parts.values()) w.solo = false;
    for (const t of response.responses) {
      const topic = md.names.get(t.topicId);
      if (topic === undefined) continue;
      const parts = topics.get(topic);
      for (const part of t.partitions as { partitionIndex: number; errorCode: number }[]) {
        const asked = parts?.get(part.partitionIndex);
        if (asked === undefined) continue;
        const [w, offset] = asked;
        // The reader moved this partition (assign() during the request), or closed: stale answer.
        if (w.closed || w.member.offsetOf(topic, part.partitionIndex) !== offset || w.error !== undefined)
          continue;
        if (STALE_LEADER.has(part.errorCode)) {
          this.#stale = true;
          w.answer = true;
          continue;
        }
        try {
          w.member.collect(topic, part, w.out);
        } catch (err) {
          w.error = err;
        }
      }
    }
  }

  /**
   * Makes sure the metadata knows every waiter's partitions (asking for their topics when one is
   * unknown or the metadata is stale). A topic the cluster does not have, or whose metadata fails,
   * sets an error on the waiters that read it only.
   */
  async #resolveMetadata(waiters: readonly Waiter[]): Promise<void> {
    const topics = new Set<string>();
    let unknown = false;
    for (const w of waiters) {
      for (const p of w.member.positions()) {
        topics.add(p.topic);
        // A partition added since (a reader assigned it): its leader is not known yet.
        if (!this.#metadata.leaders.has(`${p.topic}:${p.partition}`)) unknown = true;
      }
    }
    if (topics.size === 0 || (!unknown && !this.#stale)) return;
    if (Date.now() < this.#metadataNotBefore && !unknown) return;
    this.#stale = false;
    this.#metadataNotBefore = Date.now() + 100;
    const list = [...topics];
    const fail = (topic: string, e: FleuveError) => {
      for (const w of waiters) for (const p of w.member.positions()) if (p.topic === topic) w.error ??= e;
    };
    let answers: [string, Awaited<ReturnType<ReadCommittedConsumer["metadata"]>> | Error][];
    try {
      const md = await this.#raw.metadata({ topics: list, forceUpdate: true });
      answers = list.map((t) => [t, md]);
    } catch (err) {
      // One topic's error fails the client's whole answer: ask for each topic alone.
      answers = await Promise.all(
        list.map(
          async (t): Promise<[string, Awaited<ReturnType<ReadCommittedConsumer["metadata"]>> | Error]> => {
            try {
              return [t, await this.#raw.metadata({ topics: [t], forceUpdate: true })];
            } catch (e) {
              return [t, list.length === 1 ? (err as Error) : (e as Error)];
            }
          },
        ),
      );
    }
    for (const [topic, md] of answers) {
      if (md instanceof Error) {
        fail(
          topic,
          new FleuveError(
            "FLEUVE_SOURCE_FAILED",
            `Kafka metadata for topic "${topic}" failed: ${md.message} Check that the topic exists (create it first).`,
            { cause: md, details: { topics: [topic] } },
          ),
        );
        continue;
      }
      const t = md.topics.get(topic);
      if (!t) {
        fail(
          topic,
          new FleuveError("FLEUVE_SOURCE_FAILED", `Kafka topic "${topic}" does not exist; create it first.`, {
            details: { topic },
          }),
        );
        continue;
      }
      const old = this.#metadata.topicIds.get(topic);
      if (old !== undefined) this.#metadata.names.delete(old);
      this.#metadata.topicIds.set(topic, t.id);
      this.#metadata.names.set(t.id, topic);
      t.partitions.forEach((p, i) => {
        this.#metadata.leaders.set(`${topic}:${i}`, p.leader);
      });
    }
  }
}

/** Partition error codes after which fresh metadata is all that is needed. */
const STALE_LEADER = new Set([6, 74, 75]); // NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH
