/**
 * The DataStream API: a small, fully typed DSL that builds the {@link StreamGraph}. Every method adds
 * nodes and edges; nothing runs until the environment executes the job.
 */

import { jsonWithLongs } from "../connector/long.js";
import { isTwoPhaseCommitSink, type Sink } from "../connector/sink.js";
import { FleuveError } from "../errors.js";
import type {
  BroadcastProcessFunction,
  CoProcessFunction,
  KeyedProcessFunction,
  KeyedProcessOptions,
  ProcessFunction,
} from "../functions/functions.js";
import type { GraphNode, PartitionerKind } from "../graph/stream-graph.js";
import { BroadcastProcessOperator } from "../operators/broadcast-process.js";
import { CoProcessOperator } from "../operators/co-process.js";
import { FilterOperator } from "../operators/filter.js";
import { FlatMapOperator } from "../operators/flat-map.js";
import { MapOperator } from "../operators/map.js";
import { ProcessOperator } from "../operators/process.js";
import { SinkOperator } from "../operators/sink.js";
import { TimestampsAndWatermarksOperator } from "../operators/timestamps-and-watermarks.js";
import type { Key, KeySelector } from "../spi/key-groups.js";
import type { StreamOperator, TwoInputOperator } from "../spi/operator.js";
import type { OutputTag } from "../spi/output-tag.js";
import type { MapStateDescriptor, ReduceFunction, ValueState } from "../spi/state-descriptors.js";
import type { WatermarkStrategyLike } from "../time/watermark.js";
import { GlobalWindows, type WindowAssigner } from "../windows/assigners.js";
import { CountEvictor } from "../windows/evictors.js";
import { CountTrigger, PurgingTrigger } from "../windows/triggers.js";
import type { GlobalWindow, Window } from "../windows/window.js";
import { checkParallelism } from "./config.js";
import type { StreamExecutionEnvironment } from "./environment.js";
import { IntervalJoin } from "./interval-join.js";
import { CoGroupedStreams, JoinedStreams } from "./window-join.js";
import { AllWindowedStream, WindowedStream } from "./windowed-stream.js";

/** One upstream of a stream: a node's output (main or side) and how it is partitioned. */
export interface StreamInput {
  readonly node: GraphNode;
  readonly partitioner: PartitionerKind;
  readonly keySelector?: KeySelector<any>;
  readonly customPartitioner?: (key: any, numPartitions: number) => number;
  readonly sideOutput?: OutputTag<any>;
  /** Set by `forward()`: keep forward even if it fails validation. */
  readonly explicit?: boolean;
}

/** Options of {@link DataStream.transform}. */
export interface TransformOptions {
  /** Short description for the plan. */
  description?: string;
  /** Chaining strategy (default "always"). */
  chaining?: "always" | "head" | "never";
  /** Fixed parallelism for this operator (e.g. 1 for non-keyed windows). */
  parallelism?: number;
}

/** A stream of records of type T. */
export class DataStream<T> {
  /** @internal */
  constructor(
    readonly env: StreamExecutionEnvironment,
    /** @internal upstream(s) of this stream: several after `union`. */
    readonly inputs: readonly StreamInput[],
  ) {}

  /** The node producing this stream (the single upstream). */
  protected get node(): GraphNode {
    if (this.inputs.length !== 1) {
      throw new FleuveError(
        "FLEUVE_GRAPH_INVALID",
        "this stream is a union of several operators: set names/parallelism on each input instead",
      );
    }
    return this.inputs[0]!.node;
  }

  // --- naming and parallelism -------------------------------------------------------------

  /** Names the operator that produced this stream (shown in plans, metrics, errors). */
  name(name: string): this {
    this.node.name = name;
    return this;
  }

  /** Sets a stable id for the operator, used to match its state on restore. Must be unique. */
  uid(uid: string): this {
    if (this.env.graph.nodes.some((n) => n.uid === uid && n !== this.node)) {
      throw new FleuveError(
        "FLEUVE_GRAPH_INVALID",
        `uid '${uid}' is used by two operators; uids must be unique`,
        {
          details: { uid },
        },
      );
    }
    this.node.uid = uid;
    return this;
  }

