/**
 * Membership of a scale-out group: which units this process runs. A Kafka consumer group
 * (`fleuve-<group>`) over a topic with one partition per unit; the partitions a member is
 * assigned are the units it runs. When a process joins, leaves or dies (session timeout), the
 * group rebalances, and this process stops the units it lost and starts the ones it gained.
 */
import { hostname } from "node:os";
import { FleuveError } from "@fleuve/core";
import { Consumer } from "@platformatic/kafka";
import { commonOptions } from "../properties.js";
import { GROUP_DEFAULTS } from "./group-defaults.js";

/** Options of {@link Membership}. */
export interface MembershipOptions {
  /** `bootstrap.servers` of the cluster that holds the group. */
  readonly bootstrap: string;
  /** The consumer group (`fleuve-<group>`). */
  readonly groupId: string;
  /** The topic with one partition per unit. */
  readonly unitsTopic: string;
  /** Unit names by index (partition), for the logs. */
  readonly unitNames: readonly string[];
  /** The group as the user named it, for the logs. */
  readonly group: string;
  /** Kafka `session.timeout.ms`: how soon a dead process's units move. Default 6000. */
  readonly sessionTimeoutMs?: number;
  readonly log: (line: string) => void;
  /** Starts unit `index` here (called when it is assigned to this process). */
  readonly start: (index: number) => Promise<void>;
  /** Stops unit `index` here (called when it is assigned elsewhere). */
  readonly stop: (index: number) => Promise<void>;
  /** Called when starting or stopping units failed: the worker cannot go on. */
  readonly fail: (e: unknown) => void;
}

/** This process's membership of the group; see the module comment. */
export class Membership {
  readonly #opts: MembershipOptions;
  readonly #member: Consumer<Buffer, Buffer, Buffer, Buffer>;
  #assigned = new Set<number>();
  #generation = 0;
  #changes: Promise<void> = Promise.resolve();
  #leaving = false;

  constructor(opts: MembershipOptions) {
    this.#opts = opts;
    const sessionTimeout = opts.sessionTimeoutMs ?? GROUP_DEFAULTS.sessionTimeoutMs;
    this.#member = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...commonOptions(
        { "bootstrap.servers": opts.bootstrap },
        // names the process in the group's description (fleuve jobs, kafka-consumer-groups.sh)
        `${opts.groupId}-member-${hostname()}-${process.pid}`,
      ),
      groupId: opts.groupId,
      sessionTimeout,
      heartbeatInterval: Math.max(200, Math.floor(sessionTimeout / 6)),
      rebalanceTimeout: 10_000,
    });
    this.#member.on(
      "consumer:group:join",
      (e: { assignments?: { topic: string; partitions: number[] }[] }) => {
        const next = new Set<number>();
        for (const a of e.assignments ?? [])
          if (a.topic === opts.unitsTopic) for (const p of a.partitions) next.add(p);
        this.#apply(next);
      },
    );
  }

  /** Whether unit `index` is assigned to this process now. */
  isAssigned(index: number): boolean {
    return this.#assigned.has(index);
  }

  /** Joins the group; units start as they are assigned. */
  async join(): Promise<void> {
    this.#member.topics.trackAll(this.#opts.unitsTopic);
    try {
      await this.#member.joinGroup({});
    } catch (e) {
      await this.#member.close().catch(() => {});
      throw new FleuveError(
        "FLEUVE_KAFKA_UNREACHABLE",
        `cannot join group "${this.#opts.groupId}" at ${this.#opts.bootstrap}: ${(e as Error).message}`,
        { cause: e, details: { bootstrap: this.#opts.bootstrap } },
      );
    }
  }

  /** Leaves the group (its units move to the other members at once) and waits for pending changes. */
  async leave(): Promise<void> {
    this.#leaving = true;
    await new Promise<void>((r) => this.#member.leaveGroup(false, () => r()));
    await this.#member.close().catch(() => {});
    await this.#changes.catch(() => {});
  }

  /** Stops the units this process lost, then starts those it gained, one assignment at a time. */
  #apply(next: Set<number>): void {
    const opts = this.#opts;
    const previous = this.#assigned;
    this.#assigned = next;
    const gen = ++this.#generation;
    this.#changes = this.#changes.then(async () => {
      if (this.#leaving) return;
      await Promise.all([...previous].filter((i) => !next.has(i)).map(opts.stop));
      // After a rebalance, give the previous owners a moment to stop what moved here.
      if (gen > 1) await new Promise((r) => setTimeout(r, 500));
      if (gen !== this.#generation || this.#leaving) return; // superseded by a newer assignment
      log(opts, `running ${[...next].map((i) => opts.unitNames[i]!).join(", ") || "no unit"}`);
      for (const i of next) await opts.start(i);
    });
    this.#changes.catch(opts.fail);
  }
}

function log(opts: MembershipOptions, line: string): void {
  opts.log(`group ${opts.group}: ${line}`);
}
