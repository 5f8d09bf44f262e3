// Subqueries in expressions, decorrelated into joins as Flink plans them: [NOT] IN and [NOT]
// EXISTS as semi and anti joins (NOT IN null-aware), scalar subqueries as a left join with a
// single-row check, correlated ones by their equalities. Flink's documented examples with their
// results written out, random tables (NULLs, duplicates, updating sides) against a brute-force
// evaluation, and the errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isFleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as logConnectors } from "@fleuve/log";
import { isInsertOnly, materialize, type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { logWithRows } from "../fixtures/log-table.js";
import { NUMBERS, numbersJob } from "../fixtures/numbers-job.js";

const sortRows = (rows: Row[]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** An environment with bounded log tables `name (ddl)` holding `rows`. */
async function tables(
  defs: Record<string, { ddl: string; rows: readonly Record<string, unknown>[] }>,
  parallelism = 1,
) {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism }), { connectors: logConnectors });
  for (const [name, def] of Object.entries(defs)) {
    const dir = logWithRows(name.toLowerCase(), def.rows);
    await tEnv.executeSql(
      `CREATE TABLE ${name} (${def.ddl}) WITH ('connector' = 'log', 'log' = '${dir}', 'topic' = '${name.toLowerCase()}', 'bounded' = 'true')`,
    );
  }
  return tEnv;
}

async function run(tEnv: Awaited<ReturnType<typeof tables>>, query: string) {
  const result = await tEnv.executeSql(query);
  return { result, rows: sortRows(materialize(await result.collect())) };
}

const orders = {
  ddl: "`user` STRING, product STRING, amount INT",
  rows: [
    { user: "Bob", product: "beer", amount: 3 },
    { user: "Alice", product: "diaper", amount: 4 },
    { user: "Bob", product: "rubber", amount: 2 },
    { user: "Liz", product: "beer", amount: 1 },
    { user: "Liz", product: null, amount: 5 },
  ],
};
const newProducts = {
  ddl: "product STRING",
  rows: [{ product: "beer" }, { product: "rubber" }, { product: "beer" }],
};

test("set-ops.md: WHERE product IN (SELECT product FROM NewProducts) is a semi join, insert-only", async () => {
  const tEnv = await tables({ Orders: orders, NewProducts: newProducts });
  const { result, rows } = await run(
    tEnv,
    // Flink's text, as set-ops.md prints it.
    `SELECT user, amount
FROM Orders
WHERE product IN (
    SELECT product FROM NewProducts
)`,
  );
  assert.ok(result.changelogMode !== undefined && isInsertOnly(result.changelogMode));
  assert.deepEqual(rows, [
    { user: "Bob", amount: 2 },
    { user: "Bob", amount: 3 },
    { user: "Liz", amount: 1 },
  ]);
});

// set-ops.md's EXISTS example (`WHERE product EXISTS (SELECT product FROM NewProducts)`) is not
// valid SQL; what it means is the correlated EXISTS below.
test("set-ops.md: EXISTS (SELECT ... WHERE NewProducts.product = Orders.product), correlated, is the same semi join", async () => {
  const tEnv = await tables({ Orders: orders, NewProducts: newProducts });
  const { rows } = await run(
    tEnv,
    "SELECT user, amount FROM Orders WHERE EXISTS (SELECT * FROM NewProducts WHERE NewProducts.product = Orders.product)",
  );
  assert.deepEqual(rows, [
    { user: "Bob", amount: 2 },
    { user: "Bob", amount: 3 },
    { user: "Liz", amount: 1 },
  ]);
});

test("NOT IN is null-aware: a NULL x never passes, a NULL in the subquery lets nothing pass", async () => {
  const tEnv = await tables({
    Orders: orders,
    NewProducts: newProducts,
    Empty: { ddl: "product STRING", rows: [] },
  });
  const notIn = await run(
    tEnv,
    "SELECT user, amount FROM Orders WHERE product NOT IN (SELECT product FROM NewProducts)",
  );
  assert.deepEqual(notIn.rows, [{ user: "Alice", amount: 4 }]);
  // NOT IN an empty set is TRUE, for a NULL product too.
  const empty = await run(tEnv, "SELECT amount FROM Orders WHERE product NOT IN (SELECT product FROM Empty)");
  assert.deepEqual(
    empty.rows.map((r) => r.amount),
    [1, 2, 3, 4, 5],
  );
  // The subquery has a NULL: x NOT IN (..., NULL) is never TRUE.
  const withNull = await run(
    tEnv,
    "SELECT amount FROM Orders WHERE amount < 3 AND amount NOT IN (SELECT CASE WHEN product = 'beer' THEN NULL ELSE 7 END FROM Orders)",
  );
  assert.deepEqual(withNull.rows, []);
  const notExists = await run(
    tEnv,
    "SELECT user, amount FROM Orders o WHERE NOT EXISTS (SELECT 1 FROM NewProducts n WHERE n.product = o.product)",
  );
  assert.deepEqual(notExists.rows, [
    { user: "Alice", amount: 4 },
    { user: "Liz", amount: 5 },
  ]);
});

test("scalar subqueries: uncorrelated MAX in SELECT and WHERE, correlated COUNT (0 over no rows)", async () => {
  const tEnv = await tables({ Orders: orders, NewProducts: newProducts });
  const max = await run(
    tEnv,
    "SELECT user, amount, (SELECT MAX(amount) FROM Orders) AS top FROM Orders WHERE amount * 2 > (SELECT MAX(amount) FROM Orders)",
  );
  assert.deepEqual(max.rows, [
    { user: "Alice", amount: 4, top: 5 },
    { user: "Bob", amount: 3, top: 5 },
    { user: "Liz", amount: 5, top: 5 },
  ]);
  const count = await run(
    tEnv,
    "SELECT o.user, o.amount, (SELECT COUNT(*) FROM NewProducts n WHERE n.product = o.product) AS c FROM Orders o",
  );
  assert.deepEqual(count.rows, [
    { user: "Alice", amount: 4, c: 0 },
    { user: "Bob", amount: 2, c: 1 },
    { user: "Bob", amount: 3, c: 2 },
    { user: "Liz", amount: 1, c: 2 },
    { user: "Liz", amount: 5, c: 0 },
  ]);
});

test("EXISTS of an aggregate without GROUP BY is TRUE (it gives one row over no rows), NOT EXISTS of it FALSE", async () => {
  const tEnv = await tables({
    Orders: orders,
    NewProducts: newProducts,
    Empty: { ddl: "product STRING", rows: [] },
  });
  const all = [1, 2, 3, 4, 5];
  const amounts = async (query: string) => (await run(tEnv, query)).rows.map((r) => r.amount);
  // Correlated: Alice's diaper and Liz's NULL product have no NewProducts row, yet COUNT(*) is 0.
  assert.deepEqual(
    await amounts(
      "SELECT amount FROM Orders o WHERE EXISTS (SELECT COUNT(*) FROM NewProducts n WHERE n.product = o.product)",
    ),
    all,
  );
  assert.deepEqual(await amounts("SELECT amount FROM Orders WHERE EXISTS (SELECT COUNT(*) FROM Empty)"), all);
  assert.deepEqual(
    await amounts(
      "SELECT amount FROM Orders o WHERE NOT EXISTS (SELECT MAX(n.product) FROM NewProducts n WHERE n.product = o.product)",
    ),
    [],
  );
  assert.deepEqual(
    await amounts("SELECT amount FROM Orders WHERE amount > 2 AND NOT EXISTS (SELECT COUNT(*) FROM Empty)"),
    [],
  );
  // Not run, so a correlation Fleuve SQL would not decorrelate does not matter; and in the select list.
  const anywhere = await run(
    tEnv,
    "SELECT amount, EXISTS (SELECT SUM(1) FROM NewProducts n WHERE n.product > o.product) AS e FROM Orders o WHERE amount < 3",
  );
  assert.deepEqual(anywhere.rows, [
    { amount: 1, e: true },
    { amount: 2, e: true },
  ]);
  // With GROUP BY, HAVING or LIMIT it may give no row: a semi join as before.
  assert.deepEqual(
    await amounts("SELECT amount FROM Orders WHERE EXISTS (SELECT COUNT(*) FROM Empty HAVING COUNT(*) > 0)"),
    [],
  );
  assert.deepEqual(
    await amounts(
      "SELECT amount FROM Orders o WHERE EXISTS (SELECT COUNT(*) FROM NewProducts n WHERE n.product = o.product GROUP BY n.product)",
    ),
    [1, 2, 3],
  );
  // Validated on a scratch plan of its own: the table it reads, read again by another subquery
  // of the statement, is the job's scan, not the scratch one.
  assert.deepEqual(
    await amounts(
      "SELECT amount FROM Orders WHERE EXISTS (SELECT COUNT(*) FROM NewProducts) AND product IN (SELECT product FROM NewProducts)",
    ),
    [1, 2, 3],
  );
  // Still validated.
  await assert.rejects(
    tEnv.executeSql("SELECT amount FROM Orders WHERE EXISTS (SELECT COUNT(nope) FROM Empty)"),
    (e: unknown) => {
      assert.ok(isFleuveError(e, "FLEUVE_SQL_VALIDATION"), String(e));
      assert.match(e.message, /Column 'nope' not found in any table/);
      assert.equal(e.details.columnName, "nope");
      return true;
    },
  );
});

