// Patterns that change while the job runs (docs/cep.md): the fraud rule arrives on a stream of
// updates (in production a Kafka topic), as data: the name of a pattern factory registered by the
// job, and its parameters. At 30 min an update lowers the "large" threshold from 500 to 100; in
// event time it applies to the payments from 30 min on, whatever order the two streams arrive in.
import { CEP, Pattern, type PatternUpdate } from "@fleuve/cep";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";

interface Payment {
  card: string;
  amount: number;
  at: number; // event time, ms
}
interface RuleUpdate extends PatternUpdate {
  at: number; // when the update takes effect (event time)
}
const MIN = 60_000;

/** The patterns updates may ask for, by name, with their parameters. */
const registry = {
  smallThenLarge: (p: { small: number; large: number; withinMin: number }) =>
    Pattern.for<Payment>()
      .begin("small")
      .where((x) => x.amount < p.small)
      .followedBy("large")
      .where((x) => x.amount > p.large)
      .within(p.withinMin * MIN),
};

const updates: RuleUpdate[] = [
  {
    at: 0,
    id: "card-fraud",
    version: 1,
    pattern: { factory: "smallThenLarge", params: { small: 10, large: 500, withinMin: 10 } },
  },
  {
    at: 30 * MIN,
    id: "card-fraud",
    version: 2,
    pattern: { factory: "smallThenLarge", params: { small: 10, large: 100, withinMin: 10 } },
    onReplace: "finish", // partial matches started under version 1 finish under it
  },
];
const payments: Payment[] = [
  { card: "4242", amount: 1, at: 1 * MIN },
  { card: "4242", amount: 200, at: 2 * MIN }, // not large under version 1
  { card: "5555", amount: 3, at: 28 * MIN }, // starts under version 1...
  { card: "5555", amount: 600, at: 33 * MIN }, // ...and finishes under it
  { card: "4242", amount: 2, at: 31 * MIN },
  { card: "4242", amount: 200, at: 32 * MIN }, // large under version 2
];

const env = StreamExecutionEnvironment.create();
const byTime = <T extends { at: number }>() =>
  WatermarkStrategy.forMonotonousTimestamps<T>().withTimestampAssigner((x) => x.at);
const rules = env.fromCollection(updates, { strategy: byTime<RuleUpdate>() });
const byCard = env.fromCollection(payments, { strategy: byTime<Payment>() }).keyBy((p) => p.card);
const lines = await CEP.dynamicPatterns(byCard, rules, registry)
  .select(
    (m, ctx) =>
      `${ctx.patternId} v${ctx.patternVersion}: card ${m.small[0].card}, ${m.small[0].amount} then ${m.large[0].amount}`,
  )
  .executeAndCollect("fraud-rules");
for (const line of lines.sort()) console.log(line);

/* Output:
card-fraud v1: card 5555, 3 then 600
card-fraud v2: card 4242, 2 then 200
*/
