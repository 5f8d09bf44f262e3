-- Orders by the parity of their id, as a job: `fleuve sql -f examples/sql/parity.sql`.
SET 'pipeline.name' = 'parity';
CREATE TABLE orders (id INT, amount DOUBLE) WITH (
  'connector' = 'datagen', 'rows-per-second' = '0',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '4',
  'fields.amount.min' = '1', 'fields.amount.max' = '1');
CREATE TABLE totals (parity INT, orders BIGINT, total DOUBLE) WITH ('connector' = 'print');
INSERT INTO totals
SELECT MOD(id, 2), COUNT(*), SUM(amount) FROM orders GROUP BY MOD(id, 2);
