/**
 * What a coordinator keeps of its checkpoint directory, now that it remembers what it wrote rather
 * than listing and reading the folders back at every checkpoint (a scale-out unit commits every
 * 100 ms), and that a unit's light checkpoints keep their snapshot files inside `_metadata`:
 * - a CheckpointPruner deletes exactly what listing the folder and reading every `_metadata` at
 *   each prune (as before) deletes, over random histories of completed, failed and referencing
 *   checkpoints, with folders left by an earlier run (fast-check, against that oracle on a copy
 *   of the directory);
 * - inline snapshot files load as the same checkpoint as files beside `_metadata`, and large ones
 *   stay beside it;
 * - a unit run (runUnit) writes one-file checkpoints, keeps the newest `retained`, and its last
 *   one, found by a fresh listing as another process would, restores every record exactly once.
 */
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { serialize } from "node:v8";
import fc from "fast-check";
import { CheckpointPruner } from "../../src/checkpoint/retention.js";
import {
  checkpointFolder,
  INLINE_MAX_BYTES,
  loadCheckpoint,
  writeCheckpoint,
} from "../../src/checkpoint/storage.js";
import { StreamExecutionEnvironment } from "../../src/index.js";
import { latestCheckpoint, planUnits, runUnit, unitGraph } from "../../src/scale-out/index.js";

/** Metadata of checkpoint `id` of a one-operator job whose only subtask file is `task-0-0.bin`. */
const meta = (id: number, references: string[] = []) => ({
  checkpointId: id,
  kind: "checkpoint" as const,
  jobName: "retention",
  createdAt: new Date(0).toISOString(),
  maxParallelism: 128,
  operators: { op: { parallelism: 1, source: false, files: ["task-0-0.bin"] } },
  references,
});

/** The folders under `root`, sorted, with what each holds. */
const tree = (root: string) =>
  readdirSync(root)
    .sort()
    .map((d) => `${d}: ${readdirSync(join(root, d)).sort().join(",")}`);

/**
 * The oracle: what pruning after each checkpoint always did, by listing `root` and reading every
 * folder's `_metadata`: keep those in flight (newer than `newest`), the newest `retained` completed
 * ones and the folders these build on; delete the rest.
 */
function listingPrune(root: string, retained: number, newest: number): void {
  const ids = readdirSync(root)
    .map((n) => /^chk-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((x, y) => y - x);
  let kept = 0;
  const referenced = new Set<string>();
  for (const id of ids) {
    if (id > newest) continue;
    const metadata = join(root, checkpointFolder(id), "_metadata");
    if (existsSync(metadata) && kept < retained) {
      kept++;
      for (const r of (JSON.parse(readFileSync(metadata, "utf8")) as { references?: string[] }).references ??
        [])
        referenced.add(r);
      continue;
    }
    if (!referenced.has(checkpointFolder(id))) rmSync(join(root, checkpointFolder(id)), { recursive: true });
  }
}

/** One step of a coordinator's history. */
type Step =
  | { kind: "complete"; refs: number[]; inline: boolean }
  | { kind: "fail" }
  | { kind: "prune"; retained: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("complete" as const),
      refs: fc.array(fc.nat(5), { maxLength: 2 }),
      inline: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("fail" as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("prune" as const), retained: fc.integer({ min: 1, max: 3 }) }),
  },
);

/** Folders an earlier run left: completed or not, some referencing older ones. */
const leftArb = fc.array(fc.record({ complete: fc.boolean(), refs: fc.array(fc.nat(5), { maxLength: 2 }) }), {
  maxLength: 5,
});

