/**
 * Membership of a scale-out group: which units this process runs. A Kafka consumer group
 * (`fleuve-<group>`) over a topic with one partition per unit; the partitions a member is
 * assigned are the units it runs. When a process joins, leaves or dies (session timeout), the
 * group rebalances, and this process stops the units it lost and starts the ones it gained; the
 * units it keeps run on untouched.
 *
 * - Sticky: each member tells the leader the units it owns (the subscription's user data, as
 *   Kafka's cooperative-sticky assignor does) and the leader moves only the fewest units that
 *   balance requires (sticky-assignor.ts).
 * - Two-phase moves, as Kafka's cooperative protocol (KIP-429) moves partitions: a unit that moves
 *   away from a process that is alive (another joins, or balance needs it) is first revoked: the
 *   leader gives it to nobody and tells its owner to rejoin; the owner stops it with a final
 *   checkpoint (a commit), then rejoins without it, which rebalances the group again, and the
 *   second rebalance gives it to its new owner, which starts from that final checkpoint. So no two
 *   processes run it at once and nothing is replayed. A unit whose owner left or died moves at
 *   once. The checkpoint epochs (unit-epochs.ts) stay the safety net: a process that missed a
 *   rebalance cannot commit what the new owner replays.
 * - Cold start: a group whose members have not started any unit yet waits until its membership
 *   has been stable for `initialDelayMs` before starting units, so that processes started together
 *   do not all start everything on the first one and then hand most of it back. The broker's own
 *   `group.initial.rebalance.delay.ms` does the same when it is set (Kafka's default 3000 ms), but
 *   test brokers and many deployments set it to 0; the client-side delay works either way, and
 *   only applies while no member runs units: a process joining a running group, or a rebalance
 *   after a failure, starts at once.
 * - Logs: every rebalance is logged by the leader with its reason and the units that move (at once,
 *   or revoked for the next rebalance), and by every member with the units it starts, stops and
 *   keeps, and when it rejoins after giving units up (see docs/kafka.md, "Reading the logs").
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { FleuveError } from "@fleuve/core";
import {
  Consumer,
  type ExtendedGroupProtocolSubscription,
  type GroupPartitionsAssignments,
} from "@platformatic/kafka";
import { checkKnown, commonOptions, type KafkaProperties } from "../properties.js";
import { GROUP_DEFAULTS } from "./group-defaults.js";
import { type Assignment, type Revocation, type RunningClaim, twoPhaseAssign } from "./sticky-assignor.js";

/**
 * Failure detection, start-up timing and the bound of a clean stop of a group's membership
 * (Kafka's property names).
 */
export interface MembershipTimings {
  /**
   * Kafka `session.timeout.ms`: a process that sends no heartbeat for this long is declared dead
   * and its units move. Default 6000 (the broker's default `group.min.session.timeout.ms`; less
   * needs that broker setting lowered).
   */
  readonly sessionTimeoutMs?: number;
  /** Kafka `heartbeat.interval.ms`: below the session timeout. Default: a sixth of it (1000). */
  readonly heartbeatIntervalMs?: number;
  /**
   * Kafka `max.poll.interval.ms` (the JoinGroup rebalance timeout): how long the group waits for
   * every member to rejoin during a rebalance. Default 10000.
   */
  readonly rebalanceTimeoutMs?: number;
  /**
   * How long a new group's membership must stay unchanged before its processes start units (the
   * client-side `group.initial.rebalance.delay.ms`). Default 3000, as the broker's default.
   */
  readonly initialDelayMs?: number;
  /**
   * How long a clean stop (SIGTERM, Ctrl-C, `GroupWorker.stop()`) waits for the units of the
   * process to stop with their final checkpoints before it leaves the group anyway (Kafka Connect's
   * `task.shutdown.graceful.timeout.ms`: the total, the units stop in parallel). Default 10000, as
   * `max.poll.interval.ms` bounds the final checkpoint of a unit moved between live processes;
   * 0 leaves at once, without final checkpoints (the next owners replay from the last periodic ones).
   */
  readonly shutdownTimeoutMs?: number;
}

