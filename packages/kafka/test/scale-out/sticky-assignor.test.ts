/**
 * Property tests of the sticky assignor: every unit is assigned exactly once, members are within
 * one unit of each other per task and in total, and from a balanced assignment a member leaving
 * moves only its own units, and a member joining takes only its share, from the others. And of its
 * two-phase rule (KIP-429): a unit owned by a live, running member is never given to another
 * member in the same generation; once the owners rejoin without the revoked units, the second
 * rebalance revokes nothing and ends balanced.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type Assignment,
  type MemberClaim,
  movedUnits,
  ownersOf,
  type RunningClaim,
  stickyAssign,
  twoPhaseAssign,
} from "../../src/scale-out/sticky-assignor.js";

/** A job's units: `taskOf[u]` is the task of unit u (tasks of 1..8 subtasks). */
const job = fc
  .array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 })
  .map((sizes) => sizes.flatMap((n, task) => new Array<number>(n).fill(task)));

const memberIds = (n: number) => Array.from({ length: n }, (_, i) => `m${String(i).padStart(2, "0")}`);

/** Claims of members that own nothing yet (a cold start). */
const fresh = (ids: readonly string[]) =>
  new Map<string, MemberClaim>(ids.map((id) => [id, { owned: [], generation: -1 }]));

/** The claims members make after receiving `a` in generation `generation`. */
const claimsOf = (a: Assignment, generation: number) =>
  new Map<string, MemberClaim>([...a].map(([id, owned]) => [id, { owned, generation }]));

const ownerOf = (a: Assignment) => {
  const m = new Map<number, string>();
  for (const [id, units] of a) for (const u of units) m.set(u, id);
  return m;
};

/** Asserts the invariants: exactly once, and balanced per task and in total. */
function checkBalanced(a: Assignment, taskOf: readonly number[], ids: readonly string[]): void {
  assert.deepEqual([...a.keys()].sort(), [...ids].sort());
  const all = [...a.values()].flat().sort((x, y) => x - y);
  assert.deepEqual(
    all,
    taskOf.map((_, u) => u),
    "every unit exactly once",
  );
  const totals = [...a.values()].map((us) => us.length);
  assert.ok(Math.max(...totals) - Math.min(...totals) <= 1, `total balance: ${totals}`);
  for (const t of new Set(taskOf)) {
    const per = [...a.values()].map((us) => us.filter((u) => taskOf[u] === t).length);
    assert.ok(Math.max(...per) - Math.min(...per) <= 1, `task ${t} balance: ${per}`);
  }
}

test("any claims: every unit assigned exactly once, balanced per task and in total", () => {
  fc.assert(
    fc.property(
      job,
      fc.integer({ min: 1, max: 7 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: -1, max: 4 })), { maxLength: 60 }),
      (taskOf, n, raw) => {
        const ids = memberIds(n);
        // arbitrary, overlapping and out-of-range claims with arbitrary generations
        const claims = new Map<string, { owned: number[]; generation: number }>(
          ids.map((id, i) => [id, { owned: [], generation: i % 3 }]),
        );
        raw.forEach(([u, g], i) => {
          const c = claims.get(ids[i % n]!)!;
          c.owned.push(u % (taskOf.length + 2));
          c.generation = g;
        });
        checkBalanced(stickyAssign(claims, taskOf), taskOf, ids);
      },
    ),
    { numRuns: 500 },
  );
});

/**
 * From a balanced assignment `before` of `ids`: member `gone` leaves, then a new member "zz" joins.
 * Checks that each step moves the fewest units (brute force), that the leaver's units all move,
 * and, if `exact`, that nothing else moves: on leaving only its units, on joining only the units
 * the new member gets.
 */
function leaveThenJoin(
  taskOf: readonly number[],
  ids: readonly string[],
  gone: string,
  exact: boolean,
): void {
  const before = stickyAssign(fresh(ids), taskOf);
  checkBalanced(before, taskOf, ids);
  // the same members again: nothing moves
  assert.deepEqual(movedUnits(ownerOf(before), stickyAssign(claimsOf(before, 1), taskOf)), []);

  const claims = claimsOf(before, 1);
  claims.delete(gone);
  const afterLeave = stickyAssign(claims, taskOf);
  const survivors = ids.filter((id) => id !== gone);
  checkBalanced(afterLeave, taskOf, survivors);
  const movedOnLeave = movedUnits(ownerOf(before), afterLeave);
  assert.equal(movedOnLeave.length, fewestMoves(claims, undefined, taskOf, survivors.length));
  for (const u of before.get(gone)!) assert.ok(movedOnLeave.includes(u));
  if (exact)
    assert.deepEqual(
      movedOnLeave,
      before.get(gone)!.sort((a, b) => a - b),
    );

  const joined = new Map([...claimsOf(afterLeave, 2), ["zz", { owned: [], generation: -1 }]]);
  const back = stickyAssign(joined, taskOf);
  checkBalanced(back, taskOf, [...survivors, "zz"]);
  const movedOnJoin = movedUnits(ownerOf(afterLeave), back);
  assert.equal(movedOnJoin.length, fewestMoves(claimsOf(afterLeave, 2), "zz", taskOf, ids.length));
  if (exact)
    assert.deepEqual(
      movedOnJoin,
      back.get("zz")!.sort((a, b) => a - b),
    );
}

