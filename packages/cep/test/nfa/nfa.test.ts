import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Pattern } from "../../src/index.js";
import { is, render, runPattern, sorted } from "./harness.js";

const P = Pattern.for<string>();

describe("NFA: contiguity", () => {
  test("next is strict: only the event right after", () => {
    const p = P.begin("a").where(is("a")).next("b").where(is("b"));
    assert.deepEqual(runPattern(p, "a1 b1 a2 c1 b2 a3 b3").matches, ["a:a1 b:b1", "a:a3 b:b3"]);
  });

  test("followedBy is relaxed: the first matching event after, skipping others", () => {
    const p = P.begin("a").where(is("a")).followedBy("b").where(is("b"));
    assert.deepEqual(sorted(runPattern(p, "a1 c1 a2 b1 b2").matches), ["a:a1 b:b1", "a:a2 b:b1"]);
  });

  test("followedByAny is non-deterministic relaxed: every later matching event", () => {
    const p = P.begin("a").where(is("a")).followedByAny("b").where(is("b"));
    assert.deepEqual(sorted(runPattern(p, "a1 c1 b1 b2").matches), ["a:a1 b:b1", "a:a1 b:b2"]);
  });

  test("three steps, mixed contiguity", () => {
    const p = P.begin("a").where(is("a")).next("b").where(is("b")).followedBy("c").where(is("c"));
    assert.deepEqual(runPattern(p, "a1 b1 x1 c1 c2 a2 x2 b2 c3").matches, ["a:a1 b:b1 c:c1"]);
  });

  test("a step without condition matches any event", () => {
    const p = P.begin("a").where(is("a")).next("any");
    assert.deepEqual(runPattern(p, "a1 x1 a2 a3").matches, ["a:a1 any:x1", "a:a2 any:a3"]);
  });

  test("or() and where() combine conditions", () => {
    const p = P.begin("a")
      .where((e) => e.startsWith("a") || e.startsWith("b"))
      .where((e) => !e.endsWith("9"))
      .or(is("c"));
    assert.deepEqual(runPattern(p, "a1 a9 b2 c3 d4").matches, ["a:a1", "a:b2", "a:c3"]);
  });

  test("subtype() keeps only the subtype's events, and where() after it narrows them further", () => {
    const isB = (e: string): e is `b${string}` => e.startsWith("b");
    const p = P.begin("a")
      .where(is("a"))
      .followedBy("b")
      .subtype(isB)
      .where((e) => !e.endsWith("9"));
    // c2 passes the where() but not the subtype, b9 the subtype but not the where().
    assert.deepEqual(runPattern(p, "a1 c2 b9 b3 b4").matches, ["a:a1 b:b3"]);
  });
});

describe("NFA: state is plain data and is released", () => {
  test("the state survives a JSON round trip between events with the same result", () => {
    const p = P.begin("a").where(is("a")).followedBy("b").where(is("b")).followedBy("c").where(is("c"));
    const whole = runPattern(p, "a1 b1 a2 b2 c1 c2").matches;
    const { nfa } = runPattern(p, "");
    let state = nfa.createState();
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
    "a1 b1 a2 b2 c1 c2".split(" ").forEach((e, i) => {
      nfa.process(state, e, i + 1, out);
      state = JSON.parse(JSON.stringify(state));
    });
    assert.deepEqual(got, whole);
  });

  test("after a match completes and nothing waits, the state is empty and the buffer holds nothing", () => {
    const p = P.begin("a").where(is("a")).next("b").where(is("b"));
    const r = runPattern(p, "a1 b1");
    assert.deepEqual(r.matches, ["a:a1 b:b1"]);
    assert.equal(r.nfa.isEmpty(r.state), true);
    assert.equal(r.nfa.bufferedEvents(r.state), 0);
    assert.equal(r.nfa.partialMatches(r.state), 0);
  });

  test("events shared by partial matches are stored once", () => {
    const p = P.begin("a").where(is("a")).followedByAny("b").where(is("b")).followedByAny("c").where(is("c"));
    const r = runPattern(p, "a1 b1 b2 b3");
    // a1, a1-b1, a1-b2, a1-b3 are four partial matches over four events.
    assert.equal(r.nfa.partialMatches(r.state), 4);
    assert.equal(r.nfa.bufferedEvents(r.state), 4);
    assert.deepEqual(r.nfa.partials(r.state).map(render), ["a:a1", "a:a1 b:b1", "a:a1 b:b2", "a:a1 b:b3"]);
  });

  test("partialMatches counts runs (a partial match once per NFA state it waits in); partials lists distinct ones, oldest first", () => {
    // After a1, the partial match {a1} waits both for the optional c and for b: two runs.
    const p = P.begin("a")
      .where(is("a"))
      .followedBy("c")
      .where(is("c"))
      .optional()
      .followedBy("b")
      .where(is("b"));
    const r = runPattern(p, "a1 x1 a2");
    assert.equal(r.nfa.partialMatches(r.state), 3);
    assert.deepEqual(r.nfa.partials(r.state).map(render), ["a:a1", "a:a2"]);
  });
});

describe("NFA: within", () => {
  test("a partial match times out when its within passes, with the time-out timestamp", () => {
    const p = P.begin("a").where(is("a")).followedBy("b").where(is("b")).within(10);
    const r = runPattern(
      p,
      [
        ["a1", 1],
        ["a2", 5],
        ["b1", 12],
      ],
      { endTime: 100 },
    );
    assert.deepEqual(r.matches, ["a:a2 b:b1"]);
    assert.deepEqual(r.timedOut, ["a:a1 @11"]);
    assert.equal(r.nfa.isEmpty(r.state), true);
  });

  test("nextDeadline is the earliest within end; windowTime is the within", () => {
    const p = P.begin("a").where(is("a")).followedBy("b").where(is("b")).within(10);
    const r = runPattern(p, [
      ["a1", 3],
      ["a2", 5],
    ]);
    assert.equal(r.nfa.windowTime, 10);
    assert.equal(r.nfa.nextDeadline(r.state), 13);
  });

  test("no within: no deadline", () => {
    const p = P.begin("a").where(is("a")).followedBy("b").where(is("b"));
    const r = runPattern(p, "a1");
    assert.equal(r.nfa.windowTime, undefined);
    assert.equal(r.nfa.nextDeadline(r.state), undefined);
  });
});
