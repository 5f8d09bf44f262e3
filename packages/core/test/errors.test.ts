import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ERROR_CODES, FleuveError, restartCannotCure, StreamExecutionEnvironment } from "../src/index.js";

// Both files are read when the test runs, so a code added by anyone without docs fails here.
const docPath = new URL("../../../docs/errors.md", import.meta.url);
const CODE_FORMAT = /^FLEUVE_[A-Z][A-Z0-9]*_[A-Z][A-Z0-9_]*[A-Z0-9]$/;

/** Sections of docs/errors.md: `### CODE` heading -> body up to the next heading. */
function docSections(): Map<string, string> {
  const text = readFileSync(docPath, "utf8");
  const sections = new Map<string, string>();
  const parts = text.split(/^#{2,3} /m).slice(1);
  for (const part of parts) {
    const nl = part.indexOf("\n");
    const title = part.slice(0, nl).trim();
    if (!title.startsWith("FLEUVE")) continue;
    assert.ok(!sections.has(title), `docs/errors.md documents ${title} twice`);
    sections.set(title, part.slice(nl + 1));
  }
  return sections;
}

test("every error code has the form FLEUVE_<AREA>_<WHAT>", () => {
  const codes = Object.keys(ERROR_CODES);
  assert.ok(codes.length > 0);
  for (const code of codes) assert.match(code, CODE_FORMAT, `error code ${code}`);
});

test("docs/errors.md lists exactly the codes of ERROR_CODES", () => {
  const documented = [...docSections().keys()].sort();
  const declared = Object.keys(ERROR_CODES).sort();
  const missing = declared.filter((c) => !documented.includes(c));
  const extra = documented.filter((c) => !(c in ERROR_CODES));
  assert.deepEqual(missing, [], `codes in ERROR_CODES without a section in docs/errors.md: ${missing}`);
  assert.deepEqual(extra, [], `sections in docs/errors.md for codes not in ERROR_CODES: ${extra}`);
  for (const code of documented) assert.match(code, CODE_FORMAT, `documented code ${code}`);
});

test("each documented code gives the ERROR_CODES meaning, when it happens and what to do", () => {
  const sections = docSections();
  for (const [code, meaning] of Object.entries(ERROR_CODES)) {
    const body = sections.get(code);
    assert.ok(body !== undefined, `${code} is not documented`);
    // Compare with whitespace collapsed: the doc wraps long lines.
    const flat = body.replace(/\s+/g, " ");
    assert.ok(flat.includes(meaning.replace(/\s+/g, " ")), `${code}: the doc does not state "${meaning}"`);
    assert.match(body, /\*\*When:\*\*/, `${code}: no "When" paragraph`);
    assert.match(body, /\*\*What to do:\*\*/, `${code}: no "What to do" paragraph`);
  }
});

test("restartCannotCure: the core's own permanent codes, and any error its thrower marks permanent", () => {
  assert.equal(restartCannotCure(new FleuveError("FLEUVE_CONFIG_INVALID", "x")), true);
  assert.equal(restartCannotCure(new FleuveError("FLEUVE_STATE_INCOMPATIBLE", "x")), true);
  // A connector's code is not permanent by itself (a missing topic may be a broker restarting)...
  assert.equal(restartCannotCure(new FleuveError("FLEUVE_KAFKA_TOPIC_NOT_FOUND", "x")), false);
  assert.equal(restartCannotCure(new FleuveError("FLEUVE_SINK_FAILED", "x")), false);
  // ...only once the thrower has confirmed it and says so.
  assert.equal(
    restartCannotCure(new FleuveError("FLEUVE_KAFKA_TOPIC_NOT_FOUND", "x", { permanent: true })),
    true,
  );
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
