/**
 * Entry points of the parser: SQL text to statements, a query or an expression, with
 * FLEUVE_SQL_SYNTAX errors that point at the line and column and list what was expected.
 */

import type { IRecognitionException, IToken, TokenType } from "chevrotain";
import { invalid } from "../planner/problems.js";
import type { DataType, Expr, Query, Statement } from "./ast.js";
import { EOF } from "./chevrotain.js";
import { posOf } from "./expression-parser.js";
import * as T from "./lexer.js";
import { SqlParser } from "./statement-parser.js";
import { describeExpected, type SyntaxProblem, syntaxError } from "./syntax-error.js";
import { unsupportedAlter } from "./unsupported-alter.js";

/** Flink's refusal of a primary key without NOT ENFORCED (SqlConstraintValidator). */
const ENFORCED_KEY =
  "Flink doesn't support ENFORCED mode for PRIMARY KEY constraint. ENFORCED/NOT ENFORCED controls if the constraint checks are performed on the incoming/outgoing data. Flink does not own the data therefore the only supported mode is the NOT ENFORCED mode";

let shared: SqlParser | undefined;
/** The parser, built once (building analyses the grammar, which takes a while). */
function parser(): SqlParser {
  shared ??= new SqlParser();
  return shared;
}

type RuleName = "script" | "statement" | "queryOnly" | "expressionOnly" | "typeOnly";

function run<R>(sql: string, rule: RuleName): R {
  const lexed = T.sqlLexer.tokenize(sql);
  const lexError = lexed.errors[0];
  if (lexError !== undefined) throw syntaxError(sql, lexProblem(sql, lexError.offset));
  const p = parser();
  p.input = lexed.tokens;
  p.unknownTypeTokens = [];
  p.enforcedKeys = [];
  const result = p[rule]() as R;
  const error = p.errors[0];
  if (error !== undefined) {
    const at = lexed.tokens.indexOf(error.token);
    throw (
      unsupportedAlter(lexed.tokens, at < 0 ? lexed.tokens.length : at) ??
      syntaxError(sql, parseProblem(sql, lexed.tokens, error, rule))
    );
  }
  const unknownType = p.unknownTypeTokens[0];
  if (unknownType !== undefined) throw syntaxError(sql, unknownTypeProblem(sql, unknownType));
  const enforced = p.enforcedKeys[0];
  if (enforced !== undefined) throw invalid(ENFORCED_KEY, posOf(enforced));
  const hints = (lexed.groups.comments ?? []).filter((c) => c.image.startsWith("/*+"));
  return hints.length === 0 ? result : withHints(sql, result, lexed.tokens, hints);
}

/**
 * `result` with each hint comment given to what it follows, as Calcite's grammar places hints: a
 * query hint right after SELECT (the SELECT's `hint`), a table hint right after a table's name in
 * FROM or an INSERT's target (its `hint`). A hint comment anywhere else, or a second one in a row,
 * is a syntax error, as in Flink ("Encountered "/*+"").
 */
function withHints<R>(sql: string, result: R, tokens: readonly IToken[], hints: readonly IToken[]): R {
  const indexAt = new Map(tokens.map((t, i) => [t.startOffset, i]));
  // The hints by the index of the token each follows.
  const after = new Map<number, IToken>();
  for (const h of hints) {
    let before = -1;
    while (before + 1 < tokens.length && (tokens[before + 1] as IToken).startOffset < h.startOffset) before++;
    if (after.has(before)) throw misplacedHint(sql, h);
    after.set(before, h);
  }
  const given = new Set<IToken>();
  // The hint after the token at `index`, if any.
  const take = (index: number | undefined) => {
    const h = index === undefined ? undefined : after.get(index);
    if (h === undefined) return undefined;
    given.add(h);
    return { text: h.image, pos: posOf(h) };
  };
  // The index of the last token of the dotted name starting at `first`.
  const nameEnd = (first: number | undefined) => {
    if (first === undefined) return undefined;
    let last = first;
    while (tokens[last + 1]?.tokenType === T.Dot && last + 2 < tokens.length) last += 2;
    return last;
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const v of node) visit(v);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const o = node as Record<string, unknown>;
    const offset = (o.pos as { offset: number } | undefined)?.offset;
    if (offset !== undefined) {
      let hint: ReturnType<typeof take>;
      if (o.kind === "select") hint = take(indexAt.get(offset));
      else if (o.kind === "table" && o.name !== undefined) hint = take(nameEnd(indexAt.get(offset)));
      else if (o.kind === "insert") {
        // INSERT INTO|OVERWRITE name: the name starts two tokens after INSERT.
        const at = indexAt.get(offset);
        hint = take(nameEnd(at === undefined ? undefined : at + 2));
      }
      if (hint !== undefined) o.hint = hint;
    }
    for (const v of Object.values(o)) visit(v);
  };
  visit(result);
  const stray = hints.find((h) => !given.has(h));
  if (stray !== undefined) throw misplacedHint(sql, stray);
  return result;
}

