// A record key that crossed worker threads arrives as a plain Uint8Array (structured clone drops
// Buffer's prototype); the key formats read its bytes as they read a Buffer's (Uint8Array's own
// toString would give "0,255,128").
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConnectorRecord } from "@fleuve/core";
import { keyDecoder, tableLayout } from "../../src/formats/table-format.js";

const STRING = { kind: "atomic", name: "STRING", args: [], notNull: false } as const;
const INT = { kind: "atomic", name: "INT", args: [], notNull: false } as const;

const record = (key: Uint8Array): ConnectorRecord =>
  ({ key, value: null, partition: 0, offset: 0, timestamp: 0, topic: "t" }) as unknown as ConnectorRecord;

const decoderOf = (format: string, columns: { name: string; type: typeof STRING | typeof INT }[]) => {
  const layout = tableLayout("t", {
    connector: "kafka",
    upsert: false,
    options: {
      topic: "t",
      "key.format": format,
      "key.fields": columns.map((c) => c.name).join(";"),
      "value.format": "json",
    },
    columns: [...columns, { name: "v", type: STRING }],
  });
  assert.ok(layout.key);
  return keyDecoder("t", layout.key);
};

test("'key.format' = 'raw' reads a STRING key from a plain Uint8Array as UTF-8", () => {
  const decode = decoderOf("raw", [{ name: "k", type: STRING }]);
  const bytes = structuredClone(Buffer.from("clé-7", "utf8")) as Uint8Array;
  assert.equal(Buffer.isBuffer(bytes), false);
  assert.deepEqual(decode(record(bytes)), { k: "clé-7" });
  // A view into a larger buffer: only its own bytes.
  const big = Buffer.from("xxabcyy", "utf8");
  assert.deepEqual(decode(record(new Uint8Array(big.buffer, big.byteOffset + 2, 3))), { k: "abc" });
});

test("'key.format' = 'json' parses a key from a plain Uint8Array", () => {
  const decode = decoderOf("json", [
    { name: "id", type: INT },
    { name: "name", type: STRING },
  ]);
  const bytes = structuredClone(Buffer.from('{"id":5,"name":"a"}', "utf8")) as Uint8Array;
  assert.deepEqual(decode(record(bytes)), { id: 5, name: "a" });
});
