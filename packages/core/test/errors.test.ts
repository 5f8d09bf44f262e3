import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import {
  CORE_ERROR_CODES,
  defineErrorCodes,
  type ErrorCodeTable,
  FleuveError,
  isErrorCode,
  isFleuveError,
  restartCannotCure,
  runJob,
  StreamExecutionEnvironment,
} from "../src/index.js";

// Every package declares its own codes (its src/errors.ts) and documents them in its own section of
// docs/errors.md. All are read when the test runs, so a code added anywhere without docs fails here.
const packagesDir = new URL("../../", import.meta.url);
const docPath = new URL("../../../docs/errors.md", import.meta.url);
const CODE_FORMAT = /^FLEUVE_[A-Z][A-Z0-9]*_[A-Z][A-Z0-9_]*[A-Z0-9]$/;

function isTable(v: unknown): v is ErrorCodeTable {
  return (
    typeof v === "object" && v !== null && typeof (v as ErrorCodeTable).package === "string" && "codes" in v
  );
}

/** Each workspace package's name -> the code tables its src/errors.ts exports (none if it has no file). */
async function declaredTables(): Promise<Map<string, ErrorCodeTable[]>> {
  const tables = new Map<string, ErrorCodeTable[]>();
  for (const dir of readdirSync(packagesDir).sort()) {
    const manifest = new URL(`${dir}/package.json`, packagesDir);
    if (!existsSync(manifest)) continue;
    const name = (JSON.parse(readFileSync(manifest, "utf8")) as { name: string }).name;
    const file = new URL(`${dir}/src/errors.ts`, packagesDir);
    const found = existsSync(file) ? Object.values(await import(file.href)).filter(isTable) : [];
    tables.set(name, found);
  }
  return tables;
}

