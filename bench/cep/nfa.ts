// The NFA of @fleuve/cep alone, without the operator (no event-time buffer, timers or keyed state
// backend): events straight into NFA.process with one state per key in a Map, a key's state
// dropped when it is empty (as the operator does). It shows what the matcher costs per event.
//   node --import tsx bench/cep/nfa.ts [events=1000000] [keys=100000]
import { NFA, type NFAState, Pattern } from "@fleuve/cep";

interface Txn {
  card: number;
  amount: number;
  ts: number;
}

const events = Number(process.argv[2] ?? 1_000_000);
const keys = Number(process.argv[3] ?? 100_000);

// mulberry32: a small deterministic generator, so that every run sees the same input.
let seed = 42;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const input: Txn[] = [];
for (let i = 0; i < events; i++) {
  const r = random();
  input.push({ card: Math.floor(random() * keys), amount: r < 0.1 ? 0.5 : r > 0.95 ? 900 : 50, ts: i + 1 });
}

const P = Pattern.for<Txn>();
const patterns = {
  fraud: P.begin("small")
    .where((t) => t.amount < 1)
    .followedBy("large")
    .where((t) => t.amount > 500)
    .within(600_000),
  loop: P.begin("a")
    .where((t) => t.amount < 1)
    .followedBy("b")
    .where((t) => t.amount === 50)
    .oneOrMore()
    .followedBy("c")
    .where((t) => t.amount > 500)
    .within(600_000),
  absence: P.begin("small")
    .where((t) => t.amount < 1)
    .notFollowedBy("large")
    .where((t) => t.amount > 500)
    .within(100_000),
};

for (const [name, pattern] of Object.entries(patterns)) {
  const nfa = NFA.compile<Txn>(pattern, { maxPartialMatches: 1000 });
  const states = new Map<number, NFAState<Txn>>();
  let matches = 0;
  let timedOut = 0;
  const out = { match: () => void matches++, timedOut: () => void timedOut++, dropped: () => {} };
  const start = performance.now();
  for (const e of input) {
    let state = states.get(e.card);
    if (state === undefined) {
      state = nfa.createState();
      states.set(e.card, state);
    }
    nfa.process(state, e, e.ts, out);
    if (nfa.isEmpty(state)) states.delete(e.card);
  }
  const ms = performance.now() - start;
  const heap = process.memoryUsage().heapUsed / 1e6;
  console.log(
    `${name}: ${Math.round((events / ms) * 1000)} events/s, ${matches} matches, ${timedOut} timed out, ` +
      `${states.size} keys with state, heap ${heap.toFixed(0)} MB`,
  );
}
