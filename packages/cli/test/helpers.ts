/** Runs the built `fleuve` command as a child process, as a user would. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Repository root. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The command's entry (needs `npm run build`). */
export const BIN = fileURLToPath(new URL("../bin/fleuve.js", import.meta.url));

/** Outcome of a finished command. */
export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `fleuve args...` in the repository root. */
export function start(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
}

/** Waits for a started command to exit, gathering its output. */
export function finish(child: ChildProcess): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `fleuve args...` to completion. */
export function fleuve(...args: string[]): Promise<Ran> {
  return finish(start(args));
}
