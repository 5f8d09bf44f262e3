// Metrics from inside a user function: a counter, a histogram and a gauge registered in open()
// through the runtime context (Flink's getMetricGroup()), exported with the operator's labels by
// the Prometheus endpoint of `fleuve run` (see docs/observability.md). It checks 4000 orders,
// counts the large ones and emits a total per currency at the end of its input.
//   node packages/cli/bin/fleuve.js run examples/user-metrics.ts             (as fast as it can)
//   node packages/cli/bin/fleuve.js run examples/user-metrics.ts -- 100      (100 orders/s)
import {
  type Collector,
  type Counter,
  defineJob,
  type Histogram,
  type ProcessContext,
  type ProcessFunction,
  type RuntimeContext,
} from "@fleuve/core";

interface Order {
  id: number;
  currency: string;
  amount: number;
}

/** Passes orders on; counts the large ones and records every amount. */
class CheckOrders implements ProcessFunction<Order, Order> {
  private large?: Counter;
  private amounts?: Histogram;
  private lastId = -1;
  open(ctx: RuntimeContext): void {
    const metrics = ctx.getMetricGroup();
    this.large = metrics.counter("largeOrders");
    this.amounts = metrics.histogram("orderAmount");
    metrics.gauge("lastOrderId", () => this.lastId);
  }
  processElement(order: Order, _ctx: ProcessContext, out: Collector<Order>): void {
    if (order.amount >= 900) this.large!.inc();
    this.amounts!.record(order.amount);
    this.lastId = order.id;
    out.collect(order);
  }
}

export default defineJob({
  name: "user-metrics",
  build(env, args) {
    const rate = args[0] === undefined ? undefined : Number(args[0]);
    return env
      .fromGenerator<Order>((i) => ({ id: i, currency: ["EUR", "USD"][i % 2]!, amount: (i * 37) % 1000 }), {
        count: 4000,
        ratePerSecond: rate,
      })
      .process(new CheckOrders())
      .name("Check orders")
      .keyBy((o) => o.currency)
      .reduce((a, b) => ({ id: Math.max(a.id, b.id), currency: a.currency, amount: a.amount + b.amount }))
      .filter((o) => o.id >= 3998)
      .map((o) => `${o.currency}: ${o.amount}`);
  },
});

/* Output:
EUR: 998000
USD: 1000000
*/
