// Consumer group offsets are durable across reopen; the directory lock admits one writer.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { openLog } from "../src/index.js";
import { tmpDir } from "./helpers.js";

test("committed offsets survive reopen and polling resumes where the group left off", () => {
  const dir = tmpDir();
  let log = openLog({ dir });
  const t = log.createTopic("t", { partitions: 3 });
  for (let i = 0; i < 30; i++) {
    t.append([{ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp: 1000 + i }]);
  }
  const g = log.consumerGroup("g1");
  const first = g.poll("t", { maxRecords: 12 });
  assert.equal(first.length, 12);
  g.commitPositions();
  const committed = [0, 1, 2].map((p) => g.committed("t", p) ?? 0);
  assert.equal(
    committed.reduce((a, b) => a + b, 0),
    12,
  );
  log.close();

  log = openLog({ dir });
  const g2 = log.consumerGroup("g1");
  assert.deepEqual(
    [0, 1, 2].map((p) => g2.committed("t", p) ?? 0),
    committed,
  );
  const rest = g2.poll("t", { maxRecords: 100 });
  const seen = [...first, ...rest].map((r) => r.value!.toString()).sort();
  assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => `v${i}`).sort(), "every record exactly once");
  // Another group is independent and starts from the beginning.
  assert.equal(log.consumerGroup("other").poll("t", { maxRecords: 100 }).length, 30);
  // Seeking by timestamp: records were appended with timestamps 1000 + i.
  const g3 = log.consumerGroup("by-time");
  g3.seekToTimestamp("t", 1020);
  const late = g3.poll("t", { maxRecords: 100 }).map((r) => r.value!.toString());
  assert.deepEqual(late.sort(), Array.from({ length: 10 }, (_, i) => `v${20 + i}`).sort());
  // Explicit commits persist too.
  g2.commit([{ topic: "t", partition: 2, offset: 1 }]);
  log.close();
  log = openLog({ dir });
  assert.equal(log.consumerGroup("g1").committed("t", 2), 1);
  assert.deepEqual(log.consumerGroup("g1").offsets().t?.["2"], 1);
  log.close();
});

test("a second writer on the same directory fails clearly; a stale lock is taken over", () => {
  const dir = tmpDir();
  const log = openLog({ dir });
  assert.throws(() => openLog({ dir }), { code: "FLEUVE_LOG_LOCKED" });
  // Another process is refused as well.
  const child = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "-e",
      `import("${new URL("../src/index.ts", import.meta.url).href}").then((m) => { try { m.openLog({ dir: ${JSON.stringify(dir)} }); process.exit(0); } catch (e) { console.log(e.code); process.exit(3); } })`,
    ],
    { encoding: "utf8" },
  );
  assert.equal(child.status, 3);
  assert.match(child.stdout, /FLEUVE_LOG_LOCKED/);
  log.close();
  // A lock left by a dead process does not block.
  fs.writeFileSync(path.join(dir, ".lock"), "999999999");
  openLog({ dir }).close();
  assert.equal(fs.existsSync(path.join(dir, ".lock")), false, "close releases the lock");
});

test("topic metadata persists; create/list/describe/delete", () => {
  const dir = tmpDir();
  let log = openLog({ dir });
  log.createTopic("b", { partitions: 2, config: { retentionMs: 5000, fsync: "every-batch" } });
  log.createTopic("a");
  assert.throws(() => log.createTopic("a"), { code: "FLEUVE_LOG_TOPIC_EXISTS" });
  assert.throws(() => log.createTopic("../x"), { code: "FLEUVE_CONFIG_INVALID" });
  assert.throws(() => log.createTopic(".deleted-a"), { code: "FLEUVE_CONFIG_INVALID" });
  assert.throws(() => log.createTopic("x", { config: { fsync: "never" as "interval" } }), {
    code: "FLEUVE_CONFIG_INVALID",
  });
  log.topic("b").append([{ value: Buffer.from("x"), partition: 1 }]);
  log.close();
  log = openLog({ dir });
  assert.deepEqual(log.listTopics(), ["a", "b"]);
  const d = log.describeTopic("b");
  assert.equal(d.partitions, 2);
  assert.equal(d.config.retentionMs, 5000);
  assert.equal(d.config.fsync, "every-batch");
  assert.equal(d.partitionInfo[1]!.logEndOffset, 1);
  log.deleteTopic("b");
  assert.throws(() => log.topic("b"), { code: "FLEUVE_LOG_TOPIC_NOT_FOUND" });
  log.close();
  log = openLog({ dir });
  assert.deepEqual(log.listTopics(), ["a"]);
  log.close();
});
