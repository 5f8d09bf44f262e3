// Serializers in Confluent's wire format against our registry and against an independent client
// (@kafkajs/confluent-schema-registry 3.x): bytes written by one decode with the other, for Avro,
// JSON Schema and Protobuf; an evolved Avro reader reads old and new records; invalid values and
// unknown ids fail with clear errors.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SchemaRegistry as KafkaJsRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import {
  decodeMessageIndexes,
  encodeMessageIndexes,
  type RunningRegistry,
  readWireHeader,
  SchemaValidationError,
  schemaDeserializer,
  schemaSerializer,
  startRegistry,
} from "../src/index.js";

const USER_V1 = {
  type: "record",
  name: "User",
  namespace: "acme",
  fields: [
    { name: "name", type: "string" },
    { name: "age", type: "int" },
  ],
};
const USER_V2 = {
  ...USER_V1,
  fields: [...USER_V1.fields, { name: "email", type: ["null", "string"], default: null }],
};
const CLICK_PROTO = `syntax = "proto3";
package acme;
message Click { string page = 1; int64 at = 2; }
message Wrapper { message Inner { string v = 1; } Inner inner = 1; }
`;
const ORDER_JSON = {
  type: "object",
  properties: { id: { type: "integer" }, item: { type: "string" } },
  required: ["id"],
};

