// CPU and time per light commit of a group unit's checkpoint storage (issue 11), for A/B runs of two
// builds: 4 units in one process, each writing COMMITS checkpoints of two small snapshot files (as
// the latency benchmark's units) through ownerStorage (the newer-epoch check), then pruning
// (retained 3), as a unit's coordinator does. Prints CPU per commit (process.cpuUsage, all threads).
// usage: node bench/kafka/commit-cost.mjs REPO_ROOT [COMMITS=300]   (REPO_ROOT built: npm run build)
// A base without CheckpointPruner (before 2026-12-06) is pruned with pruneCheckpoints.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serialize } from "node:v8";

const wt = process.argv[2];
const C = Number(process.argv[3] ?? 300);
const st = await import(`${wt}/packages/core/dist/checkpoint/storage.js`);
const ep = await import(`${wt}/packages/core/dist/scale-out/unit-epochs.js`);
let ret;
try {
  ret = await import(`${wt}/packages/core/dist/checkpoint/retention.js`);
} catch {}
const base = mkdtempSync(join(tmpdir(), "fleuve-commit-cost-"));
const times = [];
async function unit(u) {
  const root = join(base, `unit-${u}`);
  const taken = await ep.takeEpoch(root, st.localCheckpointStorage);
  const storage = ep.ownerStorage(st.localCheckpointStorage, root, taken.epoch, () => {});
  const file = `task-0-${u}.bin`;
  const inline = new Set([file, `${file}.deferred`]);
  const pruner = ret && new ret.CheckpointPruner(taken.dir, 3, storage);
  for (let id = 1; id <= C; id++) {
    const files = new Map([
      [
        file,
        serialize({
          src: { custom: [{ topic: "in", partition: u, offset: BigInt(id * 17) }], pad: "x".repeat(200) },
        }),
      ],
      [`${file}.deferred`, serialize({ sink: { custom: { txn: `t-${u}`, producerId: 1234n, epoch: id } } })],
    ]);
    const meta = {
      checkpointId: id,
      kind: "checkpoint",
      jobName: "micro",
      createdAt: new Date().toISOString(),
      maxParallelism: 128,
      operators: { src: { parallelism: 1, source: true, files: [file] } },
      references: [],
    };
    const folder = join(taken.dir, `chk-${id}`);
    const t = performance.now();
    const names = await st.writeCheckpoint(folder, files, meta, storage, inline);
    times.push(performance.now() - t);
    if (pruner) {
      pruner.completed(id, folder, [], names);
      await pruner.prune(id);
    } else await st.pruneCheckpoints(taken.dir, 3, id, storage);
  }
}
const c0 = process.cpuUsage();
const w0 = performance.now();
await Promise.all([0, 1, 2, 3].map(unit));
const cpu = process.cpuUsage(c0);
const wall = performance.now() - w0;
times.sort((a, b) => a - b);
const n = 4 * C;
console.log(
  `${wt.split("/").pop()}: ${n} commits, CPU ${((cpu.user + cpu.system) / n).toFixed(0)} us/commit (user ${(cpu.user / n).toFixed(0)}, sys ${(cpu.system / n).toFixed(0)}), wall ${((wall / n) * 4).toFixed(2)} ms/commit/unit, write p50 ${times[n >> 1].toFixed(2)} p99 ${times[Math.floor(n * 0.99)].toFixed(2)} ms`,
);
rmSync(base, { recursive: true, force: true });
