/**
 * `sql(env)`: Flink's TableEnvironment for Fleuve. `executeSql` runs DDL at once (CREATE TABLE,
 * CREATE VIEW, DROP, SHOW TABLES, DESCRIBE, SET) and plans queries and INSERT INTO onto the
 * DataStream API of `env`; `sqlQuery` plans a query into a {@link Table} whose stream can be
 * used with the DataStream API.
 */

import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  builtinConnectors,
  type Change,
  type ConnectorChangelogMode,
  type ConnectorDescriptor,
  type ConnectorRegistry,
  connectorsOf,
  createSink,
  type DataStream,
  type GraphNode,
  isFleuveError,
  type KeyedValue,
  type StreamExecutionEnvironment,
  sinkChangelogMode,
} from "@fleuve/core";
import { Catalog, type TableDefinition } from "./catalog.js";
import { sinkSubject } from "./formats/registry-format.js";
import {
  formatEncoder,
  formatValues,
  jsonRowObjects,
  keyEncoder,
  loadRegistryCodecs,
  namesRegistryFormat,
  plainKeyEncoder,
  requireBytes,
  requireKeys,
  type TableLayout,
  tableLayout,
  valueEncoder,
} from "./formats/table-format.js";
import {
  FunctionCatalog,
  type RegisteredFunction,
  registerFunction,
  type UserFunction,
} from "./functions.js";
import { nexmarkConnector } from "./nexmark/connector.js";
import type {
  DataType,
  HintText,
  InsertStatement,
  QualifiedName,
  Query,
  ShowLike,
  SourcePos,
  Statement,
} from "./parser/ast.js";
import { parseQuery, parseScript, parseStatement } from "./parser/parse.js";
import { printName, printType } from "./parser/printer.js";
import { alteredTable } from "./planner/alter-table.js";
import {
  DEFAULT_CATALOG,
  DEFAULT_DATABASE,
  describeRows,
  filterLike,
  insertJobName,
  localName,
  serializableIdentifier,
  showCreateTable,
  showCreateView,
  showPartitions,
  summaryIdentifier,
  unknownCatalog,
  unknownDatabase,
  unknownTableOrView,
} from "./planner/catalog-statements.js";
import {
  type ChangelogMode,
  describeMode,
  isInsertOnly,
  requestUpdateAfterOnly,
  rowKind,
} from "./planner/changelog.js";
import { castConversion } from "./planner/compile-expression.js";
import { tableAsSelect } from "./planner/create-table-as.js";
import { tableLike } from "./planner/create-table-like.js";
import { explainStatement, scanAll, scratchEnvironment } from "./planner/explain.js";
import { checkHintNames, withHintedOptions } from "./planner/hints.js";
import { JSON_FUNCTIONS } from "./planner/json-functions.js";
import { LOOKUP_CONNECTORS } from "./planner/lookup-tables.js";
import { type PlanContext, planQuery } from "./planner/plan-query.js";
import { invalid, unsupported, withPosition } from "./planner/problems.js";
import { type Column, type Relation, rowtimeColumns, sqlNameOf } from "./planner/relation.js";
import { renamer } from "./planner/row-builders.js";
import { AGGREGATE_FUNCTIONS, CLOCK_FUNCTIONS, SCALAR_FUNCTIONS } from "./planner/scalar-functions.js";
import {
  checkWatermarkColumn,
  connectorOptions,
  planStreamTable,
  sideOptions,
  tableOptionError,
} from "./planner/scan.js";
import { stateTtlMs } from "./planner/settings.js";
import {
  castsImplicitly,
  sameType as sameSinkType,
  sinkTypesMismatch,
  withConversions,
} from "./planner/sink-types.js";
import { assignStateIds } from "./planner/state-ids.js";
import { HIDDEN_PREFIX } from "./planner/subqueries.js";
import {
  cannotFindSink,
  localizeInsert,
  localizeQuery,
  localizeStatement,
  summaryPath,
} from "./planner/table-names.js";
import { withFunctions } from "./planner/user-functions.js";
import { flinkText, type Row, setColumn } from "./planner/values.js";
import { LOCAL_TIME_ZONE, parseZone, withZone } from "./planner/zone.js";

export type { Row } from "./planner/values.js";

/** Options of {@link sql}. */
export interface SqlOptions {
  /**
   * The connectors `WITH ('connector' = ...)` may name: a registry (`connectorsOf(...)`) or the
   * descriptors themselves (e.g. `@fleuve/log`'s `connectors`). Core's (`file`, `filesystem`,
   * `print`, `blackhole`, `datagen`) are always added, unless one given has the same name.
   */
  readonly connectors?: ConnectorRegistry | readonly ConnectorDescriptor[];
  /**
   * The folder relative module paths of `CREATE FUNCTION ... AS 'path#export'` are resolved
   * from (default: the working directory).
   */
  readonly baseDir?: string;
  /**
   * Functions `CREATE FUNCTION name AS 'identifier'` binds by its identifier instead of importing
   * a module: a Flink script naming a Java class runs unchanged when the class name is bound here
   * (Nexmark q14: `{ "com.github.nexmark.flink.udf.CountChar": countChar }`).
   */
  readonly functionIdentifiers?: Readonly<Record<string, UserFunction>>;
}

/** A planned query: its columns and its stream of rows. */
export interface Table {
  /** The result's column names and types (types when known). */
  readonly columns: readonly Column[];
  /**
   * Whether the query only inserts rows or also updates them (`+I`, `-U`, `+U`, `-D`), and which
   * operator produces the updates.
   */
  readonly changelogMode: ChangelogMode;
  /**
   * The rows as a DataStream of `{ column: value }` objects, to continue with the DataStream API.
   * The rows of an updating query carry their kind: `rowKind(row)`.
   */
  toDataStream(): DataStream<Row>;
}

/** What `executeSql` returns (Flink's TableResult). */
export interface TableResult {
  /** "SUCCESS" for DDL and SET; "SUCCESS_WITH_CONTENT" for queries, SHOW, DESCRIBE; "JOB" for INSERT. */
  readonly kind: "SUCCESS" | "SUCCESS_WITH_CONTENT" | "JOB";
  /** The column names of the rows. */
  readonly columns: readonly string[];
  /** For a query: whether its rows only insert or also update (see {@link Table.changelogMode}). */
  readonly changelogMode?: ChangelogMode;
  /**
   * The rows: at once for SHOW and DESCRIBE; for a query, runs the job to the end of its input and
   * returns every row (bounded sources only: an unbounded one never ends). An updating query
   * returns its changelog: each row's kind is `rowKind(row)`, and `materialize(rows)` is the
   * final table.
   */
  collect(): Promise<Row[]>;
  /** Runs the job of an INSERT INTO to the end of its input (nothing to run for other statements). */
  await(): Promise<void>;
}