test("a member leaving or joining moves the fewest units (any job shape)", () => {
  fc.assert(
    fc.property(
      fc
        .array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 })
        .map((sizes) => sizes.flatMap((n, task) => new Array<number>(n).fill(task))),
      fc.integer({ min: 1, max: 3 }),
      fc.nat(),
      (taskOf, n, pick) => {
        const ids = memberIds(n + 1);
        leaveThenJoin(taskOf, ids, ids[pick % ids.length]!, false);
      },
    ),
    { numRuns: 500 },
  );
});

/**
 * Brute force: the fewest units that must move from `claims` (no conflicting claims) to a balanced
 * assignment over the claiming members plus `joiner` (if given): tries every choice of which
 * members run one unit more than ⌊n/m⌋ of each task, keeping totals within one.
 */
function fewestMoves(
  claims: ReadonlyMap<string, MemberClaim>,
  joiner: string | undefined,
  taskOf: readonly number[],
  m: number,
): number {
  const ids = [...claims.keys(), ...(joiner === undefined ? [] : [joiner])];
  assert.equal(ids.length, m);
  const tasks = [...new Set(taskOf)];
  const owns = (id: string, t: number) => (claims.get(id)?.owned ?? []).filter((u) => taskOf[u] === t).length;
  const subsets = (k: number): number[][] => {
    const out: number[][] = [];
    for (let mask = 0; mask < 1 << m; mask++) {
      const s = ids.map((_, i) => i).filter((i) => mask & (1 << i));
      if (s.length === k) out.push(s);
    }
    return out;
  };
  let bestKept = -1;
  const walk = (ti: number, extras: number[][]) => {
    if (ti === tasks.length) {
      const totals = ids.map((_, i) =>
        tasks.reduce(
          (a, t, k) =>
            a + Math.floor(taskOf.filter((x) => x === t).length / m) + (extras[k]!.includes(i) ? 1 : 0),
          0,
        ),
      );
      if (Math.max(...totals) - Math.min(...totals) > 1) return;
      let kept = 0;
      tasks.forEach((t, k) => {
        const n = taskOf.filter((x) => x === t).length;
        ids.forEach((id, i) => {
          kept += Math.min(owns(id, t), Math.floor(n / m) + (extras[k]!.includes(i) ? 1 : 0));
        });
      });
      bestKept = Math.max(bestKept, kept);
      return;
    }
    const n = taskOf.filter((x) => x === tasks[ti]).length;
    for (const s of subsets(n % m)) walk(ti + 1, [...extras, s]);
  };
  walk(0, []);
  return taskOf.length - bestKept;
}

test("from any ownership, the fewest units move (brute force over balanced assignments)", () => {
  fc.assert(
    fc.property(
      fc
        .array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 })
        .map((sizes) => sizes.flatMap((n, task) => new Array<number>(n).fill(task))),
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (taskOf, m, owners) => {
        const ids = memberIds(m);
        // each unit owned by one member or by nobody (a member that is gone)
        const claims = new Map<string, MemberClaim>(
          ids.map((id, i) => [
            id,
            { owned: taskOf.map((_, u) => u).filter((u) => (owners[u] ?? u) % (m + 1) === i), generation: 1 },
          ]),
        );
        const before = new Map<number, string>();
        for (const [id, c] of claims) for (const u of c.owned) before.set(u, id);
        const after = stickyAssign(claims, taskOf);
        checkBalanced(after, taskOf, ids);
        assert.equal(movedUnits(before, after).length, fewestMoves(claims, undefined, taskOf, m));
      },
    ),
    { numRuns: 500 },
  );
});

test("a stale claim (older generation) loses the unit to the newer owner", () => {
  const taskOf = [0, 0, 0, 0];
  const a = stickyAssign(
    new Map([
      ["a", { owned: [0, 1, 2], generation: 3 }],
      ["b", { owned: [2, 3], generation: 5 }],
    ]),
    taskOf,
  );
  assert.deepEqual(a.get("b"), [2, 3]);
  assert.deepEqual(a.get("a"), [0, 1]);
});

test("the example of issue 11: 3 processes, 6 units per task, one dies: 2 units per task move", () => {
  const taskOf = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2];
  const ids = ["a", "b", "c"];
  const before = stickyAssign(fresh(ids), taskOf);
  for (const id of ids)
    assert.deepEqual(
      before
        .get(id)!
        .map((u) => taskOf[u])
        .sort(),
      [0, 0, 1, 1, 2, 2],
    );
  const claims = claimsOf(before, 1);
  claims.delete("c");
  const after = stickyAssign(claims, taskOf);
  assert.deepEqual(movedUnits(ownerOf(before), after), before.get("c"));
  // and only those, as does a fourth process joining (it takes units from the others only)
  leaveThenJoin(taskOf, ids, "c", true);
  leaveThenJoin(taskOf, [...ids, "d"], "d", true);
});

