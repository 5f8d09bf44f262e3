// Syntax errors name the line and column, what was found and what was expected, and show the line
// with a caret under the offending text. Some cases are real mistakes in Flink's documentation
// (apache/flink, docs/content/docs/dev/table/sql/queries/), which Flink rejects too.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isFleuveError } from "@fleuve/core";
import { parseExpression, parseScript, parseStatement } from "@fleuve/sql";

/** The FLEUVE_SQL_SYNTAX error `fn` throws. */
function syntaxErrorOf(fn: () => unknown): { message: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    assert.ok(isFleuveError(e, "FLEUVE_SQL_SYNTAX"), `expected FLEUVE_SQL_SYNTAX, got ${String(e)}`);
    return { message: e.message, details: { ...e.details } };
  }
  assert.fail("no error thrown");
}

const cases: { name: string; sql: string; message: string }[] = [
  {
    name: "a misspelt FROM reads as an alias; the table name after it is the error",
    sql: "SELECT a, b FORM t",
    message: [
      "SQL syntax error at line 1, column 18: unexpected 't', expected one of ',', ';', EXCEPT, FETCH, FROM, GROUP, HAVING, INTERSECT, LIMIT, OFFSET, ORDER, UNION, WHERE, WINDOW",
      "SELECT a, b FORM t",
      "                 ^",
    ].join("\n"),
  },
  {
    name: "end of input where an expression must come",
    sql: "SELECT a FROM t WHERE",
    message: [
      "SQL syntax error at line 1, column 22: unexpected end of input, expected an expression",
      "SELECT a FROM t WHERE",
      "                     ^",
    ].join("\n"),
  },
  {
    name: "joins.md: the temporal join example's select list ends with a comma",
    sql: "SELECT \n     order_id,\n     order_time,\nFROM orders",
    message: [
      "SQL syntax error at line 4, column 1: unexpected 'FROM', expected an expression",
      "FROM orders",
      "^^^^",
    ].join("\n"),
  },
  {
    name: "window-tvf.md (1.20): the named-parameter SESSION example misses a closing parenthesis",
    sql: "SELECT * FROM TABLE(\n      SESSION(\n        DATA => TABLE Bid PARTITION BY item,\n        TIMECOL => DESCRIPTOR(bidtime),\n        GAP => INTERVAL '5' MINUTES);",
    message: [
      "SQL syntax error at line 5, column 37: unexpected ';', expected one of ')', FILTER, OVER",
      "        GAP => INTERVAL '5' MINUTES);",
      "                                    ^",
    ].join("\n"),
  },
  {
    name: "match_recognize.md: the WITHIN example misses a comma between two DEFINE conditions",
    sql: "SELECT * FROM Ticker MATCH_RECOGNIZE(\n  PARTITION BY symbol\n  ORDER BY rowtime\n  MEASURES C.rowtime AS dropTime\n  PATTERN (A B* C) WITHIN INTERVAL '1' HOUR\n  DEFINE\n    B AS B.price > A.price - 10\n    C AS C.price < A.price - 10\n)",
    message: [
      "SQL syntax error at line 8, column 5: unexpected 'C', expected one of ')', ',', an operator",
      "    C AS C.price < A.price - 10",
      "    ^",
    ].join("\n"),
  },
  {
    name: "joins.md: a metadata key in back quotes (it must be a string)",
    sql: "CREATE TABLE t (ts TIMESTAMP(3) METADATA FROM `timestamp`)",
    message: [
      "SQL syntax error at line 1, column 47: unexpected '`timestamp`', expected a string",
      "CREATE TABLE t (ts TIMESTAMP(3) METADATA FROM `timestamp`)",
      "                                              ^^^^^^^^^^^",
    ].join("\n"),
  },
  {
    name: "CAST without a type",
    sql: "SELECT CAST(a AS) FROM t",
    message: [
      "SQL syntax error at line 1, column 17: unexpected ')', expected one of ARRAY, DATE, INTERVAL, MAP, MULTISET, ROW, TIME, TIMESTAMP, a name",
      "SELECT CAST(a AS) FROM t",
      "                ^",
    ].join("\n"),
  },
  {
    name: "an unknown interval unit",
    sql: "SELECT INTERVAL '1' FORTNIGHT FROM t",
    message: [
      "SQL syntax error at line 1, column 21: unexpected 'FORTNIGHT', expected a time unit",
      "SELECT INTERVAL '1' FORTNIGHT FROM t",
      "                    ^^^^^^^^^",
    ].join("\n"),
  },
  {
    name: "INSERT without INTO",
    sql: "INSERT t SELECT 1",
    message: [
      "SQL syntax error at line 1, column 8: unexpected 't', expected INTO or OVERWRITE",
      "INSERT t SELECT 1",
      "       ^",
    ].join("\n"),
  },
  {
    name: "the error in the second statement of a script",
    sql: "SELECT a FROM t;\nSELECT b FROM",
    message: [
      "SQL syntax error at line 2, column 14: unexpected end of input, expected one of '(', LATERAL, TABLE, UNNEST, a name",
      "SELECT b FROM",
      "             ^",
    ].join("\n"),
  },
  {
    name: "an unclosed call",
    sql: "SELECT f(a FROM t",
    // "a name": IGNORE NULLS / RESPECT NULLS (ARRAY_AGG's) may follow the arguments; ORDER: ARRAY_AGG's ORDER BY.
    message: [
      "SQL syntax error at line 1, column 12: unexpected 'FROM', expected one of '(', ')', ',', '=>', ORDER, a name, an operator",
      "SELECT f(a FROM t",
      "           ^^^^",
    ].join("\n"),
  },
  {
    name: "an unterminated string",
    sql: "SELECT 'abc FROM t",
    message: [
      "SQL syntax error at line 1, column 8: unterminated string (a quote inside a string is written '')",
      "SELECT 'abc FROM t",
      "       ^",
    ].join("\n"),
  },
  {
    name: "a misspelled column type (not a column of an unknown type)",
    sql: "CREATE TABLE t (\n  amount INTEGR,\n  usr STRING\n) WITH ('connector' = 'log')",
    message: [
      "SQL syntax error at line 2, column 10: unknown data type 'INTEGR' (types are e.g. INT, BIGINT, DOUBLE, STRING, BOOLEAN, DECIMAL(p, s), TIMESTAMP(3))",
      "  amount INTEGR,",
      "         ^^^^^^",
    ].join("\n"),
  },
  {
    name: "a misspelled type in CAST",
    sql: "SELECT CAST(a AS STRNG) FROM t",
    message: [
      "SQL syntax error at line 1, column 18: unknown data type 'STRNG' (types are e.g. INT, BIGINT, DOUBLE, STRING, BOOLEAN, DECIMAL(p, s), TIMESTAMP(3))",
      "SELECT CAST(a AS STRNG) FROM t",
      "                 ^^^^^",
    ].join("\n"),
  },
  {
    name: "a character SQL has no use for",
    sql: "SELECT a # b FROM t",
    message: [
      "SQL syntax error at line 1, column 10: unexpected character '#'",
      "SELECT a # b FROM t",
      "         ^",
    ].join("\n"),
  },
  {
    name: "the caret keeps a tab of the line",
    sql: "SELECT a,\n\tFROM t",
    message: [
      "SQL syntax error at line 2, column 2: unexpected 'FROM', expected an expression",
      "\tFROM t",
      "\t^^^^",
    ].join("\n"),
  },
];

for (const c of cases) {
  test(`syntax error: ${c.name}`, () => {
    const err = syntaxErrorOf(() => parseScript(c.sql));
    assert.equal(err.message, c.message);
  });
}

test("a syntax error's details carry line, column, offset and the expected tokens", () => {
  const err = syntaxErrorOf(() => parseScript("SELECT a FROM t WHERE"));
  assert.deepEqual(err.details, { line: 1, column: 22, offset: 21, expected: ["an expression"] });
});

test("parseStatement refuses several statements and no statement, pointing at where", () => {
  assert.equal(
    syntaxErrorOf(() => parseStatement("SELECT 1; SELECT 2")).message,
    "SQL syntax error at line 1, column 11: expected one statement, found several\nSELECT 1; SELECT 2\n          ^",
  );
  assert.equal(
    syntaxErrorOf(() => parseStatement(" ; ")).message,
    "SQL syntax error at line 1, column 4: expected a statement, found nothing\n ; \n   ^",
  );
});

test("parseExpression reports trailing input", () => {
  assert.equal(
    syntaxErrorOf(() => parseExpression("a + b c")).message,
    "SQL syntax error at line 1, column 7: unexpected 'c', expected '(' or an operator\na + b c\n      ^",
  );
});
