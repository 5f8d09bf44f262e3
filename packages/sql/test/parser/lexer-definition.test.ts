// The SQL lexer is built without chevrotain's checks of its token definitions (they cost CPU at
// the start of every SQL job): the same token list built with them is reported sound here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Lexer } from "../../src/parser/chevrotain.js";
import { ALL_TOKENS, LEXER_OPTIONS } from "../../src/parser/lexer.js";

test("the SQL token definitions pass chevrotain's lexer checks", () => {
  const lexer = new Lexer(ALL_TOKENS, { ...LEXER_OPTIONS, deferDefinitionErrorsHandling: true });
  assert.deepEqual(
    lexer.lexerDefinitionErrors.map((e) => e.message),
    [],
  );
});

test("the keywords' start-character hints are what chevrotain finds by analysing their patterns", () => {
  // The hints replace chevrotain's analysis of each pattern (a cost at every SQL job's start);
  // a wrong hint would make the lexer miss the keyword. Built without them, the lexer's
  // first-character table must be the same.
  const table = (lexer: InstanceType<typeof Lexer>) => {
    const byMode = (lexer as unknown as { charCodeToPatternIdxToConfig: Record<string, unknown[][]> })
      .charCodeToPatternIdxToConfig;
    return Object.values(byMode).map((codes) =>
      Array.from(codes, (configs) =>
        (configs ?? []).map((c) => (c as { tokenType: { name: string } }).tokenType.name).sort(),
      ),
    );
  };
  const hinted = new Lexer(ALL_TOKENS, LEXER_OPTIONS);
  assert.ok(ALL_TOKENS.some((t) => (t as { START_CHARS_HINT?: unknown }).START_CHARS_HINT !== undefined));
  const hints = ALL_TOKENS.map((t) => (t as { START_CHARS_HINT?: unknown }).START_CHARS_HINT);
  let unhinted: InstanceType<typeof Lexer>;
  try {
    for (const t of ALL_TOKENS) delete (t as { START_CHARS_HINT?: unknown }).START_CHARS_HINT;
    unhinted = new Lexer(ALL_TOKENS, LEXER_OPTIONS);
  } finally {
    ALL_TOKENS.forEach((t, i) => {
      if (hints[i] !== undefined) (t as { START_CHARS_HINT?: unknown }).START_CHARS_HINT = hints[i];
    });
  }
  // A lexer that gave up its first-character table would compare equal with nothing in it.
  assert.ok(table(hinted).some((codes) => codes.some((names) => names.includes("SELECT"))));
  assert.deepEqual(table(hinted), table(unhinted));
});