test("x [NOT] IN an aggregate without GROUP BY compares x with its one row, COUNT(*) 0 over no rows", async () => {
  const tEnv = await tables({
    Orders: orders,
    NewProducts: newProducts,
    Empty: { ddl: "product STRING", rows: [] },
  });
  const amounts = async (query: string) => (await run(tEnv, query)).rows.map((r) => r.amount);
  // Per order: how many NewProducts rows have its product (beer 2, rubber 1, diaper and NULL 0).
  const listed = "(SELECT COUNT(*) FROM NewProducts n WHERE n.product = o.product)";
  assert.deepEqual(await amounts(`SELECT amount FROM Orders o WHERE 0 IN ${listed}`), [4, 5]);
  assert.deepEqual(await amounts(`SELECT amount FROM Orders o WHERE 0 NOT IN ${listed}`), [1, 2, 3]);
  assert.deepEqual(await amounts(`SELECT amount FROM Orders o WHERE amount - 1 IN ${listed}`), [2, 3]);
  assert.deepEqual(
    await amounts("SELECT amount FROM Orders WHERE 0 IN (SELECT COUNT(*) FROM Empty)"),
    [1, 2, 3, 4, 5],
  );
  // The scalar form: standard SQL's 0 (Flink's streaming mode gives NULL, docs/sql.md).
  const zero = await run(
    tEnv,
    "SELECT amount, (SELECT COUNT(*) FROM Empty) AS c FROM Orders WHERE amount < 2",
  );
  assert.deepEqual(zero.rows, [{ amount: 1, c: 0 }]);
  // MAX over no rows is NULL: x NOT IN (NULL) is never true.
  assert.deepEqual(
    await amounts(
      "SELECT amount FROM Orders WHERE amount NOT IN (SELECT MAX(CHAR_LENGTH(product)) FROM Empty)",
    ),
    [],
  );
});

test("a correlated scalar subquery: its rows with a NULL key match no row, so two of them are not 'more than one row'", async () => {
  const tEnv = await tables({
    Orders: orders,
    Prices: {
      ddl: "product STRING, price INT",
      rows: [
        { product: null, price: 1 },
        { product: "beer", price: 7 },
        { product: null, price: 2 },
      ],
    },
  });
  const { rows } = await run(
    tEnv,
    "SELECT o.amount, (SELECT p.price FROM Prices p WHERE p.product = o.product) AS price FROM Orders o",
  );
  assert.deepEqual(rows, [
    { amount: 1, price: 7 },
    { amount: 2, price: null },
    { amount: 3, price: 7 },
    { amount: 4, price: null },
    { amount: 5, price: null },
  ]);
});

type A = { k: number | null; x: number | null; id: number };
type B = { k: number | null; y: number | null };

/** SQL `a = b`: NULL when either is. */
const eq = (a: number | null, b: number | null) => (a === null || b === null ? null : a === b);

/** SQL `a > b`: NULL when either is. */
const gt = (a: number | null, b: number | null) => (a === null || b === null ? null : a > b);

/** `x IN (ys)`, three-valued. */
function sqlIn(x: number | null, ys: readonly (number | null)[]): boolean | null {
  if (ys.length === 0) return false;
  if (x === null) return null;
  if (ys.includes(x)) return true;
  return ys.includes(null) ? null : false;
}

/**
 * The brute-force result of `SELECT a.id FROM a WHERE a.x [NOT] IN (SELECT b.y FROM b WHERE
 * correlates)`: the `a` rows for which IN over the correlated `b` rows is `result`.
 */
const inOverCorrelated = (correlates: (r: A, s: B) => boolean, result: boolean) => (as: A[], bs: B[]) =>
  as
    .filter(
      (r) =>
        sqlIn(
          r.x,
          bs.filter((s) => correlates(r, s)).map((s) => s.y),
        ) === result,
    )
    .map((r) => ({ id: r.id }));

