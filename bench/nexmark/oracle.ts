/**
 * CLI: runs the reference (oracle) implementation of Nexmark queries and writes canonical result
 * files, named <query>.csv like the Flink side's.
 *
 *   node --import tsx bench/nexmark/oracle.ts --query q5[,q7|all] --events N [--seed S]
 *        [--input events.csv] [--out-dir DIR]
 */

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FleuveError } from "@fleuve/core";
import { canonicalFile, renderRow } from "./canonical.js";
import { parseEvent } from "./csv.js";
import type { NexmarkEvent } from "./events.js";
import { NexmarkGenerator } from "./generator.js";
import { REFERENCE_QUERIES, type ReferenceQuery, referenceQuery } from "./reference.js";

function main(): void {
  const { values } = parseArgs({
    options: {
      query: { type: "string", default: "all" },
      events: { type: "string" },
      seed: { type: "string" },
      input: { type: "string" },
      "out-dir": { type: "string", default: "results-oracle" },
    },
    strict: true,
  });
  const queries = values.query === "all" ? [...REFERENCE_QUERIES] : values.query.split(",");
  for (const q of queries) {
    if (!(REFERENCE_QUERIES as readonly string[]).includes(q)) {
      throw new FleuveError(
        "FLEUVE_CLI_USAGE",
        `--query ${q} has no reference; known: ${REFERENCE_QUERIES.join(",")}`,
      );
    }
  }
  let events: NexmarkEvent[];
  if (values.input !== undefined) {
    events = readFileSync(values.input, "latin1")
      .split("\n")
      .filter((l) => l.length > 0)
      .map(parseEvent);
  } else {
    const gen = new NexmarkGenerator({
      ...(values.events === undefined ? {} : { events: Number(values.events) }),
      ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
    });
    events = [...gen];
  }
  mkdirSync(values["out-dir"], { recursive: true });
  for (const q of queries) {
    const text = canonicalFile(referenceQuery(q as ReferenceQuery, events).map(renderRow));
    const out = join(values["out-dir"], `${q}.csv`);
    writeFileSync(out, text, "latin1");
    const rows = text === "" ? 0 : text.split("\n").length - 1;
    const sha = createHash("sha256").update(text, "latin1").digest("hex");
    console.log(JSON.stringify({ query: q, events: events.length, rows, resultSha256: sha, out }));
  }
}

main();
