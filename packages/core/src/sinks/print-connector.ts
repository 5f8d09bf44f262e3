/**
 * Flink's `print` and `blackhole` connectors as descriptors. `print` writes each change as Flink's
 * print sink does, `+I[1, Alice]` (prefixed `identifier:subtask> ` as Flink's PrintSinkOutputWriter:
 * the subtask, counted from 1, only when parallel); `blackhole` takes everything and drops it
 * (for measuring a query without the cost of a sink). Both take updates.
 */
import { type Change, type ChangeKind, defineConnector } from "../connector/descriptor.js";
import type { Sink } from "../connector/sink.js";

const KINDS: ReadonlySet<unknown> = new Set<ChangeKind>(["+I", "-U", "+U", "-D"]);

/** Whether `v` is a {@link Change} (a value with a change kind). */
function isChange(v: unknown): v is Change {
  return v !== null && typeof v === "object" && KINDS.has((v as { kind?: unknown }).kind) && "value" in v;
}

/**
 * The line `print` writes for `v`: a change as `kind[f1, f2]` (its row's values in order, as
 * text: a row the SQL layer sends has them formatted as Flink prints them), other values as
 * text (strings) or JSON.
 */
export function printLine(v: unknown): string {
  if (isChange(v)) {
    const row = v.value;
    if (v.fields !== undefined) return `${v.kind}[${v.fields.join(", ")}]`;
    const fields = Array.isArray(row)
      ? row
      : row !== null && typeof row === "object"
        ? Object.values(row as object)
        : [row];
    return `${v.kind}[${fields.map((f) => (typeof f === "string" ? f : (JSON.stringify(f) ?? "null"))).join(", ")}]`;
  }
  return typeof v === "string" ? v : (JSON.stringify(v) ?? "undefined");
}

/** The "print" connector: every change to stdout (or stderr), one line each. */
export const printConnector = defineConnector({
  name: "print",
  package: "@fleuve/core",
  description: "Prints every row (Flink's print connector): +I[...], -U[...], +U[...], -D[...].",
  sink: {
    description: "Writes each change to stdout as Flink does, e.g. `+I[Alice, 12]`.",
    changelog: "all",
    options: {
      "print-identifier": { type: "string", doc: "A prefix of every line, before the subtask." },
      "standard-error": { type: "boolean", default: false, doc: "Print to stderr instead of stdout." },
    },
    create: (o): Sink<unknown> => ({
      createWriter: (ctx) => {
        const id = o["print-identifier"];
        const sub = ctx.parallelism > 1 ? `${ctx.subtaskIndex + 1}` : undefined;
        const prefix =
          id !== undefined && sub !== undefined
            ? `${id}:${sub}> `
            : id !== undefined
              ? `${id}> `
              : sub !== undefined
                ? `${sub}> `
                : "";
        const stream = o["standard-error"] ? process.stderr : process.stdout;
        return { write: (v) => void stream.write(`${prefix}${printLine(v)}\n`) };
      },
    }),
  },
});

/** The "blackhole" connector: takes every row and drops it. */
export const blackholeConnector = defineConnector({
  name: "blackhole",
  package: "@fleuve/core",
  description: "Drops every row (Flink's blackhole connector), to measure a query without a sink's cost.",
  sink: {
    description: "Takes every change and drops it.",
    changelog: "all",
    options: {},
    create: (): Sink<unknown> => ({ createWriter: () => ({ write: () => {} }) }),
  },
});
