// MATCH_RECOGNIZE on random out-of-order input against the DataStream CEP API running the
// equivalent pattern, written by hand: the quantifiers as Flink's docs define them (greedy by
// default, `?` suffix reluctant, loops consecutive since concatenation is strict), each DEFINE as
// an iterative condition over ctx.eventsOf, each measure computed from the match. The SQL side
// must sort rows by (ts, id) itself, keep partitions apart at parallelism 2, and give the same
// multiset of rows.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CEP,
  type Condition,
  Pattern,
  skipPastLastEvent,
  skipToFirst,
  skipToLast,
  skipToNext,
} from "@fleuve/cep";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

interface Ev {
  k: string;
  ts: number;
  id: number;
  v: number;
}

type AnyPattern = Pattern<Ev, any, any, any>;

/** Quantifier text -> the CEP calls Flink's docs give it. */
const QUANTIFIERS: Record<string, (p: AnyPattern) => AnyPattern> = {
  "": (p) => p,
  "+": (p) => p.oneOrMore().consecutive().greedy(),
  "*": (p) => p.oneOrMore().optional().consecutive().greedy(),
  "?": (p) => p.optional(),
  "{2}": (p) => p.times(2).consecutive(),
  "{1,3}": (p) => p.times(1, 3).consecutive().greedy(),
  "{2,}": (p) => p.timesOrMore(2).consecutive().greedy(),
  "+?": (p) => p.oneOrMore().consecutive(),
  "*?": (p) => p.oneOrMore().optional().consecutive(),
  "{0,2}?": (p) => p.times(0, 2).consecutive(),
};

const SKIPS = {
  "SKIP PAST LAST ROW": () => skipPastLastEvent(),
  "SKIP TO NEXT ROW": () => skipToNext(),
  "SKIP TO LAST B": () => skipToLast("B", { throwOnMiss: true }),
  "SKIP TO FIRST C": () => skipToFirst("C", { throwOnMiss: true }),
} as const;

const sum = (xs: Ev[]) => xs.reduce((s, e) => s + e.v, 0);
const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
/**
 * The rows (sorted), or the error's message: a match without a B row under SKIP TO LAST B fails
 * the job on both sides (throwExceptionOnMiss), as does a skip to a match's first row.
 */
async function outcome(run: () => Promise<Row[]>): Promise<Row[] | string> {
  try {
    return sortRows(await run());
  } catch (e) {
    return `failed: ${(e as Error).message.replace(/^.*?(pattern|skip)/i, "$1")}`;
  }
}
const text = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 23);

