/**
 * Union list state across restore cycles (Flink's union redistribution: every restored subtask
 * reads the entries of all old subtasks). Restored entries the subtasks all kept as they were come
 * back once, not once per subtask, so an untouched union stays the same over any number of
 * savepoints and rescales; restored entries that differ between subtasks (a unit restarted alone,
 * an entry changed in place) all come back: no entry is lost, not even by a reader of `unions` only.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { deserialize, serialize } from "node:v8";
import fc from "fast-check";
import { operatorListsFor } from "../../src/checkpoint/restore.js";
import { OneInputOperator, type OperatorRestore, type OperatorSnapshot } from "../../src/spi/operator.js";
import { OperatorStateStore } from "../../src/spi/operator-state.js";
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

/** A checkpoint as a restore loads it: the subtasks' operator snapshots, written and read back. */
function loaded(stores: readonly OperatorStateStore[]): OperatorSnapshot[] {
  return deserialize(serialize(stores.map((st) => ({ operator: st.snapshot() }))));
}

/** Subtask `index` of `parallelism` restored from `cp`. */
function restored(cp: readonly OperatorSnapshot[], index = 0, parallelism = 1): OperatorStateStore {
  const st = new OperatorStateStore();
  st.restore({}, {}, operatorListsFor(cp, index, parallelism).unions);
  return st;
}

/** What a Fleuve that reads only `unions` hands out: every old subtask's list, one after the other. */
function readOnlyUnions(cp: readonly OperatorSnapshot[]): unknown[] {
  return cp.flatMap((s) => s.operator?.unions?.[NAME] ?? []);
}

const sorted = (vs: readonly unknown[]) => vs.map((v) => JSON.stringify(v)).sort();

test("a scale-out unit restarted alone from its own checkpoint keeps what it added: the next savepoint loses nothing", () => {
  const savepoint = loaded(
    [new OperatorStateStore(), new OperatorStateStore()].map((st, i) => {
      st.getUnionListState<string>(NAME).add(`s${i}`);
      return st;
    }),
  );
  const unit0 = restored(savepoint, 0, 2);
  const unit1 = restored(savepoint, 1, 2);
  unit1.getUnionListState<string>(NAME).add("a");
  const unit1Again = restored(loaded([unit1]));
  const next = loaded([unit0, unit1Again]);
  const union = restored(next).getUnionListState<string>(NAME).get();
  for (const e of ["s0", "s1", "a"]) assert.ok(union.includes(e), `${e} in ${union}`);
  for (const e of ["s0", "s1", "a"]) assert.ok(readOnlyUnions(next).includes(e));
});

test("restored entries a subtask changed in place are kept beside those another subtask left as they were", () => {
  const first = loaded([
    (() => {
      const st = new OperatorStateStore();
      st.getUnionListState<{ w: number }>(NAME).update([{ w: 1 }, { w: 2 }]);
      return st;
    })(),
  ]);
  // Both from the one loaded checkpoint, as in one thread: a's change must not reach b.
  const a = restored(first, 0, 2);
  const b = restored(first, 1, 2);
  (a.getUnionListState<{ w: number }>(NAME).get()[0] as { w: number }).w = 5;
  const union = restored(loaded([a, b]))
    .getUnionListState<{ w: number }>(NAME)
    .get();
  assert.deepEqual(sorted(union), sorted([{ w: 5 }, { w: 2 }, { w: 1 }, { w: 2 }]));
});

test("a savepoint written before unionsRestored (each list whole) restores every entry", () => {
  const before: OperatorSnapshot[] = [
    { operator: { lists: {}, broadcast: {}, unions: { [NAME]: ["a"] } } },
    { operator: { lists: {}, broadcast: {}, unions: { [NAME]: ["b", "c"] } } },
  ];
  const st = restored(before);
  assert.deepEqual(st.getUnionListState(NAME).get(), ["a", "b", "c"]);
  // Left untouched, they stay once each at the next restore.
  assert.deepEqual(
    restored(loaded([st, restored(before)]))
      .getUnionListState(NAME)
      .get(),
    ["a", "b", "c"],
  );
});

/** An entry: `id` unique, `v` what an in-place change alters. */
interface Entry {
  id: string;
  v: number;
}

