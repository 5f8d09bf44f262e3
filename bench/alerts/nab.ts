// The NAB evaluation of @fleuve/alerts: every series of the Numenta Anomaly Benchmark replayed as a
// stream in event time through the default anomaly alerting (`defaultAlertRule()`: one
// configuration for all), scored as a user would judge the alerts (see scoreFile), the table
// written into docs/observability.md.
//   npm run build && node --import tsx bench/alerts/nab.ts            (prints and writes the table)
//   node --import tsx bench/alerts/nab.ts --no-write                   (prints only)
//   node --import tsx bench/alerts/nab.ts --no-write --only nyc_taxi   (series whose name has it)
//   node --import tsx bench/alerts/nab.ts --no-write --rules '[{"rule":"ewma"}]'   (other rules)
//   FLEUVE_NAB_DIR=<a NAB checkout> node --import tsx bench/alerts/nab.ts --no-write  (all its groups)
//   node --import tsx bench/alerts/nab.ts --no-write --strict          (alerts of the probation count too)
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type Alert,
  defaultAlertRule,
  detectAlerts,
  type Rule,
  type RuleConfig,
  ruleFromConfig,
} from "@fleuve/alerts";
import { WatermarkStrategy } from "@fleuve/core";
import { runPipeline } from "@fleuve/core/testing";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The dataset: ../shared/datasets/nab beside the repository (a worktree may sit one level deeper). */
export function nabDir(): string {
  const candidates = [
    process.env.FLEUVE_NAB_DIR,
    `${ROOT}../shared/datasets/nab`,
    `${ROOT}../../shared/datasets/nab`,
  ];
  for (const c of candidates) if (c && existsSync(`${c}/labels/combined_windows.json`)) return c;
  throw new Error(
    `NAB dataset not found (looked in ${candidates.filter(Boolean).join(", ")}); set FLEUVE_NAB_DIR`,
  );
}

/** One labelled series. */
export interface NabFile {
  /** `group/name.csv`, as in the labels. */
  readonly name: string;
  readonly group: string;
  readonly points: [time: number, value: number][];
  /** Labelled anomaly windows, [start, end] inclusive, ms. */
  readonly windows: [number, number][];
  /**
   * Time of the first point NAB scores: its probationary period is the first min(15 %, 750) points
   * of a series (nab/sweeper.py, `_getProbationaryLength`), where detections count neither way.
   */
  readonly scoredFrom: number;
}

/** NAB's probationary period of a series of `n` points, in points: min(floor(0.15 n), 0.15 * 5000). */
export function probationLength(n: number): number {
  return Math.min(Math.floor(0.15 * n), 750);
}

/** The time of the first point after NAB's probationary period (the last point's if none is; 0 without points). */
export function firstScoredTime(points: readonly (readonly [number, number])[]): number {
  const p = points[Math.min(probationLength(points.length), points.length - 1)];
  return p ? p[0] : 0;
}

/** NAB's timestamps are UTC without a zone: "2014-07-01 00:00:00" or with ".000000". */
export function parseNabTime(s: string): number {
  const t = Date.parse(
    `${s
      .trim()
      .replace(" ", "T")
      .replace(/\.\d+$/, "")}Z`,
  );
  if (Number.isNaN(t)) throw new Error(`NAB: bad timestamp ${JSON.stringify(s)}`);
  return t;
}

/** Loads the series whose name passes `filter`, sorted by name. */
export function loadNab(filter: (name: string) => boolean = () => true, dir = nabDir()): NabFile[] {
  const labels = JSON.parse(readFileSync(`${dir}/labels/combined_windows.json`, "utf8")) as Record<
    string,
    [string, string][]
  >;
  return Object.keys(labels)
    .filter(filter)
    .sort()
    .map((name) => {
      const lines = readFileSync(`${dir}/data/${name}`, "utf8").trim().split("\n").slice(1);
      const points = lines.map((l): [number, number] => {
        const [ts, v] = l.split(",");
        return [parseNabTime(ts ?? ""), Number(v)];
      });
      const windows = (labels[name] ?? []).map(([a, b]): [number, number] => [
        parseNabTime(a),
        parseNabTime(b),
      ]);
      return { name, group: name.split("/")[0] ?? "", points, windows, scoredFrom: firstScoredTime(points) };
    });
}

