// The job of bench/kafka/group-pipeline.ts, run by `fleuve run --group` in 1 or 3 processes.
// Args: bootstrap, input, output[, delivery]. Kafka (JSON {id, k, sentAt}) -> keyBy(k) (repartitions
// through an exchange topic) -> running count per key -> Kafka (exactly-once, or at-least-once when
// delivery is "at-least-once"), one output record per input.
import { defineJob } from "@fleuve/core";
import { kafkaSink, kafkaSource } from "@fleuve/kafka";

interface Ev {
  id: number;
  k: number;
  sentAt: number;
  n?: number;
}

export default defineJob({
  name: "bench-group",
  // PARALLELISM and SINK_LINGER_MS: see bench/kafka/latency.ts.
  options: { parallelism: Number(process.env.PARALLELISM ?? 6) },
  build(env, [bootstrap, input, output, delivery]) {
    env
      .fromSource(
        kafkaSource<null, Ev, Buffer>({ bootstrap, topics: [input!], value: "json" }),
        undefined,
        "input",
      )
      .map((r) => ({ ...r.value, n: 1 }))
      .keyBy((e) => e.k)
      .reduce((a, b) => ({ id: b.id, k: b.k, sentAt: b.sentAt, n: a.n! + 1 }))
      .sinkTo(
        kafkaSink<Ev>({
          bootstrap,
          topic: output!,
          serializer: "json",
          ...(delivery === "at-least-once"
            ? { deliveryGuarantee: "at-least-once" as const }
            : { deliveryGuarantee: "exactly-once" as const, transactionalIdPrefix: `bench-group-${output}` }),
          // The sink's default linger.ms (0 at-least-once, 5 exactly-once) unless SINK_LINGER_MS.
          ...(process.env.SINK_LINGER_MS === undefined
            ? {}
            : { props: { "linger.ms": Number(process.env.SINK_LINGER_MS) } }),
        }),
        "output",
      );
  },
});
