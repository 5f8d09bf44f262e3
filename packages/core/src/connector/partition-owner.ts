/** How partitioned sources (the embedded log's, Kafka's) split partitions among subtasks. */

/**
 * Which subtask reads partition `partition` of `topic` at parallelism `parallelism`, the rule
 * of every partitioned source (Flink's KafkaSourceEnumerator): each topic starts at a subtask
 * chosen by a hash of its name, and its partitions go round-robin from there, so several topics
 * with few partitions do not all land on subtask 0.
 */
export function partitionOwner(topic: string, partition: number, parallelism: number): number {
  let h = 0; // Java's String.hashCode, as Flink
  for (let i = 0; i < topic.length; i++) h = (Math.imul(h, 31) + topic.charCodeAt(i)) | 0;
  const start = (Math.imul(h, 31) & 0x7fffffff) % parallelism;
  return (start + partition) % parallelism;
}

/**
 * How a partitioned source splits partitions among subtasks: "spread" ({@link partitionOwner}, the
 * default) or "by-index" (partition p to subtask p % parallelism, for topics whose partition number
 * means a receiving subtask, like the exchanges of a scale-out job).
 */
export type PartitionAssignment = "spread" | "by-index";