  /**
   * Declares what this operator's state depends on, field by field (e.g.
   * `{ keys: "user", aggregates: "COUNT(*), SUM(amount)" }`). Checkpoints store it with the state;
   * a restore into an operator of the same uid whose schema differs is refused with
   * `FLEUVE_STATE_INCOMPATIBLE` naming the changed fields, unless `allowNonRestoredState` is set
   * (the operator then starts empty). Change it whenever old state would be read wrongly.
   */
  stateSchema(schema: Readonly<Record<string, string>>): this {
    this.node.stateSchema = { ...schema };
    return this;
  }

  /** Sets the parallelism of the operator that produced this stream. */
  setParallelism(parallelism: number): this {
    checkParallelism(parallelism, `operator '${this.node.name}'`, this.env.config.maxParallelism);
    if (
      this.node.kind === "source" &&
      this.node.parallelism === 1 &&
      this.node.description === "non-parallel"
    ) {
      if (parallelism !== 1) {
        throw new FleuveError(
          "FLEUVE_PARALLELISM_INVALID",
          `source '${this.node.name}' is not parallel: its parallelism must stay 1`,
        );
      }
    }
    this.node.parallelism = parallelism;
    return this;
  }

  /** Starts a new chain at this operator (it will not be chained to its predecessor). */
  startNewChain(): this {
    this.node.chaining = "head";
    return this;
  }

  /** Never chains this operator, neither to its predecessor nor to its successors. */
  disableChaining(): this {
    this.node.chaining = "never";
    return this;
  }

  // --- transformations -----------------------------------------------------------------------

  /**
   * Adds an operator of your own (the Processor API). `createOperator` is called once per parallel
   * subtask. The operator is keyed when this stream is keyed.
   */
  transform<R>(
    name: string,
    createOperator: () => StreamOperator<R>,
    options: TransformOptions = {},
  ): DataStream<R> {
    return new DataStream<R>(this.env, [
      { node: this.addNode(name, createOperator, options), partitioner: "forward" },
    ]);
  }

  /** @internal adds a one-input node fed by this stream's inputs. */
  protected addNode(
    name: string,
    createOperator: () => StreamOperator<any>,
    options: TransformOptions = {},
    kind: "operator" | "sink" = "operator",
    sink?: Sink<T>,
  ): GraphNode {
    const keySel = this.keySelectorForNext();
    if (options.parallelism !== undefined)
      checkParallelism(options.parallelism, `operator '${name}'`, this.env.config.maxParallelism);
    const node = this.env.graph.addNode({
      name,
      uid: undefined,
      kind,
      inputArity: 1,
      parallelism: options.parallelism,
      createOperator,
      keySelectors: keySel ? [keySel] : [],
      chaining: options.chaining ?? "always",
      description: options.description,
      ...(sink === undefined ? {} : { sink }),
    });
    for (const input of this.inputs) this.env.addEdgeFrom(input, node, 0);
    return node;
  }

  /** The key selector if this stream is keyed. */
  protected keySelectorForNext(): KeySelector<any> | undefined {
    return undefined;
  }

  /** Applies `fn` to every record. */
  map<R>(fn: (value: T) => R): DataStream<R> {
    checkFunction(fn, "map");
    return this.transform("Map", () => new MapOperator(fn));
  }

  /** Emits every element of the iterable `fn` returns (zero or more records per input). */
  flatMap<R>(fn: (value: T) => Iterable<R>): DataStream<R> {
    checkFunction(fn, "flatMap");
    return this.transform("FlatMap", () => new FlatMapOperator(fn));
  }

  /** Keeps the records for which `predicate` is true. */
  filter(predicate: (value: T) => boolean): DataStream<T> {
    checkFunction(predicate, "filter");
    return this.transform("Filter", () => new FilterOperator(predicate));
  }

