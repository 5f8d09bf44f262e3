/**
 * Missing Kafka topics, as a new user meets them (the development broker does not create topics on first use):
 * `fleuve run` and `fleuve run --group` of the documented job exit at once with
 * FLEUVE_KAFKA_TOPIC_NOT_FOUND naming the topic and the command that creates it, instead of
 * restarting (a group unit used to be started again every 2 s, forever); a missing output topic
 * fails before the first checkpoint, naming it. Also: an exactly-once kafkaSink on an unbounded
 * source without checkpoints is refused at start, and runs with them.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { KafkaClient, kafkaSink, kafkaSource } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";
import { kcat } from "./crash-common.js";

const options = await brokerTestOptions();
const cli = fileURLToPath(new URL("../../../cli/bin/fleuve.js", import.meta.url));
const jobFile = fileURLToPath(new URL("../fixtures/group-job.ts", import.meta.url));

/** Lines that show a run trying again instead of failing. */
const RETRYING = /restarting in|starting it again/;

interface Exit {
  code: number | null;
  stderr: string;
  /** True when the run printed a retry line (then it was killed rather than waited for). */
  retried: boolean;
}

/**
 * Runs `fleuve args...` until it exits, or until it prints that it restarts (then kills it): a run
 * that retries a missing topic would otherwise loop for a long time or forever.
 */
function run(args: string[]): Promise<Exit> {
  const child: ChildProcess = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let retried = false;
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    if (!retried && RETRYING.test(stderr)) {
      retried = true;
      child.kill("SIGKILL");
    }
  });
  child.stdout!.resume();
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr, retried }));
  });
}

/** Files named `_metadata` under `dir`: one per completed checkpoint. */
function completedCheckpoints(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter(
    (f) => f.endsWith("_metadata") && /chk-\d+/.test(f),
  );
}

