/**
 * Draws the Fleuve/Flink throughput ratio of every measured query as a bar chart (SVG, then PNG
 * through `rsvg-convert`, from Debian's librsvg2-bin) and prints the results as a markdown table.
 * Input: the logs of `npm run bench:nexmark` (their `RESULT {...}` lines; a later line for the
 * same query and size replaces an earlier one).
 *
 *   node --import tsx bench/nexmark/chart.ts --out bench/nexmark/chart.png run-1m.log run-10m.log
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface Result {
  query: string;
  events: number;
  ratio: number;
  identical: boolean;
  fleuveEventsPerSecond: number;
  flinkEventsPerSecond: number;
  fleuveMs: number[];
  flinkMs: number[];
  fleuveLoad: number[];
  flinkLoad: number[];
  runs: number;
  parallelism: number;
}

const { values, positionals } = parseArgs({
  options: { out: { type: "string", default: "bench/nexmark/chart.png" } },
  allowPositionals: true,
});

const byKey = new Map<string, Result>();
for (const file of positionals) {
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.startsWith("RESULT ")) continue;
    const r = JSON.parse(line.slice(7)) as Result;
    if (typeof r.ratio === "number") byKey.set(`${r.query}@${r.events}`, r);
  }
}
const order = (q: string) => Number(q.slice(1));
const results = [...byKey.values()].sort((x, y) => order(x.query) - order(y.query) || x.events - y.events);
if (results.length === 0) {
  console.error("no RESULT lines with a ratio in the given logs");
  process.exit(2);
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const events = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
const bar = 26;
const gap = 8;
const left = 150;
const width = 820;
const plotW = width - left - 90;
const top = 70;
const height = top + results.length * (bar + gap) + 60;
// Log scale, so that 0.5x and 2x are equally far from 1x.
const lo = Math.min(0.25, ...results.map((r) => r.ratio / 1.5));
const hi = Math.max(4, ...results.map((r) => r.ratio * 1.5));
const x = (v: number) => left + ((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * plotW;

const parts: string[] = [];
parts.push(
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">`,
  `<rect width="100%" height="100%" fill="white"/>`,
  `<text x="${width / 2}" y="28" font-size="18" text-anchor="middle" font-weight="bold">Nexmark throughput, Fleuve / Apache Flink 1.20 (parallelism 1)</text>`,
  `<text x="${width / 2}" y="50" font-size="12" text-anchor="middle" fill="#555">median of 3 runs, events/s of the job; &gt; 1 = Fleuve faster; log scale; shared 2-core machine (see RESULTS.md for load)</text>`,
);
for (const t of [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64]) {
  if (t < lo || t > hi) continue;
  const tx = x(t);
  parts.push(
    `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${height - 50}" stroke="${t === 1 ? "#000" : "#ddd"}" stroke-width="${t === 1 ? 1.5 : 1}"/>`,
    `<text x="${tx}" y="${height - 32}" font-size="12" text-anchor="middle">${t}x</text>`,
  );
}
results.forEach((r, i) => {
  const y = top + i * (bar + gap);
  const x1 = x(Math.min(1, r.ratio));
  const x2 = x(Math.max(1, r.ratio));
  const color = r.ratio >= 1 ? "#2b7bba" : "#d9534f";
  parts.push(
    `<text x="${left - 10}" y="${y + bar / 2 + 5}" font-size="13" text-anchor="end">${esc(r.query)} (${events(r.events)})${r.identical ? "" : " *"}</text>`,
    `<rect x="${x1}" y="${y}" width="${Math.max(1, x2 - x1)}" height="${bar}" fill="${color}"/>`,
    `<text x="${x2 + 6}" y="${y + bar / 2 + 5}" font-size="12">${r.ratio.toFixed(2)}x</text>`,
  );
});
parts.push(
  `<text x="${left}" y="${height - 10}" font-size="11" fill="#555">${results.some((r) => !r.identical) ? "* results differ (q12: shape only); " : ""}query (events); bars start at 1x (equal speed)</text>`,
  "</svg>",
);
const svgPath = values.out!.replace(/\.png$/, ".svg");
writeFileSync(svgPath, `${parts.join("\n")}\n`);
const p = spawnSync("rsvg-convert", ["-o", values.out!, svgPath], { encoding: "utf8" });
if (p.status !== 0) {
  console.error(`rsvg-convert failed (apt-get install -y librsvg2-bin): ${p.stderr ?? p.error}`);
  process.exit(1);
}
console.log(`wrote ${svgPath} and ${values.out}\n`);

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const loads = (xs: number[]) => xs.map((l) => l.toFixed(1)).join(", ");
console.log(
  "| query | events | Fleuve events/s | Flink events/s | Fleuve/Flink | results identical | Fleuve ms (runs) | Flink ms (runs) | load (Fleuve runs / Flink runs) | command |",
);
console.log("| --- | ---: | ---: | ---: | ---: | --- | --- | --- | --- | --- |");
for (const r of results) {
  const same =
    r.query === "q12"
      ? r.identical
        ? "shape ok (processing time)"
        : "shape BAD"
      : r.identical
        ? "yes"
        : "**no**";
  console.log(
    `| ${r.query} | ${events(r.events)} | ${fmt(r.fleuveEventsPerSecond)} | ${fmt(r.flinkEventsPerSecond)} | ${r.ratio.toFixed(2)} | ${same} | ${r.fleuveMs.join(", ")} | ${r.flinkMs.join(", ")} | ${loads(r.fleuveLoad)} / ${loads(r.flinkLoad)} | \`npm run bench:nexmark -- --query ${r.query} --events ${r.events} --runs ${r.runs}\` |`,
  );
}
