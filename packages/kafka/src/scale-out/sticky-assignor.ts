/**
 * Sticky, balanced assignment of a scale-out job's units to the members of its group, in the
 * spirit of Kafka's cooperative-sticky assignor (KIP-429): every member reports the units it owns
 * (its last assignment) when it joins, and the leader keeps each unit where it is unless balance
 * requires moving it, and then moves as few as it can.
 *
 * Balance is kept per task (the subtasks of one operator chain spread over the processes, so that
 * one process does not carry all of a hot task) and in total: every member runs ⌊n/m⌋ or ⌈n/m⌉ of
 * each task's n units and of all of them (m members). Both always fit at once.
 *
 * Pure functions, no Kafka: membership.ts wires them into the consumer group's protocol.
 */

/** What a member tells the leader when it joins (the subscription's user data). */
export interface MemberClaim {
  /** Units it owned in its last assignment. */
  readonly owned: readonly number[];
  /**
   * Group generation of that assignment (-1: none). When two members claim one unit (a member
   * that missed a rebalance still reports its older assignment) the newer generation wins.
   */
  readonly generation: number;
}

/** A new assignment: the units of each member, by member id. */
export type Assignment = Map<string, number[]>;

/**
 * Assigns units `0..taskOf.length-1` (`taskOf[u]`: the task of unit u) to `members` (by member id):
 * each unit stays with the member that claims it (newest generation first) unless balance requires
 * a move. Deterministic: the same input gives the same assignment (ties break by member id).
 */
export function stickyAssign(
  members: ReadonlyMap<string, MemberClaim>,
  taskOf: readonly number[],
): Assignment {
  const ids = [...members.keys()].sort();
  const result: Assignment = new Map(ids.map((id) => [id, []]));
  if (ids.length === 0) return result;
  const tasks = [...new Set(taskOf)].sort((a, b) => a - b);

  // owner[u]: the member that keeps unit u for now (undefined: to place). Newest claim wins.
  const owner = ownersOf(members, taskOf.length);

  // How many units of each task each member runs: ⌊n/m⌋, plus one for some members (the task's
  // "extras"), so that the totals are balanced too. Which members get the extras decides how many
  // units they keep: chooseExtras picks them to keep the most.
  const claimed = new Map(ids.map((id) => [id, new Map(tasks.map((t) => [t, 0]))]));
  owner.forEach((id, u) => {
    if (id !== undefined) claimed.get(id)!.set(taskOf[u]!, claimed.get(id)!.get(taskOf[u]!)! + 1);
  });
  const size = new Map(tasks.map((t) => [t, taskOf.filter((x) => x === t).length]));
  const extras = chooseExtras(ids, tasks, size, claimed);
  const target = (id: string, t: number) =>
    Math.floor(size.get(t)! / ids.length) + (extras.get(id)!.has(t) ? 1 : 0);

  // Each member keeps up to its target of the units it owns (lowest first); the rest, and the units
  // nobody owns, go to the members below their target in that task.
  const kept = new Map(ids.map((id) => [id, new Map(tasks.map((t) => [t, 0]))]));
  const pool: number[] = [];
  for (let u = 0; u < taskOf.length; u++) {
    const id = owner[u];
    const t = taskOf[u]!;
    if (id !== undefined && kept.get(id)!.get(t)! < target(id, t)) {
      kept.get(id)!.set(t, kept.get(id)!.get(t)! + 1);
      result.get(id)!.push(u);
    } else pool.push(u);
  }
  for (const u of pool) {
    const t = taskOf[u]!;
    const id = ids.find((m) => kept.get(m)!.get(t)! < target(m, t))!;
    kept.get(id)!.set(t, kept.get(id)!.get(t)! + 1);
    result.get(id)!.push(u);
  }
  for (const units of result.values()) units.sort((a, b) => a - b);
  return result;
}

/**
 * The owner of each unit `0..units-1` among `members`' claims (undefined: nobody claims it): when
 * several claim a unit, the newest generation wins, ties going to the lowest member id.
 */
