// A window aggregation keeps, per key and slice, only its accumulators when its aggregates are
// plain and its keys come back from their text (window-accumulators.ts): the array of them, or a
// single aggregate's accumulator itself. Before, every slice held `{ keys, aggs }` (the keyed
// layout, still used for other keys, e.g. DOUBLE). State of that layout restores into the compact
// one: a HOP aggregation stopped anywhere with a snapshot of the keyed layout and resumed in the
// compact one gives the output of an uninterrupted compact run, on random inputs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { KeyedOneInputOperatorHarness } from "@fleuve/core/testing";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { integerOfKeyText, keyFromText, keyValuesOfText } from "../../src/planner/window-accumulators.js";

type WindowOperator = ConstructorParameters<typeof KeyedOneInputOperatorHarness<Row, Row>>[0];

/**
 * The window operator of `select` (over table `t (k <keyType>, v INT, ts)`) as the planner builds
 * it, created anew by each call.
 */
async function windowOperator(keyType: string, select: string): Promise<() => WindowOperator> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const tEnv = sql(env);
  await tEnv.executeSql(`CREATE TABLE t (k ${keyType}, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
    WITH ('connector' = 'datagen', 'number-of-rows' = '1')`);
  tEnv.sqlQuery(select).toDataStream();
  const node = env.graph.nodes.find((n) => n.name.startsWith("Window("));
  assert.ok(node !== undefined, env.graph.nodes.map((n) => n.name).join("; "));
  return () => node.createOperator() as WindowOperator;
}

/** Key text of a row, as the planner's key selector makes it for one key value (jsonKey). */
const keyOf = (r: Row) => `[${JSON.stringify(r.k)}]`;

interface Input {
  readonly row: Row;
  readonly ts: number;
}

function feed(h: KeyedOneInputOperatorHarness<Row, Row>, inputs: readonly Input[]): void {
  let wm = Number.NEGATIVE_INFINITY;
  for (const { row, ts } of inputs) {
    h.processElement({ ...row }, ts);
    // Event time moves as the rows do (bounded out of orderness of 0, as WATERMARK FOR ts AS ts).
    if (ts - 1 > wm) {
      wm = ts - 1;
      h.processWatermark(wm);
    }
  }
}

const sorted = (rows: readonly Row[]) => rows.map((r) => JSON.stringify(r)).sort();

/** The slice accumulators a harness holds (of every key), from its snapshot. */
function sliceAccumulators(h: KeyedOneInputOperatorHarness<Row, Row>): unknown[] {
  const found: unknown[] = [];
  const visit = (x: unknown) => {
    if (x === null || typeof x !== "object") return;
    if (Object.hasOwn(x, "s") && Object.hasOwn(x, "pend") && Array.isArray((x as { s: unknown }).s)) {
      const s = (x as { s: unknown[] }).s;
      for (let i = 1; i < s.length; i += 2) found.push(s[i]);
      return;
    }
    for (const v of Object.values(x)) visit(v);
  };
  visit(h.snapshot());
  return found;
}

const inputsArb = fc.array(
  fc.record({ k: fc.integer({ min: 0, max: 3 }), v: fc.integer({ min: -20, max: 20 }), dt: fc.nat(900) }),
  { maxLength: 40 },
);

/** Rows with rising times (dt ms apart), some a little late. */
const toInputs = (xs: readonly { k: number; v: number; dt: number }[]): Input[] => {
  let t = 10_000;
  return xs.map(({ k, v, dt }, i) => {
    t += dt;
    const ts = i % 5 === 4 ? t - 300 : t;
    return { row: { k, v, ts }, ts };
  });
};

const SELECTS: [string, string][] = [
  ["COUNT(*) (a count per slice)", "COUNT(*) AS n"],
  ["SUM(v) (one [sum, count] per slice)", "SUM(v) AS s"],
  ["COUNT, SUM, MAX, AVG (their array per slice)", "COUNT(*) AS n, SUM(v) AS s, MAX(v) AS mx, AVG(v) AS a"],
];

