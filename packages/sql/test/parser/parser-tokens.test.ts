// The parser does not recompute its tokens' type indexes and category maps (chevrotain's
// augmentTokenTypes), which the lexer already computed for the same tokens (expression-parser.ts
// initRecognizerEngine): its token map and matcher must be those chevrotain's own start gives, and
// the tokens as chevrotain would leave them.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TokenType } from "chevrotain";
import { EmbeddedActionsParser } from "../../src/parser/chevrotain.js";
import { ALL_TOKENS } from "../../src/parser/lexer.js";
import { parseQuery } from "../../src/parser/parse.js";
import { SqlParser } from "../../src/parser/statement-parser.js";

/** What chevrotain's start leaves on a parser. */
interface Recognizer {
  tokensMap: Record<string, TokenType>;
  tokenMatcher: Function;
  initRecognizerEngine(vocabulary: readonly TokenType[], config: unknown): void;
}

/** Each token's type index and category fields, as a comparable text. */
function tokenFields(): string {
  return JSON.stringify(
    ALL_TOKENS.map((t) => [t.name, t.tokenTypeIdx, t.categoryMatches, t.categoryMatchesMap, t.isParent]),
  );
}

test("the parser's token map and token matcher are those of chevrotain's start over the whole vocabulary", () => {
  const before = tokenFields();
  const parser = new SqlParser() as unknown as Recognizer;
  assert.equal(tokenFields(), before);
  // chevrotain's own start (its prototype's, above the SQL parser's), on a bare parser object.
  const reference = Object.create(EmbeddedActionsParser.prototype) as Recognizer;
  (EmbeddedActionsParser.prototype as unknown as Recognizer).initRecognizerEngine.call(
    reference,
    ALL_TOKENS,
    {},
  );
  // augmentTokenTypes again over every token changes none: the lexer had computed them all.
  assert.equal(tokenFields(), before);
  assert.deepEqual(Object.keys(parser.tokensMap).sort(), Object.keys(reference.tokensMap).sort());
  for (const [name, type] of Object.entries(reference.tokensMap))
    assert.equal(parser.tokensMap[name], type, name);
  assert.equal(parser.tokenMatcher, reference.tokenMatcher);
  // The matcher takes a category's members: non-reserved keywords (FIRST, WINDOW_START) are names.
  assert.doesNotThrow(() => parseQuery("SELECT first, window_start FROM t"));
});
