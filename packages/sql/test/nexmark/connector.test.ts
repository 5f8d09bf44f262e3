// The 'nexmark' connector: Nexmark's published DDL (nexmark-flink's queries/ddl_gen.sql, its rates
// and counts filled in) and views (ddl_views.sql) run unchanged, and give exactly the generator's
// events (at parallelism 1 and 2); a window query over them equals a count computed from the
// generator; options without a counterpart in Fleuve's generator are refused, naming the option.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError, StreamExecutionEnvironment } from "@fleuve/core";
import { materialize, type Row, sql } from "@fleuve/sql";
import { NexmarkGenerator, parseMemorySize } from "@fleuve/sql/nexmark";

const EVENTS = 3000;

/** ddl_gen.sql with TPS 10000, EVENTS_NUM and the proportions filled in (and bid's channel, url). */
const DDL = (extra = "") => `CREATE TABLE datagen (
    event_type int,
    person ROW<
        id  BIGINT,
        name  VARCHAR,
        emailAddress  VARCHAR,
        creditCard  VARCHAR,
        city  VARCHAR,
        state  VARCHAR,
        dateTime TIMESTAMP(3),
        extra  VARCHAR>,
    auction ROW<
        id  BIGINT,
        itemName  VARCHAR,
        description  VARCHAR,
        initialBid  BIGINT,
        reserve  BIGINT,
        dateTime  TIMESTAMP(3),
        expires  TIMESTAMP(3),
        seller  BIGINT,
        category  BIGINT,
        extra  VARCHAR>,
    bid ROW<
        auction  BIGINT,
        bidder  BIGINT,
        price  BIGINT,
        channel  VARCHAR,
        url  VARCHAR,
        dateTime  TIMESTAMP(3),
        extra  VARCHAR>,
    dateTime AS
        CASE
            WHEN event_type = 0 THEN person.dateTime
            WHEN event_type = 1 THEN auction.dateTime
            ELSE bid.dateTime
        END,
    WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH (
    'connector' = 'nexmark',
    'first-event.rate' = '10000',
    'next-event.rate' = '10000',
    'events.num' = '${EVENTS}',
    'person.proportion' = '1',
    'auction.proportion' = '3',
    'bid.proportion' = '46'${extra}
)`;

/** ddl_views.sql (with dateTime, as the suite's queries name it). */
const VIEWS = `
CREATE VIEW person AS
SELECT person.id, person.name, person.emailAddress, person.creditCard, person.city, person.state,
    dateTime, person.extra
FROM datagen WHERE event_type = 0;

CREATE VIEW auction AS
SELECT auction.id, auction.itemName, auction.description, auction.initialBid, auction.reserve,
    dateTime, auction.expires, auction.seller, auction.category, auction.extra
FROM datagen WHERE event_type = 1;

CREATE VIEW bid AS
SELECT bid.auction, bid.bidder, bid.price, bid.channel, bid.url, dateTime, bid.extra
FROM datagen WHERE event_type = 2;`;

async function nexmark(parallelism = 1, extra = "") {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism, log: () => {} }));
  await tEnv.executeSql(DDL(extra));
  await tEnv.executeScript(VIEWS);
  return tEnv;
}

