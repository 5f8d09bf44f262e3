/**
 * `fleuve topics|produce|consume`: the embedded log's tools. The handlers live in @fleuve/log
 * (next to the log they operate on); this file only adds help and the process streams.
 */
import { logCommand as logHandler } from "@fleuve/log/cli";
import type { Io } from "./run-command.js";

/** Usage of the log commands. */
export const LOG_USAGE = `Usage:
  fleuve topics create <name> [--partitions N] [--config key=value ...]
  fleuve topics list | describe <name> | delete <name>
  fleuve produce <topic> [--key <field>]      JSON lines on stdin, one record each
  fleuve consume <topic> [--from-beginning] [--max N] [--group G]
                 [--offset-reset earliest|latest] [--isolation read_committed|read_uncommitted]
                 [--metadata]
consume prints committed records only (--isolation read_committed, the default; read_uncommitted
also prints those of open and aborted transactions). With --group it resumes from the group's
committed offsets and commits what it printed. Where a partition has no committed offset (a new
group, or no --group) it starts at --offset-reset: latest (the default, as in Kafka: at the end)
or earliest (all); --from-beginning means --offset-reset earliest. consume stops at the end (it
does not follow the log), so with latest it prints nothing there and says so on stderr.
consume and topics list|describe only read: they work while a job writes to the log.
Every command accepts --dir <path> (default $FLEUVE_LOG_DIR or .fleuve/log).`;

/** Runs a log command (`argv[0]` is topics, produce or consume); resolves to the exit code. */
export async function logCommand(argv: readonly string[], io: Io): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout.write(`${LOG_USAGE}\n`);
    return 0;
  }
  // The handlers print `CODE: message`; every fleuve command prints `error CODE: message`.
  const stderr = {
    write(chunk: string): boolean {
      io.stderr.write(/^FLEUVE_[A-Z_]+: /.test(chunk) ? `error ${chunk}` : chunk);
      return true;
    },
  };
  const code = await logHandler([...argv], { stdin: process.stdin, stdout: io.stdout, stderr });
  if (code === 2) io.stderr.write(`\n${LOG_USAGE}\n`);
  return code;
}
