/**
 * `fleuve registry`: serves the schema registry (`@fleuve/registry`, Confluent Schema Registry's
 * REST API) until interrupted, its schemas kept on the compacted `_schemas` topic of the embedded
 * log (or in memory with `--memory`; `--follow` reads a registry another process writes).
 */
import { LogStore, MemoryStore, startRegistry } from "@fleuve/registry";
import { intOption, parseArgs, usageError } from "./args.js";
import type { Io } from "./run-command.js";

/** Usage of `fleuve registry`. */
export const REGISTRY_USAGE = `Usage: fleuve registry [--port 8085] [--host 127.0.0.1] [--dir .fleuve/log] [--memory] [--follow]

Serves a schema registry with Confluent Schema Registry's REST API on 127.0.0.1:8085 until
interrupted (Ctrl-C). Schemas are kept on the compacted topic _schemas of the embedded log in
--dir, so ids stay the same across restarts; --memory keeps them in memory only; --follow serves a
read-only copy of a registry that another 'fleuve registry' writes to the same --dir.
Binding another host than 127.0.0.1 needs a bearer token in FLEUVE_REGISTRY_TOKEN (or --token);
with a token set, every request needs 'Authorization: Bearer <token>'.`;

/**
 * Runs `fleuve registry`; resolves to the exit code once SIGINT or SIGTERM stops it (or `stop`
 * resolves, for tests).
 */
export async function registryCommand(
  argv: readonly string[],
  io: Io,
  stop?: Promise<void>,
): Promise<number> {
  const p = parseArgs(
    argv,
    {
      help: "flag",
      port: "number",
      host: "string",
      token: "string",
      dir: "string",
      memory: "flag",
      follow: "flag",
    },
    "registry",
  );
  if (p.options.help) {
    io.stdout.write(`${REGISTRY_USAGE}\n`);
    return 0;
  }
  if (p.positional.length > 0)
    throw usageError(`'fleuve registry' takes no argument, got '${p.positional[0]}'`, "registry");
  if (p.options.memory && (p.options.follow || p.options.dir !== undefined)) {
    throw usageError("'--memory' cannot go with '--follow' or '--dir'", "registry");
  }
  const port = intOption(p, "port", 0, "registry") ?? 8085;
  const host = (p.options.host as string | undefined) ?? "127.0.0.1";
  const token = (p.options.token as string | undefined) ?? process.env.FLEUVE_REGISTRY_TOKEN;
  const dir = (p.options.dir as string | undefined) ?? ".fleuve/log";
  const store = p.options.memory
    ? new MemoryStore()
    : new LogStore({ dir, follower: p.options.follow === true });
  const running = await startRegistry({ port, host, ...(token ? { token } : {}), store });
  io.stdout.write(`registry listening on ${running.url} (schemas: ${store.description})\n`);
  const stopped =
    stop ??
    new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
  await stopped;
  await running.close();
  return 0;
}
