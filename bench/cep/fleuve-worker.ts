/**
 * The Fleuve side of the CEP benchmark, one measurement per process: reads the CSV of
 * generate.ts in a source (parsing is inside the job, as on the Flink side), runs one pattern
 * keyed by `key` in event time at parallelism 1, writes the canonical match lines (sorted) and
 * prints one JSON line of figures in the Flink side's shape (bench/flink CepBench).
 *
 *   node --import tsx bench/cep/fleuve-worker.ts --pattern fraud|spikes|absence --input FILE [--out FILE]
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { CEP } from "@fleuve/cep";
import { type Source, type SourceReader, StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { BENCH_PATTERNS, type CepTx, canonicalMatch } from "./patterns.js";
import type { CepScenario } from "./scenarios.js";

/** A bounded source over the lines of one CSV file held in memory (one reader: parallelism 1). */
class CsvFileSource implements Source<CepTx> {
  readonly bounded = true;
  constructor(private readonly text: string) {}

  createReader(): SourceReader<CepTx> {
    const text = this.text;
    let pos = 0;
    let idx = 0;
    return {
      poll(out, max) {
        for (let n = 0; n < max; n++) {
          if (pos >= text.length) return "end";
          let nl = text.indexOf("\n", pos);
          if (nl < 0) nl = text.length;
          if (nl > pos) {
            const c1 = text.indexOf(",", pos);
            const c2 = text.indexOf(",", c1 + 1);
            const c3 = text.indexOf(",", c2 + 1);
            const ts = Number(text.slice(c1 + 1, c2));
            out.collect(
              {
                idx: idx++,
                key: Number(text.slice(pos, c1)),
                ts,
                type: text.slice(c2 + 1, c3),
                amount: Number(text.slice(c3 + 1, nl)),
              },
              ts,
            );
          }
          pos = nl + 1;
        }
        return pos < text.length ? "more" : "end";
      },
      snapshot: () => ({ pos, idx }),
      restore(s) {
        const st = s as { pos: number; idx: number };
        pos = st.pos;
        idx = st.idx;
      },
    };
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { pattern: { type: "string" }, input: { type: "string" }, out: { type: "string" } },
    strict: true,
  });
  const name = values.pattern as CepScenario;
  const spec = BENCH_PATTERNS[name];
  if (spec === undefined)
    throw new Error(`--pattern must be fraud, spikes or absence, got "${values.pattern}"`);
  if (values.input === undefined) throw new Error("--input FILE is required");
  const text = readFileSync(values.input, "latin1");
  let events = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) events++;

  const lines: string[] = [];
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const input = env.fromSource(
    new CsvFileSource(text),
    WatermarkStrategy.forMonotonousTimestamps<CepTx>(),
    "cep-input",
  );
  CEP.pattern(
    input.keyBy((t) => t.key),
    spec.pattern as typeof BENCH_PATTERNS.fraud.pattern,
  )
    .select((m) => canonicalMatch(m as Record<string, CepTx[]>, spec.steps))
    .forEach((line) => {
      lines.push(line);
    });

  // Peak heap: sampled every 10 ms (the runtime yields between source batches) and at the end.
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 10);
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const result = await env.execute(`cep-bench-${name}`);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  // CPU time of the whole process (all its threads: GC helpers and JIT too) during the job.
  const cpuMs = (cpu.user + cpu.system) / 1000;
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);

  lines.sort();
  const body = lines.map((l) => `${l}\n`).join("");
  if (values.out !== undefined) writeFileSync(values.out, body);
  const netMs = Math.round(result.durationMs);
  console.log(
    JSON.stringify({
      engine: "fleuve-cep",
      pattern: name,
      events,
      matches: lines.length,
      netMs,
      wallMs: Math.round(wallMs),
      eventsPerSecond: Math.round((events * 1000) / netMs),
      cpuMs: Math.round(cpuMs),
      eventsPerCpuSecond: Math.round((events * 1000) / cpuMs),
      peakHeapMB: Math.round(peakHeap / 2 ** 20),
      heapBeforeMB: Math.round(heapBefore / 2 ** 20),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      sha256: createHash("sha256").update(body).digest("hex"),
    }),
  );
}

await main();
