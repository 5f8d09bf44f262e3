// Runs a pattern over a hand-written sequence and renders what came out, for tests that write the
// expected matches out. Events are strings: their letters name the kind ("a1" is an "a").
import { NFA, type NFAOptions, type NFAState, type Pattern } from "../../src/index.js";

/** "a1" -> "a". */
export const kind = (e: string) => e.replace(/[0-9]+$/, "");
/** A condition: the event is of kind `k`. */
export const is = (k: string) => (e: string) => kind(e) === k;

/** A match as text: "a:a1 b:b2,b3" (steps in the order of their first event). */
export function render(m: Record<string, string[]>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}:${v.join(",")}`)
    .join(" ");
}

export interface RunResult {
  matches: string[];
  timedOut: string[];
  dropped: string[];
  nfa: NFA<string>;
  state: NFAState<string>;
}

/**
 * Feeds `events` (space-separated, timestamps 1, 2, 3... unless given as [event, ts] pairs), then
 * advances time to `endTime` if given. Matches are in emission order.
 */
export function runPattern(
  pattern: Pattern<string, any, any, any>,
  events: string | Array<[string, number]>,
  options: NFAOptions & { endTime?: number } = {},
): RunResult {
  const nfa = NFA.compile(pattern, { boundedInput: true, ...options });
  const state = nfa.createState();
  const out = { matches: [] as string[], timedOut: [] as string[], dropped: [] as string[] };
  const output = {
    match: (m: Record<string, string[]>) => out.matches.push(render(m)),
    timedOut: (m: Record<string, string[]>, ts: number) => out.timedOut.push(`${render(m)} @${ts}`),
    dropped: (m: Record<string, string[]>) => out.dropped.push(render(m)),
  };
  const list: Array<[string, number]> =
    typeof events === "string"
      ? events
          .split(/\s+/)
          .filter((e) => e !== "")
          .map((e, i) => [e, i + 1])
      : events;
  for (const [e, ts] of list) nfa.process(state, e, ts, output);
  if (options.endTime !== undefined) nfa.advanceTime(state, options.endTime, output);
  return { ...out, nfa, state };
}

/** Sorted copy, for comparing matches as multisets. */
export const sorted = (xs: string[]) => [...xs].sort();
