/**
 * The Protobuf files every schema may import without a reference, as Confluent's registry knows
 * them (ProtobufSchema's KNOWN_DEPENDENCIES, which its clients resolve from their own copies too):
 * `confluent/meta.proto`, `confluent/type/decimal.proto`, Google's common types
 * (`google/type/date.proto`, `timeofday.proto`, `money.proto`...) and the well-known types
 * (`google/protobuf/timestamp.proto`, `duration.proto`, `wrappers.proto`, `descriptor.proto`...).
 * A reference of the same name still wins: a schema's references are its imports first.
 */
import { createRequire } from "node:module";
import protobuf from "protobufjs";

/** The texts of the known files Fleuve writes itself (the others come with protobufjs). */
const TEXTS: Record<string, string> = {
  "confluent/meta.proto": `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
  repeated Rule rules = 4;
}
message Rule {
  string name = 1;
  string doc = 2;
  string expr = 3;
  string sql = 4;
}
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
`,
  "confluent/type/decimal.proto": `syntax = "proto3";
package confluent.type;
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`,
  "confluent/type/variant.proto": `syntax = "proto3";
package confluent.type;
message Variant {
  bytes metadata = 1;
  bytes value = 2;
}
`,
  // protobufjs' JSON copies of these four name fields in camelCase; the .proto files use snake_case.
  "google/protobuf/struct.proto": `syntax = "proto3";
package google.protobuf;
message Struct {
  map<string, Value> fields = 1;
}
message Value {
  oneof kind {
    NullValue null_value = 1;
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
    Struct struct_value = 5;
    ListValue list_value = 6;
  }
}
enum NullValue {
  NULL_VALUE = 0;
}
message ListValue {
  repeated Value values = 1;
}
`,
  "google/protobuf/source_context.proto": `syntax = "proto3";
package google.protobuf;
message SourceContext {
  string file_name = 1;
}
`,
  "google/protobuf/type.proto": `syntax = "proto3";
package google.protobuf;
import "google/protobuf/any.proto";
import "google/protobuf/source_context.proto";
message Type {
  string name = 1;
  repeated Field fields = 2;
  repeated string oneofs = 3;
  repeated Option options = 4;
  SourceContext source_context = 5;
  Syntax syntax = 6;
  string edition = 7;
}
message Field {
  enum Kind {
    TYPE_UNKNOWN = 0;
    TYPE_DOUBLE = 1;
    TYPE_FLOAT = 2;
    TYPE_INT64 = 3;
    TYPE_UINT64 = 4;
    TYPE_INT32 = 5;
    TYPE_FIXED64 = 6;
    TYPE_FIXED32 = 7;
    TYPE_BOOL = 8;
    TYPE_STRING = 9;
    TYPE_GROUP = 10;
    TYPE_MESSAGE = 11;
    TYPE_BYTES = 12;
    TYPE_UINT32 = 13;
    TYPE_ENUM = 14;
    TYPE_SFIXED32 = 15;
    TYPE_SFIXED64 = 16;
    TYPE_SINT32 = 17;
    TYPE_SINT64 = 18;
  }
  enum Cardinality {
    CARDINALITY_UNKNOWN = 0;
    CARDINALITY_OPTIONAL = 1;
    CARDINALITY_REQUIRED = 2;
    CARDINALITY_REPEATED = 3;
  }
  Kind kind = 1;
  Cardinality cardinality = 2;
  int32 number = 3;
  string name = 4;
  string type_url = 6;
  int32 oneof_index = 7;
  bool packed = 8;
  repeated Option options = 9;
  string json_name = 10;
  string default_value = 11;
}
message Enum {
  string name = 1;
  repeated EnumValue enumvalue = 2;
  repeated Option options = 3;
  SourceContext source_context = 4;
  Syntax syntax = 5;
  string edition = 6;
}
message EnumValue {
  string name = 1;
  int32 number = 2;
  repeated Option options = 3;
}
message Option {
  string name = 1;
  Any value = 2;
}
enum Syntax {
  SYNTAX_PROTO2 = 0;
  SYNTAX_PROTO3 = 1;
  SYNTAX_EDITIONS = 2;
}
`,
  "google/protobuf/api.proto": `syntax = "proto3";
package google.protobuf;
import "google/protobuf/source_context.proto";
import "google/protobuf/type.proto";
message Api {
  string name = 1;
  repeated Method methods = 2;
  repeated Option options = 3;
  string version = 4;
  SourceContext source_context = 5;
  repeated Mixin mixins = 6;
  Syntax syntax = 7;
  string edition = 8;
}
message Method {
  string name = 1;
  string request_type_url = 2;
  bool request_streaming = 3;
  string response_type_url = 4;
  bool response_streaming = 5;
  repeated Option options = 6;
  Syntax syntax = 7;
  string edition = 8;
}
message Mixin {
  string name = 1;
  string root = 2;
}
`,
  "google/type/calendar_period.proto": `syntax = "proto3";
package google.type;
enum CalendarPeriod {
  CALENDAR_PERIOD_UNSPECIFIED = 0;
  DAY = 1;
  WEEK = 2;
  FORTNIGHT = 3;
  MONTH = 4;
  QUARTER = 5;
  HALF = 6;
  YEAR = 7;
}
`,
  "google/type/color.proto": `syntax = "proto3";
package google.type;
import "google/protobuf/wrappers.proto";
message Color {
  float red = 1;
  float green = 2;
  float blue = 3;
  google.protobuf.FloatValue alpha = 4;
}
`,
  "google/type/date.proto": `syntax = "proto3";
package google.type;
message Date {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
}
`,
  "google/type/datetime.proto": `syntax = "proto3";
package google.type;
import "google/protobuf/duration.proto";
message DateTime {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
  int32 hours = 4;
  int32 minutes = 5;
  int32 seconds = 6;
  int32 nanos = 7;
  oneof time_offset {
    google.protobuf.Duration utc_offset = 8;
    TimeZone time_zone = 9;
  }
}
message TimeZone {
  string id = 1;
  string version = 2;
}
`,
  "google/type/dayofweek.proto": `syntax = "proto3";
package google.type;
enum DayOfWeek {
  DAY_OF_WEEK_UNSPECIFIED = 0;
  MONDAY = 1;
  TUESDAY = 2;
  WEDNESDAY = 3;
  THURSDAY = 4;
  FRIDAY = 5;
  SATURDAY = 6;
  SUNDAY = 7;
}
`,
  "google/type/decimal.proto": `syntax = "proto3";
package google.type;
message Decimal {
  string value = 1;
}
`,
  "google/type/expr.proto": `syntax = "proto3";
package google.type;
message Expr {
  string expression = 1;
  string title = 2;
  string description = 3;
  string location = 4;
}
`,
  "google/type/fraction.proto": `syntax = "proto3";
package google.type;
message Fraction {
  int64 numerator = 1;
  int64 denominator = 2;
}
`,
  "google/type/interval.proto": `syntax = "proto3";
package google.type;
import "google/protobuf/timestamp.proto";
message Interval {
  google.protobuf.Timestamp start_time = 1;
  google.protobuf.Timestamp end_time = 2;
}
`,
  "google/type/latlng.proto": `syntax = "proto3";
package google.type;
message LatLng {
  double latitude = 1;
  double longitude = 2;
}
`,
  "google/type/money.proto": `syntax = "proto3";
package google.type;
message Money {
  string currency_code = 1;
  int64 units = 2;
  int32 nanos = 3;
}
`,
  "google/type/month.proto": `syntax = "proto3";
package google.type;
enum Month {
  MONTH_UNSPECIFIED = 0;
  JANUARY = 1;
  FEBRUARY = 2;
  MARCH = 3;
  APRIL = 4;
  MAY = 5;
  JUNE = 6;
  JULY = 7;
  AUGUST = 8;
  SEPTEMBER = 9;
  OCTOBER = 10;
  NOVEMBER = 11;
  DECEMBER = 12;
}
`,
  "google/type/phone_number.proto": `syntax = "proto3";
package google.type;
message PhoneNumber {
  message ShortCode {
    string region_code = 1;
    string number = 2;
  }
  oneof kind {
    string e164_number = 1;
    ShortCode short_code = 2;
  }
  string extension = 3;
}
`,
  "google/type/postal_address.proto": `syntax = "proto3";
package google.type;
message PostalAddress {
  int32 revision = 1;
  string region_code = 2;
  string language_code = 3;
  string postal_code = 4;
  string sorting_code = 5;
  string administrative_area = 6;
  string locality = 7;
  string sublocality = 8;
  repeated string address_lines = 9;
  repeated string recipients = 10;
  string organization = 11;
}
`,
  "google/type/quaternion.proto": `syntax = "proto3";
package google.type;
message Quaternion {
  double x = 1;
  double y = 2;
  double z = 3;
  double w = 4;
}
`,
  "google/type/timeofday.proto": `syntax = "proto3";
package google.type;
message TimeOfDay {
  int32 hours = 1;
  int32 minutes = 2;
  int32 seconds = 3;
  int32 nanos = 4;
}
`,
};

