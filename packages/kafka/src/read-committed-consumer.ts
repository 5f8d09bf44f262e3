/**
 * The client's consumer with a correct read_committed filter: every fetch, including those its
 * message stream makes, goes through {@link dropAbortedRecords} (see aborted.ts for the defect).
 */
import { Consumer } from "@platformatic/kafka";
import { dropAbortedRecords, type FetchedPartition } from "./aborted.js";

type FetchCallback = (err: Error | null, response?: { responses: { partitions: unknown[] }[] }) => void;

/** Drop-in for the client's `Consumer`; used by {@link KafkaConsumer} and {@link KafkaPartitionReader}. */
export class ReadCommittedConsumer extends Consumer<Buffer, Buffer, Buffer, Buffer> {
  readonly #isolationLevel: number;

  constructor(options: ConstructorParameters<typeof Consumer<Buffer, Buffer, Buffer, Buffer>>[0]) {
    super(options);
    this.#isolationLevel = (options as { isolationLevel?: number }).isolationLevel ?? 1;
  }

  // Loosely typed: it overrides both overloads (callback and promise) of the client's fetch().
  override fetch(options: any, callback?: any): any {
    if (!callback) {
      return new Promise((resolve, reject) =>
        this.fetch(options, ((err, res) => (err ? reject(err) : resolve(res))) satisfies FetchCallback),
      );
    }
    const readCommitted = (options.isolationLevel ?? this.#isolationLevel) === 1;
    super.fetch(options, ((err, response) => {
      if (!err && readCommitted && response) {
        for (const topic of response.responses) {
          for (const partition of topic.partitions)
            dropAbortedRecords(partition as unknown as FetchedPartition);
        }
      }
      callback(err, response);
    }) as FetchCallback as any);
  }
}
