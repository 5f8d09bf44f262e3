/**
 * The expression rules of the Flink SQL grammar (chevrotain, embedded actions: each rule returns
 * its AST node). Precedence, lowest first, as Calcite's: OR, AND, NOT, predicates (comparison,
 * IS, BETWEEN, IN, LIKE), + and -, * / % and ||, unary sign, postfix `[i]` and `.field`.
 * The query rules ({@link QueryParser}) extend this class; subqueries inside expressions call
 * their `query` rule.
 */

import type { IToken, ParserMethod, TokenType } from "chevrotain";
import type {
  BinaryOp,
  DataType,
  Expr,
  FrameBound,
  JsonClauses,
  JsonOnClause,
  OrderItem,
  Query,
  RowField,
  SourcePos,
  WindowFrame,
  WindowSpec,
} from "./ast.js";
import { EmbeddedActionsParser, EOF } from "./chevrotain.js";
import * as T from "./lexer.js";
import { grammarFingerprint, LazyLookahead } from "./lookahead.js";
import { grammarSourceFingerprint, storedRules } from "./recorded-grammar.js";
import { RECORDED_GRAMMAR_FINGERPRINT } from "./recorded-grammar-data.js";

/** The parser's LL(k): tokens it may look ahead at a decision. */
export const MAX_LOOKAHEAD = 3;

/** The position of a token, for the AST. */
export function posOf(tok: IToken): SourcePos {
  return { line: tok.startLine ?? 1, column: tok.startColumn ?? 1, offset: tok.startOffset };
}

/** The text of a string literal token without its quotes ('' is one quote). */
export function stringValue(tok: IToken): string {
  return tok.image.slice(1, -1).replace(/''/g, "'");
}

/** Upper case of a rule's string result (which is a placeholder while chevrotain records the grammar). */
export function upper(s: unknown): string {
  return typeof s === "string" ? s.toUpperCase() : "";
}

/** Canonical names of atomic types written with another spelling. */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  INTEGER: "INT",
  DEC: "DECIMAL",
  NUMERIC: "DECIMAL",
};

/**
 * Atomic type names Flink SQL accepts where a type is written by name (TIMESTAMP, TIME and DATE
 * have rules of their own). A misspelled type is a syntax error, not a column of an unknown type.
 */
const ATOMIC_TYPE_NAMES: ReadonlySet<string> = new Set([
  "CHAR",
  "VARCHAR",
  "STRING",
  "BOOLEAN",
  "BINARY",
  "VARBINARY",
  "BYTES",
  "DECIMAL",
  "TINYINT",
  "SMALLINT",
  "INT",
  "BIGINT",
  "FLOAT",
  "DOUBLE",
  "TIMESTAMP_LTZ",
  "RAW",
  "NULL",
]);

/** The words after IS JSON (ARRAY is a keyword). */
const JSON_TYPES: ReadonlySet<string> = new Set(["VALUE", "SCALAR", "OBJECT"]);
/** The functions with a `TO unit` form (`FLOOR(ts TO DAY)`). */
const FLOOR_CEIL: ReadonlySet<string> = new Set(["FLOOR", "CEIL", "CEILING"]);
/** The functions with a `FROM` form (`SUBSTRING(s FROM 2 FOR 3)`, `TRIM('x' FROM s)`). */
const FROM_FORMS: ReadonlySet<string> = new Set(["SUBSTRING", "SUBSTR", "TRIM"]);
const TRIM_MODES: ReadonlySet<string> = new Set(["BOTH", "LEADING", "TRAILING"]);

/** Expression, data type and window-spec rules; abstract over the query rule. */
export abstract class ExpressionParser extends EmbeddedActionsParser {
  /** A full query (defined by the query rules). */
  protected abstract query: ParserMethod<[], Query>;
  /** A query followed by `)` (to decide, by backtracking, whether a parenthesis holds a query). */
  protected abstract queryThenParen: ParserMethod<[], void>;

  /** Tokens of type names that are not types, found by the last parse (reported after it). */
  unknownTypeTokens: IToken[] = [];

  constructor() {
    super(T.ALL_TOKENS, {
      maxLookahead: MAX_LOOKAHEAD,
      skipValidations: true,
      lookaheadStrategy: new LazyLookahead({ maxLookahead: MAX_LOOKAHEAD }),
    });
  }

  /** The stored recording of the rules when it is this parser's (recorded-grammar.ts); null: not looked up yet. */
  private storedGrammar: Map<string, object> | undefined | null = null;

  /**
   * chevrotain's recording of one rule (called for each rule by `performSelfAnalysis`), taken
   * from the stored recording when that is this parser's grammar (see recorded-grammar.ts).
   */
  topLevelRuleRecord(name: string, def: () => unknown): object {
    const stored = this.stored()?.get(name);
    if (stored !== undefined) return stored;
    const record = (Object.getPrototypeOf(ExpressionParser.prototype) as Record<string, Function>)
      .topLevelRuleRecord as (name: string, def: () => unknown) => object;
    return record.call(this, name, def);
  }

  /** Whether {@link performSelfAnalysis} is running (its recording may be skipped, see there). */
  private inSelfAnalysis = false;
  /** Whether {@link enableRecording} left chevrotain's recording methods out. */
  private recordersSkipped = false;

  /**
   * chevrotain's self analysis, whose recording of the rules installs about 90 recording methods
   * as own properties of the parser and deletes them again after it. With the stored recording
   * holding every rule ({@link topLevelRuleRecord} returns it without calling a rule), they are
   * never called: they are left out, which saves the deletes (about 4 ms of CPU at the start of
   * every SQL job).
   */
  protected override performSelfAnalysis(): void {
    this.inSelfAnalysis = true;
    try {
      super.performSelfAnalysis();
    } finally {
      this.inSelfAnalysis = false;
    }
  }

  /**
   * chevrotain's: installs the recording methods, unless the self analysis will take every rule
   * from the stored recording (a recording asked for otherwise, as recordRules does, records).
   */
  enableRecording(): void {
    if (this.inSelfAnalysis && this.storedHoldsEveryRule()) {
      this.recordersSkipped = true;
      this.RECORDING_PHASE = true;
      return;
    }
    chevrotainRecorder("enableRecording").call(this);
  }

  /**
   * chevrotain's, without recomputing the tokens' type indexes and category maps: its
   * `augmentTokenTypes` over the whole vocabulary is idempotent, and the lexer (lexer.ts, built
   * when the module loads) has already run it over the same tokens; here it was a third of
   * building the parser, at the first parse of every SQL job. chevrotain's own runs over one token
   * that has categories (which sets the category-aware token matcher, as the whole vocabulary
   * would), then the token map is that of the whole vocabulary. A vocabulary that is not
   * augmented yet takes chevrotain's way.
   */
  initRecognizerEngine(tokenVocabulary: readonly TokenType[], config: unknown): void {
    const base = chevrotainMethod("initRecognizerEngine") as (
      this: unknown,
      vocabulary: readonly TokenType[],
      config: unknown,
    ) => void;
    const augmented = tokenVocabulary.every(
      (t) =>
        Object.hasOwn(t, "tokenTypeIdx") &&
        Array.isArray(t.categoryMatches) &&
        t.categoryMatchesMap !== undefined,
    );
    const parent = tokenVocabulary.find((t) => (t.categoryMatches?.length ?? 0) > 0);
    if (!augmented || parent === undefined) {
      base.call(this, tokenVocabulary, config);
      return;
    }
    base.call(this, [parent], config);
    const self = this as unknown as { tokensMap: Record<string, TokenType> };
    const tokensMap: Record<string, TokenType> = {};
    for (const t of tokenVocabulary) tokensMap[t.name] = t;
    tokensMap.EOF = EOF;
    self.tokensMap = tokensMap;
  }

