// Measures how long this machine keeps a busy process off the CPU: a tight loop records every gap
// longer than 2 ms for 6 s. Run it beside latency benchmarks: their tail cannot be lower than this.
//   node bench/core/stall-probe.mjs
const gaps = [];
let last = performance.now();
const end = last + 6000;
for (;;) {
  const now = performance.now();
  if (now > end) break;
  const g = now - last;
  if (g > 2) gaps.push(g);
  last = now;
}
gaps.sort((a, b) => a - b);
const total = gaps.reduce((a, b) => a + b, 0);
console.log(
  JSON.stringify({
    stallsOver2ms: gaps.length,
    maxMs: Number((gaps.at(-1) ?? 0).toFixed(1)),
    p90OfStallsMs: Number((gaps[Math.floor(gaps.length * 0.9)] ?? 0).toFixed(1)),
    totalStalledMs: Math.round(total),
  }),
);
