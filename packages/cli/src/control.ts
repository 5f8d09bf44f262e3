/**
 * The control endpoint of a job started by `fleuve run`: a Unix domain socket at
 * `<control-dir>/<job-name>.sock` (default `.fleuve/jobs`, relative to the working directory)
 * that accepts one-line JSON commands and answers with one JSON line.
 *
 * A Unix socket cannot be reached over the network, and its file is created with mode 0600 in a
 * 0700 directory, so only the user who started the job can talk to it: no token is needed.
 *
 * Commands: `{"cmd":"status"}`, `{"cmd":"savepoint","dir":"/abs/dir","stop":false}`. Two jobs of
 * the same name started from one directory get distinct sockets (see startControlServer). A
 * process of a `--group` job serves one too: its status names the group, the units it runs and
 * the group's processes on every machine; a savepoint there is a savepoint of the whole group.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, unlinkSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join, relative, resolve } from "node:path";
import { isMainThread } from "node:worker_threads";
import { FleuveError, type JobClient } from "@fleuve/core";

/** Default directory of control sockets (relative to the working directory). */
export const DEFAULT_CONTROL_DIR = ".fleuve/jobs";

/** Default directory savepoints are written into (relative to the working directory). */
export const DEFAULT_SAVEPOINT_DIR = ".fleuve/savepoints";

/**
 * A request sent over the control socket. `defaultDir`: `dir` is the default place (no `--dir`
 * given), which a group job moves to its shared checkpoint directory.
 */
export type ControlRequest =
  // members: a group job also asks Kafka for the group's processes (slower: not for liveness checks)
  | { cmd: "status"; members?: boolean }
  | { cmd: "savepoint"; dir: string; stop?: boolean; defaultDir?: boolean };

/** What the status of a process of a `--group` job adds. */
export interface GroupStatus {
  /** The group id (`--group`). */
  readonly group: string;
  /** How many units the job has (shared by the group's processes). */
  readonly units: number;
  /** The units this process runs now. */
  readonly running: readonly string[];
  /** The group's processes on every machine, from Kafka's consumer group description. */
  readonly members?: readonly { clientId: string; host: string; units: readonly string[] }[];
  /** Why `members` is missing (e.g. the broker did not answer). */
  readonly membersError?: string;
}

/** The answer to a {@link ControlRequest}. */
export type ControlResponse =
  | { ok: true; job: string; pid: number; startedAt: number; path?: string; group?: GroupStatus }
  | { ok: false; code: string; message: string };

/** What a control socket serves: a job run by `fleuve run`, in one process or as a group. */
export interface ControlledJob {
  /**
   * Takes a savepoint into the folder `dir` and resolves with its path; with `stop`, the job
   * stops once it is written. `defaultDir`: see {@link ControlRequest}.
   */
  savepoint(dir: string, stop: boolean, defaultDir: boolean): Promise<string>;
  /** What the status of a group job adds; with `members`, the group's processes too. */
  group?(members: boolean): Promise<GroupStatus>;
}

/** The control of a job run in this process (in one thread or on worker threads). */
export function controlledClient(client: JobClient): ControlledJob {
  return {
    savepoint: (dir, stop) => (stop ? client.stopWithSavepoint(dir) : client.triggerSavepoint(dir)),
  };
}

/** The socket path of job `name` under `controlDir` (characters unsafe in a file name become `_`). */
export function socketPath(controlDir: string, name: string): string {
  return join(resolve(controlDir), `${name.replace(/[^A-Za-z0-9._-]/g, "_")}.sock`);
}

/**
 * Unix socket paths are limited to about 104 bytes; a long absolute path is given relative to the
 * working directory instead (both ends run from their own cwd, so each shortens its own view).
 */
function listenPath(abs: string): string {
  if (abs.length < 100) return abs;
  const rel = relative(process.cwd(), abs);
  return rel.length < abs.length ? rel : abs;
}

/** A running control endpoint; `close` removes the socket file. */
export interface ControlServer {
  readonly path: string;
  /** The name `fleuve savepoint` reaches it by: the job name, or `<job-name>-<pid>` on a clash. */
  readonly address: string;
  /**
   * Resolves once the answers being worked on are sent (at most `limitMs` later): a process that
   * ends because of a request (a group stopped with a savepoint) must answer it first.
   */
  answered(limitMs: number): Promise<void>;
  close(): void;
}

/** True when a control socket answers at `path`. */
async function answers(path: string): Promise<boolean> {
  return request(path, { cmd: "status" }, 1000).then(
    () => true,
    () => false,
  );
}

/**
 * Serves the control endpoint of a running job at `<controlDir>/<name>.sock`. A stale socket file
 * left by a killed process is replaced. When a job of the same name is already running from this
 * directory, this one gets `<name>-<pid>.sock` (`address` says which, for `fleuve savepoint`).
 */
