// DATE_FORMAT as Flink 1.20 prints it: a TIMESTAMP with a java.time DateTimeFormatter pattern
// (proleptic Gregorian calendar, Sunday-first weeks, E/D/w/u/a/h/K/k/B/Q/e/S..., optional [...]
// sections, quotes, Java's letter-count errors, zone letters failing on a TIMESTAMP) and a text with
// a SimpleDateFormat pattern after a lenient yyyy-MM-dd HH:mm:ss read (Julian calendar before
// 1582-10-15, u the day number of the week, z UTC, NULL for an unreadable text). The expected
// values are what bench/flink printed (fixtures/date-format-flink.txt): ts and str rows came from
// one cross join of inputs and patterns, error rows from one job per pattern.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

const rows = readFileSync(new URL("../fixtures/date-format-flink.txt", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l !== "" && !l.startsWith("#"))
  .map((l) => l.split("\t"));

const newEnv = () => sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

for (const kind of ["ts", "str"]) {
  const cases = rows.filter((r) => r[0] === kind);
  const inputs = [...new Set(cases.map((r) => r[1] as string))];
  const patterns = [...new Set(cases.map((r) => r[2] as string))];
  test(`DATE_FORMAT(${kind === "ts" ? "TIMESTAMP(3)" : "STRING"}, pattern): ${cases.length} cases equal Flink 1.20's output`, async () => {
    const tEnv = newEnv();
    const input = (s: string) => (kind === "ts" ? `CAST(TIMESTAMP ${quote(s)} AS TIMESTAMP(3))` : quote(s));
    await tEnv.executeSql(
      `CREATE TEMPORARY VIEW ins AS SELECT * FROM (VALUES ${inputs.map((s, i) => `(${i}, ${input(s)})`).join(", ")}) AS t(i, x)`,
    );
    await tEnv.executeSql(
      `CREATE TEMPORARY VIEW pats AS SELECT * FROM (VALUES ${patterns.map((p, i) => `(${i}, ${quote(p)})`).join(", ")}) AS p(j, p)`,
    );
    const out = (await (
      await tEnv.executeSql("SELECT i, j, COALESCE(DATE_FORMAT(x, p), '<NULL>') AS v FROM ins, pats")
    ).collect()) as { i: number; j: number; v: string }[];
    const got = new Map(out.map((o) => [`${inputs[o.i]}\t${patterns[o.j]}`, o.v]));
    const wrong = cases
      .filter((r) => got.get(`${r[1]}\t${r[2]}`) !== r[3])
      .map((r) => `${r[1]} with ${r[2]}: Flink ${r[3]}, Fleuve ${got.get(`${r[1]}\t${r[2]}`)}`);
    assert.deepEqual(wrong.slice(0, 20), []);
  });
}

test("a bad DATE_FORMAT pattern fails with Java's message, naming the pattern and the record", async () => {
  const tEnv = newEnv();
  const errors = rows.filter((r) => r[0]?.startsWith("error-"));
  assert.ok(errors.length > 20);
  for (const [kind, pattern = "", message = ""] of errors) {
    const x =
      kind === "error-ts"
        ? "CAST(TIMESTAMP '2024-01-02 03:04:05.678' AS TIMESTAMP(3))"
        : "'2024-01-02 03:04:05'";
    await assert.rejects(
      async () =>
        (
          await tEnv.executeSql(
            `SELECT DATE_FORMAT(x, ${quote(pattern)}) AS v FROM (VALUES (1, ${x})) AS t(i, x)`,
          )
        ).collect(),
      (e: Error) => {
        assert.ok(
          e.message.includes(`DATE_FORMAT with the pattern '${pattern}': ${message}`),
          `${pattern}: ${e.message}`,
        );
        return true;
      },
    );
  }
});
