// `fleuve registry types <subject>`: TypeScript types from Avro, JSON Schema and Protobuf
// subjects. Each generated file is compiled with tsc (strict) together with records the
// deserializer returned for values of that schema, which must type-check; and a record with a
// field of the wrong type must not (tsc's error names the field).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type RunningRegistry, schemaDeserializer, schemaSerializer, startRegistry } from "../src/index.js";
import { tmpDir } from "./fixtures/http.js";

const run = promisify(execFile);
const BIN = fileURLToPath(new URL("../../cli/bin/fleuve.js", import.meta.url));
const TSC = fileURLToPath(new URL("../../../node_modules/typescript/bin/tsc", import.meta.url));

let r: RunningRegistry;
before(async () => {
  r = await startRegistry({ port: 0 });
});
after(() => r.close());

/** Compiles `files` (name -> source) with tsc --strict; its diagnostics, "" when it compiles. */
async function tsc(files: Record<string, string>): Promise<string> {
  const dir = tmpDir("fleuve-types-");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  try {
    await run(
      process.execPath,
      [
        TSC,
        "--strict",
        "--noEmit",
        "--target",
        "es2022",
        "--module",
        "nodenext",
        "--types",
        "node",
        "--typeRoots",
        fileURLToPath(new URL("../../../node_modules/@types", import.meta.url)),
        ...Object.keys(files).map((f) => join(dir, f)),
      ],
      { cwd: dir },
    );
    return "";
  } catch (e) {
    return (e as { stdout: string }).stdout;
  }
}

async function types(subject: string, ...args: string[]): Promise<string> {
  return (await run(process.execPath, [BIN, "registry", "types", subject, "--url", r.url, ...args])).stdout;
}

/** Records as the deserializer returns them for `values` written with the subject's latest schema. */
async function roundTrip(subject: string, values: unknown[], messageName?: string): Promise<unknown[]> {
  const ser = await schemaSerializer({
    url: r.url,
    subject,
    version: "latest",
    ...(messageName ? { messageName } : {}),
  });
  const de = schemaDeserializer({ url: r.url });
  return values.map((v) => de.deserialize(ser.serialize(v)));
}

