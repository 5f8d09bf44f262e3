// `SET 'table.exec.state.ttl'` on a regular GROUP BY and SELECT DISTINCT (Flink's GroupAggFunction
// keeps its accumulators in state with StateTtlConfig, OnCreateAndWrite, NeverReturnExpired): a
// group whose state was last written TTL ago or more is forgotten, and its next row starts a fresh
// accumulator, sent as +I (not -U/+U). Checked against a model of that rule over random batches.
// No wall clock: the job runs on a ManualProcessingTime that moves only once the aggregation has
// taken every row sent before.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CollectSink } from "@fleuve/core/testing";
import { type Row, rowKind } from "@fleuve/sql";
import fc from "fast-check";
import { recordsIn, until, viewOnManualClock } from "../fixtures/manual-clock.js";

const T0 = 1_700_000_000_000;
const TTL_MS = 10_000;

interface Ev {
  k: string;
  v: number;
}

/** Rows sent together at one clock time (ms after the previous batch's). */
interface Batch {
  gap: number;
  rows: Ev[];
}

const text = (r: Row) => `${rowKind(r)}${JSON.stringify({ ...r, $rowkind: undefined })}`;

/**
 * Runs `query` over the batches, each at its clock time, and returns the changes sent; `waitFor`
 * names the operator that must have taken every row sent (times `per` input) before the clock moves.
 */
async function run(
  query: string,
  batches: readonly Batch[],
  ttl: string | undefined,
  waitFor = /GroupAggregate\(/,
  per = 1,
): Promise<string[]> {
  const { clock, env, source, tEnv } = viewOnManualClock<Ev>(T0, "ev", "k STRING, v INT");
  if (ttl !== undefined) await tEnv.executeSql(`SET 'table.exec.state.ttl' = '${ttl}'`);
  const sink = new CollectSink<Row>();
  tEnv.sqlQuery(query).toDataStream().sinkTo(sink);
  const client = env.executeAsync("group-aggregate-state-ttl");
  let at = T0;
  let sent = 0;
  for (const b of batches) {
    at += b.gap;
    clock.advanceTo(at);
    source.send(b.rows);
    sent += b.rows.length;
    await until(`${waitFor} to take ${sent * per} rows`, () => recordsIn(client, waitFor) === sent * per);
  }
  source.end();
  await client.result;
  return sink.values().map(text);
}

/**
 * The changes of `SELECT k, COUNT(*) AS c, SUM(v) AS s FROM ev GROUP BY k` as Flink sends them
 * with a TTL of `ttlMs`: a group's state written `ttlMs` or more ago is gone when its next row comes.
 */
function model(batches: readonly Batch[], ttlMs: number): string[] {
  const groups = new Map<string, { c: number; s: number; t: number }>();
  const out: string[] = [];
  const row = (kind: string, k: string, g: { c: number; s: number }) =>
    `${kind}${JSON.stringify({ k, c: g.c, s: g.s })}`;
  let now = T0;
  for (const b of batches) {
    now += b.gap;
    for (const { k, v } of b.rows) {
      const g = groups.get(k);
      if (g === undefined || now - g.t >= ttlMs) {
        const fresh = { c: 1, s: v, t: now };
        groups.set(k, fresh);
        out.push(row("+I", k, fresh));
        continue;
      }
      out.push(row("-U", k, g));
      g.c += 1;
      g.s += v;
      g.t = now;
      out.push(row("+U", k, g));
    }
  }
  return out;
}

const GROUP_BY = "SELECT k, COUNT(*) AS c, SUM(v) AS s FROM ev GROUP BY k";

/** Two groups over 22 s, for a TTL of 10 s. */
const EXPIRING: Batch[] = [
  { gap: 0, rows: [{ k: "a", v: 1 }] },
  { gap: 5_000, rows: [{ k: "b", v: 1 }] },
  // a was written 12 s ago: expired, a fresh accumulator. b 7 s ago: kept.
  {
    gap: 7_000,
    rows: [
      { k: "a", v: 2 },
      { k: "b", v: 3 },
    ],
  },
  // a was written exactly 10 s ago: expired (lastWrite + ttl <= now, Flink's TtlUtils.expired).
  { gap: 10_000, rows: [{ k: "a", v: 4 }] },
];

test("table.exec.state.ttl: a group not written for the TTL starts afresh with +I", async () => {
  const batches = EXPIRING;
  assert.deepEqual(await run(GROUP_BY, batches, "10 s"), [
    '+I{"k":"a","c":1,"s":1}',
    '+I{"k":"b","c":1,"s":1}',
    '+I{"k":"a","c":1,"s":2}',
    '-U{"k":"b","c":1,"s":1}',
    '+U{"k":"b","c":2,"s":4}',
    '+I{"k":"a","c":1,"s":4}',
  ]);
  // Without the TTL every group is kept.
  assert.deepEqual(await run(GROUP_BY, batches, undefined), model(batches, Number.POSITIVE_INFINITY));
});

test("table.exec.state.ttl: SELECT DISTINCT sends a row again once its group expired", async () => {
  const batches: Batch[] = [
    { gap: 0, rows: [{ k: "a", v: 1 }] },
    { gap: 3_000, rows: [{ k: "a", v: 1 }] },
    // Written 3 s after the first, so 9 s ago: kept, its unchanged row sent again as -U/+U (with
    // a TTL, Flink's GroupAggFunction sends every change, so that the rows downstream do not
    // expire early: `stateRetentionTime > 0 || !equaliser.equals(prev, new)`).
    { gap: 9_000, rows: [{ k: "a", v: 1 }] },
    // Written 10 s ago: expired, the row is sent again.
    { gap: 10_000, rows: [{ k: "a", v: 1 }] },
  ];
  assert.deepEqual(await run("SELECT DISTINCT k FROM ev", batches, "10 s"), [
    '+I{"k":"a"}',
    '-U{"k":"a"}',
    '+U{"k":"a"}',
    '-U{"k":"a"}',
    '+U{"k":"a"}',
    '+I{"k":"a"}',
  ]);
});

test("table.exec.state.ttl: GROUP BY's changes follow the TTL model over random batches", async () => {
  const batch = fc.record({
    gap: fc.constantFrom(0, 2_000, 5_000, 9_999, 10_000, 15_000),
    rows: fc.array(fc.record({ k: fc.constantFrom("a", "b", "c"), v: fc.integer({ min: -5, max: 5 }) }), {
      minLength: 1,
      maxLength: 3,
    }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 6 }), async (batches) => {
      assert.deepEqual(await run(GROUP_BY, batches, "10 s"), model(batches, TTL_MS));
    }),
    { numRuns: 15 },
  );
});

