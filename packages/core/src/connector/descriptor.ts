/**
 * Connector descriptors: what a connector is called, which options it takes (typed, documented,
 * validated at start-up with errors that name the option, what it expects and what it got), and
 * how to make its source or sink from plain options: the string/number/boolean values a command
 * line, a SQL `WITH ('connector' = 'kafka', 'topic' = 'orders')` clause or a dashboard form gives.
 *
 * This module depends on the source/sink API and errors only (never on the executor), so a
 * connector package, the CLI or a SQL planner can list and use connectors without running a job.
 */

import { FleuveError } from "../errors.js";
import type { PartitionedRecord } from "./formats.js";
import { jsonText } from "./json-format.js";
import { type Sink, SinkRecordError } from "./sink.js";
import type { Source } from "./source.js";

/** A plain option value, as a command line or a SQL `WITH` clause gives it. */
export type PlainValue = string | number | boolean;

/** Plain options: option name to value (strings are converted to the option's type). */
export type PlainOptions = Readonly<Record<string, PlainValue | undefined>>;

/** The type of one option. */
export type OptionType = "string" | "integer" | "number" | "boolean" | "enum";

/** One option of a connector: its type, default and documentation. */
export interface OptionSpec {
  readonly type: OptionType;
  /** What the option does, one or two sentences (listed by `fleuve connectors`). */
  readonly doc: string;
  /** The allowed values of an "enum" option. */
  readonly values?: readonly string[];
  /** Must be given (no default). */
  readonly required?: boolean;
  /** The value used when the option is not given. */
  readonly default?: PlainValue;
  /** Smallest allowed value of an "integer" or "number" option. */
  readonly min?: number;
  /** A "string" option that may be empty (`'csv.null-literal' = ''`, which Flink takes). */
  readonly allowEmpty?: boolean;
}

/** Options of a connector by name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The value type an option spec parses to (any plain value for an option not known statically). */
export type OptionValue<O extends OptionSpec> = OptionSpec extends O
  ? PlainValue
  : O["type"] extends "boolean"
    ? boolean
    : O["type"] extends "integer" | "number"
      ? number
      : O extends { readonly values: readonly (infer V)[] }
        ? V
        : string;

/** Parsed options: required options and options with a default are always present. */
export type ParsedOptions<S extends OptionSpecs> = {
  readonly [K in keyof S as S[K] extends { readonly required: true } | { readonly default: PlainValue }
    ? K
    : never]: OptionValue<S[K]>;
} & {
  readonly [K in keyof S as S[K] extends { readonly required: true } | { readonly default: PlainValue }
    ? never
    : K]?: OptionValue<S[K]>;
};

/**
 * What a source made by a descriptor emits, the same for every connector (a SQL table reads its
 * columns from `value` and its metadata columns from the rest): the key as UTF-8 text (or its
 * bytes, a Buffer, when the topic sources' `keyFormat` option is "bytes"), the headers as UTF-8
 * text, the value decoded by the `format` option.
 */
export type ConnectorRecord<V = unknown> = PartitionedRecord<string | Buffer | null, V, string>;

/**
 * A value with its record key, what a topic sink takes when its `keyed` option is true (see
 * {@link TOPIC_SINK_OPTIONS}): `key` becomes the record key as it is (text, bytes, or null for no
 * key; it decides the partition), `value` is written by the sink's `format`. For callers that
 * encode keys themselves, as SQL's `'key.format'` does.
 */
export interface KeyedValue<V = unknown> {
  readonly key: string | Buffer | null;
  readonly value: V;
}

/** The kind of a change of a table, as Flink's RowKind: insert, update-before, update-after, delete. */
export type ChangeKind = "+I" | "-U" | "+U" | "-D";

/**
 * One change of a table: what a sink that takes updates receives (see
 * {@link ConnectorSide.changelog}) instead of a plain value.
 */
export interface Change<V = unknown> {
  readonly kind: ChangeKind;
  /** The row: its column values by name, in the table's column order. */
  readonly value: V;
  /**
   * For an upsert sink: the record key of the row's primary key, as text (JSON of the key columns,
   * e.g. `{"id":1}`, unless the caller encodes keys itself) or bytes (SQL's `'key.format'`).
   */
  readonly key?: string | Buffer;
  /** The row's values as text, in column order, as Flink prints them (`print` writes these when given). */
  readonly fields?: readonly string[];
}

