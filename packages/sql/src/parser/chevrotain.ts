/**
 * chevrotain's runtime, loaded from its single-file bundle. The package exports only its
 * unbundled ES modules, which with lodash-es are hundreds of files: about 0.7 s of CPU to load,
 * paid at the start of every SQL job (Nexmark at 100k events spends more on that than on the
 * records). `lib/chevrotain.mjs` of the same package is the same code in one file (about 30 ms).
 * If a later chevrotain has no such file, the package itself is loaded. Types come from the
 * package's declarations.
 */

import type * as Chevrotain from "chevrotain";

async function load(): Promise<typeof Chevrotain> {
  try {
    const bundle = new URL("../chevrotain.mjs", import.meta.resolve("chevrotain"));
    return (await import(bundle.href)) as typeof Chevrotain;
  } catch {
    return await import("chevrotain");
  }
}

const chevrotain = await load();

/** chevrotain's values the parser uses (see the module comment). */
export const { createToken, EmbeddedActionsParser, EOF, getLookaheadPaths, Lexer, LLkLookaheadStrategy } =
  chevrotain;

/** chevrotain's version: a recorded grammar (recorded-grammar.ts) is only reused by the version that recorded it. */
export const { VERSION } = chevrotain;

/**
 * chevrotain's grammar (GAST) node classes by name, which a recorded grammar is rebuilt from
 * (recorded-grammar.ts).
 */
export const GAST_CLASSES = {
  Alternation: chevrotain.Alternation,
  Alternative: chevrotain.Alternative,
  NonTerminal: chevrotain.NonTerminal,
  Option: chevrotain.Option,
  Repetition: chevrotain.Repetition,
  RepetitionMandatory: chevrotain.RepetitionMandatory,
  RepetitionMandatoryWithSeparator: chevrotain.RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator: chevrotain.RepetitionWithSeparator,
  Rule: chevrotain.Rule,
  Terminal: chevrotain.Terminal,
};
