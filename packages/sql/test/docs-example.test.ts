// The examples of docs/sql.md run as written and print the output the page shows after each
// (every ```ts block followed by "It prints" and a ```text block).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const md = fs.readFileSync(new URL("../../../docs/sql.md", import.meta.url), "utf8");
const examples = [...md.matchAll(/```ts\n([\s\S]*?)```\n\nIt prints[^\n]*\n\n```text\n([\s\S]*?)```/g)].map(
  (m) => [m[1], m[2]] as [string, string],
);

test("docs/sql.md has examples with their output", () => {
  assert.ok(examples.length >= 2, `found ${examples.length} examples`);
});

examples.forEach(([code, output], i) => {
  test(`docs/sql.md example ${i + 1} runs and prints the documented rows`, () => {
    // The file sits in this package so that @fleuve/* resolve through the workspace; the job
    // runs in a temp directory, where it makes its log.
    const file = fileURLToPath(new URL(`./.docs-example-${process.pid}-${i}.mts`, import.meta.url));
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "fleuve-sql-docs-"));
    fs.writeFileSync(file, code);
    try {
      const res = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), file], {
        cwd,
        encoding: "utf8",
      });
      assert.equal(res.status, 0, res.stderr);
      assert.equal(res.stdout, output);
      if (code.includes(".fleuve/sql-example"))
        assert.ok(fs.existsSync(path.join(cwd, ".fleuve/sql-example/topics/bids/topic.json")));
    } finally {
      fs.rmSync(file, { force: true });
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});

test("docs/sql.md's commands to run an example run the first one (npx tsx, npx fleuve run)", () => {
  assert.match(md, /`npx tsx examples\/bids\.mts`/);
  assert.match(md, /`npx fleuve run examples\/bids\.mts`/);
  const [code, output] = examples[0] as [string, string];
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const file = path.join(root, "examples", `.bids-${process.pid}.mts`);
  fs.writeFileSync(file, code);
  try {
    // From the repository's root, as a reader would; the example's log goes to .fleuve/ there
    // (ignored by git; the example appends only when the topic is new).
    for (const command of [
      ["tsx", file],
      ["fleuve", "run", file],
    ]) {
      const res = spawnSync("npx", command, { cwd: root, encoding: "utf8" });
      assert.equal(res.status, 0, `${command.join(" ")}: ${res.stderr}`);
      assert.equal(res.stdout, output, command.join(" "));
    }
  } finally {
    fs.rmSync(file, { force: true });
  }
});
