/**
 * The plan builder for each deployment: which subtasks and channels exist, which channels go to
 * other executors (and that both ends of a worker-thread channel agree on its id), which files a
 * checkpoint lists, and how each deployment maps restored state onto its subtasks.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "../../src/api/environment.js";
import type { LoadedCheckpoint } from "../../src/checkpoint/storage.js";
import { MetricsRegistry } from "../../src/metrics/registry.js";
import type { OutputChannel } from "../../src/runtime/channel.js";
import type { CheckpointCoordinatorOptions } from "../../src/runtime/checkpoint-coordinator.js";
import {
  type Deployment,
  InProcessDeployment,
  type OperatorToRestore,
} from "../../src/runtime/deployment.js";
import { buildExecutionGraph, type ExecutionGraph } from "../../src/runtime/execution-graph.js";
import type { PeerLink } from "../../src/runtime/remote-channel.js";
import { ScaleOutUnitDeployment } from "../../src/runtime/unit-deployment.js";
import {
  CheckpointParticipant,
  type WorkerReports,
  WorkerThreadDeployment,
} from "../../src/runtime/worker-thread-deployment.js";
import { keyGroupRangeFor } from "../../src/spi/key-groups.js";
import { SystemProcessingTime } from "../../src/spi/processing-time.js";

/** Sequence (parallelism 1) -> keyBy -> reduce -> sink (parallelism 3, chained): two tasks, one hash edge. */
function keyedJob(): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.create({ parallelism: 3, maxParallelism: 128 });
  env
    .fromSequence(1, 10)
    .setParallelism(1)
    .keyBy((x) => x % 3)
    .reduce((a, b) => a + b)
    .forEach(() => {});
  return env;
}

/** Sequence -> map -> sink, all at parallelism 3: one chained task, as a unit's graph is. */
function chainedJob(): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.create({ parallelism: 3, maxParallelism: 128 });
  env
    .fromSequence(1, 10)
    .map((x) => x * 2)
    .forEach(() => {});
  return env;
}

/** Builds the job for `deployment` and returns the options its coordination was made with. */
function build(
  env: StreamExecutionEnvironment,
  deployment: Deployment,
): { built: ExecutionGraph; coordinated: CheckpointCoordinatorOptions | undefined } {
  let coordinated: CheckpointCoordinatorOptions | undefined;
  const coordinate = deployment.coordinate.bind(deployment);
  deployment.coordinate = (o) => {
    coordinated = o;
    return coordinate(o);
  };
  const built = buildExecutionGraph(
    {
      graph: env.getStreamGraph(),
      config: env.config,
      jobName: "plan-test",
      deployment,
      metrics: new MetricsRegistry(),
      clock: new SystemProcessingTime(),
      log: () => {},
    },
    undefined,
    1,
  );
  built.close();
  return { built, coordinated };
}

/** Reports of a worker thread to a main thread that is not there. */
const noReports: WorkerReports = { acked() {}, declined() {}, prepared() {}, finished() {} };

/** A link to one peer worker that records the channel ids it carries each way. */
function recordingLink(): { link: PeerLink; sent: number[]; received: number[] } {
  const sent: number[] = [];
  const received: number[] = [];
  const link = {
    sender(id: number): OutputChannel {
      sent.push(id);
      return { push() {}, hasCapacity: () => true };
    },
    receiver(id: number): void {
      received.push(id);
    },
    flush() {},
    onArrivalHook: undefined,
  };
  return { link: link as unknown as PeerLink, sent, received };
}

test("in process: every subtask of every task, each receiver fed by one channel from the source, all files in the checkpoint", () => {
  const { built, coordinated } = build(keyedJob(), new InProcessDeployment());
  assert.deepEqual(
    built.subtasks.map((s) => s.name),
    ["Sequence (1/1)", "KeyedReduce (1/3)", "KeyedReduce (2/3)", "KeyedReduce (3/3)"],
  );
  assert.deepEqual(
    built.subtasks.map((s) => s.inputs.length),
    [0, 1, 1, 1],
  );
  assert.equal(built.subtasks[0]!.writers[0]!.channels.length, 3);
  assert.ok(coordinated, "savepoints need a coordination even without periodic checkpoints");
  assert.deepEqual(
    coordinated.subtasks.map((s) => s.file),
    ["task-0-0.bin", "task-1-0.bin", "task-1-1.bin", "task-1-2.bin"],
  );
  for (const op of Object.values(coordinated.layout)) assert.equal(op.files.length, op.parallelism);
  assert.equal(built.coordination !== undefined, true);
});