test("two phases: a unit owned by a live running member is never given to another one in the same generation", () => {
  fc.assert(
    fc.property(
      job,
      fc.integer({ min: 1, max: 6 }),
      // per unit: its owner's index (>= members: a member that left or died, i.e. nobody claims it)
      fc.array(fc.nat(), { maxLength: 40 }),
      fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
      // stale claims: [member, unit] claimed with an older generation as well
      fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 8 }),
      (taskOf, m, ownerIndex, runningFlags, stale) => {
        const ids = memberIds(m);
        const owned = new Map(ids.map((id) => [id, [] as number[]]));
        taskOf.forEach((_, u) => {
          const i = (ownerIndex[u] ?? u) % (m + 2);
          if (i < m) owned.get(ids[i]!)!.push(u);
        });
        const claims = new Map<string, RunningClaim>(
          ids.map((id, i) => [id, { owned: owned.get(id)!, generation: 5, running: runningFlags[i]! }]),
        );
        // a member that missed a rebalance also claims a unit, with an older generation
        for (const [i, u] of stale) {
          const id = ids[i % m]!;
          const c = claims.get(id)!;
          claims.set(id, { ...c, owned: [...c.owned, u % taskOf.length], generation: 4 });
        }
        const owner = ownersOf(claims, taskOf.length);
        const { assignment, revoked } = twoPhaseAssign(claims, taskOf);
        const target = stickyAssign(claims, taskOf);
        // the rule: an owned unit of a live running member stays there or goes to nobody
        const given = ownerOf(assignment);
        taskOf.forEach((_, u) => {
          const o = owner[u];
          if (o !== undefined && claims.get(o)!.running)
            assert.ok(
              given.get(u) === undefined || given.get(u) === o,
              `unit ${u} of ${o} -> ${given.get(u)}`,
            );
          else
            assert.equal(
              given.get(u),
              ownerOf(target).get(u),
              `unit ${u} without a live running owner moves at once`,
            );
        });
        // each unit given at most once; the others are exactly the revoked ones, bound for the target
        const all = [...assignment.values()].flat();
        assert.equal(new Set(all).size, all.length);
        assert.deepEqual(
          [...all, ...revoked.map((r) => r.unit)].sort((a, b) => a - b),
          taskOf.map((_, u) => u),
        );
        for (const r of revoked) {
          assert.equal(r.from, owner[r.unit]);
          assert.equal(r.to, ownerOf(target).get(r.unit));
          assert.notEqual(r.from, r.to);
        }
        // second phase: every member rejoins claiming what it runs now (the owners stopped the
        // revoked units): nothing more is revoked, nothing it runs moves, and the result is balanced
        const rejoined = new Map<string, RunningClaim>(
          [...assignment].map(([id, units]) => [id, { owned: units, generation: 6, running: true }]),
        );
        const second = twoPhaseAssign(rejoined, taskOf);
        assert.deepEqual(second.revoked, []);
        checkBalanced(second.assignment, taskOf, ids);
        for (const [id, units] of assignment)
          for (const u of units) assert.ok(second.assignment.get(id)!.includes(u), `${id} keeps ${u}`);
      },
    ),
    { numRuns: 1000 },
  );
});

test("two phases: a process joining a running group gets its share in the second rebalance", () => {
  const taskOf = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2];
  const before = stickyAssign(fresh(["a", "b"]), taskOf);
  const claims = new Map<string, RunningClaim>([
    ...[...before].map(([id, owned]): [string, RunningClaim] => [
      id,
      { owned, generation: 1, running: true },
    ]),
    ["c", { owned: [], generation: -1, running: false }],
  ]);
  const first = twoPhaseAssign(claims, taskOf);
  // the joiner gets nothing yet; a and b keep all but what they give up
  assert.deepEqual(first.assignment.get("c"), []);
  assert.equal(first.revoked.length, 6);
  assert.ok(first.revoked.every((r) => r.to === "c"));
  const second = twoPhaseAssign(
    new Map([...first.assignment].map(([id, owned]) => [id, { owned, generation: 2, running: true }])),
    taskOf,
  );
  assert.deepEqual(second.revoked, []);
  assert.deepEqual(
    second.assignment.get("c"),
    first.revoked.map((r) => r.unit),
  );
  // a member that is not running yet (a new group settling) has nothing to stop: no two phases
  const cold = twoPhaseAssign(new Map([...claims].map(([id, c]) => [id, { ...c, running: false }])), taskOf);
  assert.deepEqual(cold.revoked, []);
  assert.deepEqual(cold.assignment, stickyAssign(claims, taskOf));
});
