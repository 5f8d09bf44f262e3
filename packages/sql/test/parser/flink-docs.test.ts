// Every example query of Flink's SQL documentation for window TVFs, window aggregation, group
// windows, OVER, joins, top-N, deduplication, window top-N / deduplication / join and
// MATCH_RECOGNIZE parses, with the structure it should have. The texts are copied from
// apache/flink, docs/content/docs/dev/table/sql/queries/<file> (each case names its file), with
// the `Flink SQL>` prompts and result tables left out. Where the docs hold a placeholder
// (`WITH (...)`, `[AFTER MATCH STRATEGY]`) the case fills it in and says so; the examples with a
// real mistake in the docs are in syntax-errors.test.ts, where they must fail.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Expr,
  parseScript,
  parseStatement,
  type Query,
  type Select,
  type Statement,
  type TableRef,
} from "@fleuve/sql";

interface DocCase {
  /** File under docs/content/docs/dev/table/sql/queries/ of apache/flink. */
  readonly source: string;
  readonly sql: string;
  /** Checks on the parsed statements beyond "it parses". */
  readonly check?: (statements: Statement[]) => void;
}

const query = (s: Statement): Query => {
  assert.equal(s.kind, "query");
  return (s as Statement & { kind: "query" }).query;
};
const select = (q: Query): Select => {
  assert.equal(q.body.kind, "select");
  return q.body as Select;
};
const from = (s: Statement): TableRef => {
  const f = select(query(s)).from;
  assert.ok(f);
  return f;
};
/** The window TVF of `FROM TABLE(fn(...))`: its name and argument kinds. */
function tvf(ref: TableRef): { name: string; args: string[] } {
  assert.equal(ref.kind, "tableFunction");
  const call = (ref as TableRef & { kind: "tableFunction" }).call;
  return {
    name: call.name,
    args: call.args.map((a) => (a.kind === "namedArg" ? `${a.name}=>${a.value.kind}` : a.kind)),
  };
}
const intervalOf = (e: Expr | undefined): string => {
  assert.ok(e && e.kind === "interval");
  return `${e.value} ${e.from}`;
};

const BID_TVF_AGG = (fn: string) => (st: Statement[]) => {
  const s = select(query(st[0] as Statement));
  assert.deepEqual(
    s.groupBy.map((g) =>
      g.kind === "expr" && g.expr.kind === "column" ? g.expr.name.parts.join(".") : g.kind,
    ),
    ["window_start", "window_end"],
  );
  assert.equal(tvf(s.from as TableRef).name, fn);
};

