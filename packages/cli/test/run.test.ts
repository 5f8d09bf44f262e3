// `fleuve run`: job files in TypeScript, both styles (defineJob module, script), arguments,
// parallelism over worker threads, and failures reported as `error FLEUVE_...` with exit 1.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fleuve } from "./helpers.js";

const WORD_COUNT = [
  { word: "to", count: 1 },
  { word: "be", count: 1 },
  { word: "or", count: 1 },
  { word: "not", count: 1 },
  { word: "to", count: 2 },
  { word: "be", count: 2 },
  { word: "that", count: 1 },
  { word: "is", count: 1 },
  { word: "the", count: 1 },
  { word: "question", count: 1 },
];

test("fleuve run executes a defineJob TypeScript module and prints the stream it returns", async () => {
  const r = await fleuve("run", "examples/word-count.ts");
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(lines, WORD_COUNT);
  assert.match(r.stderr, /job 'word-count' finished in \d+ ms/);
});

test("fleuve run passes job args and runs with --parallelism 2 on worker threads", async () => {
  const r = await fleuve("run", "examples/word-count.ts", "--parallelism", "2", "--", "a b a", "c a b");
  assert.equal(r.code, 0, r.stderr);
  const lines: { word: string; count: number }[] = r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  // Order across subtasks is not defined; per word, the rolling counts are 1..n in order.
  const byWord = new Map<string, number[]>();
  for (const l of lines) byWord.set(l.word, [...(byWord.get(l.word) ?? []), l.count]);
  assert.deepEqual(Object.fromEntries([...byWord].sort()), { a: [1, 2, 3], b: [1, 2], c: [1] });
});

test("fleuve run executes a script job; the script sees its args in process.argv", async () => {
  const r = await fleuve("run", "packages/cli/test/fixtures/args-script.ts", "--", "x", "yz");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "arg> X\narg> YZ\n");
});

test("fleuve run waits for a script that starts its job without awaiting it", async () => {
  const r = await fleuve("run", "packages/cli/test/fixtures/no-await-script.ts");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "n> 0\nn> 1\nn> 2\nn> 3\nn> 4\n");
});

test("a failing job prints `error FLEUVE_USER_FUNCTION_FAILED: ...` and exits 1", async () => {
  const r = await fleuve("run", "packages/cli/test/fixtures/failing-job.ts");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error FLEUVE_USER_FUNCTION_FAILED: .*two is not allowed/m);
  assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace without FLEUVE_DEBUG");
});

test("a job file that does not compile is FLEUVE_JOB_MODULE_INVALID, exit 1", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-run-"));
  const file = join(dir, "not-a-job.mts");
  writeFileSync(file, "export const x = ;\n");
  const r = await fleuve("run", file);
  rmSync(dir, { recursive: true });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error FLEUVE_JOB_MODULE_INVALID: cannot load job file/m);
});
