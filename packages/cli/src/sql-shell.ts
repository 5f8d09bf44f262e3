/**
 * The interactive shell of `fleuve sql` (Flink's SQL client). Statements end with `;` and may
 * span lines; on a terminal, node:readline gives line editing and a history kept in a file.
 * Each query or INSERT runs as its own job on a fresh environment, which the session's DDL and
 * SET statements are replayed onto (a SQL environment plans one job); the session itself plans
 * DDL, SHOW, DESCRIBE and EXPLAIN on an environment that never runs.
 *
 * A query's result, by `SET 'sql-client.execution.result-mode'`:
 * - `table` (default): the materialised table (an updating query's changes applied), redrawn in
 *   place on a terminal as rows come, printed once the query ends otherwise;
 * - `tableau` and `changelog`: every change as a row with its kind (`op`: +I, -U, +U, -D) as it
 *   comes.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { FleuveError, isFleuveError, type JobClient, StreamExecutionEnvironment } from "@fleuve/core";
import {
  type Column,
  formatTimestamp,
  insertJobName,
  materialize,
  parseDataType,
  parseScript,
  rowKind,
  type SqlEnvironment,
  type Statement,
} from "@fleuve/sql";
import type { Io } from "./run-command.js";
import { cellText, fitCell, formatContent, formatTable, rowLine, ruleLine, typeWidth } from "./sql-format.js";
import { caret, commandSqlEnvironment } from "./sql-script.js";

/** Options of {@link runShell}. */
export interface ShellOptions {
  readonly input: NodeJS.ReadableStream;
  readonly io: Io;
  /** Where the history is kept (one line each, appended). */
  readonly historyFile: string;
  /** Whether to draw for a terminal (default: whether input and output are TTYs). */
  readonly terminal?: boolean;
  /** Where relative UDF module paths resolve from (default: the working directory). */
  readonly baseDir?: string;
}

/** How many history lines are loaded. */
const HISTORY_SIZE = 1000;
/** How often an updating table is redrawn on a terminal (ms). */
const REDRAW_MS = 200;

/**
 * Finds where statements end in `text`: the offsets just after each `;` outside strings,
 * quoted names and comments.
 */
export function statementEnds(text: string): number[] {
  const ends: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === "`") {
      const close = text.indexOf(c, i + 1);
      if (close < 0) return ends;
      i = close;
    } else if (c === "-" && text[i + 1] === "-") {
      const nl = text.indexOf("\n", i);
      if (nl < 0) return ends;
      i = nl;
    } else if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      if (close < 0) return ends;
      i = close + 1;
    } else if (c === ";") ends.push(i + 1);
  }
  return ends;
}

/**
 * Whether `text` (statements up to a `;`) is the start of a statement set whose INSERTs and END
 * are still to come (`EXECUTE STATEMENT SET BEGIN insert;`, `BEGIN STATEMENT SET;`): it parses
 * only up to its end, so the shell reads on to the `;` after END.
 */
export function unfinishedStatementSet(text: string): boolean {
  if (!/\b(?:STATEMENT\s+SET|BEGIN)\b/i.test(text)) return false;
  try {
    parseScript(text);
    return false;
  } catch (e) {
    return isFleuveError(e, "FLEUVE_SQL_SYNTAX") && (e.details.offset as number) >= text.trimEnd().length;
  }
}

/** The text of an error in the shell: `[ERROR] CODE: message`, with a caret at its line and column. */
function errorText(e: unknown, text: string): string {
  if (!isFleuveError(e)) return `[ERROR] ${e instanceof Error ? e.message : String(e)}`;
  const { line, column } = e.details;
  const head = e.message.split("\n")[0] as string;
  if (typeof line === "number" && typeof column === "number")
    return `[ERROR] ${e.code}: ${head}\n${caret(text, line, column)}`;
  return `[ERROR] ${e.code}: ${e.message}`;
}

/**
 * What `HELP;` prints: the statements the shell takes, as Flink's SQL client lists its commands
 * (a Flink user types `HELP;` first; it was a syntax error here).
 */
