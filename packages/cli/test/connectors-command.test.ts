// `fleuve connectors` lists every connector with each option of its source and sink (type, default,
// documentation), the same descriptors a program gets from the packages' `connectors` exports.
import assert from "node:assert/strict";
import { test } from "node:test";
import { builtinConnectors, type ConnectorDescriptor, expected, type OptionSpec } from "@fleuve/core";
import { connectors as kafkaConnectors } from "@fleuve/kafka";
import { connectors as logConnectors } from "@fleuve/log";
import { fleuve } from "./helpers.js";

test("fleuve connectors lists every connector and every option with its type and documentation", async () => {
  const r = await fleuve("connectors");
  assert.equal(r.code, 0, r.stderr);
  const all: readonly ConnectorDescriptor[] = [...builtinConnectors, ...kafkaConnectors, ...logConnectors];
  for (const c of all) {
    assert.match(r.stdout, new RegExp(`^${c.name} \\(${c.package.replace("/", "\\/")}\\): `, "m"));
    for (const side of [c.source, c.sink]) {
      for (const [name, spec] of Object.entries<OptionSpec>(side?.options ?? {})) {
        assert.ok(r.stdout.includes(`    ${name}: ${expected(spec)}`), `${c.name} option ${name}`);
        assert.ok(r.stdout.includes(spec.doc), `${c.name} option ${name}: its documentation`);
      }
    }
  }
});

test("fleuve connectors <name> shows one; an unknown name lists the known ones", async () => {
  const one = await fleuve("connectors", "log");
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /^log \(@fleuve\/log\)/);
  assert.doesNotMatch(one.stdout, /^kafka /m);
  const none = await fleuve("connectors", "nope");
  assert.equal(none.code, 1);
  assert.match(
    none.stderr,
    /^error FLEUVE_CONFIG_INVALID: no connector 'nope'; known: blackhole, datagen, file, filesystem, kafka, log, print, upsert-kafka, upsert-log/,
  );
});

test("the usage of 'fleuve connectors' and 'fleuve sql' names every connector their code takes", async () => {
  // The registry's, then what only SQL takes: nexmark, and jdbc and redis for lookup tables.
  const names = [...builtinConnectors, ...kafkaConnectors, ...logConnectors].map((c) => c.name);
  const connectors = await fleuve("connectors", "--help");
  assert.equal(connectors.code, 0, connectors.stderr);
  const text = connectors.stdout.replace(/\s+/g, " ");
  assert.ok(text.includes(`(${[...names].sort().join(", ")})`), text);
  assert.ok(text.includes("tables also take nexmark, and lookup tables jdbc, redis"), text);
  const sqlHelp = await fleuve("sql", "--help");
  assert.equal(sqlHelp.code, 0, sqlHelp.stderr);
  assert.ok(
    sqlHelp.stdout
      .replace(/\s+/g, " ")
      .includes(
        `Tables may use the connectors ${[...names, "nexmark"].sort().join(", ")}; lookup tables also jdbc, redis.`,
      ),
    sqlHelp.stdout,
  );
});
