// The example in docs/log.md runs as written (with the package import pointed at the sources).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { tmpDir } from "./helpers.js";

test("docs/log.md example runs and prints the committed records", () => {
  const md = fs.readFileSync(new URL("../../../docs/log.md", import.meta.url), "utf8");
  const block = /## Example\n\n```ts\n([\s\S]*?)```/.exec(md)?.[1];
  assert.ok(block, "docs/log.md has a ts block under ## Example");
  const src = fileURLToPath(new URL("../src/index.ts", import.meta.url));
  const dir = tmpDir();
  const file = path.join(dir, "example.mts");
  fs.writeFileSync(file, block.replace('from "@fleuve/log"', `from ${JSON.stringify(src)}`));
  const res = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), file], {
    cwd: dir,
    encoding: "utf8",
  });
  assert.equal(res.status, 0, res.stderr);
  const lines = res.stdout.trim().split("\n");
  assert.equal(lines.length, 3);
  assert.deepEqual(lines.map((l) => l.split(" ")[2]).sort(), ["alice", "bob", "carol"]);
  assert.ok(fs.existsSync(path.join(dir, ".fleuve/example-log/topics/orders/topic.json")));
});
