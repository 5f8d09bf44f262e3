/**
 * A registry store on a compacted `_schemas` topic of the embedded log (`@fleuve/log`): the
 * registry's records are the topic's records (key and value as Confluent writes them, a null value
 * removes a key), so ids survive restarts. The log has one writer process; another instance opens
 * the same directory read-only and follows the writer's records.
 */
import { type Log, openLog } from "@fleuve/log";
import { keyString, parseKey, type RegistryStore, type StoreRecord, type StoreValue } from "./store.js";

/** Options of {@link LogStore}. */
export interface LogStoreOptions {
  /** The log directory (default `.fleuve/log`), opened by the store and closed with it. */
  dir?: string;
  /** An already open log to use instead (not closed by the store). */
  log?: Log;
  /** The topic. Default `_schemas`. */
  topic?: string;
  /**
   * Follow a registry that another process writes: the log is opened read-only, writes are
   * refused (42205), and new records are picked up every `pollMs` and before every read.
   */
  follower?: boolean;
  /** How often a follower looks for new records (ms). Default 200. */
  pollMs?: number;
}

/** A registry store on a compacted topic of the embedded log. */
export class LogStore implements RegistryStore {
  readonly writable: boolean;
  readonly description: string;
  private readonly log: Log;
  private readonly ownsLog: boolean;
  private readonly topicName: string;
  private next = 0;
  private apply: ((r: StoreRecord) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly pollMs: number;

  constructor(opts: LogStoreOptions = {}) {
    this.topicName = opts.topic ?? "_schemas";
    this.writable = !opts.follower;
    this.pollMs = opts.pollMs ?? 200;
    this.ownsLog = opts.log === undefined;
    this.log = opts.log ?? openLog({ dir: opts.dir ?? ".fleuve/log", readOnly: opts.follower === true });
    this.description = `log topic ${this.topicName}${opts.dir ? ` in ${opts.dir}` : ""}`;
    if (this.writable && !this.log.hasTopic(this.topicName)) {
      this.log.createTopic(this.topicName, {
        partitions: 1,
        config: { cleanupPolicy: "compact", fsync: "every-batch" },
      });
    }
  }

  /** {@inheritDoc RegistryStore.start} */
  async start(apply: (r: StoreRecord) => void): Promise<void> {
    this.apply = apply;
    this.catchUp();
    if (!this.writable) {
      this.timer = setInterval(() => this.catchUp(), this.pollMs);
      this.timer.unref();
    }
  }

  /** Reads and applies every record past the last one applied. */
  private catchUp(): void {
    if (this.apply === undefined || !this.log.hasTopic(this.topicName)) return;
    const partition = this.log.topic(this.topicName).partition(0);
    if (this.next < partition.logStartOffset) this.next = partition.logStartOffset;
    for (;;) {
      const res = partition.fetch(this.next, { maxRecords: 1000 });
      for (const rec of res.records) {
        if (rec.key === null) continue;
        const key = parseKey(rec.key.toString("utf8"));
        if (key === undefined) continue;
        const value = rec.value === null ? null : (JSON.parse(rec.value.toString("utf8")) as StoreValue);
        this.apply({ key, value });
      }
      if (res.records.length === 0 || res.nextOffset <= this.next) {
        this.next = Math.max(this.next, res.nextOffset);
        break;
      }
      this.next = res.nextOffset;
    }
  }

  /** {@inheritDoc RegistryStore.sync} */
  async sync(): Promise<void> {
    this.catchUp();
  }

  /** {@inheritDoc RegistryStore.write} */
  async write(records: readonly StoreRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.log.topic(this.topicName).append(
      records.map((r) => ({
        key: Buffer.from(keyString(r.key)),
        value: r.value === null ? null : Buffer.from(JSON.stringify(r.value)),
      })),
    );
    this.catchUp();
  }

  /** {@inheritDoc RegistryStore.close} */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.apply = undefined;
    if (this.ownsLog) this.log.close();
  }
}
