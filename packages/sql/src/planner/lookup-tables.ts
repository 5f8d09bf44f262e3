/**
 * Lookup tables: the connectors a lookup join reads by key (they are not scanned as streams).
 *
 * - `'connector' = 'redis'`: a row per key is a Redis hash at `<key-prefix><key values joined by
 *   ':'>`, whose fields are the table's columns (HGETALL; no hash: no row). Options: `url`
 *   (default `redis://127.0.0.1:6379`), `key-prefix` (default empty).
 * - `'connector' = 'jdbc'`: a PostgreSQL table (Flink's JDBC connector options): `url`
 *   (`jdbc:postgresql://host:port/db` or `postgres://...`), `table-name`, `username`, `password`;
 *   rows are `SELECT <columns> FROM <table-name> WHERE <key columns> = <values>`.
 *
 * Both take Flink's cache options: `lookup.cache` = `PARTIAL` (default `NONE`),
 * `lookup.partial-cache.expire-after-write` (a duration: `10 s`, `1 min`...) and
 * `lookup.partial-cache.max-rows` (default 10000).
 *
 * - `'connector' = 'filesystem'` (or Flink's legacy `'connector.type' = 'filesystem'`, see
 *   legacy-options.ts): csv or json files, with the filesystem connector's options (@fleuve/core).
 *   Each subtask of the join reads every row into memory when it starts and looks keys up there,
 *   at once, never again reading the files: what Flink's CsvTableSource does as a lookup source
 *   (its CsvLookupFunction), which is how Flink runs Nexmark q13. Flink's 'connector' =
 *   'filesystem' table is scan-only and refuses the join; it has no lookup cache options, so
 *   neither has this.
 */

import {
  type ConnectorField,
  FILESYSTEM_SINK_OPTIONS,
  FILESYSTEM_SOURCE_OPTIONS,
  type FileTable,
  FleuveError,
  filesystemTable,
  parseOptions,
} from "@fleuve/core";
import type pg from "pg";
import type { TableDefinition } from "../catalog.js";
import type { DataType } from "../parser/ast.js";
import { printType } from "../parser/printer.js";
import type { LookupClient } from "../runtime/lookup-join.js";
import { tableOptions } from "./legacy-options.js";
import type { Convert } from "./nested-converter.js";
import { invalid } from "./problems.js";
import { PARTITION_COMMIT, tableOptionError } from "./scan.js";
import { externalConverter, fieldReader, type Row, setColumn } from "./values.js";

/** The connectors a lookup join can read. */
export const LOOKUP_CONNECTORS: ReadonlySet<string> = new Set(["redis", "jdbc", "filesystem"]);

const COMMON = [
  "connector",
  "lookup.cache",
  "lookup.partial-cache.expire-after-write",
  "lookup.partial-cache.max-rows",
];
const OPTIONS: Record<string, readonly string[]> = {
  redis: [...COMMON, "url", "key-prefix"],
  jdbc: [...COMMON, "url", "table-name", "username", "password"],
};

/** A lookup table as the join uses it. */
export interface LookupTable {
  readonly connector: string;
  /** A client over the physical columns, looking up by `keyColumns`. */
  client(keyColumns: readonly string[]): LookupClient;
  readonly cacheTtlMs: number | undefined;
  readonly cacheMaxRows: number;
}

/** The lookup connector of `def`, or undefined when it is not one. */
export function lookupConnectorOf(def: TableDefinition): string | undefined {
  const c = tableOptions(def).find((o) => o.key === "connector")?.value;
  return c !== undefined && LOOKUP_CONNECTORS.has(c) ? c : undefined;
}

