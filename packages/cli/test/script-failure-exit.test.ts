// A job script that fails with an uncaught exception while its stdout reader has stopped reading:
// `fleuve run` reports the error and exits 1 after a bounded wait for the output to drain, rather
// than waiting for a reader that may never read again.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BIN, ROOT } from "./helpers.js";

test("an uncaught exception in a script job exits 1 even when nothing reads its stdout", {
  timeout: 120_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-script-failure-"));
  try {
    const file = join(dir, "fails.ts");
    // 4 MB queued on stdout: far more than the pipe and the reader's buffer take unread.
    writeFileSync(
      file,
      'process.stdout.write("x".repeat(4 * 1024 * 1024));\nsetImmediate(() => {\n  throw new Error("boom after output");\n});\n',
    );
    const child = spawn(process.execPath, [BIN, "run", file], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Without the fix the child never exits: end it when the test times out.
    t.signal.addEventListener("abort", () => child.kill("SIGKILL"));
    // stdout is never read: once its buffers are full the child's writes stay pending.
    child.stdout.pause();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    child.stdout.destroy();
    assert.equal(code, 1, stderr);
    assert.match(stderr, /^error FLEUVE_JOB_FAILED: boom after output$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
