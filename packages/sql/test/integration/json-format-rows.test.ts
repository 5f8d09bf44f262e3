// ROW values in the json format as Flink 1.20's writes them: a JSON object of the row's fields by
// name (Jackson's ObjectNode from RowDataToJsonConverters), at any depth (a ROW in a ROW, in an
// ARRAY, as a MAP value); a NULL field is null. Read back, they are the same rows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesOf } from "../fixtures/log-table.js";
import { emptyTopic, logTableEnv, onLog, selectAfter } from "../fixtures/log-table-env.js";

const COLUMNS =
  "id INT, r ROW<x INT, s STRING, inner_row ROW<z DOUBLE>>, a ARRAY<ROW<k STRING>>, m MAP<STRING, ROW<n INT>>";

test("a ROW is written as an object of its fields by name, in an ARRAY and a MAP too, and read back", async () => {
  const dir = emptyTopic("nested");
  const tEnv = logTableEnv();
  await tEnv.executeScript(onLog(dir, "nested", COLUMNS, "'format' = 'json'"));
  await (
    await tEnv.executeSql(
      `INSERT INTO nested VALUES
        (1, ROW(5, 'a', ROW(1.5)), ARRAY[ROW('p'), ROW('q')], MAP['one', ROW(1)]),
        (2, ROW(CAST(NULL AS INT), 'b', ROW(CAST(NULL AS DOUBLE))), ARRAY[ROW(CAST(NULL AS STRING))], MAP['two', ROW(CAST(NULL AS INT))])`,
    )
  ).await();
  assert.deepEqual(bytesOf(dir, "nested").map(String), [
    '{"id":1,"r":{"x":5,"s":"a","inner_row":{"z":1.5}},"a":[{"k":"p"},{"k":"q"}],"m":{"one":{"n":1}}}',
    '{"id":2,"r":{"x":null,"s":"b","inner_row":{"z":null}},"a":[{"k":null}],"m":{"two":{"n":null}}}',
  ]);
  const rows = await selectAfter(
    onLog(dir, "nested", COLUMNS, "'format' = 'json'"),
    "SELECT id, r.x, r.s, r.inner_row.z, a[1].k AS k1, a[2].k AS k2, m['one'].n AS n FROM nested",
  );
  assert.deepEqual(rows, [
    { id: 1, x: 5, s: "a", z: 1.5, k1: "p", k2: "q", n: 1 },
    { id: 2, x: null, s: "b", z: null, k1: null, k2: null, n: null },
  ]);
});
