import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { deadLetterTopic, logSource, openLog } from "../../src/index.js";

test("undeserializable records and records a function rejects land in the dead-letter topic; the rest goes on", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-dlq-"));
  try {
    const logDir = join(dir, "log");
    const log = openLog({ dir: logDir });
    log.createTopic("in", { partitions: 2 });
    const lines = ['{"n":1}', "not json", '{"n":2}', '{"n":13}', '{"n":3}'];
    log
      .topic("in")
      .append(
        lines.map((l, i) => ({ key: Buffer.from(String(i)), value: Buffer.from(l), timestamp: 1000 + i })),
      );
    log.close();

    const env = StreamExecutionEnvironment.create({
      errorPolicy: deadLetterTopic({ log: logDir, topic: "dlq" }),
      log: () => {},
    });
    const out = await env
      .fromSource(
        logSource<{ n: number }>({
          log: logDir,
          topic: "in",
          bounded: true,
          deserialize: (r) => JSON.parse(r.value!.toString()),
        }),
        WatermarkStrategy.forMonotonousTimestamps(),
        "in",
      )
      .map((e) => {
        if (e.n === 13) throw new Error("unlucky number");
        return e.n;
      })
      .executeAndCollect();
    assert.deepEqual(out.sort(), [1, 2, 3]);

    const check = openLog({ dir: logDir });
    const p = check.topic("dlq").partition(0);
    const letters = p.fetch(0).records.map((r) => JSON.parse(r.value!.toString()));
    check.close();
    assert.equal(letters.length, 2);
    const bad = letters.find((l) => l.operator === "in");
    assert.ok(bad, "the deserialization failure names the source");
    assert.match(bad.error, /logSource: cannot deserialize record in\/\d@\d/);
    assert.equal(Buffer.from(bad.record.value, "base64").toString(), "not json");
    const unlucky = letters.find((l) => l.operator === "Map");
    assert.equal(unlucky.error, "unlucky number");
    assert.deepEqual(unlucky.record, { n: 13 });
    assert.equal(unlucky.timestamp, 1003);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
