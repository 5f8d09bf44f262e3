/**
 * The per-key work of the CEP operators, shared by the operator of one pattern and the operator of
 * patterns that change while the job runs: buffering events until the watermark passes them
 * (event time), feeding them to each pattern's matcher in timestamp order, advancing time so that
 * time-outs and absences fire when their deadline passes, and releasing a key's state when it holds
 * nothing.
 *
 * What wakes a key up: in event time, a key whose buffer gets its first event goes into a queue of
 * keys in timestamp order, drained per watermark ({@link KeyedPatternRunner.onWatermark}) without a
 * timer per event; an event earlier than the queue's last (out of order) and the matchers'
 * deadlines use keyed timers. A timer is registered only when a key needs to wake up earlier than
 * its earliest registered one; later ones stay and fire for nothing (a key woken with nothing due
 * does nothing), which costs less than deleting and moving a timer per event. A released key's
 * timers are deleted. A key's results depend only on the watermarks at which it is woken, never on
 * which timer or queue entry woke it, so they are those of one timer per key.
 *
 * In event time on a stable table, a key's next deadline (a partial match's time-out, an absence)
 * goes into the runner's own queue of deadlines ({@link DeadlineQueue}), drained after the queue
 * of events, rather than into a timer: a timer cost a timer object and a per-key index entry,
 * registered and then deleted when a later event ended the partial match first (the common case
 * of an absence). An item left by a key that no longer needs it is skipped when the watermark
 * reaches it, or dropped earlier when such items outnumber the live ones. Before a checkpoint the queued deadlines become timers
 * ({@link KeyedPatternRunner.materialize}), so snapshots hold what they held before.
 *
 * Most keys of a large key space hold no partial match between two of their events. In event time
 * (heap state, no comparator), an event that arrives in timestamp order waits in the queue itself,
 * not in keyed state ("off-table"), whether or not its key has an entry: it costs no keyed-state
 * lookup on arrival. When the watermark passes it, its key's entry is looked up once: without one,
 * the event goes straight to the patterns and the key gets an entry only if it starts a partial
 * match (no keyed-state insert and delete per event); with one, the entry's own waiting events
 * before it go first, then the event. While off-table events wait, deadline timers wake their keys
 * only after the watermark's queue is drained, so events are still processed in timestamp order.
 * Among equal timestamps, off-table events come before an entry's own: those arrived out of order,
 * when the queue already held a later timestamp, so after every in-order event of that timestamp.
 * The exception is events an entry got from a checkpoint (restored, or put there before one): an
 * in-order event at or before the latest of those looks its key up on arrival and, if it has an
 * entry, joins its events after them, as every event did before the queue held any. Before a
 * checkpoint the off-table events are put into their keys' entries
 * ({@link KeyedPatternRunner.materialize}): a snapshot holds what it held before, and restores as
 * before.
 *
 * Event time follows Flink's CepOperator: for each buffered timestamp <= the watermark, in order,
 * time advances to it and then its events are processed (equal timestamps in arrival order, or by
 * the user's comparator); then time advances to the watermark. Deadlines that pass in between are
 * reached one by one, so a time-out or an absence is reported at its own deadline, whatever the
 * watermark's steps. Processing time: each event is processed when it arrives, at the current
 * processing time.
 */
import { FleuveError } from "@fleuve/core";
import type {
  InternalTimerService,
  Key,
  KeyedStateBackend,
  KeyedTable,
  NormalizedKey,
} from "@fleuve/core/spi";
import type { DropReason } from "../pattern-process-function.js";
import { DeadlineQueue } from "./deadline-queue.js";
import {
  bufferEvent,
  bufferEventFirst,
  countDue,
  emptyArray,
  isIdle,
  type KeyEntry,
  newKeyEntry,
  type RunState,
  upgradeKeyEntry,
} from "./key-entry.js";
import type { Matcher, MatcherOutput } from "./matcher.js";

/** Which clock drives the patterns: the events' timestamps and watermarks, or the wall clock. */
export type TimeDomain = "event" | "processing";

/** A pattern applied to every key (a pattern id and version, and its compiled matcher). */
export interface ActivePattern<T> {
  readonly id: string;
  readonly version: number;
  readonly matcher: Matcher<T, any>;
}

/** What the runner reports, with the pattern (id, version) each result belongs to. */
export interface RunnerListener<T> {
  /** A complete match, found at `timestamp`. */
  match(id: string, version: number, match: Record<string, T[]>, timestamp: number): void;
  /** A partial match that timed out at `timeoutTimestamp`. */
  timedOut(id: string, version: number, partial: Record<string, T[]>, timeoutTimestamp: number): void;
  /** A partial match dropped at `timestamp`: by the per-key limit, or by a pattern update. */
  dropped(
    id: string,
    version: number,
    partial: Record<string, T[]>,
    timestamp: number,
    reason: DropReason,
  ): void;
  /** An event whose timestamp the watermark had already passed (event time). */
  late(event: T, timestamp: number): void;
  /** True when {@link timedOut} discards what it is given (no side output for time-outs). */
  readonly discardsTimedOut?: boolean;
}

