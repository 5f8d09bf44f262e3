/**
 * The changelog state backend: random state changes with checkpoints that complete late, out of
 * order or never, restored from the newest completed one, must equal the state when that
 * checkpoint was taken (a brute-force copy); and whole jobs with failures and rescaling
 * savepoints give the exact output.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { deserialize, serialize } from "node:v8";
import fc from "fast-check";
import {
  changelogStateBackend,
  type ExternalKeyedStateSnapshot,
  type HeapKeyedStateSnapshot,
  type Key,
  type KeyedStateBackend,
  listState,
  mapState,
  memoryChangelog,
  normalizeKey,
  valueState,
} from "../../src/index.js";
import {
  FakeTransactionalStore as FakeStore,
  recoveryJob as job,
  recoveryOracle as oracle,
} from "../../src/testing/suites/index.js";

const MAX_P = 16;
const ctx = {
  maxParallelism: MAX_P,
  clock: () => 0,
  jobName: "j",
  operatorId: "op",
  subtaskIndex: 0,
  parallelism: 1,
};

type Action =
  | { t: "value"; k: number; x: number | null }
  | { t: "list"; k: number; x: number }
  | { t: "map"; k: number; mk: string; x: number | null }
  | { t: "table"; k: number; x: number | null }
  | { t: "snap" }
  | { t: "complete"; pick: number }
  | { t: "lose"; pick: number };

const keyOf = (k: number): Key => (k % 3 === 0 ? ["c", k] : k); // some composite keys (raw keys kept apart)

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant("value" as const), k: fc.nat(12), x: fc.option(fc.nat(99)) }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("list" as const), k: fc.nat(12), x: fc.nat(99) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("map" as const),
      k: fc.nat(12),
      mk: fc.constantFrom("a", "b", "c"),
      x: fc.option(fc.nat(99)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("table" as const), k: fc.nat(12), x: fc.option(fc.nat(99)) }),
  },
  { weight: 2, arbitrary: fc.constant({ t: "snap" as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("complete" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("lose" as const), pick: fc.nat() }) },
);

/** name -> sorted [normalized key, entry] of the key groups in `range`: what must be restored. */
function canonical(s: HeapKeyedStateSnapshot, range = { start: 0, end: MAX_P - 1 }) {
  const out: Record<string, [unknown, unknown][]> = {};
  for (const [kg, byName] of Object.entries(s.keyGroups)) {
    if (Number(kg) < range.start || Number(kg) > range.end) continue;
    for (const [name, entries] of Object.entries(byName)) (out[name] ??= []).push(...entries);
  }
  for (const name of Object.keys(out)) {
    out[name]!.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    if (out[name]!.length === 0) delete out[name];
  }
  return out;
}

function apply(b: KeyedStateBackend, a: Action): void {
  if (!("k" in a)) return;
  const key = keyOf(a.k);
  b.setCurrentKey(key, normalizeKey(key));
  switch (a.t) {
    case "value": {
      const s = b.getState(valueState<number>("v"));
      if (a.x === null) s.clear();
      else s.update(a.x);
      break;
    }
    case "list":
      b.getState(listState<number>("l")).add(a.x);
      break;
    case "map": {
      const s = b.getState(mapState<string, number>("m"));
      if (a.x === null) s.remove(a.mk);
      else s.put(a.mk, a.x);
      break;
    }
    case "table": {
      // operators mutate table entries in place: the backend must still see the change
      const t = b.getTable<{ xs: number[] }>("t");
      if (a.x === null) t.delete();
      else {
        const e = t.get();
        if (e) e.xs.push(a.x);
        else t.set({ xs: [a.x] });
      }
      break;
    }
  }
}

interface Taken {
  snap: ExternalKeyedStateSnapshot;
  folder: string;
  expected: HeapKeyedStateSnapshot;
}

