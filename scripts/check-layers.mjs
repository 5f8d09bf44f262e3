#!/usr/bin/env node
// The layer check (`npm run check:layers`, part of `npm run lint`): runs dependency-cruiser with
// .dependency-cruiser.cjs over every package's src/. First it proves the rules still bite: it
// cruises a small fixture tree seeded with one violation per kind of rule (and with cycles the
// rules allow) and fails unless exactly the seeded violations are reported.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");
const DEPCRUISE = join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

function cruise(cwd, outputType) {
  return spawnSync(
    process.execPath,
    [DEPCRUISE, "--config", CONFIG, "--output-type", outputType, "packages"],
    {
      cwd,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
}

/** Files of the fixture: path -> source. Each seeded violation names the rule it must trip. */
const FIXTURE = {
  ".dependency-cruiser.tsconfig.json": JSON.stringify({
    compilerOptions: {
      module: "NodeNext",
      moduleResolution: "NodeNext",
      baseUrl: ".",
      paths: { "@fleuve/log": ["packages/log/src/index.ts"] },
    },
  }),
  // no-run-time-cycle: a.ts <-> b.ts by value imports.
  "packages/log/src/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
  "packages/log/src/b.ts": 'import { a } from "./a.js";\nexport const b = () => a;\n',
  // Allowed: a cycle of type-only imports, and a cycle with one type-only edge, outside runtime/ and spi/.
  "packages/core/src/api/x.ts": 'import type { Y } from "./y.js";\nexport interface X { y?: Y }\n',
  "packages/core/src/api/y.ts": 'import type { X } from "./x.js";\nexport interface Y { x?: X }\n',
  "packages/core/src/api/m.ts": 'import { n } from "./n.js";\nexport interface M { n: typeof n }\n',
  "packages/core/src/api/n.ts": 'import type { M } from "./m.js";\nexport const n = (m?: M) => m;\n',
  // no-cycle-through-executor-or-spi: a type-only cycle inside runtime/.
  "packages/core/src/runtime/p.ts": 'import type { Q } from "./q.js";\nexport interface P { q?: Q }\n',
  "packages/core/src/runtime/q.ts": 'import type { P } from "./p.js";\nexport interface Q { p?: P }\n',
  // core-layer-up:spi: the SPI names a type of the API (type-only still counts).
  "packages/core/src/spi/s.ts": 'import type { X } from "../api/x.js";\nexport type S = X;\n',
  // core-layer-sideways:state: two folders of one layer.
  "packages/core/src/state/t.ts": 'import { f } from "../functions/f.js";\nexport const t = f;\n',
  "packages/core/src/functions/f.ts": "export const f = 1;\n",
  // package-deps:core and no-relative-import-into-another-package: core reaches into the log.
  "packages/core/src/errors.ts": 'import { a } from "../../log/src/a.js";\nexport const e = a;\n',
  // package-deps:state-lmdb: by package name this time; and an @fleuve import nothing resolves.
  "packages/log/src/index.ts": "export const log = 1;\n",
  "packages/state-lmdb/src/k.ts":
    'import { log } from "@fleuve/log";\nimport { x } from "@fleuve/nowhere";\nexport const k = [log, x];\n',
};
/** Violations the fixture must produce, as "rule from -> to"; a cycle as "rule cycle: files, sorted". */
const EXPECTED = [
  "core-layer-sideways:state packages/core/src/state/t.ts -> packages/core/src/functions/f.ts",
  "core-layer-up:spi packages/core/src/spi/s.ts -> packages/core/src/api/x.ts",
  "no-cycle-through-executor-or-spi cycle: packages/core/src/runtime/p.ts packages/core/src/runtime/q.ts",
  "no-relative-import-into-another-package packages/core/src/errors.ts -> packages/log/src/a.ts",
  "no-run-time-cycle cycle: packages/log/src/a.ts packages/log/src/b.ts",
  "package-deps:core packages/core/src/errors.ts -> packages/log/src/a.ts",
  "package-deps:state-lmdb packages/state-lmdb/src/k.ts -> packages/log/src/index.ts",
  "no-unresolved-package-import packages/state-lmdb/src/k.ts -> @fleuve/nowhere",
].sort();

/** One line per violation; a cycle is reported once, whichever of its edges dependency-cruiser names. */
function describe(v) {
  if (v.cycle)
    return `${v.rule.name} cycle: ${[v.from, ...v.cycle.map((c) => c.name)]
      .filter((f, i, a) => a.indexOf(f) === i)
      .sort()
      .join(" ")}`;
  return `${v.rule.name} ${v.from} -> ${v.to}`;
}

function selfTest() {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-layers-"));
  try {
    for (const [path, text] of Object.entries(FIXTURE)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const r = cruise(dir, "json");
    if (r.stdout.trim() === "")
      throw new Error(`dependency-cruiser gave no output on the fixture:\n${r.stderr}`);
    const got = [...new Set(JSON.parse(r.stdout).summary.violations.map(describe))].sort();
    const missing = EXPECTED.filter((e) => !got.includes(e));
    const extra = got.filter((g) => !EXPECTED.includes(g));
    // The check as it runs on the repository must fail on the fixture (a non-zero exit).
    const status = cruise(dir, "err").status;
    if (missing.length > 0 || extra.length > 0 || status === 0) {
      throw new Error(
        `the layer rules no longer catch exactly the seeded violations (exit ${status})\n` +
          `  not reported: ${JSON.stringify(missing, null, 2)}\n  unexpected: ${JSON.stringify(extra, null, 2)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  selfTest();
} catch (e) {
  console.error(`check-layers self-test failed: ${e.message}`);
  process.exit(2);
}
const r = cruise(ROOT, "err-long");
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
if (r.status !== 0) {
  console.error(
    "layer check failed: see the rules in .dependency-cruiser.cjs and docs/ARCHITECTURE.md (Layers)",
  );
  process.exit(1);
}
console.log(
  "layer check: no cycles through the executor or the SPI, no run-time cycles, no import up a layer",
);
