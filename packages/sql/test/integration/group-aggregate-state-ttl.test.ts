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

/** Runs `query` over the batches, each at its clock time, and returns the changes sent. */
async function run(query: string, batches: readonly Batch[], ttl: string | undefined): Promise<string[]> {
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
    await until(
      `the GroupAggregate to take ${sent} rows`,
      () => recordsIn(client, /GroupAggregate\(/) === sent,
    );
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

test("table.exec.state.ttl: a group not written for the TTL starts afresh with +I", async () => {
  const batches: Batch[] = [
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