/** The defaults of {@link MembershipTimings}. */
export const DEFAULT_TIMINGS = {
  sessionTimeoutMs: GROUP_DEFAULTS.sessionTimeoutMs,
  rebalanceTimeoutMs: 10_000,
  initialDelayMs: 3000,
  shutdownTimeoutMs: GROUP_DEFAULTS.shutdownTimeoutMs,
} as const;

/** Options of {@link Membership}. */
export interface MembershipOptions extends MembershipTimings {
  /** `bootstrap.servers` of the cluster that holds the group. */
  readonly bootstrap: string;
  /** The consumer group (`fleuve-<group>`). */
  readonly groupId: string;
  /** The topic with one partition per unit. */
  readonly unitsTopic: string;
  /** Unit names by index (partition), for the logs. */
  readonly unitNames: readonly string[];
  /** The task of each unit, by index: the assignment spreads each task's units over processes. */
  readonly taskOf: readonly number[];
  /** The group as the user named it, for the logs. */
  readonly group: string;
  readonly log: (line: string) => void;
  /**
   * Starts unit `index` here unless it runs already: called for every unit of each assignment, so
   * that a unit that stopped by itself meanwhile starts again.
   */
  readonly start: (index: number) => Promise<void>;
  /**
   * Stops unit `index` here (it is revoked: assigned elsewhere once this process has rejoined).
   * Resolve once it is stopped, after its final commit: its next owner starts from that.
   */
  readonly stop: (index: number) => Promise<void>;
  /** Called when starting or stopping units failed: the worker cannot go on. */
  readonly fail: (e: unknown) => void;
  /**
   * True when process `process` (`host:pid`) announced its clean stop (the control topic): the
   * leader logs it as left, whether or not it has exited by then.
   */
  readonly cleanlyStopped?: (process: string) => boolean;
  /**
   * The process (`host:pid`) that announced unit `unit` in its clean stop last: a new leader names
   * it for the orphaned units, whose owners it does not know otherwise.
   */
  readonly cleanStopOf?: (unit: string) => string | undefined;
}

/** The protocol name members agree on: every process of a group must run this assignor. */
const PROTOCOL = "fleuve-sticky";
/**
 * A pseudo-topic in each member's assignment that carries what the leader knows: partition 0
 * present means the group is cold (no member has started units yet); partition 1 present means
 * units were revoked from the member: it rejoins once it has stopped them (KIP-429's "rejoin after
 * revocation"). The ConsumerProtocolAssignment has a user data field for this, but the client
 * library writes none.
 */
const STATE_TOPIC = "fleuve.group-state";

/**
 * What a member reports in its subscription (JSON user data). `owned` is what it runs: its
 * assignment plus the units it is still stopping, so that none of them is given to another
 * member before it is stopped.
 */
interface Subscription extends RunningClaim {
  /** `host:pid`, for the logs. */
  readonly process: string;
}

/** The Kafka properties that set {@link MembershipTimings} (`fleuve run --group --kafka-property`). */
export const MEMBERSHIP_PROPERTIES = [
  "session.timeout.ms",
  "heartbeat.interval.ms",
  "max.poll.interval.ms",
  "group.initial.rebalance.delay.ms",
  "task.shutdown.graceful.timeout.ms",
] as const;

/**
 * Membership timings from Kafka properties (e.g. `{ "session.timeout.ms": "10000" }`); another
 * property, or a value that is not an integer in range, is a FleuveError naming the property.
 */
