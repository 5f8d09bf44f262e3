/**
 * Topic administration: create, delete, list. Thin on purpose; the broker's own errors pass through
 * except "already exists", which callers can opt to ignore.
 */
import { FleuveError } from "@fleuve/core";
import { Admin, ConfigResourceTypes, ConfigSources } from "@platformatic/kafka";
import type { CommonOptions } from "./properties.js";

/** A topic to create. */
export interface NewTopic {
  name: string;
  /** Default: the broker's `num.partitions` (as kafka-topics.sh). */
  partitions?: number;
  /**
   * Default: the broker's `default.replication.factor` (as kafka-topics.sh): a fixed 1 would make
   * topics that reject acks=all writes on clusters with `min.insync.replicas` >= 2.
   */
  replicationFactor?: number;
  /** Topic configs by Kafka name, e.g. `{ "cleanup.policy": "compact" }`. */
  config?: Readonly<Record<string, string>>;
}

/** What {@link KafkaAdmin.describeTopic} tells about a topic. */
export interface TopicDescription {
  name: string;
  /** The topic's id (a UUID). */
  id: string;
  /** Per partition: its leader's broker id (-1: none), replica and in-sync replica broker ids. */
  partitions: { partition: number; leader: number; replicas: number[]; isr: number[] }[];
  /** Configs set on the topic itself (not broker defaults), by Kafka name. */
  config: Record<string, string>;
}

function hasApiError(err: unknown, apiId: string, depth = 0): boolean {
  if (depth > 5 || err === null || typeof err !== "object") return false;
  const e = err as { apiId?: unknown; errors?: unknown };
  if (e.apiId === apiId) return true;
  return Array.isArray(e.errors) && e.errors.some((n) => hasApiError(n, apiId, depth + 1));
}

/** Admin operations bound to one cluster. Created by {@link KafkaClient}. */
export class KafkaAdmin {
  readonly #raw: Admin;

  /** Use {@link KafkaClient.connect}. */
  constructor(common: CommonOptions) {
    this.#raw = new Admin(common);
  }

