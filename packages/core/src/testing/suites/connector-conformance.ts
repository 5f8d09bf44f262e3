/**
 * The connector conformance suite: what every topic-based connector (a source and an exactly-once
 * sink made from plain options by its descriptor) must do, checked the same way for each. A
 * connector package calls {@link connectorConformanceCases} from its tests with a small
 * {@link ConformanceTarget} (create a topic, append input, read committed output) and runs each
 * case with its test framework:
 *
 * ```ts
 * import { test } from "node:test";
 * import { connectorConformanceCases } from "@fleuve/core/testing";
 * for (const c of connectorConformanceCases(myTarget)) test(c.name, { timeout: 120_000 }, c.run);
 * ```
 *
 * Cases: a bounded source restored after more records were appended stops at its checkpointed end;
 * a job SIGKILLed at points of progress and restarted commits exactly the oracle's output, in one
 * thread and on 2 worker threads (two writers of the sink in one process); a
 * savepoint restored at another parallelism gives exactly the oracle's output; a record that does
 * not decode goes to the dead-letter destination with the reason, and nothing else is lost.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ConnectorDescriptor,
  type ConnectorRecord,
  createSink,
  createSource,
  type DeadLetter,
  type ErrorPolicy,
  type PlainOptions,
  type Sink,
  type SinkWriter,
  type Source,
  type SourceOutput,
  StreamExecutionEnvironment,
} from "../../index.js";
import { addTotalsJob, type ConformanceJobSpec, conformanceEvent, totalsOracle } from "./conformance-job.js";

/** A record the suite appends: partition, key, UTF-8 value and timestamp. */
export interface ConformanceRecord {
  readonly partition: number;
  readonly key: string;
  readonly value: string;
  readonly timestamp: number;
}

/** A dead letter as the connector's dead-letter destination gives it back. */
export interface StoredDeadLetter {
  /** The operator that rejected the record (the source's name for a record that does not decode). */
  readonly operator: string;
  /** The reason. */
  readonly error: string;
  /** The record; for one that did not decode, its raw form with `value` as base64. */
  readonly record: unknown;
}

/** What the suite needs to know about a connector, and how to reach its topics. */
export interface ConformanceTarget {
  /** The connector under test: its source and sink are made from plain options. */
  readonly connector: ConnectorDescriptor;
  /**
   * A module specifier or file URL exporting `connectors` (the descriptors), which the child
   * process of the kill case imports to make the same source and sink, e.g. "@fleuve/log".
   */
  readonly module: string;
  /** Options every source and sink of the connector needs besides the suite's (a directory, an address). */
  readonly options: PlainOptions;
  /** A new, empty topic with `partitions` partitions; resolves to its name. */
  createTopic(partitions: number): Promise<string>;
  /** Appends records, durably and visible to sources created afterwards (outside any job). */
  append(topic: string, records: readonly ConformanceRecord[]): Promise<void>;
  /** Every committed value of `topic` as UTF-8 (read_committed), in any order, once no job writes it. */
  readCommitted(topic: string): Promise<string[]>;
  /**
   * The connector's own dead-letter destination, if it has one: an error policy writing there, and
   * the letters it holds. Without it the suite uses an in-memory error policy.
   */
  readonly deadLetters?: {
    policy(name: string): ErrorPolicy;
    read(name: string): Promise<StoredDeadLetter[]>;
  };
}

/** One case of the suite. */
export interface ConformanceCase {
  /** "<connector>: <what is checked>". */
  readonly name: string;
  run(): Promise<void>;
}

/** Sizes of the suite's inputs; the defaults keep each case to seconds. */
export interface ConformanceOptions {
  /** Records of the kill case's input (default 20,000). */
  readonly killRecords?: number;
  /** SIGKILLs the kill case must land while its job runs (default 3). */
  readonly kills?: number;
  /** Seed of the kill points, so a failure can be replayed (default 1). */
  readonly seed?: number;
}

/** Users of the totals jobs: each partition holds whole users, so a user's records stay in order. */
const USERS = 8;

