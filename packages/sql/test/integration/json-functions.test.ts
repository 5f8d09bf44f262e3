// Flink's JSON functions (IS JSON, JSON_EXISTS, JSON_VALUE, JSON_QUERY, JSON_STRING, JSON_OBJECT,
// JSON_ARRAY): every example of Flink's "JSON Functions" documentation with the value it shows,
// then the edges (NULL input, invalid JSON, lax vs strict, RETURNING types, nesting, bad paths).
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { parseExpression, printExpr, sql } from "@fleuve/sql";

const env = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
const rowsOf = async (q: string) => (await env().executeSql(q)).collect();
/** The value of one expression, selected without FROM. */
const value = async (expr: string) => (await rowsOf(`SELECT ${expr} AS v`))[0]?.v;

async function expectValues(cases: [string, unknown][]) {
  for (const [expr, want] of cases) assert.deepEqual(await value(expr), want, expr);
}

test("IS JSON: Flink's documented examples", async () => {
  await expectValues([
    ["'1' IS JSON", true],
    ["'[]' IS JSON", true],
    ["'{}' IS JSON", true],
    [`'"abc"' IS JSON`, true],
    ["'abc' IS JSON", false],
    ["NULL IS JSON", false],
    ["'1' IS JSON SCALAR", true],
    ["'1' IS JSON ARRAY", false],
    ["'1' IS JSON OBJECT", false],
    ["'{}' IS JSON SCALAR", false],
    ["'{}' IS JSON ARRAY", false],
    ["'{}' IS JSON OBJECT", true],
    // Edges: VALUE is the default, NOT negates, NULL IS NOT JSON is the negation of FALSE.
    ["'[1]' IS JSON VALUE", true],
    ["'[1]' IS NOT JSON OBJECT", true],
    ["'{\"a\":}' IS JSON", false],
    ["'' IS JSON", false],
    ["NULL IS NOT JSON", true],
  ]);
});

test("JSON_EXISTS: Flink's documented examples", async () => {
  await expectValues([
    [`JSON_EXISTS('{"a": true}', '$.a')`, true],
    [`JSON_EXISTS('{"a": true}', '$.b')`, false],
    [`JSON_EXISTS('{"a": [{ "b": 1 }]}', '$.a[0].b')`, true],
    [`JSON_EXISTS('{"a": true}', 'strict $.b' TRUE ON ERROR)`, true],
    [`JSON_EXISTS('{"a": true}', 'strict $.b' FALSE ON ERROR)`, false],
  ]);
});

test("JSON_EXISTS: lax vs strict, UNKNOWN and ERROR ON ERROR, NULL and invalid input", async () => {
  await expectValues([
    [`JSON_EXISTS('{"a": true}', 'lax $.b' TRUE ON ERROR)`, false],
    [`JSON_EXISTS('{"a": true}', 'strict $.b' UNKNOWN ON ERROR)`, null],
    [`JSON_EXISTS('{"a": null}', 'lax $.a')`, false],
    [`JSON_EXISTS('[10, 20]', 'lax $[1]')`, true],
    [`JSON_EXISTS('[10, 20]', 'lax $[-1]')`, true],
    [`JSON_EXISTS('[10, 20]', 'strict $[2]')`, false],
    ["JSON_EXISTS('not json', 'lax $.a' TRUE ON ERROR)", false],
    ["JSON_EXISTS('not json', 'strict $.a' TRUE ON ERROR)", true],
    ["JSON_EXISTS(CAST(NULL AS STRING), '$.a')", null],
    [`JSON_EXISTS('{"a": 1}', CAST(NULL AS STRING))`, null],
  ]);
  await assert.rejects(
    value(`JSON_EXISTS('{"a": true}', 'strict $.b' ERROR ON ERROR)`),
    /JSON_EXISTS: no result for path 'strict \$\.b'/,
  );
});

test("JSON_STRING: Flink's documented examples", async () => {
  await expectValues([
    ["JSON_STRING(CAST(NULL AS INT))", null],
    ["JSON_STRING(1)", "1"],
    ["JSON_STRING(TRUE)", "true"],
    ["JSON_STRING('Hello, World!')", '"Hello, World!"'],
    ["JSON_STRING(ARRAY[1, 2])", "[1,2]"],
    // Edges: a DOUBLE as Java prints it, escapes, a map, a timestamp as ISO local date-time.
    ["JSON_STRING(CAST(1 AS DOUBLE))", "1.0"],
    ["JSON_STRING('a\"b\\c')", '"a\\"b\\\\c"'],
    ["JSON_STRING(MAP['k', 1])", '{"k":1}'],
    // A map's entries come out sorted by key (Flink's serializeJson sorts every object).
    ["JSON_STRING(MAP['b', 1, 'a', 2, '10', 3, '9', 4])", '{"10":3,"9":4,"a":2,"b":1}'],
    ["JSON_STRING(TIMESTAMP '2020-01-02 03:04:05.5')", '"2020-01-02T03:04:05.5"'],
  ]);
});

