/**
 * The parser's lookahead: chevrotain's LL(k) decisions, their token paths read from a table
 * computed ahead of time ({@link LOOKAHEAD_PATHS}, lookahead-paths.ts) instead of analysed from the
 * grammar at the first parse of every SQL job. Analysing them (chevrotain's
 * `lookAheadSequenceFromAlternatives`) took about 0.1 s of CPU at the first parse of even the
 * smallest query, mostly for the primary-expression alternation every query reaches: at Nexmark
 * q2's 1M events, a sixth of the SQL job's CPU. The table holds the paths chevrotain
 * computes (a test recomputes every decision and compares), keyed by a fingerprint of the grammar
 * and tokens: a parser whose grammar differs from the table's computes its paths as before.
 */

import { createHash } from "node:crypto";
import type { IToken, TokenType } from "chevrotain";
import { getLookaheadPaths, LLkLookaheadStrategy } from "./chevrotain.js";
import { LOOKAHEAD_FINGERPRINT, LOOKAHEAD_PATHS, LOOKAHEAD_RECORDING } from "./lookahead-paths.js";

type Strategy = InstanceType<typeof LLkLookaheadStrategy>;
type AlternationOptions = Parameters<Strategy["buildLookaheadForAlternation"]>[0];
type OptionalOptions = Parameters<Strategy["buildLookaheadForOptional"]>[0];
type AlternationLookahead = ReturnType<Strategy["buildLookaheadForAlternation"]>;
type OptionalLookahead = ReturnType<Strategy["buildLookaheadForOptional"]>;

/** The parser as the lookahead functions see it (`this`): the token k ahead. */
interface LookaheadHost {
  LA_FAST(k: number): IToken;
}

/** One decision of the grammar, as chevrotain asks the strategy for it. */
export interface Decision {
  /** `rule|kind|occurrence`: the key of its paths in the table. */
  key: string;
  options: AlternationOptions | OptionalOptions;
  kind: string;
}

/** Token paths of a decision: per alternative (an optional production has one), its paths of token names. */
export type NamedPaths = string[][][];

/** The key of a decision in the table. */
function decisionKey(ruleName: string, kind: string, occurrence: number): string {
  return `${ruleName}|${kind}|${occurrence}`;
}

/**
 * chevrotain's LL(k) lookahead, each decision's function built when the parser first reaches that
 * decision (not for every alternation and option of the grammar up front, most of them for rules
 * a job never uses: DDL, MATCH_RECOGNIZE...), from the table's paths when it matches the grammar.
 */
export class LazyLookahead extends LLkLookaheadStrategy {
  /** Every decision chevrotain registered, in order (for the table's generator and its test). */
  readonly decisions: Decision[] = [];
  private table: Readonly<Record<string, NamedPaths>> | undefined;
  private tokensByName: Map<string, TokenType> | undefined;

  /**
   * Uses the precomputed table if `fingerprint` (of this parser's grammar, {@link grammarFingerprint})
   * is the table's; otherwise each decision's paths are computed by chevrotain as it is reached.
   */
  usePrecomputed(fingerprint: string, tokens: readonly TokenType[]): void {
    if (fingerprint !== LOOKAHEAD_FINGERPRINT) return;
    this.table = LOOKAHEAD_PATHS;
    this.tokensByName = new Map(tokens.map((t) => [t.name, t]));
  }

  /**
   * Uses the precomputed table if the parser's grammar is the stored recording whose fingerprint
   * is `recording` (recorded-grammar.ts) and the table was computed from that recording: the
   * grammar is then the table's without serializing and hashing it for {@link usePrecomputed}
   * (about a quarter of building the parser, at the first parse of every SQL job). False when the
   * table is not that recording's (then ask {@link usePrecomputed}).
   */
  usePrecomputedForRecording(recording: string, tokens: readonly TokenType[]): boolean {
    if (recording !== LOOKAHEAD_RECORDING) return false;
    this.usePrecomputed(LOOKAHEAD_FINGERPRINT, tokens);
    return true;
  }

  /** The table's paths of a decision as token types, or undefined when it has none. */
  private precomputed(key: string): TokenType[][][] | undefined {
    const named = this.table?.[key];
    const byName = this.tokensByName;
    if (named === undefined || byName === undefined) return undefined;
    return named.map((alt) => alt.map((path) => path.map((n) => byName.get(n)!)));
  }

  override buildLookaheadForAlternation(options: AlternationOptions): AlternationLookahead {
    const key = decisionKey(options.rule.name, "Alternation", options.prodOccurrence);
    this.decisions.push({ key, options, kind: "Alternation" });
    let built: AlternationLookahead | undefined;
    const build = () => {
      const paths = options.dynamicTokensEnabled ? undefined : this.precomputed(key);
      built = paths
        ? alternativesLookahead(paths, options.hasPredicates)
        : super.buildLookaheadForAlternation(options);
      return built;
    };
    return function (this: ThisParameterType<AlternationLookahead>, alts) {
      return (built ?? build()).call(this, alts);
    };
  }

  override buildLookaheadForOptional(options: OptionalOptions): OptionalLookahead {
    const kind = String(options.prodType);
    const key = decisionKey(options.rule.name, kind, options.prodOccurrence);
    this.decisions.push({ key, options, kind });
    let built: OptionalLookahead | undefined;
    const build = () => {
      const paths = options.dynamicTokensEnabled ? undefined : this.precomputed(key);
      built = paths ? singleAlternativeLookahead(paths[0]!) : super.buildLookaheadForOptional(options);
      return built;
    };
    return function (this: ThisParameterType<OptionalLookahead>) {
      return (built ?? build()).call(this);
    };
  }
}

/**
 * A fingerprint of a parser's grammar (its serialized productions) and of its tokens (names and
 * categories, which decide what a path matches): the table is valid for this grammar only.
 */
