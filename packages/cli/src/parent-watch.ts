import { readFileSync } from "node:fs";

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

/**
 * True when `cmdline` (the NUL-separated arguments of /proc/<pid>/cmdline) is an npm process:
 * npm sets its process title to `npm run <script>` (or `npm exec ...`), which replaces its
 * arguments; without the title it is `node .../npm-cli.js ...`.
 */
export function isNpmCommandLine(cmdline: string): boolean {
  const args = cmdline.split("\0").filter((a) => a.length > 0);
  const program = args[0]?.split(" ")[0] ?? "";
  if (/(^|[/\\])npm(\.cmd)?$/.test(program)) return true;
  return /(^|[/\\])npm-cli\.js$/.test(args[1] ?? "");
}

/**
 * True when this process's direct parent is npm (`npm run fleuve`, `npm run demo`, whose scripts
 * `exec` node). On Linux the parent's command line says so. Elsewhere there is no simple portable
 * way to ask, so npm's `npm_lifecycle_event` in the environment stands for it; it is inherited,
 * so there a job started further below an npm script is taken for npm's child too.
 */
export function parentIsNpm(): boolean {
  if (process.platform === "linux") {
    try {
      return isNpmCommandLine(readFileSync(`/proc/${process.ppid}/cmdline`, "utf8"));
    } catch {
      // /proc unreadable (hidepid, sandbox): fall back to the environment, as elsewhere.
    }
  }
  return process.env.npm_lifecycle_event !== undefined;
}

/**
 * {@link watchParent}, but only when the direct parent is npm ({@link parentIsNpm}). `kill -9`
 * of npm leaves its child running as an orphan over the shell's prompt; a job whose parent is a
 * shell, `nohup` or another program may outlive it on purpose (`nohup fleuve demo &`, `setsid`),
 * and one started somewhere below an npm script belongs to whatever started it, not to npm.
 */
export function watchNpmParent(onOrphaned: () => void, pollMs = PARENT_POLL_MS): () => void {
  return parentIsNpm() ? watchParent(onOrphaned, pollMs) : () => {};
}
