/**
 * `fleuve run <job.ts|job.js> [--parallelism N] [--threads T] [--checkpoint-dir D] [--resume]
 * [--from-savepoint P] [-- job args]`: runs a job file with no build step. TypeScript is loaded through tsx's loader, registered in this process.
 *
 * Two job styles are accepted:
 * - a module whose default export is made with `defineJob(...)`: the command builds and runs it
 *   (on worker threads when parallelism > 1), prints the records of the stream `build` returns
 *   (one JSON line each) and a one-line summary on stderr;
 * - a plain script that builds and executes its pipeline itself: importing it runs it.
 */
import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type EnvironmentOptions,
  FleuveError,
  type JobClient,
  type JobDefinition,
  jobsStartedInProcess,
  jsonWithLongs,
  refuseJobStarts,
  runJob,
} from "@fleuve/core";
import type { GroupWorker } from "@fleuve/kafka";
import { intOption, type ParsedArgs, parseArgs, usageError } from "./args.js";
import {
  type ControlServer,
  controlledClient,
  DEFAULT_CONTROL_DIR,
  DEFAULT_SAVEPOINT_DIR,
  type GroupStatus,
  startControlServer,
} from "./control.js";
import {
  checkDashboardOptions,
  DASHBOARD_SPEC,
  DASHBOARD_USAGE,
  savepointFolder,
  startDashboardEndpoint,
} from "./dashboard-endpoint.js";
import { jobLog, LOG_SPEC, LOG_USAGE } from "./logging.js";
import {
  checkMetricsOptions,
  METRICS_SPEC,
  METRICS_USAGE,
  startMetricsEndpoint,
} from "./metrics-endpoint.js";
import { watchNpmParent } from "./parent-watch.js";
import { writeOut } from "./process-streams.js";

/** Default time between checkpoints of `fleuve run --checkpoint-dir` (ms). */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 5000;

/**
 * Defaults of `fleuve run --group` (those of startGroupWorker in @fleuve/kafka, which the CLI only
 * loads for a group; a test checks they agree): the checkpoint interval when neither the option
 * nor the job sets one, and Kafka's session.timeout.ms of the membership.
 */
