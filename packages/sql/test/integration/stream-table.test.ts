// createTemporaryView: a DataStream as a table (Flink's fromDataStream + createTemporaryView). Its
// records are the rows as they are; SOURCE_WATERMARK() keeps the stream's event time, which
// window TVFs then use. Compared with the windows computed directly over the input.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isFleuveError, StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";

interface Ev {
  readonly k: number;
  readonly v: number;
  readonly ts: number;
  readonly other: string;
}

const ev = fc.record({
  k: fc.integer({ min: 1, max: 4 }),
  v: fc.integer({ min: -50, max: 50 }),
  ts: fc.integer({ min: 0, max: 60_000 }),
  other: fc.constant("ignored"),
});

const SCHEMA = "k BIGINT, v BIGINT, ts TIMESTAMP_LTZ(3)";
const byText = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();

test("a DataStream table runs window TVFs on the stream's own timestamps and watermarks", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(ev, { minLength: 1, maxLength: 60 }), async (events) => {
      const env = StreamExecutionEnvironment.create({ parallelism: 1 });
      // Out of order input, no event late: the bound covers the whole range.
      const stream = env
        .fromCollection(events)
        .assignTimestampsAndWatermarks(
          WatermarkStrategy.forBoundedOutOfOrderness<Ev>(60_000).withTimestampAssigner((e) => e.ts),
        );
      const tEnv = sql(env);
      tEnv.createTemporaryView("ev", stream, `${SCHEMA}, WATERMARK FOR ts AS SOURCE_WATERMARK()`);
      const got = await (
        await tEnv.executeSql(
          "SELECT k, window_start, SUM(v) AS s, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end",
        )
      ).collect();
      const want = new Map<string, Row>();
      for (const e of events) {
        const start = e.ts - (e.ts % 10_000);
        const key = `${e.k}/${start}`;
        const r = want.get(key) ?? { k: e.k, window_start: start, s: 0, n: 0 };
        r.s = (r.s as number) + e.v;
        r.n = (r.n as number) + 1;
        want.set(key, r);
      }
      assert.deepEqual(byText(got), byText([...want.values()]));
    }),
    { numRuns: 15 },
  );
});

test("a DataStream table: plain rows, several scans of one stream, DESCRIBE, DROP VIEW", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const events: Ev[] = [
    { k: 1, v: 5, ts: 1_000, other: "x" },
    { k: 2, v: 7, ts: 2_000, other: "y" },
  ];
  const tEnv = sql(env);
  // A WATERMARK with a delay assigns new timestamps and watermarks from the column.
  tEnv.createTemporaryView(
    "ev",
    env.fromCollection(events),
    `${SCHEMA}, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND`,
  );
  const got = await (
    await tEnv.executeSql("SELECT a.k, b.v FROM ev AS a JOIN ev AS b ON a.k = b.k WHERE a.v > 4")
  ).collect();
  assert.deepEqual(
    byText(got),
    byText([
      { k: 1, v: 5 },
      { k: 2, v: 7 },
    ]),
  );
  const described = await (await tEnv.executeSql("DESCRIBE ev")).collect();
  assert.deepEqual(
    described.map((r) => r.name),
    ["k", "v", "ts"],
  );
  assert.deepEqual(
    (await (await tEnv.executeSql("SHOW TABLES")).collect()).map((r) => r["table name"]),
    ["ev"],
  );
  await tEnv.executeSql("DROP VIEW ev");
  assert.throws(() => tEnv.sqlQuery("SELECT * FROM ev"), /unknown table ev/);
});

test("createTemporaryView refuses a taken name, a computed column and a bad WATERMARK, naming them", () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const tEnv = sql(env);
  const stream = env.fromCollection<Row>([{ k: 1 }]);
  tEnv.createTemporaryView("t", stream, "k BIGINT");
  const code = (f: () => void, message: RegExp): string => {
    try {
      f();
    } catch (e) {
      assert.ok(isFleuveError(e), String(e));
      assert.match(e.message, message);
      return e.code;
    }
    assert.fail("no error");
  };
  assert.equal(
    code(() => tEnv.createTemporaryView("t", stream, "k BIGINT"), /named t already exists/),
    "FLEUVE_SQL_VALIDATION",
  );
  assert.equal(
    code(
      () => tEnv.createTemporaryView("u", stream, "k BIGINT, k2 AS k * 2"),
      /computed column k2 of DataStream table u/,
    ),
    "FLEUVE_SQL_UNSUPPORTED",
  );
  assert.equal(
    code(
      () => tEnv.createTemporaryView("w", stream, "k BIGINT, WATERMARK FOR k AS k"),
      /WATERMARK FOR k: the column must be TIMESTAMP/,
    ),
    "FLEUVE_SQL_VALIDATION",
  );
  assert.equal(
    code(() => tEnv.createTemporaryView("x", stream, "k BIGINT,"), /./),
    "FLEUVE_SQL_SYNTAX",
  );
});
