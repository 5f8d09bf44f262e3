// Alerts on a business metric: payments per 10 minutes of two regions, replayed in event time,
// through one operator with three rules: a fixed floor, a rate of change and the anomaly detector
// with its defaults (it learns each region's level over its first 3 days, then flags new extremes).
// Each alert names the series, the point, what was expected and the rule (see docs/observability.md).
//   node packages/cli/bin/fleuve.js run examples/alerts.ts
import { anomaly, detectAlerts, rateOfChange, threshold } from "@fleuve/alerts";
import { defineJob, WatermarkStrategy } from "@fleuve/core";

interface Payments {
  region: string;
  at: number; // event time, ms
  count: number; // payments in the 10 minutes before `at`
}

const start = Date.UTC(2026, 0, 5);
const step = 10 * 60_000;
const payments: Payments[] = [];
for (let i = 0; i < 4 * 144; i++) {
  const at = start + i * step;
  const noise = (i * 37) % 11; // deterministic wobble
  let eu = 120 + noise;
  if (i === 488) eu = 400; // a burst on day 4
  let us = 80 + noise;
  if (i >= 518 && i < 524) us = 3; // an outage: payments fall to almost nothing
  payments.push({ region: "eu", at, count: eu }, { region: "us", at, count: us });
}

export default defineJob({
  name: "payment-alerts",
  build(env) {
    return env
      .fromCollection(payments, {
        strategy: WatermarkStrategy.forMonotonousTimestamps<Payments>().withTimestampAssigner((p) => p.at),
      })
      .keyBy((p) => p.region)
      .process(
        detectAlerts<Payments, string>({
          value: (p) => p.count,
          rules: [
            threshold({ below: 10, name: "floor" }),
            rateOfChange({ maxRise: 100, per: step, cooldown: 3_600_000 }),
            anomaly(),
          ],
        }),
      )
      .map(
        (a) =>
          `${a.rule} ${a.kind} ${a.series} at ${new Date(a.time).toISOString()}: ${a.value} (expected ${Math.round(a.expected)})`,
      );
  },
});

/* Output:
rateOfChange spike eu at 2026-01-08T09:20:00.000Z: 400 (expected 121)
anomaly spike eu at 2026-01-08T09:20:00.000Z: 400 (expected 125)
floor level us at 2026-01-08T14:20:00.000Z: 3 (expected 10)
anomaly drop us at 2026-01-08T14:20:00.000Z: 3 (expected 85)
*/
