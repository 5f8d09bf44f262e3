// What the Nexmark queries (bench/nexmark/sql) needed of Fleuve SQL, each as Flink does it:
// exact DECIMAL literals (0.908 * price keeps three decimals), AVG of integers as an integer,
// legacy group windows (GROUP BY SESSION(...) = the SESSION window TVF), the kind of an updating
// join side whose columns are renamed, select items of one name (dateTime, dateTime0), and
// DATE_FORMAT, REGEXP_EXTRACT, SPLIT_INDEX.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { flinkText, materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";

const byText = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();

test("0.908 * a BIGINT is DECIMAL with three decimals, AVG of a BIGINT truncates", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  const t = tEnv.sqlQuery(
    "SELECT 0.908 * x AS p, 1.5 + x AS q FROM (VALUES (CAST(12345 AS BIGINT))) AS v (x)",
  );
  const [p, q] = t.columns;
  // NOT NULL: x, a CAST of a literal, is. 0.908 is DECIMAL(4, 3) in Flink 1.20 (its leading zero
  // counts: `0.5` is DECIMAL(2, 1) on bench/flink), times BIGINT's DECIMAL(19, 0) is DECIMAL(23, 3),
  // the type of Nexmark q1's price column.
  assert.deepEqual(p?.type, { kind: "atomic", name: "DECIMAL", args: [23, 3], notNull: true });
  assert.equal(q?.type?.kind === "atomic" && q.type.args[1], 1);
  const rows = await (
    await tEnv.executeSql("SELECT 0.908 * x AS p FROM (VALUES (12345)) AS v (x)")
  ).collect();
  assert.equal(flinkText(rows[0]?.p, p?.type), "11209.260");
  const avg = await (
    await tEnv.executeSql(
      "SELECT AVG(x) AS a FROM (VALUES (CAST(-7 AS BIGINT)), (CAST(2 AS BIGINT))) AS v (x)",
    )
  ).collect();
  // (-7 + 2) / 2 = -2.5: Java's long division truncates toward zero.
  assert.deepEqual(materialize(avg), [{ a: -2 }]);
});

interface Ev {
  readonly k: number;
  readonly ts: number;
}

test("GROUP BY k, SESSION|TUMBLE|HOP(ts, ...) with its _START/_END equal the window TVF aggregation", async () => {
  const ev = fc.record({ k: fc.integer({ min: 1, max: 3 }), ts: fc.integer({ min: 0, max: 80_000 }) });
  const pairs = [
    [
      "SELECT k, COUNT(*) AS n, SESSION_START(ts, INTERVAL '10' SECOND) AS s, SESSION_END(ts, INTERVAL '10' SECOND) AS e FROM ev GROUP BY k, SESSION(ts, INTERVAL '10' SECOND)",
      "SELECT k, COUNT(*) AS n, window_start AS s, window_end AS e FROM TABLE(SESSION(TABLE ev PARTITION BY k, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end",
    ],
    [
      "SELECT k, COUNT(*) AS n, TUMBLE_START(ts, INTERVAL '10' SECOND) AS s FROM ev GROUP BY TUMBLE(ts, INTERVAL '10' SECOND), k",
      "SELECT k, COUNT(*) AS n, window_start AS s FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end",
    ],
    [
      "SELECT k, COUNT(*) AS n, HOP_END(ts, INTERVAL '5' SECOND, INTERVAL '10' SECOND) AS e FROM ev GROUP BY k, HOP(ts, INTERVAL '5' SECOND, INTERVAL '10' SECOND)",
      "SELECT k, COUNT(*) AS n, window_end AS e FROM TABLE(HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end",
    ],
  ];
  await fc.assert(
    fc.asyncProperty(fc.array(ev, { minLength: 1, maxLength: 50 }), async (events) => {
      for (const [legacy, tvf] of pairs) {
        const run = async (text: string) => {
          const env = StreamExecutionEnvironment.create({ parallelism: 1 });
          const tEnv = sql(env);
          const stream = env
            .fromCollection(events)
            .assignTimestampsAndWatermarks(
              WatermarkStrategy.forBoundedOutOfOrderness<Ev>(80_000).withTimestampAssigner((e) => e.ts),
            );
          tEnv.createTemporaryView(
            "ev",
            stream,
            "k INT, ts TIMESTAMP_LTZ(3), WATERMARK FOR ts AS SOURCE_WATERMARK()",
          );
          return (await tEnv.executeSql(text)).collect();
        };
        const got = await run(legacy as string);
        assert.ok(got.length > 0);
        assert.deepEqual(byText(got), byText(await run(tvf as string)), legacy);
      }
    }),
    { numRuns: 8 },
  );
});

test("a join whose updating right side has clashing column names follows its updates (q5's shape)", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  // The right side (a GROUP BY: -U/+U) is renamed k0, n0: its retractions must stay retractions.
  const rows = await (
    await tEnv.executeSql(`
    SELECT L.k, L.n FROM (VALUES (1, 5), (1, 9), (2, 4), (1, 7)) AS L (k, n)
      JOIN (SELECT k, MAX(n) AS n FROM (VALUES (1, 5), (1, 9), (2, 4), (1, 7)) AS R (k, n) GROUP BY k) AS M
      ON L.k = M.k AND L.n >= M.n`)
  ).collect();
  assert.deepEqual(
    byText(materialize(rows)),
    byText([
      { k: 1, n: 9 },
      { k: 2, n: 4 },
    ]),
  );
});

test("select items of one name are named as Flink names them (dateTime, dateTime0)", () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  const t = tEnv.sqlQuery(
    "SELECT A.x, B.x, A.y FROM (VALUES (1, 2)) AS A (x, y) JOIN (VALUES (1, 3)) AS B (x, z) ON A.x = B.x",
  );
  assert.deepEqual(
    t.columns.map((c) => c.name),
    ["x", "x0", "y"],
  );
});

test("DATE_FORMAT, HOUR, REGEXP_EXTRACT and SPLIT_INDEX as Flink computes them", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1 }));
  const rows = await (
    await tEnv.executeSql(`SELECT
      DATE_FORMAT(TIMESTAMP '2024-01-05 07:08:09.010', 'yyyy-MM-dd') AS d,
      DATE_FORMAT(TIMESTAMP '2024-01-05 07:08:09.010', 'HH:mm:ss.SSS') AS t,
      HOUR(TIMESTAMP '2024-01-05 07:08:09.010') AS h,
      REGEXP_EXTRACT('a=1&channel_id=42&b', '(&|^)channel_id=([^&]*)', 2) AS c,
      REGEXP_EXTRACT('a=1', '(&|^)channel_id=([^&]*)', 2) AS none,
      SPLIT_INDEX('https://www.nexmark.com/a/b/item.htm', '/', 3) AS dir1,
      SPLIT_INDEX('a/b', '/', 5) AS out FROM (VALUES (1)) AS v (one)`)
  ).collect();
  assert.deepEqual(rows, [
    { d: "2024-01-05", t: "07:08:09.010", h: 7, c: "42", none: null, dir1: "a", out: null },
  ]);
});
