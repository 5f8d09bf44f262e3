// What a restore does with each operator's state: kept, new, dropped or incompatible (a declared
// state schema that changed). A job's last checkpoint is restored into edited jobs: a stateless
// operator renamed or added is no obstacle; a changed schema is refused naming the field, unless
// allowNonRestoredState is set (the operator then starts empty).
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  type EnvironmentOptions,
  formatStateFit,
  type KeyedProcessFunction,
  StreamExecutionEnvironment,
  type ValueState,
  valueState,
} from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "fleuve-state-fit-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Running sums per parity of the numbers 1..40, by a keyed operator 'sum' declaring `schema`, after a map named `mapName`. */
function job(
  options: EnvironmentOptions,
  schema: Record<string, string>,
  mapName: string,
  out: number[][],
  sourceUid = "numbers",
) {
  const env = StreamExecutionEnvironment.create(options);
  let s = env
    .fromSequence(1, 40)
    .uid(sourceUid)
    .map((x) => x)
    .name(mapName);
  if (mapName === "extra") s = s.filter(() => true).name("another");
  let total: ValueState<number>;
  const sum: KeyedProcessFunction<number, number, number[]> = {
    open(ctx) {
      total = ctx.getState(valueState<number>("total"));
    },
    processElement(x, _ctx, o) {
      const t = (total.value() ?? 0) + x;
      total.update(t);
      o.collect([x % 2, t]);
    },
  };
  s.keyBy((x) => x % 2)
    .process(sum)
    .uid("sum")
    .stateSchema(schema)
    .forEach((r) => {
      out.push(r as number[]);
    });
  return env;
}

test("a checkpoint restores past stateless edits; a changed state schema is refused naming it", async () => {
  const checkpoints = join(dir, "cp");
  await job({ checkpointing: { dir: checkpoints, intervalMs: 3_600_000 } }, { v: "1" }, "plain", []).execute(
    "first",
  );
  const folder = readdirSync(checkpoints).find((d) => d.startsWith("chk-"));
  assert.ok(folder !== undefined, "the bounded job took its final checkpoint");
  const restoreFrom = join(checkpoints, folder);

  // A map renamed and a filter added (positional uids that the checkpoint does not know): fine.
  const edited = job({ restoreFrom }, { v: "1" }, "extra", []);
  const report = await edited.checkSavepoint();
  assert.deepEqual(
    report.operators.map((o) => [o.uid, o.fit]),
    [
      ["numbers", "kept"],
      ["sum", "kept"],
    ],
  );
  assert.equal(report.needsNonRestored, false);

  const changed = job({ restoreFrom }, { v: "2" }, "plain", []);
  const why = "v changed: 1 -> 2";
  const fit = await changed.checkSavepoint();
  assert.deepEqual(formatStateFit(fit).slice(-1), [`incompatible sum (KeyedProcess): ${why}`]);
  await assert.rejects(changed.execute("changed"), (e: Error & { code?: string }) => {
    assert.equal(e.code, "FLEUVE_STATE_INCOMPATIBLE");
    assert.ok(
      e.message.includes(`the state of operator 'sum' in ${restoreFrom} does not fit it: ${why}`),
      e.message,
    );
    return true;
  });
  // Allowed, with a new source reading 1..40 again: 'sum' starts empty, so the final sums are
  // those of 1..40 (restored, they would be twice that); the old source's position is dropped.
  const allowed = job({ restoreFrom, allowNonRestoredState: true }, { v: "2" }, "plain", [], "numbers-2");
  assert.deepEqual(
    formatStateFit(await allowed.checkSavepoint()).sort(),
    [
      `dropped      numbers: the job no longer has this operator`,
      `incompatible sum (KeyedProcess): ${why}`,
    ].sort(),
  );
  const out: number[][] = [];
  await job({ restoreFrom, allowNonRestoredState: true }, { v: "2" }, "plain", out, "numbers-2").execute(
    "allowed",
  );
  const last = new Map(out.map(([k, t]) => [k, t]));
  assert.deepEqual([...last].sort(), [
    [0, 420],
    [1, 400],
  ]);
});
