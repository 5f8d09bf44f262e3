import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { fraudReference } from "./reference.js";
import { generateCepEvents, renderCepEvent } from "./scenarios.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "cep-bench-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function runWorker(pattern: string, input: string, out: string): Record<string, unknown> {
  const res = spawnSync(
    process.execPath,
    ["--import", "tsx", join(HERE, "fleuve-worker.ts"), "--pattern", pattern, "--input", input, "--out", out],
    { encoding: "utf8" },
  );
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout.trim().split("\n").pop()!);
}

test("the Fleuve worker's fraud matches equal a brute-force reference, in the canonical form", () => {
  // 40 cards paying every 3 s on average: many overlapping 10-minute windows per card.
  const events = [
    ...generateCepEvents({ scenario: "fraud", events: 4000, keys: 40, seed: 5, rate: 40 / 180 }),
  ];
  const input = join(dir, "fraud.csv");
  writeFileSync(input, events.map((e) => `${renderCepEvent(e)}\n`).join(""));
  const out = join(dir, "fraud.matches");
  const figures = runWorker("fraud", input, out);
  const expected = fraudReference(events);
  assert.ok(expected.length > 20, `too few matches to test anything: ${expected.length}`);
  const body = readFileSync(out, "utf8");
  assert.deepEqual(body.trimEnd().split("\n"), expected);
  assert.equal(figures.matches, expected.length);
  assert.equal(figures.events, events.length);
  assert.equal(figures.sha256, createHash("sha256").update(body).digest("hex"));
});

test("the Fleuve worker names a bad --pattern", () => {
  const res = spawnSync(
    process.execPath,
    ["--import", "tsx", join(HERE, "fleuve-worker.ts"), "--pattern", "nope", "--input", "x.csv"],
    { encoding: "utf8" },
  );
  assert.notEqual(res.status, 0);
  assert.match(res.stderr, /--pattern must be fraud, spikes or absence, got "nope"/);
});
