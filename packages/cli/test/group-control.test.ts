/**
 * `fleuve jobs` and the control sockets of `fleuve run --group` processes, against the real
 * broker: two processes of one group started from one directory each serve a socket (the second
 * as `<job>-<pid>`), their status names the group and the units they run, and `fleuve jobs` lists
 * the group's processes from Kafka's description of the consumer group (client ids with each
 * process's pid, the units each runs: all of the job's, once). `fleuve savepoint` through either
 * socket takes a savepoint of the whole group, on the shared checkpoint directory by default.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KafkaClient } from "@fleuve/kafka";
import { waitFor } from "../../kafka/test/fixtures/group-processes.js";
import { BOOTSTRAP, brokerOptions, fleuve, type GroupProcess, startGroupProcess } from "./helpers.js";

const options = await brokerOptions("group control tests");
type Proc = GroupProcess;

test("fleuve jobs lists the processes of a --group job, from Kafka's description of the group", {
  ...options,
  timeout: 600_000,
}, async () => {
  const unique = `${Date.now()}-${randomBytes(3).toString("hex")}`;
  const group = `ctl-${unique}`;
  const input = `ctl-in-${unique}`;
  const output = `ctl-out-${unique}`;
  const dir = mkdtempSync(join(tmpdir(), "fleuve-group-control-"));
  const controlDir = join(dir, "jobs");
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  const procs: Proc[] = [];
  try {
    await client.createTopics([
      { name: input, partitions: 6 },
      { name: output, partitions: 1 },
    ]);
    procs.push(startGroupProcess(group, join(dir, "checkpoints"), controlDir, input, output));
    await waitFor("the first process's socket", () => /joined group/.test(procs[0]!.log), 240_000, procs);
    procs.push(startGroupProcess(group, join(dir, "checkpoints"), controlDir, input, output));
    await waitFor(
      "the second process to be reachable under <job>-<pid>",
      () => procs[1]!.log.includes(`reach this one with 'fleuve savepoint group-job-${procs[1]!.child.pid}'`),
      240_000,
      procs,
    );

    // Both in the group, the 18 units (6 sources, 6 windows, 6 counts) split over them.
    let listed = "";
    await waitFor(
      "fleuve jobs to list both processes with all 18 units",
      async () => {
        const r = await fleuve("jobs", "--control-dir", controlDir);
        assert.equal(r.code, 0, r.stderr);
        listed = r.stdout;
        const members = listed.split("\n").filter((l) => l.startsWith("  fleuve-"));
        const units = members.flatMap((l) => l.slice(l.indexOf("units: ") + 7).split(", "));
        return members.length === 2 && units.length === 18 && new Set(units).size === 18;
      },
      240_000,
      procs,
    );
    const lines = listed.trimEnd().split("\n");
    const [first, second] = procs.map((p) => p.child.pid!);
    // One line per socket, the group's processes once (under the first socket).
    assert.match(
      lines[0]!,
      new RegExp(`^group-job\\tpid ${first}\\tsince \\S+\\tgroup '${group}': \\d+ of 18 units here$`),
    );
    assert.equal(lines[1], `  processes of group '${group}': 2`);
    const members = lines.slice(2, 4).sort();
    for (const pid of [first, second]) {
      assert.ok(
        members.some((m) =>
          new RegExp(`^  fleuve-${group}-member-\\S+-${pid}\\t/?[\\d.:a-f]+\\t\\d+ units: `).test(m),
        ),
        `a member line for pid ${pid} in:\n${listed}`,
      );
    }
    assert.match(
      lines[4]!,
      new RegExp(
        `^group-job-${second}\\tpid ${second}\\tsince \\S+\\tjob 'group-job'\\tgroup '${group}': \\d+ of 18 units here$`,
      ),
    );
    assert.equal(lines.length, 5, listed);

    // fleuve savepoint through either socket is a savepoint of the whole group, which goes on: by
    // default on the shared checkpoint directory, else under --dir.
    const shared = await fleuve("savepoint", `group-job-${second}`, "--control-dir", controlDir);
    assert.equal(shared.code, 0, shared.stderr);
    assert.ok(
      shared.stdout.startsWith(join(dir, "checkpoints", "savepoints", "savepoint-group-job-")),
      shared.stdout,
    );
    assert.match(shared.stderr, /savepoint of job 'group-job-\d+' taken; the job goes on/);
    const elsewhere = await fleuve(
      "savepoint",
      "group-job",
      "--control-dir",
      controlDir,
      "--dir",
      join(dir, "sp"),
    );
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
    assert.ok(elsewhere.stdout.startsWith(join(dir, "sp", "savepoint-group-job-")), elsewhere.stdout);
    for (const path of [shared.stdout.trim(), elsewhere.stdout.trim()]) {
      assert.ok(existsSync(join(path, "_metadata")), `${path} is a complete savepoint`);
    }
    assert.deepEqual(
      procs.map((p) => p.child.exitCode),
      [null, null],
      "both processes go on",
    );
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await client
      .deleteTopics([
        input,
        output,
        ...(await client.listTopics()).filter((t) => t.startsWith(`fleuve-${group}-`)),
      ])
      .catch(() => {});
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
