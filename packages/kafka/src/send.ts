/**
 * Splitting a send under `batch.size`: the client puts one send() into one record batch per
 * partition, and the broker rejects batches over message.max.bytes (1 MiB by default).
 */
import { estimateSize, type ProducerRecord, toMessage } from "./records.js";

/** Splits records into chunks of at most `maxBytes` (a single larger record gets its own chunk). */
export function chunkBySize(records: readonly ProducerRecord[], maxBytes: number): ProducerRecord[][] {
  const chunks: ProducerRecord[][] = [];
  let current: ProducerRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = estimateSize(r);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Sends records through `send`, one `batch.size` chunk after the other (keeps per-partition order). */
export async function sendChunked(
  send: (messages: ReturnType<typeof toMessage>[]) => Promise<unknown>,
  records: readonly ProducerRecord[],
  batchSize: number,
): Promise<void> {
  for (const chunk of chunkBySize(records, batchSize)) await send(chunk.map(toMessage));
}
