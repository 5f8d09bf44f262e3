/**
 * Barrier alignment: every transition of the BarrierAligner state machine, then a property test
 * of a real Subtask fed random interleavings of records, barriers and ends over N channels,
 * against a brute-force model of aligned checkpoints.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { OperatorMetrics } from "../../src/metrics/registry.js";
import { BarrierAligner, type BarrierAlignmentController } from "../../src/runtime/barrier-aligner.js";
import { Channel, type ChannelItem, ItemKind } from "../../src/runtime/channel.js";
import { Subtask } from "../../src/runtime/subtask.js";
import { OneInputOperator, type OperatorSnapshot } from "../../src/spi/operator.js";

/** An aligner over `n` channels whose controller logs its calls ("block 0", "unblock 0", "trigger 3"). */
function aligner(n: number): { a: BarrierAligner; calls: string[] } {
  const calls: string[] = [];
  const controller: BarrierAlignmentController = {
    blockChannel: (c) => calls.push(`block ${c}`),
    unblockChannel: (c) => calls.push(`unblock ${c}`),
    triggerCheckpoint: (id) => calls.push(`trigger ${id}`),
  };
  return { a: new BarrierAligner(n, controller), calls };
}

test("waiting for first barrier: barrier 1 on channel 0 starts collecting barriers of checkpoint 1 and blocks channel 0", () => {
  const { a, calls } = aligner(3);
  assert.equal(a.state, "waiting-for-first-barrier");
  a.barrierReceived(0, 1);
  assert.equal(a.state, "collecting-barriers");
  assert.equal(a.pendingCheckpointId, 1);
  assert.deepEqual(calls, ["block 0"]);
});

test("collecting barriers: barrier 1 on the last channel triggers checkpoint 1 and unblocks every channel", () => {
  const { a, calls } = aligner(3);
  a.barrierReceived(1, 1);
  a.barrierReceived(0, 1);
  assert.deepEqual(calls, ["block 1", "block 0"]);
  a.barrierReceived(2, 1);
  assert.deepEqual(calls, [
    "block 1",
    "block 0",
    "block 2",
    "unblock 0",
    "unblock 1",
    "unblock 2",
    "trigger 1",
  ]);
  assert.equal(a.state, "waiting-for-first-barrier");
  assert.equal(a.pendingCheckpointId, undefined);
});

test("one channel: barrier 4 triggers checkpoint 4 at once", () => {
  const { a, calls } = aligner(1);
  a.barrierReceived(0, 4);
  assert.deepEqual(calls, ["block 0", "unblock 0", "trigger 4"]);
  assert.equal(a.state, "waiting-for-first-barrier");
});

test("collecting barriers: a second barrier 2 on the same channel is not counted twice", () => {
  const { a, calls } = aligner(2);
  a.barrierReceived(0, 2);
  a.barrierReceived(0, 2);
  assert.deepEqual(calls, ["block 0"]);
  assert.equal(a.pendingCheckpointId, 2);
});

test("collecting barriers of checkpoint 3: barrier 2 (older) is ignored and does not block its channel", () => {
  const { a, calls } = aligner(2);
  a.barrierReceived(0, 3);
  a.barrierReceived(1, 2);
  assert.deepEqual(calls, ["block 0"]);
  assert.equal(a.pendingCheckpointId, 3);
});

test("waiting for first barrier after checkpoint 2: barriers 1 and 2 are ignored", () => {
  const { a, calls } = aligner(2);
  a.barrierReceived(0, 2);
  a.barrierReceived(1, 2);
  calls.length = 0;
  a.barrierReceived(0, 2);
  a.barrierReceived(1, 1);
  assert.deepEqual(calls, []);
  assert.equal(a.state, "waiting-for-first-barrier");
});

