/**
 * The demo's event generator: runs the clickstream simulation and appends its events to the
 * `clicks` topic of the embedded log, paced to a rate, in the same process as the job that reads
 * the topic (both use the one open Log instance: a log directory has one writer process).
 *
 * Resuming after a kill: the simulation is deterministic for its seed, and each user's events go
 * to a fixed partition in simulation order, so every partition holds a prefix of its share of the
 * sequence, whatever moment the process died at. The generator replays the simulation, skips as
 * many events of each partition as the partition already holds, and appends the rest: the topic
 * ends up with the same records as in one uninterrupted run, none twice.
 */
import type { SourceOutput } from "@fleuve/core";
import type { Log } from "@fleuve/log";
import { type ClickEvent, ClickstreamSource, type ClickstreamStats } from "./clickstream.js";

/** Options of {@link ClickGenerator}. */
export interface ClickGeneratorOptions {
  readonly log: Log;
  readonly topic: string;
  /** Events in the whole run (over restarts); Infinity: until stopped. */
  readonly totalEvents: number;
  /** Events per second; undefined: as fast as possible. */
  readonly ratePerSecond?: number;
  readonly users: number;
  readonly seed: number;
  readonly maxDelayMs: number;
  readonly startTime: number;
  readonly maxThinkMs: number;
  readonly minPauseMs: number;
  /** Shared figures for the progress line. */
  readonly stats: ClickstreamStats;
}

/** Events generated per step at most (one append call). */
const STEP = 4096;

/** Writes the simulated clickstream into a log topic; see the file comment. */
export class ClickGenerator {
  /** True once every event of the run is in the topic. */
  done = false;
  /** Events already in the topic when this process started (from an interrupted run). */
  readonly alreadyWritten: number;
  /** Events appended by this process. */
  appended = 0;
  private readonly reader;
  private readonly partitions: number;
  private readonly toSkip: number[];
  private skipping: number;
  private simulationEnded = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private started = 0;

  constructor(private readonly o: ClickGeneratorOptions) {
    const topic = o.log.topic(o.topic);
    this.partitions = topic.numPartitions;
    this.toSkip = [];
    for (let p = 0; p < this.partitions; p++) {
      const part = topic.partition(p);
      // Plain appends (no transactions): one offset per record, from 0.
      this.toSkip.push(part.highWatermark - part.logStartOffset);
    }
    this.alreadyWritten = this.toSkip.reduce((a, b) => a + b, 0);
    this.skipping = this.alreadyWritten;
    this.reader = new ClickstreamSource(
      {
        events: o.totalEvents,
        unbounded: !Number.isFinite(o.totalEvents),
        users: o.users,
        seed: o.seed,
        maxDelayMs: o.maxDelayMs,
        startTime: o.startTime,
        maxThinkMs: o.maxThinkMs,
        minPauseMs: o.minPauseMs,
      },
      o.stats,
    ).createReader({ subtaskIndex: 0, parallelism: 1, now: () => Date.now() });
  }

  /** The partition of a user's events: fixed per user, so per-user order is kept. */
  partitionOf(e: ClickEvent): number {
    return Number(e.user.slice(1)) % this.partitions;
  }

  /** Starts writing in the background (timers on this thread); `stop` ends it. */
  start(): void {
    this.skip();
    this.started = performance.now();
    this.step();
  }

  /** Stops generating (the topic keeps what was written). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Replays the simulation over the events the topic holds already. */
  private skip(): void {
    const pending: ClickEvent[] = [];
    while (this.skipping > 0 && !this.simulationEnded) {
      for (const e of this.generate(STEP)) {
        const p = this.partitionOf(e);
        if (this.toSkip[p]! > 0) {
          this.toSkip[p]!--;
          this.skipping--;
        } else pending.push(e);
      }
    }
    // Events past a partition's prefix that the replay produced before the others caught up.
    if (pending.length > 0) this.append(pending);
  }

  private generate(n: number): ClickEvent[] {
    const out: ClickEvent[] = [];
    const sink = {
      collect: (v: ClickEvent) => out.push(v),
    } as unknown as SourceOutput<ClickEvent>;
    if (this.reader.poll(sink, n) === "end") this.simulationEnded = true;
    return out;
  }

  private append(events: readonly ClickEvent[]): void {
    this.o.log.topic(this.o.topic).append(
      events.map((e) => ({
        key: Buffer.from(e.user),
        value: Buffer.from(JSON.stringify(e)),
        timestamp: e.ts,
        partition: this.partitionOf(e),
      })),
    );
    this.appended += events.length;
  }

  private step(): void {
    if (this.stopped) return;
    if (this.simulationEnded) {
      this.done = true;
      return;
    }
    let n = STEP;
    if (this.o.ratePerSecond !== undefined) {
      const due = Math.floor(((performance.now() - this.started) / 1000) * this.o.ratePerSecond) + 1;
      n = Math.min(STEP, due - this.appended);
    }
    if (n > 0) {
      const events = this.generate(n);
      if (events.length > 0) this.append(events);
    }
    if (this.simulationEnded) {
      this.done = true;
      return;
    }
    // Paced: look again soon; unthrottled: let the job run in between (same thread).
    this.timer = setTimeout(() => this.step(), this.o.ratePerSecond === undefined ? 1 : 5);
  }
}
