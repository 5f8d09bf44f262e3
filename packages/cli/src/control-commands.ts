/**
 * `fleuve savepoint <job-name> [--dir D] [--stop]` and `fleuve jobs`: talk to jobs started by
 * `fleuve run` through their control sockets (see control.ts).
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { FleuveError } from "@fleuve/core";
import { parseArgs, usageError } from "./args.js";
import { DEFAULT_CONTROL_DIR, DEFAULT_SAVEPOINT_DIR, listSockets, request, socketPath } from "./control.js";
import type { Io } from "./run-command.js";

/** Usage of `fleuve savepoint`. */
export const SAVEPOINT_USAGE = `Usage: fleuve savepoint <job-name> [--dir D] [--stop] [--control-dir C]

Takes a savepoint of a job started by 'fleuve run' in this directory and prints its path. For a
'--group' job (any of its processes here), a savepoint of the whole group, on every machine.
  --dir D           where the savepoint folder is created in (default ${DEFAULT_SAVEPOINT_DIR}; for a
                    group job <its --checkpoint-dir>/savepoints, shared by its processes)
  --stop            stop the job once the savepoint is written (stop-with-savepoint; a group job
                    stops in every process, each exiting 0)
  --control-dir C   where running jobs keep their control sockets (default ${DEFAULT_CONTROL_DIR})
Resume with: fleuve run <job.ts> --from-savepoint <path>`;

/** Usage of `fleuve jobs`. */
export const JOBS_USAGE = `Usage: fleuve jobs [--control-dir C]

Lists the jobs started by 'fleuve run' from this directory that are running now. A '--group' job
is shown with its group and the group's processes on every machine (Kafka's description of the
consumer group: client id, host, the units each runs).
  --control-dir C   where running jobs keep their control sockets (default ${DEFAULT_CONTROL_DIR})`;

/** Runs `fleuve savepoint`; resolves to the exit code. */
export async function savepointCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(
    argv,
    { dir: "string", stop: "flag", "control-dir": "string", help: "flag" },
    "savepoint",
  );
  if (p.options.help) {
    io.stdout.write(`${SAVEPOINT_USAGE}\n`);
    return 0;
  }
  if (p.positional.length !== 1) {
    throw usageError(
      p.positional.length === 0
        ? "'fleuve savepoint' needs the name of a running job (see 'fleuve jobs')"
        : `'fleuve savepoint' takes one job name, got also '${p.positional[1]}'`,
      "savepoint",
    );
  }
  const name = p.positional[0]!;
  const path = socketPath((p.options["control-dir"] as string) ?? DEFAULT_CONTROL_DIR, name);
  // A new folder per savepoint (as Flink's savepoint-<job>-<random>), absolute: the job resolves
  // paths from its own working directory.
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const dir = resolve(
    (p.options.dir as string) ?? DEFAULT_SAVEPOINT_DIR,
    `savepoint-${name}-${stamp}-${randomBytes(3).toString("hex")}`,
  );
  const stop = p.options.stop === true;
  let r: Awaited<ReturnType<typeof request>>;
  try {
    r = await request(path, {
      cmd: "savepoint",
      dir,
      stop,
      ...(p.options.dir === undefined ? { defaultDir: true } : {}),
    });
  } catch (e) {
    throw notRunning(name, path, e);
  }
  if (!r.ok) throw new FleuveError(r.code as "FLEUVE_JOB_FAILED", r.message);
  io.stdout.write(`${r.path}\n`);
  io.stderr.write(
    stop ? `job '${name}' stopped with a savepoint\n` : `savepoint of job '${name}' taken; the job goes on\n`,
  );
  return 0;
}

function notRunning(name: string, path: string, e: unknown): FleuveError {
  const why = (e as { code?: string }).code;
  return new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `no running job '${name}': nothing answers at ${path}${why ? ` (${why})` : ""}; start it with 'fleuve run' from this directory, or pass --control-dir (see 'fleuve jobs')`,
    { details: { job: name, socket: path }, cause: e },
  );
}

/** Runs `fleuve jobs`; resolves to the exit code. */
export async function jobsCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, { "control-dir": "string", help: "flag" }, "jobs");
  if (p.options.help) {
    io.stdout.write(`${JOBS_USAGE}\n`);
    return 0;
  }
  if (p.positional.length > 0) throw usageError("'fleuve jobs' takes no arguments", "jobs");
  const dir = (p.options["control-dir"] as string) ?? DEFAULT_CONTROL_DIR;
  const live: string[] = [];
  // A group's processes are listed once, under the first of its sockets here.
  const groupsShown = new Set<string>();
  for (const name of listSockets(dir)) {
    // A socket left by a killed process does not answer: it is not listed. A group process asks
    // Kafka for the group's members (up to 8 s) before it answers.
    const r = await request(socketPath(dir, name), { cmd: "status", members: true }, 15_000).catch(
      () => undefined,
    );
    if (r?.ok) {
      // The socket's name is what `fleuve savepoint` takes; it differs from the job's on a clash.
      const job = r.job === name ? "" : `\tjob '${r.job}'`;
      let line = `${name}\tpid ${r.pid}\tsince ${new Date(r.startedAt).toISOString()}${job}`;
      const g = r.group;
      if (g !== undefined) {
        line += `\tgroup '${g.group}': ${g.running.length} of ${g.units} units here`;
        if (!groupsShown.has(g.group)) {
          groupsShown.add(g.group);
          if (g.members === undefined)
            line += `\n  processes of group '${g.group}': unknown (${g.membersError})`;
          else {
            line += `\n  processes of group '${g.group}': ${g.members.length}`;
            for (const m of g.members) {
              line += `\n  ${m.clientId}\t${m.host}\t${m.units.length} units: ${m.units.join(", ") || "none"}`;
            }
          }
        }
      }
      live.push(line);
    }
  }
  if (live.length === 0) io.stderr.write(`no running jobs (control sockets in ${resolve(dir)})\n`);
  else io.stdout.write(`${live.join("\n")}\n`);
  return 0;
}
