/**
 * What a checkpoint writes with the heap backend (all keyed state, every time) and with the
 * changelog backend (the entries changed since the previous checkpoint, plus a full copy every
 * `materializeEvery` checkpoints), on a job whose state is large and whose traffic touches a
 * small part of it: 1M keys loaded first, then events over 10k hot keys, a checkpoint every
 * second. Every run is a fresh process; rows alternate (A B C A B C ...) so load hits all alike.
 *
 *   node --import tsx bench/state/changelog.ts [--runs 3] [--keys 1000000] [--hot 10000] [--events 6000000]
 *   node --import tsx bench/state/changelog.ts --one heap|changelog|changelog-kafka ...   (one run)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  type CheckpointStorage,
  changelogStateBackend,
  type EnvironmentOptions,
  type KeyedProcessFunction,
  localCheckpointStorage,
  memoryChangelog,
  type StateChangelogStorage,
  StreamExecutionEnvironment,
  type ValueState,
  valueState,
} from "@fleuve/core";
import { CHANGELOG_TOPIC_CONFIG, KafkaClient, kafkaChangelog } from "@fleuve/kafka";

const { values: a } = parseArgs({
  options: {
    one: { type: "string" },
    runs: { type: "string", default: "3" },
    keys: { type: "string", default: "1000000" },
    hot: { type: "string", default: "10000" },
    events: { type: "string", default: "6000000" },
    bootstrap: { type: "string", default: "127.0.0.1:9092" },
  },
});
const keys = Number(a.keys);
const hot = Number(a.hot);
const events = Number(a.events);

if (a.one) {
  const root = mkdtempSync(join(tmpdir(), "fleuve-bench-changelog-"));
  // Bytes written per checkpoint: checkpoint files (storage) + changelog appends.
  const perCheckpoint: number[] = [];
  let appended = 0;
  const storage: CheckpointStorage = {
    ...localCheckpointStorage,
    async writeFolder(folder, files, metadata) {
      let n = metadata.length;
      for (const f of files.values()) n += f.length;
      if (/chk-\d+$/.test(folder)) {
        perCheckpoint.push(n + appended);
        appended = 0;
      }
      return localCheckpointStorage.writeFolder(folder, files, metadata);
    },
  };
  const counting = (inner: StateChangelogStorage): StateChangelogStorage => ({
    read: (h) => inner.read(h),
    writer(ctx) {
      const w = inner.writer(ctx);
      return {
        id: w.id,
        get from() {
          return w.from;
        },
        append(seq, chunk) {
          appended += chunk.byteLength;
          w.append(seq, chunk);
        },
        persist: () => w.persist(),
        release: (f) => w.release(f),
      };
    },
  });
  let closeKafka = async () => {};
  const options: EnvironmentOptions = {
    log: () => {},
    checkpointing: { dir: join(root, "cp"), intervalMs: 1000, storage },
  };
  if (a.one === "changelog") options.stateBackend = changelogStateBackend(counting(memoryChangelog()));
  else if (a.one === "changelog-kafka") {
    const topic = `bench-changelog-${Date.now()}`;
    const admin = await KafkaClient.connect({ "bootstrap.servers": a.bootstrap! });
    await admin.createTopics([{ name: topic, partitions: 1, config: CHANGELOG_TOPIC_CONFIG }]);
    const log = kafkaChangelog({ bootstrap: a.bootstrap!, topic });
    options.stateBackend = changelogStateBackend(counting(log));
    closeKafka = async () => {
      await log.close();
      await admin.deleteTopics([topic]);
      await admin.close();
    };
  } else if (a.one !== "heap") throw new Error(`--one heap|changelog|changelog-kafka, got ${a.one}`);

  const env = StreamExecutionEnvironment.create(options);
  // keyBy + ValueState running count; every 1000th count goes out (keeps the sink cheap)
  const count: KeyedProcessFunction<number, number, number> & { n?: ValueState<number> } = {
    open(ctx) {
      this.n = ctx.getState(valueState<number>("count"));
    },
    processElement(_k, _ctx, out) {
      const v = (this.n!.value() ?? 0) + 1;
      this.n!.update(v);
      if (v % 1000 === 0) out.collect(v);
    },
  };
  let checksum = 0;
  env
    .fromGenerator((i) => (i < keys ? i : (i * 7919) % hot), { count: keys + events })
    .keyBy((k) => k)
    .process(count)
    .sinkTo({
      createWriter: () => ({
        write(v: number) {
          checksum = (checksum + v) % 1_000_000_007;
        },
      }),
    });
  const t0 = performance.now();
  await env.execute(`bench-changelog-${a.one}`);
  const ms = performance.now() - t0;
  await closeKafka();
  rmSync(root, { recursive: true, force: true });
  const sorted = [...perCheckpoint].sort((x, y) => x - y);
  process.stdout.write(
    `RESULT ${JSON.stringify({
      backend: a.one,
      eventsPerSec: (keys + events) / (ms / 1000),
      checkpoints: perCheckpoint.length,
      medianBytes: sorted[Math.floor(sorted.length / 2)] ?? 0,
      maxBytes: sorted[sorted.length - 1] ?? 0,
      totalBytes: perCheckpoint.reduce((x, y) => x + y, 0),
      checksum,
    })}\n`,
  );
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const rows = ["heap", "changelog", "changelog-kafka"];
const results = new Map<string, any[]>(rows.map((r) => [r, []]));
for (let i = 0; i < Number(a.runs); i++) {
  for (const r of rows) {
    const load = loadavg()[0]!.toFixed(2);
    const res = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        self,
        "--one",
        r,
        "--keys",
        a.keys!,
        "--hot",
        a.hot!,
        "--events",
        a.events!,
        "--bootstrap",
        a.bootstrap!,
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    );
    const line = res.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    if (!line) throw new Error(`${r}: run failed (exit ${res.status})`);
    results.get(r)!.push({ ...JSON.parse(line.slice(7)), load });
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
process.stdout.write(
  `machine: ${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}; ${keys} keys then ${events} events over ${hot} hot keys; runs=${a.runs}\n\n` +
    "| backend | events/s (median) | checkpoints | bytes per checkpoint (median) | largest checkpoint | all checkpoints | load 1-min |\n|---|---|---|---|---|---|---|\n",
);
const checksums = new Set<number>();
for (const r of rows) {
  const rs = results.get(r)!;
  for (const x of rs) checksums.add(x.checksum);
  process.stdout.write(
    `| ${r} | ${(median(rs.map((x) => x.eventsPerSec)) / 1e6).toFixed(2)}M | ${median(rs.map((x) => x.checkpoints))} | ${mb(median(rs.map((x) => x.medianBytes)))} | ${mb(median(rs.map((x) => x.maxBytes)))} | ${mb(median(rs.map((x) => x.totalBytes)))} | ${rs.map((x) => x.load).join(" ")} |\n`,
  );
}
if (checksums.size !== 1) throw new Error(`results differ between backends: ${[...checksums].join(", ")}`);
