/**
 * The REST API over Node's `http`: Confluent Schema Registry's paths, status codes, `error_code`s
 * and content type (`application/vnd.schemaregistry.v1+json`).
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FleuveError } from "@fleuve/core";
import { resolvedAvro } from "./compat/avro.js";
import { serializedProtobuf } from "./compat/protobuf.js";
import { RegistryError } from "./errors.js";
import {
  type LookupFilter,
  normalizeSubject,
  qualify,
  SchemaRegistry as Registry,
  type SchemaRegistry,
} from "./registry.js";
import { SCHEMA_TYPES } from "./schema-types.js";
import type { SchemaReference } from "./store.js";

/**
 * `?format=` of the schema answers, as Confluent's formattedString reads it per type: Protobuf
 * `serialized` is its base64 FileDescriptorProto (what Confluent's JavaScript client asks for);
 * Avro `resolved` is the schema with its references' named types written in, so it parses alone.
 * Every other format (`default`, one of another type, an unknown one, and JSON Schema's, which has
 * none) answers the schema as stored, as Confluent does "for forward compatibility of formats".
 */
function inFormat<T extends { schema: string; schemaType?: string; references?: SchemaReference[] }>(
  r: SchemaRegistry,
  v: T,
  format: string | null,
  subject: string | null = null,
): T {
  const f = format?.trim().toLowerCase();
  const type = v.schemaType ?? "AVRO";
  // References resolve from the subject holding the version (in its context).
  const holder = (v as { subject?: unknown }).subject;
  if (typeof holder === "string") subject = holder;
  if (f === "serialized" && type === "PROTOBUF") {
    const imports = new Map(r.resolvedReferences(v.references ?? [], subject).map((x) => [x.name, x.schema]));
    return { ...v, schema: serializedProtobuf(v.schema, imports) };
  }
  if (f === "resolved" && type === "AVRO" && (v.references?.length ?? 0) > 0) {
    const refs = r.resolvedReferences(v.references ?? [], subject).map((x) => x.schema);
    return { ...v, schema: resolvedAvro(v.schema, refs) };
  }
  return v;
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
    // A configuration to fix, not a failure: `fleuve registry` reports it as such.
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `registry: refusing to bind ${host} without a token (anyone who can reach it could change schemas); give a token or bind 127.0.0.1`,
      { details: { option: "token", host } },
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

/**
 * The media types answers come in, with Jersey's source quality (Confluent's Versions: the v1 type
 * 1, `application/vnd.schemaregistry+json` 0.9, `application/json` 0.5), and those a request body
 * may have (the same, and `application/octet-stream`, Jersey's type for a body without one).
 */
const PRODUCES: readonly [string, number][] = [
  [CONTENT_TYPE, 1],
  ["application/vnd.schemaregistry+json", 0.9],
  ["application/json", 0.5],
];
const CONSUMES = new Set([...PRODUCES.map(([t]) => t), "application/octet-stream"]);

/**
 * The type of the answer to an `Accept` header, as JAX-RS negotiates it (the highest client q
 * times source quality; `*\/*` and `application/*` match every type); undefined when none matches
 * (406).
 */
export function negotiate(accept: string | undefined): string | undefined {
  if (accept === undefined || accept.trim() === "") return CONTENT_TYPE;
  let best: string | undefined;
  let bestScore = 0;
  for (const part of accept.split(",")) {
    const [range = "", ...params] = part.split(";").map((x) => x.trim().toLowerCase());
    const q = Number(params.find((x) => x.startsWith("q="))?.slice(2) ?? "1");
    if (!(q > 0)) continue;
    for (const [type, qs] of PRODUCES) {
      const matches = range === "*/*" || range === "application/*" || range === type;
      if (matches && q * qs > bestScore) {
        best = type;
        bestScore = q * qs;
      }
    }
  }
  return best;
}

function send(res: ServerResponse, status: number, body: unknown, type = CONTENT_TYPE): void {
  // A bare string is a raw schema (`/schema` paths): Confluent writes it as is, not JSON-quoted.
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(text) });
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
    const type = negotiate(req.headers.accept);
    if (type === undefined) {
      send(res, 406, { error_code: 406, message: "HTTP 406 Not Acceptable" });
      return;
    }
    const bodyType = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
    if (bodyType !== undefined && bodyType !== "" && !CONSUMES.has(bodyType)) {
      send(res, 415, { error_code: 415, message: "HTTP 415 Unsupported Media Type" }, type);
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
      send(res, 404, { error_code: 404, message: "HTTP 404 Not Found" }, type);
    } else if (result === NOT_ALLOWED) {
      send(res, 405, { error_code: 405, message: "HTTP 405 Method Not Allowed" }, type);
    } else if (result === NO_CONTENT) {
      res.writeHead(204);
      res.end();
    } else {
      send(res, 200, result, type);
    }
  } catch (e) {
    const type = negotiate(req.headers.accept) ?? CONTENT_TYPE;
    if (e instanceof RegistryError)
      send(res, e.status, { error_code: e.errorCode, message: e.message }, type);
    else
      send(
        res,
        500,
        {
          error_code: 50001,
          message: `Error in the backend data store: ${(e as Error).message}`,
        },
        type,
      );
  }
}

