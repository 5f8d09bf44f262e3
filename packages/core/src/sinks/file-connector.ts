/**
 * The file sink as a connector descriptor ("file"), for the CLI, a SQL `WITH ('connector' =
 * 'file', 'path' = ...)` clause or a dashboard. Sink only: files are read by the `filesystem`
 * connector (connector/filesystem-connector.ts, Flink's), which skips the `.inprogress` files.
 */
import { defineConnector } from "../connector/descriptor.js";
import { fileSink } from "./file-sink.js";

/** The "file" connector: exactly-once part files in a directory (`fileSink`). */
export const fileConnector = defineConnector({
  name: "file",
  package: "@fleuve/core",
  description: "Part files in a directory, committed when checkpoints complete (always exactly-once).",
  sink: {
    description:
      "Writes one line per value into part-<subtask>-<n> files, renamed into place at each checkpoint.",
    options: {
      path: { type: "string", required: true, doc: "The output directory (created if missing)." },
      format: {
        type: "enum",
        values: ["json", "string"],
        default: "json",
        doc: "How values become lines: JSON, or their text (String(value)).",
      },
    },
    create: (o) => fileSink<unknown>({ dir: o.path, format: o.format === "json" ? "jsonl" : "text" }),
  },
});
