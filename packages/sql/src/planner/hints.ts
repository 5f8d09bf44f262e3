/**
 * SQL hints, Calcite's `/*+ NAME(options), ... *\/`: a query hint right after SELECT (read by
 * state-ttl-hint.ts) and a table hint right after a table's name in FROM (`FROM t /*+
 * OPTIONS('k' = 'v') *\/`). As in Flink 1.20 (probed on bench/flink):
 * - a hint name Flink does not register is refused wherever it is written ("Hint: FOO should be
 *   registered in the HintStrategyTable", the name as written); names are case-insensitive;
 * - the registered hints Fleuve does not read (join strategies, LOOKUP, ALIAS...) are accepted
 *   and have no effect, as a hint written where its kind does not apply has none in Flink;
 * - OPTIONS on a table (dynamic table options) merges its options into the table's WITH options
 *   for that scan: a key given there replaces the table's, another is added (the first OPTIONS
 *   hint counts; of a key given twice the last). Refused: OPTIONS without key-value options,
 *   OPTIONS on a view, and OPTIONS while `table.dynamic-table-options.enabled` is false; on a
 *   common table expression it has no effect (Flink's too).
 */

import type { TableDefinition } from "../catalog.js";
import type { HintText, SourcePos, TableOption } from "../parser/ast.js";
import { serializableIdentifier } from "./catalog-statements.js";
import { invalid } from "./problems.js";

/** One hint of a hint comment: its name as written and its options' text, if any. */
export interface HintItem {
  readonly name: string;
  readonly options: string | undefined;
}

/**
 * The hint names Flink 1.20 registers (FlinkHintStrategies): OPTIONS, the join strategies,
 * LOOKUP, STATE_TTL and the planner's own ALIAS and JSON_AGGREGATE_WRAPPED.
 */
const KNOWN_HINTS = new Set([
  "OPTIONS",
  "BROADCAST",
  "SHUFFLE_HASH",
  "SHUFFLE_MERGE",
  "NEST_LOOP",
  "LOOKUP",
  "STATE_TTL",
  "ALIAS",
  "JSON_AGGREGATE_WRAPPED",
]);

/**
 * The hints of a hint comment: `NAME` or `NAME(options)`, comma-separated.
 * @throws FleuveError FLEUVE_SQL_VALIDATION for a name Flink does not register, with its message.
 */
export function hintItems(hint: HintText): HintItem[] {
  const { text, pos } = hint;
  const body = text.replace(/^\/\*\+/, "").replace(/\*\/$/, "");
  const items: HintItem[] = [];
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\(((?:'(?:[^']|'')*'|[^)'])*)\))?\s*(,|$)/y;
  let at = 0;
  while (at < body.length && body.slice(at).trim() !== "") {
    re.lastIndex = at;
    const m = re.exec(body);
    if (m === null) throw invalid(`cannot read the hint ${text}`, pos);
    items.push({ name: m[1] as string, options: m[2] === undefined ? undefined : (m[3] as string) });
    at = re.lastIndex;
  }
  const unknown = items.find((i) => !KNOWN_HINTS.has(i.name.toUpperCase()));
  if (unknown !== undefined)
    throw invalid(`Hint: ${unknown.name} should be registered in the HintStrategyTable`, pos, {
      hint: unknown.name,
    });
  return items;
}

/** Hint options: `'k' = 'v', k = 'v'` as pairs, or a list of plain values (`'t'`). */
export function hintOptions(options: string, pos: SourcePos): { pairs: [string, string][]; list: boolean } {
  const unquote = (s: string) => (s.startsWith("'") ? s.slice(1, -1).replace(/''/g, "'") : s);
  const word = "'(?:[^']|'')*'|[A-Za-z_0-9$.]+";
  const re = new RegExp(String.raw`\s*(${word})\s*(?:=\s*(${word}))?\s*(,|$)`, "y");
  const pairs: [string, string][] = [];
  let list = false;
  let at = 0;
  while (at < options.length && options.slice(at).trim() !== "") {
    re.lastIndex = at;
    const m = re.exec(options);
    if (m === null) throw invalid(`cannot read the hint options (${options})`, pos);
    if (m[2] === undefined) list = true;
    else pairs.push([unquote(m[1] as string), unquote(m[2])]);
    at = re.lastIndex;
  }
  return { pairs, list };
}

/**
 * The options a table hint's OPTIONS gives (the first OPTIONS hint; of a key given twice the
 * last value), or undefined without one; the hint's names are checked.
 * @throws FleuveError FLEUVE_SQL_VALIDATION with Flink 1.20's message for a bad hint.
 */
export function optionsHint(hint: HintText | undefined): Map<string, string> | undefined {
  if (hint === undefined) return undefined;
  const item = hintItems(hint).find((i) => i.name.toUpperCase() === "OPTIONS");
  if (item === undefined) return undefined;
  const { pairs } = hintOptions(item.options ?? "", hint.pos);
  // Flink keeps the key-value options only: a list alone is no options.
  if (pairs.length === 0)
    throw invalid(`Hint [${item.name}] only support non empty key value options`, hint.pos);
  return new Map(pairs);
}

/**
 * `def` with the options of table hint `hint` merged into its WITH options (Flink's
 * FlinkHints.mergeTableOptions: a hinted key replaces the table's value in place, a new one is
 * added after them), or `def` itself without an OPTIONS hint.
 * @throws FleuveError FLEUVE_SQL_VALIDATION for a bad hint, or OPTIONS while
 *   `table.dynamic-table-options.enabled` is false (Flink's message).
 */
export function withHintedOptions(
  def: TableDefinition,
  hint: HintText | undefined,
  settings: ReadonlyMap<string, string> | undefined,
): TableDefinition {
  const hinted = optionsHint(hint);
  if (hinted === undefined || hint === undefined) return def;
  if (settings?.get("table.dynamic-table-options.enabled")?.trim().toLowerCase() === "false")
    throw invalid(
      "The 'OPTIONS' hint is allowed only when the config option 'table.dynamic-table-options.enabled' is set to true.",
      hint.pos,
    );
  const given = (key: string, value: string): TableOption => ({
    key,
    value,
    pos: hint.pos,
    valuePos: hint.pos,
  });
  const options = def.options.map((o) => {
    const value = hinted.get(o.key);
    return value === undefined ? o : given(o.key, value);
  });
  const declared = new Set(def.options.map((o) => o.key));
  for (const [key, value] of hinted) if (!declared.has(key)) options.push(given(key, value));
  return { ...def, options };
}

/**
 * Refuses an OPTIONS hint on view `name` (Flink: hints apply to tables only); its names are
 * checked as any hint's.
 */
export function checkViewHint(name: string, hint: HintText | undefined): void {
  if (optionsHint(hint) === undefined) return;
  throw invalid(
    `View '${serializableIdentifier(name)}' cannot be enriched with new options. Hints can only be applied to tables.`,
    hint?.pos,
    { table: name },
  );
}

/**
 * Checks the names of every hint in `node` (a statement or query and all it holds), as Flink
 * validates a CREATE VIEW's query.
 * @throws FleuveError FLEUVE_SQL_VALIDATION for a name Flink does not register.
 */
export function checkHintNames(node: unknown): void {
  if (Array.isArray(node)) {
    for (const v of node) checkHintNames(v);
    return;
  }
  if (node === null || typeof node !== "object") return;
  for (const [k, v] of Object.entries(node)) {
    if (k === "hint" && v !== undefined) hintItems(v as HintText);
    else checkHintNames(v);
  }
}
