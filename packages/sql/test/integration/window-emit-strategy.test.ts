// Early and late firing of window aggregates (`table.exec.emit.early-fire.*`,
// `table.exec.emit.late-fire.*`, `table.exec.emit.allow-lateness`, Flink's WindowEmitStrategy):
// the exact changelog of early and late firings on scripted input, a fast-check property folding
// the changelog of random out-of-order input against a brute force that keeps a row in each of its
// windows whose end - 1 + lateness is above the watermark the row arrives at (the window operator's
// cleanup time), the refusal of an append-only sink, and the errors of bad options.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { ScriptedSource, type ScriptStep } from "@fleuve/core/testing";
import { connectors as logConnectors } from "@fleuve/log";
import { materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows, readRecords } from "../fixtures/log-table.js";
import { outOfOrderScript } from "../fixtures/out-of-order-script.js";

interface Ev {
  k: string;
  v: number;
  ts: number;
}

const sortRows = (rows: readonly Row[]) =>
  rows.map((r) => ({ ...r })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** A SQL environment over view `ev` playing `steps` (ts its event time), with `settings` SET. */
async function envWith(steps: readonly ScriptStep<Ev>[], settings: Record<string, string>) {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  const tEnv = sql(env, { connectors: logConnectors });
  tEnv.createTemporaryView(
    "ev",
    env.fromSource(new ScriptedSource([...steps]), undefined, "ev").setParallelism(1),
    "k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS SOURCE_WATERMARK()",
  );
  for (const [key, value] of Object.entries(settings)) await tEnv.executeSql(`SET '${key}' = '${value}'`);
  return tEnv;
}

const ev = (k: string, v: number, ts: number): ScriptStep<Ev> => ({ value: { k, v, ts }, timestamp: ts });

const EARLY = { "table.exec.emit.early-fire.enabled": "true", "table.exec.emit.early-fire.delay": "0 s" };
const LATE = { "table.exec.emit.late-fire.enabled": "true", "table.exec.emit.late-fire.delay": "0 s" };

test("early firing with delay 0: every row updates its window's row (-U/+U), the firing at the window's end sends nothing unchanged", async () => {
  const tEnv = await envWith(
    [ev("a", 1, 1000), ev("a", 2, 2000), ev("b", 5, 3000), { watermark: 9999 }, ev("a", 3, 10_500)],
    EARLY,
  );
  const result = await tEnv.executeSql(`
    SELECT k, window_start AS ws, COUNT(*) AS n, SUM(v) AS s
    FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND))
    GROUP BY k, window_start, window_end`);
  assert.deepEqual(result.changelogMode?.kinds, ["+I", "-U", "+U"]);
  assert.match(
    result.changelogMode?.producer ?? "",
    /^WindowAggregate\(.*emit=\[early delay=0 ms, allowLateness=0 ms\]/,
  );
  assert.deepEqual(await result.collect(), [
    { k: "a", ws: 0, n: 1, s: 1 },
    { k: "a", ws: 0, n: 1, s: 1, $rowkind: "-U" },
    { k: "a", ws: 0, n: 2, s: 3, $rowkind: "+U" },
    { k: "b", ws: 0, n: 1, s: 5 },
    { k: "a", ws: 10_000, n: 1, s: 3 },
  ]);
});

// Flink 1.20's changelogs of these queries (bench/flink/run.sh sql, legacy group windows, early
// fire delay 0): Flink's window operator compares the aggregate results with those it sent, and
// HAVING and the projection are a Calc after it that filters and maps each -U and +U alone.
const HAVING_CASES: readonly { name: string; rows: ScriptStep<Ev>[]; query: string; flink: string[] }[] = [
  {
    name: "a row HAVING rejects at first comes as +U when it passes, and goes as -U when it no longer does",
    rows: [ev("a", 1, 1000), ev("a", 5, 2000), ev("a", -5, 3000)],
    query: "SELECT k, SUM(v) AS s FROM ev GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND) HAVING SUM(v) > 2",
    flink: ["+U[a, 6]", "-U[a, 6]"],
  },
  {
    name: "a row that keeps passing HAVING is updated by -U/+U",
    rows: [ev("a", 3, 1000), ev("b", 1, 1500), ev("a", 1, 2000), ev("a", 2, 3000), ev("b", 0, 3500)],
    query: "SELECT k, SUM(v) AS s FROM ev GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND) HAVING SUM(v) > 2",
    flink: ["+I[a, 3]", "-U[a, 3]", "+U[a, 4]", "-U[a, 4]", "+U[a, 6]"],
  },
  {
    name: "a projection that hides a change of the aggregates still sends -U/+U",
    rows: [ev("a", 3, 1000), ev("b", 1, 1500), ev("a", 1, 2000), ev("a", 2, 3000), ev("b", 0, 3500)],
    query: "SELECT k, COUNT(*) > 1 AS many FROM ev GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND)",
    flink: [
      "+I[a, false]",
      "+I[b, false]",
      "-U[a, false]",
      "+U[a, true]",
      "-U[a, true]",
      "+U[a, true]",
      "-U[b, false]",
      "+U[b, true]",
    ],
  },
  {
    name: "HAVING over an aggregate not selected",
    rows: [ev("a", 3, 1000), ev("b", 1, 1500), ev("a", 1, 2000), ev("a", 2, 3000), ev("b", 0, 3500)],
    query: "SELECT k FROM ev GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND) HAVING SUM(v) > 2",
    flink: ["+I[a]", "-U[a]", "+U[a]", "-U[a]", "+U[a]"],
  },
];

/** A row as Flink prints it: `+I[a, 3]`. */
const flinkText = (r: Row) =>
  `${r.$rowkind ?? "+I"}[${Object.values({ ...r, $rowkind: undefined })
    .filter((v) => v !== undefined)
    .join(", ")}]`;

for (const c of HAVING_CASES) {
  test(`early firing with HAVING or a projection, the changelog of Flink 1.20 row by row: ${c.name}`, async () => {
    const tEnv = await envWith(c.rows, EARLY);
    const rows = await (await tEnv.executeSql(c.query)).collect();
    assert.deepEqual(rows.map(flinkText), c.flink);
  });
}

for (const [name, columns, key] of [
  ["keyed by the window and the keys", "k, window_start AS ws, window_end AS we, SUM(v) AS s", "k, ws, we"],
  ["keyed otherwise", "k, window_start AS ws, SUM(v) AS s", "k, ws"],
] as const) {
  test(`early firing with HAVING into an upsert sink ${name}: the row HAVING drops (-U alone) is deleted from the sink's table`, async () => {
    const sink = logWithRows("having", []);
    const tEnv = await envWith(
      [ev("a", 1, 1000), ev("a", 5, 2000), ev("b", 4, 2500), ev("a", -5, 3000), ev("b", 1, 3500)],
      EARLY,
    );
    const types = { k: "STRING", ws: "TIMESTAMP(3)", we: "TIMESTAMP(3)", s: "INT" } as const;
    const names = columns.split(", ").map((c) => c.split(" ").at(-1) as keyof typeof types);
    await tEnv.executeSql(`CREATE TABLE having_sums (${names.map((n) => `${n} ${types[n]}`).join(", ")},
      PRIMARY KEY (${key}) NOT ENFORCED)
      WITH ('connector' = 'upsert-log', 'log' = '${sink}', 'topic' = 'having', 'bounded' = 'true')`);
    await (
      await tEnv.executeSql(`INSERT INTO having_sums SELECT ${columns}
        FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end
        HAVING SUM(v) > 2`)
    ).await();
    const table = new Map<string, unknown>();
    for (const r of readRecords(sink, "having")) {
      if (r.value === null) table.delete(String(r.key));
      else table.set(String(r.key), r.value);
    }
    assert.deepEqual(
      [...table.values()].map((r) => (r as Row).s),
      [5],
    );
  });
}

test("late firing (legacy GROUP BY TUMBLE): a late row within the allowed lateness updates its window's row, one beyond it is dropped", async () => {
  const tEnv = await envWith(
    [
      ev("a", 1, 1000),
      ev("a", 2, 2000),
      { watermark: 9999 },
      ev("a", 3, 10_500),
      { watermark: 10_999 },
      // Late for [0 s, 10 s) but within 5 s of lateness: its state is kept until 14 999.
      ev("a", 4, 5000),
      { watermark: 14_999 },
      // Beyond the lateness: dropped.
      ev("a", 5, 6000),
    ],
    { ...LATE, "table.exec.emit.allow-lateness": "5 s" },
  );
  const rows = await (
    await tEnv.executeSql(`
      SELECT k, TUMBLE_START(ts, INTERVAL '10' SECOND) AS ws, COUNT(*) AS n, SUM(v) AS s
      FROM ev GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND)`)
  ).collect();
  assert.deepEqual(rows, [
    { k: "a", ws: 0, n: 2, s: 3 },
    { k: "a", ws: 0, n: 2, s: 3, $rowkind: "-U" },
    { k: "a", ws: 0, n: 3, s: 7, $rowkind: "+U" },
    { k: "a", ws: 10_000, n: 1, s: 3 },
  ]);
});

/** A window kind: its SQL (a window TVF or a legacy group window) and the windows of `ts`. */
interface Kind {
  readonly query: string;
  readonly windows: (ts: number) => [number, number][];
}

/** The windows `[start, end)` of a HOP of slide 10 and size 30 holding `ts`. */
function hopWindows(ts: number): [number, number][] {
  const last = ts - (ts % 10);
  return [last - 20, last - 10, last].map((s) => [s, s + 30] as [number, number]);
}

const KINDS: Record<string, Kind> = {
  "TUMBLE 20": {
    query: `SELECT k, window_start AS ws, window_end AS we, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi
      FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '0.020' SECOND)) GROUP BY k, window_start, window_end`,
    windows: (ts) => [[ts - (ts % 20), ts - (ts % 20) + 20]],
  },
  "HOP 10/30": {
    query: `SELECT k, window_start AS ws, window_end AS we, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi
      FROM TABLE(HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL '0.010' SECOND, INTERVAL '0.030' SECOND))
      GROUP BY k, window_start, window_end`,
    windows: hopWindows,
  },
  "CUMULATE 10/30": {
    query: `SELECT k, window_start AS ws, window_end AS we, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi
      FROM TABLE(CUMULATE(TABLE ev, DESCRIPTOR(ts), INTERVAL '0.010' SECOND, INTERVAL '0.030' SECOND))
      GROUP BY k, window_start, window_end`,
    windows: (ts) => {
      const start = ts - (ts % 30);
      const out: [number, number][] = [];
      for (let end = start + 10; end <= start + 30; end += 10) if (ts < end) out.push([start, end]);
      return out;
    },
  },
  "legacy HOP 10/30": {
    query: `SELECT k, HOP_START(ts, INTERVAL '0.010' SECOND, INTERVAL '0.030' SECOND) AS ws,
      HOP_END(ts, INTERVAL '0.010' SECOND, INTERVAL '0.030' SECOND) AS we, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi
      FROM ev GROUP BY k, HOP(ts, INTERVAL '0.010' SECOND, INTERVAL '0.030' SECOND)`,
    windows: hopWindows,
  },
};

/** Random rows, timestamps rising by `gap`, arriving `jitter` ms out of order, watermarks after `mark`. */
const script = outOfOrderScript(
  fc.record({ k: fc.constantFrom("a", "b"), v: fc.integer({ min: -9, max: 9 }) }),
  (e, ts) => ({ k: e.k, v: e.v, ts }),
);

/**
 * The final table by brute force: a row counts in each of its windows `[s, e)` whose cleanup time
 * `e - 1 + lateness` is above the watermark when it arrives (the window operator's isWindowLate).
 */
function expected(steps: readonly ScriptStep<Ev>[], kind: Kind, lateness: number): Row[] {
  const groups = new Map<string, { k: string; ws: number; we: number; vs: number[] }>();
  let watermark = Number.NEGATIVE_INFINITY;
  for (const s of steps) {
    if ("watermark" in s) {
      watermark = s.watermark;
      continue;
    }
    const e = (s as { value: Ev }).value;
    for (const [ws, we] of kind.windows(e.ts)) {
      if (we - 1 + lateness <= watermark) continue;
      const key = JSON.stringify([e.k, ws, we]);
      const g = groups.get(key) ?? { k: e.k, ws, we, vs: [] };
      g.vs.push(e.v);
      groups.set(key, g);
    }
  }
  return [...groups.values()].map((g) => ({
    k: g.k,
    ws: g.ws,
    we: g.we,
    n: g.vs.length,
    s: g.vs.reduce((a, b) => a + b, 0),
    hi: Math.max(...g.vs),
  }));
}

for (const [name, kind] of Object.entries(KINDS)) {
  test(`${name}: with early and late firings on random out-of-order rows, the folded changelog is the aggregation of the rows not later than the lateness`, async () => {
    await fc.assert(
      fc.asyncProperty(script, fc.constantFrom(0, 10, 25), fc.boolean(), async (steps, lateness, early) => {
        const tEnv = await envWith(steps, {
          ...(early ? EARLY : {}),
          ...LATE,
          "table.exec.emit.allow-lateness": `${lateness} ms`,
        });
        const changes = await (await tEnv.executeSql(kind.query)).collect();
        // Every -U is followed by the +U of the same window and key.
        changes.forEach((row, i) => {
          if (row.$rowkind !== "-U") return;
          const next = changes[i + 1];
          assert.equal(next?.$rowkind, "+U");
          assert.deepEqual([next?.k, next?.ws, next?.we], [row.k, row.ws, row.we]);
        });
        assert.deepEqual(sortRows(materialize(changes)), sortRows(expected(steps, kind, lateness)));
      }),
      { numRuns: 25 },
    );
  });
}

test("an append-only sink refuses an early-firing window aggregation, naming it; an upsert sink keyed by the window and keys takes it", async () => {
  const dir = logWithRows("x", []);
  const sink = logWithRows("totals", []);
  const tEnv = await envWith([ev("a", 1, 1000), ev("a", 2, 2000), ev("a", 3, 12_000)], EARLY);
  await tEnv.executeScript(`
    CREATE TABLE append (k STRING, n BIGINT) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'x');
    CREATE TABLE totals (k STRING, ws TIMESTAMP(3), we TIMESTAMP(3), n BIGINT, PRIMARY KEY (k, ws, we) NOT ENFORCED)
      WITH ('connector' = 'upsert-log', 'log' = '${sink}', 'topic' = 'totals', 'bounded' = 'true')`);
  await assert.rejects(
    tEnv.executeSql(`INSERT INTO append SELECT k, COUNT(*) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND))
      GROUP BY k, window_start, window_end`),
    (e: Error) => {
      assert.match(
        e.message,
        /^table append \('log'\) is an append-only sink: it cannot take the updates \[\+I, -U, \+U\] produced by WindowAggregate\(groupBy=\[k\], window=\[TUMBLE\(size 10000, slide 10000, offset 0 ms\)\], emit=\[early delay=0 ms, allowLateness=0 ms\]/,
      );
      return true;
    },
  );
  const job = await tEnv.executeSql(`INSERT INTO totals SELECT k, window_start, window_end, COUNT(*)
      FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end`);
  await job.await();
  // Upserts by (k, ws, we), no -U: the first window's row, its update, the second window's row.
  const records = readRecords(sink, "totals");
  assert.deepEqual(
    records.map((r) => (r.value as Row).n),
    [1, 2, 1],
  );
  assert.equal(new Set(records.map((r) => r.key)).size, 2);
});

test("EXPLAIN shows the emit strategy of the window aggregation", async () => {
  const tEnv = await envWith([], { ...EARLY, ...LATE, "table.exec.emit.allow-lateness": "1 min" });
  const plan = (
    await (
      await tEnv.executeSql(`EXPLAIN SELECT k, COUNT(*) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND))
        GROUP BY k, window_start, window_end`)
    ).collect()
  )
    .map((r) => Object.values(r).join("\n"))
    .join("\n");
  assert.match(
    plan,
    /WindowAggregate\(groupBy=\[k\], window=\[TUMBLE\(size 10000, slide 10000, offset 0 ms\)\], emit=\[early delay=0 ms, late delay=0 ms, allowLateness=60000 ms\].*changelogMode=\[I,UB,UA\]/,
  );
});

const TUMBLE_QUERY = `SELECT k, COUNT(*) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND))
  GROUP BY k, window_start, window_end`;

for (const [settings, message] of [
  [
    { "table.exec.emit.early-fire.enabled": "true" },
    /'table\.exec\.emit\.early-fire\.enabled' is 'true' but 'table\.exec\.emit\.early-fire\.delay' is not set/,
  ],
  [
    { "table.exec.emit.late-fire.enabled": "true", "table.exec.emit.allow-lateness": "1 s" },
    /'table\.exec\.emit\.late-fire\.enabled' is 'true' but 'table\.exec\.emit\.late-fire\.delay' is not set/,
  ],
  [
    { "table.exec.emit.early-fire.enabled": "true", "table.exec.emit.early-fire.delay": "-1 s" },
    /SET 'table\.exec\.emit\.early-fire\.delay' = '-1 s': the delay must not be negative/,
  ],
  [
    { "table.exec.emit.allow-lateness": "-5 s" },
    /SET 'table\.exec\.emit\.allow-lateness' = '-5 s': the lateness must not be negative/,
  ],
  [
    { "table.exec.emit.early-fire.enabled": "yes", "table.exec.emit.early-fire.delay": "0 s" },
    /SET 'table\.exec\.emit\.early-fire\.enabled' = 'yes': not a boolean/,
  ],
  [
    { ...LATE, "table.exec.emit.late-fire.delay": "5 s", "table.exec.emit.allow-lateness": "1 s" },
    /'table\.exec\.emit\.allow-lateness' \(1000 ms\) is below 'table\.exec\.emit\.late-fire\.delay' \(5000 ms\)/,
  ],
] as const) {
  test(`bad emit options fail at planning naming the option: ${JSON.stringify(settings)}`, async () => {
    const tEnv = await envWith([], settings);
    await assert.rejects(tEnv.executeSql(TUMBLE_QUERY), message);
  });
}

test("allow-lateness without late firing is ignored, as in Flink 1.20: a late row within it is dropped and the result stays insert-only (checked on bench/flink)", async () => {
  const tEnv = await envWith(
    [ev("a", 4, 1000), ev("a", 2, 2000), ev("a", 3, 11_000), { watermark: 10_999 }, ev("a", 5, 3000)],
    { "table.exec.emit.allow-lateness": "1 h" },
  );
  const result = await tEnv.executeSql(
    "SELECT k, TUMBLE_START(ts, INTERVAL '10' SECOND) AS ws, SUM(v) AS s FROM ev GROUP BY k, TUMBLE(ts, INTERVAL '10' SECOND)",
  );
  assert.deepEqual(result.changelogMode?.kinds, ["+I"]);
  assert.deepEqual(await result.collect(), [
    { k: "a", ws: 0, s: 6 },
    { k: "a", ws: 10_000, s: 3 },
  ]);
});

test("early and late firings are refused for SESSION windows, naming the option and the window", async () => {
  const tEnv = await envWith([], EARLY);
  await assert.rejects(
    tEnv.executeSql(`SELECT k, COUNT(*) FROM TABLE(SESSION(TABLE ev PARTITION BY k, DESCRIPTOR(ts), INTERVAL '10' SECOND))
      GROUP BY k, window_start, window_end`),
    /'table\.exec\.emit\.early-fire\.enabled' with a SESSION window/,
  );
  const late = await envWith([], { ...LATE, "table.exec.emit.allow-lateness": "1 s" });
  await assert.rejects(
    late.executeSql("SELECT k, COUNT(*) FROM ev GROUP BY k, SESSION(ts, INTERVAL '10' SECOND)"),
    /'table\.exec\.emit\.late-fire\.enabled' with a SESSION window/,
  );
});
