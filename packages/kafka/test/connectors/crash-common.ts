/**
 * Test helper (not a test file): the input, the oracle and the kcat runner shared by the Kafka
 * crash test and the broker-lost test, which run the same job (crash-job.ts).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { crashEvent, crashOracle } from "@fleuve/core/testing/suites";

const USERS = 40;

/** Event `i` of the crash job's input. */
export const event = (i: number) => crashEvent(i, USERS);

/** The output the job must produce for events 0..n-1, computed by brute force. */
export const oracle = (n: number): string[] => crashOracle(n, USERS);

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
