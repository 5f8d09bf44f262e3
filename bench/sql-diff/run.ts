/**
 * Differential test of Fleuve SQL against Apache Flink 1.20 SQL (issue 13): runs every case of
 * `cases/` on both engines and compares their final tables.
 *
 *   node --import tsx bench/sql-diff/run.ts [--case SUBSTRING] [--keep DIR] [--json]
 *
 * A case is a `.sql` file whose last statement is a query; `cases/_tables.sql` is prepended to
 * it (with `${DATA}` replaced by the absolute path of `data/`). The query becomes
 * `CREATE TABLE __out WITH ('connector' = 'print') AS <query>` on both sides, so each engine
 * derives the result's types itself and prints its changelog as Flink's print connector does
 * (`+I[a, b]`). The changelog is applied (`+I`/`+U` add a row, `-U`/`-D` remove one) and the
 * final tables are compared as multisets of printed rows. Flink runs all cases as one job
 * (`bench/flink/run.sh sql --batch --file ...`), Fleuve each case through `fleuve sql -f`.
 * Both sides emit a watermark after every row that advances it (Flink's RunSql sets the job's
 * auto-watermark interval to 0, Fleuve's script starts with {@link FLEUVE_WATERMARKS}; see
 * README.md), so the late rows are the same.
 *
 * Exits 1 when a case differs (or fails on one side only).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { flinkOutputByFile } from "./flink-output.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");

/** One engine's outcome for a case: the final table, or the error it reported. */
interface Outcome {
  rows?: string[];
  error?: string;
}

/** Splits a script at the semicolons outside quotes and `--` comments (as RunSql.java does). */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === "`") {
      let j = i + 1;
      while (j < text.length) {
        if (text[j] === c) {
          if (text[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      cur += text.slice(i, j + 1);
      i = j;
    } else if (c === "-" && text[i + 1] === "-") {
      while (i < text.length && text[i] !== "\n") i++;
      cur += "\n";
    } else if (c === ";") {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** The case's script for both engines: the tables, then the query written into a print table. */
function caseScript(prelude: string, body: string): string {
  const stmts = [...splitStatements(prelude), ...splitStatements(body)];
  const last = stmts.pop();
  if (last === undefined || !/^(SELECT|WITH|VALUES|\()/i.test(last)) {
    throw new Error("a case must end with a query");
  }
  stmts.push(`CREATE TABLE __out WITH ('connector' = 'print') AS ${last}`);
  return `${stmts.join(";\n")};\n`;
}

/** Applies a printed changelog (`+I[..]` lines) and returns the final rows, sorted. */
export function finalTable(lines: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const m = /^([+-][IUD])(\[.*\])$/.exec(line.trimEnd());
    if (!m) continue;
    const [, kind, row] = m as unknown as [string, string, string];
    const add = kind === "+I" || kind === "+U" ? 1 : -1;
    counts.set(row, (counts.get(row) ?? 0) + add);
  }
  const rows: string[] = [];
  for (const [row, n] of counts) {
    if (n < 0) rows.push(`<retracted ${-n} more than inserted> ${row}`);
    for (let i = 0; i < n; i++) rows.push(row);
  }
  return rows.sort();
}

function runFlink(files: readonly string[]): Map<string, Outcome> {
  const args = ["sql", "--batch", ...files.flatMap((f) => ["--file", f])];
  const res = spawnSync(join(root, "bench/flink/run.sh"), args, {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const out = new Map<string, Outcome>();
  for (const [file, o] of flinkOutputByFile(res.stdout, files))
    out.set(file, "error" in o ? { error: o.error } : { rows: finalTable(o.lines) });
  if (out.size === 0) throw new Error(`Flink ran no case (exit ${res.status}):\n${res.stderr}`);
  return out;
}

/**
 * What RunSql's `setAutoWatermarkInterval(0)` is to Flink: the tables' WatermarkAssigner emits
 * after every row that advances the watermark (RunSql's batch mode runs no SET, so it is Fleuve's
 * alone).
 */
const FLEUVE_WATERMARKS = "SET 'pipeline.auto-watermark-interval' = '0 ms';\n";

function runFleuve(caseFile: string): Outcome {
  const file = caseFile.replace(/\.sql$/, ".fleuve.sql");
  writeFileSync(file, FLEUVE_WATERMARKS + readFileSync(caseFile, "utf8"));
  const res = spawnSync(
    process.execPath,
    [join(root, "packages/cli/bin/fleuve.js"), "sql", "-f", file, "--no-metrics"],
    { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, cwd: dirname(file) },
  );
  if (res.status !== 0) {
    const msg = (res.stderr || res.stdout).split("\n").find((l) => l.trim()) ?? `exit ${res.status}`;
    return { error: msg };
  }
  return { rows: finalTable(res.stdout.split("\n")) };
}

/** The rows of `a` missing from `b` (multiset difference). */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const r of b) left.set(r, (left.get(r) ?? 0) + 1);
  const out: string[] = [];
  for (const r of a) {
    const n = left.get(r) ?? 0;
    if (n > 0) left.set(r, n - 1);
    else out.push(r);
  }
  return out;
}

function main(): void {
  const { values } = parseArgs({
    options: { case: { type: "string" }, keep: { type: "string" }, json: { type: "boolean" } },
  });
  const casesDir = join(here, "cases");
  const prelude = readFileSync(join(casesDir, "_tables.sql"), "utf8").replaceAll(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder the case files hold
    "${DATA}",
    join(here, "data"),
  );
  const names = readdirSync(casesDir)
    .filter((f) => f.endsWith(".sql") && !f.startsWith("_"))
    .filter((f) => values.case === undefined || f.includes(values.case))
    .sort();
  const work = values.keep ?? mkdtempSync(join(tmpdir(), "sql-diff-"));
  mkdirSync(work, { recursive: true });
  const files = names.map((name) => {
    const file = join(work, name);
    writeFileSync(file, caseScript(prelude, readFileSync(join(casesDir, name), "utf8")));
    return file;
  });
  const flink = runFlink(files);
  let differing = 0;
  const report: { case: string; same: boolean; flink: Outcome; fleuve: Outcome }[] = [];
  for (const [i, name] of names.entries()) {
    const file = files[i] as string;
    const f = flink.get(file) ?? { error: "Flink printed nothing for this case" };
    const v = runFleuve(file);
    const same =
      f.error !== undefined
        ? v.error !== undefined
        : v.rows !== undefined && JSON.stringify(f.rows) === JSON.stringify(v.rows);
    report.push({ case: name, same, flink: f, fleuve: v });
    if (same) {
      if (!values.json)
        console.log(`same    ${name}${f.error ? " (both refuse)" : ` (${f.rows?.length} rows)`}`);
      continue;
    }
    differing++;
    if (values.json) continue;
    console.log(`DIFFERS ${name}`);
    if (f.error !== undefined || v.error !== undefined) {
      console.log(`  flink:  ${f.error ?? `${f.rows?.length} rows`}`);
      console.log(`  fleuve: ${v.error ?? `${v.rows?.length} rows`}`);
      continue;
    }
    for (const r of minus(f.rows ?? [], v.rows ?? [])) console.log(`  flink only:  ${r}`);
    for (const r of minus(v.rows ?? [], f.rows ?? [])) console.log(`  fleuve only: ${r}`);
  }
  if (values.json) console.log(JSON.stringify(report, null, 2));
  console.log(`${names.length - differing} same, ${differing} differ (of ${names.length} cases)`);
  process.exitCode = differing > 0 ? 1 : 0;
}

main();
