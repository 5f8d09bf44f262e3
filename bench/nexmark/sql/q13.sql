-- q13: bids enriched from a bounded side input (Nexmark q13, a processing-time lookup join). The
-- side input table is Nexmark's text: Flink's legacy filesystem/CSV properties, which Flink 1.20
-- serves as a lookup source (CsvTableSource loads the file once per task), its 'connector' =
-- 'filesystem' table is scan-only and Flink refuses the join ("Processing-time temporal join is
-- not supported yet"). `${SIDE_INPUT}` is the side input's path (rows `i,i` for i < 10 000, as
-- Nexmark's SideInputGenerator writes them), the one engine-specific text.
CREATE TABLE side_input (
  key BIGINT,
  `value` VARCHAR
) WITH (
  'connector.type' = 'filesystem',
  'connector.path' = 'file://${SIDE_INPUT}',
  'format.type' = 'csv'
);
SELECT
    B.auction,
    B.bidder,
    B.price,
    B.dateTime,
    S.`value`
FROM (SELECT *, PROCTIME() as p_time FROM bid) B
JOIN side_input FOR SYSTEM_TIME AS OF B.p_time AS S
ON mod(B.auction, 10000) = S.key
