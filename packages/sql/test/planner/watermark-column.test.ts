// CREATE TABLE refuses a WATERMARK on a column the table lacks or on a column that is no
// timestamp, with Flink 1.20's messages (probed on bench/flink) at the WATERMARK clause; before,
// the table was created and the first query reading it failed, pointing at the query.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

const create = (columns: string) =>
  sql(StreamExecutionEnvironment.create()).executeSql(
    `CREATE TABLE w (${columns}) WITH ('connector' = 'datagen', 'number-of-rows' = '1')`,
  );

test("a WATERMARK on a missing column is refused at CREATE TABLE, naming the columns", async () => {
  await assert.rejects(
    create("id INT, s STRING, WATERMARK FOR nope AS nope"),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, "FLEUVE_SQL_VALIDATION");
      assert.match(
        err.message,
        /^The rowtime attribute field 'nope' is not defined in the table schema\. Available fields: \['id', 's'\] \(line 1, column 49\)/,
      );
      return true;
    },
  );
});

test("a WATERMARK on a column that is no timestamp is refused at CREATE TABLE", async () => {
  for (const [type, shown] of [
    ["STRING", "STRING"],
    ["BIGINT", "BIGINT"],
    ["DATE", "DATE"],
  ])
    await assert.rejects(create(`id INT, s ${type}, WATERMARK FOR s AS s`), (err: Error) => {
      assert.match(
        err.message,
        new RegExp(
          `^Invalid data type of time field for watermark definition\\. The field must be of type TIMESTAMP\\(p\\) or TIMESTAMP_LTZ\\(p\\), the supported precision 'p' is from 0 to 3, but the time field type is ${shown} \\(line 1, column \\d+\\)`,
        ),
      );
      return true;
    });
});

test("watermarks on timestamp columns, metadata and computed columns are still created and read", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create());
  await tEnv.executeSql(
    `CREATE TABLE w (n BIGINT, ts TIMESTAMP(3), t2 AS ts + INTERVAL '1' SECOND, WATERMARK FOR t2 AS t2)
     WITH ('connector' = 'datagen', 'number-of-rows' = '2', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '2')`,
  );
  await tEnv.executeSql(
    "CREATE TABLE l (n BIGINT, ts TIMESTAMP_LTZ(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen', 'number-of-rows' = '1')",
  );
  const rows = await (await tEnv.executeSql("SELECT n FROM w")).collect();
  assert.deepEqual(rows, [{ n: 1 }, { n: 2 }]);
});
