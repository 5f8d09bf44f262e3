/**
 * Savepoints of a scale-out group job over Kafka: the control topic `fleuve-<group>-<job>-control`
 * (one partition) that every process of the group reads, and the coordination of one savepoint
 * (Flink's JobManager role, taken by whichever process is asked for it).
 *
 * 1. The process asked publishes a request (id, folder, stop, deadline).
 * 2. Every process asks its units whose inputs are the job's sources for their part
 *    (`UnitSavepoints.take`); barriers then travel in band through the exchanges, and every
 *    other unit takes its part once aligned (see `@fleuve/core/scale-out` unit-savepoints.ts).
 * 3. Each unit's process publishes its part's files and checksums once written and its checkpoint
 *    complete; the asking process, once every unit's part is in, writes `_metadata` last and
 *    publishes that the savepoint completed (for a stop: every process then stops the group).
 * 4. A savepoint that cannot complete (a unit failed, moved or restarted meanwhile; its deadline
 *    passed) is aborted by whoever sees it first: no `_metadata` is written, and every process
 *    releases its alignments (barriers of a savepoint that is over are ignored).
 * 5. A unit whose input ended (a bounded job's) takes no part: its process reports it finished,
 *    and the asking process fails the savepoint with a clear error instead of waiting for its
 *    deadline: "the job finished" when every unit did (Flink takes no savepoint of a finished
 *    job), else naming the finished units (Flink 1.15+ would include finished tasks, FLIP-147; a
 *    group does not, see docs/kafka.md).
 * 6. An abort because the group was changing (a rebalance, a unit restarting) is not the caller's
 *    concern: the asking process tries again, into a new folder, until the deadline, so that
 *    `fleuve savepoint` right after a process joined or left waits for the group to settle instead
 *    of failing. The folders of aborted attempts are deleted once a later attempt completed.
 *
 * The topic also carries each process's clean stop, announced before it hands its units over
 * (`leaving`): a leader that sees the process gone then logs it as left, not as died, though the
 * process may have exited by the time the leader looks (see {@link GroupSavepoints.cleanlyStopped}).
 */
import { randomBytes } from "node:crypto";
import { type CheckpointStorage, FleuveError } from "@fleuve/core";
import { type SavepointBarrier, writeJobSavepointMetadata } from "@fleuve/core/scale-out";
import type { KafkaClient } from "../client.js";
import type { KafkaPartitionReader } from "../partition-reader.js";
import type { KafkaProducer } from "../producer.js";

/** How long the asking process waits for other reports once a unit is reported finished. */
const FINISHED_GRACE_MS = 2000;

/** A part's files and checksums, as `_metadata` lists them. */
type PartFiles = Record<string, { sha256: string; bytes: number }>;

/** What travels on the control topic (JSON). */
export type ControlMessage =
  | {
      readonly type: "request";
      readonly id: string;
      readonly dir: string;
      readonly stop: boolean;
      /** Epoch ms after which the savepoint is given up. */
      readonly deadline: number;
    }
  | {
      readonly type: "part";
      readonly id: string;
      readonly unit: string;
      readonly files: PartFiles;
    }
  | {
      /** Units whose input ended: they take no part of savepoint `id`. */
      readonly type: "finished";
      readonly id: string;
      readonly units: readonly string[];
    }
  | { readonly type: "completed"; readonly id: string; readonly path: string; readonly stop: boolean }
  | {
      readonly type: "aborted";
      readonly id: string;
      readonly reason: string;
      /** The group was changing (a unit moved, restarted or failed): the asking process tries again. */
      readonly retry?: boolean;
    }
  | {
      /** Process `process` (`host:pid`) stops cleanly: it hands its units over and leaves the group. */
      readonly type: "leaving";
      readonly process: string;
      /** The units it runs and hands over, by name. */
      readonly units?: readonly string[];
      /** When it announced it (epoch ms, its clock). */
      readonly at?: number;
    };

