/**
 * Job module of bench/checkpoint/threads.ts (each worker thread imports it): generated events
 * over 10 000 keys, keyBy, 60 s tumbling event-time windows counting per key (keyed window state),
 * into a sink that drops the results. Args: <events>. It returns one record per source subtask,
 * the wall time of its first event, so the bench measures from the first event (worker start-up
 * excluded) to the end of the job (final checkpoint included).
 */
import { defineJob, TumblingEventTimeWindows, WatermarkStrategy } from "@fleuve/core";

interface Event {
  key: number;
  ts: number;
}

export default defineJob({
  name: "checkpoint-threads-bench",
  build(env, args) {
    const events = env
      .fromGenerator<Event>((i) => ({ key: (i * 7919) % 10_000, ts: Math.floor(i / 10) }), {
        count: Number(args[0] ?? 10_000_000),
        strategy: WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e.ts),
      })
      .uid("events");
    events
      .keyBy((e) => e.key)
      .window(TumblingEventTimeWindows.of<Event>(60_000))
      .aggregate({
        createAccumulator: () => 0,
        add: (_e, n: number) => n + 1,
        getResult: (n) => n,
        merge: (a, b) => a + b,
      })
      .uid("windows")
      .forEach(() => {}, "Drop");
    // one record per source subtask: when its first event went out
    let started = false;
    return events.flatMap(() => {
      if (started) return [];
      started = true;
      return [Date.now()];
    });
  },
});
