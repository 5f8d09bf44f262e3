// Loaded into each group process by latency.ts when LOOP_DELAY=1 (`node --import`): the process's
// event-loop delay, how late the loop runs what is due, which is what every record in the process
// waits for when one piece of work (a checkpoint, a large fetch, a GC) holds the loop, the CPU
// time the process used (less sensitive than wall-clock figures to what else runs on the machine),
// and its garbage collections by kind (count, total and longest pause: V8's young-generation
// scavenges and full mark-compacts stop the loop while they run).
// On each SIGUSR2 it prints these since the previous one to stderr and starts over.
import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";

const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
let cpu = process.cpuUsage();
const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};
let gc = {};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = KINDS[e.detail?.kind] ?? "other";
    const g = (gc[kind] ??= { n: 0, total: 0, max: 0 });
    g.n++;
    g.total += e.duration;
    if (e.duration > g.max) g.max = e.duration;
  }
}).observe({ entryTypes: ["gc"] });
process.on("SIGUSR2", () => {
  const ms = (p) => (h.percentile(p) / 1e6).toFixed(1);
  const used = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  const cpuMs = Math.round((used.user + used.system) / 1000);
  const gcs = Object.entries(gc)
    .map(([k, g]) => `${k} ${g.n}x ${g.total.toFixed(0)} ms (max ${g.max.toFixed(1)})`)
    .join(", ");
  process.stderr.write(
    `loop-delay: p50 ${ms(50)} p99 ${ms(99)} max ${(h.max / 1e6).toFixed(1)} ms, cpu ${cpuMs} ms, gc: ${gcs || "none"}\n`,
  );
  h.reset();
  gc = {};
});