test("collecting barriers of checkpoint 1: barrier 2 aborts checkpoint 1 (unblocks its channels) and collects checkpoint 2", () => {
  const { a, calls } = aligner(3);
  a.barrierReceived(0, 1);
  a.barrierReceived(1, 1);
  a.barrierReceived(2, 2);
  assert.deepEqual(calls, ["block 0", "block 1", "unblock 0", "unblock 1", "block 2"]);
  assert.equal(a.pendingCheckpointId, 2);
  // Checkpoint 1's last barrier no longer counts; checkpoint 2 completes on its own barriers.
  a.barrierReceived(0, 1);
  a.barrierReceived(0, 2);
  a.barrierReceived(1, 2);
  assert.deepEqual(calls.slice(5), [
    "block 0",
    "block 1",
    "unblock 0",
    "unblock 1",
    "unblock 2",
    "trigger 2",
  ]);
});

test("waiting for first barrier: end of input on channel 1 triggers nothing, and channel 1 counts as aligned later", () => {
  const { a, calls } = aligner(2);
  a.endOfInput(1);
  assert.deepEqual(calls, []);
  assert.equal(a.allEnded, false);
  a.barrierReceived(0, 1);
  assert.deepEqual(calls, ["block 0", "unblock 0", "trigger 1"]);
});

test("collecting barriers: end of input on the last channel without barrier 1 triggers checkpoint 1", () => {
  const { a, calls } = aligner(3);
  a.barrierReceived(0, 1);
  a.barrierReceived(2, 1);
  a.endOfInput(1);
  assert.deepEqual(calls, ["block 0", "block 2", "unblock 0", "unblock 2", "trigger 1"]);
  assert.equal(a.state, "waiting-for-first-barrier");
});

test("collecting barriers: end of input on one of two open channels only narrows the wait", () => {
  const { a, calls } = aligner(3);
  a.barrierReceived(0, 1);
  a.endOfInput(1);
  assert.deepEqual(calls, ["block 0"]);
  assert.equal(a.pendingCheckpointId, 1);
  a.endOfInput(2);
  assert.deepEqual(calls, ["block 0", "unblock 0", "trigger 1"]);
});

test("end of input on every channel: allEnded", () => {
  const { a } = aligner(2);
  a.endOfInput(0);
  a.endOfInput(0);
  assert.equal(a.allEnded, false);
  a.endOfInput(1);
  assert.equal(a.allEnded, true);
});

test("abort of checkpoint 5 while collecting it: channels unblocked, its later barriers ignored, barrier 6 collects", () => {
  const { a, calls } = aligner(2);
  a.barrierReceived(0, 5);
  a.abort(5);
  assert.deepEqual(calls, ["block 0", "unblock 0"]);
  assert.equal(a.state, "waiting-for-first-barrier");
  a.barrierReceived(1, 5);
  assert.deepEqual(calls, ["block 0", "unblock 0"]);
  a.barrierReceived(1, 6);
  assert.equal(a.pendingCheckpointId, 6);
  assert.deepEqual(calls.slice(2), ["block 1"]);
});

test("abort of checkpoint 5 before its first barrier: barrier 5 is ignored; abort of an older checkpoint keeps the one collecting", () => {
  const { a, calls } = aligner(2);
  a.abort(5);
  a.barrierReceived(0, 5);
  assert.deepEqual(calls, []);
  a.barrierReceived(0, 7);
  a.abort(6);
  assert.equal(a.pendingCheckpointId, 7);
  assert.deepEqual(calls, ["block 0"]);
});

// ---- A real Subtask against a brute-force model ----

/** A record: channel and position on that channel. */
interface Rec {
  c: number;
  seq: number;
}

/** What the test logs, in the order it happens. */
type Ev = { poll: number; item: ChannelItem } | { checkpoint: number };

/** A channel that logs every item the subtask takes. */
class LoggedChannel extends Channel {
  constructor(
    private readonly log: Ev[],
    private readonly index: number,
  ) {
    super(1 << 30, 0, index);
  }
  override poll(): ChannelItem | undefined {
    const item = super.poll();
    if (item !== undefined) this.log.push({ poll: this.index, item });
    return item;
  }
}

