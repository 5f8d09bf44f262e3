// The watchJobMetrics sample of docs/observability.md runs as printed (its imports pointed at the
// built packages, since it runs from a temporary folder).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

test("the job-metrics sample of docs/observability.md runs", () => {
  const md = readFileSync(new URL("../../../docs/observability.md", import.meta.url), "utf8");
  const block = /### Alerts on the job's own metrics\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(md)?.[1];
  assert.ok(block, "docs/observability.md has a ts block under ### Alerts on the job's own metrics");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-alerts-doc-"));
  try {
    const file = join(dir, "sample.mts");
    writeFileSync(
      file,
      block
        .replace('from "@fleuve/alerts"', `from ${JSON.stringify(import.meta.resolve("@fleuve/alerts"))}`)
        .replace('from "@fleuve/core"', `from ${JSON.stringify(import.meta.resolve("@fleuve/core"))}`),
    );
    const res = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), file], {
      cwd: dir,
      encoding: "utf8",
    });
    assert.equal(res.status, 0, res.stderr);
    // Whatever the machine's load made of the busy shares, only alerts of the watched series.
    for (const line of res.stderr.split("\n").filter((l) => l !== ""))
      assert.match(line, /^ALERT level .*\.busyRatio at .* rule saturated\)$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
