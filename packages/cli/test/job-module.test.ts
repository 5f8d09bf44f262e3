// `fleuve run` with job files as users write them, anywhere on disk: a file that defines no job
// gets an error saying what to write; a plain { name, build } object is a job; a .ts job outside
// the repository (no package.json, no node_modules) runs on the command's own @fleuve packages;
// a job in a project of its own uses that project's @fleuve/core.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { fleuve, ROOT } from "./helpers.js";

// Outside the repository: nothing above these files resolves @fleuve/*.
const base = mkdtempSync(join(tmpdir(), "fleuve-job-module-"));
after(() => rmSync(base, { recursive: true, force: true }));

function jobFile(name: string, source: string): string {
  const file = join(base, name);
  writeFileSync(file, source);
  return file;
}

test("a job file with no default export that starts no job is FLEUVE_JOB_MODULE_INVALID saying what to write", async () => {
  const file = jobFile("nothing.ts", 'export const answer = 42;\nconsole.log("loaded");\n');
  const r = await fleuve("run", file);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^loaded$/m);
  assert.match(
    r.stderr,
    /^error FLEUVE_JOB_MODULE_INVALID: job file '.*nothing\.ts' has no default export and started no job: export default defineJob\(/m,
  );
});

test("a job exported by name, not as default, is FLEUVE_JOB_MODULE_INVALID naming the export", async () => {
  const file = jobFile(
    "named.ts",
    'import { defineJob } from "@fleuve/core";\nexport const wordCount = defineJob({ name: "w", build: (env) => env.fromCollection([1]) });\n',
  );
  const r = await fleuve("run", file);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /^error FLEUVE_JOB_MODULE_INVALID: .* exports its job as 'wordCount', not as the default export/m,
  );
});

test("a default export that is not a job is FLEUVE_JOB_MODULE_INVALID saying what it is", async () => {
  const fn = await fleuve("run", jobFile("function.ts", "export default function build() {}\n"));
  assert.equal(fn.code, 1, fn.stderr);
  assert.match(
    fn.stderr,
    /^error FLEUVE_JOB_MODULE_INVALID: the default export .* is a function, not a job: export default defineJob\(/m,
  );
  const noName = await fleuve("run", jobFile("no-name.ts", "export default { build() {} };\n"));
  assert.equal(noName.code, 1, noName.stderr);
  assert.match(noName.stderr, /is an object without a name \(a string\), not a job/);
});

test("a plain { name, build } object, without defineJob, runs as a job", async () => {
  const file = jobFile(
    "plain.ts",
    "export default {\n  name: 'plain',\n  build(env: any) {\n    return env.fromCollection([1, 2, 3]).map((x: number) => x * 2);\n  },\n};\n",
  );
  const r = await fleuve("run", file);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n"), ["2", "4", "6"]);
  assert.match(r.stderr, /job 'plain' finished/);
});

const TYPED_JOB = `import { defineJob } from "@fleuve/core";
export default defineJob({
  name: "squares",
  build(env) {
    return env.fromCollection([1, 2, 3]).map((x) => x * x);
  },
});
`;

test("a .ts job in a directory with no package.json and no node_modules runs on the command's @fleuve/core", async () => {
  const file = jobFile("squares.ts", TYPED_JOB);
  const r = await fleuve("run", file);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n"), ["1", "4", "9"]);
  // On two worker threads: each loads the job as the main thread does.
  const p2 = await fleuve("run", file, "--parallelism", "2", "--threads", "2");
  assert.equal(p2.code, 0, p2.stderr);
  assert.deepEqual(p2.stdout.trim().split("\n").sort(), ["1", "4", "9"]);
});

test("a job in a project with its own node_modules/@fleuve/core uses that copy", async () => {
  const project = join(base, "project");
  const core = join(project, "node_modules", "@fleuve", "core");
  mkdirSync(core, { recursive: true });
  writeFileSync(join(project, "package.json"), '{ "name": "my-jobs", "private": true }\n');
  // The project's copy: the real engine plus a marker the job prints.
  const real = pathToFileURL(join(ROOT, "packages/core/dist/index.js")).href;
  writeFileSync(
    join(core, "package.json"),
    '{ "name": "@fleuve/core", "type": "module", "exports": { ".": "./index.js" } }\n',
  );
  writeFileSync(join(core, "index.js"), `export * from "${real}";\nexport const copy = "the project's";\n`);
  writeFileSync(
    join(project, "job.ts"),
    'import { copy, defineJob } from "@fleuve/core";\nexport default defineJob({ name: "which", build: (env) => env.fromCollection([copy]) });\n',
  );
  const r = await fleuve("run", join(project, "job.ts"));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "the project's");
});

test('a .ts job in a project that says "type": "commonjs" runs as CommonJS (require, __dirname)', async () => {
  const project = join(base, "cjs-project");
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, "package.json"),
    '{ "name": "cjs-jobs", "private": true, "type": "commonjs" }\n',
  );
  // Forced to ESM, this file fails: module, require and __dirname do not exist in an ES module.
  writeFileSync(
    join(project, "job.ts"),
    'const { basename } = require("node:path");\nmodule.exports = {\n  name: "cjs",\n  build: (env: any) => env.fromCollection([basename(__dirname)]),\n};\n',
  );
  const r = await fleuve("run", join(project, "job.ts"));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "cjs-project");
});

test("a script that runs its job on its project's own copy of @fleuve/core (not the command's) exits 0", async () => {
  const project = join(base, "copy-project");
  const core = join(project, "node_modules", "@fleuve", "core");
  mkdirSync(core, { recursive: true });
  writeFileSync(join(project, "package.json"), '{ "name": "copy-jobs", "private": true }\n');
  // A separate copy of the engine, as `npm install @fleuve/core` in the project makes: its own
  // StreamExecutionEnvironment class, distinct from the one the command loads.
  cpSync(join(ROOT, "packages/core/dist"), join(core, "dist"), { recursive: true });
  cpSync(join(ROOT, "packages/core/package.json"), join(core, "package.json"));
  writeFileSync(
    join(project, "script.ts"),
    [
      'import { StreamExecutionEnvironment } from "@fleuve/core";',
      'console.log("core: " + import.meta.resolve("@fleuve/core"));',
      "const env = StreamExecutionEnvironment.create();",
      "const out: number[] = [];",
      "env.fromCollection([1, 2, 3]).map((x) => x * 10).forEach((x) => { out.push(x); });",
      'await env.execute("copy-script");',
      'console.log("sum " + out.reduce((a, b) => a + b, 0));',
      "",
    ].join("\n"),
  );
  const r = await fleuve("run", join(project, "script.ts"));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^core: file:.*copy-project\/node_modules\/@fleuve\/core\/dist\/index\.js$/m);
  assert.match(r.stdout, /^sum 60$/m);
  assert.doesNotMatch(r.stderr, /FLEUVE_JOB_MODULE_INVALID/);
});
