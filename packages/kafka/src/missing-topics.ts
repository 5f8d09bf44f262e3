/**
 * Topics a job names but the cluster lacks. A broker with `auto.create.topics.enable=false` (the
 * development broker here) never creates them on first use, so a source or sink whose topic is
 * missing must say so at start, with the topic's name and how to create it, rather than retry
 * forever or fail later with an error that reads like something else.
 */
import { FleuveError } from "@fleuve/core";

/** How long to look again for a topic that is not listed (a topic just created may lag). */
const LOOK_AGAIN_MS = 1000;

/**
 * The names in `topics` the cluster does not list. A topic another tool created a moment ago may
 * not be in the broker's metadata yet (KRaft applies it after acknowledging), so names missing at
 * first are looked up again for about a second before they count as missing.
 */
export async function missingTopics(
  client: { listTopics(): Promise<string[]> },
  topics: readonly string[],
): Promise<string[]> {
  const deadline = Date.now() + LOOK_AGAIN_MS;
  let delay = 50;
  for (;;) {
    const known = new Set(await client.listTopics());
    const missing = [...new Set(topics)].filter((t) => !known.has(t));
    if (missing.length === 0 || Date.now() >= deadline) return missing;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 400);
  }
}

/**
 * FLEUVE_KAFKA_TOPIC_NOT_FOUND naming the missing topics, what needs them, and a command that
 * creates them.
 */
export function topicNotFound(who: string, missing: readonly string[], bootstrap: string): FleuveError {
  const names = missing.map((t) => `"${t}"`).join(", ");
  const create = missing.map((t) => `fleuve kafka topics create ${t} --bootstrap ${bootstrap}`).join(" and ");
  return new FleuveError(
    "FLEUVE_KAFKA_TOPIC_NOT_FOUND",
    `${who}: Kafka topic${missing.length > 1 ? "s" : ""} ${names} ${missing.length > 1 ? "do" : "does"} not exist at ${bootstrap}` +
      ` (and ${missing.length > 1 ? "were" : "was"} not auto-created). Create ${missing.length > 1 ? "them" : "it"} first: ${create}` +
      " (add --partitions N for N partitions, read in parallel)",
    // Callers raise it only after a fresh metadata lookup: restarting would not create the topic.
    { details: { topics: [...missing], topic: missing[0], bootstrapServers: bootstrap }, permanent: true },
  );
}

/**
 * After a client error "Unknown topic ...": the names among `topics` (the topics the failed request
 * was for, as the caller knows them) that a fresh `listTopics` confirms missing. Empty when `err` is
 * no such error, when every topic is listed (a metadata error during e.g. a broker restart, which a
 * restart of the job can cure), or when the lookup itself fails. The client may report the topic as
 * `unknown`, so its message is not trusted for the name.
 */
export async function confirmedMissingTopics(
  err: unknown,
  topics: readonly string[],
  listTopics: () => Promise<string[]>,
): Promise<string[]> {
  if (unknownTopicIn(err) === undefined || topics.length === 0) return [];
  try {
    return await missingTopics({ listTopics }, topics);
  } catch {
    return [];
  }
}

/**
 * The topic of a client error "Unknown topic <name>." (what a send or metadata request to a
 * missing topic ends with after its retries), if that is what `err` holds.
 */
export function unknownTopicIn(err: unknown, depth = 0): string | undefined {
  if (depth > 5 || err === null || typeof err !== "object") return undefined;
  const e = err as { message?: unknown; errors?: unknown; cause?: unknown };
  const m = typeof e.message === "string" ? /Unknown topic (\S+?)\.?$/.exec(e.message) : null;
  if (m) return m[1];
  for (const n of Array.isArray(e.errors) ? e.errors : []) {
    const t = unknownTopicIn(n, depth + 1);
    if (t !== undefined) return t;
  }
  return unknownTopicIn(e.cause, depth + 1);
}
