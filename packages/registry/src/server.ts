/**
 * The REST API over Node's `http`: Confluent Schema Registry's paths, status codes, `error_code`s
 * and content type (`application/vnd.schemaregistry.v1+json`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { serializedProtobuf } from "./compat/protobuf.js";
import { RegistryError } from "./errors.js";
import {
  contextOf,
  DEFAULT_CONTEXT,
  normalizeSubject,
  qualify,
  SchemaRegistry as Registry,
  type SchemaRegistry,
} from "./registry.js";
import { SCHEMA_TYPES } from "./schema-types.js";
import type { SchemaReference } from "./store.js";

/**
 * `?format=serialized`: a Protobuf schema as its base64 FileDescriptorProto (Confluent's format,
 * which its JavaScript client asks for); other types and formats are returned as stored.
 */
function inFormat<T extends { schema: string; schemaType?: string; references?: SchemaReference[] }>(
  r: SchemaRegistry,
  v: T,
  format: string | null,
): T {
  if (format !== "serialized" || v.schemaType !== "PROTOBUF") return v;
  const imports = new Map(r.resolvedReferences(v.references ?? []).map((x) => [x.name, x.schema]));
  return { ...v, schema: serializedProtobuf(v.schema, imports) };
}

/** The content type of every answer. */
export const CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

/** Options of {@link serveRegistry}. */
export interface ServeOptions {
  /** Address to bind. Default 127.0.0.1; any other needs `token`. */
  host?: string;
  /** Port. Default 8085 (0 picks a free one). */
  port?: number;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
}

/**
 * Registries this process serves, by URL: a synchronous deserializer reading from one of them
 * reads its state directly (an HTTP call would wait on this very process).
 */
export const servedHere = new Map<string, SchemaRegistry>();

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** A running HTTP server of a registry. */
export interface RegistryServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops the server (not the registry). */
  close(): Promise<void>;
}

