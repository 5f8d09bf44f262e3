/**
 * Union list state across restore cycles (Flink's union redistribution: every restored subtask
 * reads the entries of all old subtasks). A subtask that keeps what it restored untouched does not
 * write it back once per subtask: the union a restore hands out is what the subtasks put in it
 * (the restored entries once while any subtask keeps them, and what each added or replaced them
 * with), so it stays the same size over any number of savepoints and rescales.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { OneInputOperator, type OperatorRestore, type OperatorSnapshot } from "../../src/spi/operator.js";
import { OneInputOperatorHarness } from "../../src/testing/index.js";

/** What a subtask does to the union list before its snapshot. */
type Action =
  | { readonly kind: "keep" }
  | { readonly kind: "add"; readonly values: readonly string[] }
  | { readonly kind: "update"; readonly values: readonly string[] }
  | { readonly kind: "clear" };

const NAME = "u";

/** Adds `s<index>` to union list `u` when it starts fresh; restored, reads it and does `action`. */
class UnionUser extends OneInputOperator<never, never> {
  restored: readonly string[] | undefined;
  constructor(private readonly action: Action) {
    super();
  }
  override initializeState(restore: OperatorRestore): void {
    super.initializeState(restore);
    this.restored = [...this.runtime.operatorState.getUnionListState<string>(NAME).get()];
  }
  override open(): void {
    if (this.restored === undefined)
      this.runtime.operatorState.getUnionListState<string>(NAME).add(`s${this.runtime.subtaskIndex}`);
  }
  override snapshotState(checkpointId: number): OperatorSnapshot {
    const u = this.runtime.operatorState.getUnionListState<string>(NAME);
    const a = this.action;
    if (a.kind === "add") for (const v of a.values) u.add(v);
    else if (a.kind === "update") u.update(a.values);
    else if (a.kind === "clear") u.clear();
    return super.snapshotState(checkpointId);
  }
  processElement(): void {}
}

/**
 * Runs `parallelism` subtasks restored from `from` (fresh when undefined), subtask i doing
 * `actions[i]`: what each read on restore, and their snapshots.
 */
function cycle(
  from: readonly OperatorSnapshot[] | undefined,
  parallelism: number,
  actions: readonly Action[] = [],
): { read: (readonly string[] | undefined)[]; snapshots: OperatorSnapshot[] } {
  const read: (readonly string[] | undefined)[] = [];
  const snapshots: OperatorSnapshot[] = [];
  for (let subtaskIndex = 0; subtaskIndex < parallelism; subtaskIndex++) {
    const op = new UnionUser(actions[subtaskIndex] ?? { kind: "keep" });
    const h = new OneInputOperatorHarness(op, {
      parallelism,
      subtaskIndex,
      ...(from === undefined ? {} : { restoreFrom: from }),
    });
    h.open();
    read.push(op.restored);
    snapshots.push(h.snapshot());
  }
  return { read, snapshots };
}

test("a union list no subtask touches after the restore stays as it was over savepoint cycles at parallelism 2", () => {
  let { snapshots } = cycle(undefined, 2);
  for (let n = 0; n < 5; n++) {
    const c = cycle(snapshots, 2);
    assert.deepEqual(c.read, [
      ["s0", "s1"],
      ["s0", "s1"],
    ]);
    snapshots = c.snapshots;
  }
});

test("rescaled 2 -> 3 -> 1 -> 2, every subtask reads the entries of the first run, once each", () => {
  let { snapshots } = cycle(undefined, 2);
  for (const p of [3, 1, 2]) {
    const c = cycle(snapshots, p);
    assert.deepEqual(
      c.read,
      Array.from({ length: p }, () => ["s0", "s1"]),
      `at parallelism ${p}`,
    );
    snapshots = c.snapshots;
  }
});

test("subtasks that replace their entries (as the window operator's watermark) hand out only those", () => {
  const first = cycle(undefined, 2).snapshots;
  const second = cycle(first, 3, [
    { kind: "update", values: ["w0"] },
    { kind: "update", values: ["w1"] },
    { kind: "clear" },
  ]);
  assert.deepEqual(cycle(second.snapshots, 1).read, [["w0", "w1"]]);
});

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.constant<Action>({ kind: "keep" }),
  fc.constant<Action>({ kind: "clear" }),
  fc.array(fc.string({ maxLength: 2 }), { maxLength: 2 }).map((values): Action => ({ kind: "add", values })),
  fc
    .array(fc.string({ maxLength: 2 }), { maxLength: 2 })
    .map((values): Action => ({ kind: "update", values })),
);

test("over random parallelisms and random actions, each restore hands out the model's union", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.array(
        fc
          .integer({ min: 1, max: 4 })
          .chain((p) => fc.array(actionArb, { minLength: p, maxLength: p }).map((as) => ({ p, as }))),
        { minLength: 1, maxLength: 6 },
      ),
      (p0, cycles) => {
        let { snapshots } = cycle(undefined, p0);
        // The model: the concatenation, by subtask, of what each subtask holds as its own, the
        // restored entries taking the place of the first subtask that kept them (once).
        let union = Array.from({ length: p0 }, (_, i) => `s${i}`);
        for (const { p, as } of cycles) {
          const c = cycle(snapshots, p, as);
          for (const r of c.read) assert.deepEqual(r, union);
          const next: string[] = [];
          let kept = false;
          for (const a of as) {
            if ((a.kind === "keep" || a.kind === "add") && !kept) {
              kept = true;
              next.push(...union);
            }
            if (a.kind === "add" || a.kind === "update") next.push(...a.values);
          }
          union = next;
          snapshots = c.snapshots;
        }
        assert.deepEqual(cycle(snapshots, 1).read[0], union);
      },
    ),
    { numRuns: 300 },
  );
});