  /** chevrotain's: removes what {@link enableRecording} installed. */
  disableRecording(): void {
    if (this.recordersSkipped) {
      this.recordersSkipped = false;
      this.RECORDING_PHASE = false;
      return;
    }
    chevrotainRecorder("disableRecording").call(this);
  }

  /** Whether the stored recording is this parser's and has every rule it defines. */
  private storedHoldsEveryRule(): boolean {
    const stored = this.stored();
    if (stored === undefined) return false;
    const names = (this as unknown as { definedRulesNames: readonly string[] }).definedRulesNames;
    return names.every((n) => stored.has(n));
  }

  /** The stored recording of the rules when it is this parser's grammar (looked up once). */
  private stored(): Map<string, object> | undefined {
    if (this.storedGrammar === null)
      this.storedGrammar = storedRules(
        grammarSourceFingerprint(
          this.constructor as new () => object,
          EmbeddedActionsParser,
          T.ALL_TOKENS,
          MAX_LOOKAHEAD,
        ),
        T.ALL_TOKENS,
      );
    return this.storedGrammar;
  }

  /** The lookahead strategy (chevrotain keeps the one given to its constructor). */
  get lazyLookahead(): LazyLookahead {
    return (this as unknown as { lookaheadStrategy: LazyLookahead }).lookaheadStrategy;
  }

  /**
   * Called once the grammar is recorded (after `performSelfAnalysis`): the lookahead reads the
   * precomputed paths when they are this grammar's.
   */
  protected usePrecomputedLookahead(): void {
    // Rules taken from the stored recording are its grammar: no need to fingerprint them.
    const strategy = this.lazyLookahead;
    if (
      this.storedHoldsEveryRule() &&
      strategy.usePrecomputedForRecording(RECORDED_GRAMMAR_FINGERPRINT, T.ALL_TOKENS)
    )
      return;
    strategy.usePrecomputed(
      grammarFingerprint(this.getSerializedGastProductions(), T.ALL_TOKENS, MAX_LOOKAHEAD),
      T.ALL_TOKENS,
    );
  }

  /** A name: a word, a back-quoted name, or a non-reserved keyword. */
  identifier = this.RULE("identifier", (): string => {
    return this.OR([
      { ALT: () => this.CONSUME(T.Identifier).image },
      {
        ALT: () => {
          const t = this.CONSUME(T.QuotedIdentifier);
          return t.image.slice(1, -1).replace(/``/g, "`");
        },
      },
      { ALT: () => this.CONSUME(T.NonReserved).image },
    ]);
  });

  /** `a`, `db.t`: dot-separated names. */
  qualifiedName = this.RULE("qualifiedName", () => {
    const parts = [this.SUBRULE(this.identifier)];
    this.MANY(() => {
      this.CONSUME(T.Dot);
      parts.push(this.SUBRULE2(this.identifier));
    });
    return { parts };
  });