export const GROUP_DEFAULT_CHECKPOINT_INTERVAL_MS = 1000;
/** See {@link GROUP_DEFAULT_CHECKPOINT_INTERVAL_MS}. */
export const GROUP_DEFAULT_SESSION_TIMEOUT_MS = 6000;
/** Commit interval of a group whose keyed state uses the changelog (else the checkpoint interval). */
export const GROUP_DEFAULT_COMMIT_INTERVAL_MS = 100;
/** How long a clean stop of a group process waits for its units' final checkpoints (ms). */
export const GROUP_DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** Usage of `fleuve run`. */
export const RUN_USAGE = `Usage: fleuve run <job.ts|job.js> [--parallelism N] [--threads T] [-- job args]
                  [--checkpoint-dir D [--checkpoint-interval MS] [--resume]]
                  [--from-savepoint PATH [--allow-non-restored-state]] [--control-dir C]
       fleuve run <job.ts> --group ID --checkpoint-dir SHARED [--bootstrap HOST:PORT]
                  [--parallelism N] [--checkpoint-interval MS] [--from-savepoint PATH]
                  [--materialize-every N | --no-changelog] [--kafka-property KEY=VALUE]...
                  [--commit-interval MS] [--delivery exactly-once|at-least-once]
                  [--max-held N] [--control-dir C] [-- job args]

Runs a job file directly (TypeScript needs no build step). Every option but -- applies to a
module whose default export is a defineJob job only: a plain script that builds and runs its own
pipeline is refused with one (it sets its own options).
  --parallelism N           default parallelism of the job (with --group: the number of units per
                            task; a running group changes it only through a savepoint)
  --threads T               worker threads to spread subtasks over (default: min(parallelism, cores));
                            not with --group
  --checkpoint-dir D        take periodic checkpoints into D (a failure restarts from the latest)
  --checkpoint-interval MS  time between checkpoints (default ${DEFAULT_CHECKPOINT_INTERVAL_MS}; with --group the job's own,
                            else ${GROUP_DEFAULT_CHECKPOINT_INTERVAL_MS}: how often each unit writes its full keyed state; it
                            commits, and its exchange hops deliver, every --commit-interval)
  --resume                  start from the newest valid checkpoint in --checkpoint-dir, if any (not
                            with --group: a group always resumes from its checkpoints)
  --from-savepoint PATH     start from a savepoint or checkpoint folder (with --group: of the job
                            run in one process, on threads or as a group, at any parallelism: a
                            new deployment of the group, whose units take their share of it until
                            they have checkpoints of their own)
  --allow-non-restored-state  restore even if the savepoint holds state this job no longer has or
                            state whose declared schema changed (that state is dropped; those
                            operators start empty); without it such a restore is refused, naming
                            the operators and what changed (not with --group)
  --control-dir C           where the job's control socket goes (default ${DEFAULT_CONTROL_DIR});
                            'fleuve savepoint <job-name>' and 'fleuve jobs' use it
  --group ID                scale out over Kafka: every process started with the same ID shares the
                            job (Kafka consumer group fleuve-ID); edges between tasks go through
                            Kafka topics; --checkpoint-dir must be shared by all of them. A process
                            that stops answering loses its units after Kafka's session.timeout.ms
                            (${GROUP_DEFAULT_SESSION_TIMEOUT_MS} ms). Ctrl-C or SIGTERM stops cleanly: the process's units stop
                            with a final checkpoint, which their next owners restore (nothing is
                            replayed), then it leaves the group and exits 0; a second one stops
                            at once
  --bootstrap HOST:PORT     Kafka bootstrap servers for --group (default $FLEUVE_KAFKA_BOOTSTRAP or
                            127.0.0.1:9092)
  --materialize-every N     with --group: keyed state is checkpointed as changes in a Kafka changelog
                            topic, plus a full copy every N commits (default: one every
                            --checkpoint-interval, by time)
  --no-changelog            with --group: write the full keyed state at every checkpoint instead
  --kafka-property K=V      with --group, repeatable: the membership's failure detection, by Kafka
                            name: session.timeout.ms (default ${GROUP_DEFAULT_SESSION_TIMEOUT_MS}: a killed process's units move
                            after this long), heartbeat.interval.ms (default a sixth of the session
                            timeout), max.poll.interval.ms (rebalance timeout, default 10000),
                            group.initial.rebalance.delay.ms (a new group starts its units once its
                            membership is stable this long, default 3000); and of a clean stop:
                            task.shutdown.graceful.timeout.ms (how long Ctrl-C/SIGTERM waits for
                            the process's units to stop with final checkpoints before it leaves
                            the group anyway, default ${GROUP_DEFAULT_SHUTDOWN_TIMEOUT_MS}; 0 leaves at once)
  --commit-interval MS      with --group: how often each unit commits (Kafka Streams'
                            commit.interval.ms): a light checkpoint and its transactions, so the
                            latency of each exchange hop; --checkpoint-interval then says how often
                            the full keyed state is written (default ${GROUP_DEFAULT_COMMIT_INTERVAL_MS} with the changelog,
                            under exactly-once; else the checkpoint interval)
  --delivery G              with --group: exactly-once (default) or at-least-once exchanges between
                            units (records sent as they come, read uncommitted: duplicates after a
                            failure, never a loss)
  --max-held N              with --group: most exchange messages a unit's input holds in memory
                            while it aligns a savepoint's barriers (default 10000); past it, it
                            reads them again from Kafka once aligned
${METRICS_USAGE}
${LOG_USAGE}
${DASHBOARD_USAGE}
  -- args...                passed to the job: build(env, args) for defineJob jobs, process.argv for scripts`;

/** Options of `fleuve run` that only a defineJob module takes (a script sets its own options). */
const JOB_ONLY_OPTIONS = [
  "group",
  "parallelism",
  "threads",
  "checkpoint-dir",
  "checkpoint-interval",
  "resume",
  "from-savepoint",
  "allow-non-restored-state",
  "control-dir",
  "bootstrap",
  "materialize-every",
  "no-changelog",
  "kafka-property",
  "commit-interval",
  "delivery",
  "max-held",
  "metrics-port",
  "metrics-host",
  "metrics-naming",
  "no-metrics",
  "log-level",
  "log-format",
  "dashboard-port",
  "dashboard-host",
  "no-dashboard",
] as const;

