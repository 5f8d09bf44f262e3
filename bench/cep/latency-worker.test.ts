import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { fraudReference } from "./reference.js";
import { generateCepEvents, renderCepEvent } from "./scenarios.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "cep-latency-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the latency worker, paced in event time, finds the fraud matches of a brute-force reference and measures them from their last event", () => {
  const events = [
    ...generateCepEvents({ scenario: "fraud", events: 3000, keys: 40, seed: 7, rate: 40 / 180 }),
  ];
  const input = join(dir, "fraud.csv");
  writeFileSync(input, events.map((e) => `${renderCepEvent(e)}\n`).join(""));
  const expected = fraudReference(events);
  assert.ok(expected.length > 20, `too few matches to test anything: ${expected.length}`);
  // 3000 events at 500/s: 6 s of input (many 200 ms watermarks), no warm-up excluded.
  const args = ["--rate", "500", "--warmup-s", "0"];
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", join(HERE, "latency-worker.ts"), "--pattern", "fraud", "--input", input, ...args],
    { encoding: "utf8" },
  );
  assert.equal(run.status, 0, run.stderr);
  const figures = JSON.parse(run.stdout.trim().split("\n").pop()!);
  assert.equal(figures.matches, expected.length);
  assert.equal(figures.events, events.length);
  assert.equal(figures.time, "event");
  // Matches after the last event was due (flushed by the end of input) are not measured.
  assert.ok(figures.measured > 0 && figures.measured <= figures.matches, JSON.stringify(figures));
  // A match comes after its last event was due: a negative latency would mean a wrong reference time.
  assert.ok(figures.p50Ms >= 0, JSON.stringify(figures));
});

test("the latency worker names a bad --time", () => {
  const res = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(HERE, "latency-worker.ts"),
      "--pattern",
      "fraud",
      "--input",
      "x.csv",
      "--time",
      "wall",
    ],
    { encoding: "utf8" },
  );
  assert.notEqual(res.status, 0);
  assert.match(res.stderr, /--time must be event or processing, got "wall"/);
});