export const SHELL_HELP = `The following commands are available:

HELP;                  Prints this list.
QUIT; EXIT;            Leaves the shell (Ctrl-D too).
SET; SET 'k' = 'v';    Lists the session's options, or sets one ('sql-client.execution.result-mode' = 'table', 'tableau' or 'changelog').
RESET; RESET 'k';      Resets every option, or one.
CREATE / DROP / ALTER  Tables, views and functions of the session (CREATE TABLE ... AS SELECT runs its INSERT).
SHOW ...; DESCRIBE t;  Tables, views, functions, columns, CREATE statements, JOBS.
EXPLAIN ...;           The plan of a query, INSERT INTO or statement set.
SELECT ...;            Runs a query as a job and shows its result (Ctrl-C stops it).
INSERT INTO ...;       Runs an INSERT as a job, to the end of its input.
BEGIN STATEMENT SET; INSERT ...; END;   Runs several INSERTs as one job.

Statements end with ';' and may span lines. The SQL dialect is Flink's: see docs/sql.md.`;

/** Runs the shell until QUIT; or the end of input; resolves to the exit code. */
export async function runShell(options: ShellOptions): Promise<number> {
  const { io } = options;
  const out = io.stdout;
  const terminal =
    options.terminal ??
    Boolean((options.input as { isTTY?: boolean }).isTTY && (out as { isTTY?: boolean }).isTTY);
  const history = terminal ? loadHistory(options.historyFile) : [];
  const rl = createInterface({
    input: options.input,
    output: terminal ? out : undefined,
    terminal,
    history,
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
  });
  const baseDir = options.baseDir ?? process.cwd();
  // The session plans DDL, SHOW, DESCRIBE, EXPLAIN; its statements are replayed for each job.
  let session = commandSqlEnvironment(StreamExecutionEnvironment.create(), baseDir);
  const replay: Statement[] = [];
  let running: JobClient | undefined;
  let cancelled = false;
  const write = (s: string) => out.write(`${s}\n`);

  const prompt = (more: boolean) => {
    if (!terminal) return;
    rl.setPrompt(more ? "          > " : "Fleuve SQL> ");
    rl.prompt();
  };
  rl.on("SIGINT", () => {
    if (running !== undefined) {
      cancelled = true;
      running.cancel();
      return;
    }
    buffer = "";
    out.write("\n");
    prompt(false);
  });
  rl.on("history", (h: string[]) => {
    const last = h[0];
    if (last === undefined || last.trim() === "") return;
    try {
      mkdirSync(dirname(options.historyFile), { recursive: true });
      appendFileSync(options.historyFile, `${last}\n`);
    } catch {
      // A history that cannot be written does not stop the shell.
    }
  });

  /** A fresh environment with the session's DDL and SET statements on it. */
  const freshEnvironment = async (): Promise<{ env: StreamExecutionEnvironment; tEnv: SqlEnvironment }> => {
    const env = StreamExecutionEnvironment.create({ parallelism: 1 });
    const tEnv = commandSqlEnvironment(env, baseDir);
    for (const s of replay) await tEnv.executeStatement(s);
    return { env, tEnv };
  };

  /** The jobs this session started, for SHOW JOBS (Flink's job id, name, status, start time). */
  const jobs: { id: string; name: string; status: string; start: number }[] = [];
  const track = (name: string) => {
    const job = { id: randomBytes(16).toString("hex"), name, status: "RUNNING", start: Date.now() };
    jobs.push(job);
    return job;
  };

  const runQuery = async (s: Statement & { kind: "query" }) => {
    const { env, tEnv } = await freshEnvironment();
    const table = tEnv.sqlQuery(s.query);
    const mode = session.settings.get("sql-client.execution.result-mode")?.toLowerCase() ?? "table";
    if (mode !== "table" && mode !== "tableau" && mode !== "changelog") {
      throw new FleuveError(
        "FLEUVE_SQL_VALIDATION",
        `SET 'sql-client.execution.result-mode' = '${mode}': the modes are 'table', 'tableau' and 'changelog'`,
      );
    }
    const names = table.columns.map((c) => c.name);
    const types = table.columns.map((c) => c.type);
    const view =
      mode === "table"
        ? new TableView(names, types, terminal, write, out)
        : new ChangeView(names, types, write);
    table.toDataStream().forEach((row) => {
      view.add(row);
    }, "Sink: shell");
    cancelled = false;
    running = env.executeAsync("collect");
    const job = track("collect");
    const timer = terminal ? setInterval(() => view.draw(), REDRAW_MS) : undefined;
    try {
      await running.result;
      job.status = "FINISHED";
    } catch (e) {
      job.status = cancelled ? "CANCELED" : "FAILED";
      if (!(cancelled && isFleuveError(e, "FLEUVE_JOB_CANCELLED"))) throw e;
    } finally {
      running = undefined;
      if (timer !== undefined) clearInterval(timer);
    }
    view.finish(cancelled);
  };

  /** Runs the INSERT job planned on `env` until it ends or Ctrl-C cancels it. */
  const runJob = async (env: StreamExecutionEnvironment, name: string, what: string) => {
    cancelled = false;
    running = env.executeAsync(name);
    const job = track(name);
    write(`[INFO] Running the job of ${what} (Ctrl-C stops it)`);
    try {
      await running.result;
      job.status = "FINISHED";
      write("[INFO] The job finished.");
    } catch (e) {
      job.status = cancelled ? "CANCELED" : "FAILED";
      if (!(cancelled && isFleuveError(e, "FLEUVE_JOB_CANCELLED"))) throw e;
      write("[INFO] The job was cancelled.");
    } finally {
      running = undefined;
    }
  };

  const runInsert = async (s: Statement & { kind: "insert" }) => {
    const { env, tEnv } = await freshEnvironment();
    await tEnv.executeStatement(s);
    const table = s.table.parts.join(".");
    await runJob(env, insertJobName([s.table]), `INSERT INTO ${table}`);
  };

  /** A statement set: its INSERTs planned together, one job. */
  const runStatementSet = async (s: Statement & { kind: "statementSet" }) => {
    const { env, tEnv } = await freshEnvironment();
    await tEnv.executeStatement(s);
    const tables = s.inserts.map((i) => i.table.parts.join("."));
    await runJob(
      env,
      insertJobName(s.inserts.map((i) => i.table)),
      `the statement set (INSERT INTO ${tables.join(", INSERT INTO ")})`,
    );
  };

  /**
   * CREATE TABLE ... AS SELECT and [CREATE OR] REPLACE TABLE ... AS SELECT: the table is defined
   * in the session, the INSERT runs as a job; later jobs replay the table as it was made (its
   * columns, as DESCRIBE shows them), not the INSERT.
   */
  const runTableAsSelect = async (s: Statement & { kind: "createTable" }) => {
    await session.executeStatement(s);
    const { env, tEnv } = await freshEnvironment();
    await tEnv.executeStatement(s);
    const table = s.name.parts.join(".");
    await runJob(env, insertJobName([s.name]), `${s.replace ?? "CREATE"} TABLE ${table} AS SELECT`);
    const described = await (
      await session.executeStatement({ kind: "describe", name: s.name, extended: false })
    ).collect();
    const { asQuery: _query, replace: _replace, ...definition } = s;
    if (s.replace !== undefined)
      replay.push({ kind: "drop", object: "TABLE", name: s.name, temporary: false, ifExists: true });
    replay.push({
      ...definition,
      ifNotExists: true,
      columns: described.map((c) => ({
        kind: "physical" as const,
        name: String(c.name),
        // DESCRIBE marks time attributes (`TIMESTAMP(3) *ROWTIME*`); the table's column is the plain type.
        type: parseDataType(String(c.type).replace(/ \*(ROWTIME|PROCTIME)\*$/, "")),
        primaryKey: false,
        pos: s.pos,
      })),
    });
  };

  const execute = async (text: string): Promise<boolean> => {
    const bare = text.replace(/;\s*$/, "").trim().toUpperCase();
    if (bare === "QUIT" || bare === "EXIT") return false;
    if (bare === "HELP") {
      write(SHELL_HELP);
      return true;
    }
    if (bare === "") return true;
    try {
      for (const s of parseScript(text)) {
        if (s.kind === "createTable" && s.asQuery !== undefined) {
          await runTableAsSelect(s);
          continue;
        }
        switch (s.kind) {
          case "query":
            await runQuery(s);
            break;
          case "insert":
            await runInsert(s);
            break;
          case "show":
            if (s.what === "JOBS") {
              write(
                formatContent(
                  ["job id", "job name", "status", "start time"],
                  jobs.map((j) => ({
                    "job id": j.id,
                    "job name": j.name,
                    status: j.status,
                    "start time": formatTimestamp(j.start),
                  })),
                ),
              );
              break;
            }
            {
              const result = await session.executeStatement(s);
              write(formatContent(result.columns, await result.collect()));
            }
            break;
          case "statementSet":
            await runStatementSet(s);
            break;

          case "reset":
          case "set": {
            const result = await session.executeStatement(s);
            if (result.kind === "SUCCESS_WITH_CONTENT")
              write(formatContent(result.columns, await result.collect()));
            else {
              replay.push(s);
              write("[INFO] Execute statement succeeded.");
            }
            break;
          }
          default: {
            const result = await session.executeStatement(s);
            if (result.kind === "SUCCESS_WITH_CONTENT")
              write(formatContent(result.columns, await result.collect()));
            else {
              replay.push(s);
              write("[INFO] Execute statement succeeded.");
            }
          }
        }
      }
    } catch (e) {
      write(errorText(e, text));
    }
    return true;
  };

  if (terminal) write("Fleuve SQL: statements end with ';', QUIT; or Ctrl-D leaves, Ctrl-C stops a query.");
  let buffer = "";
  prompt(false);
  for await (const line of rl) {
    buffer += `${line}\n`;
    let ends = statementEnds(buffer);
    let goOn = true;
    while (ends.length > 0 && goOn) {
      // A statement set's INSERTs end with ';' too: it runs at the ';' after its END.
      const end = ends.find((e) => !unfinishedStatementSet(buffer.slice(0, e)));
      if (end === undefined) break;
      const text = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\s*\n/, "");
      goOn = await execute(text.trim());
      ends = statementEnds(buffer);
    }
    if (!goOn) break;
    prompt(buffer.trim() !== "");
  }
  rl.close();
  if (buffer.trim() !== "") write(`[WARNING] the input ended inside a statement (no ';'): ${buffer.trim()}`);
  if (terminal) write("Goodbye.");
  // A new session for a new shell: nothing keeps the catalog between runs.
  session = commandSqlEnvironment(StreamExecutionEnvironment.create(), baseDir);
  return 0;
}

