// The text of ARRAY, MAP, MULTISET and ROW values, as Flink 1.20 writes it. Two writers differ:
// CAST(... AS STRING) uses the cast rules (ArrayToStringCastRule `[a, b]`, MapToStringCastRule
// `{k=v}`, RowToStringCastRule `(a, b)`; each element cast to STRING the same way, so a timestamp
// is `2020-04-15 08:05:00.000` and a boolean `TRUE`; a NULL element `NULL`), while the print
// connector writes Java's toString of the external values (Row.toString: a nested ROW is
// `+I[a, b]`, a timestamp a LocalDateTime `2020-04-15T08:05`, a boolean `true`, BYTES a byte[]).
// Expected text is written out here; a property checks random nested values read from a table
// against a reference formatter written from Flink's rules.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { castText, flinkText, materialize, parseDataType, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";

const env = () =>
  sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), { connectors: logConnectors });
const one = async (q: string) => materialize(await (await env().executeSql(q)).collect())[0];

test("CAST to STRING: nested ARRAY<MAP<STRING, ARRAY<INT>>>, ROW with NULL fields, MAP with NULL values", async () => {
  const row = await one(`
    SELECT
      CAST(ARRAY[MAP['k', ARRAY[1, CAST(NULL AS INT)], 'e', ARRAY[2]], MAP['z', ARRAY[3]]] AS STRING) AS nested,
      CAST(ROW(1, CAST(NULL AS STRING), 'x y') AS STRING) AS r,
      CAST(ROW(ROW(1, 'x'), ARRAY['a', 'b']) AS VARCHAR) AS rr,
      CAST(MAP['a', CAST(NULL AS INT), 'b', 2] AS STRING) AS m,
      CAST(ARRAY['a', CAST(NULL AS STRING), ''] AS STRING) AS strings`);
  // bench/flink (Flink 1.20, 2026-12-08) printed r, m and strings so, and the same over a table's
  // columns: a NULL inside a CAST's text is NULL, where print writes null. (It refuses `nested`'s
  // ARRAY of MAP literals: "Unsupported type when convertTypeToSpec: MAP".)
  assert.deepEqual(row, {
    nested: "[{k=[1, NULL], e=[2]}, {z=[3]}]",
    r: "(1, NULL, x y)",
    rr: "((1, x), [a, b])",
    m: "{a=NULL, b=2}",
    strings: "[a, NULL, ]",
  });
});

test("CAST to STRING: DECIMAL, DOUBLE, TIMESTAMP, DATE, and BOOLEAN elements as their own CAST to STRING", async () => {
  const row = await one(`
    SELECT
      CAST(ARRAY[CAST(1.5 AS DECIMAL(5, 2)), CAST(2 AS DECIMAL(5, 2))] AS STRING) AS decimals,
      CAST(ARRAY[CAST(1 AS DOUBLE), CAST(0.5 AS DOUBLE)] AS STRING) AS doubles,
      CAST(ARRAY[TIMESTAMP '2020-04-15 08:05:00.000'] AS STRING) AS ts,
      CAST(ROW(DATE '2020-04-15', TRUE, FALSE) AS STRING) AS r,
      CAST(CAST(2.5 AS DECIMAL(4, 3)) AS STRING) AS scalar_decimal,
      CAST(CAST(3 AS DOUBLE) AS STRING) AS scalar_double`);
  assert.deepEqual(row, {
    decimals: "[1.50, 2.00]",
    doubles: "[1.0, 0.5]",
    ts: "[2020-04-15 08:05:00.000]",
    r: "(2020-04-15, TRUE, FALSE)",
    scalar_decimal: "2.500",
    scalar_double: "3.0",
  });
});

test("CAST of a MULTISET (COLLECT) to STRING: {element=count}", async () => {
  const row = await one(`
    SELECT CAST(COLLECT(v) AS STRING) AS s, CAST(COLLECT(n) AS STRING) AS ns
    FROM (VALUES ('x', CAST(1.5 AS DOUBLE)), ('y', CAST(2.5 AS DOUBLE)), ('x', CAST(1.5 AS DOUBLE))) AS t (v, n)`);
  // COLLECT's value is a GenericMapData over its accumulator's HashMap (CollectAggFunction), which
  // CAST walks in Java's HashMap order: 2.5 before 1.5 (Double.hashCode buckets 4 and 8).
  assert.deepEqual(row, { s: "{x=2, y=1}", ns: "{2.5=1, 1.5=2}" });
});