/** Where an INSERT writes: a table and its columns (all, in order, when none are listed). */
interface SinkTarget {
  readonly table: QualifiedName;
  readonly columns: readonly string[];
  readonly pos?: SourcePos;
  /** The table hint after the table's name (`INSERT INTO t /*+ OPTIONS(...) *\/`). */
  readonly hint?: HintText;
}

/**
 * Flink's StatementSet: INSERTs added one by one and run together as one job, which reads a
 * table several of them read once (see {@link SqlEnvironment.createStatementSet}).
 */
export interface StatementSet {
  /**
   * Adds one `INSERT INTO ...` statement: parsed now, planned by {@link execute}.
   * @throws FleuveError FLEUVE_SQL_SYNTAX, or FLEUVE_SQL_VALIDATION when it is not an INSERT.
   */
  addInsertSql(statement: string): StatementSet;
  /**
   * Adds the insert of `table` (a Table of this environment's `sqlQuery`) into the table named
   * `targetPath`, its columns by position (Flink's `addInsert(targetPath, table)`).
   */
  addInsert(targetPath: string, table: Table): StatementSet;
  /** The EXPLAIN text of the set's INSERTs (those added by addInsertSql). */
  explain(): string;
  /**
   * Plans the INSERTs onto the environment as one job and empties the set; the result's
   * `await()` runs that job to the end of its input.
   * @throws FleuveError FLEUVE_SQL_VALIDATION when the set is empty or an INSERT cannot be planned.
   */
  execute(): Promise<TableResult>;
}

/** A SQL environment over a stream execution environment. */
export interface SqlEnvironment {
  /**
   * Runs one statement (a trailing `;` allowed; several statements: {@link executeScript}).
   * @throws FleuveError FLEUVE_SQL_SYNTAX, FLEUVE_SQL_VALIDATION or FLEUVE_SQL_UNSUPPORTED.
   */
  executeSql(sql: string): Promise<TableResult>;
  /** Runs statements separated by `;` in order; returns the result of each. */
  executeScript(sql: string): Promise<TableResult[]>;
  /** Runs one statement already parsed (by `parseScript`: its errors then point into that text). */
  executeStatement(statement: Statement): Promise<TableResult>;
  /** Plans a query (its text, or a query already parsed) without running it. */
  sqlQuery(sql: string | Query): Table;
  /**
   * A statement set: INSERTs that run as one job (Flink's `createStatementSet()`; in SQL,
   * `EXECUTE STATEMENT SET BEGIN ... END`).
   */
  createStatementSet(): StatementSet;
  /**
   * Registers a user-defined function under `name` (Flink's createTemporarySystemFunction): a
   * plain function (a scalar function), or a definition from `scalarFunction`, `tableFunction`
   * or `aggregateFunction`. SQL then calls it by name, in any case; `DROP FUNCTION` removes it.
   * @throws FleuveError FLEUVE_SQL_VALIDATION when the name is taken or the definition is not valid.
   */
  createFunction(name: string, fn: UserFunction): void;
  /**
   * Registers a DataStream as a table (Flink's `createTemporaryView(name, fromDataStream(stream,
   * schema))`). `schema` is the column list of a CREATE TABLE, physical columns only, e.g.
   * `"id BIGINT, name STRING, ts TIMESTAMP_LTZ(3), WATERMARK FOR ts AS SOURCE_WATERMARK()"`.
   * The records are the rows as they are: objects holding each column's value under its name, in
   * SQL's representation (numbers, strings, booleans, null; timestamps as epoch milliseconds);
   * other fields are ignored. `WATERMARK FOR ts AS SOURCE_WATERMARK()` makes `ts` the event-time
   * attribute with the stream's own timestamps and watermarks (which must then be `ts`'s values);
   * `WATERMARK FOR ts AS ts - INTERVAL ...` assigns new ones, as for a CREATE TABLE.
   * @throws FleuveError FLEUVE_SQL_SYNTAX (schema), FLEUVE_SQL_VALIDATION (name taken, bad
   * WATERMARK, the `toDataStream()` of an updating Table: inserts only, as Flink's
   * fromDataStream), FLEUVE_SQL_UNSUPPORTED (computed or metadata columns).
   */
  createTemporaryView<T extends object>(name: string, stream: DataStream<T>, schema: string): void;
  /** Settings made by SET 'key' = 'value'. */
  readonly settings: ReadonlyMap<string, string>;
}

/**
 * The connector registry of a SQL environment given `given` ({@link SqlOptions.connectors}): those,
 * and core's (file, filesystem, print, blackhole, datagen) as Flink's built-in ones, and `nexmark`
 * (Nexmark's table source, nexmark/connector.ts), unless one given has the same name.
 */
function sqlConnectors(given: SqlOptions["connectors"]): ConnectorRegistry {
  const listed: readonly ConnectorDescriptor[] =
    given === undefined
      ? []
      : Array.isArray(given)
        ? (given as ConnectorDescriptor[])
        : (given as ConnectorRegistry).list();
  return connectorsOf(
    listed,
    [...builtinConnectors, nexmarkConnector].filter((b) => !listed.some((d) => d.name === b.name)),
  );
}

/**
 * The names `'connector' = '...'` may take in a SQL environment made with `connectors` (see
 * {@link SqlOptions.connectors}), sorted: `tables`, its connector registry's, and `lookupOnly`,
 * those only a lookup join reads (`jdbc`, `redis`). For a command's usage text, so that it lists
 * what the code takes.
 */
export function sqlConnectorNames(connectors?: SqlOptions["connectors"]): {
  readonly tables: readonly string[];
  readonly lookupOnly: readonly string[];
} {
  const tables = sqlConnectors(connectors)
    .list()
    .map((c) => c.name)
    .sort();
  return { tables, lookupOnly: [...LOOKUP_CONNECTORS].filter((c) => !tables.includes(c)).sort() };
}

/** Flink's `execution.runtime-mode`: `streaming` (its default), `batch` or `automatic`. */
const RUNTIME_MODE = "execution.runtime-mode";

/**
 * Checks `SET 'execution.runtime-mode' = value`. Fleuve SQL runs every query in streaming mode,
 * so `batch` (and `automatic`, batch over bounded inputs) would give other results than Flink's
 * (final rows instead of a changelog): refused rather than ignored. Flink reads the value as an
 * enum, letter case ignored, and refuses anything else ("Could not parse value").
 */
