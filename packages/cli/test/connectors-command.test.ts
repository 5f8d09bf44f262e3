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