/** One random run: apply `actions`, then restore the retained checkpoints and compare. */
async function checkRun(dir: string, actions: Action[], every: number, retained: number): Promise<void> {
  const changelog = memoryChangelog();
  const factory = changelogStateBackend(changelog, {
    materializeEvery: every,
    retainedCheckpoints: retained,
    chunkBytes: 64, // many chunks
  });
  const b = factory(ctx);
  const pending: Taken[] = [];
  const completed: Taken[] = [];
  let id = 0;
  const complete = async (c: Taken) => {
    // what the checkpoint coordinator does: files into the folder, wait, then onComplete
    mkdirSync(join(dir, c.folder), { recursive: true });
    let n = 0;
    for (const f of c.snap.files) {
      f.name = `state-${n++}`;
      writeFileSync(join(dir, c.folder, f.name), f.data!);
      delete f.data;
    }
    await c.snap.persist?.();
    c.snap.onComplete?.(c.folder);
    completed.push(c);
  };
  for (const a of actions) {
    if (a.t === "snap") {
      const snap = b.snapshot() as ExternalKeyedStateSnapshot;
      const expected = deserialize(serialize(snap.standalone!())) as HeapKeyedStateSnapshot;
      pending.push({ snap, folder: `chk-${++id}`, expected });
    } else if (a.t === "complete" || a.t === "lose") {
      if (pending.length === 0) continue;
      // mostly in order, as a coordinator completes them; sometimes any pending one
      const at = a.pick % 3 === 0 ? a.pick % pending.length : 0;
      const [c] = pending.splice(at, 1);
      if (a.t === "complete") await complete(c!);
    } else apply(b, a);
  }
  // the newest completed checkpoints that retention keeps must all restore
  const newest = completed.sort((x, y) => Number(y.folder.slice(4)) - Number(x.folder.slice(4)));
  for (const c of newest.slice(0, retained)) {
    const snap = structuredClone(c.snap);
    for (const f of snap.files) f.path = join(dir, c.folder, f.name!);
    for (const r of snap.references) r.path = join(dir, r.folder!, r.name!);
    await factory.prepareRestore!([snap]);
    // restore all key groups, and the two halves separately (as at parallelism 2)
    for (const range of [
      { start: 0, end: MAX_P - 1 },
      { start: 0, end: 7 },
      { start: 8, end: MAX_P - 1 },
    ]) {
      const r = factory(ctx);
      r.restore([snap], range);
      const got = canonical(
        deserialize(serialize((r.snapshot() as ExternalKeyedStateSnapshot).standalone!())),
      ); // all it holds: nothing of other key groups
      assert.deepEqual(
        got,
        canonical(c.expected, range),
        `restore of ${c.folder} in ${JSON.stringify(range)}`,
      );
    }
  }
}

