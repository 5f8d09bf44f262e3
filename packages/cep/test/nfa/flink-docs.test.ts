// The cases Flink CEP's documentation works through, with the matches written out. Where the page
// and Flink itself disagree, Flink's behaviour is the reference (issue 12): e.g. `c a+ b` with
// allowCombinations yields 8 matches after `followedBy`, and the page's 15 need `followedByAny`.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type AfterMatchSkipStrategy,
  noSkip,
  Pattern,
  skipPastLastEvent,
  skipToFirst,
  skipToLast,
  skipToNext,
} from "../../src/index.js";
import { is, runPattern, sorted } from "./harness.js";

const P = Pattern.for<string>();
type AnyPattern = Pattern<string, any, any, any>;

describe("contiguity within looping patterns: a b+ c over a b1 d1 b2 d2 b3 c", () => {
  const input = "a b1 d1 b2 d2 b3 c";
  const abc = (inner: (p: AnyPattern) => AnyPattern, toB: "followedBy" | "followedByAny") =>
    inner(P.begin("a").where(is("a"))[toB]("b").where(is("b")).oneOrMore())
      .followedBy("c")
      .where(is("c"));

  test("consecutive (strict): no two b's are adjacent", () => {
    assert.deepEqual(
      sorted(
        runPattern(
          abc((p) => p.consecutive(), "followedBy"),
          input,
        ).matches,
      ),
      ["a:a b:b1 c:c"],
    );
    assert.deepEqual(
      sorted(
        runPattern(
          abc((p) => p.consecutive(), "followedByAny"),
          input,
        ).matches,
      ),
      ["a:a b:b1 c:c", "a:a b:b2 c:c", "a:a b:b3 c:c"],
    );
  });

  test("relaxed (default): the d's are skipped", () => {
    assert.deepEqual(
      sorted(
        runPattern(
          abc((p) => p, "followedBy"),
          input,
        ).matches,
      ),
      ["a:a b:b1 c:c", "a:a b:b1,b2 c:c", "a:a b:b1,b2,b3 c:c"],
    );
    // The page's six matches: they need followedByAny before b+.
    assert.deepEqual(
      sorted(
        runPattern(
          abc((p) => p, "followedByAny"),
          input,
        ).matches,
      ),
      [
        "a:a b:b1 c:c",
        "a:a b:b1,b2 c:c",
        "a:a b:b1,b2,b3 c:c",
        "a:a b:b2 c:c",
        "a:a b:b2,b3 c:c",
        "a:a b:b3 c:c",
      ],
    );
  });

  test("allowCombinations (non-deterministic relaxed): {a b1 b3 c} too", () => {
    assert.deepEqual(
      sorted(
        runPattern(
          abc((p) => p.allowCombinations(), "followedBy"),
          input,
        ).matches,
      ),
      ["a:a b:b1 c:c", "a:a b:b1,b2 c:c", "a:a b:b1,b2,b3 c:c", "a:a b:b1,b3 c:c"],
    );
    assert.deepEqual(
      sorted(
        runPattern(
          abc((p) => p.allowCombinations(), "followedByAny"),
          input,
        ).matches,
      ),
      [
        "a:a b:b1 c:c",
        "a:a b:b1,b2 c:c",
        "a:a b:b1,b2,b3 c:c",
        "a:a b:b1,b3 c:c",
        "a:a b:b2 c:c",
        "a:a b:b2,b3 c:c",
        "a:a b:b3 c:c",
      ],
    );
  });
});

