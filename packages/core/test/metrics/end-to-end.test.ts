/**
 * End-to-end latency at sinks (wall clock at the sink minus the record's event timestamp, one
 * record sampled per latency marker) and keyed state bytes of the heap backend (an estimate from
 * the serialized size of sampled entries).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type KeyedProcessFunction,
  type Sink,
  StreamExecutionEnvironment,
  type ValueState,
  valueState,
  WatermarkStrategy,
} from "../../src/index.js";

const DELAY_MS = 5000;

test("a sink samples wall clock minus event time: every sample lies between the known delay and the delay plus the run time", async () => {
  const written: number[] = [];
  const sink: Sink<number> = {
    bounded: false,
    createWriter: () => ({ write: (v: number) => void written.push(v) }),
  } as never;
  const env = StreamExecutionEnvironment.create({ parallelism: 1, latencyTrackingIntervalMs: 5 });
  const started = Date.now();
  // Each record carries the wall clock when it was generated; its event time is DELAY_MS earlier.
  env
    .fromGenerator<number>(() => Date.now(), {
      count: 3000,
      ratePerSecond: 2000,
      strategy: WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(
        (t) => t - DELAY_MS,
      ),
    })
    .map((t) => t)
    .sinkTo(sink, "Out");
  const client = env.executeAsync("end-to-end");
  await client.result;
  const ended = Date.now();
  const out = client.snapshot().operators.find((o) => o.operatorName === "Out")!;
  const h = out.endToEndLatencyMs!;
  assert.equal(written.length, 3000);
  assert.ok(h.count > 0, "at least one record was sampled");
  assert.ok(h.count <= 3000);
  // the histogram keeps values to ~3%: bounds widened by that much
  assert.ok(h.p50 >= DELAY_MS * 0.97, `p50 ${h.p50} below the ${DELAY_MS} ms the records were stamped back`);
  assert.ok(h.max >= DELAY_MS && h.max <= ended - started + DELAY_MS, `max ${h.max}`);
  assert.ok(h.sum / h.count >= DELAY_MS && h.sum / h.count <= ended - started + DELAY_MS);
  // Operators that are not sinks have no end-to-end figure.
  const map = client.snapshot().operators.find((o) => o.operatorName === "Map")!;
  assert.equal(map.endToEndLatencyMs, undefined);
});

test("without latency markers a sink samples nothing", async () => {
  const sink: Sink<number> = { bounded: false, createWriter: () => ({ write() {} }) } as never;
  const env = StreamExecutionEnvironment.create({ parallelism: 1, latencyTrackingIntervalMs: 0 });
  env.fromGenerator<number>((i) => i, { count: 1000 }).sinkTo(sink, "Out");
  const client = env.executeAsync("no-markers");
  await client.result;
  const out = client.snapshot().operators.find((o) => o.operatorName === "Out")!;
  assert.equal(out.endToEndLatencyMs!.count, 0);
});

test("keyed state bytes of the heap backend: 40 keys of 1000-character strings take 40 to 44 kB serialized", async () => {
  const keys = 40;
  const payload = 1000;
  const holding: KeyedProcessFunction<number, number, never> & { s?: ValueState<string> } = {
    open(ctx) {
      this.s = ctx.getState(valueState<string>("payload"));
    },
    processElement(k) {
      this.s!.update(String.fromCharCode(97 + (k % 26)).repeat(payload));
    },
  };
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  env
    .fromGenerator<number>((i) => i % keys, { count: 400 })
    .keyBy((k) => k)
    .process(holding)
    .name("Holding");
  const client = env.executeAsync("state-bytes");
  await client.result;
  const op = client.snapshot().operators.find((o) => o.operatorName === "Holding")!;
  assert.equal(op.gauges.numKeyedStateEntries, keys);
  const bytes = op.gauges.keyedStateSizeBytes!;
  // one-byte strings serialize at one byte a character, plus the key and a few bytes of framing
  assert.ok(bytes >= keys * payload && bytes <= keys * (payload + 100), `${bytes} bytes`);
});
