/**
 * Turning connector bytes into values and back: "bytes", "string" (UTF-8), "json", or a function.
 * Named formats keep the common cases declarative (and expressible as plain options); a function
 * covers the rest (Avro, Protobuf...). Shared by every connector so that the same names mean the
 * same thing everywhere.
 */
import { FleuveError } from "../errors.js";
import { SinkRecordError } from "./sink.js";

/** A named format or a function from bytes (null for a null key/value) to a value. */
export type Deserializer<T> = "bytes" | "string" | "json" | ((bytes: Buffer | null) => T);

/** A named format or a function from a value to bytes (null for a null key/value). */
export type Serializer<T> = "bytes" | "string" | "json" | ((value: T) => Buffer | string | null);

/**
 * A record as a partitioned source (the embedded log's, Kafka's) emits it when it decodes keys,
 * values and headers by format rather than by a function of the whole record.
 */
export interface PartitionedRecord<K, V, H> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch (also the record's event timestamp). */
  readonly timestamp: number;
  readonly key: K;
  readonly value: V;
  /** Headers by name (the last one wins when a name repeats). */
  readonly headers: Readonly<Record<string, H>>;
}

/**
 * Resolves a {@link Deserializer} to a function; `who` (e.g. "kafkaSource") and `what` (the
 * option) name it in errors.
 */
export function deserializer<T>(
  d: Deserializer<T> | undefined,
  what: string,
  who = "connector",
): (b: Buffer | null) => T {
  if (d === undefined || d === "bytes") return (b) => b as T;
  if (d === "string") return (b) => (b === null ? null : b.toString("utf8")) as T;
  if (d === "json") return (b) => (b === null ? null : JSON.parse(b.toString("utf8"))) as T;
  if (typeof d === "function") return d;
  throw badFormat(who, what, d);
}

/**
 * Resolves a {@link Serializer} to a function; `who` (e.g. "kafkaSink") and `what` (the option)
 * name it in errors.
 */
export function serializer<T>(
  s: Serializer<T> | undefined,
  what: string,
  who = "connector",
): (v: T) => Buffer | string | null {
  if (s === undefined || s === "bytes") {
    return (v) => {
      if (v === null || v === undefined) return null;
      if (Buffer.isBuffer(v) || typeof v === "string") return v;
      throw new FleuveError(
        "FLEUVE_SINK_FAILED",
        `${who}: option '${what}' is "bytes" but got a ${typeof v}; pass "string", "json" or a function`,
        { details: { option: what } },
      );
    };
  }
  if (s === "string") return (v) => (v === null || v === undefined ? null : String(v));
  if (s === "json") return (v) => (v === undefined ? null : JSON.stringify(v));
  if (typeof s === "function") return recordFunction(s, what, who);
  throw badFormat(who, what, s);
}

/**
 * A sink's per-record function (a serializer, or the function choosing a record's topic, key,
 * partition or headers) whose throw rejects this record, not the sink: it becomes a
 * {@link SinkRecordError} naming `who` and the option `what`, which the job's error policy handles
 * (dead letters with the reason, skip, or fail). Fleuve's own errors stay what they are.
 */
export function recordFunction<T, R>(f: (value: T) => R, what: string, who = "connector"): (value: T) => R {
  return (v) => {
    try {
      return f(v);
    } catch (e) {
      if (e instanceof FleuveError) throw e;
      throw new SinkRecordError(
        `${who}: the ${what} rejected the record: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
  };
}

function badFormat(who: string, what: string, got: unknown): FleuveError {
  return new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `${who}: option '${what}' must be "bytes", "string", "json" or a function, got ${JSON.stringify(got)}`,
    { details: { option: what, expected: '"bytes", "string", "json" or a function', got } },
  );
}