const RUN_SPEC = {
  parallelism: "number",
  threads: "number",
  "checkpoint-dir": "string",
  "checkpoint-interval": "number",
  "from-savepoint": "string",
  "allow-non-restored-state": "flag",
  resume: "flag",
  "control-dir": "string",
  group: "string",
  bootstrap: "string",
  "materialize-every": "number",
  "no-changelog": "flag",
  "kafka-property": "list",
  "commit-interval": "number",
  delivery: "string",
  "max-held": "number",
  ...METRICS_SPEC,
  ...LOG_SPEC,
  ...DASHBOARD_SPEC,
  help: "flag",
} as const;

/** Environment options and thread count from the durability options of `fleuve run`. */
export function durabilityOptions(
  p: ParsedArgs,
  threads: number | undefined,
): { options: EnvironmentOptions; threads: number | undefined } {
  const dir = p.options["checkpoint-dir"] as string | undefined;
  const interval = intOption(p, "checkpoint-interval", 1, "run");
  const savepoint = p.options["from-savepoint"] as string | undefined;
  if (dir === undefined && interval !== undefined) {
    throw usageError("option '--checkpoint-interval' needs '--checkpoint-dir D'", "run");
  }
  if (dir === undefined && p.options.resume) {
    throw usageError("option '--resume' needs '--checkpoint-dir D' (the checkpoints to resume from)", "run");
  }
  if (savepoint !== undefined && !existsSync(savepoint)) {
    throw usageError(`option '--from-savepoint': '${savepoint}' does not exist`, "run");
  }
  const options: EnvironmentOptions = {};
  if (dir !== undefined) {
    options.checkpointing = {
      dir: resolve(dir),
      intervalMs: interval ?? DEFAULT_CHECKPOINT_INTERVAL_MS,
    };
    if (p.options.resume) options.resumeFromLatestCheckpoint = true;
  }
  if (savepoint !== undefined) options.restoreFrom = resolve(savepoint);
  if (p.options["allow-non-restored-state"]) {
    if (savepoint === undefined && !p.options.resume) {
      throw usageError(
        "option '--allow-non-restored-state' needs '--from-savepoint PATH' or '--resume'",
        "run",
      );
    }
    options.allowNonRestoredState = true;
  }
  // Jobs on worker threads checkpoint too (the main thread coordinates): the thread count stays.
  return { options, threads };
}

/** Streams the command writes to (process.stdout/stderr). */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

let tsxRegistered = false;

/** Makes `import()` of .ts files work in this process (idempotent). */
export async function registerTypeScript(): Promise<void> {
  if (tsxRegistered) return;
  // tsx and the job hooks: job files anywhere on disk load (see job-hooks.ts).
  (await import("./worker-loader.js")).register();
  tsxRegistered = true;
}

/** What a job module's default export must be, for error messages. */
const DEFINE_JOB_HINT =
  'export default defineJob({ name: "my-job", build(env, args) { ... } }) (defineJob from "@fleuve/core")';

/** What a default export that is not a job is, in a few words. */
function describe(v: unknown): string {
  if (typeof v === "function") return "a function";
  if (v === null || typeof v !== "object") return `${v === null ? "null" : typeof v}`;
  const o = v as Record<string, unknown>;
  if (typeof o.build !== "function") return "an object without a build(env, args) function";
  return "an object without a name (a string)";
}

function isJobDefinition(v: unknown): v is JobDefinition {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as JobDefinition).build === "function" &&
    typeof (v as JobDefinition).name === "string"
  );
}

/** True for errors of loading/compiling a module (as opposed to errors of running it). */
function isLoadError(e: unknown): boolean {
  if (e instanceof SyntaxError) return true;
  const err = e as { code?: string; name?: string; message?: string };
  return (
    err?.name === "TransformError" || // tsx/esbuild could not compile the file
    err?.code === "ERR_MODULE_NOT_FOUND" ||
    err?.code === "ERR_UNKNOWN_FILE_EXTENSION" ||
    err?.code === "ERR_REQUIRE_ASYNC_MODULE"
  );
}

