/**
 * Flink 1.20's ALTER statements that Fleuve SQL does not run: the grammar has the ALTER TABLE forms
 * that only change a catalog entry (RENAME TO, SET, RESET); a syntax error where another of
 * Flink's forms starts is reported as that feature, unsupported, rather than as a syntax error.
 */

import type { FleuveError } from "@fleuve/core";
import type { IToken } from "chevrotain";
import { unsupported } from "../planner/problems.js";
import { posOf } from "./expression-parser.js";
import * as T from "./lexer.js";

/** What Flink can ALTER besides a table, by the word after ALTER. */
const OTHER_OBJECTS: ReadonlyMap<string, string> = new Map([
  ["VIEW", "ALTER VIEW"],
  ["FUNCTION", "ALTER FUNCTION"],
  ["TEMPORARY", "ALTER TEMPORARY FUNCTION"],
  ["DATABASE", "ALTER DATABASE"],
  ["CATALOG", "ALTER CATALOG"],
  ["MATERIALIZED", "ALTER MATERIALIZED TABLE"],
]);

/** Flink's ALTER TABLE forms that change more than the catalog entry, by their first word. */
const TABLE_FORMS: ReadonlyMap<string, string> = new Map([
  ["ADD", "ALTER TABLE ... ADD"],
  ["MODIFY", "ALTER TABLE ... MODIFY"],
  ["DROP", "ALTER TABLE ... DROP"],
  ["COMPACT", "ALTER TABLE ... COMPACT"],
  ["PARTITION", "ALTER TABLE ... PARTITION"],
]);

const HINT =
  "Fleuve SQL runs ALTER TABLE t RENAME TO t2, ALTER TABLE t SET ('k' = 'v', ...) and ALTER TABLE t RESET ('k', ...); to change columns or a watermark, DROP TABLE and CREATE TABLE again";

/**
 * The FLEUVE_SQL_UNSUPPORTED error for a syntax error at token `index` of `tokens` (`index` =
 * tokens.length: the end) when it is where one of Flink's ALTER forms that Fleuve does not run
 * starts; undefined for any other syntax error.
 */
export function unsupportedAlter(tokens: readonly IToken[], index: number): FleuveError | undefined {
  let start = index - 1;
  while (start >= 0 && tokens[start]?.tokenType !== T.Semicolon) start--;
  start++;
  if (tokens[start]?.tokenType !== T.Alter) return undefined;
  const at = tokens[index];
  if (at === undefined) return undefined;
  const pos = posOf(at);
  const word = at.image.toUpperCase();
  if (index === start + 1) {
    const feature = OTHER_OBJECTS.get(word);
    return feature === undefined ? undefined : unsupported(feature, pos, HINT);
  }
  if (tokens[start + 1]?.tokenType !== T.Table) return undefined;
  // ALTER TABLE [IF EXISTS] name: the error is at the word after the name.
  let i = start + 2;
  if (tokens[i]?.tokenType === T.If && tokens[i + 1]?.tokenType === T.Exists) i += 2;
  i++;
  while (tokens[i]?.tokenType === T.Dot) i += 2;
  const previous = tokens[index - 1];
  if (index === i + 1 && previous?.tokenType === T.Rename)
    return unsupported("ALTER TABLE ... RENAME column TO", posOf(previous), HINT);
  const feature = index === i ? TABLE_FORMS.get(word) : undefined;
  return feature === undefined ? undefined : unsupported(feature, pos, HINT);
}
