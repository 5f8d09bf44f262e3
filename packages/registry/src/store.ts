/**
 * Where the registry keeps its truth: a sequence of keyed records, compacted to the last value
 * per key, in Confluent's `_schemas` layout (keys `{"keytype":"SCHEMA","subject":..,"version":..}`,
 * `CONFIG`, `MODE`, `CONTEXT`; a null value removes the key). Every instance rebuilds its state by reading the
 * records from the start, so ids never change across restarts and a follower sees what the writer
 * wrote.
 */

import type { ConfigValue } from "./config.js";

/** A record of the store: a key and a value, or null to remove the key (a permanent delete). */
export interface StoreRecord {
  key: StoreKey;
  value: StoreValue | null;
}

/** A record's key. */
export type StoreKey =
  | { keytype: "SCHEMA"; subject: string; version: number }
  | { keytype: "CONFIG"; subject: string | null }
  | { keytype: "MODE"; subject: string | null }
  /** A named context, written when its first subject is registered (Confluent's ContextKey). */
  | { keytype: "CONTEXT"; tenant: string; context: string };

/** A record's value. */
export type StoreValue = SchemaValue | ConfigValue | { mode: string } | { tenant: string; context: string };

/** The value of a SCHEMA record: one version of a subject. */
export interface SchemaValue {
  subject: string;
  version: number;
  id: number;
  schemaType?: string;
  references?: SchemaReference[];
  schema: string;
  deleted: boolean;
}

/** A reference to another subject's version, imported under `name`. */
export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

/** The string form of a key (stable field order), as written to the `_schemas` topic. */
export function keyString(k: StoreKey): string {
  if (k.keytype === "SCHEMA")
    return JSON.stringify({ keytype: "SCHEMA", subject: k.subject, version: k.version, magic: 1 });
  if (k.keytype === "CONTEXT")
    return JSON.stringify({ keytype: "CONTEXT", tenant: k.tenant, context: k.context, magic: 0 });
  return JSON.stringify({ keytype: k.keytype, subject: k.subject, magic: 0 });
}

/** Parses a key written by {@link keyString} (or by Confluent); undefined for a key of another kind. */
export function parseKey(s: string): StoreKey | undefined {
  const o = JSON.parse(s) as Record<string, unknown>;
  if (o.keytype === "SCHEMA")
    return { keytype: "SCHEMA", subject: String(o.subject), version: Number(o.version) };
  if (o.keytype === "CONTEXT")
    return { keytype: "CONTEXT", tenant: String(o.tenant ?? "default"), context: String(o.context) };
  if (o.keytype === "CONFIG" || o.keytype === "MODE") {
    return { keytype: o.keytype, subject: (o.subject as string | null | undefined) ?? null };
  }
  return undefined;
}

/** Storage of the registry's records. */
export interface RegistryStore {
  /** Reads every record from the start, calling `apply` for each, and keeps following new ones. */
  start(apply: (r: StoreRecord) => void): Promise<void>;
  /** Returns once every record written before the call (by any instance) has been applied. */
  sync(): Promise<void>;
  /**
   * Writes records. Outside {@link exclusive}, returns once they are applied to this instance's
   * state; inside it, they are applied when the section ends.
   */
  write(records: readonly StoreRecord[]): Promise<void>;
  /**
   * Runs a write section (a decision on the state, then the writes it makes) as the only writer
   * among every instance sharing the store: the state is caught up first, and the writes land only
   * if no other instance wrote meanwhile; a store may run the section again on newer state, so it
   * must decide from the state alone. Without this method, a store has one writing instance and
   * the registry runs sections one at a time after a {@link sync}.
   */
  exclusive?<T>(section: () => Promise<T>): Promise<T>;
  /** True when this instance may write (a follower only reads). */
  readonly writable: boolean;
  /** A short description for messages (e.g. "log topic _schemas in .fleuve/log"). */
  readonly description: string;
  close(): Promise<void>;
}

/** A store in memory, for tests and throw-away registries. */
export class MemoryStore implements RegistryStore {
  private apply: ((r: StoreRecord) => void) | undefined;
  /** The records written, in order (tests read them). */
  readonly records: StoreRecord[] = [];
  readonly writable = true;
  readonly description = "memory";

  /** {@inheritDoc RegistryStore.start} */
  async start(apply: (r: StoreRecord) => void): Promise<void> {
    this.apply = apply;
    for (const r of this.records) apply(r);
  }

  /** {@inheritDoc RegistryStore.sync} */
  async sync(): Promise<void> {}

  /** {@inheritDoc RegistryStore.write} */
  async write(records: readonly StoreRecord[]): Promise<void> {
    for (const r of records) {
      const copy = JSON.parse(JSON.stringify(r)) as StoreRecord;
      this.records.push(copy);
      this.apply?.(copy);
    }
  }

  /** {@inheritDoc RegistryStore.close} */
  async close(): Promise<void> {
    this.apply = undefined;
  }
}
