/**
 * Recovery benchmark of the LMDB backend: builds ~`--gb` GB of keyed state (1 KB value per key),
 * takes a full checkpoint, updates `--update-pct` % of the keys and takes an incremental one,
 * then restores base + delta into a fresh job. Prints one `RESULT {json}` line.
 *
 *   node --import tsx bench/state/recovery.ts [--gb 1] [--update-pct 1] [--dir /tmp]
 *
 * Times: `fill` is the whole first job (records + final base checkpoint), `baseCheckpoint` the
 * time from the last record to the end of that job (snapshot, files, fsync, _metadata), likewise
 * `deltaCheckpoint`; `restore` is the wall time of a job that only restores the state (load and
 * verify the checkpoint files, apply base + delta into LMDB) and reads 3 keys back.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  type KeyedProcessFunction,
  StreamExecutionEnvironment,
  type ValueState,
  valueState,
} from "@fleuve/core";
import { lmdbStateBackend } from "@fleuve/state-lmdb";

const { values: a } = parseArgs({
  options: {
    gb: { type: "string", default: "1" },
    "update-pct": { type: "string", default: "1" },
    dir: { type: "string", default: tmpdir() },
  },
});
const VALUE_BYTES = 1000;
const keys = Math.round((Number(a.gb) * 1e9) / (VALUE_BYTES + 24));
const updates = Math.round((keys * Number(a["update-pct"])) / 100);
const root = mkdtempSync(join(a.dir!, "fleuve-bench-recovery-"));
const cp = join(root, "cp");
const backend = () => lmdbStateBackend({ dir: join(root, "work") });

/** A 1000-character value that differs per key and version. */
function payload(k: number, version: number): string {
  const head = `${k}:${version}:`;
  return head + "x".repeat(VALUE_BYTES - head.length);
}

const keep: KeyedProcessFunction<number, [number, number], number> & { v?: ValueState<string> } = {
  open(ctx) {
    this.v = ctx.getState(valueState<string>("v"));
  },
  processElement([k, version], _ctx, out) {
    if (version < 0) out.collect(this.v!.value()?.length ?? -1);
    else this.v!.update(payload(k, version));
  },
};

async function run(
  name: string,
  gen: (i: number) => [number, number],
  count: number,
  opts: { checkpoint: boolean; restore?: boolean },
): Promise<{ ms: number; tailMs: number; out: number[] }> {
  const env = StreamExecutionEnvironment.create({
    stateBackend: backend(),
    checkpointing: opts.checkpoint ? { dir: cp, intervalMs: 3_600_000, retained: 2 } : undefined,
    restoreFrom: opts.restore ? cp : undefined,
    allowNonRestoredState: true,
    log: (l) => process.stderr.write(`${name}: ${l}\n`),
  });
  let lastRecordAt = 0;
  const out: number[] = [];
  env
    .fromGenerator(
      (i) => {
        if (i === count - 1) lastRecordAt = performance.now();
        return gen(i);
      },
      { count },
    )
    .uid(`source-${name}`)
    .keyBy((r) => r[0])
    .process(keep)
    .uid("keep")
    .forEach((n) => {
      out.push(n);
    });
  const t0 = performance.now();
  await env.execute(name);
  const t1 = performance.now();
  return { ms: t1 - t0, tailMs: lastRecordAt > 0 ? t1 - lastRecordAt : 0, out };
}

function checkpointBytes(): { id: number; bytes: number; references: string[] }[] {
  return readdirSync(cp)
    .filter((f) => f.startsWith("chk-"))
    .map((f) => {
      const m = JSON.parse(readFileSync(join(cp, f, "_metadata"), "utf8"));
      const bytes = Object.values(m.files as Record<string, { bytes: number }>).reduce(
        (n, x) => n + x.bytes,
        0,
      );
      return { id: Number(f.slice(4)), bytes, references: m.references ?? [] };
    })
    .sort((x, y) => x.id - y.id);
}

try {
  const fill = await run("fill", (i) => [i, 0], keys, { checkpoint: true });
  const afterFill = checkpointBytes();
  const stride = Math.max(1, Math.floor(keys / updates));
  const update = await run("update", (i) => [(i * stride) % keys, 1], updates, {
    checkpoint: true,
    restore: true,
  });
  const afterUpdate = checkpointBytes();
  const probe = [0, Math.floor(keys / 2), keys - 1];
  const restore = await run("restore", (i) => [probe[i]!, -1], probe.length, {
    checkpoint: false,
    restore: true,
  });
  if (restore.out.length !== 3 || restore.out.some((n) => n !== VALUE_BYTES)) {
    throw new Error(`restored state is wrong: ${JSON.stringify(restore.out)}`);
  }
  const base = afterFill[afterFill.length - 1]!;
  const delta = afterUpdate[afterUpdate.length - 1]!;
  process.stdout.write(
    `RESULT ${JSON.stringify({
      keys,
      valueBytes: VALUE_BYTES,
      updatedKeys: updates,
      fillMs: fill.ms,
      baseCheckpointMs: fill.tailMs,
      baseCheckpointBytes: base.bytes,
      updateJobMs: update.ms,
      deltaCheckpointMs: update.tailMs,
      deltaCheckpointBytes: delta.bytes,
      deltaReferences: delta.references,
      restoreMs: restore.ms,
    })}\n`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
