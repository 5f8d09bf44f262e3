package dev.fleuve.cep;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.cep.CEP;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.cep.functions.TimedOutPartialMatchHandler;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.WithinType;
import org.apache.flink.cep.pattern.conditions.IterativeCondition;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Runs Flink CEP itself on small hand-written cases and writes what it outputs, one JSON file per
 * case, as the test oracle of {@code @fleuve/cep} (packages/cep/test/fixtures/flink-reference/,
 * schema in its README.md).
 *
 * <p>Each case: its input (see {@link Ev#parse}) on one key, event time with ascending timestamps
 * (monotonous watermarks, so no event is late), parallelism 1, a {@link PatternProcessFunction}
 * that is also a {@link TimedOutPartialMatchHandler}. The pattern's text in the fixture is the
 * source of this file between the markers around each pattern expression, so it is exactly the
 * code that ran. The bounded input ends with Flink's final watermark (Long.MAX_VALUE), which times
 * out every partial match of a pattern with a {@code within}.
 *
 * <pre>
 * cep-reference.sh [--only name1,name2] [--out DIR] [--list]
 * </pre>
 */
public final class ReferenceCases {
  private ReferenceCases() {}

  /** One case: a name, an input, a pattern and what is known about it. */
  static final class Case {
    final String name;
    final String input;
    final Supplier<Pattern<Ev, ?>> pattern;
    String docsSay;
    String note;
    boolean flinkIsWrong;
    String source = "own";

    Case(String name, String input, Supplier<Pattern<Ev, ?>> pattern) {
      this.name = name;
      this.input = input;
      this.pattern = pattern;
    }

    /** What Flink's CEP documentation says this case gives (for cases taken from it). */
    Case docs(String says) {
      this.docsSay = says;
      this.source = "docs";
      return this;
    }

    Case note(String n) {
      this.note = n;
      return this;
    }

    String correctMatches;
    String correctTimedOut;

    /**
     * The right output where Flink is wrong, in the notation {@code step=id,id;step=id} per match,
     * matches separated by " | " (timed-out ones end with {@code @timeoutTs}).
     */
    Case correct(String matches, String timedOut) {
      this.correctMatches = matches;
      this.correctTimedOut = timedOut;
      return this;
    }

    /** Flink's output is wrong here (issue 12 names the bug); Fleuve must differ, and says why. */
    Case wrong(String why) {
      this.flinkIsWrong = true;
      this.source = "issue-12";
      this.note = why;
      return this;
    }
  }

  static final List<Case> CASES = new ArrayList<>();

  static Case add(String name, String input, Supplier<Pattern<Ev, ?>> pattern) {
    Case c = new Case(name, input, pattern);
    CASES.add(c);
    return c;
  }

  // ---- Conditions (documented in the fixtures' README.md) ----

  /** The event's type is one of {@code types}. */
  static SimpleCondition<Ev> type(String... types) {
    Set<String> set = new LinkedHashSet<>(Arrays.asList(types));
    return SimpleCondition.of(e -> set.contains(e.type));
  }

  /**
   * The docs' iterative condition: the event's type is {@code t}, and its value plus the values of
   * the events already accepted by step {@code step} (in this partial match) is below {@code max}.
   */
  static IterativeCondition<Ev> typeAndSumBelow(String t, String step, double max) {
    return new IterativeCondition<Ev>() {
      @Override
      public boolean filter(Ev value, Context<Ev> ctx) throws Exception {
        if (!value.type.equals(t)) return false;
        double sum = value.value;
        for (Ev e : ctx.getEventsForPattern(step)) sum += e.value;
        return sum < max;
      }
    };
  }

  static Duration ms(long n) {
    return Duration.ofMillis(n);
  }

  static {
    // ---- Contiguity between two steps (docs: pattern "a b" on "a c b1 b2") ----
    add("pair-next", "a c b1 b2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .next("b").where(type("b"))/*>*/)
        .docs("{} (no match): the c after a discards a");
    add("pair-followed-by", "a c b1 b2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b"))/*>*/)
        .docs("{a b1}");
    add("pair-followed-by-any", "a c b1 b2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedByAny("b").where(type("b"))/*>*/)
        .docs("{a b1}, {a b2}");

    // ---- Contiguity within a loop (docs: "a b+ c" on "a b1 d1 b2 d2 b3 c") ----
    add("loop-consecutive", "a b1 d1 b2 d2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore().consecutive()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("strict: {a b3 c}");
    add("loop-relaxed", "a b1 d1 b2 d2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("relaxed: {a b1 c}, {a b1 b2 c}, {a b1 b2 b3 c}, {a b2 c}, {a b2 b3 c}, {a b3 c}");
    add("loop-allow-combinations", "a b1 d1 b2 d2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore().allowCombinations()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("non-deterministic relaxed: {a b1 c}, {a b1 b2 c}, {a b1 b3 c}, {a b1 b2 b3 c}, {a b2 c}, {a b2 b3 c}, {a b3 c}");
    add("loop-any-consecutive", "a b1 d1 b2 d2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedByAny("b").where(type("b")).oneOrMore().consecutive()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("strict: {a b3 c}")
        .note("the docs' loop example read with followedByAny between a and b+ (\"a followed by any sequence of b's\")");
    add("loop-any-relaxed", "a b1 d1 b2 d2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedByAny("b").where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("relaxed: {a b1 c}, {a b1 b2 c}, {a b1 b2 b3 c}, {a b2 c}, {a b2 b3 c}, {a b3 c}")
        .note("the docs' loop example read with followedByAny between a and b+");
    add("loop-any-allow-combinations", "a b1 d1 b2 d2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedByAny("b").where(type("b")).oneOrMore().allowCombinations()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("non-deterministic relaxed: {a b1 c}, {a b1 b2 c}, {a b1 b3 c}, {a b1 b2 b3 c}, {a b2 c}, {a b2 b3 c}, {a b3 c}")
        .note("the docs' loop example read with followedByAny between a and b+");

    // ---- consecutive() / allowCombinations() (docs: "c a+ b" on "C D A1 A2 A3 D A4 B") ----
    add("consecutive-doc", "c d1 a1 a2 a3 d2 a4 b",
        () -> /*<*/Pattern.<Ev>begin("start").where(type("c"))
            .followedBy("middle").where(type("a")).oneOrMore().consecutive()
            .followedBy("end1").where(type("b"))/*>*/)
        .docs("{C A1 B}, {C A1 A2 B}, {C A1 A2 A3 B}");
    add("consecutive-doc-without", "c d1 a1 a2 a3 d2 a4 b",
        () -> /*<*/Pattern.<Ev>begin("start").where(type("c"))
            .followedBy("middle").where(type("a")).oneOrMore()
            .followedBy("end1").where(type("b"))/*>*/)
        .docs("{C A1 B}, {C A1 A2 B}, {C A1 A2 A3 B}, {C A1 A2 A3 A4 B}");
    add("allow-combinations-doc", "c d1 a1 a2 a3 d2 a4 b",
        () -> /*<*/Pattern.<Ev>begin("start").where(type("c"))
            .followedBy("middle").where(type("a")).oneOrMore().allowCombinations()
            .followedBy("end1").where(type("b"))/*>*/)
        .docs("15 matches: {C A1 B}, {C A1 A2 B}, {C A1 A3 B}, {C A1 A4 B}, {C A1 A2 A3 B}, {C A1 A2 A4 B}, {C A1 A3 A4 B}, {C A1 A2 A3 A4 B}, {C A2 B}, {C A2 A3 B}, {C A2 A4 B}, {C A2 A3 A4 B}, {C A3 B}, {C A3 A4 B}, {C A4 B}")
        .note("Flink gives only the combinations that start at A1 (followedBy before a+ takes the first a only); the docs' 15 need followedByAny before a+ (case allow-combinations-doc-followed-by-any). Flink's output is the reference.");
    add("allow-combinations-doc-followed-by-any", "c d1 a1 a2 a3 d2 a4 b",
        () -> /*<*/Pattern.<Ev>begin("start").where(type("c"))
            .followedByAny("middle").where(type("a")).oneOrMore().allowCombinations()
            .followedBy("end1").where(type("b"))/*>*/)
        .docs("15 matches (listed under allow-combinations-doc)");

    // ---- until (docs: "(a+ until b)" on "a1 c a2 b a3") ----
    add("until-doc", "a1 c a2 b a3",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a")).oneOrMore().until(type("b"))/*>*/)
        .docs("{a1 a2} {a1} {a2} {a3}");
    add("until-then-c", "x a1 a2 b1 a3 c",
        () -> /*<*/Pattern.<Ev>begin("x").where(type("x"))
            .followedBy("a").where(type("a")).oneOrMore().until(type("b"))
            .followedBy("c").where(type("c"))/*>*/);
    add("until-optional", "x c1 x2 a1 b1 c2",
        () -> /*<*/Pattern.<Ev>begin("x").where(type("x"))
            .followedBy("a").where(type("a")).oneOrMore().optional().until(type("b"))
            .followedBy("c").where(type("c"))/*>*/);

    // ---- Skip strategies (docs: "b+ c" on "b1 b2 b3 c") ----
    add("skip-doc-no-skip", "b1 b2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("b", AfterMatchSkipStrategy.noSkip()).where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("b1 b2 b3 c / b2 b3 c / b3 c");
    add("skip-doc-to-next", "b1 b2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("b", AfterMatchSkipStrategy.skipToNext()).where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("b1 b2 b3 c / b2 b3 c / b3 c");
    add("skip-doc-past-last-event", "b1 b2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("b", AfterMatchSkipStrategy.skipPastLastEvent()).where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("b1 b2 b3 c");
    add("skip-doc-to-first", "b1 b2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("b", AfterMatchSkipStrategy.skipToFirst("b")).where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("b1 b2 b3 c / b2 b3 c / b3 c");
    add("skip-doc-to-last", "b1 b2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("b", AfterMatchSkipStrategy.skipToLast("b")).where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("b1 b2 b3 c / b3 c");
    // The same strategies where later matches overlap and start elsewhere ("b1 b2 c1 b3 c2").
    add("skip-overlap-no-skip", "b1 b2 c1 b3 c2",
        () -> /*<*/Pattern.<Ev>begin("b", AfterMatchSkipStrategy.noSkip()).where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/);
    add("skip-overlap-to-next", "b1 b2 c1 b3 c2",
        () -> /*<*/Pattern.<Ev>begin("b", AfterMatchSkipStrategy.skipToNext()).where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/);
    add("skip-overlap-past-last-event", "b1 b2 c1 b3 c2",
        () -> /*<*/Pattern.<Ev>begin("b", AfterMatchSkipStrategy.skipPastLastEvent()).where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/);
    add("skip-overlap-to-first", "b1 b2 c1 b3 c2",
        () -> /*<*/Pattern.<Ev>begin("b", AfterMatchSkipStrategy.skipToFirst("b")).where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/);
    add("skip-overlap-to-last", "b1 b2 c1 b3 c2",
        () -> /*<*/Pattern.<Ev>begin("b", AfterMatchSkipStrategy.skipToLast("b")).where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/);
    // Docs: "(a | b | c) (b | c) c+.greedy d" on "a b c1 c2 c3 d".
    add("skip-greedy-no-skip", "a b c1 c2 c3 d",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.noSkip()).where(type("a", "b", "c"))
            .followedBy("b").where(type("b", "c"))
            .followedBy("c").where(type("c")).oneOrMore().greedy()
            .followedBy("d").where(type("d"))/*>*/)
        .docs("a b c1 c2 c3 d / b c1 c2 c3 d / c1 c2 c3 d");
    add("skip-greedy-to-first", "a b c1 c2 c3 d",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.skipToFirst("c")).where(type("a", "b", "c"))
            .followedBy("b").where(type("b", "c"))
            .followedBy("c").where(type("c")).oneOrMore().greedy()
            .followedBy("d").where(type("d"))/*>*/)
        .docs("a b c1 c2 c3 d / c1 c2 c3 d");
    // Docs: "a b+" on "a b1 b2 b3".
    add("skip-ab-no-skip", "a b1 b2 b3",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.noSkip()).where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore()/*>*/)
        .docs("a b1 / a b1 b2 / a b1 b2 b3");
    add("skip-ab-to-next", "a b1 b2 b3",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.skipToNext()).where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore()/*>*/)
        .docs("a b1");
    // skipToFirst/skipToLast naming a step the match does not contain: Flink falls back to no skip.
    add("skip-to-first-missing", "a1 a2 c1 a3 b1 c2",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.skipToFirst("b")).where(type("a"))
            .followedBy("b").where(type("b")).optional()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("by default a missing step means NO_SKIP for that match");
    add("skip-to-last-missing", "a1 a2 c1 a3 b1 c2",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.skipToLast("b")).where(type("a"))
            .followedBy("b").where(type("b")).optional()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("by default a missing step means NO_SKIP for that match");
    add("skip-to-first-missing-no-skip", "a1 a2 c1 a3 b1 c2",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.noSkip()).where(type("a"))
            .followedBy("b").where(type("b")).optional()
            .followedBy("c").where(type("c"))/*>*/)
        .note("the skip-to-*-missing cases with NO_SKIP, for comparison");
    add("skip-to-first-missing-throw", "a1 a2 c1 a3 b1 c2",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.skipToFirst("b").throwExceptionOnMiss()).where(type("a"))
            .followedBy("b").where(type("b")).optional()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("throwExceptionOnMiss(): the job fails on a match without the step");
    add("skip-to-first-present", "a1 a2 b1 a3 b2 c1 c2",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.skipToFirst("b")).where(type("a"))
            .followedByAny("b").where(type("b"))
            .followedBy("c").where(type("c"))/*>*/);
    add("skip-to-last-present", "a1 a2 b1 a3 b2 c1 c2",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.skipToLast("b")).where(type("a"))
            .followedByAny("b").where(type("b"))
            .followedBy("c").where(type("c"))/*>*/);
    add("skip-past-last-any", "a1 a2 b1 a3 b2 c1 c2",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.skipPastLastEvent()).where(type("a"))
            .followedByAny("b").where(type("b"))
            .followedBy("c").where(type("c"))/*>*/);
    add("skip-to-next-any", "a1 a2 b1 a3 b2 c1 c2",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.skipToNext()).where(type("a"))
            .followedByAny("b").where(type("b"))
            .followedBy("c").where(type("c"))/*>*/);
    add("no-skip-any", "a1 a2 b1 a3 b2 c1 c2",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.noSkip()).where(type("a"))
            .followedByAny("b").where(type("b"))
            .followedBy("c").where(type("c"))/*>*/);

    // ---- Quantifiers ----
    add("times-2", "a b1 b2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).times(2)
            .followedBy("c").where(type("c"))/*>*/);
    add("times-2-consecutive", "a b1 d b2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).times(2).consecutive()
            .followedBy("c").where(type("c"))/*>*/);
    add("times-2-4", "a b1 b2 b3 b4 b5 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).times(2, 4)
            .followedBy("c").where(type("c"))/*>*/);
    add("times-2-4-greedy", "a b1 b2 b3 b4 b5 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).times(2, 4).greedy()
            .followedBy("c").where(type("c"))/*>*/)
        .note("no match: after 4 b's a fifth b cannot be skipped by the greedy loop's successor (its ignore condition excludes b), so the run dies; with 3 b's (times-2-4-greedy-short) it matches. Not named by issue 12: Flink's output is the reference.");
    add("times-2-optional", "a1 c1 a2 b1 b2 c2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).times(2).optional()
            .followedBy("c").where(type("c"))/*>*/);
    add("times-or-more-2", "a b1 b2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).timesOrMore(2)
            .followedBy("c").where(type("c"))/*>*/);
    add("times-or-more-2-optional-greedy", "a1 c1 a2 b1 b2 b3 c2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).timesOrMore(2).optional().greedy()
            .followedBy("c").where(type("c"))/*>*/);
    add("one-or-more-optional", "a1 c1 a2 b1 b2 c2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore().optional()
            .followedBy("c").where(type("c"))/*>*/);
    add("optional-middle", "a1 b1 c1 a2 c2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).optional()
            .followedBy("c").where(type("c"))/*>*/);
    add("optional-last", "a1 b1 a2 c1",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).optional()/*>*/);
    add("optional-first", "b1 c1 a1 b2 c2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a")).optional()
            .followedBy("b").where(type("b"))
            .followedBy("c").where(type("c"))/*>*/);
    add("one-or-more-last", "a b1 b2 c b3",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore()/*>*/);
    add("greedy-overlap", "a b1 c1 b2 c2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b", "c")).oneOrMore().greedy()
            .followedBy("c").where(type("c"))/*>*/);
    add("not-greedy-overlap", "a b1 c1 b2 c2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b", "c")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/);
    add("iterative-condition-doc", "a f1=1 f2=2 f3=3 f4=1 c",
        () -> /*<*/Pattern.<Ev>begin("start").where(type("a"))
            .followedBy("middle").where(typeAndSumBelow("f", "middle", 5)).oneOrMore()
            .followedBy("end").where(type("c"))/*>*/)
        .note("the docs' iterative condition: a middle event's value plus the values already in middle < 5");
    add("or-condition", "a1 b1 c1 a2 d1 c2",
        () -> /*<*/Pattern.<Ev>begin("ab").where(type("a")).or(type("b"))
            .next("c").where(type("c"))/*>*/);
    add("where-and", "a1=1 c1 a2=7 c2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a")).where(SimpleCondition.of(e -> e.value > 5))
            .followedBy("c").where(type("c"))/*>*/);

    // ---- Groups ----
    add("group-times-2", "a x1 y1 x2 y2 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy(Pattern.<Ev>begin("x").where(type("x")).followedBy("y").where(type("y"))).times(2)
            .followedBy("c").where(type("c"))/*>*/);
    add("group-one-or-more", "a x1 y1 x2 y2 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy(Pattern.<Ev>begin("x").where(type("x")).followedBy("y").where(type("y"))).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/);
    add("group-optional", "a1 c1 a2 x1 y1 c2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy(Pattern.<Ev>begin("x").where(type("x")).next("y").where(type("y"))).optional()
            .followedBy("c").where(type("c"))/*>*/);
    add("group-begin", "x1 y1 d1 x2 d2 y2 c",
        () -> /*<*/Pattern.<Ev, Ev>begin(Pattern.<Ev>begin("x").where(type("x")).next("y").where(type("y")))
            .followedBy("c").where(type("c"))/*>*/);
    add("group-next-times-2", "a x1 y1 x2 y2 c1 a2 x3 y3 d x4 y4 c2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .next(Pattern.<Ev>begin("x").where(type("x")).next("y").where(type("y"))).times(2).consecutive()
            .next("c").where(type("c"))/*>*/);
    add("group-followed-by-any", "a x1 y1 x2 y2 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedByAny(Pattern.<Ev>begin("x").where(type("x")).followedBy("y").where(type("y")))
            .followedBy("c").where(type("c"))/*>*/);

    // ---- within (both WithinType) ----
    add("within-first-and-last", "a1@0 b1@6 c1@12 a2@20 b2@24 c2@29 z@100",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b"))
            .followedBy("c").where(type("c"))
            .within(ms(10), WithinType.FIRST_AND_LAST)/*>*/)
        .note("timestamps in ms; within 10 ms from the first event to the last");
    add("within-previous-and-current", "a1@0 b1@6 c1@12 a2@20 b2@24 c2@35 z@100",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b"))
            .followedBy("c").where(type("c"))
            .within(ms(10), WithinType.PREVIOUS_AND_CURRENT)/*>*/)
        .note("timestamps in ms; within 10 ms between consecutive matched events");
    add("within-boundary", "a1@0 b1@10 a2@20 b2@29",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b"))
            .within(ms(10))/*>*/)
        .note("is an event exactly 10 ms after the first inside a 10 ms window?");
    add("within-loop-timeout", "a@0 b1@3 b2@6 x@30",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))
            .within(ms(10))/*>*/);

    // ---- Negation ----
    add("not-next", "a1 b1 c1 a2 d1 c2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .notNext("not").where(type("b"))
            .followedBy("c").where(type("c"))/*>*/);
    add("not-followed-by", "a1 d1 b1 c1 a2 d2 c2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .notFollowedBy("not").where(type("b"))
            .followedBy("c").where(type("c"))/*>*/);
    add("not-next-last", "a1 b1 a2 c1",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .notNext("not").where(type("b"))/*>*/);
    add("not-followed-by-last-within", "a1@0 b1@5 a2@20 x@40 a3@50",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .notFollowedBy("not").where(type("b"))
            .within(ms(10))/*>*/)
        .note("an absence pattern: a, then no b within 10 ms; the last event a3 is only completed by the final watermark");
    add("not-followed-by-docs", "s1 a1 b1 s2 a2 x1@30",
        () -> /*<*/Pattern.<Ev>begin("start").where(type("s"))
            .next("middle").where(type("a"))
            .notFollowedBy("end").where(type("b"))
            .within(ms(10))/*>*/)
        .docs("a pattern sequence can end with notFollowedBy() with a within");
    add("not-followed-by-after-loop", "a b1 x b2 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore()
            .notFollowedBy("not").where(type("x"))
            .followedBy("c").where(type("c"))/*>*/)
        .note("Flink drops the whole run {a b1} when x follows b1 (the loop's exit to the NOT step sees x and stops the run), so {a b1 b2 c} is not emitted although no x lies between its last b and c. Not one of issue 12's named bugs: Flink's output is the reference.");

    add("not-followed-by-before-loop", "b0 b1 a2 c3 b4",
        () -> /*<*/Pattern.<Ev>begin("s0").where(type("b"))
            .notFollowedBy("s1").where(type("c"))
            .next("s2").where(type("b")).times(1, 2).allowCombinations()/*>*/)
        .note("Flink applies the notFollowedBy before a loop also between the loop's later events (its optional iterations' ignore states get the NOT step's stop edge), so {s0:b0 s2:b1 b4} is not emitted although no c lies between b0 and b1. Not one of issue 12's named bugs: Flink's output is the reference.");

    add("within-timeout-two-partials", "a1@0 b1@2 x@50",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore().optional()
            .followedBy("c").where(type("c"))
            .within(ms(10))/*>*/)
        .note("two distinct partial matches time out: {a1 b1} and {a1} (the run that skipped the optional loop and waits for c)");
    add("doc-example-alert", "s1@0 e1@1 x1@2 k1@3 s2@20 e2@21 k2@35",
        () -> /*<*/Pattern.<Ev>begin("start")
            .next("middle").where(type("e"))
            .followedBy("end").where(type("k"))
            .within(ms(10))/*>*/)
        .docs("the docs' closing example: start, middle (error) next to it, then end (critical) within the window (10 s there, 10 ms here)")
        .note("e = error, k = critical; start has no condition, so every event starts a run");
    add("equal-timestamps", "a1@1 b1@1 a2@2 b2@2 b3@2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .next("b").where(type("b"))/*>*/)
        .note("events with equal timestamps are processed in arrival order (no comparator)");
    add("times-2-4-greedy-short", "a b1 b2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).times(2, 4).greedy()
            .followedBy("c").where(type("c"))/*>*/);
    add("times-or-more-2-consecutive", "a1 b1 d b2 b3 b4 c1",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedByAny("b").where(type("b")).timesOrMore(2).consecutive()
            .followedBy("c").where(type("c"))/*>*/);
    add("until-consecutive", "a1 a2 d a3 b a4",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a")).oneOrMore().consecutive().until(type("b"))/*>*/);
    add("not-followed-by-after-any", "a1 b1 x b2 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedByAny("b").where(type("b"))
            .notFollowedBy("not").where(type("x"))
            .followedBy("c").where(type("c"))/*>*/);
    add("not-next-after-loop", "a b1 b2 x c1 a2 b3 c2",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore()
            .notNext("not").where(type("x"))
            .followedBy("c").where(type("c"))/*>*/);

    // ---- Patterns Flink rejects when the job is built (the error is recorded) ----
    add("error-not-followed-by-last-without-within", "a b",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .notFollowedBy("not").where(type("b"))/*>*/)
        .docs("a pattern sequence cannot end with notFollowedBy() without within()");
    add("error-not-after-optional", "a b c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a")).optional()
            .notFollowedBy("not").where(type("b"))
            .followedBy("c").where(type("c"))/*>*/)
        .docs("a NOT pattern cannot be preceded by an optional one");
    add("error-duplicate-name", "a b",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("a").where(type("b"))/*>*/)
        .docs("each pattern must have a unique name");
    add("error-skip-unknown-step", "a b",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.skipToFirst("zzz")).where(type("a"))
            .followedBy("b").where(type("b"))/*>*/);

    // ---- Second batch: more quantifier, window, skip and refusal corners ----
    add("times-2-allow-combinations", "a b1 b2 b3 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).times(2).allowCombinations()
            .followedBy("c").where(type("c"))/*>*/);
    add("one-or-more-optional-first", "b1 c1 b2 b3 c2",
        () -> /*<*/Pattern.<Ev>begin("b").where(type("b")).oneOrMore().optional()
            .followedBy("c").where(type("c"))/*>*/);
    add("one-or-more-greedy-last", "a b1 b2 c b3",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore().greedy()/*>*/);
    add("or-with-loop", "a1 b1 d1 c1 b2 c2",
        () -> /*<*/Pattern.<Ev>begin("ab").where(type("a")).or(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/);
    add("within-previous-and-current-loop", "a@0 b1@5 b2@12 b3@30 c@33 z@100",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))
            .within(ms(10), WithinType.PREVIOUS_AND_CURRENT)/*>*/);
    add("within-first-and-last-loop", "a@0 b1@5 b2@12 b3@30 c@33 z@100",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))
            .within(ms(20), WithinType.FIRST_AND_LAST)/*>*/);
    add("equal-timestamps-within", "a1@0 b1@10 a2@10 b2@20 z@40",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b"))
            .within(ms(10))/*>*/)
        .note("b1 comes exactly 10 ms after a1; a2 shares b1's timestamp but comes after it");
    add("skip-to-last-loop-any", "a1 b1 a2 b2 c1",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.skipToLast("b")).where(type("a"))
            .followedByAny("b").where(type("b")).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/);
    add("skip-past-last-within", "a1@0 a2@2 b1@4 a3@5 b2@20 z@50",
        () -> /*<*/Pattern.<Ev>begin("a", AfterMatchSkipStrategy.skipPastLastEvent()).where(type("a"))
            .followedBy("b").where(type("b"))
            .within(ms(10))/*>*/)
        .note("do the partial matches that the skip discards (a2) also stay out of the timed-out output?");
    add("not-next-then-next", "a1 b1 c1 a2 c2 a3 d c3",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .notNext("not").where(type("b"))
            .next("c").where(type("c"))/*>*/);
    add("not-followed-by-within-middle", "a1@0 c1@5 a2@10 b1@12 c2@15 a3@30 c3@45 z@80",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .notFollowedBy("not").where(type("b"))
            .followedBy("c").where(type("c"))
            .within(ms(10))/*>*/);
    add("group-times-range", "a x1 y1 x2 y2 x3 y3 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy(Pattern.<Ev>begin("x").where(type("x")).followedBy("y").where(type("y"))).times(1, 2)
            .followedBy("c").where(type("c"))/*>*/);
    add("value-condition-loop", "a b1=3 b2=8 b3=6 b4=1 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(SimpleCondition.of(e -> e.value > 5)).oneOrMore().consecutive()
            .followedBy("c").where(type("c"))/*>*/);
    add("error-greedy-group", "a x1 y1 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy(Pattern.<Ev>begin("x").where(type("x")).followedBy("y").where(type("y"))).oneOrMore().greedy()
            .followedBy("c").where(type("c"))/*>*/)
        .docs("greedy is not supported on group patterns");
    add("error-until-on-singleton", "a b",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a")).until(type("b"))/*>*/);
    add("error-times-zero", "a b",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a")).times(0)/*>*/);
    add("error-consecutive-on-singleton", "a b",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a")).consecutive()/*>*/);

    // ---- Flink CEP bugs named by issue 12 (Flink's output recorded; Fleuve is right instead) ----
    add("bug-group-loop-followed-by-duplicates", "a x1 y1 d1 d2 d3 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy(Pattern.<Ev>begin("x").where(type("x")).followedBy("y").where(type("y"))).oneOrMore()
            .followedBy("c").where(type("c"))/*>*/)
        .wrong("a looping group followed by followedBy emits the same match once per ignored event (d1..d3); the right output has each distinct match once")
        .correct("a=a;x=x1;y=y1;c=c", null);
    add("bug-group-loop-next-not-strict", "a x1 y1 d c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy(Pattern.<Ev>begin("x").where(type("x")).next("y").where(type("y"))).oneOrMore()
            .next("c").where(type("c"))/*>*/)
        .wrong("next after a looping group is not strict: d sits between y1 and c, so the right output has no match")
        .correct("", null);
    add("bug-timeout-duplicates", "a1@0 d1@2 d2@4 z@50",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy("b").where(type("b")).optional()
            .followedBy("c").where(type("c"))
            .within(ms(10))/*>*/)
        .wrong("one timed-out partial match is reported once per NFA state that holds it (after an ignored event {a1} waits both in b and in c); the right output reports it once")
        .correct("", "a=a1@10");
    add("bug-group-not-followed-by-dropped", "a x1 n1 c",
        () -> /*<*/Pattern.<Ev>begin("a").where(type("a"))
            .followedBy(Pattern.<Ev>begin("x").where(type("x")).notFollowedBy("n").where(type("n")))
            .followedBy("c").where(type("c"))/*>*/)
        .wrong("a notFollowedBy at the end of a group is dropped: n1 follows x1, so the right output has no match")
        .correct("", null);
  }

  // ---- Running a case on Flink ----

  /** Collects matches and timed-out partial matches, numbered in emission order. */
  static final class Collect extends PatternProcessFunction<Ev, String> implements TimedOutPartialMatchHandler<Ev> {
    static final OutputTag<String> TIMED_OUT = new OutputTag<String>("timed-out") {};
    private long seq;

    @Override
    public void processMatch(Map<String, List<Ev>> match, Context ctx, Collector<String> out) {
      out.collect(seq++ + "\tM\t" + ctx.timestamp() + "\t" + encode(match));
    }

    @Override
    public void processTimedOutMatch(Map<String, List<Ev>> match, Context ctx) {
      ctx.output(TIMED_OUT, seq++ + "\tT\t" + ctx.timestamp() + "\t" + encode(match));
    }

    static String encode(Map<String, List<Ev>> match) {
      StringBuilder sb = new StringBuilder();
      for (Map.Entry<String, List<Ev>> e : match.entrySet()) {
        if (sb.length() > 0) sb.append(';');
        sb.append(e.getKey()).append('=');
        for (int i = 0; i < e.getValue().size(); i++) {
          if (i > 0) sb.append(',');
          sb.append(e.getValue().get(i).id);
        }
      }
      return sb.toString();
    }
  }

  static Map<String, List<String>> decode(String s) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    if (s.isEmpty()) return m;
    for (String part : s.split(";")) {
      int eq = part.indexOf('=');
      m.put(part.substring(0, eq), part.length() > eq + 1 ? Arrays.asList(part.substring(eq + 1).split(",")) : List.of());
    }
    return m;
  }

  static Map<String, Object> run(Case c, String patternText) throws Exception {
    List<Ev> events = Ev.parse(c.input);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("case", c.name);
    out.put("source", c.source);
    out.put("pattern", patternText);
    List<Object> evs = new ArrayList<>();
    for (Ev e : events) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", e.id);
      m.put("type", e.type);
      m.put("value", e.value);
      m.put("ts", e.ts);
      evs.add(m);
    }
    out.put("events", evs);

    List<String[]> lines = new ArrayList<>();
    String error = null;
    try {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
      DataStream<Ev> in = env.fromData(events)
          .assignTimestampsAndWatermarks(WatermarkStrategy.<Ev>forMonotonousTimestamps().withTimestampAssigner((e, t) -> e.ts));
      SingleOutputStreamOperator<String> main = CEP.pattern(in.keyBy(e -> 0), c.pattern.get()).inEventTime().process(new Collect());
      DataStream<String> all = main.union(main.getSideOutput(Collect.TIMED_OUT));
      try (CloseableIterator<String> it = all.executeAndCollect("cep-reference-" + c.name)) {
        while (it.hasNext()) lines.add(it.next().split("\t", 4));
      }
    } catch (Exception e) {
      Throwable root = e;
      while (root.getCause() != null) root = root.getCause();
      error = root.getClass().getName() + ": " + root.getMessage();
    }
    lines.sort((a, b) -> Long.compare(Long.parseLong(a[0]), Long.parseLong(b[0])));
    List<Object> matches = new ArrayList<>();
    List<Object> timedOut = new ArrayList<>();
    for (String[] l : lines) {
      if (l[1].equals("M")) {
        matches.add(decode(l[3]));
      } else {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("partial", decode(l[3]));
        t.put("timeoutTs", Long.parseLong(l[2]));
        timedOut.add(t);
      }
    }
    out.put("matches", matches);
    if (!timedOut.isEmpty() || patternText.contains("within(")) out.put("timedOut", timedOut);
    if (error != null) out.put("error", error);
    if (c.docsSay != null) out.put("docsSay", c.docsSay);
    if (c.flinkIsWrong) out.put("flinkIsWrong", true);
    if (c.note != null) out.put("note", c.note);
    if (c.correctMatches != null) {
      List<Object> cm = new ArrayList<>();
      for (String m : c.correctMatches.split("\\|")) if (!m.isBlank()) cm.add(decode(m.strip()));
      out.put("correctMatches", cm);
    }
    if (c.correctTimedOut != null) {
      List<Object> ct = new ArrayList<>();
      for (String m : c.correctTimedOut.split("\\|")) {
        if (m.isBlank()) continue;
        String[] parts = m.strip().split("@");
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("partial", decode(parts[0]));
        t.put("timeoutTs", Long.parseLong(parts[1]));
        ct.add(t);
      }
      out.put("correctTimedOut", ct);
    }
    return out;
  }

  /** The source text between the markers after the case's name: exactly the pattern that ran. */
  static String patternText(String source, String name) {
    int at = source.indexOf("add(\"" + name + "\"");
    if (at < 0) throw new IllegalStateException("case " + name + " not found in the source");
    int start = source.indexOf("/*<*/", at) + 5;
    int end = source.indexOf("/*>*/", start);
    String[] lines = source.substring(start, end).split("\n");
    // Strip the common indentation of the continuation lines.
    int indent = Integer.MAX_VALUE;
    for (int i = 1; i < lines.length; i++) {
      String l = lines[i];
      if (l.isBlank()) continue;
      indent = Math.min(indent, l.length() - l.stripLeading().length());
    }
    StringBuilder sb = new StringBuilder(lines[0].strip());
    for (int i = 1; i < lines.length; i++) sb.append('\n').append("    ").append(lines[i].substring(Math.min(indent, lines[i].length())).stripTrailing());
    return sb.toString();
  }

  public static void main(String[] args) throws Exception {
    String only = null;
    String outDir = "packages/cep/test/fixtures/flink-reference";
    String sourcePath = "bench/flink/src/main/java/dev/fleuve/cep/ReferenceCases.java";
    boolean list = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--only": only = args[++i]; break;
        case "--out": outDir = args[++i]; break;
        case "--source": sourcePath = args[++i]; break;
        case "--list": list = true; break;
        default: throw new IllegalArgumentException("unknown option " + args[i] + " (--only a,b --out DIR --source FILE --list)");
      }
    }
    Set<String> wanted = only == null ? null : new LinkedHashSet<>(Arrays.asList(only.split(",")));
    if (wanted != null) {
      for (String w : wanted) if (CASES.stream().noneMatch(c -> c.name.equals(w))) throw new IllegalArgumentException("unknown case " + w);
    }
    if (list) {
      for (Case c : CASES) System.out.println(c.name);
      return;
    }
    String source = Files.readString(new File(sourcePath).toPath(), StandardCharsets.UTF_8);
    new File(outDir).mkdirs();
    for (Case c : CASES) {
      if (wanted != null && !wanted.contains(c.name)) continue;
      Map<String, Object> res = run(c, patternText(source, c.name));
      String json = Json.write(res, "  ") + "\n";
      Files.writeString(new File(outDir, c.name + ".json").toPath(), json, StandardCharsets.UTF_8);
      StringBuilder brief = new StringBuilder();
      for (Object m : (List<?>) res.get("matches")) brief.append(' ').append(m);
      System.out.println(c.name + ": " + ((List<?>) res.get("matches")).size() + " matches" + (res.containsKey("timedOut") ? ", " + ((List<?>) res.get("timedOut")).size() + " timed out" : "")
          + (res.containsKey("error") ? ", error " + res.get("error") : "") + " |" + brief);
    }
  }
}
