/**
 * Job definitions: a job as a module that can be built more than once. This is what lets a job
 * run on several worker threads: each thread imports the module and builds the same graph, then
 * runs its share of the subtasks (Flink ships serialized functions instead; JS cannot).
 *
 * ```ts
 * // job.ts
 * export default defineJob({
 *   name: "word-count",
 *   build(env) {
 *     return env.fromElements("a b", "b c").flatMap((l) => l.split(" ")).keyBy((w) => w).reduce(...);
 *   },
 * });
 * // then: fleuve run job.ts --parallelism 4   or   await (await runJob(new URL("./job.ts", import.meta.url).href, { parallelism: 4 })).result
 * ```
 */
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { FleuveError } from "../errors.js";
import type { EnvironmentOptions } from "./config.js";
import { DataStream } from "./datastream.js";
import { StreamExecutionEnvironment } from "./environment.js";
import type { JobClient } from "./job-client.js";
import { jobExecutor } from "./job-executor.js";

/** A job: a name, options, and a function that builds its pipeline. */
export interface JobDefinition {
  readonly name: string;
  readonly options?: EnvironmentOptions;
  /**
   * Builds the pipeline on `env`. Must be deterministic (it runs once per thread). May return a
   * stream whose records are collected into the job result (handy for tests and scripts).
   */
  build(
    env: StreamExecutionEnvironment,
    args: readonly string[],
  ): DataStream<any> | void | Promise<DataStream<any> | void>;
}

/** Declares a job (identity function that checks the shape and gives types). */
export function defineJob(def: JobDefinition): JobDefinition {
  if (!def || typeof def.name !== "string" || typeof def.build !== "function") {
    throw new FleuveError(
      "FLEUVE_JOB_MODULE_INVALID",
      "defineJob({ name, build(env) { ... } }) needs a name and a build function",
    );
  }
  return def;
}

/** Options of {@link runJob}. */
export interface RunJobOptions {
  /** Overrides the job's default parallelism. */
  parallelism?: number;
  /**
   * Worker threads to spread subtasks over (default: min(parallelism, cores) when the job is given
   * as a module; 1 runs every subtask in this thread).
   */
  threads?: number;
  /** Arguments passed to `build`. */
  args?: readonly string[];
  /** Extra environment options (override the job's). */
  options?: EnvironmentOptions;
  /**
   * URL of a module whose `register()` every worker thread calls before it imports the job, to
   * register module hooks (workers do not inherit those of the main thread). Default: tsx's, when
   * the job or the engine is TypeScript. A loader given here must register tsx itself if needed.
   */
  workerLoader?: string;
}

/** Loads the default export of a job module as a {@link JobDefinition}. */
export async function loadJobModule(moduleUrl: string): Promise<JobDefinition> {
  let mod: { default?: unknown };
  try {
    mod = await import(moduleUrl);
  } catch (e) {
    throw new FleuveError(
      "FLEUVE_JOB_MODULE_INVALID",
      `cannot load job module ${moduleUrl}: ${e instanceof Error ? e.message : String(e)}`,
      {
        cause: e,
      },
    );
  }
  const def = mod.default as JobDefinition | undefined;
  if (!def || typeof def.build !== "function" || typeof def.name !== "string") {
    throw new FleuveError(
      "FLEUVE_JOB_MODULE_INVALID",
      `job module ${moduleUrl} has no default export made with defineJob({ name, build })`,
    );
  }
  return def;
}

/** A path or URL as a URL string. */
export function toModuleUrl(pathOrUrl: string): string {
  return /^[a-z]+:\/\//i.test(pathOrUrl) ? pathOrUrl : pathToFileURL(pathOrUrl).href;
}

/**
 * Sends the records of `stream` to `post` in batches: the "Collect" sink of a job on worker threads
 * whose `build` returns a stream (each worker posts its share to the main thread). The main thread
 * adds it too (with a no-op `post`), so that it builds the same graph as the workers: it writes
 * that graph's operator layout into checkpoints.
 */
export function collectInto(stream: DataStream<unknown>, post: (values: unknown[]) => void): void {
  stream.sinkTo(
    {
      createWriter: () => {
        let buf: unknown[] = [];
        const flush = () => {
          if (buf.length > 0) post(buf);
          buf = [];
        };
        return {
          write: (v) => {
            buf.push(v);
            if (buf.length >= 1024) flush();
          },
          finish: flush,
        };
      },
    },
    "Collect",
  );
}

/**
 * Runs a job. Given a module path/URL, it can spread over worker threads; given a definition, it
 * runs in this thread.
 */
export async function runJob(job: JobDefinition | string, opts: RunJobOptions = {}): Promise<JobClient> {
  const moduleUrl = typeof job === "string" ? toModuleUrl(job) : undefined;
  const def = typeof job === "string" ? await loadJobModule(moduleUrl!) : defineJob(job);
  const options: EnvironmentOptions = { ...def.options, ...opts.options };
  if (opts.parallelism !== undefined) options.parallelism = opts.parallelism;
  const parallelism = options.parallelism ?? 1;
  const threads = opts.threads ?? (moduleUrl ? Math.min(parallelism, availableParallelism()) : 1);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", `threads must be an integer >= 1, got ${threads}`, {
      details: { option: "threads" },
    });
  }
  if (threads > 1) {
    if (!moduleUrl) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        "running on several threads needs the job as a module: pass its path or URL to runJob (each thread imports it)",
        { details: { option: "threads" } },
      );
    }
    // Validate in this thread first so configuration errors surface here, before any thread starts.
    const env = StreamExecutionEnvironment.create(options);
    const out = await def.build(env, opts.args ?? []);
    // The same graph as every worker builds (they collect a returned stream likewise).
    if (out instanceof DataStream) collectInto(out, () => {});
    env.getStreamGraph();
    const plan = env.graph.toJSON(env.config.parallelism);
    const client = jobExecutor().executeOnThreads({
      moduleUrl,
      jobName: def.name,
      threads,
      options,
      args: opts.args ?? [],
      workerLoader: opts.workerLoader,
      graph: env.graph,
      config: env.config,
    });
    client.plan = () => plan;
    return client;
  }
  const env = StreamExecutionEnvironment.create(options);
  const out = await def.build(env, opts.args ?? []);
  const collected: unknown[] | undefined = out instanceof DataStream ? [] : undefined;
  if (out instanceof DataStream)
    out.forEach((v) => {
      collected!.push(v);
    }, "Collect");
  const client = env.executeAsync(def.name);
  const result = client.result.then((r) => (collected ? { ...r, collected } : r));
  result.catch(() => {});
  return { ...client, result };
}
