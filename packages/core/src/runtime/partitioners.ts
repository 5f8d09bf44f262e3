/**
 * Partitioners: which receiving subtask gets each record sent over an edge (Flink's
 * StreamPartitioner). One choice for every transport: the in-process and worker-thread channels
 * (RecordWriter) and the exchanges between scale-out units (scale-out/unit-plan.ts) both call
 * {@link channelSelector}, so a record goes to the same subtask however the job is deployed.
 */
import { FleuveError } from "../errors.js";
import type { GraphEdge } from "../graph/stream-graph.js";
import {
  type KeySelector,
  keyGroupOf,
  type NormalizedKey,
  normalizeKey,
  subtaskForKeyGroup,
} from "../spi/key-groups.js";
import { keySelectorError } from "../spi/operator.js";

/** Where a sender's channels go and what {@link channelSelector} needs to know about the edge. */
export interface ChannelSelectorOptions {
  /** The sending subtask (round-robin partitioners start at its index). */
  readonly sender: number;
  /** Parallelism of the receiving operator (key groups are spread over it). */
  readonly targetParallelism: number;
  readonly maxParallelism: number;
  /** The sending operator, named in key and partitioner errors. */
  readonly operatorName: string;
  /**
   * True when the receiving operator sets its current key from every record with the edge's own
   * key selector (a keyed head of a task): then a key that fails fails there too, and with one
   * receiving subtask a hash edge need not compute the key at all.
   */
  readonly receiverKeysRecords?: boolean;
}

/**
 * Chooses the channel of each record one sender sends over `edge`, by the edge's partitioner:
 * returns an index into `targets` (the receiving subtask of each of the sender's channels, in
 * order, as `receiversOf` lists them), or -1 for every channel (broadcast). Called once per
 * record: the returned function allocates nothing.
 */
export function channelSelector(
  edge: GraphEdge,
  targets: readonly number[],
  opts: ChannelSelectorOptions,
): (value: unknown) => number {
  const n = targets.length;
  switch (edge.partitioner) {
    case "hash": {
      const { targetParallelism } = opts;
      // One receiving subtask: every key group goes there. The key is only needed to check it,
      // which the receiver does as it sets its current key; key groups matter to state, which
      // the receiver assigns them in its snapshots, whatever the parallelism.
      if (targetParallelism === 1 && n === 1 && opts.receiverKeysRecords === true) return () => 0;
      const toTarget = keyGroupTarget(
        edge.keySelector!,
        targetParallelism,
        opts.maxParallelism,
        opts.operatorName,
      );
      // Channels usually follow the target subtasks in order; map only when they do not.
      if (n === targetParallelism && targets.every((t, i) => t === i)) return toTarget;
      const byTarget = new Array<number>(targetParallelism).fill(-1);
      targets.forEach((t, i) => {
        byTarget[t] = i;
      });
      return (v) => byTarget[toTarget(v)]!;
    }
    case "rebalance":
    case "rescale": {
      // Round-robin from the sender's own index, so senders do not all start on channel 0.
      let rr = opts.sender % Math.max(1, n);
      return () => {
        const c = rr;
        rr = c + 1 === n ? 0 : c + 1;
        return c;
      };
    }
    case "shuffle":
      return () => Math.floor(Math.random() * n);
    case "custom":
      return customTarget(edge.keySelector!, edge.customPartitioner!, n, opts.operatorName);
    case "broadcast":
      return () => -1;
    default:
      // forward, global: a single channel (for global, the one to subtask 0)
      return () => 0;
  }
}

/**
 * The receiving subtask of a record by the key group of its key (keyBy), as Flink's
 * KeyGroupStreamPartitioner.
 */
export function keyGroupTarget(
  sel: KeySelector<any>,
  targetParallelism: number,
  maxParallelism: number,
  operatorName: string,
): (value: unknown) => number {
  return (v) => {
    let key: unknown;
    try {
      key = sel(v);
    } catch (e) {
      throw keySelectorError(e, `key selector after operator '${operatorName}'`, v);
    }
    const nk: NormalizedKey = normalizeKey(key, operatorName, v);
    return subtaskForKeyGroup(keyGroupOf(nk, maxParallelism), targetParallelism, maxParallelism);
  };
}

/** The receiving subtask of a record by a user partitioner of its key (partitionCustom), checked. */
export function customTarget(
  sel: KeySelector<any>,
  part: (key: any, numPartitions: number) => number,
  n: number,
  operatorName: string,
): (value: unknown) => number {
  return (v) => {
    let c: number;
    try {
      c = part(sel(v), n);
    } catch (e) {
      throw keySelectorError(e, `partitionCustom key selector or partitioner after '${operatorName}'`, v);
    }
    if (!Number.isInteger(c) || c < 0 || c >= n) {
      throw new FleuveError(
        "FLEUVE_USER_FUNCTION_FAILED",
        `custom partitioner after '${operatorName}' returned ${c} for a record; it must return an integer in [0, ${n})`,
        { details: { operator: operatorName, record: v } },
      );
    }
    return c;
  };
}
