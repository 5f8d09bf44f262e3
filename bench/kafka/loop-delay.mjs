// Loaded into each group process by latency.ts when LOOP_DELAY=1 (`node --import`): the process's
// event-loop delay, how late the loop runs what is due, which is what every record in the process
// waits for when one piece of work (a checkpoint, a large fetch, a GC) holds the loop, and the CPU
// time the process used (less sensitive than wall-clock figures to what else runs on the machine).
// On each SIGUSR2 it prints both since the previous one to stderr and starts over.
import { monitorEventLoopDelay } from "node:perf_hooks";

const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
let cpu = process.cpuUsage();
process.on("SIGUSR2", () => {
  const ms = (p) => (h.percentile(p) / 1e6).toFixed(1);
  const used = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  const cpuMs = Math.round((used.user + used.system) / 1000);
  process.stderr.write(
    `loop-delay: p50 ${ms(50)} p99 ${ms(99)} max ${(h.max / 1e6).toFixed(1)} ms, cpu ${cpuMs} ms\n`,
  );
  h.reset();
});