export function ownersOf(members: ReadonlyMap<string, MemberClaim>, units: number): (string | undefined)[] {
  const owner: (string | undefined)[] = new Array(units).fill(undefined);
  const ownerGeneration: number[] = new Array(units).fill(Number.NEGATIVE_INFINITY);
  for (const id of [...members.keys()].sort()) {
    const claim = members.get(id)!;
    for (const u of claim.owned) {
      if (!Number.isInteger(u) || u < 0 || u >= units) continue; // e.g. another parallelism
      if (claim.generation > ownerGeneration[u]!) {
        owner[u] = id;
        ownerGeneration[u] = claim.generation;
      }
    }
  }
  return owner;
}

/** What a member tells the leader in a two-phase group: its claim, and whether it runs units. */
export interface RunningClaim extends MemberClaim {
  /**
   * True once the member runs units (false while a new group settles): only a running owner has
   * something to stop, so only its units move in two phases.
   */
  readonly running: boolean;
}

/** A unit withheld by {@link twoPhaseAssign}: its owner gives it up first. */
export interface Revocation {
  readonly unit: number;
  /** The member that owns it now and stops it (with a final commit), then rejoins. */
  readonly from: string;
  /** The member the sticky assignment gives it to: it gets it in the next rebalance. */
  readonly to: string;
}

/** The outcome of {@link twoPhaseAssign}. */
export interface TwoPhaseAssignment {
  /** What each member runs from this generation on. */
  readonly assignment: Assignment;
  /** Units given to nobody in this generation (their owners stop them), by unit. */
  readonly revoked: readonly Revocation[];
}

/**
 * The sticky assignment ({@link stickyAssign}) made in two phases, as Kafka's cooperative protocol
 * (KIP-429) moves partitions: a unit that balance moves away from a member that claims it, is in
 * the group and runs units, is given to nobody in this generation (revoked): its owner stops it
 * with a final commit and rejoins without it, and the next rebalance gives it to its new member,
 * which starts from that commit. Units without such an owner (unclaimed, or claimed by a member
 * that left or died) are assigned at once. So a unit owned by a live member is never given to
 * another member in the same generation. When the owners rejoin without their revoked units, the
 * same rule revokes nothing more: the sticky assignment keeps every unit a member claims when no
 * member claims more than its share.
 */
export function twoPhaseAssign(
  members: ReadonlyMap<string, RunningClaim>,
  taskOf: readonly number[],
): TwoPhaseAssignment {
  const target = stickyAssign(members, taskOf);
  const owner = ownersOf(members, taskOf.length);
  const assignment: Assignment = new Map();
  const revoked: Revocation[] = [];
  for (const [id, units] of target) {
    assignment.set(
      id,
      units.filter((u) => {
        const from = owner[u];
        if (from === undefined || from === id || !members.get(from)!.running) return true;
        revoked.push({ unit: u, from, to: id });
        return false;
      }),
    );
  }
  revoked.sort((a, b) => a.unit - b.unit);
  return { assignment, revoked };
}

/**
 * Which members run one unit more than ⌊n/m⌋ of each task (`n mod m` of them per task), such that
 * every member's total is within one of the others' and the members keep as many of the units they
 * own as possible. An extra is worth one kept unit to a member that owns more than ⌊n/m⌋ of the
 * task, nothing to the others: a min-cost flow (tasks -> members -> sink; cost 0 for an extra that
 * keeps a unit, 1 for one that does not) finds the best choice. Tiny graphs (tasks × members edges).
 */
