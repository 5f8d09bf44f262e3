import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isFleuveError, runJob } from "../../src/index.js";

const fixture = new URL("./thread-runner-job.ts", import.meta.url).href;

function reference(n: number): string[] {
  // sum of v per key k, then rolling sums per k % 13, as the job computes them
  const perKey = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = (i * 7919) % 997;
    perKey.set(k, (perKey.get(k) ?? 0) + (i % 100));
  }
  const rolling = new Map<number, number[]>();
  return [...perKey.entries()]
    .map(([k, s]) => [k % 13, s] as const)
    .reduce<string[]>((acc, [g, s]) => {
      // rolling reduce emits a running total per group; order-dependent values are compared as the final totals below
      const l = rolling.get(g) ?? [];
      l.push(s);
      rolling.set(g, l);
      return acc;
    }, [])
    .concat([...rolling.entries()].map(([g, l]) => `${g}=${l.reduce((a, b) => a + b, 0)}`));
}

/** Final total per group: the largest running value (sums of non-negative numbers only grow). */
function finals(lines: string[]): string[] {
  const best = new Map<string, number>();
  for (const l of lines) {
    const [g, v] = l.split("=");
    best.set(g!, Math.max(best.get(g!) ?? 0, Number(v)));
  }
  return [...best.entries()].map(([g, v]) => `${g}=${v}`).sort();
}

test("a job on 4 worker threads gives the same results as on one thread", async () => {
  const n = 50_000;
  const single = await (await runJob(fixture, { parallelism: 1, threads: 1, args: [String(n)] })).result;
  const threaded = await (await runJob(fixture, { parallelism: 4, threads: 4, args: [String(n)] })).result;
  const expected = reference(n).sort();
  assert.deepEqual(finals(single.collected as string[]), expected);
  assert.deepEqual(finals(threaded.collected as string[]), expected);
  // every key produced exactly one running sum in the second stage: 997 records in both runs
  assert.equal((single.collected as string[]).length, 997);
  assert.equal((threaded.collected as string[]).length, 997);
  // the work was spread: the source's records were counted on several threads and summed
  const src = Object.values(threaded.metrics).find((m) => m.name === "Generator");
  assert.equal(src?.recordsOut, n);
});

test("a user function failing on a worker thread fails the job with the operator and the record", async () => {
  const client = await runJob(fixture, { parallelism: 2, threads: 2, args: ["5000", "42"] });
  await assert.rejects(client.result, (e: unknown) => {
    assert.ok(isFleuveError(e, "FLEUVE_USER_FUNCTION_FAILED"), String(e));
    assert.match((e as Error).message, /operator 'Map'/);
    assert.match((e as Error).message, /"v":42/);
    return true;
  });
});

test("a permanent error on a worker thread is not restarted (restartCannotCure holds across threads)", async () => {
  const log = join(mkdtempSync(join(tmpdir(), "fleuve-threads-")), "throws.txt");
  const client = await runJob(fixture, {
    parallelism: 2,
    threads: 2,
    args: ["5000", "42", log],
    options: { restartStrategy: { type: "fixed-delay", attempts: 5, delayMs: 0 }, log: () => {} },
  });
  await assert.rejects(client.result, (e: unknown) => {
    assert.match((e as Error).message, /permanent boom at 42/);
    return true;
  });
  // One attempt: each of the 2 workers may have thrown once before the job stopped; a restarted
  // job would throw again on every one of its 5 further attempts.
  const throws = readFileSync(log, "utf8").trim().split("\n").length;
  assert.ok(throws <= 2, `the job was restarted: ${throws} throws`);
});