const byJson = (rows: readonly unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
const events = () => [...new NexmarkGenerator({ events: EVENTS })];

for (const parallelism of [1, 2]) {
  test(`Nexmark's DDL and views give the generator's events (parallelism ${parallelism})`, async () => {
    const tEnv = await nexmark(parallelism);
    const all = events();
    const bids = await (await tEnv.executeSql("SELECT * FROM bid")).collect();
    assert.deepEqual(
      byJson(bids),
      byJson(
        all.flatMap((e) =>
          e.type === "bid"
            ? [
                {
                  auction: e.auction,
                  bidder: e.bidder,
                  price: e.price,
                  channel: e.channel,
                  url: e.url,
                  dateTime: e.dateTime,
                  extra: e.extra,
                },
              ]
            : [],
        ),
      ),
    );
    const people = await (await tEnv.executeSql("SELECT id, name, dateTime FROM person")).collect();
    assert.deepEqual(
      byJson(people),
      byJson(
        all.flatMap((e) => (e.type === "person" ? [{ id: e.id, name: e.name, dateTime: e.dateTime }] : [])),
      ),
    );
    const auctions = await (await tEnv.executeSql("SELECT id, seller, expires FROM auction")).collect();
    assert.deepEqual(
      byJson(auctions),
      byJson(
        all.flatMap((e) =>
          e.type === "auction" ? [{ id: e.id, seller: e.seller, expires: e.expires }] : [],
        ),
      ),
    );
    // The proportions 1:3:46 of 3000 events.
    assert.deepEqual([people.length, auctions.length, bids.length], [60, 180, 2760]);
  });
}

test("a TUMBLE window over the bid view on the watermark of the DDL equals counts from the generator", async () => {
  const tEnv = await nexmark();
  const rows = materialize(
    await (
      await tEnv.executeSql(`SELECT window_start, COUNT(*) AS n, MAX(price) AS top
        FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '100' MILLISECOND))
        GROUP BY window_start, window_end`)
    ).collect(),
  );
  const want = new Map<number, { n: number; top: number }>();
  for (const e of events()) {
    if (e.type !== "bid") continue;
    const start = e.dateTime - (e.dateTime % 100);
    const w = want.get(start) ?? { n: 0, top: 0 };
    want.set(start, { n: w.n + 1, top: Math.max(w.top, e.price) });
  }
  assert.deepEqual(
    byJson(rows),
    byJson([...want].map(([window_start, w]) => ({ window_start, n: w.n, top: w.top }) as Row)),
  );
});

test("Fleuve's options: seed and base-time change the stream as the generator's configuration does", async () => {
  const tEnv = await nexmark(1, ", 'seed' = '7', 'base-time' = '0', 'out-of-order.group-size' = '1'");
  const people = await (await tEnv.executeSql("SELECT id, name, dateTime FROM person")).collect();
  const gen = new NexmarkGenerator({ events: EVENTS, seed: 7, baseTime: 0, outOfOrderGroupSize: 1 });
  assert.deepEqual(
    people,
    [...gen].flatMap((e) => (e.type === "person" ? [{ id: e.id, name: e.name, dateTime: e.dateTime }] : [])),
  );
});

test("options without a counterpart are refused, naming the option; a column it does not give too", async () => {
  for (const [ddl, message] of [
    [
      DDL().replace("'next-event.rate' = '10000'", "'next-event.rate' = '5000'"),
      /option 'next-event\.rate': Fleuve's generator has one rate: set it to first-event\.rate \(10000\), got 5000/,
    ],
    [
      DDL().replace("'bid.proportion' = '46'", "'bid.proportion' = '92'"),
      /option 'bid\.proportion': Fleuve's generator has the fixed proportions 1:3:46/,
    ],
    [DDL(", 'bid.avg-size' = 'big'"), /option 'bid\.avg-size': 'big' is not a memory size/],
    [DDL(", 'no-such' = '1'"), /no-such/],
    [DDL().replace("event_type int,", "event_type int, other INT,"), /column 'other' is not one it gives/],
  ] as [string, RegExp][]) {
    const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
    await tEnv.executeSql(ddl);
    await assert.rejects(
      async () => (await tEnv.executeSql("SELECT event_type FROM datagen")).collect(),
      (e: unknown) => e instanceof FleuveError && message.test(e.message),
      ddl.slice(-120),
    );
  }
});

test("a compound name resolves to a ROW column's field; a field it lacks is refused with the position", async () => {
  const tEnv = await nexmark();
  const rows = await (
    await tEnv.executeSql(
      "SELECT datagen.person.name AS n, person.id AS id FROM datagen WHERE event_type = 0 LIMIT 1",
    )
  ).collect();
  const first = events().find((e) => e.type === "person");
  assert.deepEqual(rows, [
    { n: first?.type === "person" ? first.name : "", id: first?.type === "person" ? first.id : 0 },
  ]);
  await assert.rejects(
    tEnv.executeSql("SELECT\n  person.nope FROM datagen"),
    (e: unknown) =>
      e instanceof FleuveError &&
      e.code === "FLEUVE_SQL_VALIDATION" &&
      /column person has no field nope: its fields are id, name, .* \(line 2, column 3\)/.test(e.message),
  );
});

test("memory sizes as Flink's MemorySize reads them", () => {
  assert.deepEqual(
    ["200b", "200", "2kb", "1k", "1 mb"].map((s) => parseMemorySize("x", s)),
    [200, 200, 2048, 1024, 1048576],
  );
});