// The well-known types protobufjs bundles (its `common` definitions, and JSON files of its own).
const COMMON = ["any", "duration", "empty", "field_mask", "timestamp", "wrappers"];
const BUNDLED: Record<string, readonly string[]> = { descriptor: [] };
const require = createRequire(import.meta.url);

/** The names of the files a schema may import without a reference (Confluent's known dependencies). */
export const KNOWN_PROTO_FILES: readonly string[] = [
  ...Object.keys(TEXTS),
  ...[...COMMON, ...Object.keys(BUNDLED)].map((n) => `google/protobuf/${n}.proto`),
].sort();

const KNOWN = new Set(KNOWN_PROTO_FILES);

/** Whether `name` is a file every schema may import without a reference. */
export function isKnownProtoFile(name: string): boolean {
  return KNOWN.has(name);
}

/**
 * Adds the definitions of `nested` (protobufjs JSON) that `ns` lacks: protobufjs' JSON copies of
 * some files carry the types they import (type.json has Any), which may be there already.
 */
function addMissing(ns: protobuf.NamespaceBase, nested: Record<string, protobuf.AnyNestedObject>): void {
  for (const [name, json] of Object.entries(nested)) {
    const there = ns.get(name);
    if (there === null) ns.addJSON({ [name]: json });
    else if (
      there instanceof protobuf.Namespace &&
      !(there instanceof protobuf.Type) &&
      !("fields" in json) &&
      (json as protobuf.INamespace).nested
    )
      addMissing(there, (json as protobuf.INamespace).nested as Record<string, protobuf.AnyNestedObject>);
  }
}