test("worker thread: subtask j runs on worker j % 2, channels to the other worker go over its link with the same ids at both ends", () => {
  const l0 = recordingLink();
  const l1 = recordingLink();
  const w0 = build(keyedJob(), new WorkerThreadDeployment(0, 2, new Map([[1, l0.link]]), noReports));
  const w1 = build(keyedJob(), new WorkerThreadDeployment(1, 2, new Map([[0, l1.link]]), noReports));
  assert.deepEqual(
    w0.built.subtasks.map((s) => s.name),
    ["Sequence (1/1)", "KeyedReduce (1/3)", "KeyedReduce (3/3)"],
  );
  assert.deepEqual(
    w1.built.subtasks.map((s) => s.name),
    ["KeyedReduce (2/3)"],
  );
  // The source (worker 0) sends to reducers 0, 1, 2 on channels 0, 1, 2; reducer 1 is on worker 1.
  assert.deepEqual(l0.sent, [1]);
  assert.deepEqual(l0.received, []);
  assert.deepEqual(l1.received, l0.sent);
  assert.deepEqual(l1.sent, []);
  // Worker 1's subtask is fed by the remote channel; the source's writer has all three channels.
  assert.equal(w1.built.subtasks[0]!.inputs.length, 1);
  assert.equal(w0.built.subtasks[0]!.writers[0]!.channels.length, 3);
  // Each worker takes part in the checkpoints the main thread coordinates, over its own subtasks;
  // the metadata lists every subtask's file, as a one-thread job does.
  assert.ok(w0.built.coordination instanceof CheckpointParticipant);
  assert.deepEqual(
    w0.coordinated?.subtasks.map((s) => s.file),
    ["task-0-0.bin", "task-1-0.bin", "task-1-2.bin"],
  );
  assert.deepEqual(
    w1.coordinated?.subtasks.map((s) => s.file),
    ["task-1-1.bin"],
  );
  for (const op of Object.values(w1.coordinated!.layout)) assert.equal(op.files.length, op.parallelism);
});

test("scale-out unit: only its own subtask, and its checkpoints list only its own file", () => {
  const { built, coordinated } = build(chainedJob(), new ScaleOutUnitDeployment(1, 3));
  assert.deepEqual(
    built.subtasks.map((s) => s.name),
    ["Sequence (2/3)"],
  );
  assert.deepEqual(
    built.subtasks[0]!.operators.length,
    3,
    "source, map and sink chained into the unit's subtask",
  );
  assert.ok(coordinated);
  assert.deepEqual(
    coordinated.subtasks.map((s) => s.file),
    ["task-0-1.bin"],
  );
  for (const op of Object.values(coordinated.layout)) {
    assert.equal(op.parallelism, 3);
    assert.deepEqual(op.files, ["task-0-1.bin"]);
  }
  assert.ok(built.coordination);
});

test("scale-out unit: a channel to another subtask is refused with an error, not sent nowhere", () => {
  assert.throws(
    () => build(keyedJob(), new ScaleOutUnitDeployment(1, 3)),
    (e: { code?: string; message: string }) =>
      e.code === "FLEUVE_JOB_FAILED" && /channel 1 .*no links/.test(e.message),
  );
});

/** A checkpoint holding `old` snapshots of operator `op`, one per old subtask. */
function checkpointOf(uid: string, old: { lists: string[]; custom: string }[]): LoadedCheckpoint {
  return {
    path: "/checkpoints/chk-5",
    metadata: {
      version: 1,
      checkpointId: 5,
      kind: "checkpoint",
      jobName: "plan-test",
      createdAt: "",
      maxParallelism: 128,
      operators: {},
      files: {},
    },
    operators: new Map([
      [uid, old.map((s) => ({ operator: { lists: { buffer: s.lists }, broadcast: {} }, custom: s.custom }))],
    ]),
  };
}

const op = (subtask: number): OperatorToRestore => ({
  uid: "reduce",
  name: "Reduce",
  subtask,
  parallelism: 3,
  maxParallelism: 128,
  isSource: false,
  rescalable: false,
});

test("restore in process and on worker threads: subtask 1 of 3 takes its share of a checkpoint of the whole job", () => {
  const cp = checkpointOf("reduce", [
    { lists: ["a", "b", "c", "d"], custom: "old-0" },
    { lists: ["e"], custom: "old-1" },
  ]);
  for (const dep of [new InProcessDeployment(), new WorkerThreadDeployment(1, 2, new Map(), noReports)]) {
    const r = dep.restore(cp, op(1));
    assert.ok(r);
    assert.deepEqual(r.lists.buffer, ["b", "e"], dep.kind);
    assert.deepEqual(r.custom, ["old-1"], dep.kind);
    assert.deepEqual(r.keyGroups, keyGroupRangeFor(1, 3, 128), dep.kind);
  }
});

test("restore of a scale-out unit: its own checkpoint holds only its state, so it takes all of it, with its own key groups", () => {
  const cp = checkpointOf("reduce", [{ lists: ["a", "b", "c", "d"], custom: "mine" }]);
  const r = new ScaleOutUnitDeployment(1, 3).restore(cp, op(1));
  assert.ok(r);
  assert.deepEqual(r.lists.buffer, ["a", "b", "c", "d"]);
  assert.deepEqual(r.custom, ["mine"]);
  assert.deepEqual(r.keyGroups, keyGroupRangeFor(1, 3, 128));
  assert.equal(new ScaleOutUnitDeployment(1, 3).restore(cp, { ...op(1), uid: "other" }), undefined);
});
