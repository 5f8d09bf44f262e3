// TIMESTAMPDIFF is an INT: a difference past 2^31 units wraps to 32 bits, as Flink 1.20 casts its
// long difference to int. The rows are what bench/flink (Flink 1.20, print of the same query over
// the same json row) printed on 2026-12-08.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { flinkChangelog } from "../fixtures/one-row.js";

test("TIMESTAMPDIFF past 2^31 units wraps as Flink's INT", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-timestampdiff-"));
  const path = join(dir, "w.json");
  writeFileSync(
    path,
    '{"a":"1900-01-01 00:00:00.000","b":"2024-01-31 00:00:00.000","d1":"0001-01-01","d2":"9999-12-31"}\n',
  );
  const ddl = [
    `CREATE TABLE w (a TIMESTAMP(3), b TIMESTAMP(3), d1 DATE, d2 DATE) WITH ('connector'='filesystem','path'='${path}','format'='json')`,
  ];
  assert.deepEqual(
    await flinkChangelog(
      ddl,
      `SELECT TIMESTAMPDIFF(SECOND, a, b) AS s1, TIMESTAMPDIFF(SECOND, b, a) AS neg,
        TIMESTAMPDIFF(SECOND, d1, d2) AS s, TIMESTAMPDIFF(SECOND, d2, d1) AS sneg,
        TIMESTAMPDIFF(MINUTE, d1, d2) AS mi, TIMESTAMPDIFF(DAY, d1, d2) AS dd FROM w`,
    ),
    ["+I[-379319296, 379319296, 2005198592, -2005198592, 963996224, 3652058]"],
  );
});
