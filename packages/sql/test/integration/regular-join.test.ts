// Regular joins end to end: Flink's joins.md query (Orders INNER JOIN Product ON product_id),
// outer joins giving a changelog whose final table is the SQL join of the whole input, a join of
// an updating input (a GROUP BY), SET 'table.exec.state.ttl', and on random input, every join
// type (with and without an extra non-equi condition) compared with a brute-force join.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { isInsertOnly, materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { bruteForceJoin } from "../fixtures/brute-force-join.js";
import { logWithRows } from "../fixtures/log-table.js";

const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function twoTables(
  left: Record<string, unknown>[],
  right: Record<string, unknown>[],
  parallelism = 1,
  leftDdl = "k INT, id INT, v INT",
  rightDdl = "k INT, id INT, v INT",
) {
  const l = logWithRows("l", left);
  const r = logWithRows("r", right);
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
  await tEnv.executeScript(`
    CREATE TABLE L (${leftDdl}) WITH ('connector' = 'log', 'log' = '${l}', 'topic' = 'l', 'bounded' = 'true');
    CREATE TABLE R (${rightDdl}) WITH ('connector' = 'log', 'log' = '${r}', 'topic' = 'r', 'bounded' = 'true');`);
  return tEnv;
}

test("joins.md: SELECT * FROM Orders INNER JOIN Product ON Orders.product_id = Product.id is insert-only", async () => {
  const tEnv = await twoTables(
    [
      { order_id: 1, product_id: 10, amount: 3 },
      { order_id: 2, product_id: 11, amount: 1 },
      { order_id: 3, product_id: 10, amount: 2 },
    ],
    [
      { id: 10, name: "apple" },
      { id: 12, name: "pear" },
    ],
    1,
    "order_id INT, product_id INT, amount INT",
    "id INT, name STRING",
  );
  await tEnv.executeScript("CREATE VIEW Orders AS SELECT * FROM L; CREATE VIEW Product AS SELECT * FROM R;");
  const result = await tEnv.executeSql(
    "SELECT * FROM Orders INNER JOIN Product ON Orders.product_id = Product.id",
  );
  assert.deepEqual(result.columns, ["order_id", "product_id", "amount", "id", "name"]);
  assert.ok(result.changelogMode !== undefined && isInsertOnly(result.changelogMode));
  assert.deepEqual(sortRows(await result.collect()), [
    { order_id: 1, product_id: 10, amount: 3, id: 10, name: "apple" },
    { order_id: 3, product_id: 10, amount: 2, id: 10, name: "apple" },
  ]);
});

test("an outer join's changelog (+I/-D) ends as the outer join of the whole input; its mode names the join", async () => {
  const tEnv = await twoTables(
    [
      { k: 1, id: 1, v: 0 },
      { k: 2, id: 2, v: 0 },
      { k: null, id: 3, v: 0 },
    ],
    [
      { k: 1, id: 10, v: 0 },
      { k: 1, id: 11, v: 0 },
      { k: 3, id: 12, v: 0 },
      { k: null, id: 13, v: 0 },
    ],
  );
  const result = await tEnv.executeSql("SELECT L.id AS l, R.id AS r FROM L FULL OUTER JOIN R ON L.k = R.k");
  assert.deepEqual(result.changelogMode?.kinds, ["+I", "-D"]);
  assert.equal(result.changelogMode?.producer, "Join(joinType=[FullOuterJoin], where=[L.k = R.k])");
  // NULL keys never match: rows 3 and 13 stay padded.
  assert.deepEqual(sortRows(materialize(await result.collect())), [
    { l: 1, r: 10 },
    { l: 1, r: 11 },
    { l: 2, r: null },
    { l: 3, r: null },
    { l: null, r: 12 },
    { l: null, r: 13 },
  ]);
});

test("a join of an updating input (a GROUP BY) follows its updates", async () => {
  const tEnv = await twoTables(
    [
      { k: 1, id: 1, v: 5 },
      { k: 1, id: 2, v: 7 },
      { k: 2, id: 3, v: 1 },
    ],
    [
      { k: 1, id: 10, v: 0 },
      { k: 2, id: 11, v: 0 },
      { k: 2, id: 12, v: 0 },
    ],
  );
  const result = await tEnv.executeSql(`
    SELECT s.k, s.total, R.id FROM (SELECT k, SUM(v) AS total FROM L GROUP BY k) s LEFT JOIN R ON s.k = R.k`);
  assert.deepEqual(sortRows(materialize(await result.collect())), [
    { k: 1, total: 12, id: 10 },
    { k: 2, total: 1, id: 11 },
    { k: 2, total: 1, id: 12 },
  ]);
});

test("SET 'table.exec.state.ttl' takes Flink's durations and refuses anything else, naming the option", async () => {
  const tEnv = await twoTables([{ k: 1, id: 1, v: 0 }], [{ k: 1, id: 2, v: 0 }]);
  await tEnv.executeSql("SET 'table.exec.state.ttl' = '1 h'");
  // An hour is far longer than this job: the rows join.
  const rows = await (
    await tEnv.executeSql("SELECT L.id AS l, R.id AS r FROM L JOIN R ON L.k = R.k")
  ).collect();
  assert.deepEqual(rows, [{ l: 1, r: 2 }]);
  await tEnv.executeSql("SET 'table.exec.state.ttl' = 'an hour'");
  await assert.rejects(tEnv.executeSql("SELECT L.id FROM L JOIN R ON L.k = R.k"), (e: unknown) => {
    assert.ok(isFleuveError(e, "FLEUVE_SQL_VALIDATION"), String(e));
    assert.match(e.message, /SET 'table\.exec\.state\.ttl' = 'an hour': not a duration/);
    return true;
  });
});

