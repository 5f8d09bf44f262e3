/**
 * Job module of main-thread-service.test.ts (each worker thread imports it): numbers 1..n into a
 * sink whose writers, on worker threads, add each value through the main thread's "test:sum"
 * service, then check that a service's error and an unknown service's error cross back.
 * Args: <n>.
 */
import { defineJob, FleuveError, mainThreadService } from "../../src/index.js";

export default defineJob({
  name: "main-thread-service",
  build(env, args) {
    const n = Number(args[0]);
    env
      .fromGenerator((i) => i + 1, { count: n })
      .rebalance()
      .sinkTo({
        createWriter: () => {
          const call = mainThreadService("test:sum");
          return {
            write(v: number) {
              if (call === undefined) throw new Error("no main-thread service on a worker thread");
              call({ add: v });
            },
            finish() {
              const codeOf = (f: () => unknown) => {
                try {
                  f();
                  return "none";
                } catch (e) {
                  return e instanceof FleuveError ? `${e.code}: ${e.message}` : String(e);
                }
              };
              call!({ error: codeOf(() => call!({ fail: true })) });
              call!({ error: codeOf(() => mainThreadService("test:missing")!({})) });
            },
          };
        },
      });
  },
});