/** What a runner is given by its operator. */
export interface RunnerSetup<T> {
  readonly operatorName: string;
  readonly backend: KeyedStateBackend;
  readonly timers: InternalTimerService<number>;
  readonly timeDomain: TimeDomain;
  /** Orders events with equal timestamps (event time); arrival order when absent or 0. */
  readonly comparator?: ((a: T, b: T) => number) | undefined;
  /** The operator's current watermark. */
  readonly currentWatermark: () => number;
  /** The patterns every key runs now. */
  readonly patterns: () => readonly ActivePattern<T>[];
  /** The matcher of a run finishing under a replaced pattern version (`run.finishing` is set). */
  readonly finishingMatcher: (runId: string, run: RunState) => Matcher<T, any>;
  /**
   * The patterns never change (the operator of one pattern): a key's only run is that pattern's,
   * so the runner reads it directly rather than enumerating the entry's runs per event.
   */
  readonly fixedPatterns?: boolean | undefined;
  readonly listener: RunnerListener<T>;
  /** Gauges fed with the subtask's totals: partial matches, and events held (waiting or in matchers). */
  readonly partialMatchesGauge?: { set(value: number): void } | undefined;
  readonly bufferedEventsGauge?: { set(value: number): void } | undefined;
  /** Counts the partial matches dropped (by the per-key limit or by a pattern update). */
  readonly droppedCounter?: { inc(): void } | undefined;
}

/** The keyed table the CEP operators keep their per-key state in. */
export const CEP_STATE_TABLE = "cep-keys";

/** How many released key entries a runner keeps for reuse. */
const MAX_FREE_ENTRIES = 32768;

/**
 * How many empty runs a runner keeps per pattern for reuse. Partial matches end in bursts (the
 * time-outs a watermark reaches, after its queue is drained) and start spread over the next
 * drain, so on a large key space the pool passes thousands of states from one watermark to the
 * next (256 dropped most of a burst, to be made afresh); the matcher's `recycle` keeps only small
 * states, so the pool holds little (a few hundred bytes per state).
 */
const MAX_POOLED_RUNS = 4096;

/** Removes the first `n` items of `a` in place (no new array). */
function removeFirst(a: unknown[], n: number): void {
  if (n >= a.length) {
    emptyArray(a);
    return;
  }
  a.copyWithin(0, n);
  a.length -= n;
}

/** Items a queue of deadlines may hold beyond twice its live ones before it is compacted. */
const COMPACT_SLACK = 4096;

/** Whether a queued deadline is still its entry's (see {@link KeyedPatternRunner.deadlines}). */
function isLiveDeadline(entry: KeyEntry<unknown>, item: number): boolean {
  return entry.deadlineItem === item;
}

/** The timer namespace of the CEP operators. */
const NS = 0;

/** True when something (a timer or the queue) already wakes the key up at `t` or earlier. */
function wakesBy(entry: KeyEntry<unknown>, t: number): boolean {
  return (
    (entry.queued !== null && entry.queued <= t) ||
    (entry.timers.length > 0 && entry.timers[0]! <= t) ||
    (entry.deadline !== null && entry.deadline <= t)
  );
}

