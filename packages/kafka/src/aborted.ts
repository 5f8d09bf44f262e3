/**
 * read_committed filtering done right. With isolation.level=read_committed the broker stops at the
 * last stable offset but still returns the records of aborted transactions, plus a list of
 * (producerId, firstOffset) for them; the client must drop those records up to each producer's abort
 * marker. @platformatic/kafka 1.35.0 keeps one range per producer, so when one fetch holds two aborted
 * transactions of the same producer, the first one's records reach read_committed readers
 * (bench/kafka-clients/RESULTS.md). This is the Java client's algorithm (CompletedFetch), applied to
 * the fetch response before the client turns it into messages.
 */

const IS_TRANSACTIONAL = 1 << 4;
const IS_CONTROL = 1 << 5;

/** The parts of a fetched record batch the filter reads. */
export interface FetchedBatch {
  firstOffset: bigint;
  lastOffsetDelta: number;
  attributes: number;
  producerId: bigint;
  records: { key: Buffer | null }[];
}

/** The parts of a fetched partition the filter reads and changes. */
export interface FetchedPartition {
  abortedTransactions: readonly { producerId: bigint; firstOffset: bigint }[] | null;
  records?: FetchedBatch[];
}

/** True for a control batch holding an ABORT marker (control record key: version int16, type int16 = 0). */
function isAbortMarker(batch: FetchedBatch): boolean {
  if ((batch.attributes & IS_CONTROL) === 0) return false;
  const key = batch.records[0]?.key;
  return key != null && key.length >= 4 && key.readInt16BE(2) === 0;
}

/**
 * Empties, in place, every batch that belongs to an aborted transaction. Batches are emptied, not
 * removed, so a consumer still advances its offset past them (the next fetch must not return them
 * again). Control batches are left as they are.
 */
export function dropAbortedRecords(partition: FetchedPartition): void {
  const batches = partition.records;
  if (!batches || !partition.abortedTransactions || partition.abortedTransactions.length === 0) return;
  const pending = [...partition.abortedTransactions].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  );
  const aborted = new Set<bigint>();
  let next = 0;
  for (const batch of batches) {
    if (batch.producerId < 0n) continue; // not written by an idempotent/transactional producer
    const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    while (next < pending.length && pending[next]!.firstOffset <= lastOffset)
      aborted.add(pending[next++]!.producerId);
    if (isAbortMarker(batch)) {
      aborted.delete(batch.producerId);
    } else if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && (batch.attributes & IS_CONTROL) === 0) {
      if (aborted.has(batch.producerId)) batch.records = [];
    }
  }
}

/**
 * Adds to a fetched partition's aborted transactions, when it lists any, an entry for each ABORT
 * marker whose producer it does not list (an empty range: the entry starts at the marker). The
 * client's own read_committed filter (@platformatic/kafka 1.35) looks every abort marker's producer
 * up in that list and throws a TypeError out of its socket callback when it is missing, which
 * ends the process (seen with scale-out units under frequent commits and SIGKILLs). The added
 * entries drop nothing, here or in {@link dropAbortedRecords}.
 */
export function listEveryAbortMarker(partition: FetchedPartition): void {
  const listed = partition.abortedTransactions;
  if (!partition.records || !listed || listed.length === 0) return;
  const producers = new Set(listed.map((t) => t.producerId));
  const added: { producerId: bigint; firstOffset: bigint }[] = [];
  for (const batch of partition.records) {
    if (!isAbortMarker(batch) || producers.has(batch.producerId)) continue;
    producers.add(batch.producerId);
    added.push({ producerId: batch.producerId, firstOffset: batch.firstOffset });
  }
  if (added.length > 0) partition.abortedTransactions = [...listed, ...added];
}
