// `fleuve demo` on a terminal that stops taking output (a slow terminal, output paused with
// Ctrl-S): writes to a terminal are synchronous in Node, and a blocked write stalled the job, the
// generator and the checkpoints together, so the watermark lag and the run time grew. The job
// must run to its end while the terminal takes nothing, and all its output must arrive after.
// The terminal is a pty made by util-linux `script`; Ctrl-S (XOFF) sent to it stops its output.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BIN, finish, ROOT } from "../helpers.js";

const XOFF = "\x13";
const XON = "\x11";

/** The lines a terminal shows for `raw`: "\r" returns to the line's start, ESC [K erases to its end. */
function screenLines(raw: string): string[] {
  return raw.split("\n").map((line) => {
    let shown = "";
    let col = 0;
    for (let i = 0; i < line.length; i++) {
      if (line[i] === "\r") col = 0;
      else if (line.startsWith("\u001b[K", i)) {
        shown = shown.slice(0, col);
        i += 2;
      } else {
        shown = shown.slice(0, col) + line[i] + shown.slice(col + 1);
        col++;
      }
    }
    return shown;
  });
}

async function waitFor(condition: () => boolean, what: string, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`${what}: not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("the demo runs to its end while its terminal takes no output, then prints everything", {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-demo-tty-"));
  try {
    const demo = `${process.execPath} ${BIN} demo --events 40000 --rate 20000 --dir ${dir}`;
    const terminal = spawn("script", ["-qfc", demo, "/dev/null"], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const done = finish(terminal);
    let seen = "";
    terminal.stdout!.on("data", (chunk: string) => {
      seen += chunk;
    });
    // Once the demo has written to the terminal, the terminal stops taking output.
    await waitFor(() => seen.includes("fleuve demo:"), "the demo starts", 60_000);
    terminal.stdin!.write(XOFF);
    // The run ends (its marker is written after the job's last checkpoint) with output stopped.
    try {
      await waitFor(
        () => existsSync(join(dir, "finished")),
        "the demo finishes with its terminal stopped",
        60_000,
      );
    } finally {
      terminal.stdin!.write(XON);
    }
    const r = await done;
    assert.equal(r.code, 0, r.stdout);
    // What the terminal shows: the tables and the summary on lines of their own, whole.
    const screen = screenLines(r.stdout);
    assert.ok(
      screen.some((l) => /^finished: 40,000 events in [\d.]+ s/.test(l)),
      screen.join("\n"),
    );
    assert.ok(
      screen.some((l) => /^window \[12:00:00, 12:01:00\) {2}\d+ views on 20 pages$/.test(l)),
      screen.join("\n"),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