describe("missing Kafka topics", { ...options, timeout: 300_000 }, () => {
  let client: KafkaClient;
  const topics: string[] = [];
  const groups: string[] = [];
  const dirs: string[] = [];

  before(async () => {
    client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  });
  after(async () => {
    if (!client) return;
    // `--group` runs create their exchange, membership and changelog topics.
    const internal = (await client.listTopics()).filter((t) =>
      groups.some((g) => t.startsWith(`fleuve-${g}-`)),
    );
    await client.deleteTopics([...topics, ...internal]).catch(() => {});
    await client.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function topic(prefix: string, partitions: number): Promise<string> {
    const t = uniqueTopic(prefix);
    await client.createTopics([{ name: t, partitions }]);
    topics.push(t);
    return t;
  }

  function cpDir(): string {
    const d = mkdtempSync(join(tmpdir(), "fleuve-missing-topic-"));
    dirs.push(d);
    return d;
  }

  function assertNamesMissing(r: Exit, missing: string, who: string): void {
    assert.equal(r.retried, false, `the run retried instead of failing:\n${r.stderr}`);
    assert.equal(r.code, 1, `exit code 1, got ${r.code}:\n${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(`error FLEUVE_KAFKA_TOPIC_NOT_FOUND: ${who}: Kafka topic "${missing}"`),
    );
    assert.match(
      r.stderr,
      new RegExp(`Create it first: fleuve kafka topics create ${missing} --bootstrap ${BOOTSTRAP} `),
    );
  }

  test("fleuve run: a missing input topic exits at once with the code, the topic and how to create it", async () => {
    const missing = uniqueTopic("missing-in");
    const out = await topic("missing-in-out", 1);
    const r = await run([
      "run",
      jobFile,
      "--checkpoint-dir",
      cpDir(),
      "--checkpoint-interval",
      "200",
      "--",
      BOOTSTRAP,
      missing,
      out,
    ]);
    assertNamesMissing(r, missing, "kafkaSource");
  });

  test("fleuve run --group: a missing input topic makes the process leave and exit, not start units again", async () => {
    const missing = uniqueTopic("missing-in-group");
    const out = await topic("missing-in-group-out", 1);
    const group = uniqueTopic("g");
    groups.push(group);
    const r = await run([
      "run",
      jobFile,
      "--group",
      group,
      "--checkpoint-dir",
      cpDir(),
      "--checkpoint-interval",
      "200",
      "--bootstrap",
      BOOTSTRAP,
      "--",
      BOOTSTRAP,
      missing,
      out,
    ]);
    assertNamesMissing(r, missing, "kafkaSource");
  });

  test("fleuve run: a missing output topic fails before the first checkpoint, naming it", async () => {
    const input = await topic("missing-out-in", 2);
    const lines = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ user: `u${i % 5}`, ts: i * 10, amount: i }),
    );
    kcat(BOOTSTRAP, ["-P", "-t", input], `${lines.join("\n")}\n`);
    const missing = uniqueTopic("missing-out");
    const dir = cpDir();
    const r = await run([
      "run",
      jobFile,
      "--checkpoint-dir",
      dir,
      "--checkpoint-interval",
      "200",
      "--",
      BOOTSTRAP,
      input,
      missing,
    ]);
    assertNamesMissing(r, missing, "kafkaSink");
    assert.deepEqual(completedCheckpoints(dir), [], "no checkpoint completed");
  });

  test("kafkaSink with a topic function: a record for a missing topic fails the job naming that topic", async () => {
    const missing = uniqueTopic("missing-by-function");
    const env = StreamExecutionEnvironment.create({ log: () => {} });
    env
      .fromElements("a", "b")
      .sinkTo(kafkaSink<string>({ bootstrap: BOOTSTRAP, topic: () => missing, serializer: "string" }), "out");
    await assert.rejects(env.execute("topic-function"), (e: unknown) => {
      assert.ok(isFleuveError(e, "FLEUVE_KAFKA_TOPIC_NOT_FOUND"), String(e));
      assert.match(e.message, new RegExp(`kafkaSink: Kafka topic "${missing}" does not exist`));
      assert.deepEqual(e.details.topics, [missing]);
      return true;
    });
  });

  test("exactly-once kafkaSink on an unbounded kafkaSource: refused without checkpoints, runs with them", async () => {
    const input = await topic("eos-nocp-in", 1);
    const out = await topic("eos-nocp-out", 1);
    kcat(BOOTSTRAP, ["-P", "-t", input], "1\n2\n3\n");
    const build = (env: StreamExecutionEnvironment) =>
      env
        .fromSource(
          kafkaSource<null, string, Buffer>({ bootstrap: BOOTSTRAP, topics: [input], value: "string" }),
          undefined,
          "numbers-in",
        )
        .map((r) => r.value)
        .sinkTo(
          kafkaSink<string>({
            bootstrap: BOOTSTRAP,
            topic: out,
            serializer: "string",
            deliveryGuarantee: "exactly-once",
            transactionalIdPrefix: `${out}-tx`,
          }),
          "numbers-out",
        );

    const refused = StreamExecutionEnvironment.create({ log: () => {} });
    build(refused);
    await assert.rejects(refused.execute("eos-without-checkpoints"), (e: unknown) => {
      assert.ok(isFleuveError(e, "FLEUVE_CONFIG_INVALID"), String(e));
      assert.match(e.message, /sink 'numbers-out' is exactly-once/);
      assert.match(e.message, /Enable checkpointing/);
      assert.match(e.message, /use an at-least-once sink \(kafkaSink deliveryGuarantee: "at-least-once"\)/);
      return true;
    });

    const env = StreamExecutionEnvironment.create({
      checkpointing: { dir: cpDir(), intervalMs: 100 },
      log: () => {},
    });
    build(env);
    const job = env.executeAsync("eos-with-checkpoints");
    let failed: unknown;
    job.result.catch((e: unknown) => {
      failed = e;
    });
    const committed = () =>
      kcat(BOOTSTRAP, ["-C", "-t", out, "-e", "-q", "-f", "%s\\n", "-X", "isolation.level=read_committed"])
        .split("\n")
        .filter((l) => l !== "");
    while (failed === undefined && committed().length < 3) await new Promise((r) => setTimeout(r, 100));
    const failedWhileRunning = failed;
    job.cancel();
    await job.result.catch(() => {});
    assert.equal(failedWhileRunning, undefined, `the job runs: ${String(failedWhileRunning)}`);
    assert.deepEqual(committed().sort(), ["1", "2", "3"]);
  });
});