test("JSON_VALUE: Flink's documented examples", async () => {
  await expectValues([
    [`JSON_VALUE('{"a": true}', '$.a')`, "true"],
    [`JSON_VALUE('{"a": true}', '$.a' RETURNING BOOLEAN)`, true],
    [`JSON_VALUE('{"a": true}', 'lax $.b' DEFAULT FALSE ON EMPTY)`, "false"],
    [`JSON_VALUE('{"a": true}', 'strict $.b' DEFAULT FALSE ON ERROR)`, "false"],
    [`JSON_VALUE('{"a.b": [0.998,0.996]}','$.["a.b"][0]' RETURNING DOUBLE)`, 0.998],
    [
      `JSON_VALUE('{"contains blank": "right"}', 'strict $.[''contains blank'']' NULL ON EMPTY DEFAULT 'wrong' ON ERROR)`,
      "right",
    ],
    [`JSON_VALUE('{"a b": "true"}', '$.[''a b'']')`, "true"],
  ]);
});

test("JSON_VALUE: RETURNING types, lax vs strict, ON EMPTY / ON ERROR, NULL and invalid input", async () => {
  await expectValues([
    [`JSON_VALUE('{"a": 12}', '$.a' RETURNING INTEGER)`, 12],
    [`JSON_VALUE('{"a": "12"}', '$.a' RETURNING INT)`, 12],
    [`JSON_VALUE('{"a": 1.5}', '$.a' RETURNING DOUBLE)`, 1.5],
    [`JSON_VALUE('{"a": 1.0}', '$.a')`, "1.0"],
    [`JSON_VALUE('{"a": 1e20}', '$.a')`, "1.0E20"],
    [`JSON_VALUE('{"a": "TRUE"}', '$.a' RETURNING BOOLEAN)`, true],
    [`JSON_VALUE('{"a": "x"}', '$.a' RETURNING INT)`, null],
    [`JSON_VALUE('{"a": "x"}', '$.a' RETURNING INT DEFAULT -1 ON ERROR)`, -1],
    [`JSON_VALUE('{"a": [1, 2]}', 'lax $.a')`, null],
    [`JSON_VALUE('{"a": [1, 2]}', 'lax $.a' DEFAULT 'empty' ON EMPTY DEFAULT 'error' ON ERROR)`, "empty"],
    [`JSON_VALUE('{"a": [1, 2]}', 'strict $.a' DEFAULT 'empty' ON EMPTY DEFAULT 'error' ON ERROR)`, "error"],
    [`JSON_VALUE('{"a": [1, 2]}', 'lax $.a[*]' DEFAULT 'empty' ON EMPTY)`, "empty"],
    [`JSON_VALUE('{"a": null}', 'strict $.a' DEFAULT 'empty' ON EMPTY)`, "empty"],
    [`JSON_VALUE('{"a": {"b": "x"}}', 'lax $.a.b')`, "x"],
    [`JSON_VALUE('{"a": [{"b": 1}, {"b": 2}]}', '$.a[1].b' RETURNING BIGINT)`, 2],
    [`JSON_VALUE('{"a": 1}', 'lax $.b' DEFAULT 'd' ON EMPTY)`, "d"],
    [`JSON_VALUE('{"a": 1}', 'strict $.b' DEFAULT 'd' ON EMPTY)`, null],
    [`JSON_VALUE('{"a": 1}', 'lax $.b' DEFAULT 'x' ON EMPTY) IS NULL`, false],
    // A DEFAULT that does not convert to the RETURNING type goes on to ON ERROR.
    [`JSON_VALUE('{"a": 1}', 'lax $.b' RETURNING INT DEFAULT 'x' ON EMPTY DEFAULT 7 ON ERROR)`, 7],
    ["JSON_VALUE('not json', 'lax $.a' DEFAULT 'e' ON EMPTY DEFAULT 'r' ON ERROR)", "e"],
    ["JSON_VALUE('not json', 'strict $.a' DEFAULT 'e' ON EMPTY DEFAULT 'r' ON ERROR)", "r"],
    ["JSON_VALUE(CAST(NULL AS STRING), '$.a' DEFAULT 'd' ON EMPTY)", null],
    [`JSON_VALUE('{"a": "q"}', 'a')`, "q"],
  ]);
  await assert.rejects(
    value(`JSON_VALUE('{"a": 1}', 'lax $.b' ERROR ON EMPTY)`),
    /JSON_VALUE: the path gives an empty result/,
  );
  await assert.rejects(
    value(`JSON_VALUE('{"a": 1}', 'strict $.b' ERROR ON ERROR)`),
    /JSON_VALUE: no result for path/,
  );
  await assert.rejects(
    value(`JSON_VALUE('{"a": 1}', 'strict $.a.b' ERROR ON ERROR)`),
    /JSON_VALUE: expected an object with member 'b', found 1/,
  );
});

