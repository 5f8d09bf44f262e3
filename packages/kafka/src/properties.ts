/**
 * Kafka client properties under their Apache Kafka names (`acks`, `linger.ms`, `fetch.min.bytes`...),
 * translated to @platformatic/kafka options. Users and docs speak Kafka; the client library is an
 * implementation detail that may change.
 */
import { FleuveError } from "@fleuve/core";
import { compressionsAlgorithms } from "@platformatic/kafka";

/** A property value as written in Java `.properties` files or as a JS value. */
export type KafkaPropertyValue = string | number | boolean;

/** Kafka client properties, e.g. `{ "bootstrap.servers": "127.0.0.1:9092", acks: "all" }`. */
export type KafkaProperties = Readonly<Record<string, KafkaPropertyValue | undefined>>;

/** Default broker address: the one `npm run services:up` starts. */
export const DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";

/** Options shared by every client (connection, retries, metadata). */
export interface CommonOptions {
  clientId: string;
  bootstrapBrokers: string[];
  timeout?: number;
  connectTimeout?: number;
  retries: number;
  /** Back-off before retry number `attempt` (1-based), in ms. */
  retryDelay: (client: unknown, operationId: string, attempt: number) => number;
  metadataMaxAge?: number;
  autocreateTopics: boolean;
}

/** How a producer batches and acknowledges, already translated. */
export interface ProducerSettings {
  acks: -1 | 0 | 1;
  idempotent: boolean;
  transactionalId?: string;
  compression: "none" | "gzip" | "snappy" | "lz4" | "zstd";
  /** Upper bound in bytes for one send() chunk; larger sends are split (see producer.ts). */
  batchSize: number;
  /** How long `write()` waits for more records before sending a partial batch. */
  lingerMs: number;
}

/** Consumer settings, already translated. */
export interface ConsumerSettings {
  groupId: string;
  isolationLevel: 0 | 1;
  autoOffsetReset: "earliest" | "latest" | "none";
  /** `false` or the auto-commit interval in ms. */
  autocommit: false | number;
  minBytes?: number;
  maxBytes?: number;
  maxBytesPerPartition?: number;
  maxWaitTime?: number;
  sessionTimeout?: number;
  heartbeatInterval?: number;
  rebalanceTimeout?: number;
  groupInstanceId?: string;
}

const COMMON_KEYS = [
  "bootstrap.servers",
  "client.id",
  "request.timeout.ms",
  "socket.connection.setup.timeout.ms",
  "retries",
  "retry.backoff.ms",
  "retry.backoff.max.ms",
  "metadata.max.age.ms",
  "allow.auto.create.topics",
] as const;

const PRODUCER_KEYS = [
  "acks",
  "enable.idempotence",
  "transactional.id",
  "compression.type",
  "batch.size",
  "linger.ms",
] as const;

const CONSUMER_KEYS = [
  "group.id",
  "group.instance.id",
  "isolation.level",
  "auto.offset.reset",
  "enable.auto.commit",
  "auto.commit.interval.ms",
  "fetch.min.bytes",
  "fetch.max.bytes",
  "max.partition.fetch.bytes",
  "fetch.max.wait.ms",
  "session.timeout.ms",
  "heartbeat.interval.ms",
  "max.poll.interval.ms",
] as const;

/** Every property name this package understands, by client kind. */
export const SUPPORTED_PROPERTIES = {
  common: COMMON_KEYS,
  producer: PRODUCER_KEYS,
  consumer: CONSUMER_KEYS,
} as const;

function invalid(name: string, value: unknown, expected: string): FleuveError {
  return new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `Kafka property "${name}" has value ${JSON.stringify(value)}; expected ${expected}.`,
    { details: { property: name, value } },
  );
}

/** Rejects names outside `allowed`, so a typo like `linger.msec` fails loudly instead of being ignored. */
export function checkKnown(props: KafkaProperties, allowed: readonly string[], kind: string): void {
  for (const name of Object.keys(props)) {
    if (props[name] === undefined) continue;
    if (!allowed.includes(name)) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `Kafka property "${name}" is not supported for a ${kind}. Supported: ${allowed.join(", ")}.`,
        { details: { property: name } },
      );
    }
  }
}

