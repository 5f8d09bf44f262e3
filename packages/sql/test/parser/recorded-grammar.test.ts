// The parser takes its grammar from a stored recording (recorded-grammar-data.ts) instead of
// recording it at the start of every job. The recording must be the one chevrotain makes of the
// current grammar, and a parser built from it must hold chevrotain's grammar. Tests of the compiled
// parser (dist): the stored recording is keyed by the compiled classes' text, so the source run
// through tsx records its grammar itself.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EmbeddedActionsParser, VERSION } from "../../dist/parser/chevrotain.js";
import { MAX_LOOKAHEAD } from "../../dist/parser/expression-parser.js";
import { ALL_TOKENS, sqlLexer } from "../../dist/parser/lexer.js";
import { grammarFingerprint } from "../../dist/parser/lookahead.js";
import {
  LOOKAHEAD_FINGERPRINT,
  LOOKAHEAD_PATHS,
  LOOKAHEAD_RECORDING,
} from "../../dist/parser/lookahead-paths.js";
import { parseScript } from "../../dist/parser/parse.js";
import {
  decodeRule,
  encodeRule,
  grammarSourceFingerprint,
  recordRules,
} from "../../dist/parser/recorded-grammar.js";
import { RECORDED_GRAMMAR, RECORDED_GRAMMAR_FINGERPRINT } from "../../dist/parser/recorded-grammar-data.js";
import { SqlParser } from "../../dist/parser/statement-parser.js";

/** A parser whose class differs from SqlParser's: its fingerprint is not the stored one, so it records. */
class RecordingParser extends SqlParser {}

const tokensByName = new Map(ALL_TOKENS.map((t) => [t.name, t]));

test("the stored recording is the compiled parser's (else: node scripts/sql-lookahead-paths.mjs)", () => {
  assert.equal(
    grammarSourceFingerprint(SqlParser, EmbeddedActionsParser, ALL_TOKENS, MAX_LOOKAHEAD),
    RECORDED_GRAMMAR_FINGERPRINT,
  );
  const parser = new SqlParser();
  assert.equal((parser as unknown as { storedGrammar?: Map<string, object> }).storedGrammar?.size, 106);
});

test("another chevrotain version does not reuse the stored recording", () => {
  const current = grammarSourceFingerprint(SqlParser, EmbeddedActionsParser, ALL_TOKENS, MAX_LOOKAHEAD);
  assert.equal(
    grammarSourceFingerprint(SqlParser, EmbeddedActionsParser, ALL_TOKENS, MAX_LOOKAHEAD, VERSION),
    current,
  );
  assert.notEqual(
    grammarSourceFingerprint(SqlParser, EmbeddedActionsParser, ALL_TOKENS, MAX_LOOKAHEAD, `${VERSION}-next`),
    current,
  );
});

test("the stored recording of every rule is chevrotain's recording of it, field for field", () => {
  const recorded = recordRules(new SqlParser(), EmbeddedActionsParser);
  assert.deepEqual(Object.keys(RECORDED_GRAMMAR).sort(), [...recorded.keys()].sort());
  for (const [name, rule] of recorded) {
    assert.deepEqual(
      RECORDED_GRAMMAR[name],
      encodeRule(rule),
      `rule ${name}: the stored recording is stale (npm run build; node scripts/sql-lookahead-paths.mjs)`,
    );
    // Same classes and own fields as chevrotain's nodes (deepStrictEqual compares prototypes).
    assert.deepStrictEqual(decodeRule(encodeRule(rule), tokensByName), rule, name);
  }
});

test("a parser built from the stored recording has the grammar of one that records it", () => {
  const stored = new SqlParser();
  const recording = new RecordingParser();
  assert.equal((recording as unknown as { storedGrammar?: unknown }).storedGrammar, undefined);
  assert.deepEqual(stored.getSerializedGastProductions(), recording.getSerializedGastProductions());
});

