/**
 * The Nexmark queries in SQL on Fleuve: the very scripts Flink runs (bench/nexmark/sql/q*.sql,
 * read by bench/flink's Queries.java too), over the views bid, person and auction of the
 * generated stream, registered as Flink's NexmarkFlink registers them (same columns, dateTime an
 * event-time attribute with the stream's watermarks). A script's statements before its query
 * (q13's side input table, q14's CREATE FUNCTION) run first; `${SIDE_INPUT}` is the side input's
 * path, `${COUNT_CHAR}` q14's UDF (./count-char.ts#countChar here, a Java class on Flink). Rows render to canonical lines prefixed by their change: `+` adds a row, `-` removes one;
 * {@link foldChangelog} gives the final table, as Flink's ResultFile.fold does.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type DataStream, OutputTag, type StreamExecutionEnvironment } from "@fleuve/core";
import { type Column, type Row, rowKind, type SqlEnvironment, sql, type Table } from "@fleuve/sql";
import type { NexmarkEvent } from "./events.js";

/** The folder of the q*.sql scripts. */
export const SQL_DIR = fileURLToPath(new URL("./sql/", import.meta.url));

/** The SQL query names, in the order of the suite (q0, q1, ..., q22). */
export function sqlQueryNames(): string[] {
  return readdirSync(SQL_DIR)
    .filter((f) => /^q\d+\.sql$/.test(f))
    .map((f) => f.slice(0, -4))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

/** The statements of query `name`'s script ('--' comment lines dropped, split at ';'), its query last. */
export function sqlScript(name: string): string[] {
  const text = readFileSync(`${SQL_DIR}${name}.sql`, "utf8");
  return text
    .split("\n")
    .filter((l) => !l.trim().startsWith("--"))
    .join("\n")
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The side input of q13, as Nexmark's SideInputGenerator writes it: rows `i,i` for i < 10 000. */
export function writeSideInput(path: string): void {
  const lines: string[] = [];
  for (let i = 0; i < 10_000; i++) lines.push(`${i},${i}`);
  writeFileSync(path, `${lines.join("\n")}\n`);
}

const WATERMARK = "WATERMARK FOR dateTime AS SOURCE_WATERMARK()";

/** The views' columns, as NexmarkFlink.java defines them. */
export const VIEW_SCHEMAS = {
  bid: `auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP_LTZ(3), extra STRING, ${WATERMARK}`,
  person: `id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING, dateTime TIMESTAMP_LTZ(3), extra STRING, ${WATERMARK}`,
  auction: `id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT, dateTime TIMESTAMP_LTZ(3), expires TIMESTAMP_LTZ(3), seller BIGINT, category BIGINT, extra STRING, ${WATERMARK}`,
} as const;

/** The side outputs of the split: persons and auctions (bids are its main output). */
const PERSONS = new OutputTag<NexmarkEvent>("persons");
const AUCTIONS = new OutputTag<NexmarkEvent>("auctions");

/**
 * Registers bid, person and auction over the event stream: the events are the rows as they are
 * (their fields are the columns; times are epoch ms, as SQL holds timestamps). One operator
 * splits the events, bids on its main output, persons and auctions on side outputs, as the Flink
 * side does (NexmarkFlink's SplitEvents): a view the query does not read costs a lookup of its
 * missing side output per event of its type, not a filter of every event.
 */
export function registerNexmarkViews(tEnv: SqlEnvironment, events: DataStream<NexmarkEvent>): void {
  const bids = events
    .process<NexmarkEvent>({
      processElement(e, ctx, out) {
        if (e.type === "bid") out.collect(e);
        else ctx.output(e.type === "person" ? PERSONS : AUCTIONS, e);
      },
    })
    .name("SplitEvents");
  tEnv.createTemporaryView("bid", bids, VIEW_SCHEMAS.bid);
  tEnv.createTemporaryView("person", bids.getSideOutput(PERSONS), VIEW_SCHEMAS.person);
  tEnv.createTemporaryView("auction", bids.getSideOutput(AUCTIONS), VIEW_SCHEMAS.auction);
}

/** The text `${name}` the scripts hold for an engine-specific value. */
const placeholder = (name: string) => `\${${name}}`;

/**
 * Plans query `name` on `env` over `events`: runs its script's statements before the query, then
 * plans the query. `sideInput` is the path `${SIDE_INPUT}` stands for.
 */
export async function planNexmarkSql(
  env: StreamExecutionEnvironment,
  events: DataStream<NexmarkEvent>,
  name: string,
  sideInput: string,
): Promise<Table> {
  const tEnv = sql(env, { baseDir: SQL_DIR });
  registerNexmarkViews(tEnv, events);
  const script = sqlScript(name).map((s) =>
    s
      .replaceAll(placeholder("SIDE_INPUT"), sideInput)
      .replaceAll(placeholder("COUNT_CHAR"), "./count-char.ts#countChar"),
  );
  for (const ddl of script.slice(0, -1)) await tEnv.executeSql(ddl);
  return tEnv.sqlQuery(script[script.length - 1] as string);
}

/**
 * Renders rows of `columns` as canonical changelog lines (bench/nexmark/canonical.ts): `+` or `-`,
 * then the fields joined by ',': integers in decimal, DECIMAL(p, s) with s decimals, timestamps as
 * epoch ms, strings as they are, NULL as `null` (as Flink's Canonical.java).
 */
export function changelogLine(columns: readonly Column[]): (row: Row) => string {
  // One function generated for these columns (names as JSON string literals, which cannot inject
  // code): a shared per-column closure reading `row[key]` would see every column name at that
  // read and go megamorphic, which made this rendering cost more than the query itself.
  const fields = columns.map((c) => {
    const t = c.type;
    const scale = t?.kind === "atomic" && t.name === "DECIMAL" ? (t.args[1] ?? 0) : undefined;
    return `${scale === undefined ? "text" : `decimal${Number(scale)}`}(row[${JSON.stringify(c.name)}])`;
  });
  const scales = new Set(
    columns.flatMap((c) =>
      c.type?.kind === "atomic" && c.type.name === "DECIMAL" ? [c.type.args[1] ?? 0] : [],
    ),
  );
  const helpers = [...scales].map(
    (s) => `const decimal${Number(s)} = (v) => typeof v === "number" ? v.toFixed(${Number(s)}) : text(v);`,
  );
  const body = [
    `const text = (v) => v === null || v === undefined ? "null" : String(v);`,
    ...helpers,
    "return (row) => {",
    "  const k = rowKind(row);",
    `  return (k === "+I" || k === "+U" ? "+" : "-")${fields.map((f, i) => ` + ${i === 0 ? "" : '"," + '}${f}`).join("")};`,
    "};",
  ].join("\n");
  return new Function("rowKind", body)(rowKind) as (row: Row) => string;
}

/** The final table of changelog lines (`+row`, `-row`): each row as often as it was added minus removed. */
export function foldChangelog(lines: Iterable<string>): string[] {
  const counts = new Map<string, number>();
  for (const l of lines) {
    const row = l.slice(1);
    counts.set(row, (counts.get(row) ?? 0) + (l.charCodeAt(0) === 43 /* + */ ? 1 : -1));
  }
  const out: string[] = [];
  for (const [row, n] of counts) {
    if (n < 0) throw new Error(`row retracted more often than added: ${row}`);
    for (let i = 0; i < n; i++) out.push(row);
  }
  return out;
}