function checkRuntimeMode(value: string, pos: SourcePos | undefined): void {
  const mode = value.toLowerCase();
  if (mode === "streaming") return;
  if (mode === "batch" || mode === "automatic")
    throw unsupported(
      `the ${mode} runtime mode ('${RUNTIME_MODE}' = '${value}')`,
      pos,
      "queries run in streaming mode, each changing result sent as a changelog",
    );
  throw invalid(
    `Could not parse value '${value}' for key '${RUNTIME_MODE}': expected 'streaming', 'batch' or 'automatic'`,
    pos,
  );
}

const done = (): TableResult => ({
  kind: "SUCCESS",
  columns: ["result"],
  collect: async () => [{ result: "OK" }],
  await: async () => {},
});

function content(columns: string[], rows: Row[]): TableResult {
  return { kind: "SUCCESS_WITH_CONTENT", columns, collect: async () => rows, await: async () => {} };
}

/** The streams of updating Tables given out by `toDataStream()`: not a DataStream table's input. */
const changelogStreams = new WeakSet<DataStream<Row>>();

/**
 * A SQL environment whose queries run on `env`. As Flink's executeSql, a query's `collect()` (or
 * an INSERT's `await()`) runs a job of that statement alone: what earlier statements planned on
 * `env` does not run again (`env.execute()` still runs everything planned on it, as a statement set).
 */