test("JSON_QUERY: Flink's documented examples", async () => {
  await expectValues([
    [`JSON_QUERY('{ "a": { "b": 1 } }', '$.a')`, '{"b":1}'],
    ["JSON_QUERY('[1, 2]', '$')", "[1,2]"],
    ["JSON_QUERY(CAST(NULL AS STRING), '$')", null],
    [`JSON_QUERY('{"a":[{"c":"c1"},{"c":"c2"}]}', 'lax $.a[*].c')`, '["c1","c2"]'],
    ["JSON_QUERY('{}', '$' WITH CONDITIONAL ARRAY WRAPPER)", "[{}]"],
    ["JSON_QUERY('[1, 2]', '$' WITH CONDITIONAL ARRAY WRAPPER)", "[1,2]"],
    ["JSON_QUERY('[1, 2]', '$' WITH UNCONDITIONAL ARRAY WRAPPER)", "[[1,2]]"],
    ["JSON_QUERY(1, '$')", null],
    ["JSON_QUERY(1, '$' WITH CONDITIONAL ARRAY WRAPPER)", "[1]"],
    ["JSON_QUERY('{}', 'lax $.invalid' EMPTY OBJECT ON EMPTY)", "{}"],
    ["JSON_QUERY('{}', 'strict $.invalid' EMPTY ARRAY ON ERROR)", "[]"],
  ]);
});

test("JSON_QUERY: wrappers, lax vs strict, deep scan and member wildcard", async () => {
  await expectValues([
    [`JSON_QUERY('{"a": 1}', 'lax $.a')`, null],
    [`JSON_QUERY('{"a": 1}', 'lax $.a' EMPTY ARRAY ON EMPTY)`, "[]"],
    [`JSON_QUERY('{"a": 1}', 'strict $.a' EMPTY OBJECT ON EMPTY EMPTY ARRAY ON ERROR)`, "[]"],
    [`JSON_QUERY('{"a": 1}', 'strict $.a' WITH ARRAY WRAPPER)`, "[1]"],
    [`JSON_QUERY('{"a": 1}', '$.a' WITHOUT WRAPPER)`, null],
    [`JSON_QUERY('{"a": {"x": 1.0, "y": [true, null, "s"]}}', '$.a')`, '{"x":1.0,"y":[true,null,"s"]}'],
    [`JSON_QUERY('{"a": {"b": 1}, "c": [{"b": 2}]}', 'lax $..b')`, "[1,2]"],
    [`JSON_QUERY('{"a": 1, "b": "x"}', 'lax $.*')`, '[1,"x"]'],
    [`JSON_QUERY('{"a": [1, 2, 3]}', 'lax $.a[0, 2]')`, "[1,3]"],
    ["JSON_QUERY('not json', 'lax $' EMPTY OBJECT ON EMPTY EMPTY ARRAY ON ERROR)", "{}"],
    ["JSON_QUERY('not json', 'strict $' EMPTY OBJECT ON EMPTY EMPTY ARRAY ON ERROR)", "[]"],
  ]);
  await assert.rejects(
    value(`JSON_QUERY('{"a": 1}', 'strict $.a' ERROR ON ERROR)`),
    /JSON_QUERY: strict mode needs an array or object, the path gives 1/,
  );
});

