/**
 * Broker lost mid-run: a second, private broker (scripts/services.mjs --port/--home) is stopped
 * while an exactly-once job reads from and writes to it, then started again on the same data. The
 * job holds at a gate the test opens only once the broker is down, so the outage always hits it
 * mid-run whatever the machine's speed; its client fails, and the restart strategy restores from
 * the latest checkpoint until the broker is back (the test waits for that restart before starting
 * the broker); kcat then reads the output read_committed, which must equal the oracle.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { KafkaClient } from "../../src/index.js";
import { brokerTestOptions, OLD_TIMESTAMPS, uniqueTopic } from "../broker.js";
import { event, kcat, oracle, readSorted } from "./crash-common.js";
import { settled } from "./settled.js";

const options = await brokerTestOptions();
const N = 150_000;
const PORT = 19192;
const BOOT = `127.0.0.1:${PORT}`;
const services = fileURLToPath(new URL("../../../../scripts/services.mjs", import.meta.url));
const jobFile = fileURLToPath(new URL("./crash-job.ts", import.meta.url));

/**
 * Waits until `cond()` holds (checked every 50 ms); fails if the job exits first or after a
 * deadline generous enough for a machine busy with other work, showing the job's log.
 */
async function waitFor(
  what: string,
  cond: () => boolean,
  child: ChildProcess,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!cond()) {
    assert.equal(child.exitCode, null, `the job exited while waiting for ${what}:\n${log().slice(-3000)}`);
    assert.ok(Date.now() < deadline, `gave up waiting for ${what}:\n${log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function broker(cmd: "up" | "down", home: string): void {
  const r = spawnSync(process.execPath, [services, cmd, "--port", String(PORT), "--home", home], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `services ${cmd} failed: ${r.stdout}${r.stderr}`);
}

test("broker lost mid-run: the job retries, restores from its checkpoint, and loses nothing", {
  ...options,
  timeout: 900_000,
}, async () => {
  const home = mkdtempSync(join(tmpdir(), "fleuve-broker2-"));
  const dir = mkdtempSync(join(tmpdir(), "fleuve-broker-lost-"));
  broker("up", home);
  const input = uniqueTopic("lost-in");
  const output = uniqueTopic("lost-out");
  try {
    const client = await KafkaClient.connect({ "bootstrap.servers": BOOT });
    await client.createTopics([
      { name: input, partitions: 4 },
      { name: output, partitions: 2, config: OLD_TIMESTAMPS },
    ]);
    await client.close();
    const lines: string[] = [];
    for (let i = 0; i < N; i++) lines.push(`u${event(i).user}\t${JSON.stringify(event(i))}`);
    kcat(BOOT, ["-P", "-t", input, "-K", "\t"], `${lines.join("\n")}\n`);

    // The job's readers hold at a gate after part of the input, so it cannot finish (nor stop
    // using the broker) before the broker is down; the gate opens only once it is.
    const gate = join(dir, "gate");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        jobFile,
        BOOT,
        input,
        output,
        join(dir, "cp"),
        uniqueTopic("lost-tx"),
        "restart",
        gate,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    child.stderr.on("data", (d) => {
      log += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const note = (what: string) => {
      log += `${new Date().toISOString()} [test] ${what}\n`;
    };
    // Committed progress before the outage: both readers hold at the gate and a checkpoint completed.
    const holding = () => (log.match(/holding at the gate/g) ?? []).length === 2;
    const completed = () => {
      try {
        return readdirSync(join(dir, "cp")).some((d) => existsSync(join(dir, "cp", d, "_metadata")));
      } catch {
        return false;
      }
    };
    await waitFor(
      "both readers at the gate and a completed checkpoint",
      () => holding() && completed(),
      child,
      () => log,
    );
    note("stopping the broker");
    broker("down", home);
    note("opening the gate");
    writeFileSync(gate, "");
    // The rest of the input is on the stopped broker: the job fails and restarts; the broker stays
    // down until it has, however long that takes on a busy machine.
    await waitFor(
      "the job to fail and restart",
      () => /restarting in \d+ ms/.test(log),
      child,
      () => log,
    );
    note("starting the broker");
    broker("up", home);
    note("broker up");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<"timeout">((r) => {
        timer = setTimeout(() => r("timeout"), 240_000);
      }),
    ]);
    clearTimeout(timer);
    if (code === "timeout") child.kill("SIGKILL");
    note(`job exited with ${code}`);
    assert.equal(code, 0, `the job did not finish after the broker came back:\n${log.slice(-3000)}`);
    console.log(`[broker-lost test] job log:\n${log.slice(-4000)}`);
    assert.match(log, /restarting in \d+ ms/, "the job failed while the broker was down and restarted");

    const c2 = await KafkaClient.connect({ "bootstrap.servers": BOOT });
    await settled(c2, output, 2);
    await c2.close();
    const want = oracle(N);
    // kcat, started moments after the broker came back, may find a partition without its leader
    // yet and read nothing there: read again (for a while) until it has read everything it will.
    let got = readSorted(BOOT, output);
    for (const deadline = Date.now() + 120_000; got.length < want.length && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 1000));
      got = readSorted(BOOT, output);
    }
    assert.equal(got.length, want.length, `committed ${got.length} records, the oracle has ${want.length}`);
    assert.deepEqual(got, want);
  } finally {
    broker("down", home);
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
