/**
 * How the `fleuve` process ends without losing output. On POSIX, writes to a pipe are
 * asynchronous: `process.exit()` right after a big write drops whatever the reader has not taken
 * yet (`fleuve consume t | wc -l` printed a fraction of the records). So the command waits until
 * stdout and stderr have handed everything to the OS, then exits; a reader that goes away
 * (`| head`) ends the process quietly, as it ends a Unix tool.
 */

/** The part of a writable stream that {@link writeOut} and {@link flushed} use. */
export interface OutputStream {
  write(chunk: string, callback?: (err?: Error | null) => void): boolean;
  readonly writableLength?: number;
  once?(event: "drain" | "close" | "error", listener: () => void): unknown;
  off?(event: "drain" | "close" | "error", listener: () => void): unknown;
}

/**
 * Writes `chunk`, then, if the stream's buffer is full, waits until it drains: a command printing
 * many records stays in bounded memory however slowly its reader reads.
 */
export async function writeOut(stream: OutputStream, chunk: string): Promise<void> {
  if (stream.write(chunk) !== false || stream.once === undefined) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      stream.off?.("drain", done);
      stream.off?.("close", done);
      stream.off?.("error", done);
      resolve();
    };
    stream.once!("drain", done);
    // A reader gone for good (EPIPE) closes the stream: nothing will drain, stop waiting.
    stream.once!("close", done);
    stream.once!("error", done);
  });
}

/** Resolves once everything written to `stream` so far has been handed to the OS (or failed). */
export function flushed(stream: OutputStream): Promise<void> {
  if (stream.writableLength === 0) return Promise.resolve(); // nothing queued
  // Writes complete in order, so an empty write's callback runs after every earlier write's.
  return new Promise((resolve) => {
    try {
      stream.write("", () => resolve());
    } catch {
      resolve(); // a stream already ended or destroyed has nothing left to flush
    }
  });
}

/**
 * Ends the process with `code` once stdout and stderr have drained, or once `limitMs` has passed
 * if given: after a failure, a reader that stopped reading must not keep the process alive.
 */
export async function exitWhenFlushed(code: number, limitMs?: number): Promise<never> {
  process.exitCode = code;
  const drained = Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  if (limitMs === undefined) {
    await drained;
  } else {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise((r) => (timer = setTimeout(r, limitMs)))]);
    clearTimeout(timer);
  }
  process.exit(code);
}

/**
 * A reader that closed the pipe (`fleuve consume t | head -n 5`) makes writes fail with EPIPE.
 * Unix tools end quietly then; so does fleuve, with exit code 0, instead of a stack trace. Any
 * other failure to write the output ends the process with 1 and one line on stderr.
 */
export function endQuietlyWhenReaderGoes(): void {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    // The exit code decided already (an error reported on stderr) stands; otherwise 0.
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    process.stderr.write(`error: cannot write to standard output: ${err.message}\n`, () => process.exit(1));
  });
  process.stderr.on("error", (err: NodeJS.ErrnoException) =>
    process.exit(err.code === "EPIPE" ? (process.exitCode ?? 0) : 1),
  );
}
