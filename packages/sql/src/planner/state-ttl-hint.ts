/**
 * The `STATE_TTL` query hint (Flink 1.18+): `SELECT /*+ STATE_TTL('orders' = '3d', 'items' = '1d')
 * *\/ ...` gives a regular join's sides and a group aggregation (GROUP BY, SELECT DISTINCT) the
 * state TTL of the table (or alias) they read, instead of `table.exec.state.ttl`. As in Flink 1.20
 * (probed on bench/flink):
 * - a key is a table or view name, or the alias of a FROM item (once aliased, only the alias);
 *   a key naming no FROM item of the SELECT is refused ("The options of following hints cannot
 *   match the name of input tables or views:  `x` in `STATE_TTL`");
 * - a value is a duration as `TimeUtils.parseDuration` reads it (`'1d'`, `'12 h'`, `'1000'` ms);
 *   a bad one is refused ("Invalid STATE_TTL hint value: text does not start with a number");
 *   `'0'` keeps state forever;
 * - `STATE_TTL()` and `STATE_TTL('t')` are refused with Flink's messages; of a key given twice the
 *   first value counts (each is checked);
 * - for cascaded joins a key is the TTL of the side that reads that table directly; a side that is
 *   itself a join has `table.exec.state.ttl`. A hint is not passed into a subquery or view.
 * Other hints are read by hints.ts (OPTIONS on a table) or have no effect (BROADCAST, LOOKUP...);
 * an unknown hint name is refused there.
 */

import type { Select, SourcePos, TableRef } from "../parser/ast.js";
import { hintItems, hintOptions } from "./hints.js";
import { invalid } from "./problems.js";
import { DURATION_UNITS } from "./settings.js";

/** A hint value as Flink's `TimeUtils.parseDuration` reads it, or its refusal. */
function hintDuration(text: string, pos: SourcePos): number {
  const fail = (why: string) => invalid(`Invalid STATE_TTL hint value: ${why}`, pos, { value: text });
  if (text.trim() === "") throw fail("argument is an empty- or whitespace-only string");
  const m = /^\s*(\d+)\s*([^\s\d]*)\s*$/.exec(text);
  if (m === null) {
    if (!/^\s*\d/.test(text)) throw fail("text does not start with a number");
    throw fail(`'${text}' is not a duration`);
  }
  const unit = (m[2] as string).toLowerCase();
  const factor = unit === "" ? 1 : DURATION_UNITS.find(([names]) => names.includes(unit))?.[1];
  if (factor === undefined)
    throw fail(
      `Time interval unit label '${m[2]}' does not match any of the recognized units (ms, s, min, h, d)`,
    );
  return Number(m[1]) * factor;
}

/** The names a STATE_TTL key may give a FROM item: its alias, else its table's name. */
function fromNames(ref: TableRef | undefined): string[] {
  if (ref === undefined) return [];
  switch (ref.kind) {
    case "table":
      return [ref.alias?.name ?? (ref.name.parts[ref.name.parts.length - 1] as string)];
    case "join":
      return [...fromNames(ref.left), ...fromNames(ref.right)];
    default:
      return ref.alias === undefined ? [] : [ref.alias.name];
  }
}

/**
 * The TTLs `select`'s STATE_TTL hint gives, by FROM item name (ms; 0 keeps state forever), or
 * undefined without one.
 * @throws FleuveError FLEUVE_SQL_VALIDATION with Flink 1.20's message for a bad hint.
 */
export function stateTtlHint(select: Select): ReadonlyMap<string, number> | undefined {
  const hint = select.hint;
  if (hint === undefined) return undefined;
  let out: Map<string, number> | undefined;
  for (const item of hintItems(hint)) {
    if (item.name.toUpperCase() !== "STATE_TTL") continue;
    const { pairs, list } = hintOptions(item.options ?? "", hint.pos);
    if (list)
      throw invalid("Invalid list options in STATE_TTL hint, only support key-value options.", hint.pos);
    if (pairs.length === 0)
      throw invalid("Invalid STATE_TTL hint, expecting at least one key-value options specified.", hint.pos);
    out ??= new Map();
    for (const [key, value] of pairs) {
      const ms = hintDuration(value, hint.pos);
      if (!out.has(key)) out.set(key, ms);
    }
  }
  if (out === undefined) return undefined;
  const names = new Set(fromNames(select.from));
  const unmatched = [...out.keys()].filter((k) => !names.has(k));
  if (unmatched.length > 0)
    throw invalid(
      `The options of following hints cannot match the name of input tables or views:  ${unmatched.map((k) => `\`${k}\``).join(", ")} in \`STATE_TTL\``,
      hint.pos,
    );
  return out;
}

/**
 * The state TTL (ms, undefined: forever) of an operator reading FROM item `ref` directly, under
 * `hints` (see {@link stateTtlHint}); `configured` (`table.exec.state.ttl`) where no key names it.
 */
export function hintedTtl(
  ref: TableRef,
  hints: ReadonlyMap<string, number> | undefined,
  configured: number | undefined,
): number | undefined {
  if (hints === undefined || ref.kind === "join") return configured;
  const [name] = fromNames(ref);
  const ms = name === undefined ? undefined : hints.get(name);
  if (ms === undefined) return configured;
  return ms === 0 ? undefined : ms;
}
