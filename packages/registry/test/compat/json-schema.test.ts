// JSON Schema compatibility cases written from Confluent's rules: a reader is compatible with a
// writer when it accepts every document the writer accepts; open and closed content models decide
// what an absent property means.
import { type CompatCase, compatibilityTable } from "../fixtures/compat-table.js";

const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: "object",
  properties,
  ...extra,
});
const closed = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  obj(properties, { additionalProperties: false, ...extra });
const S = { type: "string" };
const I = { type: "integer" };
const N = { type: "number" };

const CASES: CompatCase<unknown>[] = [
  [
    "optional property added to an open model (the trap)",
    "BACKWARD",
    [obj({ a: S })],
    obj({ a: S, b: S }),
    false,
  ],
  ["optional property added to a closed model", "BACKWARD", [closed({ a: S })], closed({ a: S, b: S }), true],
  [
    "property added to a closed model, full: old closed readers refuse it",
    "FULL",
    [closed({ a: S })],
    closed({ a: S, b: S }),
    false,
  ],
  ["unconstrained property added to an open model", "BACKWARD", [obj({ a: S })], obj({ a: S, b: {} }), true],
  ["property removed from an open model", "BACKWARD", [obj({ a: S, b: S })], obj({ a: S }), true],
  ["property removed from a closed model", "BACKWARD", [closed({ a: S, b: S })], closed({ a: S }), false],
  [
    "property added to a partially open model, matching additionalProperties",
    "BACKWARD",
    [obj({ a: S }, { additionalProperties: S })],
    obj({ a: S, b: S }, { additionalProperties: S }),
    true,
  ],
  [
    "property added to a partially open model, another type",
    "BACKWARD",
    [obj({ a: S }, { additionalProperties: S })],
    obj({ a: S, b: I }, { additionalProperties: S }),
    false,
  ],
  ["additionalProperties closed (true to false)", "BACKWARD", [obj({ a: S })], closed({ a: S }), false],
  ["additionalProperties opened (false to true)", "BACKWARD", [closed({ a: S })], obj({ a: S }), true],
  ["integer widened to number", "BACKWARD", [obj({ a: I })], obj({ a: N }), true],
  ["number narrowed to integer", "BACKWARD", [obj({ a: N })], obj({ a: I }), false],
  [
    "number narrowed to integer, forward: old readers take integers",
    "FORWARD",
    [obj({ a: N })],
    obj({ a: I }),
    true,
  ],
  [
    "string widened to string or null",
    "BACKWARD",
    [obj({ a: S })],
    obj({ a: { type: ["string", "null"] } }),
    true,
  ],
  [
    "string or null narrowed to string",
    "BACKWARD",
    [obj({ a: { type: ["string", "null"] } })],
    obj({ a: S }),
    false,
  ],
  ["type changed string to integer", "FORWARD", [obj({ a: S })], obj({ a: I }), false],
  ["required property added", "BACKWARD", [obj({ a: S })], obj({ a: S }, { required: ["a"] }), false],
  ["required property removed", "BACKWARD", [obj({ a: S }, { required: ["a"] })], obj({ a: S }), true],
  ["required property added, forward", "FORWARD", [obj({ a: S })], obj({ a: S }, { required: ["a"] }), true],
  [
    "maxLength increased",
    "BACKWARD",
    [{ type: "string", maxLength: 5 }],
    { type: "string", maxLength: 10 },
    true,
  ],
  [
    "maxLength decreased",
    "BACKWARD",
    [{ type: "string", maxLength: 10 }],
    { type: "string", maxLength: 5 },
    false,
  ],
  ["maxLength added", "BACKWARD", [S], { type: "string", maxLength: 5 }, false],
  ["minLength removed", "BACKWARD", [{ type: "string", minLength: 2 }], S, true],
  ["minimum raised", "BACKWARD", [{ type: "number", minimum: 0 }], { type: "number", minimum: 1 }, false],
  ["minimum lowered", "BACKWARD", [{ type: "number", minimum: 1 }], { type: "number", minimum: 0 }, true],
  ["maximum removed", "BACKWARD", [{ type: "number", maximum: 9 }], N, true],
  ["maximum added, forward: old reader has none", "FORWARD", [N], { type: "number", maximum: 9 }, true],
  ["pattern added", "BACKWARD", [S], { type: "string", pattern: "^a" }, false],
  ["enum value added", "BACKWARD", [{ enum: ["a", "b"] }], { enum: ["a", "b", "c"] }, true],
  ["enum value removed", "BACKWARD", [{ enum: ["a", "b", "c"] }], { enum: ["a", "b"] }, false],
  ["array items widened", "BACKWARD", [{ type: "array", items: I }], { type: "array", items: N }, true],
  [
    "minItems added",
    "BACKWARD",
    [{ type: "array", items: I }],
    { type: "array", items: I, minItems: 1 },
    false,
  ],
  ["oneOf widened", "BACKWARD", [{ oneOf: [S, I] }], { oneOf: [S, I, { type: "boolean" }] }, true],
  ["oneOf narrowed", "BACKWARD", [{ oneOf: [S, I] }], { oneOf: [S] }, false],
  [
    "a $ref'd definition narrowed",
    "BACKWARD",
    [obj({ a: { $ref: "#/definitions/x" } }, { definitions: { x: N } })],
    obj({ a: { $ref: "#/definitions/x" } }, { definitions: { x: I } }),
    false,
  ],
  [
    "transitive: compatible with the latest, not with the first",
    "BACKWARD_TRANSITIVE",
    [obj({ a: N }), obj({ a: I })],
    obj({ a: I }),
    false,
  ],
  ["non-transitive: only the latest counts", "BACKWARD", [obj({ a: N }), obj({ a: I })], obj({ a: I }), true],
  // NONE checks nothing.
  ["NONE: a property's type changed", "NONE", [obj({ a: S })], obj({ a: I }), true],
  ["NONE: an object became a string", "NONE", [closed({ a: S }, { required: ["a"] })], S, true],
  // FORWARD_TRANSITIVE: every old schema reads what the new one writes.
  [
    "FORWARD: the latest reader takes numbers",
    "FORWARD",
    [obj({ a: I }), obj({ a: N })],
    obj({ a: N }),
    true,
  ],
  [
    "FORWARD_TRANSITIVE: the first reader took integers only",
    "FORWARD_TRANSITIVE",
    [obj({ a: I }), obj({ a: N })],
    obj({ a: N }),
    false,
  ],
  [
    "FORWARD_TRANSITIVE: narrowed to integer, every old reader takes it",
    "FORWARD_TRANSITIVE",
    [obj({ a: N }), obj({ a: { type: ["number", "null"] } })],
    obj({ a: I }, { required: ["a"] }),
    true,
  ],
  // FULL_TRANSITIVE: both ways, with every old schema.
  [
    "FULL: a closed model identical to the latest",
    "FULL",
    [closed({ a: S }), closed({ a: S, b: S })],
    closed({ a: S, b: S }),
    true,
  ],
  [
    "FULL_TRANSITIVE: the first closed reader refuses the later property",
    "FULL_TRANSITIVE",
    [closed({ a: S }), closed({ a: S, b: S })],
    closed({ a: S, b: S }),
    false,
  ],
  [
    "FULL_TRANSITIVE: unconstrained properties in an open model",
    "FULL_TRANSITIVE",
    [obj({ a: S }), obj({ a: S, b: {} })],
    obj({ a: S, b: { description: "free" } }),
    true,
  ],
];

compatibilityTable("JSON", 25, CASES, JSON.stringify);