/**
 * What a sink takes: "insert-only" plain values (the default: an updating query cannot write to
 * it); "all" a {@link Change} of every kind (e.g. `print`); "upsert" Changes `+I`, `+U` and `-D`
 * with their primary key (Flink's upsert sinks: a `-D` deletes the key, the others overwrite it).
 * What a source gives: "insert-only" (the default) or "upsert", records keyed by the primary key
 * whose null value (a tombstone) deletes the key and any other value replaces it (upsert-kafka).
 */
export type ConnectorChangelogMode = "insert-only" | "all" | "upsert";

/** One column of the table a connector reads or writes (SQL's `CREATE TABLE` gives them). */
export interface ConnectorField {
  readonly name: string;
  /** The SQL type as written, e.g. `INT`, `STRING`, `TIMESTAMP(3)`, `DECIMAL(10, 2)`. */
  readonly type: string;
}

/** What a connector gets beside its options (Flink's DynamicTableFactory.Context). */
export interface ConnectorContext {
  /** The columns of the table, when a SQL table is declared (a generator needs them, e.g. `datagen`). */
  readonly schema?: readonly ConnectorField[];
  /**
   * The table's `PARTITIONED BY` columns, in order, for a side that takes them
   * ({@link ConnectorSide.partitioned}); empty or absent for an unpartitioned table.
   */
  readonly partitionKeys?: readonly string[];
  /**
   * The job's processing-time clock (epoch ms), for a side that reads processing time (the
   * `filesystem` sink's process-time partition commit); the wall clock when absent.
   */
  readonly processingTime?: () => number;
}

/** How to make one side (source or sink) of a connector from plain options. */
export interface ConnectorSide<S extends OptionSpecs, R> {
  /** One line on what this side does. */
  readonly description: string;
  /**
   * The options. A name with `#` stands for any name without dots there: `fields.#.kind` takes
   * `fields.price.kind`, `fields.id.kind`... (Flink's per-field options).
   */
  readonly options: S;
  /** Which changes a sink takes, or a source gives (default "insert-only", plain values). */
  readonly changelog?: ConnectorChangelogMode;
  /**
   * Whether this side lays a SQL table's `PARTITIONED BY` columns out itself (the `filesystem`
   * connector's partition directories, from `context.partitionKeys`). A SQL INSERT into a
   * partitioned table needs a sink that does.
   */
  readonly partitioned?: boolean;
  /** Makes the source or sink from options already validated by {@link parseOptions}. */
  create(options: ParsedOptions<S>, context: ConnectorContext): R;
}

/** A connector: its name, options and factories. */
export interface ConnectorDescriptor<
  SO extends OptionSpecs = OptionSpecs,
  KO extends OptionSpecs = OptionSpecs,
> {
  /** The name a SQL `WITH ('connector' = ...)` clause or a command line uses, e.g. "kafka". */
  readonly name: string;
  /** The package that provides it, e.g. "@fleuve/kafka". */
  readonly package: string;
  readonly description: string;
  readonly source?: ConnectorSide<SO, Source<ConnectorRecord>>;
  readonly sink?: ConnectorSide<KO, Sink<unknown>>;
}

/**
 * Declares a connector; only checks and types it (the identity otherwise). Descriptors are
 * plain objects, so a package exports them as constants.
 */
export function defineConnector<SO extends OptionSpecs, KO extends OptionSpecs>(
  descriptor: ConnectorDescriptor<SO, KO>,
): ConnectorDescriptor<SO, KO> {
  if (!/^[a-z][a-z0-9-]*$/.test(descriptor.name)) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `defineConnector: name ${JSON.stringify(descriptor.name)} must be lower-case letters, digits and '-'`,
      { details: { connector: descriptor.name } },
    );
  }
  return descriptor;
}

