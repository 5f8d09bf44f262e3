/**
 * The registry's logic, independent of HTTP: subjects, versions, ids, compatibility, config and
 * modes, with Confluent Schema Registry's semantics and errors. State is rebuilt from a
 * {@link RegistryStore}; writes go through the store.
 */
import { errors } from "./errors.js";
import {
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  compatibilityIssues,
  type ParsedSchema,
  parseSchema,
  type ResolvedReference,
  type SchemaTypeName,
  schemaTypeOf,
} from "./schema-types.js";
import type { RegistryStore, SchemaReference, SchemaValue, StoreRecord } from "./store.js";

/** Registry modes. */
export const MODES = ["READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT"] as const;
/** A registry mode. */
export type Mode = (typeof MODES)[number];

/** A schema version as the API returns it: the stored version without its soft-delete flag. */
export type SubjectVersion = Omit<SchemaValue, "deleted">;

/** The body of a registration or lookup. */
export interface SchemaRequest {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
  id?: unknown;
  version?: unknown;
}

const MAX_VERSION = 2 ** 31 - 1;

/** The default context. */
export const DEFAULT_CONTEXT = ".";

/**
 * A subject's context, as Confluent qualifies subjects: `:.ctx:name` is `name` in context `.ctx`;
 * an unqualified subject is in the default context `.`.
 */
export function contextOf(subject: string): string {
  const m = /^:(\.[^:]*):/.exec(subject);
  return m ? (m[1] === "." ? DEFAULT_CONTEXT : m[1]!) : DEFAULT_CONTEXT;
}

/** A subject as stored: `:.:name` (the default context, qualified) is `name`. */
export function normalizeSubject(subject: string): string {
  return subject.startsWith(":.:") ? subject.slice(3) : subject;
}

/** `name` qualified with context `ctx` (unchanged in the default context). */
export function qualify(ctx: string, name: string): string {
  const c = ctx.startsWith(".") ? ctx : `.${ctx}`;
  return c === DEFAULT_CONTEXT ? name : `:${c}:${name}`;
}

/**
 * The key under which a subject's context keeps its own config and mode (`:.ctx:`, the context
 * with an empty name); undefined in the default context, whose defaults are the global ones.
 */
function contextKey(subject: string): string | undefined {
  const ctx = contextOf(subject);
  return ctx === DEFAULT_CONTEXT ? undefined : `:${ctx}:`;
}

/** Options of {@link SchemaRegistry}. */
export interface SchemaRegistryOptions {
  /** The global compatibility level before any `PUT /config`. Default BACKWARD (Confluent's). */
  defaultCompatibility?: CompatibilityLevel;
}

/** The registry: state from a store, operations with Confluent's semantics. */
export class SchemaRegistry {
  /** subject -> version -> record. */
  private readonly subjects = new Map<string, Map<number, SchemaValue>>();
  private readonly configs = new Map<string | null, CompatibilityLevel>();
  private readonly modes = new Map<string | null, Mode>();
  private readonly parsed = new Map<string, ParsedSchema>();
  /** The highest id per context (ids are per context, as in Confluent). */
  private readonly maxIds = new Map<string, number>();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly defaultCompatibility: CompatibilityLevel;

  private constructor(
    readonly store: RegistryStore,
    opts: SchemaRegistryOptions,
  ) {
    this.defaultCompatibility = opts.defaultCompatibility ?? "BACKWARD";
  }

  /** Opens a registry on a store: reads its records, then follows it. */
  static async open(store: RegistryStore, opts: SchemaRegistryOptions = {}): Promise<SchemaRegistry> {
    const r = new SchemaRegistry(store, opts);
    await store.start((rec) => r.apply(rec));
    return r;
  }

