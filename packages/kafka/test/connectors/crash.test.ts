/**
 * Exactly-once end to end over a real broker: a child process runs Kafka -> keyed state + windows ->
 * Kafka (exactly-once) and is SIGKILLed at random moments, at least 10 times, then restarted from
 * its latest checkpoint. kcat (librdkafka, an independent client) produces the input and reads the
 * output with isolation.level=read_committed: it must equal the oracle exactly - nothing missing,
 * nothing twice, no aborted record visible.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { KafkaClient } from "../../src/index.js";
import { BOOTSTRAP, brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";
import { event, kcat, oracle, readSorted } from "./crash-common.js";
import { settled } from "./settled.js";

const options = await brokerTestOptions();
const N = 150_000;
const jobFile = fileURLToPath(new URL("./crash-job.ts", import.meta.url));
function runJob(
  args: string[],
  killAfterMs: number | undefined,
): Promise<{ code: number | null; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", jobFile, ...args], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    let killed = false;
    const timer =
      killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = true;
            child.kill("SIGKILL");
          }, killAfterMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      if (timer) clearTimeout(timer);
      if (!killed && code !== 0) reject(new Error(`job exited with ${code}: ${stderr}`));
      else resolve({ code, killed });
    });
  });
}

test("Kafka exactly-once: SIGKILLed 10+ times, kcat read_committed sees exactly the oracle", {
  ...options,
  timeout: 900_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-kafka-crash-"));
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const input = uniqueTopic("crash-in");
  const output = uniqueTopic("crash-out");
  try {
    await client.createTopics([
      { name: input, partitions: 4 },
      { name: output, partitions: 2, config: OLD_TIMESTAMPS },
    ]);
    // A user's events share a key, so a partition, in timestamp order: monotonous per partition.
    const lines: string[] = [];
    for (let i = 0; i < N; i++) lines.push(`u${event(i).user}\t${JSON.stringify(event(i))}`);
    kcat(BOOTSTRAP, ["-P", "-t", input, "-K", "\t"], `${lines.join("\n")}\n`);

    let seed = 4242;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const wanted = Number(process.env.FLEUVE_CRASH_KILLS ?? 10);
    const args = [BOOTSTRAP, input, output, join(dir, "cp"), uniqueTopic("crash-tx")];
    let kills = 0;
    for (let attempt = 0; attempt < 40; attempt++) {
      // the first kills come early (often before the first checkpoint), later ones after more progress
      const killAfter = kills < wanted ? 900 + Math.floor(rand() * 700) : undefined;
      const r = await runJob(args, killAfter);
      if (r.killed) {
        kills++;
        continue;
      }
      break;
    }
    assert.ok(kills >= wanted, `the job was killed ${kills} times (it finished before the planned kills)`);

    await settled(client, output, 2);
    const out = readSorted(BOOTSTRAP, output);
    const want = oracle(N);
    if (out.length !== want.length) {
      const ws = new Set(want);
      const gs = new Set(out);
      console.error(
        "missing",
        want.filter((x) => !gs.has(x)).length,
        JSON.stringify(want.filter((x) => !gs.has(x)).filter((_, i) => i % 1000 === 0)),
        "extra",
        out.filter((x) => !ws.has(x)).length,
        "dups",
        out.length - gs.size,
      );
    }
    assert.equal(out.length, want.length, `committed ${out.length} records, the oracle has ${want.length}`);
    assert.deepEqual(out, want);
    // The log also holds aborted transactions of killed runs, which read_committed must not show.
    const all = readSorted(BOOTSTRAP, output, "read_uncommitted");
    assert.ok(all.length >= want.length, `read_uncommitted saw ${all.length} records, fewer than committed`);
    console.log(
      `[kafka crash test] ${kills} kills; ${all.length - want.length} records of aborted transactions in the log`,
    );
  } finally {
    await client.deleteTopics([input, output]).catch(() => {});
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