export function sql(env: StreamExecutionEnvironment, options: SqlOptions = {}): SqlEnvironment {
  const connectors = sqlConnectors(options.connectors);
  const catalog = new Catalog();
  const functions = new FunctionCatalog();
  const settings = new Map<string, string>();
  const ctx: PlanContext = { env, connectors, catalog, settings, functions };
  // The row encoders of registry-format tables and the key encoders of tables with a
  // 'key.format', made by prepare() before an INSERT is planned.
  const encoders = new Map<
    TableDefinition,
    { value?: (row: Row) => Buffer; key?: (row: Row) => Buffer | string | null }
  >();

  /** The record layout of table `def` as the sink of connector `connector` (see tableLayout). */
  const sinkLayout = (
    def: TableDefinition,
    connector: string,
    options: Record<string, string>,
    mode: ConnectorChangelogMode,
  ): TableLayout =>
    tableLayout(def.name.parts.join("."), {
      connectorFormats: formatValues(connectors.get(connector).sink),
      side: "sink",
      connector,
      upsert: mode === "upsert",
      options,
      columns: def.columns.flatMap((c) => (c.kind === "physical" ? [{ name: c.name, type: c.type }] : [])),
      primaryKey: def.primaryKey?.columns,
    });

  // The relation of each Table sqlQuery made: what a statement set's addInsert writes.
  const relations = new WeakMap<Table, Relation>();
  const table = (rel: Relation): Table => {
    assignStateIds(env.graph);
    const t: Table = {
      columns: rel.columns,
      changelogMode: rel.changelog,
      toDataStream: () => {
        if (!isInsertOnly(rel.changelog)) changelogStreams.add(rel.stream);
        return rel.stream;
      },
    };
    relations.set(t, rel);
    return t;
  };

  /**
   * DESCRIBE / SHOW COLUMNS of `written`: a table's declared columns, a view's and a DataStream
   * table's as their query or schema resolve them (planned on a scratch environment: nothing is
   * added to `env`).
   */
  function describeResult(written: QualifiedName, like?: ShowLike): ReturnType<typeof describeRows> {
    const name = localName(written);
    const found = catalog.lookup(name);
    if (found === undefined) throw unknownTableOrView(name);
    if ("table" in found) return describeRows({ table: found.table }, like);
    if ("stream" in found) return describeRows({ table: found.stream.schema }, like);
    const rel = withFunctions(functions, () =>
      planQuery(scanAll(name), { ...ctx, env: scratchEnvironment(ctx), explaining: true }),
    );
    return describeRows({ view: rel.columns, rowtime: rel.rowtime, proctime: rel.proctime }, like);
  }

  /** The SHOW statements that list names. */
  function show(s: Statement & { kind: "show" }): TableResult {
    const listing = (column: string, names: readonly string[]) =>
      content(
        [column],
        filterLike(names, s.like, (n) => n).map((n) => ({ [column]: n })),
      );
    // FROM|IN [catalog.]database: the default one alone, refused by name as a table's prefix is.
    if (s.from !== undefined) localName({ ...s.from, parts: [...s.from.parts, "_"] });
    switch (s.what) {
      case "FUNCTIONS":
      case "USER FUNCTIONS": {
        // Flink lists built-in and user functions together, by name; USER only the user's.
        const user = functions.list().map((f) => f.name);
        const builtin =
          s.what === "FUNCTIONS"
            ? [
                ...new Set([
                  ...SCALAR_FUNCTIONS.keys(),
                  ...CLOCK_FUNCTIONS.keys(),
                  ...AGGREGATE_FUNCTIONS,
                  ...JSON_FUNCTIONS,
                ]),
              ]
            : [];
        return listing(
          "function name",
          [...builtin, ...user].sort((a, b) => a.localeCompare(b)),
        );
      }
      case "VIEWS":
        // Flink's SHOW VIEWS: the views alone (SHOW TABLES lists them too).
        return listing(
          "view name",
          catalog.names().filter((n) => "view" in (catalog.lookup(n) ?? {})),
        );
      case "TABLES":
        return listing("table name", catalog.names());
      case "CATALOGS":
        return listing("catalog name", [DEFAULT_CATALOG]);
      case "CURRENT CATALOG":
        return listing("current catalog name", [DEFAULT_CATALOG]);
      case "DATABASES":
        return listing("database name", [DEFAULT_DATABASE]);
      case "CURRENT DATABASE":
        return listing("current database name", [DEFAULT_DATABASE]);
      case "MODULES":
        return listing("module name", ["core"]);
      case "FULL MODULES":
        return content(["module name", "used"], [{ "module name": "core", used: true }]);
      case "JOBS":
        throw unsupported(
          "SHOW JOBS here",
          undefined,
          "the jobs of a session are listed by the SQL shell (`fleuve sql`), which starts them",
        );
    }
  }

  function run(s: Statement): TableResult {
    switch (s.kind) {
      case "createTable":
        // CREATE TABLE ... AS SELECT: its INSERT needs prepare (see createTableAsSelect).
        if (s.asQuery !== undefined) throw new Error("CREATE TABLE ... AS SELECT runs through runStatement");
        if (s.replace !== undefined)
          throw unsupported(
            `${s.replace} TABLE ${s.name.parts.join(".")} without AS SELECT`,
            s.pos,
            "Flink 1.20 replaces a table with [CREATE OR] REPLACE TABLE ... WITH (...) AS SELECT ...; or DROP TABLE, then CREATE TABLE",
          );
        // LIKE is resolved now: the table keeps the source's definition as it is at this point.
        {
          const def = tableLike(s, catalog);
          checkWatermarkColumn(def);
          catalog.createTable(def);
        }
        return done();
      case "createView":
        checkHintNames(s.query);
        catalog.createView(s);
        return done();
      case "drop":
        if (s.object === "FUNCTION") functions.drop(s.name.parts.join("."), s.ifExists);
        else catalog.drop(s.object, s.name.parts.join("."), s.ifExists);
        return done();
      case "alterTable":
        try {
          catalog.alterTable(s.name.parts.join("."), s.ifExists, (def) => alteredTable(def, s.change));
        } catch (err) {
          throw withPosition(err, s.pos);
        }
        return done();
      case "show":
        return show(s);
      case "showColumns":
      case "describe": {
        const described = describeResult(s.name, s.kind === "showColumns" ? s.like : undefined);
        return content(described.columns, described.rows);
      }
      case "showCreate": {
        const name = localName(s.name);
        const found = catalog.lookup(name);
        if (found === undefined) throw unknownTableOrView(name);
        const id = serializableIdentifier(name);
        // Flink's messages (ShowCreateUtil) for the other kind of object, and for a DataStream's view.
        const refuse = (message: string) => invalid(message, undefined, { table: name });
        if (s.object === "TABLE") {
          if ("view" in found)
            throw refuse(
              `SHOW CREATE TABLE is only supported for tables, but ${id} is a view. Please use SHOW CREATE VIEW instead.`,
            );
          if ("stream" in found)
            throw refuse(`SHOW CREATE TABLE is not supported for ${id}, a view over a DataStream`);
          return content(["result"], [{ result: showCreateTable(found.table) }]);
        }
        if ("table" in found)
          throw refuse(
            `SHOW CREATE VIEW is only supported for views, but ${id} is a table. Please use SHOW CREATE TABLE instead.`,
          );
        if ("stream" in found)
          throw refuse("SHOW CREATE VIEW is not supported for views registered by Table API.");
        const columns = describeResult(s.name).rows.map((r) => r.name as string);
        const columnsOf = (q: Query) =>
          withFunctions(functions, () =>
            planQuery(q, { ...ctx, env: scratchEnvironment(ctx), explaining: true }).columns.flatMap((c) =>
              c.qualifiedOnly === true || c.name.startsWith(HIDDEN_PREFIX) ? [] : [sqlNameOf(c)],
            ),
          );
        const userFunction = (called: string) => functions.get(called)?.name;
        return content(
          ["result"],
          [{ result: showCreateView(found.view, columns, catalog, columnsOf, userFunction) }],
        );
      }
      case "showPartitions": {
        const name = localName(s.name);
        const found = catalog.lookup(name);
        if (found === undefined)
          throw invalid(
            `Could not execute SHOW PARTITIONS ${summaryIdentifier(name)}. Table (or view) ${DEFAULT_DATABASE}.${name} does not exist in Catalog ${DEFAULT_CATALOG}.`,
            undefined,
            { table: name },
          );
        const partitions = showPartitions(name, "table" in found ? found.table : undefined, s.partition);
        return content(
          ["partition name"],
          partitions.map((p) => ({ "partition name": p })),
        );
      }
      case "use": {
        // One catalog, one database: naming them is accepted, anything else refused by name.
        const parts = s.name.parts;
        if (s.catalog) {
          if (parts.join(".") !== DEFAULT_CATALOG) throw unknownCatalog(parts.join("."));
        } else {
          if (parts.length > 2 || (parts.length === 2 && parts[0] !== DEFAULT_CATALOG))
            throw unknownCatalog(parts.slice(0, -1).join("."));
          const database = parts[parts.length - 1] as string;
          if (database !== DEFAULT_DATABASE) throw unknownDatabase(database);
        }
        return done();
      }
      case "set": {
        // SET lists the session's options sorted by key (Flink's OperationExecutor.callSetOperation).
        // SET 'k' = 'v' keeps the key and value as written, as Flink's TableEnvironment.executeSql
        // does (SET 'table.local-time-zone' = ' Europe/Paris' is refused there; only the SQL
        // gateway trims them).
        if (s.option === undefined) {
          return content(
            ["key", "value"],
            [...settings.keys()].sort().map((key) => ({ key, value: settings.get(key) })),
          );
        }
        const { key, value } = s.option;
        // A zone Flink would not accept fails here, naming the option, not at the next query.
        if (key === LOCAL_TIME_ZONE) parseZone(value);
        if (key === RUNTIME_MODE) checkRuntimeMode(value, s.option.valuePos);
        settings.set(key, value);
        return done();
      }
      case "reset":
        if (s.key === undefined) settings.clear();
        else settings.delete(s.key);
        return done();
      case "query": {
        const rel = planQuery(s.query, ctx);
        assignStateIds(env.graph);
        return {
          kind: "SUCCESS_WITH_CONTENT",
          columns: rel.columns.map((c) => c.name),
          changelogMode: rel.changelog,
          collect: () => env.executeAndCollect(rel.stream, "sql-query", { onlyCollect: true }),
          await: async () => {
            // Rows nobody reads: a sink that drops them, so the job is this query alone.
            const sink = rel.stream.sinkTo({ createWriter: () => ({ write() {} }) }, "Sink: discard");
            await env.execute("sql-query", { only: [sink.node.id] });
          },
        };
      }
      case "insert":
        return planInsert(s);
      case "statementSet":
        // Prepared and planned by runStatement (its INSERTs' registry formats load first).
        throw new Error("a statement set runs through runStatement");
      case "createFunction":
        // Loaded by runStatement (an import is asynchronous); here only when already loaded.
        throw new Error("CREATE FUNCTION runs through runStatement");
      case "explain": {
        const target = s.statement;
        if (target.kind !== "query" && target.kind !== "insert" && target.kind !== "statementSet")
          throw unsupported(
            `EXPLAIN of ${target.kind}`,
            undefined,
            "EXPLAIN takes a query, an INSERT INTO or a STATEMENT SET BEGIN ... END",
          );
        const text = explainText(target);
        return content(["result"], [{ result: text }]);
      }
    }
  }

  /** EXPLAIN's text of a query, an INSERT or a statement set (planned on a scratch environment). */
  function explainText(target: Statement & { kind: "query" | "insert" | "statementSet" }): string {
    return withFunctions(functions, () =>
      explainStatement(
        target,
        ctx,
        (t, scratch) => {
          if (t.kind === "query") {
            // As Flink explains a query without its collect sink: a root that needs no -U (its
            // group aggregation's mode [I,UA]); running the query sends them, as Flink's collect.
            const rel = planQuery(t.query, scratch);
            requestUpdateAfterOnly(rel.stream);
            return [rel.changelog];
          }
          // A statement set's INSERTs share what they read, as when they run (planStatementSet);
          // an INSERT alone is planned as it runs (planInsert).
          const shared: PlanContext =
            t.kind === "statementSet" ? { ...scratch, planned: new Map() } : scratch;
          const inserts = t.kind === "statementSet" ? t.inserts : [t as InsertStatement];
          return inserts.map((i) => planInsertSink(i, shared).changelogMode);
        },
        stateTtlMs(settings) ?? 0,
      ),
    );
  }

  /**
   * Plans INSERT `s` onto the environment of `planCtx`: the query, then the table's sink. Returns
   * the sink's node and the changelog mode of what the query writes.
   */
  function planInsertSink(
    s: InsertStatement,
    planCtx: PlanContext = ctx,
  ): { sink: GraphNode["id"]; changelogMode: ChangelogMode } {
    // OVERWRITE is refused before the query is planned.
    if (s.overwrite) throw unsupported("INSERT OVERWRITE", s.pos);
    // A statement set's INSERTs may share streams: what one sink needs no more (-U) another may.
    return sinkInto(s, planQuery(s.query, planCtx), planCtx.env, planCtx.planned === undefined);
  }

  /**
   * The implicit casts of an INSERT's query columns into the sink table's columns (by target column
   * name), as Flink 1.20 applies them (INT into DECIMAL(5, 2) writes 7.00, a TIMESTAMP into a DATE
   * its day); a query column whose type does not cast implicitly to its column's fails with Flink's
   * message, naming the table, the column and both schemas. Columns of unknown type are not checked.
   */
  function sinkConversions(
    s: SinkTarget,
    rel: Relation,
    def: TableDefinition,
    targets: readonly string[],
  ): [string, (v: unknown) => unknown][] {
    const columns = def.columns.filter((c) => c.kind === "physical");
    const listed = s.columns.length > 0;
    // With a column list Flink's query schema is in the table's order, its columns named EXPR$i and
    // an unlisted one of its column's type, nullable (the NULL written there).
    const query = columns.map((c, i) => {
      const at = listed ? targets.indexOf(c.name) : i;
      const type = at < 0 ? { ...c.type, notNull: false } : rel.columns[at]?.type;
      return { name: listed ? `EXPR$${i}` : (rel.columns[i]?.name ?? c.name), type, at };
    });
    const out: [string, (v: unknown) => unknown][] = [];
    for (const [i, c] of columns.entries()) {
      const q = query[i] as (typeof query)[number];
      if (q.at < 0 || q.type === undefined) continue;
      if (!castsImplicitly(q.type, c.type)) {
        const table = summaryIdentifier(s.table.parts[s.table.parts.length - 1] as string);
        throw invalid(sinkTypesMismatch(table, i, query, columns), s.pos, { table, columnName: c.name });
      }
      const from = q.type;
      if (sameSinkType(from, c.type)) continue;
      try {
        out.push([c.name, withZone(settings, () => castConversion(from, c.type))]);
      } catch (e) {
        // A MAP, which CAST does not convert yet: its keys and values are written as they are.
        if (!isFleuveError(e) || e.code !== "FLEUVE_SQL_UNSUPPORTED") throw e;
      }
    }
    return out;
  }

  /**
   * Writes the rows of `rel` (planned on `env`) into table `s.table`, by its column list, through
   * the table's sink. Returns the sink's node and the changelog mode of what `rel` writes.
   */
  function sinkInto(
    s: SinkTarget,
    rel: Relation,
    env: StreamExecutionEnvironment,
    alone = false,
  ): { sink: GraphNode["id"]; changelogMode: ChangelogMode } {
    const name = s.table.parts.join(".");
    const found = catalog.lookup(name);
    if (found === undefined) {
      // Flink's message for a sink that is not there (probed on bench/flink).
      const missing = cannotFindSink([DEFAULT_CATALOG, DEFAULT_DATABASE, name]);
      throw s.pos === undefined ? missing : withPosition(missing, s.pos);
    }
    if (!("table" in found))
      throw invalid(`INSERT INTO ${name}: no table named ${name}`, s.pos, { table: name });
    const def = sinkDefinition(found.table, s.hint);
    const targets =
      s.columns.length > 0
        ? [...s.columns]
        : def.columns.filter((c) => c.kind === "physical").map((c) => c.name);
    if (rel.columns.length !== targets.length) {
      throw invalid(
        `INSERT INTO ${name}: the query has ${rel.columns.length} columns, the table takes ${targets.length} (${targets.join(", ")})`,
        s.pos,
      );
    }
    // A sink takes one event-time attribute (Flink's RelTimeIndicatorConverter, probed on bench/flink).
    const times = rowtimeColumns(rel);
    if (times.length > 1) {
      const table = summaryPath(s.table);
      throw invalid(
        `The query contains more than one rowtime attribute column [${times.join(", ")}] for writing into table '${table}'. Please select the column that should be used as the event-time timestamp for the table sink by casting all other columns to regular TIMESTAMP or TIMESTAMP_LTZ.`,
        s.pos,
        { table },
      );
    }
    const convert = sinkConversions(s, rel, def, targets);
    const { connector, options: opts } = connectorOptions(def);
    let sink: ReturnType<typeof createSink>;
    let mode: ConnectorChangelogMode;
    let encode: ((row: Row) => Buffer | null) | undefined;
    let encodeKey: ((row: Row) => Buffer | string | null) | undefined;
    let layout: TableLayout;
    let descriptor: ReturnType<typeof connectors.get>;
    try {
      descriptor = connectors.get(connector);
      if (def.partitionedBy.length > 0 && descriptor.sink?.partitioned !== true) {
        // Flink: "Table '...' is a partitioned table, but the underlying DynamicTableSink doesn't
        // implement the SupportsPartitioning interface."
        throw unsupported(
          `INSERT INTO ${name}, a table PARTITIONED BY (${def.partitionedBy.join(", ")})`,
          s.pos,
          `the '${connector}' sink writes no partitions (the 'filesystem' connector does); drop PARTITIONED BY from the table`,
        );
      }
      mode = sinkChangelogMode(descriptor);
      layout = sinkLayout(def, connector, opts, mode);
      const format = layout.format;
      // Registered before planning (see prepare); EXPLAIN plans without registering.
      const unprepared = (what: string) => () => {
        throw new Error(`table ${name}: the ${what} encoder was not made before the job ran`);
      };
      if (format !== undefined) {
        requireBytes(name, connector, descriptor.sink, format.name);
        encode = encoders.get(def)?.value ?? unprepared(`${format.name} value`);
      }
      // csv and raw values need no registry: their encoder is made here.
      if (layout.valueFormat !== undefined) encode = valueEncoder(layout.valueFormat, layout.valueColumns);
      requireKeys(name, connector, descriptor.sink, "sink", layout.key);
      // A registry key's encoder registers its schema first (prepare); json and raw keys need none.
      const key = layout.key;
      if (key !== undefined)
        encodeKey = plainKeyEncoder(key) ?? encoders.get(def)?.key ?? unprepared(`${key.name} key`);
      // A raw value without a key is written as a { key: null, value } pair (see tableLayout).
      else if (layout.valueFormat?.kind === "raw" && mode === "insert-only") encodeKey = () => null;
      sink = createSink(descriptor, sideOptions(descriptor, "sink", layout.connectorOptions), {
        schema: def.columns.flatMap((c) =>
          c.kind === "physical" ? [{ name: c.name, type: printType(c.type) }] : [],
        ),
        ...(def.partitionedBy.length > 0 ? { partitionKeys: def.partitionedBy } : {}),
        // Read at each call: the clock the job runs with (a ManualProcessingTime in tests).
        processingTime: () => env.config.processingTime?.now() ?? Date.now(),
      });
    } catch (e) {
      throw tableOptionError(def, name, e, s.pos);
    }
    if (mode === "insert-only" && !isInsertOnly(rel.changelog)) {
      // Flink: "Table sink '...' doesn't support consuming update and delete changes which is
      // produced by node GroupAggregate(...)".
      throw invalid(
        `table ${name} ('${connector}') is an append-only sink: it cannot take the updates ${describeMode(rel.changelog)} produced by ${rel.changelog.producer ?? "the query"}; write to an upsert table ('upsert-log', 'upsert-kafka' with a PRIMARY KEY) or 'print'`,
        s.pos,
        { table: name, producer: rel.changelog.producer },
      );
    }
    const primaryKey = def.primaryKey?.columns ?? [];
    if (mode === "upsert" && primaryKey.length === 0) {
      throw invalid(
        `table ${name}: the '${connector}' connector writes upserts by key and needs a PRIMARY KEY (...) NOT ENFORCED`,
        s.pos,
        { table: name, connector },
      );
    }
    // Flink maps a query's columns to the table's by position.
    const from = rel.columns.map((c) => c.name);
    const types = new Map(
      def.columns.flatMap((c) => (c.kind === "physical" ? [[c.name, c.type] as const] : [])),
    );
    // A connector that writes the rows as json itself (log, kafka, filesystem): ROW values as
    // objects of their fields, dates and times as text, as Flink's json format writes them.
    const formatSpec = (descriptor.sink?.options as Record<string, { default?: unknown }> | undefined)
      ?.format;
    const writesJson =
      encode === undefined &&
      formatSpec !== undefined &&
      (layout.connectorOptions.format ?? formatSpec.default) === "json";
    const objects = writesJson
      ? jsonRowObjects(
          targets.map((t) => ({ name: t, type: types.get(t) as DataType })),
          layout.jsonTimestamps,
        )
      : undefined;
    const renamed = withConversions(renamer(targets, from, null), convert);
    const toTarget = objects === undefined ? renamed : (row: Row) => objects(renamed(row)) as Row;
    // A record key is encoded from the row before its dates and times become the value's json
    // text: the key format writes them its own way ('key.json.timestamp-format.standard').
    const keyObjects = writesJson
      ? jsonRowObjects(targets.map((t) => ({ name: t, type: types.get(t) as DataType })))
      : undefined;
    const keyRow = (target: Row): Row => (keyObjects === undefined ? target : (keyObjects(target) as Row));
    const valueRow = (target: Row): Row => (objects === undefined ? target : (objects(target) as Row));
    // A record's value: the row in its registry format, or the row (its value columns only with
    // 'value.fields-include' = 'EXCEPT_KEY') for the connector's format.
    const valueNames = layout.valueColumns.map((c) => c.name);
    const recordValue = (row: Row): unknown => {
      if (encode !== undefined) return encode(row);
      if (!layout.exceptKey) return row;
      const out: Row = {};
      for (const v of valueNames) setColumn(out, v, row[v] ?? null);
      return out;
    };
    // What the sink takes: rows, changes, or { key, value } pairs.
    type Out = Row | Change | KeyedValue;
    let out: DataStream<Out>;
    if (encodeKey !== undefined && mode === "insert-only") {
      // The connector takes { key, value } pairs ('keyed'): the key bytes decide the partition.
      const writeKey = encodeKey;
      out = rel.stream.map((row): Out => {
        const target = renamed(row);
        return { key: writeKey(keyRow(target)), value: recordValue(valueRow(target)) };
      });
    } else if (encode !== undefined && mode === "insert-only") {
      const write = encode;
      out = rel.stream.map((row): Out => write(toTarget(row)) as unknown as Out);
    } else if (mode === "insert-only") out = rel.stream.map((row): Out => toTarget(row));
    else if (mode === "all") {
      // Flink's blackhole takes no -U (BlackHoleTableSinkFactory drops UPDATE_BEFORE from its mode).
      if (connector === "blackhole" && alone) requestUpdateAfterOnly(rel.stream);
      out = rel.stream.map((row): Out => {
        const value = toTarget(row);
        return { kind: rowKind(row), value, fields: targets.map((t) => flinkText(value[t], types.get(t))) };
      });
    } else {
      // Upserts by the table's key: when the query's rows are unique by that key, the -U before a
      // +U of the same key is redundant (Flink drops it); otherwise a -U deletes its key's row.
      const sourceKey = primaryKey.map((k) => from[targets.indexOf(k)]);
      const sameKey =
        rel.changelog.uniqueKey !== undefined &&
        rel.changelog.uniqueKey.length === sourceKey.length &&
        rel.changelog.uniqueKey.every((k) => sourceKey.includes(k));
      // Flink's ONLY_UPDATE_AFTER: rows unique by the table's key need no -U, so the group
      // aggregation making them sends none (when this INSERT alone reads it).
      if (sameKey && alone) requestUpdateAfterOnly(rel.stream);
      // An upsert table always has a key (its primary key's), checked above.
      const writeKey = encodeKey as (row: Row) => Buffer | string | null;
      out = rel.stream.flatMap((row): Out[] => {
        let kind = rowKind(row);
        if (kind === "-U") {
          if (sameKey) return [];
          kind = "-D";
        }
        const target = renamed(row);
        const value = valueRow(target);
        // The record key: in the table's 'key.format', else the JSON of the primary key.
        const key = writeKey(keyRow(target));
        // A delete is a tombstone: no value to encode.
        const written = kind === "-D" ? value : recordValue(value);
        return [{ kind, value: written, ...(key === null ? {} : { key }) }];
      });
    }
    const sinkNode = out
      .name(`Calc(to=[${name}], fields=[${targets.join(", ")}])`)
      .sinkTo(sink, `Sink: ${name}`).node;
    return { sink: sinkNode.id, changelogMode: rel.changelog };
  }

  /**
   * The result of INSERTs planned onto `env` (one, or a statement set's): a job of their sinks
   * and what they read, not earlier statements' sinks, named as Flink names it
   * ({@link insertJobName}).
   */
  function insertJob(tables: readonly QualifiedName[], sinks: readonly GraphNode["id"][]): TableResult {
    // Ids that survive edits of the query, so its savepoints keep fitting (state-ids.ts).
    assignStateIds(env.graph);
    const name = insertJobName(tables);
    const only = { only: [...sinks] };
    return {
      kind: "JOB",
      columns: [],
      collect: async () => {
        await env.execute(name, only);
        return [];
      },
      await: async () => {
        await env.execute(name, only);
      },
    };
  }

  /** Plans INSERT `s` onto `env`: its result runs the job of that INSERT alone. */
  function planInsert(s: InsertStatement): TableResult & { changelogMode: ChangelogMode } {
    const { sink, changelogMode } = planInsertSink(s);
    return { ...insertJob([s.table], [sink]), changelogMode };
  }

  /**
   * Plans the INSERTs of a statement set onto `env` as one job. They share what they read, as
   * Flink optimizes a statement set's sinks together (`table.optimizer.reuse-source-enabled`,
   * `reuse-sub-plan-enabled`): a table read by several INSERTs is scanned once.
   */
  async function planStatementSet(
    inserts: readonly (InsertStatement | { target: SinkTarget; table: Table })[],
  ): Promise<TableResult> {
    if (inserts.length === 0)
      throw invalid("the statement set has no INSERT to run: add one with addInsertSql or addInsert");
    for (const s of inserts) await prepareSink("target" in s ? s.target : s);
    const shared: PlanContext = { ...ctx, planned: new Map() };
    const sinks = inserts.map((s) => {
      if (!("target" in s)) return planInsertSink(s, shared).sink;
      const rel = relations.get(s.table);
      if (rel === undefined) throw invalid("addInsert takes a Table this SQL environment's sqlQuery made");
      return sinkInto(s.target, rel, env).sink;
    });
    return insertJob(
      inserts.map((s) => ("target" in s ? s.target : s).table),
      sinks,
    );
  }

  /**
   * What a statement needs before it is planned, which planning (synchronous) cannot do: an
   * INSERT into a table of a registry format registers the table's schema (its value's, and its
   * key's for a registry `'key.format'`), as Flink's format does when its job starts, so a refused
   * schema fails the statement. A CREATE TABLE naming a registry format loads the formats' code
   * (imported only then: see loadRegistryCodecs), which its queries' planning will use.
   */
  async function prepare(s: Statement): Promise<void> {
    if (s.kind === "createTable" && namesRegistryFormat(s.options)) await loadRegistryCodecs();
    if (s.kind === "insert") await prepareSink(s);
    if (s.kind === "statementSet") for (const i of s.inserts) await prepareSink(i);
  }

  // The sink tables of INSERTs with an OPTIONS hint, one per table and hint text, so that the
  // encoders prepareSink makes for one are those sinkInto finds.
  const hintedSinks = new WeakMap<TableDefinition, Map<string, TableDefinition>>();

  /** Sink table `def` with the options of INSERT table hint `hint` merged (hints.ts). */
  function sinkDefinition(def: TableDefinition, hint: HintText | undefined): TableDefinition {
    const merged = withHintedOptions(def, hint, settings);
    if (merged === def || hint === undefined) return def;
    let byHint = hintedSinks.get(def);
    if (byHint === undefined) hintedSinks.set(def, (byHint = new Map()));
    const known = byHint.get(hint.text);
    if (known !== undefined) return known;
    byHint.set(hint.text, merged);
    return merged;
  }

  /** What an INSERT into `target`'s table needs before it is planned (see {@link prepare}). */
  async function prepareSink(target: SinkTarget): Promise<void> {
    const found = catalog.lookup(target.table.parts.join("."));
    if (found === undefined || !("table" in found)) return;
    const def = sinkDefinition(found.table, target.hint);
    if (encoders.has(def)) return;
    const name = def.name.parts.join(".");
    let layout: TableLayout;
    let topic: string | undefined;
    try {
      const { connector, options: opts } = connectorOptions(def);
      topic = opts.topic;
      layout = sinkLayout(def, connector, opts, sinkChangelogMode(connectors.get(connector)));
    } catch {
      return; // planInsert reports what is wrong with the table
    }
    const format = layout.format;
    const made: { value?: (row: Row) => Buffer; key?: (row: Row) => Buffer | string | null } = {};
    if (format !== undefined) {
      const subject = sinkSubject(name, format.name, format.options, topic);
      made.value = (await formatEncoder(name, format, layout.valueColumns, subject)).encode;
    }
    if (layout.key?.format.kind === "registry") made.key = await keyEncoder(name, layout.key, topic);
    if (made.value !== undefined || made.key !== undefined) encoders.set(def, made);
  }

  /**
   * CREATE TABLE ... AS SELECT: creates the table with the query's columns, then runs as the
   * INSERT INTO it of the query (a job). With IF NOT EXISTS and the table there, the query is
   * inserted into that table, as in Flink. A table this statement created is dropped again when
   * the INSERT cannot be planned; once planned, the job's failure leaves it, as in Flink.
   */
  async function createTableAsSelect(s: Statement & { kind: "createTable" }): Promise<TableResult> {
    await prepare(s);
    const { table: def, insert } = tableAsSelect(s, ctx);
    const name = def.name.parts.join(".");
    const before = catalog.lookup(name);
    // RTAS: the table's definition is dropped and made again from the query (Flink's
    // non-atomic RTAS drops, creates, then inserts). REPLACE TABLE needs the table to exist.
    let replaced: TableDefinition | undefined;
    if (s.replace !== undefined) {
      if (before === undefined && s.replace === "REPLACE")
        throw invalid(
          `The table ${name} to be replaced doesn't exist. You can try to use CREATE TABLE AS statement or CREATE OR REPLACE TABLE AS statement.`,
          s.pos,
          { table: name },
        );
      if (before !== undefined && !("table" in before))
        throw invalid(`${s.replace} TABLE ${name}: ${name} is a view, not a table`, s.pos, { table: name });
      replaced = before?.table;
      if (replaced !== undefined) catalog.drop("TABLE", name, false);
    }
    catalog.createTable(def);
    try {
      await prepare(insert);
      return planInsert(insert);
    } catch (e) {
      // Nothing of a statement whose INSERT cannot be planned stays: a replaced table is back.
      if (before === undefined || replaced !== undefined) catalog.drop("TABLE", name, true);
      if (replaced !== undefined) catalog.createTable(replaced);
      throw e;
    }
  }

  /** Runs `s`; CREATE FUNCTION imports its module first (at statement time, off the hot path). */
  async function runStatement(written: Statement): Promise<TableResult> {
    // Tables named with the default catalog and database are the tables named alone from here on.
    const s = localizeStatement(written);
    if (s === undefined) return done();
    if (s.kind === "createTable" && s.asQuery !== undefined) return createTableAsSelect(s);
    if (s.kind === "statementSet") return planStatementSet(s.inserts);
    if (s.kind !== "createFunction") {
      await prepare(s);
      return run(s);
    }
    const name = s.name.parts.join(".");
    if (s.ifNotExists && functions.get(name) !== undefined) return done();
    // Own properties only: an identifier such as 'constructor' must not find Object's.
    const ids = options.functionIdentifiers;
    const bound = ids !== undefined && Object.hasOwn(ids, s.identifier) ? ids[s.identifier] : undefined;
    functions.create(
      bound === undefined
        ? await loadFunction(name, s.identifier, s.language, options.baseDir)
        : registerFunction(name, bound, s.identifier),
      s.ifNotExists,
    );
    return done();
  }

  return {
    settings,
    createTemporaryView(name, records, schema) {
      // The records are the rows (objects keyed by column name): no conversion per record.
      const stream = records as unknown as DataStream<Row>;
      // Flink's fromDataStream takes inserts only and fails on the first other row ("Conversion
      // expects insert-only records"); rows are not converted here, so an updating Table's
      // changelog is refused before it runs rather than read as inserts.
      if (changelogStreams.has(stream))
        throw invalid(
          `createTemporaryView ${name}: the stream is the changelog of an updating query (rows -U, +U or -D, not inserts only); a DataStream table takes inserts only, as Flink's fromDataStream ("Conversion expects insert-only records but DataStream API record contains: UPDATE_BEFORE"): query the Table's SQL as a view instead`,
        );
      const def = parseStatement(`CREATE TEMPORARY TABLE ${printName(name)} (${schema})`);
      if (def.kind !== "createTable") throw invalid(`createTemporaryView ${name}: bad schema`);
      // Planned now so that a bad schema fails here rather than at the first query.
      planStreamTable({ schema: def, stream }, name);
      catalog.createStreamTable(name, { schema: def, stream });
    },
    async executeSql(text) {
      const statements = parseScript(text);
      if (statements.length !== 1) {
        throw invalid(
          `executeSql takes one statement, got ${statements.length}; use executeScript for several`,
        );
      }
      return runStatement(statements[0] as Statement);
    },
    async executeScript(text) {
      const results: TableResult[] = [];
      for (const s of parseScript(text)) results.push(await runStatement(s));
      return results;
    },
    async executeStatement(statement) {
      return runStatement(statement);
    },
    createFunction(name, fn) {
      functions.create(registerFunction(name, fn));
    },
    sqlQuery(text) {
      return table(planQuery(localizeQuery(typeof text === "string" ? parseQuery(text) : text), ctx));
    },
    createStatementSet() {
      let inserts: (InsertStatement | { target: SinkTarget; table: Table })[] = [];
      const set: StatementSet = {
        addInsertSql(text) {
          const s = parseStatement(text);
          if (s.kind !== "insert")
            throw invalid(
              `addInsertSql takes one INSERT statement, got ${s.kind === "query" ? "a query" : `a ${s.kind} statement`}`,
            );
          inserts.push(localizeInsert(s));
          return set;
        },
        addInsert(targetPath, t) {
          inserts.push({
            target: localizeInsert({ table: { parts: targetPath.split(".") }, columns: [] }),
            table: t,
          });
          return set;
        },
        explain() {
          const sqlInserts = inserts.filter((i): i is InsertStatement => !("target" in i));
          if (sqlInserts.length !== inserts.length)
            throw unsupported(
              "explain() of a statement set with addInsert",
              undefined,
              "explain a set of addInsertSql statements",
            );
          return explainText({
            kind: "statementSet",
            inserts: sqlInserts,
            pos: { line: 1, column: 1, offset: 0 },
          });
        },
        async execute() {
          // As Flink's: the set is empty again once its statements are planned into a job.
          const planned = inserts;
          inserts = [];
          return planStatementSet(planned);
        },
      };
      return set;
    },
  };
}

