/**
 * Checkpoint overhead of a job on worker threads: throughput of a keyed, windowed job
 * (threads-job.ts) at parallelism 2 on 2 worker threads, with a checkpoint every second vs none.
 * Every run is a fresh process; the variants alternate (off on, on off, off on, ...) so load hits
 * both alike; the table gives medians, the 1-minute load average of each run, and checks that both
 * variants fired the same number of window results.
 *
 *   node --import tsx bench/checkpoint/threads.ts [--runs 3] [--events 10000000]
 *   node --import tsx bench/checkpoint/threads.ts --one on|off [--events N]   (one run, JSON)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runJob } from "@fleuve/core";

const { values: a } = parseArgs({
  options: {
    one: { type: "string" },
    runs: { type: "string", default: "3" },
    events: { type: "string", default: "10000000" },
  },
});
const events = Number(a.events);

if (a.one) {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-bench-threads-cp-"));
  try {
    const client = await runJob(new URL("./threads-job.ts", import.meta.url).href, {
      parallelism: 2,
      threads: 2,
      args: [String(events)],
      options: a.one === "on" ? { checkpointing: { dir, intervalMs: 1000 }, log: () => {} } : {},
    });
    const r = await client.result;
    const end = Date.now();
    const start = Math.min(...(r.collected as number[]));
    const windows = Object.values(r.metrics).find((m) => m.name === "Drop")?.recordsIn ?? 0;
    // checkpoints taken: the id of the newest (the final one); ids start at 1
    const checkpoints = Math.max(0, ...readdirSync(dir).map((d) => Number(/^chk-(\d+)$/.exec(d)?.[1] ?? 0)));
    console.log(
      JSON.stringify({
        eventsPerSec: events / ((end - start) / 1000),
        windows,
        checkpoints,
        seconds: (end - start) / 1000,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  const self = fileURLToPath(import.meta.url);
  type Run = { eventsPerSec: number; windows: number; checkpoints: number; seconds: number; load: number };
  const results: Record<string, Run[]> = {
    off: [],
    on: [],
  };
  for (let run = 0; run < Number(a.runs); run++) {
    // which variant goes first alternates too: off on, on off, off on, ...
    for (const variant of run % 2 === 0 ? ["off", "on"] : ["on", "off"]) {
      const p = spawnSync(
        process.execPath,
        ["--import", "tsx", self, "--one", variant, "--events", String(events)],
        {
          encoding: "utf8",
        },
      );
      if (p.status !== 0) throw new Error(`run ${variant} failed: ${p.stderr}`);
      const line = p.stdout.trim().split("\n").at(-1)!;
      results[variant]!.push({ ...JSON.parse(line), load: loadavg()[0]! });
      console.error(variant, line, `load ${loadavg()[0]!.toFixed(2)}`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const off = median(results.off!.map((r) => r.eventsPerSec));
  const on = median(results.on!.map((r) => r.eventsPerSec));
  const windows = new Set([...results.off!, ...results.on!].map((r) => r.windows));
  if (windows.size !== 1) throw new Error(`window results differ between runs: ${[...windows]}`);
  const fmt = (n: number) => `${(n / 1e6).toFixed(2)}M/s`;
  const loads = (v: string) => results[v]!.map((r) => r.load.toFixed(1)).join(" ");
  console.log(
    `${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}, ${events} events, ${[...windows][0]} window results`,
  );
  const checkpoints = results.on!.map((r) => r.checkpoints).join(" ");
  console.log(
    "| job | threads | no checkpoints | checkpoint every 1 s | overhead | checkpoints per run | load 1-min (off / on) |",
  );
  console.log("|---|---|---|---|---|---|---|");
  console.log(
    `| keyBy + 60 s tumbling count, p=2 | 2 | ${fmt(off)} | ${fmt(on)} | ${(((off - on) / off) * 100).toFixed(1)} % | ${checkpoints} | ${loads("off")} / ${loads("on")} |`,
  );
}
