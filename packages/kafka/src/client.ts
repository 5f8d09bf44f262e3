/**
 * Entry point: `await KafkaClient.connect({ "bootstrap.servers": "127.0.0.1:9092" })` checks the
 * broker answers (FLEUVE_KAFKA_UNREACHABLE naming the address if not), then hands out admin
 * operations, producers and consumers configured with Kafka property names.
 */
import { KafkaAdmin, type NewTopic, type TopicDescription } from "./admin.js";
import { KafkaConsumer } from "./consumer.js";
import { KafkaPartitionReader } from "./partition-reader.js";
import { KafkaProducer } from "./producer.js";
import {
  type CommonOptions,
  checkKnown,
  commonOptions,
  consumerSettings,
  type KafkaProperties,
  producerSettings,
  SUPPORTED_PROPERTIES,
} from "./properties.js";
import { ensureReachable } from "./unreachable.js";

/** A connection to one Kafka cluster. */
export class KafkaClient {
  readonly #props: KafkaProperties;
  readonly #common: CommonOptions;
  readonly #admin: KafkaAdmin;

  private constructor(props: KafkaProperties, common: CommonOptions) {
    this.#props = props;
    this.#common = common;
    this.#admin = new KafkaAdmin(common);
  }

  /**
   * Validates `props` (common properties only; producer/consumer ones go to {@link producer} and
   * {@link consumer}) and checks that a broker answers. Throws FLEUVE_CONFIG_INVALID for a bad
   * property and FLEUVE_KAFKA_UNREACHABLE when nothing answers at `bootstrap.servers`.
   */
  static async connect(props: KafkaProperties = {}): Promise<KafkaClient> {
    checkKnown(props, SUPPORTED_PROPERTIES.common, "Kafka client");
    const common = commonOptions(props, "fleuve");
    await ensureReachable(common.bootstrapBrokers, common.clientId);
    return new KafkaClient(props, common);
  }

  /** The brokers this client talks to, as given in `bootstrap.servers`. */
  get bootstrapServers(): readonly string[] {
    return this.#common.bootstrapBrokers;
  }

  /** See {@link KafkaAdmin.createTopics}. */
  createTopics(
    topics: readonly NewTopic[],
    options?: { ifNotExists?: boolean; visibleTimeoutMs?: number },
  ): Promise<void> {
    return this.#admin.createTopics(topics, options);
  }

  /** See {@link KafkaAdmin.deleteTopics}. */
  deleteTopics(names: readonly string[]): Promise<void> {
    return this.#admin.deleteTopics(names);
  }

  /** See {@link KafkaAdmin.deleteRecords}. */
  deleteRecords(topic: string, partition: number, offset: bigint): Promise<bigint> {
    return this.#admin.deleteRecords(topic, partition, offset);
  }

  /** See {@link KafkaAdmin.describeTopic}. */
  describeTopic(name: string): Promise<TopicDescription | undefined> {
    return this.#admin.describeTopic(name);
  }

  /** See {@link KafkaAdmin.commitGroupOffsets}. */
  commitGroupOffsets(
    group: string,
    offsets: readonly { topic: string; partition: number; offset: bigint }[],
  ): Promise<void> {
    return this.#admin.commitGroupOffsets(group, offsets);
  }

  /** See {@link KafkaAdmin.groupOffsets}. */
  groupOffsets(group: string): Promise<Map<string, bigint>> {
    return this.#admin.groupOffsets(group);
  }

  /** See {@link KafkaAdmin.listTopics}. */
  listTopics(): Promise<string[]> {
    return this.#admin.listTopics();
  }

  /** A producer with the client's properties plus `props` (e.g. `acks`, `linger.ms`, `transactional.id`). */
  producer(props: KafkaProperties = {}): KafkaProducer {
    checkKnown(props, [...SUPPORTED_PROPERTIES.common, ...SUPPORTED_PROPERTIES.producer], "Kafka producer");
    const merged = { ...this.#props, ...props };
    return new KafkaProducer(commonOptions(merged, "fleuve-producer"), producerSettings(merged));
  }

  /** A consumer with the client's properties plus `props` (`group.id` required). */
  consumer(props: KafkaProperties): KafkaConsumer {
    checkKnown(props, [...SUPPORTED_PROPERTIES.common, ...SUPPORTED_PROPERTIES.consumer], "Kafka consumer");
    const merged = { ...this.#props, ...props };
    return new KafkaConsumer(commonOptions(merged, "fleuve-consumer"), consumerSettings(merged));
  }

  /**
   * A group-less reader of explicitly assigned partitions (fast path for sources that keep offsets
   * in checkpoints). Takes consumer properties; `group.id` is optional here.
   */
  partitionReader(props: KafkaProperties = {}): KafkaPartitionReader {
    checkKnown(
      props,
      [...SUPPORTED_PROPERTIES.common, ...SUPPORTED_PROPERTIES.consumer],
      "Kafka partition reader",
    );
    const merged = { "group.id": "fleuve-partition-reader", ...this.#props, ...props };
    return new KafkaPartitionReader(commonOptions(merged, "fleuve-reader"), consumerSettings(merged));
  }

  /** Closes the admin connections (producers and consumers are closed by their owners). */
  async close(): Promise<void> {
    await this.#admin.close();
  }
}
