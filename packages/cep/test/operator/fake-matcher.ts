/**
 * A small matcher for the operator tests (not the NFA): "an `a`, then any `b` within `within` ms"
 * (every open `a` matches the first `b` after it), at most `limit` open `a`s per key (the oldest
 * dropped), with a log of every call it gets, so that tests check the order in which the operator
 * drives a matcher. Its state is plain data, as the NFA's is.
 */
import type { Matcher, MatcherOutput } from "../../src/operator/matcher.js";

/** A test event: a kind, a key and a label naming it in expectations. */
export interface Ev {
  kind: "a" | "b" | "x";
  key: string;
  id: string;
}

export interface FakeState {
  open: { a: Ev; at: number }[];
}

export type Call = ["process", string, number] | ["advance", number];

export class FakeMatcher implements Matcher<Ev, FakeState> {
  readonly log: Call[] = [];
  constructor(
    readonly windowTime: number,
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {}
  createState(): FakeState {
    return { open: [] };
  }
  process(state: FakeState, event: Ev, timestamp: number, out: MatcherOutput<Ev>, startNew = true): void {
    this.log.push(["process", event.id, timestamp]);
    if (event.kind === "b") {
      for (const o of state.open) out.match({ a: [o.a], b: [event] });
      state.open.length = 0;
    } else if (event.kind === "a" && startNew) {
      state.open.push({ a: event, at: timestamp });
      while (state.open.length > this.limit) out.dropped({ a: [state.open.shift()!.a] });
    }
  }
  advanceTime(state: FakeState, time: number, out: MatcherOutput<Ev>): void {
    this.log.push(["advance", time]);
    while (state.open.length > 0 && state.open[0]!.at + this.windowTime <= time) {
      const o = state.open.shift()!;
      out.timedOut({ a: [o.a] }, o.at + this.windowTime);
    }
  }
  nextDeadline(state: FakeState): number | undefined {
    return state.open.length === 0 ? undefined : state.open[0]!.at + this.windowTime;
  }
  isEmpty(state: FakeState): boolean {
    return state.open.length === 0;
  }
  recycle(): boolean {
    return true;
  }
  partialMatches(state: FakeState): number {
    return state.open.length;
  }
  partials(state: FakeState): Record<string, Ev[]>[] {
    return state.open.map((o) => ({ a: [o.a] }));
  }
  bufferedEvents(state: FakeState): number {
    return state.open.length;
  }
}

/** What the fake finds when fed `events` (already in processing order) directly, with the same time rules. */
export function fakeReference(
  events: readonly { ev: Ev; ts: number }[],
  within: number,
  end: number,
): { matches: string[]; timedOut: string[] } {
  const matches: string[] = [];
  const timedOut: string[] = [];
  const open = new Map<string, { a: Ev; at: number }[]>();
  const expire = (key: string, t: number) => {
    const o = open.get(key) ?? [];
    while (o.length > 0 && o[0]!.at + within <= t) {
      const x = o.shift()!;
      timedOut.push(`${x.a.id}@${x.at + within}`);
    }
  };
  for (const { ev, ts } of events) {
    expire(ev.key, ts);
    const o = open.get(ev.key) ?? [];
    open.set(ev.key, o);
    if (ev.kind === "b") {
      for (const x of o) matches.push(`${x.a.id}-${ev.id}@${ts}`);
      o.length = 0;
    } else if (ev.kind === "a") o.push({ a: ev, at: ts });
  }
  for (const key of open.keys()) expire(key, end);
  return { matches, timedOut };
}
