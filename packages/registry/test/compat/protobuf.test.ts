// Protobuf compatibility cases written from the wire-format rules Confluent applies: field numbers,
// compatible scalar groups, single/repeated, oneof, packages and proto2 required fields.
import assert from "node:assert/strict";
import { it } from "node:test";
import { decodeFileDescriptor, printFileDescriptor } from "../../src/compat/proto-printer.js";
import { serializedProtobuf } from "../../src/compat/protobuf.js";
import { type CompatCase, compatibilityTable } from "../fixtures/compat-table.js";

const p3 = (body: string, pkg = "acme") => `syntax = "proto3";\npackage ${pkg};\n${body}\n`;
const p2 = (body: string) => `syntax = "proto2";\npackage acme;\n${body}\n`;
const M = (fields: string) => p3(`message M { ${fields} }`);

const CASES: CompatCase<string>[] = [
  ["field added", "FULL", [M("string a = 1;")], M("string a = 1; int32 b = 2;"), true],
  ["field removed", "BACKWARD", [M("string a = 1; int32 b = 2;")], M("string a = 1;"), true],
  [
    "field number reused with another type (the trap)",
    "BACKWARD",
    [M("string a = 1; string b = 2;")],
    M("string a = 1; int32 c = 2;"),
    false,
  ],
  ["int32 to int64 (one varint group)", "FULL", [M("int32 a = 1;")], M("int64 a = 1;"), true],
  ["uint32 to bool (one varint group)", "BACKWARD", [M("uint32 a = 1;")], M("bool a = 1;"), true],
  ["int32 to sint32 (zigzag differs)", "BACKWARD", [M("int32 a = 1;")], M("sint32 a = 1;"), false],
  ["sint32 to sint64", "FULL", [M("sint32 a = 1;")], M("sint64 a = 1;"), true],
  ["string to bytes", "FULL", [M("string a = 1;")], M("bytes a = 1;"), true],
  ["fixed32 to sfixed32", "FULL", [M("fixed32 a = 1;")], M("sfixed32 a = 1;"), true],
  ["fixed32 to int32", "BACKWARD", [M("fixed32 a = 1;")], M("int32 a = 1;"), false],
  ["double to float", "BACKWARD", [M("double a = 1;")], M("float a = 1;"), false],
  ["field renamed, same number", "FULL", [M("string a = 1;")], M("string renamed = 1;"), true],
  [
    "message removed",
    "BACKWARD",
    [p3("message M { string a = 1; } message N { int32 x = 1; }")],
    p3("message M { string a = 1; }"),
    false,
  ],
  [
    "message added",
    "BACKWARD",
    [p3("message M { string a = 1; }")],
    p3("message M { string a = 1; } message N { int32 x = 1; }"),
    true,
  ],
  ["package changed", "BACKWARD", [M("string a = 1;")], p3("message M { string a = 1; }", "other"), false],
  [
    "optional int32 to repeated (the trap: packed encoding)",
    "BACKWARD",
    [M("int32 a = 1;")],
    M("repeated int32 a = 1;"),
    false,
  ],
  ["optional string to repeated", "BACKWARD", [M("string a = 1;")], M("repeated string a = 1;"), true],
  [
    "optional message to repeated",
    "BACKWARD",
    [p3("message A { int32 x = 1; } message M { A a = 1; }")],
    p3("message A { int32 x = 1; } message M { repeated A a = 1; }"),
    true,
  ],
  [
    "field type changed to another message",
    "BACKWARD",
    [p3("message A { int32 x = 1; } message B { int32 y = 1; } message M { A a = 1; }")],
    p3("message A { int32 x = 1; } message B { int32 y = 1; } message M { B a = 1; }"),
    false,
  ],
  [
    "field moved into an existing oneof",
    "BACKWARD",
    [M("int32 a = 1; oneof o { string b = 2; }")],
    M("oneof o { int32 a = 1; string b = 2; }"),
    false,
  ],
  [
    "one field moved into a new oneof",
    "BACKWARD",
    [M("int32 a = 1; string b = 2;")],
    M("oneof o { int32 a = 1; } string b = 2;"),
    true,
  ],
  [
    "two fields moved into a new oneof",
    "BACKWARD",
    [M("int32 a = 1; string b = 2;")],
    M("oneof o { int32 a = 1; string b = 2; }"),
    false,
  ],
  [
    "field removed from a oneof",
    "BACKWARD",
    [M("oneof o { int32 a = 1; string b = 2; }")],
    M("oneof o { int32 a = 1; }"),
    false,
  ],
  [
    "proto2 required field added",
    "BACKWARD",
    [p2("message M { optional string a = 1; }")],
    p2("message M { optional string a = 1; required int32 b = 2; }"),
    false,
  ],
  [
    "proto2 required field removed",
    "FORWARD",
    [p2("message M { required string a = 1; optional int32 b = 2; }")],
    p2("message M { optional int32 b = 2; }"),
    false,
  ],
  [
    "proto2 optional became required",
    "BACKWARD",
    [p2("message M { optional string a = 1; }")],
    p2("message M { required string a = 1; }"),
    false,
  ],
  [
    "enum value added",
    "FULL",
    [p3("enum E { A = 0; } message M { E e = 1; }")],
    p3("enum E { A = 0; B = 1; } message M { E e = 1; }"),
    true,
  ],
  [
    "non-transitive: a number reused against an older version is not seen",
    "BACKWARD",
    [M("string a = 1; int32 b = 2;"), M("string a = 1;")],
    M("string a = 1; string b = 2;"),
    true,
  ],
  [
    "transitive: a number reused against an older version",
    "BACKWARD_TRANSITIVE",
    [M("string a = 1; int32 b = 2;"), M("string a = 1;")],
    M("string a = 1; string b = 2;"),
    false,
  ],
  // NONE checks nothing.
  ["NONE: a field number reused with another type", "NONE", [M("string a = 1;")], M("int32 a = 1;"), true],
  ["NONE: package changed", "NONE", [M("string a = 1;")], p3("message M { string a = 1; }", "other"), true],
  // FORWARD_TRANSITIVE: every old schema reads what the new one writes.
  [
    "FORWARD: the latest reader lacks field 2",
    "FORWARD",
    [M("string a = 1; int32 b = 2;"), M("string a = 1;")],
    M("string a = 1; string b = 2;"),
    true,
  ],
  [
    "FORWARD_TRANSITIVE: the first reader reads field 2 as int32",
    "FORWARD_TRANSITIVE",
    [M("string a = 1; int32 b = 2;"), M("string a = 1;")],
    M("string a = 1; string b = 2;"),
    false,
  ],
  [
    "FORWARD_TRANSITIVE: field 2 stays in the varint group",
    "FORWARD_TRANSITIVE",
    [M("string a = 1;"), M("string a = 1; int32 b = 2;")],
    M("string a = 1; int64 b = 2; bytes c = 3;"),
    true,
  ],
  // FULL_TRANSITIVE: both ways, with every old schema.
  [
    "FULL: field 2 reused against an older version is not seen",
    "FULL",
    [M("string a = 1; int32 b = 2;"), M("string a = 1;")],
    M("string a = 1; string b = 2;"),
    true,
  ],
  [
    "FULL_TRANSITIVE: field 2 reused against the first version",
    "FULL_TRANSITIVE",
    [M("string a = 1; int32 b = 2;"), M("string a = 1;")],
    M("string a = 1; string b = 2;"),
    false,
  ],
  [
    "FULL_TRANSITIVE: int32, int64, uint64 (one varint group)",
    "FULL_TRANSITIVE",
    [M("int32 a = 1;"), M("int64 a = 1;")],
    M("uint64 a = 1;"),
    true,
  ],
];

