/** Runs the built `fleuve` command as a child process, as a user would. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ensureReachable } from "@fleuve/kafka";

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

/** The broker of the Kafka tests. */
export const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";

/**
 * Test options that skip (saying why, under `label`) without a broker, except in CI where a
 * missing broker is a failure.
 */
export async function brokerOptions(label: string): Promise<{ skip?: string }> {
  try {
    await ensureReachable([BOOTSTRAP], "fleuve-cli-test-probe");
    return {};
  } catch {
    if (process.env.CI) return {};
    const reason = `no Kafka broker answers at ${BOOTSTRAP}; start one with \`npm run services:up\``;
    console.log(`[${label}] SKIPPED: ${reason}`);
    return { skip: reason };
  }
}

/** A `fleuve run --group` process and its stderr so far. */
export interface GroupProcess {
  child: ChildProcess;
  log: string;
  exit: Promise<number | null>;
}

/**
 * Starts a process of `group` running the scale-out test job (packages/kafka/test/fixtures/group-job.ts)
 * from `input` to `output`, with `extra` options of `fleuve run` (before the job's arguments).
 */
export function startGroupProcess(
  group: string,
  dir: string,
  controlDir: string,
  input: string,
  output: string,
  extra: readonly string[] = [],
): GroupProcess {
  const child = spawn(
    process.execPath,
    [
      BIN,
      "run",
      "packages/kafka/test/fixtures/group-job.ts",
      "--group",
      group,
      "--bootstrap",
      BOOTSTRAP,
      "--checkpoint-dir",
      dir,
      "--control-dir",
      controlDir,
      ...extra,
      "--",
      BOOTSTRAP,
      input,
      output,
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
  );
  const p: GroupProcess = { child, log: "", exit: new Promise((r) => child.on("exit", (code) => r(code))) };
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    p.log += d;
  });
  return p;
}