/** Options of {@link GroupSavepoints}. */
export interface GroupSavepointsOptions {
  readonly client: KafkaClient;
  readonly topic: string;
  readonly jobName: string;
  /** Every unit of the job, by name: each writes one part. */
  readonly units: readonly string[];
  /** Every operator of the job with its parallelism and files (see `jobSavepointLayout`). */
  readonly layout: Parameters<typeof writeJobSavepointMetadata>[2]["operators"];
  readonly maxParallelism: number;
  readonly storage: CheckpointStorage;
  readonly log: (line: string) => void;
  /** A savepoint was asked for (by any process): take the parts of the units that take it when asked. */
  readonly requested: (barrier: SavepointBarrier) => void;
  /** A savepoint ended (completed or aborted): e.g. resume units a failed stop had stopped. */
  readonly ended: (barrier: SavepointBarrier, completed: boolean) => void;
}

/** A savepoint this process has heard of and that is not over. */
interface Active {
  readonly barrier: SavepointBarrier;
  readonly timer: NodeJS.Timeout;
  /** Set in the process that asked for it. */
  readonly coordinating?: {
    readonly parts: Map<string, PartFiles>;
    /** Units reported finished (see {@link GroupSavepoints.unitsFinished}). */
    readonly finished?: Set<string>;
    /** Fails the savepoint on the finished units once the other reports had time to come in. */
    finishing?: NodeJS.Timeout;
    readonly resolve: (path: string) => void;
    readonly reject: (e: unknown) => void;
    completing: boolean;
  };
}

/** The control topic of one group job, as one process sees it (see the module comment). */
export class GroupSavepoints {
  readonly #o: GroupSavepointsOptions;
  readonly #active = new Map<string, Active>();
  /** Savepoints that completed or were aborted (their barriers are ignored). */
  readonly #over = new Set<string>();
  /** Requests this process asked for, until their request is read back. */
  readonly #asked = new Map<string, NonNullable<Active["coordinating"]>>();
  #producer: KafkaProducer | undefined;
  #reader: KafkaPartitionReader | undefined;
  #closed = false;
  #reading: Promise<void> = Promise.resolve();
  #resolveStopped!: () => void;
  /** Resolves once a stop-with-savepoint of the group completed (from any process). */
  readonly stopped: Promise<void>;
  /**
   * Processes (`host:pid`) that announced a clean stop, and when (see
   * {@link GroupSavepoints.announceLeaving}).
   */
  readonly #leaving = new Map<string, number>();
  /** The process whose clean stop announced each unit last, and when, by unit name. */
  readonly #handedBy = new Map<string, { readonly process: string; readonly at: number }>();
  /** Start time: requests older than their deadline are history, not acted upon. */
  readonly #startedAt = Date.now();

  constructor(o: GroupSavepointsOptions) {
    this.#o = o;
    this.stopped = new Promise<void>((r) => {
      this.#resolveStopped = r;
    });
  }