/** Head operator that keeps the records it processes and takes empty snapshots. */
class RecordKeeper extends OneInputOperator<Rec, never> {
  readonly processed: Rec[] = [];
  processElement(value: Rec): void {
    this.processed.push(value);
  }
  override processWatermark(): void {}
  override processIdle(): void {}
  override snapshotState(): OperatorSnapshot {
    return {} as OperatorSnapshot;
  }
}

/**
 * Brute-force model of aligned checkpoints over the polled control events so far: the pending
 * checkpoint is the newest barrier id seen if it is newer than the last triggered one; it is
 * triggered as soon as every channel delivered its barrier or ended; a channel is blocked while it
 * delivered the pending checkpoint's barrier.
 */
class Model {
  readonly barriers: Set<number>[];
  readonly ended: boolean[];
  maxSeen = 0;
  lastTriggered = 0;
  readonly triggered: number[] = [];
  constructor(readonly n: number) {
    this.barriers = Array.from({ length: n }, () => new Set<number>());
    this.ended = Array.from({ length: n }, () => false);
  }
  pending(): number | undefined {
    return this.maxSeen > this.lastTriggered ? this.maxSeen : undefined;
  }
  isBlocked(c: number): boolean {
    const k = this.pending();
    return k !== undefined && this.barriers[c]!.has(k);
  }
  /** Applies one polled item; returns the checkpoint it triggers, if any. */
  apply(c: number, item: ChannelItem): number | undefined {
    if (item.kind === ItemKind.Barrier) {
      this.barriers[c]!.add(item.checkpointId);
      this.maxSeen = Math.max(this.maxSeen, item.checkpointId);
    } else if (item.kind === ItemKind.End) this.ended[c] = true;
    else return undefined;
    const k = this.pending();
    if (k === undefined) return undefined;
    for (let i = 0; i < this.n; i++) if (!this.ended[i] && !this.barriers[i]!.has(k)) return undefined;
    this.lastTriggered = k;
    this.triggered.push(k);
    return k;
  }
}

/** One channel's content: records, barriers of increasing ids, maybe an end. */
const channelScript = (maxId: number) =>
  fc
    .tuple(
      fc.array(
        fc.oneof(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: maxId }).map((id) => -id),
        ),
        {
          maxLength: 12,
        },
      ),
      fc.boolean(),
    )
    .map(([steps, ends]) => {
      // positive: a batch of that many records; negative: a barrier (ids made increasing here)
      let lastId = 0;
      const items: ({ batch: number } | { barrier: number } | { end: true })[] = [];
      for (const s of steps) {
        if (s > 0) items.push({ batch: s });
        else if (-s > lastId) {
          lastId = -s;
          items.push({ barrier: lastId });
        }
      }
      if (ends) items.push({ end: true });
      return items;
    });