  /** Runs a process function (timestamps, side outputs; state and timers need keyBy first). */
  process<R>(fn: ProcessFunction<T, R>): DataStream<R> {
    checkObject(fn, "process", "processElement");
    return this.transform("Process", () => new ProcessOperator<T, R>(fn));
  }

  /**
   * Partitions by key: records with equal keys go to the same subtask, and the next operator gets
   * keyed state and timers. A key is a string, number, bigint, boolean or a tuple of those; a
   * property name is accepted as a shorthand for `(v) => v[name]`.
   */
  keyBy<K extends Key>(selector: KeySelector<T, K>): KeyedStream<T, K>;
  keyBy<F extends KeysOfType<T, Key>>(field: F): KeyedStream<T, T[F] & Key>;
  keyBy(selector: KeySelector<T, any> | string): KeyedStream<T, any> {
    let sel: KeySelector<T, any>;
    if (typeof selector === "string") {
      if (selector.length === 0)
        throw new FleuveError("FLEUVE_KEY_INVALID", "keyBy(''): the field name is empty");
      const field = selector;
      sel = (v: any) => v[field];
    } else if (typeof selector === "function") {
      sel = selector;
    } else {
      throw new FleuveError(
        "FLEUVE_KEY_INVALID",
        `keyBy(${String(selector)}): pass a key selector function (value => key) or a field name`,
      );
    }
    return new KeyedStream<T, any>(
      this.env,
      this.inputs.map((i) => ({
        node: i.node,
        sideOutput: i.sideOutput,
        partitioner: "hash",
        keySelector: sel,
      })),
      sel,
    );
  }

  /** Merges streams of the same type. */
  union(...others: DataStream<T>[]): DataStream<T> {
    for (const o of others) {
      if (o.env !== this.env)
        throw new FleuveError("FLEUVE_GRAPH_INVALID", "union: streams come from different environments");
    }
    return new DataStream<T>(this.env, [...this.inputs, ...others.flatMap((o) => o.inputs)]);
  }

  /** Connects with another stream, for a co-process function over both (shared state when keyed). */
  connect<U>(other: DataStream<U>): ConnectedStreams<T, U>;
  /** Connects with a broadcast stream, for a broadcast process function. */
  connect<U>(other: BroadcastStream<U>): BroadcastConnectedStream<T, U>;
  connect<U>(
    other: DataStream<U> | BroadcastStream<U>,
  ): ConnectedStreams<T, U> | BroadcastConnectedStream<T, U> {
    if (other instanceof BroadcastStream) return new BroadcastConnectedStream<T, U>(this, other);
    return new ConnectedStreams<T, U>(this, other);
  }