export async function startControlServer(
  controlDir: string,
  name: string,
  job: ControlledJob,
): Promise<ControlServer> {
  let address = name;
  let path = socketPath(controlDir, address);
  mkdirSync(resolve(controlDir), { recursive: true, mode: 0o700 });
  if (existsSync(path) && (await answers(path))) {
    address = `${name}-${process.pid}`;
    path = socketPath(controlDir, address);
  }
  if (existsSync(path)) unlinkSync(path);
  const startedAt = Date.now();
  const inFlight = new Set<Promise<void>>();
  const server: Server = createServer((socket) => serve(socket, name, startedAt, job, inFlight));
  const listen = (at: string) =>
    new Promise<void>((ok, fail) => {
      server.once("error", fail);
      // Bound under umask 177, the socket is the owner's from its first moment (a chmod after
      // listen leaves a window in which it has the default mode); the bind is synchronous.
      const previousUmask = isMainThread ? process.umask(0o177) : undefined;
      try {
        server.listen(listenPath(at), () => {
          server.off("error", fail);
          ok();
        });
      } finally {
        if (previousUmask !== undefined) process.umask(previousUmask);
      }
    });
  try {
    await listen(path);
  } catch (e) {
    // Another run of the job took the name between the check above and now.
    if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE" || address !== name) throw e;
    address = `${name}-${process.pid}`;
    path = socketPath(controlDir, address);
    if (existsSync(path)) unlinkSync(path);
    await listen(path);
  }
  chmodSync(path, 0o600);
  // The endpoint must not keep a finished job's process alive.
  server.unref();
  let closed = false;
  const cleanup = () => {
    if (closed) return;
    closed = true;
    server.close();
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  };
  // process.exit() skips finally blocks: remove the socket on any exit of this process.
  process.once("exit", cleanup);
  return {
    path,
    address,
    answered: (limitMs) =>
      new Promise<void>((done) => {
        const timer = setTimeout(done, limitMs);
        void Promise.all([...inFlight]).then(() => {
          clearTimeout(timer);
          done();
        });
      }),
    close: () => {
      process.off("exit", cleanup);
      cleanup();
    },
  };
}

function serve(
  socket: Socket,
  name: string,
  startedAt: number,
  job: ControlledJob,
  inFlight: Set<Promise<void>>,
): void {
  let buf = "";
  socket.setEncoding("utf8");
  socket.on("error", () => {});
  socket.on("data", (chunk: string) => {
    buf += chunk;
    const nl = buf.indexOf("\n");
    if (nl < 0) return;
    const line = buf.slice(0, nl);
    buf = "";
    const answering = answer(line, name, startedAt, job).then(
      (r) => new Promise<void>((sent) => socket.end(`${JSON.stringify(r)}\n`, () => sent())),
    );
    inFlight.add(answering);
    void answering.finally(() => inFlight.delete(answering));
  });
}

async function answer(
  line: string,
  name: string,
  startedAt: number,
  job: ControlledJob,
): Promise<ControlResponse> {
  const base = { ok: true as const, job: name, pid: process.pid, startedAt };
  let req: ControlRequest;
  try {
    req = JSON.parse(line) as ControlRequest;
  } catch {
    return { ok: false, code: "FLEUVE_CONFIG_INVALID", message: `not a JSON command: ${line.slice(0, 80)}` };
  }
  try {
    if (req.cmd === "status") {
      return job.group ? { ...base, group: await job.group(req.members === true) } : base;
    }
    if (req.cmd === "savepoint") {
      if (typeof req.dir !== "string" || req.dir.length === 0) {
        return { ok: false, code: "FLEUVE_CONFIG_INVALID", message: "savepoint needs a 'dir'" };
      }
      const path = await job.savepoint(req.dir, req.stop === true, req.defaultDir === true);
      return { ...base, path };
    }
    return {
      ok: false,
      code: "FLEUVE_CONFIG_INVALID",
      message: `unknown command '${(req as { cmd?: string }).cmd}' (commands: status, savepoint)`,
    };
  } catch (e) {
    return {
      ok: false,
      code: e instanceof FleuveError ? e.code : "FLEUVE_JOB_FAILED",
      message: e instanceof Error ? e.message : String(e),
    };
  }
}

/** Sends one command to the socket at `path`; rejects when nothing listens there. */
export function request(path: string, req: ControlRequest, timeoutMs = 0): Promise<ControlResponse> {
  return new Promise((ok, fail) => {
    const socket = connect(listenPath(path));
    let buf = "";
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        socket.destroy();
        fail(new Error(`no answer from ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
    }
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${JSON.stringify(req)}\n`));
    socket.on("data", (d: string) => {
      buf += d;
    });
    socket.on("error", (e) => {
      if (timer) clearTimeout(timer);
      fail(e);
    });
    socket.on("end", () => {
      if (timer) clearTimeout(timer);
      try {
        ok(JSON.parse(buf.trim()) as ControlResponse);
      } catch {
        fail(new Error(`unreadable answer from ${path}: ${buf.slice(0, 80)}`));
      }
    });
  });
}

/** Sockets in `controlDir` (live or stale), as job names. */
export function listSockets(controlDir: string): string[] {
  const dir = resolve(controlDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sock"))
    .map((f) => f.slice(0, -".sock".length))
    .sort();
}
