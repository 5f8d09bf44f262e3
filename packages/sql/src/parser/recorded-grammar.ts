/**
 * The parser's grammar as chevrotain records it (its GAST: one tree of productions per rule),
 * stored ahead of time (recorded-grammar-data.ts) instead of recorded at the start of every SQL
 * job. Recording runs each of the few hundred rule bodies once in chevrotain's recording mode,
 * compiling them all: about 60 ms of CPU when the first statement is parsed, even for a query
 * that reaches a tenth of the rules (at Nexmark q2's 1M events, a tenth of the SQL job's CPU).
 *
 * The stored trees are keyed by a fingerprint of the parser classes' source text, the tokens and
 * chevrotain's version (a patch release may set other node fields): a parser whose fingerprint
 * differs records its grammar as before. A test records the grammar and
 * compares it with the stored one (test/parser/recorded-grammar.test.ts).
 */

import { createHash } from "node:crypto";
import type { TokenType } from "chevrotain";
import { GAST_CLASSES, VERSION } from "./chevrotain.js";
import { RECORDED_GRAMMAR, RECORDED_GRAMMAR_FINGERPRINT } from "./recorded-grammar-data.js";

/** A grammar node as stored: its class, its productions, its terminal and separator token names, its fields. */
export interface EncodedNode {
  k: string;
  d?: EncodedNode[];
  t?: string;
  s?: string;
  [field: string]: unknown;
}

/** A GAST class: its constructor takes the node's fields. */
type NodeClass = new (options: never) => object;

/** The GAST classes by the name a stored node gives. */
const CLASSES: Record<string, NodeClass> = GAST_CLASSES;

/** A node's own fields that are not stored as they are: productions, tokens, the resolved rule. */
const STRUCTURAL = new Set(["_definition", "terminalType", "separator", "referencedRule"]);

function className(node: object): string {
  for (const [name, cls] of Object.entries(CLASSES)) if (node.constructor === cls) return name;
  throw new Error(`recorded grammar: unknown grammar node class '${node.constructor.name}'`);
}

/**
 * A recorded rule as stored: every field chevrotain set on each node (unlike its
 * serializeGrammar, which leaves out the fields lookahead reads, such as `ignoreAmbiguities`).
 */
export function encodeRule(rule: object): EncodedNode {
  const encode = (node: object): EncodedNode => {
    const n = node as Record<string, unknown>;
    const out: EncodedNode = { k: className(node) };
    const definition = n._definition as object[] | undefined;
    if (definition !== undefined && definition.length > 0) out.d = definition.map(encode);
    if (n.terminalType !== undefined) out.t = (n.terminalType as TokenType).name;
    if (n.separator !== undefined) out.s = (n.separator as TokenType).name;
    for (const [field, value] of Object.entries(n))
      if (!STRUCTURAL.has(field) && value !== undefined) out[field] = value;
    return out;
  };
  return encode(rule);
}

/** The rule of a stored tree, its tokens looked up by name (NonTerminals resolve when chevrotain resolves the grammar). */
export function decodeRule(encoded: EncodedNode, tokens: ReadonlyMap<string, TokenType>): object {
  const token = (name: string): TokenType => {
    const t = tokens.get(name);
    if (t === undefined) throw new Error(`recorded grammar: no token '${name}'`);
    return t;
  };
  // The nodes are made without their constructors, which copy their options through lodash's
  // pickBy and assign (three times the cost of the whole decoding): every field a constructor
  // sets is stored, so assigning them gives the same node.
  const decode = (node: EncodedNode): object => {
    const { k, d, t, s, ...fields } = node;
    const cls = CLASSES[k];
    if (cls === undefined) throw new Error(`recorded grammar: unknown grammar node class '${k}'`);
    const n = Object.create(cls.prototype) as Record<string, unknown>;
    if (cls !== GAST_CLASSES.Terminal) n._definition = d === undefined ? [] : d.map(decode);
    if (t !== undefined) n.terminalType = token(t);
    if (s !== undefined) n.separator = token(s);
    return Object.assign(n, fields);
  };
  return decode(encoded);
}

/**
 * The fingerprint of a parser's grammar source: the text of its class and its base classes up to
 * chevrotain's (where the rules are defined), the tokens with their categories, the lookahead depth,
 * and the version of chevrotain that records the grammar (`chevrotainVersion`, the loaded one unless
 * given).
 */
export function grammarSourceFingerprint(
  parserClass: abstract new (...args: never[]) => object,
  base: abstract new (...args: never[]) => object,
  tokens: readonly TokenType[],
  maxLookahead: number,
  chevrotainVersion: string = VERSION,
): string {
  const hash = createHash("sha1").update(`chevrotain ${chevrotainVersion}\n${maxLookahead}\n`);
  for (const t of tokens) hash.update(`${t.name}:${(t.CATEGORIES ?? []).map((c) => c.name).join(",")};`);
  for (let c: unknown = parserClass; c !== base && typeof c === "function"; c = Object.getPrototypeOf(c))
    hash.update(Function.prototype.toString.call(c));
  return hash.digest("hex");
}

/** The stored rules by name, when `fingerprint` (of the asking parser, {@link grammarSourceFingerprint}) is theirs. */
export function storedRules(
  fingerprint: string,
  tokens: readonly TokenType[],
): Map<string, object> | undefined {
  if (fingerprint !== RECORDED_GRAMMAR_FINGERPRINT) return undefined;
  const byName = new Map(tokens.map((t) => [t.name, t]));
  return new Map(Object.entries(RECORDED_GRAMMAR).map(([name, rule]) => [name, decodeRule(rule, byName)]));
}

/** chevrotain's parser internals that record a rule (as its performSelfAnalysis does). */
interface Recorder {
  definedRulesNames: string[];
  enableRecording(): void;
  disableRecording(): void;
  [rule: string]: unknown;
}

/**
 * Records every rule of a built parser anew with chevrotain's recorder (for the generator script
 * and the test that the stored recording is current), whatever recording the parser was built from.
 */
export function recordRules(
  parser: object,
  base: abstract new (...args: never[]) => object,
): Map<string, object> {
  const p = parser as Recorder;
  const record = (base.prototype as Record<string, unknown>).topLevelRuleRecord as (
    name: string,
    def: unknown,
  ) => object;
  const rules = new Map<string, object>();
  p.enableRecording();
  try {
    for (const name of p.definedRulesNames)
      rules.set(
        name,
        record.call(p, name, (p[name] as { originalGrammarAction: unknown }).originalGrammarAction),
      );
  } finally {
    p.disableRecording();
  }
  return rules;
}
