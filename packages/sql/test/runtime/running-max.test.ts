// The running-maximum filter (runtime/running-max.ts) against a model of its rule, row by row:
// a row of a window that has fired (by the watermark) passes; otherwise, with m the largest
// value of the earlier rows of its window that were not late, a NULL passes before a MAX only
// while m is none and never before the join, a value passes before a MAX when above m and before
// the join when at least m (or when m is none). Windows interleave, share ends (session windows
// of different starts), and the watermark moves between rows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OneInputOperatorHarness, ProcessOperator } from "@fleuve/core/testing";
import fc from "fast-check";
import type { Row } from "../../src/planner/values.js";
import { type RunningMaxUse, runningMaxFilter } from "../../src/runtime/running-max.js";

type Step = { row: { s: number; e: number; v: number | null } } | { watermark: number };

/** The rows the rule passes, in order. */
function model(use: RunningMaxUse, steps: readonly Step[], fireAt: (e: number) => number): Row[] {
  const maxima = new Map<string, number>();
  let watermark = Number.NEGATIVE_INFINITY;
  const out: Row[] = [];
  for (const step of steps) {
    if ("watermark" in step) {
      watermark = Math.max(watermark, step.watermark);
      continue;
    }
    const { s, e, v } = step.row;
    if (fireAt(e) <= watermark) {
      out.push(step.row);
      continue;
    }
    const w = `${s}|${e}`;
    const m = maxima.get(w);
    if (v !== null && (m === undefined || v > m)) maxima.set(w, v);
    const passes =
      v === null
        ? use === "aggregate" && m === undefined
        : m === undefined || v > m || (use === "atLeastMax" && v >= m);
    if (passes) out.push(step.row);
  }
  return out;
}

/** Values and NULLs. */
const value = fc.option(fc.integer({ min: 0, max: 5 }), { freq: 5 });
/**
 * Runs of rows of one window (as a window aggregation fires a window's keys together) and
 * watermarks. Few ends, each with several starts: session windows share an end.
 */
const steps: fc.Arbitrary<Step[]> = fc
  .array(
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc
          .record({
            s: fc.integer({ min: 0, max: 3 }),
            e: fc.integer({ min: 4, max: 7 }),
            vs: fc.array(value, { minLength: 1, maxLength: 5 }),
          })
          .map(({ s, e, vs }): Step[] => vs.map((v) => ({ row: { s, e, v } }))),
      },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 8 }).map((watermark): Step[] => [{ watermark }]) },
    ),
    { maxLength: 25 },
  )
  .map((groups) => groups.flat());

for (const use of ["aggregate", "atLeastMax"] as const) {
  test(`running-maximum filter (${use}) passes the rows of its rule, windows interleaved, the watermark moving`, () => {
    fc.assert(
      fc.property(steps, (script) => {
        const fireAt = (e: number) => e - 1;
        const harness = new OneInputOperatorHarness<Row, Row>(
          new ProcessOperator(
            runningMaxFilter({
              use,
              value: (r) => r.v,
              start: (r) => r.s as number,
              end: (r) => r.e as number,
              fireAt,
            }),
          ),
        );
        for (const step of script) {
          if ("watermark" in step) harness.processWatermark(step.watermark);
          else harness.processElement(step.row, 0);
        }
        assert.deepEqual(harness.getOutputValues(), model(use, script, fireAt));
      }),
      { numRuns: 300 },
    );
  });
}
