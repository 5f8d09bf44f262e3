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
