/**
 * State changelogs in Kafka, against the real broker: what a handle names comes back exactly
 * (other writers' records and other segments skipped), released records are deleted from the
 * partition (kcat, an independent client, sees the new log start), and the core recovery job
 * with injected failures gives the exact output when its keyed state restores from the Kafka
 * changelog.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ChangelogReleases, changelogStateBackend, isFleuveError, type Source } from "@fleuve/core";
import {
  type RecoveryEvent as Ev,
  FakeTransactionalStore as FakeStore,
  recoveryEvent as gen,
  recoveryJob as job,
  recoveryOracle as oracle,
} from "@fleuve/core/testing/suites";
import { CHANGELOG_TOPIC_CONFIG, KafkaClient, kafkaChangelog } from "../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "./broker.js";
import { kcat } from "./connectors/crash-common.js";

const options = await brokerTestOptions();
const ctx = (operatorId: string, subtaskIndex = 0) => ({
  maxParallelism: 128,
  clock: () => 0,
  jobName: "j",
  operatorId,
  subtaskIndex,
  parallelism: 2,
});

/**
 * gen(0..n-1) in steps of `step` records: the next step is emitted only once a checkpoint taken
 * after the previous one has completed, so a run has a checkpoint after every step, each with new
 * state to write, whatever the machine's speed (a rate-limited generator on a busy machine may
 * see only a couple of checkpoints).
 */
function pacedByCheckpoints(n: number, step: number): Source<Ev> {
  return {
    bounded: true,
    createReader() {
      let next = 0;
      let allowed = step;
      /** `next` when the latest checkpoint was taken. */
      let taken = -1;
      let wake: (() => void) | undefined;
      return {
        poll(out, max) {
          for (let k = 0; next < n && next < allowed && k < max; k++) out.collect(gen(next++));
          if (next >= n) return "end";
          return next < allowed ? "more" : "nothing-yet";
        },
        // woken by the completed checkpoint; the timer only re-checks
        available: () =>
          new Promise((resolve) => {
            wake = resolve;
            setTimeout(resolve, 50);
          }),
        snapshot: () => {
          taken = next;
          return next;
        },
        restore(state) {
          next = state as number;
          allowed = next + step;
        },
        notifyCheckpointComplete() {
          if (taken < allowed) return;
          allowed = taken + step;
          wake?.();
        },
      };
    },
  };
}

