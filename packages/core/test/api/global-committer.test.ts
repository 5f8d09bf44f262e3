/**
 * A sink's global committer (`TwoPhaseCommitSink.globalCommitter`): one subtask downstream of every
 * writer subtask. Each checkpoint the committer snapshots must hold one message of each writer
 * still running (sent before its barrier), each writer's last message is its end message, and
 * every row a writer prepared reaches the committer once; a job made of the sink alone (`only`,
 * as SQL's INSERT runs) takes its committer along; the sink's name and uid name the committer.
 * Scale-out refuses a committer in a unit of its own over at-least-once exchanges.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type CommittableMessage,
  createSink,
  filesystemConnector,
  isFleuveError,
  type PreCommitSinkWriter,
  StreamExecutionEnvironment,
  type TwoPhaseCommitSink,
} from "../../src/index.js";
import { checkGlobalCommitters, planUnits } from "../../src/scale-out/index.js";
import { OneInputOperator } from "../../src/spi/index.js";

type Rows = number[];

/** What the committer saw: the messages filed under each of its snapshots, and what completed. */
interface Seen {
  parallelism: number[];
  snapshots: { id: number; messages: CommittableMessage<Rows>[] }[];
  committedRows: number[];
  completed: number[];
  finished: number;
}

class RecordingCommitter extends OneInputOperator<CommittableMessage<Rows>, never> {
  private incoming: CommittableMessage<Rows>[] = [];
  private held: { id: number; rows: number[] }[] = [];
  constructor(private readonly seen: Seen) {
    super();
  }
  override open(): void {
    this.seen.parallelism.push(this.runtime.parallelism);
  }
  processElement(m: CommittableMessage<Rows>): void {
    this.incoming.push(m);
  }
  protected override snapshotCustom(id: number): unknown {
    this.seen.snapshots.push({ id, messages: this.incoming });
    this.held.push({ id, rows: this.incoming.flatMap((m) => m.committables.flat()) });
    this.incoming = [];
    return undefined;
  }
  override notifyCheckpointComplete(id: number): void {
    this.seen.completed.push(id);
    for (const h of this.held.filter((h) => h.id <= id)) this.seen.committedRows.push(...h.rows);
    this.held = this.held.filter((h) => h.id > id);
  }
  override finish(): void {
    this.seen.finished++;
  }
}

function recordingSink(seen: Seen, sinkCommitted: number[]): TwoPhaseCommitSink<number, Rows> {
  return {
    createWriter: () => {
      let rows: number[] = [];
      const writer: PreCommitSinkWriter<number, Rows> = {
        write: (v) => {
          rows.push(v);
        },
        prepareCommit: () => {
          const out = rows.length === 0 ? [] : [rows];
          rows = [];
          return out;
        },
      };
      return writer;
    },
    commit: (cs) => {
      for (const c of cs) sinkCommitted.push(...c);
    },
    globalCommitter: () => new RecordingCommitter(seen),
  };
}

