package dev.fleuve.nexmark;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Nexmark queries in Flink SQL, written from the Nexmark suite's definitions (see
 * docs/nexmark.md for each one, its windows and its canonical output row). Tables: person,
 * auction, bid, with dateTime (and auction.expires) as TIMESTAMP_LTZ(3) event-time attributes.
 */
public final class Queries {
  private Queries() {}

  /** Query name to SQL, in the order they are run by "all". */
  public static final Map<String, String> SQL = new LinkedHashMap<>();

  static {
    // q0: pass-through.
    SQL.put("q0", "SELECT auction, bidder, price, dateTime, extra FROM bid");
    // q1: currency conversion, dollars to euros.
    SQL.put("q1", "SELECT auction, bidder, 0.908 * price AS price, dateTime, extra FROM bid");
    // q2: selection.
    SQL.put("q2", "SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0");
    // q3: local item suggestion (regular inner join, no window).
    SQL.put(
        "q3",
        "SELECT P.name, P.city, P.state, A.id FROM auction AS A INNER JOIN person AS P ON A.seller = P.id"
            + " WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA')");
    // q4: average winning (max) price per category, over bids within the auction's lifetime.
    SQL.put(
        "q4",
        "SELECT Q.category, AVG(Q.final) AS avg_final FROM ("
            + " SELECT MAX(B.price) AS final, A.category FROM auction A, bid B"
            + " WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires"
            + " GROUP BY A.id, A.category) Q GROUP BY Q.category");
    // q5: hot items: auctions with the most bids per sliding window (size 10 s, slide 2 s).
    SQL.put(
        "q5",
        "SELECT AuctionBids.auction, AuctionBids.num, AuctionBids.starttime, AuctionBids.endtime FROM ("
            + " SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime"
            + " FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))"
            + " GROUP BY auction, window_start, window_end) AS AuctionBids"
            + " JOIN ("
            + " SELECT MAX(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime FROM ("
            + "  SELECT COUNT(*) AS num, window_start AS starttime, window_end AS endtime"
            + "  FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))"
            + "  GROUP BY auction, window_start, window_end) AS CountBids"
            + " GROUP BY CountBids.starttime, CountBids.endtime) AS MaxBids"
            + " ON AuctionBids.starttime = MaxBids.starttime AND AuctionBids.endtime = MaxBids.endtime"
            + " AND AuctionBids.num >= MaxBids.maxn");
    // q7: highest bid per tumbling 10 s window (bids whose price equals the window max and whose
    // time lies in [window_end - 10 s, window_end], both ends inclusive, as in Nexmark).
    SQL.put(
        "q7",
        "SELECT B.auction, B.price, B.bidder, B.dateTime, B.extra FROM bid B JOIN ("
            + " SELECT MAX(price) AS maxprice, window_end AS dateTime"
            + " FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))"
            + " GROUP BY window_start, window_end) B1 ON B.price = B1.maxprice"
            + " WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime");
    // q8: people who opened an auction in the same tumbling 10 s window they registered in.
    SQL.put(
        "q8",
        "SELECT P.id, P.name, P.starttime FROM ("
            + " SELECT id, name, window_start AS starttime, window_end AS endtime"
            + " FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))"
            + " GROUP BY id, name, window_start, window_end) P JOIN ("
            + " SELECT seller, window_start AS starttime, window_end AS endtime"
            + " FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))"
            + " GROUP BY seller, window_start, window_end) A"
            + " ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime");
    // q9: winning bid of each auction (highest price, then earliest; bidder and extra break the
    // remaining ties so that the result is deterministic).
    SQL.put(
        "q9",
        "SELECT id, itemName, description, initialBid, reserve, dateTime, expires, seller, category, extra,"
            + " auction, bidder, price, bid_dateTime, bid_extra FROM ("
            + " SELECT A.id, A.itemName, A.description, A.initialBid, A.reserve, A.dateTime, A.expires,"
            + " A.seller, A.category, A.extra, B.auction, B.bidder, B.price, B.dateTime AS bid_dateTime,"
            + " B.extra AS bid_extra, ROW_NUMBER() OVER (PARTITION BY A.id"
            + " ORDER BY B.price DESC, B.dateTime ASC, B.bidder ASC, B.extra ASC) AS rownum"
            + " FROM auction A, bid B"
            + " WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires)"
            + " WHERE rownum <= 1");
    // q11: bids per bidder per session (gap 10 s).
    SQL.put(
        "q11",
        "SELECT B.bidder, COUNT(*) AS bid_count,"
            + " SESSION_START(B.dateTime, INTERVAL '10' SECOND) AS starttime,"
            + " SESSION_END(B.dateTime, INTERVAL '10' SECOND) AS endtime"
            + " FROM bid B GROUP BY B.bidder, SESSION(B.dateTime, INTERVAL '10' SECOND)");
    // q12: bids per bidder per tumbling 10 s processing-time window.
    SQL.put(
        "q12",
        "SELECT B.bidder, COUNT(*) AS bid_count,"
            + " TUMBLE_START(B.p_time, INTERVAL '10' SECOND) AS starttime,"
            + " TUMBLE_END(B.p_time, INTERVAL '10' SECOND) AS endtime"
            + " FROM (SELECT *, PROCTIME() AS p_time FROM bid) B"
            + " GROUP BY B.bidder, TUMBLE(B.p_time, INTERVAL '10' SECOND)");
  }
}