export function membershipTimings(props: KafkaProperties): MembershipTimings {
  checkKnown(props, MEMBERSHIP_PROPERTIES, "scale-out group's membership");
  const num = (name: (typeof MEMBERSHIP_PROPERTIES)[number]) => {
    const v = props[name];
    if (v === undefined) return undefined;
    return typeof v === "string" && v.trim() !== "" ? Number(v) : (v as number);
  };
  const t: Record<string, number | undefined> = {
    sessionTimeoutMs: num("session.timeout.ms"),
    heartbeatIntervalMs: num("heartbeat.interval.ms"),
    rebalanceTimeoutMs: num("max.poll.interval.ms"),
    initialDelayMs: num("group.initial.rebalance.delay.ms"),
    shutdownTimeoutMs: num("task.shutdown.graceful.timeout.ms"),
  };
  for (const k of Object.keys(t)) if (t[k] === undefined) delete t[k];
  resolveTimings(t);
  return t;
}

/** Checks timings and fills in the defaults; a bad value is a FleuveError naming its property. */
export function resolveTimings(t: MembershipTimings): Required<MembershipTimings> {
  const check = (value: number | undefined, property: string, fallback: number, min: number) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `group membership: "${property}" is ${String(value)}; expected an integer >= ${min} (ms)`,
        { details: { property, value } },
      );
    }
    return value;
  };
  const sessionTimeoutMs = check(
    t.sessionTimeoutMs,
    "session.timeout.ms",
    DEFAULT_TIMINGS.sessionTimeoutMs,
    1,
  );
  const heartbeatIntervalMs = check(
    t.heartbeatIntervalMs,
    "heartbeat.interval.ms",
    Math.max(200, Math.floor(sessionTimeoutMs / 6)),
    1,
  );
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `group membership: "heartbeat.interval.ms" (${heartbeatIntervalMs}) must be below "session.timeout.ms" (${sessionTimeoutMs}), as in Kafka (a third of it or less is usual)`,
      { details: { property: "heartbeat.interval.ms", value: heartbeatIntervalMs } },
    );
  }
  return {
    sessionTimeoutMs,
    heartbeatIntervalMs,
    rebalanceTimeoutMs: check(
      t.rebalanceTimeoutMs,
      "max.poll.interval.ms",
      DEFAULT_TIMINGS.rebalanceTimeoutMs,
      1,
    ),
    initialDelayMs: check(
      t.initialDelayMs,
      "group.initial.rebalance.delay.ms",
      DEFAULT_TIMINGS.initialDelayMs,
      0,
    ),
    shutdownTimeoutMs: check(
      t.shutdownTimeoutMs,
      "task.shutdown.graceful.timeout.ms",
      DEFAULT_TIMINGS.shutdownTimeoutMs,
      0,
    ),
  };
}

/** This process's membership of the group; see the module comment. */
export class Membership {
  readonly #opts: MembershipOptions;
  readonly #timings: Required<MembershipTimings>;
  readonly #member: Consumer<Buffer, Buffer, Buffer, Buffer>;
  readonly #process = `${hostname()}:${process.pid}`;

  /** This process as the group's logs name it (`host:pid`). */
  get process(): string {
    return this.#process;
  }

  /** The subscription sent at each (re)join: its user data follows the assignment. */
  readonly #protocol = { name: PROTOCOL, version: 1, metadata: Buffer.alloc(0) };
  #assigned = new Set<number>();
  #assignedGeneration = -1;
  /** Set once this process has started its units (the group is no longer cold). */
  #running = false;
  /** Units this process was told to start and not to stop since. */
  readonly #started = new Set<number>();
  /** Units being stopped here (revoked): still claimed until stopped. */
  readonly #stopping = new Set<number>();
  #generation = 0;
  #changes: Promise<void> = Promise.resolve();
  #leaving = false;
  /** Ends the current wait of #apply early. */
  #wake: (() => void) | undefined;
  /** As leader: the members of the previous assignment it computed (member id -> process). */
  #lastMembers: Map<string, string> | undefined;
  /** As leader: the units it revoked in the previous assignment, by unit (for the logs). */
  #lastRevoked = new Map<number, { from: string; to: string }>();

