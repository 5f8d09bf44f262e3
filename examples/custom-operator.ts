// A keyed operator written outside core (examples/operators/burst-detector.ts, on the operator
// SPI `@fleuve/core/spi`) in a job: `transform` puts it after `keyBy`, so the runtime sets the
// current key before each record and each timer. Logins arrive out of order (by up to 5 s);
// the detector reports a user with 3 logins within 10 s of event time, at each login that
// completes such a burst, once the watermark has passed it.
import { StreamExecutionEnvironment, WatermarkStrategy } from "@fleuve/core";
import { BurstDetector } from "./operators/burst-detector.js";

interface Login {
  user: string;
  at: number;
}

const logins: Login[] = [
  { user: "ada", at: 1_000 },
  { user: "bob", at: 2_000 },
  { user: "ada", at: 9_000 },
  { user: "ada", at: 6_000 }, // late by 3 s: still within the 5 s bound
  { user: "bob", at: 20_000 },
  { user: "ada", at: 15_000 }, // 6 s, 9 s, 15 s: within 10 s
  { user: "bob", at: 23_000 },
  { user: "bob", at: 40_000 }, // too far from 20 s and 23 s
];

const env = StreamExecutionEnvironment.create();
env
  .fromCollection(logins, {
    strategy: WatermarkStrategy.forBoundedOutOfOrderness<Login>(5_000).withTimestampAssigner((l) => l.at),
  })
  .keyBy((l) => l.user)
  .transform("Bursts", () => new BurstDetector<Login>(3, 10_000))
  .map((b) => `${b.key}: ${b.count} logins in the 10 s up to ${b.at / 1000} s`)
  .print();
await env.execute("bursts");

/* Output:
ada: 3 logins in the 10 s up to 9 s
ada: 3 logins in the 10 s up to 15 s
*/
