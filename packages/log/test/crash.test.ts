// Crash test: a child appends in a loop with fsync every batch and is SIGKILLed at random moments,
// several times. After each kill the reopened log must be a prefix-consistent sequence: offsets
// contiguous from 0, every record valid and self-consistent, and every acknowledged batch present.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { openLog } from "../src/index.js";
import { tmpDir } from "./helpers.js";

const writer = fileURLToPath(new URL("./fixtures/crash-writer.ts", import.meta.url));

function expectedValue(offset: number): string {
  const payload = "x".repeat((offset * 7919) % 97);
  const digest = createHash("sha1").update(`${offset}:${payload}`).digest("hex").slice(0, 10);
  return `${offset}:${payload}:${digest}`;
}

/** Runs the writer until it has acked something, waits `killAfterMs` more, SIGKILLs it. Returns the last ack. */
function runAndKill(dir: string, killAfterMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", writer, dir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let lastAck = -1;
    let buf = "";
    let stderr = "";
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const l of lines) if (l.startsWith("acked ")) lastAck = Number(l.slice(6));
      if (lastAck >= 0 && timer === undefined) timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`writer exited with ${code}: ${stderr}`));
      else resolve(lastAck);
    });
  });
}

test("SIGKILL during appends never loses acked data nor exposes a torn batch", async () => {
  const dir = tmpDir();
  let previousEnd = 0;
  for (let round = 0; round < 6; round++) {
    const acked = await runAndKill(dir, 20 + Math.floor(Math.random() * 400));
    const log = openLog({ dir });
    const p = log.topic("t").partition(0);
    assert.ok(p.logEndOffset >= acked, `round ${round}: acked up to ${acked}, log ends at ${p.logEndOffset}`);
    assert.ok(p.logEndOffset >= previousEnd, "the log never shrinks below what a previous reopen saw");
    let expected = 0;
    let off = 0;
    while (off < p.logEndOffset) {
      const res = p.fetch(off, { maxBytes: 1 << 22 });
      for (const r of res.records) {
        assert.equal(r.offset, expected, "offsets are contiguous");
        assert.equal(r.value!.toString(), expectedValue(r.offset));
        assert.equal(r.key!.toString(), `k${r.offset % 13}`);
        expected++;
      }
      off = res.nextOffset;
    }
    assert.equal(expected, p.logEndOffset);
    previousEnd = p.logEndOffset;
    log.close();
  }
  assert.ok(previousEnd > 0);
});
