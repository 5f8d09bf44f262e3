// A job in a user's own project type-checks against @fleuve/core as packed, with no build: the
// exports' "types" fall back from dist/*.d.ts to the TypeScript sources the package ships. The
// other @fleuve packages ship theirs the same way, and build their dist when packed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const PACKAGES = ["core", "log", "kafka", "state-lmdb", "cli"];

interface PackageJson {
  exports: Record<string, { types: string | string[]; import: string }>;
  scripts?: Record<string, string>;
  files: string[];
}

function packageJson(name: string): PackageJson {
  return JSON.parse(readFileSync(join(ROOT, "packages", name, "package.json"), "utf8")) as PackageJson;
}

function run(command: string, args: string[], cwd: string) {
  const r = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (r.error) throw r.error;
  return r;
}

test("every @fleuve package's exports give types from dist, else from its shipped sources, and build when packed", () => {
  for (const name of PACKAGES) {
    const pkg = packageJson(name);
    assert.ok(pkg.files.includes("src") && pkg.files.includes("dist"), `${name} ships src and dist`);
    assert.equal(pkg.scripts?.prepack, "tsc -b", `${name} builds its dist when packed`);
    for (const [path, target] of Object.entries(pkg.exports)) {
      const where = `@fleuve/${name} export '${path}'`;
      assert.ok(Array.isArray(target.types) && target.types.length === 2, `${where}: types [dist, src]`);
      const [built, source] = target.types;
      assert.match(built!, /^\.\/dist\/.*\.d\.ts$/, where);
      assert.equal(source, built!.replace(/^\.\/dist\//, "./src/").replace(/\.d\.ts$/, ".ts"), where);
      assert.ok(existsSync(join(ROOT, "packages", name, source!)), `${where}: ${source} exists`);
      assert.equal(target.import, built!.replace(/\.d\.ts$/, ".js"), `${where}: runs the built code`);
    }
  }
});

test("a job in a project of its own type-checks against @fleuve/core packed without a build", {
  timeout: 300_000,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-pack-"));
  try {
    // The package as a fresh checkout has it: no dist. Packed as it is (no prepack build).
    const unbuilt = join(dir, "core");
    mkdirSync(unbuilt);
    cpSync(join(ROOT, "packages/core/package.json"), join(unbuilt, "package.json"));
    cpSync(join(ROOT, "packages/core/src"), join(unbuilt, "src"), { recursive: true });
    const pack = run("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], unbuilt);
    assert.equal(pack.status, 0, pack.stderr);
    const tarball = join(dir, pack.stdout.trim().split("\n").pop()!);

    const project = join(dir, "project");
    const installed = join(project, "node_modules/@fleuve/core");
    mkdirSync(installed, { recursive: true });
    const untar = run("tar", ["xzf", tarball, "-C", installed, "--strip-components=1"], dir);
    assert.equal(untar.status, 0, untar.stderr);
    assert.ok(!existsSync(join(installed, "dist")), "the packed package has no build");
    mkdirSync(join(project, "node_modules/@types"));
    symlinkSync(join(ROOT, "node_modules/@types/node"), join(project, "node_modules/@types/node"));
    writeFileSync(
      join(project, "package.json"),
      '{ "name": "my-jobs", "private": true, "type": "module" }\n',
    );
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          types: ["node"],
        },
        include: ["job.ts"],
      }),
    );
    const job = (body: string) =>
      writeFileSync(
        join(project, "job.ts"),
        `import { defineJob } from "@fleuve/core";\nexport default defineJob({\n  name: "squares",\n  build(env) {\n    return env.fromCollection([1, 2, 3]).map((x) => ${body});\n  },\n});\n`,
      );
    const tsc = () =>
      run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", project], project);

    job("x * x");
    const ok = tsc();
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    // The types are real: `x` is a number, so this does not type-check.
    job("x.toUpperCase()");
    const bad = tsc();
    assert.notEqual(bad.status, 0);
    assert.match(
      bad.stdout,
      /job\.ts\(5,\d+\): error TS2339: Property 'toUpperCase' does not exist on type 'number'/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