test("BYTES: decoded as UTF-8 in CAST (BinaryToStringCastRule), a signed byte[] in print", () => {
  const t = parseDataType("ARRAY<BYTES>");
  const bytes = [Buffer.from("hé"), null];
  assert.equal(castText(bytes, t), "[hé, NULL]");
  assert.equal(flinkText(bytes, t), "[[104, -61, -87], null]");
  // A DOUBLE key of a MAP is held as its text: printed back as a DOUBLE.
  assert.equal(castText({ 1: "a" }, parseDataType("MAP<DOUBLE, STRING>")), "{1.0=a}");
  assert.equal(flinkText({ 1: "a" }, parseDataType("MAP<DOUBLE, STRING>")), "{1.0=a}");
});

test("the print connector: Java's toString of the values (nested ROW +I[...], LocalDateTime, byte[], null)", async () => {
  const tEnv = env();
  await tEnv.executeSql(`
    CREATE TABLE p (
      a ARRAY<MAP<STRING, ARRAY<INT>>>, r ROW<x INT, y STRING, z BOOLEAN>, m MAP<STRING, INT>,
      ts ARRAY<TIMESTAMP(3)>, d ARRAY<DECIMAL(5, 2)>, b BYTES, b3 BINARY(3), vb VARBINARY(10),
      bs STRING
    ) WITH ('connector' = 'print', 'print-identifier' = 'collection-text')`);
  const lines: string[] = [];
  const write = process.stdout.write;
  // Only the print sink's lines (by their identifier) are taken: the test runner reports on stdout too.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : "";
    if (!text.startsWith("collection-text> "))
      return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    lines.push(text.slice("collection-text> ".length).trimEnd());
    return true;
  }) as typeof process.stdout.write;
  try {
    await (
      await tEnv.executeSql(`
        INSERT INTO p SELECT
          ARRAY[MAP['k', ARRAY[1, CAST(NULL AS INT)]]],
          ROW(1, CAST(NULL AS STRING), TRUE),
          MAP['a', CAST(NULL AS INT), 'b', 2],
          ARRAY[TIMESTAMP '2020-04-15 08:05:00.000', TIMESTAMP '2020-04-15 08:05:01.250'],
          ARRAY[CAST(1.5 AS DECIMAL(5, 2))],
          CAST('hé' AS BYTES), CAST('a' AS BINARY(3)), CAST('ab' AS VARBINARY(10)),
          CAST(CAST('hé' AS BYTES) AS STRING)`)
    ).await();
  } finally {
    process.stdout.write = write;
  }
  assert.deepEqual(lines, [
    // A byte[] field as Row.toString writes it (Arrays.toString: signed bytes); BINARY(3) padded
    // with zero bytes; CAST of the bytes to STRING decodes UTF-8 (BinaryToStringCastRule).
    "+I[[{k=[1, null]}], +I[1, null, true], {a=null, b=2}, [2020-04-15T08:05, 2020-04-15T08:05:01.250], [1.50], [104, -61, -87], [97, 0, 0], [97, 98], hé]",
  ]);
});

