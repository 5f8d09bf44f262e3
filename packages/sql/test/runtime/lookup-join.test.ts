// The lookup join operator with a counting in-memory client: rows join what their key has, in
// input order; with the partial cache each key is looked up once however often it comes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { SqlLookupJoinOperator } from "../../src/runtime/lookup-join.js";

type Row = Record<string, unknown>;

function run(cacheTtlMs: number | undefined, rows: Row[], table: Record<string, Row[]>) {
  const fetched: string[] = [];
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const out = env
    .fromCollection(rows)
    .transform(
      "LookupJoin",
      () =>
        new SqlLookupJoinOperator({
          type: "LEFT",
          keyOf: (r) => (r.k === null ? undefined : [r.k]),
          client: () => ({
            lookup: async (keys) =>
              keys.map((k) => {
                fetched.push(String(k[0]));
                return table[String(k[0])] ?? [];
              }),
            close: async () => {},
          }),
          matches: () => true,
          combine: (l, r) => ({ ...l, v: r?.v ?? null }),
          cacheTtlMs,
          cacheMaxRows: 100,
          table: "t",
        }),
    )
    .executeAndCollect();
  return { out, fetched };
}

const rows: Row[] = Array.from({ length: 200 }, (_, i) => ({ i, k: i % 7 === 6 ? null : `k${i % 5}` }));
const table: Record<string, Row[]> = { k0: [{ v: 0 }], k1: [{ v: 1 }, { v: 11 }], k3: [{ v: 3 }] };
const expected = rows.flatMap((r) => {
  const found = r.k === null ? [] : (table[r.k as string] ?? []);
  return found.length === 0 ? [{ ...r, v: null }] : found.map((x) => ({ ...r, v: x.v }));
});

test("a LEFT lookup join emits every row in input order, padded when its key has no row or is NULL", async () => {
  const { out } = run(undefined, rows, table);
  assert.deepEqual(await out, expected);
});

test("with the partial cache (no expiry) each key is looked up once", async () => {
  const { out, fetched } = run(Number.POSITIVE_INFINITY, rows, table);
  assert.deepEqual(await out, expected);
  assert.deepEqual([...fetched].sort(), ["k0", "k1", "k2", "k3", "k4"]);
});

test("rows waiting for a lookup are kept by a checkpoint and looked up again after a restore", () => {
  const spec = {
    type: "LEFT" as const,
    keyOf: (r: Row) => [r.k],
    client: () => ({ lookup: async () => [], close: async () => {} }),
    matches: () => true,
    combine: (l: Row) => l,
    cacheTtlMs: undefined,
    cacheMaxRows: 10,
    table: "t",
  };
  class Exposed extends SqlLookupJoinOperator {
    snapshot(): unknown {
      return this.snapshotCustom();
    }
    restore(states: unknown[]): void {
      this.restoreCustom(states);
    }
  }
  const before = new Exposed(spec);
  assert.equal(before.snapshot(), undefined);
  before.processElement({ k: "a", i: 1 }, 10);
  before.processElement({ k: "b", i: 2 }, 20);
  const state = before.snapshot();
  assert.deepEqual(state, [
    [{ k: "a", i: 1 }, 10],
    [{ k: "b", i: 2 }, 20],
  ]);
  // Two old subtasks' states go to one new subtask: all their rows wait again, in order.
  const after = new Exposed(spec);
  after.restore([state, [[{ k: "c", i: 3 }, 30]]]);
  assert.deepEqual(after.snapshot(), [
    [{ k: "a", i: 1 }, 10],
    [{ k: "b", i: 2 }, 20],
    [{ k: "c", i: 3 }, 30],
  ]);
});