/**
 * Validates plain options against `specs`: converts strings to numbers and booleans, applies
 * defaults, and throws FLEUVE_CONFIG_INVALID naming the option, what it expects and what it got
 * (an unknown option too, listing the known ones). `where` names the connector in messages: a
 * connector's side (its name goes into the error's `details.connector`, and `details.side`), or
 * any words of the caller's (then the details name only the option).
 */
export function parseOptions<S extends OptionSpecs>(
  specs: S,
  options: PlainOptions,
  where: string | ConnectorSideName,
): ParsedOptions<S> {
  const out: Record<string, PlainValue> = {};
  for (const [name, given] of Object.entries(options)) {
    if (given === undefined) continue;
    const spec = optionSpecOf(specs, name);
    if (!spec) throw unknownOptionError(specs, name, given, where);
    out[name] = convert(spec, name, given, where);
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (out[name] !== undefined || name.includes("#")) continue;
    if (spec.default !== undefined) out[name] = spec.default;
    else if (spec.required) throw optionError(where, name, expected(spec), undefined, "missing option");
  }
  return out as ParsedOptions<S>;
}

/**
 * The spec of option `name` in `specs`: its own, or that of a `#` pattern it matches
 * (`fields.price.kind` for `fields.#.kind`); undefined when the side does not take it.
 */
export function optionSpecOf(specs: OptionSpecs, name: string): OptionSpec | undefined {
  const own = specs[name];
  if (own !== undefined) return own;
  for (const [pattern, spec] of Object.entries(specs)) {
    if (!pattern.includes("#")) continue;
    const parts = pattern.split("#").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    if (new RegExp(`^${parts.join("[^.]+")}$`).test(name)) return spec;
  }
  return undefined;
}

/** A side of a connector, as errors about its options name it. */
export interface ConnectorSideName {
  /** The connector's name, e.g. "kafka". */
  readonly connector: string;
  readonly side: "source" | "sink";
}

function convert(
  spec: OptionSpec,
  name: string,
  given: PlainValue,
  where: string | ConnectorSideName,
): PlainValue {
  const fail = () => optionError(where, name, expected(spec), given);
  switch (spec.type) {
    case "string":
      if (typeof given !== "string" || (given.length === 0 && spec.allowEmpty !== true)) throw fail();
      return given;
    case "enum":
      if (typeof given !== "string" || !spec.values?.includes(given)) throw fail();
      return given;
    case "boolean":
      if (typeof given === "boolean") return given;
      if (given === "true" || given === "false") return given === "true";
      throw fail();
    case "integer":
    case "number": {
      const n =
        typeof given === "number"
          ? given
          : typeof given === "string" && given.trim() !== ""
            ? Number(given)
            : NaN;
      if (!Number.isFinite(n) || (spec.type === "integer" && !Number.isInteger(n))) throw fail();
      if (spec.min !== undefined && n < spec.min) throw fail();
      return n;
    }
  }
}

/** What an option expects, in words, for messages and listings. */
export function expected(spec: OptionSpec): string {
  const min = spec.min === undefined ? "" : ` >= ${spec.min}`;
  switch (spec.type) {
    case "string":
      return spec.allowEmpty === true ? "a string" : "a non-empty string";
    case "enum":
      return `one of ${(spec.values ?? []).map((v) => JSON.stringify(v)).join(", ")}`;
    case "boolean":
      return "true or false";
    case "integer":
      return `an integer${min}`;
    case "number":
      return `a number${min}`;
  }
}

/**
 * An unknown option: names the closest known one when it looks like a typo, and lists them all.
 * The value given is left to `details.got`: for a misspelled name it says nothing.
 */
function unknownOptionError(
  specs: OptionSpecs,
  name: string,
  given: PlainValue,
  where: string | ConnectorSideName,
): FleuveError {
  const names = Object.keys(specs).sort();
  const closest = names
    .map((known) => ({ known, distance: editDistance(name.toLowerCase(), known.toLowerCase()) }))
    .filter(({ known, distance }) => distance <= Math.max(1, Math.floor(known.length / 4)))
    .sort((a, b) => a.distance - b.distance)[0];
  const hint = closest === undefined ? "" : ` (did you mean '${closest.known}'?)`;
  const error = optionError(where, name, `one of the options ${names.join(", ")}`, given, "unknown option");
  const prefix = typeof where === "string" ? where : `connector '${where.connector}' ${where.side}`;
  return new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `${prefix}: unknown option '${name}'${hint}: the options are ${names.join(", ")}`,
    { details: { ...error.details, ...(closest ? { didYouMean: closest.known } : {}) } },
  );
}