  /** Sends every record to every subtask of the next operator. */
  broadcast(): DataStream<T>;
  /** Makes a broadcast stream carrying broadcast state described by `descriptors`. */
  broadcast(...descriptors: MapStateDescriptor<any, any>[]): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<any, any>[]): DataStream<T> | BroadcastStream<T> {
    const parted = this.partition("broadcast");
    return descriptors.length === 0 ? parted : new BroadcastStream<T>(parted, descriptors);
  }

  /** Round-robin over all subtasks of the next operator (evens out skew). */
  rebalance(): DataStream<T> {
    return this.partition("rebalance");
  }

  /** Round-robin over a local subset of the next operator's subtasks (cheaper than rebalance). */
  rescale(): DataStream<T> {
    return this.partition("rescale");
  }

  /** Random distribution over the next operator's subtasks. */
  shuffle(): DataStream<T> {
    return this.partition("shuffle");
  }

  /** Everything to subtask 0 of the next operator. */
  global(): DataStream<T> {
    return this.partition("global");
  }

  /** Subtask i sends to subtask i (the next operator must have the same parallelism). */
  forward(): DataStream<T> {
    return new DataStream<T>(
      this.env,
      this.inputs.map((i) => ({
        node: i.node,
        sideOutput: i.sideOutput,
        partitioner: "forward",
        explicit: true,
      })),
    );
  }

  /** Partitions with your own function of a key: `partitioner(key, n)` returns the subtask in [0, n). */
  partitionCustom<K>(
    partitioner: (key: K, numPartitions: number) => number,
    keySelector: (value: T) => K,
  ): DataStream<T> {
    checkFunction(partitioner, "partitionCustom");
    checkFunction(keySelector, "partitionCustom");
    return new DataStream<T>(
      this.env,
      this.inputs.map((i) => ({
        node: i.node,
        sideOutput: i.sideOutput,
        partitioner: "custom",
        keySelector: keySelector as KeySelector<any>,
        customPartitioner: partitioner,
      })),
    );
  }

  private partition(p: PartitionerKind): DataStream<T> {
    return new DataStream<T>(
      this.env,
      this.inputs.map((i) => ({ node: i.node, sideOutput: i.sideOutput, partitioner: p })),
    );
  }

  /** Assigns timestamps and generates watermarks here (replacing upstream watermarks). */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategyLike<T>): DataStream<T> {
    const interval = this.env.config.autoWatermarkIntervalMs;
    return this.transform(
      "Timestamps/Watermarks",
      () => new TimestampsAndWatermarksOperator<T>(strategy, interval),
    );
  }

  /** The records the operator producing this stream sent to side output `tag`. */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    return new DataStream<X>(this.env, [{ node: this.node, partitioner: "forward", sideOutput: tag }]);
  }

  /**
   * Writes the stream to a sink. A sink with a global committer (`TwoPhaseCommitSink.globalCommitter`)
   * gets it as a second node, `<name>: Committer` at parallelism 1, fed by every subtask of the sink
   * (a `global` edge); the returned sink names, ids and sizes the writers, and names and ids the
   * committer after them.
   */
  sinkTo(sink: Sink<T>, name = "Sink"): DataStreamSink {
    const node = this.addNode(name, () => new SinkOperator(sink), {}, "sink", sink);
    const makeCommitter = isTwoPhaseCommitSink(sink) ? sink.globalCommitter : undefined;
    if (makeCommitter === undefined) return new DataStreamSink(node);
    const committer = this.env.graph.addNode({
      name: committerName(name),
      uid: undefined,
      kind: "sink",
      inputArity: 1,
      parallelism: 1,
      createOperator: makeCommitter,
      keySelectors: [],
      chaining: "always",
      description: "global committer",
    });
    this.env.addEdgeFrom({ node, partitioner: "global" }, committer, 0);
    return new DataStreamSink(node, committer);
  }

  /** Calls `fn` for every record (a simple sink). */
  forEach(fn: (value: T, timestamp: number | undefined) => void, name = "ForEach"): DataStreamSink {
    checkFunction(fn, "forEach");
    return this.sinkTo({ createWriter: () => ({ write: fn }) }, name);
  }

  /** Prints every record to stdout (prefixed with the subtask when parallel). */
  print(prefix?: string): DataStreamSink {
    return this.sinkTo(
      {
        createWriter: (ctx) => ({
          write: (v) => {
            const p = [prefix, ctx.parallelism > 1 ? `${ctx.subtaskIndex + 1}` : undefined]
              .filter(Boolean)
              .join(":");
            process.stdout.write(`${p ? `${p}> ` : ""}${typeof v === "string" ? v : jsonWithLongs(v)}\n`);
          },
        }),
      },
      "Print",
    );
  }

  /** Runs the job and returns this stream's records (bounded inputs). Handy in tests and scripts. */
  executeAndCollect(jobName?: string): Promise<T[]> {
    return this.env.executeAndCollect(this, jobName);
  }

  /**
   * Window join with another stream: `join(other).where(k1).equalTo(k2).window(assigner).apply(fn)`
   * pairs the records of both streams with equal keys in the same window (an inner join).
   */
  join<R>(other: DataStream<R>): JoinedStreams<T, R> {
    return new JoinedStreams<T, R>(this, other);
  }

  /**
   * Window coGroup with another stream: `coGroup(other).where(k1).equalTo(k2).window(assigner).apply(fn)`
   * calls `fn` once per key and window with the records of both streams.
   */
  coGroup<R>(other: DataStream<R>): CoGroupedStreams<T, R> {
    return new CoGroupedStreams<T, R>(this, other);
  }

  /**
   * Cuts the whole (non-keyed) stream into windows. All records meet in one subtask: the window
   * operator runs at parallelism 1 (Flink's windowAll).
   */
  windowAll<W extends Window>(assigner: WindowAssigner<T, W>): AllWindowedStream<T, W> {
    return new AllWindowedStream<T, W>(this, assigner);
  }

  /**
   * Count windows over the whole (non-keyed) stream, at parallelism 1 (Flink's `countWindowAll`).
   * `countWindowAll(size)`: a window fires and is emptied every `size` records. `countWindowAll(size,
   * slide)`: every `slide` records a window fires with the last `size` records (fewer at first).
   * Built as Flink builds it: {@link GlobalWindows} with `PurgingTrigger.of(CountTrigger.of(size))`,
   * or with `CountTrigger.of(slide)` and `CountEvictor.of(size)` when sliding.
   */
  countWindowAll(size: number, slide?: number): AllWindowedStream<T, GlobalWindow> {
    checkCount(size, "size", "countWindowAll");
    if (slide !== undefined) checkCount(slide, "slide", "countWindowAll");
    const w = this.windowAll(GlobalWindows.create<T>());
    if (slide === undefined) return w.trigger(PurgingTrigger.of(CountTrigger.of(size)));
    return w.evictor(CountEvictor.of(size)).trigger(CountTrigger.of(slide));
  }
}

