// Flink's datagen connector: sequences end the source, random values stay within their bounds
// and are the same for the same row index (reproducible), NULLs at the null rate, and bad
// options or columns fail at start-up naming the field.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createSource, datagenConnector, StreamExecutionEnvironment } from "../../src/index.js";

const schema = [
  { name: "id", type: "BIGINT" },
  { name: "price", type: "DECIMAL(10, 2)" },
  { name: "name", type: "STRING" },
  { name: "flag", type: "BOOLEAN" },
  { name: "ts", type: "TIMESTAMP(3)" },
];

async function generate(options: Record<string, string>, parallelism = 1) {
  const env = StreamExecutionEnvironment.create({ parallelism });
  const source = createSource(datagenConnector, options, { schema });
  return env.executeAndCollect(env.fromSource(source).map((r) => r.value as Record<string, unknown>));
}

test("a sequence field ends the source at its end; random fields stay within min/max/length", async () => {
  const before = Date.now();
  const rows = await generate(
    {
      "rows-per-second": "0",
      "fields.id.kind": "sequence",
      "fields.id.start": "1",
      "fields.id.end": "50",
      "fields.price.min": "10",
      "fields.price.max": "20",
      "fields.name.length": "5",
      "fields.ts.max-past": "60000",
    },
    2,
  );
  assert.deepEqual(
    rows.map((r) => r.id).sort((a, b) => (a as number) - (b as number)),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  for (const r of rows) {
    assert.ok((r.price as number) >= 10 && (r.price as number) <= 20, `price ${r.price}`);
    assert.match(r.name as string, /^[0-9a-f]{5}$/);
    assert.equal(typeof r.flag, "boolean");
    assert.ok((r.ts as number) >= before - 60_000 && (r.ts as number) <= Date.now());
  }
  assert.ok(new Set(rows.map((r) => r.price)).size > 10, "random prices vary");
});

test("number-of-rows bounds a random source; the same index gives the same values; null-rate", async () => {
  const opts = {
    "number-of-rows": "200",
    "rows-per-second": "0",
    "fields.id.min": "0",
    "fields.id.max": "3",
    "fields.name.null-rate": "0.5",
  };
  const a = await generate(opts);
  const b = await generate(opts);
  assert.equal(a.length, 200);
  assert.deepEqual(
    a.map((r) => [r.id, r.name]),
    b.map((r) => [r.id, r.name]),
  );
  assert.deepEqual([...new Set(a.map((r) => r.id))].sort(), [0, 1, 2, 3]);
  const nulls = a.filter((r) => r.name === null).length;
  assert.ok(nulls > 50 && nulls < 150, `${nulls} NULL names of 200`);
});

test("rows-per-second paces the source", async () => {
  const start = Date.now();
  const rows = await generate({ "number-of-rows": "30", "rows-per-second": "100" });
  assert.equal(rows.length, 30);
  // 30 rows at 100/s cannot take less than ~0.29 s however fast the machine is.
  assert.ok(Date.now() - start >= 250, `${Date.now() - start} ms`);
});

test("bad datagen options fail naming the field", () => {
  assert.throws(
    () => createSource(datagenConnector, { "fields.id.kind": "sequence" }, { schema }),
    /connector 'datagen' source: field 'id': a sequence needs 'fields.<name>.start' and 'fields.<name>.end'/,
  );
  assert.throws(
    () => createSource(datagenConnector, { "fields.nope.min": "1" }, { schema }),
    /field 'nope': option 'fields.nope.min' names no column; the columns are id, price, name, flag, ts/,
  );
  assert.throws(() => createSource(datagenConnector, {}), /declare them in a SQL CREATE TABLE/);
  assert.throws(
    () => createSource(datagenConnector, {}, { schema: [{ name: "m", type: "MAP<STRING, INT>" }] }),
    /field 'm': type MAP<STRING, INT> is not supported/,
  );
});
