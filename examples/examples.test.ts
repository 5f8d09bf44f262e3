// Every example runs with `fleuve run` and prints exactly the output written at its end
// (`/* Output: ... */`); and every example the docs show is shown exactly as the file is, so the
// docs cannot rot. A doc shows a file with `<!-- example: examples/NAME.ts -->` followed by a
// ```ts block holding the file's content.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = fileURLToPath(new URL("../packages/cli/bin/fleuve.js", import.meta.url));
const examples = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .sort();

function expectedOutput(source: string, file: string): string {
  const m = /\/\* Output:\n([\s\S]*?)\*\/\s*$/.exec(source);
  assert.ok(m, `${file} must end with a /* Output: ... */ comment`);
  return m[1]!;
}

test("there are examples", () => {
  assert.ok(examples.length >= 4, `found ${examples.join(", ")}`);
});

for (const file of examples) {
  test(`examples/${file} prints its documented output`, () => {
    const source = readFileSync(new URL(file, import.meta.url), "utf8");
    const expected = expectedOutput(source, file);
    const r = spawnSync(process.execPath, [BIN, "run", `examples/${file}`], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, expected);
  });
}

test("code shown in the docs is the example files verbatim", () => {
  const docs = [
    "README.md",
    "docs/concepts.md",
    "docs/getting-started.md",
    "docs/fault-tolerance.md",
    "docs/ARCHITECTURE.md",
    "docs/cep.md",
    "docs/schemas.md",
    "docs/observability.md",
  ];
  let shown = 0;
  for (const doc of docs) {
    let text: string;
    try {
      text = readFileSync(new URL(`../${doc}`, import.meta.url), "utf8");
    } catch {
      continue; // optional doc not written
    }
    for (const m of text.matchAll(/<!-- example: (examples\/[\w./-]+\.ts) -->\n```ts\n([\s\S]*?)```/g)) {
      const file = readFileSync(new URL(`../${m[1]}`, import.meta.url), "utf8");
      assert.equal(m[2], file, `${doc}: the block after <!-- example: ${m[1]} --> differs from the file`);
      shown++;
    }
    const markers = text.match(/<!-- example: /g)?.length ?? 0;
    const blocks = [...text.matchAll(/<!-- example: (examples\/[\w./-]+\.ts) -->\n```ts\n/g)].length;
    assert.equal(
      blocks,
      markers,
      `${doc}: every <!-- example: --> marker must be followed by a \`\`\`ts block`,
    );
  }
  assert.ok(shown >= 3, `only ${shown} examples shown in the docs`);
});
