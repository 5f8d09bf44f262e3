// The Protobuf files a schema may import without a reference, as Confluent's registry knows them
// (google/type/date.proto, google/protobuf/timestamp.proto, confluent/type/decimal.proto...):
// our definitions match, field by field, the descriptors Confluent's own JavaScript client resolves
// them to; a schema importing them registers without references, `?format=serialized` names them
// as dependencies, and bytes of a message with a google.type.Date, google.type.TimeOfDay,
// google.protobuf.Timestamp and confluent.type.Decimal read the same on both sides.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";
import {
  ProtobufDeserializer,
  ProtobufSerializer,
  SchemaRegistryClient,
  SerdeType,
} from "@confluentinc/schemaregistry";
import protobuf from "protobufjs";
import * as descriptorModule from "protobufjs/ext/descriptor/index.js";
import { parseProtobuf } from "../src/compat/protobuf.js";
import {
  KNOWN_PROTO_FILES,
  type RunningRegistry,
  schemaDeserializer,
  schemaSerializer,
  startRegistry,
} from "../src/index.js";

const require = createRequire(import.meta.url);

// FieldDescriptorProto.Type's numbers, by protobufjs' scalar names.
const SCALAR_NUMBERS: Record<string, number> = {
  double: 1,
  float: 2,
  int64: 3,
  uint64: 4,
  int32: 5,
  fixed64: 6,
  fixed32: 7,
  bool: 8,
  string: 9,
  bytes: 12,
  uint32: 13,
  sfixed32: 15,
  sfixed64: 16,
  sint32: 17,
  sint64: 18,
};

// Fields Confluent's server (protobuf-types/src/main/proto) has and their client's copy lacks.
const NEWER_THAN_THEIRS: Record<string, string[]> = {
  "confluent.Meta": ["rules=4:repeated11.confluent.Rule"],
};

const PROTOBUFJS_COPIES = new Set(["google/protobuf/descriptor.proto"]);

/** Their file descriptor of a known file: Confluent's client's own, or @bufbuild/protobuf's well-known ones. */
async function theirFile(name: string): Promise<any> {
  const base = name.slice(0, -".proto".length);
  if (base.startsWith("google/protobuf/")) {
    const wkt = (await import("@bufbuild/protobuf/wkt")) as Record<string, unknown>;
    return wkt[`file_${base.replace(/\//g, "_")}`];
  }
  const path = base === "confluent/type/decimal" ? "confluent/types/decimal" : base;
  const mod = require(`@confluentinc/schemaregistry/dist/${path}_pb.js`) as Record<string, unknown>;
  return mod[`file_${path.replace(/\//g, "_")}`];
}

