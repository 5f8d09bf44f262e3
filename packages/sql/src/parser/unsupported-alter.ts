/**
 * Flink 1.20's ALTER statements that Fleuve SQL does not run: the grammar has ALTER TABLE's
 * forms on the table's name, options, columns, primary key and watermark; a syntax error where
 * another of Flink's forms starts (ALTER VIEW, ALTER TABLE ... COMPACT, ADD PARTITION...) is
 * reported as that feature, unsupported, rather than as a syntax error.
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

/** Flink's ALTER TABLE forms that Fleuve does not run, by their first word. */
const TABLE_FORMS: ReadonlyMap<string, string> = new Map([
  ["COMPACT", "ALTER TABLE ... COMPACT"],
  ["PARTITION", "ALTER TABLE ... PARTITION"],
]);

/** ADD / MODIFY / DROP of partitions and distributions, by the word after ADD, MODIFY or DROP. */
const PART_FORMS: ReadonlySet<string> = new Set(["PARTITION", "DISTRIBUTION", "IF"]);

const HINT =
  "Fleuve SQL runs ALTER TABLE's RENAME TO, SET, RESET and its ADD / MODIFY / DROP / RENAME of columns, primary key and watermark";

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
  // ADD PARTITION, ADD IF NOT EXISTS PARTITION, DROP PARTITION, ADD / MODIFY DISTRIBUTION.
  const verb = tokens[i];
  const part = tokens[i + 1]?.image.toUpperCase();
  if (
    index > i &&
    (verb?.tokenType === T.Add || verb?.tokenType === T.Modify || verb?.tokenType === T.Drop) &&
    part !== undefined &&
    PART_FORMS.has(part)
  ) {
    const what = part === "DISTRIBUTION" ? "DISTRIBUTION" : "PARTITION";
    return unsupported(`ALTER TABLE ... ${verb.image.toUpperCase()} ${what}`, posOf(verb), HINT);
  }
  const feature = index === i ? TABLE_FORMS.get(word) : undefined;
  return feature === undefined ? undefined : unsupported(feature, pos, HINT);
}