  /** Starts reading the control topic (from its beginning: completed and aborted ids are known). */
  async start(): Promise<void> {
    // Not idempotent: a message read twice means the same, and sends are retried (see #publish).
    this.#producer = this.#o.client.producer({ acks: "all", "enable.idempotence": false, "linger.ms": 0 });
    const reader = this.#o.client.partitionReader();
    await reader.assign([{ topic: this.#o.topic, partition: 0, offset: "earliest" }]);
    this.#reader = reader;
    this.#reading = this.#read(reader);
  }

  async #read(reader: KafkaPartitionReader): Promise<void> {
    while (!this.#closed) {
      let records: Awaited<ReturnType<KafkaPartitionReader["poll"]>>;
      try {
        records = await reader.poll();
      } catch (e) {
        if (this.#closed) return;
        this.#o.log(`savepoint control topic ${this.#o.topic}: ${(e as Error).message}; reading on`);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      for (const r of records) {
        if (r.value === null) continue;
        let m: ControlMessage;
        try {
          m = JSON.parse(r.value.toString("utf8")) as ControlMessage;
        } catch {
          continue; // not ours
        }
        this.#apply(m);
      }
    }
  }

  /** True for a savepoint that completed or was aborted (or whose deadline passed here). */
  isOver(id: string): boolean {
    return this.#over.has(id);
  }

  /** Savepoints in progress, for aborting them when units move. */
  get inProgress(): readonly SavepointBarrier[] {
    return [...this.#active.values()].map((a) => a.barrier);
  }

  /**
   * Tells every process of the group that `process` (this one, `host:pid`) stops cleanly, before
   * it hands its units over: their leader then logs its departure as a clean stop. Best effort: a
   * failed send is logged, and the leader falls back on whether the process still exists.
   */
  async announceLeaving(process: string, units: readonly string[]): Promise<void> {
    try {
      await this.#publish({ type: "leaving", process, units, at: Date.now() });
    } catch (e) {
      this.#o.log(
        `could not announce this process's clean stop on ${this.#o.topic}: ${(e as Error).message}`,
      );
    }
  }

  /**
   * True when process `process` (`host:pid`) announced a clean stop on the control topic in the
   * last `withinMs` (an older one may be of an earlier process with the same host and pid).
   */
  cleanlyStopped(process: string, withinMs: number): boolean {
    return (this.#leaving.get(process) ?? Number.NEGATIVE_INFINITY) >= Date.now() - withinMs;
  }

  /**
   * The process (`host:pid`) whose clean stop announced unit `unit` last, if it did so in the last
   * `withinMs`: a new leader, which does not know who owned the units it finds orphaned, names
   * their owner's clean stop (an older announcement may be of an owner the unit had before).
   */
  cleanStopOf(unit: string, withinMs: number): string | undefined {
    const h = this.#handedBy.get(unit);
    return h !== undefined && h.at >= Date.now() - withinMs ? h.process : undefined;
  }

  #apply(m: ControlMessage): void {
    switch (m.type) {
      case "leaving":
        this.#leaving.set(m.process, m.at ?? 0);
        for (const u of m.units ?? []) this.#handedBy.set(u, { process: m.process, at: m.at ?? 0 });
        return;
      case "request": {
        if (this.#over.has(m.id) || this.#active.has(m.id)) return;
        const coordinating = this.#asked.get(m.id);
        this.#asked.delete(m.id);
        // History (read from the topic's beginning): a request past its deadline is over.
        if (m.deadline <= Date.now() || (m.deadline < this.#startedAt && !coordinating)) {
          this.#over.add(m.id);
          coordinating?.reject(this.#error(m.id, "its deadline passed before it started"));
          return;
        }
        const barrier: SavepointBarrier = { id: m.id, dir: m.dir, stop: m.stop };
        this.#o.log(`savepoint ${m.id} of the group${m.stop ? " (and stop)" : ""} into ${m.dir}: taking it`);
        const timer = setTimeout(
          () => this.abort(m.id, `it did not complete within its deadline (${this.#missing(m.id)})`),
          m.deadline - Date.now(),
        );
        timer.unref();
        this.#active.set(m.id, { barrier, timer, ...(coordinating ? { coordinating } : {}) });
        this.#o.requested(barrier);
        return;
      }
      case "part": {
        const c = this.#active.get(m.id)?.coordinating;
        if (!c) return;
        if (!c.parts.has(m.unit)) c.parts.set(m.unit, m.files);
        if (c.parts.size === this.#o.units.length && !c.completing) {
          c.completing = true;
          void this.#complete(m.id);
        }
        return;
      }
      case "finished": {
        const c = this.#active.get(m.id)?.coordinating;
        if (!c?.finished) return;
        for (const u of m.units) c.finished.add(u);
        this.#checkFinished(m.id, c);
        return;
      }
      case "completed":
      case "aborted": {
        const a = this.#active.get(m.id);
        if (a?.coordinating?.finishing) clearTimeout(a.coordinating.finishing);
        this.#over.add(m.id);
        if (!a) return;
        this.#active.delete(m.id);
        clearTimeout(a.timer);
        if (m.type === "completed") {
          this.#o.log(`savepoint ${m.id} of the group completed: ${m.path}`);
          a.coordinating?.resolve(m.path);
        } else {
          this.#o.log(`savepoint ${m.id} of the group failed: ${m.reason}`);
          a.coordinating?.reject(this.#error(m.id, m.reason, m.retry === true));
        }
        this.#o.ended(a.barrier, m.type === "completed");
        if (m.type === "completed" && m.stop) this.#resolveStopped();
        return;
      }
    }
  }

  /**
   * Units reported finished that wrote no part: once every unit finished, the job did, and the
   * savepoint fails at once; a partly finished job fails once the other processes' reports had
   * {@link FINISHED_GRACE_MS} to arrive (a part reported meanwhile takes its unit off the list).
   */
  #checkFinished(id: string, c: NonNullable<Active["coordinating"]>): void {
    const finished = () => [...c.finished!].filter((u) => !c.parts.has(u));
    const units = this.#o.units;
    if (finished().length === units.length) {
      void this.abort(
        id,
        `the job finished: the input of every unit ended (all ${units.length} units finished), so there is nothing to savepoint (Flink takes no savepoint of a finished job either)`,
      );
      return;
    }
    c.finishing ??= setTimeout(() => {
      // In the job's order of units, whatever order they finished in: the message is the same
      // for the same job.
      const done = finished().sort((a, b) => units.indexOf(a) - units.indexOf(b));
      if (done.length === 0) return;
      void this.abort(
        id,
        `${done.length} of ${units.length} units finished (their input ended): ${done.slice(0, 12).join(", ")}${done.length > 12 ? ", ..." : ""}; a finished unit takes no part, and a group takes no savepoint of a partly finished job (take it before a bounded input ends)`,
      );
    }, FINISHED_GRACE_MS);
    c.finishing.unref();
  }

  #error(id: string, reason: string, retry = false): FleuveError {
    return new FleuveError("FLEUVE_CHECKPOINT_FAILED", `savepoint ${id} of the group failed: ${reason}`, {
      details: { savepoint: id, retry },
    });
  }

  /** Units whose part the coordinator has not received (for error messages). */
  #missing(id: string): string {
    const c = this.#active.get(id)?.coordinating;
    if (!c) return "no answer from every unit";
    const missing = this.#o.units.filter((u) => !c.parts.has(u));
    return `units without their part: ${missing.slice(0, 12).join(", ")}${missing.length > 12 ? ", ..." : ""}`;
  }

  /** Every part is in: `_metadata` last, then everyone hears it completed. */
  async #complete(id: string): Promise<void> {
    const a = this.#active.get(id);
    const c = a?.coordinating;
    if (!a || !c) return;
    const files: PartFiles = {};
    for (const part of c.parts.values()) Object.assign(files, part);
    try {
      await writeJobSavepointMetadata(this.#o.storage, a.barrier.dir, {
        jobName: this.#o.jobName,
        maxParallelism: this.#o.maxParallelism,
        operators: this.#o.layout,
        files,
        checkpointId: 0,
      });
    } catch (e) {
      await this.abort(id, `its _metadata could not be written to ${a.barrier.dir}: ${(e as Error).message}`);
      return;
    }
    if (!this.#active.has(id)) return; // aborted meanwhile (the files stay; the caller hears it failed)
    await this.#publish({ type: "completed", id, path: a.barrier.dir, stop: a.barrier.stop });
  }

  /**
   * Takes a savepoint of the whole group job into the folder `dir` (shared by every process);
   * resolves with its path once `_metadata` is written. An attempt aborted because the group was
   * changing is tried again (into `<dir>-attempt-<n>`) until `timeoutMs` has passed.
   */
  async savepoint(dir: string, stop: boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    const aborted: string[] = [];
    for (let attempt = 1; ; attempt++) {
      const at = attempt === 1 ? dir : `${dir}-attempt-${attempt}`;
      try {
        const path = await this.#attempt(at, stop, deadline);
        for (const old of aborted) {
          await this.#o.storage
            .remove(old)
            .catch((e: unknown) =>
              this.#o.log(`could not delete ${old}, an aborted savepoint attempt: ${(e as Error).message}`),
            );
        }
        return path;
      } catch (e) {
        const retry = e instanceof FleuveError && e.details?.retry === true;
        // Back off while the group settles (a rebalance takes its initial delay, units restore).
        const wait = Math.min(1000 * attempt, 5000);
        if (!retry || this.#closed || Date.now() + wait >= deadline) throw e;
        aborted.push(at);
        this.#o.log(`${(e as Error).message}; the group was changing, trying again in ${wait / 1000} s`);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** One attempt of {@link savepoint}. */
  #attempt(dir: string, stop: boolean, deadline: number): Promise<string> {
    const id = `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
    return new Promise<string>((resolve, reject) => {
      this.#asked.set(id, { parts: new Map(), finished: new Set(), resolve, reject, completing: false });
      this.#publish({ type: "request", id, dir, stop, deadline }).catch((e: unknown) => {
        this.#asked.delete(id);
        reject(this.#error(id, `the request could not be sent: ${(e as Error).message}`));
      });
    });
  }

  /** Unit `unit`'s part of savepoint `id` is written (and its checkpoint complete). */
  partWritten(id: string, unit: string, files: PartFiles): void {
    if (this.#over.has(id)) return;
    this.#publish({ type: "part", id, unit, files }).catch((e: unknown) =>
      this.abort(id, `unit ${unit} could not report its part: ${(e as Error).message}`),
    );
  }

  /**
   * Units run here whose input ended (they take no part of savepoint `id`): reported to the
   * asking process, which fails the savepoint naming them (see the module comment).
   */
  unitsFinished(id: string, units: readonly string[]): void {
    if (this.#over.has(id) || units.length === 0) return;
    this.#publish({ type: "finished", id, units }).catch((e: unknown) =>
      this.#o.log(`could not report finished units for savepoint ${id}: ${(e as Error).message}`),
    );
  }

  /**
   * Gives savepoint `id` up, for every process (no-op when it is over already). `retry`: the group
   * was changing, and the asking process tries again (see the module comment).
   */
  async abort(id: string, reason: string, retry = false): Promise<void> {
    if (this.#over.has(id)) return;
    const m: ControlMessage = { type: "aborted", id, reason, ...(retry ? { retry } : {}) };
    try {
      await this.#publish(m);
    } catch (e) {
      this.#o.log(`could not publish the abort of savepoint ${id}: ${(e as Error).message}`);
      // Over here at least, so that this process releases its alignments.
      this.#apply(m);
    }
  }

  /**
   * Sends `m`, one message at a time (concurrent sends of one producer failed under load), retried
   * a few times: every message means the same when read twice.
   */
  #publish(m: ControlMessage): Promise<void> {
    const p = this.#producer;
    if (!p) return Promise.reject(new Error("the savepoint control topic is not open"));
    const send = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await p.send([{ topic: this.#o.topic, partition: 0, value: JSON.stringify(m) }]);
          return;
        } catch (e) {
          if (attempt >= 5 || this.#closed) throw e;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
    };
    const sent = this.#sending.then(send, send);
    this.#sending = sent.catch(() => {});
    return sent;
  }

  /** The control messages being sent, in order. */
  #sending: Promise<void> = Promise.resolve();

  /** Stops reading; savepoints this process coordinates fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const [id, a] of this.#active) {
      clearTimeout(a.timer);
      a.coordinating?.reject(this.#error(id, "this process left the group"));
    }
    for (const [id, c] of this.#asked) c.reject(this.#error(id, "this process left the group"));
    await this.#reading.catch(() => {});
    await this.#reader?.close().catch(() => {});
    await this.#producer?.close().catch(() => {});
  }
}