function int(props: KafkaProperties, name: string, min = 0): number | undefined {
  const v = props[name];
  if (v === undefined) return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < min) throw invalid(name, v, `an integer >= ${min}`);
  return n;
}

function bool(props: KafkaProperties, name: string): boolean | undefined {
  const v = props[name];
  if (v === undefined) return undefined;
  if (v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  throw invalid(name, v, "true or false");
}

function oneOf<T extends string>(props: KafkaProperties, name: string, values: readonly T[]): T | undefined {
  const v = props[name];
  if (v === undefined) return undefined;
  const s = String(v).toLowerCase();
  if (!(values as readonly string[]).includes(s)) throw invalid(name, v, `one of ${values.join(", ")}`);
  return s as T;
}

function str(props: KafkaProperties, name: string): string | undefined {
  const v = props[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.trim() === "") throw invalid(name, v, "a non-empty string");
  return v.trim();
}

/** Splits and checks `bootstrap.servers` ("host:port,host:port"). */
export function parseBootstrapServers(value: KafkaPropertyValue | undefined): string[] {
  const raw = value === undefined ? DEFAULT_BOOTSTRAP_SERVERS : String(value);
  const list = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (list.length === 0) throw invalid("bootstrap.servers", value, 'a list like "127.0.0.1:9092"');
  for (const hp of list) {
    const m = /^(.+):(\d+)$/.exec(hp);
    const port = m ? Number(m[2]) : Number.NaN;
    if (!m || port < 1 || port > 65535) {
      throw invalid("bootstrap.servers", value, 'comma-separated host:port entries like "127.0.0.1:9092"');
    }
  }
  return list;
}

/** What each `retryDelay` function was built from (a function cannot be compared otherwise). */
const retryKeys = new WeakMap<object, string>();

/**
 * The options as a string, equal for options built from equal properties: clients with equal keys
 * may share connections (see shared-fetcher.ts).
 */
export function settingsKey(common: CommonOptions): string {
  return JSON.stringify({ ...common, retryDelay: retryKeys.get(common.retryDelay) ?? String(Math.random()) });
}

/** Connection, retry and metadata options common to admin, producer and consumer. */
export function commonOptions(props: KafkaProperties, defaultClientId: string): CommonOptions {
  const out: Omit<CommonOptions, "retries" | "retryDelay"> & Partial<CommonOptions> = {
    clientId: str(props, "client.id") ?? defaultClientId,
    bootstrapBrokers: parseBootstrapServers(props["bootstrap.servers"]),
    // Topics are created explicitly (the dev broker has auto.create.topics.enable=false too): a typo
    // in a topic name must fail, not create a new empty topic.
    autocreateTopics: bool(props, "allow.auto.create.topics") ?? false,
  };
  const timeout = int(props, "request.timeout.ms", 1);
  if (timeout !== undefined) out.timeout = timeout;
  const connectTimeout = int(props, "socket.connection.setup.timeout.ms", 1);
  if (connectTimeout !== undefined) out.connectTimeout = connectTimeout;
  out.retries = int(props, "retries") ?? 10;
  // Exponential back-off like the Java client (retry.backoff.ms doubling up to retry.backoff.max.ms).
  // The base is 20 ms, not Java's 100 ms nor the client's flat 1 s: a transaction's first send right
  // after a commit is answered CONCURRENT_TRANSACTIONS while markers are written (Java also retries
  // that one after 20 ms). The growth and 10 retries (~5 s) cover a fresh broker's coordinators,
  // which answer COORDINATOR_LOAD_IN_PROGRESS for a few seconds.
  const base = int(props, "retry.backoff.ms") ?? 20;
  const max = Math.max(base, int(props, "retry.backoff.max.ms") ?? 1000);
  out.retryDelay = (_client, _op, attempt) => Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  retryKeys.set(out.retryDelay, `${base}/${max}`);
  const metadataMaxAge = int(props, "metadata.max.age.ms", 1);
  if (metadataMaxAge !== undefined) out.metadataMaxAge = metadataMaxAge;
  return out as CommonOptions;
}

/** Producer settings from Kafka properties, with Kafka's defaults where the client's differ. */
export function producerSettings(props: KafkaProperties): ProducerSettings {
  const acksRaw = props.acks;
  let acks: -1 | 0 | 1 = -1;
  if (acksRaw !== undefined) {
    const s = String(acksRaw).toLowerCase();
    if (s === "all" || s === "-1") acks = -1;
    else if (s === "1") acks = 1;
    else if (s === "0") acks = 0;
    else throw invalid("acks", acksRaw, 'one of "all", "-1", "1", "0"');
  }
  const transactionalId = str(props, "transactional.id");
  // Kafka 3+ defaults to idempotence on; transactions require it.
  const idempotent = bool(props, "enable.idempotence") ?? acks === -1;
  if (transactionalId !== undefined && !idempotent) {
    throw invalid("enable.idempotence", props["enable.idempotence"], "true (transactional.id needs it)");
  }
  if (idempotent && acks !== -1) throw invalid("acks", acksRaw, '"all" when enable.idempotence is true');
  const compression =
    oneOf(props, "compression.type", ["none", "gzip", "snappy", "lz4", "zstd"] as const) ?? "none";
  if (!compressionsAlgorithms[compression].available) {
    // zstd uses node:zlib's zstd, which Node gained in 22.15.
    throw invalid(
      "compression.type",
      props["compression.type"],
      `a codec this Node ${process.version} supports`,
    );
  }
  const settings: ProducerSettings = {
    acks,
    idempotent,
    compression,
    // 512 KiB rather than Java's 16 KiB: here one chunk is one request (no background accumulator),
    // and it must stay under the broker's message.max.bytes (1 MiB by default).
    batchSize: int(props, "batch.size", 1) ?? 524_288,
    // Java's default since Kafka 4.0.
    lingerMs: int(props, "linger.ms") ?? 5,
  };
  if (transactionalId !== undefined) settings.transactionalId = transactionalId;
  return settings;
}

/** Consumer settings from Kafka properties; `group.id` is required. */
export function consumerSettings(props: KafkaProperties): ConsumerSettings {
  const groupId = str(props, "group.id");
  if (groupId === undefined) {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", 'Kafka property "group.id" is required for a consumer.', {
      details: { property: "group.id" },
    });
  }
  const isolation = oneOf(props, "isolation.level", ["read_committed", "read_uncommitted"] as const);
  const autoCommit = bool(props, "enable.auto.commit") ?? false;
  const settings: ConsumerSettings = {
    groupId,
    // read_committed by default (Java's default is read_uncommitted): Fleuve's exactly-once sinks write
    // transactionally, and downstream jobs must not see aborted records.
    isolationLevel: isolation === "read_uncommitted" ? 0 : 1,
    autoOffsetReset: oneOf(props, "auto.offset.reset", ["earliest", "latest", "none"] as const) ?? "latest",
    autocommit: autoCommit ? (int(props, "auto.commit.interval.ms", 1) ?? 5000) : false,
  };
  const map: [keyof ConsumerSettings, string][] = [
    ["minBytes", "fetch.min.bytes"],
    ["maxBytes", "fetch.max.bytes"],
    ["maxBytesPerPartition", "max.partition.fetch.bytes"],
    ["maxWaitTime", "fetch.max.wait.ms"],
    ["sessionTimeout", "session.timeout.ms"],
    ["heartbeatInterval", "heartbeat.interval.ms"],
    ["rebalanceTimeout", "max.poll.interval.ms"],
  ];
  for (const [key, name] of map) {
    const v = int(props, name, name === "fetch.min.bytes" ? 0 : 1);
    if (v !== undefined) (settings as unknown as Record<string, unknown>)[key] = v;
  }
  const instance = str(props, "group.instance.id");
  if (instance !== undefined) settings.groupInstanceId = instance;
  return settings;
}
