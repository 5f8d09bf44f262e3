// Confluent's own JavaScript client (@confluentinc/schemaregistry, the one Confluent ships with
// confluent-kafka-javascript) against our registry: its REST calls (register, get by id, latest,
// lookup, compatibility, config, deletes) get what Confluent's server answers, and its Avro,
// JSON Schema and Protobuf serializers write exactly the bytes ours write, each side reading the
// other's.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AvroDeserializer,
  AvroSerializer,
  JsonDeserializer,
  JsonSerializer,
  ProtobufDeserializer,
  ProtobufSerializer,
  SchemaRegistryClient,
  SerdeType,
} from "@confluentinc/schemaregistry";
import type protobuf from "protobufjs";
import * as descriptorModule from "protobufjs/ext/descriptor/index.js";
import { serializedProtobuf } from "../src/compat/protobuf.js";
import {
  type RunningRegistry,
  readWireHeader,
  schemaDeserializer,
  schemaSerializer,
  startRegistry,
} from "../src/index.js";

const USER = {
  type: "record",
  name: "User",
  namespace: "acme",
  fields: [
    { name: "name", type: "string" },
    { name: "age", type: "int" },
  ],
};

describe("@confluentinc/schemaregistry against our registry", () => {
  let r: RunningRegistry;
  let client: SchemaRegistryClient;
  before(async () => {
    r = await startRegistry({ port: 0 });
    client = new SchemaRegistryClient({ baseURLs: [r.url], maxRetries: 0 });
  });
  after(async () => {
    await client.close();
    await r.close();
  });

  it("REST: register, get by id, latest, lookup, versions, compatibility, config, deletes", async () => {
    const info = { schemaType: "AVRO", schema: JSON.stringify(USER) };
    const id = await client.register("users-value", info);
    assert.equal(id, 1);
    assert.equal(await client.register("users-value", info), 1, "registering again gives the same id");
    const byId = await client.getBySubjectAndId("users-value", id);
    assert.equal(byId.schema, JSON.stringify(USER));
    const latest = await client.getLatestSchemaMetadata("users-value");
    assert.deepEqual([latest.id, latest.version, latest.subject], [1, 1, "users-value"]);
    assert.equal(await client.getId("users-value", info), 1);
    assert.equal(await client.getVersion("users-value", info), 1);
    assert.deepEqual(await client.getAllVersions("users-value"), [1]);
    assert.deepEqual(await client.getAllSubjects(), ["users-value"]);

    const withDefault = {
      ...USER,
      fields: [...USER.fields, { name: "country", type: "string", default: "FR" }],
    };
    const withoutDefault = { ...USER, fields: [...USER.fields, { name: "plan", type: "string" }] };
    assert.equal(
      await client.testSubjectCompatibility("users-value", {
        schemaType: "AVRO",
        schema: JSON.stringify(withDefault),
      }),
      true,
    );
    assert.equal(
      await client.testCompatibility("users-value", 1, {
        schemaType: "AVRO",
        schema: JSON.stringify(withoutDefault),
      }),
      false,
    );
    // Registering the incompatible one: Confluent's 409 reaches the client as an error with that status.
    await assert.rejects(
      client.register("users-value", { schemaType: "AVRO", schema: JSON.stringify(withoutDefault) }),
      (e: { status?: number; errorCode?: number; message: string }) => {
        assert.equal(e.errorCode ?? e.status, 409, e.message);
        return true;
      },
    );

    assert.equal(await client.getDefaultCompatibility(), "BACKWARD");
    assert.equal(await client.updateCompatibility("users-value", "FULL" as never), "FULL");
    assert.equal(await client.getCompatibility("users-value"), "FULL");
    assert.equal((await client.getConfig("users-value")).compatibilityLevel, "FULL");
    assert.equal(await client.updateDefaultCompatibility("NONE" as never), "NONE");
    assert.equal((await client.getDefaultConfig()).compatibilityLevel, "NONE");

    // Unknown things: the client raises Confluent's error codes.
    await assert.rejects(client.getLatestSchemaMetadata("nobody"), (e: { errorCode?: number }) => {
      assert.equal(e.errorCode, 40401);
      return true;
    });
    await assert.rejects(client.getBySubjectAndId("users-value", 999), (e: { errorCode?: number }) => {
      assert.equal(e.errorCode, 40403);
      return true;
    });

    await client.register("gone", { schemaType: "AVRO", schema: '"string"' });
    assert.deepEqual(await client.deleteSubject("gone"), [1]);
    assert.deepEqual(await client.deleteSubject("gone", true), [1]);
    await client.updateDefaultCompatibility("BACKWARD" as never);
  });

  it("Avro: its serializer writes our bytes, each side reads the other's", async () => {
    const ours = await schemaSerializer({ url: r.url, subject: "avro-t-value", schema: USER });
    const theirs = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
    const value = { name: "ada", age: 36 };
    const theirBytes = await theirs.serialize("avro-t", value);
    assert.deepEqual(theirBytes, ours.serialize(value), "identical bytes");
    const theirReader = new AvroDeserializer(client, SerdeType.VALUE, {});
    assert.deepEqual({ ...(await theirReader.deserialize("avro-t", ours.serialize(value))) }, value);
    assert.deepEqual({ ...(schemaDeserializer({ url: r.url }).deserialize(theirBytes) as object) }, value);

    // Auto-registration by their serializer: the id our registry hands out.
    const auto = new AvroSerializer(client, SerdeType.VALUE, { autoRegisterSchemas: true });
    const bytes = await auto.serialize("auto-t", { name: "bob", age: 7 });
    assert.equal(readWireHeader(bytes).id, (await client.getLatestSchemaMetadata("auto-t-value")).id);
  });

  it("JSON Schema: identical bytes both ways", async () => {
    const schema = {
      type: "object",
      properties: { id: { type: "integer" }, item: { type: "string" } },
      required: ["id"],
    };
    const ours = await schemaSerializer({ url: r.url, subject: "json-t-value", schema, schemaType: "JSON" });
    const theirs = new JsonSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
    const value = { id: 7, item: "book" };
    const theirBytes = await theirs.serialize("json-t", value);
    assert.deepEqual(theirBytes, ours.serialize(value));
    const theirReader = new JsonDeserializer(client, SerdeType.VALUE, {});
    assert.deepEqual(await theirReader.deserialize("json-t", ours.serialize(value)), value);
    assert.deepEqual(schemaDeserializer({ url: r.url }).deserialize(theirBytes), value);
  });

  it("Protobuf: its bytes (with message indexes) are ours", async () => {
    const proto = `syntax = "proto3";
package acme;
message Click { string page = 1; int64 at = 2; }
message Wrapper { message Inner { string v = 1; } Inner inner = 1; }
`;
    const ours = await schemaSerializer({
      url: r.url,
      subject: "proto-t-value",
      schema: proto,
      schemaType: "PROTOBUF",
    });
    const ourInner = await schemaSerializer({
      url: r.url,
      subject: "proto-t-value",
      schema: proto,
      schemaType: "PROTOBUF",
      messageName: "acme.Wrapper.Inner",
    });
    const reader = schemaDeserializer<Record<string, unknown>>({ url: r.url });
    const theirReader = new ProtobufDeserializer(client, SerdeType.VALUE, {});
    const click = await theirReader.deserialize("proto-t", ours.serialize({ page: "/home", at: 42 }));
    assert.deepEqual([click.page, String(click.at)], ["/home", "42"]);
    const inner = await theirReader.deserialize("proto-t", ourInner.serialize({ v: "x" }));
    assert.equal(inner.v, "x");
    assert.equal(
      inner.$typeName,
      "acme.Wrapper.Inner",
      "their reader found the nested message by our indexes",
    );
    // Their serializer takes messages of @bufbuild/protobuf (its dependency), typed by the file
    // descriptor their deserializer built from our `?format=serialized` answer.
    const { create, createMutableRegistry } = await import("@bufbuild/protobuf");
    const file = await (
      theirReader as unknown as { toFileDesc(c: unknown, i: unknown): Promise<any> }
    ).toFileDesc(client, await client.getBySubjectAndId("proto-t-value", ours.id, "serialized"));
    const theirs = new ProtobufSerializer(client, SerdeType.VALUE, {
      useLatestVersion: true,
      registry: createMutableRegistry(file),
    });
    const msg = create(file.messages[0], { page: "/cart", at: 9n });
    const theirBytes = await theirs.serialize("proto-t", msg);
    assert.deepEqual(theirBytes, ours.serialize({ page: "/cart", at: 9 }), "identical bytes");
    assert.deepEqual(reader.deserialize(theirBytes), { page: "/cart", at: "9" });
  });
  it("Protobuf with imports: ?format=serialized names them as dependencies, and their reader decodes our bytes", async () => {
    const money =
      'syntax = "proto3";\npackage acme;\nmessage Money {\n  int64 cents = 1;\n  string currency = 2;\n}\n';
    const order =
      'syntax = "proto3";\npackage acme;\nimport "acme/money.proto";\nmessage Order {\n  string id = 1;\n  Money total = 2;\n}\n';
    await client.register("money", { schemaType: "PROTOBUF", schema: money });
    const ours = await schemaSerializer({
      url: r.url,
      subject: "orders-proto-value",
      schema: order,
      schemaType: "PROTOBUF",
      references: [{ name: "acme/money.proto", subject: "money", version: 1 }],
    });
    // Their deserializer fetches the schema and its reference with ?format=serialized and builds
    // file descriptors from them, the import resolved by its dependency name.
    const theirReader = new ProtobufDeserializer(client, SerdeType.VALUE, {});
    const o = await theirReader.deserialize(
      "orders-proto",
      ours.serialize({ id: "o1", total: { cents: 1250, currency: "EUR" } }),
    );
    assert.deepEqual([o.id, String(o.total.cents), o.total.currency], ["o1", "1250", "EUR"]);
    // The answer itself: the file's own message only, its field typed by the qualified imported name.
    const res = await fetch(`${r.url}/schemas/ids/${ours.id}?format=serialized`);
    const { schema } = (await res.json()) as { schema: string };
    const descriptor = (descriptorModule as unknown as { default: { FileDescriptorProto: protobuf.Type } })
      .default;
    const file = descriptor.FileDescriptorProto.toObject(
      descriptor.FileDescriptorProto.decode(Buffer.from(schema, "base64")),
    ) as {
      dependency: string[];
      package: string;
      messageType: { name: string; field: { typeName?: string }[] }[];
    };
    assert.deepEqual(file.dependency, ["acme/money.proto"]);
    assert.equal(file.package, "acme");
    assert.deepEqual(
      file.messageType.map((m) => m.name),
      ["Order"],
    );
    assert.equal(file.messageType[0]!.field[1]!.typeName, ".acme.Money");
  });

  it("Protobuf auto-registration: their serializer registers base64 FileDescriptorProtos (a dependency first), we store the .proto text, both readers decode", async () => {
    const { create, createFileRegistry, fromBinary } = await import("@bufbuild/protobuf");
    const { FileDescriptorProtoSchema, file_google_protobuf_timestamp, TimestampSchema } = await import(
      "@bufbuild/protobuf/wkt"
    );
    const money =
      'syntax = "proto3";\npackage shop;\nmessage Money { int64 cents = 1; string currency = 2; }\n';
    const order = `syntax = "proto3";
package shop;
import "shop/money.proto";
import "google/protobuf/timestamp.proto";
message Order {
  string id = 1;
  Status status = 2;
  repeated Line lines = 3;
  Money total = 4;
  google.protobuf.Timestamp at = 5;
  message Line { string sku = 1; int32 qty = 2; }
  enum Status { NEW = 0; PAID = 1; }
}
`;
    // File descriptors as protoc would compile them (the client's messages are typed by them).
    const fileProto = (text: string, name: string, refs: [string, string][] = []) => {
      const proto = fromBinary(
        FileDescriptorProtoSchema,
        Buffer.from(serializedProtobuf(text, new Map(refs)), "base64"),
      );
      proto.name = name;
      return proto;
    };
    const moneyProto = fileProto(money, "shop/money.proto");
    const files = createFileRegistry(
      fileProto(order, "shop/order.proto", [["shop/money.proto", money]]),
      (name) =>
        name === "shop/money.proto"
          ? moneyProto
          : name === "google/protobuf/timestamp.proto"
            ? file_google_protobuf_timestamp
            : undefined,
    );
    const Order = files.getMessage("shop.Order")!;
    const Money = files.getMessage("shop.Money")!;
    const Line = files.getMessage("shop.Order.Line")!;
    const msg = create(Order, {
      id: "o1",
      status: 1,
      lines: [create(Line, { sku: "book", qty: 2 })],
      total: create(Money, { cents: 1250n, currency: "EUR" }),
      at: create(TimestampSchema, { seconds: 1700000000n, nanos: 0 }),
    } as never);
    const theirs = new ProtobufSerializer(client, SerdeType.VALUE, {
      autoRegisterSchemas: true,
      registry: files as never,
    });
    const bytes = await theirs.serialize("shop", msg);

    // The dependency was registered under its file name, then the schema with a reference to it.
    const latest = await client.getLatestSchemaMetadata("shop-value");
    assert.deepEqual([latest.version, readWireHeader(bytes).id], [1, latest.id]);
    assert.deepEqual(latest.references, [
      { name: "shop/money.proto", subject: "shop/money.proto", version: 1 },
    ]);
    assert.equal(
      (await client.getLatestSchemaMetadata("shop/money.proto")).schema,
      'syntax = "proto3";\npackage shop;\n\nmessage Money {\n  int64 cents = 1;\n  string currency = 2;\n}\n',
    );
    // Stored and returned as Confluent does: the canonical .proto text, not the base64 descriptor.
    assert.equal(
      latest.schema,
      `syntax = "proto3";
package shop;
import "shop/money.proto";
import "google/protobuf/timestamp.proto";

message Order {
  string id = 1;
  shop.Order.Status status = 2;
  repeated shop.Order.Line lines = 3;
  shop.Money total = 4;
  google.protobuf.Timestamp at = 5;
  message Line {
    string sku = 1;
    int32 qty = 2;
  }
  enum Status {
    NEW = 0;
    PAID = 1;
  }
}
`,
    );

    // Both readers decode their bytes.
    const expected = {
      id: "o1",
      status: "PAID",
      lines: [{ sku: "book", qty: 2 }],
      total: { cents: "1250", currency: "EUR" },
      at: { seconds: "1700000000" },
    };
    assert.deepEqual(
      JSON.parse(JSON.stringify(schemaDeserializer({ url: r.url }).deserialize(bytes))),
      expected,
    );
    const back = await new ProtobufDeserializer(client, SerdeType.VALUE, {}).deserialize("shop", bytes);
    assert.deepEqual(
      [
        back.$typeName,
        back.id,
        back.status,
        back.lines[0].sku,
        back.lines[0].qty,
        back.total.cents,
        back.total.currency,
      ],
      ["shop.Order", "o1", 1, "book", 2, 1250n, "EUR"],
    );
    assert.equal(back.at.seconds, 1700000000n);

    // The descriptor and the .proto text stored for it are one schema (Confluent compares the
    // canonical text): looking either up, or registering either again, gives the same id.
    const refs = latest.references;
    const base64 = Buffer.from(
      (await import("@bufbuild/protobuf")).toBinary(FileDescriptorProtoSchema, Order.file.proto),
    ).toString("base64");
    assert.equal(
      await client.getId("shop-value", { schemaType: "PROTOBUF", schema: base64, references: refs }),
      latest.id,
    );
    assert.equal(
      await client.register("shop-value", {
        schemaType: "PROTOBUF",
        schema: latest.schema,
        references: refs,
      }),
      latest.id,
    );
    assert.deepEqual(await client.getAllVersions("shop-value"), [1]);
    // A descriptor is judged for compatibility like its text: dropping the enum's type is not.
    const changed = fileProto(order.replace("Status status = 2;", "string status = 2;"), "shop/order.proto", [
      ["shop/money.proto", money],
    ]);
    assert.equal(
      await client.testSubjectCompatibility("shop-value", {
        schemaType: "PROTOBUF",
        schema: Buffer.from(
          (await import("@bufbuild/protobuf")).toBinary(FileDescriptorProtoSchema, changed),
        ).toString("base64"),
        references: refs,
      }),
      false,
    );
  });
});
