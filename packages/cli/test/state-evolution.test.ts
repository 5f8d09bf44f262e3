// State evolution across a checkpoint, as docs/fault-tolerance.md states it: adding a field to a
// state's values is fine (old values lack it); changing a state's kind or turning its TTL on fails
// with FLEUVE_STATE_INCOMPATIBLE naming the state.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fleuve } from "./helpers.js";

const JOB = "packages/cli/test/fixtures/evolve-job.ts";

test("adding a field restores; changing the kind or the TTL of a state is refused", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-evolve-"));
  const run = (version: string) =>
    fleuve(
      "run",
      JOB,
      "--checkpoint-dir",
      dir,
      "--resume",
      "--control-dir",
      join(dir, "jobs"),
      "--",
      version,
    );
  try {
    const v1 = await run("v1");
    assert.equal(v1.code, 0, v1.stderr);
    assert.equal(v1.stdout, "ada visits=1 before=-\nbob visits=1 before=-\nada visits=2 before=-\n");

    for (const version of ["v3", "v4"]) {
      const r = await run(version);
      assert.equal(r.code, 1, `${version}: ${r.stderr}`);
      assert.match(r.stderr, /^error FLEUVE_STATE_INCOMPATIBLE: state 'profile' was value state/m);
    }

    // v2 (a field added) resumes from v1's final checkpoint: ada's two visits are still there.
    const v2 = await run("v2");
    assert.equal(v2.code, 0, v2.stderr);
    assert.equal(v2.stdout, "ada visits=3 before=-\ncy visits=1 before=-\nada visits=4 before=/cart\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
