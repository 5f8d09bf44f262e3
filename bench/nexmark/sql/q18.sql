-- q18: the last bid of each bidder on each auction (Nexmark q18, deduplication keeping the last
-- row): compared as final tables.
SELECT auction, bidder, price, channel, url, `dateTime`, extra
 FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY `dateTime` DESC) AS rank_number
       FROM bid)
 WHERE rank_number <= 1