  constructor(opts: MembershipOptions) {
    this.#opts = opts;
    this.#timings = resolveTimings(opts);
    this.#updateClaim();
    const assigner = (
      _current: string,
      members: Map<string, ExtendedGroupProtocolSubscription>,
    ): GroupPartitionsAssignments[] => this.#assign(members);
    this.#member = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...commonOptions(
        { "bootstrap.servers": opts.bootstrap },
        // names the process in the group's description (fleuve jobs, kafka-consumer-groups.sh)
        `${opts.groupId}-member-${hostname()}-${process.pid}`,
      ),
      groupId: opts.groupId,
      sessionTimeout: this.#timings.sessionTimeoutMs,
      heartbeatInterval: this.#timings.heartbeatIntervalMs,
      rebalanceTimeout: this.#timings.rebalanceTimeoutMs,
      protocols: [this.#protocol],
      partitionAssigner: assigner,
    });
    this.#member.on(
      "consumer:group:join",
      (e: {
        generationId?: number;
        isLeader?: boolean;
        assignments?: { topic: string; partitions: number[] }[];
      }) => {
        const next = new Set<number>();
        let cold: boolean | undefined;
        let rejoin = false;
        for (const a of e.assignments ?? []) {
          if (a.topic === opts.unitsTopic) for (const p of a.partitions) next.add(p);
          if (a.topic === STATE_TOPIC) {
            cold = a.partitions.includes(0);
            rejoin = a.partitions.includes(1);
          }
        }
        // Alone in the group, the client assigns everything without the assignor: cold unless
        // this process already runs units.
        if (cold === undefined && e.isLeader) this.#logAlone();
        if (!e.isLeader) {
          // another process leads: its memory is newer
          this.#lastMembers = undefined;
          this.#lastRevoked.clear();
        }
        this.#apply(next, e.generationId ?? -1, cold ?? true, rejoin);
      },
    );
  }

  /**
   * Assignments this process received since it joined: each rebalance of the group that
   * included it, the first join too (as Kafka's consumer `rebalance-total`).
   */
  get rebalances(): number {
    return this.#generation;
  }

  /** Whether unit `index` is assigned to this process now. */
  isAssigned(index: number): boolean {
    return this.#assigned.has(index);
  }

  /** Joins the group; units start as they are assigned. */
  async join(): Promise<void> {
    this.#member.topics.trackAll(this.#opts.unitsTopic);
    try {
      await this.#member.joinGroup({ protocols: [this.#protocol] });
    } catch (e) {
      await this.#member.close().catch(() => {});
      const causes = [e as Error, ...((e as { errors?: Error[] }).errors ?? [])];
      const message = causes.map((c) => c.message).join(": ");
      const bySession = (e as { errors?: { apiId?: string }[] }).errors?.some(
        (c) => c.apiId === "INVALID_SESSION_TIMEOUT",
      );
      throw new FleuveError(
        bySession ? "FLEUVE_CONFIG_INVALID" : "FLEUVE_KAFKA_UNREACHABLE",
        bySession
          ? `cannot join group "${this.#opts.groupId}": the broker refuses "session.timeout.ms" ${this.#timings.sessionTimeoutMs} (it must lie within the broker's group.min.session.timeout.ms and group.max.session.timeout.ms, 6000 and 1800000 by default): ${message}`
          : `cannot join group "${this.#opts.groupId}" at ${this.#opts.bootstrap}: ${message}`,
        { cause: e, details: { bootstrap: this.#opts.bootstrap } },
      );
    }
  }

  /**
   * Leaves the group (LeaveGroup: the others rebalance at once and take its units, rather than
   * after `session.timeout.ms`) and waits for pending changes.
   */
  async leave(): Promise<void> {
    this.#leaving = true;
    this.#log(`leaving the group (clean stop): its units move to the other processes now`);
    const at = Date.now();
    const error = await new Promise<Error | null>((r) => this.#member.leaveGroup(false, (e) => r(e ?? null)));
    this.#log(
      error
        ? `could not leave the group (${error.message}): the others take its units over after session.timeout.ms (${this.#timings.sessionTimeoutMs} ms)`
        : `left the group at ${new Date().toISOString()} in ${Date.now() - at} ms (LeaveGroup): the other processes rebalance now`,
    );
    await this.#member.close().catch(() => {});
    await this.#changes.catch(() => {});
  }

  /**
   * The claim sent at the next (re)join: the units of the last assignment, and those not stopped
   * yet (a rebalance before they are must not give them to another process).
   */
  #updateClaim(): void {
    const owned = new Set([...this.#assigned, ...this.#started, ...this.#stopping]);
    const s: Subscription = {
      owned: [...owned].sort((a, b) => a - b),
      generation: this.#assignedGeneration,
      process: this.#process,
      running: this.#running,
    };
    this.#protocol.metadata = Buffer.from(JSON.stringify(s));
  }

  /** The leader's assignor: sticky, and logs why the group rebalances and what moves. */
  #assign(members: Map<string, ExtendedGroupProtocolSubscription>): GroupPartitionsAssignments[] {
    const opts = this.#opts;
    const subs = new Map<string, Subscription>();
    for (const [id, m] of members) subs.set(id, decodeSubscription(m.metadata));
    const { assignment, revoked } = twoPhaseAssign(subs, opts.taskOf);
    const cold = ![...subs.values()].some((s) => s.running);
    this.#logRebalance(subs, assignment, revoked, cold);
    const revokedFrom = new Set(revoked.map((r) => r.from));
    return [...assignment].map(([memberId, units]) => ({
      memberId,
      assignments: new Map([
        [opts.unitsTopic, { topic: opts.unitsTopic, partitions: units }],
        [
          STATE_TOPIC,
          {
            topic: STATE_TOPIC,
            partitions: [...(cold ? [0] : []), ...(revokedFrom.has(memberId) ? [1] : [])],
          },
        ],
      ]),
    }));
  }

  #logRebalance(
    subs: ReadonlyMap<string, Subscription>,
    assignment: Assignment,
    revoked: readonly Revocation[],
    cold: boolean,
  ): void {
    const opts = this.#opts;
    const name = (u: number) => opts.unitNames[u]!;
    const latest = Math.max(-1, ...[...subs.values()].map((s) => s.generation));
    const owners = new Map<number, Subscription>();
    for (const s of [...subs.values()].sort((a, b) => a.generation - b.generation))
      for (const u of s.owned) owners.set(u, s);
    const reasons: string[] = [];
    for (const [id, s] of subs) {
      if (this.#lastMembers?.has(id)) continue;
      if (s.generation < 0) reasons.push(`process ${s.process} joined`);
      else if (s.generation < latest)
        reasons.push(
          `process ${s.process} rejoined (it had been removed from the group, e.g. it missed heartbeats for session.timeout.ms)`,
        );
    }
    for (const [id, proc] of this.#lastMembers ?? []) {
      if (subs.has(id)) continue;
      reasons.push(`process ${proc} ${this.#departure(proc)}`);
    }
    if (this.#lastMembers === undefined) {
      // a new leader (the previous one is gone, or this is the group's first rebalance)
      const orphans = opts.unitNames.map((_, u) => u).filter((u) => !owners.has(u));
      if (orphans.length > 0 && latest >= 0) {
        // Owners that announced their clean stop (the control topic) are named; the others not.
        const live = new Set([...subs.values()].map((s) => s.process));
        const handed = new Map<string, number[]>();
        const unknown: number[] = [];
        for (const u of orphans) {
          const by = opts.cleanStopOf?.(name(u));
          if (by !== undefined && !live.has(by)) handed.set(by, [...(handed.get(by) ?? []), u]);
          else unknown.push(u);
        }
        for (const [proc, us] of handed)
          reasons.push(
            `process ${proc} left the group (a clean stop: it handed its units over): ${us.map(name).join(", ")}`,
          );
        if (unknown.length > 0)
          reasons.push(
            `${unknown.length} units had an owner that is no longer in the group (it left, died or missed heartbeats): ${unknown.map(name).join(", ")}`,
          );
      }
    }
    // units revoked in the previous rebalance whose owners have stopped them: the second phase
    const handed = [...this.#lastRevoked].filter(([u]) => !owners.has(u));
    if (handed.length > 0)
      reasons.push(
        `${[...new Set(handed.map(([, r]) => r.from))].join(", ")} stopped the units revoked from them and rejoined (second phase of a move)`,
      );
    if (reasons.length === 0) reasons.push(latest < 0 ? "group starts" : "members rejoined (no change)");
    const moves: string[] = [];
    for (const [id, units] of assignment) {
      const to = subs.get(id)!.process;
      for (const u of units) {
        const from = owners.get(u);
        const stoppedBy = this.#lastRevoked.get(u);
        if (from?.process !== to || !subs.get(id)!.owned.includes(u))
          moves.push(
            `${name(u)} ${from ? from.process : stoppedBy && !owners.has(u) ? `(stopped by ${stoppedBy.from} with a final checkpoint)` : "(unowned)"} -> ${to}`,
          );
      }
    }
    const revokes = revoked.map(
      (r) => `${name(r.unit)} ${subs.get(r.from)!.process} -> ${subs.get(r.to)!.process}`,
    );
    this.#log(
      `rebalance (as leader) at ${new Date().toISOString()}: ${subs.size} processes, ${opts.unitNames.length} units; reason: ${reasons.join("; ")}; ${moves.length} units move${moves.length > 0 ? `: ${moves.join(", ")}` : ""}${revokes.length > 0 ? `; ${revokes.length} units revoked (first phase: their owners stop them with a final checkpoint and rejoin; the next rebalance assigns them): ${revokes.join(", ")}` : ""}${cold ? ` (new group: units start once membership is stable for ${this.#timings.initialDelayMs} ms)` : ""}`,
    );
    this.#lastRevoked = new Map(
      revoked.map((r) => [r.unit, { from: subs.get(r.from)!.process, to: subs.get(r.to)!.process }]),
    );
    if (subs.size > opts.unitNames.length) {
      this.#log(
        `warning: ${subs.size} processes share ${opts.unitNames.length} units: ${subs.size - opts.unitNames.length} of them run no unit (standby: they take units over when a process fails). Raise the job's parallelism to use them, or run fewer processes`,
      );
    }
    this.#lastMembers = new Map([...subs].map(([id, s]) => [id, s.process]));
  }

  /** The rebalance of a group left with this process alone (the client assigns without the assignor). */
  #logAlone(): void {
    const reasons = [...(this.#lastMembers ?? [])]
      .filter(([, proc]) => proc !== this.#process)
      .map(([, proc]) => `process ${proc} ${this.#departure(proc)}`);
    this.#log(
      `rebalance (as leader) at ${new Date().toISOString()}: 1 process (this one), ${this.#opts.unitNames.length} units; reason: ${reasons.join("; ") || (this.#running ? "the other processes are gone" : "group starts")}; every unit runs here`,
    );
    this.#lastMembers = undefined;
  }

  /**
   * Stops the units this process lost, then starts those it gained, one assignment at a time.
   * `rejoin`: units were revoked from this process; once they are stopped it rejoins, so that the
   * next rebalance gives them to their new owners (the second phase of a move).
   */
  #apply(next: Set<number>, generationId: number, cold: boolean, rejoin: boolean): void {
    const opts = this.#opts;
    this.#assigned = next;
    this.#assignedGeneration = generationId;
    this.#updateClaim();
    const gen = ++this.#generation;
    this.#wake?.(); // a wait of the previous assignment ends: this one supersedes it
    const names = (xs: Iterable<number>) =>
      [...xs]
        .sort((a, b) => a - b)
        .map((i) => opts.unitNames[i]!)
        .join(", ") || "none";
    this.#changes = this.#changes.then(async () => {
      if (this.#leaving || gen !== this.#generation) return; // superseded before it began
      const started = this.#started;
      const lost = [...started].filter((i) => !next.has(i));
      const waiting = !this.#running && cold;
      const at = new Date().toISOString();
      if (waiting) {
        this.#log(
          `generation ${generationId} at ${at}: new group, waiting ${this.#timings.initialDelayMs} ms for its membership to settle before starting: ${names(next)}`,
        );
      } else {
        this.#log(
          `generation ${generationId} at ${at}: start: ${names([...next].filter((i) => !started.has(i)))}; stop: ${names(lost)}; keep: ${names([...next].filter((i) => started.has(i)))} (${next.size} of ${opts.unitNames.length} units here)`,
        );
      }
      await Promise.all(
        lost.map(async (i) => {
          started.delete(i);
          this.#stopping.add(i);
          try {
            await opts.stop(i);
          } finally {
            this.#stopping.delete(i);
          }
          this.#log(`unit ${opts.unitNames[i]}: stopped (assigned to another process)`);
        }),
      );
      if (lost.length > 0) this.#updateClaim();
      if (rejoin && !this.#leaving) {
        // A newer assignment meanwhile may have asked again: one rejoin with the claim as it is now.
        this.#log(
          `generation ${generationId} at ${new Date().toISOString()}: rejoining after stopping the units revoked from this process (${names(lost)}): the next rebalance gives them to their new owners`,
        );
        this.#member.joinGroup({ protocols: [this.#protocol] }).catch((e: unknown) => {
          if (!this.#leaving) this.#log(`could not rejoin the group: ${(e as Error).message}`);
        });
      }
      if (waiting) await this.#sleep(this.#timings.initialDelayMs);
      // After a rebalance, give the previous owners a moment to stop what moved here.
      else if (gen > 1) await this.#sleep(500);
      if (gen !== this.#generation || this.#leaving) return; // superseded by a newer assignment
      if (waiting) {
        this.#log(
          `generation ${generationId} at ${new Date().toISOString()}: start: ${names(next)}; stop: none; keep: none (${next.size} of ${opts.unitNames.length} units here; membership stable)`,
        );
      }
      if (!this.#running) {
        this.#running = true;
        this.#updateClaim();
      }
      // the whole assignment, on one line (tests and tools read it)
      this.#log(`running ${names(next) === "none" ? "no unit" : names(next)}`);
      if (next.size === 0) this.#log("this process runs no unit (standby)");
      for (const i of next) {
        started.add(i);
        await opts.start(i);
      }
    });
    this.#changes.catch(opts.fail);
  }

  /** Waits `ms`, or less if a newer assignment arrives meanwhile (see #apply). */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  #log(line: string): void {
    this.#opts.log(`group ${this.#opts.group}: ${line}`);
  }

  /** Why a member that was in the group is gone: its announced clean stop, else {@link departure}. */
  #departure(proc: string): string {
    if (this.#opts.cleanlyStopped?.(proc)) return "left the group (a clean stop: it handed its units over)";
    return departure(proc);
  }
}

/** Why a member that was in the group is gone: on this host, whether its process still exists. */
function departure(proc: string): string {
  const [host, pid] = proc.split(":");
  if (host === hostname() && pid !== undefined) {
    const died =
      "died (its process no longer exists; the group noticed after session.timeout.ms without heartbeats)";
    try {
      process.kill(Number(pid), 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ESRCH") return died;
    }
    // a killed process its parent has not reaped yet still has its pid (a zombie, state Z on Linux)
    try {
      if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${Number(pid)}/stat`, "utf8"))) return died;
    } catch {
      // not Linux, or gone meanwhile: the kill check above decides
    }
  }
  return "left the group (a clean stop) or was removed after session.timeout.ms without heartbeats";
}

function decodeSubscription(data: Buffer | string | undefined): Subscription {
  try {
    const s = JSON.parse(String(data ?? "")) as Partial<Subscription>;
    return {
      owned: Array.isArray(s.owned) ? s.owned.filter((u) => Number.isInteger(u)) : [],
      generation: typeof s.generation === "number" ? s.generation : -1,
      process: typeof s.process === "string" ? s.process : "?",
      running: s.running === true,
    };
  } catch {
    return { owned: [], generation: -1, process: "?", running: false };
  }
}