describe("consecutive() and allowCombinations(): c a+ b over c d a1 a2 a3 d a4 b", () => {
  const input = "c d1 a1 a2 a3 d2 a4 b";
  const cab = (inner: (p: AnyPattern) => AnyPattern, toA: "followedBy" | "followedByAny") =>
    inner(P.begin("start").where(is("c"))[toA]("middle").where(is("a")).oneOrMore())
      .followedBy("end1")
      .where(is("b"));

  test("consecutive: {C A1 B}, {C A1 A2 B}, {C A1 A2 A3 B}", () => {
    assert.deepEqual(
      sorted(
        runPattern(
          cab((p) => p.consecutive(), "followedBy"),
          input,
        ).matches,
      ),
      ["start:c middle:a1 end1:b", "start:c middle:a1,a2 end1:b", "start:c middle:a1,a2,a3 end1:b"],
    );
  });

  test("without consecutive: {C A1 A2 A3 A4 B} too", () => {
    assert.deepEqual(
      sorted(
        runPattern(
          cab((p) => p, "followedBy"),
          input,
        ).matches,
      ),
      [
        "start:c middle:a1 end1:b",
        "start:c middle:a1,a2 end1:b",
        "start:c middle:a1,a2,a3 end1:b",
        "start:c middle:a1,a2,a3,a4 end1:b",
      ],
    );
  });

  test("allowCombinations after followedBy: 8 matches, all starting at A1 (what Flink emits)", () => {
    assert.deepEqual(
      sorted(
        runPattern(
          cab((p) => p.allowCombinations(), "followedBy"),
          input,
        ).matches,
      ),
      [
        "start:c middle:a1 end1:b",
        "start:c middle:a1,a2 end1:b",
        "start:c middle:a1,a2,a3 end1:b",
        "start:c middle:a1,a2,a3,a4 end1:b",
        "start:c middle:a1,a2,a4 end1:b",
        "start:c middle:a1,a3 end1:b",
        "start:c middle:a1,a3,a4 end1:b",
        "start:c middle:a1,a4 end1:b",
      ],
    );
  });

  test("allowCombinations after followedByAny: the page's 15 matches", () => {
    const got = runPattern(
      cab((p) => p.allowCombinations(), "followedByAny"),
      input,
    ).matches;
    // Every non-empty subset of {a1..a4}, in order.
    const subsets: string[] = [];
    for (let mask = 1; mask < 16; mask++) {
      const as = [1, 2, 3, 4].filter((i) => mask & (1 << (i - 1))).map((i) => `a${i}`);
      subsets.push(`start:c middle:${as.join(",")} end1:b`);
    }
    assert.equal(got.length, 15);
    assert.deepEqual(sorted(got), sorted(subsets));
  });
});

