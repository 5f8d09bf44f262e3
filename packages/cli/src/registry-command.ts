/**
 * `fleuve registry`: serves the schema registry (`@fleuve/registry`, Confluent Schema Registry's
 * REST API) until interrupted, its schemas kept on the compacted `_schemas` topic of the embedded
 * log or of a Kafka cluster (`--kafka`), or in memory with `--memory`; `--follow` reads a registry
 * another process writes.
 */
import { FleuveError } from "@fleuve/core";
import {
  KafkaStore,
  LogStore,
  MemoryStore,
  parseSchema,
  RegistryClient,
  RegistryError,
  type RegistryStore,
  SchemaRegistry,
  schemaTypeOf,
  startRegistry,
  typescriptTypes,
} from "@fleuve/registry";
import { intOption, parseArgs, usageError } from "./args.js";
import type { Io } from "./run-command.js";

/** Usage of `fleuve registry`. */
export const REGISTRY_USAGE = `Usage: fleuve registry [--port 8085] [--host 127.0.0.1] [--dir .fleuve/log | --memory
                       | --kafka [--bootstrap HOST:PORT]] [--topic _schemas] [--follow]

Serves a schema registry with Confluent Schema Registry's REST API on 127.0.0.1:8085 until
interrupted (Ctrl-C). Schemas are kept on a compacted topic (--topic, default _schemas), so ids
stay the same across restarts:
  --dir D               of the embedded log in D (the default, .fleuve/log)
  --kafka               of a Kafka cluster; every 'fleuve registry --kafka' on the same topic
                        serves the same schemas, and any of them takes writes (serialized
                        through Kafka's transaction coordinator)
  --bootstrap HOST:PORT with --kafka: bootstrap servers (default $FLEUVE_KAFKA_BOOTSTRAP or
                        127.0.0.1:9092)
  --memory              in memory only
  --follow              serve a read-only copy of a registry another 'fleuve registry' writes
                        (same --dir, or same --kafka topic); writes get 422 error_code 42205
Binding another host than 127.0.0.1 needs a bearer token in FLEUVE_REGISTRY_TOKEN (or --token);
with a token set, every request needs 'Authorization: Bearer <token>'.

       fleuve registry types <subject> [--version N|latest] [--url http://127.0.0.1:8085]
Prints TypeScript types for a version of a subject (default latest) of the registry at --url
(default $FLEUVE_REGISTRY_URL or http://127.0.0.1:8085; a token from --token or
FLEUVE_REGISTRY_TOKEN): Avro, JSON Schema or Protobuf, the shape of the values schemaDeserializer
returns for it.`;

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
      kafka: "flag",
      bootstrap: "string",
      topic: "string",
      version: "string",
      url: "string",
    },
    "registry",
  );
  if (p.options.help) {
    io.stdout.write(`${REGISTRY_USAGE}\n`);
    return 0;
  }
  if (p.positional[0] === "types") return typesCommand(p, io);
  if (p.positional.length > 0)
    throw usageError(`'fleuve registry' takes no argument, got '${p.positional[0]}'`, "registry");
  for (const o of ["version", "url"])
    if (p.options[o] !== undefined)
      throw usageError(`option '--${o}' applies to 'fleuve registry types' only`, "registry");
  if (p.options.memory && (p.options.follow || p.options.dir !== undefined || p.options.kafka)) {
    throw usageError("'--memory' cannot go with '--follow', '--dir' or '--kafka'", "registry");
  }
  if (p.options.kafka && p.options.dir !== undefined)
    throw usageError("'--kafka' keeps schemas in Kafka: it cannot go with '--dir'", "registry");
  if (p.options.bootstrap !== undefined && !p.options.kafka)
    throw usageError("'--bootstrap' needs '--kafka' (schemas kept in Kafka)", "registry");
  if (p.options.topic !== undefined && p.options.memory)
    throw usageError("'--topic' cannot go with '--memory'", "registry");
  const port = intOption(p, "port", 0, "registry") ?? 8085;
  const host = (p.options.host as string | undefined) ?? "127.0.0.1";
  const token = (p.options.token as string | undefined) ?? process.env.FLEUVE_REGISTRY_TOKEN;
  const dir = (p.options.dir as string | undefined) ?? ".fleuve/log";
  const topic = p.options.topic as string | undefined;
  const follower = p.options.follow === true;
  let store: RegistryStore;
  if (p.options.memory) store = new MemoryStore();
  else if (p.options.kafka) {
    const bootstrap =
      (p.options.bootstrap as string | undefined) ?? process.env.FLEUVE_KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
    store = new KafkaStore({ bootstrap, follower, ...(topic ? { topic } : {}) });
  } else store = new LogStore({ dir, follower, ...(topic ? { topic } : {}) });
  let running: Awaited<ReturnType<typeof startRegistry>>;
  try {
    running = await startRegistry({ port, host, ...(token ? { token } : {}), store });
  } catch (e) {
    throw listenFailure(e, host, port);
  }
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

