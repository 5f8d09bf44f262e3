/**
 * Test helper (not a test file): the input, the oracle and the kcat runner shared by the Kafka
 * crash test and the broker-lost test, which run the same job (crash-job.ts).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const USERS = 40;

export function event(i: number) {
  const user = (i * 7) % USERS;
  return { user, amount: (i % 13) + 1, ts: 1_000_000 + i * 5 };
}

/** The output the job must produce, computed by brute force over the whole input. */
export function oracle(N: number): string[] {
  const out: string[] = [];
  const totals = new Map<number, number>();
  const windows = new Map<string, { user: number; start: number; n: number; sum: number }>();
  for (let i = 0; i < N; i++) {
    const e = event(i);
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

export function kcat(bootstrap: string, args: string[], input?: string): string {
  const r = spawnSync("kcat", ["-b", bootstrap, ...args], {
    input,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw new Error(`cannot run kcat (${r.error.message}). Install it: apt-get install -y kcat.`);
  assert.equal(r.status, 0, `kcat ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Every value of `topic` as kcat reads it with the given isolation level, sorted. */
export function readSorted(
  bootstrap: string,
  topic: string,
  isolation: "read_committed" | "read_uncommitted" = "read_committed",
): string[] {
  return kcat(bootstrap, ["-C", "-t", topic, "-e", "-q", "-f", "%s\\n", "-X", `isolation.level=${isolation}`])
    .split("\n")
    .filter((l) => l !== "")
    .sort();
}
