/**
 * The Nexmark stream as a Fleuve source: each subtask generates its own share of the stream
 * positions in process (`eventAt(i)`, as the Flink side does), so both engines read the very same
 * stream (the generator is bit-identical to the Java twin; the stream hash proves it).
 *
 * Positions are dealt round-robin in blocks of {@link BLOCK} (subtask s takes blocks s, s+p, ...):
 * all subtasks advance through event time together, so the combined watermark (the minimum over
 * subtasks) keeps up and window state stays small. A subsequence of a stream whose events are at
 * most `maxOutOfOrdernessMs` behind their predecessors keeps that bound, so no event is late.
 */
import type { DataStream, Source, SourceReader, StreamExecutionEnvironment } from "@fleuve/core";
import { WatermarkStrategy } from "@fleuve/core";
import type { NexmarkConfig } from "./config.js";
import type { NexmarkEvent } from "./events.js";
import { NexmarkGenerator } from "./generator.js";

/** Positions a subtask takes in a row before handing over to the next one. */
export const BLOCK = 1000;

/** A bounded source of the Nexmark stream for one configuration. */
export class NexmarkSource implements Source<NexmarkEvent> {
  readonly bounded = true;
  /** The resolved configuration (seed, events, ...). */
  readonly config: NexmarkConfig;
  /** The watermark bound of this stream, ms. */
  readonly maxOutOfOrdernessMs: number;

  constructor(config: Partial<NexmarkConfig>) {
    const gen = new NexmarkGenerator(config);
    this.config = gen.config;
    this.maxOutOfOrdernessMs = gen.maxOutOfOrdernessMs;
  }

  createReader(ctx: { subtaskIndex: number; parallelism: number }): SourceReader<NexmarkEvent> {
    // One generator per reader: eventAt reuses the generator's random state.
    const gen = new NexmarkGenerator(this.config);
    const end = gen.size;
    const stride = BLOCK * ctx.parallelism;
    let blockStart = BLOCK * ctx.subtaskIndex;
    let i = blockStart;
    return {
      poll(out, max) {
        let n = 0;
        while (n < max) {
          if (i >= end) return "end";
          const e = gen.eventAt(i);
          out.collect(e, e.dateTime);
          n++;
          if (++i === blockStart + BLOCK) {
            blockStart += stride;
            i = blockStart;
          }
        }
        return i < end ? "more" : "end";
      },
      snapshot: () => ({ blockStart, i }),
      restore(s) {
        const st = s as { blockStart: number; i: number };
        blockStart = st.blockStart;
        i = st.i;
      },
    };
  }
}

/**
 * Adds the Nexmark source to `env` with the documented watermark:
 * forBoundedOutOfOrderness(maxOutOfOrdernessMs), event time = dateTime.
 */
export function nexmarkStream(
  env: StreamExecutionEnvironment,
  config: Partial<NexmarkConfig>,
): DataStream<NexmarkEvent> {
  const source = new NexmarkSource(config);
  return env.fromSource(
    source,
    WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(source.maxOutOfOrdernessMs),
    "NexmarkSource",
  );
}
