/**
 * The internal topics of a job's earlier deployment are deleted by the current deployment only
 * once every one of its units has a completed checkpoint and no process of the earlier deployment
 * is in the group, against the real broker: before either, they stay; then every one goes, and
 * the deletion is logged with their names.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { localCheckpointStorage } from "@fleuve/core";
import { KafkaClient } from "../../src/index.js";
import { deploymentRecordDir } from "../../src/scale-out/deployment.js";
import type { GroupMemberTopics } from "../../src/scale-out/group-members.js";
import { deleteRetiredDeployments } from "../../src/scale-out/retired-deployments.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();

test("an earlier deployment's topics go once every unit of the current one checkpointed and none of its processes runs", {
  ...options,
  timeout: 120_000,
}, async (t) => {
  const group = uniqueTopic("retired");
  const groupId = `fleuve-${group}`;
  const dir = mkdtempSync(join(tmpdir(), "fleuve-retired-"));
  const shape = JSON.stringify({ units: ["a-0", "b-0"], exchanges: [["a-to-b-0", 1, 1]] });
  const old = ["a-to-b-0", "units", "control", "changelog"].map((n) => `${groupId}-job-${n}`);
  const client = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  try {
    await client.createTopics(old.map((name) => ({ name, partitions: 1 })));
    // the current deployment job.from-abc, started from a savepoint of the base one
    await localCheckpointStorage.writeFolder(
      deploymentRecordDir(dir, "job"),
      new Map(),
      JSON.stringify({
        id: "abc",
        shape,
        parallelism: "a x1, b x1",
        since: "",
        retired: [{ id: "", shape }],
      }),
    );
    const unitDirs = ["a-0", "b-0"].map((u) => join(dir, "job.from-abc", u));
    for (const u of unitDirs) mkdirSync(join(u, "epoch-1"), { recursive: true });
    let members: GroupMemberTopics[] = [];
    const logs: string[] = [];
    const run = (deploymentId = "abc") =>
      deleteRetiredDeployments({
        storage: localCheckpointStorage,
        checkpointDir: dir,
        job: "job",
        group,
        groupId,
        bootstrap: BOOTSTRAP,
        deploymentId,
        unitDirs,
        log: (l) => logs.push(l),
        describe: async () => members,
      });
    const existing = async () => {
      const now = new Set(await client.listTopics());
      return old.filter((n) => now.has(n));
    };

    // 1. Unit b-0 has no completed checkpoint yet.
    mkdirSync(join(unitDirs[0]!, "epoch-1", "chk-1"));
    writeFileSync(join(unitDirs[0]!, "epoch-1", "chk-1", "_metadata"), "{}");
    mkdirSync(join(unitDirs[1]!, "epoch-1", "chk-1")); // written, not completed
    assert.equal(await run(), false, "not yet");
    assert.deepEqual(await existing(), old);

    // 2. Every unit checkpointed, but a process of the base deployment is still in the group.
    writeFileSync(join(unitDirs[1]!, "epoch-1", "chk-1", "_metadata"), "{}");
    members = [{ clientId: `${groupId}-member-h-1`, host: "/127.0.0.1", topics: [`${groupId}-job-units`] }];
    assert.equal(await run(), false, "not while it runs");
    assert.deepEqual(await existing(), old);
    assert.equal(logs.length, 0, "nothing deleted");

    // 3. A process of another deployment than the recorded one deletes nothing: that one does.
    members = [];
    assert.equal(await run("older"), true);
    assert.deepEqual(await existing(), old);
    assert.equal(logs.length, 0, "nothing deleted");

    // 4. It left: every topic of the base deployment goes, logged.
    members = [
      { clientId: `${groupId}-member-h-2`, host: "/127.0.0.1", topics: [`${groupId}-job.from-abc-units`] },
    ];
    assert.equal(await run(), true);
    assert.deepEqual(logs, [
      `group ${group}: deleted the internal topics of deployment job, which no process runs any more (deployment job.from-abc has a checkpoint of every unit): ${old.join(", ")}`,
    ]);
    while ((await existing()).length > 0) {
      if (t.signal.aborted) throw new Error(`still there: ${(await existing()).join(", ")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await run(), true, "nothing left: nothing logged again");
    assert.equal(logs.length, 1);
  } finally {
    await client.deleteTopics(old).catch(() => {});
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