  /**
   * Creates topics. With `ifNotExists`, a topic that already exists is left as it is; without it,
   * that case throws FLEUVE_CONFIG_INVALID naming the topic.
   *
   * Returns once the broker's metadata lists every topic with a leader for each partition: a KRaft
   * controller acknowledges the creation before the brokers apply it, so without this wait a
   * produce or a listTopics right after could miss the topic.
   */
  async createTopics(
    topics: readonly NewTopic[],
    options: { ifNotExists?: boolean; visibleTimeoutMs?: number } = {},
  ): Promise<void> {
    for (const t of topics) {
      // -1: the broker's default (CreateTopics v4+)
      const partitions = t.partitions ?? -1;
      const replicas = t.replicationFactor ?? -1;
      if (t.partitions !== undefined && (!Number.isInteger(partitions) || partitions < 1)) {
        throw new FleuveError(
          "FLEUVE_CONFIG_INVALID",
          `Topic "${t.name}": partitions must be an integer >= 1.`,
          {
            details: { topic: t.name, partitions },
          },
        );
      }
      try {
        await this.#raw.createTopics({
          topics: [t.name],
          partitions,
          replicas,
          configs: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
        });
      } catch (err) {
        if (!hasApiError(err, "TOPIC_ALREADY_EXISTS")) throw err;
        if (!options.ifNotExists) {
          throw new FleuveError(
            "FLEUVE_CONFIG_INVALID",
            `Kafka topic "${t.name}" already exists; pick another name or pass { ifNotExists: true }.`,
            { cause: err, details: { topic: t.name } },
          );
        }
      }
    }
    await this.#waitVisible(
      topics.map((t) => t.name),
      options.visibleTimeoutMs ?? 30_000,
    );
  }

  async #waitVisible(names: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 20;
    let missing = [...names];
    while (missing.length > 0) {
      try {
        const md = await this.#raw.metadata({ topics: missing, forceUpdate: true });
        missing = missing.filter((name) => {
          const t = md.topics.get(name);
          return !t || t.partitions.length === 0 || t.partitions.some((p) => !p || p.leader < 0);
        });
      } catch {
        // UNKNOWN_TOPIC_OR_PARTITION or LEADER_NOT_AVAILABLE while the broker catches up: retry.
      }
      if (missing.length === 0) return;
      if (Date.now() > deadline) {
        throw new FleuveError(
          "FLEUVE_KAFKA_TIMEOUT",
          `Kafka topics ${missing.map((n) => `"${n}"`).join(", ")} were created but have no leader after ${timeoutMs} ms.`,
          { details: { topics: missing } },
        );
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 500);
    }
  }

  /** Deletes topics; names that do not exist are ignored so clean-up code can run twice. */
  async deleteTopics(names: readonly string[]): Promise<void> {
    for (const name of names) {
      try {
        await this.#raw.deleteTopics({ topics: [name] });
      } catch (err) {
        if (!hasApiError(err, "UNKNOWN_TOPIC_OR_PARTITION")) throw err;
      }
    }
  }

  /**
   * Deletes the records of `topic`/`partition` before `offset` (Kafka's DeleteRecords: the
   * partition's log start moves there). Resolves with the new log start.
   */
  async deleteRecords(topic: string, partition: number, offset: bigint): Promise<bigint> {
    const res = await this.#raw.deleteRecords({
      topics: [{ name: topic, partitions: [{ partition, offset }] }],
    });
    return res[0]?.partitions[0]?.lowWatermark ?? offset;
  }

  /**
   * Partitions and configs of topic `name`, or undefined when it does not exist (looked up in the
   * topic list first: a metadata request for a missing topic only fails after its retries).
   */
  async describeTopic(name: string): Promise<TopicDescription | undefined> {
    if (!(await this.listTopics()).includes(name)) return undefined;
    const md = await this.#raw.metadata({ topics: [name], forceUpdate: true });
    const t = md.topics.get(name);
    if (!t) return undefined;
    const [described] = await this.#raw.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: name }],
    });
    const config: Record<string, string> = {};
    for (const c of described?.configs ?? []) {
      if (c.configSource === ConfigSources.TOPIC_CONFIG && typeof c.value === "string")
        config[c.name] = c.value;
    }
    return {
      name,
      id: t.id,
      partitions: t.partitions.map((p, partition) => ({
        partition,
        leader: p.leader,
        replicas: [...p.replicas],
        isr: [...p.isr],
      })),
      config,
    };
  }

  /**
   * Commits `offsets` (each the next offset to read) to consumer group `group` without being a
   * member of it, as Kafka's simple consumers and Flink's KafkaSource do: an OffsetCommit with
   * generation -1 and no member id, which the broker accepts while the group has no active
   * members. (A consumer that never joined sends generation 0 and a null member id, which the
   * broker rejects by closing the connection.) Throws the broker's error otherwise, e.g.
   * UNKNOWN_MEMBER_ID while consumers of that group are running.
   */
  async commitGroupOffsets(
    group: string,
    offsets: readonly { topic: string; partition: number; offset: bigint }[],
  ): Promise<void> {
    const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
    for (const o of offsets) {
      const list = byTopic.get(o.topic) ?? [];
      byTopic.set(o.topic, list);
      list.push({ partition: o.partition, offset: o.offset });
    }
    await this.#raw.alterConsumerGroupOffsets({
      groupId: group,
      topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
    });
  }

  /**
   * The offsets committed to consumer group `group`, by `topic:partition` (what
   * `kafka-consumer-groups.sh --describe` shows as CURRENT-OFFSET). Partitions without a
   * committed offset are absent.
   */
  async groupOffsets(group: string): Promise<Map<string, bigint>> {
    const [g] = await this.#raw.listConsumerGroupOffsets({ groups: [group] });
    const out = new Map<string, bigint>();
    for (const t of g?.topics ?? []) {
      for (const p of t.partitions)
        if (p.committedOffset >= 0n) out.set(`${t.name}:${p.partitionIndex}`, p.committedOffset);
    }
    return out;
  }

  /** Names of the non-internal topics. */
  async listTopics(): Promise<string[]> {
    return (await this.#raw.listTopics()).sort();
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await this.#raw.close();
  }
}
