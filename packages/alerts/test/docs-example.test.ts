// The alert samples of docs/observability.md run as printed (their imports pointed at the built
// packages, since they run from a temporary folder).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const md = readFileSync(new URL("../../../docs/observability.md", import.meta.url), "utf8");

/** The first ts block under `heading`. */
function sample(heading: string): string {
  const block = new RegExp(`${heading}\\n[\\s\\S]*?\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(md)?.[1];
  assert.ok(block, `docs/observability.md has a ts block under ${heading}`);
  return block;
}

/** Runs a sample in a new folder, its package imports pointed at the built packages. */
function run(block: string) {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-alerts-doc-"));
  try {
    const file = join(dir, "sample.mts");
    let code = block;
    for (const pkg of ["alerts", "core", "log"])
      code = code.replace(
        `from "@fleuve/${pkg}"`,
        `from ${JSON.stringify(import.meta.resolve(`@fleuve/${pkg}`))}`,
      );
    writeFileSync(file, code);
    return spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), file], {
      cwd: dir,
      encoding: "utf8",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the sample under `heading`, which ends with the lines it prints (`// prints:`), and compares. */
function printsWhatItSays(heading: string): void {
  const block = sample(heading);
  const printed = /\/\/ prints:\n((?:\/\/ .*\n)+)/.exec(block)?.[1];
  assert.ok(printed, "the sample ends with the lines it prints");
  const res = run(block);
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout, printed.replace(/^\/\/ /gm, ""));
}

test("the topic sample of docs/observability.md prints what it says", () => {
  printsWhatItSays("### Alerts to a topic");
});

test("the checkpointed job-metrics sample of docs/observability.md prints what it says", () => {
  printsWhatItSays("### Alerts on the job's own metrics, checkpointed");
});

test("the job-metrics sample of docs/observability.md runs", () => {
  const res = run(sample("### Alerts on the job's own metrics"));
  assert.equal(res.status, 0, res.stderr);
  // Whatever the machine's load made of the busy shares, only alerts of the watched series.
  for (const line of res.stderr.split("\n").filter((l) => l !== ""))
    assert.match(line, /^ALERT level .*\.busyRatio at .* rule saturated\)$/);
});