/** The syntax error of a hint comment where no hint may be written. */
function misplacedHint(sql: string, h: IToken) {
  return syntaxError(sql, {
    offset: h.startOffset,
    length: 3,
    line: h.startLine ?? 1,
    column: h.startColumn ?? 1,
    what: `unexpected hint '/*+': a hint is written right after SELECT or after a table's name`,
    expected: [],
  });
}

/**
 * Parses a script: statements separated by `;`.
 * @throws FleuveError FLEUVE_SQL_SYNTAX pointing at the first error.
 */
export function parseScript(sql: string): Statement[] {
  return run<Statement[]>(sql, "script");
}

/**
 * Parses exactly one statement (a trailing `;` is allowed).
 * @throws FleuveError FLEUVE_SQL_SYNTAX pointing at the first error.
 */
export function parseStatement(sql: string): Statement {
  const list = parseScript(sql);
  if (list.length !== 1) {
    const lexed = T.sqlLexer.tokenize(sql);
    const at = list.length === 0 ? sql.length : secondStatementOffset(lexed.tokens);
    const { line, column } = lineColumn(sql, at);
    throw syntaxError(sql, {
      offset: at,
      length: 1,
      line,
      column,
      what:
        list.length === 0 ? "expected a statement, found nothing" : "expected one statement, found several",
      expected: [],
    });
  }
  return list[0] as Statement;
}

function secondStatementOffset(tokens: readonly IToken[]): number {
  const i = tokens.findIndex(
    (t, j) =>
      t.tokenType === T.Semicolon && tokens[j + 1] !== undefined && tokens[j + 1]?.tokenType !== T.Semicolon,
  );
  return tokens[i + 1]?.startOffset ?? 0;
}

/**
 * Parses one query (SELECT, VALUES, WITH ..., set operations).
 * @throws FleuveError FLEUVE_SQL_SYNTAX pointing at the first error.
 */
export function parseQuery(sql: string): Query {
  return run<Query>(sql, "queryOnly");
}

/**
 * Parses one scalar expression.
 * @throws FleuveError FLEUVE_SQL_SYNTAX pointing at the first error.
 */
export function parseExpression(sql: string): Expr {
  return run<Expr>(sql, "expressionOnly");
}

/**
 * Parses one data type (`INT`, `ROW<word STRING, n INT>`), as DDL writes it.
 * @throws FleuveError FLEUVE_SQL_SYNTAX pointing at the first error.
 */
export function parseDataType(sql: string): DataType {
  return run<DataType>(sql, "typeOnly");
}

