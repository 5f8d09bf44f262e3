/**
 * Micro A/B of the SQL window join operator alone (docs/benchmarks.md, issue 13), on q8-like input: per
 * 10 s window, 200 people (new ids) on the left, 600 auctions on the right whose sellers are recent
 * people, a watermark after each window; the operators keyed by the SQL key selectors. Prints the
 * CPU ms of 5 runs of 100 windows (after one of 50 to warm up) and the pairs joined. Run against the
 * build of a worktree: `node --import tsx bench/nexmark/window-join-bench.ts <worktree root>`.
 */
const wt = process.argv[2];
if (wt === undefined)
  throw new Error("window-join-bench: give the worktree root whose build to measure (1st argument)");
const { KeyedTwoInputOperatorHarness } = await import(`${wt}/packages/core/dist/testing/index.js`);
const { SqlWindowJoinOperator } = await import(`${wt}/packages/sql/dist/runtime/window-join.js`);
const { windowFiring } = await import(`${wt}/packages/sql/dist/runtime/zoned-windows.js`);
const { jsonKey } = await import(`${wt}/packages/sql/dist/planner/keys.js`);
/** Joins `windows` windows of q8-like rows; returns the number of pairs of the last window. */
function run(windows: number): number {
  const op = new SqlWindowJoinOperator({
    type: "INNER",
    leftEnd: (r: any) => r.end,
    rightEnd: (r: any) => r.end,
    firing: windowFiring(undefined),
    matches: (l: any, r: any) => l.id === r.seller,
    combine: (l: any, _r: any) => ({ id: l.id, name: l.name, start: l.start }),
  });
  const kl = jsonKey([(r: any) => r.id]);
  const kr = jsonKey([(r: any) => r.seller]);
  const h = new KeyedTwoInputOperatorHarness(op, kl, kr);
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let out = 0;
  for (let w = 0; w < windows; w++) {
    const start = w * 10000,
      end = start + 10000;
    for (let i = 0; i < 200; i++) h.processElement1({ id: w * 200 + i, name: `p${i}`, start, end }, end - 1);
    for (let i = 0; i < 600; i++)
      h.processElement2(
        { seller: Math.max(0, w * 200 + Math.floor(rnd() * 400) - 200), start, end },
        end - 1,
      );
    h.processWatermark1(end - 1);
    h.processWatermark2(end - 1);
    out = h.getOutput().length;
    h.clearOutput?.();
  }
  return out;
}
run(50);
const c0 = process.cpuUsage();
let n = 0;
for (let i = 0; i < 5; i++) n += run(100);
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, out: n }));
