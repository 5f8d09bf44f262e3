// The parser reads its lookahead paths from a precomputed table (lookahead-paths.ts) instead of
// analysing the grammar at the first parse of every job. The table must be the grammar's (its
// fingerprint), hold exactly chevrotain's paths, and the functions built from it must choose as
// chevrotain's own functions do, on token sequences near and far from the paths.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { IToken, TokenType } from "chevrotain";
import fc from "fast-check";
import { LLkLookaheadStrategy } from "../../src/parser/chevrotain.js";
import { MAX_LOOKAHEAD } from "../../src/parser/expression-parser.js";
import { ALL_TOKENS } from "../../src/parser/lexer.js";
import { computeLookaheadTable, grammarFingerprint, LazyLookahead } from "../../src/parser/lookahead.js";
import { LOOKAHEAD_FINGERPRINT, LOOKAHEAD_PATHS } from "../../src/parser/lookahead-paths.js";
import { parseQuery } from "../../src/parser/parse.js";
import { SqlParser } from "../../src/parser/statement-parser.js";

const parser = new SqlParser();
const decisions = parser.lazyLookahead.decisions;

test("the precomputed lookahead table is the current grammar's (else: node scripts/sql-lookahead-paths.mjs)", () => {
  const fingerprint = grammarFingerprint(parser.getSerializedGastProductions(), ALL_TOKENS, MAX_LOOKAHEAD);
  assert.equal(LOOKAHEAD_FINGERPRINT, fingerprint);
});

test("every path in the table is the one chevrotain computes, and nearly every decision is in it", () => {
  const computed = computeLookaheadTable(parser.lazyLookahead);
  const keys = Object.keys(LOOKAHEAD_PATHS);
  for (const key of keys) assert.deepEqual(LOOKAHEAD_PATHS[key], computed[key], key);
  // Left out are only decisions too large to be worth loading (JSON_VALUE's clauses).
  assert.ok(
    keys.length >= Object.keys(computed).length - 2,
    `${keys.length} of ${Object.keys(computed).length}`,
  );
  assert.ok(keys.length > 200);
});

/** A token of the given type, as the lexer makes them (the lookahead reads only its type index). */
function tokenOf(type: TokenType): IToken {
  return { image: type.name, startOffset: 0, tokenType: type, tokenTypeIdx: type.tokenTypeIdx! } as IToken;
}

const byName = new Map(ALL_TOKENS.map((t) => [t.name, t]));
/** Tokens that match a path's token type: the type itself or a token type in its category. */
function matchingTypes(type: TokenType): TokenType[] {
  const subs = ALL_TOKENS.filter((t) => t !== type && (type.categoryMatchesMap?.[t.tokenTypeIdx!] ?? false));
  return [type, ...subs];
}

/** Token sequences of length MAX_LOOKAHEAD + 1: a path of the decision (mutated) or random tokens. */
function sequences(paths: string[][][]): fc.Arbitrary<TokenType[]> {
  const all = paths.flat().filter((p) => p.length > 0);
  const anyToken = fc.constantFrom(...ALL_TOKENS);
  const random = fc.array(anyToken, { minLength: MAX_LOOKAHEAD + 1, maxLength: MAX_LOOKAHEAD + 1 });
  if (all.length === 0) return random;
  const nearPath = fc
    .tuple(
      fc.constantFrom(...all),
      fc.array(fc.nat(), { minLength: MAX_LOOKAHEAD + 1, maxLength: MAX_LOOKAHEAD + 1 }),
      random,
      fc.integer({ min: -1, max: MAX_LOOKAHEAD }),
    )
    .map(([path, picks, filler, mutateAt]) => {
      const seq = filler.slice();
      path.forEach((name, i) => {
        const options = matchingTypes(byName.get(name)!);
        seq[i] = options[picks[i]! % options.length]!;
      });
      // One position replaced by a random token (or none): near misses.
      if (mutateAt >= 0) seq[mutateAt] = filler[(mutateAt + 1) % filler.length]!;
      return seq;
    });
  return fc.oneof({ arbitrary: nearPath, weight: 4 }, { arbitrary: random, weight: 1 });
}

test("lookahead functions built from the table choose as chevrotain's own (fast-check, every decision)", () => {
  const precomputed = new LazyLookahead({ maxLookahead: MAX_LOOKAHEAD });
  precomputed.usePrecomputed(LOOKAHEAD_FINGERPRINT, ALL_TOKENS);
  const chevrotain = new LLkLookaheadStrategy({ maxLookahead: MAX_LOOKAHEAD });
  let checked = 0;
  for (const { key, options, kind } of decisions) {
    const paths = LOOKAHEAD_PATHS[key];
    if (paths === undefined) continue;
    checked++;
    if (kind === "Alternation") {
      const opts = options as Parameters<typeof chevrotain.buildLookaheadForAlternation>[0];
      const ours = precomputed.buildLookaheadForAlternation(opts);
      const theirs = chevrotain.buildLookaheadForAlternation(opts);
      const alts = paths.length;
      fc.assert(
        fc.property(
          sequences(paths),
          fc.array(fc.option(fc.boolean()), { minLength: alts, maxLength: alts }),
          (seq, gates) => {
            const host = { LA_FAST: (k: number) => tokenOf(seq[k - 1]!) };
            const orAlts = gates.map((g) => ({
              ALT: () => undefined,
              GATE: g === null ? undefined : () => g,
            }));
            assert.equal(ours.call(host as never, orAlts), theirs.call(host as never, orAlts), key);
          },
        ),
        { numRuns: 150 },
      );
    } else {
      const opts = options as Parameters<typeof chevrotain.buildLookaheadForOptional>[0];
      const ours = precomputed.buildLookaheadForOptional(opts);
      const theirs = chevrotain.buildLookaheadForOptional(opts);
      fc.assert(
        fc.property(sequences(paths), (seq) => {
          const host = { LA_FAST: (k: number) => tokenOf(seq[k - 1]!) };
          assert.equal(ours.call(host as never), theirs.call(host as never), key);
        }),
        { numRuns: 150 },
      );
    }
  }
  assert.ok(checked > 200, `${checked} decisions checked`);
});

test("a grammar other than the table's computes its paths as chevrotain does", () => {
  const strategy = new LazyLookahead({ maxLookahead: MAX_LOOKAHEAD });
  strategy.usePrecomputed("another grammar", ALL_TOKENS);
  const chevrotain = new LLkLookaheadStrategy({ maxLookahead: MAX_LOOKAHEAD });
  const { options } = decisions.find((d) => d.key === "primary|Alternation|0")!;
  const opts = options as Parameters<typeof chevrotain.buildLookaheadForAlternation>[0];
  const host = { LA_FAST: () => tokenOf(byName.get("NumberLiteral")!) };
  assert.equal(
    strategy.buildLookaheadForAlternation(opts).call(host as never, []),
    chevrotain.buildLookaheadForAlternation(opts).call(host as never, []),
  );
  // And the shared parser parses as before.
  assert.equal(parseQuery("SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0").kind, "query");
});