/** Serves a registry over HTTP. Refuses a non-loopback `host` without a `token`. */
export async function serveRegistry(
  registry: SchemaRegistry,
  opts: ServeOptions = {},
): Promise<RegistryServer> {
  const host = opts.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host) && !opts.token) {
    throw new Error(
      `registry: refusing to bind ${host} without a token (anyone who can reach it could change schemas); give a token or bind 127.0.0.1`,
    );
  }
  const server = createServer((req, res) => {
    handle(registry, opts.token, req, res).catch((e) =>
      send(res, 500, { error_code: 50001, message: String(e) }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 8085, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const h = host.includes(":") ? `[${host}]` : host;
  const url = `http://${h}:${port}`;
  servedHere.set(url, registry);
  return {
    url,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        servedHere.delete(url);
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": CONTENT_TYPE, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  try {
    const v = JSON.parse(text);
    if (v === null || typeof v !== "object" || Array.isArray(v))
      throw new Error("the body is not a JSON object");
    return v as Record<string, unknown>;
  } catch (e) {
    throw new RegistryError(400, 400, `Unrecognized request body: ${(e as Error).message}`);
  }
}

const flag = (q: URLSearchParams, name: string) => q.get(name) === "true";

async function handle(
  registry: SchemaRegistry,
  token: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
) {
  try {
    if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) {
      send(res, 401, { error_code: 401, message: "Unauthorized: a bearer token is required" });
      return;
    }
    const url = new URL(req.url ?? "/", "http://registry");
    const parts = url.pathname
      .split("/")
      .filter((p) => p !== "")
      .map(decodeURIComponent);
    const q = url.searchParams;
    const method = req.method ?? "GET";
    const result = await route(registry, method, parts, q, req);
    if (result === NOT_FOUND) {
      send(res, 404, { error_code: 404, message: "HTTP 404 Not Found" });
    } else if (result === NOT_ALLOWED) {
      send(res, 405, { error_code: 405, message: "HTTP 405 Method Not Allowed" });
    } else {
      send(res, 200, result);
    }
  } catch (e) {
    if (e instanceof RegistryError) send(res, e.status, { error_code: e.errorCode, message: e.message });
    else
      send(res, 500, {
        error_code: 50001,
        message: `Error in the backend data store: ${(e as Error).message}`,
      });
  }
}

const NOT_FOUND = Symbol("not found");
const NOT_ALLOWED = Symbol("method not allowed");

function id(s: string | undefined): number {
  const n = Number(s);
  if (s === undefined || !/^-?\d+$/.test(s)) return Number.NaN;
  return n;
}

async function route(
  r: SchemaRegistry,
  method: string,
  p: string[],
  q: URLSearchParams,
  req: IncomingMessage,
): Promise<unknown> {
  // `/contexts/{ctx}/...` is the path without the prefix, its subjects qualified with the context.
  if (p[0] === "contexts" && p.length > 2) {
    const ctx = p[1]!;
    const rest = p.slice(2);
    if (rest[0] === "subjects" && rest[1] !== undefined) rest[1] = qualify(ctx, rest[1]);
    else if (rest[0] === "subjects" && !q.has("subjectPrefix")) q.set("subjectPrefix", qualify(ctx, ""));
    if (rest[0] === "schemas" && !q.has("subject")) q.set("subject", qualify(ctx, ""));
    if (rest[0] === "compatibility" && rest[2] !== undefined) rest[2] = qualify(ctx, rest[2]);
    // `/contexts/.ctx/config` (and `mode`) is the context's own, `/config/:.ctx:` (Confluent's
    // context filter); in the default context it is the global one.
    if ((rest[0] === "config" || rest[0] === "mode") && (rest[1] !== undefined || qualify(ctx, "") !== ""))
      rest[1] = qualify(ctx, rest[1] ?? "");
    return route(r, method, rest, q, req);
  }
  // Subjects qualified with the default context (`:.:name`) are plain names.
  if ((p[0] === "subjects" || p[0] === "config" || p[0] === "mode") && p[1] !== undefined)
    p[1] = normalizeSubject(p[1]);
  if (p[0] === "compatibility" && p[2] !== undefined) p[2] = normalizeSubject(p[2]);
  // `?subject=` names the context in which a schema id is looked up.
  const idContext = q.has("subject") ? contextOf(q.get("subject")!) : DEFAULT_CONTEXT;
  const [a, b, c, d, e, f] = p;
  const deleted = flag(q, "deleted");
  const normalize = flag(q, "normalize");
  if (p.length === 0) return method === "GET" ? {} : NOT_ALLOWED;
  if (a === "schemas") {
    if (p.length === 1)
      return method === "GET"
        ? r.allSchemas(q.get("subjectPrefix") ?? "", deleted, flag(q, "latestOnly"))
        : NOT_ALLOWED;
    if (b === "types" && p.length === 2) return method === "GET" ? [...SCHEMA_TYPES] : NOT_ALLOWED;
    if (b === "ids" && c !== undefined && method === "GET") {
      const n = id(c);
      if (Number.isNaN(n)) return NOT_FOUND;
      if (p.length === 3) return inFormat(r, await r.schemaById(n, idContext), q.get("format"));
      if (p.length === 4 && d === "schema") return (await r.schemaById(n, idContext)).schema;
      if (p.length === 4 && d === "versions") return r.versionsOfId(n, deleted, idContext);
      if (p.length === 4 && d === "subjects") {
        const vs = await r.versionsOfId(n, deleted, idContext);
        return [...new Set(vs.map((v) => v.subject))];
      }
    }
    return NOT_FOUND;
  }
  if (a === "subjects") {
    if (p.length === 1)
      return method === "GET" ? r.listSubjects(q.get("subjectPrefix") ?? "", deleted) : NOT_ALLOWED;
    const subject = b as string;
    if (p.length === 2) {
      if (method === "POST") return r.lookup(subject, await readBody(req), normalize, deleted);
      if (method === "DELETE") return r.deleteSubject(subject, flag(q, "permanent"));
      return NOT_ALLOWED;
    }
    if (c !== "versions") return NOT_FOUND;
    if (p.length === 3) {
      if (method === "GET") return r.listVersions(subject, deleted);
      if (method === "POST") return r.register(subject, await readBody(req), normalize);
      return NOT_ALLOWED;
    }
    const version = Registry.parseVersion(d as string);
    if (p.length === 4) {
      if (method === "GET")
        return inFormat(r, await r.getVersion(subject, version, deleted), q.get("format"));
      if (method === "DELETE") return r.deleteVersion(subject, version, flag(q, "permanent"));
      return NOT_ALLOWED;
    }
    if (p.length === 5 && method === "GET" && e === "schema")
      return (await r.getVersion(subject, version, deleted)).schema;
    if (p.length === 5 && method === "GET" && e === "referencedby") return r.referencedBy(subject, version);
    return NOT_FOUND;
  }
  if (a === "compatibility" && b === "subjects" && d === "versions" && c !== undefined) {
    if (method !== "POST") return NOT_ALLOWED;
    const version = p.length === 5 ? Registry.parseVersion(e as string) : undefined;
    if (p.length > 5 || f !== undefined) return NOT_FOUND;
    const out = await r.testCompatibility(c, version, await readBody(req), normalize);
    return flag(q, "verbose") ? out : { is_compatible: out.is_compatible };
  }
  if (a === "config" && p.length <= 2) {
    const subject = b ?? null;
    if (method === "GET") return r.getConfig(subject, flag(q, "defaultToGlobal"));
    if (method === "PUT") return r.setConfig(subject, await readBody(req));
    if (method === "DELETE") return r.deleteConfig(subject);
    return NOT_ALLOWED;
  }
  if (a === "mode" && p.length <= 2) {
    const subject = b ?? null;
    if (method === "GET") return r.getMode(subject, flag(q, "defaultToGlobal"));
    if (method === "PUT") return r.setMode(subject, await readBody(req), flag(q, "force"));
    if (method === "DELETE" && subject !== null) return r.deleteMode(subject);
    return NOT_ALLOWED;
  }
  if (a === "contexts" && p.length === 1) return method === "GET" ? r.listContexts() : NOT_ALLOWED;
  return NOT_FOUND;
}
