/**
 * The entry point of a job: configuration, sources, and execution.
 *
 * ```ts
 * const env = StreamExecutionEnvironment.create({ parallelism: 2 });
 * env.fromElements(1, 2, 3).map((x) => x * 2).print();
 * await env.execute("doubler");
 * ```
 */

import { loadForRestore, resolveCheckpointStorage } from "../checkpoint/storage.js";
import {
  CollectionSource,
  type GeneratorOptions,
  GeneratorSource,
  type Source,
} from "../connector/source.js";
import { FleuveError } from "../errors.js";
import { type GraphNode, StreamGraph } from "../graph/stream-graph.js";
import { SourceOperator } from "../operators/source.js";
import type { StreamOperator } from "../spi/operator.js";
import type { WatermarkStrategyLike } from "../time/watermark.js";
import { checkParallelism, type EnvironmentOptions, type JobConfig, resolveConfig } from "./config.js";
import { DataStream, type StreamInput } from "./datastream.js";
import type { JobClient, JobResult } from "./job-client.js";
import { jobExecutor } from "./job-executor.js";
import { checkJobStartAllowed, countJobStarted } from "./jobs-started.js";
import { type StateFitReport, stateFit } from "./state-fit.js";

/** Builds and runs a job. */
/** Options of {@link StreamExecutionEnvironment.execute}. */
export interface ExecuteOptions {
  /**
   * Run only these nodes (ids in `graph`, e.g. `DataStreamSink.node.id`) and what they read from,
   * not the rest of the graph: as Flink's executeSql runs an INSERT's job of that statement alone.
   */
  readonly only?: readonly number[];
}

export class StreamExecutionEnvironment {
  /** The graph the API builds. */
  readonly graph = new StreamGraph();
  /** The job configuration (validated). */
  readonly config: JobConfig;
  private sourceCount = 0;

  private constructor(options: EnvironmentOptions) {
    this.config = resolveConfig(options);
  }