test("print text writes a MAP or MULTISET in the order of the java.util.HashMap Flink's print sink converts it to; CAST in the order of Flink's internal map", async () => {
  // Each expected text is what Java 17's HashMap.toString gives for the same puts.
  const cases: [string, string, string][] = [
    // Integer-like string keys are not first: "1", "x", "10" are in buckets 1, 8 and 15.
    ["MAP['10', 1, '1', 2, 'x', 3]", "MAP<STRING, INT>", "{1=2, x=3, 10=1}"],
    ["MAP[20, 'a', 3, 'b', 17, 'c']", "MAP<INT, STRING>", "{17=c, 3=b, 20=a}"],
    // Fifteen keys: the table grows from 16 to 32 buckets on the thirteenth.
    [
      `MAP[${["b", "a", "apple", "banana", "cherry", "date", "elderberry", "fig", "grape", "kiwi", "lemon", "mango", "nectarine", "orange", "pear"].map((k) => `'${k}', CHAR_LENGTH('${k}')`).join(", ")}]`,
      "MAP<STRING, INT>",
      "{banana=6, date=4, a=1, cherry=6, b=1, kiwi=4, nectarine=9, fig=3, grape=5, elderberry=10, mango=5, orange=6, apple=5, lemon=5, pear=4}",
    ],
    [
      "MAP[CAST(5000000000 AS BIGINT), 'x', CAST(-1 AS BIGINT), 'y', CAST(7 AS BIGINT), 'z']",
      "MAP<BIGINT, STRING>",
      "{-1=y, 5000000000=x, 7=z}",
    ],
    ["MAP[1.5e0, 'x', -0.25e0, 'y', 100e0, 'z']", "MAP<DOUBLE, STRING>", "{-0.25=y, 1.5=x, 100.0=z}"],
    ["MAP[TRUE, 1, FALSE, 2]", "MAP<BOOLEAN, INT>", "{false=2, true=1}"],
    [
      "MAP[DATE '2024-02-29', 1, DATE '2020-01-01', 2, DATE '1999-12-31', 3]",
      "MAP<DATE, INT>",
      "{1999-12-31=3, 2024-02-29=1, 2020-01-01=2}",
    ],
  ];
  for (const [expr, type, printed] of cases) {
    const row = await one(`SELECT ${expr} AS m`);
    assert.equal(flinkText(row?.m, parseDataType(type)), printed, expr);
  }
  // A MULTISET prints as the map of element to count it converts to.
  assert.equal(flinkText({ 10: 2, 1: 1, x: 3 }, parseDataType("MULTISET<STRING>")), "{1=1, x=3, 10=2}");
  // CAST walks Flink's internal map (MapToStringCastRule): a MAP constructor's BinaryMapData in the
  // order written (integer-like keys are not put first), nested or not, TRY_CAST too.
  assert.deepEqual(
    await one(`SELECT CAST(MAP['10', 1, '1', 2, 'x', 3] AS STRING) AS s,
      CAST(MAP[20, 'a', 3, 'b', 17, CAST(NULL AS STRING)] AS STRING) AS v,
      TRY_CAST(MAP['b', 1.5e0, 'a', 2e0] AS STRING) AS d`),
    { s: "{10=1, 1=2, x=3}", v: "{20=a, 3=b, 17=NULL}", d: "{b=1.5, a=2.0}" },
  );
  // A map read by the json format is a GenericMapData over a java.util.HashMap in Flink: CAST
  // writes it in the HashMap's order, as print does.
  const dir = logWithRows("maps", [{ m: { 10: 1, 1: 2, x: 3 }, n: { 20: "a", 3: "b", 17: "c" } }]);
  const tEnv = env();
  await tEnv.executeSql(
    `CREATE TABLE maps (m MAP<STRING, INT>, n MAP<INT, STRING>) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 'maps', 'bounded' = 'true')`,
  );
  assert.deepEqual(
    materialize(
      await (
        await tEnv.executeSql("SELECT CAST(m AS STRING) AS s, CAST(n AS STRING) AS t FROM maps")
      ).collect(),
    ),
    [{ s: "{1=2, x=3, 10=1}", t: "{17=c, 3=b, 20=a}" }],
  );
});

// A reference formatter from Flink's rules, for the property: a type and a value of it (as a
// table reads it from JSON: ROW as an object by field name, MAP an object by key text).
/** A type's structure: an atomic type's name, or an ARRAY, MAP (STRING keys) or two-field ROW of others. */
type Shape = string | { array: Shape } | { map: Shape } | { row: [Shape, Shape] };
type Gen = { type: string; shape: Shape; value: unknown };
const atomics: fc.Arbitrary<Gen>[] = [
  fc.integer({ min: -1000, max: 1000 }).map((n) => ({ type: "INT", shape: "INT", value: n })),
  fc.constantFrom("a", "b c", "", "=,[]").map((s) => ({ type: "STRING", shape: "STRING", value: s })),
  fc.boolean().map((b) => ({ type: "BOOLEAN", shape: "BOOLEAN", value: b })),
  fc.integer({ min: -999, max: 999 }).map((n) => ({ type: "DOUBLE", shape: "DOUBLE", value: n / 4 })),
  fc
    .integer({ min: -9999, max: 9999 })
    .map((n) => ({ type: "DECIMAL(6, 2)", shape: "DECIMAL(6, 2)", value: n / 100 })),
];

/** CAST text by Flink's rules of a value of `type` (the test's own writing of them). */
function referenceCast(shape: Shape, v: unknown): string {
  if (v === null) return "NULL";
  if (typeof shape === "object" && "array" in shape)
    return `[${(v as unknown[]).map((x) => referenceCast(shape.array, x)).join(", ")}]`;
  if (typeof shape === "object" && "map" in shape)
    // A map read from a table is a HashMap in Flink: CAST walks it in the HashMap's order.
    return `{${Object.entries(v as object)
      .sort(([a], [b]) => JAVA_ORDER.indexOf(a) - JAVA_ORDER.indexOf(b))
      .map(([k, x]) => `${k}=${referenceCast(shape.map, x)}`)
      .join(", ")}}`;
  if (typeof shape === "object") {
    const r = v as { f0: unknown; f1: unknown };
    return `(${referenceCast(shape.row[0], r.f0)}, ${referenceCast(shape.row[1], r.f1)})`;
  }
  if (shape === "BOOLEAN") return v ? "TRUE" : "FALSE";
  if (shape === "DOUBLE") return Number.isInteger(v) ? `${v}.0` : String(v);
  if (shape === "DECIMAL(6, 2)") return (v as number).toFixed(2);
  return String(v);
}

