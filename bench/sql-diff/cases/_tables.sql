-- Prepended to every case (bench/sql-diff/run.ts replaces ${DATA} with the data folder).
CREATE TABLE events (
  id INT, k STRING, v INT, d DOUBLE, price DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/events.jsonl', 'format' = 'json');
CREATE TABLE orders (
  oid INT, k STRING, amount INT, ots TIMESTAMP(3),
  WATERMARK FOR ots AS ots - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/orders.csv', 'format' = 'csv');