test("JSON_OBJECT: Flink's documented examples, and the ON NULL default", async () => {
  await expectValues([
    ["JSON_OBJECT()", "{}"],
    ["JSON_OBJECT('K1' VALUE 'V1', 'K2' VALUE 'V2')", '{"K1":"V1","K2":"V2"}'],
    ["JSON_OBJECT(KEY 'K1' VALUE CAST(NULL AS STRING) NULL ON NULL)", '{"K1":null}'],
    ["JSON_OBJECT(KEY 'K1' VALUE CAST(NULL AS STRING) ABSENT ON NULL)", "{}"],
    ["JSON_OBJECT(KEY 'K1' VALUE JSON_OBJECT(KEY 'K2' VALUE 'V'))", '{"K1":{"K2":"V"}}'],
    // Edges: NULL ON NULL is the default, a value with JSON text in it is a string (only the
    // constructors nest), numbers and booleans, a repeated key keeps its last value.
    // The members come out sorted by key, not in the order written: Flink's
    // SqlJsonUtils.serializeJson writes the node with ORDER_MAP_ENTRIES_BY_KEYS ("for JSON
    // functions to have deterministic output, we need to sort the keys"); its
    // JsonFunctionsITCase expects `"Q":{"age":1,"name":"V","payload":{...}}` for a structured
    // type whose fields are declared name, age, payload.
    ["JSON_OBJECT('a' VALUE CAST(NULL AS INT))", '{"a":null}'],
    ["JSON_OBJECT('a' VALUE '{\"x\":1}')", '{"a":"{\\"x\\":1}"}'],
    ["JSON_OBJECT('n' VALUE 1, 'd' VALUE CAST(2 AS DOUBLE), 'b' VALUE FALSE)", '{"b":false,"d":2.0,"n":1}'],
    ["JSON_OBJECT(KEY 'b' VALUE 1, KEY 'a' VALUE 2)", '{"a":2,"b":1}'],
    ["JSON_OBJECT('b' VALUE 1, 'a' VALUE 2, 'b' VALUE 3)", '{"a":2,"b":3}'],
    ["JSON_OBJECT('a' VALUE 1, 'B' VALUE 2, '_' VALUE 3)", '{"B":2,"_":3,"a":1}'],
    ["JSON_OBJECT('k' VALUE 1, 'k' VALUE 2)", '{"k":2}'],
    ["JSON_OBJECT('2' VALUE 'b', '1' VALUE 'a')", '{"1":"a","2":"b"}'],
    [
      "JSON_OBJECT('z' VALUE JSON_OBJECT('y' VALUE 1, 'x' VALUE 2), 'a' VALUE 0)",
      '{"a":0,"z":{"x":2,"y":1}}',
    ],
    ["JSON_OBJECT('z' VALUE MAP['y', 1, 'x', 2])", '{"z":{"x":2,"y":1}}'],
    ["JSON_OBJECT('a' VALUE JSON_ARRAY(1, JSON_OBJECT('b' VALUE 2)))", '{"a":[1,{"b":2}]}'],
  ]);
});

test("JSON_ARRAY: Flink's documented examples, and the ON NULL default", async () => {
  await expectValues([
    ["JSON_ARRAY()", "[]"],
    ["JSON_ARRAY(1, '2')", '[1,"2"]'],
    ["JSON_ARRAY(CAST(NULL AS STRING) NULL ON NULL)", "[null]"],
    ["JSON_ARRAY(CAST(NULL AS STRING) ABSENT ON NULL)", "[]"],
    ["JSON_ARRAY(JSON_ARRAY(1))", "[[1]]"],
    ["JSON_ARRAY(1, CAST(NULL AS INT), 3)", "[1,3]"],
    ["JSON_ARRAY(JSON_OBJECT('a' VALUE 1), 'x')", '[{"a":1},"x"]'],
    // The array keeps its order; the objects in it are sorted by key.
    [
      "JSON_ARRAY('x', JSON_OBJECT('b' VALUE 1, 'a' VALUE 2), MAP['d', 1, 'c', 2])",
      '["x",{"a":2,"b":1},{"c":2,"d":1}]',
    ],
  ]);
});

