// A job module: `export default defineJob(...)`. Run it from the repository root with
//   node packages/cli/bin/fleuve.js run examples/word-count.ts
//   node packages/cli/bin/fleuve.js run examples/word-count.ts --parallelism 2 -- "a line" "another"
// `build` may return a stream: `fleuve run` prints its records, one JSON line each.
import { defineJob } from "@fleuve/core";

export default defineJob({
  name: "word-count",
  build(env, args) {
    const lines = args.length > 0 ? args : ["to be or not to be", "that is the question"];
    return env
      .fromCollection(lines)
      .flatMap((line) => line.split(/\s+/))
      .map((word) => ({ word, count: 1 }))
      .keyBy((w) => w.word)
      .reduce((a, b) => ({ word: a.word, count: a.count + b.count }));
  },
});

/* Output:
{"word":"to","count":1}
{"word":"be","count":1}
{"word":"or","count":1}
{"word":"not","count":1}
{"word":"to","count":2}
{"word":"be","count":2}
{"word":"that","count":1}
{"word":"is","count":1}
{"word":"the","count":1}
{"word":"question","count":1}
*/