test("statements parse the same with the stored recording as with chevrotain's", () => {
  const text =
    "CREATE TABLE t (a BIGINT, b ROW<x INT, y STRING>, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '4' SECOND) WITH ('connector' = 'datagen');" +
    "SELECT a, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' SECOND)) WHERE MOD(a, 123) = 0 AND b.x IS NOT NULL GROUP BY a, window_start;" +
    "INSERT INTO s SELECT CASE WHEN a > 1 THEN 'x' ELSE UPPER(b.y) END FROM t";
  const recording = new RecordingParser();
  recording.input = sqlLexer.tokenize(text).tokens;
  const viaRecording = recording.script();
  assert.deepEqual(recording.errors, []);
  assert.equal(viaRecording.length, 3);
  // As JSON: the trees are plain data, and deepEqual walks them slowly.
  assert.equal(JSON.stringify(parseScript(text)), JSON.stringify(viaRecording));
});

test("a parser built from the stored recording installs no recording methods; one that records does, and removes them", () => {
  // chevrotain's recorder, on its parser prototype: count who calls it and what it leaves behind.
  let owner: object | null = EmbeddedActionsParser.prototype;
  while (owner !== null && !Object.hasOwn(owner, "enableRecording")) owner = Object.getPrototypeOf(owner);
  assert.ok(owner !== null);
  const recorder = owner as { enableRecording(): void };
  const original = recorder.enableRecording;
  const callers: string[] = [];
  recorder.enableRecording = function (this: object) {
    callers.push(this.constructor.name);
    original.call(this);
  };
  try {
    const stored = new SqlParser();
    const recording = new RecordingParser();
    assert.deepEqual(callers, ["RecordingParser"]);
    for (const p of [stored, recording]) {
      assert.equal(Object.hasOwn(p, "CONSUME"), false);
      assert.equal(Object.hasOwn(p, "SUBRULE2"), false);
      assert.equal((p as unknown as { RECORDING_PHASE: boolean }).RECORDING_PHASE, false);
    }
    // Asked for outside the self analysis (the generator script), the stored parser records.
    assert.ok(recordRules(stored, EmbeddedActionsParser).size >= 103);
    assert.deepEqual(callers, ["RecordingParser", "SqlParser"]);
  } finally {
    recorder.enableRecording = original;
  }
});

test("a parser built from the stored recording parses as one that records, also after recording again", () => {
  const text = "SELECT a, COUNT(*) AS n FROM t WHERE b IS NOT NULL GROUP BY a HAVING COUNT(*) > 1";
  const stored = new SqlParser();
  recordRules(stored, EmbeddedActionsParser);
  const recording = new RecordingParser();
  for (const p of [stored, recording]) {
    p.input = sqlLexer.tokenize(text).tokens;
    assert.equal(JSON.stringify(p.script()), JSON.stringify(parseScript(text)));
    assert.deepEqual(p.errors, []);
  }
});

test("the lookahead table was computed from the stored recording: a parser built from it takes the table without serializing its grammar", () => {
  assert.equal(LOOKAHEAD_RECORDING, RECORDED_GRAMMAR_FINGERPRINT);
  const proto = EmbeddedActionsParser.prototype as unknown as { getSerializedGastProductions(): unknown };
  const original = proto.getSerializedGastProductions;
  const serialized: string[] = [];
  proto.getSerializedGastProductions = function (this: object) {
    serialized.push(this.constructor.name);
    return original.call(this);
  };
  try {
    const stored = new SqlParser();
    const recording = new RecordingParser();
    // Only the parser that records its grammar fingerprints it, and finds the table's grammar.
    assert.deepEqual(serialized, ["RecordingParser"]);
    for (const p of [stored, recording])
      assert.equal((p.lazyLookahead as unknown as { table?: unknown }).table, LOOKAHEAD_PATHS);
    assert.equal(grammarFingerprint(original.call(stored), ALL_TOKENS, MAX_LOOKAHEAD), LOOKAHEAD_FINGERPRINT);
  } finally {
    proto.getSerializedGastProductions = original;
  }
});
