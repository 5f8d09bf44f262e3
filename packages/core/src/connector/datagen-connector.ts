/**
 * Flink's `datagen` connector as a descriptor: rows generated from the table's columns (the
 * schema comes from the SQL `CREATE TABLE`, in the {@link ConnectorContext}), with Flink's options:
 * `rows-per-second`, `number-of-rows`, and per field `fields.<name>.kind` (`random` or
 * `sequence`), `min`/`max` (random numbers), `length` (random strings), `max-past` (random
 * timestamps, before now), `start`/`end` (sequences; the source ends with its shortest sequence)
 * and `null-rate`. Random values are a function of the row's index and the field, so a restored
 * job generates the same rows again (Flink's are not reproducible).
 */
import { FleuveError } from "../errors.js";
import {
  type ConnectorContext,
  type ConnectorField,
  type ConnectorRecord,
  defineConnector,
  type ParsedOptions,
  type PlainValue,
} from "./descriptor.js";
import { GeneratorSource, type Source } from "./source.js";

const OPTIONS = {
  "rows-per-second": {
    type: "number",
    default: 10_000,
    min: 0,
    doc: "Rows per second over all subtasks (0: as fast as possible).",
  },
  "number-of-rows": { type: "integer", min: 0, doc: "Rows in total; unbounded without it (or a sequence)." },
  "fields.#.kind": {
    type: "enum",
    values: ["random", "sequence"],
    doc: "How the field's values are made: random (default) or a sequence from start to end.",
  },
  "fields.#.min": { type: "number", doc: "Random numbers: the smallest value (default the type's)." },
  "fields.#.max": { type: "number", doc: "Random numbers: the largest value (default the type's)." },
  "fields.#.length": { type: "integer", min: 0, doc: "Random strings: their length (default 100)." },
  "fields.#.max-past": {
    type: "integer",
    min: 0,
    doc: "Random timestamps: how far before now, in milliseconds, at most (default 0: now).",
  },
  "fields.#.start": { type: "number", doc: "Sequences: the first value (required)." },
  "fields.#.end": { type: "number", doc: "Sequences: the last value (required)." },
  "fields.#.null-rate": { type: "number", min: 0, doc: "The share of NULL values, 0 to 1 (default 0)." },
} as const;

