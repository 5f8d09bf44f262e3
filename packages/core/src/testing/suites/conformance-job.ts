/**
 * The job of the connector conformance suite's "exactly-once under kills" case, shared by the
 * suite's in-process cases and by the child process the suite SIGKILLs (this file is also that
 * child's entry point: `node conformance-job.js '<spec as JSON>'`). With `threads` in the spec the
 * child runs the job on that many worker threads, each of which loads this file as the job module
 * (its default export) with the spec as its one argument.
 *
 * Input: JSON values `{u, i, a}` (user, index, amount) in a topic whose partitions each hold whole
 * users, so every user's records are read in order. Output: one line `<u> <i> <total>` per input
 * record, the user's running total of amounts, written by the connector's exactly-once sink.
 */
import { pathToFileURL } from "node:url";
import { isMainThread } from "node:worker_threads";
import {
  type ConnectorDescriptor,
  type ConnectorRecord,
  createSink,
  createSource,
  defineJob,
  type EnvironmentOptions,
  type PlainOptions,
  runJob,
  type Sink,
  type Source,
  StreamExecutionEnvironment,
} from "../../index.js";

/** One input record of the conformance jobs. */
export interface ConformanceEvent {
  /** User: the key of the running total. */
  readonly u: number;
  /** Index in the input, 0..n-1. */
  readonly i: number;
  /** Amount added to the user's total. */
  readonly a: number;
}

/** Input record `i` of `users` users. */
export function conformanceEvent(i: number, users: number): ConformanceEvent {
  return { u: i % users, i, a: (i % 7) + 1 };
}

/** The output the totals job must commit for events 0..n-1, sorted. */
export function totalsOracle(n: number, users: number): string[] {
  const totals = new Map<number, number>();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = conformanceEvent(i, users);
    const t = (totals.get(e.u) ?? 0) + e.a;
    totals.set(e.u, t);
    out.push(`${e.u} ${e.i} ${t}`);
  }
  return out.sort();
}

/**
 * Adds the totals job to `env`: `source` -> per-user running total -> `sink`, with uids so that
 * a checkpoint or savepoint restores at any parallelism.
 */
export function addTotalsJob(
  env: StreamExecutionEnvironment,
  source: Source<ConnectorRecord>,
  sink: Sink<unknown>,
): void {
  env
    .fromSource(source, undefined, "conformance-in")
    .uid("conformance-in")
    .map((r) => r.value as ConformanceEvent)
    .uid("values")
    .keyBy((e) => e.u)
    .reduce((acc, e) => ({ u: e.u, i: e.i, a: acc.a + e.a }))
    .uid("totals")
    .map((t) => `${t.u} ${t.i} ${t.a}`)
    .uid("lines")
    .sinkTo(sink, "conformance-out")
    .uid("conformance-out");
}

/** What the child process runs: serialisable, given as its one argument. */
export interface ConformanceJobSpec {
  /** A module specifier or file URL exporting `connectors`, the connector descriptors. */
  readonly module: string;
  /** The connector's name among them. */
  readonly connector: string;
  readonly source: PlainOptions;
  readonly sink: PlainOptions;
  readonly checkpointDir: string;
  readonly parallelism: number;
  /** Worker threads to run the job on (default: every subtask in the child's main thread). */
  readonly threads?: number;
}

/** Loads connector `name` from `module`'s `connectors` export. */
export async function loadConnector(module: string, name: string): Promise<ConnectorDescriptor> {
  const mod = (await import(module)) as { connectors?: readonly ConnectorDescriptor[] };
  const found = mod.connectors?.find((c) => c.name === name);
  if (!found) throw new Error(`${module} exports no connector '${name}' in 'connectors'`);
  return found;
}

/**
 * `source`, whose readers print `checkpoint <id>` to stdout whenever a checkpoint completes: a
 * test running the job in a child process kills it after a chosen number of them, so kills land at
 * points of progress rather than at guessed times (which a fast or a loaded machine defeats).
 */
export function reportCheckpoints<T>(source: Source<T>): Source<T> {
  return {
    bounded: source.bounded,
    ...(source.rescalable === undefined ? {} : { rescalable: source.rescalable }),
    createReader(ctx) {
      const inner = source.createReader(ctx);
      // The inner reader may be a class instance: delegate by name (a spread would miss methods).
      return {
        poll: (output, max) => inner.poll(output, max),
        available: () => inner.available?.() ?? new Promise((r) => setTimeout(r, 1)),
        snapshot: (id) => inner.snapshot?.(id),
        restore: (state) => inner.restore?.(state),
        notifyCheckpointComplete(id) {
          inner.notifyCheckpointComplete?.(id);
          process.stdout.write(`checkpoint ${id}\n`);
        },
        close: () => inner.close?.(),
      };
    },
  };
}

/** The child's environment: checkpoints every 30 ms, resumed from the latest, no restarts. */
function childOptions(spec: ConformanceJobSpec): EnvironmentOptions {
  return {
    parallelism: spec.parallelism,
    checkpointing: { dir: spec.checkpointDir, intervalMs: 30 },
    resumeFromLatestCheckpoint: true,
    restartStrategy: { type: "none" },
    log: () => {},
  };
}

/** The totals job of the spec given as the one argument: the job module worker threads load. */
export default defineJob({
  name: "conformance-kills",
  async build(env, args) {
    const spec = JSON.parse(args[0]!) as ConformanceJobSpec;
    const connector = await loadConnector(spec.module, spec.connector);
    addTotalsJob(
      env,
      reportCheckpoints(createSource(connector, spec.source)),
      createSink(connector, spec.sink),
    );
  },
});

/** Runs the spec'd job to its end, resuming from its latest checkpoint. */
async function main(spec: ConformanceJobSpec): Promise<void> {
  if (spec.threads !== undefined && spec.threads > 1) {
    const client = await runJob(import.meta.url, {
      parallelism: spec.parallelism,
      threads: spec.threads,
      args: [JSON.stringify(spec)],
      options: childOptions(spec),
    });
    await client.result;
    return;
  }
  const connector = await loadConnector(spec.module, spec.connector);
  const env = StreamExecutionEnvironment.create(childOptions(spec));
  addTotalsJob(
    env,
    reportCheckpoints(createSource(connector, spec.source)),
    createSink(connector, spec.sink),
  );
  await env.execute("conformance-kills");
}

// Worker threads see the main thread's argv: only the main thread is the child's entry point. Not
// awaited at the top level: on threads, runJob imports this module again, which must have finished
// evaluating by then.
if (
  isMainThread &&
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  main(JSON.parse(process.argv[2]!) as ConformanceJobSpec).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
