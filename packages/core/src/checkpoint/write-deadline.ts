/**
 * The bound on how long a checkpoint waits for its storage. Flink's checkpoint timeout covers the
 * whole checkpoint, its write included: a write that never settles (a hung network mount, a folder
 * under /proc) must fail the checkpoint when the timeout passes, and no drain or shutdown may wait
 * for it longer than that.
 */

/**
 * Resolves when `work` settles or `ms` milliseconds have passed, whichever comes first; in the
 * second case `onTimeout` is called first (the caller aborts what waited for `work`). Never
 * rejects: the caller handles `work`'s outcome on `work` itself, which may still settle later.
 * The timer is not unref'd: a drain that waits for a write keeps the process alive until the
 * write settles or the timeout passes, no longer.
 */
export function settleWithin(work: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(
      () => {
        onTimeout();
        resolve();
      },
      Math.max(0, ms),
    );
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    work.then(done, done);
  });
}
