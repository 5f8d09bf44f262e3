// Where Flink CEP is wrong (issue 12), the NFA is right. The Flink reference cases
// (fixtures/flink-reference/bug-*.json) record what Flink 1.20 outputs on these inputs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Pattern } from "../../src/index.js";
import { is, runPattern } from "./harness.js";

const P = Pattern.for<string>();
const xy = () => P.begin("x").where(is("x")).followedBy("y").where(is("y"));

test("a looping group followed by followedBy emits each match once (Flink: once per ignored event)", () => {
  const p = P.begin("a").where(is("a")).followedBy(xy()).oneOrMore().followedBy("c").where(is("c"));
  assert.deepEqual(runPattern(p, "a x1 y1 d1 d2 d3 c").matches, ["a:a x:x1 y:y1 c:c"]);
});

test("next after a looping group is strict (Flink lets an event in between)", () => {
  const group = P.begin("x").where(is("x")).next("y").where(is("y"));
  const p = P.begin("a").where(is("a")).followedBy(group).oneOrMore().next("c").where(is("c"));
  assert.deepEqual(runPattern(p, "a x1 y1 d c").matches, []);
  assert.deepEqual(runPattern(p, "a x1 y1 c").matches, ["a:a x:x1 y:y1 c:c"]);
  assert.deepEqual(runPattern(p, "a x1 y1 x2 y2 c").matches, ["a:a x:x1,x2 y:y1,y2 c:c"]);
});

test("a timed-out partial match is reported once (Flink: once per NFA state holding it)", () => {
  const p = P.begin("a")
    .where(is("a"))
    .followedBy("b")
    .where(is("b"))
    .optional()
    .followedBy("c")
    .where(is("c"))
    .within(10);
  const r = runPattern(
    p,
    [
      ["a1", 1],
      ["x1", 2],
    ],
    { endTime: 100 },
  );
  assert.deepEqual(r.timedOut, ["a:a1 @11"]);
});

test("a notFollowedBy at the end of a group forbids its events after the group (Flink drops it)", () => {
  const group = P.begin("x").where(is("x")).notFollowedBy("n").where(is("n"));
  const p = P.begin("a").where(is("a")).followedBy(group).followedBy("c").where(is("c"));
  assert.deepEqual(runPattern(p, "a x1 n1 c").matches, []);
  assert.deepEqual(runPattern(p, "a x1 d1 c").matches, ["a:a x:x1 c:c"]);
});

test("a group ending with notFollowedBy at the end of the pattern fires when its within passes", () => {
  const group = P.begin("x").where(is("x")).notFollowedBy("n").where(is("n"));
  const p = P.begin("a").where(is("a")).followedBy(group).within(10);
  const r = runPattern(
    p,
    [
      ["a1", 1],
      ["x1", 2],
      ["a2", 20],
      ["x2", 21],
      ["n1", 22],
    ],
    { endTime: 100 },
  );
  assert.deepEqual(r.matches, ["a:a1 x:x1"]);
});

test("absence fires on time after a loop too, without waiting for another event", () => {
  const p = P.begin("a")
    .where(is("a"))
    .followedBy("b")
    .where(is("b"))
    .oneOrMore()
    .notFollowedBy("c")
    .where(is("c"))
    .within(10);
  const r = runPattern(
    p,
    [
      ["a1", 1],
      ["b1", 2],
      ["b2", 3],
    ],
    { endTime: 11 },
  );
  assert.deepEqual(r.matches.sort(), ["a:a1 b:b1", "a:a1 b:b1,b2"]);
  assert.deepEqual(r.timedOut, []);
});
