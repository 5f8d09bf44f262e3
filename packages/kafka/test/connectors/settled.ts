/**
 * Test helper (not a test file): waits until no transaction is open on a topic, i.e. its last
 * stable offset equals its high watermark on every partition. EndTxn returns before the broker has
 * written the commit markers, so a read_committed reader that starts right after a job ends may
 * otherwise see only part of the last transaction.
 */
import type { KafkaClient } from "../../src/index.js";

/** Resolves once `topic` has no open transaction; fails after `timeoutMs`. */
export async function settled(
  client: KafkaClient,
  topic: string,
  partitions: number,
  timeoutMs = 120_000,
): Promise<void> {
  const committed = client.partitionReader({ "isolation.level": "read_committed" });
  const all = client.partitionReader({ "isolation.level": "read_uncommitted" });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parts = Array.from({ length: partitions }, (_, partition) => ({
        topic,
        partition,
        offset: "latest" as const,
      }));
      await committed.assign(parts);
      await all.assign(parts);
      const lso = committed.positions().map((p) => p.offset);
      const hw = all.positions().map((p) => p.offset);
      if (lso.every((o, i) => o === hw[i])) return;
      if (Date.now() > deadline)
        throw new Error(`topic ${topic} still has open transactions: LSO ${lso} < HW ${hw}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await committed.close();
    await all.close();
  }
}