/** Levenshtein distance, for "did you mean" hints on a handful of short names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function optionError(
  where: string | ConnectorSideName,
  option: string,
  wanted: string,
  got: PlainValue | undefined,
  what = "invalid option",
): FleuveError {
  const gotText = got === undefined ? "nothing" : JSON.stringify(got);
  const prefix = typeof where === "string" ? where : `connector '${where.connector}' ${where.side}`;
  // details.connector is the bare name, as in every other error about a connector.
  const who = typeof where === "string" ? {} : { connector: where.connector, side: where.side };
  return new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `${prefix}: ${what} '${option}': expected ${wanted}, got ${gotText}`,
    { details: { ...who, option, expected: wanted, got } },
  );
}

/**
 * The source of connector `descriptor` made from plain options, validated first (see
 * {@link parseOptions}). Throws FLEUVE_CONFIG_INVALID if the connector has no source.
 */
export function createSource(
  descriptor: ConnectorDescriptor,
  options: PlainOptions,
  context: ConnectorContext = {},
): Source<ConnectorRecord> {
  const side = descriptor.source;
  if (!side) throw noSide(descriptor, "source");
  return side.create(
    parseOptions(side.options, options, { connector: descriptor.name, side: "source" }),
    context,
  );
}

/**
 * The sink of connector `descriptor` made from plain options, validated first (see
 * {@link parseOptions}). Throws FLEUVE_CONFIG_INVALID if the connector has no sink.
 */
export function createSink(
  descriptor: ConnectorDescriptor,
  options: PlainOptions,
  context: ConnectorContext = {},
): Sink<unknown> {
  const side = descriptor.sink;
  if (!side) throw noSide(descriptor, "sink");
  return side.create(
    parseOptions(side.options, options, { connector: descriptor.name, side: "sink" }),
    context,
  );
}

/** Which changes the sink of `descriptor` takes ("insert-only" when it does not say). */
export function sinkChangelogMode(descriptor: ConnectorDescriptor): ConnectorChangelogMode {
  return descriptor.sink?.changelog ?? "insert-only";
}

/** Which changes the source of `descriptor` gives ("insert-only" when it does not say). */
export function sourceChangelogMode(descriptor: ConnectorDescriptor): ConnectorChangelogMode {
  return descriptor.source?.changelog ?? "insert-only";
}

function noSide(d: ConnectorDescriptor, side: "source" | "sink"): FleuveError {
  return new FleuveError("FLEUVE_CONFIG_INVALID", `connector '${d.name}' (${d.package}) has no ${side}`, {
    details: { connector: d.name, side },
  });
}

/** Connectors by name, from the descriptors packages export. */
export interface ConnectorRegistry {
  /** Every connector, sorted by name. */
  list(): readonly ConnectorDescriptor[];
  /** The connector called `name`; FLEUVE_CONFIG_INVALID listing the known names otherwise. */
  get(name: string): ConnectorDescriptor;
}

/**
 * A registry of the descriptors given (e.g. `connectorsOf(logConnectors, kafkaConnectors)`).
 * Two descriptors with the same name are refused.
 */
export function connectorsOf(
  ...groups: readonly (ConnectorDescriptor | readonly ConnectorDescriptor[])[]
): ConnectorRegistry {
  const byName = new Map<string, ConnectorDescriptor>();
  for (const d of groups.flat()) {
    const other = byName.get(d.name);
    if (other) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `connector '${d.name}' is defined twice (by ${other.package} and ${d.package})`,
        { details: { connector: d.name } },
      );
    }
    byName.set(d.name, d);
  }
  // Sorted when first listed: the first localeCompare of a process sets up ICU's collator (about
  // 10 ms of CPU), which every SQL environment paid at creation though a job never lists them.
  let sorted: readonly ConnectorDescriptor[] | undefined;
  const list = () => (sorted ??= [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)));
  return {
    list,
    get(name) {
      const d = byName.get(name);
      if (!d) {
        throw new FleuveError(
          "FLEUVE_CONFIG_INVALID",
          `no connector '${name}'; known: ${
            list()
              .map((c) => c.name)
              .join(", ") || "none"
          }`,
          { details: { connector: name } },
        );
      }
      return d;
    },
  };
}

