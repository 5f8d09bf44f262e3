/**
 * A simulated clickstream: users open sessions, view pages with think times between views, and
 * pause between sessions. Events reach the job out of order, each delayed by at most
 * `maxDelayMs` (as from many mobile clients), so `forBoundedOutOfOrderness(maxDelayMs)` never
 * produces a late event.
 *
 * The simulation is deterministic for a seed: users are split among source subtasks, and each
 * subtask simulates its users in event-time order. Event time is simulated (it starts at
 * `startTime` and runs as fast as the rate allows), so results do not depend on the machine.
 */
import type { PollStatus, Source, SourceOutput, SourceReader, SourceReaderContext } from "@fleuve/core";

/** One page view. */
export interface ClickEvent {
  readonly user: string;
  readonly page: string;
  /** The user's session number (1, 2, ...) as the simulation intended it. */
  readonly session: number;
  /** Event time (ms since the epoch). */
  readonly ts: number;
}

/** Options of {@link ClickstreamSource}. */
export interface ClickstreamOptions {
  /** Total events over all subtasks; Infinity for no count limit. */
  readonly events: number;
  /** Stop after this many ms of processing time (bounded by time); undefined: no time limit. */
  readonly durationMs?: number;
  /** Events per second over all subtasks; undefined: as fast as possible. */
  readonly ratePerSecond?: number;
  /** Run until cancelled (no count or time limit). */
  readonly unbounded?: boolean;
  readonly users: number;
  readonly seed: number;
  /** Largest delay (ms of event time) between an event happening and reaching the job. */
  readonly maxDelayMs: number;
  /** Event time of the simulation start. */
  readonly startTime: number;
  /** Longest think time inside a session; must stay below the session gap of the job. */
  readonly maxThinkMs: number;
  /** Shortest pause between two sessions of a user; must exceed the session gap of the job. */
  readonly minPauseMs: number;
}

/** Live figures shared by the readers of this process (read by the progress line). */
export class ClickstreamStats {
  /** Largest event time emitted so far. */
  maxEventTime = Number.NEGATIVE_INFINITY;
  /** Events emitted so far. */
  emitted = 0;
  /** Sessions the simulation started (their events may not all be emitted yet). */
  sessionsStarted = 0;
}

/** The pages of the simulated site, most popular first (weights follow a Zipf-like curve). */
export const PAGES: readonly string[] = [
  "/",
  "/search",
  "/products",
  "/products/espresso-machine",
  "/products/grinder",
  "/cart",
  "/products/milk-frother",
  "/products/kettle",
  "/checkout",
  "/account",
  "/products/scale",
  "/blog",
  "/blog/latte-art",
  "/help",
  "/products/beans-ethiopia",
  "/products/beans-colombia",
  "/about",
  "/blog/water-chemistry",
  "/careers",
  "/contact",
];

const PAGE_CDF: number[] = (() => {
  const w = PAGES.map((_, i) => 1 / (i + 1));
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  return w.map((x) => (acc += x / total));
})();

