/**
 * Records in of chained operators: one fed by the only main output of the operator before it does
 * not count per record (its count follows that operator's records out, see RecordCounter.follow);
 * after a fan-out, on a side output and at chain heads it counts as before. Whichever way, each
 * operator's records in must equal the calls its function received, at every moment (sampled from
 * inside the functions while the job runs), across a restart, and with a keyed chained operator
 * whose key selector fails (that record never reaches the function); and no count ever goes down.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type JobClient,
  type KeyedProcessFunction,
  type OperatorMetricsSnapshot,
  OutputTag,
  type ProcessFunction,
  StreamExecutionEnvironment,
  type ValueState,
  valueState,
} from "../../src/index.js";

test("each chained operator's records in equal the calls its function received: after a fan-out, on a side output, keyed with a failing key selector, across a restart", {
  timeout: 120_000,
}, async () => {
  const n = 6000;
  const failAt = 3001; // a record that reaches "Keyed" (odd, not a multiple of 3)
  const calls = new Map<string, number>();
  const call = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  const last = new Map<string, number>();
  let samples = 0;
  const mismatches: unknown[] = [];
  let client: JobClient | undefined;
  let keyFailed = false;

  /** Every operator's records in against the calls its function received so far; none went down. */
  const check = (ops: readonly OperatorMetricsSnapshot[], when: string) => {
    for (const o of ops) {
      const key = `${o.operatorName} recordsIn`;
      const before = last.get(key) ?? 0;
      assert.ok(o.recordsIn >= before, `${when}: ${key} went down from ${before} to ${o.recordsIn}`);
      last.set(key, o.recordsIn);
      const keyOut = `${o.operatorName} recordsOut`;
      assert.ok(o.recordsOut >= (last.get(keyOut) ?? 0), `${when}: ${keyOut} went down`);
      last.set(keyOut, o.recordsOut);
      if (o.operatorName === "Generator") continue;
      assert.equal(o.recordsIn, calls.get(o.operatorName) ?? 0, `${when}: ${o.operatorName} records in`);
    }
  };
  /** Samples the metrics from inside a function, every 97 calls of it (mid-chain, as a reporter may). */
  const sample = (name: string) => {
    if ((calls.get(name) ?? 0) % 97 === 0 && client !== undefined) {
      // kept rather than thrown: a throw here would be a failure of the job, restarted
      try {
        check(client.snapshot().operators, `while running, in ${name}`);
      } catch (e) {
        mismatches.push(e);
      }
      samples++;
    }
  };

  const tag = new OutputTag<number>("fives");
  const split: ProcessFunction<number, number> = {
    processElement(v, ctx, out) {
      call("Split");
      if (v % 5 === 0) ctx.output(tag, v);
      else out.collect(v);
    },
  };
  const keyed: KeyedProcessFunction<number, number, number> & { seen?: ValueState<number> } = {
    open(ctx) {
      this.seen = ctx.getState(valueState<number>("seen"));
    },
    processElement(v, _ctx, out) {
      call("Keyed");
      this.seen!.update((this.seen!.value() ?? 0) + 1);
      out.collect(v);
    },
  };
  const keyedFan: KeyedProcessFunction<number, number, number> = {
    processElement(v, _ctx, out) {
      call("KeyedFan");
      out.collect(v);
    },
  };

  const dir = mkdtempSync(join(tmpdir(), "fleuve-records-in-"));
  const env = StreamExecutionEnvironment.create({
    parallelism: 1, // every edge chains, keyBy included
    checkpointing: { dir, intervalMs: 10 },
    restartStrategy: { type: "fixed-delay", attempts: 1, delayMs: 0 },
  });
  const splitted = env
    .fromGenerator<number>((i) => i, { count: n })
    .map((x) => {
      call("Map"); // the source's only main output: follows its records out
      return x;
    })
    .name("Map")
    .filter((x) => {
      call("Filter");
      return x % 3 !== 0;
    })
    .name("Filter")
    .process(split)
    .name("Split");
  // Split's main output fans out to three operators (two plain, one keyed): each counts per record
  const left = splitted
    .filter((x) => {
      call("Left");
      return x % 2 === 1;
    })
    .name("Left");
  splitted
    .map((x) => {
      call("Right");
      sample("Right");
      return x;
    })
    .name("Right")
    .forEach(() => {
      call("RightSink");
    }, "RightSink");
  splitted
    .keyBy((x) => x % 4)
    .process(keyedFan)
    .name("KeyedFan")
    .forEach(() => {
      call("KeyedFanSink");
    }, "KeyedFanSink");
  // Left's only main output is keyed: it follows Left's records out, and takes back the record
  // whose key selector fails (the first time it comes; the job restarts)
  left
    .keyBy((x) => {
      if (x === failAt && !keyFailed) {
        keyFailed = true;
        throw new Error("key selector fails once");
      }
      return x % 7;
    })
    .process(keyed)
    .name("Keyed")
    .forEach(() => {
      call("KeyedSink");
      sample("KeyedSink");
    }, "KeyedSink");
  // the side output counts per record; the sink after it follows
  splitted
    .getSideOutput(tag)
    .map((x) => {
      call("Side");
      return x;
    })
    .name("Side")
    .forEach(() => {
      call("SideSink");
      sample("SideSink");
    }, "SideSink");

  client = env.executeAsync("records-in-chained");
  await client.result;
  const snap = client.snapshot();
  assert.deepEqual(mismatches, [], "records in equal the calls at every sample while running");
  assert.ok(keyFailed, "the key selector failed once");
  assert.equal(snap.job.restarts, 1, "the job restarted after the key selector failed");
  assert.ok(samples > 10, `sampled ${samples} times while running`);
  const names = snap.operators.map((o) => o.operatorName).sort();
  assert.deepEqual(names, [
    "Filter",
    "Generator",
    "Keyed",
    "KeyedFan",
    "KeyedFanSink",
    "KeyedSink",
    "Left",
    "Map",
    "Right",
    "RightSink",
    "Side",
    "SideSink",
    "Split",
  ]);
  for (const o of snap.operators) assert.equal(o.taskName.split(" -> ").length, names.length, "one chain");
  check(snap.operators, "at the end");
  // the last attempt ran every record through (the first may have replayed part of it)
  const byName = (name: string) => snap.operators.find((o) => o.operatorName === name)!;
  assert.ok(byName("Map").recordsIn >= n);
  assert.ok(
    byName("Keyed").recordsIn < byName("Left").recordsOut,
    "the failing record is not in Keyed's records in",
  );
});