test("a CheckpointPruner deletes what a listing at each prune deletes, over random histories", async () => {
  const base = mkdtempSync(join(tmpdir(), "fleuve-retention-"));
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(leftArb, fc.array(stepArb, { minLength: 1, maxLength: 25 }), async (left, steps) => {
        // the same history in two folders: one pruned by a pruner, one by a listing each time
        const a = join(base, `${run}-pruner`);
        const b = join(base, `${run++}-listing`);
        const roots = [a, b];
        for (const root of roots) mkdirSync(root);
        let id = 0;
        const refsTo = (refs: number[]) =>
          refs.filter((r) => r < id).map((r) => checkpointFolder(id - 1 - r));
        for (const l of left) {
          id++;
          for (const root of roots) {
            const folder = join(root, checkpointFolder(id));
            if (l.complete)
              await writeCheckpoint(
                folder,
                new Map([["task-0-0.bin", serialize({ op: { custom: id } })]]),
                meta(id, refsTo(l.refs)),
              );
            else {
              mkdirSync(folder, { recursive: true });
              writeFileSync(join(folder, "task-0-0.bin"), "partial");
            }
          }
        }
        let newest = Math.max(0, ...left.map((l, k) => (l.complete ? k + 1 : 0)));
        let pruner = new CheckpointPruner(a, 1);
        let retained = 1;
        for (const step of steps) {
          if (step.kind === "prune") {
            // a retention of its own: as a new attempt (a restart) with another configuration
            if (step.retained !== retained) {
              retained = step.retained;
              pruner = new CheckpointPruner(a, retained);
            }
            await pruner.prune(newest);
            listingPrune(b, retained, newest);
            assert.deepEqual(tree(a), tree(b));
            continue;
          }
          id++;
          const files = new Map([["task-0-0.bin", serialize({ op: { custom: "x".repeat(id) } })]]);
          if (step.kind === "complete") {
            const references = refsTo(step.refs);
            const inline = new Set(step.inline ? ["task-0-0.bin"] : []);
            const names = await writeCheckpoint(
              join(a, checkpointFolder(id)),
              files,
              meta(id, references),
              undefined,
              inline,
            );
            await writeCheckpoint(
              join(b, checkpointFolder(id)),
              files,
              meta(id, references),
              undefined,
              inline,
            );
            pruner.completed(id, join(a, checkpointFolder(id)), references, names);
            newest = id;
          } else {
            // a write that failed half way: the coordinator deletes it; here it is left behind
            for (const root of roots) {
              mkdirSync(join(root, checkpointFolder(id)), { recursive: true });
              writeFileSync(join(root, checkpointFolder(id), "task-0-0.bin"), "partial");
            }
            pruner.failed(id, join(a, checkpointFolder(id)));
          }
        }
        await pruner.prune(newest);
        listingPrune(b, retained, newest);
        assert.deepEqual(tree(a), tree(b));
        // what a restore finds: the newest completed checkpoint, the same in both
        if (newest > 0) {
          const found = await latestCheckpoint(a);
          assert.equal(found, join(a, checkpointFolder(newest)));
        }
      }),
      { numRuns: 60 },
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("inline snapshot files load as files beside _metadata do; large ones stay beside it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-inline-"));
  try {
    const small = new Map([
      ["task-0-0.bin", serialize({ op: { custom: [1, 2, 3] } })],
      ["task-0-0.bin.deferred", serialize({ sink: { custom: "txn" } })],
    ]);
    const m = { ...meta(1), operators: { op: { parallelism: 1, source: false, files: ["task-0-0.bin"] } } };
    const inline = new Set(small.keys());
    const names = await writeCheckpoint(join(dir, "inline"), small, m, undefined, inline);
    assert.deepEqual(names, ["_metadata"]);
    assert.deepEqual(readdirSync(join(dir, "inline")), ["_metadata"]);
    await writeCheckpoint(join(dir, "beside"), small, m);
    assert.deepEqual(readdirSync(join(dir, "beside")).sort(), [
      "_metadata",
      "task-0-0.bin",
      "task-0-0.bin.deferred",
    ]);
    const x = await loadCheckpoint(join(dir, "inline"));
    const y = await loadCheckpoint(join(dir, "beside"));
    // version 2 marks inlined files (a reader of version 1 only would miss them), 1 otherwise
    assert.equal(x.metadata.version, 2);
    assert.equal(y.metadata.version, 1);
    assert.deepEqual(x.operators, y.operators);
    assert.deepEqual(x.metadata.files, y.metadata.files);
    assert.deepEqual(x.operators.get("op"), [{ custom: [1, 2, 3] }]);

    const large = new Map([["task-0-0.bin", serialize({ op: { custom: "y".repeat(INLINE_MAX_BYTES) } })]]);
    const written = await writeCheckpoint(join(dir, "large"), large, m, undefined, inline);
    assert.deepEqual(written.sort(), ["_metadata", "task-0-0.bin"]);
    assert.equal(
      (await loadCheckpoint(join(dir, "large"))).operators.get("op")![0]!.custom,
      "y".repeat(INLINE_MAX_BYTES),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a unit writes one-file checkpoints, keeps the newest `retained`, and its last one restores every record once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-unit-retention-"));
  const N = 100_000;
  try {
    const out: number[] = [];
    const run = (cp: string, rate: number | undefined, restoreFrom?: string) => {
      const env = StreamExecutionEnvironment.create({
        parallelism: 1,
        checkpointing: { dir: cp, intervalMs: 20, retained: 2 },
        ...(restoreFrom === undefined ? {} : { restoreFrom }),
        log: () => {},
      });
      env
        .fromGenerator((i) => i, { count: N, ...(rate === undefined ? {} : { ratePerSecond: rate }) })
        .uid("numbers")
        .map((n) => n)
        .uid("pass")
        .forEach((n) => {
          out.push(n);
        }, "collect");
      const plan = planUnits(env.getStreamGraph(), env.config);
      assert.equal(plan.units.length, 1, "one task: one unit");
      const unit = plan.units[0]!;
      const none = () => {
        throw new Error("no exchanges in this job");
      };
      const graph = unitGraph(env.getStreamGraph(), env.config, plan, unit.task, {
        input: none,
        output: none,
      });
      return runUnit(graph, env.config, "unit-retention", unit);
    };
    const completed = (cp: string) =>
      readdirSync(cp).filter((d) => /^chk-\d+$/.test(d) && existsSync(join(cp, d, "_metadata")));
    const first = run(join(dir, "a"), 20_000);
    while (completed(join(dir, "a")).length < 2 || Number(completed(join(dir, "a")).at(-1)!.slice(4)) < 8)
      await new Promise((r) => setTimeout(r, 10));
    const id = await first.handOver();
    first.cancel();
    await first.result.catch(() => {});
    assert.ok(out.length < N, `handed over before the end: ${out.length}`);
    // pruned as it went: the newest two, each only its _metadata (snapshots inside)
    const left = readdirSync(join(dir, "a")).sort((x, y) => Number(x.slice(4)) - Number(y.slice(4)));
    assert.equal(left.length, 2, `kept: ${left}`);
    assert.equal(left[1], `chk-${id}`);
    for (const d of left) assert.deepEqual(readdirSync(join(dir, "a", d)), ["_metadata"]);
    // another process finds it by listing, and restores it: nothing replayed, nothing lost
    const found = await latestCheckpoint(join(dir, "a"));
    assert.equal(found, join(dir, "a", `chk-${id}`));
    await run(join(dir, "b"), undefined, found).result;
    assert.equal(out.length, N);
    assert.deepEqual(
      out.sort((x, y) => x - y),
      Array.from({ length: N }, (_, i) => i),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a checkpoint of a newer metadata version is refused as incompatible, not taken for corrupt", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-version-"));
  try {
    const m = { ...meta(1), operators: { op: { parallelism: 1, source: false, files: ["task-0-0.bin"] } } };
    const folder = join(dir, "chk-1");
    await writeCheckpoint(folder, new Map([["task-0-0.bin", serialize({ op: { custom: 1 } })]]), m);
    const path = join(folder, "_metadata");
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, "utf8")), version: 3 }));
    await assert.rejects(loadCheckpoint(folder), (e: Error & { code?: string }) => {
      assert.equal(e.code, "FLEUVE_STATE_INCOMPATIBLE");
      assert.match(e.message, /metadata version 3, written by a newer Fleuve/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
