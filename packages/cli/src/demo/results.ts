/**
 * What the demo job computes: page statistics per sliding event-time window, and user sessions.
 */

/** Views and unique users of one page in one window [start, end). */
export interface PageWindowStats {
  readonly kind: "page";
  readonly page: string;
  readonly start: number;
  readonly end: number;
  readonly views: number;
  readonly uniqueUsers: number;
}

/** One closed session of a user: first and last view, and the number of views. */
export interface UserSession {
  readonly kind: "session";
  readonly user: string;
  /** Session window [start, end): end is the last view + the gap. */
  readonly start: number;
  readonly end: number;
  readonly views: number;
}

/** Anything the demo's report operator receives. */
export type DemoResult = PageWindowStats | UserSession;

/** Accumulator of page statistics: a view count and the set of users. */
export interface PageAcc {
  views: number;
  users: Set<string>;
}

/** Counting views and distinct users (an AggregateFunction: mergeable for sliding windows). */
export const pageStatsAggregate = {
  createAccumulator: (): PageAcc => ({ views: 0, users: new Set() }),
  add(e: { user: string }, acc: PageAcc): PageAcc {
    acc.views++;
    acc.users.add(e.user);
    return acc;
  },
  getResult: (acc: PageAcc) => ({ views: acc.views, uniqueUsers: acc.users.size }),
  merge(a: PageAcc, b: PageAcc): PageAcc {
    a.views += b.views;
    for (const u of b.users) a.users.add(u);
    return a;
  },
};