for (const [name, aggregates] of SELECTS) {
  test(`HOP ${name}: a snapshot of the keyed layout (before the compact one) restores into the compact one`, async () => {
    const select = `SELECT k, window_start, window_end, ${aggregates}
      FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '0.5' SECOND, INTERVAL '2' SECOND))
      GROUP BY k, window_start, window_end`;
    // A DOUBLE key keeps the keyed layout; its key texts and rows equal those of the INT key for
    // integral values, so its state is what the INT key's window held before.
    const keyed = await windowOperator("DOUBLE", select);
    const compact = await windowOperator("INT", select);

    // The two layouts are what this test is about: objects with keys, and no object per slice.
    const probe = (create: () => WindowOperator) => {
      const h = new KeyedOneInputOperatorHarness(create(), keyOf);
      h.processElement({ k: 1, v: 2, ts: 10_000 }, 10_000);
      return sliceAccumulators(h);
    };
    const old = probe(keyed);
    assert.ok(old.length > 0 && old.every((a) => Object.hasOwn(a as object, "keys")), JSON.stringify(old));
    const now = probe(compact);
    assert.ok(now.length > 0, "slices found");
    for (const a of now) assert.ok(typeof a === "number" || Array.isArray(a), JSON.stringify(a));

    await fc.assert(
      fc.asyncProperty(inputsArb, fc.nat(), async (xs, cutSeed) => {
        const inputs = toInputs(xs);
        const whole = new KeyedOneInputOperatorHarness(compact(), keyOf);
        feed(whole, inputs);
        whole.endInput();

        const cut = cutSeed % (inputs.length + 1);
        const first = new KeyedOneInputOperatorHarness(keyed(), keyOf);
        feed(first, inputs.slice(0, cut));
        const snap = first.snapshot();
        const second = new KeyedOneInputOperatorHarness(compact(), keyOf, { restoreFrom: snap });
        second.open();
        // The watermark is not in the snapshot: upstream sends it again.
        if (cut > 0) second.processWatermark(Math.max(...inputs.slice(0, cut).map((i) => i.ts - 1)));
        feed(second, inputs.slice(cut));
        second.endInput();
        assert.deepEqual(
          sorted([...first.getOutputValues(), ...second.getOutputValues()]),
          sorted(whole.getOutputValues()),
        );
      }),
      { numRuns: 60 },
    );
  });
}

test("the keys that come back from their text: integers, strings, booleans, NULL; read back as they were", () => {
  const atomic = (name: string) => ({ kind: "atomic", name });
  for (const t of ["INT", "BIGINT", "SMALLINT", "TINYINT", "STRING", "VARCHAR", "CHAR", "BOOLEAN"])
    assert.ok(keyFromText(atomic(t)), t);
  for (const t of ["DOUBLE", "FLOAT", "DECIMAL", "TIMESTAMP", "DATE"]) assert.ok(!keyFromText(atomic(t)), t);
  assert.ok(!keyFromText({ kind: "array" }));
  assert.ok(!keyFromText(undefined));
  const value = fc.oneof(
    fc.integer(),
    fc.maxSafeInteger(),
    fc.string(),
    fc.string({ unit: "binary" }),
    fc.boolean(),
    fc.constant(null),
  );
  fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 3 }), (values) => {
      // The key text as jsonKey writes it.
      const text = JSON.stringify(values);
      assert.deepEqual([...keyValuesOfText(values.length)(text)], values);
    }),
    { numRuns: 500 },
  );
  assert.deepEqual(keyValuesOfText(0)(""), []);
});

test("a one-number key text read digit by digit gives what Number gives, or leaves it to Number (a long past 2^53 exactly)", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double({ noNaN: true, noDefaultInfinity: true })),
      (n) => {
        const text = JSON.stringify([n]);
        const v = integerOfKeyText(text);
        if (v !== undefined) assert.ok(Object.is(v, Number(text.slice(1, -1))), text);
        if (Number.isInteger(n) && Math.abs(n) < 1e15) assert.ok(Object.is(v, n === 0 ? 0 : n), text);
        // An integer past 2^53 within a long's range is a BIGINT's, read back exactly (a bigint).
        const inner = text.slice(1, -1);
        const long =
          /^-?\d+$/.test(inner) &&
          !Number.isSafeInteger(Number(inner)) &&
          BigInt.asIntN(64, BigInt(inner)) === BigInt(inner);
        const want = long ? BigInt(inner) : Number(inner);
        assert.ok(Object.is(keyValuesOfText(1)(text)[0], want), text);
      },
    ),
    { numRuns: 2000 },
  );
  for (const t of ["[]", "[-]", "[1.5]", "[1e+21]", "[-1e-7]", "[12a]", "[1234567890123456]", "[1"])
    assert.equal(integerOfKeyText(t), undefined, t);
  assert.equal(integerOfKeyText("[123456789012345]"), 123456789012345);
  assert.equal(integerOfKeyText("[-42]"), -42);
});