/** The cases for `target`; run each with the test framework (see the module's example). */
export function connectorConformanceCases(
  target: ConformanceTarget,
  options: ConformanceOptions = {},
): ConformanceCase[] {
  const name = target.connector.name;
  return [
    {
      name: `${name}: a bounded source restored after more records were appended stops at its checkpointed end`,
      run: () => boundedRestore(target),
    },
    {
      name: `${name}: SIGKILLed at points of progress and restarted, the exactly-once output equals the oracle`,
      run: () => exactlyOnceUnderKills(target, options),
    },
    {
      name: `${name}: on 2 worker threads, SIGKILLed at points of progress and restarted, the exactly-once output equals the oracle`,
      run: () => exactlyOnceUnderKills(target, { ...options, threads: 2 }),
    },
    {
      name: `${name}: a savepoint restored at another parallelism gives exactly the oracle's output`,
      run: () => rescale(target),
    },
    {
      name: `${name}: a record that does not decode goes to the dead letters with the reason; nothing is lost`,
      run: () => deadLetters(target),
    },
  ];
}

/** Input records `from..to-1` of the totals jobs, each user in partition `user % partitions`. */
function totalsInput(from: number, to: number, partitions: number): ConformanceRecord[] {
  const out: ConformanceRecord[] = [];
  for (let i = from; i < to; i++) {
    const e = conformanceEvent(i, USERS);
    out.push({
      partition: e.u % partitions,
      key: `u${e.u}`,
      value: JSON.stringify(e),
      timestamp: 1_000_000 + i,
    });
  }
  return out;
}

function tempDir(what: string): string {
  return mkdtempSync(join(tmpdir(), `fleuve-conformance-${what}-`));
}

