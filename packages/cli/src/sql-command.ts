/**
 * `fleuve sql`: Flink SQL from the command line. `fleuve sql -f job.sql` runs a file's statements
 * as one job, through `fleuve run`'s machinery (checkpoints, savepoints, worker threads, the
 * control socket); without `-f`, the interactive shell of sql-shell.ts.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { formatStateFit, isFleuveError, StreamExecutionEnvironment, stateFitError } from "@fleuve/core";
import { parseDuration } from "@fleuve/sql";
import { parseArgs, usageError } from "./args.js";
import { DASHBOARD_SPEC } from "./dashboard-endpoint.js";
import { LOG_SPEC, logSettings } from "./logging.js";
import { METRICS_SPEC } from "./metrics-endpoint.js";
import { DEFAULT_CHECKPOINT_INTERVAL_MS, type Io, registerTypeScript, runCommand } from "./run-command.js";
import { formatContent } from "./sql-format.js";
import {
  buildScript,
  COMMAND_CONNECTOR_NAMES,
  locateSqlError,
  readScript,
  scriptJobName,
} from "./sql-script.js";
import { runShell } from "./sql-shell.js";

/** Usage of `fleuve sql`. */
export const SQL_USAGE = `Usage: fleuve sql [--history FILE]                 the interactive SQL shell
       fleuve sql -f job.sql [--parallelism N] [--threads T]
                  [--checkpoint-dir D [--checkpoint-interval MS] [--resume]]
                  [--from-savepoint PATH [--allow-non-restored-state] [--check]]
                  [--control-dir C] [--log-level SPEC]

Flink SQL on Fleuve (docs/sql.md). Tables may use the connectors
${COMMAND_CONNECTOR_NAMES.tables.join(", ")}; lookup tables also ${COMMAND_CONNECTOR_NAMES.lookupOnly.join(", ")}.

  -f, --file FILE           run the statements of FILE as one job: DDL and SET first, then every
                            INSERT INTO (and at most one query, whose rows are printed) in one
                            job, run as 'fleuve run' runs a job. SHOW, DESCRIBE and EXPLAIN print
                            their result before. Errors point at FILE:line:column. In the file,
                            SET 'execution.checkpointing.interval' = '10 s' checkpoints the job
                            (into SET 'execution.checkpointing.dir', else
                            .fleuve/sql-checkpoints/<job>), SET 'parallelism.default' = 'N' and
                            SET 'pipeline.name' = 'name' (the job's name; default the file's name)
                            apply unless the options say otherwise
  --parallelism, --threads, --checkpoint-dir, --checkpoint-interval, --resume, --from-savepoint,
  --control-dir, --metrics-*, --no-metrics, --log-level, --log-format, --dashboard-*,
  --no-dashboard
                            as for 'fleuve run' (see 'fleuve run --help')
  --check                   with --from-savepoint: run nothing; print what the restore would do with
                            each operator's state (kept, new: starts empty, dropped: the query no
                            longer has it, incompatible: its keys, aggregates or window changed,
                            and how) and exit 1 if the restore would be refused
  --allow-non-restored-state  restore even so: dropped and incompatible state is left out (those
                            operators start empty)
  --history FILE            the shell's history file (default ~/.fleuve_sql_history)

The shell reads statements ended by ';' (over several lines), keeps line editing and history on a
terminal, and shows a query's result as a table: updated in place on a terminal for an updating
query (SET 'sql-client.execution.result-mode' = 'table', the default), or as changes one per
line as they come ('tableau' and 'changelog' alike: each row's kind, +I/-U/+U/-D, in an op
column). A query on a bounded input ends by itself; Ctrl-C stops a running query. HELP; lists
the statements; QUIT; EXIT; or Ctrl-D leave.
Without a terminal (piped input), it reads the statements and prints each result.`;

const SQL_SPEC = {
  f: "string",
  file: "string",
  history: "string",
  parallelism: "number",
  threads: "number",
  "checkpoint-dir": "string",
  "checkpoint-interval": "number",
  resume: "flag",
  "from-savepoint": "string",
  "allow-non-restored-state": "flag",
  check: "flag",
  "control-dir": "string",
  ...METRICS_SPEC,
  ...LOG_SPEC,
  // The job runs as 'fleuve run' runs one, dashboard included: its options are taken the same.
  ...DASHBOARD_SPEC,
  help: "flag",
} as const;