/** `fleuve registry types <subject>`: TypeScript types of a registered schema, on stdout. */
async function typesCommand(p: ReturnType<typeof parseArgs>, io: Io): Promise<number> {
  const subject = p.positional[1];
  if (subject === undefined || p.positional.length > 2)
    throw usageError("'fleuve registry types' takes one subject", "registry");
  for (const o of ["port", "host", "dir", "memory", "follow", "kafka", "bootstrap", "topic"])
    if (p.options[o] !== undefined)
      throw usageError(`option '--${o}' does not apply to 'fleuve registry types'`, "registry");
  const url =
    (p.options.url as string | undefined) ?? process.env.FLEUVE_REGISTRY_URL ?? "http://127.0.0.1:8085";
  const token = (p.options.token as string | undefined) ?? process.env.FLEUVE_REGISTRY_TOKEN;
  let version: number | "latest";
  try {
    version = SchemaRegistry.parseVersion((p.options.version as string | undefined) ?? "latest");
  } catch (e) {
    throw new FleuveError("FLEUVE_CONFIG_INVALID", `--version: ${(e as Error).message}`, {
      cause: e,
      details: { option: "--version" },
    });
  }
  if (!URL.canParse(url))
    throw new FleuveError("FLEUVE_CONFIG_INVALID", `--url '${url}' is not a URL`, {
      details: { option: "--url" },
    });
  const client = new RegistryClient({ url, ...(token ? { token } : {}) });
  let v: Awaited<ReturnType<RegistryClient["version"]>>;
  let refs: Awaited<ReturnType<RegistryClient["references"]>>;
  try {
    v = await client.version(subject, version);
    refs = await client.references(v.references ?? []);
  } catch (e) {
    throw clientFailure(e, url, `subject '${subject}' version ${version}`);
  }
  const parsed = parseSchema(schemaTypeOf(v.schemaType), v.schema, refs);
  io.stdout.write(
    `// ${subject} version ${v.version} (schema id ${v.id}) of ${url}: generated by 'fleuve registry types'\n${typescriptTypes(parsed)}`,
  );
  return 0;
}

/**
 * Why the registry could not listen, as the option to change: not a job failure but a port in use
 * (another `fleuve registry`, Confluent's on 8085...), a port not allowed, or a host not here.
 */
function listenFailure(e: unknown, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  const opts = { cause: e, details: { option: "--port", host, port } };
  if (code === "EADDRINUSE")
    return new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `cannot serve the registry: port ${port} on ${host} is in use (another registry?); pick another with --port (--port 0 takes a free one)`,
      opts,
    );
  if (code === "EACCES")
    return new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `cannot serve the registry: not allowed to listen on port ${port} of ${host}; pick a port above 1023 with --port`,
      opts,
    );
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `cannot serve the registry: --host ${host} is not an address of this machine (${code})`,
      { cause: e, details: { option: "--host", host, port } },
    );
  return e;
}

/**
 * A registry client's failure as the code users match on, naming what was asked (`what`) of which
 * registry: not found (404), unreachable (no answer at `url`), or refused (any other answer).
 */
function clientFailure(e: unknown, url: string, what: string): unknown {
  if (e instanceof RegistryError) {
    // The client's message ends with "(registry at URL)"; the URL is said once, below.
    const said = e.message.replace(/ \(registry at [^)]*\)$/, "");
    return new FleuveError(
      e.status === 404 ? "FLEUVE_REGISTRY_NOT_FOUND" : "FLEUVE_REGISTRY_REQUEST_FAILED",
      `${said} (error_code ${e.errorCode}; asked for ${what} of the schema registry at ${url})`,
      { cause: e, details: { url, errorCode: e.errorCode, status: e.status } },
    );
  }
  // fetch fails with a TypeError whose cause is the socket's error (ECONNREFUSED, ENOTFOUND...).
  if (e instanceof TypeError && e.message === "fetch failed") {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return new FleuveError(
      "FLEUVE_REGISTRY_UNREACHABLE",
      `no schema registry answers at ${url} (${cause?.code ?? cause?.message ?? e.message}); start one with 'fleuve registry', or give its URL with --url`,
      { cause: e, details: { url } },
    );
  }
  return e;
}
