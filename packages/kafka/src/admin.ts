/**
 * Topic administration: create, delete, list. Thin on purpose; the broker's own errors pass through
 * except "already exists", which callers can opt to ignore.
 */
import { FleuveError } from "@fleuve/core";
import { Admin } from "@platformatic/kafka";
import type { CommonOptions } from "./properties.js";

/** A topic to create. */
export interface NewTopic {
  name: string;
  /** Default 1. */
  partitions?: number;
  /** Default 1 (the development broker has one node). */
  replicationFactor?: number;
  /** Topic configs by Kafka name, e.g. `{ "cleanup.policy": "compact" }`. */
  config?: Readonly<Record<string, string>>;
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
   */
  async createTopics(topics: readonly NewTopic[], options: { ifNotExists?: boolean } = {}): Promise<void> {
    for (const t of topics) {
      const partitions = t.partitions ?? 1;
      const replicas = t.replicationFactor ?? 1;
      if (!Number.isInteger(partitions) || partitions < 1) {
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

  /** Names of the non-internal topics. */
  async listTopics(): Promise<string[]> {
    return (await this.#raw.listTopics()).sort();
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await this.#raw.close();
  }
}