/** Runs `fleuve run`; resolves to the exit code, or undefined to let a script's event loop drain. */
export async function runCommand(argv: readonly string[], io: Io): Promise<number | undefined> {
  const p = parseArgs(argv, RUN_SPEC, "run");
  if (p.options.help) {
    io.stdout.write(`${RUN_USAGE}\n`);
    return 0;
  }
  const parallelism = intOption(p, "parallelism", 1, "run");
  checkMetricsOptions(p, "run");
  checkDashboardOptions(p, "run");
  const durable = durabilityOptions(p, intOption(p, "threads", 1, "run"));
  const threads = durable.threads;
  if (p.positional.length === 0) throw usageError("'fleuve run' needs a job file", "run");
  if (p.positional.length > 1) {
    throw usageError(
      `'fleuve run' takes one job file, got also '${p.positional[1]}' (put job arguments after --)`,
      "run",
    );
  }
  const file = resolve(p.positional[0]!);
  if (!existsSync(file)) {
    throw usageError(`job file '${p.positional[0]}' does not exist`, "run");
  }
  const url = pathToFileURL(file).href;
  // Options only a defineJob module takes: a script given one is refused before its pipeline runs
  // (it would run without them), and once its module has loaded (it may start its job later).
  const jobOnly = JOB_ONLY_OPTIONS.find((o) => p.options[o] !== undefined);
  const scriptRefusal = () =>
    usageError(
      `option '--${jobOnly}' only applies to a job exported with defineJob; job file '${p.positional[0]}' is a script that builds and runs its own pipeline (${DEFINE_JOB_HINT})`,
      "run",
    );
  await registerTypeScript();
  // Scripts read their arguments from process.argv like any node program.
  process.argv = [process.argv[0]!, file, ...p.rest];
  let mod: { default?: unknown };
  // Jobs started so far (by any copy of @fleuve/core in this process: the script may import its
  // project's own); one more after the import means the file is a script that ran its job.
  const startedBefore = jobsStartedInProcess();
  const startedNone = () => jobsStartedInProcess() === startedBefore;
  if (jobOnly !== undefined) refuseJobStarts(scriptRefusal);
  try {
    mod = await import(url);
  } catch (e) {
    if (e instanceof FleuveError) throw e;
    // A script that executes its job at top level fails here with the job's own error.
    const msg = e instanceof Error ? e.message : String(e);
    if (isLoadError(e)) {
      throw new FleuveError(
        "FLEUVE_JOB_MODULE_INVALID",
        `cannot load job file '${p.positional[0]}': ${msg}`,
        {
          cause: e,
        },
      );
    }
    throw new FleuveError("FLEUVE_JOB_FAILED", `job file '${p.positional[0]}' failed: ${msg}`, { cause: e });
  } finally {
    refuseJobStarts(undefined);
  }
  // A plain { name, build } object is accepted as it is: defineJob only checks that shape.
  if (mod.default !== undefined && !isJobDefinition(mod.default)) {
    throw new FleuveError(
      "FLEUVE_JOB_MODULE_INVALID",
      `the default export of job file '${p.positional[0]}' is ${describe(mod.default)}, not a job: ${DEFINE_JOB_HINT}`,
    );
  }
  if (!isJobDefinition(mod.default)) {
    const named = Object.keys(mod).find(
      (k) => k !== "default" && isJobDefinition((mod as Record<string, unknown>)[k]),
    );
    if (named !== undefined && startedNone()) {
      throw new FleuveError(
        "FLEUVE_JOB_MODULE_INVALID",
        `job file '${p.positional[0]}' exports its job as '${named}', not as the default export: export default defineJob({ ... })`,
      );
    }
    if (jobOnly !== undefined) {
      // A job the script starts later (after a timer) must not run either: the process ends now.
      refuseJobStarts(scriptRefusal);
      throw scriptRefusal();
    }
    if (startedNone()) {
      // Nothing ran while importing: the file may still start its job later (after a timer), so
      // the verdict waits until the event loop is empty.
      process.once("beforeExit", () => {
        if (!startedNone()) return;
        // The same line main() prints for an error, and its exit code.
        io.stderr.write(
          `error FLEUVE_JOB_MODULE_INVALID: job file '${p.positional[0]}' has no default export and started no job: ${DEFINE_JOB_HINT}, or build and execute a pipeline in the file (a script)\n`,
        );
        process.exitCode = 1;
      });
    }
    // The script ran its pipeline while being imported, or started it without awaiting it: the
    // process must then end when the event loop drains, not now (undefined: do not exit).
    return undefined;
  }
  const def = mod.default;
  if (p.options.group !== undefined) return runGroup(def, p, parallelism, io);
  for (const o of [
    "bootstrap",
    "materialize-every",
    "no-changelog",
    "kafka-property",
    "commit-interval",
    "delivery",
    "max-held",
  ]) {
    if (p.options[o] !== undefined) throw usageError(`option '--${o}' needs '--group ID'`, "run");
  }
  const client = await runJob(url, {
    parallelism,
    threads,
    // Workers load the job as this thread does: tsx and the job hooks.
    workerLoader: new URL("./worker-loader.js", import.meta.url).href,
    args: p.rest,
    options: { ...durable.options, log: jobLog(p, def.name, io.stderr).log },
  });
  // Started by npm (`npm run fleuve`), npm killed with SIGKILL would leave the job running as an
  // orphan: it is cancelled, quietly. Elsewhere a job may outlive its parent on purpose (`setsid`,
  // `&` + exit): see watchNpmParent. Watched before the control socket appears, so that npm
  // killed as soon as the job is reachable is noticed too.
  // Ctrl-C and SIGTERM cancel from now on: before the control socket exists, so that a signal sent
  // as soon as the job is reachable (its socket is there) never meets the default handler.
  const signals = cancelOnSignals(def.name, client, io);
  const orphan = { orphaned: false };
  const stopWatching = watchNpmParent(() => {
    orphan.orphaned = true;
    client.cancel();
  });
  let control: ControlServer | undefined;
  let metrics: Awaited<ReturnType<typeof startMetricsEndpoint>>;
  let dashboard: Awaited<ReturnType<typeof startDashboardEndpoint>>;
  try {
    metrics = await startMetricsEndpoint(p, "run", def.name, () => client.snapshot(), io);
    dashboard = await startDashboardEndpoint(
      p,
      "run",
      {
        jobName: def.name,
        snapshot: () => client.snapshot(),
        ...(client.plan ? { plan: client.plan() } : {}),
        result: client.result,
        controls: {
          savepoint: (target, stop) => {
            const dir = savepointFolder(def.name, target ?? DEFAULT_SAVEPOINT_DIR);
            return stop ? client.stopWithSavepoint(dir) : client.triggerSavepoint(dir);
          },
          cancel: () => client.cancel(),
        },
      },
      io,
    );
    control = await startControlServer(
      (p.options["control-dir"] as string) ?? DEFAULT_CONTROL_DIR,
      def.name,
      controlledClient(client),
    );
  } catch (e) {
    stopWatching();
    signals.off();
    client.cancel();
    await metrics?.close();
    await dashboard?.close();
    throw e;
  }
  if (control.address !== def.name) {
    io.stderr.write(
      `note: another job '${def.name}' is running from this directory; reach this one with 'fleuve savepoint ${control.address}'\n`,
    );
  }
  try {
    return await awaitJob(def.name, client, io, orphan, signals);
  } finally {
    signals.off();
    stopWatching();
    control.close();
    await metrics?.close();
    await dashboard?.close();
  }
}

