/**
 * The Fleuve side of the CEP latency benchmark, one measurement per process: replays the CSV of
 * generate.ts at a fixed rate of wall-clock time (event i is due at start + i / rate), runs one
 * pattern keyed by `key` at parallelism 1, in event time (the file's timestamps, periodic
 * watermarks every 200 ms, as Flink's default) or in processing time, and records for each match
 * the time from its completing moment's arrival to the match function's call:
 *
 * - a match that ends with an event (`fraud`, `spikes`): that event's due time (its arrival; the
 *   due time, not the time the source got to it, so a backlog counts as latency);
 * - an absence (`absence`: no payment within 15 min): the moment the 15 minutes passed on the
 *   replayed clock: in event time the due time an event stamped with the deadline would have; in
 *   processing time the order's due time plus the (scaled) window.
 *
 * Event time is replayed `scale` times faster than it was generated (scale = event ms per wall
 * ms, from the file); in processing time the patterns' windows are divided by the same scale.
 * Matches whose moment falls in the warm-up, or that come after the last event was due (the end
 * of input flushes the rest), are not measured. Prints one JSON line (bench/flink CepLatency prints
 * the same fields).
 *
 *   node --import tsx bench/cep/latency-worker.ts --pattern fraud|spikes|absence --input FILE
 *        [--rate 10000] [--time event|processing] [--warmup-s 5]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { CEP } from "@fleuve/cep";
import {
  type KeyedStream,
  type Source,
  type SourceReader,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from "@fleuve/core";
import { benchPatterns, type CepTx } from "./patterns.js";
import type { CepScenario } from "./scenarios.js";

/** An input event with the wall-clock time (performance.now() ms) at which it was due. */
interface TimedTx extends CepTx {
  readonly due: number;
}

/** The parsed file: parallel arrays (parsing is not part of what is measured). */
interface Parsed {
  readonly key: Float64Array;
  readonly ts: Float64Array;
  readonly type: string[];
  readonly amount: Float64Array;
}

function parse(text: string): Parsed {
  const lines = text.split("\n").filter((l) => l.length > 0);
  const n = lines.length;
  const p: Parsed = {
    key: new Float64Array(n),
    ts: new Float64Array(n),
    type: new Array<string>(n),
    amount: new Float64Array(n),
  };
  lines.forEach((l, i) => {
    const [k, t, ty, a] = l.split(",");
    p.key[i] = Number(k);
    p.ts[i] = Number(t);
    p.type[i] = ty!;
    p.amount[i] = Number(a);
  });
  return p;
}

/** Emits event i when the wall clock reaches `start + i * 1000 / rate` (start: the first poll). */
class PacedSource implements Source<TimedTx> {
  readonly bounded = true;
  start = -1;
  constructor(
    private readonly data: Parsed,
    private readonly rate: number,
  ) {}

  dueAt(i: number): number {
    return this.start + (i * 1000) / this.rate;
  }

  createReader(): SourceReader<TimedTx> {
    const d = this.data;
    const n = d.ts.length;
    let i = 0;
    return {
      poll: (out, max) => {
        const now = performance.now();
        if (this.start < 0) this.start = now;
        for (let k = 0; k < max && i < n; k++) {
          const due = this.dueAt(i);
          if (due > now) return "nothing-yet";
          out.collect(
            { idx: i, key: d.key[i]!, ts: d.ts[i]!, type: d.type[i]!, amount: d.amount[i]!, due },
            d.ts[i]!,
          );
          i++;
        }
        return i < n ? "more" : "end";
      },
      available: () =>
        new Promise((resolve) => setTimeout(resolve, Math.max(0, this.dueAt(i) - performance.now()))),
    };
  }
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pattern: { type: "string" },
      input: { type: "string" },
      rate: { type: "string", default: "10000" },
      time: { type: "string", default: "event" },
      "warmup-s": { type: "string", default: "5" },
    },
    strict: true,
  });
  const name = values.pattern as CepScenario;
  if (!["fraud", "spikes", "absence"].includes(name))
    throw new Error(`--pattern must be fraud, spikes or absence, got "${values.pattern}"`);
  if (values.input === undefined) throw new Error("--input FILE is required");
  const time = values.time;
  if (time !== "event" && time !== "processing")
    throw new Error(`--time must be event or processing, got "${time}"`);
  const rate = Number(values.rate);
  const warmupMs = Number(values["warmup-s"]) * 1000;
  const data = parse(readFileSync(values.input, "latin1"));
  const n = data.ts.length;
  // Event ms per wall ms: the file's event-time span replayed in n / rate seconds.
  const eventMsPerEvent = data.ts[n - 1]! / (n - 1);
  const scale = (eventMsPerEvent * rate) / 1000;
  const spec = benchPatterns(time === "processing" ? scale : 1)[name];
  const source = new PacedSource(data, rate);
  /** The wall-clock time event time `ts` is due at. */
  const wallOf = (ts: number): number => source.start + ts / scale;

  const latencies: number[] = [];
  let matches = 0;
  const env = StreamExecutionEnvironment.create({ parallelism: 1, autoWatermarkIntervalMs: 200 });
  const input = env.fromSource(source, WatermarkStrategy.forMonotonousTimestamps<TimedTx>(), "cep-input");
  // The patterns are typed on CepTx; the events carry their due time besides.
  CEP.pattern(
    input.keyBy((t) => t.key) as unknown as KeyedStream<CepTx, number>,
    spec.pattern as unknown as ReturnType<typeof benchPatterns>["fraud"]["pattern"],
    { timeDomain: time },
  )
    .select((m) => {
      const now = performance.now();
      matches++;
      const events = (m as unknown as Record<string, TimedTx[] | undefined>)[spec.steps[0]!]!;
      let moment: number;
      if (name === "absence") {
        const order = events[0]!;
        moment = time === "event" ? wallOf(order.ts + spec.withinMs) : order.due + spec.withinMs;
      } else {
        moment = 0;
        for (const s of spec.steps)
          for (const e of (m as unknown as Record<string, TimedTx[] | undefined>)[s] ?? [])
            if (e.due > moment) moment = e.due;
      }
      if (moment - source.start >= warmupMs && now <= source.dueAt(n - 1)) latencies.push(now - moment);
      return 0;
    })
    .forEach(() => {});

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await env.execute(`cep-latency-${name}`);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  console.log(
    JSON.stringify({
      engine: "fleuve-cep",
      pattern: name,
      time,
      events: n,
      rate,
      scale: r(scale),
      matches,
      measured: latencies.length,
      p50Ms: r(quantile(latencies, 0.5)),
      p90Ms: r(quantile(latencies, 0.9)),
      p99Ms: r(quantile(latencies, 0.99)),
      p999Ms: r(quantile(latencies, 0.999)),
      maxMs: r(latencies[latencies.length - 1] ?? Number.NaN),
      wallMs: Math.round(wallMs),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    }),
  );
}

await main();