/** Runs patterns per key on keyed state and timers (see the file comment). */
export class KeyedPatternRunner<T> {
  private readonly table: KeyedTable<KeyEntry<T>>;
  /**
   * The table's entries are live objects ({@link KeyedTable.stable}): an entry already in it is
   * not set again after a change, and the queue's entries are used without a lookup.
   */
  private readonly stable: boolean;
  private readonly eventTime: boolean;
  /**
   * Per matcher, runs whose state is empty (no partial match: a key that started none, or whose
   * partial matches all ended), reused for the next key that needs one: a state is a handful of
   * arrays, which a fresh one would allocate again as it grows. Weak: a replaced pattern's go
   * with its matcher.
   */
  private readonly pools = new WeakMap<Matcher<T, any>, RunState[]>();
  /** The last matcher {@link poolOf} was asked for, and its pool (one pattern: no WeakMap lookup per event). */
  private poolMatcher: Matcher<T, any> | undefined;
  private pool: RunState[] = [];
  // What the matcher output reports against (set before each matcher call).
  private curId = "";
  private curVersion = 0;
  private curTime = 0;
  /** Totals over the subtask's keys, for the gauges. */
  private partials = 0;
  private buffered = 0;
  /** What {@link countOf} found (fields, not a returned pair: no allocation per record). */
  private countedPartials = 0;
  private countedBuffered = 0;
  private readonly out: MatcherOutput<T>;
  /** The one pattern, when it is fixed ({@link RunnerSetup.fixedPatterns}): its run is read directly. */
  private readonly only: ActivePattern<T> | undefined;
  /** Released (empty) key entries, reused for keys that get an event again: no allocation per idle key. */
  private readonly freeEntries: KeyEntry<T>[] = [];
  /**
   * Event time: the queue of keys whose buffered events wait for the watermark, in timestamp order
   * (parallel arrays from `qHead` to `qLen`: the timestamp, the key, the normalized key, and the
   * entry when the table is stable; never truncated, so that they keep their room from one
   * watermark to the next). Not checkpointed: a restore wakes buffered keys by timers instead
   * ({@link recount}). A queued entry is never released while the watermark is below its queue
   * timestamp (it still holds the event at that timestamp), and the items at or below a watermark
   * are all drained in its {@link onWatermark}, before any event: so an item whose timestamp equals
   * its entry's `queued` still belongs to its key, even though released entries are reused.
   */
  private readonly qTs: number[] = [];
  private readonly qKey: Key[] = [];
  private readonly qNk: NormalizedKey[] = [];
  /** Per queue item: the key's entry (stable table), or null for an off-table event (in `qEv`). */
  private readonly qEntry: (KeyEntry<T> | null | undefined)[] = [];
  private readonly qEv: (T | undefined)[] = [];
  private qHead = 0;
  private qLen = 0;
  /** Event time on a stable table without a comparator: events of keys without an entry wait off-table. */
  private readonly offTable: boolean;
  /** Off-table events in the queue. */
  private offPending = 0;
  /**
   * During a watermark's drain: the entries that processed an off-table event (or were made by
   * one), each woken once the queue is drained, to take it to the watermark (an entry listed twice
   * has nothing left to do the second time).
   */
  private readonly touchedKey: Key[] = [];
  private readonly touchedNk: NormalizedKey[] = [];
  private readonly touchedEntry: KeyEntry<T>[] = [];
  /** The entry's `life` when listed: a different one means it was released (and maybe reused) since. */
  private readonly touchedLife: number[] = [];
  /**
   * The latest timestamp of the events that entries got from a checkpoint: restored, or put there
   * by {@link materialize}. An in-order event at or before it does not skip the lookup on arrival
   * (see the file comment), so that it stays after them among equal timestamps.
   */
  private entryEventsUpTo = Number.NEGATIVE_INFINITY;
  /**
   * Event time on a stable table: the queue of deadlines (see the file comment). An item is live
   * while its number is its entry's `deadlineItem`; numbers are never reused, so an item of a
   * released and reused entry does not match. Not checkpointed.
   */
  private readonly deadlines = new DeadlineQueue<KeyEntry<T>>();
  private lastItem = 0;
  /**
   * Live items of the queue of deadlines (entries whose `deadlineItem` is set). Items a key no
   * longer needs stay until due, so when they outnumber the live ones the queue is compacted:
   * its size follows the keys' partial matches, not the event rate times the `within`.
   */
  private liveDeadlines = 0;
  /** Keys whose timer fired while off-table events waited: woken after the queue is drained. */
  private readonly deferredKey: Key[] = [];
  private readonly deferredNk: NormalizedKey[] = [];

  constructor(private readonly setup: RunnerSetup<T>) {
    this.table = setup.backend.getTable<KeyEntry<T>>(CEP_STATE_TABLE);
    this.stable = this.table.stable === true;
    this.eventTime = setup.timeDomain === "event";
    this.offTable = this.eventTime && this.stable && setup.comparator === undefined;
    const patterns = setup.patterns();
    this.only = setup.fixedPatterns === true && patterns.length === 1 ? patterns[0] : undefined;
    const listener = setup.listener;
    this.out = {
      match: (m) => listener.match(this.curId, this.curVersion, m, this.curTime),
      timedOut: (p, at) => listener.timedOut(this.curId, this.curVersion, p, at),
      discardsTimedOut: listener.discardsTimedOut === true,
      dropped: (p) => {
        setup.droppedCounter?.inc();
        listener.dropped(this.curId, this.curVersion, p, this.curTime, "limit");
      },
    };
  }

  /**
   * Brings restored entries to the current format ({@link upgradeKeyEntry}), recounts the gauges,
   * and wakes the keys that were waiting in the queue (not checkpointed) by timers instead (call
   * after restore, before input).
   */
  recount(): void {
    this.partials = 0;
    this.buffered = 0;
    const backend = this.setup.backend;
    for (const [nk, restored] of [...this.table.entries()]) {
      const entry = upgradeKeyEntry<T>(restored, this.setup.operatorName, CEP_STATE_TABLE);
      this.countRuns(entry); // every run, so that one of a pattern the operator lacks is refused
      this.partials += this.countedPartials;
      this.buffered += this.countedBuffered;
      const ts = entry.ts;
      if (ts.length > 0 && ts[ts.length - 1]! > this.entryEventsUpTo)
        this.entryEventsUpTo = ts[ts.length - 1]!;
      if (entry === restored && entry.queued === null) continue;
      backend.setCurrentKey(backend.rawKey(nk), nk);
      if (entry.queued !== null) {
        entry.queued = null;
        if (entry.ts.length > 0 && !wakesBy(entry, entry.ts[0]!)) this.registerTimer(entry, entry.ts[0]!);
      }
      this.table.set(entry);
    }
    this.publish();
  }