/**
 * The rules every series gets: the default anomaly alerting (`anomaly()` confirmed by `knnCad()`,
 * see `defaultAlertRule`), nothing tuned per file.
 */
export const defaultRules = (): Rule[] => [defaultAlertRule()];

/**
 * Replays one series as a stream through Fleuve: records in file order with their event times, a
 * watermark after each, keyed by series, through `detectAlerts`.
 */
export async function replay(file: NabFile, rules: Rule[] = defaultRules()): Promise<Alert[]> {
  const strategy = WatermarkStrategy.forGenerator<[number, number]>(() => ({
    onEvent(_p, ts, out) {
      out.emitWatermark(ts - 1);
    },
    onPeriodicEmit() {},
  })).withTimestampAssigner((p) => p[0]);
  const run = await runPipeline((env) =>
    env
      .fromCollection(file.points, { strategy })
      .keyBy(() => file.name)
      .process(detectAlerts<[number, number]>({ value: (p) => p[1], rules })),
  );
  return run.values;
}

/** How one series' alerts score. */
export interface FileScore {
  readonly name: string;
  readonly group: string;
  readonly windows: number;
  /** Labelled windows with at least one alert (each counts once, however many alerts it got). */
  readonly windowsHit: number;
  /** Alerts outside every labelled window. */
  readonly falseAlarms: number;
  readonly alerts: number;
}

/**
 * Scores alerts against labelled windows as a user judges them: an alert inside a window is a hit,
 * several alerts in one window count as one (dedupe), an alert outside every window is a false
 * alarm. Precision = windows hit / (windows hit + false alarms); recall = windows hit / windows.
 * As NAB's own scorer does, alerts in the probationary period (before `file.scoredFrom`) count
 * neither way, and a window that ends before it is not counted; `strict` counts every alert and
 * every window instead.
 */
export function scoreFile(
  file: NabFile,
  alertTimes: readonly number[],
  { strict = false }: { strict?: boolean } = {},
): FileScore {
  const from = strict ? Number.NEGATIVE_INFINITY : file.scoredFrom;
  const windows = file.windows.filter(([, b]) => b >= from);
  const hit = new Set<number>();
  let falseAlarms = 0;
  for (const t of alertTimes) {
    if (t < from) continue;
    const i = windows.findIndex(([a, b]) => t >= a && t <= b);
    if (i < 0) falseAlarms++;
    else hit.add(i);
  }
  return {
    name: file.name,
    group: file.group,
    windows: windows.length,
    windowsHit: hit.size,
    falseAlarms,
    alerts: alertTimes.length,
  };
}

/** Sums of a group of series, with precision and recall (undefined when there is nothing to divide). */
export interface GroupScore {
  readonly group: string;
  readonly files: number;
  readonly windows: number;
  readonly windowsHit: number;
  readonly falseAlarms: number;
  readonly precision: number | undefined;
  readonly recall: number | undefined;
}

/**
 * The real groups of the NAB repository that are not in ../shared/datasets/nab: the detector's
 * defaults were chosen without them (on realAWSCloudwatch and realKnownCause), so with
 * FLEUVE_NAB_DIR pointing at a NAB checkout they are a held-out test.
 */
export const HELD_OUT_GROUPS = ["realAdExchange", "realTraffic", "realTweets"];

/**
 * Adds file scores up per group, then a row for all real series ("real (all)"), and when held-out
 * groups are present, rows for the real series without them ("real (tuned on)") and with only
 * them ("real (held out)").
 */
