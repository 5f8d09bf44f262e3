// Property test: for random small patterns and random event sequences, the NFA's matches equal those
// of a brute-force matcher written here independently: it enumerates every assignment of events to
// steps (subsequences) and keeps those that satisfy the conditions, the quantifiers, the contiguity
// and the within. Matches are compared as multisets; the skip strategy is noSkip.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { NFA, Pattern } from "../../src/index.js";

type Cont = "strict" | "relaxed" | "any";
interface StepSpec {
  kinds: string[];
  contiguity: Cont; // to the previous step (ignored for the first)
  quant: "single" | "oneOrMore" | "times" | "range";
  n: number; // times(n) / range from
  m: number; // range to
  optional: boolean;
  inner: Cont; // between the step's own events
}
interface Case {
  steps: StepSpec[];
  within: number | undefined;
  events: Array<{ e: string; ts: number }>;
}

const KINDS = ["a", "b", "c"];
const kindOf = (e: string) => e[0]!;

const stepArb: fc.Arbitrary<StepSpec> = fc
  .record({
    kinds: fc.subarray(KINDS, { minLength: 1, maxLength: 2 }),
    contiguity: fc.constantFrom<Cont>("strict", "relaxed", "any"),
    quant: fc.constantFrom<StepSpec["quant"]>("single", "single", "oneOrMore", "times", "range"),
    n: fc.integer({ min: 1, max: 2 }),
    extra: fc.integer({ min: 0, max: 2 }),
    optional: fc.boolean(),
    inner: fc.constantFrom<Cont>("strict", "relaxed", "any"),
  })
  .map(({ extra, ...s }) => ({ ...s, m: s.n + extra, inner: s.quant === "single" ? "relaxed" : s.inner }));

const caseArb: fc.Arbitrary<Case> = fc.record({
  steps: fc.array(stepArb, { minLength: 1, maxLength: 3 }),
  within: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
  events: fc
    .array(fc.record({ k: fc.constantFrom(...KINDS), gap: fc.integer({ min: 0, max: 3 }) }), { maxLength: 9 })
    .map((xs) => {
      let ts = 0;
      return xs.map((x, i) => {
        ts += x.gap;
        return { e: `${x.k}${i}`, ts };
      });
    }),
});

function toPattern(c: Case): Pattern<string, any, any, any> {
  let p: Pattern<string, any, any, any> | undefined;
  c.steps.forEach((s, i) => {
    const name = `s${i}`;
    if (p === undefined) p = Pattern.begin<string>(name);
    else if (s.contiguity === "strict") p = p.next(name);
    else if (s.contiguity === "relaxed") p = p.followedBy(name);
    else p = p.followedByAny(name);
    const kinds = s.kinds;
    p = p.where((e: string) => kinds.includes(kindOf(e)));
    if (s.quant === "oneOrMore") p = p.oneOrMore();
    else if (s.quant === "times") p = p.times(s.n);
    else if (s.quant === "range") p = p.times(s.n, s.m);
    if (s.quant !== "single") {
      if (s.inner === "strict") p = p.consecutive();
      else if (s.inner === "any") p = p.allowCombinations();
    }
    if (s.optional) p = p.optional();
  });
  if (c.within !== undefined) p = p!.within(c.within);
  return p!;
}

function nfaMatches(c: Case): string[] {
  const nfa = NFA.compile(toPattern(c), { boundedInput: true });
  const state = nfa.createState();
  const got: string[] = [];
  const out = {
    match: (m: Record<string, string[]>) =>
      got.push(
        Object.entries(m)
          .map(([k, v]) => `${k}:${v.join(",")}`)
          .join(" "),
      ),
    timedOut: () => {},
    dropped: () => {},
  };
  for (const { e, ts } of c.events) nfa.process(state, e, ts, out);
  return got.sort();
}

/** The brute-force matcher: every assignment of events to steps that the pattern allows. */
function bruteForce(c: Case): string[] {
  const ev = c.events;
  const results: string[] = [];
  const chosen: number[][] = c.steps.map(() => []);
  const fits = (s: StepSpec, j: number) => s.kinds.includes(kindOf(ev[j]!.e));
  const contiguous = (cont: Cont, s: StepSpec, prev: number, j: number) => {
    if (prev < 0 || cont === "any") return true;
    if (cont === "strict") return j === prev + 1;
    for (let k = prev + 1; k < j; k++) if (fits(s, k)) return false; // relaxed: j is the first fit
    return true;
  };
  const emit = () => {
    const all = chosen.flat();
    if (all.length === 0) return;
    if (c.within !== undefined) {
      const first = Math.min(...all);
      const last = Math.max(...all);
      if (ev[last]!.ts - ev[first]!.ts >= c.within) return;
    }
    results.push(
      chosen
        .map((idx, i) => (idx.length === 0 ? "" : `s${i}:${idx.map((j) => ev[j]!.e).join(",")}`))
        .filter((x) => x !== "")
        .join(" "),
    );
  };
  const stepAt = (i: number, last: number) => {
    if (i === c.steps.length) return emit();
    const s = c.steps[i]!;
    const min = s.quant === "single" || s.quant === "oneOrMore" ? 1 : s.n;
    const max =
      s.quant === "single"
        ? 1
        : s.quant === "oneOrMore"
          ? Number.POSITIVE_INFINITY
          : s.quant === "times"
            ? s.n
            : s.m;
    if (s.optional) stepAt(i + 1, last);
    const pick = (count: number, prev: number) => {
      if (count >= min) stepAt(i + 1, prev);
      if (count === max) return;
      for (let j = prev + 1; j < ev.length; j++) {
        if (!fits(s, j)) continue;
        const cont = count === 0 ? s.contiguity : s.inner;
        if (!contiguous(cont, s, prev, j)) continue;
        chosen[i]!.push(j);
        pick(count + 1, j);
        chosen[i]!.pop();
      }
    };
    pick(0, last);
  };
  stepAt(0, -1);
  return results.sort();
}

test("the NFA's matches equal a brute-force matcher's on random patterns and sequences", () => {
  fc.assert(
    fc.property(caseArb, (c) => {
      assert.deepEqual(nfaMatches(c), bruteForce(c));
    }),
    { numRuns: 3000 },
  );
});