test("JSON functions over a table's columns, NULL rows included", async () => {
  const rows = await rowsOf(
    `SELECT id, JSON_VALUE(doc, '$.n' RETURNING INT) AS n, JSON_OBJECT('id' VALUE id, 'doc' VALUE JSON_QUERY(doc, 'lax $.t')) AS o
     FROM (VALUES (1, '{"n": 5, "t": [1]}'), (2, CAST(NULL AS STRING)), (3, 'oops')) AS t(id, doc)`,
  );
  assert.deepEqual(rows, [
    { id: 1, n: 5, o: '{"doc":"[1]","id":1}' },
    { id: 2, n: null, o: '{"doc":null,"id":2}' },
    { id: 3, n: null, o: '{"doc":null,"id":3}' },
  ]);
  // A path from a column: a bad one is an error of that row, handled by ON ERROR.
  assert.deepEqual(
    await rowsOf(
      `SELECT JSON_VALUE('{"a": 1}', p DEFAULT 'bad' ON ERROR) AS v FROM (VALUES ('$.a'), ('$.[')) AS t(p)`,
    ),
    [{ v: "1" }, { v: "bad" }],
  );
});

test("the clauses print back as SQL (views, EXPLAIN)", () => {
  for (const text of [
    "JSON_VALUE(j, 'lax $.a' RETURNING INT DEFAULT 0 ON EMPTY NULL ON ERROR)",
    "JSON_QUERY(j, '$' WITH CONDITIONAL ARRAY WRAPPER EMPTY ARRAY ON EMPTY ERROR ON ERROR)",
    "JSON_EXISTS(j, 'strict $.a' UNKNOWN ON ERROR)",
    "JSON_OBJECT(KEY 'a' VALUE 1, KEY 'b' VALUE JSON_ARRAY(1, 2 NULL ON NULL) ABSENT ON NULL)",
    "j IS NOT JSON OBJECT",
  ])
    assert.equal(printExpr(parseExpression(text)), text);
  // A column called `key` is a key expression, not the KEY keyword.
  assert.equal(printExpr(parseExpression("JSON_OBJECT(key VALUE 1)")), "JSON_OBJECT(KEY `key` VALUE 1)");
});

async function rejects(q: string, code: string, message: RegExp) {
  await assert.rejects(rowsOf(q), (e: unknown) => {
    assert.ok(e instanceof FleuveError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

test("bad paths and misplaced clauses are refused when the query is planned, naming the function", async () => {
  await rejects(
    "SELECT 1 AS x,\n  JSON_VALUE('{}', '$.a[') AS v",
    "FLEUVE_SQL_VALIDATION",
    /JSON_VALUE's path argument '\$\.a\[' is not a valid JSON path: '\[' without '\]' at position 3 of '\$\.a\[' \(line 2, column 3\)/,
  );
  await rejects(
    "SELECT JSON_EXISTS('{}', 'lax $.a b')",
    "FLEUVE_SQL_VALIDATION",
    /JSON_EXISTS's path argument 'lax \$\.a b' is not a valid JSON path: a space in a member name/,
  );
  await rejects(
    "SELECT JSON_QUERY('{}', '$.a[?(@.b)]')",
    "FLEUVE_SQL_UNSUPPORTED",
    /the JSON path '\$\.a\[\?\(@\.b\)\]' of JSON_QUERY/,
  );
  await rejects(
    "SELECT JSON_EXISTS('{}', '$' NULL ON EMPTY)",
    "FLEUVE_SQL_VALIDATION",
    /JSON_EXISTS has no ON EMPTY clause \(it takes ON ERROR only\) \(line 1, column 30\)/,
  );
  await rejects(
    "SELECT JSON_VALUE('{}', '$' EMPTY ARRAY ON ERROR)",
    "FLEUVE_SQL_VALIDATION",
    /JSON_VALUE: EMPTY ARRAY ON ERROR is not a behavior it has \(NULL ON ERROR, ERROR ON ERROR, DEFAULT <expr> ON ERROR\)/,
  );
  await rejects(
    "SELECT JSON_VALUE('{}', '$' WITH WRAPPER)",
    "FLEUVE_SQL_VALIDATION",
    /JSON_VALUE does not take a WRAPPER clause/,
  );
  await rejects(
    "SELECT JSON_VALUE('{}', '$' RETURNING DATE)",
    "FLEUVE_SQL_UNSUPPORTED",
    /JSON_VALUE \.\.\. RETURNING DATE/,
  );
  await rejects(
    "SELECT JSON_OBJECT(NULL VALUE 1)",
    "FLEUVE_SQL_VALIDATION",
    /JSON_OBJECT's key NULL must be a non-NULL character string/,
  );
  await rejects("SELECT JSON_STRING(1, 2)", "FLEUVE_SQL_VALIDATION", /JSON_STRING takes 1 argument, got 2/);
  await rejects("SELECT JSON_VALUE('{}')", "FLEUVE_SQL_SYNTAX", /line 1/);
});