/**
 * What a sink promises after a failure: "at-least-once" (the default of every Fleuve sink:
 * writes are visible at once and may repeat after a restore) or "exactly-once" (writes become
 * visible when a checkpoint completes, so an unbounded job needs checkpointing).
 */
export type DeliveryGuarantee = "at-least-once" | "exactly-once";

/**
 * Options every topic-based source descriptor takes (the embedded log's, Kafka's), under the same
 * names, types and defaults: spread them into a descriptor's source options.
 */
export const TOPIC_SOURCE_OPTIONS = {
  topic: { type: "string", required: true, doc: "The topic to read." },
  format: {
    type: "enum",
    values: ["json", "string", "bytes"],
    default: "json",
    doc: "How record values are decoded: JSON, UTF-8 text, or raw bytes. A value that does not decode goes to the job's error policy.",
  },
  bounded: {
    type: "boolean",
    default: false,
    doc: "Stop at the end offsets seen at start (kept in checkpoints, so a restored job stops at the same place); false follows the topic forever.",
  },
  startingOffsets: {
    type: "enum",
    values: ["earliest", "latest", "committed"],
    default: "earliest",
    doc: 'Where partitions start without a checkpoint; "committed" uses the group\'s offsets (earliest where it has none).',
  },
  group: {
    type: "string",
    doc: 'Consumer group to which the offsets of each completed checkpoint are committed (monitoring, "committed" starts).',
  },
  isolation: {
    type: "enum",
    values: ["read_committed", "read_uncommitted"],
    default: "read_committed",
    doc: "Whether records of open or aborted transactions are read.",
  },
  keyFormat: {
    type: "enum",
    values: ["string", "bytes"],
    default: "string",
    doc: "How record keys are decoded: UTF-8 text, or the raw bytes (a Buffer: SQL's 'key.format' decodes them).",
  },
  partitionAssignment: {
    type: "enum",
    values: ["spread", "by-index"],
    default: "spread",
    doc: "Which subtask reads which partition: spread (each topic starts at a hash-chosen subtask) or by-index (partition p to subtask p % parallelism).",
  },
} as const satisfies OptionSpecs;

/**
 * Options every topic-based sink descriptor takes (the embedded log's, Kafka's), under the same
 * names, types and defaults: spread them into a descriptor's sink options.
 */
export const TOPIC_SINK_OPTIONS = {
  topic: { type: "string", required: true, doc: "The topic to write (it must exist)." },
  format: {
    type: "enum",
    values: ["json", "string", "bytes"],
    default: "json",
    doc: "How values become record bytes: JSON, their text (String(value)), or the bytes themselves (a Buffer, as an encoding of the caller's gives them: SQL's registry formats).",
  },
  keyField: {
    type: "string",
    doc: "The field of each value whose text is the record key (which decides the partition); no key without it.",
  },
  keyed: {
    type: "boolean",
    default: false,
    doc: "Each value is a { key, value } pair (KeyedValue): key (text, a Buffer or null) is the record key as it is, value is written by format. For callers that encode keys themselves (SQL's 'key.format'); not with keyField.",
  },
  deliveryGuarantee: {
    type: "enum",
    values: ["at-least-once", "exactly-once"],
    default: "at-least-once",
    doc: "at-least-once: visible at once, may repeat after a restore. exactly-once: transactions committed when checkpoints complete (an unbounded job needs checkpointing).",
  },
  transactionalIdPrefix: {
    type: "string",
    doc: "Prefix of the sink's transactional ids (exactly-once), unique per sink and job.",
  },
} as const satisfies OptionSpecs;