/** The queries the property runs: its SQL over `a` and `b`, and its brute-force result. */
const FORMS: Record<string, { sql: (a: string, b: string) => string; expect: (a: A[], b: B[]) => Row[] }> = {
  in: {
    sql: (a, b) => `SELECT a.id, a.x FROM ${a} a WHERE a.x IN (SELECT y FROM ${b})`,
    expect: (as, bs) =>
      as
        .filter(
          (r) =>
            sqlIn(
              r.x,
              bs.map((s) => s.y),
            ) === true,
        )
        .map((r) => ({ id: r.id, x: r.x })),
  },
  notIn: {
    sql: (a, b) => `SELECT a.id, a.x FROM ${a} a WHERE a.x NOT IN (SELECT y FROM ${b})`,
    expect: (as, bs) =>
      as
        .filter(
          (r) =>
            sqlIn(
              r.x,
              bs.map((s) => s.y),
            ) === false,
        )
        .map((r) => ({ id: r.id, x: r.x })),
  },
  correlatedIn: {
    sql: (a, b) => `SELECT a.id FROM ${a} a WHERE a.x IN (SELECT b.y FROM ${b} b WHERE b.k = a.k)`,
    expect: inOverCorrelated((r, s) => eq(s.k, r.k) === true, true),
  },
  correlatedNotIn: {
    sql: (a, b) => `SELECT a.id FROM ${a} a WHERE a.x NOT IN (SELECT b.y FROM ${b} b WHERE a.k = b.k)`,
    expect: inOverCorrelated((r, s) => eq(s.k, r.k) === true, false),
  },
  exists: {
    sql: (a, b) => `SELECT a.id FROM ${a} a WHERE EXISTS (SELECT 1 FROM ${b} b WHERE b.k = a.k AND b.y > 1)`,
    expect: (as, bs) =>
      as
        .filter((r) => bs.some((s) => eq(s.k, r.k) === true && s.y !== null && s.y > 1))
        .map((r) => ({ id: r.id })),
  },
  notExists: {
    sql: (a, b) =>
      `SELECT a.id FROM ${a} a WHERE a.x > 0 AND NOT EXISTS (SELECT * FROM ${b} b WHERE b.k = a.k)`,
    expect: (as, bs) =>
      as
        .filter((r) => r.x !== null && r.x > 0 && !bs.some((s) => eq(s.k, r.k) === true))
        .map((r) => ({ id: r.id })),
  },
  // An aggregate without GROUP BY gives one row even over no rows: EXISTS of it is TRUE, NOT
  // EXISTS FALSE, correlated or not.
  existsCount: {
    sql: (a, b) => `SELECT a.id FROM ${a} a WHERE EXISTS (SELECT COUNT(*) FROM ${b} b WHERE b.k = a.k)`,
    expect: (as) => as.map((r) => ({ id: r.id })),
  },
  notExistsMax: {
    sql: (a, b) => `SELECT a.id FROM ${a} a WHERE NOT EXISTS (SELECT MAX(y) FROM ${b} WHERE y > 2)`,
    expect: () => [],
  },
  // IN an aggregate without GROUP BY compares with its one row, COUNT(*) 0 over no rows.
  inCount: {
    sql: (a, b) => `SELECT a.id FROM ${a} a WHERE a.x IN (SELECT COUNT(*) FROM ${b} b WHERE b.k = a.k)`,
    expect: (as, bs) =>
      as.filter((r) => r.x === bs.filter((s) => eq(s.k, r.k) === true).length).map((r) => ({ id: r.id })),
  },
  notInCount: {
    sql: (a, b) => `SELECT a.id FROM ${a} a WHERE a.x NOT IN (SELECT COUNT(y) FROM ${b} b WHERE a.k = b.k)`,
    expect: (as, bs) =>
      as
        .filter((r) => r.x !== null && r.x !== bs.filter((s) => eq(s.k, r.k) === true && s.y !== null).length)
        .map((r) => ({ id: r.id })),
  },
  uncorrelatedExists: {
    sql: (a, b) => `SELECT a.id FROM ${a} a WHERE EXISTS (SELECT y FROM ${b} WHERE y = 2)`,
    expect: (as, bs) => (bs.some((s) => s.y === 2) ? as.map((r) => ({ id: r.id })) : []),
  },
  scalarCount: {
    sql: (a, b) => `SELECT a.id, (SELECT COUNT(*) FROM ${b} b WHERE b.k = a.k) AS c FROM ${a} a`,
    expect: (as, bs) => as.map((r) => ({ id: r.id, c: bs.filter((s) => eq(s.k, r.k) === true).length })),
  },
  scalarSum: {
    sql: (a, b) =>
      `SELECT a.id, (SELECT SUM(b.y) FROM ${b} b WHERE a.k = b.k AND b.y IS NOT NULL) AS s FROM ${a} a`,
    expect: (as, bs) =>
      as.map((r) => {
        const ys = bs.filter((s) => eq(s.k, r.k) === true && s.y !== null).map((s) => s.y as number);
        return { id: r.id, s: ys.length === 0 ? null : ys.reduce((m, y) => m + y, 0) };
      }),
  },
  scalarMax: {
    sql: (a, b) => `SELECT a.id FROM ${a} a WHERE a.x >= (SELECT MAX(y) FROM ${b})`,
    expect: (as, bs) => {
      const ys = bs.flatMap((s) => (s.y === null ? [] : [s.y]));
      const max = ys.length === 0 ? null : Math.max(...ys);
      return as.filter((r) => r.x !== null && max !== null && r.x >= max).map((r) => ({ id: r.id }));
    },
  },
};

/** The forms whose correlation is not only equalities (random queries of their own, see below). */
const NON_EQUI_FORMS: typeof FORMS = {
  // Correlations that are not only equalities: the rest is the semi or anti join's condition
  // (TRUE, not NULL, for a pair to match); without any equality, a join on no keys.
  existsNonEqui: {
    sql: (a, b) =>
      `SELECT a.id FROM ${a} a WHERE EXISTS (SELECT 1 FROM ${b} b WHERE b.k = a.k AND b.y > a.x)`,
    expect: (as, bs) =>
      as
        .filter((r) => bs.some((s) => eq(s.k, r.k) === true && gt(s.y, r.x) === true))
        .map((r) => ({ id: r.id })),
  },
  notExistsNoEquality: {
    sql: (a, b) => `SELECT a.id, a.x FROM ${a} a WHERE NOT EXISTS (SELECT * FROM ${b} b WHERE b.y < a.x)`,
    expect: (as, bs) =>
      as.filter((r) => !bs.some((s) => gt(r.x, s.y) === true)).map((r) => ({ id: r.id, x: r.x })),
  },
  inNonEqui: {
    sql: (a, b) => `SELECT a.id FROM ${a} a WHERE a.x IN (SELECT b.y FROM ${b} b WHERE b.k > a.k)`,
    expect: inOverCorrelated((r, s) => gt(s.k, r.k) === true, true),
  },
  // NOT IN over the rows the correlation keeps: an outer-only condition that is NULL or FALSE
  // empties the subquery, which lets the row pass (NULL x too).
  notInNonEqui: {
    sql: (a, b) =>
      `SELECT a.id FROM ${a} a WHERE a.x NOT IN (SELECT b.y FROM ${b} b WHERE b.k = a.k AND b.y <> a.id AND a.x > 0)`,
    expect: inOverCorrelated(
      (r, s) => eq(s.k, r.k) === true && eq(s.y, r.id) === false && gt(r.x, 0) === true,
      false,
    ),
  },
  notInNoEquality: {
    sql: (a, b) => `SELECT a.id FROM ${a} a WHERE a.x NOT IN (SELECT b.y FROM ${b} b WHERE b.k <= a.k)`,
    expect: inOverCorrelated((r, s) => gt(r.k, s.k) === true || eq(r.k, s.k) === true, false),
  },
  // Several, ANDed with a plain condition.
  combinedNonEqui: {
    sql: (a, b) =>
      `SELECT a.id FROM ${a} a WHERE a.k IS NOT NULL AND EXISTS (SELECT 1 FROM ${b} b WHERE b.k = a.k AND (b.y = a.x OR b.y IS NULL)) AND NOT EXISTS (SELECT 1 FROM ${b} b WHERE b.y = a.x AND b.k > a.k)`,
    expect: (as, bs) =>
      as
        .filter(
          (r) =>
            r.k !== null &&
            bs.some((s) => eq(s.k, r.k) === true && (eq(s.y, r.x) === true || s.y === null)) &&
            !bs.some((s) => eq(s.y, r.x) === true && gt(s.k, r.k) === true),
        )
        .map((r) => ({ id: r.id })),
  },
};

/** The `b` rows an outer row's non-equi correlation keeps (`keeps` TRUE, not NULL). */
const kept = (bs: readonly B[], keeps: (s: B) => boolean | null) => bs.filter((s) => keeps(s) === true);

/** The non-NULL values of `ys`. */
const present = (ys: readonly (number | null)[]) => ys.filter((y): y is number => y !== null);

/** The sizes of the groups of `bs` by y (NULL one group). */
const countsByY = (bs: readonly B[]) => {
  const counts = new Map<number | null, number>();
  for (const s of bs) counts.set(s.y, (counts.get(s.y) ?? 0) + 1);
  return [...counts.values()];
};

/**
 * Scalar and aggregating subqueries correlated by non-equi conditions (joined with the outer
 * query's distinct values, then grouped). As Flink 1.20 runs them, an outer row with a NULL among
 * the outer columns the correlation reads gets the value over no rows.
 */