/** What a subtask does to its union list in a cycle. */
type Step =
  | { readonly kind: "keep" }
  | { readonly kind: "add"; readonly n: number }
  | { readonly kind: "update"; readonly n: number }
  | { readonly kind: "clear" }
  | { readonly kind: "mutate"; readonly at: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.constant<Step>({ kind: "keep" }), weight: 3 },
  fc.constant<Step>({ kind: "clear" }),
  fc.integer({ min: 1, max: 2 }).map((n): Step => ({ kind: "add", n })),
  fc.integer({ min: 0, max: 2 }).map((n): Step => ({ kind: "update", n })),
  fc.nat(5).map((at): Step => ({ kind: "mutate", at })),
);

interface Cycle {
  readonly p: number;
  readonly steps: readonly Step[];
  /** A subtask (taken modulo p) that restarts alone from its own checkpoint, then does `after`. */
  readonly alone?: { readonly subtask: number; readonly after: Step };
}

const cycleArb: fc.Arbitrary<Cycle> = fc.integer({ min: 1, max: 4 }).chain((p) =>
  fc.record(
    {
      p: fc.constant(p),
      steps: fc.array(stepArb, { minLength: p, maxLength: p }),
      alone: fc.record({ subtask: fc.nat(3), after: stepArb }),
    },
    { requiredKeys: ["p", "steps"] },
  ),
);

test("over random rescales, in-place changes and units restarted alone, no entry is lost, and untouched unions do not grow", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.array(cycleArb, { minLength: 1, maxLength: 6 }),
      (p0, cycles) => {
        let next = 0;
        let added: Entry[] = [];
        const fresh = (): Entry => {
          const e = { id: `e${next++}`, v: 0 };
          added.push(e);
          return e;
        };
        const apply = (st: OperatorStateStore, step: Step): void => {
          const u = st.getUnionListState<Entry>(NAME);
          if (step.kind === "add") for (let i = 0; i < step.n; i++) u.add(fresh());
          else if (step.kind === "update") u.update(Array.from({ length: step.n }, fresh));
          else if (step.kind === "clear") u.clear();
          else if (step.kind === "mutate") {
            const e = u.get()[step.at];
            if (e !== undefined) e.v++;
          }
        };
        let checkpoint = loaded(
          Array.from({ length: p0 }, () => {
            const st = new OperatorStateStore();
            st.getUnionListState<Entry>(NAME).add(fresh());
            return st;
          }),
        );
        let union: readonly Entry[] = restored(checkpoint).getUnionListState<Entry>(NAME).get();
        for (const { p, steps, alone } of cycles) {
          added = [];
          const stores = steps.map((step, i) => {
            const st = restored(checkpoint, i, p);
            assert.deepEqual(st.getUnionListState(NAME).get(), union, "every subtask reads the same union");
            apply(st, step);
            return st;
          });
          if (alone !== undefined) {
            const i = alone.subtask % p;
            stores[i] = restored(loaded([stores[i] as OperatorStateStore]));
            apply(stores[i] as OperatorStateStore, alone.after);
          }
          // Everything some subtask holds at the savepoint.
          const held = new Set(
            stores.flatMap((st) =>
              st
                .getUnionListState<Entry>(NAME)
                .get()
                .map((e) => JSON.stringify(e)),
            ),
          );
          const onlyAdded = alone === undefined && steps.every((s) => s.kind === "keep" || s.kind === "add");
          checkpoint = loaded(stores);
          for (const e of readOnlyUnions(checkpoint)) assert.ok(held.has(JSON.stringify(e)));
          assert.deepEqual(
            new Set(sorted(readOnlyUnions(checkpoint))),
            held,
            "a reader of unions alone loses nothing",
          );
          const after = restored(checkpoint).getUnionListState<Entry>(NAME).get();
          assert.deepEqual(new Set(sorted(after)), held, "no entry lost, none made up");
          if (onlyAdded)
            assert.deepEqual(
              sorted(after),
              sorted([...union, ...added]),
              "the restored entries once, and what was added",
            );
          union = after;
        }
      },
    ),
    { numRuns: 300 },
  );
});
