/**
 * A CEP job stopped with a savepoint in the middle of partial matches (events waiting for the
 * watermark, partial matches open, timers pending) and resumed from it at another parallelism
 * gives the matches and time-outs of an uninterrupted run: the operator's state goes through the
 * real checkpoint path (serialized, redistributed by key group).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { OutputTag, StreamExecutionEnvironment } from "@fleuve/core";
import { CollectSink, ScriptedSource, type ScriptStep } from "@fleuve/core/testing";
import { CEP } from "../../src/cep.js";
import { Pattern } from "../../src/pattern.js";
import type { TimedOutMatch } from "../../src/pattern-process-function.js";

interface Payment {
  id: string;
  card: string;
  amount: number;
}
const MIN = 60_000;
const smallThenLarge = Pattern.for<Payment>()
  .begin("small")
  .where((p) => p.amount < 10)
  .followedBy("large")
  .where((p) => p.amount > 500)
  .within(10 * MIN);
const timedOut = new OutputTag<TimedOutMatch<{ small: Payment[]; large: Payment[] }>>("timed-out");

/** 120 payments over 4 cards, a minute apart with up to 2 minutes of disorder, a watermark every 5. */
function script(): ScriptStep<Payment>[] {
  const steps: ScriptStep<Payment>[] = [];
  const amounts = [1, 700, 50, 3, 900];
  let seed = 42;
  const next = () => (seed = (seed * 48_271) % 2_147_483_647); // MINSTD: the same "random" input every run
  for (let i = 0; i < 120; i++) {
    const at = i * MIN + ((i * 7919) % 5) * 30_000 - 60_000;
    steps.push({
      value: { id: `p${i}`, card: `c${next() % 4}`, amount: amounts[next() % 5]! },
      timestamp: at,
    });
    if (i % 5 === 4) steps.push({ watermark: i * MIN - 2 * MIN });
  }
  return steps;
}

/** The job: payments by card through the fraud pattern; matches and time-outs as lines. */
function job(env: StreamExecutionEnvironment, source: ScriptedSource<Payment>, sink: CollectSink<string>) {
  const matches = CEP.pattern(
    env
      .fromSource(source)
      .setParallelism(1)
      .keyBy((p) => p.card),
    smallThenLarge,
    { timedOut },
  ).select((m, ctx) => `${m.small[0]!.id}->${m.large[0]!.id}@${ctx.timestamp}`);
  matches
    .union(
      matches.getSideOutput(timedOut).map((t) => `${t.match.small![0]!.id} timed out@${t.timeoutTimestamp}`),
    )
    .sinkTo(sink);
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !cond(); waited += 10) {
    if (waited > 30_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("stop with a savepoint mid-match, resume at another parallelism: the same matches and time-outs as an uninterrupted run", {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-cep-sp-"));
  try {
    const steps = script();
    const whole = new CollectSink<string>();
    const envWhole = StreamExecutionEnvironment.create({ parallelism: 2, log: () => {} });
    job(envWhole, new ScriptedSource(steps), whole);
    await envWhole.execute("uninterrupted");

    const expected = whole.values().sort();
    const cut = Math.floor(steps.length / 2);
    const firstIds = new Set(steps.slice(0, cut).flatMap((s) => ("value" in s ? [s.value.id] : [])));
    // Matches whose small payment comes before the cut and whose large one after: open at the savepoint.
    const spanning = expected.filter((l) => {
      const m = /^(p\d+)->(p\d+)@/.exec(l);
      return m !== null && firstIds.has(m[1]!) && !firstIds.has(m[2]!);
    });
    assert.ok(spanning.length > 0, `a match spans the cut: ${expected.join(", ")}`);
    assert.ok(expected.some((l) => l.includes("timed out")));

    const first = new CollectSink<string>();
    const env1 = StreamExecutionEnvironment.create({
      parallelism: 2,
      log: () => {},
      checkpointing: { dir: join(dir, "cp1"), intervalMs: 3_600_000 },
    });
    const held = new ScriptedSource(steps.slice(0, cut), { holdUntil: new Promise(() => {}) });
    job(env1, held, first);
    const run1 = env1.executeAsync("first-half");
    await until(() => held.finishedScripts === 1, "the first half to be read");
    const savepoint = await run1.stopWithSavepoint(join(dir, "sp"));
    await run1.result;
    assert.ok(
      spanning.every((l) => !first.values().includes(l)),
      "those matches were open at the savepoint",
    );

    const second = new CollectSink<string>();
    const env2 = StreamExecutionEnvironment.create({
      parallelism: 3,
      log: () => {},
      checkpointing: { dir: join(dir, "cp2"), intervalMs: 3_600_000 },
      restoreFrom: savepoint,
    });
    job(env2, new ScriptedSource(steps.slice(cut)), second);
    await env2.execute("second-half");
    assert.deepEqual([...first.values(), ...second.values()].sort(), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