describe("after-match skip strategies", () => {
  // b+ then c over b1 b2 b3 c. The loop is consecutive so that no partial match outlives c.
  const bc = (s: AfterMatchSkipStrategy) =>
    P.begin("b", s).where(is("b")).oneOrMore().consecutive().next("c").where(is("c"));
  const cases: Array<[string, AfterMatchSkipStrategy, string[]]> = [
    ["NO_SKIP", noSkip(), ["b:b1,b2,b3 c:c", "b:b2,b3 c:c", "b:b3 c:c"]],
    ["SKIP_TO_NEXT", skipToNext(), ["b:b1,b2,b3 c:c", "b:b2,b3 c:c", "b:b3 c:c"]],
    ["SKIP_PAST_LAST_EVENT", skipPastLastEvent(), ["b:b1,b2,b3 c:c"]],
    ["SKIP_TO_FIRST[b]", skipToFirst("b"), ["b:b1,b2,b3 c:c", "b:b2,b3 c:c", "b:b3 c:c"]],
    ["SKIP_TO_LAST[b]", skipToLast("b"), ["b:b1,b2,b3 c:c", "b:b3 c:c"]],
  ];
  for (const [name, strategy, expected] of cases) {
    test(`b+ c over b1 b2 b3 c, ${name}`, () => {
      assert.deepEqual(sorted(runPattern(bc(strategy), "b1 b2 b3 c").matches), expected);
    });
  }

  test("a b+ over a b1 b2 b3: NO_SKIP gives every prefix, SKIP_TO_NEXT only the first", () => {
    const ab = (s: AfterMatchSkipStrategy) =>
      P.begin("a", s).where(is("a")).followedBy("b").where(is("b")).oneOrMore();
    assert.deepEqual(runPattern(ab(noSkip()), "a b1 b2 b3").matches, [
      "a:a b:b1",
      "a:a b:b1,b2",
      "a:a b:b1,b2,b3",
    ]);
    assert.deepEqual(runPattern(ab(skipToNext()), "a b1 b2 b3").matches, ["a:a b:b1"]);
  });

  test("with a skip strategy, matches leave in the order of their first event: a later-starting match waits", () => {
    // a1 x ... c can only complete at c2; a2's match completes at c1 but waits for a1's partial match.
    const p = P.begin("a", skipPastLastEvent())
      .where(is("a"))
      .followedBy("b")
      .where(is("b"))
      .followedBy("c")
      .where(is("c"));
    const r = runPattern(p, "a1 b1 a2 c1");
    // a1 b1 c1 completes first (it started first), and prunes a2's (started before c1).
    assert.deepEqual(r.matches, ["a:a1 b:b1 c:c1"]);
    const q = P.begin("a", skipToNext()).where(is("a")).followedByAny("b").where(is("b"));
    // a1 b1 and a1 b2: SKIP_TO_NEXT discards the second (same first event).
    assert.deepEqual(runPattern(q, "a1 b1 b2").matches, ["a:a1 b:b1"]);
  });

  test("SKIP_TO_FIRST/LAST with no event for the step prune nothing; matches wait for earlier partial ones", () => {
    const p = (s: AfterMatchSkipStrategy) =>
      P.begin("a", s)
        .where(is("a"))
        .followedBy("b")
        .where(is("b"))
        .optional()
        .followedBy("c")
        .where(is("c"))
        .within(10);
    // a2 c1 completes at c1 but waits while a1's partial match (waiting for a b) may still complete;
    // it leaves when that one times out.
    for (const s of [skipToLast("b"), skipToFirst("b")]) {
      const r = runPattern(p(s), "a1 a2 c1");
      assert.deepEqual(r.matches, ["a:a1 c:c1"]);
      assert.equal(r.nfa.isEmpty(r.state), false);
      r.nfa.advanceTime(r.state, 100, {
        match: (m) =>
          r.matches.push(
            `${Object.entries(m)
              .map(([k, v]) => `${k}:${v.join(",")}`)
              .join(" ")}`,
          ),
        timedOut: () => {},
        dropped: () => {},
      });
      assert.deepEqual(r.matches, ["a:a1 c:c1", "a:a2 c:c1"]);
      assert.equal(r.nfa.isEmpty(r.state), true);
    }
    assert.deepEqual(runPattern(p(skipPastLastEvent()), "a1 a2 c1", { endTime: 100 }).matches, ["a:a1 c:c1"]);
  });

  test("throwOnMiss: a match without the step's event is an error", () => {
    const p = P.begin("a", skipToFirst("b", { throwOnMiss: true }))
      .where(is("a"))
      .followedBy("b")
      .where(is("b"))
      .optional()
      .followedBy("c")
      .where(is("c"));
    assert.throws(() => runPattern(p, "a1 c1"), /no event for that step/);
  });
});

