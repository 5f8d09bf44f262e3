/**
 * A two-phase-commit sink learns part of what it hands over only once its prepared data is
 * acknowledged (Kafka: the producer id of a transaction whose producer was still starting at the
 * barrier). The checkpoint must store the committable as it is then, not as it was at the
 * barrier: a restore that re-commits a committable without that part could commit the wrong
 * transaction. Here every committable gets its id in `prepared()`, and every commit, including
 * the re-commits after restores, must see it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type PreCommitSinkWriter,
  StreamExecutionEnvironment,
  type TwoPhaseCommitSink,
  WatermarkStrategy,
} from "../../src/index.js";

interface Committable {
  rows: number[];
  id?: string;
}

test("sink committables are checkpointed as they are once prepared: restores re-commit them with their ids", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-late-"));
  try {
    const committed = new Map<string, number[]>();
    const withoutId: Committable[] = [];
    let restored = 0;
    const sink: TwoPhaseCommitSink<number, Committable> = {
      createWriter: () => {
        let rows: number[] = [];
        let last: Promise<void> = Promise.resolve();
        let n = 0;
        const writer: PreCommitSinkWriter<number, Committable> = {
          write: (v) => {
            rows.push(v);
          },
          prepareCommit: () => {
            if (rows.length === 0) return [];
            const c: Committable = { rows };
            rows = [];
            const id = `${Math.random().toString(36).slice(2)}-${n++}`;
            last = new Promise((r) =>
              setTimeout(() => {
                c.id = id; // known only once the "broker" acknowledged
                r();
              }, 2),
            );
            return [c];
          },
          prepared: () => last,
        };
        return writer;
      },
      commit: (cs) => {
        for (const c of cs) {
          if (c.id === undefined) withoutId.push(c);
          else committed.set(c.id, c.rows);
        }
      },
    };
    const failAt = new Set([3_000, 7_000]);
    const env = StreamExecutionEnvironment.create({
      log: (l) => {
        if (l.startsWith("restoring checkpoint")) restored++;
      },
      checkpointing: { dir, intervalMs: 10 },
      restartStrategy: { type: "fixed-delay", attempts: 3, delayMs: 1 },
    });
    env
      .fromGenerator((i) => i, {
        count: 10_000,
        ratePerSecond: 20_000,
        strategy: WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((i) => i),
      })
      .uid("numbers")
      .map((i) => {
        if (failAt.delete(i)) throw new Error(`injected failure at ${i}`);
        return i;
      })
      .uid("maybe-fail")
      .sinkTo(sink, "late-sink")
      .uid("sink");
    await env.execute("late-sink");
    assert.equal(restored, 2, "restored after each failure");
    assert.deepEqual(withoutId, [], "no committable reached a commit without its id");
    const rows = [...committed.values()].flat().sort((a, b) => a - b);
    assert.deepEqual(
      rows,
      Array.from({ length: 10_000 }, (_, i) => i),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
