/**
 * One Nexmark query as a Fleuve job module (runJob / worker threads import it). Arguments:
 * `<query> <events> <seed> <outDir>`; results go to `<outDir>/<query>.part-<subtask>`.
 *
 *   await (await runJob(new URL("./job.ts", import.meta.url).href, { parallelism: 2,
 *     args: ["q5", "1000000", "42", "/tmp/out"] })).result
 */
import { defineJob, FleuveError } from "@fleuve/core";
import { nexmarkStream } from "../fleuve-source.js";
import { FLEUVE_QUERIES, isFleuveQuery } from "./index.js";
import { LineFileSink } from "./line-file-sink.js";

export default defineJob({
  name: "nexmark",
  build(env, args) {
    const [query = "", events = "", seed = "42", outDir = ""] = args;
    if (!isFleuveQuery(query)) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `nexmark job: unknown query '${query}', use one of ${Object.keys(FLEUVE_QUERIES).join(", ")}`,
        { details: { option: "query", value: query } },
      );
    }
    if (outDir === "") {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        "nexmark job: give the output directory (4th argument)",
        {
          details: { option: "outDir" },
        },
      );
    }
    const stream = nexmarkStream(env, { events: Number(events), seed: Number(seed) });
    FLEUVE_QUERIES[query](stream).sinkTo(new LineFileSink(outDir, query), "ResultFile");
  },
});
