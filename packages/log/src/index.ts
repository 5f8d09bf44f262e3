/**
 * @fleuve/log – Fleuve's embedded durable log: Kafka-style topics and partitions on local disk.
 */

export type { CompactionStats } from "./compaction.js";
export { DEFAULT_TOPIC_CONFIG } from "./config.js";
export { type DeadLetterTopicOptions, deadLetterTopic } from "./connectors/dead-letter.js";
export { connectors, logConnector, upsertLogConnector } from "./connectors/descriptor.js";
export { type LogSinkCommittable, type LogSinkOptions, logSink } from "./connectors/sink.js";
export {
  type LogRecordSourceOptions,
  type LogSourceBaseOptions,
  type LogSourceOptions,
  type LogSourceRecord,
  logSource,
} from "./connectors/source.js";
export { type ConsumedRecord, ConsumerGroup, type PollOptions } from "./consumer-group.js";
export { LOG_ERROR_CODES } from "./errors.js";
export { type CreateTopicOptions, Log, type LogOptions, openLog } from "./log.js";
export { murmur2, partitionForKey, toPositive } from "./murmur2.js";
export type { PartitionLog as Partition, ProducerIdentity } from "./partition-log.js";
export type { Topic } from "./topic.js";
export type { TransactionEntry, TransactionState } from "./transaction-coordinator.js";
export { TransactionalProducer } from "./transactional-producer.js";
export type * from "./types.js";
