#!/usr/bin/env node
// Test files mirror src/ (part of `npm run lint`): a test of packages/X/src/a/b.ts lives in
// packages/X/test/a/, so every folder under a package's test/ must be a folder of its src/, or
// integration/ (whole-job tests that mirror no single file) or fixtures/ (job modules, data).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGES = fileURLToPath(new URL("../packages/", import.meta.url));
const CROSS_CUTTING = new Set(["integration", "fixtures"]);
const wrong = [];

/** True when `dir` holds a file somewhere below it (git keeps no empty folders; a rebase may leave them). */
function hasFiles(dir) {
  return readdirSync(dir).some((n) => !statSync(join(dir, n)).isDirectory() || hasFiles(join(dir, n)));
}

function walk(pkg, rel) {
  for (const name of readdirSync(join(PACKAGES, pkg, "test", rel))) {
    const sub = rel === "" ? name : `${rel}/${name}`;
    const dir = join(PACKAGES, pkg, "test", sub);
    if (!statSync(dir).isDirectory() || !hasFiles(dir)) continue;
    if (rel === "" && CROSS_CUTTING.has(name)) continue;
    if (!existsSync(join(PACKAGES, pkg, "src", sub))) wrong.push(`packages/${pkg}/test/${sub}`);
    else walk(pkg, sub);
  }
}

for (const pkg of readdirSync(PACKAGES)) {
  if (existsSync(join(PACKAGES, pkg, "test"))) walk(pkg, "");
}
if (wrong.length > 0) {
  console.error(
    `test layout: these test folders match no folder of their package's src/ (tests mirror src/ paths;\n` +
      `whole-job tests go to test/integration/, job modules and data to test/fixtures/):\n  ${wrong.join("\n  ")}`,
  );
  process.exit(1);
}
console.log("test layout: every test folder mirrors a src/ folder (or is integration/ or fixtures/)");
