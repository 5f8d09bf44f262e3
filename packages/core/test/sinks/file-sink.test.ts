/**
 * fileSink exactly-once: with failures injected mid-job (restarts from checkpoints) and with the
 * whole process SIGKILLed and started again, the committed files (ignoring .inprogress) hold
 * every record exactly once.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { fileSink, isFleuveError, StreamExecutionEnvironment } from "../../src/index.js";
import { committedLines } from "./committed-lines.js";

test("injected failures: each record lands in exactly one committed file", async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-filesink-"));
  try {
    const n = 30_000;
    const failAt = [4_444, 17_777, 25_555];
    const env = StreamExecutionEnvironment.create({
      parallelism: 2,
      checkpointing: { dir: join(root, "cp"), intervalMs: 5 },
      restartStrategy: { type: "fixed-delay", attempts: failAt.length + 1, delayMs: 1 },
      log: () => {},
    });
    env
      .fromGenerator((i) => i, { count: n, ratePerSecond: 200_000 })
      .setParallelism(1)
      .uid("numbers")
      .map((i) => {
        const at = failAt.indexOf(i);
        if (at >= 0) {
          failAt.splice(at, 1);
          throw new Error(`injected failure at ${i}`);
        }
        return i;
      })
      .uid("maybe-fail")
      .sinkTo(fileSink<number>({ dir: join(root, "out") }), "files")
      .uid("files");
    await env.execute("file-sink-failures");
    assert.equal(failAt.length, 0, "every failure was injected");
    const got = committedLines(join(root, "out")).map(Number);
    assert.equal(got.length, n, "no record lost or doubled");
    assert.deepEqual(
      got.sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i),
    );
    const parts = readdirSync(join(root, "out")).filter((f) => f.startsWith("part-"));
    assert.ok(parts.length > 4, `one file per subtask and checkpoint (${parts.length})`);
    assert.deepEqual(readdirSync(join(root, "out", ".inprogress")), [], "nothing left in progress");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("commit is idempotent and a lost pending file is an error naming it", () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-filesink-commit-"));
  try {
    const sink = fileSink<string>({ dir: root, format: (s) => s.toUpperCase() });
    const w = sink.createWriter({ subtaskIndex: 0, parallelism: 1 });
    w.write("a", undefined);
    w.write("b", undefined);
    const files = w.prepareCommit(1);
    assert.equal(files.length, 1);
    assert.deepEqual(w.prepareCommit(2), [], "nothing written since: nothing to commit");
    sink.commit(files);
    sink.commit(files); // again, e.g. after a restore
    assert.deepEqual(committedLines(root), ["A", "B"]);
    // a new writer (restart) continues the numbering and removes leftovers of its slot
    const w2 = sink.createWriter({ subtaskIndex: 0, parallelism: 1 });
    w2.write("c", undefined);
    const f2 = w2.prepareCommit(3);
    assert.notEqual(f2[0]!.final, files[0]!.final);
    w2.write("lost", undefined);
    w2.prepareCommit(4);
    sink.createWriter({ subtaskIndex: 0, parallelism: 1 });
    assert.deepEqual(readdirSync(join(root, ".inprogress")), [], "uncommitted files of the slot deleted");
    assert.throws(
      () => sink.commit([{ inProgress: join(root, ".inprogress", "gone"), final: join(root, "gone") }]),
      (e: unknown) => isFleuveError(e) && e.code === "FLEUVE_SINK_FAILED" && e.message.includes("gone"),
    );
    assert.ok(!existsSync(join(root, "gone")));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

const jobFile = fileURLToPath(new URL("./file-sink-crash-job.ts", import.meta.url));

function runChild(out: string, cp: string, n: number, killAfterMs: number | undefined) {
  return new Promise<{ killed: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", jobFile, out, cp, String(n)], {
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
      else resolve({ killed });
    });
  });
}

test("SIGKILLed and restarted: the committed files hold each record exactly once", {
  timeout: 120_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "fleuve-filesink-kill-"));
  const out = join(root, "out");
  const cp = join(root, "cp");
  try {
    const n = 60_000; // ~1.5 s of input at 40k/s
    let seed = 4242;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    let kills = 0;
    for (let attempt = 0; attempt < 30; attempt++) {
      const r = await runChild(out, cp, n, kills < 4 ? 700 + Math.floor(rand() * 700) : undefined);
      if (!r.killed) break;
      kills++;
    }
    assert.equal(kills, 4, "killed 4 times, then ran to the end");
    const lines = committedLines(out);
    assert.equal(new Set(lines).size, lines.length, "no line twice");
    // "<i> <key> <count>": every input once, and each key's counts are 1..m (state restored exactly)
    const ids = lines.map((l) => Number(l.split(" ")[0])).sort((a, b) => a - b);
    assert.deepEqual(
      ids,
      Array.from({ length: n }, (_, i) => i),
    );
    const perKey = new Map<string, number[]>();
    for (const l of lines) {
      const [, k, c] = l.split(" ");
      perKey.set(k!, [...(perKey.get(k!) ?? []), Number(c)]);
    }
    for (const [k, cs] of perKey) {
      cs.sort((a, b) => a - b);
      assert.deepEqual(
        cs,
        Array.from({ length: n / 10 }, (_, i) => i + 1),
        `key ${k}`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