test("property: a subtask triggers each checkpoint exactly when all its barriers are in, and never processes a record behind a barrier before it", async () => {
  await fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }).chain((n) =>
        fc.tuple(
          fc.array(channelScript(5), { minLength: n, maxLength: n }),
          // schedule: push the next item of channel c (0..n-1), or step with a budget (n..)
          fc.array(
            fc.oneof(
              fc.integer({ min: 0, max: n - 1 }),
              fc.integer({ min: 1, max: 4 }).map((b) => -b),
            ),
            {
              maxLength: 80,
            },
          ),
        ),
      ),
      ([scripts, schedule]) => {
        const n = scripts.length;
        const log: Ev[] = [];
        const channels = scripts.map((_, c) => new LoggedChannel(log, c));
        const keeper = new RecordKeeper();
        const subtask = new Subtask({
          name: "keeper (1/1)",
          subtaskIndex: 0,
          operators: [keeper],
          operatorIds: ["keeper"],
          headMetrics: new OperatorMetrics("keeper", "keeper", 0),
          inputs: channels,
          writers: [],
          source: undefined,
          twoInput: false,
          keyedInputs: [false],
        });
        subtask.acknowledger = { acknowledge: (id) => log.push({ checkpoint: id }) };
        const next = scripts.map(() => 0);
        const seqs = scripts.map(() => 0);
        const model = new Model(n);
        let checked = 0;
        const push = (c: number): void => {
          const it = scripts[c]![next[c]!++];
          if (it === undefined) return;
          if ("batch" in it) {
            const values = Array.from({ length: it.batch }, () => ({ c, seq: seqs[c]!++ }));
            channels[c]!.push({ kind: ItemKind.Batch, values, timestamps: values.map(() => 0) });
          } else if ("barrier" in it) channels[c]!.push({ kind: ItemKind.Barrier, checkpointId: it.barrier });
          else channels[c]!.push({ kind: ItemKind.End });
        };
        /** Walks the log since the last check against the model. */
        const check = (): void => {
          while (checked < log.length) {
            const ev = log[checked++]!;
            assert.ok(
              "poll" in ev,
              `checkpoint ${(ev as { checkpoint: number }).checkpoint} triggered too early`,
            );
            const c = ev.poll;
            assert.ok(
              !model.isBlocked(c),
              `channel ${c} polled while blocked by checkpoint ${model.pending()}`,
            );
            const k = model.apply(c, ev.item);
            if (k !== undefined) {
              const after = log[checked++];
              assert.deepEqual(
                after,
                { checkpoint: k },
                `checkpoint ${k} should be triggered after this poll`,
              );
            }
          }
        };
        /** canStep() is true exactly when a channel the model does not block holds something. */
        const canStepMatches = (): void => {
          if (subtask.state !== "running") return;
          const expected = channels.some((ch, c) => !ch.isEmpty && !model.isBlocked(c));
          assert.equal(subtask.canStep(), expected);
        };
        for (const action of schedule) {
          if (action >= 0) push(action);
          else {
            canStepMatches();
            if (subtask.canStep()) subtask.step(-action);
            check();
          }
        }
        // Drain: everything pushed, step until the subtask can do no more.
        for (let c = 0; c < n; c++) while (next[c]! < scripts[c]!.length) push(c);
        for (;;) {
          canStepMatches();
          if (!subtask.canStep()) break;
          subtask.step(3);
          check();
        }
        // Records are processed exactly as polled (in channel order, none lost).
        const polled = log.flatMap((e) =>
          "poll" in e && e.item.kind === ItemKind.Batch ? (e.item.values as Rec[]) : [],
        );
        assert.deepEqual(keeper.processed, polled);
        // Stuck only behind a pending checkpoint whose barrier some open channel never delivers.
        const stuck = channels.some((ch) => !ch.isEmpty);
        if (stuck) assert.ok(model.pending() !== undefined);
        assert.equal(
          subtask.state === "finished",
          model.ended.every((e) => e),
        );
        assert.deepEqual(
          log.filter((e) => "checkpoint" in e).map((e) => (e as { checkpoint: number }).checkpoint),
          model.triggered,
        );
      },
    ),
    { numRuns: 400 },
  );
});

