/**
 * The one timer `fire()` of process, co-process and broadcast-process operators
 * (ProcessContextImpl.fireTimer): when onTimer throws under a dead-letter policy, each of the three
 * puts the timer, its time domain and its key into the dead letter, and goes on.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type DataStream,
  type DeadLetter,
  mapState,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from "../../src/index.js";

interface Ev {
  k: string;
  ts: number;
}

const events: Ev[] = [
  { k: "a", ts: 10 },
  { k: "b", ts: 20 },
  { k: "c", ts: 30 },
];

/** Each event registers a timer at ts + 5 for its key; the timer of key "b" throws. */
const timers = {
  onTimer(timestamp: number, ctx: { getCurrentKey(): string }, out: { collect(v: string): void }): void {
    const key = ctx.getCurrentKey();
    if (key === "b") throw new Error(`timer of ${key} fails`);
    out.collect(`${key}@${timestamp}`);
  },
};

function setup(): { env: StreamExecutionEnvironment; letters: DeadLetter[]; input: () => DataStream<Ev> } {
  const letters: DeadLetter[] = [];
  const env = StreamExecutionEnvironment.create({
    parallelism: 1,
    errorPolicy: { deadLetter: (l) => letters.push(l) },
  });
  const input = () =>
    env.fromCollection(events, {
      timestamps: events.map((e) => e.ts),
      strategy: WatermarkStrategy.forMonotonousTimestamps(),
    });
  return { env, letters, input };
}

/** The dead letters must be exactly the failed timer of key "b", with its key; the others fired. */
function check(out: string[], letters: DeadLetter[], operator: string): void {
  assert.deepEqual(out.sort(), ["a@15", "c@35"]);
  assert.equal(letters.length, 1);
  assert.equal(letters[0]!.operator, operator);
  assert.equal(letters[0]!.error, "timer of b fails");
  assert.deepEqual(letters[0]!.record, { timer: 25, domain: "event-time", key: "b" });
}

test("process: a failing onTimer's dead letter names the timer and its key", async () => {
  const { letters, input } = setup();
  const out = await input()
    .keyBy((e) => e.k)
    .process<string>({
      processElement(e, ctx) {
        ctx.timerService().registerEventTimeTimer(e.ts + 5);
      },
      ...timers,
    })
    .executeAndCollect();
  check(out, letters, "KeyedProcess");
});

test("co-process: a failing onTimer's dead letter names the timer and its key", async () => {
  const { env, letters, input } = setup();
  const other = env.fromCollection<Ev>([]);
  const out = await input()
    .connect(other)
    .keyBy(
      (e) => e.k,
      (e) => e.k,
    )
    .process<string, string>({
      processElement1(e, ctx) {
        ctx.timerService().registerEventTimeTimer(e.ts + 5);
      },
      processElement2() {},
      ...timers,
    })
    .executeAndCollect();
  check(out, letters, "CoProcess");
});

test("broadcast-process: a failing onTimer's dead letter names the timer and its key", async () => {
  const { env, letters, input } = setup();
  const rules = env.fromCollection<string>([]).broadcast(mapState<string, string>("rules"));
  const out = await input()
    .keyBy((e) => e.k)
    .connect(rules)
    .process<string, string>({
      processElement(e, ctx) {
        ctx.timerService().registerEventTimeTimer(e.ts + 5);
      },
      processBroadcastElement() {},
      ...timers,
    })
    .executeAndCollect();
  check(out, letters, "BroadcastProcess");
});