  /** Applies one store record to the state. */
  private apply(rec: StoreRecord): void {
    const k = rec.key;
    if (k.keytype === "SCHEMA") {
      let versions = this.subjects.get(k.subject);
      if (rec.value === null) {
        versions?.delete(k.version);
        if (versions?.size === 0) this.subjects.delete(k.subject);
        return;
      }
      const v = rec.value as SchemaValue;
      if (versions === undefined) this.subjects.set(k.subject, (versions = new Map()));
      versions.set(k.version, v);
      const ctx = contextOf(k.subject);
      if (v.id > (this.maxIds.get(ctx) ?? 0)) this.maxIds.set(ctx, v.id);
    } else if (k.keytype === "CONFIG") {
      if (rec.value === null) this.configs.delete(k.subject);
      else
        this.configs.set(
          k.subject,
          (rec.value as { compatibilityLevel: CompatibilityLevel }).compatibilityLevel,
        );
    } else {
      if (rec.value === null) this.modes.delete(k.subject);
      else this.modes.set(k.subject, (rec.value as { mode: Mode }).mode);
    }
  }

  /**
   * Runs write operations one at a time, each on state caught up with the store; a store shared
   * by writing instances serializes them across instances ({@link RegistryStore.exclusive}).
   */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.chain.then(async () => {
      if (this.store.exclusive) return this.store.exclusive(f);
      await this.store.sync();
      return f();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async read<T>(f: () => T): Promise<T> {
    await this.store.sync();
    return f();
  }

  private checkWritable(): void {
    if (!this.store.writable) {
      throw errors.notPermitted(`This instance follows ${this.store.description} and does not accept writes`);
    }
  }

  // ---- schemas by id

  /** Versions holding schema `id` in context `ctx` (ids are per context). */
  private versionsWithId(id: number, ctx: string = DEFAULT_CONTEXT): SchemaValue[] {
    const out: SchemaValue[] = [];
    for (const [subject, versions] of this.subjects) {
      if (contextOf(subject) !== ctx) continue;
      for (const v of versions.values()) if (v.id === id) out.push(v);
    }
    return out;
  }

  /** `GET /contexts`: the default context and every context with a subject, sorted. */
  listContexts(): Promise<string[]> {
    return this.read(() => {
      const out = new Set([DEFAULT_CONTEXT]);
      for (const s of this.subjects.keys()) out.add(contextOf(s));
      return [...out].sort();
    });
  }

  /** `GET /schemas/ids/{id}` (in context `ctx`: the default, or that of `?subject=`). */
  schemaById(
    id: number,
    ctx: string = DEFAULT_CONTEXT,
  ): Promise<{ schema: string; schemaType?: string; references?: SchemaReference[] }> {
    return this.read(() => {
      const v = this.versionsWithId(id, ctx)[0];
      if (v === undefined) throw errors.schemaNotFound(id);
      return withType({ schema: v.schema }, v);
    });
  }

  /** `GET /schemas/ids/{id}/versions`. */
  versionsOfId(
    id: number,
    deleted: boolean,
    ctx: string = DEFAULT_CONTEXT,
  ): Promise<{ subject: string; version: number }[]> {
    return this.read(() => {
      const all = this.versionsWithId(id, ctx);
      if (all.length === 0) throw errors.schemaNotFound(id);
      return all
        .filter((v) => deleted || !v.deleted)
        .map((v) => ({ subject: v.subject, version: v.version }))
        .sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
    });
  }

  /** `GET /schemas`: the schemas of every subject. */
  allSchemas(prefix: string, deleted: boolean, latestOnly: boolean): Promise<SubjectVersion[]> {
    return this.read(() => {
      const out: SubjectVersion[] = [];
      for (const s of [...this.subjects.keys()].sort()) {
        if (!s.startsWith(prefix)) continue;
        const vs = this.liveVersions(s, deleted);
        for (const v of latestOnly ? vs.slice(-1) : vs) out.push(toApi(v));
      }
      return out;
    });
  }

  // ---- subjects

  private liveVersions(subject: string, deleted = false): SchemaValue[] {
    const versions = this.subjects.get(subject);
    if (versions === undefined) return [];
    return [...versions.values()].filter((v) => deleted || !v.deleted).sort((a, b) => a.version - b.version);
  }

  /** `GET /subjects`. */
  listSubjects(prefix: string, deleted: boolean): Promise<string[]> {
    return this.read(() =>
      [...this.subjects.keys()]
        .filter((s) => s.startsWith(prefix) && this.liveVersions(s, deleted).length > 0)
        .sort(),
    );
  }

  /** `GET /subjects/{subject}/versions`. */
  listVersions(subject: string, deleted: boolean): Promise<number[]> {
    return this.read(() => {
      const vs = this.liveVersions(subject, deleted);
      if (vs.length === 0) throw errors.subjectNotFound(subject);
      return vs.map((v) => v.version);
    });
  }

  /** Parses a version path segment: a number in [1, 2^31-1], `latest` or -1. */
  static parseVersion(s: string): number | "latest" {
    if (s === "latest" || s === "-1") return "latest";
    if (!/^\d+$/.test(s)) throw errors.invalidVersion(s);
    const n = Number(s);
    if (n < 1 || n > MAX_VERSION) throw errors.invalidVersion(s);
    return n;
  }

  private findVersion(subject: string, version: number | "latest", deleted: boolean): SchemaValue {
    const all = this.subjects.get(subject);
    if (all === undefined || (!deleted && this.liveVersions(subject).length === 0))
      throw errors.subjectNotFound(subject);
    if (version === "latest") {
      const vs = this.liveVersions(subject, deleted);
      const last = vs[vs.length - 1];
      if (last === undefined) throw errors.subjectNotFound(subject);
      return last;
    }
    const v = all.get(version);
    if (v === undefined || (v.deleted && !deleted)) throw errors.versionNotFound(version);
    return v;
  }

  /** `GET /subjects/{subject}/versions/{version}`. */
  getVersion(subject: string, version: number | "latest", deleted = false): Promise<SubjectVersion> {
    return this.read(() => toApi(this.findVersion(subject, version, deleted)));
  }

  /** `GET /subjects/{subject}/versions/{version}/referencedby`: ids of schemas referencing it. */
  referencedBy(subject: string, version: number | "latest"): Promise<number[]> {
    return this.read(() => {
      const v = this.findVersion(subject, version, false);
      return this.referrers(subject, v.version);
    });
  }

  private referrers(subject: string, version: number): number[] {
    const ids = new Set<number>();
    for (const versions of this.subjects.values()) {
      for (const v of versions.values()) {
        if (!v.deleted && v.references?.some((r) => r.subject === subject && r.version === version))
          ids.add(v.id);
      }
    }
    return [...ids].sort((a, b) => a - b);
  }

  private resolveReferences(refs: SchemaReference[]): ResolvedReference[] {
    const out: ResolvedReference[] = [];
    const seen = new Set<string>();
    const add = (rs: SchemaReference[] | undefined) => {
      for (const r of rs ?? []) {
        const key = `${r.subject}\u0000${r.version}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const versions = this.subjects.get(r.subject);
        const v = r.version === -1 ? this.liveVersions(r.subject).pop() : versions?.get(r.version);
        if (v === undefined) {
          throw errors.invalidSchema(
            `Invalid schema: reference '${r.name}' to subject '${r.subject}' version ${r.version} not found`,
          );
        }
        add(v.references);
        out.push({ name: r.name, schema: v.schema });
      }
    };
    add(refs);
    return out;
  }

  private parsedOf(v: { schema: string; schemaType?: string; references?: SchemaReference[] }): ParsedSchema {
    const type = schemaTypeOf(v.schemaType);
    const key = `${type}\u0000${JSON.stringify(v.references ?? [])}\u0000${v.schema}`;
    let p = this.parsed.get(key);
    if (p === undefined) {
      p = parseSchema(type, v.schema, this.resolveReferences(v.references ?? []));
      this.parsed.set(key, p);
    }
    return p;
  }

  private parseRequest(body: SchemaRequest, normalize: boolean) {
    if (typeof body.schema !== "string") throw errors.invalidSchema("Empty schema");
    const schemaType: SchemaTypeName = schemaTypeOf(body.schemaType);
    const references = parseReferences(body.references);
    const parsed = parseSchema(schemaType, body.schema, this.resolveReferences(references), normalize);
    return { schemaType, references, parsed };
  }

  private sameSchema(
    v: SchemaValue,
    schemaType: SchemaTypeName,
    canonical: string,
    refs: SchemaReference[],
    normalize: boolean,
  ) {
    if (schemaTypeOf(v.schemaType) !== schemaType) return false;
    if (JSON.stringify(v.references ?? []) !== JSON.stringify(refs)) return false;
    if (v.schema === canonical) return true;
    if (!normalize) return false;
    try {
      return (
        parseSchema(schemaType, v.schema, this.resolveReferences(v.references ?? []), true).canonical ===
        canonical
      );
    } catch {
      return false;
    }
  }

  /** `POST /subjects/{subject}`: the version of a subject holding a schema. */
  lookup(
    subject: string,
    body: SchemaRequest,
    normalize: boolean,
    deleted: boolean,
  ): Promise<SubjectVersion> {
    return this.read(() => {
      if (this.liveVersions(subject, deleted).length === 0) throw errors.subjectNotFound(subject);
      const { schemaType, references, parsed } = this.parseRequest(body, normalize);
      const found = this.liveVersions(subject, deleted)
        .reverse()
        .find((v) => this.sameSchema(v, schemaType, parsed.canonical, references, normalize));
      if (found === undefined) throw errors.schemaNotFound();
      return toApi(found);
    });
  }

  // ---- config and mode

  /**
   * The compatibility level that applies to a subject: its own, else its context's (`:.ctx:`, set
   * with `PUT /config/:.ctx:` or `/contexts/.ctx/config`), else the global one, as Confluent's.
   */
  compatibilityOf(subject: string | null): CompatibilityLevel {
    return (
      (subject !== null
        ? (this.configs.get(subject) ?? this.configs.get(contextKey(subject) ?? null))
        : undefined) ??
      this.configs.get(null) ??
      this.defaultCompatibility
    );
  }

  /** The mode that applies to a subject: its own, else its context's, else the global one. */
  modeOf(subject: string | null): Mode {
    return (
      (subject !== null
        ? (this.modes.get(subject) ?? this.modes.get(contextKey(subject) ?? null))
        : undefined) ??
      this.modes.get(null) ??
      "READWRITE"
    );
  }

  /** `GET /config[/{subject}]`. */
  getConfig(
    subject: string | null,
    defaultToGlobal: boolean,
  ): Promise<{ compatibilityLevel: CompatibilityLevel }> {
    return this.read(() => {
      if (subject !== null && !this.configs.has(subject) && !defaultToGlobal)
        throw errors.compatibilityNotConfigured(subject);
      return { compatibilityLevel: this.compatibilityOf(subject) };
    });
  }

  /** `PUT /config[/{subject}]`. */
  setConfig(
    subject: string | null,
    body: Record<string, unknown>,
  ): Promise<{ compatibility: CompatibilityLevel }> {
    const raw = body.compatibility ?? body.compatibilityLevel;
    const level = typeof raw === "string" ? raw.toUpperCase() : undefined;
    if (level === undefined || !(COMPATIBILITY_LEVELS as readonly string[]).includes(level)) {
      return Promise.reject(errors.invalidCompatibility(raw));
    }
    return this.exclusive(async () => {
      this.checkWritable();
      this.checkMode(subject, "config");
      await this.store.write([{ key: { keytype: "CONFIG", subject }, value: { compatibilityLevel: level } }]);
      return { compatibility: level as CompatibilityLevel };
    });
  }

  /** `DELETE /config[/{subject}]`: back to the global level (or the default); returns the previous one. */
  deleteConfig(subject: string | null): Promise<{ compatibilityLevel: CompatibilityLevel }> {
    return this.exclusive(async () => {
      this.checkWritable();
      if (subject !== null && !this.configs.has(subject)) throw errors.subjectNotFound(subject);
      const previous = this.compatibilityOf(subject);
      await this.store.write([{ key: { keytype: "CONFIG", subject }, value: null }]);
      return { compatibilityLevel: previous };
    });
  }

  /** `GET /mode[/{subject}]`. */
  getMode(subject: string | null, defaultToGlobal: boolean): Promise<{ mode: Mode }> {
    return this.read(() => {
      if (subject !== null && !this.modes.has(subject) && !defaultToGlobal)
        throw errors.modeNotConfigured(subject);
      return { mode: this.modeOf(subject) };
    });
  }

  /** `PUT /mode[/{subject}]`; IMPORT on a registry (or subject) that has schemas needs `force`. */
  setMode(subject: string | null, body: Record<string, unknown>, force: boolean): Promise<{ mode: Mode }> {
    const raw = body.mode;
    const mode = typeof raw === "string" ? raw.toUpperCase() : undefined;
    if (mode === undefined || !(MODES as readonly string[]).includes(mode))
      return Promise.reject(errors.invalidMode(raw));
    return this.exclusive(async () => {
      this.checkWritable();
      if (mode === "IMPORT" && !force) {
        const nonEmpty =
          subject === null ? this.subjects.size > 0 : (this.subjects.get(subject)?.size ?? 0) > 0;
        if (nonEmpty) {
          throw errors.notPermitted(
            subject === null
              ? "Cannot import since found existing subjects"
              : `Cannot import since found existing subject '${subject}'`,
          );
        }
      }
      await this.store.write([{ key: { keytype: "MODE", subject }, value: { mode } }]);
      return { mode: mode as Mode };
    });
  }

  /** `DELETE /mode/{subject}`: the subject follows the global mode again. */
  deleteMode(subject: string): Promise<{ mode: Mode }> {
    return this.exclusive(async () => {
      this.checkWritable();
      if (!this.modes.has(subject)) throw errors.subjectNotFound(subject);
      const previous = this.modeOf(subject);
      await this.store.write([{ key: { keytype: "MODE", subject }, value: null }]);
      return { mode: previous };
    });
  }

  /** Refuses writes to a subject in a read-only mode. Config changes pass READONLY_OVERRIDE? No: only mode changes do. */
  private checkMode(subject: string | null, what: "schema" | "config" | "delete"): void {
    const mode = this.modeOf(subject);
    if (mode === "READONLY" || mode === "READONLY_OVERRIDE") {
      throw errors.notPermitted(`Subject ${subject ?? "(global)"} is in read-only mode`);
    }
    if (mode === "IMPORT" && what === "schema") return;
  }

  // ---- register and compatibility

  /** `POST /subjects/{subject}/versions`: registers a schema; returns its id. */
  register(subject: string, body: SchemaRequest, normalize: boolean): Promise<{ id: number }> {
    return this.exclusive(async () => {
      this.checkWritable();
      validateSubject(subject);
      const mode = this.modeOf(subject);
      if (mode === "READONLY" || mode === "READONLY_OVERRIDE") {
        throw errors.notPermitted(`Subject ${subject} is in read-only mode`);
      }
      const ctx = contextOf(subject);
      const { schemaType, references, parsed } = this.parseRequest(body, normalize);
      const requestedId =
        body.id === undefined || body.id === null || body.id === -1 ? undefined : Number(body.id);
      const requestedVersion =
        body.version === undefined || body.version === null || body.version === -1 || body.version === 0
          ? undefined
          : Number(body.version);
      const all = this.liveVersions(subject, true);
      const live = all.filter((v) => !v.deleted);
      // Already registered under this subject: same id, nothing written.
      const existing = live.find((v) =>
        this.sameSchema(v, schemaType, parsed.canonical, references, normalize),
      );
      if (existing !== undefined && (requestedId === undefined || requestedId === existing.id))
        return { id: existing.id };

      if (mode === "IMPORT") {
        if (requestedId === undefined)
          throw errors.notPermitted(`Subject ${subject} is in import mode: the schema needs an id`);
        const holder = this.versionsWithId(requestedId, ctx)[0];
        if (
          holder !== undefined &&
          !this.sameSchema(holder, schemaType, parsed.canonical, references, false)
        ) {
          throw errors.idDoesNotMatch(
            `Schema already registered with id ${requestedId} instead of input id ${requestedId}: the id holds another schema`,
          );
        }
      } else if (requestedId !== undefined) {
        const holder = this.versionsWithId(requestedId, ctx)[0];
        if (
          holder === undefined ||
          !this.sameSchema(holder, schemaType, parsed.canonical, references, normalize)
        ) {
          throw errors.notPermitted(`Subject ${subject} is not in import mode`);
        }
      }
      if (mode !== "IMPORT") {
        const level = this.compatibilityOf(subject);
        const issues = compatibilityIssues(
          level,
          parsed,
          live.map((v) => this.parsedOf(v)),
        );
        if (issues.length > 0) throw errors.incompatible(issues);
      }
      const id =
        requestedId ??
        this.idOfSchema(ctx, schemaType, parsed.canonical, references) ??
        (this.maxIds.get(ctx) ?? 0) + 1;
      const maxVersion = all.reduce((m, v) => Math.max(m, v.version), 0);
      const version = requestedVersion ?? maxVersion + 1;
      if (requestedVersion !== undefined && this.subjects.get(subject)?.has(requestedVersion)) {
        throw errors.notPermitted(`Version ${requestedVersion} of subject ${subject} already exists`);
      }
      const value: SchemaValue = {
        subject,
        version,
        id,
        ...(schemaType !== "AVRO" ? { schemaType } : {}),
        ...(references.length > 0 ? { references } : {}),
        schema: parsed.canonical,
        deleted: false,
      };
      await this.store.write([{ key: { keytype: "SCHEMA", subject, version }, value }]);
      return { id };
    });
  }

  private idOfSchema(
    ctx: string,
    schemaType: SchemaTypeName,
    canonical: string,
    refs: SchemaReference[],
  ): number | undefined {
    for (const [subject, versions] of this.subjects) {
      if (contextOf(subject) !== ctx) continue;
      for (const v of versions.values())
        if (this.sameSchema(v, schemaType, canonical, refs, false)) return v.id;
    }
    return undefined;
  }

  /**
   * `POST /compatibility/subjects/{subject}/versions[/{version}]`: whether a schema may follow one
   * version (`version` given) or, without one, the versions the subject's level compares with.
   */
  testCompatibility(
    subject: string,
    version: number | "latest" | undefined,
    body: SchemaRequest,
    normalize: boolean,
  ): Promise<{ is_compatible: boolean; messages: string[] }> {
    return this.read(() => {
      const { parsed } = this.parseRequest(body, normalize);
      const level = this.compatibilityOf(subject);
      let previous: SchemaValue[];
      if (version === undefined) previous = this.liveVersions(subject);
      else previous = [this.findVersion(subject, version, false)];
      const messages = compatibilityIssues(
        version === undefined ? level : (level.replace("_TRANSITIVE", "") as CompatibilityLevel),
        parsed,
        previous.map((v) => this.parsedOf(v)),
      );
      return { is_compatible: messages.length === 0, messages };
    });
  }

  // ---- deletes

  /** `DELETE /subjects/{subject}`: soft (marks every version deleted) or permanent (after a soft delete). */
  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.exclusive(async () => {
      this.checkWritable();
      const all = this.liveVersions(subject, true);
      if (all.length === 0) throw errors.subjectNotFound(subject);
      this.checkMode(subject, "delete");
      const live = all.filter((v) => !v.deleted);
      for (const v of permanent ? all : live) {
        const ids = this.referrers(subject, v.version);
        if (ids.length > 0) {
          throw errors.referenceExists(
            `One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=${subject},version=${v.version}}.`,
          );
        }
      }
      if (permanent) {
        if (live.length > 0) throw errors.subjectNotSoftDeleted(subject);
        await this.store.write(
          all.map((v) => ({ key: { keytype: "SCHEMA", subject, version: v.version }, value: null })),
        );
        await this.store.write(
          [
            { key: { keytype: "CONFIG", subject }, value: null },
            { key: { keytype: "MODE", subject }, value: null },
          ].filter((r) =>
            r.key.keytype === "CONFIG" ? this.configs.has(subject) : this.modes.has(subject),
          ) as StoreRecord[],
        );
        return all.map((v) => v.version);
      }
      if (live.length === 0) throw errors.subjectSoftDeleted(subject);
      await this.store.write(
        live.map((v) => ({
          key: { keytype: "SCHEMA", subject, version: v.version },
          value: { ...v, deleted: true },
        })),
      );
      return live.map((v) => v.version);
    });
  }

  /** `DELETE /subjects/{subject}/versions/{version}`: soft, or permanent after a soft delete. */
  deleteVersion(subject: string, version: number | "latest", permanent: boolean): Promise<number> {
    return this.exclusive(async () => {
      this.checkWritable();
      if (this.liveVersions(subject, true).length === 0) throw errors.subjectNotFound(subject);
      this.checkMode(subject, "delete");
      const v =
        version === "latest"
          ? (this.liveVersions(subject).pop() ??
            (permanent ? this.liveVersions(subject, true).pop() : undefined))
          : this.subjects.get(subject)?.get(version);
      if (v === undefined) {
        if (version === "latest") throw errors.subjectNotFound(subject);
        throw errors.versionNotFound(version);
      }
      if (this.referrers(subject, v.version).length > 0) {
        throw errors.referenceExists(
          `One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=${subject},version=${v.version}}.`,
        );
      }
      if (permanent) {
        if (!v.deleted) throw errors.versionNotSoftDeleted(subject, v.version);
        await this.store.write([{ key: { keytype: "SCHEMA", subject, version: v.version }, value: null }]);
        return v.version;
      }
      if (v.deleted) throw errors.versionSoftDeleted(subject, v.version);
      await this.store.write([
        { key: { keytype: "SCHEMA", subject, version: v.version }, value: { ...v, deleted: true } },
      ]);
      return v.version;
    });
  }

  /** Parses a stored schema (for serializers). */
  parsedSchemaById(id: number): Promise<ParsedSchema> {
    return this.read(() => {
      const v = this.versionsWithId(id)[0];
      if (v === undefined) throw errors.schemaNotFound(id);
      return this.parsedOf(v);
    });
  }

  /**
   * `GET /schemas/ids/{id}` without waiting for the store: the state this instance has applied
   * (for in-process deserializers, which are synchronous).
   */
  schemaByIdNow(id: number): { schema: string; schemaType?: string; references?: SchemaReference[] } {
    const v = this.versionsWithId(id)[0];
    if (v === undefined) throw errors.schemaNotFound(id);
    return withType({ schema: v.schema }, v);
  }

  /** The texts of the schemas a schema's references name, resolved (dependencies first). */
  resolvedReferences(refs: readonly SchemaReference[]): ResolvedReference[] {
    return this.resolveReferences([...refs]);
  }

  /** Closes the store. */
  close(): Promise<void> {
    return this.store.close();
  }
}

function withType<T extends object>(
  out: T,
  v: SchemaValue,
): T & { schemaType?: string; references?: SchemaReference[] } {
  return {
    ...out,
    ...(v.schemaType && v.schemaType !== "AVRO" ? { schemaType: v.schemaType } : {}),
    ...(v.references && v.references.length > 0 ? { references: v.references } : {}),
  };
}

function toApi(v: SchemaValue): SubjectVersion {
  const out: SubjectVersion = { subject: v.subject, version: v.version, id: v.id, schema: v.schema };
  if (v.schemaType && v.schemaType !== "AVRO") out.schemaType = v.schemaType;
  if (v.references && v.references.length > 0) out.references = v.references;
  return out;
}

function parseReferences(raw: unknown): SchemaReference[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw errors.invalidSchema("Invalid schema: references must be an array");
  return raw.map((r, i) => {
    const o = r as Record<string, unknown>;
    if (typeof o?.name !== "string" || typeof o.subject !== "string" || typeof o.version !== "number") {
      throw errors.invalidSchema(`Invalid schema: reference ${i} needs a name, a subject and a version`);
    }
    return { name: o.name, subject: o.subject, version: o.version };
  });
}

function validateSubject(subject: string): void {
  if (subject.length === 0 || subject.includes("\u0000") || subject.trim() !== subject)
    throw errors.invalidSubject(subject);
}
