// The filesystem sink's writer and committer, without a job: part files stay hidden until
// committed (idempotently), roll by size, by age and at each checkpoint, keep numbering after the
// files already finished, and a restored writer deletes what its run left uncommitted in its
// subtask slot, never the files of another run or job. Bad options fail when the sink is made,
// naming the option.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { javaDoubleText } from "../../src/connector/filesystem-sink.js";
import {
  createSink,
  filesystemConnector,
  filesystemSink,
  isFleuveError,
  type TwoPhaseCommitSink,
} from "../../src/index.js";

const schema = [
  { name: "id", type: "BIGINT" },
  { name: "name", type: "STRING" },
];
type Pending = { inProgress: string; final: string; uuid?: string };

function sinkAt(dir: string, more: Record<string, string> = {}): TwoPhaseCommitSink<unknown, Pending> {
  return createSink(
    filesystemConnector,
    { path: dir, format: "csv", ...more },
    { schema },
  ) as TwoPhaseCommitSink<unknown, Pending>;
}

test("rows stay in hidden files until committed; commits are idempotent; files roll at each checkpoint", () => {
  const dir = mkdtempSync(join(tmpdir(), "fs-sink-"));
  try {
    const sink = sinkAt(dir);
    const w = sink.createWriter({ subtaskIndex: 0, parallelism: 1 });
    w.write({ id: 1, name: "a" }, undefined);
    w.write({ id: 2, name: "b,c" }, undefined);
    assert.ok(readdirSync(dir).every((f) => f.startsWith(".") && f.endsWith(".inprogress")));
    const first = w.prepareCommit(1);
    assert.equal(first.length, 1);
    w.write({ id: 3, name: null }, undefined);
    const second = w.prepareCommit(2);
    assert.equal(second.length, 1, "a new file after the checkpoint");
    const none = w.prepareCommit(3);
    assert.deepEqual(
      none.map((f) => f.inProgress),
      [""],
      "nothing written: no file, only the record of the run",
    );
    sink.commit(none);
    sink.commit(first);
    sink.commit(first);
    const [name] = readdirSync(dir).filter((f) => !f.startsWith("."));
    assert.match(name as string, /^part-[0-9a-f-]{36}-0-0$/);
    assert.equal(readFileSync(join(dir, name as string), "utf8"), '1,a\n2,"b,c"\n');
    sink.commit(second);
    assert.equal(readdirSync(dir).filter((f) => !f.startsWith(".")).length, 2);
    assert.throws(
      () => sink.commit([{ inProgress: join(dir, ".gone"), final: join(dir, "gone") }]),
      (e: unknown) => isFleuveError(e) && e.code === "FLEUVE_SINK_FAILED" && e.message.includes(".gone"),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("files roll by size and by age; a new writer deletes its slot's leftovers and numbers after finished files", () => {
  const dir = mkdtempSync(join(tmpdir(), "fs-sink-"));
  try {
    const bySize = sinkAt(dir, { "sink.rolling-policy.file-size": "8b" });
    const w = bySize.createWriter({ subtaskIndex: 0, parallelism: 2 });
    const checkpoint0 = w.prepareCommit(0); // before any row: the record of the run only
    for (let i = 0; i < 5; i++) w.write({ id: i, name: "xxxx" }, undefined); // 7 bytes a line: a file per 2
    assert.equal(w.prepareCommit(1).length, 3);

    const byAge = sinkAt(dir, { "sink.rolling-policy.rollover-interval": "1 ms" });
    const a = byAge.createWriter({ subtaskIndex: 1, parallelism: 2 });
    a.write({ id: 1, name: "x" }, undefined);
    // Waits for the clock to pass the interval (a condition, not a sleep of a guessed length).
    const t0 = Date.now();
    while (Date.now() <= t0 + 1) {}
    a.write({ id: 2, name: "y" }, undefined);
    const aged = a.prepareCommit(1);
    assert.equal(aged.length, 2, "the first file was older than the interval when the second row came");
    byAge.commit(aged.slice(0, 1));

    // Subtask 0 restores checkpoint 0 (its committables are committed again first): its run's
    // hidden files go, subtask 1's stay.
    const hidden = () => readdirSync(dir).filter((f) => f.startsWith("."));
    assert.equal(hidden().length, 4);
    bySize.commit(checkpoint0);
    bySize.createWriter({ subtaskIndex: 0, parallelism: 2 });
    assert.equal(hidden().length, 1);
    assert.match(hidden()[0] as string, /-1-1\.inprogress$/);
    // Subtask 1 restarts: numbering goes on after its finished part-...-1-0.
    const again = byAge.createWriter({ subtaskIndex: 1, parallelism: 2 });
    assert.deepEqual(hidden(), []);
    again.write({ id: 3, name: "z" }, undefined);
    const [next] = again.prepareCommit(2);
    assert.match(next?.final as string, /-1-1$/);
    assert.ok(!existsSync(next?.final as string));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a writer of another job or run in the same directory deletes none of its hidden files; a restore deletes its own run's leftovers only", () => {
  const dir = mkdtempSync(join(tmpdir(), "fs-sink-"));
  try {
    const hidden = () =>
      readdirSync(dir)
        .filter((f) => f.startsWith("."))
        .sort();
    const a = sinkAt(dir);
    const aw = a.createWriter({ subtaskIndex: 0, parallelism: 1 });
    aw.write({ id: 1, name: "a" }, undefined);
    const aPending = aw.prepareCommit(1);
    aw.write({ id: 2, name: "after the checkpoint" }, undefined);
    // Another job starts writing into the same directory, same subtask slot.
    const b = sinkAt(dir);
    const bw = b.createWriter({ subtaskIndex: 0, parallelism: 1 });
    bw.write({ id: 10, name: "b" }, undefined);
    assert.equal(hidden().length, 3, "A's pending and open files, B's open file");
    a.commit(aPending);
    // A restarts from checkpoint 1 (a new sink, as a restarted job plans its INSERT again).
    const a2 = sinkAt(dir);
    a2.commit(aPending);
    a2.createWriter({ subtaskIndex: 0, parallelism: 1 });
    const left = hidden();
    assert.equal(left.length, 1, "A's leftover after checkpoint 1 is gone");
    assert.ok(left[0]!.includes(aPending[0]!.uuid!) === false, "B's open file stays");
    const bPending = bw.prepareCommit(1);
    b.commit(bPending);
    assert.equal(readFileSync(bPending[0]!.final, "utf8"), "10,b\n");
    assert.deepEqual(hidden(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("doubles are written as Java's Double.toString writes them, as Flink's csv and json formats do", () => {
  const cases: [number, string][] = [
    [1, "1.0"],
    [0.25, "0.25"],
    [-3, "-3.0"],
    [0, "0.0"],
    [-0, "-0.0"],
    [1234567.5, "1234567.5"],
    [1e7, "1.0E7"],
    [12345678.9, "1.23456789E7"],
    [0.001, "0.001"],
    [0.0001, "1.0E-4"],
    [1.5e-7, "1.5E-7"],
    [-2.5e300, "-2.5E300"],
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "Infinity"],
  ];
  for (const [v, text] of cases) assert.equal(javaDoubleText(v), text, String(v));
});

test("bad options and a missing schema fail when the sink is made, naming the option", () => {
  const dir = mkdtempSync(join(tmpdir(), "fs-sink-"));
  try {
    const fails = (f: () => unknown, option: string | undefined, text: RegExp) =>
      assert.throws(f, (e: unknown) => {
        assert.ok(isFleuveError(e) && e.code === "FLEUVE_CONFIG_INVALID", String(e));
        assert.equal((e.details as { option?: string }).option, option);
        assert.match(e.message, text);
        return true;
      });
    fails(
      () => sinkAt(dir, { "sink.rolling-policy.file-size": "12 parsecs" }),
      "sink.rolling-policy.file-size",
      /memory size/,
    );
    fails(
      () => sinkAt(dir, { "sink.rolling-policy.rollover-interval": "soon" }),
      "sink.rolling-policy.rollover-interval",
      /duration/,
    );
    fails(
      () => sinkAt(dir, { "csv.quote-character": "'", "csv.disable-quote-character": "true" }),
      "csv.quote-character",
      /cannot be set/,
    );
    fails(() => sinkAt(dir, { "csv.allow-comments": "true" }), "csv.allow-comments", /csv.allow-comments/);
    fails(() => createSink(filesystemConnector, { path: dir, format: "xml" }, { schema }), "format", /xml/);
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    fails(() => sinkAt(file), "path", /must be a directory/);
    fails(() => sinkAt("s3://bucket/x"), "path", /local file or directory/);
    fails(
      () => filesystemSink({ path: dir, format: "json" } as never, {}),
      undefined,
      /declare them in a SQL CREATE TABLE/,
    );
    fails(
      () =>
        createSink(
          filesystemConnector,
          { path: dir, format: "csv" },
          { schema: [{ name: "tags", type: "ARRAY<STRING>" }] },
        ),
      undefined,
      /column 'tags': type ARRAY<STRING> is not supported by the csv format/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