type Ev = { k: number | null; id: number; v: number };

test("random regular joins (inner, left, right, full; with and without a non-equi condition; of a table or of an updating GROUP BY) end as a brute-force join of the whole input", async () => {
  const ev = fc.record({
    k: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 8 }),
    v: fc.integer({ min: 0, max: 5 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(ev, { maxLength: 30 }),
      fc.array(ev, { maxLength: 30 }),
      fc.constantFrom("INNER", "LEFT", "RIGHT", "FULL"),
      fc.boolean(),
      fc.constantFrom(1, 2),
      fc.boolean(),
      async (rawL, rawR, type, residual, parallelism, updating) => {
        const rowsL: Ev[] = rawL.map((e, i) => ({ ...e, id: i }));
        // Updating: the left side is a GROUP BY k of L (one row per k, updated as L's rows come).
        const groups = new Map<number | null, Ev>();
        for (const e of rowsL) {
          const g = groups.get(e.k);
          groups.set(e.k, g === undefined ? { ...e } : { k: e.k, id: Math.max(g.id, e.id), v: g.v + e.v });
        }
        const left = updating ? [...groups.values()] : rowsL;
        const right: Ev[] = rawR.map((e, i) => ({ ...e, id: 100 + i }));
        const tEnv = await twoTables(rowsL, right, parallelism);
        const from = updating ? "(SELECT k, MAX(id) AS id, SUM(v) AS v FROM L GROUP BY k)" : "L";
        const rows = await (
          await tEnv.executeSql(`
          SELECT a.id AS lid, b.id AS rid FROM ${from} a ${type} JOIN R b ON a.k = b.k${residual ? " AND a.v <= b.v" : ""}`)
        ).collect();
        const expected = bruteForceJoin(
          left,
          right,
          type,
          (a, b) => a.k !== null && a.k === b.k && (!residual || a.v <= b.v),
          (a, b) => ({ lid: a?.id ?? null, rid: b?.id ?? null }),
        );
        assert.deepEqual(sortRows(materialize(rows)), sortRows(expected));
      },
    ),
    { numRuns: 30 },
  );
});

// q7's shape: rows joined with their table's window maxima, the BETWEEN bound in WHERE. The join
// takes the bound from WHERE, buffers left rows in arrival order and drops those no later maximum
// can match (join.ts expiryBounds, runtime/bound-join.ts); with a state TTL it is the regular
// join keeping every row (no expiry). Both give the same rows, on
// random out-of-order input. No row is late for the window aggregate (each is less than the
// watermark delay behind the latest): which late rows it drops would depend on when periodic
// watermarks come, so the two runs could differ; late rows are tested on the operator
// (test/runtime/streaming-join.test.ts).
test("a regular join that drops rows no later window maximum can match gives the rows of one that keeps them all", async () => {
  const query = `
    SELECT B.id, B.price, B1.e FROM B JOIN (
      SELECT MAX(price) AS m, window_end AS e
      FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(ts), INTERVAL '0.020' SECOND))
      GROUP BY window_start, window_end) B1
    ON B.price = B1.m
    WHERE B.ts BETWEEN B1.e - INTERVAL '0.020' SECOND AND B1.e AND B.id <> 3`;
  const run = async (rows: Record<string, unknown>[], parallelism: number, ttl: boolean) => {
    const b = logWithRows("b", rows);
    // Small batches and frequent watermarks, so that rows expire between rows (timing varies,
    // the result does not).
    const env = StreamExecutionEnvironment.create({ parallelism, batchSize: 1, autoWatermarkIntervalMs: 1 });
    const tEnv = sql(env, { connectors: logConnectors });
    await tEnv.executeScript(`
      CREATE TABLE B (id INT, price INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '0.040' SECOND)
        WITH ('connector' = 'log', 'log' = '${b}', 'topic' = 'b', 'bounded' = 'true');`);
    if (ttl) await tEnv.executeSql("SET 'table.exec.state.ttl' = '1 d'");
    const explained = String((await (await tEnv.executeSql(`EXPLAIN ${query}`)).collect())[0]?.result);
    assert.equal(explained.includes("left rows until the right watermark passes ts + 20 ms"), !ttl);
    // Without TTL, the bound join (runtime/bound-join.ts): bids buffered in arrival order.
    // The bids thinned where the window aggregate takes them (join.ts thinnedByMaximum).
    assert.equal(
      explained.includes(
        ", buffered=[left rows until the right watermark passes ts + 20 ms; left rows passed on by the window aggregate, only if late for it or at least the current maximum of a window ending in [ts, ts + 20 ms]])",
      ),
      !ttl,
    );
    assert.equal(explained.includes("state=[right rows per key; left rows in arrival order until"), !ttl);
    return sortRows(await (await tEnv.executeSql(query)).collect());
  };
  await fc.assert(
    fc.asyncProperty(
      // Each time up to 30 ms behind the latest one or 12 ms after it.
      fc.array(
        fc.record({ price: fc.integer({ min: 1, max: 4 }), step: fc.integer({ min: -30, max: 12 }) }),
        {
          maxLength: 60,
        },
      ),
      fc.constantFrom(1, 2),
      async (raw, parallelism) => {
        let latest = 1000;
        const rows = raw.map(({ price, step }, id) => {
          const ts = latest + step;
          latest = Math.max(latest, ts);
          return { id, price, ts };
        });
        assert.deepEqual(await run(rows, parallelism, false), await run(rows, parallelism, true));
      },
    ),
    { numRuns: 15 },
  );
});
