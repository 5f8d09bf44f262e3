/**
 * `SIMILAR TO`: a SQL regular expression translated as Calcite's Like.sqlToRegexSimilar does
 * (which Flink runs): `%` any run, `_` one character, `|`, `*`, `+`, `?`, `{m,n}`, `( )` and
 * `[ ]` (with `[:ALPHA:]`-style classes) as in regular expressions, other characters literal
 * but `.`, which stays a regex wildcard as in Calcite; the escape character quotes a special
 * character. The whole string must match.
 */

import { invalid } from "./problems.js";

const SQL_SIMILAR_SPECIALS = "[]()|^-+*_%?{}";
const JAVA_REGEX_SPECIALS = "[]()|^-+*?{}$\\.";
/** Calcite's character classes, as JavaScript bracket contents (Java's POSIX classes are ASCII). */
const CHAR_CLASSES: readonly [string, string][] = [
  ["[:ALPHA:]", "A-Za-z"],
  ["[:alpha:]", "A-Za-z"],
  ["[:UPPER:]", "A-Z"],
  ["[:upper:]", "A-Z"],
  ["[:LOWER:]", "a-z"],
  ["[:lower:]", "a-z"],
  ["[:DIGIT:]", "0-9"],
  ["[:digit:]", "0-9"],
  ["[:SPACE:]", " "],
  ["[:space:]", " "],
  ["[:WHITESPACE:]", " \\t\\n\\x0B\\f\\r"],
  ["[:whitespace:]", " \\t\\n\\x0B\\f\\r"],
  ["[:ALNUM:]", "A-Za-z0-9"],
  ["[:alnum:]", "A-Za-z0-9"],
];

const bad = (pattern: string, at: number) =>
  invalid(`Invalid regular expression '${pattern}', index ${at}`, undefined, { pattern });
const badEscape = (pattern: string, at: number) =>
  invalid(`Invalid escape sequence '${pattern}', ${at}`, undefined, { pattern });

/** `pattern` (with the optional one-character `escapeChar`) as a regular expression matching whole strings. */
export function similarRegExp(pattern: string, escapeChar?: string): RegExp {
  if (escapeChar !== undefined && escapeChar.length !== 1)
    throw invalid(`Invalid escape character '${escapeChar}'`, undefined, { escape: escapeChar });
  const esc = escapeChar ?? "";
  // SQL 2003 Part 2 Section 8.6 General Rule 3.b: a special escape character quotes only specials.
  if (esc !== "" && SQL_SIMILAR_SPECIALS.includes(esc)) {
    for (let i = 0; i < pattern.length; i++) {
      if (pattern[i] !== esc) continue;
      const next = pattern[i + 1];
      if (next === undefined || (!SQL_SIMILAR_SPECIALS.includes(next) && next !== esc))
        throw badEscape(pattern, i);
      i++;
    }
  }
  const quote = (c: string) => (JAVA_REGEX_SPECIALS.includes(c) ? `\\${c}` : c);
  let out = "";
  let inEnumeration = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === esc) {
      const next = pattern[i + 1];
      if (next === undefined) throw badEscape(pattern, i);
      if (SQL_SIMILAR_SPECIALS.includes(next)) out += quote(next);
      else if (next === esc) out += quote(next);
      else throw badEscape(pattern, i);
      i++;
      continue;
    }
    switch (c) {
      case "_":
        out += ".";
        break;
      case "%":
        out += "[\\s\\S]*";
        break;
      case "[":
        out += "[";
        inEnumeration = true;
        i = enumeration(pattern, i, esc, (s) => {
          out += s;
        });
        break;
      case "]":
        if (!inEnumeration) throw bad(pattern, i);
        inEnumeration = false;
        out += "]";
        break;
      case "\\":
        out += "\\\\";
        break;
      case "$":
        out += "\\$";
        break;
      default:
        out += c;
    }
  }
  if (inEnumeration) throw bad(pattern, pattern.length);
  try {
    return new RegExp(`^(?:${out})$`);
  } catch {
    throw bad(pattern, 0);
  }
}

/** The inside of `[...]` from `pos` (at `[`): returns the index before its `]`. */
function enumeration(pattern: string, pos: number, esc: string, append: (s: string) => void): number {
  let i = pos + 1;
  for (; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "]") return i - 1;
    if (c === esc) {
      i++;
      const next = pattern[i];
      if (next !== undefined && SQL_SIMILAR_SPECIALS.includes(next))
        append(JAVA_REGEX_SPECIALS.includes(next) ? `\\${next}` : next);
      else if (next === esc) append(next);
      else throw bad(pattern, i);
    } else if (c === "-" || c === "^") append(c);
    else if (pattern.startsWith("[:", i)) {
      const cls = CHAR_CLASSES.find(([name]) => pattern.startsWith(name, i));
      if (cls === undefined) throw bad(pattern, i);
      append(cls[1]);
      i += cls[0].length - 1;
    } else if (SQL_SIMILAR_SPECIALS.includes(c)) throw bad(pattern, i);
    else append(c === "\\" ? "\\\\" : c);
  }
  return i - 1;
}