  /** `(a, b, c)`: a parenthesized list of names. */
  nameList = this.RULE("nameList", (): string[] => {
    const names: string[] = [];
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => names.push(this.SUBRULE(this.identifier)) });
    this.CONSUME(T.RParen);
    return names;
  });

  /** An unsigned integer (type lengths, quantifiers). */
  integer = this.RULE("integer", (): number => Number(this.CONSUME(T.NumberLiteral).image));

  /** A string literal's value. */
  string = this.RULE("string", (): string => stringValue(this.CONSUME(T.StringLiteral)));

  expression = this.RULE("expression", (): Expr => this.SUBRULE(this.orExpr));

  /** Comma-separated expressions. */
  expressionList = this.RULE("expressionList", (): Expr[] => {
    const list: Expr[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => list.push(this.SUBRULE(this.expression)) });
    return list;
  });

  private orExpr = this.RULE("orExpr", (): Expr => {
    let left = this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.Or);
      const right = this.SUBRULE2(this.andExpr);
      left = { kind: "binary", op: "OR", left, right };
    });
    return left;
  });

  private andExpr = this.RULE("andExpr", (): Expr => {
    let left = this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(T.And);
      const right = this.SUBRULE2(this.notExpr);
      left = { kind: "binary", op: "AND", left, right };
    });
    return left;
  });

  private notExpr = this.RULE("notExpr", (): Expr => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          return { kind: "unary", op: "NOT", operand: this.SUBRULE(this.notExpr) } as Expr;
        },
      },
      { ALT: () => this.SUBRULE(this.predicate) },
    ]);
  });

  /** An additive expression followed by any number of comparisons and predicates. */
  private predicate = this.RULE("predicate", (): Expr => {
    let left = this.SUBRULE(this.additive);
    this.MANY({
      // `IN` without a parenthesis is POSITION's (`POSITION(a IN b)`), not an IN list.
      GATE: () => this.LA(1).tokenType !== T.In || this.LA(2).tokenType === T.LParen,
      DEF: () => {
        left = this.OR([
          {
            ALT: () => {
              const op = this.SUBRULE(this.comparisonOp);
              return { kind: "binary", op, left, right: this.SUBRULE2(this.additive) } as Expr;
            },
          },
          { ALT: () => this.SUBRULE(this.isSuffix, { ARGS: [left] }) },
          {
            // `(t1, t2) OVERLAPS (t3, t4)`, Calcite's period predicate.
            ALT: () => {
              this.CONSUME(T.Overlaps);
              return { kind: "binary", op: "OVERLAPS", left, right: this.SUBRULE3(this.additive) } as Expr;
            },
          },
          {
            ALT: () => {
              const not = this.OPTION(() => this.CONSUME(T.Not)) !== undefined;
              return this.SUBRULE(this.negatableSuffix, { ARGS: [left, not] });
            },
          },
        ]);
      },
    });
    return left;
  });

  private comparisonOp = this.RULE("comparisonOp", (): BinaryOp => {
    return this.OR([
      { ALT: () => this.op(T.Equals, "=") },
      { ALT: () => this.op(T.NotEquals, "<>") },
      { ALT: () => this.op(T.LessEquals, "<=") },
      { ALT: () => this.op(T.GreaterEquals, ">=") },
      { ALT: () => this.op(T.Less, "<") },
      { ALT: () => this.op(T.Greater, ">") },
    ]);
  });

  /** Consumes `tok` (occurrence `idx` in its rule) and returns `value`. */
  protected take<V>(tok: TokenType, value: V, idx = 0): V {
    this.consume(idx, tok);
    return value;
  }

  private op<O extends BinaryOp>(tok: TokenType, op: O): O {
    this.CONSUME(tok);
    return op;
  }

  /** IS [NOT] NULL | TRUE | FALSE | UNKNOWN | DISTINCT FROM x. */
  private isSuffix = this.RULE("isSuffix", (operand: Expr): Expr => {
    this.CONSUME(T.Is);
    const not = this.OPTION(() => this.CONSUME(T.Not)) !== undefined;
    return this.OR([
      { ALT: () => this.isWhat(T.Null, "NULL", operand, not) },
      { ALT: () => this.isWhat(T.True, "TRUE", operand, not) },
      { ALT: () => this.isWhat(T.False, "FALSE", operand, not) },
      { ALT: () => this.isWhat(T.Unknown, "UNKNOWN", operand, not) },
      {
        // IS JSON [VALUE | SCALAR | ARRAY | OBJECT]: the types (but ARRAY) are words, not keywords.
        ALT: () => {
          this.CONSUME(T.Json);
          const type = this.OPTION2({
            GATE: () => this.LA(1).tokenType === T.ArrayKw || JSON_TYPES.has(this.wordAt(1)),
            DEF: () =>
              this.OR2([
                { ALT: () => this.take(T.ArrayKw, "ARRAY") },
                { ALT: () => upper(this.CONSUME2(T.Identifier).image) },
              ]),
          });
          return { kind: "is", operand, not, what: type === undefined ? "JSON" : `JSON ${type}` } as Expr;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Distinct);
          this.CONSUME(T.From);
          const right = this.SUBRULE(this.additive);
          return { kind: "isDistinctFrom", left: operand, right, not } as Expr;
        },
      },
    ]);
  });

  private isWhat(
    tok: TokenType,
    what: "NULL" | "TRUE" | "FALSE" | "UNKNOWN",
    operand: Expr,
    not: boolean,
  ): Expr {
    this.CONSUME(tok);
    return { kind: "is", operand, not, what };
  }

  /** [NOT] BETWEEN | IN | LIKE | SIMILAR TO (the NOT is consumed by the caller). */
  private negatableSuffix = this.RULE("negatableSuffix", (operand: Expr, not: boolean): Expr => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Between);
          let symmetric = false;
          this.OPTION(() =>
            this.OR2([
              { ALT: () => (symmetric = this.CONSUME(T.Symmetric) !== undefined) },
              { ALT: () => this.CONSUME(T.Asymmetric) },
            ]),
          );
          const low = this.SUBRULE(this.additive);
          this.CONSUME(T.And);
          const high = this.SUBRULE2(this.additive);
          return { kind: "between", operand, low, high, not, symmetric } as Expr;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.In);
          const open = this.CONSUME(T.LParen);
          const e = this.OR3([
            {
              GATE: () => this.startsQuery(),
              ALT: () =>
                ({
                  kind: "inQuery",
                  operand,
                  query: this.SUBRULE(this.query),
                  not,
                  pos: posOf(open),
                }) as Expr,
            },
            { ALT: () => ({ kind: "in", operand, list: this.SUBRULE(this.expressionList), not }) as Expr },
          ]);
          this.CONSUME(T.RParen);
          return e;
        },
      },
      {
        ALT: () => {
          const op = this.OR4([
            { ALT: () => this.take(T.Like, "LIKE" as const) },
            {
              ALT: () => {
                this.CONSUME(T.Similar);
                this.CONSUME(T.To);
                return "SIMILAR TO" as const;
              },
            },
          ]);
          const pattern = this.SUBRULE3(this.additive);
          const escapeChar = this.OPTION2(() => {
            this.CONSUME(T.Escape);
            return this.SUBRULE4(this.additive);
          });
          return (
            escapeChar === undefined
              ? { kind: "like", op, operand, pattern, not }
              : { kind: "like", op, operand, pattern, escape: escapeChar, not }
          ) as Expr;
        },
      },
    ]);
  });

  /**
   * Whether the next tokens start a query (after an opening parenthesis): SELECT, WITH, VALUES, or
   * a parenthesized query that the enclosing parenthesis closes (`((SELECT 1) UNION ...)`); a
   * parenthesized query followed by an operator (`((SELECT 1) + 1)`) is an expression.
   */
  protected startsQuery(): boolean {
    const t = this.LA(1).tokenType;
    if (t === T.Select || t === T.With || t === T.Values) return true;
    return t === T.LParen && this.BACKTRACK(this.queryThenParen).call(this);
  }

  private additive = this.RULE("additive", (): Expr => {
    let left = this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      const op = this.OR([{ ALT: () => this.op(T.Plus, "+") }, { ALT: () => this.op(T.Minus, "-") }]);
      const right = this.SUBRULE2(this.multiplicative);
      left = { kind: "binary", op, left, right };
    });
    return left;
  });

  private multiplicative = this.RULE("multiplicative", (): Expr => {
    let left = this.SUBRULE(this.unary);
    this.MANY(() => {
      const op = this.OR([
        { ALT: () => this.op(T.Star, "*") },
        { ALT: () => this.op(T.Slash, "/") },
        { ALT: () => this.op(T.Percent, "%") },
        { ALT: () => this.op(T.Concat, "||") },
      ]);
      const right = this.SUBRULE2(this.unary);
      left = { kind: "binary", op, left, right };
    });
    return left;
  });

  private unary = this.RULE("unary", (): Expr => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          return { kind: "unary", op: "-", operand: this.SUBRULE(this.unary) } as Expr;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Plus);
          return { kind: "unary", op: "+", operand: this.SUBRULE2(this.unary) } as Expr;
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]);
  });

  /** A primary followed by `[index]` and `.field` accesses. */
  private postfix = this.RULE("postfix", (): Expr => {
    let e = this.SUBRULE(this.primary);
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            const index = this.SUBRULE(this.expression);
            this.CONSUME(T.RBracket);
            e = { kind: "index", operand: e, index };
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Dot);
            e = { kind: "field", operand: e, field: this.SUBRULE(this.identifier) };
          },
        },
      ]);
    });
    return e;
  });

  private primary = this.RULE("primary", (): Expr => {
    return this.OR([
      {
        ALT: () => {
          const tok = this.CONSUME(T.NumberLiteral);
          return { kind: "literal", type: "number", text: tok.image, pos: posOf(tok) } as Expr;
        },
      },
      { ALT: () => ({ kind: "literal", type: "string", value: this.SUBRULE(this.string) }) as Expr },
      {
        ALT: () => {
          const tok = this.CONSUME(T.BinaryLiteral);
          return { kind: "literal", type: "binary", value: tok.image.slice(2, -1) } as Expr;
        },
      },
      { ALT: () => this.take(T.True, { kind: "literal", type: "boolean", value: true } as Expr) },
      { ALT: () => this.take(T.False, { kind: "literal", type: "boolean", value: false } as Expr) },
      { ALT: () => this.take(T.Null, { kind: "literal", type: "null" } as Expr) },
      { ALT: () => this.SUBRULE(this.intervalLiteral) },
      { ALT: () => this.SUBRULE(this.typedLiteral) },
      { ALT: () => this.SUBRULE(this.caseExpr) },
      { ALT: () => this.SUBRULE(this.castExpr) },
      { ALT: () => this.SUBRULE(this.extractExpr) },
      { ALT: () => this.SUBRULE(this.constructorExpr) },
      {
        ALT: () => {
          const pos = posOf(this.CONSUME(T.Exists));
          this.CONSUME(T.LParen);
          const query = this.SUBRULE(this.query);
          this.CONSUME(T.RParen);
          return { kind: "exists", query, pos } as Expr;
        },
      },
      { ALT: () => this.SUBRULE(this.parenthesized) },
      { ALT: () => this.take(T.Star, { kind: "star" } as Expr) },
      { ALT: () => this.SUBRULE(this.tableArgument) },
      { ALT: () => this.SUBRULE(this.descriptor) },
      { ALT: () => this.SUBRULE(this.groupingCall) },
      {
        // LEFT(s, n) and RIGHT(s, n): functions named by reserved words (of joins).
        GATE: () => this.LA(2).tokenType === T.LParen,
        ALT: () => {
          const tok = this.OR2([{ ALT: () => this.CONSUME(T.Left) }, { ALT: () => this.CONSUME(T.Right) }]);
          return this.SUBRULE(this.callRest, { ARGS: [upper(tok.image), posOf(tok)] });
        },
      },
      {
        // A column may be called json_value: only JSON_VALUE( is the function.
        GATE: () => this.LA(2).tokenType === T.LParen,
        ALT: () => this.SUBRULE(this.jsonCall),
      },
      {
        // Likewise a column may be called position.
        GATE: () => this.LA(2).tokenType === T.LParen,
        ALT: () => this.SUBRULE(this.syntaxCall),
      },
      { ALT: () => this.SUBRULE(this.nameOrCall) },
    ]);
  });

  /** INTERVAL [-]'10' MINUTE [TO SECOND]. */
  intervalLiteral = this.RULE("intervalLiteral", (): Expr => {
    const pos = posOf(this.CONSUME(T.Interval));
    let negative = false;
    this.OPTION(() =>
      this.OR([
        { ALT: () => (negative = this.CONSUME(T.Minus) !== undefined) },
        { ALT: () => this.CONSUME(T.Plus) },
      ]),
    );
    const value = this.SUBRULE(this.string);
    const from = this.SUBRULE(this.timeUnit);
    this.OPTION2(() => {
      this.CONSUME(T.LParen);
      this.SUBRULE(this.integer);
      this.CONSUME(T.RParen);
    });
    const to = this.OPTION3(() => {
      this.CONSUME(T.To);
      return this.SUBRULE2(this.timeUnit);
    });
    return to === undefined
      ? { kind: "interval", value, negative, from, pos }
      : { kind: "interval", value, negative, from, to, pos };
  });

  /** A time unit word, upper-cased. */
  timeUnit = this.RULE("timeUnit", (): string => upper(this.CONSUME(T.TimeUnit).image));

  /** DATE '2020-01-01', TIME '10:00:00', TIMESTAMP '2020-01-01 10:00:00'. */
  private typedLiteral = this.RULE("typedLiteral", (): Expr => {
    const type = this.OR([
      { ALT: () => this.take(T.DateKw, "DATE" as const) },
      { ALT: () => this.take(T.Time, "TIME" as const) },
      { ALT: () => this.take(T.Timestamp, "TIMESTAMP" as const) },
    ]);
    return { kind: "typedLiteral", type, value: this.SUBRULE(this.string) };
  });

  private caseExpr = this.RULE("caseExpr", (): Expr => {
    this.CONSUME(T.Case);
    const operand = this.OPTION(() => this.SUBRULE(this.expression));
    const whens: { when: Expr; result: Expr }[] = [];
    this.AT_LEAST_ONE(() => {
      this.CONSUME(T.When);
      const when = this.SUBRULE2(this.expression);
      this.CONSUME(T.Then);
      whens.push({ when, result: this.SUBRULE3(this.expression) });
    });
    const otherwise = this.OPTION2(() => {
      this.CONSUME(T.Else);
      return this.SUBRULE4(this.expression);
    });
    this.CONSUME(T.End);
    const e: { kind: "case"; whens: typeof whens; operand?: Expr; else?: Expr } = { kind: "case", whens };
    if (operand !== undefined) e.operand = operand;
    if (otherwise !== undefined) e.else = otherwise;
    return e;
  });

  private castExpr = this.RULE("castExpr", (): Expr => {
    const pos = posOf(this.LA(1));
    const isTry = this.OR([
      { ALT: () => this.take(T.Cast, false) },
      { ALT: () => this.take(T.TryCast, true) },
    ]);
    this.CONSUME(T.LParen);
    const operand = this.SUBRULE(this.expression);
    this.CONSUME(T.As);
    const type = this.SUBRULE(this.dataType);
    this.CONSUME(T.RParen);
    return { kind: "cast", try: isTry, operand, type, pos };
  });

  private extractExpr = this.RULE("extractExpr", (): Expr => {
    this.CONSUME(T.Extract);
    this.CONSUME(T.LParen);
    const unit = this.SUBRULE(this.timeUnit);
    this.CONSUME(T.From);
    const operand = this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
    return { kind: "extract", unit, operand };
  });

  /** ROW(...), ARRAY[...], MAP[...]. */
  private constructorExpr = this.RULE("constructorExpr", (): Expr => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Row);
          this.CONSUME(T.LParen);
          const values = this.OPTION(() => this.SUBRULE(this.expressionList)) ?? [];
          this.CONSUME(T.RParen);
          return { kind: "row", values, explicit: true } as Expr;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.ArrayKw);
          this.CONSUME(T.LBracket);
          const values = this.OPTION2(() => this.SUBRULE2(this.expressionList)) ?? [];
          this.CONSUME(T.RBracket);
          return { kind: "array", values } as Expr;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.MapKw);
          this.CONSUME2(T.LBracket);
          const entries = this.OPTION3(() => this.SUBRULE3(this.expressionList)) ?? [];
          this.CONSUME2(T.RBracket);
          return { kind: "map", entries } as Expr;
        },
      },
    ]);
  });

  /** `(query)`, `(expr)` or the row `(a, b)`. */
  private parenthesized = this.RULE("parenthesized", (): Expr => {
    const open = this.CONSUME(T.LParen);
    const e = this.OR([
      {
        GATE: () => this.startsQuery(),
        ALT: () => ({ kind: "subquery", query: this.SUBRULE(this.query), pos: posOf(open) }) as Expr,
      },
      {
        ALT: () => {
          const list = this.SUBRULE(this.expressionList);
          return (list.length === 1 ? list[0] : { kind: "row", values: list, explicit: false }) as Expr;
        },
      },
    ]);
    this.CONSUME(T.RParen);
    return e;
  });

  /** `TABLE t [PARTITION BY a, b]`: the table argument of a table function. */
  private tableArgument = this.RULE("tableArgument", (): Expr => {
    this.CONSUME(T.Table);
    const table = this.SUBRULE(this.qualifiedName);
    // One key, or several in parentheses: `PARTITION BY item`, `PARTITION BY (a, b)` (a list
    // without parentheses would swallow the function's next arguments).
    const key = this.OPTION(() => {
      this.CONSUME(T.Partition);
      this.CONSUME(T.By);
      return this.SUBRULE(this.additive);
    });
    const partitionBy = key === undefined ? [] : key.kind === "row" && !key.explicit ? key.values : [key];
    return { kind: "tableArg", table, partitionBy };
  });

  /** `DESCRIPTOR(col, ...)`. */
  private descriptor = this.RULE("descriptor", (): Expr => {
    this.CONSUME(T.DescriptorKw);
    return { kind: "descriptor", columns: this.SUBRULE(this.nameList) };
  });

  /** GROUPING(a, b): the grouping function (GROUPING is reserved for GROUPING SETS). */
  private groupingCall = this.RULE("groupingCall", (): Expr => {
    const tok = this.CONSUME(T.Grouping);
    this.CONSUME(T.LParen);
    const args = this.SUBRULE(this.expressionList);
    this.CONSUME(T.RParen);
    return { kind: "call", name: "GROUPING", args, distinct: false, pos: posOf(tok) };
  });

  /** The upper-case word of the `k`-th next token when it is a plain name, else "". */
  protected wordAt(k: number): string {
    const t = this.LA(k);
    return t.tokenType === T.Identifier ? t.image.toUpperCase() : "";
  }

  protected isWord(k: number, w: string): boolean {
    return this.wordAt(k) === w;
  }

  /** Whether `{NULL | ABSENT} ON NULL` is next. */
  private onNullAhead(): boolean {
    return (
      (this.LA(1).tokenType === T.Null || this.isWord(1, "ABSENT")) &&
      this.LA(2).tokenType === T.On &&
      this.LA(3).tokenType === T.Null
    );
  }

  /**
   * JSON_VALUE, JSON_QUERY, JSON_EXISTS (json, path, then RETURNING, wrapper and ON EMPTY / ON
   * ERROR clauses), JSON_OBJECT ([KEY] k VALUE v, ... [ON NULL]) and JSON_ARRAY (v, ... [ON NULL]),
   * as Calcite's grammar has them. Which clause fits which function is checked by the planner
   * (json-functions.ts), which can name the function.
   */
  private jsonCall = this.RULE("jsonCall", (): Expr => {
    const tok = this.CONSUME(T.JsonFunction);
    const name = upper(tok.image);
    this.CONSUME(T.LParen);
    const args: Expr[] = [];
    const on: JsonOnClause[] = [];
    let returning: DataType | undefined;
    let wrapper: JsonClauses["wrapper"];
    let onNull: JsonClauses["onNull"];
    let orderBy: OrderItem[] | undefined;
    this.OR([
      {
        GATE: () => name === "JSON_OBJECT" || name === "JSON_OBJECTAGG",
        ALT: () => {
          this.OPTION({
            GATE: () => !this.onNullAhead() && this.LA(1).tokenType !== T.RParen,
            DEF: () => {
              this.SUBRULE(this.jsonKeyValue, { ARGS: [args] });
              this.MANY(() => {
                this.CONSUME(T.Comma);
                this.SUBRULE2(this.jsonKeyValue, { ARGS: [args] });
              });
            },
          });
        },
      },
      {
        GATE: () => name === "JSON_ARRAY" || name === "JSON_ARRAYAGG",
        ALT: () => {
          this.OPTION2({
            GATE: () => !this.onNullAhead() && this.LA(1).tokenType !== T.RParen,
            DEF: () => {
              args.push(this.SUBRULE(this.expression));
              this.MANY2(() => {
                this.CONSUME2(T.Comma);
                args.push(this.SUBRULE2(this.expression));
              });
            },
          });
          // `JSON_ARRAYAGG(x ORDER BY y)`: Calcite's grammar has it (its JSON_OBJECTAGG has not);
          // OPTION1-9 are taken in this rule, hence the numbered form.
          orderBy = this.option(10, {
            GATE: () => name === "JSON_ARRAYAGG",
            DEF: () => this.SUBRULE(this.orderByClause),
          });
        },
      },
      {
        // JSON_VALUE, JSON_QUERY, JSON_EXISTS.
        ALT: () => {
          args.push(this.SUBRULE3(this.expression));
          this.CONSUME3(T.Comma);
          args.push(this.SUBRULE4(this.expression));
          this.OPTION3({
            GATE: () => this.isWord(1, "RETURNING"),
            DEF: () => {
              this.CONSUME2(T.Identifier);
              returning = this.SUBRULE(this.dataType);
            },
          });
          this.OPTION4(() => {
            wrapper = this.OR2([
              {
                ALT: () => {
                  this.CONSUME(T.Without);
                  return "WITHOUT" as const;
                },
              },
              {
                ALT: () => {
                  this.CONSUME(T.With);
                  return (
                    this.OPTION5({
                      GATE: () => this.isWord(1, "CONDITIONAL") || this.isWord(1, "UNCONDITIONAL"),
                      DEF: () => upper(this.CONSUME3(T.Identifier).image) as "CONDITIONAL" | "UNCONDITIONAL",
                    }) ?? "UNCONDITIONAL"
                  );
                },
              },
            ]);
            this.OPTION6(() => this.CONSUME(T.ArrayKw));
            this.OR3([{ GATE: () => this.isWord(1, "WRAPPER"), ALT: () => this.CONSUME4(T.Identifier) }]);
          });
          this.MANY3({
            GATE: () => !this.onNullAhead(),
            DEF: () => on.push(this.SUBRULE(this.jsonOnClause, { ARGS: [args] })),
          });
        },
      },
    ]);
    this.OPTION7({
      GATE: () => this.onNullAhead(),
      DEF: () => {
        onNull = this.OR4([
          { ALT: () => this.take(T.Null, "NULL" as const) },
          { ALT: () => this.take(T.Identifier, "ABSENT" as const, 5) },
        ]);
        this.CONSUME(T.On);
        this.CONSUME2(T.Null);
      },
    });
    this.CONSUME(T.RParen);
    // The aggregates JSON_OBJECTAGG and JSON_ARRAYAGG take FILTER and OVER as any aggregate call
    // (the planner refuses OVER for them, as Flink does).
    const isAgg = name === "JSON_OBJECTAGG" || name === "JSON_ARRAYAGG";
    const filter = this.OPTION8({
      GATE: () => isAgg,
      DEF: () => {
        this.CONSUME(T.Filter);
        this.CONSUME4(T.LParen);
        this.CONSUME(T.Where);
        const cond = this.SUBRULE5(this.expression);
        this.CONSUME4(T.RParen);
        return cond;
      },
    });
    const over = this.OPTION9({
      GATE: () => isAgg,
      DEF: () => {
        this.CONSUME(T.Over);
        return this.OR5([
          { ALT: () => ({ kind: "ref", name: this.SUBRULE(this.identifier) }) as const },
          {
            ALT: () => {
              this.CONSUME5(T.LParen);
              const spec = this.SUBRULE(this.windowSpec);
              this.CONSUME5(T.RParen);
              return spec;
            },
          },
        ]);
      },
    });
    const json: { on: JsonOnClause[] } & {
      returning?: DataType;
      wrapper?: JsonClauses["wrapper"];
      onNull?: JsonClauses["onNull"];
    } = { on };
    if (returning !== undefined) json.returning = returning;
    if (wrapper !== undefined) json.wrapper = wrapper;
    if (onNull !== undefined) json.onNull = onNull;
    return {
      kind: "call",
      name,
      args,
      distinct: false,
      json,
      pos: posOf(tok),
      ...(orderBy === undefined ? {} : { orderBy }),
      ...(filter === undefined ? {} : { filter }),
      ...(over === undefined ? {} : { over }),
    };
  });

  /** `[KEY] key VALUE value` of JSON_OBJECT, appended to `args`. */
  private jsonKeyValue = this.RULE("jsonKeyValue", (args: Expr[]): void => {
    // KEY is optional, and a column may be called `key`: `key VALUE 1` has no KEY keyword.
    this.OPTION({
      GATE: () => this.LA(1).tokenType === T.Key && !this.isWord(2, "VALUE"),
      DEF: () => this.CONSUME(T.Key),
    });
    const key = this.SUBRULE(this.expression);
    this.OR([{ GATE: () => this.isWord(1, "VALUE"), ALT: () => this.CONSUME(T.Identifier) }]);
    const value = this.SUBRULE2(this.expression);
    this.ACTION(() => args.push(key, value));
  });

  /** `{NULL | ERROR | TRUE | FALSE | UNKNOWN | DEFAULT e | EMPTY ARRAY | EMPTY OBJECT} ON {EMPTY | ERROR}`. */
  private jsonOnClause = this.RULE("jsonOnClause", (args: Expr[]): JsonOnClause => {
    const pos = posOf(this.LA(1));
    let defaultAt: number | undefined;
    const behavior = this.OR([
      { ALT: () => this.take(T.Null, "NULL") },
      { ALT: () => this.take(T.True, "TRUE") },
      { ALT: () => this.take(T.False, "FALSE") },
      { ALT: () => this.take(T.Unknown, "UNKNOWN") },
      {
        GATE: () => this.isWord(1, "DEFAULT"),
        ALT: () => {
          this.CONSUME(T.Identifier);
          const e = this.SUBRULE(this.expression);
          this.ACTION(() => {
            defaultAt = args.length;
            args.push(e);
          });
          return "DEFAULT";
        },
      },
      {
        GATE: () => this.isWord(1, "EMPTY") && this.LA(2).tokenType !== T.On,
        ALT: () => {
          this.CONSUME2(T.Identifier);
          return this.OR2([
            { ALT: () => this.take(T.ArrayKw, "EMPTY ARRAY") },
            { GATE: () => this.isWord(1, "OBJECT"), ALT: () => this.take(T.Identifier, "EMPTY OBJECT", 3) },
          ]);
        },
      },
      { ALT: () => upper(this.CONSUME4(T.Identifier).image) },
    ]);
    this.CONSUME(T.On);
    const target = this.OR3([
      { GATE: () => this.isWord(1, "EMPTY"), ALT: () => this.take(T.Identifier, "EMPTY" as const, 5) },
      { GATE: () => this.isWord(1, "ERROR"), ALT: () => this.take(T.Identifier, "ERROR" as const, 6) },
    ]);
    return defaultAt === undefined
      ? { behavior, target, pos }
      : { behavior, default: defaultAt, target, pos };
  });

  /** A column reference `a.b.c`, `t.*`, or a function call `f(...)` with FILTER and OVER. */
  private nameOrCall = this.RULE("nameOrCall", (): Expr => {
    const first = this.LA(1);
    const parts = [this.SUBRULE(this.identifier)];
    let star = false;
    this.MANY({
      GATE: () => !star,
      DEF: () => {
        this.CONSUME(T.Dot);
        this.OR([
          { ALT: () => parts.push(this.SUBRULE2(this.identifier)) },
          { ALT: () => (star = this.CONSUME(T.Star) !== undefined) },
        ]);
      },
    });
    // No early return: chevrotain records every path of a rule once, whatever the flags say.
    const call = this.OPTION({
      GATE: () => !star,
      DEF: () => this.SUBRULE(this.callRest, { ARGS: [upper(parts.join(".")), posOf(first)] }),
    });
    if (star) return { kind: "star", qualifier: { parts } };
    // CURRENT_DATE, CURRENT_TIME, CURRENT_TIMESTAMP, LOCALTIME, LOCALTIMESTAMP: the SQL standard's
    // niladic functions, called without parentheses (reserved words in Calcite: a column of that
    // name is written in back quotes).
    const niladic = parts.length === 1 && first.tokenType === T.Identifier ? upper(parts[0]) : "";
    if (call === undefined && T.NILADIC_FUNCTIONS.has(niladic))
      return { kind: "call", name: niladic, args: [], distinct: false, pos: posOf(first) };
    return call ?? { kind: "column", name: { parts }, pos: posOf(first) };
  });

  /** `(args) [FILTER (WHERE ...)] [OVER ...]` after a function name. */
  protected callRest = this.RULE("callRest", (name: string, pos: SourcePos): Expr => {
    this.CONSUME(T.LParen);
    let distinct = false;
    this.OPTION(() =>
      this.OR([
        { ALT: () => (distinct = this.CONSUME(T.Distinct) !== undefined) },
        { ALT: () => this.CONSUME(T.All) },
      ]),
    );
    const args: Expr[] = [];
    this.MANY_SEP({ SEP: T.Comma, DEF: () => args.push(this.SUBRULE(this.argument)) });
    // `ARRAY_AGG(x IGNORE NULLS)`: Calcite's null treatment inside the parentheses (the planner
    // refuses it for the functions that do not take it).
    const nulls = this.OPTION4({
      GATE: () => (this.isWord(1, "IGNORE") || this.isWord(1, "RESPECT")) && this.LA(2).tokenType === T.Nulls,
      DEF: () => {
        const word = upper(this.CONSUME(T.Identifier).image) as "IGNORE" | "RESPECT";
        this.CONSUME(T.Nulls);
        return word;
      },
    });
    // `ARRAY_AGG(x ORDER BY y)`: Calcite parses an ORDER BY there (after the null treatment);
    // the planner refuses it in any other call, as Calcite's parser does.
    const orderBy = this.OPTION5(() => this.SUBRULE(this.orderByClause));
    this.CONSUME(T.RParen);
    const filter = this.OPTION2(() => {
      this.CONSUME(T.Filter);
      this.CONSUME2(T.LParen);
      this.CONSUME(T.Where);
      const cond = this.SUBRULE(this.expression);
      this.CONSUME2(T.RParen);
      return cond;
    });
    const over = this.OPTION3(() => {
      this.CONSUME(T.Over);
      return this.OR2([
        { ALT: () => ({ kind: "ref", name: this.SUBRULE(this.identifier) }) as const },
        {
          ALT: () => {
            this.CONSUME3(T.LParen);
            const spec = this.SUBRULE(this.windowSpec);
            this.CONSUME3(T.RParen);
            return spec;
          },
        },
      ]);
    });
    const call: { kind: "call"; name: string; args: Expr[]; distinct: boolean; pos: SourcePos } & {
      filter?: Expr;
      over?: WindowSpec | { kind: "ref"; name: string };
      nulls?: "IGNORE" | "RESPECT";
      orderBy?: OrderItem[];
    } = { kind: "call", name, args, distinct, pos };
    if (nulls !== undefined) call.nulls = nulls;
    if (orderBy !== undefined) call.orderBy = orderBy;
    if (filter !== undefined) call.filter = filter;
    if (over !== undefined) call.over = over;
    return call;
  });

  /**
   * The calls with keywords among their arguments, as Calcite's grammar has them: `FLOOR(x TO
   * unit)`, `CEIL(x TO unit)`, `OVERLAY(s PLACING r FROM p [FOR n])` (held as OVERLAY(s, r, p[,
   * n])), `POSITION(a IN b)`, `SUBSTRING(s FROM p [FOR n])`, `TRIM([BOTH | LEADING | TRAILING]
   * [characters] FROM s)` (held as TRIM(s, characters, mode)); their plain forms too. Their names
   * are one token (SyntaxFunction), so that a syntax error in another call does not list these
   * keywords as expected.
   */
  private syntaxCall = this.RULE("syntaxCall", (): Expr => {
    const tok = this.CONSUME(T.SyntaxFunction);
    const name = upper(tok.image);
    this.CONSUME(T.LParen);
    const args: Expr[] = [];
    let unit: string | undefined;
    const trim = this.OPTION({
      GATE: () => name === "TRIM" && TRIM_MODES.has(this.wordAt(1)),
      DEF: () => upper(this.CONSUME(T.Identifier).image) as "BOTH" | "LEADING" | "TRAILING",
    });
    this.MANY_SEP({
      SEP: T.Comma,
      DEF: () => {
        args.push(this.SUBRULE(this.expression));
        this.OPTION2({
          GATE: () => name === "POSITION",
          DEF: () => {
            this.CONSUME(T.In);
            args.push(this.SUBRULE2(this.expression));
          },
        });
        this.OPTION3({
          GATE: () => FLOOR_CEIL.has(name),
          DEF: () => {
            this.CONSUME(T.To);
            unit = this.SUBRULE(this.timeUnit);
          },
        });
        this.OPTION4({
          GATE: () => name === "OVERLAY" && this.isWord(1, "PLACING"),
          DEF: () => {
            this.CONSUME2(T.Identifier);
            args.push(this.SUBRULE3(this.expression));
            this.CONSUME(T.From);
            args.push(this.SUBRULE4(this.expression));
            this.OPTION5(() => {
              this.CONSUME(T.For);
              args.push(this.SUBRULE5(this.expression));
            });
          },
        });
      },
    });
    const from = this.OPTION6({
      GATE: () => FROM_FORMS.has(name),
      DEF: () => {
        this.CONSUME2(T.From);
        args.push(this.SUBRULE6(this.expression));
        this.OPTION7({
          GATE: () => name !== "TRIM",
          DEF: () => {
            this.CONSUME2(T.For);
            args.push(this.SUBRULE7(this.expression));
          },
        });
        return true;
      },
    });
    this.CONSUME(T.RParen);
    const call: { kind: "call"; name: string; args: Expr[]; distinct: false; pos: SourcePos } & {
      unit?: string;
      trim?: true;
    } = { kind: "call", name, args, distinct: false, pos: posOf(tok) };
    if (unit !== undefined) call.unit = unit;
    // POSITION(a IN (b)) reads as an IN list of one: the same call.
    const only = args[0];
    if (
      name === "POSITION" &&
      args.length === 1 &&
      only?.kind === "in" &&
      !only.not &&
      only.list.length === 1
    )
      call.args = [only.operand, only.list[0] as Expr];
    if (name === "TRIM" && (from === true || trim !== undefined)) {
      const s = args.length === 2 ? args[1] : args[0];
      const chars: Expr =
        args.length === 2 ? (args[0] as Expr) : { kind: "literal", type: "string", value: " " };
      call.args =
        s === undefined ? args : [s, chars, { kind: "literal", type: "string", value: trim ?? "BOTH" }];
      call.trim = true;
    }
    return call;
  });

  /** A function argument: `name => value` or an expression. */
  private argument = this.RULE("argument", (): Expr => {
    return this.OR([
      {
        GATE: () => this.LA(2).tokenType === T.Arrow,
        ALT: () => {
          // A parameter name may be a reserved word (TUMBLE's OFFSET => ...).
          const name = this.OR2([
            { ALT: () => this.SUBRULE(this.identifier) },
            { ALT: () => upper(this.CONSUME(T.Reserved).image) },
          ]);
          this.CONSUME(T.Arrow);
          return { kind: "namedArg", name, value: this.SUBRULE(this.expression) } as Expr;
        },
      },
      { ALT: () => this.SUBRULE2(this.expression) },
    ]);
  });

  /** The inside of `OVER (...)` and `WINDOW w AS (...)`. */
  windowSpec = this.RULE("windowSpec", (): WindowSpec => {
    const base = this.OPTION(() => this.SUBRULE(this.identifier));
    const partitionBy =
      this.OPTION2(() => {
        this.CONSUME(T.Partition);
        this.CONSUME(T.By);
        return this.SUBRULE(this.expressionList);
      }) ?? [];
    const orderBy = this.OPTION3(() => this.SUBRULE(this.orderByClause)) ?? [];
    const frame = this.OPTION4(() => this.SUBRULE(this.windowFrame));
    const spec: {
      kind: "spec";
      partitionBy: Expr[];
      orderBy: OrderItem[];
      base?: string;
      frame?: WindowFrame;
    } = {
      kind: "spec",
      partitionBy,
      orderBy,
    };
    if (base !== undefined) spec.base = base;
    if (frame !== undefined) spec.frame = frame;
    return spec;
  });

  private windowFrame = this.RULE("windowFrame", (): WindowFrame => {
    const unit = this.OR([
      { ALT: () => this.take(T.Rows, "ROWS" as const) },
      { ALT: () => this.take(T.Range, "RANGE" as const) },
    ]);
    return this.OR2([
      {
        ALT: () => {
          this.CONSUME(T.Between);
          const start = this.SUBRULE(this.frameBound);
          this.CONSUME(T.And);
          const end = this.SUBRULE2(this.frameBound);
          return { unit, start, end };
        },
      },
      { ALT: () => ({ unit, start: this.SUBRULE3(this.frameBound) }) },
    ]);
  });

  private frameBound = this.RULE("frameBound", (): FrameBound => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Unbounded);
          return { kind: "unbounded", direction: this.SUBRULE(this.frameDirection) } as FrameBound;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Current);
          this.CONSUME(T.Row);
          return { kind: "current" } as FrameBound;
        },
      },
      {
        ALT: () => {
          const offset = this.SUBRULE(this.additive);
          return { kind: "offset", offset, direction: this.SUBRULE2(this.frameDirection) } as FrameBound;
        },
      },
    ]);
  });

  private frameDirection = this.RULE("frameDirection", (): "PRECEDING" | "FOLLOWING" => {
    return this.OR([
      { ALT: () => this.take(T.Preceding, "PRECEDING" as const) },
      { ALT: () => this.take(T.Following, "FOLLOWING" as const) },
    ]);
  });

  /** `ORDER BY item, ...`. */
  orderByClause = this.RULE("orderByClause", (): OrderItem[] => {
    this.CONSUME(T.Order);
    this.CONSUME(T.By);
    const items: OrderItem[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => items.push(this.SUBRULE(this.orderItem)) });
    return items;
  });

  private orderItem = this.RULE("orderItem", (): OrderItem => {
    const expr = this.SUBRULE(this.expression);
    const direction = this.OPTION(() =>
      this.OR([
        { ALT: () => this.take(T.Asc, "ASC" as const) },
        { ALT: () => this.take(T.Desc, "DESC" as const) },
      ]),
    );
    const nulls = this.OPTION2(() => {
      this.CONSUME(T.Nulls);
      return this.OR2([
        { ALT: () => this.take(T.First, "FIRST" as const) },
        { ALT: () => this.take(T.Last, "LAST" as const) },
      ]);
    });
    const item: { expr: Expr; direction?: "ASC" | "DESC"; nulls?: "FIRST" | "LAST" } = { expr };
    if (direction !== undefined) item.direction = direction;
    if (nulls !== undefined) item.nulls = nulls;
    return item;
  });

  // -------------------------------------------------------------------------------------------
  // Data types

  /** A data type with its `ARRAY`/`MULTISET` suffixes and `NOT NULL`. */
  dataType = this.RULE("dataType", (): DataType => {
    let type = this.SUBRULE(this.baseType);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.take(T.ArrayKw, (type = { kind: "array", element: type, notNull: false })) },
        {
          ALT: () => this.take(T.Multiset, (type = { kind: "multiset", element: type, notNull: false })),
        },
      ]);
    });
    const notNull = this.OPTION(() =>
      this.OR2([
        {
          ALT: () => {
            this.CONSUME(T.Not);
            this.CONSUME(T.Null);
            return true;
          },
        },
        { ALT: () => this.take(T.Null, false, 1) },
      ]),
    );
    return notNull ? { ...type, notNull: true } : type;
  });

  private baseType = this.RULE("baseType", (): DataType => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Row);
          const fields: RowField[] = [];
          this.OR2([
            {
              ALT: () => {
                this.CONSUME(T.Less);
                this.MANY_SEP({ SEP: T.Comma, DEF: () => fields.push(this.SUBRULE(this.rowField)) });
                this.CONSUME(T.Greater);
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.LParen);
                this.MANY_SEP2({ SEP: T.Comma, DEF: () => fields.push(this.SUBRULE2(this.rowField)) });
                this.CONSUME(T.RParen);
              },
            },
          ]);
          return { kind: "row", fields, notNull: false } as DataType;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.ArrayKw);
          this.CONSUME2(T.Less);
          const element = this.SUBRULE(this.dataType);
          this.CONSUME2(T.Greater);
          return { kind: "array", element, notNull: false } as DataType;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Multiset);
          this.CONSUME3(T.Less);
          const element = this.SUBRULE2(this.dataType);
          this.CONSUME3(T.Greater);
          return { kind: "multiset", element, notNull: false } as DataType;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.MapKw);
          this.CONSUME4(T.Less);
          const key = this.SUBRULE3(this.dataType);
          this.CONSUME(T.Comma);
          const value = this.SUBRULE4(this.dataType);
          this.CONSUME4(T.Greater);
          return { kind: "map", key, value, notNull: false } as DataType;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Interval);
          const from = this.SUBRULE(this.timeUnit);
          const to = this.OPTION(() => {
            this.CONSUME(T.To);
            return this.SUBRULE2(this.timeUnit);
          });
          return (
            to === undefined
              ? { kind: "interval", from, notNull: false }
              : { kind: "interval", from, to, notNull: false }
          ) as DataType;
        },
      },
      { ALT: () => this.SUBRULE(this.timeType) },
      {
        ALT: () =>
          this.take(T.DateKw, { kind: "atomic", name: "DATE", args: [], notNull: false } as DataType),
      },
      {
        ALT: () => {
          const token = this.LA(1);
          const word = upper(this.SUBRULE(this.identifier));
          const name = TYPE_ALIASES[word] ?? word;
          this.ACTION(() => {
            if (!ATOMIC_TYPE_NAMES.has(name)) this.unknownTypeTokens.push(token);
          });
          this.OPTION2({
            GATE: () => name === "DOUBLE",
            DEF: () => this.CONSUME(T.Precision),
          });
          const args = this.OPTION3(() => this.SUBRULE(this.typeArgs)) ?? [];
          return { kind: "atomic", name, args, notNull: false } as DataType;
        },
      },
    ]);
  });

  /** TIMESTAMP(p) [WITH [LOCAL] TIME ZONE | WITHOUT TIME ZONE], TIME(p). */
  private timeType = this.RULE("timeType", (): DataType => {
    const name = this.OR([
      { ALT: () => this.take(T.Timestamp, "TIMESTAMP") },
      { ALT: () => this.take(T.Time, "TIME") },
    ]);
    const args = this.OPTION(() => this.SUBRULE(this.typeArgs)) ?? [];
    const timeZone = this.OPTION2(() =>
      this.OR2([
        {
          ALT: () => {
            this.CONSUME(T.With);
            const local = this.OPTION3(() => this.CONSUME(T.Local)) !== undefined;
            this.CONSUME2(T.Time);
            this.CONSUME(T.Zone);
            return local ? ("local" as const) : ("zone" as const);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Without);
            this.CONSUME3(T.Time);
            this.CONSUME2(T.Zone);
            return undefined;
          },
        },
      ]),
    );
    return timeZone === undefined
      ? { kind: "atomic", name, args, notNull: false }
      : { kind: "atomic", name, args, timeZone, notNull: false };
  });

  private typeArgs = this.RULE("typeArgs", (): number[] => {
    const args: number[] = [];
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => args.push(this.SUBRULE(this.integer)) });
    this.CONSUME(T.RParen);
    return args;
  });

  private rowField = this.RULE("rowField", (): RowField => {
    const name = this.SUBRULE(this.identifier);
    const type = this.SUBRULE(this.dataType);
    const comment = this.OPTION(() => this.SUBRULE(this.string));
    return comment === undefined ? { name, type } : { name, type, comment };
  });
}

/** A method of chevrotain's recorder (its parser's prototype chain above ExpressionParser). */
function chevrotainRecorder(name: "enableRecording" | "disableRecording"): (this: unknown) => void {
  return chevrotainMethod(name) as (this: unknown) => void;
}

/** A method of chevrotain's parser (its prototype chain above ExpressionParser). */
function chevrotainMethod(name: string): Function {
  return (Object.getPrototypeOf(ExpressionParser.prototype) as Record<string, Function>)[name] as Function;
}