const SCALAR_NON_EQUI_FORMS: typeof FORMS = {
  scalarCountLess: {
    sql: (a, b) => `SELECT a.id, (SELECT COUNT(*) FROM ${b} b WHERE b.y < a.x) AS c FROM ${a} a`,
    expect: (as, bs) => as.map((r) => ({ id: r.id, c: kept(bs, (s) => gt(r.x, s.y)).length })),
  },
  scalarCountOrNull: {
    sql: (a, b) =>
      `SELECT a.id, (SELECT COUNT(*) FROM ${b} b WHERE b.y < a.x OR a.x IS NULL) AS c FROM ${a} a`,
    expect: (as, bs) =>
      as.map((r) => ({ id: r.id, c: r.x === null ? 0 : kept(bs, (s) => gt(r.x, s.y)).length })),
  },
  scalarSumMixed: {
    sql: (a, b) =>
      `SELECT a.id, (SELECT SUM(b.y) FROM ${b} b WHERE b.k = a.k AND b.y <= a.x) AS s FROM ${a} a`,
    expect: (as, bs) =>
      as.map((r) => {
        const ys = present(kept(bs, (s) => eq(s.k, r.k) === true && gt(s.y, r.x) === false).map((s) => s.y));
        return { id: r.id, s: ys.length === 0 ? null : ys.reduce((m, y) => m + y, 0) };
      }),
  },
  whereMinNoEquality: {
    sql: (a, b) => `SELECT a.id FROM ${a} a WHERE a.x > (SELECT MIN(b.y) FROM ${b} b WHERE b.k <> a.k)`,
    expect: (as, bs) =>
      as
        .filter((r) => {
          const ys = present(kept(bs, (s) => eq(s.k, r.k) === false).map((s) => s.y));
          return ys.length > 0 && gt(r.x, Math.min(...ys)) === true;
        })
        .map((r) => ({ id: r.id })),
  },
  scalarCountOuterOnly: {
    sql: (a, b) =>
      `SELECT a.id, (SELECT COUNT(b.y) FROM ${b} b WHERE b.k >= a.k AND a.x > 1) AS c FROM ${a} a`,
    expect: (as, bs) =>
      as.map((r) => ({
        id: r.id,
        c: present(kept(bs, (s) => gt(r.k, s.k) === false && gt(r.x, 1) === true).map((s) => s.y)).length,
      })),
  },
  inGroupedNonEqui: {
    sql: (a, b) =>
      `SELECT a.id FROM ${a} a WHERE a.x IN (SELECT COUNT(*) FROM ${b} b WHERE b.k < a.k GROUP BY b.y)`,
    expect: (as, bs) =>
      as
        .filter((r) => sqlIn(r.x, countsByY(kept(bs, (s) => gt(r.k, s.k)))) === true)
        .map((r) => ({ id: r.id })),
  },
  existsHavingNonEqui: {
    sql: (a, b) =>
      `SELECT a.id FROM ${a} a WHERE EXISTS (SELECT b.y FROM ${b} b WHERE b.k <> a.k GROUP BY b.y HAVING COUNT(*) > 1)`,
    expect: (as, bs) =>
      as
        .filter((r) => countsByY(kept(bs, (s) => eq(s.k, r.k) === false)).some((n) => n > 1))
        .map((r) => ({ id: r.id })),
  },
  notExistsGroupedNonEqui: {
    sql: (a, b) =>
      `SELECT a.id FROM ${a} a WHERE NOT EXISTS (SELECT MAX(b.y) FROM ${b} b WHERE b.k > a.x GROUP BY b.k)`,
    expect: (as, bs) =>
      as.filter((r) => kept(bs, (s) => gt(s.k, r.x)).length === 0).map((r) => ({ id: r.id })),
  },
};

/** The final rows of `GROUP BY k` with SUM(y) (NULL when all are NULL), as the updating side reads them. */
function sumByK(bs: readonly B[]): B[] {
  const groups = new Map<number | null, number | null>();
  for (const s of bs) {
    const g = groups.has(s.k) ? (groups.get(s.k) as number | null) : null;
    groups.set(s.k, s.y === null ? g : (g ?? 0) + s.y);
  }
  return [...groups].map(([k, y]) => ({ k, y }));
}

/** The rows of sumByK whose sum is below 4 (HAVING SUM(y) < 4: a group leaves when it grows). */
function sumBelow4(bs: readonly B[]): B[] {
  return sumByK(bs).filter((s) => s.y !== null && s.y < 4);
}

/** The final rows of `GROUP BY k, x` with COUNT(*) AS id. */
function countByKx(as: readonly A[]): A[] {
  const groups = new Map<string, A>();
  for (const r of as) {
    const key = JSON.stringify([r.k, r.x]);
    const g = groups.get(key);
    groups.set(key, g === undefined ? { k: r.k, x: r.x, id: 1 } : { ...g, id: g.id + 1 });
  }
  return [...groups.values()];
}

/**
 * Runs random queries of `forms` over random tables (NULLs, duplicates; each side as it is or
 * updated by a GROUP BY) and compares their final rows with the brute-force evaluation.
 */
async function checkRandomForms(forms: typeof FORMS, numRuns: number): Promise<void> {
  const small = fc.option(fc.integer({ min: 0, max: 3 }), { freq: 5 });
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ k: small, x: small }), { maxLength: 25 }),
      fc.array(fc.record({ k: small, y: small }), { maxLength: 25 }),
      fc.constantFrom(...Object.keys(forms)),
      fc.boolean(),
      // The subquery's table as it is, updated by a GROUP BY (-U/+U), or one whose rows are
      // also deleted (HAVING: a left row loses its matches one by one).
      fc.constantFrom("table", "sum", "sumBelow4"),
      fc.constantFrom(1, 2),
      async (rawA, rawB, form, updatingA, updatingB, parallelism) => {
        const rowsA: A[] = rawA.map((r, i) => ({ ...r, id: i }));
        const tEnv = await tables(
          { TA: { ddl: "k INT, x INT, id INT", rows: rowsA }, TB: { ddl: "k INT, y INT", rows: rawB } },
          parallelism,
        );
        const f = forms[form] as (typeof FORMS)[string];
        const a = updatingA ? "(SELECT k, x, COUNT(*) AS id FROM TA GROUP BY k, x)" : "TA";
        const b = {
          table: "TB",
          sum: "(SELECT k, SUM(y) AS y FROM TB GROUP BY k)",
          sumBelow4: "(SELECT k, SUM(y) AS y FROM TB GROUP BY k HAVING SUM(y) < 4)",
        }[updatingB];
        const { rows } = await run(tEnv, f.sql(a, b));
        const expectedB = { table: rawB, sum: sumByK(rawB), sumBelow4: sumBelow4(rawB) }[updatingB];
        const expected = f.expect(updatingA ? countByKx(rowsA) : rowsA, expectedB);
        assert.deepEqual(rows, sortRows(expected), f.sql(a, b));
      },
    ),
    { numRuns },
  );
}

test("random subqueries (IN, NOT IN, EXISTS, NOT EXISTS, correlated or not, scalar COUNT / SUM / MAX; over tables or updating GROUP BYs) end as a brute-force evaluation", async () => {
  await checkRandomForms(FORMS, 80);
});

// The left side's GROUP BY changes its rows' `id` (a COUNT) that some conditions read: an
// updated row is matched again, and a semi join's row goes when its last match goes.
test("random [NOT] EXISTS / [NOT] IN correlated by non-equi conditions (with or without an equality, on the outer row only, several ANDed) end as a brute-force evaluation", async () => {
  await checkRandomForms(NON_EQUI_FORMS, 80);
});

// Either side updating: an outer row's distinct values come and go with it (GROUP BY k, x
// changes `id`), a subquery row's changes reach every group whose values it joins.
test("random scalar and aggregating subqueries correlated by non-equi conditions (with or without an equality, on the outer row only, NULL outer values) end as a brute-force evaluation", async () => {
  await checkRandomForms(SCALAR_NON_EQUI_FORMS, 100);
});

