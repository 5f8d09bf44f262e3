// Readers beside the writer: a child process holds the log open for writing and commits and aborts
// transactions while this process reads it read-only (no FLEUVE_LOG_LOCKED), follows the appends,
// sees exactly the committed records with read_committed, and runs the CLI's readers.
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { threadId } from "node:worker_threads";
import { isFleuveError, StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { consumeCommand, produceCommand, topicsCommand } from "../src/cli.js";
import { logSource, openLog } from "../src/index.js";
import { withFileLock } from "../src/lock.js";
import { plannedRecords } from "./fixtures/txn-plan.js";
import { tmpDir } from "./helpers.js";

const writerFile = fileURLToPath(new URL("./fixtures/txn-writer.ts", import.meta.url));

/** The writer child and a way to wait for its next stdout line. */
function startWriter(dir: string): {
  child: ChildProcessWithoutNullStreams;
  nextLine: () => Promise<string>;
  exited: () => boolean;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", writerFile, dir]);
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  let done = false;
  const exit = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      done = true;
      if (code !== 0) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    exit,
    exited: () => done,
    nextLine: async () => {
      const r = await lines.next();
      if (r.done) throw new Error(`writer ended early: ${stderr}`);
      return r.value;
    },
  };
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdin: (async function* () {})(),
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

const sorted = (values: Iterable<string>) => [...values].sort();

test("a reader follows a writer process and sees exactly its committed records; CLI readers work beside it; a second writer is refused", async () => {
  const dir = tmpDir();
  const w = startWriter(dir);
  try {
    assert.equal(await w.nextLine(), "ready");
    const plan = plannedRecords();
    const committedFirst = plan.filter((r) => r.committed && r.firstHalf).map((r) => r.value);
    const committedAll = plan.filter((r) => r.committed).map((r) => r.value);
    const allData = plan.map((r) => r.value);
    const committedSet = new Set(committedAll);

    // Opened before any record exists: everything it reads was appended after it opened.
    const reader = openLog({ dir, readOnly: true });
    const group = reader.consumerGroup("follower");
    const seen = new Set<string>();
    const lastOffset = [-1, -1];
    // Reads while the writer writes; once it says it is done, a poll that finds nothing while
    // records are missing means the reader does not follow.
    const readUntil = async (count: number, writerLine: string) => {
      let writerDone = false;
      const line = w.nextLine().then((l) => {
        assert.equal(l, writerLine);
        writerDone = true;
      });
      while (seen.size < count) {
        assert.ok(!w.exited(), "the writer is still running");
        const finished = writerDone;
        const before = group.position("t", 0) + group.position("t", 1);
        const recs = group.poll("t", { isolation: "read_committed" });
        for (const r of recs) {
          const v = r.value!.toString();
          assert.ok(committedSet.has(v), `read_committed saw a record that was not committed: ${v}`);
          assert.ok(!seen.has(v), `read twice: ${v}`);
          assert.ok(r.offset > lastOffset[r.partition]!, "offsets grow per partition");
          lastOffset[r.partition] = r.offset;
          seen.add(v);
        }
        // A poll may skip only aborted records and markers: that is progress too.
        if (recs.length === 0 && group.position("t", 0) + group.position("t", 1) === before) {
          assert.ok(
            !finished,
            `the writer wrote everything, the reader found ${seen.size} of ${count} records`,
          );
          // Waiting for a condition (the writer's progress), not for a time.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      await line;
    };

    // Read while the writer writes the first half, up to all of its committed records.
    w.child.stdin.write("first\n");
    await readUntil(committedFirst.length, "wrote first");
    assert.deepEqual(sorted(seen), sorted(committedFirst));
    // More appends after the reader reached the end: it picks them up.
    w.child.stdin.write("second\n");
    await readUntil(committedAll.length, "wrote second");
    assert.deepEqual(group.poll("t", { isolation: "read_committed" }), [], "nothing beyond the plan");
    assert.deepEqual(sorted(seen), sorted(committedAll));
    const info = reader.describeTopic("t").partitionInfo;
    assert.ok(
      info.every((p) => p.segments > 1),
      "the writer rolled segments while the reader followed",
    );
    // A reader commits group offsets without the writer's lock.
    group.commitPositions();
    reader.close();

    // The CLI's readers, while the writer process still holds the log.
    const list = io();
    assert.equal(await topicsCommand(["list", "--dir", dir], list.io), 0, list.err());
    assert.equal(list.out(), "t\n");
    const describe = io();
    assert.equal(await topicsCommand(["describe", "t", "--dir", dir], describe.io), 0, describe.err());
    assert.equal(JSON.parse(describe.out()).partitions, 2);
    const committedOut = io();
    assert.equal(await consumeCommand(["t", "--from-beginning", "--dir", dir], committedOut.io), 0);
    assert.deepEqual(sorted(committedOut.out().trim().split("\n")), sorted(committedAll));
    const everything = io();
    assert.equal(
      await consumeCommand(
        ["t", "--from-beginning", "--isolation", "read_uncommitted", "--dir", dir],
        everything.io,
      ),
      0,
    );
    assert.deepEqual(sorted(everything.out().trim().split("\n")), sorted(allData));
    const resumed = io();
    assert.equal(await consumeCommand(["t", "--group", "follower", "--dir", dir], resumed.io), 0);
    assert.equal(resumed.out(), "", "the group committed by the reader resumes at the end");

    // A job's logSource on the directory is a reader too.
    const env = StreamExecutionEnvironment.create({ log: () => {} });
    const fromJob = await env
      .fromSource(
        logSource<string>({
          log: dir,
          topic: "t",
          bounded: true,
          deserialize: (r) => r.value!.toString(),
        }),
        WatermarkStrategy.noWatermarks(),
        "t",
      )
      .executeAndCollect();
    assert.deepEqual(sorted(fromJob), sorted(committedAll));

    // Writers are still one at a time, and the error names the holder.
    assert.throws(
      () => openLog({ dir }),
      (e: unknown) =>
        isFleuveError(e) &&
        e.code === "FLEUVE_LOG_LOCKED" &&
        (e.details as { pid: number }).pid === w.child.pid &&
        e.message.includes(`process ${w.child.pid}`),
    );
    const produce = io();
    assert.equal(await produceCommand(["t", "--dir", dir], produce.io), 1);
    assert.match(produce.err(), new RegExp(`FLEUVE_LOG_LOCKED: .*process ${w.child.pid}`));
  } finally {
    w.child.stdin.end("exit\n");
  }
  assert.equal(await w.exit, 0);
});

test("a reader stops before a torn tail without cutting it, and reads the batch once it is complete", () => {
  const dir = tmpDir();
  const writer = openLog({ dir });
  writer.createTopic("t");
  const part = writer.topic("t").partition(0);
  writer.topic("t").append([{ value: Buffer.from("one") }, { value: Buffer.from("two") }]);
  const firstEnd = part.sizeInBytes;
  writer.topic("t").append([{ value: Buffer.from("three") }]);
  writer.close();
  const file = path.join(dir, "topics", "t", "0", `${"0".repeat(20)}.log`);
  const bytes = fs.readFileSync(file);
  const cut = firstEnd + Math.floor((bytes.length - firstEnd) / 2);
  fs.truncateSync(file, cut); // the second batch is half written

  const reader = openLog({ dir, readOnly: true });
  const p = reader.topic("t").partition(0);
  const values = () => p.fetch(p.logStartOffset).records.map((r) => r.value!.toString());
  assert.deepEqual(values(), ["one", "two"]);
  assert.equal(p.logEndOffset, 2);
  assert.equal(fs.statSync(file).size, cut, "the reader cut nothing off");
  fs.appendFileSync(file, bytes.subarray(cut)); // the writer finishes the batch
  assert.deepEqual(values(), ["one", "two", "three"]);
  assert.equal(p.logEndOffset, 3);
  reader.close();
});

test("a read-only log refuses writes with FLEUVE_LOG_READ_ONLY and leaves the directory as it was", () => {
  const dir = tmpDir();
  const writer = openLog({ dir });
  writer.createTopic("t");
  writer.close();
  const before = fs.readdirSync(path.join(dir, "topics", "t", "0")).sort();
  const reader = openLog({ dir, readOnly: true });
  const readOnly = (e: unknown) => isFleuveError(e) && e.code === "FLEUVE_LOG_READ_ONLY";
  assert.throws(
    () => reader.topic("t").append([{ value: Buffer.from("x") }]),
    (e: unknown) => readOnly(e) && (e as Error).message.includes(`the log ${dir} is open read-only`),
  );
  assert.throws(() => reader.createTopic("u"), readOnly);
  assert.throws(() => reader.deleteTopic("t"), readOnly);
  assert.throws(() => reader.transactionalProducer("p"), readOnly);
  reader.close();
  assert.deepEqual(fs.readdirSync(path.join(dir, "topics", "t", "0")).sort(), before);
  assert.ok(!fs.existsSync(path.join(dir, ".lock")));
  // A directory that does not exist is not created by a reader.
  const missing = path.join(dir, "nothing-here");
  assert.deepEqual(openLog({ dir: missing, readOnly: true }).listTopics(), []);
  assert.ok(!fs.existsSync(missing));
});

test("two readers committing one group's offsets for different partitions keep both", () => {
  const dir = tmpDir();
  const writer = openLog({ dir });
  writer.createTopic("t", { partitions: 2 });
  writer.topic("t").append([
    { value: Buffer.from("a"), partition: 0 },
    { value: Buffer.from("b"), partition: 1 },
  ]);
  const a = openLog({ dir, readOnly: true }).consumerGroup("g");
  const b = openLog({ dir, readOnly: true }).consumerGroup("g");
  a.commit([{ topic: "t", partition: 0, offset: 1 }]);
  b.commit([{ topic: "t", partition: 1, offset: 1 }]);
  assert.deepEqual(writer.consumerGroup("g").offsets(), { t: { "0": 1, "1": 1 } });
  writer.close();
});

test("a reader sees topics the writer creates, deletes and creates again after it opened", () => {
  const dir = tmpDir();
  const writer = openLog({ dir });
  writer.createTopic("t");
  writer.topic("t").append([{ value: Buffer.from("old") }]);
  const reader = openLog({ dir, readOnly: true });
  const values = () => {
    const p = reader.topic("t").partition(0);
    return p.fetch(p.logStartOffset).records.map((r) => r.value!.toString());
  };
  assert.deepEqual(values(), ["old"]);
  writer.createTopic("u");
  assert.deepEqual(reader.listTopics(), ["t", "u"]);
  writer.deleteTopic("t");
  assert.deepEqual(reader.listTopics(), ["u"]);
  assert.equal(reader.hasTopic("t"), false);
  writer.createTopic("t");
  writer.topic("t").append([{ value: Buffer.from("new") }]);
  assert.deepEqual(values(), ["new"]);
  // Again, without the reader looking in between.
  writer.deleteTopic("t");
  writer.createTopic("t");
  writer.topic("t").append([{ value: Buffer.from("newer") }]);
  assert.deepEqual(values(), ["newer"]);
  reader.close();
  writer.close();
});

test("a group's commit lock: a dead holder's lock is taken over, a live holder's is left alone and named", async () => {
  const dir = tmpDir();
  const writer = openLog({ dir });
  writer.createTopic("t");
  writer.close();
  const group = openLog({ dir, readOnly: true }).consumerGroup("g");
  const lockFile = path.join(dir, "__consumer_offsets", "g.json.lock");
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  // A process that has exited: its lock is stale.
  const dead = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => dead.on("exit", resolve));
  fs.writeFileSync(lockFile, `${dead.pid} 0`);
  group.commit([{ topic: "t", partition: 0, offset: 0 }]);
  assert.ok(!fs.existsSync(lockFile), "the commit released the lock it took over");
  // This very thread never holds it between calls: a lock naming it is a crashed namesake's.
  fs.writeFileSync(lockFile, `${process.pid} ${threadId}`);
  group.commit([{ topic: "t", partition: 0, offset: 0 }]);
  assert.ok(!fs.existsSync(lockFile));
  // A live process (our parent) holds it: wait, and name it when it is not released in time.
  fs.writeFileSync(lockFile, `${process.ppid} 0`);
  assert.throws(
    () => withFileLock(lockFile, () => 0, 0),
    (e: unknown) =>
      isFleuveError(e) &&
      e.code === "FLEUVE_LOG_LOCKED" &&
      (e.details as { pid: number }).pid === process.ppid,
  );
  assert.equal(fs.readFileSync(lockFile, "utf8"), `${process.ppid} 0`, "a live holder's lock is left alone");
});

test("readers follow retention and compaction done by the writer", () => {
  const dir = tmpDir();
  const writer = openLog({ dir });
  writer.createTopic("r", { config: { segmentBytes: 1024, retentionBytes: 4096, indexIntervalBytes: 128 } });
  writer.createTopic("c", {
    config: { segmentBytes: 1024, cleanupPolicy: "compact", indexIntervalBytes: 128 },
  });
  const early = openLog({ dir, readOnly: true });
  const readAll = (log: ReturnType<typeof openLog>, topic: string) => {
    const p = log.topic(topic).partition(0);
    const out: [number, string][] = [];
    let offset = p.logStartOffset;
    while (offset < p.highWatermark) {
      const res = p.fetch(offset, { maxRecords: 7 });
      for (const r of res.records) out.push([r.offset, `${r.key?.toString()}=${r.value!.toString()}`]);
      offset = res.nextOffset;
    }
    return out;
  };
  assert.deepEqual(readAll(early, "r"), []);
  for (let i = 0; i < 300; i++) {
    const rec = { key: Buffer.from(`k${i % 5}`), value: Buffer.from(`${i}:${"v".repeat(i % 40)}`) };
    writer.topic("r").append([rec]);
    writer.topic("c").append([rec]);
  }
  const r = writer.topic("r").partition(0);
  assert.ok(r.logStartOffset > 0, "retention deleted segments");
  assert.equal(early.topic("r").partition(0).logStartOffset, r.logStartOffset);
  assert.deepEqual(readAll(early, "r"), readAll(writer, "r"));
  // Compaction replaced closed segments: a reader opened now reads what the writer reads; one
  // opened before may still read older copies of some segments, at the same offsets.
  const late = openLog({ dir, readOnly: true });
  const compacted = readAll(writer, "c");
  assert.ok(compacted.length < 300, "compaction dropped records");
  assert.deepEqual(readAll(late, "c"), compacted);
  const before = new Map(readAll(early, "c"));
  for (const [offset, value] of compacted) assert.equal(before.get(offset), value, `offset ${offset}`);
  early.close();
  late.close();
  writer.close();
});

test("a reader following a writer that is killed mid-append reads exactly what the writer recovers", async () => {
  const dir = tmpDir();
  const child = spawn(process.execPath, [
    "--import",
    "tsx",
    fileURLToPath(new URL("./fixtures/crash-writer.ts", import.meta.url)),
    dir,
  ]);
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.stdout.resume();
  // The writer creates the topic first: wait for its first acknowledged append.
  await new Promise((resolve) => child.stdout.once("data", resolve));
  const reader = openLog({ dir, readOnly: true });
  const p = reader.topic("t").partition(0);
  const read: string[] = [];
  const poll = () => {
    const res = p.fetch(read.length, { maxRecords: 1000 });
    for (const r of res.records) {
      assert.equal(r.offset, read.length, "no gap and no repeat");
      read.push(r.value!.toString());
    }
    return res.records.length;
  };
  // Read while it appends, then kill it in the middle of its appends.
  while (read.length < 3000) if (poll() === 0) await new Promise((resolve) => setImmediate(resolve));
  child.kill("SIGKILL");
  await exited;
  while (poll() > 0);
  reader.close();
  // The writer's recovery cuts a torn tail; the reader never read past the last whole batch.
  const recovered = openLog({ dir });
  const q = recovered.topic("t").partition(0);
  const expected: string[] = [];
  for (let offset = 0; offset < q.logEndOffset; ) {
    const res = q.fetch(offset, { maxRecords: 5000 });
    for (const r of res.records) expected.push(r.value!.toString());
    offset = res.nextOffset;
  }
  recovered.close();
  assert.equal(read.length, expected.length);
  assert.deepEqual(read, expected);
  for (const [offset, v] of read.entries()) assert.ok(v.startsWith(`${offset}:`), `record ${offset}: ${v}`);
});