  /** Handles one event of the current key. */
  onElement(event: T, timestamp: number): void {
    if (this.eventTime) {
      if (timestamp === Number.NEGATIVE_INFINITY) {
        throw new FleuveError(
          "FLEUVE_CONFIG_INVALID",
          `operator '${this.setup.operatorName}': a CEP pattern in event time needs records with timestamps: assign timestamps and watermarks upstream, or use timeDomain: "processing"`,
          { details: { option: "timeDomain", operator: this.setup.operatorName } },
        );
      }
      if (timestamp <= this.setup.currentWatermark()) {
        this.setup.listener.late(event, timestamp);
        return;
      }
      const inOrder = this.offTable && (this.qHead === this.qLen || this.qTs[this.qLen - 1]! <= timestamp);
      if (inOrder && timestamp > this.entryEventsUpTo) {
        this.waitOffTable(event, timestamp);
        return;
      }
      const held = this.table.get();
      if (held === undefined && inOrder) {
        this.waitOffTable(event, timestamp);
        return;
      }
      const entry = held ?? this.freeEntries.pop() ?? newKeyEntry<T>();
      bufferEvent(entry, event, timestamp);
      this.buffered++;
      if (!wakesBy(entry, timestamp)) this.wakeAt(entry, timestamp);
      // Set after the change: a backend that caches entries (LMDB) may write one out on set.
      if (held === undefined || !this.stable) this.table.set(entry);
      this.publish();
      return;
    }
    const now = this.setup.timers.currentProcessingTime();
    const held = this.table.get();
    const entry = held ?? this.freeEntries.pop() ?? newKeyEntry<T>();
    if (this.setup.comparator !== undefined) {
      // Flink's CepOperator: stamped with the processing time, held until the next millisecond,
      // then the events of one millisecond go in the comparator's order.
      bufferEvent(entry, event, now);
      this.buffered++;
      if (!wakesBy(entry, now + 1)) this.registerTimer(entry, now + 1);
      this.table.set(entry);
      this.publish();
      return;
    }
    this.countOf(entry);
    const p0 = this.countedPartials;
    const b0 = this.countedBuffered;
    this.advance(entry, now, true);
    this.feed(entry, event, now);
    this.settle(entry, p0, b0, held === undefined);
  }

  /** Event time: the current key's event waits in the queue itself (see the file comment). */
  private waitOffTable(event: T, timestamp: number): void {
    const backend = this.setup.backend;
    const n = this.qLen;
    this.qTs[n] = timestamp;
    this.qKey[n] = backend.getCurrentKey();
    this.qNk[n] = backend.currentKey;
    this.qEntry[n] = null;
    this.qEv[n] = event;
    this.qLen = n + 1;
    this.offPending++;
    this.buffered++;
    this.publish();
  }

  /** Handles the current key's timer (event or processing time). */
  onTimer(time: number): void {
    const entry = this.table.get();
    if (entry === undefined) return; // a timer of a key released since
    // Timers of one key fire in time order: every one up to `time` has fired now.
    const timers = entry.timers;
    let n = 0;
    while (n < timers.length && timers[n]! <= time) n++;
    if (n > 0) removeFirst(timers, n);
    if (this.offPending > 0) {
      // Events of this key may still wait off-table: wake it once the queue is drained.
      const backend = this.setup.backend;
      this.deferredKey.push(backend.getCurrentKey());
      this.deferredNk.push(backend.currentKey);
      return;
    }
    this.wake(entry);
  }

