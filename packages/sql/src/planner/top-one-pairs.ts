/**
 * The test a regular join runs on a pair before building its row when the row would go straight
 * into an insert-only Top-1 (q9's winning bid: `ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY
 * B.price DESC, ...) ... WHERE rownum <= 1` over `auction A, bid B`): whether the Top-N drops the
 * pair once it has taken a row `best` the join sent before. On such an input the Top-1 keeps, per
 * partition, a row that ranks before or ties with every row it took (a later row of equal sort
 * key does not replace it), so a pair of `best`'s partition that `best` ranks before or ties with
 * can never enter it. The order is the Top-N's comparator's ({@link orderSteps}, one code for
 * both), its values read from the pair's sides as the join's projection reads them.
 */

import type { OrderItem } from "../parser/ast.js";
import type { PairColumn } from "./row-builders.js";
import type { Row } from "./values.js";

/**
 * The code comparing two rows by the ORDER BY `orderBy`, NULLs lowest (first ascending, last
 * descending) as Flink: for each item, `x` and `y` are read by `readA(i)` and `readB(i)` (code
 * of `?? null` reads), and `result(v)` is the code ending the comparison where `v` (-1 or 1)
 * is its sign; an item that does not tell them apart goes on to the next.
 */
export function orderSteps(
  orderBy: readonly OrderItem[],
  readA: (i: number) => string,
  readB: (i: number) => string,
  result: (v: number) => string,
): string {
  return orderBy
    .map((o, i) => {
      const desc = o.direction === "DESC";
      const nullsFirst = o.nulls === undefined ? !desc : o.nulls === "FIRST";
      const sign = desc ? -1 : 1;
      const nullFirst = nullsFirst ? -1 : 1;
      return [
        `x = ${readA(i)};`,
        `y = ${readB(i)};`,
        "if (x !== y) {",
        `  if (x === null) ${result(nullFirst)}`,
        `  if (y === null) ${result(-nullFirst)}`,
        `  if (x < y) ${result(-sign)}`,
        `  if (x > y) ${result(sign)}`,
        "}",
      ].join("\n");
    })
    .join("\n");
}

/**
 * The Top-1's drop test of a pair (see the file's comment): `(best, l, r)` is true when the row
 * the join would build from `l` and `r` (the columns `pair`) is of `best`'s partition (the
 * PARTITION BY columns `partitionNames` hold the same values, by `Object.is`: -0 and 0 are two
 * keys) and `best` ranks before it or ties with it by `orderBy` over `orderNames`. Undefined when
 * a column is not one of the pair's. Names are JSON string literals, which cannot inject code.
 */
export function topOnePairDrops(
  orderBy: readonly OrderItem[],
  orderNames: readonly string[],
  partitionNames: readonly string[],
  pair: readonly PairColumn[],
): ((best: Row, l: Row, r: Row) => boolean) | undefined {
  const byName = new Map(pair.map((c) => [c.name, c]));
  const pairRead = (name: string): string | undefined => {
    const c = byName.get(name);
    return c === undefined
      ? undefined
      : `${c.side === "left" ? "l" : "r"}[${JSON.stringify(c.from)}] ?? null`;
  };
  const bestRead = (name: string) => `best[${JSON.stringify(name)}] ?? null`;
  const partition = partitionNames.map(pairRead);
  const order = orderNames.map(pairRead);
  if (partition.includes(undefined) || order.includes(undefined)) return undefined;
  const samePartition = partitionNames
    .map((name, i) => `if (!Object.is(${bestRead(name)}, ${partition[i] as string})) return false;`)
    .join("\n");
  // compare(best, pair) <= 0: the Top-N's binary search puts the pair after best, below the top.
  const steps = orderSteps(
    orderBy,
    (i) => bestRead(orderNames[i] as string),
    (i) => order[i] as string,
    (v) => `return ${v <= 0};`,
  );
  return new Function("best", "l", "r", `let x, y;\n${samePartition}\n${steps}\nreturn true;`) as (
    best: Row,
    l: Row,
    r: Row,
  ) => boolean;
}