export function grammarFingerprint(
  serializedGrammar: unknown,
  tokens: readonly TokenType[],
  maxLookahead: number,
): string {
  const tokenText = tokens
    .map((t) => `${t.name}:${(t.CATEGORIES ?? []).map((c) => c.name).join(",")}`)
    .join(";");
  return createHash("sha1")
    .update(`${maxLookahead}\n${tokenText}\n${JSON.stringify(serializedGrammar)}`)
    .digest("hex");
}

/** Whether any token of the paths has categories (chevrotain then matches by category too). */
function usesCategories(paths: TokenType[][][]): boolean {
  return paths.some((alt) => alt.some((path) => path.some((t) => (t.categoryMatches?.length ?? 0) > 0)));
}

/** chevrotain's token matchers (tokenStructuredMatcher and its no-category variant). */
function matcher(categories: boolean): (tok: IToken, type: TokenType) => boolean {
  if (!categories) return (tok, type) => tok.tokenTypeIdx === type.tokenTypeIdx;
  return (tok, type) =>
    tok.tokenTypeIdx === type.tokenTypeIdx ||
    (type.isParent === true && type.categoryMatchesMap![tok.tokenTypeIdx!] === true);
}

/**
 * The lookahead function of an alternation over its paths: chevrotain's
 * `buildAlternativesLookAheadFunc` (chevrotain 11, Apache-2.0), the same three forms.
 */
function alternativesLookahead(alts: TokenType[][][], hasPredicates: boolean): AlternationLookahead {
  const n = alts.length;
  const match = matcher(usesCategories(alts));
  if (hasPredicates) {
    return function (this: LookaheadHost, orAlts) {
      for (let t = 0; t < n; t++) {
        const gate = orAlts?.[t]?.GATE;
        if (gate !== undefined && gate.call(this) === false) continue;
        if (anyPathMatches(this, alts[t]!, match)) return t;
      }
      return undefined;
    } as AlternationLookahead;
  }
  const oneToken = alts.every((alt) => alt.every((path) => path.length === 1));
  if (oneToken) {
    const choice: Record<number, number> = {};
    alts.forEach((alt, idx) => {
      for (const type of alt.flat()) {
        if (!Object.hasOwn(choice, type.tokenTypeIdx!)) choice[type.tokenTypeIdx!] = idx;
        for (const sub of type.categoryMatches ?? []) if (!Object.hasOwn(choice, sub)) choice[sub] = idx;
      }
    });
    return function (this: LookaheadHost) {
      return choice[this.LA_FAST(1).tokenTypeIdx!];
    } as AlternationLookahead;
  }
  return function (this: LookaheadHost) {
    for (let t = 0; t < n; t++) if (anyPathMatches(this, alts[t]!, match)) return t;
    return undefined;
  } as AlternationLookahead;
}

/** Whether the next tokens match one of the paths. */
function anyPathMatches(
  host: LookaheadHost,
  paths: TokenType[][],
  match: (tok: IToken, type: TokenType) => boolean,
): boolean {
  nextPath: for (const path of paths) {
    for (let i = 0; i < path.length; i++) if (!match(host.LA_FAST(i + 1), path[i]!)) continue nextPath;
    return true;
  }
  return false;
}

/**
 * The lookahead function of an option or repetition over its paths: chevrotain's
 * `buildSingleAlternativeLookaheadFunction` (chevrotain 11, Apache-2.0), the same forms.
 */
function singleAlternativeLookahead(paths: TokenType[][]): OptionalLookahead {
  if (paths.every((path) => path.length === 1)) {
    const types = paths.flat();
    const only = types[0];
    if (types.length === 1 && only !== undefined && (only.categoryMatches?.length ?? 0) === 0) {
      const idx = only.tokenTypeIdx;
      return function (this: LookaheadHost) {
        return this.LA_FAST(1).tokenTypeIdx === idx;
      } as OptionalLookahead;
    }
    const accepted: boolean[] = [];
    for (const type of types) {
      accepted[type.tokenTypeIdx!] = true;
      for (const sub of type.categoryMatches ?? []) accepted[sub] = true;
    }
    return function (this: LookaheadHost) {
      return accepted[this.LA_FAST(1).tokenTypeIdx!] === true;
    } as OptionalLookahead;
  }
  const match = matcher(usesCategories([paths]));
  return function (this: LookaheadHost) {
    return anyPathMatches(this, paths, match);
  } as OptionalLookahead;
}

/**
 * The table of every decision's paths as chevrotain computes them (its `getLookaheadPaths`, the
 * function its own strategy uses), token names: what lookahead-paths.ts holds.
 */
export function computeLookaheadTable(strategy: LazyLookahead): Record<string, NamedPaths> {
  const table: Record<string, NamedPaths> = {};
  for (const { key, options, kind } of strategy.decisions) {
    const paths = getLookaheadPaths({
      occurrence: options.prodOccurrence,
      rule: options.rule,
      prodType: kind as Parameters<typeof getLookaheadPaths>[0]["prodType"],
      maxLookahead: options.maxLookahead,
    });
    // An option's function reads only its own paths (the first); the rest are what follows it.
    const used = kind === "Alternation" ? paths : paths.slice(0, 1);
    const named = used.map((alt) => alt.map((path) => path.map((t) => t.name)));
    // Two productions of one kind and occurrence in a rule (an OPTION in a helper called from
    // several alternatives) are one decision to chevrotain, with the same paths: keep one.
    const earlier = table[key];
    if (earlier !== undefined && JSON.stringify(earlier) !== JSON.stringify(named)) {
      throw new Error(`lookahead decision ${key} has two sets of paths`);
    }
    table[key] = named;
  }
  return table;
}