describe("optional steps, until, times", () => {
  test("an optional last step: the match without it is emitted at once, the one with it later", () => {
    const p = P.begin("a").where(is("a")).followedBy("b").where(is("b")).optional();
    assert.deepEqual(runPattern(p, "a1 b1").matches, ["a:a1", "a:a1 b:b1"]);
  });

  test("an optional middle step: with and without it", () => {
    const p = P.begin("a")
      .where(is("a"))
      .followedBy("b")
      .where(is("b"))
      .optional()
      .followedBy("c")
      .where(is("c"));
    assert.deepEqual(sorted(runPattern(p, "a1 b1 c1").matches), ["a:a1 b:b1 c:c1", "a:a1 c:c1"]);
  });

  test("until ends a loop: events after it cannot extend it", () => {
    const p = P.begin("a")
      .where(is("a"))
      .followedBy("b")
      .where(is("b"))
      .oneOrMore()
      .until(is("x"))
      .followedBy("c")
      .where(is("c"));
    assert.deepEqual(sorted(runPattern(p, "a1 b1 b2 x1 b3 c1").matches), [
      "a:a1 b:b1 c:c1",
      "a:a1 b:b1,b2 c:c1",
    ]);
  });

  test("times(2, 3) and timesOrMore(2)", () => {
    const t = P.begin("a")
      .where(is("a"))
      .followedBy("b")
      .where(is("b"))
      .times(2, 3)
      .followedBy("c")
      .where(is("c"));
    assert.deepEqual(sorted(runPattern(t, "a1 b1 b2 b3 b4 c1").matches), [
      "a:a1 b:b1,b2 c:c1",
      "a:a1 b:b1,b2,b3 c:c1",
    ]);
    const m = P.begin("a")
      .where(is("a"))
      .followedBy("b")
      .where(is("b"))
      .timesOrMore(2)
      .followedBy("c")
      .where(is("c"));
    assert.deepEqual(sorted(runPattern(m, "a1 b1 b2 b3 c1").matches), [
      "a:a1 b:b1,b2 c:c1",
      "a:a1 b:b1,b2,b3 c:c1",
    ]);
  });

  test("greedy: the loop takes every event it can before the next step", () => {
    // z matches x's and z's; x+ before it takes x's only.
    const xz = (e: string) => e.startsWith("x") || e.startsWith("z");
    const lazy = P.begin("a")
      .where(is("a"))
      .followedBy("x")
      .where(is("x"))
      .oneOrMore()
      .followedBy("z")
      .where(xz);
    const greedy = P.begin("a")
      .where(is("a"))
      .followedBy("x")
      .where(is("x"))
      .oneOrMore()
      .greedy()
      .followedBy("z")
      .where(xz);
    assert.deepEqual(sorted(runPattern(lazy, "a1 x1 x2 z1").matches), [
      "a:a1 x:x1 z:x2",
      "a:a1 x:x1,x2 z:z1",
    ]);
    assert.deepEqual(sorted(runPattern(greedy, "a1 x1 x2 z1").matches), ["a:a1 x:x1,x2 z:z1"]);
  });

  test("greedy with a condition that overlaps the next step's: the loop keeps taking (as in Flink)", () => {
    const xz = (e: string) => e.startsWith("x") || e.startsWith("z");
    const greedy = P.begin("a")
      .where(is("a"))
      .followedBy("x")
      .where(xz)
      .oneOrMore()
      .greedy()
      .followedBy("z")
      .where(is("z"));
    assert.deepEqual(runPattern(greedy, "a1 x1 z1 z2").matches, []);
  });
});

describe("negation", () => {
  test("notNext: the event right after must not match", () => {
    const p = P.begin("a").where(is("a")).notNext("b").where(is("b")).followedBy("c").where(is("c"));
    assert.deepEqual(sorted(runPattern(p, "a1 b1 c1 a2 x1 b2 c2").matches), ["a:a2 c:c2"]);
  });

  test("notNext at the end: emitted at the next event if it does not match", () => {
    const p = P.begin("a").where(is("a")).notNext("b").where(is("b"));
    assert.deepEqual(runPattern(p, "a1 b1 a2 c1 a3").matches, ["a:a2"]);
  });

  test("notFollowedBy: no matching event in between", () => {
    const p = P.begin("a").where(is("a")).notFollowedBy("b").where(is("b")).followedBy("c").where(is("c"));
    assert.deepEqual(runPattern(p, "a1 x1 a2 b1 c1 a3 c2").matches, ["a:a3 c:c2"]);
  });

  test("notFollowedBy at the end fires when the within passes (absence on time)", () => {
    const p = P.begin("a").where(is("a")).notFollowedBy("b").where(is("b")).within(5);
    const r = runPattern(
      p,
      [
        ["a1", 1],
        ["x1", 2],
        ["a2", 8],
        ["b1", 9],
      ],
      { endTime: 100 },
    );
    assert.deepEqual(r.matches, ["a:a1"]); // a1's 5 ms passed at 6, before a2; a2 saw b1
    assert.deepEqual(r.timedOut, []);
  });

  test("absence completes at the deadline itself, before an event with that timestamp", () => {
    const p = P.begin("a").where(is("a")).notFollowedBy("b").where(is("b")).within(5);
    const r = runPattern(p, [
      ["a1", 1],
      ["b1", 6],
    ]);
    assert.deepEqual(r.matches, ["a:a1"]);
  });
});