test("random MATCH_RECOGNIZE queries equal the DataStream CEP API on the same pattern", async () => {
  const DELAY = 5_000;
  const event = fc.record({
    k: fc.constantFrom("a", "b"),
    gap: fc.constantFrom(0, 1000, 1000, 2000),
    jitter: fc.nat(DELAY - 1),
    v: fc.integer({ min: 0, max: 9 }),
  });
  const seen = { matches: 0, failures: 0 };
  await fc.assert(
    fc.asyncProperty(
      fc.array(event, { minLength: 1, maxLength: 40 }),
      fc.constantFrom(...Object.keys(QUANTIFIERS)),
      fc.constantFrom(...(Object.keys(SKIPS) as (keyof typeof SKIPS)[])),
      fc.record({ a: fc.nat(6), b: fc.integer({ min: 3, max: 10 }), s: fc.integer({ min: 4, max: 25 }) }),
      fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
      async (raw, quantifier, skip, t, withinSeconds) => {
        let now = Date.UTC(2024, 0, 1);
        const events: Ev[] = raw.map((r, id) => ({ k: r.k, ts: (now += r.gap), id, v: r.v }));
        // Arrival order: by time minus a jitter below the watermark delay.
        const arrival = events
          .map((e, i) => ({ e, at: e.ts - (raw[i]?.jitter ?? 0) }))
          .sort((x, y) => x.at - y.at || x.e.id - y.e.id)
          .map((x) => x.e);
        const dir = logWithRows(
          "ev",
          arrival.map((e) => ({ ...e, ts: text(e.ts) })),
        );
        const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 2 }), {
          connectors: logConnectors,
        });
        await tEnv.executeSql(`CREATE TABLE ev (k STRING, ts TIMESTAMP(3), id INT, v INT,
          WATERMARK FOR ts AS ts - INTERVAL '${DELAY / 1000}' SECOND)
          WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'ev', 'bounded' = 'true')`);
        const within = withinSeconds === undefined ? "" : `WITHIN INTERVAL '${withinSeconds}' SECOND`;
        const result = await tEnv.executeSql(`SELECT * FROM ev MATCH_RECOGNIZE (
          PARTITION BY k
          ORDER BY ts, id
          MEASURES FIRST(A.id) AS a, FIRST(B.id) AS fb, LAST(C.id) AS c, COUNT(B.v) AS nb,
            SUM(B.v) AS sb, MAX(v) AS mx, LAST(id, 1) AS before_c, AVG(A.v) AS av
          ONE ROW PER MATCH
          AFTER MATCH ${skip}
          PATTERN (A B${quantifier} C) ${within}
          DEFINE
            A AS A.v >= ${t.a},
            B AS B.v < ${t.b} AND SUM(B.v) < ${t.s},
            C AS C.v >= A.v AND (LAST(B.v) IS NULL OR C.v <> LAST(B.v))
        )`);
        const actual = await outcome(() => result.collect());

        // The same pattern on the DataStream CEP API.
        const condA: Condition<Ev> = (e) => e.v >= t.a;
        const condB: Condition<Ev> = (e, ctx) => e.v < t.b && sum(ctx.eventsOf("B") as Ev[]) + e.v < t.s;
        const condC: Condition<Ev> = (e, ctx) => {
          const a = ctx.eventsOf("A") as Ev[];
          const b = ctx.eventsOf("B") as Ev[];
          const lastB = b[b.length - 1];
          return e.v >= (a[a.length - 1] as Ev).v && (lastB === undefined || e.v !== lastB.v);
        };
        let p: AnyPattern = Pattern.begin<Ev>("A", SKIPS[skip]()).where(condA);
        p = (QUANTIFIERS[quantifier] as (p: AnyPattern) => AnyPattern)(p.next("B").where(condB));
        p = p.next("C").where(condC);
        if (withinSeconds !== undefined) p = p.within(withinSeconds * 1000);
        const env = StreamExecutionEnvironment.create({ parallelism: 1 });
        const sorted = [...events].sort((x, y) => x.ts - y.ts || x.id - y.id);
        const expected = await outcome(() =>
          CEP.pattern(
            env.fromCollection(sorted, { timestamps: sorted.map((e) => e.ts) }).keyBy((e: Ev) => e.k),
            p,
            { comparator: (x: Ev, y: Ev) => x.id - y.id },
          )
            .select((m: Record<string, Ev[]>) => {
              const a = m.A ?? [];
              const b = m.B ?? [];
              const c = m.C ?? [];
              const all = [...a, ...b, ...c];
              return {
                k: (all[0] as Ev).k,
                a: (a[0] as Ev).id,
                fb: b[0]?.id ?? null,
                c: (c[c.length - 1] as Ev).id,
                nb: b.length,
                sb: b.length === 0 ? null : sum(b),
                mx: Math.max(...all.map((e) => e.v)),
                before_c: (all[all.length - 2] as Ev).id,
                av: sum(a) / a.length,
              } as Row;
            })
            .executeAndCollect(),
        );
        if (typeof expected === "string") seen.failures++;
        else seen.matches += expected.length;
        assert.deepEqual(actual, expected, `PATTERN (A B${quantifier} C) ${within} AFTER MATCH ${skip}`);
      },
    ),
    { numRuns: 100 },
  );
  // The property compared matches, not only empty results and failures.
  assert.ok(seen.matches > 10, `only ${seen.matches} matches in all runs`);
  console.log(`${seen.matches} matches compared, ${seen.failures} runs failing on both sides`);
});