/** Integer ranges of SQL's integer types (BIGINT within JavaScript's safe integers). */
const INT_RANGES: Record<string, [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
  INTEGER: [-2147483648, 2147483647],
  BIGINT: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** A pseudo-random number in [0, 1) from two integers (splitmix32 of their mix). */
function random01(index: number, salt: number): number {
  let z = (Math.imul(index, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
  return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
}

type Generate = (index: number) => unknown;

function fail(field: string, message: string): FleuveError {
  return new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `connector 'datagen' source: field '${field}': ${message}`,
    {
      details: { connector: "datagen", side: "source", field },
    },
  );
}

/** The generator of one field, and the length of its sequence (Infinity when random). */
function fieldGenerator(
  f: ConnectorField,
  salt: number,
  opt: (name: string) => PlainValue | undefined,
): { generate: Generate; length: number } {
  const base = (/^[A-Za-z_]+/.exec(f.type.trim())?.[0] ?? "").toUpperCase();
  const kind = (opt("kind") as string | undefined) ?? "random";
  const nullRate = (opt("null-rate") as number | undefined) ?? 0;
  const withNulls = (g: Generate): Generate =>
    nullRate <= 0 ? g : (i) => (random01(i, salt + 7919) < nullRate ? null : g(i));
  const intRange = INT_RANGES[base];
  const numeric = intRange !== undefined || ["FLOAT", "DOUBLE", "DECIMAL", "NUMERIC"].includes(base);
  if (kind === "sequence") {
    const start = opt("start") as number | undefined;
    const end = opt("end") as number | undefined;
    if (start === undefined || end === undefined)
      throw fail(f.name, "a sequence needs 'fields.<name>.start' and 'fields.<name>.end'");
    if (end < start) throw fail(f.name, `the sequence's end ${end} is before its start ${start}`);
    const length = Math.floor(end - start) + 1;
    if (numeric) return { generate: withNulls((i) => start + i), length };
    if (["STRING", "VARCHAR", "CHAR"].includes(base))
      return { generate: withNulls((i) => String(start + i)), length };
    throw fail(f.name, `a sequence of ${f.type} is not supported (numbers and strings are)`);
  }
  if (numeric) {
    const [lo, hi] = intRange ?? [-Number.MAX_VALUE / 2, Number.MAX_VALUE / 2];
    const min = (opt("min") as number | undefined) ?? lo;
    const max = (opt("max") as number | undefined) ?? hi;
    if (max < min) throw fail(f.name, `max ${max} is below min ${min}`);
    const g: Generate =
      intRange !== undefined
        ? (i) => Math.floor(min + random01(i, salt) * (Math.floor(max) - Math.ceil(min) + 1))
        : (i) => min + random01(i, salt) * (max - min);
    return { generate: withNulls(g), length: Number.POSITIVE_INFINITY };
  }
  if (["STRING", "VARCHAR", "CHAR"].includes(base)) {
    const length = (opt("length") as number | undefined) ?? 100;
    const g: Generate = (i) => {
      let s = "";
      for (let c = 0; c < length; c++) s += Math.floor(random01(i, salt * 1031 + c) * 16).toString(16);
      return s;
    };
    return { generate: withNulls(g), length: Number.POSITIVE_INFINITY };
  }
  if (base === "BOOLEAN")
    return { generate: withNulls((i) => random01(i, salt) < 0.5), length: Number.POSITIVE_INFINITY };
  if (base.startsWith("TIMESTAMP")) {
    const past = (opt("max-past") as number | undefined) ?? 0;
    return {
      generate: withNulls((i) => Date.now() - Math.floor(random01(i, salt) * past)),
      length: Number.POSITIVE_INFINITY,
    };
  }
  throw fail(
    f.name,
    `type ${f.type} is not supported by datagen here (numbers, strings, BOOLEAN, TIMESTAMP are)`,
  );
}

/** Makes the datagen source for `schema`. */
function datagenSource(o: ParsedOptions<typeof OPTIONS>, context: ConnectorContext): Source<ConnectorRecord> {
  const schema = context.schema;
  if (schema === undefined || schema.length === 0) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      "connector 'datagen' source: it generates the columns of a table; declare them in a SQL CREATE TABLE",
      { details: { connector: "datagen" } },
    );
  }
  const all = o as unknown as Record<string, PlainValue | undefined>;
  for (const name of Object.keys(all)) {
    const m = /^fields\.([^.]+)\./.exec(name);
    if (m !== null && !schema.some((f) => f.name === m[1]))
      throw fail(
        m[1] as string,
        `option '${name}' names no column; the columns are ${schema.map((f) => f.name).join(", ")}`,
      );
  }
  const fields = schema.map((f, i) => ({
    name: f.name,
    ...fieldGenerator(f, i, (opt) => all[`fields.${f.name}.${opt}`]),
  }));
  const count = Math.min(o["number-of-rows"] ?? Number.POSITIVE_INFINITY, ...fields.map((f) => f.length));
  const rate = o["rows-per-second"];
  return new GeneratorSource<ConnectorRecord>(
    (index) => {
      const value: Record<string, unknown> = {};
      for (const f of fields) value[f.name] = f.generate(index);
      return {
        topic: "datagen",
        partition: 0,
        offset: index,
        timestamp: Date.now(),
        key: null,
        value,
        headers: {},
      };
    },
    rate > 0 ? { count, ratePerSecond: rate } : { count },
  );
}

/** The "datagen" connector: generated rows for a SQL table (Flink's datagen). */
export const datagenConnector = defineConnector({
  name: "datagen",
  package: "@fleuve/core",
  description: "Generated rows for the columns of a SQL table (Flink's datagen): random values or sequences.",
  source: {
    description: "Generates rows at rows-per-second, number-of-rows of them or without end.",
    options: OPTIONS,
    create: datagenSource,
  },
});
