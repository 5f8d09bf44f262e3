/**
 * CLI: writes the CEP benchmark's input (see scenarios.ts) as CSV lines `key,ts,type,amount`.
 *
 *   node --import tsx bench/cep/generate.ts --scenario fraud|spikes|absence --out FILE
 *        [--events 1000000] [--keys 100000] [--seed 42] [--rate EVENTS_PER_S]
 *
 * Prints one JSON object: the options, the SHA-256 of the file and the last timestamp.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { parseArgs } from "node:util";
import { type CepScenario, generateCepEvents, renderCepEvent } from "./scenarios.js";

const SCENARIOS: readonly CepScenario[] = ["fraud", "spikes", "absence"];

function int(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`--${name} must be an integer, got "${v}"`);
  return n;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      scenario: { type: "string" },
      out: { type: "string" },
      events: { type: "string" },
      keys: { type: "string" },
      seed: { type: "string" },
      rate: { type: "string" },
    },
    strict: true,
  });
  const scenario = values.scenario as CepScenario;
  if (!SCENARIOS.includes(scenario))
    throw new Error(`--scenario must be one of ${SCENARIOS.join(", ")}, got "${values.scenario}"`);
  if (values.out === undefined) throw new Error("--out FILE is required");
  const opts = {
    scenario,
    events: int("events", values.events, 1_000_000),
    keys: int("keys", values.keys, 100_000),
    seed: int("seed", values.seed, 42),
    ...(values.rate === undefined ? {} : { rate: Number(values.rate) }),
  };
  const fd = openSync(values.out, "w");
  const hash = createHash("sha256");
  let chunk: string[] = [];
  let lastTs = 0;
  const flush = (): void => {
    const bytes = Buffer.from(chunk.join(""), "latin1");
    hash.update(bytes);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    chunk = [];
  };
  for (const e of generateCepEvents(opts)) {
    chunk.push(`${renderCepEvent(e)}\n`);
    lastTs = e.ts;
    if (chunk.length === 65536) flush();
  }
  flush();
  closeSync(fd);
  console.log(JSON.stringify({ ...opts, out: values.out, sha256: hash.digest("hex"), lastTs }));
}

main();
