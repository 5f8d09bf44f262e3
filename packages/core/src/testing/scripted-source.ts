/**
 * A source that plays a script of records, watermarks and idleness marks, in order, so that tests
 * control exactly what each input emits (no periodic watermark timing involved).
 */
import type { PollStatus, Source, SourceOutput, SourceReader } from "../connector/source.js";

/** One step of a {@link ScriptedSource}. */
export type ScriptStep<T> =
  | { readonly value: T; readonly timestamp?: number }
  | { readonly watermark: number }
  | { readonly idle: true };

/**
 * Plays `steps` on subtask 0 (other subtasks end at once), then ends, or first waits for
 * `holdUntil` when given: a held source stays open without emitting (like a silent partition),
 * which is how tests keep an input from sending the final watermark.
 *
 * ```ts
 * let release!: () => void;
 * const src = new ScriptedSource([{ value: "a", timestamp: 5 }, { watermark: 5 }], {
 *   holdUntil: new Promise<void>((r) => (release = r)),
 * });
 * env.fromSource(src).setParallelism(1)...
 * ```
 */
export class ScriptedSource<T> implements Source<T> {
  readonly bounded = true;
  private doneCount = 0;

  constructor(
    private readonly steps: readonly ScriptStep<T>[],
    private readonly options: { holdUntil?: Promise<unknown> } = {},
  ) {}

  /** Number of readers that played their whole script. */
  get finishedScripts(): number {
    return this.doneCount;
  }

  createReader(ctx: { subtaskIndex: number }): SourceReader<T> {
    const steps = ctx.subtaskIndex === 0 ? this.steps : [];
    const hold = this.options.holdUntil;
    let released = hold === undefined;
    hold?.then(() => {
      released = true;
    });
    let i = 0;
    let counted = false;
    return {
      poll: (out: SourceOutput<T>, max: number): PollStatus => {
        let n = 0;
        while (i < steps.length && n < max) {
          const s = steps[i++]!;
          if ("value" in s) {
            out.collect(s.value, s.timestamp);
            n++;
          } else if ("watermark" in s) out.emitWatermark(s.watermark);
          else out.markIdle();
        }
        if (i < steps.length) return "more";
        if (!counted) {
          counted = true;
          this.doneCount++;
        }
        return released ? "end" : "nothing-yet";
      },
      available: () => (released ? Promise.resolve() : hold!.then(() => undefined)),
    };
  }
}
