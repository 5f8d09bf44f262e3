/**
 * Nexmark q14's `count_char` as a TypeScript UDF (Flink's Nexmark has it as the Java ScalarFunction
 * `CountChar`): how many times the first character of `character` occurs in `s`; 0 for a NULL
 * string, as the Java version. Bound in SQL with
 * `CREATE TEMPORARY FUNCTION count_char AS './count-char.ts#countChar'` (relative to the SQL
 * environment's baseDir), or `sql(env).createFunction("count_char", countChar)`; q14's own
 * `CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar'` runs unchanged under
 * `sql(env, { functionIdentifiers: { [COUNT_CHAR_CLASS]: countChar } })`.
 */
import { scalarFunction } from "@fleuve/sql";

/** The Java class Flink's Nexmark q14 binds `count_char` to. */
export const COUNT_CHAR_CLASS = "com.github.nexmark.flink.udf.CountChar";

export const countChar = scalarFunction({
  argumentTypes: ["STRING", "STRING"],
  resultType: "BIGINT",
  eval: (s: string | null, character: string | null): number => {
    if (s === null || character === null || character.length === 0) return 0;
    const c = character.charCodeAt(0);
    let count = 0;
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === c) count++;
    return count;
  },
});