const cases: DocCase[] = [
  // window-tvf.md
  {
    source: "window-tvf.md",
    sql: "SELECT * FROM TABLE(\n   TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES));",
    check: (st) => {
      assert.deepEqual(tvf(from(st[0] as Statement)), {
        name: "TUMBLE",
        args: ["tableArg", "descriptor", "interval"],
      });
    },
  },
  {
    source: "window-tvf.md",
    sql: "SELECT * FROM TABLE(\n   TUMBLE(\n     DATA => TABLE Bid,\n     TIMECOL => DESCRIPTOR(bidtime),\n     SIZE => INTERVAL '10' MINUTES));",
    check: (st) => {
      assert.deepEqual(tvf(from(st[0] as Statement)), {
        name: "TUMBLE",
        args: ["DATA=>tableArg", "TIMECOL=>descriptor", "SIZE=>interval"],
      });
    },
  },
  {
    source: "window-tvf.md",
    sql: "SELECT window_start, window_end, SUM(price)\n  FROM TABLE(\n    TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))\n  GROUP BY window_start, window_end;",
    check: BID_TVF_AGG("TUMBLE"),
  },
  {
    source: "window-tvf.md",
    sql: "SELECT * FROM TABLE(\n    HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES));",
    check: (st) => {
      const call = (from(st[0] as Statement) as TableRef & { kind: "tableFunction" }).call;
      assert.deepEqual(call.args.slice(2).map(intervalOf), ["5 MINUTES", "10 MINUTES"]);
    },
  },
  {
    source: "window-tvf.md",
    sql: "SELECT * FROM TABLE(\n    HOP(\n      DATA => TABLE Bid,\n      TIMECOL => DESCRIPTOR(bidtime),\n      SLIDE => INTERVAL '5' MINUTES,\n      SIZE => INTERVAL '10' MINUTES));",
  },
  {
    source: "window-tvf.md",
    sql: "SELECT window_start, window_end, SUM(price)\n  FROM TABLE(\n    HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))\n  GROUP BY window_start, window_end;",
    check: BID_TVF_AGG("HOP"),
  },
  {
    source: "window-tvf.md",
    sql: "SELECT * FROM TABLE(\n    CUMULATE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '2' MINUTES, INTERVAL '10' MINUTES));",
  },
  {
    source: "window-tvf.md",
    sql: "SELECT * FROM TABLE(\n    CUMULATE(\n      DATA => TABLE Bid,\n      TIMECOL => DESCRIPTOR(bidtime),\n      STEP => INTERVAL '2' MINUTES,\n      SIZE => INTERVAL '10' MINUTES));",
  },
  {
    source: "window-tvf.md",
    sql: "SELECT window_start, window_end, SUM(price)\n  FROM TABLE(\n    CUMULATE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '2' MINUTES, INTERVAL '10' MINUTES))\n  GROUP BY window_start, window_end;",
    check: BID_TVF_AGG("CUMULATE"),
  },
  {
    source: "window-tvf.md (session, Flink 1.19+)",
    sql: "SELECT * FROM TABLE(\n    SESSION(TABLE Bid PARTITION BY item, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES));",
    check: (st) => {
      const call = (from(st[0] as Statement) as TableRef & { kind: "tableFunction" }).call;
      const data = call.args[0];
      assert.ok(data?.kind === "tableArg");
      assert.deepEqual(data.table.parts, ["Bid"]);
      assert.deepEqual(
        data.partitionBy.map((p) => (p.kind === "column" ? p.name.parts.join(".") : p.kind)),
        ["item"],
      );
    },
  },
  {
    source: "window-tvf.md (session, Flink 1.19+)",
    sql: "SELECT window_start, window_end, item, SUM(price) AS total_price\n    FROM TABLE(\n        SESSION(TABLE Bid PARTITION BY item, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))\n    GROUP BY item, window_start, window_end;",
  },
  {
    source: "window-tvf.md (session, Flink 1.19+)",
    sql: "SELECT * FROM TABLE(\n      SESSION(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES));",
  },
  {
    source: "window-tvf.md (session, Flink 1.19+)",
    sql: "SELECT window_start, window_end, SUM(price) AS total_price\n    FROM TABLE(\n        SESSION(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))\n    GROUP BY window_start, window_end;",
  },
  {
    source: "window-tvf.md (window offset)",
    sql: "SELECT * FROM TABLE(\n   TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES, INTERVAL '1' MINUTES));",
  },
  {
    source: "window-tvf.md (window offset)",
    sql: "SELECT * FROM TABLE(\n   TUMBLE(\n     DATA => TABLE Bid,\n     TIMECOL => DESCRIPTOR(bidtime),\n     SIZE => INTERVAL '10' MINUTES,\n     OFFSET => INTERVAL '1' MINUTES));",
  },
  {
    source: "window-tvf.md (window offset)",
    sql: "SELECT window_start, window_end, SUM(price)\n  FROM TABLE(\n    TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES, INTERVAL '1' MINUTES))\n  GROUP BY window_start, window_end;",
  },
  // window-agg.md
  {
    source: "window-agg.md",
    sql: "SELECT window_start, window_end, supplier_id, SUM(price) as price\n  FROM TABLE(\n    TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))\n  GROUP BY window_start, window_end, GROUPING SETS ((supplier_id), ());",
    check: (st) => {
      const g = select(query(st[0] as Statement)).groupBy[2];
      assert.ok(g?.kind === "groupingSets");
      assert.deepEqual(
        g.elements.map((e) => e.kind),
        ["expr", "empty"],
      );
    },
  },
  {
    source: "window-agg.md",
    sql: "SELECT window_start, window_end, supplier_id, SUM(price) as price\nFROM TABLE(\n    TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))\nGROUP BY window_start, window_end, ROLLUP (supplier_id);",
    check: (st) => assert.equal(select(query(st[0] as Statement)).groupBy[2]?.kind, "rollup"),
  },
  {
    source: "window-agg.md",
    sql: "SELECT window_start, window_end, item, supplier_id, SUM(price) as price\n  FROM TABLE(\n    TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))\n  GROUP BY window_start, window_end, CUBE (supplier_id, item);\n\nSELECT window_start, window_end, item, supplier_id, SUM(price) as price\n  FROM TABLE(\n    TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))\n  GROUP BY window_start, window_end, GROUPING SETS (\n      (supplier_id, item),\n      (supplier_id      ),\n      (             item),\n      (                 )\n)",
    check: (st) => {
      assert.equal(st.length, 2);
      const g = select(query(st[1] as Statement)).groupBy[2];
      assert.ok(g?.kind === "groupingSets");
      assert.deepEqual(
        g.elements.map((e) => e.kind),
        ["set", "expr", "expr", "empty"],
      );
    },
  },
  {
    source: "window-agg.md (cascading)",
    sql: "CREATE VIEW window1 AS\nSELECT window_start, window_end, window_time as rowtime, SUM(price) as partial_price\n  FROM TABLE(\n    TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))\n  GROUP BY supplier_id, window_start, window_end, window_time;\n\nSELECT window_start, window_end, SUM(partial_price) as total_price\n  FROM TABLE(\n      TUMBLE(TABLE window1, DESCRIPTOR(rowtime), INTERVAL '10' MINUTES))\n  GROUP BY window_start, window_end;",
    check: (st) =>
      assert.deepEqual(
        st.map((s) => s.kind),
        ["createView", "query"],
      ),
  },
  {
    source: "window-agg.md (group window aggregation; WITH (...) filled in)",
    sql: "CREATE TABLE Orders (\n  user       BIGINT,\n  product    STRING,\n  amount     INT,\n  order_time TIMESTAMP(3),\n  WATERMARK FOR order_time AS order_time - INTERVAL '1' MINUTE\n) WITH ('connector' = 'datagen');\n\nSELECT\n  user,\n  TUMBLE_START(order_time, INTERVAL '1' DAY) AS wStart,\n  SUM(amount) FROM Orders\nGROUP BY\n  TUMBLE(order_time, INTERVAL '1' DAY),\n  user",
    check: (st) => {
      const ct = st[0];
      assert.ok(ct?.kind === "createTable");
      assert.deepEqual(
        ct.columns.map(
          (c) =>
            `${c.name}:${c.kind === "computed" ? "AS" : c.type.kind === "atomic" ? `${c.type.name}(${c.type.args})` : c.type.kind}`,
        ),
        ["user:BIGINT()", "product:STRING()", "amount:INT()", "order_time:TIMESTAMP(3)"],
      );
      assert.equal(ct.watermark?.column, "order_time");
      const g = select(query(st[1] as Statement)).groupBy[0];
      assert.ok(g?.kind === "expr" && g.expr.kind === "call" && g.expr.name === "TUMBLE");
    },
  },
  // over-agg.md
  {
    source: "over-agg.md",
    sql: "SELECT order_id, order_time, amount,\n  SUM(amount) OVER (\n    PARTITION BY product\n    ORDER BY order_time\n    RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW\n  ) AS one_hour_prod_amount_sum\nFROM Orders",
    check: (st) => {
      const item = select(query(st[0] as Statement)).items[3];
      assert.ok(item?.expr.kind === "call" && item.expr.over?.kind === "spec");
      const frame = item.expr.over.frame;
      assert.equal(frame?.unit, "RANGE");
      assert.ok(frame?.start.kind === "offset");
      assert.equal(intervalOf(frame.start.offset), "1 HOUR");
      assert.equal(frame.end?.kind, "current");
      assert.equal(item.alias, "one_hour_prod_amount_sum");
    },
  },
  {
    source: "over-agg.md (ROWS interval, in a query)",
    sql: "SELECT SUM(amount) OVER (PARTITION BY product ORDER BY order_time ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) FROM Orders",
  },
  {
    source: "over-agg.md",
    sql: "SELECT order_id, order_time, amount,\n  SUM(amount) OVER w AS sum_amount,\n  AVG(amount) OVER w AS avg_amount\nFROM Orders\nWINDOW w AS (\n  PARTITION BY product\n  ORDER BY order_time\n  RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW)",
    check: (st) => {
      const s = select(query(st[0] as Statement));
      assert.equal(s.windows[0]?.name, "w");
      const item = s.items[3];
      assert.ok(item?.expr.kind === "call");
      assert.deepEqual(item.expr.over, { kind: "ref", name: "w" });
    },
  },
  // joins.md
  { source: "joins.md", sql: "SELECT * FROM Orders\nINNER JOIN Product\nON Orders.productId = Product.id" },
  {
    source: "joins.md",
    sql: "SELECT *\nFROM Orders\nLEFT JOIN Product\nON Orders.product_id = Product.id;\n\nSELECT *\nFROM Orders\nRIGHT JOIN Product\nON Orders.product_id = Product.id;\n\nSELECT *\nFROM Orders\nFULL OUTER JOIN Product\nON Orders.product_id = Product.id",
    check: (st) => {
      assert.deepEqual(
        st.map((s) => {
          const f = from(s);
          return f.kind === "join" ? f.type : f.kind;
        }),
        ["LEFT", "RIGHT", "FULL"],
      );
    },
  },
  {
    source: "joins.md (interval join)",
    sql: "SELECT *\nFROM Orders o, Shipments s\nWHERE o.id = s.order_id\nAND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time",
    check: (st) => {
      const f = from(st[0] as Statement);
      assert.ok(f.kind === "join" && f.type === "COMMA");
      assert.equal(f.left.kind === "table" ? f.left.alias?.name : "", "o");
    },
  },
  {
    source: "joins.md (temporal join tables; WITH (/* ... */) filled in)",
    sql: "CREATE TABLE orders (\n    order_id    STRING,\n    price       DECIMAL(32,2),\n    currency    STRING,\n    order_time  TIMESTAMP(3),\n    WATERMARK FOR order_time AS order_time\n) WITH ('connector' = 'datagen');\n\nCREATE TABLE currency_rates (\n    currency STRING,\n    conversion_rate DECIMAL(32, 2),\n    update_time TIMESTAMP(3) METADATA FROM 'values.source.timestamp' VIRTUAL,\n    WATERMARK FOR update_time AS update_time,\n    PRIMARY KEY(currency) NOT ENFORCED\n) WITH (\n   'connector' = 'kafka',\n   'value.format' = 'debezium-json'\n);",
    check: (st) => {
      const rates = st[1];
      assert.ok(rates?.kind === "createTable");
      const meta = rates.columns[2];
      assert.ok(meta?.kind === "metadata");
      assert.equal(meta.key, "values.source.timestamp");
      assert.equal(meta.virtual, true);
      assert.deepEqual(rates.primaryKey, { columns: ["currency"] });
      assert.deepEqual(
        rates.options.map(({ key, value }) => ({ key, value })),
        [
          { key: "connector", value: "kafka" },
          { key: "value.format", value: "debezium-json" },
        ],
      );
      // Each option knows where its key is written (errors about it point there).
      assert.deepEqual(
        rates.options.map((o) => [o.pos?.line, o.pos?.column]),
        [
          [16, 4],
          [17, 4],
        ],
      );
    },
  },
  {
    source: "joins.md (temporal join; the trailing comma of the docs' select list removed)",
    sql: "SELECT \n     order_id,\n     price,\n     currency,\n     conversion_rate,\n     order_time\nFROM orders\nLEFT JOIN currency_rates FOR SYSTEM_TIME AS OF orders.order_time\nON orders.currency = currency_rates.currency;",
    check: (st) => {
      const f = from(st[0] as Statement);
      assert.ok(f.kind === "join" && f.right.kind === "table");
      assert.ok(f.right.systemTime?.kind === "column");
      assert.deepEqual(f.right.systemTime.name.parts, ["orders", "order_time"]);
    },
  },
  {
    source: "joins.md (processing-time temporal join)",
    sql: "SELECT\n  o.amount, o.currency, r.rate, o.amount * r.rate\nFROM\n  Orders AS o\n  JOIN LatestRates FOR SYSTEM_TIME AS OF o.proctime AS r\n  ON r.currency = o.currency",
    check: (st) => {
      const f = from(st[0] as Statement);
      assert.ok(f.kind === "join" && f.right.kind === "table");
      assert.equal(f.right.alias?.name, "r");
    },
  },
  {
    source: "joins.md (lookup join)",
    sql: "CREATE TEMPORARY TABLE Customers (\n  id INT,\n  name STRING,\n  country STRING,\n  zip STRING\n) WITH (\n  'connector' = 'jdbc',\n  'url' = 'jdbc:mysql://mysqlhost:3306/customerdb',\n  'table-name' = 'customers'\n);\n\nSELECT o.order_id, o.total, c.country, c.zip\nFROM Orders AS o\n  JOIN Customers FOR SYSTEM_TIME AS OF o.proc_time AS c\n    ON o.customer_id = c.id;",
    check: (st) => assert.ok(st[0]?.kind === "createTable" && st[0].temporary),
  },
  {
    source: "joins.md (array expansion)",
    sql: "SELECT order_id, tag\nFROM Orders CROSS JOIN UNNEST(tags) AS t (tag)",
    check: (st) => {
      const f = from(st[0] as Statement);
      assert.ok(f.kind === "join" && f.type === "CROSS" && f.right.kind === "unnest");
      assert.deepEqual(f.right.alias, { name: "t", columns: ["tag"] });
    },
  },
  {
    source: "joins.md (table function)",
    sql: "SELECT order_id, res\nFROM Orders,\nLATERAL TABLE(table_func(order_id)) t(res)",
    check: (st) => {
      const f = from(st[0] as Statement);
      assert.ok(f.kind === "join" && f.right.kind === "tableFunction" && f.right.lateral);
    },
  },
  {
    source: "joins.md (table function, left outer)",
    sql: "SELECT order_id, res\nFROM Orders\nLEFT OUTER JOIN LATERAL TABLE(table_func(order_id)) t(res)\n  ON TRUE",
  },
  // topn.md
  {
    source: "topn.md (WITH (...) filled in)",
    sql: "CREATE TABLE ShopSales (\n  product_id   STRING,\n  category     STRING,\n  product_name STRING,\n  sales        BIGINT\n) WITH ('connector' = 'datagen');\n\nSELECT *\nFROM (\n  SELECT *,\n    ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC) AS row_num\n  FROM ShopSales)\nWHERE row_num <= 5",
    check: (st) => {
      const outer = select(query(st[1] as Statement));
      assert.equal(outer.from?.kind, "derived");
      const inner = select((outer.from as TableRef & { kind: "derived" }).query);
      const rn = inner.items[1]?.expr;
      assert.ok(rn?.kind === "call" && rn.name === "ROW_NUMBER" && rn.over?.kind === "spec");
      assert.equal(rn.over.orderBy[0]?.direction, "DESC");
    },
  },
  {
    source: "topn.md (no ranking output)",
    sql: "SELECT product_id, category, product_name, sales\nFROM (\n  SELECT *,\n    ROW_NUMBER() OVER (PARTITION BY category ORDER BY sales DESC) AS row_num\n  FROM ShopSales)\nWHERE row_num <= 5",
  },
  // deduplication.md
  {
    source: "deduplication.md (WITH (...) filled in)",
    sql: "CREATE TABLE Orders (\n  order_time  STRING,\n  user        STRING,\n  product     STRING,\n  num         BIGINT,\n  proctime AS PROCTIME()\n) WITH ('connector' = 'datagen');\n\nSELECT order_id, user, product, num\nFROM (\n  SELECT *,\n    ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY proctime ASC) AS row_num\n  FROM Orders)\nWHERE row_num = 1",
    check: (st) => {
      const ct = st[0];
      assert.ok(ct?.kind === "createTable");
      const computed = ct.columns[4];
      assert.ok(
        computed?.kind === "computed" && computed.expr.kind === "call" && computed.expr.name === "PROCTIME",
      );
    },
  },
  // window-topn.md
  {
    source: "window-topn.md",
    sql: "SELECT *\n  FROM (\n    SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) as rownum\n    FROM (\n      SELECT window_start, window_end, supplier_id, SUM(price) as price, COUNT(*) as cnt\n      FROM TABLE(\n        TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))\n      GROUP BY window_start, window_end, supplier_id\n    )\n  ) WHERE rownum <= 3;",
  },
  {
    source: "window-topn.md",
    sql: "SELECT *\n  FROM (\n    SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) as rownum\n    FROM TABLE(\n               TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))\n  ) WHERE rownum <= 3;",
  },
  // window-deduplication.md
  {
    source: "window-deduplication.md",
    sql: "SELECT *\n  FROM (\n    SELECT bidtime, price, item, supplier_id, window_start, window_end, \n      ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY bidtime DESC) as rownum\n    FROM TABLE(\n               TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))\n  ) WHERE rownum <= 1;",
  },
  // window-join.md
  {
    source: "window-join.md",
    sql: "SELECT L.num as L_Num, L.id as L_Id, R.num as R_Num, R.id as R_Id, L.window_start, L.window_end\n           FROM (\n               SELECT * FROM TABLE(TUMBLE(TABLE LeftTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))\n           ) L\n           FULL JOIN (\n               SELECT * FROM TABLE(TUMBLE(TABLE RightTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))\n           ) R\n           ON L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end;",
    check: (st) => {
      const f = from(st[0] as Statement);
      assert.ok(
        f.kind === "join" && f.type === "FULL" && f.left.kind === "derived" && f.right.kind === "derived",
      );
    },
  },
  {
    source: "window-join.md (semi)",
    sql: "SELECT *\n           FROM (\n               SELECT * FROM TABLE(TUMBLE(TABLE LeftTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))\n           ) L WHERE L.num IN (\n             SELECT num FROM (   \n               SELECT * FROM TABLE(TUMBLE(TABLE RightTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))\n             ) R WHERE L.window_start = R.window_start AND L.window_end = R.window_end);",
    check: (st) => assert.equal(select(query(st[0] as Statement)).where?.kind, "inQuery"),
  },
  {
    source: "window-join.md (semi)",
    sql: "SELECT *\n           FROM (\n               SELECT * FROM TABLE(TUMBLE(TABLE LeftTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))\n           ) L WHERE EXISTS (\n             SELECT * FROM (\n               SELECT * FROM TABLE(TUMBLE(TABLE RightTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))\n             ) R WHERE L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end);",
    check: (st) => assert.equal(select(query(st[0] as Statement)).where?.kind, "exists"),
  },
  {
    source: "window-join.md (anti)",
    sql: "SELECT *\n           FROM (\n               SELECT * FROM TABLE(TUMBLE(TABLE LeftTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))\n           ) L WHERE L.num NOT IN (\n             SELECT num FROM (   \n               SELECT * FROM TABLE(TUMBLE(TABLE RightTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))\n             ) R WHERE L.window_start = R.window_start AND L.window_end = R.window_end);",
    check: (st) => {
      const w = select(query(st[0] as Statement)).where;
      assert.ok(w?.kind === "inQuery" && w.not);
    },
  },
  {
    source: "window-join.md (anti)",
    sql: "SELECT *\n           FROM (\n               SELECT * FROM TABLE(TUMBLE(TABLE LeftTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))\n           ) L WHERE NOT EXISTS (\n             SELECT * FROM (\n               SELECT * FROM TABLE(TUMBLE(TABLE RightTable, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))\n             ) R WHERE L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end);",
  },
  // match_recognize.md
  {
    source: "match_recognize.md",
    sql: "SELECT T.aid, T.bid, T.cid\nFROM MyTable\n    MATCH_RECOGNIZE (\n      PARTITION BY userid\n      ORDER BY proctime\n      MEASURES\n        A.id AS aid,\n        B.id AS bid,\n        C.id AS cid\n      PATTERN (A B C)\n      DEFINE\n        A AS name = 'a',\n        B AS name = 'b',\n        C AS name = 'c'\n    ) AS T",
    check: (st) => {
      const f = from(st[0] as Statement);
      assert.ok(f.kind === "matchRecognize");
      assert.equal(f.alias?.name, "T");
      assert.deepEqual(f.spec.pattern, {
        kind: "sequence",
        terms: [
          { kind: "variable", name: "A" },
          { kind: "variable", name: "B" },
          { kind: "variable", name: "C" },
        ],
      });
      assert.deepEqual(
        f.spec.define.map((d) => d.variable),
        ["A", "B", "C"],
      );
      assert.deepEqual(
        f.spec.measures.map((m) => m.alias),
        ["aid", "bid", "cid"],
      );
    },
  },
  {
    source: "match_recognize.md",
    sql: "SELECT *\nFROM Ticker\n    MATCH_RECOGNIZE (\n        PARTITION BY symbol\n        ORDER BY rowtime\n        MEASURES\n            START_ROW.rowtime AS start_tstamp,\n            LAST(PRICE_DOWN.rowtime) AS bottom_tstamp,\n            LAST(PRICE_UP.rowtime) AS end_tstamp\n        ONE ROW PER MATCH\n        AFTER MATCH SKIP TO LAST PRICE_UP\n        PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)\n        DEFINE\n            PRICE_DOWN AS\n                (LAST(PRICE_DOWN.price, 1) IS NULL AND PRICE_DOWN.price < START_ROW.price) OR\n                    PRICE_DOWN.price < LAST(PRICE_DOWN.price, 1),\n            PRICE_UP AS\n                PRICE_UP.price > LAST(PRICE_DOWN.price, 1)\n    ) MR;",
    check: (st) => {
      const f = from(st[0] as Statement);
      assert.ok(f.kind === "matchRecognize");
      assert.equal(f.spec.rowsPerMatch, "ONE ROW PER MATCH");
      assert.deepEqual(f.spec.afterMatch, { kind: "toLast", variable: "PRICE_UP" });
      const p = f.spec.pattern;
      assert.ok(p.kind === "sequence");
      assert.deepEqual(p.terms[1], {
        kind: "quantified",
        term: { kind: "variable", name: "PRICE_DOWN" },
        min: 1,
        reluctant: false,
        form: "+",
      });
      assert.equal(f.spec.define[0]?.condition.kind, "binary");
    },
  },
  {
    source: "match_recognize.md (aggregations)",
    sql: "SELECT *\nFROM Ticker\n    MATCH_RECOGNIZE (\n        PARTITION BY symbol\n        ORDER BY rowtime\n        MEASURES\n            FIRST(A.rowtime) AS start_tstamp,\n            LAST(A.rowtime) AS end_tstamp,\n            AVG(A.price) AS avgPrice\n        ONE ROW PER MATCH\n        AFTER MATCH SKIP PAST LAST ROW\n        PATTERN (A+ B)\n        DEFINE\n            A AS AVG(A.price) < 15\n    ) MR;",
    check: (st) => {
      const f = from(st[0] as Statement);
      assert.ok(f.kind === "matchRecognize");
      assert.deepEqual(f.spec.afterMatch, { kind: "pastLastRow" });
    },
  },
  {
    source: "match_recognize.md (greedy quantifier)",
    sql: "SELECT *\nFROM Ticker\n    MATCH_RECOGNIZE(\n        PARTITION BY symbol\n        ORDER BY rowtime\n        MEASURES\n            C.price AS lastPrice\n        ONE ROW PER MATCH\n        AFTER MATCH SKIP PAST LAST ROW\n        PATTERN (A B* C)\n        DEFINE\n            A AS A.price > 10,\n            B AS B.price < 15,\n            C AS C.price > 12\n    )",
  },
  {
    source: "match_recognize.md (reluctant quantifier B*?)",
    sql: "SELECT *\nFROM Ticker\n    MATCH_RECOGNIZE(\n        PARTITION BY symbol\n        ORDER BY rowtime\n        MEASURES\n            C.price AS lastPrice\n        ONE ROW PER MATCH\n        AFTER MATCH SKIP PAST LAST ROW\n        PATTERN (A B*? C)\n        DEFINE\n            A AS A.price > 10,\n            B AS B.price < 15,\n            C AS C.price > 12\n    )",
    check: (st) => {
      const f = from(st[0] as Statement);
      assert.ok(f.kind === "matchRecognize" && f.spec.pattern.kind === "sequence");
      const b = f.spec.pattern.terms[1];
      assert.ok(b?.kind === "quantified" && b.reluctant && b.min === 0 && b.max === undefined);
    },
  },
  {
    source: "match_recognize.md (output mode)",
    sql: "SELECT *\nFROM Ticker\n    MATCH_RECOGNIZE(\n        PARTITION BY symbol\n        ORDER BY rowtime\n        MEASURES\n            FIRST(A.price) AS startPrice,\n            LAST(A.price) AS topPrice,\n            B.price AS lastPrice\n        ONE ROW PER MATCH\n        PATTERN (A+ B)\n        DEFINE\n            A AS LAST(A.price, 1) IS NULL OR A.price > LAST(A.price, 1),\n            B AS B.price < LAST(A.price)\n    )",
  },
  ...(["SKIP PAST LAST ROW", "SKIP TO NEXT ROW", "SKIP TO LAST A", "SKIP TO FIRST A"] as const).map(
    (strategy) => ({
      source: `match_recognize.md (after match strategy; [AFTER MATCH STRATEGY] = AFTER MATCH ${strategy})`,
      sql: `SELECT *\nFROM Ticker\n    MATCH_RECOGNIZE(\n        PARTITION BY symbol\n        ORDER BY rowtime\n        MEASURES\n            SUM(A.price) AS sumPrice,\n            FIRST(rowtime) AS startTime,\n            LAST(rowtime) AS endTime\n        ONE ROW PER MATCH\n        AFTER MATCH ${strategy}\n        PATTERN (A+ C)\n        DEFINE\n            A AS SUM(A.price) < 30\n    )`,
      check: (st: Statement[]) => {
        const f = from(st[0] as Statement);
        assert.ok(f.kind === "matchRecognize");
        const expected = {
          "SKIP PAST LAST ROW": { kind: "pastLastRow" },
          "SKIP TO NEXT ROW": { kind: "toNextRow" },
          "SKIP TO LAST A": { kind: "toLast", variable: "A" },
          "SKIP TO FIRST A": { kind: "toFirst", variable: "A" },
        }[strategy];
        assert.deepEqual(f.spec.afterMatch, expected);
      },
    }),
  ),
];