/** Waits until `done()` (checked every 10 ms); fails naming `what` after `timeoutMs`. */
async function waitFor(done: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** When the readers of {@link heldSource} wait. */
/** When the readers of {@link heldSource} wait. */
export interface Gate {
  /** True while a reader that has emitted its share must wait (checked at every poll). */
  closed(): boolean;
  /** A reader began to wait. */
  onHold?(subtaskIndex: number): void;
  /** A checkpoint taken while a reader was waiting completed. */
  onCheckpointWhileHeld?(): void;
}

/**
 * `source`, whose readers, once each has emitted `after` records, say "nothing-yet" while the gate
 * is closed; checkpoints go on meanwhile. So a case decides what happens part-way through the
 * input instead of hoping the machine is slow or fast enough.
 */
export function heldSource<T>(source: Source<T>, after: number, gate: Gate): Source<T> {
  return {
    bounded: source.bounded,
    ...(source.rescalable === undefined ? {} : { rescalable: source.rescalable }),
    createReader(ctx) {
      const inner = source.createReader(ctx);
      let emitted = 0;
      let holding = false;
      let snapshotWhileHeld = false;
      const counting = (o: SourceOutput<T>): SourceOutput<T> => ({
        collect(value, timestamp) {
          emitted++;
          o.collect(value, timestamp);
        },
        emitWatermark: (w) => o.emitWatermark(w),
        markIdle: () => o.markIdle(),
        forSplit: (id) => counting(o.forSplit(id)),
        releaseSplit: (id) => o.releaseSplit(id),
        reject: (raw, reason, timestamp) => o.reject(raw, reason, timestamp),
      });
      const waiting = () => emitted >= after && gate.closed();
      return {
        poll(output, max) {
          if (waiting()) {
            if (!holding) gate.onHold?.(ctx.subtaskIndex);
            holding = true;
            return "nothing-yet";
          }
          // Never past the hold point in one poll, so every reader holds at the same count.
          return inner.poll(counting(output), Math.max(1, Math.min(max, after - emitted)));
        },
        available: () =>
          waiting()
            ? new Promise((r) => setTimeout(r, 10))
            : (inner.available?.() ?? new Promise((r) => setTimeout(r, 1))),
        snapshot(id) {
          if (waiting()) snapshotWhileHeld = true;
          return inner.snapshot?.(id);
        },
        restore: (state) => inner.restore?.(state),
        notifyCheckpointComplete(id) {
          inner.notifyCheckpointComplete?.(id);
          if (snapshotWhileHeld) {
            snapshotWhileHeld = false;
            gate.onCheckpointWhileHeld?.();
          }
        },
        close: () => inner.close?.(),
      };
    },
  };
}

/** A sink keeping values in an array (in-process jobs only). */
function arraySink(values: unknown[]): Sink<unknown> {
  return {
    createWriter: (): SinkWriter<unknown> => ({
      write(v) {
        values.push(v);
      },
    }),
  };
}

/**
 * A bounded source keeps the end it saw at its first start in its checkpoints: a job restored
 * after more records were appended ends where the first run would have, not at the new end.
 */
async function boundedRestore(t: ConformanceTarget): Promise<void> {
  const N = 400;
  const HOLD_AFTER = 150;
  const topic = await t.createTopic(2);
  const dir = tempDir("bounded");
  try {
    await t.append(topic, totalsInput(0, N, 2));
    const run = (failure: { at?: number } | undefined, seen: number[]) => {
      const env = StreamExecutionEnvironment.create({
        parallelism: 1,
        batchSize: 10, // short steps, so checkpoints are taken between them
        checkpointing: { dir, intervalMs: 20 },
        restartStrategy: { type: "none" },
        ...(failure === undefined ? { restoreFrom: dir } : {}),
        log: () => {},
      });
      let released = false;
      const source = createSource(t.connector, { ...t.options, topic, bounded: true, format: "json" });
      // The first run holds part-way until a checkpoint taken while it holds is complete, then
      // fails at its next record: there is always such a checkpoint to restore, mid-input.
      const gated = failure
        ? heldSource(source, HOLD_AFTER, {
            closed: () => !released,
            onCheckpointWhileHeld: () => {
              released = true;
            },
          })
        : source;
      env
        .fromSource(gated, undefined, "bounded-in")
        .uid("bounded-in")
        .map((r) => {
          const e = r.value as { i: number };
          if (failure && released && failure.at === undefined) {
            failure.at = e.i;
            throw new Error("injected failure");
          }
          return e.i;
        })
        .sinkTo(arraySink(seen as unknown[]), "seen");
      return env.execute("conformance-bounded-restore");
    };
    const first: number[] = [];
    const failure: { at?: number } = {};
    await assert.rejects(run(failure, first), /injected failure/);
    await t.append(topic, totalsInput(N, 2 * N, 2)); // after the first run's checkpoints
    const second: number[] = [];
    await run(undefined, second);
    assert.ok(
      second.length > 0,
      `the restored run read the rest of the input (the first failed at ${failure.at})`,
    );
    const beyond = second.filter((i) => i >= N);
    assert.equal(
      beyond.length,
      0,
      `the restored run read ${beyond.length} records appended after the checkpoint (beyond its checkpointed end)`,
    );
    assert.deepEqual(
      [...new Set([...first, ...second])].sort((a, b) => a - b),
      Array.from({ length: N }, (_, i) => i),
      "together the two runs read every record up to the end",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where the child job's entry is: compiled next to this file, or its source under tsx. */
function conformanceJobFile(): string {
  const js = fileURLToPath(new URL("./conformance-job.js", import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL("./conformance-job.ts", import.meta.url));
}

/** Where to SIGKILL a child job: after its n-th completed checkpoint (see {@link reportCheckpoints}). */
export interface KillPoint {
  /** Completed checkpoints to wait for; 0: a moment in the first `delayMs * 15` ms instead. */
  readonly checkpoints: number;
  /** Then wait this long (ms) before the kill. */
  readonly delayMs: number;
}

/**
 * Runs `node <execArgv> <args>` (the test runner's flags left out, a loader such as tsx kept) and,
 * with `kill`, SIGKILLs it at that point of its progress, which it reports on stdout as
 * `checkpoint <id>` lines (see {@link reportCheckpoints}). Resolves with whether it was killed;
 * rejects if it exited non-zero by itself.
 */
export function runKilledAt(
  args: readonly string[],
  kill: KillPoint | undefined,
): Promise<{ killed: boolean }> {
  const execArgv = process.execArgv.filter((a) => !a.startsWith("--test"));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...execArgv, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    let killed = false;
    const killNow = () => {
      if (killed) return;
      killed = true;
      child.kill("SIGKILL");
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const checkpoints = new Set<string>();
    if (kill?.checkpoints === 0) timer = setTimeout(killNow, kill.delayMs * 15);
    let pending = "";
    child.stdout.on("data", (d) => {
      pending += d;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const l of lines) if (l.startsWith("checkpoint ")) checkpoints.add(l);
      if (kill && kill.checkpoints > 0 && checkpoints.size >= kill.checkpoints && timer === undefined) {
        timer = setTimeout(killNow, kill.delayMs);
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (timer) clearTimeout(timer);
      if (!killed && code !== 0) reject(new Error(`${args.join(" ")} exited with ${code}: ${stderr}`));
      else resolve({ killed });
    });
  });
}

/** Runs the conformance job in a child process, killed at `kill`. */
function runChild(spec: ConformanceJobSpec, kill: KillPoint | undefined): Promise<{ killed: boolean }> {
  return runKilledAt([conformanceJobFile(), JSON.stringify(spec)], kill);
}

/**
 * Exactly-once end to end: a job (source -> keyed running totals -> exactly-once sink) in a child
 * process, SIGKILLed again and again at points of progress (after its n-th completed checkpoint)
 * and restarted from its latest checkpoint until it completes; the committed output must equal
 * the oracle: nothing missing, nothing twice. A job may complete before its planned kill (a fast
 * machine): then another round starts on fresh topics, until enough kills have landed.
 */
async function exactlyOnceUnderKills(
  t: ConformanceTarget,
  o: ConformanceOptions & { threads?: number },
): Promise<void> {
  const wanted = o.kills ?? 3;
  let seed = o.seed ?? 1;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  let kills = 0;
  for (let round = 0; round === 0 || (kills < wanted && round < 5); round++) {
    kills += await killRound(t, o.killRecords ?? 20_000, wanted - kills, rand, o.threads);
  }
  assert.ok(kills >= wanted, `the job was killed ${kills} times, fewer than ${wanted} (it finished first)`);
}

/** One round of {@link exactlyOnceUnderKills}; returns the kills that landed. */
async function killRound(
  t: ConformanceTarget,
  n: number,
  maxKills: number,
  rand: () => number,
  threads: number | undefined,
): Promise<number> {
  const input = await t.createTopic(4);
  const output = await t.createTopic(1);
  const dir = tempDir("kills");
  try {
    await t.append(input, totalsInput(0, n, 4));
    const spec: ConformanceJobSpec = {
      module: t.module,
      connector: t.connector.name,
      source: { ...t.options, topic: input, bounded: true, format: "json" },
      sink: {
        ...t.options,
        topic: output,
        format: "string",
        deliveryGuarantee: "exactly-once",
        transactionalIdPrefix: `conformance-${randomBytes(4).toString("hex")}`,
      },
      checkpointDir: dir,
      parallelism: 2,
      ...(threads === undefined ? {} : { threads }),
    };
    let kills = 0;
    let selfFailures = 0;
    let done = false;
    for (let attempt = 0; attempt < 10 * maxKills + 10 && !done; attempt++) {
      const kill =
        kills < maxKills
          ? { checkpoints: Math.floor(rand() * 3), delayMs: Math.floor(rand() * 20) }
          : undefined;
      let r: { killed: boolean };
      try {
        r = await runChild(spec, kill);
      } catch (e) {
        // A run that fails by itself (a broker timeout on a loaded machine) is one more crash to
        // recover from, as a restart strategy would; the output check still applies. Said aloud,
        // and a job that keeps failing fails the case.
        if (++selfFailures > 2) throw e;
        console.error(
          `[conformance] ${t.connector.name}: the job failed by itself, restarting it: ${String(e).slice(0, 500)}`,
        );
        continue;
      }
      if (r.killed) kills++;
      else done = true;
    }
    assert.ok(done, `the job did not complete after ${kills} kills`);
    const got = (await t.readCommitted(output)).sort();
    const want = totalsOracle(n, USERS);
    if (got.length !== want.length) {
      const have = new Set(got);
      const missing = want.filter((x) => !have.has(x)).length;
      assert.fail(
        `after ${kills} kills, committed ${got.length} records, the oracle has ${want.length} (${missing} missing, ${got.length - have.size} twice)`,
      );
    }
    assert.deepEqual(got, want);
    return kills;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Rescale: the totals job at parallelism 2 stopped with a savepoint part-way (every reader holding
 * at the same point), resumed at parallelism 3 from it; its committed output equals the oracle.
 */
async function rescale(t: ConformanceTarget): Promise<void> {
  const N = 2_000;
  const input = await t.createTopic(4);
  const output = await t.createTopic(2);
  const dir = tempDir("rescale");
  const prefix = `conformance-${randomBytes(4).toString("hex")}`;
  try {
    await t.append(input, totalsInput(0, N, 4));
    const job = (parallelism: number, restoreFrom: string | undefined, source: Source<ConnectorRecord>) => {
      const env = StreamExecutionEnvironment.create({
        parallelism,
        checkpointing: { dir: join(dir, `cp-${parallelism}`), intervalMs: 50 },
        restartStrategy: { type: "none" },
        ...(restoreFrom === undefined ? {} : { restoreFrom }),
        log: () => {},
      });
      const sink = createSink(t.connector, {
        ...t.options,
        topic: output,
        format: "string",
        deliveryGuarantee: "exactly-once",
        transactionalIdPrefix: prefix,
      });
      addTotalsJob(env, source, sink);
      return env.executeAsync(`conformance-rescale-p${parallelism}`);
    };
    const sourceOptions = { ...t.options, topic: input, bounded: true, format: "json" };
    const held = new Set<number>();
    let open = false;
    const first = job(
      2,
      undefined,
      heldSource(createSource(t.connector, sourceOptions), N / 8, {
        closed: () => !open,
        onHold: (i) => held.add(i),
      }),
    );
    let failed: unknown;
    first.result.catch((e: unknown) => {
      failed = e;
    });
    await waitFor(() => held.size === 2 || failed !== undefined, "both readers of the first run to hold");
    if (failed !== undefined) throw failed;
    const savepoint = await first.stopWithSavepoint(join(dir, "savepoint"));
    open = true;
    await first.result;
    await job(3, savepoint, createSource(t.connector, sourceOptions)).result;
    const got = (await t.readCommitted(output)).sort();
    const want = totalsOracle(N, USERS);
    assert.equal(got.length, want.length, `committed ${got.length} records, the oracle has ${want.length}`);
    assert.deepEqual(got, want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Dead letters: one record of the input is not JSON. It goes to the dead-letter destination with a
 * reason naming the topic, partition and offset, and its raw value; every other record arrives once.
 */
async function deadLetters(t: ConformanceTarget): Promise<void> {
  const N = 20;
  const BAD = 7;
  const topic = await t.createTopic(1);
  const records = totalsInput(0, N, 1).map((r, i) => (i === BAD ? { ...r, value: "not json {" } : r));
  await t.append(topic, records);
  const memory: DeadLetter[] = [];
  const letterName = `dlq-${randomBytes(4).toString("hex")}`;
  const policy = t.deadLetters?.policy(letterName) ?? {
    deadLetter: (l: DeadLetter) => {
      memory.push(l);
    },
  };
  const env = StreamExecutionEnvironment.create({ parallelism: 1, errorPolicy: policy, log: () => {} });
  const seen: unknown[] = [];
  env
    .fromSource(
      createSource(t.connector, { ...t.options, topic, bounded: true, format: "json" }),
      undefined,
      "dl-in",
    )
    .map((r) => (r.value as { i: number }).i)
    .sinkTo(arraySink(seen), "seen");
  await env.execute("conformance-dead-letters");
  assert.deepEqual(
    (seen as number[]).sort((a, b) => a - b),
    Array.from({ length: N }, (_, i) => i).filter((i) => i !== BAD),
    "every record that decodes arrives once",
  );
  const letters: StoredDeadLetter[] = t.deadLetters ? await t.deadLetters.read(letterName) : memory;
  assert.equal(letters.length, 1, `one dead letter, got ${letters.length}`);
  const letter = letters[0]!;
  assert.equal(letter.operator, "dl-in", "the letter names the source");
  assert.match(letter.error, new RegExp(`cannot deserialize record ${escapeRegExp(topic)}/0@${BAD}\\b`));
  const raw = letter.record as { topic?: string; partition?: number; offset?: number; value?: string };
  assert.equal(raw.topic, topic);
  assert.equal(raw.partition, 0);
  assert.equal(raw.offset, BAD);
  assert.equal(
    Buffer.from(raw.value ?? "", "base64").toString(),
    "not json {",
    "the letter keeps the raw value",
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
