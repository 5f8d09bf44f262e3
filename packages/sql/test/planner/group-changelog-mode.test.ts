// The changelog mode of a regular GROUP BY, as Flink 1.20's EXPLAIN CHANGELOG_MODE gives it for the
// same queries over an insert-only datagen table (checked on bench/flink): [I,UB,UA] when what
// reads it needs the -U rows (HAVING, a WHERE above it, another aggregation, a print sink, a
// query's collect), [I,UA] when nothing does (EXPLAIN's root without a sink, a projection of it,
// blackhole, an upsert sink keyed by the groups), and a delete (D) only over an updating input.
// Then the queries run: what each operator sends stays within the mode it declares.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import { requestUpdateAfterOnly, rowKind } from "../../src/planner/changelog.js";
import { sql as sqlOfSources } from "../../src/sql-environment.js";

const DDL = `CREATE TABLE src (k INT, v INT, s STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
  CREATE TABLE bh (k INT, c BIGINT) WITH ('connector' = 'blackhole');
  CREATE TABLE pr (k INT, c BIGINT) WITH ('connector' = 'print')`;

/** The `changelogMode=[...]` of each line of EXPLAIN's physical plan that names `what`, in order. */
async function modes(statement: string, what: RegExp): Promise<string[]> {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeScript(DDL);
  const [row] = await (await tEnv.executeSql(`EXPLAIN ${statement}`)).collect();
  const physical = String(Object.values(row ?? {})[0]).split("== Optimized Physical Plan ==")[1] ?? "";
  return physical
    .split("\n")
    .filter((l) => what.test(l))
    .map((l) => /changelogMode=\[([A-Z,]+)\]/.exec(l)?.[1] ?? "?");
}