// flink-table-planner's SemiAntiJoinStreamITCase over TestData.smallTupleData3 (A) and
// tupleData5 (B), its expected rows written out.
const flinkA = {
  ddl: "a1 INT, a2 BIGINT, a3 STRING",
  rows: [
    { a1: 1, a2: 1, a3: "Hi" },
    { a1: 2, a2: 2, a3: "Hello" },
    { a1: 3, a2: 2, a3: "Hello world" },
  ],
};
const flinkB = {
  ddl: "b1 INT, b2 BIGINT, b3 INT, b4 STRING, b5 BIGINT",
  rows: (
    [
      [1, 1, 0, "Hallo", 1],
      [2, 2, 1, "Hallo Welt", 2],
      [2, 3, 2, "Hallo Welt wie", 1],
      [3, 4, 3, "Hallo Welt wie gehts?", 2],
      [3, 5, 4, "ABC", 2],
      [3, 6, 5, "BCD", 3],
      [4, 7, 6, "CDE", 2],
      [4, 8, 7, "DEF", 1],
      [4, 9, 8, "EFG", 1],
      [4, 10, 9, "FGH", 2],
      [5, 11, 10, "GHI", 1],
      [5, 12, 11, "HIJ", 3],
      [5, 13, 12, "IJK", 3],
      [5, 14, 13, "JKL", 2],
      [5, 15, 14, "KLM", 2],
    ] as const
  ).map(([b1, b2, b3, b4, b5]) => ({ b1, b2, b3, b4, b5 })),
};

test("SemiAntiJoinStreamITCase: correlations with a non-equi part, on tables and on updating GROUP BYs", async () => {
  const tEnv = await tables({ A: flinkA, B: flinkB });
  const sumA = "SELECT SUM(a2) AS a2, a1 FROM A GROUP BY a1";
  const sumB = "SELECT SUM(b2) AS b2, b1 FROM B GROUP BY b1";
  const cases: [string, string, Row[]][] = [
    [
      "testSemiJoinNonEqui",
      "SELECT * FROM A WHERE a1 in (SELECT b1 from B WHERE a2 < b2)",
      [
        { a1: 2, a2: 2, a3: "Hello" },
        { a1: 3, a2: 2, a3: "Hello world" },
      ],
    ],
    [
      "testSemiJoinWithEqualPkNonEqui",
      `SELECT * FROM (${sumA}) WHERE a1 in (SELECT b1 from (${sumB}) WHERE a2 < b2)`,
      [
        { a2: 2, a1: 2 },
        { a2: 2, a1: 3 },
      ],
    ],
    [
      "testSemiJoinWithRightNotPkNonEqui",
      `SELECT * FROM (${sumA}) WHERE a1 in (SELECT b1 from B WHERE a2 < b2)`,
      [
        { a2: 2, a1: 2 },
        { a2: 2, a1: 3 },
      ],
    ],
    [
      "testSemiJoinWithPkNonEqui",
      `SELECT * FROM (${sumA}) WHERE a2 in (SELECT b2 from (${sumB}) WHERE a1 > b1)`,
      [],
    ],
    [
      "testAntiJoinNonEqui",
      "SELECT * FROM A WHERE NOT EXISTS (SELECT b1 from B WHERE a1 = b1 AND a2 < b2)",
      [{ a1: 1, a2: 1, a3: "Hi" }],
    ],
    [
      "testAntiJoinWithEqualPkNonEqui",
      `SELECT * FROM (${sumA}) WHERE NOT EXISTS (SELECT b1 from (${sumB}) WHERE a1 = b1 AND a2 < b2)`,
      [{ a2: 1, a1: 1 }],
    ],
    [
      "testAntiJoinWithRightNotPkNonEqui",
      `SELECT * FROM (${sumA}) WHERE NOT EXISTS (SELECT b1 from B WHERE a1 = b1 AND a2 > b2)`,
      [
        { a2: 1, a1: 1 },
        { a2: 2, a1: 2 },
        { a2: 2, a1: 3 },
      ],
    ],
    [
      "testAntiJoinWithPkNonEqui",
      `SELECT * FROM (${sumA}) WHERE NOT EXISTS (SELECT b2 from (${sumB}) WHERE a2 = b2 AND a1 > b1)`,
      [
        { a2: 1, a1: 1 },
        { a2: 2, a1: 2 },
        { a2: 2, a1: 3 },
      ],
    ],
  ];
  for (const [name, query, expected] of cases)
    assert.deepEqual((await run(tEnv, query)).rows, sortRows(expected), name);
});

test("SemiAntiJoinStreamITCase: EXISTS and NOT EXISTS correlated without any equality (a join on no keys)", async () => {
  const tEnv = await tables({
    scott_dept: {
      ddl: "deptno INT, dname STRING, loc STRING",
      rows: [
        { deptno: 10, dname: "ACCOUNTING", loc: "NEW YORK" },
        { deptno: 20, dname: "RESEARCH", loc: "DALLAS" },
        { deptno: 30, dname: "SALES", loc: "CHICAGO" },
        { deptno: 40, dname: "OPERATIONS", loc: "BOSTON" },
      ],
    },
    scott_emp: {
      ddl: "empno INT, ename STRING, deptno INT",
      rows: [
        { empno: 7369, ename: "SMITH", deptno: 20 },
        { empno: 7499, ename: "ALLEN", deptno: 30 },
        { empno: 7566, ename: "JONES", deptno: 20 },
        { empno: 7654, ename: "MARTIN", deptno: 30 },
      ],
    },
    ds1: {
      ddl: "pk INT, a INT",
      rows: [1, 1, 2, 2, 3, 3, 4, 4, 5, 5].map((pk) => ({ pk, a: pk })),
    },
    ds2: { ddl: "pk INT, a INT", rows: [5, 6, 7, 8, 9, 10].map((pk) => ({ pk, a: pk })) },
  });
  // testStreamExistsWithoutEqual
  const exists = await run(
    tEnv,
    `select *
from scott_dept as d
where exists (select 1 from scott_emp where empno > d.deptno)
and exists (select 0 from scott_emp where deptno = d.deptno and ename = 'SMITH')`,
  );
  assert.deepEqual(exists.rows, [{ deptno: 20, dname: "RESEARCH", loc: "DALLAS" }]);
  // testStreamNotExistsWithoutEqual
  const notExists = await run(
    tEnv,
    "SELECT pk FROM ds1 WHERE NOT EXISTS (SELECT 1 FROM ds2 WHERE ds2.pk < ds1.pk)",
  );
  assert.deepEqual(
    notExists.rows.map((r) => r.pk),
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
  );
});

// Two small tables with NULLs and duplicates, and the final tables Flink 1.20 gave for queries
// over them (bench/flink/run.sh sql, each query on its own, the changelog applied).
const flinkT1 = {
  ddl: "a INT, b INT",
  rows: [
    { a: 1, b: 10 },
    { a: 2, b: 20 },
    { a: 3, b: null },
    { a: null, b: 5 },
    { a: 2, b: 20 },
    { a: 0, b: 1 },
  ],
};
const flinkT2 = {
  ddl: "x INT, y DOUBLE",
  rows: [
    { x: 0, y: 1.5 },
    { x: 1, y: 2.5 },
    { x: 1, y: null },
    { x: null, y: 7.0 },
    { x: 5, y: 3.0 },
    { x: 2, y: 2.5 },
  ],
};

