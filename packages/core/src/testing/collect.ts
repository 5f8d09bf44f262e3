/**
 * Running a pipeline over a finite input and collecting what it produces, with timestamps: the
 * end-to-end counterpart of the operator harnesses.
 */
import type { EnvironmentOptions } from "../api/config.js";
import type { DataStream } from "../api/datastream.js";
import { StreamExecutionEnvironment } from "../api/environment.js";
import type { JobResult } from "../api/job-client.js";
import type { Sink, SinkWriter, SinkWriterContext } from "../connector/sink.js";
import type { TimestampedRecord } from "./harness.js";

/** A collected record: value, timestamp and the sink subtask that received it. */
export interface CollectedRecord<T> extends TimestampedRecord<T> {
  readonly subtask: number;
}

/**
 * A sink that keeps every record it receives, from all its subtasks, in {@link CollectSink.records}
 * (in arrival order). Works at any parallelism as long as the job runs in this thread (the
 * default); records written by other worker threads are not seen.
 *
 * ```ts
 * const sink = new CollectSink<number>();
 * env.fromElements(1, 2, 3).map((x) => x * 2).sinkTo(sink);
 * await env.execute();
 * sink.values(); // [2, 4, 6]
 * ```
 */
export class CollectSink<T> implements Sink<T> {
  /** Everything received so far. */
  readonly records: CollectedRecord<T>[] = [];

  createWriter(ctx: SinkWriterContext): SinkWriter<T> {
    const { records } = this;
    const subtask = ctx.subtaskIndex;
    return {
      write(value, timestamp) {
        records.push({ value, timestamp, subtask });
      },
    };
  }

  /** The values received so far. */
  values(): T[] {
    return this.records.map((r) => r.value);
  }
}

/**
 * Runs the job `stream` belongs to (to completion: bounded inputs) and returns the records of
 * `stream` with their timestamps. Other sinks of the job run too.
 *
 * ```ts
 * const out = await collectWithTimestamps(env.fromCollection([1, 2], { timestamps: [10, 20] }));
 * // [{ value: 1, timestamp: 10 }, { value: 2, timestamp: 20 }]
 * ```
 */
export async function collectWithTimestamps<T>(
  stream: DataStream<T>,
  jobName = "test-job",
): Promise<TimestampedRecord<T>[]> {
  const sink = new CollectSink<T>();
  stream.sinkTo(sink, "CollectSink");
  await stream.env.execute(jobName);
  return sink.records.map(({ value, timestamp }) => ({ value, timestamp }));
}

/** Like {@link collectWithTimestamps}, values only. */
export async function collect<T>(stream: DataStream<T>, jobName = "test-job"): Promise<T[]> {
  return (await collectWithTimestamps(stream, jobName)).map((r) => r.value);
}

/** What {@link runPipeline} returns. */
export interface PipelineRun<T> {
  /** The records of the built stream, with timestamps and the sink subtask. */
  readonly records: CollectedRecord<T>[];
  /** The values of the built stream. */
  readonly values: T[];
  /** The job result (duration, per-operator metrics). */
  readonly result: JobResult;
}

/**
 * Builds a pipeline on a fresh environment, runs it to completion and collects the stream that
 * `build` returns. Handy to run the same job at several parallelisms and compare.
 *
 * ```ts
 * const run = (p: number) => runPipeline((env) => env.fromElements(1, 2, 3).rebalance().map((x) => x + 1), { parallelism: p });
 * assert.deepEqual((await run(1)).values.sort(), (await run(4)).values.sort());
 * ```
 */
export async function runPipeline<T>(
  build: (env: StreamExecutionEnvironment) => DataStream<T>,
  options: EnvironmentOptions = {},
  jobName = "test-job",
): Promise<PipelineRun<T>> {
  const env = StreamExecutionEnvironment.create(options);
  const sink = new CollectSink<T>();
  build(env).sinkTo(sink, "CollectSink");
  const result = await env.execute(jobName);
  return { records: sink.records, values: sink.values(), result };
}
