/**
 * Services the main thread of a process offers to the worker threads of a job: a connector whose
 * resource allows one owner per process (a directory lock, a connection) keeps it in the main
 * thread, and its writers on worker threads call it there, as Kafka producers send to one broker.
 * The embedded log uses it: a log directory takes one writer process, so the subtasks of a job on
 * worker threads append through the main thread's writer instead of each taking the lock.
 *
 * Calls are synchronous (a sink writer's `write` and `prepareCommit` are): the worker posts the
 * request on a port of its own to the main thread and waits on shared memory until the main thread
 * has answered, then takes the answer from the port. The main thread never waits for a worker, so
 * the wait always ends while the main thread's event loop runs. Requests and answers cross by
 * structured clone (a Buffer arrives as a Uint8Array).
 *
 * State lives on `globalThis` (under `Symbol.for` keys), so every copy of this module loaded in a
 * thread (the engine's sources under a loader and its build, say) sees the same registry and port.
 */
import { isMainThread, type MessagePort, receiveMessageOnPort } from "node:worker_threads";
import { FleuveError, isErrorCode } from "../errors.js";

/** A service of the main thread (see {@link provideMainThreadService}). */
export interface MainThreadService {
  /**
   * Answers one request of worker thread `thread` (its `threadId`). Runs on the main thread's event
   * loop; what it returns (structured-cloneable) or throws goes back to the caller.
   */
  call(request: unknown, thread: number): unknown;
  /** Worker thread `thread` ended (normally, by a failure or terminated): drop what it held. */
  threadGone?(thread: number): void;
}

/** A request as it crosses to the main thread. */
export interface MainThreadRequest {
  readonly service: string;
  readonly request: unknown;
  /** Int32 0 -> 1 once the answer is on the port. */
  readonly signal: SharedArrayBuffer;
}

/** An answer as it crosses back. */
export type MainThreadAnswer =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly code: string;
      readonly message: string;
      readonly details?: Record<string, unknown>;
      readonly permanent?: boolean;
    };

const REGISTRY = Symbol.for("fleuve.mainThreadServices");
const PORT = Symbol.for("fleuve.mainThreadServicePort");
type Global = { [REGISTRY]?: Map<string, MainThreadService>; [PORT]?: MessagePort };
const global = globalThis as Global;

function registry(): Map<string, MainThreadService> {
  global[REGISTRY] ??= new Map();
  return global[REGISTRY];
}

/**
 * Offers `service` under `name` to the worker threads of the jobs this process runs on threads.
 * Call it on the main thread (elsewhere it does nothing), e.g. when the connector's module loads:
 * the job module is loaded by the main thread too, so the service is there before any worker asks.
 * A second call with the same name keeps the first service.
 */
export function provideMainThreadService(name: string, service: MainThreadService): void {
  if (!isMainThread) return;
  if (!registry().has(name)) registry().set(name, service);
}

/**
 * The caller of the main thread's service `name`, on a worker thread of a job run on threads;
 * undefined on the main thread or on a worker the engine did not start. The caller returns the
 * service's answer or throws its error (a FleuveError with the same code, message and details).
 * It throws FLEUVE_CONFIG_INVALID when the main thread offers no such service.
 */
export function mainThreadService(name: string): ((request: unknown) => unknown) | undefined {
  const port = global[PORT];
  if (isMainThread || port === undefined) return undefined;
  return (request) => {
    const signal = new SharedArrayBuffer(4);
    const cell = new Int32Array(signal);
    port.postMessage({ service: name, request, signal } satisfies MainThreadRequest);
    Atomics.wait(cell, 0, 0);
    for (;;) {
      const got = receiveMessageOnPort(port);
      if (got !== undefined) return unwrap(got.message as MainThreadAnswer);
      // (posted before the signal was set, so it is there: this only guards against a late queue)
      Atomics.wait(cell, 0, 1, 1);
    }
  };
}

function unwrap(a: MainThreadAnswer): unknown {
  if (a.ok) return a.value;
  throw new FleuveError(isErrorCode(a.code) ? a.code : "FLEUVE_JOB_FAILED", a.message, {
    ...(a.details === undefined ? {} : { details: a.details }),
    ...(a.permanent ? { permanent: true } : {}),
  });
}

/**
 * Worker side, called by the engine's worker entry: the port its calls go through.
 * @internal
 */
export function setMainThreadServicePort(port: MessagePort): void {
  global[PORT] = port;
}

/**
 * Main side, called by the engine for each worker it starts: answers the requests arriving on
 * `port` from worker thread `thread`. Returns what to call once the worker has ended (it tells
 * every service, and closes the port).
 * @internal
 */
export function serveMainThreadServices(port: MessagePort, thread: number): () => void {
  port.on("message", (m: MainThreadRequest) => {
    let answer: MainThreadAnswer;
    try {
      const service = registry().get(m.service);
      if (service === undefined) {
        throw new FleuveError(
          "FLEUVE_CONFIG_INVALID",
          `the main thread offers no service '${m.service}' (the module that provides it was not loaded there)`,
          { details: { service: m.service } },
        );
      }
      answer = { ok: true, value: service.call(m.request, thread) };
    } catch (e) {
      const err = e instanceof FleuveError ? e : undefined;
      answer = {
        ok: false,
        code: err?.code ?? "FLEUVE_JOB_FAILED",
        message: e instanceof Error ? e.message : String(e),
        ...(err ? { details: cloneable(err.details) } : {}),
        ...(err?.permanent ? { permanent: true } : {}),
      };
    }
    port.postMessage(answer);
    const cell = new Int32Array(m.signal);
    Atomics.store(cell, 0, 1);
    Atomics.notify(cell, 0);
  });
  port.unref();
  return () => {
    port.close();
    for (const s of registry().values()) s.threadGone?.(thread);
  };
}

function cloneable(d: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  try {
    return structuredClone(d) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
