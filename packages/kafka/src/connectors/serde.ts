/**
 * Turning Kafka bytes into values and back: "bytes", "string" (UTF-8), "json", or a function.
 * Named formats keep the common cases declarative; a function covers the rest (Avro, Protobuf...).
 */
import { FleuveError } from "@fleuve/core";
import type { Bytes } from "../records.js";

/** A named format or a function from bytes (null for a null key/value) to a value. */
export type Deserializer<T> = "bytes" | "string" | "json" | ((bytes: Buffer | null) => T);

/** A named format or a function from a value to bytes (null for a null key/value). */
export type Serializer<T> = "bytes" | "string" | "json" | ((value: T) => Bytes | null);

/** Resolves a {@link Deserializer} to a function; `what` names the option in errors. */
export function deserializer<T>(d: Deserializer<T> | undefined, what: string): (b: Buffer | null) => T {
  if (d === undefined || d === "bytes") return (b) => b as T;
  if (d === "string") return (b) => (b === null ? null : b.toString("utf8")) as T;
  if (d === "json") return (b) => (b === null ? null : JSON.parse(b.toString("utf8"))) as T;
  if (typeof d === "function") return d;
  throw new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `kafka: option '${what}' must be "bytes", "string", "json" or a function, got ${JSON.stringify(d)}`,
    { details: { option: what } },
  );
}

/** Resolves a {@link Serializer} to a function; `what` names the option in errors. */
export function serializer<T>(s: Serializer<T> | undefined, what: string): (v: T) => Bytes | null {
  if (s === undefined || s === "bytes") {
    return (v) => {
      if (v === null || v === undefined) return null;
      if (Buffer.isBuffer(v) || typeof v === "string") return v;
      throw new FleuveError(
        "FLEUVE_SINK_FAILED",
        `kafka sink: option '${what}' is "bytes" but got a ${typeof v}; pass "string", "json" or a function`,
        { details: { option: what } },
      );
    };
  }
  if (s === "string") return (v) => (v === null || v === undefined ? null : String(v));
  if (s === "json") return (v) => (v === undefined ? null : JSON.stringify(v));
  if (typeof s === "function") return s;
  throw new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `kafka: option '${what}' must be "bytes", "string", "json" or a function, got ${JSON.stringify(s)}`,
    { details: { option: what } },
  );
}
