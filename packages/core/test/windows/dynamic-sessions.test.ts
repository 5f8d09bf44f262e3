/**
 * Dynamic-gap sessions where a new record's window equals the session earlier records merged into.
 *
 * DELIBERATE DIFFERENCE FROM FLINK 1.20 — do not "fix" this toward Flink. Flink's
 * `TimeWindow.mergeWindows` groups windows in a hash set, so a new window equal to an existing
 * merged session collapses into it and no merge is reported; `MergingWindowSet.addWindow` then maps
 * the window to itself as its own state window, and the contents of the earlier records (held in
 * the older state window) are lost. Fleuve keeps every record of the session: the session fires
 * with all its records, as the plain session rule says.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type DataStream, EventTimeSessionWindows, type OutputTag } from "../../src/index.js";
import {
  applyFn,
  expected,
  type Rec,
  referenceSessions,
  runWindowJob,
  userWrittenSessions,
} from "./oracle-helpers.js";

/**
 * Random records where, per generated group, record `a` (ts t, gap g1) and record `b`
 * (ts t + d, d <= g1, gap g2) merge into session [t, t + d + g2), and record `c` (ts t, gap d + g2)
 * has exactly that window. Groups are interleaved with each other in random order.
 */
const equalWindowRecordsArb = fc
  .array(
    fc.record({
      key: fc.constantFrom("a", "b", "c"),
      t: fc.integer({ min: -100, max: 100 }),
      g1: fc.integer({ min: 1, max: 20 }),
      d: fc.integer({ min: 0, max: 20 }),
      g2: fc.integer({ min: 1, max: 20 }),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .chain((groups) => {
    const recs = groups.flatMap(({ key, t, g1, d, g2 }) => {
      const dd = Math.min(d, g1);
      return [
        { key, ts: t, gap: g1 },
        { key, ts: t + dd, gap: g2 },
        { key, ts: t, gap: dd + g2 },
      ];
    });
    // A random interleaving that keeps each group's own order (a, b, then c).
    return fc
      .shuffledSubarray(
        recs.map((_, i) => i),
        { minLength: recs.length, maxLength: recs.length },
      )
      .map((order) => {
        const seq: number[] = [];
        const next = new Map<number, number>();
        for (const i of order) {
          const g = Math.floor(i / 3);
          const k = next.get(g) ?? 0;
          next.set(g, k + 1);
          seq.push(g * 3 + k);
        }
        return seq.map((i, id) => ({ ...recs[i]!, id, n: 1, sum: id }) as Rec);
      });
  });

type Path = "session operator" | "general operator" | "user-written assigner";

/** Dynamic-gap sessions through `path`, each firing as `key|start|end|ids`. */
function build(
  s: DataStream<Rec>,
  path: Path,
  lateness: number,
  lateTag: OutputTag<Rec>,
): DataStream<string> {
  const sessions = EventTimeSessionWindows.withDynamicGap<Rec>((r) => r.gap);
  const assigner = path === "user-written assigner" ? userWrittenSessions(sessions) : sessions;
  return applyFn(s, assigner, lateness, lateTag, "process", path === "general operator");
}

for (const path of ["session operator", "general operator", "user-written assigner"] as const) {
  test(`dynamic-gap sessions keep every record when a new window equals a merged session (${path}; differs from Flink 1.20 on purpose)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        equalWindowRecordsArb,
        fc.integer({ min: 0, max: 60 }),
        fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 80 })),
        fc.constantFrom(1, 3),
        async (records, delay, lateness, parallelism) => {
          const got = await runWindowJob(records, delay, parallelism, (s, tag) =>
            build(s, path, lateness, tag),
          );
          // The reference keeps every record a session absorbs (Flink 1.20 would drop some).
          const ref = referenceSessions(records, delay, lateness, (r) => r.gap);
          assert.deepEqual(got, expected(ref, "process"));
        },
      ),
      { numRuns: 150 },
    );
  });
}
