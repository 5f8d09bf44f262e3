// Error policy: a record a user function throws on fails the job by default. With a dead-letter
// writer, the record goes there (with the error, the operator and the subtask) and the job goes
// on. In production the writer appends to a log topic; here it prints.
//   node packages/cli/bin/fleuve.js run examples/dead-letters.ts
import { type DeadLetter, defineJob } from "@fleuve/core";

interface Order {
  id: number;
  amount: number;
}

function parse(line: string): Order {
  try {
    return JSON.parse(line) as Order;
  } catch {
    throw new Error("not JSON"); // the engine's own message differs between Node versions
  }
}

export default defineJob({
  name: "dead-letters",
  options: {
    errorPolicy: {
      deadLetter: (l: DeadLetter) =>
        console.log(`dead letter from ${l.operator}: ${JSON.stringify(l.record)} (${l.error})`),
    },
  },
  build(env) {
    return env
      .fromElements('{"id":1,"amount":30}', "{not json", '{"id":3,"amount":-5}', '{"id":4,"amount":12}')
      .map(parse)
      .name("parse")
      .map((o) => {
        if (o.amount < 0) throw new Error(`order ${o.id} has a negative amount`);
        return `order ${o.id}: ${o.amount}`;
      })
      .name("validate");
  },
});

/* Output:
dead letter from parse: "{not json" (not JSON)
dead letter from validate: {"id":3,"amount":-5} (order 3 has a negative amount)
order 1: 30
order 4: 12
*/
