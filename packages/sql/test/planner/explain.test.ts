// EXPLAIN: the logical plan read from the statement and the physical plan the planner builds,
// with each operator's changelog mode. The modes expected are Flink's for the same queries
// (Flink 1.20's EXPLAIN CHANGELOG_MODE prints a GroupAggregate over an insert-only scan as
// changelogMode=[I,UA] at a query's root and [I,UB,UA] under a print sink or a join, which need
// the -U rows (see group-changelog-mode.test.ts), an outer join as one that deletes, a window
// aggregation as insert-only).
import assert from "node:assert/strict";
import { test } from "node:test";
import { isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";

const DDL = `
  CREATE TABLE orders (id INT, product STRING, amount DOUBLE, ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'datagen', 'number-of-rows' = '4');
  CREATE TABLE shipments (oid INT, ship TIMESTAMP(3), WATERMARK FOR ship AS ship)
    WITH ('connector' = 'datagen', 'number-of-rows' = '4');
  CREATE TABLE totals (product STRING, n BIGINT) WITH ('connector' = 'print')`;

async function explain(text: string, parallelism = 2): Promise<string> {
  const env = StreamExecutionEnvironment.create({ parallelism });
  const tEnv = sql(env);
  await tEnv.executeScript(DDL);
  const result = await tEnv.executeSql(text);
  assert.equal(result.kind, "SUCCESS_WITH_CONTENT");
  assert.deepEqual(result.columns, ["result"]);
  const rows = await result.collect();
  assert.equal(rows.length, 1);
  // EXPLAIN plans onto a scratch environment: nothing was added to the job of `env`.
  assert.throws(() => env.getStreamGraph(), /the job has no operators/);
  return rows[0]?.result as string;
}

test("EXPLAIN of a group aggregation prints both plans and the changelog of every operator", async () => {
  const text = await explain(
    "EXPLAIN SELECT product, COUNT(*) AS n FROM orders WHERE amount > 1 GROUP BY product",
  );
  assert.equal(
    text,
    `== Abstract Syntax Tree ==
LogicalProject(product, n=[COUNT(*)])
+- LogicalAggregate(group=[{product}], COUNT(*))
   +- LogicalFilter(condition=[amount > 1])
      +- LogicalTableScan(table=[orders])

== Optimized Physical Plan ==
GroupAggregate(groupBy=[product], select=[product, COUNT(*) AS n]) [changelogMode=[I,UA], state=[accumulators and row count per key], parallelism=2]
+- Exchange(distribution=[hash[product]], changelogMode=[I])
   +- Calc(where=[amount > 1]) [changelogMode=[I], parallelism=2]
      +- WatermarkAssigner(rowtime=[ts], watermark=[ts - INTERVAL '1' SECOND]) [changelogMode=[I], parallelism=2]
         +- RowDecoder(table=[orders], fields=[id, product, amount, ts]) [changelogMode=[I], parallelism=2]
            +- Source: orders [changelogMode=[I], parallelism=2]

== Changelog ==
the query emits [I,UA]: updates from GroupAggregate(groupBy=[product], select=[product, COUNT(*) AS n])`,
  );
});

test("EXPLAIN PLAN FOR INSERT INTO shows the sink and what it is written", async () => {
  const text = await explain(
    "EXPLAIN PLAN FOR INSERT INTO totals SELECT product, COUNT(*) FROM orders GROUP BY product",
    1,
  );
  assert.equal(
    text,
    `== Abstract Syntax Tree ==
LogicalSink(table=[totals])
+- LogicalProject(product, EXPR$1=[COUNT(*)])
   +- LogicalAggregate(group=[{product}], COUNT(*))
      +- LogicalTableScan(table=[orders])

== Optimized Physical Plan ==
Sink: totals [changelogMode=[I,UB,UA], parallelism=1]
+- Calc(to=[totals], fields=[product, n]) [changelogMode=[I,UB,UA], parallelism=1]
   +- GroupAggregate(groupBy=[product], select=[product, COUNT(*)]) [changelogMode=[I,UB,UA], state=[accumulators and row count per key], parallelism=1]
      +- Exchange(distribution=[hash[product]], changelogMode=[I])
         +- WatermarkAssigner(rowtime=[ts], watermark=[ts - INTERVAL '1' SECOND]) [changelogMode=[I], parallelism=1]
            +- RowDecoder(table=[orders], fields=[id, product, amount, ts]) [changelogMode=[I], parallelism=1]
               +- Source: orders [changelogMode=[I], parallelism=1]

== Changelog ==
the query writes [I,UB,UA]: updates from GroupAggregate(groupBy=[product], select=[product, COUNT(*)])`,
  );
});

/** The physical plan's lines, without the tree's prefixes. */
function physicalLines(text: string): string[] {
  const start = text.indexOf("== Optimized Physical Plan ==");
  const end = text.indexOf("== Changelog ==");
  return text
    .slice(start, end)
    .split("\n")
    .slice(1)
    .filter((l) => l.trim() !== "")
    .map((l) => l.replace(/^[\s:+-]*/, ""));
}

test("EXPLAIN of a window aggregation: a keyed window operator, insert-only everywhere", async () => {
  const text = await explain(`EXPLAIN SELECT window_start, SUM(amount) AS total
    FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' MINUTES)) GROUP BY window_start, window_end`);
  assert.match(
    text,
    /LogicalTableFunctionScan\(invocation=\[TUMBLE\(TABLE orders, DESCRIPTOR\(ts\), INTERVAL '10' MINUTE/,
  );
  const lines = physicalLines(text);
  const window = lines.find((l) => l.startsWith("Window(TumblingEventTimeWindows(600000)"));
  assert.ok(window, text);
  assert.match(window, /state=\[an accumulator per key and window until the watermark passes its end\]/);
  for (const l of lines) assert.match(l, /changelogMode=\[I\]/, l);
  assert.match(text, /the query emits \[I\] \(insert-only\)/);
});

test("EXPLAIN of an outer join over an updating input: each side's exchange and mode, the join's deletes", async () => {
  const text = await explain(`EXPLAIN SELECT o.id, x.c FROM orders o
    LEFT JOIN (SELECT oid, COUNT(*) AS c FROM shipments GROUP BY oid) x ON o.id = x.oid`);
  assert.match(text, /LogicalJoin\(condition=\[o\.id = x\.oid\], joinType=\[left\]\)/);
  const lines = physicalLines(text);
  assert.match(
    lines[1] as string,
    /^Join\(joinType=\[LeftOuterJoin\], where=\[o\.id = x\.oid\]\) \[changelogMode=\[I,D\], state=\[rows of both inputs per key\]/,
  );
  // The left side is insert-only, the right one the aggregation's updates.
  assert.deepEqual(
    lines.filter((l) => l.startsWith("Exchange(")),
    [
      "Exchange(distribution=[hash], changelogMode=[I])",
      "Exchange(distribution=[hash], changelogMode=[I,UB,UA])",
      "Exchange(distribution=[hash[oid]], changelogMode=[I])",
    ],
  );
  assert.ok(
    lines.some((l) => l.startsWith("GroupAggregate(groupBy=[oid]") && l.includes("changelogMode=[I,UB,UA]")),
  );
});

test("EXPLAIN shows a join's state TTL from SET 'table.exec.state.ttl'", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const tEnv = sql(env);
  await tEnv.executeScript(`${DDL}; SET 'table.exec.state.ttl' = '1 h'`);
  const rows = await (
    await tEnv.executeSql("EXPLAIN SELECT * FROM orders o JOIN shipments s ON o.id = s.oid")
  ).collect();
  assert.match(rows[0]?.result as string, /state=\[rows of both inputs per key, TTL 3600000 ms\]/);
});

test("EXPLAIN reports what planning the statement would: an unknown column, a statement it cannot explain", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const tEnv = sql(env);
  await tEnv.executeScript(DDL);
  await assert.rejects(
    tEnv.executeSql("EXPLAIN SELECT nope FROM orders"),
    (e: unknown) =>
      isFleuveError(e, "FLEUVE_SQL_VALIDATION") && /Column 'nope' not found in any table/.test(e.message),
  );
  await assert.rejects(
    tEnv.executeSql("EXPLAIN CREATE VIEW v AS SELECT 1"),
    (e: unknown) =>
      isFleuveError(e, "FLEUVE_SQL_UNSUPPORTED") &&
      /EXPLAIN takes a query, an INSERT INTO or a STATEMENT SET BEGIN ... END/.test(e.message),
  );
});

test("EXPLAIN of a query over a DataStream table shows its DataStreamScan and adds nothing to the job", async () => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const tEnv = sql(env);
  tEnv.createTemporaryView(
    "ev",
    env.fromCollection([{ k: 1, v: 2, ts: 5 }]),
    "k BIGINT, v BIGINT, ts TIMESTAMP_LTZ(3), p AS PROCTIME(), WATERMARK FOR ts AS SOURCE_WATERMARK()",
  );
  const nodes = env.getStreamGraph().nodes.length;
  const plan = async (q: string) =>
    String((await (await tEnv.executeSql(`EXPLAIN ${q}`)).collect())[0]?.result);
  const grouped = await plan("SELECT k, SUM(v) FROM ev GROUP BY k");
  assert.equal(
    grouped,
    [
      "== Abstract Syntax Tree ==",
      "LogicalProject(k, EXPR$1=[SUM(v)])",
      "+- LogicalAggregate(group=[{k}], SUM(v))",
      "   +- LogicalTableScan(table=[ev])",
      "",
      "== Optimized Physical Plan ==",
      "GroupAggregate(groupBy=[k], select=[k, SUM(v)]) [changelogMode=[I,UA], state=[accumulators and row count per key], parallelism=1]",
      "+- Exchange(distribution=[hash[k]], changelogMode=[I])",
      "   +- ProcTime(p) [changelogMode=[I], parallelism=1]",
      "      +- DataStreamScan(table=[ev], fields=[k, v, ts, p]) [changelogMode=[I], parallelism=1]",
      "",
      "== Changelog ==",
      "the query emits [I,UA]: updates from GroupAggregate(groupBy=[k], select=[k, SUM(v)])",
    ].join("\n"),
  );
  const windowed = await plan(
    "SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY k, window_start, window_end",
  );
  assert.match(
    windowed,
    /Window\(TumblingEventTimeWindows\(1000\).*\n\+- Exchange.*\n {3}\+- ProcTime\(p\).*\n {6}\+- DataStreamScan\(table=\[ev\]/,
  );
  const proc = await plan(
    "SELECT k, COUNT(*) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(p), INTERVAL '1' SECOND)) GROUP BY k, window_start, window_end",
  );
  assert.match(proc, /Window\(TumblingProcessingTimeWindows\(1000\), ProcessingTimeTrigger\(\)/);
  // The job still has only the stream's own source; the DataStream table's query still runs.
  assert.equal(env.getStreamGraph().nodes.length, nodes);
  assert.deepEqual(await (await tEnv.executeSql("SELECT k, v FROM ev")).collect(), [{ k: 1, v: 2 }]);
});

test("EXPLAIN shows the semi and anti joins of IN and NOT EXISTS, and the left join of a scalar subquery, with their changelogs", async () => {
  const text = await explain(
    "EXPLAIN SELECT id FROM orders WHERE id IN (SELECT oid FROM shipments) AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.oid = orders.id + 1)",
  );
  assert.equal(
    text,
    `== Abstract Syntax Tree ==
LogicalProject(id)
+- LogicalFilter(condition=[id IN (SELECT oid FROM shipments) AND NOT EXISTS (SELECT 1 FROM shipments AS s WHERE s.oid = orders.id + 1)])
   +- LogicalTableScan(table=[orders])

== Optimized Physical Plan ==
Calc(select=[id]) [changelogMode=[I,D], parallelism=2]
+- Join(joinType=[LeftAntiJoin], where=[s.oid = orders.id + 1]) [changelogMode=[I,D], state=[left rows with their number of matches and right rows per key], parallelism=2]
   :- Exchange(distribution=[hash], changelogMode=[I])
   :  +- Join(joinType=[LeftSemiJoin], where=[id = oid]) [changelogMode=[I], state=[left rows with their number of matches and right rows per key], parallelism=2]
   :     :- Exchange(distribution=[hash], changelogMode=[I])
   :     :  +- WatermarkAssigner(rowtime=[ts], watermark=[ts - INTERVAL '1' SECOND]) [changelogMode=[I], parallelism=2]
   :     :     +- RowDecoder(table=[orders], fields=[id, product, amount, ts]) [changelogMode=[I], parallelism=2]
   :     :        +- Source: orders [changelogMode=[I], parallelism=2]
   :     +- Exchange(distribution=[hash], changelogMode=[I])
   :        +- Calc(select=[oid]) [changelogMode=[I], parallelism=2]
   :           +- WatermarkAssigner(rowtime=[ship], watermark=[ship]) [changelogMode=[I], parallelism=2, reuse_id=[1]]
   :              +- RowDecoder(table=[shipments], fields=[oid, ship]) [changelogMode=[I], parallelism=2]
   :                 +- Source: shipments [changelogMode=[I], parallelism=2]
   +- Exchange(distribution=[hash], changelogMode=[I])
      +- Calc(select=[EXPR$0, $sq1_k0]) [changelogMode=[I], parallelism=2]
         +- Reused(reference_id=[1])

== Changelog ==
the query emits [I,D]: updates from Join(joinType=[LeftAntiJoin], where=[s.oid = orders.id + 1])`,
  );
  const scalar = await explain(
    "EXPLAIN SELECT id, (SELECT COUNT(*) FROM shipments s WHERE s.oid = o.id) AS n FROM orders o",
  );
  assert.match(
    scalar,
    /\+- Join\(joinType=\[LeftOuterJoin\], where=\[s\.oid = o\.id\], select=\[\$sq0 = SINGLE_VALUE\(SELECT COUNT\(\*\) FROM shipments AS s WHERE s\.oid = o\.id\)\]\) \[changelogMode=\[I,D\]/,
  );
  // The subquery's aggregation, grouped by the correlation key, is updating.
  assert.match(
    scalar,
    /GroupAggregate\(groupBy=\[s\.oid\], select=\[COUNT\(\*\), s\.oid AS \$sq0_k0\]\) \[changelogMode=\[I,UB,UA\]/,
  );
});
