// Embedded log benchmark: append throughput of small records with batched fsync, and sequential
// read throughput over a ~500 MB log. Median of 3 runs of each.
//   node --import tsx bench/log/append-read.ts [--records 1000000] [--read-mb 500]
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type FsyncPolicy, openLog } from "@fleuve/log";

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const RECORDS = arg("records", 1_000_000);
const BATCH = arg("batch", 1000);
const READ_MB = arg("read-mb", 500);
const VALUE = 100;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function freshDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "fleuve-log-bench-"));
}

function makeBatch(): { value: Buffer }[] {
  return Array.from({ length: BATCH }, (_, i) => ({ value: Buffer.alloc(VALUE, 97 + (i % 26)) }));
}

/** Appends RECORDS records of VALUE bytes in batches of BATCH; returns seconds and bytes on disk. */
function appendRun(fsync: FsyncPolicy): { secs: number; diskBytes: number } {
  const dir = freshDir();
  const log = openLog({ dir });
  const t = log.createTopic("bench", { config: { fsync, fsyncIntervalMs: 100 } });
  const batch = makeBatch();
  const p = t.partition(0);
  const start = process.hrtime.bigint();
  for (let n = 0; n < RECORDS; n += BATCH) p.append(batch);
  p.flush();
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const diskBytes = p.sizeInBytes;
  log.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { secs, diskBytes };
}

function readRun(
  dir: string,
  checkCrcs: boolean,
  maxBytes: number,
): { secs: number; records: number; bytes: number } {
  const log = openLog({ dir });
  const p = log.topic("bench").partition(0);
  const start = process.hrtime.bigint();
  let off = 0;
  let records = 0;
  let payload = 0;
  const end = p.logEndOffset;
  while (off < end) {
    const res = p.fetch(off, { maxBytes, checkCrcs });
    records += res.records.length;
    // Touch every record so decoding is not optimised away.
    for (const r of res.records) payload += r.value!.length;
    off = res.nextOffset;
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const bytes = p.sizeInBytes;
  log.close();
  if (payload !== records * VALUE) throw new Error("read back wrong payload size");
  return { secs, records, bytes };
}

const MB = 1024 * 1024;
const out: string[] = [];
const say = (s: string) => {
  out.push(s);
  console.log(s);
};

say(`node ${process.version}, ${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}`);
for (const fsync of ["interval", "every-batch"] as FsyncPolicy[]) {
  const runs = [appendRun(fsync), appendRun(fsync), appendRun(fsync)];
  const secs = median(runs.map((r) => r.secs));
  const disk = runs[0]!.diskBytes;
  say(
    `append ${RECORDS} x ${VALUE} B records, batches of ${BATCH}, fsync ${fsync}${fsync === "interval" ? " (100 ms)" : ""}: ` +
      `${(RECORDS / secs / 1e6).toFixed(2)} M records/s, ${((RECORDS * VALUE) / secs / MB).toFixed(0)} MB/s payload, ` +
      `${(disk / secs / MB).toFixed(0)} MB/s on disk (median of 3, ${secs.toFixed(2)} s)`,
  );
}

// Build a ~READ_MB log once, then read it sequentially three times (page cache warm).
const dir = freshDir();
{
  const log = openLog({ dir });
  const p = log.createTopic("bench", { config: { fsync: "interval", fsyncIntervalMs: 1000 } }).partition(0);
  const batch = makeBatch();
  while (p.sizeInBytes < READ_MB * MB) p.append(batch);
  log.close();
}
// 1 MiB is the default fetch size; 4 MiB shows the cost of holding more live records per fetch (GC).
for (const [checkCrcs, maxBytes] of [
  [true, 1 << 20],
  [false, 1 << 20],
  [true, 4 << 20],
] as const) {
  const runs = [
    readRun(dir, checkCrcs, maxBytes),
    readRun(dir, checkCrcs, maxBytes),
    readRun(dir, checkCrcs, maxBytes),
  ];
  const secs = median(runs.map((r) => r.secs));
  const { records, bytes } = runs[0]!;
  say(
    `sequential read of ${(bytes / MB).toFixed(0)} MB (${records} records), fetch maxBytes ${maxBytes / MB} MiB, CRC check ${checkCrcs ? "on" : "off"}: ` +
      `${(bytes / secs / MB).toFixed(0)} MB/s, ${(records / secs / 1e6).toFixed(2)} M records/s (median of 3, ${secs.toFixed(2)} s)`,
  );
}
fs.rmSync(dir, { recursive: true, force: true });
