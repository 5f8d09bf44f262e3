/**
 * One Fetch loop per process for every {@link KafkaPartitionReader} with the same connection and
 * fetch settings: the Java consumer fetches all of its partitions in one request per broker, and
 * Kafka Streams runs one consumer per thread for all of that thread's tasks. A reader of its own
 * per source subtask and per exchange input (4 to 8 in one `--group` process) sent a request for
 * every record or two at `fetch.min.bytes` 1, and each request wakes the broker and both ends'
 * network stacks; in one request they cost one round trip for all.
 *
 * A round fetches, in one request per leader, the partitions of every reader waiting in `poll()`
 * when the round starts (a turn of the event loop after the first waiter arrived, so the readers
 * that were just served join together). A reader whose partitions got records (or an error) is
 * answered; the others wait for the next round, which starts as soon as this one ends. A reader
 * that starts waiting while a round is in flight waits for it to end, as the Java consumer's
 * partitions wait for the fetch in flight to their broker: at most `fetch.max.wait.ms` when none
 * of that round's partitions gets a record.
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
    f = new SharedFetcher(common, settings, () => fetchers.delete(key));
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
  /** Readers waiting for the next round. */
  readonly #waiting = new Set<Waiter>();
  #round: Promise<void> | undefined;
  #scheduled = false;
  #metadata: Metadata | undefined;
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
      this.#waiting.add({ member, out: [], resolve, reject, answer: false, since: Date.now() });
      this.#schedule();
    });
  }

  /** Answers the member's waiting poll with no records (it is closing). */
  leave(member: FetchMember): void {
    for (const w of this.#waiting) {
      if (w.member !== member) continue;
      this.#waiting.delete(w);
      w.resolve([]);
    }
  }

  /** Metadata changed (topics assigned, a leader moved): ask again before the next round. */
  invalidate(): void {
    this.#metadata = undefined;
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
    if (this.#scheduled || this.#round !== undefined || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#round !== undefined || this.#waiting.size === 0 || this.#closed) return;
      this.#round = this.#runRound().finally(() => {
        this.#round = undefined;
        if (this.#waiting.size > 0) this.#schedule();
      });
    });
  }

  async #runRound(): Promise<void> {
    const round = [...this.#waiting];
    this.#waiting.clear();
    let md: Metadata;
    try {
      md = await this.#resolveMetadata(round);
    } catch (err) {
      for (const w of round) w.reject(err);
      return;
    }
    // leader -> topic -> partition -> [waiter, offset asked]
    const byLeader = new Map<number, Map<string, Map<number, [Waiter, bigint]>>>();
    const deferred: Waiter[] = [];
    for (const w of round) {
      if (w.error !== undefined) continue;
      const mine: [number, string, number, bigint][] = [];
      let clash = false;
      for (const p of w.member.positions()) {
        const leader = md.leaders.get(`${p.topic}:${p.partition}`);
        if (leader === undefined || leader < 0) {
          this.#metadata = undefined; // no leader right now: ask again for the next round
          continue;
        }
        if (byLeader.get(leader)?.get(p.topic)?.has(p.partition)) clash = true;
        mine.push([leader, p.topic, p.partition, p.offset]);
      }
      // Two readers of one partition (two jobs of a process reading one topic): one request cannot
      // ask for it twice, so the second one waits for the next round.
      if (clash) {
        deferred.push(w);
        continue;
      }
      if (mine.length === 0) w.answer = true;
      for (const [leader, topic, partition, offset] of mine) {
        let topics = byLeader.get(leader);
        if (!topics) byLeader.set(leader, (topics = new Map()));
        let parts = topics.get(topic);
        if (!parts) topics.set(topic, (parts = new Map()));
        parts.set(partition, [w, offset]);
      }
    }
    await Promise.all([...byLeader].map(([node, topics]) => this.#fetchFrom(node, topics, md)));
    const waited = Date.now() - (this.#settings.maxWaitTime ?? 500);
    for (const w of round) {
      if (deferred.includes(w)) {
        this.#waiting.add(w);
      } else if (w.error !== undefined) {
        w.reject(w.error);
      } else if (w.out.length > 0 || w.answer || this.#closed || w.since <= waited) {
        w.resolve(w.out);
      } else {
        this.#waiting.add(w);
      }
    }
  }

  async #fetchFrom(
    node: number,
    topics: Map<string, Map<number, [Waiter, bigint]>>,
    md: Metadata,
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
        this.#metadata = undefined; // leader moved: the next round asks again
        for (const w of waiters.keys()) w.answer = true;
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
    for (const t of response.responses) {
      const topic = md.names.get(t.topicId);
      if (topic === undefined) continue;
      const parts = topics.get(topic);
      for (const part of t.partitions as { partitionIndex: number; errorCode: number }[]) {
        const asked = parts?.get(part.partitionIndex);
        if (asked === undefined) continue;
        const [w, offset] = asked;
        // The reader moved this partition (assign() during the round): the answer is stale.
        if (w.member.offsetOf(topic, part.partitionIndex) !== offset || w.error !== undefined) continue;
        if (STALE_LEADER.has(part.errorCode)) {
          this.#metadata = undefined;
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

  async #resolveMetadata(round: readonly Waiter[]): Promise<Metadata> {
    const topics = new Set<string>();
    let unknown = false;
    const known = this.#metadata;
    for (const w of round) {
      for (const p of w.member.positions()) {
        topics.add(p.topic);
        // A partition added since (a reader assigned it): its leader is not known yet.
        if (!known?.leaders.has(`${p.topic}:${p.partition}`)) unknown = true;
      }
    }
    if (known && !unknown) return known;
    // Ask for every waiting reader's topics, and keep those known already.
    if (known) for (const t of known.topicIds.keys()) topics.add(t);
    const list = [...topics];
    let md: Awaited<ReturnType<ReadCommittedConsumer["metadata"]>>;
    try {
      md = await this.#raw.metadata({ topics: list, forceUpdate: true });
    } catch (err) {
      throw new FleuveError(
        "FLEUVE_SOURCE_FAILED",
        `Kafka metadata for topic(s) ${list.map((t) => `"${t}"`).join(", ")} failed: ${(err as Error).message} ` +
          "Check that the topics exist (create them first).",
        { cause: err, details: { topics: list } },
      );
    }
    const out: Metadata = { topicIds: new Map(), names: new Map(), leaders: new Map() };
    for (const topic of list) {
      const t = md.topics.get(topic);
      if (!t) {
        const missing = new FleuveError(
          "FLEUVE_SOURCE_FAILED",
          `Kafka topic "${topic}" does not exist; create it first.`,
          {
            details: { topic },
          },
        );
        for (const w of round) {
          for (const p of w.member.positions()) if (p.topic === topic) w.error ??= missing;
        }
        continue;
      }
      out.topicIds.set(topic, t.id);
      out.names.set(t.id, topic);
      t.partitions.forEach((p, i) => {
        out.leaders.set(`${topic}:${i}`, p.leader);
      });
    }
    this.#metadata = out;
    return out;
  }
}

/** Partition error codes after which fresh metadata is all that is needed. */
const STALE_LEADER = new Set([6, 74, 75]); // NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH
