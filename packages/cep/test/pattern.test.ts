import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isFleuveError } from "@fleuve/core";
import { NFA, Pattern, type PatternMatch, skipToFirst, skipToLast } from "../src/index.js";

interface Txn {
  card: string;
  amount: number;
}
interface Refund extends Txn {
  kind: "refund";
}
const isRefund = (t: Txn): t is Refund => (t as Refund).kind === "refund";

/** Asserts that building `f` throws FLEUVE_CONFIG_INVALID with a message matching `message`. */
function refused(f: () => unknown, message: RegExp): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(isFleuveError(err, "FLEUVE_CONFIG_INVALID"), `expected FLEUVE_CONFIG_INVALID, got ${err}`);
    assert.match((err as Error).message, message);
    return true;
  });
}

describe("Pattern types", () => {
  test("a match is typed by the step names; subtype narrows a step; optional steps are optional keys", () => {
    const p = Pattern.for<Txn>()
      .begin("small")
      .where((t) => t.amount < 1)
      .followedBy("refund")
      .subtype(isRefund)
      .followedBy("large")
      .where((t) => t.amount > 500)
      .optional();
    type M = PatternMatch<typeof p>;
    const m: M = { small: [{ card: "c", amount: 0.5 }], refund: [{ card: "c", amount: 3, kind: "refund" }] };
    const kind: "refund" = m.refund[0]!.kind; // narrowed by subtype
    const large: Txn[] | undefined = m.large; // optional step
    assert.equal(kind, "refund");
    assert.equal(large, undefined);
    // @ts-expect-error: no such step
    assert.equal(m.medium, undefined);
  });

  test("Pattern.begin<T>(name) types the events; its first name is then a string (TypeScript cannot infer it)", () => {
    const p = Pattern.begin<Txn>("small")
      .where((t) => t.amount < 1)
      .followedBy("large")
      .where((t) => t.amount > 500);
    const m: PatternMatch<typeof p> = {
      small: [{ card: "c", amount: 0.5 }],
      large: [{ card: "c", amount: 900 }],
    };
    const small: Txn[] = m.small!; // an index signature: any name reads as Txn[] | undefined...
    const large: Txn[] = m.large; // ...later names are exact
    assert.equal(small[0]!.amount + large[0]!.amount, 900.5);
    // Pattern.for<Txn>().begin("small") gives exactly { small: Txn[]; large: Txn[] }:
    const q = Pattern.for<Txn>().begin("small").followedBy("large");
    const exact: { small: Txn[]; large: Txn[] } = {} as PatternMatch<typeof q>;
    assert.deepEqual(exact, {});
  });

  test("iterative conditions read the events already matched, typed", () => {
    const p = Pattern.for<Txn>()
      .begin("a")
      .oneOrMore()
      .consecutive()
      .where((t, ctx) => ctx.eventsOf("a").reduce((s, x) => s + x.amount, 0) + t.amount < 30)
      .next("b");
    const nfa = NFA.compile(p);
    const state = nfa.createState();
    const got: string[] = [];
    const out = {
      match: (m: Record<string, Txn[]>) =>
        got.push(`${m.a!.map((t) => t.amount).join("+")}|${m.b![0]!.amount}`),
      timedOut: () => {},
      dropped: () => {},
    };
    for (const [i, amount] of [10, 15, 7, 1].entries()) nfa.process(state, { card: "c", amount }, i, out);
    // a's sum stays below 30: 10, 10+15 (not 10+15+7), 15, 15+7, 7, ...
    assert.deepEqual(got.sort(), ["10+15|7", "10|15", "15+7|1", "15|7", "7|1"].sort());
  });

  test("a pattern is a value: methods return new patterns and leave the original as it was", () => {
    const base = Pattern.begin<Txn>("a");
    const withCondition = base.where((t) => t.amount > 1);
    assert.notEqual(base, withCondition);
    assert.equal(base.step.condition, undefined);
    assert.notEqual(withCondition.step.condition, undefined);
  });
});

describe("Pattern: refused when written (builder)", () => {
  const P = Pattern.for<Txn>();
  test("quantifier misuse names the step", () => {
    refused(() => P.begin("a").oneOrMore().times(2), /"a".*already has a quantifier/);
    refused(() => P.begin("a").times(0), /"a".*times\(0\)/);
    refused(() => P.begin("a").times(3, 2), /"a".*times\(3, 2\)/);
    refused(() => P.begin("a").until(() => true), /"a".*until\(\) applies to looping steps/);
    refused(
      () =>
        P.begin("a")
          .oneOrMore()
          .until(() => true)
          .until(() => true),
      /"a".*only once/,
    );
    refused(() => P.begin("a").consecutive(), /"a".*consecutive\(\) applies to loops/);
    refused(() => P.begin("a").notNext("n").oneOrMore(), /"n".*notNext\/notFollowedBy/);
    refused(() => P.begin("a").notFollowedBy("n").optional(), /"n".*optional\(\) does not apply/);
    refused(() => P.begin("a").within(0), /"a".*within\(0\)/);
  });

  test("greedy where Flink forbids it", () => {
    refused(() => P.begin("a").greedy(), /"a".*greedy\(\) applies to loops/);
    refused(() => P.begin("a").oneOrMore().allowCombinations().greedy(), /"a".*allowCombinations/);
    refused(() => P.begin("a").notFollowedBy("n").greedy(), /"n".*greedy\(\) does not apply/);
    refused(
      () => P.begin(P.begin("x").next("y")).oneOrMore().greedy(),
      /greedy\(\) does not apply to groups/,
    );
    refused(
      () => P.begin("a").oneOrMore().greedy().followedBy("b").optional(),
      /"b".*cannot follow a greedy step/,
    );
  });

  test("a negation after an optional step (Flink does not support it)", () => {
    refused(() => P.begin("a").optional().notFollowedBy("n"), /"a".*optional step/);
    refused(() => P.begin("a").optional().notNext("n"), /"a".*optional step/);
  });

  test("conditions on a group", () => {
    refused(() => P.begin(P.begin("x")).where(() => true), /does not apply to a group/);
  });
});

describe("NFA.compile: refused when the job is built", () => {
  const P = Pattern.for<Txn>();
  const compile = (p: Pattern<Txn, any, any, any>, bounded = false) =>
    NFA.compile(p, { boundedInput: bounded });

  test("duplicate step names", () => {
    refused(() => compile(P.begin("a").followedBy("a").within(10)), /"a".*unique/);
    refused(() => compile(P.begin("a").followedBy(P.begin("a")).within(10)), /"a".*unique/);
  });

  test("a skip strategy naming an unknown step (or a negative one)", () => {
    refused(
      () => compile(Pattern.begin<Txn>("a", skipToFirst("zzz")).followedBy("b").within(10)),
      /"zzz".*SKIP_TO_FIRST.*a, b/,
    );
    refused(
      () =>
        compile(
          Pattern.begin<Txn>("a", skipToLast("n"))
            .notFollowedBy("n")
            .where(() => true)
            .followedBy("b")
            .within(10),
        ),
      /"n".*negative step/,
    );
    // A step inside a group is a valid target (Flink only looks at the top level).
    assert.ok(compile(Pattern.begin<Txn>("a", skipToFirst("x")).followedBy(P.begin("x")).within(10)));
  });

  test("a notFollowedBy at the end without within", () => {
    refused(
      () =>
        compile(
          P.begin("a")
            .notFollowedBy("n")
            .where((t) => t.amount > 1),
        ),
      /"n".*needs a within/,
    );
    assert.ok(
      compile(
        P.begin("a")
          .notFollowedBy("n")
          .where((t) => t.amount > 1)
          .within(10),
      ),
    );
  });

  test("a relaxed loop with no within and no until grows without bound on an unbounded stream", () => {
    refused(
      () => compile(P.begin("a").followedBy("b").oneOrMore()),
      /"b".*relaxed loop.*within\(\), until\(\)/,
    );
    refused(() => compile(P.begin("a").oneOrMore().allowCombinations()), /"a".*allowCombinations loop/);
    // Any of within, until, consecutive, or a bounded input makes it acceptable.
    assert.ok(compile(P.begin("a").followedBy("b").oneOrMore().within(1000)));
    assert.ok(
      compile(
        P.begin("a")
          .followedBy("b")
          .oneOrMore()
          .until((t) => t.amount === 0),
      ),
    );
    assert.ok(compile(P.begin("a").followedBy("b").oneOrMore().consecutive()));
    assert.ok(compile(P.begin("a").followedBy("b").oneOrMore(), true));
  });

  test("a pattern that can never match", () => {
    refused(() => compile(P.begin("a").notNext("n").followedBy("b").within(10)), /"n".*can never match/);
    refused(
      () => compile(P.begin("a").notFollowedBy("n").followedBy("b").within(10)),
      /"n".*can never match/,
    );
  });

  test("a PREVIOUS_AND_CURRENT within longer than the FIRST_AND_LAST one", () => {
    refused(
      () => compile(P.begin("a").followedBy("b").within(50, "PREVIOUS_AND_CURRENT").within(10)),
      /"b".*PREVIOUS_AND_CURRENT within \(50 ms\) exceeds/,
    );
  });

  test("a bad per-key limit", () => {
    assert.throws(
      () => NFA.compile(P.begin("a"), { maxPartialMatches: 0 }),
      (e: unknown) =>
        isFleuveError(e, "FLEUVE_CONFIG_INVALID") && /maxPartialMatches/.test((e as Error).message),
    );
  });
});
