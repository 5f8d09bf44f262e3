/**
 * `fleuve kafka topics create|list|describe|delete` against the real broker, checked with kcat -L
 * (an independent client): the topic appears with the partitions asked for, its configs are set,
 * and it is gone once deleted. Also the errors a user meets: an existing topic, a missing one, a
 * bad config, a bad option.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { isFleuveError } from "@fleuve/core";
import { ensureReachable } from "@fleuve/kafka";
import { waitGone } from "../src/kafka-command.js";
import { fleuve } from "./helpers.js";

const BOOTSTRAP = process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";

/** Skips (saying why) without a broker, except in CI where a missing broker is a failure. */
async function brokerOptions(): Promise<{ skip?: string }> {
  try {
    await ensureReachable([BOOTSTRAP], "fleuve-cli-test-probe");
    return {};
  } catch {
    if (process.env.CI) return {};
    const reason = `no Kafka broker answers at ${BOOTSTRAP}; start one with \`npm run services:up\``;
    console.log(`[kafka topics tests] SKIPPED: ${reason}`);
    return { skip: reason };
  }
}

/** kcat's metadata of `topic`: its partition count, or undefined when kcat does not list it. */
function kcatPartitions(topic: string): number | undefined {
  const r = spawnSync("kcat", ["-b", BOOTSTRAP, "-L", "-t", topic], { encoding: "utf8", timeout: 60_000 });
  if (r.error) throw new Error(`cannot run kcat (${r.error.message}). Install it: apt-get install -y kcat.`);
  assert.equal(r.status, 0, `kcat -L exited ${r.status}: ${r.stderr}`);
  // A topic the broker does not have: `topic "x" with 0 partitions: Broker: Unknown topic or partition`.
  const m = new RegExp(`topic "${topic}" with (\\d+) partitions(:.*Unknown topic)?`).exec(r.stdout);
  return m && m[2] === undefined ? Number(m[1]) : undefined;
}

const options = await brokerOptions();

// A bound, not a timing: a dozen CLI processes run one after the other, each paying Node's start-up,
// which took 10-15 s apiece on a CI machine whose cores were busy (120 s was reached there).
describe("fleuve kafka topics", { ...options, timeout: 600_000 }, () => {
  test("create, list, describe and delete round trip, as kcat -L sees it", async () => {
    const name = `cli-topics-${Date.now()}-${randomBytes(4).toString("hex")}`;
    const b = ["--bootstrap", BOOTSTRAP];
    try {
      const created = await fleuve(
        "kafka",
        "topics",
        "create",
        name,
        "--partitions",
        "3",
        "--config",
        "retention.ms=3600000",
        "--config=cleanup.policy=compact",
        ...b,
      );
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout, `created topic ${name} (3 partitions, replication factor 1)\n`);
      assert.equal(kcatPartitions(name), 3, "kcat -L lists the topic with 3 partitions");

      const list = await fleuve("kafka", "topics", "list", ...b);
      assert.equal(list.code, 0, list.stderr);
      assert.ok(list.stdout.split("\n").includes(name), "list names the topic");

      const described = await fleuve("kafka", "topics", "describe", name, ...b);
      assert.equal(described.code, 0, described.stderr);
      const [head, ...parts] = described.stdout.trimEnd().split("\n");
      assert.match(
        head!,
        new RegExp(`^Topic: ${name}\\tTopicId: \\S+\\tPartitionCount: 3\\tReplicationFactor: 1\\t`),
      );
      assert.match(head!, /Configs: .*cleanup\.policy=compact/);
      assert.match(head!, /Configs: .*retention\.ms=3600000/);
      assert.deepEqual(
        parts.map((l) => /Partition: (\d+)\tLeader: (\d+)/.exec(l)?.[1]),
        ["0", "1", "2"],
      );

      const again = await fleuve("kafka", "topics", "create", name, ...b);
      assert.equal(again.code, 1);
      assert.match(
        again.stderr,
        new RegExp(`error FLEUVE_CONFIG_INVALID: Kafka topic "${name}" already exists.*--if-not-exists`),
      );
      const kept = await fleuve("kafka", "topics", "create", name, "--if-not-exists", ...b);
      assert.equal(kept.code, 0, kept.stderr);
      assert.match(kept.stdout, /exists already \(left as it is\)/);
      assert.equal(kcatPartitions(name), 3, "left as it was");

      const deleted = await fleuve("kafka", "topics", "delete", name, ...b);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal(deleted.stdout, `deleted topic ${name}\n`);
      assert.equal(kcatPartitions(name), undefined, "kcat -L no longer lists the topic");

      for (const action of ["describe", "delete"]) {
        const missing = await fleuve("kafka", "topics", action, name, ...b);
        assert.equal(missing.code, 1, `${action} of a missing topic`);
        assert.match(
          missing.stderr,
          new RegExp(`error FLEUVE_KAFKA_TOPIC_NOT_FOUND: Kafka topic "${name}" does not exist`),
        );
      }
      const quiet = await fleuve("kafka", "topics", "delete", name, "--if-exists", ...b);
      assert.equal(quiet.code, 0, quiet.stderr);
    } finally {
      await fleuve("kafka", "topics", "delete", name, "--if-exists", ...b);
    }
  });

  test("a config the broker rejects is named with the broker's reason", async () => {
    const name = `cli-topics-bad-${Date.now()}-${randomBytes(4).toString("hex")}`;
    const r = await fleuve(
      "kafka",
      "topics",
      "create",
      name,
      "--config",
      "retention.mss=5",
      "--bootstrap",
      BOOTSTRAP,
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `error FLEUVE_CONFIG_INVALID: cannot create Kafka topic "${name}": Unknown topic config name: retention.mss`,
      ),
    );
    assert.equal(kcatPartitions(name), undefined);
  });
});