it("Avro: the types of a record with nested records, enums, unions, arrays and maps hold its records", async () => {
  const schema = {
    type: "record",
    name: "Order",
    namespace: "shop",
    doc: "An order.",
    fields: [
      { name: "id", type: "long" },
      { name: "status", type: { type: "enum", name: "Status", symbols: ["NEW", "PAID"] } },
      { name: "note", type: ["null", "string"], default: null },
      {
        name: "lines",
        type: {
          type: "array",
          items: {
            type: "record",
            name: "Line",
            fields: [
              { name: "sku", type: "string" },
              { name: "qty", type: "int" },
            ],
          },
        },
      },
      { name: "tags", type: { type: "map", values: "double" } },
    ],
  };
  await schemaSerializer({ url: r.url, subject: "orders-value", schema });
  const generated = await types("orders-value");
  assert.match(generated, /export interface Order \{/);
  assert.match(generated, /export type Status = "NEW" \| "PAID";/);
  const records = await roundTrip("orders-value", [
    { id: 1, status: "NEW", note: null, lines: [{ sku: "a", qty: 2 }], tags: { x: 1.5 } },
    { id: 2, status: "PAID", note: "gift", lines: [], tags: {} },
  ]);
  const use = `import type { Order } from "./types.js";\nexport const records: Order[] = ${JSON.stringify(records)};\n`;
  assert.equal(await tsc({ "types.ts": generated, "use.ts": use }), "");
  const wrong = `import type { Order } from "./types.js";\nexport const bad: Order = { id: 1, status: "LOST", note: null, lines: [], tags: {} };\n`;
  assert.match(
    await tsc({ "types.ts": generated, "use.ts": wrong }),
    /status[\s\S]*"LOST"|"LOST"[\s\S]*Status/,
  );
});

it("JSON Schema: required and optional properties, enums, $defs and the open content model", async () => {
  const schema = {
    type: "object",
    properties: {
      id: { type: "integer" },
      kind: { enum: ["a", "b"] },
      owner: { $ref: "#/$defs/Person" },
      scores: { type: "array", items: { type: "number" } },
    },
    required: ["id", "kind"],
    additionalProperties: false,
    $defs: {
      Person: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
    },
  };
  await schemaSerializer({ url: r.url, subject: "things-value", schema, schemaType: "JSON" });
  const generated = await types("things-value", "--version", "1");
  const records = await roundTrip("things-value", [
    { id: 1, kind: "a" },
    { id: 2, kind: "b", owner: { name: "ada", extra: true }, scores: [1, 2.5] },
  ]);
  const use = `import type { Value } from "./types.js";\nexport const records: Value[] = ${JSON.stringify(records)};\n`;
  assert.equal(await tsc({ "types.ts": generated, "use.ts": use }), "");
  // Closed model: an unknown property is an error; a missing required one too.
  const wrong = `import type { Value } from "./types.js";\nexport const a: Value = { id: 1, kind: "a", color: "red" };\nexport const b: Value = { kind: "b" };\n`;
  const errors = await tsc({ "types.ts": generated, "use.ts": wrong });
  assert.match(errors, /color/);
  assert.match(errors, /Property 'id' is missing/);
});

it("Protobuf: messages, nested messages, enums, repeated and 64-bit fields as the deserializer returns them", async () => {
  const proto = `syntax = "proto3";
package acme;
message Click {
  string page = 1;
  int64 at = 2;
  enum Device { DESKTOP = 0; MOBILE = 1; }
  Device device = 3;
  repeated Ref refs = 4;
  message Ref { string url = 1; }
}
`;
  await schemaSerializer({ url: r.url, subject: "clicks-value", schema: proto, schemaType: "PROTOBUF" });
  const generated = await types("clicks-value");
  assert.match(generated, /export interface acme_Click \{/);
  const records = await roundTrip("clicks-value", [
    { page: "/home", at: 42, device: 1, refs: [{ url: "x" }] },
    { page: "/cart" },
  ]);
  const use = `import type { acme_Click } from "./types.js";\nexport const records: acme_Click[] = ${JSON.stringify(records)};\n`;
  assert.equal(await tsc({ "types.ts": generated, "use.ts": use }), "");
  const wrong = `import type { acme_Click } from "./types.js";\nexport const bad: acme_Click = { at: 42 };\n`;
  assert.match(
    await tsc({ "types.ts": generated, "use.ts": wrong }),
    /'number' is not assignable to type 'string'/,
  );
});

/** The generated types without the header line (which names the registry's URL). */
const body = (generated: string) => generated.slice(generated.indexOf("\n") + 1);

it("JSON Schema: $refs to referenced subjects (whole schema and #/definitions pointers) and local definitions are named types", async () => {
  const address = {
    type: "object",
    properties: { street: { type: "string" }, zip: { $ref: "#/definitions/zip" } },
    required: ["street"],
    additionalProperties: false,
    definitions: { zip: { type: "string", pattern: "^[0-9]{5}$" } },
  };
  const user = {
    type: "object",
    properties: {
      name: { type: "string" },
      address: { $ref: "address.json" },
      zip: { $ref: "address.json#/definitions/zip" },
      kind: { $ref: "#/definitions/kind" },
    },
    required: ["name", "address"],
    additionalProperties: false,
    definitions: { kind: { enum: ["person", "company"] } },
  };
  await schemaSerializer({ url: r.url, subject: "address", schema: address, schemaType: "JSON" });
  await schemaSerializer({
    url: r.url,
    subject: "user-value",
    schema: user,
    schemaType: "JSON",
    references: [{ name: "address.json", subject: "address", version: 1 }],
  });
  const generated = await types("user-value");
  // The referenced schema's own internal ref and the referencing schema's pointer into it reach
  // one schema: one type, `zip`.
  assert.equal(
    body(generated),
    `export type kind = "person" | "company";

export type Address = {
  street: string;
  zip?: zip;
};

export type zip = string;

export type Value = {
  name: string;
  address: Address;
  zip?: zip;
  kind?: kind;
};
`,
  );
  const records = await roundTrip("user-value", [
    { name: "ada", address: { street: "Main St", zip: "12345" }, zip: "54321", kind: "person" },
    { name: "bob", address: { street: "Elm St" } },
  ]);
  const use = `import type { Value } from "./types.js";\nexport const records: Value[] = ${JSON.stringify(records)};\n`;
  assert.equal(await tsc({ "types.ts": generated, "use.ts": use }), "");
  const wrong = `import type { Value } from "./types.js";\nexport const bad: Value = { name: "x", address: { street: 1 } };\n`;
  assert.match(
    await tsc({ "types.ts": generated, "use.ts": wrong }),
    /'number' is not assignable to type 'string'/,
  );
});

it("Avro: a named type defined in a referenced subject is declared, not left unknown", async () => {
  const address = {
    type: "record",
    name: "Address",
    namespace: "shop",
    fields: [{ name: "street", type: "string" }],
  };
  const customer = {
    type: "record",
    name: "Customer",
    namespace: "shop",
    fields: [
      { name: "name", type: "string" },
      { name: "address", type: "shop.Address" },
      { name: "billing", type: ["null", "shop.Address"], default: null },
    ],
  };
  await schemaSerializer({ url: r.url, subject: "shop-address", schema: address });
  await schemaSerializer({
    url: r.url,
    subject: "customers-value",
    schema: customer,
    references: [{ name: "shop.Address", subject: "shop-address", version: 1 }],
  });
  const generated = await types("customers-value");
  assert.equal(
    body(generated),
    `export interface Address {
  street: string;
}

export interface Customer {
  name: string;
  address: Address;
  billing: null | Address;
}
`,
  );
  const records = await roundTrip("customers-value", [
    { name: "ada", address: { street: "Main St" }, billing: null },
    { name: "bob", address: { street: "Elm St" }, billing: { street: "Oak St" } },
  ]);
  const use = `import type { Customer } from "./types.js";\nexport const records: Customer[] = ${JSON.stringify(records)};\n`;
  assert.equal(await tsc({ "types.ts": generated, "use.ts": use }), "");
  const wrong = `import type { Customer } from "./types.js";\nexport const bad: Customer = { name: "x", address: { street: 1 }, billing: null };\n`;
  assert.match(
    await tsc({ "types.ts": generated, "use.ts": wrong }),
    /'number' is not assignable to type 'string'/,
  );
});

it("Protobuf: messages of a referenced .proto and of google/protobuf/timestamp.proto are declared", async () => {
  const money = `syntax = "proto3";
package common;
message Money {
  string currency = 1;
  int64 units = 2;
}
`;
  const payment = `syntax = "proto3";
package shop;
import "common.proto";
import "google/protobuf/timestamp.proto";
message Payment {
  common.Money amount = 1;
  google.protobuf.Timestamp at = 2;
}
`;
  await schemaSerializer({ url: r.url, subject: "money", schema: money, schemaType: "PROTOBUF" });
  await schemaSerializer({
    url: r.url,
    subject: "payments-value",
    schema: payment,
    schemaType: "PROTOBUF",
    references: [{ name: "common.proto", subject: "money", version: 1 }],
  });
  const generated = await types("payments-value");
  assert.match(
    generated,
    /export interface common_Money \{\n {2}currency\?: string;\n {2}units\?: string;\n\}/,
  );
  assert.match(
    generated,
    /export interface shop_Payment \{\n {2}amount\?: common_Money;\n {2}at\?: google_protobuf_Timestamp;\n\}/,
  );
  assert.match(
    generated,
    /export interface google_protobuf_Timestamp \{\n {2}seconds\?: string;\n {2}nanos\?: number;\n\}/,
  );
  assert.doesNotMatch(generated, /unknown/);
  const records = await roundTrip("payments-value", [
    { amount: { currency: "EUR", units: 12 }, at: { seconds: 1700000000, nanos: 5 } },
    {},
  ]);
  assert.deepEqual(records[0], {
    amount: { currency: "EUR", units: "12" },
    at: { seconds: "1700000000", nanos: 5 },
  });
  const use = `import type { shop_Payment } from "./types.js";\nexport const records: shop_Payment[] = ${JSON.stringify(records)};\n`;
  assert.equal(await tsc({ "types.ts": generated, "use.ts": use }), "");
  const wrong = `import type { shop_Payment } from "./types.js";\nexport const bad: shop_Payment = { at: { seconds: 1 } };\n`;
  assert.match(
    await tsc({ "types.ts": generated, "use.ts": wrong }),
    /'number' is not assignable to type 'string'/,
  );
});

it("an unknown subject fails with the registry's error", async () => {
  await assert.rejects(types("nobody"), (e: { stderr: string }) => {
    // Not a job failure: the code says the subject is not there, and the message which registry.
    assert.match(
      e.stderr,
      new RegExp(`^error FLEUVE_REGISTRY_NOT_FOUND: Subject 'nobody' not found\\. .*registry at ${r.url}\\)`),
    );
    return true;
  });
});

it("the session of docs/schemas.md prints as shown (its URL aside)", async () => {
  const doc = (await import("node:fs")).readFileSync(
    new URL("../../../docs/schemas.md", import.meta.url),
    "utf8",
  );
  const block = /```text\n\$ (fleuve registry types [^\n]+)\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, "docs/schemas.md shows fleuve registry types");
  const fresh = await startRegistry({ port: 0 });
  try {
    // The example's first schema (examples/schema-evolution.ts), registered first: id 1.
    const user = {
      type: "record",
      name: "User",
      fields: [
        { name: "name", type: "string" },
        { name: "age", type: "int" },
      ],
    };
    await schemaSerializer({ url: fresh.url, subject: "users-value", schema: user });
    const args = block[1]!.split(" ").slice(1);
    const out = (await run(process.execPath, [BIN, ...args, "--url", fresh.url])).stdout;
    assert.equal(out, block[2]!.replaceAll("http://127.0.0.1:8085", fresh.url));
  } finally {
    await fresh.close();
  }
});