  /**
   * Event time, when the watermark reached `w` (after the timers up to `w` fired, before the
   * watermark goes downstream): wakes the queued keys whose buffered events became due.
   */
  onWatermark(w: number): void {
    if (!this.eventTime) return;
    const qTs = this.qTs;
    const backend = this.setup.backend;
    while (this.qHead < this.qLen && qTs[this.qHead]! <= w) {
      const i = this.qHead++;
      backend.setCurrentKey(this.qKey[i]!, this.qNk[i]!);
      const queued = this.qEntry[i];
      if (queued === null) {
        const event = this.qEv[i] as T;
        this.qEv[i] = undefined;
        this.offPending--;
        this.processOffTable(event, qTs[i]!);
        continue;
      }
      const entry = this.stable ? queued : this.table.get();
      // Released or woken by a timer since (its queue place is then cleared): nothing to do here.
      if (entry === undefined || entry.queued !== qTs[i]) continue;
      // Later events of its key may wait off-table behind this item: a wake now would take the
      // key to `w` before them. Listed instead: an off-table event of the key processes the
      // entry's earlier events first, and the wake after the drain takes it to `w`.
      if (this.offPending > 0) this.touch(entry);
      else this.wake(entry);
    }
    // Keys whose timers fired while off-table events waited, then keys that processed off-table
    // events: every event up to `w` is processed now, so each is taken to `w` (a key woken twice
    // has nothing left to do the second time).
    if (this.deferredKey.length > 0) {
      const keys = this.deferredKey;
      const nks = this.deferredNk;
      for (let i = 0; i < keys.length; i++) {
        backend.setCurrentKey(keys[i]!, nks[i]!);
        const entry = this.table.get();
        if (entry !== undefined) this.wake(entry);
      }
      emptyArray(keys);
      emptyArray(nks);
    }
    if (this.touchedEntry.length > 0) {
      const entries = this.touchedEntry;
      const lives = this.touchedLife;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        // Unless released (and perhaps reused by another key) since.
        if (entry.life !== lives[i]) continue;
        backend.setCurrentKey(this.touchedKey[i]!, this.touchedNk[i]!);
        this.wake(entry);
      }
      emptyArray(entries);
      emptyArray(lives);
      emptyArray(this.touchedKey);
      emptyArray(this.touchedNk);
    }
    if (this.deadlines.peek() <= w) this.drainDeadlines(w);
    const head = this.qHead;
    if (head === this.qLen) {
      this.qHead = 0;
      this.qLen = 0;
    } else if (head > 4096 && head * 2 > this.qLen) {
      qTs.copyWithin(0, head, this.qLen);
      this.qKey.copyWithin(0, head, this.qLen);
      this.qNk.copyWithin(0, head, this.qLen);
      if (this.stable) this.qEntry.copyWithin(0, head, this.qLen);
      if (this.offTable) {
        this.qEv.copyWithin(0, head, this.qLen);
        this.qEv.fill(undefined, this.qLen - head, this.qLen); // no stale references to events
      }
      this.qLen -= head;
      this.qHead = 0;
    }
  }

  /**
   * Wakes the keys whose queued deadline the watermark `w` reached (after the queue of events: their
   * events up to `w` are all in their entries by then). A key woken since has nothing left to do.
   */
  private drainDeadlines(w: number): void {
    const backend = this.setup.backend;
    const q = this.deadlines;
    while (q.popDue(w)) {
      const entry = q.entry;
      if (entry.deadlineItem !== q.item) continue; // released, or a later item replaced it
      backend.setCurrentKey(q.key, q.nk);
      this.wake(entry);
    }
  }

  /**
   * An off-table event of the current key, due at `t` (the watermark passed it): to the patterns,
   * on a run of the pool when the key has no entry (it gets one only if a partial match starts);
   * else after the entry's own waiting events before `t`, time advancing to `t` first.
   */
  private processOffTable(event: T, t: number): void {
    const held = this.table.get();
    this.buffered--;
    if (held === undefined) {
      this.curTime = t;
      const patterns = this.setup.patterns();
      let entry: KeyEntry<T> | undefined;
      for (let i = 0; i < patterns.length; i++) {
        const p = patterns[i]!;
        // Most events of a key that holds nothing start nothing: no state is taken for them.
        if (p.matcher.mayStart !== undefined && !p.matcher.mayStart(event, t)) continue;
        this.curId = p.id;
        this.curVersion = p.version;
        const run = this.poolOf(p.matcher).pop() ?? { v: p.version, s: p.matcher.createState() };
        p.matcher.process(run.s, event, t, this.out);
        if (p.matcher.isEmpty(run.s)) this.retire(p.matcher, run);
        else {
          run.v = p.version;
          entry ??= this.freeEntries.pop() ?? newKeyEntry<T>();
          entry.runs[p.id] = run;
        }
      }
      if (entry !== undefined) {
        this.countOf(entry);
        this.partials += this.countedPartials;
        this.buffered += this.countedBuffered;
        this.table.set(entry);
        this.touch(entry);
      }
      this.publish();
      return;
    }
    this.countOf(held);
    const p0 = this.countedPartials;
    const b0 = this.countedBuffered;
    // Its own waiting events before `t` first; those at `t` arrived after this one (see the file
    // comment), so they stay after it.
    let due = 0;
    const ts = held.ts;
    while (due < ts.length && ts[due]! < t) due++;
    if (due > 0) this.processDue(held, due);
    // (Time may have reached `t` already in this drain, for an earlier event of the key: advancing
    // again to where it is does nothing.)
    this.advance(held, t, false);
    this.feed(held, event, t);
    if (this.holdsNothing(held)) {
      // Ended by this event (a payment after its order): released now, no wake after the drain.
      this.settle(held, p0, b0);
      return;
    }
    this.touch(held);
    this.countOf(held);
    this.partials += this.countedPartials - p0;
    this.buffered += this.countedBuffered - b0;
    this.publish();
  }

  /** Lists `entry` (of the current key), which processed an off-table event, for a wake after the drain. */
  private touch(entry: KeyEntry<T>): void {
    const backend = this.setup.backend;
    this.touchedKey.push(backend.getCurrentKey());
    this.touchedNk.push(backend.currentKey);
    this.touchedEntry.push(entry);
    this.touchedLife.push(entry.life);
  }

  /**
   * Before a checkpoint (between two records): puts every off-table event into its key's entry, so
   * that keyed state holds every waiting event, as it always did. The queue item of a key's
   * earliest such event then wakes its entry. Events of one key are put back latest first, each
   * before the entry's events with an equal timestamp: they arrived before those.
   */
  materialize(): void {
    if (this.deadlines.size > 0) this.deadlinesToTimers();
    if (this.offPending === 0) return;
    const backend = this.setup.backend;
    for (let i = this.qLen - 1; i >= this.qHead; i--) {
      if (this.qEntry[i] !== null) continue;
      const t = this.qTs[i]!;
      backend.setCurrentKey(this.qKey[i]!, this.qNk[i]!);
      const held = this.table.get();
      const entry = held ?? this.freeEntries.pop() ?? newKeyEntry<T>();
      bufferEventFirst(entry, this.qEv[i] as T, t);
      if (t > this.entryEventsUpTo) this.entryEventsUpTo = t;
      if (!wakesBy(entry, t)) entry.queued = t; // this item wakes it (else it is left stale)
      this.qEntry[i] = entry;
      this.qEv[i] = undefined;
      this.offPending--;
      if (held === undefined) this.table.set(entry);
    }
  }

  /**
   * Before a checkpoint: a timer for each live item of the queue of deadlines, which is then
   * emptied, so that a snapshot's timers wake every key as they did before the queue existed.
   */
  private deadlinesToTimers(): void {
    const backend = this.setup.backend;
    this.deadlines.drainAll((t, key, nk, entry, item) => {
      if (entry.deadlineItem !== item) return;
      entry.deadline = null;
      entry.deadlineItem = 0;
      this.liveDeadlines--;
      if (wakesBy(entry, t)) return;
      backend.setCurrentKey(key, nk);
      this.registerTimer(entry, t);
    });
  }

  /** The current key was woken up (timer or queue): processes what is due, then settles it. */
  private wake(entry: KeyEntry<T>): void {
    this.countOf(entry);
    const p0 = this.countedPartials;
    const b0 = this.countedBuffered;
    if (this.eventTime) {
      const w = this.setup.currentWatermark();
      this.drainBuffer(entry, w);
      if (entry.queued !== null && entry.queued <= w) entry.queued = null;
      if (entry.deadline !== null && entry.deadline <= w) this.dropDeadline(entry);
    } else if (entry.ts.length > 0) {
      // Held events (a comparator): every one stamped before now, in order, then time to now.
      const now = this.setup.timers.currentProcessingTime();
      this.drainBuffer(entry, now - 1);
      this.advance(entry, now, true);
    } else {
      this.advance(entry, this.setup.timers.currentProcessingTime(), true);
    }
    this.settle(entry, p0, b0);
  }

  /**
   * Calls `fn` on the entry of every key of this subtask, with the key set (pattern updates use it
   * to drop or retire the runs of a replaced pattern), then settles the entry.
   */
  forEachKey(fn: (entry: KeyEntry<T>) => void): void {
    const backend = this.setup.backend;
    const keys = [...this.table.entries()].map(([nk]) => nk);
    for (const nk of keys) {
      backend.setCurrentKey(backend.rawKey(nk), nk);
      const entry = this.table.get();
      if (entry === undefined) continue;
      this.countOf(entry);
      const p0 = this.countedPartials;
      const b0 = this.countedBuffered;
      fn(entry);
      this.settle(entry, p0, b0);
    }
  }

  /**
   * Drops the run `runId` of the current key's entry (a pattern update with `onReplace: "drop"`),
   * reporting each of its partial matches to the listener as dropped at `timestamp`.
   */
  dropRun(entry: KeyEntry<T>, runId: string, timestamp: number): void {
    const run = entry.runs[runId];
    if (run === undefined) return;
    const partials = this.matcherOf(runId, run).partials(run.s);
    this.bind(runId, run);
    for (const p of partials) {
      this.setup.droppedCounter?.inc();
      this.setup.listener.dropped(this.curId, this.curVersion, p, timestamp, "replaced");
    }
    delete entry.runs[runId];
  }

  /** Event time: processes every buffered event up to the watermark `w`, then advances to `w`. */
  private drainBuffer(entry: KeyEntry<T>, w: number): void {
    const due = countDue(entry, w);
    if (due > 0) this.processDue(entry, due);
    this.advance(entry, w, true);
  }

  /**
   * Processes the first `due` buffered events, time advancing to each timestamp first, and
   * removes them. (Time may be there already, when the key processed an off-table event with that
   * timestamp in this drain: advancing again to where it is does nothing, since no deadline of a
   * partial match lies at or before the time of its last event.)
   */
  private processDue(entry: KeyEntry<T>, due: number): void {
    // In place: nothing adds to this key's buffer while it is drained (results go downstream).
    const ts = entry.ts;
    const ev = entry.ev;
    const cmp = this.setup.comparator;
    let i = 0;
    while (i < due) {
      const t = ts[i]!;
      let j = i + 1;
      while (j < due && ts[j] === t) j++;
      this.advance(entry, t, false);
      if (cmp !== undefined && j - i > 1) {
        // Array.prototype.sort is stable: ties under the comparator keep arrival order.
        const group = ev.slice(i, j).sort(cmp);
        for (const e of group) this.feed(entry, e, t);
      } else {
        for (let k = i; k < j; k++) this.feed(entry, ev[k]!, t);
      }
      i = j;
    }
    removeFirst(ts, due);
    removeFirst(ev, due);
  }

  /**
   * Advances every run of the entry to `time`: first to each deadline before it, one by one (so
   * results carry their own deadline as timestamp), then to `time` itself. `inclusive`: deadlines
   * at `time` are reached one by one too (the same result, reported the same way).
   */
  private advance(entry: KeyEntry<T>, time: number, inclusive: boolean): void {
    const runs = entry.runs;
    const only = this.only;
    if (only !== undefined) {
      const run = runs[only.id];
      if (run !== undefined) this.advanceRun(runs, only.id, run, only.matcher, time, inclusive);
      return;
    }
    for (const runId in runs) {
      const run = runs[runId]!;
      this.advanceRun(runs, runId, run, this.matcherOf(runId, run), time, inclusive);
    }
  }

  /** {@link advance} for one run of `runs`. */
  private advanceRun(
    runs: Record<string, RunState>,
    runId: string,
    run: RunState,
    matcher: Matcher<T, any>,
    time: number,
    inclusive: boolean,
  ): void {
    this.bind(runId, run);
    for (;;) {
      const d = matcher.nextDeadline(run.s);
      if (d === undefined || d > time || (!inclusive && d === time)) break;
      this.curTime = d;
      matcher.advanceTime(run.s, d, this.out);
      const next = matcher.nextDeadline(run.s);
      if (next !== undefined && next <= d) break; // a matcher that does not move on: avoid a loop
    }
    this.curTime = time;
    matcher.advanceTime(run.s, time, this.out);
    if (matcher.isEmpty(run.s)) {
      delete runs[runId];
      if (run.finishing === undefined) this.retire(matcher, run);
    }
  }

  /**
   * Feeds one event, at `time`, to every finishing run of the entry (older partial matches first),
   * then to every active pattern.
   */
  private feed(entry: KeyEntry<T>, event: T, time: number): void {
    const runs = entry.runs;
    // Fixed patterns: no run ever finishes under a replaced version.
    if (this.only === undefined) this.feedFinishing(runs, event, time);
    this.curTime = time;
    const patterns = this.setup.patterns();
    for (let i = 0; i < patterns.length; i++) {
      const p = patterns[i]!;
      const run = runs[p.id];
      this.curId = p.id;
      this.curVersion = p.version;
      if (run !== undefined && run.v !== p.version) {
        // Only a restore from a subtask that had not applied an update yet can leave this: the
        // run's version is gone, and with it what to do with its partial matches. Drop them.
        delete runs[p.id];
      } else if (run !== undefined) {
        p.matcher.process(run.s, event, time, this.out);
        if (p.matcher.isEmpty(run.s)) {
          delete runs[p.id];
          this.retire(p.matcher, run);
        }
        continue;
      }
      if (p.matcher.mayStart !== undefined && !p.matcher.mayStart(event, time)) continue;
      const fresh = this.poolOf(p.matcher).pop() ?? { v: p.version, s: p.matcher.createState() };
      p.matcher.process(fresh.s, event, time, this.out);
      if (p.matcher.isEmpty(fresh.s)) this.retire(p.matcher, fresh);
      else {
        fresh.v = p.version;
        runs[p.id] = fresh;
      }
    }
  }

  /** The first part of {@link feed}: the runs finishing under a replaced pattern version, oldest first. */
  private feedFinishing(runs: Record<string, RunState>, event: T, time: number): void {
    for (const runId in runs) {
      const run = runs[runId]!;
      if (run.finishing === undefined) continue;
      const matcher = this.matcherOf(runId, run);
      this.bind(runId, run);
      this.curTime = time;
      matcher.process(run.s, event, time, this.out, false);
      if (matcher.isEmpty(run.s)) delete runs[runId];
    }
  }

  /** Keeps an active pattern's run, whose state is empty, for reuse ({@link pools}). */
  private retire(matcher: Matcher<T, any>, run: RunState): void {
    const pool = this.poolOf(matcher);
    if (pool.length < MAX_POOLED_RUNS && matcher.recycle(run.s)) pool.push(run);
  }

  /** The pool of empty runs of `matcher` ({@link pools}). */
  private poolOf(matcher: Matcher<T, any>): RunState[] {
    if (matcher === this.poolMatcher) return this.pool;
    let pool = this.pools.get(matcher);
    if (pool === undefined) {
      pool = [];
      this.pools.set(matcher, pool);
    }
    this.poolMatcher = matcher;
    this.pool = pool;
    return pool;
  }

  private bind(runId: string, run: RunState): void {
    const at = runId.lastIndexOf("@");
    this.curId = run.finishing === undefined || at < 0 ? runId : runId.slice(0, at);
    this.curVersion = run.v;
  }

  private matcherOf(runId: string, run: RunState): Matcher<T, any> {
    if (run.finishing !== undefined) return this.setup.finishingMatcher(runId, run);
    const patterns = this.setup.patterns();
    for (let i = 0; i < patterns.length; i++) if (patterns[i]!.id === runId) return patterns[i]!.matcher;
    // Only a pattern update leaves a run without its pattern, and it sweeps the keys first.
    throw new FleuveError(
      "FLEUVE_STATE_INVALID",
      `operator '${this.setup.operatorName}': keyed state holds partial matches of pattern '${runId}', which the operator does not run`,
      { details: { operator: this.setup.operatorName, pattern: runId } },
    );
  }

  /**
   * Saves the entry (or releases it when idle) and sets its timer to what it needs next. `fresh`:
   * the entry is not in the table yet (else a stable table needs no set).
   */
  private settle(entry: KeyEntry<T>, p0: number, b0: number, fresh = false): void {
    this.countOf(entry);
    this.partials += this.countedPartials - p0;
    this.buffered += this.countedBuffered - b0;
    this.publish();
    if (this.holdsNothing(entry)) {
      this.clearTimers(entry);
      entry.queued = null;
      if (entry.deadlineItem > 0) this.dropDeadline(entry); // its queue item is skipped
      this.table.delete();
      entry.life++;
      // Empty (no event, no run, no timer): ready for the next key. A snapshot never holds it,
      // since snapshots are serialized when taken.
      if (this.freeEntries.length < MAX_FREE_ENTRIES) this.freeEntries.push(entry);
      return;
    }
    if (entry.ts.length > 0) {
      if (this.eventTime) {
        if (!wakesBy(entry, entry.ts[0]!)) this.wakeAt(entry, entry.ts[0]!);
      } else if (!wakesBy(entry, entry.ts[0]! + 1)) {
        this.registerTimer(entry, entry.ts[0]! + 1);
      }
    }
    let next = Number.POSITIVE_INFINITY;
    const only = this.only;
    if (only !== undefined) {
      const run = entry.runs[only.id];
      const d = run === undefined ? undefined : only.matcher.nextDeadline(run.s);
      if (d !== undefined) next = d;
    } else {
      for (const runId in entry.runs) {
        const run = entry.runs[runId]!;
        const d = this.matcherOf(runId, run).nextDeadline(run.s);
        if (d !== undefined && d < next) next = d;
      }
    }
    if (next !== Number.POSITIVE_INFINITY && !wakesBy(entry, next)) this.deadlineAt(entry, next);
    if (fresh || !this.stable) this.table.set(entry);
  }

  /** The entry holds no event and no partial match: its key can be released. */
  private holdsNothing(entry: KeyEntry<T>): boolean {
    return this.only !== undefined
      ? entry.ts.length === 0 && entry.runs[this.only.id] === undefined
      : isIdle(entry);
  }

  /**
   * Event time: wakes the current key when the watermark reaches `t`, its buffer's first
   * timestamp: through the queue when `t` keeps it in order, else by a timer.
   */
  private wakeAt(entry: KeyEntry<T>, t: number): void {
    const n = this.qLen;
    if (this.qHead === n || this.qTs[n - 1]! <= t) {
      const backend = this.setup.backend;
      this.qTs[n] = t;
      this.qKey[n] = backend.getCurrentKey();
      this.qNk[n] = backend.currentKey;
      if (this.stable) this.qEntry[n] = entry;
      this.qLen = n + 1;
      entry.queued = t;
    } else {
      this.registerTimer(entry, t);
    }
  }

  /**
   * Wakes the current key when time reaches its next deadline `t`, earlier than anything that wakes
   * it now: through the queue of deadlines (event time, stable table), else by a timer.
   */
  private deadlineAt(entry: KeyEntry<T>, t: number): void {
    if (this.eventTime && this.stable) {
      const backend = this.setup.backend;
      const item = ++this.lastItem;
      const q = this.deadlines;
      q.push(t, backend.getCurrentKey(), backend.currentKey, entry, item);
      if (entry.deadline === null) this.liveDeadlines++; // else it replaces the entry's live item
      entry.deadline = t;
      entry.deadlineItem = item;
      if (q.size > 2 * this.liveDeadlines + COMPACT_SLACK) q.compact(isLiveDeadline);
      return;
    }
    this.registerTimer(entry, t);
  }

  /** The entry's queued deadline is no longer needed (passed, or the key released). */
  private dropDeadline(entry: KeyEntry<T>): void {
    entry.deadline = null;
    entry.deadlineItem = 0;
    this.liveDeadlines--;
  }

  /** Registers a timer at `t`, earlier than every timer the current key has (see the file comment). */
  private registerTimer(entry: KeyEntry<T>, t: number): void {
    if (this.eventTime) this.setup.timers.registerEventTimeTimer(NS, t);
    else this.setup.timers.registerProcessingTimeTimer(NS, t);
    if (entry.timers.length === 0) entry.timers.push(t);
    else entry.timers.unshift(t);
  }

  /** Deletes every timer of the current key (it is released). */
  private clearTimers(entry: KeyEntry<T>): void {
    const timers = this.setup.timers;
    const list = entry.timers;
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (this.eventTime) timers.deleteEventTimeTimer(NS, t);
      else timers.deleteProcessingTimeTimer(NS, t);
    }
    emptyArray(entry.timers);
  }

  /** Counts the partial matches and held events (waiting, and in the matchers) of one entry. */
  private countOf(entry: KeyEntry<T>): void {
    const only = this.only;
    if (only === undefined) {
      this.countRuns(entry);
      return;
    }
    const run = entry.runs[only.id];
    this.countedPartials = run === undefined ? 0 : only.matcher.partialMatches(run.s);
    this.countedBuffered = entry.ts.length + (run === undefined ? 0 : only.matcher.bufferedEvents(run.s));
  }

  /** {@link countOf} over every run of the entry. */
  private countRuns(entry: KeyEntry<T>): void {
    let partials = 0;
    let buffered = entry.ts.length;
    for (const runId in entry.runs) {
      const run = entry.runs[runId]!;
      const m = this.matcherOf(runId, run);
      partials += m.partialMatches(run.s);
      buffered += m.bufferedEvents(run.s);
    }
    this.countedPartials = partials;
    this.countedBuffered = buffered;
  }

  private publish(): void {
    this.setup.partialMatchesGauge?.set(this.partials);
    this.setup.bufferedEventsGauge?.set(this.buffered);
  }
}
