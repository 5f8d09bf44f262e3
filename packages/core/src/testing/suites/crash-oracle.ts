/**
 * The input and the brute-force oracle of the connector crash jobs (a job SIGKILLed at random
 * moments must commit exactly this): per user a running total of amounts, and per user and 1 s
 * tumbling window the count and sum. The embedded log's and Kafka's crash tests use it.
 */

/** Event `i` of `users` users; timestamps increase per user, so per partition too. */
export function crashEvent(i: number, users: number) {
  const user = (i * 7) % users;
  return { user, amount: (i % 13) + 1, ts: 1_000_000 + i * 5 };
}

/** The sorted output the job must produce for events 0..n-1. */
export function crashOracle(n: number, users: number): string[] {
  const out: string[] = [];
  const totals = new Map<number, number>();
  const windows = new Map<string, { user: number; start: number; n: number; sum: number }>();
  for (let i = 0; i < n; i++) {
    const e = crashEvent(i, users);
    const t = (totals.get(e.user) ?? 0) + e.amount;
    totals.set(e.user, t);
    out.push(`total ${e.user} ${e.ts} ${t}`);
    const start = Math.floor(e.ts / 1000) * 1000;
    const k = `${e.user}/${start}`;
    const w = windows.get(k) ?? { user: e.user, start, n: 0, sum: 0 };
    w.n++;
    w.sum += e.amount;
    windows.set(k, w);
  }
  for (const w of windows.values()) out.push(`window ${w.user} ${w.start} ${w.n} ${w.sum}`);
  return out.sort();
}
