/**
 * A/B of the heap backend's per-record path: the backend as it was before the
 * KeyedStateBackend refactor (file given with --old, e.g. extracted with `git show`) against the
 * current one. Alternates old/new `--runs` times: setCurrentKey + ValueState read/update and a
 * ListState add per operation, 10 000 keys. Prints ns/op medians.
 *
 *   node --import tsx bench/state/heap-ab.ts --old /tmp/oldheap/src/state/heap-keyed-state-backend.ts
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { HeapKeyedStateBackend, listState, valueState } from "@fleuve/core";

const { values: a } = parseArgs({
  options: {
    old: { type: "string" },
    runs: { type: "string", default: "5" },
    ops: { type: "string", default: "5000000" },
  },
});
const Old = (await import(pathToFileURL(a.old!).href)).HeapKeyedStateBackend as typeof HeapKeyedStateBackend;
const ops = Number(a.ops);

function run(B: typeof HeapKeyedStateBackend): number {
  const b = new B(128, () => 0);
  const v = b.getState(valueState<number>("v"));
  const l = b.getState(listState<number>("l"));
  const t0 = performance.now();
  for (let i = 0; i < ops; i++) {
    const k = (i * 7919) % 10_000;
    b.setCurrentKey(k, k);
    v.update((v.value() ?? 0) + 1);
    if ((i & 63) === 0) l.add(i);
  }
  return ((performance.now() - t0) * 1e6) / ops;
}

const old: number[] = [];
const cur: number[] = [];
for (let r = 0; r < Number(a.runs); r++) {
  old.push(run(Old));
  cur.push(run(HeapKeyedStateBackend));
}
const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
process.stdout.write(
  `RESULT ${JSON.stringify({ oldNsPerOp: med(old), newNsPerOp: med(cur), old: old.map((x) => +x.toFixed(1)), new: cur.map((x) => +x.toFixed(1)) })}\n`,
);
