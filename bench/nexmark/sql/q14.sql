-- q14: bids converted to euros, classed by the hour of the day, with a user-defined function
-- (Nexmark q14). `${COUNT_CHAR}` is the one engine-specific text: the UDF's implementation,
-- Flink's Java class dev.fleuve.nexmark.CountChar or Fleuve's ./count-char.ts#countChar.
CREATE FUNCTION count_char AS '${COUNT_CHAR}';
SELECT
    auction,
    bidder,
    0.908 * price as price,
    CASE
        WHEN HOUR(`dateTime`) >= 8 AND HOUR(`dateTime`) <= 18 THEN 'dayTime'
        WHEN HOUR(`dateTime`) <= 6 OR HOUR(`dateTime`) >= 20 THEN 'nightTime'
        ELSE 'otherTime'
    END AS bidTimeType,
    `dateTime`,
    extra,
    count_char(extra, 'c') AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000