describe("known Protobuf files", () => {
  it("are the files Confluent's client resolves, field for field", async () => {
    // ProtobufSchema.KNOWN_DEPENDENCIES of Confluent's registry, sorted.
    assert.deepEqual(KNOWN_PROTO_FILES, [
      "confluent/meta.proto",
      "confluent/type/decimal.proto",
      "confluent/type/variant.proto",
      ...["any", "api", "descriptor", "duration", "empty", "field_mask", "source_context", "struct"].map(
        (n) => `google/protobuf/${n}.proto`,
      ),
      ...["timestamp", "type", "wrappers"].map((n) => `google/protobuf/${n}.proto`),
      ...[
        "calendar_period",
        "color",
        "date",
        "datetime",
        "dayofweek",
        "decimal",
        "expr",
        "fraction",
        "interval",
        "latlng",
        "money",
        "month",
        "phone_number",
        "postal_address",
        "quaternion",
        "timeofday",
      ].map((n) => `google/type/${n}.proto`),
    ]);
    // Their client (1.10.1) has no copy of confluent/type/variant.proto: Confluent's, written out.
    const variant = parseProtobuf('syntax = "proto3";\nimport "confluent/type/variant.proto";\n').root;
    assert.deepEqual(
      variant.lookupType("confluent.type.Variant").fieldsArray.map((f) => [f.name, f.id, f.type]),
      [
        ["metadata", 1, "bytes"],
        ["value", 2, "bytes"],
      ],
    );
    for (const name of KNOWN_PROTO_FILES) {
      if (name === "confluent/type/variant.proto") continue;
      const theirs = await theirFile(name);
      assert.ok(theirs, `no descriptor of ${name} on their side`);
      assert.equal(
        theirs.proto.name,
        name === "confluent/type/decimal.proto" ? "confluent/types/decimal.proto" : name,
      );
      const ours = parseProtobuf(`syntax = "proto3";\nimport "${name}";\n`).root;
      if (PROTOBUFJS_COPIES.has(name)) {
        // protobufjs' own copy follows protobuf's releases, a little behind @bufbuild's (and names
        // fields in camelCase): its top-level messages must be there.
        for (const m of theirs.messages) ours.lookupType(m.typeName);
        continue;
      }
      const messages = [...theirs.messages];
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i];
        messages.push(...m.nestedMessages.filter((n: any) => !n.proto.options?.mapEntry));
        const type = ours.lookupType(m.typeName);
        const got = type.fieldsArray.map((f) => {
          f.resolve();
          const typeNumber = f.resolvedType
            ? f.resolvedType instanceof protobuf.Enum
              ? 14
              : 11
            : (SCALAR_NUMBERS[f.type] ?? -1);
          return `${f.name}=${f.id}:${f.map ? "map" : f.repeated ? "repeated" : ""}${typeNumber}${f.resolvedType ? f.resolvedType.fullName : ""}`;
        });
        const want = m.fields.map(
          (f: any) =>
            `${f.proto.name}=${f.proto.number}:${f.fieldKind === "map" ? "map" : f.fieldKind === "list" ? "repeated" : ""}${
              f.fieldKind === "map"
                ? `${f.mapKind === "scalar" ? SCALAR_NUMBERS[scalarName(f.scalar)] : f.mapKind === "enum" ? 14 : 11}${f.mapKind === "scalar" ? "" : `.${(f.message ?? f.enum).typeName}`}`
                : `${f.proto.type}${f.proto.typeName ?? ""}`
            }`,
        );
        // Each of their fields is ours; ours has more only where Confluent's server source does.
        assert.deepEqual(
          got.filter((g: string) => want.includes(g)),
          want,
          `${name}: message ${m.typeName}`,
        );
        assert.deepEqual(
          got.filter((g: string) => !want.includes(g)),
          NEWER_THAN_THEIRS[m.typeName] ?? [],
          `${name}: message ${m.typeName}`,
        );
      }
      for (const e of PROTOBUFJS_COPIES.has(name) ? [] : theirs.enums) {
        const ourEnum = ours.lookupEnum(e.typeName);
        assert.deepEqual(
          { ...ourEnum.values },
          Object.fromEntries(e.values.map((v: any) => [v.name, v.number])),
          `${name}: enum ${e.typeName}`,
        );
      }
    }
  });

  it("an import neither referenced nor known is a 422 42201 naming the missing type", async () => {
    assert.throws(
      () =>
        parseProtobuf(
          'syntax = "proto3";\nimport "google/type/nope.proto";\nmessage A { google.type.Nope n = 1; }\n',
        ),
      (e: Error & { errorCode?: number }) => {
        assert.equal(e.errorCode, 42201);
        assert.match(e.message, /google\.type\.Nope/);
        return true;
      },
    );
  });
});

/** ScalarType's name as protobufjs spells it (@bufbuild/protobuf numbers them as FieldDescriptorProto does). */
function scalarName(n: number): string {
  return Object.keys(SCALAR_NUMBERS).find((k) => SCALAR_NUMBERS[k] === n) ?? String(n);
}

const EVENT = `syntax = "proto3";
package acme;

import "confluent/type/decimal.proto";
import "google/protobuf/timestamp.proto";
import "google/type/date.proto";
import "google/type/timeofday.proto";

message Event {
  .google.type.Date day = 1;
  .google.type.TimeOfDay t = 2;
  .google.protobuf.Timestamp at = 3;
  .confluent.type.Decimal amount = 4;
  string name = 5;
}
`;

// Confluent's JavaScript client (1.10.1) resolves the import confluent/type/decimal.proto (as
// Confluent's server and this registry name it) to its own copy, whose descriptor is named
// confluent/types/decimal.proto, so @bufbuild/protobuf then fails with "Cannot find
// confluent/type/decimal.proto" (the same slip a review of confluent-kafka-javascript#524 points out
// for variant.proto). Its copy, renamed as the import names it, lets its reader decode.
function renameTheirDecimalFile(): void {
  const mod = require("@confluentinc/schemaregistry/dist/confluent/types/decimal_pb.js") as {
    file_confluent_types_decimal: { proto: { name: string } };
  };
  mod.file_confluent_types_decimal.proto.name = "confluent/type/decimal.proto";
}

