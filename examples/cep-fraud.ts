// Complex event processing (docs/cep.md): "a small payment, then a large one within 10 minutes
// from the same card". Payments arrive out of order (by up to a minute): the CEP operator keeps
// them per card until the watermark passes them, then matches them in event-time order. A small
// payment with no large one in time goes to the `timedOut` side output, with what it matched.
import { CEP, Pattern, type TimedOutMatch } from "@fleuve/cep";
import { OutputTag, StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";

interface Payment {
  card: string;
  amount: number;
  at: number; // event time, ms
}
const MIN = 60_000;

const smallThenLarge = Pattern.for<Payment>()
  .begin("small")
  .where((p) => p.amount < 10)
  .followedBy("large")
  .where((p) => p.amount > 500)
  .within(10 * MIN);

const payments: Payment[] = [
  { card: "4242", amount: 1, at: 0 },
  { card: "5555", amount: 2, at: 1 * MIN },
  { card: "4242", amount: 900, at: 4 * MIN }, // 4242: 1, then 900 four minutes later
  { card: "4242", amount: 40, at: 3 * MIN }, // out of order; neither small nor large
  { card: "5555", amount: 750, at: 14 * MIN }, // 13 minutes after 5555's small one: too late
];

const timedOut = new OutputTag<TimedOutMatch<{ small: Payment[]; large: Payment[] }>>("timed-out");
const env = StreamExecutionEnvironment.create();
const byCard = env
  .fromCollection(payments, {
    strategy: WatermarkStrategy.forBoundedOutOfOrderness<Payment>(MIN).withTimestampAssigner((p) => p.at),
  })
  .keyBy((p) => p.card);
const alerts = CEP.pattern(byCard, smallThenLarge, { timedOut }).select(
  (m) => `card ${m.small[0].card}: ${m.small[0].amount} then ${m.large[0].amount} (fraud?)`,
);
const expired = alerts
  .getSideOutput(timedOut)
  .map((t) => `card ${t.match.small?.[0].card}: no large payment by ${t.timeoutTimestamp / MIN} min`);
const lines = await alerts.union(expired).executeAndCollect("fraud");
for (const line of lines.sort()) console.log(line);

/* Output:
card 4242: 1 then 900 (fraud?)
card 5555: no large payment by 11 min
*/