compatibilityTable("PROTOBUF", 20, CASES, (s) => s);

// The same verdicts when every schema comes as a base64 FileDescriptorProto (what Confluent's
// serializers auto-register): the registry reads it as the .proto text it prints for it.
compatibilityTable("PROTOBUF", 20, CASES, (s) => serializedProtobuf(s), " (base64 FileDescriptorProto)");

const ALL = [...new Set(CASES.flatMap(([, , previous, candidate]) => [...previous, candidate]))];

it(`the .proto printer round-trips every schema of the table (${ALL.length}): same descriptor again`, () => {
  for (const text of ALL) {
    const serialized = serializedProtobuf(text);
    const printed = printFileDescriptor(decodeFileDescriptor(serialized));
    assert.equal(serializedProtobuf(printed), serialized, `${text}\nprinted as\n${printed}`);
  }
});

it("the .proto printer: nested types, enums, maps, oneofs, proto3 optional, reserved, imports, proto2 labels and defaults", () => {
  const order = `syntax = "proto3";
package acme;
import "google/protobuf/timestamp.proto";
option java_package = "com.acme";

message Order {
  string id = 1;
  Status status = 2;
  repeated Line lines = 3;
  map<string, Line> by_sku = 4;
  google.protobuf.Timestamp at = 5;
  oneof pay {
    string card = 6;
    int64 cash = 7;
  }
  optional string note = 8;
  reserved 20 to 25, 30;
  reserved "old";
  message Line {
    string sku = 1;
    Kind kind = 2;
    enum Kind {
      A = 0;
      B = 1;
    }
  }
  enum Status {
    NEW = 0;
    DONE = 1;
  }
}
`;
  assert.equal(
    printFileDescriptor(decodeFileDescriptor(serializedProtobuf(order))),
    `syntax = "proto3";
package acme;
import "google/protobuf/timestamp.proto";
option java_package = "com.acme";

message Order {
  string id = 1;
  acme.Order.Status status = 2;
  repeated acme.Order.Line lines = 3;
  map<string, acme.Order.Line> by_sku = 4;
  google.protobuf.Timestamp at = 5;
  oneof pay {
    string card = 6;
    int64 cash = 7;
  }
  optional string note = 8;
  reserved 20 to 25, 30;
  reserved "old";
  message Line {
    string sku = 1;
    acme.Order.Line.Kind kind = 2;
    enum Kind {
      A = 0;
      B = 1;
    }
  }
  enum Status {
    NEW = 0;
    DONE = 1;
  }
}
`,
  );
  const legacy =
    'syntax = "proto2";\npackage acme;\nmessage L { required int32 a = 1; optional string b = 2 [default = "x"]; repeated int32 c = 3 [packed = true]; }\n';
  const printed = printFileDescriptor(decodeFileDescriptor(serializedProtobuf(legacy)));
  assert.match(printed, /required int32 a = 1;/);
  assert.match(printed, /optional string b = 2 \[default = "x"\];/);
  assert.match(printed, /repeated int32 c = 3 \[packed = true\];/);
  assert.equal(serializedProtobuf(printed), serializedProtobuf(legacy));
  // Not a descriptor: .proto text and non-base64 strings are left to the .proto parser.
  assert.equal(decodeFileDescriptor(order), undefined);
  assert.equal(decodeFileDescriptor("not base64!"), undefined);
});
