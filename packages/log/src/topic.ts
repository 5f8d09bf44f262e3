/** A topic handle: its partitions and the Kafka-compatible partitioner. */

import { FleuveError } from "@fleuve/core";
import { murmur2, toPositive } from "./murmur2.js";
import type { PartitionLog, ProducerIdentity } from "./partition-log.js";
import type { AppendResult, ProducerRecord, TopicConfig } from "./types.js";

/** A topic of the embedded log. Get one from `Log.topic(name)`. */
export class Topic {
  readonly name: string;
  /** @internal */
  readonly partitions: PartitionLog[];
  private configValue: TopicConfig;
  private sticky = -1;

  /** @internal */
  constructor(name: string, config: TopicConfig, partitions: PartitionLog[]) {
    this.name = name;
    this.configValue = config;
    this.partitions = partitions;
  }

  /** The topic's configuration. */
  get config(): TopicConfig {
    return this.configValue;
  }

  /** Number of partitions. */
  get numPartitions(): number {
    return this.partitions.length;
  }

  /** The partition handle `p` (throws FLEUVE_CONFIG_INVALID when out of range). */
  partition(p: number): PartitionLog {
    const part = this.partitions[p];
    if (part === undefined) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `Topic "${this.name}" has partitions 0..${this.partitions.length - 1}; partition ${p} does not exist.`,
        { details: { topic: this.name, partition: p } },
      );
    }
    return part;
  }

  /**
   * Where each record goes: its explicit partition, else `toPositive(murmur2(key)) % n` (Kafka's
   * default partitioner), else the sticky partition for null keys, which moves on (round-robin)
   * after every append call so keyless records fill one batch at a time.
   */
  route(records: readonly ProducerRecord[]): Map<number, ProducerRecord[]> {
    const n = this.partitions.length;
    const byPartition = new Map<number, ProducerRecord[]>();
    let stickyUsed = false;
    for (const r of records) {
      let p: number;
      if (r.partition !== undefined) p = this.partition(r.partition).partition;
      else if (r.key != null) p = toPositive(murmur2(r.key)) % n;
      else {
        if (!stickyUsed) {
          this.sticky = (this.sticky + 1) % n;
          stickyUsed = true;
        }
        p = this.sticky;
      }
      if (r.key == null && this.configValue.cleanupPolicy !== "delete") {
        throw new FleuveError(
          "FLEUVE_LOG_RECORD_INVALID",
          `Topic "${this.name}" is compacted, so every record needs a key; got a record with a null key.`,
          { details: { topic: this.name } },
        );
      }
      let list = byPartition.get(p);
      if (list === undefined) byPartition.set(p, (list = []));
      list.push(r);
    }
    return byPartition;
  }

  /** Appends records (one batch, one write per partition touched). Returns one result per partition. */
  append(records: readonly ProducerRecord[], producer?: ProducerIdentity): AppendResult[] {
    const out: AppendResult[] = [];
    for (const [p, recs] of this.route(records)) {
      const r = this.partitions[p]!.append(recs, producer);
      out.push({ topic: this.name, partition: p, ...r });
    }
    return out;
  }

  /** @internal */
  setConfig(c: TopicConfig): void {
    this.configValue = c;
    for (const p of this.partitions) p.setConfig(c);
  }
}
