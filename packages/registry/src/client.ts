/**
 * How serializers reach a registry: over HTTP (any Confluent-compatible registry, ours included),
 * or in-process (a {@link SchemaRegistry} of this process). Deserializers are synchronous (a
 * source's `deserialize` is), so a schema id not seen yet is fetched synchronously: in-process
 * from the registry's state (also when the URL is served by this process), over HTTP by a short
 * child process (once per id).
 */
import { execFileSync } from "node:child_process";
import { RegistryError } from "./errors.js";
import type { SchemaRegistry } from "./registry.js";
import { servedHere } from "./server.js";
import type { SchemaReference } from "./store.js";

/** A schema as `GET /schemas/ids/{id}` returns it. */
export interface FetchedSchema {
  schema: string;
  schemaType?: string;
  references?: SchemaReference[];
}

/** Where a serializer finds its registry: a URL (with an optional bearer token) or an in-process registry. */
export type RegistryTarget = { url: string; token?: string } | { registry: SchemaRegistry };

/** A client of the registry's REST API (the calls serializers need). */
export class RegistryClient {
  constructor(readonly target: RegistryTarget) {}

  /** The registry's URL, or "in-process registry", for messages. */
  get where(): string {
    return "url" in this.target ? this.target.url : "the in-process registry";
  }

  private async http(method: string, path: string, body?: unknown): Promise<any> {
    const t = this.target as { url: string; token?: string };
    const send = () =>
      fetch(`${t.url.replace(/\/$/, "")}${path}`, {
        method,
        headers: {
          "Content-Type": "application/vnd.schemaregistry.v1+json",
          ...(t.token ? { Authorization: `Bearer ${t.token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    let res: Response;
    try {
      res = await send();
    } catch (e) {
      // A kept-alive connection the server closed while idle (its 5 s timeout, a busy machine)
      // resets on reuse; every call here is idempotent (registering again gives the same id), so
      // it is sent once more on a fresh connection.
      const code = ((e as { cause?: { code?: string } }).cause ?? {}).code;
      if (code !== "ECONNRESET" && code !== "EPIPE" && code !== "UND_ERR_SOCKET") throw e;
      res = await send();
    }
    const text = await res.text();
    const json = text === "" ? undefined : JSON.parse(text);
    if (!res.ok) {
      throw new RegistryError(
        res.status,
        json?.error_code ?? res.status,
        `${json?.message ?? text} (registry at ${t.url})`,
      );
    }
    return json;
  }

  /** Registers a schema under a subject; its id. */
  async register(subject: string, schema: FetchedSchema): Promise<number> {
    if ("registry" in this.target) return (await this.target.registry.register(subject, schema, false)).id;
    return (await this.http("POST", `/subjects/${encodeURIComponent(subject)}/versions`, schema)).id;
  }

  /** The id of a schema already registered under a subject. */
  async lookup(subject: string, schema: FetchedSchema): Promise<number> {
    if ("registry" in this.target)
      return (await this.target.registry.lookup(subject, schema, false, false)).id;
    return (await this.http("POST", `/subjects/${encodeURIComponent(subject)}`, schema)).id;
  }

  /** A version of a subject (`latest` or a number). */
  async version(
    subject: string,
    version: number | "latest",
  ): Promise<FetchedSchema & { id: number; version: number }> {
    if ("registry" in this.target) return this.target.registry.getVersion(subject, version);
    return this.http("GET", `/subjects/${encodeURIComponent(subject)}/versions/${version}`);
  }

  /** A schema by id. */
  async byId(id: number): Promise<FetchedSchema> {
    if ("registry" in this.target) return this.target.registry.schemaById(id);
    return this.http("GET", `/schemas/ids/${id}`);
  }

  /** The texts of referenced schemas, resolved (dependencies first). */
  async references(refs: readonly SchemaReference[]): Promise<{ name: string; schema: string }[]> {
    if ("registry" in this.target) return this.target.registry.resolvedReferences(refs);
    const out: { name: string; schema: string }[] = [];
    for (const r of refs) {
      const v = await this.version(r.subject, r.version === -1 ? "latest" : r.version);
      out.push(...(await this.references(v.references ?? [])), { name: r.name, schema: v.schema });
    }
    return out;
  }

  /** A schema by id, synchronously (see the module's comment), with its references resolved. */
  byIdSync(id: number): FetchedSchema & { resolved: { name: string; schema: string }[] } {
    const local =
      "registry" in this.target ? this.target.registry : servedHere.get(this.target.url.replace(/\/$/, ""));
    if (local !== undefined) {
      const s = local.schemaByIdNow(id);
      return { ...s, resolved: local.resolvedReferences(s.references ?? []) };
    }
    const script = `
      const [url, token, id] = JSON.parse(process.argv[1]);
      const h = { Accept: "application/vnd.schemaregistry.v1+json", ...(token ? { Authorization: "Bearer " + token } : {}) };
      const get = async (p) => { const r = await fetch(url + p, { headers: h }); const j = await r.json(); if (!r.ok) throw Object.assign(new Error(j.message), { j }); return j; };
      const refs = async (rs) => { const out = []; for (const r of rs ?? []) { const v = await get("/subjects/" + encodeURIComponent(r.subject) + "/versions/" + (r.version === -1 ? "latest" : r.version)); out.push(...await refs(v.references), { name: r.name, schema: v.schema }); } return out; };
      get("/schemas/ids/" + id).then(async (s) => { s.resolved = await refs(s.references); process.stdout.write(JSON.stringify({ ok: s })); })
        .catch((e) => process.stdout.write(JSON.stringify({ error: e.j ?? { error_code: 0, message: String(e.cause?.message ?? e.message) } })));`;
    const t = this.target as { url: string; token?: string };
    const out = execFileSync(
      process.execPath,
      ["-e", script, JSON.stringify([t.url.replace(/\/$/, ""), t.token ?? "", id])],
      {
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    const res = JSON.parse(out) as {
      ok?: FetchedSchema & { resolved: [] };
      error?: { error_code: number; message: string };
    };
    if (res.error) throw new RegistryError(404, res.error.error_code, res.error.message);
    return res.ok!;
  }
}