describe("schemas importing known files, against Confluent's client", () => {
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

  it("register without references; ?format=serialized names the imports as dependencies", async () => {
    const res = await fetch(`${r.url}/subjects/events-value/versions`, {
      method: "POST",
      headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
      body: JSON.stringify({ schemaType: "PROTOBUF", schema: EVENT }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const { id } = (await res.json()) as { id: number };
    const got = await fetch(`${r.url}/schemas/ids/${id}?format=serialized`);
    const { schema, references } = (await got.json()) as { schema: string; references?: unknown[] };
    assert.equal(references, undefined);
    const descriptor = (descriptorModule as unknown as { default: { FileDescriptorProto: protobuf.Type } })
      .default;
    const file = descriptor.FileDescriptorProto.toObject(
      descriptor.FileDescriptorProto.decode(Buffer.from(schema, "base64")),
    ) as { dependency: string[]; messageType: { name: string; field: { typeName?: string }[] }[] };
    assert.deepEqual(file.dependency, [
      "confluent/type/decimal.proto",
      "google/protobuf/timestamp.proto",
      "google/type/date.proto",
      "google/type/timeofday.proto",
    ]);
    assert.deepEqual(
      file.messageType.map((m) => m.name),
      ["Event"],
    );
    assert.deepEqual(
      file.messageType[0]!.field.map((f) => f.typeName),
      [
        ".google.type.Date",
        ".google.type.TimeOfDay",
        ".google.protobuf.Timestamp",
        ".confluent.type.Decimal",
        undefined,
      ],
    );
  });

  it("bytes of dates, times, timestamps and decimals read the same on both sides", async () => {
    renameTheirDecimalFile();
    const ours = await schemaSerializer({
      url: r.url,
      subject: "events2-value",
      schema: EVENT,
      schemaType: "PROTOBUF",
    });
    // -1234.50 as Confluent's DecimalUtils writes BigDecimal("-1234.50"): unscaled -123450 (0xfe 0x1d 0xc6), precision 6, scale 2.
    const value = {
      day: { year: 2026, month: 3, day: 4 },
      t: { hours: 10, minutes: 11, seconds: 12, nanos: 345_000_000 },
      at: { seconds: 1_772_600_767, nanos: 89_000_000 },
      amount: { value: Buffer.from([0xfe, 0x1d, 0xc6]), precision: 6, scale: 2 },
      name: "e1",
    };
    const bytes = ours.serialize(value);
    const theirReader = new ProtobufDeserializer(client, SerdeType.VALUE, {});
    const m = await theirReader.deserialize("events2", bytes);
    assert.equal(m.$typeName, "acme.Event");
    assert.deepEqual([m.day.$typeName, m.day.year, m.day.month, m.day.day], ["google.type.Date", 2026, 3, 4]);
    assert.deepEqual(
      [m.t.$typeName, m.t.hours, m.t.minutes, m.t.seconds, m.t.nanos],
      ["google.type.TimeOfDay", 10, 11, 12, 345_000_000],
    );
    assert.deepEqual(
      [m.at.$typeName, m.at.seconds, m.at.nanos],
      ["google.protobuf.Timestamp", 1_772_600_767n, 89_000_000],
    );
    assert.deepEqual(
      [m.amount.$typeName, [...m.amount.value], m.amount.precision, m.amount.scale],
      ["confluent.type.Decimal", [0xfe, 0x1d, 0xc6], 6, 2],
    );
    // Their serializer, with the descriptors their reader built from our answer: the same bytes,
    // which our deserializer reads back.
    const { create, createMutableRegistry } = await import("@bufbuild/protobuf");
    const file = await (
      theirReader as unknown as { toFileDesc(c: unknown, i: unknown): Promise<any> }
    ).toFileDesc(client, await client.getBySubjectAndId("events2-value", ours.id, "serialized"));
    const theirs = new ProtobufSerializer(client, SerdeType.VALUE, {
      useLatestVersion: true,
      registry: createMutableRegistry(file),
    });
    const theirBytes = await theirs.serialize(
      "events2",
      create(file.messages[0], {
        day: { year: 2026, month: 3, day: 4 },
        t: { hours: 10, minutes: 11, seconds: 12, nanos: 345_000_000 },
        at: { seconds: 1_772_600_767n, nanos: 89_000_000 },
        amount: { value: new Uint8Array([0xfe, 0x1d, 0xc6]), precision: 6, scale: 2 },
        name: "e1",
      }),
    );
    assert.deepEqual(theirBytes, bytes, "identical bytes");
    assert.deepEqual(schemaDeserializer({ url: r.url }).deserialize(theirBytes), {
      ...value,
      at: { seconds: "1772600767", nanos: 89_000_000 },
    });
  });
});