export function groupScores(scores: readonly FileScore[]): GroupScore[] {
  const row = (group: string, of: readonly FileScore[]): GroupScore => {
    const windows = of.reduce((s, f) => s + f.windows, 0);
    const windowsHit = of.reduce((s, f) => s + f.windowsHit, 0);
    const falseAlarms = of.reduce((s, f) => s + f.falseAlarms, 0);
    return {
      group,
      files: of.length,
      windows,
      windowsHit,
      falseAlarms,
      precision: windowsHit + falseAlarms > 0 ? windowsHit / (windowsHit + falseAlarms) : undefined,
      recall: windows > 0 ? windowsHit / windows : undefined,
    };
  };
  const groups = [...new Set(scores.map((s) => s.group))].sort();
  const rows = groups.map((g) =>
    row(
      g,
      scores.filter((s) => s.group === g),
    ),
  );
  const real = scores.filter((s) => s.group.startsWith("real"));
  if (real.length > 0) rows.push(row("real (all)", real));
  const held = real.filter((s) => HELD_OUT_GROUPS.includes(s.group));
  if (held.length > 0) {
    rows.push(
      row(
        "real (tuned on)",
        real.filter((s) => !HELD_OUT_GROUPS.includes(s.group)),
      ),
    );
    rows.push(row("real (held out)", held));
  }
  return rows;
}

const fmt = (x: number | undefined) => (x === undefined ? "n/a" : x.toFixed(2));

/** The Markdown table of {@link groupScores}. */
export function renderTable(rows: readonly GroupScore[]): string {
  const lines = [
    "| Series group | Files | Labelled windows | Windows hit | False alarms | Precision | Recall |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map(
      (r) =>
        `| ${r.group} | ${r.files} | ${r.windows} | ${r.windowsHit} | ${r.falseAlarms} | ${fmt(r.precision)} | ${fmt(r.recall)} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * Replays and scores the given series (all of NAB by default) through `rules` (fresh for each
 * series), by NAB's probation rule unless `strict` (see {@link scoreFile}).
 */
export async function evaluate(
  files: readonly NabFile[] = loadNab(),
  rules: () => Rule[] = defaultRules,
  { strict = false }: { strict?: boolean } = {},
): Promise<FileScore[]> {
  const out: FileScore[] = [];
  for (const f of files)
    out.push(
      scoreFile(
        f,
        (await replay(f, rules())).map((a) => a.time),
        { strict },
      ),
    );
  return out;
}

const BEGIN = "<!-- nab-table:begin (bench/alerts/nab.ts writes this) -->";
const END = "<!-- nab-table:end -->";

/** Puts `table` between the markers of docs/observability.md. */
export function writeTable(table: string, doc = `${ROOT}docs/observability.md`): void {
  const text = readFileSync(doc, "utf8");
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${doc}: markers ${BEGIN} ... ${END} not found`);
  writeFileSync(doc, `${text.slice(0, a + BEGIN.length)}\n${table}${text.slice(b)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const only = process.argv.indexOf("--only");
  const pick = only > 0 ? process.argv[only + 1] : undefined;
  const rulesAt = process.argv.indexOf("--rules");
  const configs = rulesAt > 0 ? (JSON.parse(process.argv[rulesAt + 1] ?? "") as RuleConfig[]) : undefined;
  const strict = process.argv.includes("--strict");
  const scores = await evaluate(
    loadNab((n) => pick === undefined || n.includes(pick)),
    configs ? () => configs.map(ruleFromConfig) : defaultRules,
    { strict },
  );
  for (const s of scores)
    console.log(`${s.name}: windows ${s.windowsHit}/${s.windows} hit, ${s.falseAlarms} false alarms`);
  const table = renderTable(groupScores(scores));
  console.log(table);
  // A subset's or other rules' table is not the evaluation's: only the default whole run goes into the doc.
  if (!process.argv.includes("--no-write") && pick === undefined && configs === undefined && !strict)
    writeTable(table);
}