/** A count of records for count windows: a positive integer. */
function checkCount(value: unknown, option: string, method: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new FleuveError(
      "FLEUVE_WINDOW_INVALID",
      `${method}(size, slide?): ${option} must be a positive integer number of records, got ${String(value)}`,
      { details: { option, value } },
    );
  }
}

/** Names of the properties of T whose type is assignable to V. */
export type KeysOfType<T, V> = { [P in keyof T]: T[P] extends V ? P : never }[keyof T] & string;

/** A stream partitioned by key: state and timers per key. */
export class KeyedStream<T, K extends Key> extends DataStream<T> {
  /** @internal */
  constructor(
    env: StreamExecutionEnvironment,
    inputs: readonly StreamInput[],
    /** The key selector. */
    readonly keySelector: KeySelector<T, K>,
  ) {
    super(env, inputs);
  }

  protected override keySelectorForNext(): KeySelector<any> {
    return this.keySelector;
  }

  override setParallelism(): this {
    throw new FleuveError(
      "FLEUVE_GRAPH_INVALID",
      "keyBy() makes no operator: set the parallelism on the operator after it",
    );
  }

  /**
   * Runs a keyed process function (keyed state, event- and processing-time timers); with
   * `{ restoreWatermark: true }` its watermark is kept in checkpoints (see
   * {@link KeyedProcessOptions}).
   */
  override process<R>(fn: KeyedProcessFunction<K, T, R>, options: KeyedProcessOptions = {}): DataStream<R> {
    checkObject(fn, "process", "processElement");
    return this.transform(
      "KeyedProcess",
      () => new ProcessOperator<T, R, K>(fn as KeyedProcessFunction<K, T, R>, options),
    );
  }

  /** Cuts each key's records into windows (tumbling, sliding, session or global). */
  window<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<T, K, W> {
    return new WindowedStream<T, K, W>(this, assigner);
  }