const GROUP = /^\W*GroupAggregate\(/;
const cases: [string, RegExp, string[]][] = [
  // Flink: GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS EXPR$1], changelogMode=[I,UA])
  ["SELECT k, COUNT(*) FROM src GROUP BY k", GROUP, ["I,UA"]],
  ["SELECT COUNT(*) FROM src", GROUP, ["I,UA"]],
  ["SELECT k, COUNT(DISTINCT s) FROM src GROUP BY k", GROUP, ["I,UA"]],
  ["SELECT k, MAX(v), MIN(v) FROM src GROUP BY k", GROUP, ["I,UA"]],
  ["SELECT k, COUNT(*) FROM src GROUP BY ROLLUP(k)", GROUP, ["I,UA"]],
  // HAVING (fused into the operator here; Flink's Calc after it): [I,UB,UA] both.
  ["SELECT k, SUM(v) FROM src GROUP BY k HAVING SUM(v) > 3", GROUP, ["I,UB,UA"]],
  // A projection passes the need on, a filter needs -U.
  ["SELECT k, c * 2 FROM (SELECT k, COUNT(*) AS c FROM src GROUP BY k)", GROUP, ["I,UA"]],
  ["SELECT k, c FROM (SELECT k, COUNT(*) AS c FROM src GROUP BY k) WHERE c > 2", GROUP, ["I,UB,UA"]],
  // Over another aggregation: the inner one sends -U for the outer's retractions, the outer deletes.
  [
    "SELECT c, COUNT(*) FROM (SELECT k, COUNT(*) AS c FROM src GROUP BY k) GROUP BY c",
    GROUP,
    ["I,UA,D", "I,UB,UA"],
  ],
  [
    "SELECT c, COUNT(*) FROM (SELECT k, COUNT(*) AS c FROM src GROUP BY k) GROUP BY c HAVING COUNT(*) > 1",
    GROUP,
    ["I,UB,UA,D", "I,UB,UA"],
  ],
  [
    "SELECT c, MAX(k) FROM (SELECT k, COUNT(*) AS c FROM src GROUP BY k) GROUP BY c",
    GROUP,
    ["I,UA,D", "I,UB,UA"],
  ],
  // Sinks: blackhole takes no -U (Flink's BlackHoleTableSinkFactory), print takes them.
  ["INSERT INTO bh SELECT k, COUNT(*) FROM src GROUP BY k", GROUP, ["I,UA"]],
  ["INSERT INTO pr SELECT k, COUNT(*) FROM src GROUP BY k", GROUP, ["I,UB,UA"]],
];

for (const [statement, what, expected] of cases) {
  test(`EXPLAIN ${statement}: ${expected.join(" over ")}, as Flink`, async () => {
    assert.deepEqual(await modes(statement, what), expected);
  });
}

const ROWS = [
  { k: 1, v: 1, s: "a" },
  { k: 2, v: 2, s: "a" },
  { k: 1, v: 3, s: "b" },
  { k: 1, v: 4, s: "b" },
  { k: 2, v: 5, s: "c" },
  { k: 3, v: 6, s: "a" },
];

/** An environment whose view `t` holds ROWS, insert-only, and its SQL environment by `make`. */
function withRows<E extends ReturnType<typeof sql>>(
  make: (env: StreamExecutionEnvironment) => E,
): { env: StreamExecutionEnvironment; tEnv: E } {
  const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  const tEnv = make(env);
  tEnv.createTemporaryView("t", env.fromCollection(ROWS).setParallelism(1), "k INT, v INT, s STRING");
  return { env, tEnv };
}

for (const query of [
  "SELECT k, COUNT(*) AS c FROM t GROUP BY k",
  "SELECT k, SUM(v) AS total FROM t GROUP BY k HAVING SUM(v) > 3",
  "SELECT k, COUNT(DISTINCT s) AS n FROM t GROUP BY k",
  "SELECT c, COUNT(*) AS n FROM (SELECT k, COUNT(*) AS c FROM t GROUP BY k) GROUP BY c",
  "SELECT c, COUNT(*) AS n FROM (SELECT k, COUNT(*) AS c FROM t GROUP BY k) GROUP BY c HAVING COUNT(*) > 1",
]) {
  test(`running ${query}: every change sent is of a kind its declared mode has`, async () => {
    const result = await withRows((env) => sql(env)).tEnv.executeSql(query);
    const declared = result.changelogMode?.kinds ?? [];
    const sent = new Set((await result.collect()).map((r) => rowKind(r)));
    assert.ok(sent.size > 1, `the query updates: ${[...sent]}`);
    for (const kind of sent) assert.ok(declared.includes(kind), `${kind} sent, declared [${declared}]`);
    // A delete is declared only over an updating input (the nested aggregation), as Flink's.
    assert.equal(declared.includes("-D"), query.includes("FROM (SELECT"));
  });
}

test("a group aggregation asked for no -U (an upsert sink keyed by its groups, blackhole) sends +U alone, and declares so", async () => {
  for (const [query, stops] of [
    ["SELECT k, COUNT(*) AS c FROM t GROUP BY k", true],
    ["SELECT k, c + 1 AS c1 FROM (SELECT k, COUNT(*) AS c FROM t GROUP BY k)", true],
    // A filter needs the -U of a row it drops: the request is refused, -U still sent.
    ["SELECT k, c FROM (SELECT k, COUNT(*) AS c FROM t GROUP BY k) WHERE c > 1", false],
    ["SELECT k, SUM(v) AS total FROM t GROUP BY k HAVING SUM(v) > 3", false],
  ] as const) {
    const { env, tEnv } = withRows((e) => sqlOfSources(e) as ReturnType<typeof sql>);
    const table = tEnv.sqlQuery(query);
    const stream = table.toDataStream();
    assert.equal(requestUpdateAfterOnly(stream), stops, query);
    const sent = new Set((await env.executeAndCollect(stream)).map((r) => rowKind(r)));
    assert.equal(sent.has("-U"), !stops, `${query}: sent ${[...sent]}`);
    assert.equal(table.changelogMode.kinds.includes("-U"), !stops, query);
    for (const kind of sent) assert.ok(table.changelogMode.kinds.includes(kind), `${query}: ${kind}`);
  }
});