describe("serializers", () => {
  let r: RunningRegistry;
  let kafkajs: KafkaJsRegistry;
  before(async () => {
    r = await startRegistry({ port: 0 });
    kafkajs = new KafkaJsRegistry({ host: r.url });
  });
  after(() => r.close());

  it("Avro: our bytes decode with @kafkajs/confluent-schema-registry and theirs with ours", async () => {
    const ser = await schemaSerializer({ url: r.url, subject: "users-value", schema: USER_V1 });
    const value = { name: "ada", age: 36 };
    const bytes = ser.serialize(value);
    assert.equal(bytes[0], 0);
    assert.equal(readWireHeader(bytes).id, ser.id);
    assert.deepEqual({ ...(await kafkajs.decode(bytes)) }, value);

    const { id } = await kafkajs.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(USER_V1) },
      { subject: "users-value" },
    );
    assert.equal(id, ser.id, "the same schema has the same id for both clients");
    const theirs = await kafkajs.encode(id, { name: "bob", age: 7 });
    assert.deepEqual(theirs, ser.serialize({ name: "bob", age: 7 }), "identical bytes");
    assert.deepEqual(
      { ...(schemaDeserializer({ url: r.url }).deserialize(theirs) as object) },
      { name: "bob", age: 7 },
    );
    assert.equal(await kafkajs.getLatestSchemaId("users-value"), id);
  });

  it("Avro: one reader with the evolved schema reads old and new records", async () => {
    const v1 = await schemaSerializer({ url: r.url, subject: "evolve-value", schema: USER_V1 });
    const v2 = await schemaSerializer({ url: r.url, subject: "evolve-value", schema: USER_V2 });
    assert.notEqual(v1.id, v2.id);
    const old = v1.serialize({ name: "ada", age: 36 });
    const neu = v2.serialize({ name: "bob", age: 7, email: "bob@example.com" });
    const reader = schemaDeserializer<Record<string, unknown>>({ url: r.url, readerSchema: USER_V2 });
    assert.deepEqual({ ...reader.deserialize(old) }, { name: "ada", age: 36, email: null });
    assert.deepEqual({ ...reader.deserialize(neu) }, { name: "bob", age: 7, email: "bob@example.com" });
    // The independent client agrees, with the same reader schema.
    const theirs = await kafkajs.decode(old, { [SchemaType.AVRO]: { readerSchema: USER_V2 as never } });
    assert.deepEqual({ ...theirs }, { name: "ada", age: 36, email: null });
  });

  it("use-latest and a pinned version write with that version's id", async () => {
    const latest = await schemaSerializer({ url: r.url, subject: "evolve-value" });
    const pinned = await schemaSerializer({ url: r.url, subject: "evolve-value", version: 1 });
    const v1 = await schemaSerializer({
      url: r.url,
      subject: "evolve-value",
      schema: USER_V1,
      autoRegister: false,
    });
    assert.equal(pinned.id, v1.id);
    assert.notEqual(latest.id, pinned.id);
    await assert.rejects(
      schemaSerializer({
        url: r.url,
        subject: "evolve-value",
        schema: { ...USER_V1, name: "Other" },
        autoRegister: false,
      }),
      /40403|Schema not found/,
    );
  });

  it("a value that does not match its schema throws SchemaValidationError naming the field", async () => {
    const ser = await schemaSerializer({ url: r.url, subject: "users-value", schema: USER_V1 });
    assert.throws(
      () => ser.serialize({ name: "ada", age: "old" }),
      (e: unknown) =>
        e instanceof SchemaValidationError &&
        /age: "old" does not match type int/.test(e.message) &&
        e.schemaId === ser.id,
    );
    const js = await schemaSerializer({
      url: r.url,
      subject: "orders-value",
      schema: ORDER_JSON,
      schemaType: "JSON",
    });
    assert.throws(() => js.serialize({ item: "x" }), /must have required property 'id'/);
    const pb = await schemaSerializer({
      url: r.url,
      subject: "clicks-value",
      schema: CLICK_PROTO,
      schemaType: "PROTOBUF",
    });
    assert.throws(() => pb.serialize({ page: 5 }), /page: string expected/);
  });

  it("an unknown id fails naming the id and the registry", () => {
    const bytes = Buffer.from([0, 0, 0, 0x30, 0x39, 1, 2]);
    assert.throws(
      () => schemaDeserializer({ url: r.url }).deserialize(bytes),
      (e: Error) => {
        assert.match(
          e.message,
          /schema id 12345 is unknown to http:\/\/127\.0\.0\.1:\d+: Schema 12345 not found \(error_code 40403\)/,
        );
        return true;
      },
    );
    assert.throws(
      () => schemaDeserializer({ registry: r.registry }).deserialize(bytes),
      /schema id 12345 is unknown to the in-process registry/,
    );
    assert.throws(
      () => schemaDeserializer({ url: r.url }).deserialize(Buffer.from([1, 0, 0, 0, 1])),
      /magic byte 1, expected 0/,
    );
  });

  it("JSON Schema: bytes round-trip both ways with the independent client", async () => {
    const ser = await schemaSerializer({
      url: r.url,
      subject: "orders-value",
      schema: ORDER_JSON,
      schemaType: "JSON",
    });
    const ours = ser.serialize({ id: 1, item: "tea" });
    assert.deepEqual(await kafkajs.decode(ours), { id: 1, item: "tea" });
    const { id } = await kafkajs.register(
      { type: SchemaType.JSON, schema: JSON.stringify(ORDER_JSON) },
      { subject: "orders-value" },
    );
    assert.equal(id, ser.id);
    const theirs = await kafkajs.encode(id, { id: 2, item: "cake" });
    assert.deepEqual(schemaDeserializer({ url: r.url }).deserialize(theirs), { id: 2, item: "cake" });
  });

  it("Protobuf: message indexes and payload round-trip both ways with the independent client", async () => {
    assert.deepEqual(encodeMessageIndexes([0]), Buffer.from([0]));
    assert.deepEqual(decodeMessageIndexes(encodeMessageIndexes([1, 0])).indexes, [1, 0]);
    const ser = await schemaSerializer({
      url: r.url,
      subject: "clicks-value",
      schema: CLICK_PROTO,
      schemaType: "PROTOBUF",
    });
    const ours = ser.serialize({ page: "/home", at: 42 });
    assert.equal(ours[5], 0, "the first message is written as one 0 byte");
    const decoded = (await kafkajs.decode(ours)) as { page: string; at: { toString(): string } | number };
    assert.equal(decoded.page, "/home");
    assert.equal(String(decoded.at), "42");
    const { id } = await kafkajs.register(
      { type: SchemaType.PROTOBUF, schema: CLICK_PROTO },
      { subject: "clicks-value" },
    );
    assert.equal(id, ser.id);
    // kafkajs 3.x departs from Confluent's format here: it writes no message indexes (and reads
    // ours by skipping leading zero bytes). Its bytes read with messageIndexes: false.
    const theirs = await kafkajs.encode(id, { page: "/cart", at: 7 });
    assert.deepEqual(
      theirs.subarray(5),
      ser.serialize({ page: "/cart", at: 7 }).subarray(6),
      "the same payload, without the index byte",
    );
    assert.deepEqual(schemaDeserializer({ url: r.url, messageIndexes: false }).deserialize(theirs), {
      page: "/cart",
      at: "7",
    });
    // A nested message: indexes [1, 0].
    const inner = await schemaSerializer({
      url: r.url,
      subject: "clicks-value",
      schema: CLICK_PROTO,
      schemaType: "PROTOBUF",
      messageName: "acme.Wrapper.Inner",
    });
    const b = inner.serialize({ v: "x" });
    assert.deepEqual(decodeMessageIndexes(b.subarray(5)).indexes, [1, 0]);
    assert.deepEqual(schemaDeserializer({ url: r.url }).deserialize(b), { v: "x" });
  });
});
