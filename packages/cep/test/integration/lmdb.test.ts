/**
 * The CEP operator on the LMDB state backend with a cache of 2 entries, so key entries are written
 * out and read back all the time: random out-of-order events over 5 keys give the reference's
 * matches and time-outs (an entry changed after being set, or held across an eviction, would lose
 * events or partial matches here).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { OutputTag } from "@fleuve/core";
import { KeyedOneInputOperatorHarness } from "@fleuve/core/testing";
import { lmdbStateBackend } from "@fleuve/state-lmdb";
import fc from "fast-check";
import { CepOperator } from "../../src/operator/cep-operator.js";
import type { PatternProcessFunction, TimedOutMatch } from "../../src/pattern-process-function.js";
import { type Ev, FakeMatcher, fakeReference } from "../operator/fake-matcher.js";

const timedOutTag = new OutputTag<TimedOutMatch<{ a: Ev[] }>>("timed-out");
const pairs: PatternProcessFunction<{ a: Ev[]; b: Ev[] }, string> = {
  processMatch: (m, ctx, out) => out.collect(`${m.a[0]!.id}-${m.b[0]!.id}@${ctx.timestamp}`),
};

test("on LMDB with a 2-entry cache, random out-of-order input gives the reference's matches and time-outs", () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-cep-lmdb-"));
  let run = 0;
  try {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            k: fc.constantFrom("a", "b", "x"),
            key: fc.constantFrom("k1", "k2", "k3", "k4", "k5"),
            jitter: fc.integer({ min: 0, max: 9 }),
            wm: fc.boolean(),
          }),
          { maxLength: 60 },
        ),
        (raw) => {
          const within = 15;
          const h = new KeyedOneInputOperatorHarness(
            new CepOperator<Ev, string>(new FakeMatcher(within), pairs, { timedOut: timedOutTag }),
            (e: Ev) => e.key,
            { stateBackend: lmdbStateBackend({ dir: join(dir, `run-${run++}`), cacheEntries: 2 }) },
          );
          const accepted: { ev: Ev; ts: number; seq: number }[] = [];
          raw.forEach((r, i) => {
            const ev: Ev = { kind: r.k as Ev["kind"], key: r.key, id: `${r.k}${i}` };
            const ts = 20 + 2 * i - r.jitter;
            accepted.push({ ev, ts, seq: i });
            h.processElement(ev, ts);
            // Trails by 10 ms: no event is late.
            if (r.wm) h.processWatermark(20 + 2 * i - 10);
          });
          h.endInput();
          const ref = fakeReference(
            accepted.slice().sort((x, y) => x.ts - y.ts || x.seq - y.seq),
            within,
            Number.POSITIVE_INFINITY,
          );
          assert.deepEqual(h.getOutputValues().sort(), ref.matches.sort());
          assert.deepEqual(
            h
              .getSideOutput(timedOutTag)
              .map((r) => `${r.value.match.a![0]!.id}@${r.timestamp}`)
              .sort(),
            ref.timedOut.sort(),
          );
          h.close();
          h.keyedState?.dispose?.();
        },
      ),
      { numRuns: 40 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
