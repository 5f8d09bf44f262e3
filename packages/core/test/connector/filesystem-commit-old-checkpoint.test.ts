// A filesystem sink with partition commit restored from a checkpoint of the layout before its
// partition committer existed: the writers' state holds the pending partitions (in their reports,
// of the old shape) and there is no committer state. The restored job's committer still gets
// them (each writer forwards what it restored) and commits the pending partition, which the
// restored job writes no row to.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  createSink,
  filesystemConnector,
  type PreCommitSinkWriter,
  type Source,
  type SourceOutput,
  StreamExecutionEnvironment,
  type TwoPhaseCommitSink,
} from "../../src/index.js";

type Row = { id: number; dt: string };
type Pending = { inProgress: string; final: string; uuid: string; report?: { partitions: unknown[] } };

/** `list` (from subtask 0) then, unless `end`, nothing more until the job is stopped; `sent` set once emitted. */
function rows(list: Row[], end: boolean, sent = { done: false }): Source<Row> {
  return {
    bounded: true,
    createReader: (ctx) => {
      return {
        poll: (out: SourceOutput<Row>) => {
          if (ctx.subtaskIndex === 0 && !sent.done) for (const r of list) out.collect(r);
          sent.done = true;
          return end ? ("end" as const) : ("nothing-yet" as const);
        },
        available: () => new Promise<void>((r) => setTimeout(r, 5)),
      };
    },
  };
}

function sinkAt(dir: string): TwoPhaseCommitSink<Row, Pending> {
  return createSink(
    filesystemConnector,
    { path: dir, format: "csv", "sink.partition-commit.policy.kind": "success-file" },
    {
      schema: [
        { name: "id", type: "BIGINT" },
        { name: "dt", type: "STRING" },
      ],
      partitionKeys: ["dt"],
    },
  ) as TwoPhaseCommitSink<Row, Pending>;
}

/**
 * The sink as it was before the committer: no global committer, the writers' reports in the old
 * shape (with the checkpoint id and an `ended` flag) in their checkpointed committables.
 */
function oldLayout(sink: TwoPhaseCommitSink<Row, Pending>): TwoPhaseCommitSink<Row, Pending> {
  return {
    createWriter(ctx) {
      const w = sink.createWriter(ctx) as PreCommitSinkWriter<Row, Pending>;
      return {
        write: (v, ts) => w.write(v, ts),
        writeWatermark: (m: number) => w.writeWatermark?.(m),
        finish: () => w.finish?.(),
        close: () => w.close?.(),
        prepareCommit: (id) =>
          w
            .prepareCommit(id)
            .map((f) =>
              f.report === undefined ? f : { ...f, report: { ...f.report, checkpointId: id, ended: false } },
            ),
      };
    },
    commit: (files) => sink.commit(files),
  };
}

const visible = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.startsWith("part-"))
        .flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean))
        .sort()
    : [];

test("restored from a checkpoint without committer state, the pending partition gets its success file", async () => {
  const root = mkdtempSync(join(tmpdir(), "fs-old-cp-"));
  const out = join(root, "out");
  try {
    const env1 = StreamExecutionEnvironment.create({
      parallelism: 2,
      checkpointing: { dir: join(root, "cp1"), intervalMs: 60_000 },
    });
    const first = [1, 2, 3, 4].map((id) => ({ id, dt: "a" }));
    const sent = { done: false };
    env1
      .fromSource(rows(first, false, sent), undefined, "rows")
      .uid("rows")
      .sinkTo(oldLayout(sinkAt(out)))
      .uid("fs");
    const run1 = env1.executeAsync("old layout");
    // The savepoint's barrier follows the rows: the writers' state then lists partition dt=a.
    while (!sent.done) await new Promise((r) => setTimeout(r, 10));
    const savepoint = await run1.stopWithSavepoint(join(root, "sp"));
    await run1.result;
    assert.ok(!existsSync(join(out, "dt=a", "_SUCCESS")), "the old layout commits no partition by itself");

    const env2 = StreamExecutionEnvironment.create({
      parallelism: 2,
      checkpointing: { dir: join(root, "cp2"), intervalMs: 60_000 },
      restoreFrom: savepoint,
    });
    env2
      .fromSource(rows([{ id: 5, dt: "b" }], true), undefined, "rows")
      .uid("rows")
      .sinkTo(sinkAt(out))
      .uid("fs");
    await env2.executeAsync("new layout").result;
    assert.ok(existsSync(join(out, "dt=a", "_SUCCESS")), "the restored pending partition is committed");
    assert.deepEqual(visible(join(out, "dt=a")), ["1", "2", "3", "4"]);
    assert.ok(existsSync(join(out, "dt=b", "_SUCCESS")));
    assert.deepEqual(visible(join(out, "dt=b")), ["5"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