// The STATE_TTL query hint (Flink 1.18+): the TTL of the table the aggregation reads, over
// table.exec.state.ttl. Flink 1.20 runs these hints; the refusals are its messages (bench/flink).
test("STATE_TTL hint: a GROUP BY and a SELECT DISTINCT take the hinted TTL of their table, over the setting", async () => {
  const batches = EXPIRING;
  const hinted = (key: string, ttl: string, from = "ev") =>
    `SELECT /*+ STATE_TTL('${key}' = '${ttl}') */ k, COUNT(*) AS c, SUM(v) AS s FROM ${from} GROUP BY k`;
  assert.deepEqual(await run(hinted("ev", "10 s"), batches, undefined), model(batches, TTL_MS));
  // The hint wins over the setting, both ways; '0' keeps the groups for ever; an alias is the key.
  assert.deepEqual(await run(hinted("ev", "10s"), batches, "1 h"), model(batches, TTL_MS));
  assert.deepEqual(await run(hinted("x", "1 h", "ev AS x"), batches, "10 s"), model(batches, 3_600_000));
  assert.deepEqual(await run(hinted("ev", "0"), batches, "10 s"), model(batches, Number.POSITIVE_INFINITY));
  // A hint on the SELECT over the aggregation is not the aggregation's: the setting holds.
  assert.deepEqual(
    await run(`SELECT /*+ STATE_TTL('g' = '1 h') */ * FROM (${GROUP_BY}) AS g`, batches, "10 s"),
    model(batches, TTL_MS),
  );
  assert.deepEqual(
    await run(
      "SELECT /*+ STATE_TTL('ev' = '10000') */ DISTINCT k FROM ev",
      [
        { gap: 0, rows: [{ k: "a", v: 1 }] },
        { gap: 10_000, rows: [{ k: "a", v: 1 }] },
      ],
      undefined,
    ),
    ['+I{"k":"a"}', '+I{"k":"a"}'],
  );
});

