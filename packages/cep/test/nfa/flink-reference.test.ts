// Runs every case of fixtures/flink-reference (what Flink CEP 1.20.3 itself output, written by
// bench/flink's ReferenceCases) through the NFA: the same matches and timed-out partial matches
// (as multisets; in emission order too with a skip strategy), the same refusals. Where Flink is wrong
// (issue 12: `flinkIsWrong`), the NFA must give the right output the case gives.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { isFleuveError } from "@fleuve/core";
import { NFA } from "../../src/index.js";
import { type Ev, javaPattern } from "./java-pattern.js";

interface RefCase {
  case: string;
  source: string;
  pattern: string;
  events: Ev[];
  matches: Array<Record<string, string[]>>;
  timedOut?: Array<{ partial: Record<string, string[]>; timeoutTs: number }>;
  error?: string;
  flinkIsWrong?: boolean;
  correctMatches?: Array<Record<string, string[]>>;
  correctTimedOut?: Array<{ partial: Record<string, string[]>; timeoutTs: number }>;
}

const dir = new URL("../fixtures/flink-reference/", import.meta.url);
const cases: RefCase[] = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), "utf8")));

const ids = (m: Record<string, Ev[]>) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.map((e) => e.id)]));
const key = (m: Record<string, string[]>) =>
  JSON.stringify(
    Object.keys(m)
      .sort()
      .map((k) => [k, m[k]]),
  );

function run(c: RefCase) {
  const pattern = javaPattern(c.pattern);
  const nfa = NFA.compile(pattern, { boundedInput: true });
  const state = nfa.createState();
  const matches: Array<Record<string, string[]>> = [];
  const timedOut: Array<{ partial: Record<string, string[]>; timeoutTs: number }> = [];
  const out = {
    match: (m: Record<string, Ev[]>) => matches.push(ids(m)),
    timedOut: (m: Record<string, Ev[]>, ts: number) => timedOut.push({ partial: ids(m), timeoutTs: ts }),
    dropped: () => assert.fail("no limit was set"),
  };
  for (const e of c.events) nfa.process(state, e, e.ts, out);
  // The input is bounded: Flink ends with the final watermark.
  nfa.advanceTime(state, Number.MAX_SAFE_INTEGER, out);
  return { matches, timedOut, skip: pattern.afterMatchSkipStrategy.kind };
}

describe("Flink CEP reference cases", () => {
  assert.ok(cases.length > 0, "no reference cases found");
  for (const c of cases) {
    test(`${c.case}${c.flinkIsWrong ? " (Flink is wrong here)" : ""}`, () => {
      if (c.error !== undefined) {
        assert.throws(
          () => run(c),
          (err: unknown) => isFleuveError(err),
          `Flink refused this case (${c.error}); so must Fleuve`,
        );
        return;
      }
      const got = run(c);
      const wantMatches = c.flinkIsWrong ? (c.correctMatches ?? c.matches) : c.matches;
      const wantTimedOut = c.flinkIsWrong ? (c.correctTimedOut ?? c.timedOut ?? []) : (c.timedOut ?? []);
      assert.deepEqual(got.matches.map(key).sort(), wantMatches.map(key).sort(), "matches (as a multiset)");
      assert.deepEqual(got.matches.map(key), wantMatches.map(key), "matches in emission order");
      const to = (x: { partial: Record<string, string[]>; timeoutTs: number }) =>
        `${key(x.partial)}@${x.timeoutTs}`;
      assert.deepEqual(got.timedOut.map(to), wantTimedOut.map(to), "timed-out partial matches, in order");
    });
  }
});
