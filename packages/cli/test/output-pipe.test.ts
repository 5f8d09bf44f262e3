// Every printing command, with its output going to a pipe that is read slowly (as `| wc -l`,
// `| sort` or a slow consumer read it): all of the output arrives, whole, and the command exits 0.
// Writes to a pipe are asynchronous, so a command that exits before they drain loses its output
// (`fleuve consume big | wc -l` once printed 961 of 200,000 records and cut the last line). A
// reader that stops early (`| head -n 5`) ends the command quietly, with exit code 0.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { openLog } from "@fleuve/log";
import { JOBS_USAGE, SAVEPOINT_USAGE } from "../src/control-commands.js";
import { DEMO_USAGE } from "../src/demo/command.js";
import { LOG_USAGE } from "../src/log-command.js";
import { USAGE, version } from "../src/main.js";
import { RUN_USAGE } from "../src/run-command.js";
import { BIN, ROOT } from "./helpers.js";

const BIG = 200_000;
const JOB = join(ROOT, "packages/cli/test/fixtures/many-records-job.ts");
const base = mkdtempSync(join(tmpdir(), "fleuve-pipe-"));
const logDir = join(base, "log");

before(() => {
  // Written through the library rather than `fleuve produce`: faster, and it is not under test.
  const log = openLog({ dir: logDir });
  try {
    log.createTopic("big", { partitions: 1 });
    log.createTopic("small", { partitions: 2 });
    const topic = log.topic("big");
    for (let from = 0; from < BIG; from += 10_000) {
      const batch = [];
      for (let n = from; n < from + 10_000; n++) {
        batch.push({ key: null, value: Buffer.from(JSON.stringify({ n, pad: "x".repeat(40) })) });
      }
      topic.append(batch);
    }
  } finally {
    log.close();
  }
});
after(() => rmSync(base, { recursive: true, force: true }));

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Reads a pipe slowly: after each chunk the stream pauses and resumes on a later turn of the event
 * loop, so the writer's pipe fills up and its writes queue (the case that lost output).
 */
function readSlowly(stream: Readable, sink: (chunk: string) => void): void {
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    sink(chunk);
    stream.pause();
    setTimeout(() => stream.resume(), 1);
  });
}

