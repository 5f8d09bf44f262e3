/**
 * Notices that the process that started this one has died. `npm run demo` is npm → node (the
 * script `exec`s node); `kill -9` of npm cannot be caught and leaves node running as an orphan,
 * printing over the shell's prompt and holding the demo's log. An orphan is re-parented (to init
 * or a subreaper), so its `process.ppid` changes: polling it is portable and needs no pipe.
 */

/** How often the parent is checked (ms). */
export const PARENT_POLL_MS = 200;

/**
 * Calls `onOrphaned` once when this process's parent changes (the parent died). The timer is
 * unref'ed: it never keeps the process alive. Returns a function that stops watching.
 *
 * Nothing is watched when the parent is already init (pid 1): a process started by init, or by a
 * container's entry point, has no parent to lose.
 */
export function watchParent(onOrphaned: () => void, pollMs = PARENT_POLL_MS): () => void {
  const parent = process.ppid;
  if (parent <= 1) return () => {};
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}