  /**
   * Count windows per key (Flink's `countWindow`). `countWindow(size)`: each key's window fires
   * and is emptied every `size` records of that key. `countWindow(size, slide)`: every `slide`
   * records of a key, a window fires with that key's last `size` records (fewer at first). Built
   * as Flink builds it: {@link GlobalWindows} with `PurgingTrigger.of(CountTrigger.of(size))`, or
   * with `CountTrigger.of(slide)` and `CountEvictor.of(size)` when sliding. A window that has not
   * reached its count when the input ends does not fire.
   *
   * ```ts
   * keyed.countWindow(100).reduce((a, b) => a + b);      // sum of each 100 records of a key
   * keyed.countWindow(10, 1).aggregate(avgOfLastTen);     // a moving average over 10 records
   * ```
   */
  countWindow(size: number, slide?: number): WindowedStream<T, K, GlobalWindow> {
    checkCount(size, "size", "countWindow");
    if (slide !== undefined) checkCount(slide, "slide", "countWindow");
    const w = this.window(GlobalWindows.create<T>());
    if (slide === undefined) return w.trigger(PurgingTrigger.of(CountTrigger.of(size)));
    return w.evictor(CountEvictor.of(size)).trigger(CountTrigger.of(slide));
  }

  /** Rolling reduce per key: emits the running result after every record. */
  reduce(fn: ReduceFunction<T>): DataStream<T> {
    checkFunction(fn, "reduce");
    return this.transform("KeyedReduce", () => new ProcessOperator<T, T, K>(rollingReduce(fn)));
  }

  /** Connects with another keyed stream (same key type): a keyed co-process function sees both. */
  override connect<U>(other: DataStream<U>): ConnectedStreams<T, U>;
  override connect<U>(other: BroadcastStream<U>): BroadcastConnectedStream<T, U>;
  override connect<U>(
    other: DataStream<U> | BroadcastStream<U>,
  ): ConnectedStreams<T, U> | BroadcastConnectedStream<T, U> {
    return super.connect(other as any);
  }

  /**
   * Interval join with another keyed stream (same key): pairs each record of this stream with the
   * records of `other` whose timestamps lie within the bounds given to `between(lower, upper)`.
   */
  intervalJoin<R>(other: KeyedStream<R, K>): IntervalJoin<T, R, K> {
    return new IntervalJoin<T, R, K>(this, other);
  }
}

function rollingReduce<T>(
  fn: ReduceFunction<T>,
): KeyedProcessFunction<any, T, T> & { state?: ValueState<T> } {
  return {
    open(ctx) {
      this.state = ctx.getState<T>({ kind: "value", name: "rolling-reduce" });
    },
    processElement(value, _ctx, out) {
      const state = this.state!;
      const cur = state.value();
      const next = cur === undefined ? value : fn(cur, value);
      state.update(next);
      out.collect(next);
    },
  };
}

/** A stream to connect to others with broadcast state. */
export class BroadcastStream<T> {
  /** @internal */
  constructor(
    readonly stream: DataStream<T>,
    readonly descriptors: readonly MapStateDescriptor<any, any>[],
  ) {}
}

/** Two streams connected for a co-process function. */
export class ConnectedStreams<A, B> {
  /** @internal */
  constructor(
    readonly first: DataStream<A>,
    readonly second: DataStream<B>,
  ) {
    if (first.env !== second.env)
      throw new FleuveError("FLEUVE_GRAPH_INVALID", "connect: streams come from different environments");
  }

  /** Keys both inputs (records with equal keys meet in the same subtask and share state). */
  keyBy<K extends Key>(key1: KeySelector<A, K>, key2: KeySelector<B, K>): ConnectedStreams<A, B> {
    return new ConnectedStreams<A, B>(this.first.keyBy(key1), this.second.keyBy(key2));
  }

  /** Runs a co-process function over both inputs. Keyed (state, timers) when both inputs are keyed. */
  process<R, K extends Key = never>(fn: CoProcessFunction<A, B, R, K>, name = "CoProcess"): DataStream<R> {
    checkObject(fn, "process", "processElement1");
    return this.first.env.addTwoInputNode<R>(
      name,
      this.first,
      this.second,
      () => new CoProcessOperator<A, B, R, K>(fn),
    );
  }

