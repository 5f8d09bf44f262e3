/**
 * The `fleuve` command: dispatches to `run`, `demo` and the embedded log's commands, and turns
 * errors into one clear line and an exit code (2 for usage errors, 1 for failed jobs).
 */
import { readFileSync } from "node:fs";
import { FleuveError, isFleuveError } from "@fleuve/core";
import { parseArgs, usageError } from "./args.js";
import { exitWhenFlushed } from "./process-streams.js";
import type { Io } from "./run-command.js";

/** Usage of the whole command. */
export const USAGE = `Usage: fleuve <command> [options]

Commands:
  run <job.ts|job.js> [--parallelism N] [-- args]   run a job file (TypeScript needs no build)
      [--checkpoint-dir D] [--resume] [--from-savepoint P]   ... with checkpoints / from a savepoint
  savepoint <job-name> [--dir D] [--stop]            savepoint of a job started by 'fleuve run'
  jobs                                               list the jobs 'fleuve run' is running here
  demo [--events N | --duration S] [--fresh]        clickstream demo on the embedded log (resumable)
  topics | produce | consume ...                     embedded log tools ('fleuve topics --help')
  kafka topics create|list|describe|delete ...       Kafka topics ('fleuve kafka --help')
  connectors [name]                                  connectors and their options
  registry [--port 8085] [--dir D|--kafka|--memory]  schema registry (Confluent's REST API)
  sql [-f job.sql [run options]] [--history F]       Flink SQL: the shell, or a file run as a job

Options:
  -h, --help       show this help (or 'fleuve <command> --help')
  -v, --version    print the version`;

/**
 * Each command's module, loaded when the command runs: the packages behind them (Kafka's client,
 * the SQL parser, the registry) cost seconds of CPU to load, which `fleuve --version` or a job on
 * the embedded log should not pay.
 */
const COMMANDS = {
  run: () => import("./run-command.js").then((m) => ({ usage: m.RUN_USAGE, command: m.runCommand })),
  demo: () => import("./demo/command.js").then((m) => ({ usage: m.DEMO_USAGE, command: m.demoCommand })),
  savepoint: () =>
    import("./control-commands.js").then((m) => ({ usage: m.SAVEPOINT_USAGE, command: m.savepointCommand })),
  jobs: () => import("./control-commands.js").then((m) => ({ usage: m.JOBS_USAGE, command: m.jobsCommand })),
  kafka: () => import("./kafka-command.js").then((m) => ({ usage: m.KAFKA_USAGE, command: m.kafkaCommand })),
  connectors: () =>
    import("./connectors-command.js").then((m) => ({
      usage: m.CONNECTORS_USAGE,
      command: m.connectorsCommand,
    })),
  registry: () =>
    import("./registry-command.js").then((m) => ({ usage: m.REGISTRY_USAGE, command: m.registryCommand })),
  sql: () => import("./sql-command.js").then((m) => ({ usage: m.SQL_USAGE, command: m.sqlCommand })),
  // The embedded log's commands take the command word itself as their first argument.
  topics: () => logCommandModule("topics"),
  produce: () => logCommandModule("produce"),
  consume: () => logCommandModule("consume"),
} satisfies Record<string, () => Promise<LoadedCommand>>;

/** A command's usage text and its function. */
interface LoadedCommand {
  usage: string;
  command: (args: readonly string[], io: Io) => Promise<number | undefined>;
}

function logCommandModule(word: string): Promise<LoadedCommand> {
  return import("./log-command.js").then((m) => ({
    usage: m.LOG_USAGE,
    command: (args, io) => m.logCommand([word, ...args], io),
  }));
}

function isCommand(name: string): name is keyof typeof COMMANDS {
  return Object.hasOwn(COMMANDS, name);
}

/** The version of this package. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Runs the command line `argv` (without node and the script). Resolves to the exit code, or to
 * undefined when a job script keeps running on the event loop and the process should end with it.
 */
export async function main(
  argv: readonly string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number | undefined> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case "help":
      case "-h":
      case "--help":
        io.stdout.write(`${USAGE}\n`);
        return 0;
      case "-v":
      case "--version":
        io.stdout.write(`fleuve ${version()}\n`);
        return 0;
      default: {
        if (isCommand(command)) {
          const loaded = await COMMANDS[command]();
          // A job script or SQL file may fail outside the awaited run: report that too.
          if (command === "run" || command === "sql") installScriptErrorHandlers(io);
          return await loaded.command(rest, io);
        }
        if (command.startsWith("-")) {
          // An option before any command: parse it to report it the same way as elsewhere.
          parseArgs([command], { h: "flag", help: "flag", v: "flag", version: "flag" }, "");
        }
        throw usageError(
          `unknown command '${command}' (commands: run, savepoint, jobs, demo, topics, produce, consume, kafka, connectors, registry, sql)`,
        );
      }
    }
  } catch (e) {
    return reportError(e, io, await usageOf(e));
  }
}

/** The usage of the command a usage error names (undefined: the whole command's usage). */
async function usageOf(e: unknown): Promise<string | undefined> {
  if (!isFleuveError(e, "FLEUVE_CLI_USAGE")) return undefined;
  const command = e.details.command;
  return typeof command === "string" && isCommand(command) ? (await COMMANDS[command]()).usage : undefined;
}

/**
 * Prints an error as `error CODE: message` (plus `usage`, or the whole command's usage, for usage
 * errors); returns the exit code.
 */
export function reportError(e: unknown, io: Io, usage?: string): number {
  if (isFleuveError(e, "FLEUVE_CLI_USAGE")) {
    io.stderr.write(`error FLEUVE_CLI_USAGE: ${e.message}\n\n${usage ?? USAGE}\n`);
    return 2;
  }
  if (e instanceof FleuveError) {
    io.stderr.write(`error ${e.code}: ${e.message}\n`);
    if (process.env.FLEUVE_DEBUG && e.cause instanceof Error) io.stderr.write(`${e.cause.stack}\n`);
    return 1;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  io.stderr.write(`error FLEUVE_JOB_FAILED: ${err.message}\n`);
  if (process.env.FLEUVE_DEBUG) io.stderr.write(`${err.stack}\n`);
  return 1;
}

/** How long a failed job script waits for its output to drain before exiting anyway (ms). */
const SCRIPT_FAILURE_FLUSH_LIMIT_MS = 2000;

/**
 * A job script may start its job without awaiting it; its failure then surfaces as an unhandled
 * rejection, which must still print `error FLEUVE_...` and exit 1 rather than a raw stack trace.
 * The exit waits for stdout/stderr to drain, but only so long: a reader that stopped reading
 * would otherwise keep the failed process (and its job) running for ever.
 */
function installScriptErrorHandlers(io: Io): void {
  let failed = false;
  const fail = (e: unknown) => {
    if (failed) return; // already reporting the first failure
    failed = true;
    void exitWhenFlushed(reportError(e, io), SCRIPT_FAILURE_FLUSH_LIMIT_MS);
  };
  process.on("unhandledRejection", fail);
  process.on("uncaughtException", fail);
}
