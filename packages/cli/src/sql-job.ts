/**
 * The job `fleuve sql -f FILE` runs: a defineJob module (so that it runs like any `fleuve run`
 * job: on worker threads, checkpointed, from a savepoint) whose build runs the statements of the
 * SQL file given as its argument. Its name comes from `FLEUVE_SQL_JOB_NAME`, set by the command
 * before loading it (worker threads inherit it).
 */
import { defineJob } from "@fleuve/core";
import { buildScript } from "./sql-script.js";

export default defineJob({
  name: process.env.FLEUVE_SQL_JOB_NAME ?? "sql",
  async build(env, args) {
    const file = args[0];
    if (file === undefined) throw new Error("the SQL job needs the path of its .sql file");
    return buildScript(env, file);
  },
});
