/**
 * CLI: generates a Nexmark stream, optionally writes it as CSV lines, and prints its stream hash.
 *
 *   node --import tsx bench/nexmark/generate.ts --events 1000000 --seed 42 [--out events.csv]
 *        [--rate 10000] [--base-time MS] [--ooo-group 1000]
 *
 * Prints one JSON object: events, hash (SHA-256 of the file's bytes), maxOutOfOrdernessMs,
 * first/last event time and the generation rate. The Java twin
 * (bench/flink/run.sh generate ...) prints the same hash for the same options.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { parseArgs } from "node:util";
import { FleuveError } from "@fleuve/core";
import type { NexmarkConfig } from "./config.js";
import { NexmarkGenerator } from "./generator.js";
import { StreamHasher } from "./hash.js";

const OPTIONS = {
  events: { type: "string" },
  seed: { type: "string" },
  out: { type: "string" },
  rate: { type: "string" },
  "base-time": { type: "string" },
  "ooo-group": { type: "string" },
} as const;

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n))
    throw new FleuveError("FLEUVE_CLI_USAGE", `--${name} must be an integer, got "${v}"`);
  return n;
}

function writeAll(fd: number, bytes: Buffer): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

function main(): void {
  const { values } = parseArgs({ options: OPTIONS, strict: true });
  const partial: Partial<{ -readonly [K in keyof NexmarkConfig]: NexmarkConfig[K] }> = {};
  const pairs: [keyof NexmarkConfig, string, string | undefined][] = [
    ["events", "events", values.events],
    ["seed", "seed", values.seed],
    ["eventsPerSecond", "rate", values.rate],
    ["baseTime", "base-time", values["base-time"]],
    ["outOfOrderGroupSize", "ooo-group", values["ooo-group"]],
  ];
  for (const [key, flag, v] of pairs) {
    const n = num(flag, v);
    if (n !== undefined) partial[key] = n;
  }
  const gen = new NexmarkGenerator(partial);
  const fd = values.out === undefined ? undefined : openSync(values.out, "w");
  const hasher = new StreamHasher(fd === undefined ? undefined : (bytes) => writeAll(fd, bytes));
  const started = process.hrtime.bigint();
  const n = gen.size;
  for (let i = 0; i < n; i++) hasher.add(gen.eventAt(i));
  const hash = hasher.digest();
  if (fd !== undefined) closeSync(fd);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const out = {
    events: n,
    seed: gen.config.seed,
    hash,
    maxOutOfOrdernessMs: gen.maxOutOfOrdernessMs,
    firstEventTime: gen.timestampOf(0),
    lastEventTime: n > 0 ? gen.timestampOf(n - 1) : null,
    seconds: Math.round(seconds * 1000) / 1000,
    eventsPerSecond: Math.round(n / seconds),
    out: values.out ?? null,
  };
  console.log(JSON.stringify(out));
}

main();