test("STATE_TTL hint: each side of a regular join keeps its rows for its table's TTL", async () => {
  // A self-join, each side under its alias: a row of ev is a row of both sides. At T0 a1 on both
  // sides; 12 s later a2: the side hinted 10 s has forgotten a1, the other has not.
  const batches: Batch[] = [
    { gap: 0, rows: [{ k: "a", v: 1 }] },
    { gap: 12_000, rows: [{ k: "a", v: 2 }] },
  ];
  const join = (hint: string) => `SELECT ${hint} l.v AS lv, r.v AS rv FROM ev AS l JOIN ev AS r ON l.k = r.k`;
  const pairs = async (hint: string, ttl?: string) =>
    (await run(join(hint), batches, ttl, /Join\(/, 2)).sort();
  const all = ['+I{"lv":1,"rv":1}', '+I{"lv":1,"rv":2}', '+I{"lv":2,"rv":1}', '+I{"lv":2,"rv":2}'];
  assert.deepEqual(await pairs(""), all);
  // Left rows kept 10 s: the right a2 finds no a1 on the left.
  assert.deepEqual(
    await pairs("/*+ STATE_TTL('l' = '10 s') */"),
    all.filter((p) => p !== '+I{"lv":1,"rv":2}'),
  );
  // Right rows kept 10 s, the left's for ever over the setting's 10 s.
  assert.deepEqual(
    await pairs("/*+ STATE_TTL('r' = '10 s', 'l' = '0') */", "10 s"),
    all.filter((p) => p !== '+I{"lv":2,"rv":1}'),
  );
  assert.deepEqual(await pairs("", "10 s"), ['+I{"lv":1,"rv":1}', '+I{"lv":2,"rv":2}']);
});

test("STATE_TTL hint: a bad hint is refused with Flink 1.20's message", async () => {
  const { tEnv } = viewOnManualClock<Ev>(T0, "ev", "k STRING, v INT");
  await tEnv.executeSql("CREATE VIEW w AS SELECT * FROM ev");
  const cases: [string, string][] = [
    [
      "SELECT /*+ STATE_TTL('x' = '1d') */ k, COUNT(*) FROM ev GROUP BY k",
      "The options of following hints cannot match the name of input tables or views:  `x` in `STATE_TTL`",
    ],
    // Once aliased, only the alias names the table (Flink: the same message for `ev`).
    [
      "SELECT /*+ STATE_TTL('ev' = '1d') */ k, COUNT(*) FROM ev AS x GROUP BY k",
      "The options of following hints cannot match the name of input tables or views:  `ev` in `STATE_TTL`",
    ],
    // Keys are case-sensitive.
    [
      "SELECT /*+ STATE_TTL('EV' = '1d') */ k, COUNT(*) FROM ev GROUP BY k",
      "The options of following hints cannot match the name of input tables or views:  `EV` in `STATE_TTL`",
    ],
    [
      "SELECT /*+ STATE_TTL('l' = '1d', 'c' = '12h') */ l.k FROM ev AS l JOIN w ON l.k = w.k",
      "The options of following hints cannot match the name of input tables or views:  `c` in `STATE_TTL`",
    ],
    [
      "SELECT /*+ STATE_TTL('ev' = 'abc') */ k, COUNT(*) FROM ev GROUP BY k",
      "Invalid STATE_TTL hint value: text does not start with a number",
    ],
    [
      "SELECT /*+ STATE_TTL('ev' = '-1d') */ k, COUNT(*) FROM ev GROUP BY k",
      "Invalid STATE_TTL hint value: text does not start with a number",
    ],
    // Every value is checked, the first of a key counts.
    [
      "SELECT /*+ STATE_TTL('ev' = '1d', 'ev' = 'bad') */ k, COUNT(*) FROM ev GROUP BY k",
      "Invalid STATE_TTL hint value: text does not start with a number",
    ],
    [
      "SELECT /*+ STATE_TTL('ev' = '') */ k, COUNT(*) FROM ev GROUP BY k",
      "Invalid STATE_TTL hint value: argument is an empty- or whitespace-only string",
    ],
    [
      "SELECT /*+ STATE_TTL() */ k, COUNT(*) FROM ev GROUP BY k",
      "Invalid STATE_TTL hint, expecting at least one key-value options specified.",
    ],
    [
      "SELECT /*+ STATE_TTL('ev') */ k, COUNT(*) FROM ev GROUP BY k",
      "Invalid list options in STATE_TTL hint, only support key-value options.",
    ],
  ];
  for (const [q, message] of cases)
    assert.throws(
      () => tEnv.sqlQuery(q),
      (e: Error) => e.message.startsWith(message),
      q,
    );
  // Accepted there: a view's name, an unquoted key, '1 min', '1000' (ms), a hint on a SELECT
  // without join or aggregation, and a derived table's alias.
  for (const q of [
    "SELECT /*+ STATE_TTL('w' = '1d') */ k, COUNT(*) FROM w GROUP BY k",
    "SELECT /*+ STATE_TTL(ev = '1 min') */ k, COUNT(*) FROM ev GROUP BY k",
    "SELECT /*+ STATE_TTL('ev' = '1000') */ * FROM ev",
    "SELECT /*+ STATE_TTL('v' = '1d') */ k, COUNT(*) FROM (SELECT * FROM ev) v GROUP BY k",
  ])
    tEnv.sqlQuery(q);
});