  /**
   * Adds a two-input operator of your own (the Processor API, e.g. a SQL join operator that holds
   * back its output watermark): input 1 is the first stream, input 2 the second. `createOperator`
   * is called once per parallel subtask; the operator is keyed (keyed state, timers) when both
   * inputs are keyed, e.g. after {@link ConnectedStreams.keyBy}.
   */
  transform<R>(name: string, createOperator: () => TwoInputOperator<A, B, R>): DataStream<R> {
    checkFunction(createOperator, "transform");
    return this.first.env.addTwoInputNode<R>(name, this.first, this.second, createOperator);
  }

  /** Maps each side with its own function into one stream. */
  map<R>(fn1: (value: A) => R, fn2: (value: B) => R): DataStream<R> {
    return this.process<R>(
      {
        processElement1: (v, _c, out) => out.collect(fn1(v)),
        processElement2: (v, _c, out) => out.collect(fn2(v)),
      },
      "CoMap",
    );
  }
}

/** A stream connected to a broadcast stream. */
export class BroadcastConnectedStream<A, B> {
  /** @internal */
  constructor(
    readonly data: DataStream<A>,
    readonly broadcastStream: BroadcastStream<B>,
  ) {}

  /** Runs a broadcast process function: keyed when the data stream is keyed. */
  process<R, K extends Key = never>(
    fn: BroadcastProcessFunction<A, B, R, K>,
    name = "BroadcastProcess",
  ): DataStream<R> {
    checkObject(fn, "process", "processBroadcastElement");
    const descriptors = this.broadcastStream.descriptors;
    return this.data.env.addTwoInputNode<R>(
      name,
      this.data,
      this.broadcastStream.stream,
      () => new BroadcastProcessOperator<A, B, R, K>(fn, descriptors),
    );
  }

  /**
   * Adds a two-input operator of your own (the Processor API, e.g. a CEP operator whose patterns
   * arrive on the broadcast stream): input 1 is the data stream, input 2 the broadcast stream.
   * `createOperator` is called once per parallel subtask; the operator is keyed when the data
   * stream is keyed, and keeps its broadcast state through `OperatorRuntime.operatorState`
   * (checkpointed, and copied to every subtask on restore).
   */
  transform<R>(name: string, createOperator: () => TwoInputOperator<A, B, R>): DataStream<R> {
    checkFunction(createOperator, "transform");
    return this.data.env.addTwoInputNode<R>(name, this.data, this.broadcastStream.stream, createOperator);
  }
}

/** The end of a pipeline. */
export class DataStreamSink {
  /**
   * @internal `committer`: the node of the sink's global committer, if it has one (see
   * {@link DataStream.sinkTo}).
   */
  constructor(
    readonly node: GraphNode,
    readonly committer?: GraphNode,
  ) {}
  /** Names the sink (and its committer `<name>: Committer`). */
  name(name: string): this {
    this.node.name = name;
    if (this.committer !== undefined) this.committer.name = committerName(name);
    return this;
  }
  /** Sets a stable id for the sink (and `<uid>-committer` for its committer). */
  uid(uid: string): this {
    this.node.uid = uid;
    if (this.committer !== undefined) this.committer.uid = `${uid}-committer`;
    return this;
  }
  /** Sets the sink's parallelism. */
  setParallelism(p: number): this {
    checkParallelism(p, `sink '${this.node.name}'`);
    this.node.parallelism = p;
    return this;
  }
}

/** The name of the global committer node of sink `name`. */
function committerName(name: string): string {
  return `${name}: Committer`;
}

function checkFunction(fn: unknown, method: string): void {
  if (typeof fn !== "function") {
    throw new FleuveError(
      "FLEUVE_GRAPH_INVALID",
      `${method}(...) needs a function, got ${fn === null ? "null" : typeof fn}`,
    );
  }
}

function checkObject(fn: unknown, method: string, required: string): void {
  if (
    typeof fn !== "object" ||
    fn === null ||
    typeof (fn as Record<string, unknown>)[required] !== "function"
  ) {
    throw new FleuveError(
      "FLEUVE_GRAPH_INVALID",
      `${method}(...) needs an object with a ${required}() method`,
    );
  }
}
