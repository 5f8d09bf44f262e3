#!/usr/bin/env node
// Runs every *.test.ts under the given folders (default: packages/, examples/ and bench/) with
// node's test runner (via tsx). Node 20's --test takes no globs, so the file list is built here.
//   node scripts/test.mjs                          every test of the repository (`npm test`)
//   node ../../scripts/test.mjs test               one package's tests (its `npm test`, from its folder)
// Arguments that are existing folders are roots (relative to the current directory); the others go
// to node's test runner (e.g. `npm test -- --test-name-pattern=session`).
// FLEUVE_TEST_FILTER=substring limits the files.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const isRoot = (a) => !a.startsWith("-") && existsSync(a) && statSync(a).isDirectory();
const args = process.argv.slice(2);
const given = args.filter(isRoot);
const passThrough = args.filter((a) => !isRoot(a));
const roots = given.length > 0 ? given : ["packages", "examples", "bench"];
const files = [];
function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".test.ts")) files.push(p);
  }
}
for (const r of roots) walk(r);
const filter = process.env.FLEUVE_TEST_FILTER;
const selected = files.filter((f) => !filter || f.includes(filter)).sort();
if (selected.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", ...passThrough, ...selected],
  { stdio: "inherit" },
);
process.exit(res.status ?? 1);
