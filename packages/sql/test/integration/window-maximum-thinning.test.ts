// Nexmark q7's shape, `S JOIN (SELECT MAX(c) ... FROM TABLE(TUMBLE|HOP(TABLE S ...)) GROUP BY
// window_start, window_end) ON S.c = max AND <S's time bounded by window_end>`: the window
// aggregate passes on to the join only the rows of S that may equal a maximum (join.ts
// thinnedByMaximum). On random out-of-order input with an explicit watermark after each row (so
// which rows the aggregate drops as late is known), rows on window boundaries, ties at the
// maximum and late rows over several windows, the query's rows equal a brute-force evaluation
// of the SQL, and so do those of the plan without the rewrite (a state TTL turns it off). Other
// shapes keep their plan.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import fc from "fast-check";
import {
  BASE,
  bruteForce,
  type Input,
  inputs,
  NOTE,
  q7,
  run,
  type Windows,
} from "../fixtures/window-maximum.js";

for (const w of [
  { size: 20, slide: 20 },
  { size: 20, slide: 10 },
] as const) {
  const kind = w.slide === w.size ? "TUMBLE" : "HOP";
  test(`q7's shape over ${kind}: the thinned plan's rows are the brute-force rows, as are those of the plan without thinning`, async () => {
    await fc.assert(
      fc.asyncProperty(inputs, fc.boolean(), async (rows, flipped) => {
        const query = q7(w, flipped);
        const want = bruteForce(rows, w);
        const thinned = await run(rows, query, false);
        assert.ok(thinned.plan.includes(`${flipped ? "right" : "left"} rows ${NOTE}`), thinned.plan);
        assert.deepEqual(thinned.rows, want);
        const plain = await run(rows, query, true);
        assert.ok(!plain.plan.includes(NOTE));
        assert.deepEqual(plain.rows, want);
      }),
      { numRuns: 25 },
    );
  });
}

// Cases random input seldom builds, each of which a wrong thinning gets wrong.
test("q7's shape: a row equal to the maximum of a window that fired, or of one that has no row yet", async () => {
  const B = BASE;
  const cases: [string, Windows, Input[], string[]][] = [
    [
      // HOP 20/10: [B-10, B+10) fires with maximum 2; then 4 goes into the slice [B, B+10) it
      // shares with [B, B+20), which must not count for the window that fired: the later 2 equals its maximum.
      "a fired window's slice shared with a later window",
      { size: 20, slide: 10 },
      [
        { id: 0, price: 2, ts: B + 5, wm: B + 9 },
        { id: 1, price: 4, ts: B + 5, wm: B + 9 },
        { id: 2, price: 2, ts: B + 5, wm: B + 9 },
      ],
      [`0@${B + 10}`, `1@${B + 20}`, `2@${B + 10}`],
    ],
    [
      // TUMBLE 20: a row exactly at B + 20 may equal the maximum of [B, B + 20), which has no row
      // yet (its own window's maximum, 4, is above it).
      "a window without a row yet",
      { size: 20, slide: 20 },
      [
        { id: 0, price: 4, ts: B + 20, wm: B - 100 },
        { id: 1, price: 2, ts: B + 20, wm: B - 100 },
        { id: 2, price: 2, ts: B + 5, wm: B - 100 },
      ],
      [`0@${B + 40}`, `1@${B + 20}`, `2@${B + 20}`],
    ],
  ];
  for (const [what, w, rows, want] of cases) {
    assert.deepEqual(bruteForce(rows, w), [...want].sort(), what);
    const thinned = await run(rows, q7(w, false), false);
    assert.ok(thinned.plan.includes(NOTE));
    assert.deepEqual(thinned.rows, [...want].sort(), what);
  }
});

test("the rows are thinned only in q7's shape", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const tEnv = sql(env);
  const stream = env
    .fromCollection<Input>([])
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forMonotonousTimestamps<Input>().withTimestampAssigner((r) => r.ts),
    );
  const schema = "id INT, price INT, ts TIMESTAMP_LTZ(3), WATERMARK FOR ts AS SOURCE_WATERMARK()";
  tEnv.createTemporaryView("B", stream, schema);
  tEnv.createTemporaryView("C", stream, schema);
  tEnv.createTemporaryView(
    "D",
    stream,
    "id INT, price DOUBLE, ts TIMESTAMP_LTZ(3), WATERMARK FOR ts AS SOURCE_WATERMARK()",
  );
  const explain = async (q: string) =>
    String((await (await tEnv.executeSql(`EXPLAIN ${q}`)).collect())[0]?.result);
  const shape = (o: {
    agg?: string;
    table?: string;
    where?: string;
    groupBy?: string;
    on?: string;
    bounds?: string;
    tvf?: string;
    outer?: string;
    extra?: string;
  }) => `
    SELECT B.id, M.e FROM ${o.outer ?? "B"} B JOIN (SELECT ${o.agg ?? "MAX(price)"} AS m, ${o.extra ?? ""} window_end AS e
      FROM TABLE(${o.tvf ?? `TUMBLE(TABLE ${o.table ?? "B"}, DESCRIPTOR(ts), INTERVAL '0.020' SECOND)`})
      ${o.where ?? ""} GROUP BY ${o.groupBy ?? "window_start, window_end"}) M
    ON ${o.on ?? "B.price = M.m"}
    WHERE ${o.bounds ?? "B.ts BETWEEN M.e - INTERVAL '0.020' SECOND AND M.e"}`;
  assert.ok((await explain(shape({}))).includes(NOTE));
  // A filter on the bids' side only: thinned, then filtered as before.
  assert.ok((await explain(`${shape({})} AND B.id <> 3`)).includes(NOTE));
  for (const [what, q] of [
    ["MIN", shape({ agg: "MIN(price)" })],
    ["MAX of another column", shape({ agg: "MAX(id)" })],
    ["MAX with FILTER", shape({ agg: "MAX(price) FILTER (WHERE id > 1)" })],
    ["MAX DISTINCT", shape({ agg: "MAX(DISTINCT price)" })],
    ["a second aggregate", shape({ extra: "COUNT(*) AS n," })],
    ["a WHERE in the aggregation", shape({ where: "WHERE id > 1" })],
    ["a group key", shape({ groupBy: "window_start, window_end, id" })],
    ["another table", shape({ table: "C" })],
    ["another table on the outer side", shape({ outer: "C" })],
    ["a DOUBLE column", shape({ outer: "D", table: "D" })],
    ["no equality with the maximum", shape({ on: "B.id = M.m" })],
    ["no upper bound", shape({ bounds: "B.ts >= M.e - INTERVAL '0.020' SECOND" })],
    ["no lower bound", shape({ bounds: "B.ts <= M.e" })],
    [
      "a CUMULATE window",
      shape({ tvf: "CUMULATE(TABLE B, DESCRIPTOR(ts), INTERVAL '0.010' SECOND, INTERVAL '0.020' SECOND)" }),
    ],
    ["too many windows to look at", shape({ bounds: "B.ts BETWEEN M.e - INTERVAL '1' SECOND AND M.e" })],
  ] as const) {
    let plan: string;
    try {
      plan = await explain(q);
    } catch (e) {
      throw new Error(`${what}: ${String(e)}`);
    }
    assert.ok(!plan.includes(NOTE), `${what}: ${plan}`);
  }
});
