/**
 * The tokens of Flink SQL and the lexer that makes them. Keywords are case-insensitive; words that
 * Flink does not reserve (TUMBLE, WATERMARK, MEASURES, FIRST...) are in the {@link NonReserved}
 * category, so the parser also accepts them wherever a name is expected (a column called `first`).
 */

import type { TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";

/** Any name: a plain word, a back-quoted name, or a non-reserved keyword (parser-side category). */
export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_$]*/,
  label: "a name",
});
/** A name in back quotes, Flink's quoting (a doubled back quote inside is one back quote). */
export const QuotedIdentifier = createToken({
  name: "QuotedIdentifier",
  pattern: /`(?:[^`]|``)*`/,
  label: "a name",
});
/** Keywords Flink does not reserve: also usable as names. */
export const NonReserved = createToken({ name: "NonReserved", pattern: Lexer.NA, label: "a name" });

/** Keywords Flink reserves (usable as names only in back quotes, or as a named argument: `OFFSET => ...`). */
export const Reserved = createToken({ name: "Reserved", pattern: Lexer.NA, label: "a keyword" });

/** Every keyword token, by upper-case word (filled by {@link keyword}). */
export const KEYWORDS = new Map<string, TokenType>();

/**
 * The keywords that printed SQL back-quotes when they are names: every reserved keyword, and the
 * non-reserved ones from before new ones were printed bare (see `word` below).
 */
export const QUOTED_IN_PRINT = new Set<string>();

/**
 * The functions SQL calls without parentheses (the standard's niladic datetime functions): words
 * of the Identifier token that the expression rules read as calls, so a column of that name is
 * written in back quotes (they are reserved words in Calcite).
 */
export const NILADIC_FUNCTIONS: ReadonlySet<string> = new Set([
  "CURRENT_DATE",
  "CURRENT_TIME",
  "CURRENT_TIMESTAMP",
  "LOCALTIME",
  "LOCALTIMESTAMP",
]);
const keywordTokens: TokenType[] = [];

function keyword(word: string, reserved = true, quotedInPrint = true): TokenType {
  const t = createToken({
    name: word,
    pattern: new RegExp(`${word}(?![A-Za-z0-9_$])`, "i"),
    // What chevrotain would find by analysing the pattern, given: that analysis of ~220 keyword
    // patterns was a third of the lexer's construction, paid at the start of every SQL job.
    start_chars_hint: [word[0]!.toUpperCase(), word[0]!.toLowerCase()],
    label: word,
    longer_alt: Identifier,
    categories: reserved ? [Reserved] : [NonReserved],
  });
  KEYWORDS.set(word, t);
  if (quotedInPrint) QUOTED_IN_PRINT.add(word);
  keywordTokens.push(t);
  return t;
}
/**
 * A non-reserved keyword: the parser takes it as a name too, and printed SQL writes such a name
 * bare. Printed plans are what state ids and state schemas are derived from, so a keyword added
 * later must not change how a column of that name prints: new non-reserved keywords use this.
 */
const word = (w: string) => keyword(w, false, false);
/**
 * A non-reserved keyword that printed SQL back-quotes as a name: the ones from before printing
 * stopped quoting new keywords. Kept as they are so that the state ids of existing savepoints,
 * derived from printed plans, do not change; add no word here.
 */
const quotedWord = (w: string) => keyword(w, false, true);

// Reserved keywords (a column with such a name needs back quotes, as in Flink).
export const Select = keyword("SELECT");
export const From = keyword("FROM");
export const Where = keyword("WHERE");
export const Group = keyword("GROUP");
export const By = keyword("BY");
export const Having = keyword("HAVING");
export const Order = keyword("ORDER");
export const Limit = keyword("LIMIT");
export const Offset = keyword("OFFSET");
export const Fetch = keyword("FETCH");
export const Union = keyword("UNION");
export const Intersect = keyword("INTERSECT");
export const Except = keyword("EXCEPT");
export const All = keyword("ALL");
export const Distinct = keyword("DISTINCT");
export const As = keyword("AS");
export const On = keyword("ON");
export const Using = keyword("USING");
export const Join = keyword("JOIN");
export const Inner = keyword("INNER");
export const Left = keyword("LEFT");
export const Right = keyword("RIGHT");
export const Full = keyword("FULL");
export const Outer = keyword("OUTER");
export const Cross = keyword("CROSS");
export const Natural = keyword("NATURAL");
export const Lateral = keyword("LATERAL");
export const Unnest = keyword("UNNEST");
export const And = keyword("AND");
export const Or = keyword("OR");
export const Not = keyword("NOT");
export const Null = keyword("NULL");
export const Is = keyword("IS");
export const In = keyword("IN");
export const Between = keyword("BETWEEN");
export const Symmetric = keyword("SYMMETRIC");
export const Asymmetric = keyword("ASYMMETRIC");
export const Like = keyword("LIKE");
export const Similar = keyword("SIMILAR");
export const Escape = keyword("ESCAPE");
export const Case = keyword("CASE");
export const When = keyword("WHEN");
export const Then = keyword("THEN");
export const Else = keyword("ELSE");
export const End = keyword("END");
export const Cast = keyword("CAST");
export const TryCast = keyword("TRY_CAST");
export const True = keyword("TRUE");
export const False = keyword("FALSE");
export const Unknown = keyword("UNKNOWN");
export const Interval = keyword("INTERVAL");
export const Table = keyword("TABLE");
export const Create = keyword("CREATE");
export const Drop = keyword("DROP");
export const Insert = keyword("INSERT");
export const Into = keyword("INTO");
export const Overwrite = keyword("OVERWRITE");
export const Values = keyword("VALUES");
export const With = keyword("WITH");
export const Without = keyword("WITHOUT");
export const Over = keyword("OVER");
export const Overlaps = keyword("OVERLAPS");
export const Partition = keyword("PARTITION");
export const Rows = keyword("ROWS");
export const Range = keyword("RANGE");
export const Preceding = keyword("PRECEDING");
export const Following = keyword("FOLLOWING");
export const Current = keyword("CURRENT");
export const Row = keyword("ROW");
export const Unbounded = keyword("UNBOUNDED");
export const For = keyword("FOR");
export const SystemTime = keyword("SYSTEM_TIME");
export const Of = keyword("OF");
export const Exists = keyword("EXISTS");
export const SetKw = keyword("SET");
export const Reset = keyword("RESET");
export const ArrayKw = keyword("ARRAY");
export const MapKw = keyword("MAP");
export const Multiset = keyword("MULTISET");
export const DateKw = keyword("DATE");
export const Time = keyword("TIME");
export const Timestamp = keyword("TIMESTAMP");
export const Extract = keyword("EXTRACT");
export const Filter = keyword("FILTER");
export const Grouping = keyword("GROUPING");
export const Sets = keyword("SETS");
export const Rollup = keyword("ROLLUP");
export const Cube = keyword("CUBE");
export const Primary = keyword("PRIMARY");
export const Constraint = keyword("CONSTRAINT");
export const MatchRecognize = keyword("MATCH_RECOGNIZE");
export const Window = keyword("WINDOW");
export const To = keyword("TO");
export const Explain = keyword("EXPLAIN");
export const Describe = keyword("DESCRIBE");
export const Desc = keyword("DESC");
export const Asc = keyword("ASC");
export const Show = keyword("SHOW");
export const Like_ = Like; // alias kept for readability where LIKE means "copy a table's schema"

// Non-reserved keywords (usable as names).
export const Tumble = quotedWord("TUMBLE");
export const Hop = quotedWord("HOP");
export const Cumulate = quotedWord("CUMULATE");
export const Session = quotedWord("SESSION");
export const DescriptorKw = quotedWord("DESCRIPTOR");
/**
 * Reserved in Flink 1.20, unlike the words around it (probed: `CREATE TABLE k (watermark INT)` is
 * refused at INT, expecting FOR; `SELECT 1 AS watermark` and `RENAME x TO watermark` at the word).
 * Printed back-quoted as before.
 */
export const Watermark = keyword("WATERMARK");
export const Metadata = quotedWord("METADATA");
export const Virtual = quotedWord("VIRTUAL");
export const Key = quotedWord("KEY");
export const Enforced = quotedWord("ENFORCED");
export const Temporary = quotedWord("TEMPORARY");
export const System = quotedWord("SYSTEM");
export const View = quotedWord("VIEW");
export const FunctionKw = quotedWord("FUNCTION");
export const Tables = quotedWord("TABLES");
export const Views = quotedWord("VIEWS");
export const Functions = quotedWord("FUNCTIONS");
export const Catalogs = quotedWord("CATALOGS");
export const Databases = quotedWord("DATABASES");
export const Jobs = quotedWord("JOBS");
export const Modules = quotedWord("MODULES");
export const Columns = quotedWord("COLUMNS");
export const Partitions = quotedWord("PARTITIONS");
export const User = quotedWord("USER");
export const Catalog = quotedWord("CATALOG");
export const Database = quotedWord("DATABASE");
export const Use = quotedWord("USE");
export const Extended = quotedWord("EXTENDED");
export const If = quotedWord("IF");
export const Comment = quotedWord("COMMENT");
export const Partitioned = quotedWord("PARTITIONED");
export const Language = quotedWord("LANGUAGE");
export const Plan = quotedWord("PLAN");
export const Measures = quotedWord("MEASURES");
export const Define = quotedWord("DEFINE");
export const Pattern = quotedWord("PATTERN");
export const One = quotedWord("ONE");
export const Per = quotedWord("PER");
export const Match = quotedWord("MATCH");
export const After = quotedWord("AFTER");
export const Skip = quotedWord("SKIP");
export const Past = quotedWord("PAST");
export const Next = quotedWord("NEXT");
export const Last = quotedWord("LAST");
export const First = quotedWord("FIRST");
export const Within = quotedWord("WITHIN");
export const Subset = quotedWord("SUBSET");
export const Nulls = quotedWord("NULLS");
export const Local = quotedWord("LOCAL");
export const Zone = quotedWord("ZONE");
export const Only = quotedWord("ONLY");
export const Precision = quotedWord("PRECISION");
/** `IS JSON` (a column may still be called `json`). */
export const Json = quotedWord("JSON");
/** Statement sets (`EXECUTE STATEMENT SET BEGIN ... END`, `BEGIN STATEMENT SET; ... END;`). */
export const Begin = word("BEGIN");
export const StatementKw = word("STATEMENT");
export const Execute = word("EXECUTE");
/** `[CREATE OR] REPLACE TABLE ... AS SELECT` (REPLACE(s, a, b) stays a function). */
export const Replace = word("REPLACE");
/**
 * `ALTER TABLE t RENAME TO | SET | RESET`. Flink reserves ALTER; here it stays a name too, so that
 * a column called `alter` keeps printing (and its state ids) as before.
 */
export const Alter = word("ALTER");
export const Rename = word("RENAME");
/** `ALTER TABLE t ADD ...`: a name too, as in Flink (`CREATE TABLE k (add INT)`). */
export const Add = word("ADD");
/**
 * `ALTER TABLE t MODIFY ...`: reserved, as Flink 1.20 reserves it (a column called `modify` needs
 * back quotes there: `SELECT 1 AS modify` and `CREATE TABLE k (modify INT)` are refused at the
 * word). Such a name now prints back-quoted, as every reserved word.
 */
export const Modify = keyword("MODIFY");
/**
 * The names of the JSON functions whose parentheses hold SQL/JSON clauses (`JSON_VALUE(j, p
 * RETURNING INT ...)`): one token, so that the grammar of those clauses applies to them only.
 */
export const JsonFunction = createToken({
  name: "JsonFunction",
  pattern: /JSON_(?:VALUE|QUERY|EXISTS|OBJECTAGG|OBJECT|ARRAYAGG|ARRAY)(?![A-Za-z0-9_$])/i,
  label: "a name",
  longer_alt: Identifier,
  categories: [NonReserved],
});
keywordTokens.push(JsonFunction);

/**
 * FLOOR, CEIL, CEILING, OVERLAY, POSITION, SUBSTRING, SUBSTR, TRIM: functions with keywords among
 * their arguments (`FLOOR(ts TO DAY)`, `TRIM(LEADING 'x' FROM s)`), one token as JsonFunction.
 */
export const SyntaxFunction = createToken({
  name: "SyntaxFunction",
  pattern: /(?:FLOOR|CEILING|CEIL|OVERLAY|POSITION|SUBSTRING|SUBSTR|TRIM)(?![A-Za-z0-9_$])/i,
  label: "a name",
  longer_alt: Identifier,
  categories: [NonReserved],
});
keywordTokens.push(SyntaxFunction);

/** Interval and EXTRACT units; non-reserved (a column may be called `day`). */
export const TIME_UNITS = [
  "YEAR",
  "YEARS",
  "QUARTER",
  "MONTH",
  "MONTHS",
  "WEEK",
  "DAY",
  "DAYS",
  "HOUR",
  "HOURS",
  "MINUTE",
  "MINUTES",
  "SECOND",
  "SECONDS",
  "MILLISECOND",
  "MILLISECONDS",
  "MICROSECOND",
  "NANOSECOND",
  "EPOCH",
  "DOW",
  "DOY",
  // EXTRACT's further units in Flink 1.20 (Calcite's TimeUnit).
  "MILLENNIUM",
  "CENTURY",
  "DECADE",
  "ISODOW",
  "ISOYEAR",
] as const;
/** One of {@link TIME_UNITS}. */
export type TimeUnitWord = (typeof TIME_UNITS)[number];
/** The category of the time unit words. */
export const TimeUnit = createToken({ name: "TimeUnit", pattern: Lexer.NA, label: "a time unit" });
for (const u of TIME_UNITS) {
  const t = createToken({
    name: u,
    pattern: new RegExp(`${u}(?![A-Za-z0-9_$])`, "i"),
    label: u,
    longer_alt: Identifier,
    categories: [TimeUnit, NonReserved],
  });
  KEYWORDS.set(u, t);
  keywordTokens.push(t);
}

// Literals.
/** A number: integer, decimal or with an exponent (`1`, `0.908`, `.5`, `1e3`). */
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/,
  label: "a number",
});
/** A string in single quotes (a doubled quote inside is one quote). */
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /'(?:[^']|'')*'/,
  label: "a string",
});

/**
 * A binary string, X'0aFF' or x'01' (Flink's BINARY(n) literal). It comes before the keywords and
 * Identifier in the lexer's order: they would otherwise take the x as a name. The hex digits are
 * checked by the planner, which names the literal.
 */
export const BinaryLiteral = createToken({
  name: "BinaryLiteral",
  pattern: /[xX]'[^']*'/,
  label: "a binary string",
});

// Punctuation and operators (longer first where one is a prefix of another).
export const NotEquals = createToken({ name: "NotEquals", pattern: /<>|!=/, label: "'<>'" });
export const LessEquals = createToken({ name: "LessEquals", pattern: /<=/, label: "'<='" });
export const GreaterEquals = createToken({ name: "GreaterEquals", pattern: />=/, label: "'>='" });
export const Arrow = createToken({ name: "Arrow", pattern: /=>/, label: "'=>'" });
export const Equals = createToken({ name: "Equals", pattern: /=/, label: "'='" });
export const Less = createToken({ name: "Less", pattern: /</, label: "'<'" });
export const Greater = createToken({ name: "Greater", pattern: />/, label: "'>'" });
export const Concat = createToken({ name: "Concat", pattern: /\|\|/, label: "'||'" });
export const Pipe = createToken({ name: "Pipe", pattern: /\|/, label: "'|'" });
export const Plus = createToken({ name: "Plus", pattern: /\+/, label: "'+'" });
export const Minus = createToken({ name: "Minus", pattern: /-/, label: "'-'" });
export const Star = createToken({ name: "Star", pattern: /\*/, label: "'*'" });
export const Slash = createToken({ name: "Slash", pattern: /\//, label: "'/'" });
export const Percent = createToken({ name: "Percent", pattern: /%/, label: "'%'" });
export const Question = createToken({ name: "Question", pattern: /\?/, label: "'?'" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: /]/, label: "']'" });
export const LBrace = createToken({ name: "LBrace", pattern: /\{/, label: "'{'" });
export const RBrace = createToken({ name: "RBrace", pattern: /}/, label: "'}'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Dot = createToken({ name: "Dot", pattern: /\./, label: "'.'" });
export const Semicolon = createToken({ name: "Semicolon", pattern: /;/, label: "';'" });

const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /\s+/, group: Lexer.SKIPPED });
const LineComment = createToken({ name: "LineComment", pattern: /--[^\n\r]*/, group: Lexer.SKIPPED });
/**
 * A block comment, kept aside in the lexer's group `comments` (no token of the grammar): a hint
 * comment, `/*+ STATE_TTL('t' = '1d') *\/`, is given to the SELECT it follows (parse.ts).
 */
const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, group: "comments" });

/** Every token type, in the order the lexer tries them (and the parser's vocabulary). */
export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  BinaryLiteral,
  NonReserved,
  Reserved,
  TimeUnit,
  ...keywordTokens,
  Identifier,
  QuotedIdentifier,
  NumberLiteral,
  StringLiteral,
  NotEquals,
  LessEquals,
  GreaterEquals,
  Arrow,
  Equals,
  Less,
  Greater,
  Concat,
  Pipe,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Question,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Dot,
  Semicolon,
];

/** The lexer's options (position tracking "full": lines and columns for error messages). */
export const LEXER_OPTIONS = { positionTracking: "full", ensureOptimizations: false } as const;

/**
 * The SQL lexer. chevrotain's checks of the token definitions are skipped here: they cost about
 * 0.1 s of CPU at the start of every SQL job and find nothing in a fixed token list; a test builds
 * the lexer with them (test/parser/lexer-definition.test.ts).
 */
export const sqlLexer = new Lexer(ALL_TOKENS, { ...LEXER_OPTIONS, skipValidations: true });