/** The lookup table `def` describes; FLEUVE_SQL_VALIDATION naming a bad option. */
export function lookupTable(def: TableDefinition): LookupTable {
  const name = def.name.parts.join(".");
  const options = new Map(tableOptions(def).map((o) => [o.key, o.value]));
  const connector = options.get("connector") as string;
  if (connector === "filesystem") return filesystemLookupTable(def, options);
  const known = OPTIONS[connector] as readonly string[];
  for (const k of options.keys()) {
    if (!known.includes(k))
      throw invalid(
        `table ${name}: the '${connector}' lookup connector has no option '${k}'; it has ${known.join(", ")}`,
        def.pos,
        {
          table: name,
          option: k,
        },
      );
  }
  const columns = def.columns.flatMap((c) => (c.kind === "physical" ? [{ name: c.name, type: c.type }] : []));
  const cache = (options.get("lookup.cache") ?? "NONE").toUpperCase();
  if (cache !== "NONE" && cache !== "PARTIAL")
    throw invalid(`table ${name}: 'lookup.cache' is NONE or PARTIAL, got '${cache}'`, def.pos, {
      table: name,
      option: "lookup.cache",
    });
  const ttlText = options.get("lookup.partial-cache.expire-after-write");
  const cacheTtlMs =
    cache === "PARTIAL"
      ? ttlText === undefined
        ? Number.POSITIVE_INFINITY
        : duration(ttlText, name)
      : undefined;
  const maxText = options.get("lookup.partial-cache.max-rows") ?? "10000";
  const cacheMaxRows = Number(maxText);
  if (!Number.isInteger(cacheMaxRows) || cacheMaxRows < 1)
    throw invalid(
      `table ${name}: 'lookup.partial-cache.max-rows' must be an integer >= 1, got '${maxText}'`,
      def.pos,
      {
        table: name,
      },
    );
  const readers = columns.map((c) => ({
    name: c.name,
    read: fieldReader(c.name),
    convert: externalConverter(c.type),
  }));
  const convert = (raw: Record<string, unknown>): Row => {
    const row: Row = {};
    for (const c of readers) setColumn(row, c.name, c.convert(c.read(raw)));
    return row;
  };
  if (connector === "redis") {
    const url = options.get("url") ?? "redis://127.0.0.1:6379";
    const prefix = options.get("key-prefix") ?? "";
    return {
      connector,
      cacheTtlMs,
      cacheMaxRows,
      client: () => redisClient(url, prefix, convert),
    };
  }
  const table = options.get("table-name");
  if (table === undefined)
    throw invalid(`table ${name}: the 'jdbc' connector needs 'table-name'`, def.pos, { table: name });
  const url = (options.get("url") ?? "").replace(/^jdbc:postgresql:/, "postgres:");
  if (!/^postgres(ql)?:\/\//.test(url))
    throw invalid(
      `table ${name}: 'url' must be jdbc:postgresql://host:port/db (PostgreSQL), got '${options.get("url") ?? ""}'`,
      def.pos,
      {
        table: name,
        option: "url",
      },
    );
  return {
    connector,
    cacheTtlMs,
    cacheMaxRows,
    client: (keyColumns) =>
      postgresClient(
        { connectionString: withCredentials(url, options.get("username"), options.get("password")) },
        table,
        columns,
        keyColumns,
        convert,
      ),
  };
}

/** A `filesystem` table as a lookup table: its rows in memory (see the file's comment). */
function filesystemLookupTable(def: TableDefinition, options: ReadonlyMap<string, string>): LookupTable {
  const name = def.name.parts.join(".");
  const plain: Record<string, string> = {};
  for (const [k, v] of options) {
    // The sink's options (a table both written and joined) are not the lookup's concern.
    if (
      k === "connector" ||
      (k in FILESYSTEM_SINK_OPTIONS && !(k in FILESYSTEM_SOURCE_OPTIONS)) ||
      k.startsWith(PARTITION_COMMIT)
    )
      continue;
    if (k.startsWith("lookup."))
      throw invalid(
        `table ${name}: the 'filesystem' lookup table reads its files into memory when the join starts (as Flink's CsvTableSource); it has no option '${k}'`,
        def.pos,
        { table: name, option: k },
      );
    plain[k] = v;
  }
  const columns = def.columns.flatMap((c) => (c.kind === "physical" ? [{ name: c.name, type: c.type }] : []));
  const schema: ConnectorField[] = columns.map((c) => ({ name: c.name, type: printType(c.type) }));
  let files: FileTable;
  try {
    const parsed = parseOptions(FILESYSTEM_SOURCE_OPTIONS, plain, {
      connector: "filesystem",
      side: "source",
    });
    files = filesystemTable(parsed, { schema, partitionKeys: def.partitionedBy });
  } catch (e) {
    throw tableOptionError(def, name, e, def.pos);
  }
  return {
    connector: "filesystem",
    cacheTtlMs: undefined,
    cacheMaxRows: 1,
    client: (keyColumns) => fileLookupClient(name, files, columns, keyColumns),
  };
}

/**
 * Every row of `files`, by the JSON of its `keyColumns` values (a row with a NULL key is never
 * found, as NULL equals nothing). A record that does not parse fails the join, naming its file
 * and line (unless the format ignores parse errors).
 */
function fileLookupClient(
  table: string,
  files: FileTable,
  columns: readonly { name: string; type: DataType }[],
  keyColumns: readonly string[],
): LookupClient {
  const byKey = new Map<string, Row[]>();
  const keyConverters = keyColumns.map((k) =>
    externalConverter(columns.find((c) => c.name === k)?.type as DataType),
  );
  const converters = columns.map((c) => ({ name: c.name, convert: externalConverter(c.type) }));
  for (const file of files.files) {
    for (const r of files.records(file)) {
      if ("error" in r)
        throw new FleuveError(
          "FLEUVE_SOURCE_FAILED",
          `lookup table ${table}: ${file}, line ${r.line}: ${r.error}`,
          { details: { table, file, line: r.line } },
        );
      const row: Row = {};
      for (const c of converters) row[c.name] = c.convert(r.row[c.name]);
      const key = keyColumns.map((k) => row[k] ?? null);
      if (key.some((v) => v === null)) continue;
      const text = JSON.stringify(key);
      const rows = byKey.get(text);
      if (rows === undefined) byKey.set(text, [row]);
      else rows.push(row);
    }
  }
  // The left side's key values, as values of the key columns' types (an INT 5 finds a BIGINT 5).
  const find = (key: readonly unknown[]): Row[] =>
    byKey.get(JSON.stringify(key.map((v, i) => (keyConverters[i] as Convert)(v)))) ?? [];
  return {
    lookupNow: find,
    lookup: async (keys) => keys.map(find),
    close: async () => {},
  };
}

/** Flink's durations: `10 s`, `500 ms`, `1 min`, `2 h`, `1 d` (a bare number is ms). */
function duration(text: string, table: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|min|m|h|d)?\s*$/i.exec(text);
  if (m === null)
    throw invalid(
      `table ${table}: 'lookup.partial-cache.expire-after-write' is a duration like '10 s', got '${text}'`,
      undefined,
      {
        table,
      },
    );
  const unit = (m[2] ?? "ms").toLowerCase();
  const factor: Record<string, number> = {
    ms: 1,
    s: 1000,
    sec: 1000,
    min: 60_000,
    m: 60_000,
    h: 3_600_000,
    d: 86_400_000,
  };
  return Number(m[1]) * (factor[unit] as number);
}

