/**
 * Group membership against the real broker, without a job: members that start together start
 * each unit once (the new group settles first); a member that leaves hands over only its units;
 * a member that joins takes only its share, in two phases: each unit is stopped by its owner
 * before the joiner starts it; every rebalance is logged with its reason. And the
 * membership's Kafka properties are checked before anything connects.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError } from "@fleuve/core";
import { KafkaClient } from "../../src/index.js";
import { Membership, membershipTimings, resolveTimings } from "../../src/scale-out/membership.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();

test("membership properties: Kafka names, defaults, and clear errors", () => {
  assert.deepEqual(resolveTimings({}), {
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 1000,
    rebalanceTimeoutMs: 10_000,
    initialDelayMs: 3000,
    shutdownTimeoutMs: 10_000,
  });
  assert.deepEqual(
    membershipTimings({ "session.timeout.ms": "10000", "group.initial.rebalance.delay.ms": "0" }),
    { sessionTimeoutMs: 10_000, initialDelayMs: 0 },
  );
  // a clean stop's bound: 0 leaves at once, without final checkpoints
  assert.deepEqual(membershipTimings({ "task.shutdown.graceful.timeout.ms": "0" }), { shutdownTimeoutMs: 0 });
  assert.equal(resolveTimings({ shutdownTimeoutMs: 30_000 }).shutdownTimeoutMs, 30_000);
  const refused = (props: Record<string, string>, pattern: RegExp) =>
    assert.throws(
      () => membershipTimings(props),
      (e: unknown) =>
        e instanceof FleuveError && e.code === "FLEUVE_CONFIG_INVALID" && pattern.test(e.message),
    );
  refused({ "session.timeout.ms": "6s" }, /"session\.timeout\.ms" is NaN; expected an integer >= 1/);
  refused({ "heartbeat.interval.ms": "-5" }, /"heartbeat\.interval\.ms" is -5/);
  refused(
    { "session.timeout.ms": "6000", "heartbeat.interval.ms": "6000" },
    /must be below "session\.timeout\.ms"/,
  );
  refused({ "max.poll.interval.ms": "1.5" }, /"max\.poll\.interval\.ms" is 1\.5/);
  refused(
    { "task.shutdown.graceful.timeout.ms": "-1" },
    /"task\.shutdown\.graceful\.timeout\.ms" is -1; expected an integer >= 0/,
  );
  refused({ "task.shutdown.graceful.timeout.ms": "10s" }, /"task\.shutdown\.graceful\.timeout\.ms" is NaN/);
  refused({ "linger.ms": "5" }, /"linger\.ms" is not supported for a scale-out group's membership/);
});

interface Member {
  membership: Membership;
  /** Units running in this member now (start and stop are idempotent, as the worker's). */
  running: Set<number>;
  /** Units started, in order (a unit started again shows twice). */
  started: number[];
  stopped: number[];
  log: string[];
  name: string;
}

/** Starts and stops of every member, in the order they happened (`<member> start|stop <unit>`). */
const events: string[] = [];