/** `fleuve run --group`: this process joins the group and runs its share until Ctrl-C/SIGTERM. */
async function runGroup(
  def: JobDefinition,
  p: ParsedArgs,
  parallelism: number | undefined,
  io: Io,
): Promise<number> {
  const dir = p.options["checkpoint-dir"] as string | undefined;
  if (dir === undefined) {
    throw usageError(
      "option '--group' needs '--checkpoint-dir D', a directory shared by every process of the group",
      "run",
    );
  }
  if (p.options.threads !== undefined) {
    throw usageError(
      "option '--threads' does not apply with '--group' (each unit runs in its process's main thread)",
      "run",
    );
  }
  if (p.options.resume !== undefined) {
    throw usageError(
      "option '--resume' does not apply with '--group': a group always resumes each unit from its newest checkpoint in --checkpoint-dir",
      "run",
    );
  }
  if (p.options["allow-non-restored-state"]) {
    throw usageError("option '--allow-non-restored-state' does not apply with '--group' yet", "run");
  }
  // checked to exist by durabilityOptions
  const savepoint = p.options["from-savepoint"] as string | undefined;
  const every = intOption(p, "materialize-every", 1, "run");
  if (every !== undefined && p.options["no-changelog"]) {
    throw usageError("options '--materialize-every' and '--no-changelog' exclude each other", "run");
  }
  const group = p.options.group as string;
  const checkpointDir = resolve(dir);
  const commitInterval = intOption(p, "commit-interval", 1, "run");
  const maxHeld = intOption(p, "max-held", 1, "run");
  const delivery = p.options.delivery as string | undefined;
  if (delivery !== undefined && delivery !== "exactly-once" && delivery !== "at-least-once") {
    throw usageError(`option '--delivery' must be exactly-once or at-least-once, got '${delivery}'`, "run");
  }
  const { startGroupWorker, membershipTimings } = await import("@fleuve/kafka");
  const properties: Record<string, string> = {};
  for (const kv of (p.options["kafka-property"] as string[] | undefined) ?? []) {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw usageError(`option '--kafka-property' needs KEY=VALUE, got '${kv}'`, "run");
    properties[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const worker = await startGroupWorker({
    job: def,
    group,
    bootstrap:
      (p.options.bootstrap as string | undefined) ?? process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092",
    checkpointDir,
    ...(savepoint === undefined ? {} : { restoreFrom: resolve(savepoint) }),
    ...(p.options["checkpoint-interval"] === undefined
      ? {}
      : { checkpointIntervalMs: intOption(p, "checkpoint-interval", 1, "run")! }),
    ...(parallelism === undefined ? {} : { parallelism }),
    ...(p.options["no-changelog"] ? { changelog: false } : {}),
    ...(every === undefined ? {} : { changelog: { materializeEvery: every } }),
    ...membershipTimings(properties),
    ...(commitInterval === undefined ? {} : { commitIntervalMs: commitInterval }),
    ...(delivery === undefined ? {} : { deliveryGuarantee: delivery }),
    ...(maxHeld === undefined ? {} : { maxHeld }),
    args: p.rest,
    // lines of the group's membership and deployments are the Kafka package's
    log: jobLog(p, def.name, io.stderr).forPackage("kafka"),
    // the records of a returned stream, printed as `fleuve run` prints them (as they come here)
    collect: (v) => io.stdout.write(`${typeof v === "string" ? v : jsonWithLongs(v)}\n`),
  });
  io.stderr.write(
    `job '${def.name}' joined group '${group}' (${worker.units.length} units shared by its processes); Ctrl-C to leave\n`,
  );
  // The first signal stops cleanly (units handed over, then LeaveGroup); a second one exits at once.
  let signalledBy: NodeJS.Signals | undefined;
  let onFirstSignal!: () => void;
  const signalled = new Promise<void>((r) => {
    onFirstSignal = r;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalledBy === undefined) {
      signalledBy = signal;
      onFirstSignal();
      return;
    }
    io.stderr.write(
      `${signal === "SIGINT" ? "Ctrl-C" : signal} again: stopping at once; the units not handed over yet restore their last periodic checkpoints on the other processes (after session.timeout.ms if this process has not left the group)\n`,
    );
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let handOver = false;
  let control: ControlServer | undefined;
  let metrics: Awaited<ReturnType<typeof startMetricsEndpoint>>;
  let dashboard: Awaited<ReturnType<typeof startDashboardEndpoint>>;
  try {
    // Each process of the group serves the metrics of the units it runs.
    metrics = await startMetricsEndpoint(p, "run", def.name, () => worker.snapshot(), io);
    dashboard = await startDashboardEndpoint(
      p,
      "run",
      {
        jobName: def.name,
        snapshot: () => worker.snapshot(),
        plan: worker.plan(),
        result: worker.finished,
        controls: {
          // A savepoint of the whole group, by default on the shared checkpoint directory.
          savepoint: (target, stop) =>
            worker.savepoint(savepointFolder(def.name, target ?? join(checkpointDir, "savepoints")), {
              stop,
            }),
          cancelUnavailable:
            "a --group job is not cancelled from one process: stop it with a savepoint, or stop its processes",
        },
        group: async () => {
          const s = await groupStatus(group, worker, true);
          return { ...s, units: worker.units, unitTasks: worker.unitTasks };
        },
      },
      io,
    );
    // `fleuve savepoint` and `fleuve jobs` reach the group through any of its processes.
    control = await startControlServer(
      (p.options["control-dir"] as string) ?? DEFAULT_CONTROL_DIR,
      def.name,
      {
        // The default place is on the shared checkpoint directory: the group's units write their
        // parts from every machine.
        savepoint: (folder, stop, defaultDir) =>
          worker.savepoint(defaultDir ? join(checkpointDir, "savepoints", basename(folder)) : folder, {
            stop,
          }),
        group: (members) => groupStatus(group, worker, members),
      },
    );
    if (control.address !== def.name) {
      io.stderr.write(
        `note: another process of job '${def.name}' runs from this directory; reach this one with 'fleuve savepoint ${control.address}'\n`,
      );
    }
    const ended = await Promise.race([
      signalled.then(() => "signal" as const),
      worker.finished.then(() => "finished" as const),
      worker.failed,
    ]);
    if (ended === "finished") {
      // stopped with a savepoint (taken through this process or another): answer it, then exit 0
      await control.answered(10_000);
      io.stderr.write(`group '${group}' stopped with a savepoint\n`);
    } else {
      handOver = true;
      io.stderr.write(
        `leaving group '${group}' (${signalledBy === "SIGINT" ? "Ctrl-C" : signalledBy}): handing its units over with final checkpoints first; ${signalledBy === "SIGINT" ? "Ctrl-C" : signalledBy} again to stop at once\n`,
      );
    }
    return 0;
  } finally {
    control?.close();
    await metrics?.close();
    await dashboard?.close();
    // a failure or a stop-with-savepoint leaves at once: there is nothing to hand over cleanly
    await worker.stop({ handOver });
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** How long `fleuve jobs` lets a group process ask Kafka for the group's members (ms). */
const MEMBERS_TIMEOUT_MS = 8000;

/** The status of a group job's process: its group, its units and (with `members`) every process. */
async function groupStatus(group: string, worker: GroupWorker, members: boolean): Promise<GroupStatus> {
  const status = { group, units: worker.units.length, running: worker.running() };
  if (!members) return status;
  let timer: NodeJS.Timeout | undefined;
  try {
    const found = await Promise.race([
      worker.members(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Kafka did not describe the group within ${MEMBERS_TIMEOUT_MS} ms`)),
          MEMBERS_TIMEOUT_MS,
        );
      }),
    ]);
    return { ...status, members: found.map((m) => ({ clientId: m.clientId, host: m.host, units: m.units })) };
  } catch (e) {
    return { ...status, membersError: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** Signal handlers that cancel a job; see {@link cancelOnSignals}. */
interface CancelOnSignals {
  /** True once a signal has cancelled the job. */
  interrupted(): boolean;
  /** Removes the handlers. */
  off(): void;
}

/**
 * Cancels the job on Ctrl-C, and on SIGTERM (kill, service managers) so that the control socket is
 * removed on the way out; a second signal forces the exit.
 */
function cancelOnSignals(name: string, client: JobClient, io: Io): CancelOnSignals {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    io.stderr.write(
      `\ncancelling job '${name}' (${signal === "SIGINT" ? "Ctrl-C" : signal}${signal === "SIGINT" ? "; Ctrl-C again to force" : ""})\n`,
    );
    client.cancel();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    interrupted: () => interrupted,
    off() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** Waits for a job (cancelled by `signals`); prints collected records and a summary. */
async function awaitJob(
  name: string,
  client: JobClient,
  io: Io,
  orphan: { readonly orphaned: boolean },
  signals: CancelOnSignals,
): Promise<number> {
  try {
    const result = await client.result;
    // Printed in batches that wait for the reader: a slow pipe must not pile the output up in memory.
    let batch = "";
    for (const v of result.collected ?? []) {
      batch += `${typeof v === "string" ? v : jsonWithLongs(v)}\n`;
      if (batch.length >= 65536) {
        await writeOut(io.stdout, batch);
        batch = "";
      }
    }
    if (batch.length > 0) await writeOut(io.stdout, batch);
    io.stderr.write(`job '${name}' finished in ${Math.round(result.durationMs)} ms\n`);
    return 0;
  } catch (e) {
    if (
      (signals.interrupted() || orphan.orphaned) &&
      e instanceof FleuveError &&
      e.code === "FLEUVE_JOB_CANCELLED"
    ) {
      if (!orphan.orphaned) io.stderr.write(`job '${name}' cancelled\n`);
      return 130;
    }
    throw e;
  } finally {
    signals.off();
  }
}