/** `url` with the user and password of the options (pg reads them from the connection string). */
function withCredentials(url: string, user: string | undefined, password: string | undefined): string {
  const u = new URL(url);
  if (user !== undefined) u.username = encodeURIComponent(user);
  if (password !== undefined) u.password = encodeURIComponent(password);
  return u.toString();
}

function keyText(values: readonly unknown[]): string {
  return values.map((v) => String(v)).join(":");
}

/**
 * A database client being made: its driver (ioredis, pg) is imported on first use rather than
 * with @fleuve/sql, whose import every SQL job pays (the two cost about 0.1 s of CPU together).
 * A failed import surfaces at the first lookup, not as an unhandled rejection before it.
 */
function driver<C>(client: Promise<C>): Promise<C> {
  client.catch(() => {});
  return client;
}

function redisClient(
  url: string,
  prefix: string,
  convert: (raw: Record<string, unknown>) => Row,
): LookupClient {
  // The driver is imported when a job opens the join, not with @fleuve/sql (see driver()).
  const connected = driver(
    import("ioredis").then((m) => new m.Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 })),
  );
  return {
    async lookup(keys) {
      const redis = await connected;
      const pipeline = redis.pipeline();
      for (const k of keys) pipeline.hgetall(`${prefix}${keyText(k)}`);
      const results = (await pipeline.exec()) ?? [];
      return results.map(([err, value]) => {
        if (err) throw err;
        const hash = value as Record<string, string>;
        return Object.keys(hash).length === 0 ? [] : [convert(hash)];
      });
    },
    async close() {
      (await connected).disconnect();
    },
  };
}

function postgresClient(
  config: pg.PoolConfig,
  table: string,
  columns: readonly { name: string; type: DataType }[],
  keyColumns: readonly string[],
  convert: (raw: Record<string, unknown>) => Row,
): LookupClient {
  // pg reads DATE and TIMESTAMP (without time zone) into a Date in the process's time zone;
  // Flink's JDBC connector reads their wall-clock value, so they are kept as text here and read
  // as the column's type (a TIMESTAMPTZ stays a Date: an instant).
  const connected = driver(
    import("pg").then((m) => {
      const wallClock = new Set([m.default.types.builtins.DATE, m.default.types.builtins.TIMESTAMP]);
      const types = {
        getTypeParser: ((oid: number, format?: "text" | "binary") =>
          wallClock.has(oid) ? (v: string) => v : m.default.types.getTypeParser(oid, format)) as never,
      };
      return { pool: new m.default.Pool({ ...config, max: 4 }), types };
    }),
  );
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const text = `SELECT ${columns.map((c) => q(c.name)).join(", ")} FROM ${table
    .split(".")
    .map(q)
    .join(".")} WHERE ${keyColumns.map((k, i) => `${q(k)} = $${i + 1}`).join(" AND ")}`;
  return {
    async lookup(keys) {
      return Promise.all(
        keys.map(async (k) => {
          const { pool, types } = await connected;
          const res = await pool.query({ text, values: k as unknown[], types });
          return res.rows.map((r: Record<string, unknown>) => convert(r));
        }),
      );
    },
    async close() {
      await (await connected).pool.end();
    },
  };
}
