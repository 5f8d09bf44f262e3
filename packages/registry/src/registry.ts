/**
 * The registry's logic, independent of HTTP: subjects, versions, ids, compatibility, config and
 * modes, with Confluent Schema Registry's semantics and errors. State is rebuilt from a
 * {@link RegistryStore}; writes go through the store.
 */
import { type ConfigValue, configAnswer, configUpdateAnswer, mergeConfigs, updatedConfig } from "./config.js";
import { errors } from "./errors.js";
import { compileJsonSchema, jsonSchemaDialect } from "./json-validator.js";
import {
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

/** The answer to a registration (Confluent's RegisterSchemaResponse). */
export interface RegisteredSchema {
  id: number;
  version: number;
  schemaType?: string;
  references?: SchemaReference[];
  schema: string;
}

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

/** A subject's name without its context (`:.ctx:name` -> `name`). */
export function nameOf(subject: string): string {
  const m = /^:\.[^:]*:/.exec(subject);
  return m ? subject.slice(m[0].length) : subject;
}

/**
 * The context Confluent calls global (`:.__GLOBAL:`): its config and mode are the last fallback of
 * every context, before the server's defaults (Confluent 8; unused unless set).
 */
export const GLOBAL_CONTEXT_KEY = ":.__GLOBAL:";

/**
 * The key whose config and mode a subject falls back to when it has none of its own, as Confluent's
 * InMemoryCache.config/mode: its context's (`:.ctx:`) in a named context, the top-level one (null)
 * in the default context. The default context's top-level setting does not reach named contexts.
 */
function scopeKey(subject: string | null): string | null {
  if (subject === null) return null;
  const ctx = contextOf(subject);
  return ctx === DEFAULT_CONTEXT ? null : `:${ctx}:`;
}

/** Confluent's qualified context of a subject, as its messages print it: "" for the default one. */
function contextLabel(subject: string | null): string {
  const ctx = subject === null ? DEFAULT_CONTEXT : contextOf(subject);
  return ctx === DEFAULT_CONTEXT ? "" : `:${ctx}:`;
}

/** Which versions a listing returns (Confluent's LookupFilter). */
export type LookupFilter = "DEFAULT" | "INCLUDE_DELETED" | "DELETED_ONLY" | "DELETED_AS_NEGATIVE";

function included(deleted: boolean, filter: LookupFilter): boolean {
  if (filter === "DEFAULT") return !deleted;
  if (filter === "DELETED_ONLY") return deleted;
  return true;
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
  private readonly configs = new Map<string | null, ConfigValue>();
  private readonly modes = new Map<string | null, Mode>();
  /** The named contexts the store records (Confluent's CONTEXT keys), kept when emptied. */
  private readonly contexts = new Set<string>();
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
      else this.configs.set(k.subject, rec.value as ConfigValue);
    } else if (k.keytype === "CONTEXT") {
      if (rec.value === null) this.contexts.delete(k.context);
      else this.contexts.add(k.context);
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

  /**
   * The contexts other than the default one, sorted (Confluent's allContexts): those the store
   * records, which stay after their subjects are deleted until `DELETE /contexts/{ctx}`, and those
   * holding a subject (a store written before contexts were recorded).
   */
  private namedContexts(): string[] {
    const out = new Set<string>(this.contexts);
    for (const s of this.subjects.keys()) out.add(contextOf(s));
    out.delete(DEFAULT_CONTEXT);
    return [...out].sort();
  }

  /**
   * The version holding schema `id` that `?subject=` designates, in Confluent's order
   * (getSchemaKeyUsingContexts): without a subject, any in the default context; with a context
   * alone (`:.ctx:`), any in it; with a subject of a named context, that subject's only; with an
   * unqualified subject, that subject's, else the same name's in each named context, else any in
   * the default context.
   */
  private versionWithId(id: number, subject: string | null): SchemaValue | undefined {
    const holding = (s: string) => [...(this.subjects.get(s)?.values() ?? [])].find((v) => v.id === id);
    if (subject === null) return this.versionsWithId(id)[0];
    const ctx = contextOf(subject);
    const name = nameOf(subject);
    if (name === "") return this.versionsWithId(id, ctx)[0];
    const own = holding(subject);
    if (own !== undefined || ctx !== DEFAULT_CONTEXT) return own;
    for (const c of this.namedContexts()) {
      const v = holding(qualify(c, name));
      if (v !== undefined) return v;
    }
    return this.versionsWithId(id)[0];
  }

  /**
   * `GET /contexts`: the default context, then every context a subject was ever registered in,
   * sorted, as Confluent records them (a context stays listed when its subjects are deleted, even
   * permanently, until {@link deleteContext}); `prefix` (`?contextPrefix=`) filters them.
   */
  listContexts(prefix = ""): Promise<string[]> {
    return this.read(() => [DEFAULT_CONTEXT, ...this.namedContexts()].filter((c) => c.startsWith(prefix)));
  }

  /**
   * `DELETE /contexts/{ctx}` (`.ctx` or `:.ctx:`): forgets an empty context, as Confluent's
   * deleteContext; 42211 while a subject of it remains, even soft-deleted.
   */
  deleteContext(context: string): Promise<void> {
    const m = /^:?(\.[^:]*):?$/.exec(context);
    const ctx = m ? m[1]! : `.${context}`;
    return this.exclusive(async () => {
      this.checkWritable();
      for (const s of this.subjects.keys()) if (contextOf(s) === ctx) throw errors.contextNotEmpty(context);
      await this.store.write([{ key: { keytype: "CONTEXT", tenant: "default", context: ctx }, value: null }]);
    });
  }

  /**
   * `GET /schemas/ids/{id}`: in the context `?subject=` designates (see {@link versionWithId});
   * `fetchMaxId` adds the highest id of that context; `qualifiedReferences`
   * (`?referenceFormat=qualified`, Confluent 8), with a subject, names the references' subjects in
   * the context the schema was found in, unless they name one already.
   */
  schemaById(
    id: number,
    subject: string | null = null,
    opts: { fetchMaxId?: boolean; qualifiedReferences?: boolean } = {},
  ): Promise<{ schema: string; schemaType?: string; references?: SchemaReference[]; maxId?: number }> {
    return this.read(() => {
      const v = this.versionWithId(id, subject);
      if (v === undefined) throw errors.schemaNotFound(id);
      const ctx = contextOf(v.subject);
      let out: ReturnType<typeof byIdApi> & { maxId?: number } = byIdApi(v);
      if (opts.qualifiedReferences && subject !== null && ctx !== DEFAULT_CONTEXT && out.references) {
        const refs = out.references.map((x) => ({
          ...x,
          subject: x.subject.startsWith(":.") ? x.subject : qualify(ctx, x.subject),
        }));
        out = { ...out, references: refs };
      }
      return opts.fetchMaxId ? { ...out, maxId: this.maxIds.get(ctx) ?? id } : out;
    });
  }

  /**
   * `GET /schemas/ids/{id}/versions`: every subject-version holding the id in the context of the
   * version `?subject=` designates; 404 "Schema not found" when none does.
   */
  versionsOfId(
    id: number,
    deleted: boolean,
    subject: string | null = null,
  ): Promise<{ subject: string; version: number }[]> {
    return this.read(() => {
      const found = this.versionWithId(id, subject);
      if (found === undefined) throw errors.schemaNotFound();
      return this.versionsWithId(id, contextOf(found.subject))
        .filter((v) => deleted || !v.deleted)
        .map((v) => ({ subject: v.subject, version: v.version }))
        .sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.version - b.version));
    });
  }

  /** `GET /schemas`: the schemas of every subject. */
  allSchemas(prefix: string, deleted: boolean, latestOnly: boolean): Promise<SubjectVersion[]> {
    return this.read(() => {
      const out: SubjectVersion[] = [];
      for (const s of [...this.subjects.keys()].sort()) {
        if (!matchesPrefix(s, prefix)) continue;
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

  /**
   * Whether a subject has versions (live ones unless `deleted`), as Confluent's hasSubjects: `null`
   * is every subject, `:.ctx:` every subject of that context.
   */
  private hasSubjects(subject: string | null, deleted: boolean): boolean {
    return this.matchingSubjects(subject).some((s) => this.liveVersions(s, deleted).length > 0);
  }

  private matchingSubjects(subject: string | null): string[] {
    if (subject === null) return [...this.subjects.keys()];
    if (nameOf(subject) !== "" || contextOf(subject) === DEFAULT_CONTEXT)
      return this.subjects.has(subject) ? [subject] : [];
    const ctx = contextOf(subject);
    return [...this.subjects.keys()].filter((s) => contextOf(s) === ctx);
  }

  /**
   * `GET /subjects`: subjects in every context; `DEFAULT` lists those with a live version,
   * `INCLUDE_DELETED` all, `DELETED_ONLY` those whose every version is soft-deleted (`deletedOnly`).
   */
  listSubjects(prefix: string, filter: LookupFilter): Promise<string[]> {
    return this.read(() =>
      [...this.subjects.entries()]
        .filter(([s]) => matchesPrefix(s, prefix))
        .filter(([, vs]) =>
          included(
            [...vs.values()].every((v) => v.deleted),
            filter,
          ),
        )
        .map(([s]) => s)
        .sort(),
    );
  }

  /**
   * `GET /subjects/{subject}/versions`: 40401 unless the subject has a version the filter could
   * return (a soft-deleted one counts with `deleted` or `deletedOnly`); `DELETED_AS_NEGATIVE`
   * lists soft-deleted versions as negative numbers.
   */
  listVersions(subject: string, filter: LookupFilter): Promise<number[]> {
    return this.read(() => {
      if (!this.hasSubjects(subject, filter !== "DEFAULT")) throw errors.subjectNotFound(subject);
      return this.liveVersions(subject, true)
        .filter((v) => included(v.deleted, filter))
        .map((v) => (filter === "DELETED_AS_NEGATIVE" && v.deleted ? -v.version : v.version));
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

  /** A version of exactly this subject; `latest` is the latest live one, even with `deleted`. */
  private versionOf(subject: string, version: number | "latest", deleted: boolean): SchemaValue | undefined {
    if (version === "latest") return this.liveVersions(subject).pop();
    const v = this.subjects.get(subject)?.get(version);
    return v !== undefined && (deleted || !v.deleted) ? v : undefined;
  }

  /**
   * A version, as Confluent's getUsingContexts finds it: the subject's own, else (for an
   * unqualified subject) the same name's in each named context in turn. 40401 when the subject
   * has no version, else 40402 (`latest` is reported as version -1).
   */
  private findVersion(subject: string, version: number | "latest", deleted: boolean): SchemaValue {
    const own = this.versionOf(subject, version, deleted);
    if (own !== undefined) return own;
    if (contextOf(subject) === DEFAULT_CONTEXT) {
      for (const c of this.namedContexts()) {
        const v = this.versionOf(qualify(c, subject), version, deleted);
        if (v !== undefined) return v;
      }
    }
    if (!this.hasSubjects(subject, deleted)) throw errors.subjectNotFound(subject);
    throw errors.versionNotFound(version === "latest" ? -1 : version);
  }

  /** `GET /subjects/{subject}/versions/{version}`. */
  getVersion(subject: string, version: number | "latest", deleted = false): Promise<SubjectVersion> {
    return this.read(() => toApi(this.findVersion(subject, version, deleted)));
  }

  /** `GET /subjects/{subject}/versions/{version}/referencedby`: ids of schemas referencing it. */
  referencedBy(subject: string, version: number | "latest"): Promise<number[]> {
    return this.read(() => {
      const v = this.findVersion(subject, version, false);
      return this.referrers(v.subject, v.version);
    });
  }

  /**
   * Ids of the schemas referencing a version (soft-deleted referrers too with `deleted`; those of
   * the subject itself unless `otherSubjectsOnly`).
   */
  private referrers(subject: string, version: number, deleted = false, otherSubjectsOnly = false): number[] {
    const ids = new Set<number>();
    for (const [s, versions] of this.subjects) {
      if (otherSubjectsOnly && s === subject) continue;
      for (const v of versions.values()) {
        if (
          (deleted || !v.deleted) &&
          v.references?.some((r) => refTarget(s, r.subject) === subject && r.version === version)
        )
          ids.add(v.id);
      }
    }
    return [...ids].sort((a, b) => a - b);
  }

  /** The schemas references name, dependencies first; `parent` is the referring subject. */
  private resolveReferences(refs: SchemaReference[], parent: string | null): ResolvedReference[] {
    const out: ResolvedReference[] = [];
    const seen = new Set<string>();
    const add = (rs: SchemaReference[] | undefined, from: string | null) => {
      for (const r of rs ?? []) {
        const target = refTarget(from, r.subject);
        const key = `${target}\u0000${r.version}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const versions = this.subjects.get(target);
        const v = r.version === -1 ? this.liveVersions(target).pop() : versions?.get(r.version);
        if (v === undefined) {
          throw errors.invalidSchema(
            `Invalid schema: reference '${r.name}' to subject '${r.subject}' version ${r.version} not found`,
          );
        }
        add(v.references, v.subject);
        out.push({ name: r.name, schema: v.schema });
      }
    };
    add(refs, parent);
    return out;
  }

  private parsedOf(v: SchemaValue): ParsedSchema {
    const type = schemaTypeOf(v.schemaType);
    const refs = v.references ?? [];
    // References resolve in the subject's context: the context is part of the key.
    const key = `${type}\u0000${refs.length > 0 ? contextOf(v.subject) : ""}\u0000${JSON.stringify(refs)}\u0000${v.schema}`;
    let p = this.parsed.get(key);
    if (p === undefined) {
      p = parseSchema(type, v.schema, this.resolveReferences(refs, v.subject));
      this.parsed.set(key, p);
    }
    return p;
  }

  private parseRequest(body: SchemaRequest, normalize: boolean, subject: string) {
    if (typeof body.schema !== "string") throw errors.invalidSchema("Empty schema");
    const schemaType: SchemaTypeName = schemaTypeOf(body.schemaType);
    const references = parseReferences(body.references);
    const parsed = parseSchema(
      schemaType,
      body.schema,
      this.resolveReferences(references, subject),
      normalize,
    );
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
        parseSchema(schemaType, v.schema, this.resolveReferences(v.references ?? [], v.subject), true)
          .canonical === canonical
      );
    } catch {
      return false;
    }
  }

  /**
   * `POST /subjects/{subject}`: the version of a subject holding a schema (the latest such), as
   * Confluent's lookUpSchemaUnderSubjectUsingContexts: the schema is parsed first (42201), then
   * looked up under the subject, then (an unqualified subject) under the same name in each named
   * context; 40401 when the subject has no version, else 40403.
   */
  lookup(
    subject: string,
    body: SchemaRequest,
    normalize: boolean,
    deleted: boolean,
  ): Promise<SubjectVersion> {
    return this.read(() => {
      normalize ||= this.configInScope(subject).normalize === true;
      const { schemaType, references, parsed } = this.parseRequest(body, normalize, subject);
      const under = (s: string) =>
        this.liveVersions(s, deleted)
          .reverse()
          .find((v) => this.sameSchema(v, schemaType, parsed.canonical, references, normalize));
      let found = under(subject);
      if (found === undefined && contextOf(subject) === DEFAULT_CONTEXT) {
        for (const c of this.namedContexts()) if ((found = under(qualify(c, subject))) !== undefined) break;
      }
      if (found !== undefined) return toApi(found);
      if (!this.hasSubjects(subject, deleted)) throw errors.subjectNotFound(subject);
      throw errors.schemaNotFound();
    });
  }

  // ---- config and mode

  /**
   * The compatibility level that applies to a subject, as Confluent's getConfigInScope: its own,
   * else its context's (`:.ctx:`) in a named context or the top-level one in the default context,
   * else the `:.__GLOBAL:` context's, else the server's default. The top-level level (`PUT
   * /config`) does not apply to subjects of named contexts.
   */
  compatibilityOf(subject: string | null): CompatibilityLevel {
    return this.configInScope(subject).compatibilityLevel ?? this.defaultCompatibility;
  }

  /**
   * The config that applies to a subject, as Confluent's getConfigInScope: with a config of its
   * own, that one merged with the top level's (flags, policy and group it lacks); else its
   * context's in a named context or the top-level one, else the `:.__GLOBAL:` context's, else the
   * server's default. A config found without a level has the server's default level (Confluent's
   * populateCompatibilityLevel), so a subject's own `normalize` alone pins its level to the default.
   */
  configInScope(subject: string | null): ConfigValue {
    const populated = (c: ConfigValue | undefined): ConfigValue => ({
      ...(c ?? {}),
      compatibilityLevel: c?.compatibilityLevel ?? this.defaultCompatibility,
    });
    const own = subject !== null ? this.configs.get(subject) : undefined;
    if (own !== undefined) return mergeConfigs(populated(this.configs.get(null)), populated(own));
    return populated(this.configs.get(scopeKey(subject)) ?? this.configs.get(GLOBAL_CONTEXT_KEY));
  }

  /**
   * The subject `subject` stands for (Confluent's AliasFilter): the `alias` of its own config,
   * named in its context unless the alias names one; itself without an alias. An unqualified
   * subject's alias is unqualified too (Confluent's toUnqualifiedSubject).
   */
  aliasOf(subject: string): Promise<string> {
    return this.read(() => {
      const alias = this.configs.get(normalizeSubject(subject))?.alias;
      if (alias === undefined || alias === "") return subject;
      const qualified = alias.startsWith(":.")
        ? normalizeSubject(alias)
        : qualify(contextOf(normalizeSubject(subject)), alias);
      return subject.startsWith(":") ? qualified : nameOf(qualified);
    });
  }

  /**
   * The mode that applies to a subject, in the same order as {@link compatibilityOf}; a top-level
   * READONLY_OVERRIDE overrides every other mode (Confluent 7's getModeInScope).
   */
  modeOf(subject: string | null): Mode {
    const top = this.modes.get(null);
    if (top === "READONLY_OVERRIDE") return top;
    return (
      (subject !== null ? this.modes.get(subject) : undefined) ??
      this.modes.get(scopeKey(subject)) ??
      this.modes.get(GLOBAL_CONTEXT_KEY) ??
      "READWRITE"
    );
  }

  /** A subject's own setting: the top level and the `:.__GLOBAL:` context always have one (the default). */
  private ownSetting<T>(map: Map<string | null, T>, subject: string | null, dflt: T): T | undefined {
    const own = map.get(subject);
    if (own !== undefined) return own;
    return subject === null || contextOf(subject) === ".__GLOBAL" ? dflt : undefined;
  }

  /**
   * `GET /config[/{subject}]`: the subject's own config (every field set, the level filled in with
   * the default), 40408 without one, unless `defaultToGlobal` (the config in scope).
   */
  getConfig(subject: string | null, defaultToGlobal: boolean): Promise<Record<string, unknown>> {
    return this.read(() => {
      const config = defaultToGlobal
        ? this.configInScope(subject)
        : this.ownSetting(this.configs, subject, {} as ConfigValue);
      if (config === undefined) throw errors.compatibilityNotConfigured(subject ?? "null");
      return configAnswer(config, this.defaultCompatibility);
    });
  }

  private readOnlyError(subject: string | null) {
    return errors.notPermitted(
      `Subject ${subject ?? "null"} in context ${contextLabel(subject)} is in read-only mode`,
    );
  }

  /**
   * `PUT /config[/{subject}]`: the fields the body has replace the config's (null unsets one),
   * the others stay (Confluent's ConfigValue.update); answers the config (its level as
   * `compatibility`). 42203 for an unknown level, 42210 for an invalid rule set.
   */
  setConfig(subject: string | null, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      updatedConfig(undefined, body);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.exclusive(async () => {
      this.checkWritable();
      if (subject !== null) validateSubject(subject, true);
      if (isReadOnly(this.modeOf(subject))) throw this.readOnlyError(subject);
      const config = updatedConfig(this.configs.get(subject), body);
      await this.store.write([{ key: { keytype: "CONFIG", subject }, value: config }]);
      return configUpdateAnswer(config);
    });
  }

  /** `DELETE /config[/{subject}]`: back to the config in scope; returns the subject's own (40401 without one). */
  deleteConfig(subject: string | null): Promise<Record<string, unknown>> {
    return this.exclusive(async () => {
      this.checkWritable();
      const previous = this.ownSetting(this.configs, subject, {} as ConfigValue);
      if (previous === undefined) throw errors.subjectNotFound(subject ?? "null");
      await this.store.write([{ key: { keytype: "CONFIG", subject }, value: null }]);
      return configAnswer(previous, this.defaultCompatibility);
    });
  }

  /** `GET /mode[/{subject}]`: 40409 for a subject without its own mode, unless `defaultToGlobal`. */
  getMode(subject: string | null, defaultToGlobal: boolean): Promise<{ mode: Mode }> {
    return this.read(() => {
      const mode = defaultToGlobal ? this.modeOf(subject) : this.ownSetting(this.modes, subject, "READWRITE");
      if (mode === undefined) throw errors.modeNotConfigured(subject ?? "null");
      return { mode };
    });
  }

  /**
   * `PUT /mode[/{subject}]`, answering the request as sent (Confluent echoes it). Entering IMPORT
   * without `force` is refused while a matching subject has a live version; otherwise the
   * soft-deleted versions left are deleted permanently first (42206 if one is still referenced).
   */
  setMode(subject: string | null, body: Record<string, unknown>, force: boolean): Promise<{ mode: string }> {
    const raw = body.mode;
    const mode = typeof raw === "string" ? raw.toUpperCase() : undefined;
    if (mode === undefined || !(MODES as readonly string[]).includes(mode))
      return Promise.reject(errors.invalidMode(raw));
    return this.exclusive(async () => {
      this.checkWritable();
      if (subject !== null) validateSubject(subject, true);
      const records: StoreRecord[] = [];
      if (mode === "IMPORT" && this.modeOf(subject) !== "IMPORT" && !force) {
        if (this.hasSubjects(subject, false))
          throw errors.notPermitted("Cannot import since found existing subjects");
        for (const s of this.matchingSubjects(subject)) {
          for (const v of this.liveVersions(s, true)) {
            if (this.referrers(s, v.version, true).length > 0) throw referenceExistsError(s, v.version);
            records.push({ key: { keytype: "SCHEMA", subject: s, version: v.version }, value: null });
          }
        }
      }
      records.push({ key: { keytype: "MODE", subject }, value: { mode } });
      await this.store.write(records);
      return { mode: raw as string };
    });
  }

  /** `DELETE /mode[/{subject}]`: back to the mode in scope; returns the previous own mode (40401 without one). */
  deleteMode(subject: string | null): Promise<{ mode: Mode }> {
    return this.exclusive(async () => {
      this.checkWritable();
      const previous = this.ownSetting(this.modes, subject, "READWRITE");
      if (previous === undefined) throw errors.subjectNotFound(subject ?? "null");
      await this.store.write([{ key: { keytype: "MODE", subject }, value: null }]);
      return { mode: previous };
    });
  }

  // ---- register and compatibility

  /**
   * `POST /subjects/{subject}/versions`, as Confluent's registerOrForward then register: the schema
   * is parsed (42201); a live version of the subject already holding it answers at once, whatever
   * the mode; otherwise the mode must allow the write (42205: read-only, an id outside IMPORT, no
   * id in IMPORT), the schema must be compatible with the live versions (409; skipped in IMPORT and
   * with `force`), and it takes the next version (a given version must be that one outside IMPORT)
   * and the id the same schema has in the context, else the next id. Re-registering a soft-deleted
   * schema thus gets its id back under a new version, and the soft-deleted versions with that id
   * are deleted permanently (unless referenced). Answers like Confluent: id, version, type,
   * references and the schema as stored.
   */
  register(
    subject: string,
    body: SchemaRequest,
    normalize: boolean,
    force = false,
  ): Promise<RegisteredSchema> {
    return this.exclusive(async () => {
      this.checkWritable();
      validateSubject(subject);
      // A config's `normalize` applies as `?normalize=true` (Confluent's register).
      normalize ||= this.configInScope(subject).normalize === true;
      const { schemaType, references, parsed } = this.parseRequest(body, normalize, subject);
      if (parsed.schemaType === "JSON") checkJsonCompiles(parsed, body.schema as string);
      const answer = (id: number, version: number): RegisteredSchema => ({
        id,
        version,
        ...(schemaType !== "AVRO" ? { schemaType } : {}),
        ...(references.length > 0 ? { references } : {}),
        schema: parsed.canonical,
      });
      const requestedId = unsetIfNegative(body.id);
      const requestedVersion = unsetIfNegative(body.version === 0 ? undefined : body.version);
      const same = (v: SchemaValue, norm = normalize) =>
        this.sameSchema(v, schemaType, parsed.canonical, references, norm);
      const live = this.liveVersions(subject);
      const existing = [...live].reverse().find((v) => same(v));
      if (existing !== undefined) {
        if (requestedVersion === undefined) {
          if (requestedId === undefined || requestedId === existing.id)
            return answer(existing.id, existing.version);
        } else if (requestedId === existing.id) {
          const at = this.subjects.get(subject)?.get(requestedVersion);
          if (at !== undefined && !at.deleted && at.id === existing.id && same(at))
            return answer(at.id, at.version);
        }
      }

      const mode = this.modeOf(subject);
      const where = `Subject ${subject} in context ${contextLabel(subject)}`;
      if (isReadOnly(mode)) throw this.readOnlyError(subject);
      if (requestedId !== undefined && mode !== "IMPORT")
        throw errors.notPermitted(`${where} is not in import mode`);
      if (requestedId === undefined && mode !== "READWRITE")
        throw errors.notPermitted(`${where} is not in read-write mode`);

      const ctx = contextOf(subject);
      const all = this.liveVersions(subject, true);
      const nextVersion = all.reduce((m, v) => Math.max(m, v.version), 0) + 1;
      const sameId = this.idOfSchema(ctx, schemaType, parsed.canonical, references);
      let id =
        sameId !== undefined && (requestedId === undefined || requestedId === sameId) ? sameId : requestedId;
      if (mode !== "IMPORT" && !force) {
        const issues = compatibilityIssues(
          this.compatibilityOf(subject),
          parsed,
          live.map((v) => this.parsedOf(v)),
        );
        if (issues.length > 0) throw errors.incompatible(subject, issues);
      }
      if (requestedVersion !== undefined && requestedVersion !== nextVersion && mode !== "IMPORT")
        throw errors.invalidSchema("Version is not one more than previous version");
      const version = requestedVersion ?? nextVersion;
      if (id !== undefined) {
        const holder = this.versionsWithId(id, ctx)[0];
        if (holder !== undefined && !same(holder, false)) {
          throw errors.notPermitted(
            `Overwrite new schema with id ${id} in context ${contextLabel(subject)} is not permitted.`,
          );
        }
      } else id = (this.maxIds.get(ctx) ?? 0) + 1;
      const value: SchemaValue = {
        subject,
        version,
        id,
        ...(schemaType !== "AVRO" ? { schemaType } : {}),
        ...(references.length > 0 ? { references } : {}),
        schema: parsed.canonical,
        deleted: false,
      };
      const finalId = id;
      const tombstones: StoreRecord[] = all
        .filter(
          (v) =>
            v.deleted &&
            v.id === finalId &&
            v.version < version &&
            this.referrers(subject, v.version, true).length === 0,
        )
        .map((v) => ({ key: { keytype: "SCHEMA", subject, version: v.version }, value: null }));
      // The first subject of a named context records it (Confluent's ContextKey).
      const context: StoreRecord[] =
        ctx !== DEFAULT_CONTEXT && !this.contexts.has(ctx)
          ? [
              {
                key: { keytype: "CONTEXT", tenant: "default", context: ctx },
                value: { tenant: "default", context: ctx },
              },
            ]
          : [];
      await this.store.write([
        ...context,
        ...tombstones,
        { key: { keytype: "SCHEMA", subject, version }, value },
      ]);
      return answer(id, version);
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
      normalize ||= this.configInScope(subject).normalize === true;
      const { parsed } = this.parseRequest(body, normalize, subject);
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

  /**
   * `DELETE /subjects/{subject}`, in Confluent's order: 40401 without any version, 40404 for a soft
   * delete of a subject already soft-deleted, 42205 read-only, then per version (ascending) 42206
   * when another subject references it and, permanent, 40405 while it is live. A permanent delete
   * also removes the subject's config and mode.
   */
  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.exclusive(async () => {
      this.checkWritable();
      const all = this.liveVersions(subject, true);
      if (all.length === 0) throw errors.subjectNotFound(subject);
      const live = all.filter((v) => !v.deleted);
      if (!permanent && live.length === 0) throw errors.subjectSoftDeleted(subject);
      if (isReadOnly(this.modeOf(subject))) throw this.readOnlyError(subject);
      for (const v of permanent ? all : live) {
        if (this.referrers(subject, v.version, permanent, true).length > 0)
          throw referenceExistsError(subject, v.version);
        if (permanent && !v.deleted) throw errors.subjectNotSoftDeleted(subject);
      }
      if (permanent) {
        await this.store.write([
          ...[...all]
            .reverse()
            .map(
              (v): StoreRecord => ({ key: { keytype: "SCHEMA", subject, version: v.version }, value: null }),
            ),
          ...this.settingTombstones(subject),
        ]);
        return all.map((v) => v.version);
      }
      await this.store.write(
        live.map((v) => ({
          key: { keytype: "SCHEMA", subject, version: v.version },
          value: { ...v, deleted: true },
        })),
      );
      return live.map((v) => v.version);
    });
  }

  /** Records removing a subject's own config and mode (when it has them). */
  private settingTombstones(subject: string): StoreRecord[] {
    const out: StoreRecord[] = [];
    if (this.configs.has(subject)) out.push({ key: { keytype: "CONFIG", subject }, value: null });
    if (this.modes.has(subject)) out.push({ key: { keytype: "MODE", subject }, value: null });
    return out;
  }

  /**
   * `DELETE /subjects/{subject}/versions/{version}`, in Confluent's order: 40406 for a soft delete
   * of a soft-deleted version, 40401/40402 when not found (`latest` is the latest live version,
   * reported as -1), 42205 read-only, 42206 referenced, 40407 for a permanent delete of a live
   * version. Permanently deleting the last version removes the subject's config and mode.
   */
  deleteVersion(subject: string, version: number | "latest", permanent: boolean): Promise<number> {
    return this.exclusive(async () => {
      this.checkWritable();
      const v = this.versionOf(subject, version, true);
      if (v?.deleted && !permanent) throw errors.versionSoftDeleted(subject, v.version);
      if (v === undefined) {
        if (!this.hasSubjects(subject, true)) throw errors.subjectNotFound(subject);
        throw errors.versionNotFound(version === "latest" ? -1 : version);
      }
      if (isReadOnly(this.modeOf(subject))) throw this.readOnlyError(subject);
      if (this.referrers(subject, v.version, permanent).length > 0)
        throw referenceExistsError(subject, v.version);
      if (permanent) {
        if (!v.deleted) throw errors.versionNotSoftDeleted(subject, v.version);
        const last = this.liveVersions(subject, true).length === 1;
        await this.store.write([
          { key: { keytype: "SCHEMA", subject, version: v.version }, value: null },
          ...(last ? this.settingTombstones(subject) : []),
        ]);
        return v.version;
      }
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
    return byIdApi(v);
  }

  /**
   * The texts of the schemas a schema's references name, resolved (dependencies first), in the
   * context of `subject` (the referring one; default: the default context).
   */
  resolvedReferences(refs: readonly SchemaReference[], subject: string | null = null): ResolvedReference[] {
    return this.resolveReferences([...refs], subject);
  }

  /** Closes the store. */
  close(): Promise<void> {
    return this.store.close();
  }
}

/** A schema by id as the API returns it (Confluent's SchemaString: type, schema, references). */
function byIdApi(v: SchemaValue): { schema: string; schemaType?: string; references?: SchemaReference[] } {
  return {
    ...(v.schemaType && v.schemaType !== "AVRO" ? { schemaType: v.schemaType } : {}),
    schema: v.schema,
    ...(v.references && v.references.length > 0 ? { references: v.references } : {}),
  };
}

/** A version as the API returns it, in the field order of Confluent's Schema entity. */
function toApi(v: SchemaValue): SubjectVersion {
  return {
    subject: v.subject,
    version: v.version,
    id: v.id,
    ...(v.schemaType && v.schemaType !== "AVRO" ? { schemaType: v.schemaType } : {}),
    ...(v.references && v.references.length > 0 ? { references: v.references } : {}),
    schema: v.schema,
  };
}

/**
 * Whether a subject matches a `subjectPrefix`: every subject for "" or `:*:` (every context), the
 * name in any context for `:*:prefix`, else the qualified subject's own prefix.
 */
function matchesPrefix(subject: string, prefix: string): boolean {
  if (prefix.startsWith(":*:")) return nameOf(subject).startsWith(prefix.slice(3));
  return subject.startsWith(prefix);
}

function isReadOnly(mode: Mode): boolean {
  return mode === "READONLY" || mode === "READONLY_OVERRIDE";
}

/** 42206 naming the version as Confluent prints its key. */
function referenceExistsError(subject: string, version: number) {
  return errors.referenceExists(
    `One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=${subject},version=${version}}.`,
  );
}

/** A request's id or version; absent, null and negative values (Confluent's -1) mean none. */
function unsetIfNegative(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const n = Number(raw);
  return n < 0 ? undefined : n;
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

/**
 * The subject a reference names, as Confluent's QualifiedSubject.qualifySubjectWithParent: a
 * subject naming a context is that one; an unqualified one is in the referring subject's context.
 */
function refTarget(parent: string | null, subject: string): string {
  if (subject.startsWith(":.")) return normalizeSubject(subject);
  return parent === null ? subject : qualify(contextOf(parent), subject);
}

/** Java's Character.isISOControl: U+0000-U+001F and U+007F-U+009F. */
function isControl(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/**
 * Confluent's QualifiedSubject.isValidSubject: no control character, not `__GLOBAL` or `__EMPTY`,
 * and (for schemas) not in the `.__GLOBAL` context, which holds only config and mode.
 */
function validateSubject(subject: string, configOrMode = false): void {
  const name = nameOf(subject);
  if (
    (name.length === 0 && !configOrMode) ||
    [...subject].some((ch) => isControl(ch.charCodeAt(0))) ||
    name === "__GLOBAL" ||
    name === "__EMPTY" ||
    (!configOrMode && contextOf(subject) === ".__GLOBAL")
  )
    throw errors.invalidSubject(subject);
}

/**
 * Refuses (42201, as Confluent's JsonSchema.validate does) a JSON schema no serializer could use:
 * one its dialect's meta-schema rejects, or with a `$ref` naming nothing (a missing reference, a
 * pointer to no definition). A `$schema` of a dialect ajv lacks (draft-04) is kept unchecked, as
 * before: Confluent's own clients may still use it.
 */
function checkJsonCompiles(parsed: Extract<ParsedSchema, { schemaType: "JSON" }>, text: string): void {
  if (jsonSchemaDialect(parsed.json) === undefined) return;
  try {
    compileJsonSchema(parsed);
  } catch (e) {
    throw errors.invalidSchema(`Invalid schema ${text}, details: ${(e as Error).message}`);
  }
}