// An upsert table's values: JSON rows, or bytes that SQL's registry formats decode and encode.
const UPSERT_FORMAT = {
  type: "enum",
  values: ["json", "bytes"],
  default: "json",
  doc: "How record values are held: JSON rows, or bytes a caller decodes and encodes itself (SQL's registry formats; a Buffer per change).",
} as const satisfies OptionSpecs[string];

/**
 * Options of an upsert source (upsert-log, upsert-kafka): the topic options, `format` only json
 * or bytes (values are rows, keys the JSON of the primary key).
 */
export const UPSERT_SOURCE_OPTIONS = {
  ...(({ format: _format, ...rest }) => rest)(TOPIC_SOURCE_OPTIONS),
  format: UPSERT_FORMAT,
};

/**
 * Options of an upsert sink (upsert-log, upsert-kafka): the topic options without `keyField` and
 * `keyed` (the key is the change's primary key), `format` only json or bytes.
 */
export const UPSERT_SINK_OPTIONS = {
  ...(({ format: _format, keyField: _keyField, keyed: _keyed, ...rest }) => rest)(TOPIC_SINK_OPTIONS),
  format: UPSERT_FORMAT,
};

/**
 * The value encoder and key extractor of a descriptor sink, from its `format`, `keyField` and
 * `keyed` options (see {@link TOPIC_SINK_OPTIONS}). With `keyed`, each value is a
 * {@link KeyedValue}: its `key` is the record key and its `value` is encoded by `format`.
 */
export function plainRecordEncoding(options: {
  readonly format: "json" | "string" | "bytes";
  readonly keyField?: string;
  readonly keyed?: boolean;
}): {
  value: (v: unknown) => Buffer | string | null;
  key: ((v: unknown) => Buffer | string | null) | undefined;
} {
  if (options.keyed === true) {
    if (options.keyField !== undefined)
      throw new FleuveError("FLEUVE_CONFIG_INVALID", "give option 'keyField' or 'keyed', not both", {
        details: { option: "keyed" },
      });
    const inner = plainRecordEncoding({ format: options.format });
    const pair = (v: unknown): KeyedValue => {
      if (v !== null && typeof v === "object" && "key" in v && "value" in v) return v as KeyedValue;
      throw new SinkRecordError(
        `option "keyed" takes { key, value } pairs, got ${v === null ? "null" : typeof v}`,
      );
    };
    return { value: (v) => inner.value(pair(v).value), key: (v) => pair(v).key };
  }
  const value =
    options.format === "json"
      ? jsonText
      : options.format === "bytes"
        ? (v: unknown) => {
            // null: a record without a value (SQL's raw format writes a NULL so).
            if (Buffer.isBuffer(v) || v === null) return v;
            throw new SinkRecordError(`format "bytes" takes a Buffer or null, got ${typeof v}`);
          }
        : (v: unknown) => String(v);
  const field = options.keyField;
  const key =
    field === undefined
      ? undefined
      : (v: unknown) => {
          const k = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[field] : undefined;
          return k === undefined || k === null ? null : String(k);
        };
  return { value, key };
}

/**
 * The record encoding of an upsert sink (Flink's upsert-kafka): the key is the change's `key` (the
 * primary key's text, or bytes a caller encoded), the value the row as JSON (with `format` "bytes", the change's value itself, a Buffer
 * its caller encoded), and a delete (`-D`) a tombstone (null value). A `-U` never reaches an
 * upsert sink (the planner drops it), so it is written like a `+U`.
 */
export function upsertRecordEncoding(options: { readonly format?: "json" | "bytes" } = {}): {
  value: (c: unknown) => Buffer | string | null;
  key: (c: unknown) => Buffer | string | null;
} {
  const bytes = options.format === "bytes";
  return {
    value: (c) => {
      const change = c as Change;
      if (change.kind === "-D") return null;
      if (!bytes) return jsonText(change.value);
      if (Buffer.isBuffer(change.value) || change.value === null) return change.value;
      throw new SinkRecordError(
        `format "bytes" takes a Buffer as a change's value, got ${typeof change.value}`,
      );
    },
    key: (c) => (c as Change).key ?? null,
  };
}