/** Runs `fleuve args...` with stdout and stderr to pipes read slowly; `input` goes to stdin. */
function fleuveSlowly(args: readonly string[], input?: string): Promise<Ran> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: base,
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (input !== undefined) child.stdin!.end(input);
  let stdout = "";
  let stderr = "";
  readSlowly(child.stdout!, (c) => (stdout += c));
  readSlowly(child.stderr!, (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The lines of an output that must end with a newline (a cut last line fails here). */
function lines(out: string): string[] {
  assert.ok(out.endsWith("\n"), `output ends mid-line: ...${JSON.stringify(out.slice(-80))}`);
  return out.slice(0, -1).split("\n");
}

test("a command's last big write reaches a slow reader before the process exits", async () => {
  // What bin/fleuve.js does after a command: one big write (as \`topics describe\` of a wide topic
  // makes), then exitWhenFlushed. process.exit() here instead lost all but the first 64 KiB.
  const streams = new URL("../dist/process-streams.js", import.meta.url).href;
  const script = `import { endQuietlyWhenReaderGoes, exitWhenFlushed } from ${JSON.stringify(streams)};
endQuietlyWhenReaderGoes();
process.stdout.write("x".repeat(1 << 20) + "\\n");
await exitWhenFlushed(0);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  readSlowly(child.stdout!, (c) => (stdout += c));
  readSlowly(child.stderr!, (c) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(stderr, "");
  assert.equal(code, 0);
  assert.equal(stdout.length, (1 << 20) + 1, "bytes received");
});

test(`consume of a topic of ${BIG} records to a slow pipe prints every record, whole`, async () => {
  const r = await fleuveSlowly(["consume", "big", "--from-beginning", "--dir", logDir]);
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  const got = lines(r.stdout);
  assert.equal(got.length, BIG, "records printed");
  got.forEach((line, i) => {
    assert.equal((JSON.parse(line) as { n: number }).n, i, `line ${i + 1}`);
  });
});

test("consume --metadata --max to a slow pipe prints exactly --max envelopes", async () => {
  const r = await fleuveSlowly([
    "consume",
    "big",
    "--from-beginning",
    "--metadata",
    "--max",
    "50000",
    "--dir",
    logDir,
  ]);
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  const got = lines(r.stdout).map((l) => JSON.parse(l) as { offset: number; value: { n: number } });
  assert.equal(got.length, 50_000);
  assert.deepEqual(got.at(-1), { ...got.at(-1), offset: 49_999, value: { n: 49_999, pad: "x".repeat(40) } });
});

test("run of a job printing 100,000 records to a slow pipe prints every record, whole", async () => {
  const r = await fleuveSlowly(["run", JOB, "--", "100000"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^metrics: http:\/\/127\.0\.0\.1:\d+\/metrics \(native names\)\ndashboard: http:\/\/127\.0\.0\.1:\d+\/\njob 'many-records' finished in \d+ ms\n$/,
  );
  const got = lines(r.stdout).map((l) => (JSON.parse(l) as { i: number }).i);
  assert.equal(got.length, 100_000);
  assert.deepEqual(
    [...got].sort((a, b) => a - b),
    Array.from({ length: 100_000 }, (_, i) => i),
  );
});

// Commands with short outputs, each compared whole with what it must print.
const SHORT: { args: string[]; stdout: string | RegExp; stderr?: string | RegExp; input?: string }[] = [
  { args: ["--help"], stdout: `${USAGE}\n` },
  { args: [], stdout: `${USAGE}\n` },
  { args: ["--version"], stdout: `fleuve ${version()}\n` },
  { args: ["run", "--help"], stdout: `${RUN_USAGE}\n` },
  { args: ["demo", "--help"], stdout: `${DEMO_USAGE}\n` },
  { args: ["savepoint", "--help"], stdout: `${SAVEPOINT_USAGE}\n` },
  { args: ["jobs", "--help"], stdout: `${JOBS_USAGE}\n` },
  { args: ["topics", "--help"], stdout: `${LOG_USAGE}\n` },
  { args: ["consume", "--help"], stdout: `${LOG_USAGE}\n` },
  { args: ["topics", "list", "--dir", logDir], stdout: "big\nsmall\n" },
  {
    args: ["topics", "describe", "small", "--dir", logDir],
    stdout: /^\{\n[\s\S]*"name": "small"[\s\S]*\n\}\n$/,
  },
  {
    args: ["topics", "create", "more", "--dir", logDir],
    stdout: "Created topic more with 1 partition(s).\n",
  },
  {
    args: ["produce", "small", "--dir", logDir],
    input: '{"a":1}\n{"a":2}\n',
    stdout: "",
    stderr: "Produced 2 record(s) to small.\n",
  },
  {
    args: ["jobs", "--control-dir", join(base, "no-jobs")],
    stdout: "",
    stderr: `no running jobs (control sockets in ${join(base, "no-jobs")})\n`,
  },
  {
    args: ["demo", "--events", "2000", "--rate", "0", "--dir", join(base, "demo")],
    stdout: /^fleuve demo: [\s\S]*\nfinished: 2,000 events [\s\S]*\n {2}results: .*consume page-stats .*\n$/,
    stderr: /^(?![\s\S]*error)/, // a progress line may be there, no error
  },
];

for (const c of SHORT) {
  test(`fleuve ${c.args.slice(0, 2).join(" ") || "(no arguments)"} prints all of its output to a slow pipe`, async () => {
    const r = await fleuveSlowly(c.args, c.input);
    assert.equal(r.code, 0, r.stderr);
    if (typeof c.stdout === "string") assert.equal(r.stdout, c.stdout);
    else assert.match(r.stdout, c.stdout);
    if (c.stderr instanceof RegExp) assert.match(r.stderr, c.stderr);
    else assert.equal(r.stderr, c.stderr ?? "");
  });
}

test("a usage error prints the whole usage to a slow pipe and exits 2", async () => {
  const r = await fleuveSlowly(["bogus"]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^error FLEUVE_CLI_USAGE: unknown command 'bogus'/);
  assert.ok(r.stderr.endsWith(`\n\n${USAGE}\n`), "the usage, whole");
});

for (const [what, command] of [
  ["consume", `consume big --from-beginning --dir '${logDir}'`],
  ["run", `run '${JOB}' -- 100000`],
  // The demo writes its tables as the job goes, long after head has left.
  ["demo", `demo --events 20000 --rate 0 --dir '${join(base, "demo-head")}'`],
]) {
  test(`fleuve ${what} | head -n 5 ends quietly with exit code 0`, () => {
    // pipefail: the exit code is fleuve's (head's is 0 anyway).
    const r = spawnSync(
      "bash",
      ["-c", `set -o pipefail; '${process.execPath}' '${BIN}' ${command} | head -n 5`],
      {
        cwd: base,
        encoding: "utf8",
      },
    );
    assert.equal(r.stdout.split("\n").length, 6, "five lines");
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /error|EPIPE|at /, "no error text");
  });
}
