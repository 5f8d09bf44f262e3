/**
 * One Nexmark query in SQL as a Fleuve job module (bench/nexmark/sql-queries.ts): the script of
 * bench/nexmark/sql/<query>.sql over the generated stream. Arguments: `<query> <events> <seed>
 * <outDir>`; q13 reads `<outDir>/side_input.csv` (sql-queries.ts writeSideInput); changelog lines (`+row`, `-row`) go to `<outDir>/<query>.part-<subtask>`.
 */
import { join } from "node:path";
import { defineJob, FleuveError } from "@fleuve/core";
import { nexmarkStream } from "../fleuve-source.js";
import { changelogLine, planNexmarkSql, sqlQueryNames } from "../sql-queries.js";
import { LineFileSink } from "./line-file-sink.js";

export default defineJob({
  name: "nexmark-sql",
  async build(env, args) {
    const [query = "", events = "", seed = "42", outDir = ""] = args;
    const known = sqlQueryNames();
    if (!known.includes(query)) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `nexmark sql job: unknown query '${query}', use one of ${known.join(", ")}`,
        {
          details: { option: "query", value: query },
        },
      );
    }
    if (outDir === "") {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        "nexmark sql job: give the output directory (4th argument)",
        {
          details: { option: "outDir" },
        },
      );
    }
    // Written by the runner before the job (every worker thread builds the job).
    const sideInput = join(outDir, "side_input.csv");
    const stream = nexmarkStream(env, { events: Number(events), seed: Number(seed) });
    const table = await planNexmarkSql(env, stream, query, sideInput);
    const line = changelogLine(table.columns);
    table
      .toDataStream()
      .map(line)
      .name("CanonicalChangelog")
      .sinkTo(new LineFileSink(outDir, query), "ResultFile");
  },
});