test("scalar and aggregating subqueries correlated by non-equi conditions end as Flink 1.20's tables", async () => {
  const tEnv = await tables({ t1: flinkT1, t2: flinkT2 });
  const ac = (pairs: [number | null, number | null][], name = "c") =>
    pairs.map(([a, c]) => ({ a, [name]: c }));
  const cases: [string, Row[]][] = [
    // COUNT of no rows is 0 (a NULL a has none: t2.x < NULL is never true).
    [
      "SELECT a, (SELECT COUNT(*) FROM t2 WHERE t2.x < t1.a) AS c FROM t1",
      ac([
        [1, 1],
        [2, 3],
        [2, 3],
        [3, 4],
        [null, 0],
        [0, 0],
      ]),
    ],
    // Flink joins the outer rows with the subquery's groups by `=`: a NULL a gets the value over
    // no rows even where the condition is true for it.
    [
      "SELECT a, (SELECT COUNT(*) FROM t2 WHERE t2.x < t1.a OR t1.a IS NULL) AS c FROM t1",
      ac([
        [1, 1],
        [2, 3],
        [2, 3],
        [3, 4],
        [null, 0],
        [0, 0],
      ]),
    ],
    [
      "SELECT a FROM t1 WHERE t1.b > (SELECT AVG(y) FROM t2 WHERE t2.x <= t1.a)",
      [{ a: 1 }, { a: 2 }, { a: 2 }],
    ],
    [
      "SELECT a, (SELECT SUM(y) FROM t2 WHERE t2.x < t1.a) AS s FROM t1",
      ac(
        [
          [1, 1.5],
          [2, 4],
          [2, 4],
          [3, 6.5],
          [null, null],
          [0, null],
        ],
        "s",
      ),
    ],
    [
      "SELECT a, b, (SELECT MAX(y) FROM t2 WHERE t2.x = t1.a AND t2.y < t1.b) AS m FROM t1",
      [
        { a: 1, b: 10, m: 2.5 },
        { a: 2, b: 20, m: 2.5 },
        { a: 2, b: 20, m: 2.5 },
        { a: 3, b: null, m: null },
        { a: null, b: 5, m: null },
        { a: 0, b: 1, m: null },
      ],
    ],
    // Not aggregating: its one row per outer row, NULL without one.
    [
      "SELECT a, (SELECT y FROM t2 WHERE t2.x > t1.a AND t2.x > 2) AS v FROM t1",
      ac(
        [
          [1, 3],
          [2, 3],
          [2, 3],
          [3, 3],
          [null, null],
          [0, 3],
        ],
        "v",
      ),
    ],
    ["SELECT a FROM t1 WHERE a IN (SELECT COUNT(*) FROM t2 WHERE t2.x < t1.a GROUP BY y)", [{ a: 1 }]],
    [
      "SELECT a FROM t1 WHERE EXISTS (SELECT y FROM t2 WHERE t2.x < t1.a GROUP BY y HAVING COUNT(*) > 1)",
      [{ a: 3 }],
    ],
    [
      "SELECT a FROM t1 WHERE NOT EXISTS (SELECT y FROM t2 WHERE t2.x < t1.a GROUP BY y)",
      [{ a: null }, { a: 0 }],
    ],
    [
      "SELECT a FROM t1 WHERE (SELECT COUNT(*) FROM t2 WHERE t2.x < t1.a) > 1",
      [{ a: 2 }, { a: 2 }, { a: 3 }],
    ],
    ["SELECT a FROM t1 WHERE (SELECT COUNT(*) FROM t2 WHERE t2.x < t1.a) = 0", [{ a: null }, { a: 0 }]],
    [
      "SELECT a, b, (SELECT COUNT(*) FROM t2 WHERE t2.x < t1.a AND t2.x = t1.b) AS c FROM t1",
      flinkT1.rows.map((r) => ({ ...r, c: 0 })),
    ],
    [
      "SELECT a, (SELECT COUNT(DISTINCT y) FROM t2 WHERE t2.x <> t1.a) AS c FROM t1",
      ac([
        [1, 3],
        [2, 3],
        [2, 3],
        [3, 3],
        [null, 0],
        [0, 2],
      ]),
    ],
    [
      "SELECT a, (SELECT COUNT(y) + 1 FROM t2 WHERE t2.x < t1.a) AS c FROM t1",
      ac([
        [1, 2],
        [2, 3],
        [2, 3],
        [3, 4],
        [null, 1],
        [0, 1],
      ]),
    ],
    // A condition on the outer row only is one of the join's.
    [
      "SELECT a, (SELECT MIN(y) FROM t2 WHERE t2.x < t1.a AND t1.b > 5) AS m FROM t1",
      ac(
        [
          [1, 1.5],
          [2, 1.5],
          [2, 1.5],
          [3, null],
          [null, null],
          [0, null],
        ],
        "m",
      ),
    ],
    // With HAVING, no group is no row: NULL, not the aggregate over no rows.
    [
      "SELECT a, (SELECT COUNT(*) FROM t2 WHERE t2.x < t1.a HAVING COUNT(*) < 2) AS c FROM t1",
      ac([
        [1, 1],
        [2, null],
        [2, null],
        [3, null],
        [null, null],
        [0, null],
      ]),
    ],
    // Updating outer rows and updating subquery rows.
    [
      "SELECT a, (SELECT COUNT(*) FROM t2 WHERE t2.x < t1.a) AS c FROM (SELECT a, COUNT(*) AS b FROM t1 GROUP BY a) t1",
      ac([
        [1, 1],
        [2, 3],
        [3, 4],
        [null, 0],
        [0, 0],
      ]),
    ],
    [
      "SELECT a, (SELECT COUNT(*) FROM (SELECT x, SUM(y) AS y FROM t2 GROUP BY x) t2 WHERE t2.x < t1.a) AS c FROM t1",
      ac([
        [1, 1],
        [2, 2],
        [2, 2],
        [3, 3],
        [null, 0],
        [0, 0],
      ]),
    ],
  ];
  for (const [query, expected] of cases)
    assert.deepEqual((await run(tEnv, query)).rows, sortRows(expected), query);
});

// flink-table-planner's ScalarQueryITCase tables (l, r: NULLs and duplicates on both sides),
// queried with non-equi correlations; the expected tables are Flink 1.20's (bench/flink run.sh sql).
test("ScalarQueryITCase's l and r: scalar and aggregating subqueries correlated by non-equi conditions, as Flink 1.20 ends them", async () => {
  const l = (rows: [number | null, number | null][]) => rows.map(([a, b]) => ({ a, b }));
  const tEnv = await tables({
    l: {
      ddl: "a INT, b DOUBLE",
      rows: l([
        [1, 2],
        [1, 2],
        [2, 1],
        [2, 1],
        [3, 3],
        [null, null],
        [null, 5],
        [6, null],
      ]),
    },
    r: {
      ddl: "c INT, d DOUBLE",
      rows: (
        [
          [2, 3],
          [2, 3],
          [3, 2],
          [4, 1],
          [null, null],
          [null, 5],
          [6, null],
        ] as [number | null, number | null][]
      ).map(([c, d]) => ({ c, d })),
    },
  });
  const withValue = (name: string, values: (number | null)[]) =>
    l([
      [1, 2],
      [1, 2],
      [2, 1],
      [2, 1],
      [3, 3],
      [null, null],
      [null, 5],
      [6, null],
    ]).map((r, i) => ({
      ...r,
      [name]: values[i] ?? null,
    }));
  const cases: [string, Row[]][] = [
    [
      "SELECT a, b, (SELECT COUNT(*) FROM r WHERE r.c < l.a) AS cnt FROM l",
      withValue("cnt", [0, 0, 0, 0, 2, 0, 0, 4]),
    ],
    ["SELECT * FROM l WHERE b > (SELECT MAX(d) FROM r WHERE r.c < l.a)", []],
    [
      "SELECT a, b, (SELECT SUM(d) FROM r WHERE r.c <> l.a AND r.d < l.b) AS s FROM l",
      withValue("s", [1, 1, null, null, 1, null, null, null]),
    ],
    [
      "SELECT a, b, (SELECT COUNT(*) FROM r WHERE r.c = l.a AND r.d > l.b) AS cnt FROM l",
      withValue("cnt", [0, 0, 2, 2, 0, 0, 0, 0]),
    ],
    [
      "SELECT * FROM l WHERE EXISTS (SELECT d FROM r WHERE r.c > l.a GROUP BY d HAVING COUNT(*) > 1)",
      l([
        [1, 2],
        [1, 2],
      ]),
    ],
  ];
  for (const [query, expected] of cases)
    assert.deepEqual((await run(tEnv, query)).rows, sortRows(expected), query);
});

test("a non-aggregating scalar subquery correlated by a non-equi condition fails the job on more than one row, as Flink's", async () => {
  const tEnv = await tables({ t1: flinkT1, t2: flinkT2 });
  await assert.rejects(
    (async () => {
      const result = await tEnv.executeSql("SELECT a, (SELECT y FROM t2 WHERE t2.x < t1.a) AS v FROM t1");
      await result.collect();
    })(),
    /the scalar subquery \(SELECT y FROM t2 WHERE t2\.x < t1\.a\) \(line 1, column 11\) returned more than one row for one outer row/,
  );
});