function loadHistory(file: string): string[] {
  if (!existsSync(file)) return [];
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean).slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

/** What shows a query's rows as they come. */
interface ResultView {
  add(row: Record<string, unknown>): void;
  draw(): void;
  finish(cancelled: boolean): void;
}

/** The materialised table: drawn in place on a terminal, once at the end otherwise. */
class TableView implements ResultView {
  private readonly changes: Record<string, unknown>[] = [];
  private drawnLines = 0;
  private drawnCount = -1;
  constructor(
    private readonly names: readonly string[],
    private readonly types: readonly (Column["type"] | undefined)[],
    private readonly terminal: boolean,
    private readonly write: (s: string) => void,
    private readonly out: NodeJS.WritableStream,
  ) {}
  add(row: Record<string, unknown>): void {
    this.changes.push(row);
  }
  private text(): string {
    return formatTable(this.names, materialize(this.changes), this.types);
  }
  draw(): void {
    if (this.changes.length === this.drawnCount) return;
    this.drawnCount = this.changes.length;
    const text = this.text();
    // Up over the last drawing and clear to the end of the screen, then draw again.
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}A\x1b[J`);
    this.out.write(`${text}\n`);
    this.drawnLines = text.split("\n").length;
  }
  finish(cancelled: boolean): void {
    if (this.terminal) {
      this.drawnCount = -1;
      this.draw();
    } else this.write(this.text());
    if (cancelled) this.write("[INFO] Query cancelled.");
  }
}

/** Every change as a row with its kind, as it comes (tableau and changelog modes). */
class ChangeView implements ResultView {
  private readonly widths: number[];
  private count = 0;
  constructor(
    private readonly names: readonly string[],
    private readonly types: readonly (Column["type"] | undefined)[],
    private readonly write: (s: string) => void,
  ) {
    // Rows come after the header is printed: widths from the types, as Flink's tableau sizes
    // them, and a longer value is cut so that every line keeps the header's columns.
    this.widths = [2, ...names.map((n, i) => typeWidth(n, types[i]))];
    this.write(ruleLine(this.widths));
    this.write(rowLine(["op", ...names], this.widths));
    this.write(ruleLine(this.widths));
  }
  add(row: Record<string, unknown>): void {
    const cells = [rowKind(row), ...this.names.map((n, i) => cellText(row[n], this.types[i]))].map((c, i) =>
      fitCell(c, this.widths[i] as number),
    );
    this.write(rowLine(cells, this.widths));
    this.count++;
  }
  draw(): void {}
  finish(cancelled: boolean): void {
    this.write(ruleLine(this.widths));
    this.write(
      `Received a total of ${this.count} row${this.count === 1 ? "" : "s"}${cancelled ? " (cancelled)" : ""}`,
    );
  }
}
