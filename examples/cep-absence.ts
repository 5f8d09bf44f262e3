// Absence (docs/cep.md): "an order with no payment within 15 minutes". The pattern ends with
// notFollowedBy and a within: the match is emitted when the 15 minutes pass, at the deadline,
// without waiting for a later event of the order (here o3's alert comes from the end of input).
import { CEP, Pattern } from "@fleuve/cep";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";

interface OrderEvent {
  order: string;
  kind: "placed" | "paid";
  at: number; // event time, ms
}
const MIN = 60_000;

const unpaid = Pattern.for<OrderEvent>()
  .begin("placed")
  .where((e) => e.kind === "placed")
  .notFollowedBy("paid")
  .where((e) => e.kind === "paid")
  .within(15 * MIN);

const events: OrderEvent[] = [
  { order: "o1", kind: "placed", at: 0 },
  { order: "o2", kind: "placed", at: 2 * MIN },
  { order: "o1", kind: "paid", at: 5 * MIN },
  { order: "o2", kind: "paid", at: 20 * MIN }, // paid, but 18 minutes after the order
  { order: "o3", kind: "placed", at: 21 * MIN }, // never paid
];

const env = StreamExecutionEnvironment.create();
const orders = env
  .fromCollection(events, {
    strategy: WatermarkStrategy.forMonotonousTimestamps<OrderEvent>().withTimestampAssigner((e) => e.at),
  })
  .keyBy((e) => e.order);
const lines = await CEP.pattern(orders, unpaid)
  .select((m, ctx) => `${m.placed[0].order}: not paid by ${ctx.timestamp / MIN} min`)
  .executeAndCollect("unpaid-orders");
for (const line of lines.sort()) console.log(line);

/* Output:
o2: not paid by 17 min
o3: not paid by 36 min
*/