/** docs/errors.md: each "## `@fleuve/<package>`..." section -> its `### CODE` headings -> body. */
function docSections(): Map<string, Map<string, string>> {
  const text = readFileSync(docPath, "utf8");
  const byPackage = new Map<string, Map<string, string>>();
  const seen = new Set<string>();
  for (const part of text.split(/^## /m).slice(1)) {
    const nl = part.indexOf("\n");
    const title = part.slice(0, nl);
    const pkg = /`(@fleuve\/[a-z0-9-]+)`/.exec(title)?.[1];
    const codes = part.split(/^### /m).slice(1);
    if (pkg === undefined) {
      assert.equal(
        codes.length,
        0,
        `docs/errors.md: section "${title}" documents codes but names no package`,
      );
      continue;
    }
    assert.ok(!byPackage.has(pkg), `docs/errors.md has two sections for ${pkg}`);
    const sections = new Map<string, string>();
    for (const c of codes) {
      const cnl = c.indexOf("\n");
      const code = c.slice(0, cnl).trim();
      assert.ok(!seen.has(code), `docs/errors.md documents ${code} twice`);
      seen.add(code);
      sections.set(code, c.slice(cnl + 1));
    }
    byPackage.set(pkg, sections);
  }
  return byPackage;
}

test("every package's error codes have the form FLEUVE_<AREA>_<WHAT>, and no code is declared twice", async () => {
  const owner = new Map<string, string>();
  const tables = await declaredTables();
  assert.deepEqual(tables.get("@fleuve/core"), [CORE_ERROR_CODES]);
  for (const [pkg, list] of tables) {
    for (const table of list) {
      assert.equal(
        table.package,
        pkg,
        `a code table in ${pkg}'s src/errors.ts says it belongs to ${table.package}`,
      );
      for (const code of Object.keys(table.codes)) {
        assert.match(code, CODE_FORMAT, `${pkg}: error code ${code}`);
        assert.ok(!owner.has(code), `${code} is declared by both ${owner.get(code)} and ${pkg}`);
        owner.set(code, pkg);
      }
    }
  }
  // The packages that own codes today; a new package with an errors.ts is found the same way.
  for (const pkg of ["@fleuve/core", "@fleuve/log", "@fleuve/kafka"]) {
    assert.ok((tables.get(pkg) ?? []).length > 0, `${pkg} declares no error codes`);
  }
});

test("docs/errors.md lists, in each package's section, exactly the codes that package declares", async () => {
  const docs = docSections();
  for (const [pkg, list] of await declaredTables()) {
    const declared = list.flatMap((t) => Object.keys(t.codes)).sort();
    const documented = [...(docs.get(pkg)?.keys() ?? [])].sort();
    const missing = declared.filter((c) => !documented.includes(c));
    const extra = documented.filter((c) => !declared.includes(c));
    assert.deepEqual(
      missing,
      [],
      `${pkg}: codes without a section in its part of docs/errors.md: ${missing}`,
    );
    assert.deepEqual(
      extra,
      [],
      `${pkg}: codes in its part of docs/errors.md that it does not declare: ${extra}`,
    );
    docs.delete(pkg);
  }
  assert.deepEqual(
    [...docs.keys()],
    [],
    "docs/errors.md has sections for packages that are not in packages/",
  );
});

test("each documented code gives its package's meaning, when it happens and what to do", async () => {
  const docs = docSections();
  for (const [pkg, list] of await declaredTables()) {
    for (const table of list) {
      for (const [code, meaning] of Object.entries<string>(table.codes)) {
        const body = docs.get(pkg)?.get(code);
        assert.ok(body !== undefined, `${code} is not documented in ${pkg}'s section`);
        // Compare with whitespace collapsed: the doc wraps long lines.
        const flat = body.replace(/\s+/g, " ");
        assert.ok(
          flat.includes(meaning.replace(/\s+/g, " ")),
          `${code}: the doc does not state "${meaning}"`,
        );
        assert.match(body, /\*\*When:\*\*/, `${code}: no "When" paragraph`);
        assert.match(body, /\*\*What to do:\*\*/, `${code}: no "What to do" paragraph`);
      }
    }
  }
});

test("defineErrorCodes refuses a code of the wrong form or without a meaning", () => {
  assert.throws(() => defineErrorCodes("@fleuve/x", { FLEUVE_lower_case: "x" }), /FLEUVE_lower_case/);
  assert.throws(() => defineErrorCodes("@fleuve/x", { OTHER_PREFIX_CODE: "x" }), /OTHER_PREFIX_CODE/);
  assert.throws(() => defineErrorCodes("@fleuve/x", { FLEUVE_X_EMPTY: " " }), /FLEUVE_X_EMPTY/);
  assert.equal(isErrorCode("FLEUVE_LOG_LOCKED"), true);
  assert.equal(isErrorCode("EACCES"), false);
});

test("a code of another package crosses worker threads: the job fails with it, not FLEUVE_JOB_FAILED", async () => {
  const job = new URL("./fixtures/foreign-code-job.ts", import.meta.url).href;
  const client = await runJob(job, { parallelism: 2, threads: 2 });
  await assert.rejects(client.result, (e: unknown) => {
    assert.ok(isFleuveError(e, "FLEUVE_FOREIGN_SINK_DOWN"), String(e));
    assert.equal((e as FleuveError).details.v, 42);
    return true;
  });
});

test("restartCannotCure: the core's own permanent codes, and any error its thrower marks permanent", () => {
  assert.equal(restartCannotCure(new FleuveError("FLEUVE_CONFIG_INVALID", "x")), true);
  assert.equal(restartCannotCure(new FleuveError("FLEUVE_STATE_INCOMPATIBLE", "x")), true);
  // A connector's code is not permanent by itself (a missing topic may be a broker restarting)...
  assert.equal(restartCannotCure(new FleuveError("FLEUVE_SOURCE_FAILED", "x")), false);
  assert.equal(restartCannotCure(new FleuveError("FLEUVE_SINK_FAILED", "x")), false);
  // ...only once the thrower has confirmed it and says so.
  assert.equal(restartCannotCure(new FleuveError("FLEUVE_SOURCE_FAILED", "x", { permanent: true })), true);
  assert.equal(restartCannotCure(new FleuveError("FLEUVE_SINK_FAILED", "x", { permanent: true })), true);
});

test("a job whose sink fails with a permanent error fails at once; without the mark it restarts", async () => {
  for (const permanent of [true, false]) {
    let starts = 0;
    const env = StreamExecutionEnvironment.create({
      log: () => {},
      restartStrategy: { type: "fixed-delay", attempts: 2, delayMs: 1 },
    });
    env
      .fromGenerator((i) => i, { count: 3 })
      .sinkTo(
        {
          createWriter: () => {
            starts++;
            return {
              write() {
                throw new FleuveError("FLEUVE_SINK_FAILED", "boom", { permanent });
              },
            };
          },
        },
        "failing",
      );
    await assert.rejects(env.execute("permanent-or-not"));
    assert.equal(starts, permanent ? 1 : 3, `permanent ${permanent}: writer starts`);
  }
});
