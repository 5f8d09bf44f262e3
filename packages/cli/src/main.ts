/**
 * The `fleuve` command: dispatches to `run`, `demo` and the embedded log's commands, and turns
 * errors into one clear line and an exit code (2 for usage errors, 1 for failed jobs).
 */
import { readFileSync } from "node:fs";
import { FleuveError, isFleuveError } from "@fleuve/core";
import { parseArgs, usageError } from "./args.js";
import { CONNECTORS_USAGE, connectorsCommand } from "./connectors-command.js";
import { JOBS_USAGE, jobsCommand, SAVEPOINT_USAGE, savepointCommand } from "./control-commands.js";
import { DEMO_USAGE, demoCommand } from "./demo/command.js";
import { KAFKA_USAGE, kafkaCommand } from "./kafka-command.js";
import { LOG_USAGE, logCommand } from "./log-command.js";
import { exitWhenFlushed } from "./process-streams.js";
import { REGISTRY_USAGE, registryCommand } from "./registry-command.js";
import { type Io, RUN_USAGE, runCommand } from "./run-command.js";
import { SQL_USAGE, sqlCommand } from "./sql-command.js";

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

const COMMAND_USAGE: Record<string, string> = {
  run: RUN_USAGE,
  demo: DEMO_USAGE,
  savepoint: SAVEPOINT_USAGE,
  jobs: JOBS_USAGE,
  topics: LOG_USAGE,
  produce: LOG_USAGE,
  consume: LOG_USAGE,
  kafka: KAFKA_USAGE,
  connectors: CONNECTORS_USAGE,
  registry: REGISTRY_USAGE,
  sql: SQL_USAGE,
};

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
      case "run": {
        installScriptErrorHandlers(io);
        const code = await runCommand(rest, io);
        return code;
      }
      case "demo":
        return await demoCommand(rest, io);
      case "savepoint":
        return await savepointCommand(rest, io);
      case "jobs":
        return await jobsCommand(rest, io);
      case "topics":
      case "produce":
      case "consume":
        return await logCommand([command, ...rest], io);
      case "kafka":
        return await kafkaCommand(rest, io);
      case "connectors":
        return await connectorsCommand(rest, io);
      case "registry":
        return await registryCommand(rest, io);
      case "sql":
        installScriptErrorHandlers(io);
        return await sqlCommand(rest, io);
      default:
        if (command.startsWith("-")) {
          // An option before any command: parse it to report it the same way as elsewhere.
          parseArgs([command], { help: "flag", version: "flag" }, "");
        }
        throw usageError(
          `unknown command '${command}' (commands: run, savepoint, jobs, demo, topics, produce, consume, kafka, connectors, registry, sql)`,
        );
    }
  } catch (e) {
    return reportError(e, io);
  }
}

/** Prints an error as `error CODE: message` (plus usage for usage errors); returns the exit code. */
export function reportError(e: unknown, io: Io): number {
  if (isFleuveError(e, "FLEUVE_CLI_USAGE")) {
    const cmd = e.details.command as string | undefined;
    io.stderr.write(`error FLEUVE_CLI_USAGE: ${e.message}\n\n${(cmd && COMMAND_USAGE[cmd]) || USAGE}\n`);
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
