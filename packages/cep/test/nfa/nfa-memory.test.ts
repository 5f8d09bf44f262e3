// Memory that cannot run away: the per-key limit (drop oldest), the shared buffer freeing what no
// partial match needs, runs that cannot complete pruned at once, and idle keys left empty.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { NFA, type NFAState, Pattern } from "../../src/index.js";
import { is, runPattern } from "./harness.js";

const P = Pattern.for<string>();

/** Every node and event slot of the state's buffer is on a free list (reference count -1). */
function allFree(state: NFAState<string>): boolean {
  for (let i = 3; i < state.nodes.length; i += 4) if (state.nodes[i] !== -1) return false;
  for (let i = 2; i < state.eventInfo.length; i += 3) if (state.eventInfo[i] !== -1) return false;
  return state.events.every((e) => e === null);
}

describe("per-key limit on partial matches", () => {
  test("beyond the limit the oldest partial matches are dropped, oldest first, and reported once", () => {
    const p = P.begin("a").where(is("a")).followedByAny("b").where(is("b")).within(1000);
    const r = runPattern(p, "a1 a2 a3 a4 a5 b1", { maxPartialMatches: 3 });
    assert.deepEqual(r.dropped, ["a:a1", "a:a2"]);
    assert.deepEqual(r.matches, ["a:a3 b:b1", "a:a4 b:b1", "a:a5 b:b1"]);
    assert.equal(r.nfa.partialMatches(r.state), 3);
  });

  test("a long run stays under the limit, with a bounded buffer, whatever the input", () => {
    // followedByAny + allowCombinations would grow exponentially without the limit.
    const p = P.begin("a")
      .where(is("a"))
      .followedByAny("b")
      .where(is("b"))
      .oneOrMore()
      .allowCombinations()
      .followedBy("c")
      .where(is("c"))
      .within(1_000_000);
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "b", "c", "x"), { minLength: 500, maxLength: 2000 }),
        (kinds) => {
          const nfa = NFA.compile(p, { maxPartialMatches: 50 });
          const state = nfa.createState();
          let dropped = 0;
          const out = { match: () => {}, timedOut: () => {}, dropped: () => void dropped++ };
          let maxSlots = 0;
          kinds.forEach((k, i) => {
            nfa.process(state, `${k}${i}`, i, out);
            assert.ok(nfa.partialMatches(state) <= 50);
            maxSlots = Math.max(maxSlots, state.events.length, state.nodes.length / 4);
          });
          // Each partial match holds at most one path; 50 paths share at most 50 * length nodes, but
          // the slots are reused: they never exceed what the live partial matches need.
          const live = nfa.bufferedEvents(state);
          assert.ok(live <= kinds.length);
          assert.ok(maxSlots <= 50 * 60 + 100, `buffer slots grew to ${maxSlots}`);
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe("shared buffer", () => {
  test("a partial match that can no longer complete is gone at once, with its events", () => {
    const p = P.begin("a").where(is("a")).next("b").where(is("b")).next("c").where(is("c"));
    const r = runPattern(p, "a1 b1 x1");
    assert.equal(r.nfa.partialMatches(r.state), 0);
    assert.equal(r.nfa.bufferedEvents(r.state), 0);
    assert.equal(r.nfa.isEmpty(r.state), true);
  });

  test("a stream of unrelated events buffers nothing", () => {
    const p = P.begin("a").where(is("a")).followedBy("b").where(is("b")).within(10);
    const r = runPattern(p, "x1 x2 x3 y1 y2");
    assert.equal(r.nfa.bufferedEvents(r.state), 0);
    assert.equal(r.state.events.length, 0);
  });

  test("after the within passes, an idle key's state is empty and its buffer freed", () => {
    const p = P.begin("a")
      .where(is("a"))
      .followedByAny("b")
      .where(is("b"))
      .followedBy("c")
      .where(is("c"))
      .within(5);
    const r = runPattern(p, "a1 b1 b2 a2 b3", { endTime: 100 });
    assert.equal(r.nfa.isEmpty(r.state), true);
    assert.equal(r.nfa.bufferedEvents(r.state), 0);
    assert.equal(r.nfa.nextDeadline(r.state), undefined);
    assert.ok(allFree(r.state), "every node and event slot is free");
  });

  test("releasing is exact: after random sequences and a final time-out, nothing is left", () => {
    const p = P.begin("a")
      .where((e: string) => e[0] !== "c")
      .followedByAny("b")
      .where(is("b"))
      .times(1, 3)
      .followedBy("c")
      .where(is("c"))
      .optional()
      .within(7);
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "c"), { maxLength: 40 }), (kinds) => {
        const r = runPattern(
          p,
          kinds.map((k, i) => [`${k}${i}`, i] as [string, number]),
          { endTime: 10_000 },
        );
        assert.equal(r.nfa.isEmpty(r.state), true);
        assert.equal(r.nfa.bufferedEvents(r.state), 0);
        assert.ok(allFree(r.state), "every node and event slot is free");
      }),
      { numRuns: 300 },
    );
  });
});

describe("an emptied state reused for another key (recycle)", () => {
  const p = P.begin("a").where(is("a")).followedByAny("b").where(is("b")).within(10);
  const out = { match: () => {}, timedOut: () => {}, dropped: () => {} };

  test("a state that held few events is kept, numbering from 0 again", () => {
    const nfa = NFA.compile(p);
    const state = nfa.createState();
    nfa.process(state, "a0", 0, out);
    nfa.process(state, "b1", 1, out);
    nfa.advanceTime(state, 100, out);
    assert.ok(nfa.isEmpty(state) && allFree(state));
    assert.equal(nfa.recycle(state), true);
    assert.equal(state.seq, 0);
  });

  test("a state whose buffers grew past 64 slots is dropped, so no small key carries them into checkpoints", () => {
    // 100 partial matches at once (within 1000), all timed out together.
    const nfa = NFA.compile(P.begin("a").where(is("a")).followedByAny("b").where(is("b")).within(1000));
    const state = nfa.createState();
    for (let i = 0; i < 100; i++) nfa.process(state, `a${i}`, i, out);
    nfa.advanceTime(state, 5000, out);
    assert.ok(nfa.isEmpty(state) && allFree(state));
    assert.ok(state.events.length > 64);
    assert.equal(nfa.recycle(state), false);
  });
});