  /** A new environment. Invalid options fail here, naming the option. */
  static create(options: EnvironmentOptions = {}): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(options);
  }

  /** Default parallelism of operators created without one. */
  setParallelism(parallelism: number): this {
    checkParallelism(parallelism, "environment", this.config.maxParallelism);
    this.config.parallelism = parallelism;
    return this;
  }

  /** Number of key groups (upper bound of parallelism for keyed operators); set before building. */
  setMaxParallelism(maxParallelism: number): this {
    const c = resolveConfig({ ...this.config, maxParallelism });
    this.config.maxParallelism = c.maxParallelism;
    return this;
  }

  /** See {@link EnvironmentOptions.bufferTimeoutMs}. */
  setBufferTimeout(ms: number): this {
    this.config.bufferTimeoutMs = resolveConfig({ bufferTimeoutMs: ms }).bufferTimeoutMs;
    return this;
  }

  /** See {@link EnvironmentOptions.autoWatermarkIntervalMs}. */
  setAutoWatermarkInterval(ms: number): this {
    this.config.autoWatermarkIntervalMs = resolveConfig({
      autoWatermarkIntervalMs: ms,
    }).autoWatermarkIntervalMs;
    return this;
  }

  /** A stream from a source; `strategy` assigns timestamps and watermarks. */
  fromSource<T>(source: Source<T>, strategy?: WatermarkStrategyLike<T>, name = "Source"): DataStream<T> {
    if (!source || typeof source.createReader !== "function") {
      throw new FleuveError("FLEUVE_GRAPH_INVALID", "fromSource(...) needs a Source with createReader()");
    }
    const id = this.sourceCount++;
    const cfg = this.config;
    const node = this.graph.addNode({
      name,
      uid: undefined,
      kind: "source",
      inputArity: 0,
      parallelism: undefined,
      createOperator: () =>
        new SourceOperator<T>(
          source,
          strategy,
          id,
          cfg.autoWatermarkIntervalMs,
          cfg.latencyTrackingIntervalMs,
        ),
      keySelectors: [],
      chaining: "always",
      bounded: source.bounded,
      rescalable: source.rescalable === true,
    });
    return new DataStream<T>(this, [{ node, partitioner: "forward" }]);
  }

  /** A bounded stream of the given values (no timestamps unless a strategy assigns them). */
  fromElements<T>(...items: T[]): DataStream<T> {
    return this.fromCollection(items);
  }

  /**
   * A bounded stream over an array. With `timestamps`, record i carries `timestamps[i]`; with
   * `strategy`, timestamps and watermarks come from it.
   */
  fromCollection<T>(
    items: readonly T[],
    options: { timestamps?: readonly number[]; strategy?: WatermarkStrategyLike<T>; name?: string } = {},
  ): DataStream<T> {
    if (!Array.isArray(items))
      throw new FleuveError("FLEUVE_GRAPH_INVALID", "fromCollection(...) needs an array");
    if (options.timestamps && options.timestamps.length !== items.length) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `fromCollection: ${options.timestamps.length} timestamps for ${items.length} items; give one per item`,
        { details: { option: "timestamps" } },
      );
    }
    return this.fromSource(
      new CollectionSource(items, options.timestamps),
      options.strategy,
      options.name ?? "Collection",
    );
  }

  /** The numbers from `from` to `to` inclusive. */
  fromSequence(from: number, to: number): DataStream<number> {
    if (!Number.isInteger(from) || !Number.isInteger(to) || to < from) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `fromSequence(${from}, ${to}): give integers with from <= to`,
      );
    }
    return this.fromSource(
      new GeneratorSource((i) => from + i, { count: to - from + 1 }),
      undefined,
      "Sequence",
    );
  }

  /** Records generated from their index; `count: Infinity` for an unbounded stream. */
  fromGenerator<T>(
    generate: (index: number) => T,
    options: GeneratorOptions & { strategy?: WatermarkStrategyLike<T>; name?: string },
  ): DataStream<T> {
    if (!(options.count >= 0)) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `fromGenerator: count must be >= 0 (or Infinity), got ${options.count}`,
        {
          details: { option: "count" },
        },
      );
    }
    if (options.ratePerSecond !== undefined && !(options.ratePerSecond > 0)) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `fromGenerator: ratePerSecond must be > 0, got ${options.ratePerSecond}`,
        {
          details: { option: "ratePerSecond" },
        },
      );
    }
    return this.fromSource(
      new GeneratorSource(generate, options),
      options.strategy,
      options.name ?? "Generator",
    );
  }

  /** @internal adds an edge from a stream input to a node. */
  addEdgeFrom(input: StreamInput, target: GraphNode, inputIndex: 0 | 1): void {
    this.graph.addEdge({
      source: input.node.id,
      target: target.id,
      inputIndex,
      partitioner: input.partitioner,
      keySelector: input.keySelector,
      customPartitioner: input.customPartitioner,
      sideOutput: input.sideOutput,
      explicit: input.explicit,
    });
  }

  /** @internal adds a two-input operator (keyed when both inputs are keyed). */
  addTwoInputNode<R>(
    name: string,
    first: DataStream<any>,
    second: DataStream<any>,
    createOperator: () => StreamOperator<R>,
  ): DataStream<R> {
    const k1 = first.inputs[0]?.partitioner === "hash" ? first.inputs[0].keySelector : undefined;
    const k2 = second.inputs[0]?.partitioner === "hash" ? second.inputs[0].keySelector : undefined;
    const node = this.graph.addNode({
      name,
      uid: undefined,
      kind: "operator",
      inputArity: 2,
      parallelism: undefined,
      createOperator,
      keySelectors: k1 || k2 ? [k1, k2] : [],
      chaining: "head",
    });
    for (const i of first.inputs) this.addEdgeFrom(i, node, 0);
    for (const i of second.inputs) this.addEdgeFrom(i, node, 1);
    return new DataStream<R>(this, [{ node, partitioner: "forward" }]);
  }

  /** The stream graph (logical operators and edges) after validation (parallelism resolved). Fails like `execute` would. */
  getStreamGraph(): StreamGraph {
    this.validate();
    return this.graph;
  }

  private validate(graph: StreamGraph = this.graph): void {
    const { config } = this;
    if (graph.nodes.length === 0) {
      throw new FleuveError(
        "FLEUVE_GRAPH_INVALID",
        "the job has no operators: add a source and a sink before executing",
      );
    }
    for (const n of graph.nodes) {
      const p = n.parallelism ?? config.parallelism;
      checkParallelism(p, `operator '${n.name}'`, config.maxParallelism);
      graph.edges.forEach((e, k) => {
        if (e.target !== n.id || e.partitioner !== "forward" || e.explicit) return;
        const sp = graph.nodes[e.source]!.parallelism ?? config.parallelism;
        // Flink: without an explicit partitioner, different parallelisms are joined by rebalance.
        if (sp !== p) graph.edges[k] = { ...e, partitioner: "rebalance" };
      });
      const ins = graph.inputsOf(n.id);
      for (const e of ins) {
        const sp = graph.nodes[e.source]!.parallelism ?? config.parallelism;
        if (e.partitioner === "forward" && sp !== p) {
          throw new FleuveError(
            "FLEUVE_GRAPH_INVALID",
            `forward edge '${graph.nodes[e.source]!.name}' (parallelism ${sp}) -> '${n.name}' (parallelism ${p}): forward needs equal parallelism; use rebalance() or rescale()`,
          );
        }
      }
      if (n.inputArity === 2) {
        const keyed = n.keySelectors.filter(Boolean).length;
        // A keyed stream connected to a broadcast stream is fine (whatever the operator's name).
        const second = ins.filter((e) => e.inputIndex === 1);
        const broadcastSide =
          n.keySelectors[0] !== undefined &&
          second.length > 0 &&
          second.every((e) => e.partitioner === "broadcast");
        if (keyed === 1 && !broadcastSide) {
          throw new FleuveError(
            "FLEUVE_KEY_INVALID",
            `operator '${n.name}': only one of the two connected streams is keyed; key both (connect(...).keyBy(k1, k2)) or neither`,
          );
        }
      }
    }
    if (!graph.nodes.some((n) => n.kind === "source")) {
      throw new FleuveError("FLEUVE_GRAPH_INVALID", "the job has no source");
    }
  }

  /** Starts the job and returns a client to wait for it or cancel it. */
  executeAsync(jobName = "fleuve-job", options: ExecuteOptions = {}): JobClient {
    const graph = options.only === undefined ? this.graph : this.graph.upstreamOf(options.only);
    this.validate(graph);
    checkJobStartAllowed();
    const client = jobExecutor().executeInProcess(graph, this.config, jobName);
    const plan = graph.toJSON(this.config.parallelism);
    client.plan = () => plan;
    // Counted process-wide (see jobs-started.ts): `fleuve run` tells from it that a script ran a job.
    countJobStarted();
    return client;
  }

  /** Runs the job to completion (bounded inputs) or until cancelled; rejects on failure. */
  execute(jobName = "fleuve-job", options: ExecuteOptions = {}): Promise<JobResult> {
    return this.executeAsync(jobName, options).result;
  }

  /**
   * What would become of the state of savepoint or checkpoint `path` (default: the `restoreFrom`
   * option) if this job were restored from it, per operator: kept, new (starts empty), dropped
   * or incompatible (its declared {@link DataStream.stateSchema} changed; the reason names the
   * fields). `needsNonRestored` says whether the restore would be refused without
   * `allowNonRestoredState`. Reads the savepoint; starts nothing.
   */
  async checkSavepoint(path: string | undefined = this.config.restoreFrom): Promise<StateFitReport> {
    if (path === undefined) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        "checkSavepoint needs a savepoint path (or restoreFrom)",
      );
    }
    this.validate();
    const storage = resolveCheckpointStorage(this.config.checkpointing?.storage);
    const cp = await loadForRestore(path, () => {}, storage);
    if (cp === undefined) {
      throw new FleuveError("FLEUVE_CONFIG_INVALID", `${path} holds no checkpoint or savepoint`, {
        details: { path },
      });
    }
    return stateFit(this.graph, cp);
  }

  /**
   * Runs the job and collects the records of `stream` (bounded inputs). `onlyCollect`: the job is
   * `stream`'s pipeline alone, without the graph's other sinks (see {@link ExecuteOptions.only}).
   */
  async executeAndCollect<T>(
    stream: DataStream<T>,
    jobName = "fleuve-job",
    options: { readonly onlyCollect?: boolean } = {},
  ): Promise<T[]> {
    const out: T[] = [];
    const sink = stream.forEach((v) => {
      out.push(v);
    }, "Collect");
    await this.execute(jobName, options.onlyCollect === true ? { only: [sink.node.id] } : {});
    return out;
  }
}
