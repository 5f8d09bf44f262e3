/**
 * Summarizes `node --cpu-prof` profiles (e.g. of the group processes of latency.ts, with
 * WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"): self time per area (packages, the Kafka
 * client, node internals, GC, idle) and the top functions, as shares of the busy (non-idle) time,
 * so that two builds can be compared on a loaded machine where wall-clock figures are not.
 *
 * Usage: node --import tsx bench/kafka/cpu-profile.ts DIR [TOP=25]
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const dir = process.argv[2];
if (!dir) throw new Error("usage: cpu-profile.ts DIR [TOP]");
const top = Number(process.argv[3] ?? 25);

function area(url: string, fn: string): string {
  if (url === "") return fn.startsWith("(") ? fn : "(native)";
  if (url.startsWith("node:")) return "node internals";
  const pkg = /packages\/(\w[\w-]*)\/(?:dist|src)\/(.*)\.[jt]s$/.exec(url);
  if (pkg) return `@fleuve/${pkg[1]} ${pkg[2]!.split("/").slice(0, -1).join("/") || "."}`;
  const mod = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (mod) return mod[1]!;
  return url;
}

const byArea = new Map<string, number>();
const byFn = new Map<string, number>();
/** Inclusive time per function: each sample counts once for every distinct function on its stack. */
const inclusive = new Map<string, number>();
let total = 0;
let files = 0;
for (const f of readdirSync(dir).filter((n) => n.endsWith(".cpuprofile"))) {
  const p = JSON.parse(readFileSync(join(dir, f), "utf8")) as Profile;
  // the benchmark's own process (tsx loader, its consumers) is not a group process
  if (!p.nodes.some((n) => n.callFrame.url.includes("scale-out/group-worker"))) continue;
  files++;
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  p.samples.forEach((id, i) => {
    const n = nodes.get(id)!;
    const dt = p.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = n.callFrame;
    const a = area(url, functionName);
    byArea.set(a, (byArea.get(a) ?? 0) + dt);
    const key = `${functionName || "(anonymous)"} ${url.replace(/^.*\/(packages|node_modules)\//, "$1/")}:${lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + dt);
    total += dt;
    if (functionName === "(idle)") return;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = nodes.get(at)!.callFrame;
      if (!f.url.includes("packages/")) continue;
      const k = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/packages\//, "")}:${f.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  });
}
const idle = byArea.get("(idle)") ?? 0;
const busy = total - idle;
console.log(
  `${files} group process profile(s): ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / total).toFixed(1)} %)`,
);
const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
console.log("\nself time by area (share of busy time):");
for (const [a, us] of [...byArea]
  .filter(([a]) => a !== "(idle)")
  .sort((x, y) => y[1] - x[1])
  .slice(0, top)) {
  console.log(`  ${pct(us)}  ${a}`);
}
console.log("\ntop functions by self time (share of busy time):");
for (const [f, us] of [...byFn]
  .filter(([f]) => !f.startsWith("(idle)"))
  .sort((x, y) => y[1] - x[1])
  .slice(0, top)) {
  console.log(`  ${pct(us)}  ${f}`);
}
console.log("\nFleuve functions by inclusive time (share of busy time):");
for (const [f, us] of [...inclusive].sort((x, y) => y[1] - x[1]).slice(0, top)) {
  console.log(`  ${pct(us)}  ${f}`);
}