test("changelog backend: the newest completed checkpoint restores the state it was taken at (random changes and completions)", async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-changelog-"));
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: 20, maxLength: 200, size: "max" }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        (actions, every, retained) => checkRun(join(root, `r${run++}`), actions, every, retained),
      ),
      { numRuns: 150 },
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("changelog backend: deltas go to the changelog and old records are released", async () => {
  const changelog = memoryChangelog();
  const factory = changelogStateBackend(changelog, { materializeEvery: 3 });
  const b = factory(ctx);
  const dir = mkdtempSync(join(tmpdir(), "fleuve-changelog-"));
  try {
    const kinds: string[] = [];
    for (let cp = 1; cp <= 12; cp++) {
      for (let k = 0; k < 50; k++) apply(b, { t: "value", k, x: cp * 100 + k });
      const snap = b.snapshot() as ExternalKeyedStateSnapshot;
      kinds.push(snap.files.length > 0 ? "full" : "delta");
      for (const f of snap.files) {
        f.name = "s";
        mkdirSync(join(dir, `chk-${cp}`), { recursive: true });
        writeFileSync(join(dir, `chk-${cp}`, "s"), f.data!);
        delete f.data;
      }
      await snap.persist?.();
      snap.onComplete?.(`chk-${cp}`);
    }
    assert.deepEqual(kinds, [
      "full",
      "delta",
      "delta",
      "full",
      "delta",
      "delta",
      "full",
      "delta",
      "delta",
      "full",
      "delta",
      "delta",
    ]);
    // 8 deltas of one chunk each were appended; with one retained checkpoint the changelog keeps
    // the records of the two newest materializations' writers (7 and 10): deltas 8, 9, 11, 12
    assert.equal(changelog.chunks, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("changelog backend: materializeIntervalMs takes a full copy by time, whatever the number of snapshots", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-changelog-"));
  /** Takes snapshot `cp` and completes it; "full" or "delta". */
  const snapAndComplete = async (b: KeyedStateBackend, cp: number) => {
    for (let k = 0; k < 5; k++) apply(b, { t: "value", k, x: cp * 10 + k });
    const snap = b.snapshot() as ExternalKeyedStateSnapshot;
    for (const f of snap.files) {
      f.name = "s";
      mkdirSync(join(dir, `chk-${cp}`), { recursive: true });
      writeFileSync(join(dir, `chk-${cp}`, "s"), f.data!);
      delete f.data;
    }
    await snap.persist?.();
    snap.onComplete?.(`chk-${cp}`);
    return snap.files.length > 0 ? "full" : "delta";
  };
  try {
    // An hour apart: 40 snapshots (a count that materializeEvery's default, 10, would cut) stay deltas.
    const hourly = changelogStateBackend(memoryChangelog(), { materializeIntervalMs: 3_600_000 })(ctx);
    const kinds: string[] = [];
    for (let cp = 1; cp <= 40; cp++) kinds.push(await snapAndComplete(hourly, cp));
    assert.deepEqual(kinds, ["full", ...Array<string>(39).fill("delta")]);
    // 1 ms apart: once a millisecond has passed since the last full copy, the next one is full.
    const often = changelogStateBackend(memoryChangelog(), { materializeIntervalMs: 1 })(ctx);
    assert.equal(await snapAndComplete(often, 101), "full");
    const since = performance.now();
    while (performance.now() - since < 2) {} // a condition on the clock, not a timed assertion
    assert.equal(await snapAndComplete(often, 102), "full");
    // Both: whichever comes first (here the count).
    const both = changelogStateBackend(memoryChangelog(), {
      materializeIntervalMs: 3_600_000,
      materializeEvery: 2,
    })(ctx);
    const k2: string[] = [];
    for (let cp = 201; cp <= 205; cp++) k2.push(await snapAndComplete(both, cp));
    assert.deepEqual(k2, ["full", "delta", "full", "delta", "full"]);
    assert.throws(
      () => changelogStateBackend(memoryChangelog(), { materializeIntervalMs: 0 }),
      /option 'materializeIntervalMs' must be an integer >= 1/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("failures in the middle of a job on the changelog backend: the committed output is exact", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-cl-"));
  try {
    const n = 60_000;
    const store = new FakeStore();
    const changelog = memoryChangelog();
    const restores: string[] = [];
    const fetched: string[] = [];
    const env = job(dir, store, n, [11_111, 30_333, 52_222], {
      stateBackend: changelogStateBackend(changelog, { materializeEvery: 4 }),
      log: (l) => {
        if (l.startsWith("restoring checkpoint")) restores.push(l);
        if (l.startsWith("restoring keyed state")) fetched.push(l);
      },
    });
    await env.executeAsync("recovery-changelog").result;
    assert.equal(restores.length, 3, `restored after each failure: ${restores.join("; ")}`);
    assert.equal(fetched.length, 3, `each restore fetched its keyed state: ${fetched.join("; ")}`);
    assert.deepEqual(store.committed.slice().sort(), oracle(n));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("savepoints of a changelog job stand alone: rescale 2 -> 3 on the changelog backend, then 1 on the heap backend", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-cl-sp-"));
  try {
    const n = 80_000;
    const store = new FakeStore();
    let restoreFrom: string | undefined;
    for (const [k, parallelism] of [2, 3].entries()) {
      const run = job(join(dir, `cp${k}`), store, n, [], {
        parallelism,
        restoreFrom,
        // a fresh changelog each run: the savepoint must not need the old one
        stateBackend: changelogStateBackend(memoryChangelog(), { materializeEvery: 3 }),
      }).executeAsync(`p${parallelism}`);
      await new Promise((r) => setTimeout(r, 60));
      restoreFrom = await run.stopWithSavepoint(join(dir, `sp-${k}`));
      await run.result;
    }
    assert.ok(store.committed.length < oracle(n).length, "stopped before the end");
    await job(join(dir, "cp-last"), store, n, [], { parallelism: 1, restoreFrom }).executeAsync("p1").result;
    assert.deepEqual(store.committed.slice().sort(), oracle(n));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
