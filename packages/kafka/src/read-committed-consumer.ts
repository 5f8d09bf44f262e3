/**
 * The client's consumer with a correct read_committed filter: every fetch, including those its
 * message stream makes, goes through {@link dropAbortedRecords} (see aborted.ts for the defect),
 * and reaches the client's own filter only with every abort marker's producer listed
 * ({@link listEveryAbortMarker}), on which that filter would otherwise throw.
 */
import { Consumer } from "@platformatic/kafka";
import { dropAbortedRecords, type FetchedPartition, listEveryAbortMarker } from "./aborted.js";

/**
 * The client's internal retry wrapper (a symbol it does not export): its fetch hands the response
 * to its read_committed filter in the callback it passes there, so that callback is where the
 * response can be mended first. Undefined if a client version renames it (nothing is mended then).
 */
const PERFORM_WITH_RETRY = (() => {
  for (let proto = Consumer.prototype as object | null; proto; proto = Object.getPrototypeOf(proto)) {
    const s = Object.getOwnPropertySymbols(proto).find(
      (x) => x.description === "plt.kafka.base.performWithRetry",
    );
    if (s) return s;
  }
  return undefined;
})();

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

type Callback = (err: unknown, response?: { responses?: { partitions: unknown[] }[] }) => void;

if (PERFORM_WITH_RETRY) {
  const proto = Consumer.prototype as unknown as Record<symbol, (...args: unknown[]) => unknown>;
  const base = proto[PERFORM_WITH_RETRY]!;
  (ReadCommittedConsumer.prototype as unknown as Record<symbol, unknown>)[PERFORM_WITH_RETRY] = function (
    this: unknown,
    operationId: string,
    operation: unknown,
    callback: Callback,
    ...rest: unknown[]
  ) {
    if (operationId !== "fetch") return base.call(this, operationId, operation, callback, ...rest);
    const mended: Callback = (err, response) => {
      if (!err && response?.responses) {
        for (const topic of response.responses) {
          for (const partition of topic.partitions) listEveryAbortMarker(partition as FetchedPartition);
        }
      }
      callback(err, response);
    };
    return base.call(this, operationId, operation, mended, ...rest);
  };
}