function chooseExtras(
  ids: readonly string[],
  tasks: readonly number[],
  size: ReadonlyMap<number, number>,
  claimed: ReadonlyMap<string, ReadonlyMap<number, number>>,
): Map<string, Set<number>> {
  const m = ids.length;
  const extrasOf = (t: number) => size.get(t)! % m;
  const allExtras = tasks.reduce((a, t) => a + extrasOf(t), 0);
  // every member gets `base` extras, `more` of them one more: totals then differ by at most one
  const base = Math.floor(allExtras / m);
  const more = allExtras % m;
  // nodes: 0 source, 1..T tasks, T+1..T+m members, T+m+1 "one more", T+m+2 sink
  const T = tasks.length;
  const source = 0;
  const oneMore = T + m + 1;
  const sink = T + m + 2;
  const graph = new FlowGraph(T + m + 3);
  tasks.forEach((t, i) => {
    graph.add(source, 1 + i, extrasOf(t), 0);
  });
  const choices: { task: number; id: string; edge: number }[] = [];
  tasks.forEach((t, i) => {
    ids.forEach((id, j) => {
      const keeps = claimed.get(id)!.get(t)! > Math.floor(size.get(t)! / m);
      choices.push({ task: t, id, edge: graph.add(1 + i, 1 + T + j, 1, keeps ? 0 : 1) });
    });
  });
  ids.forEach((_, j) => {
    graph.add(1 + T + j, sink, base, 0);
    graph.add(1 + T + j, oneMore, 1, 0);
  });
  graph.add(oneMore, sink, more, 0);
  const flow = graph.minCostMaxFlow(source, sink);
  // cannot happen: extras spread cyclically over the members always fit
  if (flow !== allExtras) throw new Error(`stickyAssign: ${flow} of ${allExtras} extras placed (bug)`);
  const extras = new Map(ids.map((id) => [id, new Set<number>()]));
  for (const c of choices) if (graph.flowOf(c.edge) > 0) extras.get(c.id)!.add(c.task);
  return extras;
}

/** A flow network with integer capacities and costs (successive shortest paths, Bellman-Ford). */
class FlowGraph {
  readonly #to: number[] = [];
  readonly #cap: number[] = [];
  readonly #cost: number[] = [];
  readonly #out: number[][];

  constructor(nodes: number) {
    this.#out = Array.from({ length: nodes }, () => []);
  }

  /** Adds an edge (and its residual twin, number + 1); returns its number. */
  add(from: number, to: number, cap: number, cost: number): number {
    const e = this.#to.length;
    this.#to.push(to, from);
    this.#cap.push(cap, 0);
    this.#cost.push(cost, -cost);
    this.#out[from]!.push(e);
    this.#out[to]!.push(e + 1);
    return e;
  }

  /** Flow through edge `e` (what its residual twin could give back). */
  flowOf(e: number): number {
    return this.#cap[e + 1]!;
  }

  /** Pushes the most flow at the least cost; returns the flow. */
  minCostMaxFlow(source: number, sink: number): number {
    const n = this.#out.length;
    let flow = 0;
    for (;;) {
      const dist = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
      const via = new Array<number>(n).fill(-1);
      dist[source] = 0;
      for (let changed = true, round = 0; changed && round < n; round++) {
        changed = false;
        for (let v = 0; v < n; v++) {
          if (dist[v] === Number.POSITIVE_INFINITY) continue;
          for (const e of this.#out[v]!) {
            const w = this.#to[e]!;
            if (this.#cap[e]! > 0 && dist[v]! + this.#cost[e]! < dist[w]!) {
              dist[w] = dist[v]! + this.#cost[e]!;
              via[w] = e;
              changed = true;
            }
          }
        }
      }
      if (dist[sink] === Number.POSITIVE_INFINITY) return flow;
      let push = Number.POSITIVE_INFINITY;
      for (let v = sink; v !== source; v = this.#to[via[v]! ^ 1]!) push = Math.min(push, this.#cap[via[v]!]!);
      for (let v = sink; v !== source; v = this.#to[via[v]! ^ 1]!) {
        this.#cap[via[v]!]! -= push;
        this.#cap[via[v]! ^ 1]! += push;
      }
      flow += push;
    }
  }
}

/** The units whose owner differs between two assignments (`before`: unit -> member id). */
export function movedUnits(before: ReadonlyMap<number, string>, after: Assignment): number[] {
  const moved: number[] = [];
  for (const [id, units] of after) for (const u of units) if (before.get(u) !== id) moved.push(u);
  return moved.sort((a, b) => a - b);
}
