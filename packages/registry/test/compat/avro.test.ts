// Avro compatibility cases written from the specification's schema resolution rules: each case is
// (level, previous versions oldest first, candidate) and the verdict the rules give.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CompatibilityLevel, compatibilityIssues, parseSchema } from "../../src/index.js";

const rec = (fields: unknown[], extra: Record<string, unknown> = {}) => ({
  type: "record",
  name: "R",
  fields,
  ...extra,
});
const f = (name: string, type: unknown, extra: Record<string, unknown> = {}) => ({ name, type, ...extra });
const en = (symbols: string[], extra: Record<string, unknown> = {}) => ({
  type: "enum",
  name: "E",
  symbols,
  ...extra,
});
const fx = (size: number, name = "F") => ({ type: "fixed", name, size });

type Case = [
  name: string,
  level: CompatibilityLevel,
  previous: unknown[],
  candidate: unknown,
  compatible: boolean,
];

const CASES: Case[] = [
  [
    "field added with default (backward)",
    "BACKWARD",
    [rec([f("a", "int")])],
    rec([f("a", "int"), f("b", "string", { default: "" })]),
    true,
  ],
  [
    "field added without default (backward) - the classic trap",
    "BACKWARD",
    [rec([f("a", "int")])],
    rec([f("a", "int"), f("b", "string")]),
    false,
  ],
  [
    "field added without default (forward): old readers ignore it",
    "FORWARD",
    [rec([f("a", "int")])],
    rec([f("a", "int"), f("b", "string")]),
    true,
  ],
  [
    "field removed without default (forward): old readers miss it",
    "FORWARD",
    [rec([f("a", "int"), f("b", "int")])],
    rec([f("a", "int")]),
    false,
  ],
  [
    "field removed that had a default (forward)",
    "FORWARD",
    [rec([f("a", "int"), f("b", "int", { default: 1 })])],
    rec([f("a", "int")]),
    true,
  ],
  [
    "field removed (backward): the new reader ignores it",
    "BACKWARD",
    [rec([f("a", "int"), f("b", "int")])],
    rec([f("a", "int")]),
    true,
  ],
  [
    "field added with default (full)",
    "FULL",
    [rec([f("a", "int")])],
    rec([f("a", "int"), f("b", "int", { default: 0 })]),
    true,
  ],
  [
    "field added without default (full)",
    "FULL",
    [rec([f("a", "int")])],
    rec([f("a", "int"), f("b", "int")]),
    false,
  ],
  ["int to long (backward): promotion", "BACKWARD", [rec([f("a", "int")])], rec([f("a", "long")]), true],
  [
    "int to long (forward): an int reader cannot read longs",
    "FORWARD",
    [rec([f("a", "int")])],
    rec([f("a", "long")]),
    false,
  ],
  ["long back to int (backward)", "BACKWARD", [rec([f("a", "long")])], rec([f("a", "int")]), false],
  ["int to double (backward)", "BACKWARD", [rec([f("a", "int")])], rec([f("a", "double")]), true],
  ["float to double (backward)", "BACKWARD", [rec([f("a", "float")])], rec([f("a", "double")]), true],
  ["double to float (backward)", "BACKWARD", [rec([f("a", "double")])], rec([f("a", "float")]), false],
  ["string to bytes (full)", "FULL", [rec([f("a", "string")])], rec([f("a", "bytes")]), true],
  ["int to string (backward)", "BACKWARD", [rec([f("a", "int")])], rec([f("a", "string")]), false],
  ["enum symbol added (backward)", "BACKWARD", [en(["A", "B"])], en(["A", "B", "C"]), true],
  [
    "enum symbol removed (backward), no default - classic trap",
    "BACKWARD",
    [en(["A", "B", "C"])],
    en(["A", "B"]),
    false,
  ],
  [
    "enum symbol removed (backward), reader has a default",
    "BACKWARD",
    [en(["A", "B", "C"])],
    en(["A", "B"], { default: "A" }),
    true,
  ],
  [
    "enum symbol added (forward), old reader has no default",
    "FORWARD",
    [en(["A", "B"])],
    en(["A", "B", "C"]),
    false,
  ],
  ["enum renamed", "BACKWARD", [en(["A"])], { type: "enum", name: "Other", symbols: ["A"] }, false],
  ["fixed size changed", "BACKWARD", [fx(16)], fx(8), false],
  ["fixed same size", "FULL", [fx(16)], fx(16), true],
  [
    "record renamed without alias",
    "BACKWARD",
    [rec([f("a", "int")])],
    { ...rec([f("a", "int")]), name: "S" },
    false,
  ],
  [
    "record renamed with alias to the old name",
    "BACKWARD",
    [rec([f("a", "int")])],
    { ...rec([f("a", "int")]), name: "S", aliases: ["R"] },
    true,
  ],
  [
    "namespace changed: names compare unqualified",
    "FULL",
    [rec([f("a", "int")], { namespace: "x" })],
    rec([f("a", "int")], { namespace: "y" }),
    true,
  ],
  [
    "field renamed with alias (backward)",
    "BACKWARD",
    [rec([f("a", "int")])],
    rec([f("b", "int", { aliases: ["a"] })]),
    true,
  ],
  [
    "field renamed without alias or default (backward)",
    "BACKWARD",
    [rec([f("a", "int")])],
    rec([f("b", "int")]),
    false,
  ],
  [
    "union widened (backward)",
    "BACKWARD",
    [rec([f("a", ["null", "int"], { default: null })])],
    rec([f("a", ["null", "int", "string"], { default: null })]),
    true,
  ],
  [
    "union widened (forward): old reader lacks string",
    "FORWARD",
    [rec([f("a", ["null", "int"], { default: null })])],
    rec([f("a", ["null", "int", "string"], { default: null })]),
    false,
  ],
  [
    "union narrowed (backward)",
    "BACKWARD",
    [rec([f("a", ["null", "int", "string"], { default: null })])],
    rec([f("a", ["null", "int"], { default: null })]),
    false,
  ],
  [
    "type to union containing it (backward)",
    "BACKWARD",
    [rec([f("a", "int")])],
    rec([f("a", ["null", "int"])]),
    true,
  ],
  [
    "union to one of its types (backward)",
    "BACKWARD",
    [rec([f("a", ["null", "int"])])],
    rec([f("a", "int")]),
    false,
  ],
  [
    "union branch promoted int to long (backward)",
    "BACKWARD",
    [rec([f("a", ["null", "int"])])],
    rec([f("a", ["null", "long"])]),
    true,
  ],
  [
    "array items promoted (backward)",
    "BACKWARD",
    [rec([f("a", { type: "array", items: "int" })])],
    rec([f("a", { type: "array", items: "long" })]),
    true,
  ],
  [
    "map values narrowed (backward)",
    "BACKWARD",
    [rec([f("a", { type: "map", values: "long" })])],
    rec([f("a", { type: "map", values: "int" })]),
    false,
  ],
  [
    "array to map",
    "BACKWARD",
    [rec([f("a", { type: "array", items: "int" })])],
    rec([f("a", { type: "map", values: "int" })]),
    false,
  ],
  [
    "nested record gains a field without default",
    "BACKWARD",
    [rec([f("n", rec([f("x", "int")], { name: "N" }))])],
    rec([f("n", rec([f("x", "int"), f("y", "int")], { name: "N" }))]),
    false,
  ],
  [
    "recursive record unchanged",
    "FULL",
    [{ type: "record", name: "L", fields: [f("v", "int"), f("next", ["null", "L"], { default: null })] }],
    { type: "record", name: "L", fields: [f("v", "int"), f("next", ["null", "L"], { default: null })] },
    true,
  ],
  [
    "non-transitive compares with the latest only",
    "BACKWARD",
    [rec([f("a", "int"), f("b", "int")]), rec([f("a", "int")])],
    rec([f("a", "int"), f("b", "string", { default: "" })]),
    true,
  ],
  [
    "transitive compares with every version",
    "FORWARD_TRANSITIVE",
    [rec([f("a", "int"), f("b", "int")]), rec([f("a", "int"), f("b", "int", { default: 0 })])],
    rec([f("a", "int")]),
    false,
  ],
  [
    "transitive backward over a promotion chain",
    "BACKWARD_TRANSITIVE",
    [rec([f("a", "int")]), rec([f("a", "long")])],
    rec([f("a", "double")]),
    true,
  ],
  [
    "full transitive refuses a later-narrowed field",
    "FULL_TRANSITIVE",
    [rec([f("a", "long")]), rec([f("a", "long"), f("b", "int", { default: 0 })])],
    rec([f("a", "int"), f("b", "int", { default: 0 })]),
    false,
  ],
  ["NONE accepts anything", "NONE", [rec([f("a", "int")])], en(["A"]), true],
  ["record to primitive", "BACKWARD", [rec([f("a", "int")])], "string", false],
];

describe("Avro compatibility table", () => {
  it(`has at least 25 cases (${CASES.length})`, () => assert.ok(CASES.length >= 25));
  for (const [name, level, previous, candidate, compatible] of CASES) {
    it(`${level}: ${name} -> ${compatible ? "compatible" : "incompatible"}`, () => {
      const parse = (s: unknown) => parseSchema("AVRO", JSON.stringify(s));
      const issues = compatibilityIssues(level, parse(candidate), previous.map(parse));
      assert.equal(issues.length === 0, compatible, issues.join("\n") || "no issue found");
    });
  }
});
