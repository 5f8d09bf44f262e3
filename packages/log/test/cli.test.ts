// CLI handlers: topics create/list/describe/delete and a produce/consume round trip.
import assert from "node:assert/strict";
import * as fs from "node:fs";
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
  // Without --from-beginning and without a group, a console consumer starts at the end, and
  // as it does not follow the log it prints nothing: stderr says why and what to use instead.
  const none = io();
  assert.equal(await consumeCommand(["orders", "--dir", dir], none.io), 0);
  assert.equal(none.out(), "");
  assert.match(none.err(), /^consume: no --group, so it starts at the end of orders partition\(s\) 0, 1, 2 /);
  assert.match(none.err(), /does not follow|instead of following/);
  assert.match(none.err(), /Use --offset-reset earliest \(or --from-beginning\) to read what is there/);
  // An empty topic: nothing is skipped, no hint.
  await topicsCommand(["create", "empty", "--dir", dir], io().io);
  const empty = io();
  assert.equal(await consumeCommand(["empty", "--dir", dir], empty.io), 0);
  assert.equal(empty.err(), "");
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

test("consume reads committed records by default; --isolation read_uncommitted also prints aborted ones", async () => {
  const dir = tmpDir();
  const log = openLog({ dir });
  log.createTopic("t");
  const producer = log.transactionalProducer("sink-0");
  producer.begin();
  producer.send("t", [{ value: Buffer.from('{"n":1}') }]);
  producer.commit();
  producer.begin();
  producer.send("t", [{ value: Buffer.from('{"n":2}') }]);
  producer.abort();
  producer.begin();
  producer.send("t", [{ value: Buffer.from('{"n":3}') }]);
  producer.commit();
  log.close();
  const byDefault = io();
  assert.equal(await consumeCommand(["t", "--from-beginning", "--dir", dir], byDefault.io), 0);
  assert.equal(byDefault.out(), '{"n":1}\n{"n":3}\n');
  const all = io();
  assert.equal(
    await consumeCommand(["t", "--from-beginning", "--isolation", "read_uncommitted", "--dir", dir], all.io),
    0,
  );
  assert.equal(all.out(), '{"n":1}\n{"n":2}\n{"n":3}\n');
});

test("consume --offset-reset: a new group starts at the end by default (with a hint on stderr) or at the beginning", async () => {
  const dir = tmpDir();
  await topicsCommand(["create", "t", "--partitions", "2", "--dir", dir], io().io);
  const input = `${Array.from({ length: 6 }, (_, i) => `{"n":${i}}`).join("\n")}\n`;
  await produceCommand(["t", "--dir", dir], io(input).io);
  const nums = (s: string) =>
    s
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l).n)
      .sort();

  const latest = io();
  assert.equal(await consumeCommand(["t", "--group", "new", "--dir", dir], latest.io), 0);
  assert.equal(latest.out(), "");
  assert.match(latest.err(), /group "new" has no committed offset for t .*starts at the end/);
  assert.match(latest.err(), /--offset-reset earliest/);

  for (const args of [
    ["--group", "e", "--offset-reset", "earliest"],
    ["--group", "f", "--from-beginning"],
    ["--offset-reset", "earliest"],
  ]) {
    const c = io();
    assert.equal(await consumeCommand(["t", ...args, "--dir", dir], c.io), 0, args.join(" "));
    assert.deepEqual(nums(c.out()), [0, 1, 2, 3, 4, 5], args.join(" "));
    assert.equal(c.err(), "", "no hint when the group starts at the beginning");
  }
  // The group's committed offsets win over the reset policy, and a known group gets no hint.
  await produceCommand(["t", "--dir", dir], io('{"n":6}\n').io);
  const resumed = io();
  assert.equal(
    await consumeCommand(["t", "--group", "e", "--offset-reset", "earliest", "--dir", dir], resumed.io),
    0,
  );
  assert.deepEqual(nums(resumed.out()), [6]);
  const again = io();
  assert.equal(await consumeCommand(["t", "--group", "e", "--dir", dir], again.io), 0);
  assert.equal(again.out(), "");
  assert.equal(again.err(), "");

  const bad = io();
  assert.equal(await consumeCommand(["t", "--offset-reset", "oldest", "--dir", dir], bad.io), 2);
  assert.match(bad.err(), /FLEUVE_CLI_USAGE: --offset-reset must be earliest or latest, got "oldest"/);
  const both = io();
  assert.equal(
    await consumeCommand(["t", "--from-beginning", "--offset-reset", "latest", "--dir", dir], both.io),
    2,
  );
  assert.match(both.err(), /FLEUVE_CLI_USAGE: --from-beginning means --offset-reset earliest/);
});

test("the command-line example of docs/log.md prints what its comments say", async () => {
  const doc = fs.readFileSync(new URL("../../../docs/log.md", import.meta.url), "utf8");
  const block = /## Command line[\s\S]*?```\n([\s\S]*?)```/.exec(doc)![1]!;
  const dir = tmpDir();
  const orders = [
    { id: 1, user: "alice", amount: 12 },
    { id: 2, user: "bob", amount: 7 },
    { id: 3, user: "carol", amount: 3 },
  ];
  const outputs = new Map<string, string>();
  for (const line of block.split("\n")) {
    const command = line.replace(/#.*/, "").trim();
    if (command === "") continue;
    const [fleuve, ...words] = command.split(/\s+/);
    assert.equal(fleuve, "fleuve");
    const redirect = words.indexOf("<");
    const argv = redirect >= 0 ? words.slice(0, redirect) : words;
    const c = io(redirect >= 0 ? `${orders.map((o) => JSON.stringify(o)).join("\n")}\n` : "");
    assert.equal(await logCommand([...argv, "--dir", dir], c.io), 0, `${command}: ${c.err()}`);
    outputs.set(argv.join(" "), c.out());
  }
  const values = (s: string) =>
    s
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l));
  const ids = (recs: { id: number }[]) => recs.map((r) => r.id).sort();
  assert.deepEqual(ids(values(outputs.get("consume orders --from-beginning --max 10")!)), [1, 2, 3]);
  const withMetadata = values(
    outputs.get("consume orders --group billing --offset-reset earliest --metadata")!,
  );
  assert.deepEqual(ids(withMetadata.map((r) => r.value)), [1, 2, 3], "a new group starts at the beginning");
  for (const r of withMetadata) {
    assert.equal(r.topic, "orders");
    assert.equal(r.key, r.value.user);
    assert.equal(r.partition, partitionForKey(r.value.user, 3));
    assert.equal(typeof r.offset, "number");
  }
  assert.equal(outputs.get("consume orders --group billing"), "", "resumes after what the group printed");
});