/** Small, fast, seedable PRNG (mulberry32): the demo must be reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A binary min-heap (users by next event time, events by arrival time). */
class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  peek(): T | undefined {
    return this.items[0];
  }
  push(t: T): void {
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

interface SimUser {
  readonly name: string;
  nextTs: number;
  session: number;
  /** Page views left in the current session (0: the next event starts a new session). */
  left: number;
}

interface Pending {
  readonly event: ClickEvent;
  readonly arrival: number;
  /** Tie-breaker so equal arrival times keep generation order (determinism). */
  readonly seq: number;
}

/** The clickstream as a Fleuve source (one reader per subtask, users split among them). */
export class ClickstreamSource implements Source<ClickEvent> {
  readonly bounded: boolean;
  constructor(
    private readonly options: ClickstreamOptions,
    /** Shared figures for the progress line (same thread). */
    readonly stats: ClickstreamStats = new ClickstreamStats(),
  ) {
    this.bounded = !options.unbounded;
  }

  createReader(ctx: SourceReaderContext): SourceReader<ClickEvent> {
    return new ClickstreamReader(this.options, this.stats, ctx);
  }
}

class ClickstreamReader implements SourceReader<ClickEvent> {
  private readonly rnd: () => number;
  private readonly users = new Heap<SimUser>(
    (a, b) => a.nextTs < b.nextTs || (a.nextTs === b.nextTs && a.name < b.name),
  );
  private readonly pending = new Heap<Pending>(
    (a, b) => a.arrival < b.arrival || (a.arrival === b.arrival && a.seq < b.seq),
  );
  private readonly quota: number;
  private readonly rate: number | undefined;
  private readonly started: number;
  private generated = 0;
  private emitted = 0;
  private seq = 0;
  private stopGenerating = false;
  private wait = 1;

  constructor(
    private readonly o: ClickstreamOptions,
    private readonly stats: ClickstreamStats,
    private readonly ctx: SourceReaderContext,
  ) {
    const p = ctx.parallelism;
    const s = ctx.subtaskIndex;
    this.rnd = mulberry32(o.seed * 7919 + s);
    // Only subtasks that simulate at least one user share the event count.
    const q = Math.min(p, o.users);
    this.quota =
      s >= q
        ? 0
        : o.unbounded || !Number.isFinite(o.events)
          ? Infinity
          : Math.floor(o.events / q) + (s < o.events % q ? 1 : 0);
    this.rate = o.ratePerSecond === undefined ? undefined : o.ratePerSecond / p;
    this.started = ctx.now();
    // Users start with a pause spread over one average cycle, so the event rate is steady early on.
    for (let u = s; u < o.users; u += p) {
      const name = `u${String(u).padStart(5, "0")}`;
      this.users.push({
        name,
        nextTs: o.startTime + Math.floor(this.rnd() * 4 * o.minPauseMs),
        session: 0,
        left: 0,
      });
    }
  }

  poll(out: SourceOutput<ClickEvent>, max: number): PollStatus {
    let budget = max;
    const now = this.ctx.now();
    if (this.rate !== undefined) {
      const allowed = Math.floor(((now - this.started) / 1000) * this.rate) + 1 - this.emitted;
      if (allowed <= 0) {
        this.wait = Math.max(1, Math.ceil(((this.emitted + 1) / this.rate) * 1000 - (now - this.started)));
        return "nothing-yet";
      }
      budget = Math.min(max, allowed);
    }
    if (!this.o.unbounded && this.o.durationMs !== undefined && now - this.started >= this.o.durationMs) {
      this.stopGenerating = true;
    }
    let n = 0;
    while (n < budget) {
      const next = this.nextEvent();
      if (next === undefined) break;
      out.collect(next, next.ts);
      n++;
    }
    this.emitted += n;
    const st = this.stats;
    st.emitted += n;
    if (this.stopGenerating && this.pending.size === 0) return "end";
    return "more";
  }

  available(): Promise<void> {
    return new Promise((r) => setTimeout(r, this.wait));
  }

  /** The next event in arrival order, or undefined when the input is exhausted. */
  private nextEvent(): ClickEvent | undefined {
    for (;;) {
      const p = this.pending.peek();
      if (this.stopGenerating || this.generated >= this.quota) {
        this.stopGenerating = true;
        if (!p) return undefined;
        return this.take();
      }
      // Every event not yet generated happens at or after the next user's time, so it arrives
      // no earlier: a pending event arriving before that can go out now.
      const frontier = this.users.peek()!.nextTs;
      if (p && p.arrival <= frontier) return this.take();
      this.generate();
    }
  }

  private take(): ClickEvent {
    const e = this.pending.pop()!.event;
    if (e.ts > this.stats.maxEventTime) this.stats.maxEventTime = e.ts;
    return e;
  }

  private generate(): void {
    const o = this.o;
    const rnd = this.rnd;
    const u = this.users.pop()!;
    if (u.left === 0) {
      u.session++;
      this.stats.sessionsStarted++;
      // 1 + geometric: mean about 7 page views per session
      u.left = 1 + Math.floor(Math.log(1 - rnd()) / Math.log(6 / 7));
    }
    const event: ClickEvent = { user: u.name, page: pickPage(rnd()), session: u.session, ts: u.nextTs };
    this.pending.push({ event, arrival: u.nextTs + Math.floor(rnd() * (o.maxDelayMs + 1)), seq: this.seq++ });
    this.generated++;
    u.left--;
    if (u.left > 0) {
      // think time: exponential, mean 6 s, kept under the session gap
      u.nextTs += Math.min(o.maxThinkMs, 500 + Math.floor(-Math.log(1 - rnd()) * 5500));
    } else {
      // pause between sessions: longer than the session gap
      u.nextTs += o.minPauseMs + Math.floor(-Math.log(1 - rnd()) * 3 * o.minPauseMs);
    }
    this.users.push(u);
  }
}

function pickPage(x: number): string {
  for (let i = 0; i < PAGE_CDF.length; i++) if (x <= PAGE_CDF[i]!) return PAGES[i]!;
  return PAGES[PAGES.length - 1]!;
}