test("a non-equi correlated scalar subquery's outer values come from the rows that reach its join: two rows for a value only rows WHERE drops have do not fail the job, as in Flink", async () => {
  // Row a = 0 has two rows x > 0 (x = 1, 2), row a = 1 one (x = 2). Each query drops a = 0
  // before the subquery's join: by a plain conjunct, a semi join, or a scalar subquery's condition
  // of WHERE (the select list's subquery). Flink 1.20 (bench/flink/run.sh sql) gives these rows
  // and does not fail; Fleuve failed the job on a = 0's two rows where a semi join or a scalar
  // condition of WHERE dropped it.
  const tEnv = await tables({
    t1: {
      ddl: "a INT, c INT",
      rows: [
        { a: 0, c: 10 },
        { a: 1, c: 20 },
      ],
    },
    t2: {
      ddl: "x INT, y INT",
      rows: [
        { x: 1, y: 100 },
        { x: 2, y: 200 },
      ],
    },
  });
  const cases: [string, Row[]][] = [
    ["SELECT a, c FROM t1 WHERE c > 15 AND c < (SELECT y FROM t2 WHERE t2.x > t1.a)", [{ a: 1, c: 20 }]],
    ["SELECT a, (SELECT y FROM t2 WHERE t2.x > t1.a) AS s FROM t1 WHERE c > 15", [{ a: 1, s: 200 }]],
    [
      "SELECT a, (SELECT y FROM t2 WHERE t2.x > t1.a) AS s FROM t1 WHERE a IN (SELECT x FROM t2)",
      [{ a: 1, s: 200 }],
    ],
    [
      "SELECT a, c FROM t1 WHERE a IN (SELECT x FROM t2) AND c < (SELECT y FROM t2 WHERE t2.x > t1.a)",
      [{ a: 1, c: 20 }],
    ],
    [
      "SELECT a, (SELECT y FROM t2 WHERE t2.x > t1.a) AS s FROM t1 WHERE c < (SELECT MAX(y) FROM t2 WHERE t2.x = t1.a + 1) - 150",
      [{ a: 1, s: 200 }],
    ],
  ];
  for (const [query, expected] of cases) assert.deepEqual((await run(tEnv, query)).rows, expected, query);
});

test("non-equi correlations through a join in the subquery's FROM, under DISTINCT, on the outer row only", async () => {
  const tEnv = await tables({ Orders: orders, NewProducts: newProducts });
  const amounts = async (query: string) => (await run(tEnv, query)).rows.map((r) => r.amount);
  // Only Bob's rubber (2) has a beer or rubber order of Bob's above it (his beer, 3).
  assert.deepEqual(
    await amounts(
      "SELECT o.amount FROM Orders o WHERE EXISTS (SELECT 1 FROM Orders p JOIN NewProducts n ON p.product = n.product WHERE p.user = o.user AND p.amount > o.amount)",
    ),
    [2],
  );
  // An amount one above another user's: 4 (Bob's 3), 2 (Liz's 1), 5 (Alice's 4); not 3 (Bob's own 2).
  assert.deepEqual(
    await amounts(
      "SELECT o.amount FROM Orders o WHERE o.amount IN (SELECT DISTINCT p.amount + 1 FROM Orders p WHERE p.user <> o.user AND p.amount < o.amount)",
    ),
    [2, 4, 5],
  );
  // The outer-only condition is the anti join's, not a filter of the outer rows: Bob's beer (3)
  // alone has a NewProducts row and an amount above 2.
  assert.deepEqual(
    await amounts(
      "SELECT amount FROM Orders o WHERE NOT EXISTS (SELECT 1 FROM NewProducts n WHERE n.product = o.product AND o.amount > 2)",
    ),
    [1, 2, 4, 5],
  );
});

