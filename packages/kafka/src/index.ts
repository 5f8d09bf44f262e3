/**
 * @fleuve/kafka: Apache Kafka clients for Fleuve (admin, producer, consumer), configured with
 * Kafka's own property names. Built on @platformatic/kafka (see bench/kafka-clients/RESULTS.md).
 * @packageDocumentation
 */

export { dropAbortedRecords } from "./aborted.js";
export { KafkaAdmin, type NewTopic, type TopicDescription } from "./admin.js";
export { KafkaClient } from "./client.js";
export {
  type KafkaDeadLetterTopic,
  type KafkaDeadLetterTopicOptions,
  kafkaDeadLetterTopic,
} from "./connectors/dead-letter.js";
export { connectors, kafkaConnector, upsertKafkaConnector } from "./connectors/descriptor.js";
export type { Deserializer, Serializer } from "./connectors/serde.js";
export { type KafkaCommittable, type KafkaSinkOptions, kafkaSink } from "./connectors/sink.js";
export {
  type KafkaDeserializingSourceOptions,
  type KafkaSourceBaseOptions,
  type KafkaSourceOptions,
  type KafkaSourceRecord,
  kafkaSource,
  type StartingOffsets,
} from "./connectors/source.js";
export { type EndTxnOutcome, TxnCoordinatorClient } from "./connectors/txn-coordinator.js";
export { KafkaConsumer, KafkaRecordStream, type StartOffset } from "./consumer.js";
export { KAFKA_ERROR_CODES } from "./errors.js";
export {
  CHANGELOG_TOPIC_CONFIG,
  type KafkaChangelog,
  type KafkaChangelogOptions,
  kafkaChangelog,
} from "./kafka-changelog.js";
export { KafkaPartitionReader, type PartitionPosition, type PartitionStart } from "./partition-reader.js";
export { KafkaProducer } from "./producer.js";
export {
  type ConsumerSettings,
  consumerSettings,
  DEFAULT_BOOTSTRAP_SERVERS,
  type KafkaProperties,
  type KafkaPropertyValue,
  type ProducerSettings,
  parseBootstrapServers,
  producerSettings,
  SUPPORTED_PROPERTIES,
} from "./properties.js";
export type { Bytes, ConsumerRecord, ProducerRecord } from "./records.js";
export {
  EXCHANGE_TOPIC_CONFIG,
  type ExchangeOptions,
  exchangeSink,
  exchangeSource,
} from "./scale-out/exchange.js";
export { GROUP_DEFAULTS } from "./scale-out/group-defaults.js";
export type { GroupMemberInfo } from "./scale-out/group-members.js";
export {
  type GroupStopOptions,
  type GroupWorker,
  type GroupWorkerOptions,
  startGroupWorker,
} from "./scale-out/group-worker.js";
export {
  DEFAULT_TIMINGS,
  MEMBERSHIP_PROPERTIES,
  type MembershipTimings,
  membershipTimings,
} from "./scale-out/membership.js";
export { chunkBySize } from "./send.js";
export { KafkaTransaction } from "./transaction.js";
export { ensureReachable } from "./unreachable.js";
