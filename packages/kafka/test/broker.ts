/**
 * Test helpers for the tests that need a real broker (`npm run services:up`). Not a test file.
 *
 * Without a broker: in CI (process.env.CI set) the tests FAIL, because CI starts one and a missing
 * broker there is a bug; on a developer machine they are skipped with a message saying how to start it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { ConsumerRecord, KafkaClient, KafkaRecordStream } from "../src/index.js";
import { ensureReachable } from "../src/index.js";

/** Where the tests look for the broker; `npm run services:up` listens here. */
export const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";

/**
 * Every value of `topic` that a read_committed reader sees now, sorted, read by kcat (an
 * independent client; it stops at the end).
 */
export function committedValues(topic: string): string[] {
  const r = spawnSync(
    "kcat",
    ["-b", BOOTSTRAP, "-C", "-t", topic, "-e", "-q", "-f", "%s\\n", "-X", "isolation.level=read_committed"],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (r.error) throw new Error(`cannot run kcat (${r.error.message}). Install it: apt-get install -y kcat.`);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split("\n")
    .filter((l) => l !== "")
    .sort();
}

/**
 * Options for `test()`/`describe()`: `{}` when the broker answers or in CI (then the test's own
 * connect fails loudly), `{ skip: reason }` otherwise. Prints the reason once, so a skip is never silent.
 */
export async function brokerTestOptions(): Promise<{ skip?: string }> {
  try {
    await ensureReachable([BOOTSTRAP], "fleuve-test-probe");
    return {};
  } catch (err) {
    if (process.env.CI) {
      console.error(
        `[kafka tests] CI is set and no Kafka broker answers at ${BOOTSTRAP}: these tests will fail. ` +
          "CI must run `node scripts/services.mjs up` before `npm test`.",
      );
      return {};
    }
    const cause = (err as { code?: string }).code === "FLEUVE_KAFKA_UNREACHABLE" ? "" : ` (${err})`;
    const reason = `no Kafka broker answers at ${BOOTSTRAP}${cause}; start one with \`npm run services:up\` to run these tests.`;
    console.log(`[kafka tests] SKIPPED: ${reason}`);
    return { skip: reason };
  }
}

/**
 * Config of the topics tests write with old timestamps (the jobs' event times are in 1970): no time
 * retention. The development broker keeps 24 h (scripts/services.mjs), and its retention check,
 * every 5 minutes, deletes records with older timestamps whenever it runs: maybe while a test
 * still reads them. (Timestamps stay as written: some tests check them.)
 */
export const OLD_TIMESTAMPS: Readonly<Record<string, string>> = { "retention.ms": "-1" };

/** A topic name no other test run uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now()}-${randomBytes(4).toString("hex")}`;
}

/**
 * Reads from `stream` until `stop(records)` says so; fails after `timeoutMs` listing what it saw,
 * so a missing record shows up as a clear failure instead of a hang.
 */
export async function readUntil(
  stream: KafkaRecordStream,
  stop: (seen: readonly ConsumerRecord[]) => boolean,
  timeoutMs = 120_000,
): Promise<ConsumerRecord[]> {
  const seen: ConsumerRecord[] = [];
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stream.close();
  }, timeoutMs);
  try {
    for await (const r of stream) {
      seen.push(r);
      if (stop(seen)) break;
    }
  } finally {
    clearTimeout(timer);
    await stream.close().catch(() => {});
  }
  if (timedOut) {
    throw new Error(
      `gave up after ${timeoutMs} ms; saw ${seen.length} records: ${seen
        .slice(0, 20)
        .map((r) => String(r.value))
        .join(",")}`,
    );
  }
  return seen;
}

/** Values of a topic (partition 0 order) as read by a fresh group, until `last` is seen. */
export async function readValuesUntil(
  client: KafkaClient,
  topic: string,
  last: string,
  isolation: "read_committed" | "read_uncommitted" = "read_committed",
): Promise<string[]> {
  const consumer = client.consumer({
    "group.id": uniqueTopic("g"),
    "auto.offset.reset": "earliest",
    "isolation.level": isolation,
  });
  try {
    const stream = await consumer.subscribe([topic]);
    const seen = await readUntil(stream, (s) => String(s[s.length - 1]!.value) === last);
    return seen.map((r) => String(r.value));
  } finally {
    await consumer.close();
  }
}

/**
 * Collects producers, consumers and clients a test opens so `after()` closes them even when the test
 * failed half-way; an open socket would otherwise keep the test process alive forever.
 */
export class Closer {
  readonly #items: { close(): Promise<unknown> }[] = [];

  /** Registers `item` and returns it. */
  track<T extends { close(): Promise<unknown> }>(item: T): T {
    this.#items.push(item);
    return item;
  }

  /** Closes everything registered, newest first, ignoring errors (a fenced producer may throw). */
  async closeAll(): Promise<void> {
    while (this.#items.length > 0)
      await this.#items
        .pop()!
        .close()
        .catch(() => {});
  }
}
