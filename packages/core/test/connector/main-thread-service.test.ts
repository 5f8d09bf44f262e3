/**
 * Main-thread services (connector/main-thread-service.ts): the writers of a job on 2 worker threads
 * call a service of the main thread synchronously; every call is answered, in order, its errors
 * cross back as FleuveErrors with their code, an unknown service is a clear error, the main thread
 * learns which threads called and when each has ended, and on the main thread there is no caller.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, mainThreadService, provideMainThreadService, runJob } from "../../src/index.js";

const jobModule = new URL("./main-thread-service-job.ts", import.meta.url).href;

test("worker threads call the main thread's service: answers, errors and thread ends", {
  timeout: 300_000,
}, async () => {
  let sum = 0;
  const callers = new Set<number>();
  const gone = new Set<number>();
  const errors: string[] = [];
  provideMainThreadService("test:sum", {
    call(request, thread) {
      const r = request as { add?: number; fail?: boolean; error?: string };
      callers.add(thread);
      if (r.fail) {
        throw new FleuveError("FLEUVE_SINK_FAILED", "refused on purpose", { details: { thread } });
      }
      if (r.error !== undefined) errors.push(r.error);
      if (r.add !== undefined) sum += r.add;
      return sum;
    },
    threadGone: (thread) => gone.add(thread),
  });
  const n = 5_000;
  const client = await runJob(jobModule, {
    parallelism: 2,
    threads: 2,
    args: [String(n)],
    options: { log: () => {} },
  });
  await client.result;
  assert.equal(sum, (n * (n + 1)) / 2, "every value was added once, on the main thread");
  assert.equal(callers.size, 2, `both workers called (threads ${[...callers].join(", ")})`);
  assert.ok(!callers.has(0), "the callers are worker threads");
  await new Promise<void>((resolve) => {
    const check = () => (gone.size === 2 ? resolve() : setTimeout(check, 10));
    check();
  });
  assert.deepEqual([...gone].sort(), [...callers].sort(), "the main thread learnt that each caller ended");
  assert.equal(errors.length, 4, errors.join(" | "));
  assert.equal(
    errors.filter((e) => e === "FLEUVE_SINK_FAILED: refused on purpose").length,
    2,
    errors.join(" | "),
  );
  assert.equal(
    errors.filter((e) => /^FLEUVE_CONFIG_INVALID: the main thread offers no service 'test:missing'/.test(e))
      .length,
    2,
    errors.join(" | "),
  );
});

test("on the main thread there is no caller: a connector uses its own resource there", () => {
  assert.equal(mainThreadService("test:sum"), undefined);
});