/** The map keys of the property, as a java.util.HashMap iterates them. */
const JAVA_ORDER = ["m n", "k", "l"];

/** Print text by Java's toString of the external values (Row.toString for a nested ROW). */
function referencePrint(shape: Shape, v: unknown): string {
  if (v === null) return "null";
  if (typeof shape === "object" && "array" in shape)
    return `[${(v as unknown[]).map((x) => referencePrint(shape.array, x)).join(", ")}]`;
  if (typeof shape === "object" && "map" in shape)
    // A java.util.HashMap's order of these keys: their String.hashCode buckets are 10, 11, 12.
    return `{${Object.entries(v as object)
      .sort(([a], [b]) => JAVA_ORDER.indexOf(a) - JAVA_ORDER.indexOf(b))
      .map(([k, x]) => `${k}=${referencePrint(shape.map, x)}`)
      .join(", ")}}`;
  if (typeof shape === "object") {
    const r = v as { f0: unknown; f1: unknown };
    return `+I[${referencePrint(shape.row[0], r.f0)}, ${referencePrint(shape.row[1], r.f1)}]`;
  }
  if (shape === "DOUBLE") return Number.isInteger(v) ? `${v}.0` : String(v);
  if (shape === "DECIMAL(6, 2)") return (v as number).toFixed(2);
  return String(v);
}

const orNull = (g: fc.Arbitrary<Gen>): fc.Arbitrary<Gen> =>
  g.chain((x) => fc.constantFrom(x, { ...x, value: null }));
const nested: fc.Arbitrary<Gen> = fc.letrec<{ value: Gen }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: "v" },
    ...atomics,
    // The element type is the first element's; the others are values of the same type.
    tie("value").chain((first) =>
      fc.array(sameType(first), { maxLength: 3 }).map((rest) => ({
        type: `ARRAY<${first.type}>`,
        shape: { array: first.shape },
        value: [first, ...rest].map((x) => x.value),
      })),
    ),
    tie("value").chain((first) =>
      fc
        .uniqueArray(fc.tuple(fc.constantFrom("k", "l", "m n"), orNull(sameType(first))), {
          selector: ([k]) => k,
          maxLength: 3,
        })
        .map((entries) => ({
          type: `MAP<STRING, ${first.type}>`,
          shape: { map: first.shape },
          value: Object.fromEntries(entries.map(([k, x]) => [k, x.value])),
        })),
    ),
    fc.tuple(tie("value"), tie("value")).chain(([a, b]) =>
      fc.tuple(orNull(fc.constant(a)), orNull(fc.constant(b))).map(([x, y]) => ({
        type: `ROW<f0 ${a.type}, f1 ${b.type}>`,
        shape: { row: [a.shape, b.shape] as [Shape, Shape] },
        value: { f0: x.value, f1: y.value },
      })),
    ),
  ),
})).value;

/** Values of the type of `g` (NULL among them), built again from that type's generator. */
function sameType(g: Gen): fc.Arbitrary<Gen> {
  return orNull(
    fc.constant(g).chain((x) => {
      const atomic = atomics[["INT", "STRING", "BOOLEAN", "DOUBLE", "DECIMAL(6, 2)"].indexOf(x.type)];
      return atomic ?? fc.constant(x);
    }),
  );
}

test("property: random nested values read from a table, CAST to STRING and print text against a reference from Flink's rules", async () => {
  await fc.assert(
    fc.asyncProperty(nested, async ({ type, shape, value }) => {
      const dir = logWithRows("t", [{ c: value }]);
      const tEnv = env();
      await tEnv.executeSql(
        `CREATE TABLE t (c ${type}) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = 't', 'bounded' = 'true')`,
      );
      const rows = materialize(
        await (await tEnv.executeSql("SELECT c, CAST(c AS STRING) AS s FROM t")).collect(),
      );
      assert.equal(rows[0]?.s, value === null ? null : referenceCast(shape, value));
      const t = parseDataType(type);
      assert.equal(castText(rows[0]?.c ?? null, t), referenceCast(shape, value));
      assert.equal(flinkText(rows[0]?.c ?? null, t), referencePrint(shape, value));
    }),
    { numRuns: 60 },
  );
});
