/**
 * CLI: compares two canonical result files as multisets of lines (order does not matter), or,
 * given two directories, every `<query>.csv` present in both (q12 excepted: processing time).
 * Exit 0 when all are equal; otherwise prints counts and up to --show differing lines per side,
 * exit 1.
 *
 *   node --import tsx bench/nexmark/compare.ts expected.csv actual.csv [--show 5]
 *   node --import tsx bench/nexmark/compare.ts flink-results/ fleuve-results/
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

/** Lines present more often in `a` than in `b` (with multiplicity), and vice versa. */
export function multisetDiff(
  a: readonly string[],
  b: readonly string[],
): { onlyA: string[]; onlyB: string[] } {
  const counts = new Map<string, number>();
  for (const l of a) counts.set(l, (counts.get(l) ?? 0) + 1);
  for (const l of b) counts.set(l, (counts.get(l) ?? 0) - 1);
  const onlyA: string[] = [];
  const onlyB: string[] = [];
  for (const [l, c] of counts) {
    for (let i = 0; i < c; i++) onlyA.push(l);
    for (let i = 0; i < -c; i++) onlyB.push(l);
  }
  return { onlyA, onlyB };
}

function lines(path: string): string[] {
  const text = readFileSync(path, "latin1");
  return text.split("\n").filter((l) => l.length > 0);
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { show: { type: "string", default: "5" } },
    allowPositionals: true,
  });
  if (positionals.length !== 2) {
    console.error("usage: compare.ts expected.csv actual.csv [--show N]");
    process.exit(2);
  }
  const [pa, pb] = positionals as [string, string];
  const show = Number(values.show);
  const pairs: [string, string, string][] = [];
  if (statSync(pa).isDirectory() && statSync(pb).isDirectory()) {
    for (const f of readdirSync(pa).sort()) {
      if (!/^q\d+\.csv$/.test(f) || f === "q12.csv" || !existsSync(join(pb, f))) continue;
      pairs.push([f.slice(0, -4), join(pa, f), join(pb, f)]);
    }
    if (pairs.length === 0) {
      console.error(`no <query>.csv present in both ${pa} and ${pb}`);
      process.exit(2);
    }
  } else {
    pairs.push(["", pa, pb]);
  }
  let allEqual = true;
  for (const [name, fa, fb] of pairs) {
    const a = lines(fa);
    const b = lines(fb);
    const { onlyA, onlyB } = multisetDiff(a, b);
    const equal = onlyA.length === 0 && onlyB.length === 0;
    allEqual &&= equal;
    const report = { equal, rowsA: a.length, rowsB: b.length, onlyA: onlyA.length, onlyB: onlyB.length };
    console.log(JSON.stringify(name === "" ? report : { query: name, ...report }));
    for (const l of onlyA.slice(0, show)) console.log(`- ${l.slice(0, 300)}`);
    for (const l of onlyB.slice(0, show)) console.log(`+ ${l.slice(0, 300)}`);
  }
  process.exit(allEqual ? 0 : 1);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