test("a global committer gets every writer's committables before each checkpoint's barrier, and the end messages", {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-global-committer-"));
  try {
    const seen: Seen = { parallelism: [], snapshots: [], committedRows: [], completed: [], finished: 0 };
    const sinkCommitted: number[] = [];
    const n = 6_000;
    const env = StreamExecutionEnvironment.create({
      parallelism: 2,
      checkpointing: { dir, intervalMs: 10 },
      log: () => {},
    });
    env
      .fromGenerator((i) => i, { count: 13, ratePerSecond: 1_000 })
      .uid("ignored")
      .forEach(() => {});
    const sink = env
      .fromGenerator((i) => i, { count: n, ratePerSecond: 20_000 })
      .uid("numbers")
      .sinkTo(recordingSink(seen, sinkCommitted), "Sink: numbers")
      .uid("numbers-sink");
    assert.equal(sink.committer?.name, "Sink: numbers: Committer");
    assert.equal(sink.committer?.uid, "numbers-sink-committer");
    // The job of the sink alone (as SQL's INSERT runs) takes the committer along.
    await env.execute("global-committer", { only: [sink.node.id] });
    assert.deepEqual(seen.parallelism, [1], "one committer subtask");
    assert.equal(seen.finished, 1);
    assert.ok(seen.snapshots.length >= 2, `${seen.snapshots.length} checkpoints`);
    // Each snapshot holds exactly one message of each writer whose input had not ended before.
    const ended = new Set<number>();
    for (const s of seen.snapshots) {
      for (const w of [0, 1]) {
        const of = s.messages.filter((m) => m.subtask === w);
        assert.equal(
          of.length,
          ended.has(w) ? 0 : 1,
          `checkpoint ${s.id}, writer ${w}: ${of.length} messages`,
        );
        if (of[0]?.end) ended.add(w);
        assert.ok(of.every((m) => m.parallelism === 2));
      }
    }
    assert.deepEqual([...ended].sort(), [0, 1], "both writers' end messages were filed");
    // Every row reached the committer once, committed by the checkpoints (the final one last).
    const all = Array.from({ length: n }, (_, i) => i);
    assert.deepEqual(
      seen.committedRows.sort((a, b) => a - b),
      all,
    );
    assert.deepEqual(
      sinkCommitted.sort((a, b) => a - b),
      all,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without checkpointing the committer gets each writer's one end message before its own end", async () => {
  const seen: Seen = { parallelism: [], snapshots: [], committedRows: [], completed: [], finished: 0 };
  const got: CommittableMessage<Rows>[] = [];
  const sinkCommitted: number[] = [];
  const env = StreamExecutionEnvironment.create({ parallelism: 3, log: () => {} });
  const sink: TwoPhaseCommitSink<number, Rows> = {
    ...recordingSink(seen, sinkCommitted),
    globalCommitter: () =>
      new (class extends RecordingCommitter {
        override processElement(m: CommittableMessage<Rows>): void {
          got.push(m);
        }
        override finish(): void {
          assert.equal(got.length, 3, "every writer's message came before the end");
        }
      })(seen),
  };
  env.fromElements(1, 2, 3, 4, 5, 6, 7).sinkTo(sink);
  await env.execute();
  assert.deepEqual(got.map((m) => m.subtask).sort(), [0, 1, 2]);
  assert.ok(got.every((m) => m.end && m.parallelism === 3));
  assert.deepEqual(got.flatMap((m) => m.committables.flat()).sort(), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(sinkCommitted.sort(), [1, 2, 3, 4, 5, 6, 7]);
});

test("scale-out: a global committer in another unit than its writers is refused over at-least-once exchanges only", () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-global-committer-plan-"));
  try {
    const plan = (withCommitter: boolean, parallelism: number) => {
      const env = StreamExecutionEnvironment.create({ parallelism, log: () => {} });
      const sink = createSink(
        filesystemConnector,
        {
          path: dir,
          format: "csv",
          ...(withCommitter ? { "sink.partition-commit.policy.kind": "success-file" } : {}),
        },
        {
          schema: [
            { name: "id", type: "BIGINT" },
            { name: "dt", type: "STRING" },
          ],
          partitionKeys: ["dt"],
        },
      ) as TwoPhaseCommitSink<Record<string, unknown>, unknown>;
      env.fromElements({ id: 1, dt: "a" }).sinkTo(sink, "Sink: t");
      const graph = env.getStreamGraph();
      return { graph, units: planUnits(graph, env.config) };
    };
    const p = plan(true, 2);
    assert.ok(
      p.units.exchanges.some((x) => p.graph.nodes[x.edge.target]?.name === "Sink: t: Committer"),
      "the committer is in a unit of its own",
    );
    assert.throws(
      () => checkGlobalCommitters(p.graph, p.units, false),
      (e: unknown) =>
        isFleuveError(e) &&
        e.code === "FLEUVE_CONFIG_INVALID" &&
        e.message.includes("sink 'Sink: t'") &&
        e.message.includes("'sink.partition-commit.policy.kind'") &&
        e.message.includes("--delivery exactly-once") &&
        (e.details as { option?: string }).option === "deliveryGuarantee",
    );
    checkGlobalCommitters(p.graph, p.units, true);
    const without = plan(false, 2);
    checkGlobalCommitters(without.graph, without.units, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