test("EXPLAIN shows the non-equi correlation as the semi join's condition; equality-only plans keep their names", async () => {
  const tEnv = await tables({ Orders: orders, NewProducts: newProducts });
  const plan = async (q: string) =>
    String((await (await tEnv.executeSql(`EXPLAIN ${q}`)).collect())[0]?.result);
  assert.match(
    await plan(
      "SELECT amount FROM Orders o WHERE EXISTS (SELECT 1 FROM NewProducts n WHERE n.product = o.product AND n.product > o.user)",
    ),
    /Join\(joinType=\[LeftSemiJoin\], where=\[n\.product = o\.product AND n\.product > o\.`?user`?\]\)/,
  );
  assert.match(
    await plan(
      "SELECT amount FROM Orders o WHERE NOT EXISTS (SELECT 1 FROM NewProducts n WHERE n.product = o.product)",
    ),
    /Join\(joinType=\[LeftAntiJoin\], where=\[n\.product = o\.product\]\)/,
  );
  // A scalar subquery correlated by a non-equi condition: the outer values' GROUP BY, their join
  // with the subquery's rows on the condition, the aggregate per value, the left join.
  const scalar = await plan(
    "SELECT amount, (SELECT COUNT(*) FROM NewProducts n WHERE n.product > o.product) AS c FROM Orders o",
  );
  assert.match(scalar, /Calc\(select=\[o\.product AS \$sq0_o0\], where=\[o\.product IS NOT NULL\]\)/);
  assert.match(scalar, /Join\(joinType=\[InnerJoin\], where=\[n\.product > `\$sq0_o0`\]/);
  assert.match(
    scalar,
    /GroupAggregate\(groupBy=\[`\$sq0_o0`\], select=\[COUNT\(\*\), `\$sq0_o0` AS \$sq0_k0\]\)/,
  );
  assert.match(scalar, /Join\(joinType=\[LeftOuterJoin\], where=\[`\$sq0_o0` = o\.product\]/);
});

test("a scalar subquery that gives more than one row fails the job, naming the subquery and where it is", async () => {
  const tEnv = await tables({ Orders: orders, NewProducts: newProducts });
  await assert.rejects(
    (async () => {
      const result = await tEnv.executeSql(
        "SELECT amount,\n  (SELECT product FROM NewProducts) AS p FROM Orders",
      );
      await result.collect();
    })(),
    (e: unknown) => {
      assert.match(
        String(e),
        /the scalar subquery \(SELECT product FROM NewProducts\) \(line 2, column 3\) returned more than one row/,
      );
      return true;
    },
  );
  // Correlated: more than one row for one outer row.
  await assert.rejects(
    (async () => {
      const result = await tEnv.executeSql(
        "SELECT o.amount, (SELECT n.product FROM NewProducts n WHERE n.product = o.product) AS p FROM Orders o",
      );
      await result.collect();
    })(),
    /returned more than one row for one outer row/,
  );
});

test("subqueries Fleuve SQL does not decorrelate are refused with FLEUVE_SQL_UNSUPPORTED naming them and where they are", async () => {
  const tEnv = await tables({ Orders: orders, NewProducts: newProducts });
  const refused = async (query: string, message: RegExp) => {
    await assert.rejects(tEnv.executeSql(query), (e: unknown) => {
      assert.ok(isFleuveError(e, "FLEUVE_SQL_UNSUPPORTED"), String(e));
      assert.match(e.message, message);
      return true;
    });
  };
  // An outer column in an aggregating subquery's select list (Flink: "Expression 't1.a' is not
  // being grouped").
  await refused(
    "SELECT amount, (SELECT COUNT(*) + o.amount FROM NewProducts n WHERE n.product > o.product) FROM Orders o",
    /does not run the correlated subquery \(SELECT COUNT\(\*\) \+ o\.amount FROM NewProducts AS n WHERE n\.product > o\.product\) yet \(line 1, column 16\): it refers to o\.amount of the outer query outside the conditions ANDed in its WHERE/,
  );
  // An outer column outside the subquery's WHERE.
  await refused(
    "SELECT amount FROM Orders o WHERE EXISTS (SELECT o.amount FROM NewProducts n)",
    /the correlated subquery EXISTS \(SELECT o\.amount FROM NewProducts AS n\) yet \(line 1, column 35\): it refers to o\.amount/,
  );
  // In ON.
  await refused(
    "SELECT o.amount FROM Orders o JOIN NewProducts n ON o.product = n.product AND o.amount IN (SELECT amount FROM Orders)",
    /the IN subquery \(SELECT amount FROM Orders\) in this place yet \(line 1, column 91\)/,
  );
  // In an aggregate's argument.
  await refused(
    "SELECT user, SUM((SELECT MAX(amount) FROM Orders)) FROM Orders GROUP BY user",
    /the scalar subquery \(SELECT MAX\(amount\) FROM Orders\) in this place yet \(line 1, column 18\)/,
  );
  // Under OR (Flink's mark join).
  await refused(
    "SELECT amount FROM Orders WHERE amount > 3 OR EXISTS (SELECT 1 FROM NewProducts)",
    /the EXISTS subquery EXISTS \(SELECT 1 FROM NewProducts\) in this place yet \(line 1, column 47\)/,
  );
  // A row operand, and a correlated subquery with LIMIT (whose rows per outer row a join would not limit).
  await refused(
    "SELECT amount FROM Orders WHERE (product, amount) IN (SELECT product, 1 FROM NewProducts)",
    /a row IN \(subquery\)/,
  );
  await refused(
    "SELECT amount FROM Orders o WHERE EXISTS (SELECT 1 FROM NewProducts n WHERE n.product = o.product LIMIT 1)",
    /the correlated subquery EXISTS .* yet \(line 1, column 35\): it refers to o\.product/,
  );
  // In HAVING.
  await refused(
    "SELECT user FROM Orders GROUP BY user HAVING MAX(amount) > (SELECT MIN(amount) FROM Orders)",
    /the scalar subquery \(SELECT MIN\(amount\) FROM Orders\) in this place yet \(line 1, column 60\)/,
  );
  // A subquery of IN with two columns is not valid.
  await assert.rejects(
    tEnv.executeSql("SELECT amount FROM Orders WHERE product IN (SELECT product, product FROM NewProducts)"),
    (e: unknown) => {
      assert.ok(isFleuveError(e, "FLEUVE_SQL_VALIDATION"), String(e));
      assert.match(
        e.message,
        /the subquery of IN returns 2 columns .*it must return one \(line 1, column 44\)/,
      );
      return true;
    },
  );
});

test("a non-equi correlation's outer values come from the outer rows, not from the changelog of an earlier subquery's join: each value and each pair is sent once", async () => {
  // The MAX changes with every number, so its left join retracts and re-sends every row so far;
  // outer values read from that join were deleted and inserted again each time, and with them
  // every inner row they matched (the changelog grew with the square of the rows).
  const query = `
    SELECT a.n,
      (SELECT MAX(n) FROM numbers) AS highest,
      (SELECT COUNT(*) FROM numbers b WHERE b.n < a.n AND MOD(b.n, 7) = 0) AS sevens_below
    FROM numbers a`;
  const out: Row[] = [];
  const { metrics } = await numbersJob(query, out).execute("non-equi-outer-values");
  const expected = Array.from({ length: NUMBERS }, (_, i) => ({
    n: i + 1,
    highest: NUMBERS,
    sevens_below: Math.floor(i / 7),
  }));
  assert.deepEqual(sortRows(materialize(out)), sortRows(expected));
  const sent = (prefix: string) => {
    const ops = Object.values(metrics).filter((m) => m.name.startsWith(prefix));
    assert.equal(ops.length, 1, prefix);
    return (ops[0] as { recordsOut: number }).recordsOut;
  };
  // Insert-only: the n distinct values once, one row per (multiple of 7, larger n).
  assert.equal(sent("GroupAggregate(groupBy=[`$sq1_o0`], select=[`$sq1_o0` AS"), NUMBERS);
  const pairs = expected.reduce((s, r) => s + r.sevens_below, 0);
  assert.equal(sent("Join(joinType=[InnerJoin], where=[b.n < `$sq1_o0`]"), pairs);
});

test("under mini-batch the GROUP BY of a non-equi correlation's outer values is bundled too, as Flink bundles every group aggregation of the plan", async () => {
  // The outer rows: one group's count, sent as +I 4, then -U 4 / +U 8 (bundles of 4 rows). The
  // outer values' GROUP BY takes +4, -4, +8 in one bundle (3 rows, ended by the input's end):
  // value 4 came and went within it, so it sends +I 8 alone; unbundled it sent +I 4, -D 4, +I 8.
  const env = StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} });
  const tEnv = sql(env);
  for (const [k, v] of [
    ["enabled", "true"],
    ["allow-latency", "1 h"],
    ["size", "4"],
  ])
    await tEnv.executeSql(`SET 'table.exec.mini-batch.${k}' = '${v}'`);
  const out: Row[] = [];
  tEnv
    .sqlQuery(
      `SELECT a.k, (SELECT COUNT(*) FROM (VALUES 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) AS b (y) WHERE b.y < a.c) AS below
       FROM (SELECT k, COUNT(*) AS c FROM (VALUES 1, 1, 1, 1, 1, 1, 1, 1) AS t (k) GROUP BY k) a`,
    )
    .toDataStream()
    .forEach((r) => {
      out.push(r);
    });
  const { metrics } = await env.execute("mini-batch-outer-values");
  assert.deepEqual(materialize(out), [{ k: 1, below: 7 }]);
  const values = Object.values(metrics).filter((m) =>
    m.name.startsWith("GroupAggregate(groupBy=[`$sq0_o0`], select=[`$sq0_o0` AS"),
  );
  assert.equal(values.length, 1);
  assert.equal((values[0] as { recordsOut: number }).recordsOut, 1);
});

test("WHERE's plain conjuncts, then its semi and anti joins, then its scalar subqueries' joins, as Calcite orders them: each join takes only the rows kept before it", async () => {
  // Flink 1.20's plan of this shape: Calc(where=[a > 5]) under the LeftSemiJoin under the scalar
  // subquery's join. Rows 101..200 pass n > 100, and of those the 66 with MOD(n, 3) in {0, 1}
  // pass the semi join; the scalar subquery's rows are the 160 n not multiples of 5.
  const query = `
    SELECT a.n FROM numbers a
    WHERE a.n > 100
      AND MOD(a.n, 3) IN (SELECT MOD(n, 2) FROM numbers)
      AND a.n < (SELECT b.n + 1 FROM numbers b WHERE b.n = a.n AND MOD(b.n, 5) <> 0)
      AND MOD(a.n, 7) NOT IN (SELECT n FROM numbers WHERE n > 200)`;
  const out: Row[] = [];
  const { metrics } = await numbersJob(query, out).execute("subquery-join-order");
  const expected = Array.from({ length: NUMBERS }, (_, i) => i + 1)
    .filter((n) => n > 100 && n % 3 !== 2 && n % 5 !== 0)
    .map((n) => ({ n }));
  assert.deepEqual(sortRows(materialize(out)), sortRows(expected));
  const taken = (prefix: string) => {
    const ops = Object.values(metrics).filter((m) => m.name.startsWith(prefix));
    assert.equal(ops.length, 1, prefix);
    return (ops[0] as { recordsIn: number }).recordsIn;
  };
  // Both inputs counted: the outer rows kept so far, then the subquery's rows.
  assert.equal(taken("Join(joinType=[LeftSemiJoin]"), 100 + NUMBERS);
  assert.equal(taken("Join(joinType=[LeftAntiJoin]"), 66 + 0);
  assert.equal(taken("Join(joinType=[LeftOuterJoin]"), 66 + 160);
});
