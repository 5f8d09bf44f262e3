// Contiguity inside a loop (docs/cep.md, "Pattern reference"): Flink's documented case `a b+ c`
// over a b1 d1 b2 d2 b3 c, with the loop consecutive, relaxed (the default) or allowCombinations,
// and with followedBy or followedByAny before b+. The results are Flink CEP's own (its page lists
// the followedByAny ones under followedBy).
import { CEP, Pattern } from "@fleuve/cep";
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";

interface Ev {
  id: string;
  at: number; // event time, ms
}
const input: Ev[] = "a b1 d1 b2 d2 b3 c".split(" ").map((id, i) => ({ id, at: i }));
const is = (kind: string) => (e: Ev) => e.id.startsWith(kind);

type Inner = "consecutive" | "relaxed" | "allowCombinations";
function abc(inner: Inner, any: boolean) {
  const a = Pattern.for<Ev>().begin("a").where(is("a"));
  let b = (any ? a.followedByAny("b") : a.followedBy("b")).where(is("b")).oneOrMore();
  if (inner === "consecutive") b = b.consecutive();
  if (inner === "allowCombinations") b = b.allowCombinations();
  return b.followedBy("c").where(is("c")).within(60_000);
}

for (const any of [false, true]) {
  for (const inner of ["consecutive", "relaxed", "allowCombinations"] as const) {
    const env = StreamExecutionEnvironment.create();
    const events = env.fromCollection(input, {
      strategy: WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.at),
    });
    const matches = await CEP.pattern(events, abc(inner, any))
      .select((m) => [...m.a, ...m.b, ...m.c].map((e) => e.id).join(" "))
      .executeAndCollect(`contiguity-${inner}`);
    const before = any ? "followedByAny" : "followedBy";
    console.log(
      `${before} b+ ${inner}: ${matches
        .sort()
        .map((m) => `{${m}}`)
        .join(" ")}`,
    );
  }
}

/* Output:
followedBy b+ consecutive: {a b1 c}
followedBy b+ relaxed: {a b1 b2 b3 c} {a b1 b2 c} {a b1 c}
followedBy b+ allowCombinations: {a b1 b2 b3 c} {a b1 b2 c} {a b1 b3 c} {a b1 c}
followedByAny b+ consecutive: {a b1 c} {a b2 c} {a b3 c}
followedByAny b+ relaxed: {a b1 b2 b3 c} {a b1 b2 c} {a b1 c} {a b2 b3 c} {a b2 c} {a b3 c}
followedByAny b+ allowCombinations: {a b1 b2 b3 c} {a b1 b2 c} {a b1 b3 c} {a b1 c} {a b2 b3 c} {a b2 c} {a b3 c}
*/