/** The pattern fragments of match_recognize.md, each inside a minimal MATCH_RECOGNIZE. */
const patternFragments = [
  "PATTERN (A B+ C* D)\nDEFINE A AS TRUE",
  "PATTERN (A B* C)\nDEFINE\n    A AS condA(),\n    B AS condB(),\n    C AS NOT condB()",
  "PATTERN (A B+)\nDEFINE\n  A AS A.price >= 10,\n  B AS B.price > A.price AND SUM(price) < 100 AND SUM(B.price) < 80",
  "PATTERN (A B+)\nDEFINE\n  A AS A.price >= 10,\n  B AS (LAST(B.price, 1) IS NULL OR B.price > LAST(B.price, 1)) AND\n       (LAST(B.price, 2) IS NULL OR B.price > 2 * LAST(B.price, 2))",
  "PATTERN (A B? C)\nDEFINE\n  B AS B.price < 20,\n  C AS LAST(price, 1) < C.price",
  "PATTERN (A B+ C)\nDEFINE\n  A as A.price > 10,\n  C as C.price > 20",
  "PATTERN (A B+ C)\nDEFINE\n  A as A.price > 10,\n  B as B.price <= 20,\n  C as C.price > 20",
  "PATTERN (A B+? C)\nDEFINE\n  A as A.price > 10,\n  C as C.price > 20",
];

for (const c of cases) {
  test(`Flink docs ${c.source}: ${c.sql.replace(/\s+/g, " ").slice(0, 80)}`, () => {
    const statements = parseScript(c.sql);
    assert.ok(statements.length >= 1);
    c.check?.(statements);
  });
}

test("the pattern fragments of match_recognize.md parse inside MATCH_RECOGNIZE", () => {
  for (const fragment of patternFragments) {
    const s = parseStatement(`SELECT * FROM Ticker MATCH_RECOGNIZE (ORDER BY rowtime ${fragment})`);
    const f = from(s);
    assert.equal(f.kind, "matchRecognize", fragment);
  }
});
