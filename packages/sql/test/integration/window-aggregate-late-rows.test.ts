// Window aggregations (TUMBLE, HOP, CUMULATE, SESSION with and without PARTITION BY) over random
// out-of-order rows with NULL keys and values, DECIMAL averages and scripted watermarks that make
// some rows late, against a brute-force evaluation of the same SQL over the whole input that
// applies Flink's rules for late rows (no allowed lateness):
// - an aligned window (TUMBLE, HOP, CUMULATE) has fired once the watermark reached its end - 1
//   (TimeWindowUtil.isWindowFired); a row is left out of each of its windows that has fired when
//   it arrives, and counts in the others (SlicingWindowOperator adds a row of a fired slice to the
//   windows not fired yet);
// - a session window first merges the row's window [ts, ts + gap) with the sessions not fired yet
//   that it touches (TimeWindow.intersects: the bounds included), and drops the row only when the
//   merged window has fired (MergingWindowProcessFunction.isWindowLate); a session fires, and
//   leaves the set of sessions, once the watermark reached its end - 1, so a later row in its
//   span starts a new session.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { ScriptedSource, type ScriptStep } from "@fleuve/core/testing";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { decimalAverage } from "../fixtures/decimal-average.js";
import { outOfOrderScript } from "../fixtures/out-of-order-script.js";

interface Ev {
  k: string | null;
  v: number | null;
  /** A DECIMAL(10, 2), in cents here (the row gets cents / 100). */
  cents: number | null;
  ts: number;
}

const sortRows = (rows: readonly Row[]) =>
  rows.map((r) => ({ ...r })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** Random rows arriving out of order, some of them late (fixtures/out-of-order-script.ts). */
const script = outOfOrderScript(
  fc.record({
    k: fc.constantFrom("a", "b", null),
    v: fc.option(fc.integer({ min: -9, max: 9 }), { nil: null, freq: 5 }),
    cents: fc.option(fc.integer({ min: -999, max: 999 }), { nil: null, freq: 5 }),
  }),
  (e, ts): Ev => ({ k: e.k, v: e.v, cents: e.cents, ts }),
  { size: "medium" },
);

/** Runs `query` over view `ev` that plays `steps` (ts its event time, watermarks as scripted). */
async function run(steps: readonly ScriptStep<Ev>[], query: string): Promise<Row[]> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  const tEnv = sql(env);
  const rows = steps.map((s) =>
    "value" in s
      ? {
          value: { ...s.value, m: s.value.cents === null ? null : s.value.cents / 100 },
          timestamp: s.timestamp,
        }
      : s,
  );
  tEnv.createTemporaryView(
    "ev",
    env.fromSource(new ScriptedSource(rows), undefined, "ev").setParallelism(1),
    "k STRING, v INT, m DECIMAL(10, 2), ts TIMESTAMP(3), WATERMARK FOR ts AS SOURCE_WATERMARK()",
  );
  return sortRows(await (await tEnv.executeSql(query)).collect());
}

/** The aggregates every query computes, over the rows of one window (`m` in cents). */
const AGGREGATES = `COUNT(*) AS n, COUNT(v) AS nv, COUNT(DISTINCT v) AS dv, SUM(v) AS s, MIN(v) AS lo,
  MAX(v) AS hi, AVG(v) AS av, SUM(m) AS sm, AVG(m) AS am`;

/** {@link AGGREGATES} by brute force: Flink's results for `rows`. */
function aggregates(rows: readonly Ev[]): Row {
  const vs = rows.map((r) => r.v).filter((v): v is number => v !== null);
  const cs = rows.map((r) => r.cents).filter((c): c is number => c !== null);
  const sum = vs.reduce((a, b) => a + b, 0);
  const cents = cs.reduce((a, b) => a + b, 0);
  return {
    n: rows.length,
    nv: vs.length,
    dv: new Set(vs).size,
    s: vs.length === 0 ? null : sum,
    lo: vs.length === 0 ? null : Math.min(...vs),
    hi: vs.length === 0 ? null : Math.max(...vs),
    // AVG of an INT is an INT: the quotient truncated toward zero.
    av: vs.length === 0 ? null : Math.trunc(sum / vs.length) + 0, // no -0, as Java's longs
    // SUM of a DECIMAL(10, 2) is a DECIMAL(38, 2), exact.
    sm: cs.length === 0 ? null : cents / 100,
    am: cs.length === 0 ? null : decimalAverage(cents, 2, cs.length),
  };
}

/** An aligned window kind: its SQL and the windows `[start, end)` holding timestamp `ts`. */
interface Aligned {
  readonly sql: (ms: (n: number) => string) => string;
  readonly windows: (ts: number) => [number, number][];
}