test("members: a new group starts each unit once; leaving and joining move only what they must", {
  ...options,
  timeout: 300_000,
}, async () => {
  const unitsTopic = uniqueTopic("units");
  const groupId = uniqueTopic("membership");
  // 3 tasks of 4 units
  const taskOf = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
  const unitNames = taskOf.map((t, u) => `task${t}-${u % 4}`);
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const members: Member[] = [];
  const add = () => {
    const m: Member = {
      running: new Set(),
      started: [],
      stopped: [],
      log: [],
      name: `m${members.length}`,
    } as unknown as Member;
    m.membership = new Membership({
      bootstrap: BOOTSTRAP,
      groupId,
      unitsTopic,
      unitNames,
      taskOf,
      group: groupId,
      // long enough for the three to join (they start together)
      initialDelayMs: 8000,
      log: (l) => m.log.push(l),
      start: async (i) => {
        if (m.running.has(i)) return;
        m.running.add(i);
        m.started.push(i);
        events.push(`${m.name} start ${i}`);
      },
      stop: async (i) => {
        if (!m.running.has(i)) return;
        // a stop takes a while (a unit's final checkpoint): the unit must not start elsewhere meanwhile
        await new Promise((r) => setTimeout(r, 300));
        m.running.delete(i);
        m.stopped.push(i);
        events.push(`${m.name} stop ${i}`);
      },
      fail: (e) => {
        throw e;
      },
    });
    members.push(m);
    return m;
  };
  const waitFor = async (what: string, cond: () => boolean) => {
    const deadline = Date.now() + 120_000;
    while (!cond()) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}; logs:\n${members.map((m) => m.log.join("\n")).join("\n---\n")}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const assignedTo = (m: Member) => taskOf.map((_, u) => u).filter((u) => m.membership.isAssigned(u));
  try {
    await client.createTopics([{ name: unitsTopic, partitions: taskOf.length }]);
    const three = [add(), add(), add()];
    await Promise.all(three.map((m) => m.membership.join()));
    await waitFor("every unit to start", () => members.flatMap((m) => m.started).length >= 12);
    // each once, none handed over, 4 per member and per task 1 or 2 (4 units over 3 members)
    assert.deepEqual(
      members.flatMap((m) => m.started).sort((x, y) => x - y),
      taskOf.map((_, u) => u),
    );
    for (const m of members) {
      assert.deepEqual(m.stopped, []);
      assert.equal(assignedTo(m).length, 4);
      assert.deepEqual(m.started.sort(), assignedTo(m).sort());
    }

    // b, a process that does not lead the group, leaves (a new leader would only know which units
    // lost their owner): a and c start exactly b's units and stop none
    const leader = three.findIndex((m) => m.log.some((l) => l.includes("rebalance (as leader)")));
    const b = three[(leader + 1) % 3]!;
    const [a, c] = three.filter((m) => m !== b);
    const bUnits = assignedTo(b!);
    const before = [a, c].map((m) => m!.started.length);
    await b!.membership.leave();
    await waitFor(
      "b's units to move",
      () => a!.started.length + c!.started.length - before[0]! - before[1]! >= 4,
    );
    assert.deepEqual(
      [...a!.started.slice(before[0]), ...c!.started.slice(before[1])].sort((x, y) => x - y),
      bUnits.sort((x, y) => x - y),
    );
    assert.deepEqual([...a!.stopped, ...c!.stopped], []);
    const leaderLog = [...a!.log, ...c!.log].join("\n");
    assert.match(leaderLog, /reason: process \S+ left the group \(a clean stop\) or was removed/);
    assert.match(b!.log.join("\n"), /leaving the group \(clean stop\)/);

    // d joins: it starts 4 units, which a and c stop first (two phases); a and c start nothing
    const d = add();
    const eventsBefore = events.length;
    const startedBefore = [a, c].map((m) => m!.started.length);
    const rebalancesBefore = [a, c].map((m) => m!.membership.rebalances);
    assert.ok(
      rebalancesBefore.every((n) => n >= 2),
      `a and c saw the start and b leaving: ${rebalancesBefore}`,
    );
    await d.membership.join();
    await waitFor("d to start its share", () => d.started.length >= 4);
    await waitFor("a and c to give d's units up", () => a!.stopped.length + c!.stopped.length >= 4);
    assert.deepEqual(d.started.sort(), assignedTo(d).sort());
    assert.deepEqual([...a!.stopped, ...c!.stopped].sort(), d.started.sort());
    // d's join is one more rebalance for a and c (the rebalances figure of /metrics), d's first
    for (const [i, m] of [a, c].entries()) assert.ok(m!.membership.rebalances > rebalancesBefore[i]!);
    assert.ok(d.membership.rebalances >= 1);
    assert.deepEqual(
      [a, c].map((m, i) => m!.started.length - startedBefore[i]!),
      [0, 0],
    );
    // each of d's units was stopped by its owner before d started it
    const since = events.slice(eventsBefore);
    for (const u of d.started) {
      const stop = since.findIndex((e) => e.endsWith(` stop ${u}`) && !e.startsWith(`${d.name} `));
      const start = since.indexOf(`${d.name} start ${u}`);
      assert.ok(stop >= 0 && stop < start, `unit ${u} stopped before it started on d: ${since.join(", ")}`);
    }
    const leaderLogs = [...a!.log, ...c!.log].join("\n");
    // first phase: nothing moves, 4 units are revoked from their owners
    assert.match(
      leaderLogs,
      /rebalance \(as leader\) at \S+: 3 processes, 12 units; reason: process \S+ joined; 0 units move; 4 units revoked \(first phase: /,
    );
    assert.match(leaderLogs, /rejoining after stopping the units revoked from this process/);
    // second phase: the owners rejoined, and the revoked units go to d
    assert.match(
      leaderLogs,
      /reason: \S+ stopped the units revoked from them and rejoined \(second phase of a move\); \d units move: task\d-\d \(stopped by \S+ with a final checkpoint\) -> /,
    );
    // every member logs the generation with what it starts, stops and keeps
    assert.match(
      d.log.join("\n"),
      /generation \d+ at \S+: start: (task\d-\d, ){3}task\d-\d; stop: none; keep: none/,
    );
  } finally {
    for (const m of members) await m.membership.leave().catch(() => {});
    await client.deleteTopics([unitsTopic]).catch(() => {});
    await client.close();
  }
});

test("more processes than units: the leader warns, the process without a unit says it stands by", {
  ...options,
  timeout: 180_000,
}, async () => {
  const unitsTopic = uniqueTopic("units");
  const groupId = uniqueTopic("membership");
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const logs: string[][] = [[], [], []];
  const members = logs.map(
    (log) =>
      new Membership({
        bootstrap: BOOTSTRAP,
        groupId,
        unitsTopic,
        unitNames: ["a-0", "a-1"],
        taskOf: [0, 0],
        group: groupId,
        initialDelayMs: 1000,
        log: (l) => log.push(l),
        start: async () => {},
        stop: async () => {},
        fail: (e) => {
          throw e;
        },
      }),
  );
  try {
    await client.createTopics([{ name: unitsTopic, partitions: 2 }]);
    await Promise.all(members.map((m) => m.join()));
    const all = () => logs.flat().join("\n");
    const deadline = Date.now() + 120_000;
    while (
      !/this process runs no unit \(standby\)/.test(all()) ||
      !/warning: 3 processes share 2 units/.test(all())
    ) {
      if (Date.now() > deadline) throw new Error(`no standby warning; logs:\n${all()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(
      all(),
      /warning: 3 processes share 2 units: 1 of them run no unit \(standby: they take units over when a process fails\)/,
    );
    // exactly one process has no unit (once every member has its assignment)
    const idle = () => members.filter((m) => !m.isAssigned(0) && !m.isAssigned(1)).length;
    while (idle() !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.equal(idle(), 1);
  } finally {
    for (const m of members) await m.leave().catch(() => {});
    await client.deleteTopics([unitsTopic]).catch(() => {});
    await client.close();
  }
});

test(
  "a session timeout the broker refuses is a configuration error naming the property",
  options,
  async () => {
    const unitsTopic = uniqueTopic("units");
    const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
    try {
      await client.createTopics([{ name: unitsTopic, partitions: 1 }]);
      const m = new Membership({
        bootstrap: BOOTSTRAP,
        groupId: uniqueTopic("membership"),
        unitsTopic,
        unitNames: ["u-0"],
        taskOf: [0],
        group: "g",
        sessionTimeoutMs: 1000,
        log: () => {},
        start: async () => {},
        stop: async () => {},
        fail: () => {},
      });
      await assert.rejects(
        m.join(),
        (e: unknown) =>
          e instanceof FleuveError &&
          e.code === "FLEUVE_CONFIG_INVALID" &&
          /"session\.timeout\.ms" 1000/.test(e.message) &&
          /group\.min\.session\.timeout\.ms/.test(e.message),
      );
    } finally {
      await client.deleteTopics([unitsTopic]).catch(() => {});
      await client.close();
    }
  },
);
