-- q9: winning bid of each auction (highest price, then earliest; bidder and extra break the
-- remaining ties so that the result is deterministic).
-- Mini-batch as in Nexmark's flink-conf.yaml: changes held for up to 2 s or 50,000 rows.
SET 'table.exec.mini-batch.enabled' = 'true';
SET 'table.exec.mini-batch.allow-latency' = '2 s';
SET 'table.exec.mini-batch.size' = '50000';
SELECT id, itemName, description, initialBid, reserve, dateTime, expires, seller, category, extra, auction, bidder, price, bid_dateTime, bid_extra 
FROM ( SELECT A.id, A.itemName, A.description, A.initialBid, A.reserve, A.dateTime, A.expires, A.seller, A.category, A.extra, B.auction, B.bidder, B.price, B.dateTime AS bid_dateTime, B.extra AS bid_extra, ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.dateTime ASC, B.bidder ASC, B.extra ASC) AS rownum 
FROM auction A, bid B 
WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires) 
WHERE rownum <= 1
