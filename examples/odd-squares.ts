// A job script: it builds and executes its pipeline itself. `fleuve run examples/odd-squares.ts`
// runs it with no build step; `node --import tsx examples/odd-squares.ts` works too.
import { StreamExecutionEnvironment } from "@fleuve/core";

const env = StreamExecutionEnvironment.create();
env
  .fromElements(1, 2, 3, 4, 5)
  .filter((x) => x % 2 === 1)
  .map((x) => x * x)
  .print("odd square");
await env.execute("odd-squares");

/* Output:
odd square> 1
odd square> 9
odd square> 25
*/