/**
 * Adds to `root` the known files among `imports` that `provided` (the references' names) lacks,
 * with the known files they import in turn; `loaded` holds the files already added to this root
 * (each is added once: a second copy of a type is a duplicate for protobufjs).
 */
export function addKnownProtoFiles(
  root: protobuf.Root,
  imports: readonly string[],
  provided: ReadonlySet<string>,
  loaded: Set<string>,
): void {
  for (const name of imports) {
    if (provided.has(name) || loaded.has(name) || !KNOWN.has(name)) continue;
    loaded.add(name);
    const text = TEXTS[name];
    if (text !== undefined) {
      const res = protobuf.parse(text, root, { keepCase: true });
      addKnownProtoFiles(root, res.imports ?? [], provided, loaded);
      continue;
    }
    const short = name.slice("google/protobuf/".length, -".proto".length);
    if (COMMON.includes(short)) {
      const json = (protobuf.common as unknown as Record<string, protobuf.INamespace>)[name];
      if (json?.nested) addMissing(root, json.nested);
      continue;
    }
    addKnownProtoFiles(root, BUNDLED[short] ?? [], provided, loaded);
    const json = require(`protobufjs/google/protobuf/${short}.json`) as protobuf.INamespace;
    if (json.nested) addMissing(root, json.nested);
  }
}