describe("Kafka state changelog", { ...options, timeout: 300_000 }, () => {
  let client: KafkaClient;
  const topics: string[] = [];
  const newTopic = async (partitions: number) => {
    const name = uniqueTopic("changelog");
    await client.createTopics([{ name, partitions, config: CHANGELOG_TOPIC_CONFIG }]);
    topics.push(name);
    return name;
  };
  before(async () => {
    client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  });
  after(async () => {
    if (!client) return;
    await client.deleteTopics(topics);
    await client.close();
  });

  test("a handle reads back its writer's segments in order; released records are deleted", async () => {
    const topic = await newTopic(2);
    const log = kafkaChangelog({ bootstrap: BOOTSTRAP, topic });
    try {
      const a = log.writer(ctx("a", 1)); // partition 1 (subtask index)
      const b = log.writer(ctx("b", 1));
      await Promise.all([a.persist(), b.persist()]);
      for (let seq = 1; seq <= 4; seq++) {
        a.append(seq, Buffer.from(`a${seq}.0`));
        b.append(seq, Buffer.from(`b${seq}`));
        a.append(seq, Buffer.from(`a${seq}.1`));
      }
      await Promise.all([a.persist(), b.persist()]);
      const text = (cs: Uint8Array[]) => cs.map((c) => Buffer.from(c).toString());
      assert.deepEqual(text(await log.read({ writer: a.id, from: a.from!, after: 1, upTo: 3 })), [
        "a2.0",
        "a2.1",
        "a3.0",
        "a3.1",
      ]);
      assert.deepEqual(text(await log.read({ writer: b.id, from: b.from!, after: 0, upTo: 4 })), [
        "b1",
        "b2",
        "b3",
        "b4",
      ]);
      assert.match(a.from!, /^1:\d+$/);

      // A third writer starts after all of them; once both backends release up to it, the
      // records before it go (kcat reads the partition's log start from the broker).
      const c = log.writer(ctx("a", 1));
      await c.persist();
      c.append(1, Buffer.from("c1"));
      await c.persist();
      // What each release decided to delete up to (undefined: nothing), read as it decides: a delete
      // is started only on such a decision, so no wait for one that should not come.
      const decided: (bigint | undefined)[] = [];
      const decide = ChangelogReleases.prototype.release;
      ChangelogReleases.prototype.release = function (this: ChangelogReleases, owner, before) {
        const upTo = decide.call(this, owner, before);
        decided.push(upTo);
        return upTo;
      };
      try {
        a.release(c.from!);
        assert.deepEqual(decided, [undefined], "nothing deleted while backend b has not released");
        b.release(c.from!);
        assert.deepEqual(decided, [undefined, BigInt(c.from!.split(":")[1]!)], "b's release deletes up to c");
      } finally {
        ChangelogReleases.prototype.release = decide;
      }
      const start = () =>
        kcat(BOOTSTRAP, ["-Q", "-t", `${topic}:1:-2`])
          .trim()
          .split(/\s+/)
          .pop();
      // DeleteRecords runs in the background: wait for the log start to move (generously: a busy
      // machine may be slow to run it and kcat).
      for (const deadline = Date.now() + 60_000; start() === "0" && Date.now() < deadline; )
        await new Promise((r) => setTimeout(r, 100));
      assert.equal(start(), c.from!.split(":")[1], "log start moved to the third writer's start");
      await assert.rejects(
        log.read({ writer: a.id, from: a.from!, after: 0, upTo: 4 }),
        (e: unknown) => isFleuveError(e) && e.code === "FLEUVE_CHECKPOINT_CORRUPT",
      );
      assert.deepEqual(text(await log.read({ writer: c.id, from: c.from!, after: 0, upTo: 1 })), ["c1"]);
    } finally {
      await log.close();
    }
  });

  test("failures in the middle of a job whose keyed state restores from the Kafka changelog: exact output", async () => {
    const topic = await newTopic(2);
    const log = kafkaChangelog({ bootstrap: BOOTSTRAP, topic });
    const dir = mkdtempSync(join(tmpdir(), "fleuve-kcl-"));
    try {
      const n = 60_000;
      const step = 2000;
      const store = new FakeStore();
      const restores: string[] = [];
      const fetched: string[] = [];
      const env = job(dir, store, n, [11_111, 30_333, 52_222], {
        // a full copy every 4 checkpoints, so restores meet both kinds and records get deleted
        stateBackend: changelogStateBackend(log, { materializeEvery: 4 }),
        events: pacedByCheckpoints(n, step),
        log: (l) => {
          if (l.startsWith("restoring checkpoint")) restores.push(l);
          if (l.startsWith("restoring keyed state")) fetched.push(l);
        },
      });
      await env.executeAsync("recovery-kafka-changelog").result;
      assert.equal(restores.length, 3, restores.join("; "));
      assert.equal(fetched.length, 3, `each restore fetched its keyed state: ${fetched.join("; ")}`);
      assert.deepEqual(store.committed.slice().sort(), oracle(n));
      // records ever written to the changelog (kcat: each partition's end offset)
      const written = [0, 1]
        .map((p) =>
          Number(
            kcat(BOOTSTRAP, ["-Q", "-t", `${topic}:${p}:-1`])
              .trim()
              .split(/\s+/)
              .pop(),
          ),
        )
        .reduce((x, y) => x + y, 0);
      // A checkpoint after each of the n/step steps, each with changes in both subtasks' state;
      // at most one checkpoint in 4, plus the first after each restore, is a full copy instead.
      assert.ok(written >= n / step, `deltas went to the changelog (${written} records)`);
    } finally {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