test("a subtask does not poll a channel that delivered barrier 1 until barrier 1 arrived on every channel", () => {
  const log: Ev[] = [];
  const channels = [new LoggedChannel(log, 0), new LoggedChannel(log, 1)];
  const keeper = new RecordKeeper();
  const subtask = new Subtask({
    name: "keeper (1/1)",
    subtaskIndex: 0,
    operators: [keeper],
    operatorIds: ["keeper"],
    headMetrics: new OperatorMetrics("keeper", "keeper", 0),
    inputs: channels,
    writers: [],
    source: undefined,
    twoInput: false,
    keyedInputs: [false],
  });
  const checkpoints: number[] = [];
  subtask.acknowledger = { acknowledge: (id) => checkpoints.push(id) };
  channels[0]!.push({ kind: ItemKind.Barrier, checkpointId: 1 });
  channels[0]!.push({ kind: ItemKind.Batch, values: [{ c: 0, seq: 0 }], timestamps: [0] });
  channels[1]!.push({ kind: ItemKind.Batch, values: [{ c: 1, seq: 0 }], timestamps: [0] });
  subtask.step(10);
  assert.deepEqual(keeper.processed, [{ c: 1, seq: 0 }]);
  assert.equal(subtask.canStep(), false, "channel 0 holds a record but is blocked by barrier 1");
  channels[1]!.push({ kind: ItemKind.Barrier, checkpointId: 1 });
  subtask.step(10);
  assert.deepEqual(checkpoints, [1]);
  assert.deepEqual(keeper.processed, [
    { c: 1, seq: 0 },
    { c: 0, seq: 0 },
  ]);
});

test("a checkpoint that times out during alignment is aborted and releases the blocked channel at once (as Flink)", async () => {
  const { CheckpointCoordinator } = await import("../../src/runtime/checkpoint-coordinator.js");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "fleuve-aligner-timeout-"));
  try {
    const log: Ev[] = [];
    const channels = [new LoggedChannel(log, 0), new LoggedChannel(log, 1)];
    const keeper = new RecordKeeper();
    const subtask = new Subtask({
      name: "keeper (1/1)",
      subtaskIndex: 0,
      operators: [keeper],
      operatorIds: ["keeper"],
      headMetrics: new OperatorMetrics("keeper", "keeper", 0),
      inputs: channels,
      writers: [],
      source: undefined,
      twoInput: false,
      keyedInputs: [false],
    });
    const lines: string[] = [];
    let now = 0;
    const coordinator = new CheckpointCoordinator({
      checkpointing: {
        dir,
        intervalMs: 1_000_000,
        minPauseMs: 0,
        timeoutMs: 100,
        maxConcurrent: 1,
        retained: 1,
        storage: undefined as never,
      },
      jobName: "aligner-timeout",
      maxParallelism: 128,
      subtasks: [{ subtask, file: "task-keeper-0.bin", isSource: false, parallelism: 1 }],
      layout: {},
      firstCheckpointId: 1,
      log: (l) => lines.push(l),
      clock: () => now,
    });
    subtask.acknowledger = coordinator;
    const id = coordinator.trigger(now);
    // Barrier 1 comes on channel 0 only (channel 1's upstream is stuck): channel 0 is blocked.
    channels[0]!.push({ kind: ItemKind.Barrier, checkpointId: id });
    channels[0]!.push({ kind: ItemKind.Batch, values: [{ c: 0, seq: 0 }], timestamps: [0] });
    subtask.step(10);
    assert.equal(subtask.canStep(), false, "channel 0 is blocked by barrier 1");
    now = 1_000;
    coordinator.tick(now);
    assert.ok(
      // The reason names the checkpoint's folder too (its write may be what timed out).
      lines.some((l) => l.startsWith(`checkpoint ${id} aborted: timed out after 100 ms (target ${dir}`)),
      lines.join(" | "),
    );
    assert.equal(subtask.canStep(), true, "the timed-out checkpoint released channel 0");
    subtask.step(10);
    assert.deepEqual(
      keeper.processed,
      [{ c: 0, seq: 0 }],
      "the record behind the aborted barrier is processed",
    );
    // Its barrier arriving late on channel 1 is ignored: nothing blocks, nothing is triggered.
    channels[1]!.push({ kind: ItemKind.Barrier, checkpointId: id });
    channels[1]!.push({ kind: ItemKind.Batch, values: [{ c: 1, seq: 0 }], timestamps: [0] });
    subtask.step(10);
    assert.deepEqual(keeper.processed, [
      { c: 0, seq: 0 },
      { c: 1, seq: 0 },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
