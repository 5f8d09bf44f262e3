/** Public record, configuration and result types of the embedded log. */

/** A record header: name and raw bytes (Kafka-style; names may repeat). */
export type Header = [name: string, value: Buffer];

/** A record to append. Missing `timestamp` means "now"; missing `key` means null. */
export interface ProducerRecord {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: Header[];
  /** Milliseconds since the epoch. */
  timestamp?: number;
  /** Force a partition (otherwise the key, or the sticky partitioner for null keys, decides). */
  partition?: number;
}

/** A record read back from the log. `key`/`value` are views into the read buffer: copy them to keep them past the next fetch if you mutate. */
export interface LogRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Header[];
}

/** Which records a reader sees: everything written, or only committed transactional data below the last stable offset. */
export type IsolationLevel = "read_committed" | "read_uncommitted";

/** When a partition's segment file is fsynced. */
export type FsyncPolicy = "every-batch" | "interval";

/** What happens to old data: deleted by retention, compacted to the last value per key, or both. */
export type CleanupPolicy = "delete" | "compact" | "compact,delete";

/** Per-topic configuration, persisted with the topic. */
export interface TopicConfig {
  /** Roll to a new segment once the active one reaches this many bytes. Default 64 MiB. */
  segmentBytes: number;
  /** Roll to a new segment once the active one's first record is this old (ms). Default 7 days. */
  segmentMs: number;
  /** Delete the oldest segments while a partition is larger than this (bytes); -1 = unlimited. */
  retentionBytes: number;
  /** Delete segments whose newest record timestamp is older than this (ms); -1 = forever (the default). */
  retentionMs: number;
  cleanupPolicy: CleanupPolicy;
  /** Compaction keeps tombstones (null values) at least this long (ms, by record timestamp) before dropping them. */
  deleteRetentionMs: number;
  fsync: FsyncPolicy;
  /** For `fsync: "interval"`: the longest time (ms) written data may stay unsynced. */
  fsyncIntervalMs: number;
  /** Bytes between entries of the offset and time indexes. */
  indexIntervalBytes: number;
}

/** Result of appending one batch to one partition. */
export interface AppendResult {
  topic: string;
  partition: number;
  baseOffset: number;
  lastOffset: number;
}

/** Options for a fetch. */
export interface FetchOptions {
  /** Upper bound on bytes read from disk (at least one batch is always returned). Default 1 MiB. */
  maxBytes?: number;
  /** Upper bound on records returned. */
  maxRecords?: number;
  /** Default `read_uncommitted`. */
  isolation?: IsolationLevel;
  /** Verify each batch's CRC32C before returning it. Default true. */
  checkCrcs?: boolean;
}

/** Records from one partition and where to continue. */
export interface FetchResult {
  records: LogRecord[];
  /** Offset to pass to the next fetch. */
  nextOffset: number;
  logStartOffset: number;
  highWatermark: number;
  lastStableOffset: number;
}

/** Offsets and sizes of one partition. */
export interface PartitionInfo {
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  lastStableOffset: number;
  segments: number;
  sizeBytes: number;
}

/** A topic's metadata and per-partition state. */
export interface TopicDescription {
  name: string;
  partitions: number;
  config: TopicConfig;
  partitionInfo: PartitionInfo[];
}