test("fleuve kafka usage errors and help need no broker", async () => {
  const help = await fleuve("kafka", "--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /fleuve kafka topics create <name> \[--partitions N\]/);
  const usage = await fleuve("--help");
  assert.match(usage.stdout, /kafka topics create\|list\|describe\|delete/);
  for (const [args, message] of [
    [
      ["kafka", "topics", "create", "x", "--config", "novalue"],
      /option '--config' needs key=value, got 'novalue'/,
    ],
    [
      ["kafka", "topics", "create", "x", "--partitions", "0"],
      /option '--partitions' must be an integer >= 1/,
    ],
    [
      ["kafka", "topics", "list", "--partitions", "2"],
      /option '--partitions' applies to 'fleuve kafka topics create' only/,
    ],
    [["kafka", "topics", "describe"], /'fleuve kafka topics describe' takes one topic name/],
    [
      ["kafka", "topics", "rename", "x"],
      /'fleuve kafka topics' needs one of create, list, describe, delete, got 'rename'/,
    ],
    [["kafka", "queues"], /unknown 'fleuve kafka' command 'queues'/],
  ] as const) {
    const r = await fleuve(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`error FLEUVE_CLI_USAGE: ${message.source}`));
  }
});

test("delete: a topic the broker still lists is FLEUVE_KAFKA_TIMEOUT (it answered), gone is fine", async () => {
  const stillListed = { listTopics: async () => ["orders"] };
  await assert.rejects(waitGone(stillListed, "orders", 0), (e: unknown) => {
    assert.ok(isFleuveError(e, "FLEUVE_KAFKA_TIMEOUT"), String(e));
    assert.match(e.message, /Kafka topic "orders": the broker accepted its deletion but still lists it/);
    return true;
  });
  let calls = 0;
  const goneSoon = { listTopics: async () => (++calls < 3 ? ["orders"] : []) };
  await waitGone(goneSoon, "orders", 60_000);
  assert.equal(calls, 3);
});