const NOT_FOUND = Symbol("not found");
const NOT_ALLOWED = Symbol("method not allowed");
const NO_CONTENT = Symbol("no content");

function id(s: string | undefined): number {
  const n = Number(s);
  if (s === undefined || !/^-?\d+$/.test(s)) return Number.NaN;
  return n;
}

/** Whether a path segment or parameter already names a context (`:.ctx:...` or `:*:...`). */
const hasContext = (s: string) => s.startsWith(":.") || s.startsWith(":*:");

/** A subject or config/mode key of a path: `:.:` (the default context alone) is the top level. */
function topLevelIfDefault(s: string | undefined): string | null {
  if (s === undefined) return null;
  const n = normalizeSubject(s);
  return n === "" ? null : n;
}

/** Which versions a listing asks for, as Confluent's resources read `deleted`, `deletedOnly`, `deletedAsNegative`. */
function lookupFilter(q: URLSearchParams, negative: boolean): LookupFilter {
  if (negative && flag(q, "deletedAsNegative")) return "DELETED_AS_NEGATIVE";
  if (flag(q, "deletedOnly")) return "DELETED_ONLY";
  return flag(q, "deleted") ? "INCLUDE_DELETED" : "DEFAULT";
}

/**
 * `?offset=` and `?limit=` of a listing, as Confluent's normalizeLimit reads them: a limit outside
 * (0, max] is the default one (1000 for `/schemas`, unbounded elsewhere, Confluent's defaults).
 */
async function page<T>(q: URLSearchParams, list: Promise<T[]>, limits = UNBOUNDED): Promise<T[]> {
  const offset = Math.max(0, Number.parseInt(q.get("offset") ?? "0", 10) || 0);
  const asked = Number.parseInt(q.get("limit") ?? "-1", 10);
  const limit = asked > 0 && asked <= limits.max ? asked : limits.default;
  return (await list).slice(offset, offset + limit);
}
const UNBOUNDED = { default: 2 ** 31 - 1, max: 2 ** 31 - 1 };
const SCHEMA_SEARCH = { default: 1000, max: 1000 };