/**
 * Imports the function `CREATE FUNCTION name AS 'path#export'` names: a module path (relative
 * ones from `baseDir`) and an export (default: the default export).
 */
async function loadFunction(
  name: string,
  identifier: string,
  language: string | undefined,
  baseDir: string | undefined,
): Promise<RegisteredFunction> {
  const fail = (why: string) =>
    invalid(`CREATE FUNCTION ${name} AS '${identifier}': ${why}`, undefined, {
      function: name,
      identifier,
    });
  if (language !== undefined && language !== "TYPESCRIPT" && language !== "JAVASCRIPT")
    throw unsupported(
      `CREATE FUNCTION ... LANGUAGE ${language}`,
      undefined,
      "Fleuve's functions are TypeScript or JavaScript modules: AS 'path/to/module.ts#export'",
    );
  const hash = identifier.lastIndexOf("#");
  const path = hash < 0 ? identifier : identifier.slice(0, hash);
  const exported = hash < 0 ? "default" : identifier.slice(hash + 1);
  if (path === "" || exported === "")
    throw fail("expected 'path/to/module.ts#export' (a module path, then # and the name of an export)");
  const relative = path.startsWith("./") || path.startsWith("../");
  if (!relative && !isAbsolute(path))
    throw fail(
      "expected a module path ('./udfs.ts#countChar', relative to the SQL environment's baseDir, or absolute); a Java class name cannot be loaded (bind it to a TypeScript function with the functionIdentifiers option of sql())",
    );
  const file = resolve(baseDir ?? process.cwd(), path);
  if (!existsSync(file)) throw fail(`module ${path} does not exist (looked for ${file})`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const hint =
      err.code === "ERR_UNKNOWN_FILE_EXTENSION"
        ? "; a .ts module loads under tsx (fleuve sql, or node --import tsx), or compile it to .js"
        : "";
    throw fail(`module ${path} could not be loaded: ${err.message ?? String(e)}${hint}`);
  }
  if (!(exported in mod) || mod[exported] === undefined) {
    const names = Object.keys(mod).filter((k) => k !== "__esModule");
    throw fail(
      `module ${path} has no export ${exported} (it exports ${names.length === 0 ? "nothing" : names.join(", ")})`,
    );
  }
  return registerFunction(name, mod[exported], identifier);
}
