/**
 * A sink writing result lines to one file per subtask (`<dir>/<name>.part-<subtask>`), so that a
 * job spread over worker threads needs no transfer of results to the main thread; the runner
 * merges and sorts the parts afterwards (outside the timed job, as the Flink side folds and sorts
 * after its job). Lines are written in chunks, not one system call per record.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Sink, SinkWriter, SinkWriterContext } from "@fleuve/core";

/** Lines buffered before one write. */
const CHUNK = 8192;

/** Writes string records as lines into `<dir>/<name>.part-<subtask>`. */
export class LineFileSink implements Sink<string> {
  constructor(
    private readonly dir: string,
    private readonly name: string,
  ) {}

  createWriter(ctx: SinkWriterContext): SinkWriter<string> {
    const fd = openSync(join(this.dir, `${this.name}.part-${ctx.subtaskIndex}`), "w");
    let buf: string[] = [];
    const flush = () => {
      if (buf.length === 0) return;
      writeSync(fd, `${buf.join("\n")}\n`);
      buf = [];
    };
    return {
      write(line) {
        buf.push(line);
        if (buf.length === CHUNK) flush();
      },
      finish: flush,
      close() {
        flush();
        closeSync(fd);
      },
    };
  }
}
