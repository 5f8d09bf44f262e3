// The example in docs/sql.md runs as written and prints the output the page shows after it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

test("docs/sql.md example runs and prints the documented rows", () => {
  const md = fs.readFileSync(new URL("../../../docs/sql.md", import.meta.url), "utf8");
  const m = /## Example\n[\s\S]*?```ts\n([\s\S]*?)```[\s\S]*?```text\n([\s\S]*?)```/.exec(md);
  assert.ok(m, "docs/sql.md has a ts block and a text block under ## Example");
  const [, code, output] = m as unknown as [string, string, string];
  // The file sits in this package so that @fleuve/* resolve through the workspace; the job
  // runs in a temp directory, where it makes its log.
  const file = fileURLToPath(new URL(`./.docs-example-${process.pid}.mts`, import.meta.url));
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "fleuve-sql-docs-"));
  fs.writeFileSync(file, code);
  try {
    const res = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), file], {
      cwd,
      encoding: "utf8",
    });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, output);
    assert.ok(fs.existsSync(path.join(cwd, ".fleuve/sql-example/topics/bids/topic.json")));
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
