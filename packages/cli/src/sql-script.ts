/**
 * Running SQL text for `fleuve sql`: the SQL environment the command gives statements (the log's,
 * Kafka's and core's connectors, UDF modules resolved from the script's folder), errors pointing
 * at `file:line:column` with a caret, and the job a script's INSERT INTO statements make.
 */

import { readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { type DataStream, FleuveError, isFleuveError, type StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as kafkaConnectors } from "@fleuve/kafka";
import { connectors as logConnectors } from "@fleuve/log";
import { parseScript, type SqlEnvironment, type Statement, sql, sqlConnectorNames } from "@fleuve/sql";
import { withTemporalText } from "./sql-temporal-text.js";

/** The connector descriptors `fleuve sql` gives its SQL environment (core's are always there). */
const COMMAND_CONNECTORS = [...logConnectors, ...kafkaConnectors];

/** The connector names a `fleuve sql` table may use, sorted (its usage lists them). */
export const COMMAND_CONNECTOR_NAMES = sqlConnectorNames(COMMAND_CONNECTORS);

/** A SQL environment over `env` with the connectors the command offers. */
export function commandSqlEnvironment(env: StreamExecutionEnvironment, baseDir: string): SqlEnvironment {
  return sql(env, { connectors: COMMAND_CONNECTORS, baseDir });
}

/** The source line `line` of `text` and a caret under `column`. */
export function caret(text: string, line: number, column: number): string {
  const src = text.split(/\r\n|\r|\n/)[line - 1] ?? "";
  return `${src}\n${src.slice(0, column - 1).replace(/[^\t]/g, " ")}^`;
}

/**
 * The error `e` of SQL text read from `file`, as `file:line:column: message` with the line and a
 * caret under the column (when the error knows where it is); other errors unchanged. `lineOffset`
 * is the line of `file` where `text` starts (statements of the shell are numbered on their own).
 */
export function locateSqlError(e: unknown, file: string, text: string): unknown {
  if (!isFleuveError(e)) return e;
  const line = e.details.line;
  const column = e.details.column;
  if (typeof line !== "number" || typeof column !== "number") return e;
  // The position moves to the front; the message keeps what it says.
  const message = (e.message.split("\n")[0] as string)
    .replace(/ at line \d+, column \d+/, "")
    .replace(/ \(line \d+, column \d+\)/, "");
  return new FleuveError(e.code, `${file}:${line}:${column}: ${message}\n${caret(text, line, column)}`, {
    details: { ...e.details, file },
    cause: e,
  });
}

/** What a script's statements make: the option SETs, whether there is a job, the query to print. */
export interface ScriptPlan {
  readonly statements: readonly Statement[];
  /** `SET 'key' = 'value'` of the script, in order (later ones win). */
  readonly settings: ReadonlyMap<string, string>;
  /** Whether any INSERT INTO (alone, in a statement set, of CTAS or RTAS) or query makes a job to run. */
  readonly hasJob: boolean;
}

/** Parses a script file. @throws FleuveError pointing at file:line:column. */
export function readScript(file: string): { text: string; plan: ScriptPlan } {
  const text = readFileSync(file, "utf8");
  let statements: Statement[];
  try {
    statements = parseScript(text);
  } catch (e) {
    throw locateSqlError(e, file, text);
  }
  const settings = new Map<string, string>();
  for (const s of statements) {
    if (s.kind === "set" && s.option !== undefined) settings.set(s.option.key, s.option.value);
  }
  // CREATE TABLE ... AS SELECT and RTAS run their INSERT; a statement set runs its INSERTs.
  const hasJob = statements.some(
    (s) =>
      s.kind === "insert" ||
      s.kind === "query" ||
      s.kind === "statementSet" ||
      (s.kind === "createTable" && s.asQuery !== undefined),
  );
  return { text, plan: { statements, settings, hasJob } };
}

/**
 * Runs a script's statements on `env`: DDL and SET take effect, INSERT INTO adds its sink to the
 * job; a query's rows are the returned stream (at most one query: its rows are the job's output).
 * Statements with content (SHOW, DESCRIBE, EXPLAIN) go to `onContent`.
 * @throws FleuveError pointing at file:line:column.
 */
export async function buildScript(
  env: StreamExecutionEnvironment,
  file: string,
  onContent: (columns: readonly string[], rows: readonly Record<string, unknown>[]) => void = () => {},
): Promise<DataStream<Record<string, unknown>> | undefined> {
  const { text, plan } = readScript(file);
  const tEnv = commandSqlEnvironment(env, dirname(resolve(file)));
  let output: DataStream<Record<string, unknown>> | undefined;
  try {
    for (const s of plan.statements) {
      if (s.kind === "query") {
        if (output !== undefined) {
          throw new FleuveError(
            "FLEUVE_SQL_UNSUPPORTED",
            `${file}: a script runs as one job and prints the rows of one query; it has several (write all but one into tables with INSERT INTO)`,
          );
        }
        // Printed as JSON lines: its dates and times as Flink's text, not as numbers.
        const query = tEnv.sqlQuery(s.query);
        output = withTemporalText(query.toDataStream(), query.columns, tEnv.settings);
        continue;
      }
      const result = await tEnv.executeStatement(s);
      if (result.kind === "SUCCESS_WITH_CONTENT") onContent(result.columns, await result.collect());
    }
  } catch (e) {
    throw locateSqlError(e, file, text);
  }
  return output;
}

/** The job name of a script: `SET 'pipeline.name'`, else the file's name without `.sql`. */
export function scriptJobName(file: string, settings: ReadonlyMap<string, string>): string {
  return settings.get("pipeline.name") ?? basename(file).replace(/\.sql$/i, "");
}
