// SIMILAR TO as Calcite translates it to a Java regex (Like.sqlToRegexSimilar, which Flink runs):
// `%`, `_`, `|`, `*`, `+`, `?`, `{m,n}`, groups, bracket expressions with classes, ESCAPE, NOT
// SIMILAR TO and NULLs; on random patterns of `%`, `_` and letters it agrees with LIKE.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import fc from "fast-check";

async function value(expr: string): Promise<unknown> {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  const rows = await (await tEnv.executeSql(`SELECT ${expr} AS r`)).collect();
  return rows[0]?.r;
}

test("SIMILAR TO matches the whole string with SQL regular expressions", async () => {
  const cases: [string, unknown][] = [
    ["'abc' SIMILAR TO 'abc'", true],
    ["'abc' SIMILAR TO 'ab'", false],
    ["'abc' SIMILAR TO 'a%'", true],
    ["'abc' SIMILAR TO '_b_'", true],
    ["'abc' SIMILAR TO '_b'", false],
    ["'abc' SIMILAR TO '%(b|d)%'", true],
    ["'abc' SIMILAR TO '(x|y)%'", false],
    ["'aaa' SIMILAR TO 'a*'", true],
    ["'' SIMILAR TO 'a*'", true],
    ["'' SIMILAR TO 'a+'", false],
    ["'ab' SIMILAR TO 'ab?c?'", true],
    ["'aaa' SIMILAR TO 'a{2,3}'", true],
    ["'aaaa' SIMILAR TO 'a{2,3}'", false],
    ["'b7' SIMILAR TO '[a-c][0-9]'", true],
    ["'d7' SIMILAR TO '[a-c][0-9]'", false],
    ["'d7' SIMILAR TO '[^a-c][[:DIGIT:]]'", true],
    ["'Xy' SIMILAR TO '[[:UPPER:]][[:lower:]]'", true],
    // `$` is literal; `.` stays a regex wildcard, as in Calcite.
    ["'a$' SIMILAR TO 'a$'", true],
    ["'ax' SIMILAR TO 'a.'", true],
    ["'a\\b' SIMILAR TO 'a\\b'", true],
    ["'a\nb' SIMILAR TO 'a%'", true],
    // ESCAPE quotes a special character.
    ["'50%' SIMILAR TO '50!%' ESCAPE '!'", true],
    ["'500' SIMILAR TO '50!%' ESCAPE '!'", false],
    ["'a_b' SIMILAR TO 'a#_b' ESCAPE '#'", true],
    ["'a(b' SIMILAR TO 'a#(b' ESCAPE '#'", true],
    ["'a#b' SIMILAR TO 'a##b' ESCAPE '#'", true],
    ["'abc' NOT SIMILAR TO 'a%'", false],
    ["'abc' NOT SIMILAR TO 'b%'", true],
    ["CAST(NULL AS STRING) SIMILAR TO 'a%'", null],
    ["'a' SIMILAR TO CAST(NULL AS STRING)", null],
    ["'a' NOT SIMILAR TO 'a' ESCAPE CAST(NULL AS STRING)", null],
  ];
  for (const [expr, expected] of cases) assert.equal(await value(expr), expected, expr);
});

test("an invalid SIMILAR TO pattern or escape is refused, naming it", async () => {
  const cases: [string, RegExp][] = [
    ["'a' SIMILAR TO 'a]'", /Invalid regular expression 'a\]', index 1/],
    ["'a' SIMILAR TO '[a'", /Invalid regular expression '\[a', index 2/],
    ["'a' SIMILAR TO 'a!' ESCAPE '!'", /Invalid escape sequence 'a!', 1/],
    ["'a' SIMILAR TO 'a!b' ESCAPE '!'", /Invalid escape sequence 'a!b', 1/],
    ["'a' SIMILAR TO 'a' ESCAPE '!!'", /Invalid escape character '!!'/],
  ];
  for (const [expr, message] of cases) {
    await assert.rejects(value(expr), (e: unknown) => {
      assert.ok(e instanceof FleuveError, expr);
      assert.match(e.message, message, expr);
      return true;
    });
  }
});

test("property: on patterns of letters, % and _ (with an escape), SIMILAR TO agrees with LIKE", async () => {
  const text = fc.array(fc.constantFrom("a", "b", "%", "_"), { maxLength: 5 }).map((cs) => cs.join(""));
  // Not the empty pattern: a literal LIKE '' matches every string in Flink 1.20 (its
  // SqlLikeChainChecker; integration/flink-sql-diff.test.ts), while SIMILAR TO '' matches only ''.
  const pattern = fc
    .array(fc.constantFrom("a", "b", "%", "_", "!%", "!_"), { minLength: 1, maxLength: 5 })
    .map((cs) => cs.join(""));
  await fc.assert(
    fc.asyncProperty(text, pattern, async (s, p) => {
      const both = await value(`ARRAY['${s}' SIMILAR TO '${p}' ESCAPE '!', '${s}' LIKE '${p}' ESCAPE '!']`);
      const [similar, like] = both as [boolean, boolean];
      assert.equal(similar, like, `'${s}' vs '${p}'`);
    }),
    { numRuns: 60 },
  );
});
