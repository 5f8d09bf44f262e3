-- parity.sql edited: a column computed from the totals, and a WHERE on the orders. Its
-- aggregation keeps its id and state schema, so a savepoint of parity.sql restores into it:
-- `fleuve sql -f examples/sql/parity-edited.sql --from-savepoint <savepoint> --check`.
SET 'pipeline.name' = 'parity';
CREATE TABLE orders (id INT, amount DOUBLE) WITH (
  'connector' = 'datagen', 'rows-per-second' = '0',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '4',
  'fields.amount.min' = '1', 'fields.amount.max' = '1');
CREATE TABLE totals (parity INT, orders BIGINT, total DOUBLE, average DOUBLE) WITH ('connector' = 'print');
INSERT INTO totals
SELECT p, n, total, total / n FROM (
  SELECT MOD(id, 2) AS p, COUNT(*) AS n, SUM(amount) AS total
  FROM (SELECT id, amount FROM orders WHERE amount > 0) GROUP BY MOD(id, 2));
