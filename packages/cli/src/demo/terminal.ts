/**
 * Terminal output that never stalls the job. Node writes to a terminal synchronously: while the
 * terminal does not take output (a slow terminal emulator, a small pty buffer as on macOS, output
 * paused with Ctrl-S or by selecting text), every write blocks the one thread the job, the click
 * generator and the checkpoints run on, so events pile up in the topic and the watermark lags.
 * The demo writes little (a table every few seconds, a progress line every second): queueing it
 * in memory until the terminal takes it costs nothing, and `fleuve` drains it before exiting.
 */

/** The part of libuv's TTY handle this uses (Node's `tty.WriteStream#_handle`). */
interface TtyHandle {
  setBlocking?(blocking: boolean): number;
}

/** Makes writes to each stream that is a terminal asynchronous; other streams are left alone. */
export function writeTerminalsAsynchronously(streams: readonly NodeJS.WritableStream[]): void {
  for (const stream of streams) {
    const s = stream as { isTTY?: boolean; _handle?: TtyHandle };
    if (s.isTTY === true) s._handle?.setBlocking?.(false);
  }
}
