// CLI handlers: topics create/list/describe/delete and a produce/consume round trip.
import assert from "node:assert/strict";
import { test } from "node:test";
import { consumeCommand, logCommand, produceCommand, topicsCommand } from "../src/cli.js";
import { openLog, partitionForKey } from "../src/index.js";
import { tmpDir } from "./helpers.js";

function io(input = "") {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdin: (async function* () {
        // Split the input at odd places to exercise line reassembly.
        for (let i = 0; i < input.length; i += 7) yield Buffer.from(input.slice(i, i + 7));
      })(),
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

test("produce JSON lines with --key, consume them back from the beginning", async () => {
  const dir = tmpDir();
  const c = io();
  assert.equal(
    await topicsCommand(
      ["create", "orders", "--partitions", "3", "--config", "retentionMs=-1", "--dir", dir],
      c.io,
    ),
    0,
  );
  const rows = Array.from({ length: 50 }, (_, i) => ({ id: `o${i}`, user: `u${i % 7}`, amount: i * 1.5 }));
  const input = `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
  const p = io(input);
  assert.equal(await produceCommand(["orders", "--key", "user", "--dir", dir], p.io), 0);
  assert.match(p.err(), /Produced 50 record/);

  const all = io();
  assert.equal(await consumeCommand(["orders", "--from-beginning", "--dir", dir], all.io), 0);
  const got = all
    .out()
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(got.map((r) => r.id).sort(), rows.map((r) => r.id).sort());
  const m = io();
  assert.equal(
    await consumeCommand(["orders", "--from-beginning", "--metadata", "--max", "100", "--dir", dir], m.io),
    0,
  );
  for (const line of m.out().trim().split("\n")) {
    const rec = JSON.parse(line);
    assert.equal(rec.key, rec.value.user);
    assert.equal(rec.partition, partitionForKey(rec.value.user, 3), "keyed like Kafka");
  }
  // Without --from-beginning and without a group, a console consumer starts at the end.
  const none = io();
  assert.equal(await consumeCommand(["orders", "--dir", dir], none.io), 0);
  assert.equal(none.out(), "");
});

test("consume --group resumes after what it printed; --max limits", async () => {
  const dir = tmpDir();
  await topicsCommand(["create", "t", "--dir", dir], io().io);
  await produceCommand(
    ["t", "--dir", dir],
    io(`${Array.from({ length: 10 }, (_, i) => `{"n":${i}}`).join("\n")}`).io,
  );
  const a = io();
  assert.equal(
    await consumeCommand(["t", "--group", "g", "--from-beginning", "--max", "4", "--dir", dir], a.io),
    0,
  );
  const b = io();
  assert.equal(await consumeCommand(["t", "--group", "g", "--dir", dir], b.io), 0);
  const nums = (s: string) =>
    s
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).n);
  assert.deepEqual(nums(a.out()), [0, 1, 2, 3]);
  assert.deepEqual(nums(b.out()), [4, 5, 6, 7, 8, 9]);
  const log = openLog({ dir });
  assert.equal(log.consumerGroup("g").committed("t", 0), 10);
  log.close();
});

test("topics list/describe/delete and errors with exit codes", async () => {
  const dir = tmpDir();
  await topicsCommand(["create", "x", "--dir", dir], io().io);
  await topicsCommand(["create", "y", "--partitions", "2", "--dir", dir], io().io);
  const l = io();
  assert.equal(await logCommand(["topics", "list", "--dir", dir], l.io), 0);
  assert.equal(l.out(), "x\ny\n");
  const d = io();
  assert.equal(await topicsCommand(["describe", "y", "--dir", dir], d.io), 0);
  assert.equal(JSON.parse(d.out()).partitions, 2);
  assert.equal(await topicsCommand(["delete", "x", "--dir", dir], io().io), 0);
  const e = io();
  assert.equal(await topicsCommand(["describe", "x", "--dir", dir], e.io), 1);
  assert.match(e.err(), /FLEUVE_LOG_TOPIC_NOT_FOUND/);
  const u = io();
  assert.equal(await topicsCommand(["frobnicate", "--dir", dir], u.io), 2);
  assert.match(u.err(), /FLEUVE_CLI_USAGE/);
  const bad = io("{not json}\n");
  assert.equal(await produceCommand(["y", "--dir", dir], bad.io), 1);
  assert.match(bad.err(), /line 1 is not valid JSON/);
  const nokey = io('{"a":1}\n');
  assert.equal(await produceCommand(["y", "--key", "user", "--dir", dir], nokey.io), 1);
  assert.match(nokey.err(), /no field "user"/);
});