const ALIGNED: Record<string, Aligned> = {
  "TUMBLE 20": {
    sql: (ms) => `TUMBLE(TABLE ev, DESCRIPTOR(ts), ${ms(20)})`,
    windows: (ts) => [[ts - (ts % 20), ts - (ts % 20) + 20]],
  },
  "HOP 10/30": {
    sql: (ms) => `HOP(TABLE ev, DESCRIPTOR(ts), ${ms(10)}, ${ms(30)})`,
    windows: (ts) => {
      const out: [number, number][] = [];
      for (let start = ts - (ts % 10); start > ts - 30; start -= 10) out.push([start, start + 30]);
      return out;
    },
  },
  "CUMULATE 10/40": {
    sql: (ms) => `CUMULATE(TABLE ev, DESCRIPTOR(ts), ${ms(10)}, ${ms(40)})`,
    windows: (ts) => {
      const start = ts - (ts % 40);
      const out: [number, number][] = [];
      for (let end = start + 40; end > ts; end -= 10) out.push([start, end]);
      return out;
    },
  },
};

const ms = (n: number) => `INTERVAL '0.${String(n).padStart(3, "0")}' SECOND`;

/** The rows of each window of `kind` (by key and bounds), the late ones left out, in arrival order. */
function alignedWindows(kind: Aligned, steps: readonly ScriptStep<Ev>[]): Row[] {
  const groups = new Map<string, { k: string | null; ws: number; we: number; rows: Ev[] }>();
  let watermark = Number.NEGATIVE_INFINITY;
  for (const s of steps) {
    if ("watermark" in s) watermark = s.watermark;
    if (!("value" in s)) continue;
    for (const [ws, we] of kind.windows(s.value.ts)) {
      // Fired: the row is late for this window.
      if (watermark >= we - 1) continue;
      const id = JSON.stringify([s.value.k, ws, we]);
      const g = groups.get(id) ?? { k: s.value.k, ws, we, rows: [] };
      g.rows.push(s.value);
      groups.set(id, g);
    }
  }
  return [...groups.values()].map((g) => ({ k: g.k, ws: g.ws, we: g.we, ...aggregates(g.rows) }));
}

test("property: TUMBLE, HOP and CUMULATE aggregations with NULLs and late rows equal a brute-force evaluation", async () => {
  await fc.assert(
    fc.asyncProperty(script, fc.constantFrom(...Object.keys(ALIGNED)), async (steps, name) => {
      const kind = ALIGNED[name] as Aligned;
      const got = await run(
        steps,
        `SELECT k, window_start AS ws, window_end AS we, ${AGGREGATES}
           FROM TABLE(${kind.sql(ms)}) GROUP BY k, window_start, window_end`,
      );
      assert.deepEqual(got, sortRows(alignedWindows(kind, steps)));
    }),
    { numRuns: 40 },
  );
});

/**
 * The sessions of gap `gap` of each partition (`partition` of a row), as Flink's merging window
 * set forms them from the rows in arrival order under the scripted watermarks.
 */
function sessions(
  steps: readonly ScriptStep<Ev>[],
  gap: number,
  partition: (e: Ev) => string,
): { part: string; ws: number; we: number; rows: Ev[] }[] {
  type Session = { part: string; ws: number; we: number; rows: Ev[] };
  const fired: Session[] = [];
  let open: Session[] = [];
  let watermark = Number.NEGATIVE_INFINITY;
  for (const s of steps) {
    if ("watermark" in s) {
      watermark = s.watermark;
      fired.push(...open.filter((x) => watermark >= x.we - 1));
      open = open.filter((x) => watermark < x.we - 1);
    }
    if (!("value" in s)) continue;
    const e = s.value;
    const part = partition(e);
    // TimeWindow.intersects: windows that only touch merge too.
    const touching = open.filter((x) => x.part === part && x.ws <= e.ts + gap && e.ts <= x.we);
    const merged: Session = {
      part,
      ws: Math.min(e.ts, ...touching.map((x) => x.ws)),
      we: Math.max(e.ts + gap, ...touching.map((x) => x.we)),
      rows: [...touching.flatMap((x) => x.rows), e],
    };
    // Late only when the merged session has fired, which a merge with an open session never has.
    if (watermark >= merged.we - 1) continue;
    open = [...open.filter((x) => !touching.includes(x)), merged];
  }
  return [...fired, ...open];
}

test("property: SESSION aggregations, partitioned by a NULL-able key and not, with late rows equal a brute-force evaluation", async () => {
  await fc.assert(
    fc.asyncProperty(script, fc.constantFrom(5, 12, 25), fc.boolean(), async (steps, gap, partitioned) => {
      const got = await run(
        steps,
        partitioned
          ? `SELECT k, window_start AS ws, window_end AS we, ${AGGREGATES}
               FROM TABLE(SESSION(TABLE ev PARTITION BY k, DESCRIPTOR(ts), ${ms(gap)}))
               GROUP BY k, window_start, window_end`
          : `SELECT window_start AS ws, window_end AS we, ${AGGREGATES}
               FROM TABLE(SESSION(TABLE ev, DESCRIPTOR(ts), ${ms(gap)}))
               GROUP BY window_start, window_end`,
      );
      const expected = sessions(steps, gap, (e) => (partitioned ? JSON.stringify(e.k) : "")).map((x) => ({
        ...(partitioned ? { k: x.rows[0]?.k ?? null } : {}),
        ws: x.ws,
        we: x.we,
        ...aggregates(x.rows),
      }));
      assert.deepEqual(got, sortRows(expected));
    }),
    { numRuns: 40 },
  );
});