/** 1-based line and column of a 0-based offset. */
export function lineColumn(sql: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if (c === 10 || (c === 13 && sql.charCodeAt(i + 1) !== 10)) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

function unknownTypeProblem(sql: string, token: IToken): SyntaxProblem {
  const { line, column } = lineColumn(sql, token.startOffset);
  return {
    offset: token.startOffset,
    length: token.image.length,
    line,
    column,
    what: `unknown data type '${token.image}' (types are e.g. INT, BIGINT, DOUBLE, STRING, BOOLEAN, DECIMAL(p, s), TIMESTAMP(3))`,
    expected: [],
  };
}

function lexProblem(sql: string, offset: number): SyntaxProblem {
  const { line, column } = lineColumn(sql, offset);
  const ch = sql[offset] ?? "";
  const what =
    ch === "'"
      ? "unterminated string (a quote inside a string is written '')"
      : ch === "`"
        ? "unterminated quoted name (a back quote inside a name is written ``)"
        : `unexpected character '${ch}'`;
  return { offset, length: 1, line, column, what, expected: [] };
}

function parseProblem(
  sql: string,
  tokens: IToken[],
  error: IRecognitionException,
  rule: RuleName,
): SyntaxProblem {
  const tok = error.token;
  let index = tokens.indexOf(tok);
  const atEnd = tok.tokenType === EOF || index < 0;
  if (atEnd) index = tokens.length;
  const offset = atEnd ? sql.length : tok.startOffset;
  const { line, column } = atEnd
    ? endPosition(sql, tokens)
    : { line: tok.startLine ?? 1, column: tok.startColumn ?? 1 };
  const expected = expectedLabels(tokens.slice(0, index), rule);
  const found = atEnd ? "end of input" : `'${tok.image}'`;
  return {
    offset,
    length: atEnd ? 1 : tok.image.length,
    line,
    column,
    what: `unexpected ${found}, expected ${describeExpected(expected)}`,
    expected,
  };
}

/** The position just after the last token (where "end of input" is reported). */
function endPosition(sql: string, tokens: readonly IToken[]): { line: number; column: number } {
  const last = tokens[tokens.length - 1];
  if (last === undefined) return lineColumn(sql, 0);
  return lineColumn(sql, (last.endOffset ?? last.startOffset) + 1);
}

let expressionStart: Set<TokenType> | undefined;
/** The tokens an expression can start with (to say "an expression" instead of listing them). */
function expressionStartTokens(): Set<TokenType> {
  expressionStart ??= new Set(
    parser()
      .computeContentAssist("expressionOnly", [])
      .map((s) => s.nextTokenType),
  );
  return expressionStart;
}

/** Tokens that continue an expression: listed as "an operator" when all of them may come next. */
const OPERATORS: readonly TokenType[] = [
  T.Plus,
  T.Minus,
  T.Star,
  T.Slash,
  T.Percent,
  T.Concat,
  T.Equals,
  T.NotEquals,
  T.Less,
  T.LessEquals,
  T.Greater,
  T.GreaterEquals,
  T.And,
  T.Or,
  T.Between,
  T.In,
  T.Is,
  T.Like,
  T.Not,
  T.Similar,
  T.Overlaps,
  T.LBracket,
  T.Dot,
];

/** What the grammar accepts after `before`, as sorted labels, with names and expressions summarized. */
function expectedLabels(before: IToken[], rule: RuleName): string[] {
  const next = new Set(
    parser()
      .computeContentAssist(rule, before)
      .map((s) => s.nextTokenType),
  );
  const labels = new Set<string>();
  const exprStart = expressionStartTokens();
  const allExpr = [...exprStart].every((t) => next.has(t));
  const nameOk = next.has(T.Identifier);
  const allOperators = OPERATORS.every((t) => next.has(t));
  for (const t of next) {
    if (allOperators && OPERATORS.includes(t)) {
      labels.add("an operator");
      continue;
    }
    if (allExpr && exprStart.has(t)) {
      labels.add("an expression");
      continue;
    }
    const cats = t.CATEGORIES ?? [];
    if (nameOk && (t === T.QuotedIdentifier || t === T.NonReserved || cats.includes(T.NonReserved))) {
      labels.add("a name");
      continue;
    }
    if (cats.includes(T.TimeUnit) || t === T.TimeUnit) {
      labels.add("a time unit");
      continue;
    }
    labels.add(t.LABEL ?? t.name);
  }
  const phrases = [...labels].filter((l) => l.startsWith("a ") || l.startsWith("an "));
  const tokens = [...labels].filter((l) => !phrases.includes(l)).sort();
  return [...tokens, ...phrases.sort()];
}