async function route(
  r: SchemaRegistry,
  method: string,
  p: string[],
  q: URLSearchParams,
  req: IncomingMessage,
): Promise<unknown> {
  // `/contexts/{ctx}/...` is the path without the prefix, as Confluent's ContextFilter rewrites it:
  // the segment after `subjects` (and after a root `config` or `mode`) is qualified with the
  // context unless it names one already; a root `config` or `mode` alone becomes the context's
  // own (`/config/:.ctx:`, the top level in the default context); `?subject=` of
  // `/schemas/ids/...` and `?subjectPrefix=` of `/schemas` and `/subjects` likewise.
  if (p[0] === "contexts" && p.length > 2) {
    const ctx = p[1]!;
    const rest = p.slice(2);
    const q1 = (s: string) => (hasContext(s) ? s : qualify(ctx, s));
    const i = rest.indexOf("subjects");
    if (i >= 0 && rest[i + 1] !== undefined) rest[i + 1] = q1(rest[i + 1]!);
    if (rest[0] === "config" || rest[0] === "mode") {
      if (rest[1] !== undefined) rest[1] = q1(rest[1]);
      else if (qualify(ctx, "") !== "") rest[1] = qualify(ctx, "");
    }
    if (rest[0] === "schemas" && rest[1] === "ids") q.set("subject", q1(q.get("subject") ?? ""));
    if ((rest[0] === "schemas" || rest[0] === "subjects") && rest.length === 1)
      q.set("subjectPrefix", q1(q.get("subjectPrefix") ?? ""));
    return route(r, method, rest, q, req);
  }
  // Confluent's AliasFilter: the subject after a `subjects` segment, and `?subject=` of
  // `/schemas/ids/...`, stand for the `alias` their own config names (config and mode paths are
  // not aliased, so an alias can be set and read).
  const at = p.indexOf("subjects");
  if (at >= 0 && p[at + 1]) p[at + 1] = await r.aliasOf(p[at + 1]!);
  if (p[0] === "schemas" && p[1] === "ids" && q.get("subject"))
    q.set("subject", await r.aliasOf(q.get("subject")!));
  // Subjects qualified with the default context (`:.:name`) are plain names.
  if (p[0] === "subjects" && p[1] !== undefined) p[1] = normalizeSubject(p[1]);
  if (p[0] === "compatibility" && p[2] !== undefined) p[2] = normalizeSubject(p[2]);
  // `?subject=` designates the context (and subject) in which a schema id is looked up.
  const idSubject = q.has("subject") ? normalizeSubject(q.get("subject")!) : null;
  const [a, b, c, d, e, f] = p;
  const deleted = flag(q, "deleted");
  const normalize = flag(q, "normalize");
  if (p.length === 0) return method === "GET" ? {} : NOT_ALLOWED;
  if (a === "schemas") {
    if (p.length === 1)
      return method === "GET"
        ? page(q, r.allSchemas(q.get("subjectPrefix") ?? "", deleted, flag(q, "latestOnly")), SCHEMA_SEARCH)
        : NOT_ALLOWED;
    if (b === "types" && p.length === 2) return method === "GET" ? [...SCHEMA_TYPES] : NOT_ALLOWED;
    if (b === "ids" && c !== undefined && method === "GET") {
      const n = id(c);
      if (Number.isNaN(n)) return NOT_FOUND;
      if (p.length === 3) {
        const found = await r.schemaById(n, idSubject, {
          fetchMaxId: flag(q, "fetchMaxId"),
          qualifiedReferences: q.get("referenceFormat") === "qualified",
        });
        return inFormat(r, found, q.get("format"), idSubject);
      }
      if (p.length === 4 && d === "schema")
        return inFormat(r, await r.schemaById(n, idSubject), q.get("format"), idSubject).schema;
      if (p.length === 4 && d === "versions") return page(q, r.versionsOfId(n, deleted, idSubject));
      if (p.length === 4 && d === "subjects") {
        const vs = await r.versionsOfId(n, deleted, idSubject);
        return page(q, Promise.resolve([...new Set(vs.map((v) => v.subject))]));
      }
    }
    return NOT_FOUND;
  }
  if (a === "subjects") {
    if (p.length === 1)
      return method === "GET"
        ? page(q, r.listSubjects(q.get("subjectPrefix") ?? "", lookupFilter(q, false)))
        : NOT_ALLOWED;
    const subject = b as string;
    if (p.length === 2) {
      if (method === "POST")
        return inFormat(r, await r.lookup(subject, await readBody(req), normalize, deleted), q.get("format"));
      if (method === "DELETE") return r.deleteSubject(subject, flag(q, "permanent"));
      return NOT_ALLOWED;
    }
    if (c !== "versions") return NOT_FOUND;
    if (p.length === 3) {
      if (method === "GET") return page(q, r.listVersions(subject, lookupFilter(q, true)));
      if (method === "POST") return r.register(subject, await readBody(req), normalize, flag(q, "force"));
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
      return inFormat(r, await r.getVersion(subject, version, deleted), q.get("format")).schema;
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
    const subject = topLevelIfDefault(b);
    if (method === "GET") return r.getConfig(subject, flag(q, "defaultToGlobal"));
    if (method === "PUT") return r.setConfig(subject, await readBody(req));
    if (method === "DELETE") return r.deleteConfig(subject);
    return NOT_ALLOWED;
  }
  if (a === "mode" && p.length <= 2) {
    const subject = topLevelIfDefault(b);
    if (method === "GET") return r.getMode(subject, flag(q, "defaultToGlobal"));
    if (method === "PUT") return r.setMode(subject, await readBody(req), flag(q, "force"));
    if (method === "DELETE") return r.deleteMode(subject);
    return NOT_ALLOWED;
  }
  if (a === "contexts" && p.length === 1)
    return method === "GET" ? page(q, r.listContexts(q.get("contextPrefix") ?? "")) : NOT_ALLOWED;
  if (a === "contexts" && p.length === 2) {
    if (method !== "DELETE") return NOT_ALLOWED;
    await r.deleteContext(b as string);
    return NO_CONTENT;
  }
  return NOT_FOUND;
}
