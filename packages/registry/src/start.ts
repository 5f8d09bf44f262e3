/** `startRegistry`: a registry and its HTTP server in one call, in-process. */
import { SchemaRegistry, type SchemaRegistryOptions } from "./registry.js";
import { type RegistryServer, type ServeOptions, serveRegistry } from "./server.js";
import { MemoryStore, type RegistryStore } from "./store.js";

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions extends ServeOptions, SchemaRegistryOptions {
  /** Where schemas are kept. Default: in memory (lost when the process ends). */
  store?: RegistryStore;
}

/** A registry serving its API. */
export interface RunningRegistry extends RegistryServer {
  readonly registry: SchemaRegistry;
}

/**
 * Starts a registry serving Confluent's REST API (127.0.0.1:8085 by default).
 *
 * @example
 * const r = await startRegistry({ port: 0 });
 * // POST `${r.url}/subjects/clicks-value/versions` ...
 * await r.close();
 */
export async function startRegistry(opts: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const registry = await SchemaRegistry.open(opts.store ?? new MemoryStore(), opts);
  let server: RegistryServer;
  try {
    server = await serveRegistry(registry, opts);
  } catch (e) {
    await registry.close();
    throw e;
  }
  return {
    url: server.url,
    port: server.port,
    server: server.server,
    registry,
    close: async () => {
      await server.close();
      await registry.close();
    },
  };
}
