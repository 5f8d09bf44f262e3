/**
 * `fleuve connectors [name]`: the connectors this installation has (the descriptors of
 * `@fleuve/core`, `@fleuve/log` and `@fleuve/kafka`), each with its source and sink options: type,
 * default and what they do, the names a SQL `WITH` clause or a dashboard would use.
 */
import {
  builtinConnectors,
  type ConnectorDescriptor,
  connectorsOf,
  expected,
  type OptionSpecs,
} from "@fleuve/core";
import { connectors as kafkaConnectors } from "@fleuve/kafka";
import { connectors as logConnectors } from "@fleuve/log";
import { parseArgs, usageError } from "./args.js";
import type { Io } from "./run-command.js";
import { COMMAND_CONNECTOR_NAMES } from "./sql-script.js";

/** Every connector of the packages the CLI ships. */
export const registry = connectorsOf(logConnectors, kafkaConnectors, builtinConnectors);

/** The connectors SQL tables take that are not descriptors of the registry (nexmark). */
const sqlOnly = COMMAND_CONNECTOR_NAMES.tables.filter((n) => !registry.list().some((c) => c.name === n));

/** Usage of `fleuve connectors`: the connectors named as the registry has them. */
export const CONNECTORS_USAGE = `Usage: fleuve connectors [name]

Lists the connectors (${registry
  .list()
  .map((c) => c.name)
  .join(", ")}), or one of them, with the options their source and sink
take from plain values (strings are converted: "true", "42"). In 'fleuve sql', tables also take
${sqlOnly.join(", ")}, and lookup tables ${COMMAND_CONNECTOR_NAMES.lookupOnly.join(", ")} (docs/sql.md).`;

/** Runs `fleuve connectors`; resolves to the exit code. */
export async function connectorsCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, { help: "flag" }, "connectors");
  if (p.options.help) {
    io.stdout.write(`${CONNECTORS_USAGE}\n`);
    return 0;
  }
  if (p.positional.length > 1) {
    throw usageError(
      `'fleuve connectors' takes at most one name, got also '${p.positional[1]}'`,
      "connectors",
    );
  }
  const name = p.positional[0];
  const list = name === undefined ? registry.list() : [registry.get(name)];
  io.stdout.write(list.map(describe).join("\n"));
  return 0;
}

function describe(c: ConnectorDescriptor): string {
  let out = `${c.name} (${c.package}): ${c.description}\n`;
  if (c.source) out += side("source", c.source.description, c.source.options);
  if (c.sink) out += side("sink", c.sink.description, c.sink.options);
  return out;
}

function side(what: string, description: string, options: OptionSpecs): string {
  let out = `  ${what}: ${description}\n`;
  for (const [name, spec] of Object.entries(options)) {
    const dflt = spec.required
      ? "required"
      : spec.default === undefined
        ? "optional"
        : `default ${spec.default}`;
    out += `    ${name}: ${expected(spec)}, ${dflt}\n      ${spec.doc}\n`;
  }
  return out;
}
