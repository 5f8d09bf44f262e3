/**
 * Window state and timers survive a checkpoint: cutting a run anywhere, snapshotting (serialized
 * as the runtime does) and restoring into a fresh operator gives exactly the output of the
 * uninterrupted run, for sliced windows, session windows (merging set) and trigger state.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  CountTrigger,
  type DataStream,
  EventTimeSessionWindows,
  GlobalWindows,
  type KeyedStream,
  OutputTag,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
} from "../../src/index.js";
import type { OneInputOperator } from "../../src/spi/operator.js";
import { KeyedOneInputOperatorHarness } from "../../src/testing/index.js";
import { type Rec, recordsArb, watermarksBefore } from "./oracle-helpers.js";

const lateTag = new OutputTag<Rec>("late");

function factory(
  build: (k: KeyedStream<Rec, string>) => DataStream<string>,
): () => OneInputOperator<Rec, string> {
  const env = StreamExecutionEnvironment.create();
  build(env.fromElements<Rec>().keyBy((r) => r.key));
  const node = env.graph.nodes.find((n) => n.name.includes("Window"))!;
  return () => node.createOperator() as OneInputOperator<Rec, string>;
}

const listing = {
  process(key: string, ctx: any, elements: readonly Rec[], out: { collect(s: string): void }) {
    out.collect(`${key}|${ctx.window().start}|${elements.map((e) => e.id).sort((a, b) => a - b)}`);
  },
};

const jobs: Record<string, () => OneInputOperator<Rec, string>> = {
  sliding: factory((k) =>
    k
      .window(SlidingEventTimeWindows.of<Rec>(30, 10))
      .allowedLateness(20)
      .sideOutputLateData(lateTag)
      .process(listing),
  ),
  session: factory((k) =>
    k
      .window(EventTimeSessionWindows.withGap<Rec>(15))
      .allowedLateness(20)
      .sideOutputLateData(lateTag)
      .process(listing),
  ),
  count: factory((k) => k.window(GlobalWindows.create<Rec>()).trigger(CountTrigger.of(3)).process(listing)),
};

function outputs(h: KeyedOneInputOperatorHarness<Rec, string>): string[] {
  return [
    ...h.getOutput().map((r) => `${r.value}@${r.timestamp}`),
    ...h.getSideOutput(lateTag).map((r) => `late:${r.value.id}`),
  ];
}

/** Feeds records i in [from, to) with the watermark after each. */
function feed(
  h: KeyedOneInputOperatorHarness<Rec, string>,
  recs: Rec[],
  wms: number[],
  from: number,
  to: number,
) {
  for (let i = from; i < to; i++) {
    h.processElement(recs[i]!, recs[i]!.ts);
    if (wms[i + 1]! > wms[i]!) h.processWatermark(wms[i + 1]!);
  }
}

for (const [name, create] of Object.entries(jobs)) {
  test(`${name} windows: snapshot and restore at any point give the uninterrupted output`, () => {
    fc.assert(
      fc.property(recordsArb, fc.integer({ min: 0, max: 40 }), fc.nat(), (recs, delay, cutSeed) => {
        const wms = watermarksBefore(recs, delay);
        const whole = new KeyedOneInputOperatorHarness(create(), (r: Rec) => r.key);
        feed(whole, recs, wms, 0, recs.length);
        whole.endInput();

        const cut = recs.length === 0 ? 0 : cutSeed % (recs.length + 1);
        const first = new KeyedOneInputOperatorHarness(create(), (r: Rec) => r.key);
        feed(first, recs, wms, 0, cut);
        const snap = first.snapshot();
        const second = new KeyedOneInputOperatorHarness(create(), (r: Rec) => r.key, { restoreFrom: snap });
        second.open();
        // The watermark is not part of the snapshot: upstream sends it again.
        if (wms[cut]! > Number.NEGATIVE_INFINITY) second.processWatermark(wms[cut]!);
        feed(second, recs, wms, cut, recs.length);
        second.endInput();
        assert.deepEqual([...outputs(first), ...outputs(second)].sort(), outputs(whole).sort());
      }),
      { numRuns: 150 },
    );
  });
}