/** The options of `fleuve run` a script's SETs stand for, when the command line does not give them. */
function optionsFromSettings(
  settings: ReadonlyMap<string, string>,
  given: Readonly<Record<string, unknown>>,
  jobName: string,
): string[] {
  const args: string[] = [];
  const interval = settings.get("execution.checkpointing.interval");
  const dir = settings.get("execution.checkpointing.dir") ?? settings.get("state.checkpoints.dir");
  if (given["checkpoint-dir"] === undefined && (dir !== undefined || interval !== undefined)) {
    args.push("--checkpoint-dir", dir ?? join(".fleuve", "sql-checkpoints", jobName));
  }
  if (given["checkpoint-interval"] === undefined && interval !== undefined) {
    const ms = parseDuration(interval, "execution.checkpointing.interval");
    args.push("--checkpoint-interval", String(ms === 0 ? DEFAULT_CHECKPOINT_INTERVAL_MS : ms));
  }
  const parallelism = settings.get("parallelism.default");
  if (given.parallelism === undefined && parallelism !== undefined) args.push("--parallelism", parallelism);
  return args;
}

/**
 * `--check`: what restoring `savepoint` into the planned job does with each operator's state, one
 * line each; exit 1 (with the error the restore would fail with) when it would be refused.
 */
async function checkSavepoint(
  planned: StreamExecutionEnvironment,
  savepoint: string,
  options: Readonly<Record<string, unknown>>,
  io: Io,
): Promise<number> {
  if (planned.graph.nodes.length === 0) throw usageError("option '--check': the file makes no job", "sql");
  const report = await planned.checkSavepoint(savepoint);
  for (const line of formatStateFit(report)) io.stdout.write(`${line}\n`);
  if (!report.needsNonRestored) {
    io.stdout.write(`${report.path} fits: every operator's state is restored or starts empty\n`);
    return 0;
  }
  if (options["allow-non-restored-state"]) {
    io.stdout.write(
      `${report.path} restores with --allow-non-restored-state: the dropped and incompatible state is left out\n`,
    );
    return 0;
  }
  throw stateFitError(report);
}

/** Runs `fleuve sql`; resolves to the exit code. */
export async function sqlCommand(
  argv: readonly string[],
  io: Io,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const p = parseArgs(argv, SQL_SPEC, "sql");
  if (p.options.help) {
    io.stdout.write(`${SQL_USAGE}\n`);
    return 0;
  }
  const file = (p.options.f ?? p.options.file) as string | undefined;
  if (p.positional.length > 0) {
    throw usageError(`'fleuve sql' takes no argument '${p.positional[0]}' (a file goes after -f)`, "sql");
  }
  // CREATE FUNCTION ... AS 'udfs.ts#f' imports TypeScript modules.
  await registerTypeScript();
  if (file === undefined) {
    const runOnly = Object.keys(p.options).find((k) => k !== "history");
    if (runOnly !== undefined) throw usageError(`option '--${runOnly}' needs '-f FILE'`, "sql");
    const history = (p.options.history as string | undefined) ?? join(homedir(), ".fleuve_sql_history");
    return runShell({ input: stdin, io, historyFile: resolve(history) });
  }
  if (p.options.history !== undefined)
    throw usageError("option '--history' is for the shell, not with -f", "sql");
  if (!existsSync(file)) throw usageError(`SQL file '${file}' does not exist`, "sql");
  // Checked before planning (as 'fleuve run' checks them before loading the job): the job's run
  // checks them again, as options of 'fleuve run'.
  logSettings(p, io.stderr, "sql");
  const { plan } = readScript(file);
  const jobName = scriptJobName(file, plan.settings);
  const savepoint = p.options["from-savepoint"] as string | undefined;
  if (p.options.check && savepoint === undefined)
    throw usageError("option '--check' needs '--from-savepoint PATH' (the savepoint to check)", "sql");
  // Every statement is planned here first, on an environment that never runs: errors point at
  // the file before any job starts, and SHOW / DESCRIBE / EXPLAIN print their results.
  const planned = StreamExecutionEnvironment.create();
  await buildScript(planned, file, (columns, rows) => {
    io.stdout.write(`${formatContent(columns, rows)}\n`);
  });
  if (p.options.check) return checkSavepoint(planned, resolve(savepoint as string), p.options, io);
  if (!plan.hasJob) return 0;
  const forwarded = argv.filter((a, i) => {
    const prev = argv[i - 1];
    const isFile = a === "-f" || a === "--file" || a.startsWith("--file=") || a.startsWith("-f=");
    return !isFile && prev !== "-f" && prev !== "--file";
  });
  process.env.FLEUVE_SQL_JOB_NAME = jobName;
  const jobModule = new URL("./sql-job.js", import.meta.url).pathname;
  try {
    const code = await runCommand(
      [
        jobModule,
        ...forwarded,
        ...optionsFromSettings(plan.settings, p.options, jobName),
        "--",
        resolve(file),
      ],
      io,
    );
    return code ?? 0;
  } catch (e) {
    // The options were given to 'fleuve sql': its usage goes with their errors, not run's.
    if (isFleuveError(e, "FLEUVE_CLI_USAGE") && e.details.command === "run")
      throw usageError(e.message, "sql");
    throw locateSqlError(e, file, "");
  }
}
